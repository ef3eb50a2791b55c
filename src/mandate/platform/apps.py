from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "mandate.platform"
    label = "platform"
    verbose_name = "Platform: accounts, roles, audit log, documents"

    def ready(self) -> None:
        import csv

        from axes.signals import user_locked_out
        from django.conf import settings
        from django.contrib.auth.signals import user_login_failed

        from mandate.platform import throttle

        # every failed sign-in and every lockout is written to the audit log
        user_login_failed.connect(throttle.on_login_failed, dispatch_uid="mandate.audit.sign_in_failed")
        user_locked_out.connect(throttle.on_locked_out, dispatch_uid="mandate.audit.locked_out")
        # A cell as large as an upload may be is read, then refused by platform.inputs naming its line and
        # column (the csv module's own 128 KB limit would stop the import with an error naming neither).
        csv.field_size_limit(max(csv.field_size_limit(), settings.MANDATE_MAX_UPLOAD))
