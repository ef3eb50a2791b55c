"""Mail through a real SMTP server (aiosmtpd, started here) by MANDATE_EMAIL_URL, sent by a job; text messages
through a real HTTP server speaking Twilio's API; every message logged without its content."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from tests.serving.conftest import free_port

from mandate.platform import sms
from mandate.platform.mail import email_settings
from mandate.platform.models import AuditEntry, Job


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password == b"s3cret pass")
        return AuthResult(success=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


def _use_email_url(settings: Any, url: str, tmp: Path) -> None:
    for key, value in email_settings(url, tmp).items():
        setattr(settings, key, value)


def test_email_urls_give_django_settings(tmp_path: Path) -> None:
    assert email_settings("", tmp_path) == {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                                            "EMAIL_FILE_PATH": tmp_path}
    tls = email_settings("smtp://user%40example.org:p%2Fss@mail.example.org:587?tls=1", tmp_path)
    assert (tls["EMAIL_HOST"], tls["EMAIL_PORT"], tls["EMAIL_HOST_USER"], tls["EMAIL_HOST_PASSWORD"],
            tls["EMAIL_USE_TLS"], tls["EMAIL_USE_SSL"]) == ("mail.example.org", 587, "user@example.org", "p/ss", True,
                                                             False)
    ssl = email_settings("smtps://mail.example.org", tmp_path)
    assert (ssl["EMAIL_PORT"], ssl["EMAIL_USE_SSL"], ssl["EMAIL_USE_TLS"]) == (465, True, False)
    assert email_settings("file:///srv/mail", tmp_path)["EMAIL_FILE_PATH"] == Path("/srv/mail")
    assert email_settings("memory://", tmp_path)["EMAIL_BACKEND"].endswith("locmem.EmailBackend")
    with pytest.raises(ValueError, match="unknown scheme 'smpt'"):
        email_settings("smpt://mail.example.org", tmp_path)


@pytest.mark.django_db(transaction=True)
@pytest.mark.job_queue
def test_password_reset_mail_goes_through_a_job_to_a_real_smtp_server(client, make_user, settings, smtp_server,
                                                                      tmp_path: Path) -> None:
    inbox, port = smtp_server
    _use_email_url(settings, f"smtp://mandate:s3cret%20pass@127.0.0.1:{port}", tmp_path)
    settings.JOB_HEARTBEAT_SECONDS = 0
    user = make_user("staff_member", "ons")
    user.email = "staff@example.org"
    user.save()
    response = client.post("/accounts/password/reset/", {"email": "staff@example.org"})
    assert response.status_code == 302
    assert inbox.messages == []  # the request did not send it: a job will
    job = Job.objects.get(kind="mail")
    assert job.status == "queued"
    call_command("db_worker", queue_name="default,mail", batch=True, reload=False, startup_delay=False,
                 interval=0, verbosity=0)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert inbox.logins == [("mandate", "s3cret pass")]
    [(_, to, content)] = inbox.messages
    assert to == ["staff@example.org"]
    link = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", content.replace("=\n", ""))
    assert link, content
    token = link.group(1).rstrip("/").rsplit("/", 1)[1]
    assert client.get(link.group(1)).status_code == 302  # a working link, to the set-password form
    # Logged: to whom, what kind, when; the token is nowhere in the log nor in the queue.
    [entry] = AuditEntry.objects.filter(action="message.sent")
    assert entry.detail == {"channel": "email", "kind": "password-reset", "recipient": user.username}
    assert entry.at is not None
    stored = json.dumps([list(Job.objects.values("arguments")), list(DBTaskResult.objects.values("args_kwargs")),
                         list(AuditEntry.objects.values("detail"))])
    assert token not in stored and "staff@example.org" not in stored


@pytest.mark.django_db(transaction=True)
@pytest.mark.job_queue
def test_a_mail_server_that_is_down_fails_the_job_not_the_page(client, make_user, settings, tmp_path: Path) -> None:
    _use_email_url(settings, f"smtp://127.0.0.1:{free_port()}", tmp_path)  # nothing listens there
    settings.JOB_HEARTBEAT_SECONDS = 0
    user = make_user("staff_member", "ons")
    user.email = "staff@example.org"
    user.save()
    assert client.post("/accounts/password/reset/", {"email": "staff@example.org"}).status_code == 302
    call_command("db_worker", queue_name="mail", batch=True, reload=False, startup_delay=False, interval=0,
                 verbosity=0)
    job = Job.objects.get(kind="mail")
    assert job.status == "failed" and "ConnectionRefusedError" in job.error
    assert not AuditEntry.objects.filter(action="message.sent").exists()  # not logged as sent


class Twilio(BaseHTTPRequestHandler):
    """Twilio's Messages resource, as far as mandate uses it."""

    received: list[dict[str, Any]] = []
    refuse = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Twilio.received.append({"path": self.path, "auth": self.headers["Authorization"],
                                "type": self.headers["Content-Type"], "form": parse_qs(body)})
        status, answer = ((400, {"code": 21211, "message": "The 'To' number is not a valid phone number."})
                          if Twilio.refuse else (201, {"sid": "SM0123456789abcdef", "status": "queued"}))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def twilio() -> Iterator[str]:
    Twilio.received, Twilio.refuse = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Twilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"twilio+http://AC123:tok3n@127.0.0.1:{server.server_address[1]}?from=%2B447700900000"
    server.shutdown()


