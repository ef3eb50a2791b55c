from django.apps import AppConfig


class UnionConfig(AppConfig):
    name = "mandate.union"
    label = "union"
    verbose_name = "Union wing"
