from django.apps import AppConfig


class WorkplaceConfig(AppConfig):
    name = "mandate.workplace"
    label = "workplace"
    verbose_name = "Workplace wing"
