"""Outgoing mail: one setting, MANDATE_EMAIL_URL, chooses Django's e-mail backend; every message goes out
through a job and is logged (to whom, what kind, when), never with its content.

    smtp://user:password@mail.example.org:587?tls=1    SMTP with STARTTLS (ssl=1 for SMTP over TLS, port 465)
    smtp://127.0.0.1:1025                             SMTP without authentication
    file:///var/lib/mandate/mail                      one file a message (the default: var/mail/)
    console://                                        printed on standard output
    memory://                                         kept in django.core.mail.outbox (tests)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

logger = logging.getLogger("mandate.messages")

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
_TRUE = {"1", "true", "yes", "on"}


def email_settings(url: str, default_dir: Path) -> dict[str, Any]:
    """Django's EMAIL_* settings for a MANDATE_EMAIL_URL (an empty URL: files in default_dir)."""
    if not url:
        return {"EMAIL_BACKEND": BACKENDS["file"], "EMAIL_FILE_PATH": default_dir}
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in BACKENDS:
        raise ValueError(f"MANDATE_EMAIL_URL: unknown scheme {scheme!r}; use one of {', '.join(sorted(BACKENDS))}")
    out: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme == "file":
        out["EMAIL_FILE_PATH"] = Path(unquote(parsed.path)) if parsed.path else default_dir
    elif scheme in {"smtp", "smtps"}:
        query = {k: v[-1].lower() for k, v in parse_qs(parsed.query).items()}
        ssl = scheme == "smtps" or query.get("ssl") in _TRUE
        out.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=parsed.port or (465 if ssl else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_TLS=query.get("tls") in _TRUE and not ssl,
            EMAIL_USE_SSL=ssl,
        )
    return out


def log_sent(channel: str, kind: str, to_user: Any, actor: Any = None, **detail: Any) -> None:
    """One line in the audit log and the application log for each message sent: the channel (email, sms), the
    kind (password-reset, ...), the recipient's account and who caused it; never the text or the address."""
    from mandate.platform.audit import record

    who = getattr(to_user, "username", None) or (str(to_user) if to_user is not None else "")
    record(actor, "message.sent", "User", getattr(to_user, "pk", "") or "", channel=channel, kind=kind,
           recipient=who, **detail)
    logger.info("message sent: channel=%s kind=%s recipient=%s", channel, kind, who)


def queue_password_reset(user: Any, *, domain: str, site_name: str, use_https: bool) -> Any:
    """Queue the password-reset mail for one account (on the mail queue); the request returns at once."""
    from mandate.platform import jobs

    return jobs.start("mandate.platform.mail.send_password_reset", kind="mail", queue="mail",
                      title="Password-reset mail", user_id=user.pk, domain=domain, site_name=site_name,
                      use_https=use_https)


def queue_mail(user: Any, *, kind: str, subject: str, body: str, actor: Any = None) -> Any:
    """Queue one mail to an account's address. The subject and body are stored in the queue until sent: never
    put a secret in them (make it in a handler of its own, as send_password_reset does)."""
    from mandate.platform import jobs

    return jobs.start("mandate.platform.mail.send_mail_to_user", kind="mail", queue="mail", actor=actor,
                      title=f"Mail: {subject}"[:200], user_id=user.pk, mail_kind=kind, subject=subject, body=body,
                      actor_id=getattr(actor, "pk", None))


def send_mail_to_user(progress: Any, user_id: int, mail_kind: str, subject: str, body: str,
                      actor_id: int | None = None) -> Any:
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage

    from mandate.platform.jobs import JobRefused, Result

    users = get_user_model().objects
    user = users.get(pk=user_id)
    email = getattr(user, user.get_email_field_name(), "")
    if not email:
        raise JobRefused(f"The account {user.get_username()} has no e-mail address.")
    progress("Sending", 0, 1)
    EmailMessage(subject, body, None, [email]).send()
    log_sent("email", mail_kind, user, users.filter(pk=actor_id).first() if actor_id else None)
    return Result(text=f"Sent to {user.get_username()}.")


def send_password_reset(progress: Any, user_id: int, domain: str, site_name: str, use_https: bool) -> Any:
    """Send one password-reset mail. The link's token is made here, in the worker, so that the job's
    arguments stored in the queue hold no secret."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import EmailMultiAlternatives
    from django.template import loader
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = get_user_model().objects.get(pk=user_id)
    email = getattr(user, user.get_email_field_name(), "")
    if not email or not user.is_active:
        from mandate.platform.jobs import Result

        return Result(text="Nothing sent: the account has no address or is not active.")
    context = {"email": email, "domain": domain, "site_name": site_name,
               "uid": urlsafe_base64_encode(force_bytes(user.pk)), "user": user,
               "token": default_token_generator.make_token(user), "protocol": "https" if use_https else "http"}
    subject = "".join(loader.render_to_string("registration/password_reset_subject.txt", context).splitlines())
    body = loader.render_to_string("registration/password_reset_email.html", context)
    progress("Sending", 0, 1)
    EmailMultiAlternatives(subject, body, None, [email]).send()
    log_sent("email", "password-reset", user)
    from mandate.platform.jobs import Result

    return Result(text=f"Sent to {user.get_username()}.")


# Job handlers (platform.jobs.handler's mark, set here without importing platform.jobs: settings import this module)
for _name in ("send_mail_to_user", "send_password_reset"):
    setattr(globals()[_name], "mandate_job_handler", True)  # noqa: B010
