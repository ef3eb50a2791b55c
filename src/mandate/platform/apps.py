from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "mandate.platform"
    label = "platform"
    verbose_name = "Platform: accounts, roles, audit log, documents"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from mandate.platform import throttle

        # every failed sign-in and every lockout is written to the audit log
        user_login_failed.connect(throttle.on_login_failed, dispatch_uid="mandate.audit.sign_in_failed")
        user_locked_out.connect(throttle.on_locked_out, dispatch_uid="mandate.audit.locked_out")
