from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "mandate.platform"
    label = "platform"
    verbose_name = "Platform: accounts, roles, audit log, documents"
