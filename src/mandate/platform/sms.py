"""Text messages (SMS): one small interface, a backend chosen by one setting, MANDATE_SMS_URL.

    (empty)                                              files in var/sms/, one a message (development)
    file:///var/lib/mandate/sms                          the same, elsewhere
    twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B447700900000
                                                         Twilio's Programmable Messaging REST API (HTTPS)

`send_sms(user, number, text, kind=...)` sends one message and logs it (to whom, what kind, when; never the
text or the number) in the audit log. A backend raises SmsError with a reason fit to show.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any, Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, unquote, urlencode, urlparse
from urllib.request import Request, urlopen

from django.conf import settings
from django.utils import timezone

from mandate.platform.mail import log_sent

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsError(Exception):
    """A message that was not sent; the text says why (never the message itself)."""


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> str:
        """Send one message to an E.164 number; return the provider's id for it."""


class FileBackend:
    """Development: each message written to a file in a folder (as Django's file e-mail backend does)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, to: str, text: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        (self.folder / f"{stamp}-{ident}.txt").write_text(f"To: {to}\nDate: {timezone.now().isoformat()}\n\n{text}\n")
        return ident


class TwilioBackend:
    """Twilio's REST API: POST /2010-04-01/Accounts/{sid}/Messages.json with To, From and Body, HTTP Basic
    authentication with the account SID and auth token. `base_url` is for a local test server."""

    def __init__(self, account_sid: str, auth_token: str, sender: str, base_url: str = "https://api.twilio.com",
                 timeout: float = 15.0) -> None:
        if not (account_sid and auth_token and sender):
            raise SmsError("MANDATE_SMS_URL for Twilio needs the account SID, the auth token and ?from=")
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def send(self, to: str, text: str) -> str:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = Request(url, data=urlencode({"To": to, "From": self.sender, "Body": text}).encode(),  # noqa: S310
                          headers={"Authorization": f"Basic {credentials}",
                                   "Content-Type": "application/x-www-form-urlencoded"}, method="POST")
        try:
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (an https or configured URL)
                answer = json.loads(response.read() or b"{}")
        except HTTPError as error:
            try:
                detail = json.loads(error.read() or b"{}").get("message", "")
            except ValueError:
                detail = ""
            raise SmsError(f"the SMS provider refused the message (HTTP {error.code}{': ' + detail if detail else ''})"
                           ) from None
        except (URLError, TimeoutError, OSError) as error:
            raise SmsError(f"the SMS provider could not be reached ({getattr(error, 'reason', error)})") from None
        except ValueError:
            raise SmsError("the SMS provider's answer was not JSON") from None
        return str(answer.get("sid", ""))


def backend(url: str | None = None) -> SmsBackend:
    url = settings.SMS_URL if url is None else url
    if not url:
        return FileBackend(Path(settings.SMS_FILE_PATH))
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileBackend(Path(unquote(parsed.path)) if parsed.path else Path(settings.SMS_FILE_PATH))
    if parsed.scheme in {"twilio", "twilio+http"}:
        sender = parse_qs(parsed.query).get("from", [""])[-1]
        scheme = "http" if parsed.scheme == "twilio+http" else "https"
        host = parsed.hostname or "api.twilio.com"
        base = f"{scheme}://{host}" + (f":{parsed.port}" if parsed.port else "")
        return TwilioBackend(unquote(parsed.username or ""), unquote(parsed.password or ""), sender, base)
    raise SmsError(f"MANDATE_SMS_URL: unknown scheme {parsed.scheme!r}; use file:// or twilio://")


def send_sms(user: Any, number: str, text: str, *, kind: str, actor: Any = None) -> str:
    """Send one text message to `number` (E.164, +447700900123) for `user`'s account; return the provider's
    id. Logged without the number or the text."""
    number = re.sub(r"[\s()-]", "", number)
    if not E164.match(number):
        raise SmsError("the mobile number is not in international form (+44 7700 900123)")
    if not text or len(text) > 1600:
        raise SmsError("a text message has 1 to 1,600 characters")
    ident = backend().send(number, text)
    log_sent("sms", kind, user, actor)
    return ident