@pytest.mark.django_db
def test_a_text_message_through_twilios_api(settings, twilio: str, make_user) -> None:
    settings.SMS_URL = twilio
    user = make_user("union_official", "pcs")
    assert sms.send_sms(user, "+44 7700 900123", "Your ballot opens on 2 November 2026.", kind="ballot-reminder") \
        == "SM0123456789abcdef"
    [call] = Twilio.received
    assert call["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert call["auth"] == "Basic " + base64.b64encode(b"AC123:tok3n").decode()
    assert call["type"] == "application/x-www-form-urlencoded"
    assert call["form"] == {"To": ["+447700900123"], "From": ["+447700900000"],
                            "Body": ["Your ballot opens on 2 November 2026."]}
    [entry] = AuditEntry.objects.filter(action="message.sent")
    assert entry.detail == {"channel": "sms", "kind": "ballot-reminder", "recipient": user.username}
    assert "7700" not in json.dumps(entry.detail) and "ballot opens" not in json.dumps(entry.detail)


@pytest.mark.django_db
def test_a_refused_text_message_says_why_and_is_not_logged_as_sent(settings, twilio: str, make_user) -> None:
    settings.SMS_URL = twilio
    Twilio.refuse = True
    with pytest.raises(sms.SmsError, match=r"HTTP 400: The 'To' number is not a valid phone number"):
        sms.send_sms(make_user("union_official", "pcs"), "+447700900123", "Hello", kind="test")
    assert not AuditEntry.objects.filter(action="message.sent").exists()
    settings.SMS_URL = f"twilio+http://AC123:tok3n@127.0.0.1:{free_port()}?from=%2B447700900000"
    with pytest.raises(sms.SmsError, match="could not be reached"):
        sms.send_sms(None, "+447700900123", "Hello", kind="test")


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["07700 900123", "+44 7700 900123 0000000000000000000000", "+0447700900", "",
                                    "+44\x007700900123"])
def test_a_number_not_in_international_form_is_refused_before_sending(settings, twilio: str, number: str) -> None:
    settings.SMS_URL = twilio
    with pytest.raises(sms.SmsError, match="international form"):
        sms.send_sms(None, number, "Hello", kind="test")
    assert Twilio.received == []


@pytest.mark.django_db
def test_text_messages_are_files_in_development(settings, tmp_path: Path) -> None:
    settings.SMS_URL, settings.SMS_FILE_PATH = "", tmp_path / "sms"
    sms.send_sms(None, "+447700900123", "Hello from mandate", kind="test")
    [written] = list((tmp_path / "sms").iterdir())
    assert written.read_text().startswith("To: +447700900123\n") and "Hello from mandate" in written.read_text()
    with pytest.raises(sms.SmsError, match="1 to 1,600 characters"):
        sms.send_sms(None, "+447700900123", "x" * 1601, kind="test")
    with pytest.raises(sms.SmsError, match="unknown scheme"):
        sms.backend("carrier-pigeon://loft")
