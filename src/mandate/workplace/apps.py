from django.apps import AppConfig


class WorkplaceConfig(AppConfig):
    name = "mandate.workplace"
    label = "workplace"
    verbose_name = "Workplace wing"

    def ready(self) -> None:
        # the stored figures go out of date at once when their inputs change (signal handlers)
        from mandate.workplace import figure_store  # noqa: F401
