"""Who may open the booth: the member's voting link, a one-time code to their personal channel, and then a
signed-in session (the booth page) or a bearer token (the `mandate vote` client).

* The **link** (in the credential message) names the ballot and carries an access key, signed with the
  server's secret key, that says which elector it was sent to, so that the code goes to the same channel. The
  credential itself travels in the link's fragment (after ``#``), which browsers never send to a server.
* The **one-time code**: six digits, a keyed hash kept, valid for ``CODE_MINUTES``, ``MAX_ATTEMPTS`` tries;
  at most ``MAX_CODES_PER_HOUR`` codes an hour and one every ``RESEND_SECONDS`` for one elector.
* Once the code is right the session may vote in that ballot (``session_elector``), or the client gets a
  token (``api_token``) that does the same for ``TOKEN_HOURS``.

Being signed in lets a member reach the booth; it never casts a vote: only a ballot signed with a credential
on the published list counts, and the server cannot make one. Nothing here is logged with a code, a link or
an address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mandate.platform.audit import record
from mandate.union.models import Ballot, Elector
from mandate.union.voting.models import VotingCode

LINK_SALT = "mandate.union.voting.link"
TOKEN_SALT = "mandate.union.voting.token"  # noqa: S105 (a salt, not a secret)
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
RESEND_SECONDS = 60
TOKEN_HOURS = 12
SESSION_KEY = "mandate.voting"


class AccessRefused(Exception):
    """The link, the code or the token does not let this person in; ``str()`` is fit to show them.
    ``status`` is the HTTP status of the refusal."""

    def __init__(self, message: str, status: int = 403, reason: str = "refused") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


# ------------------------------------------------------------------------------------------------ the link


def access_key(ballot: Ballot, elector: Elector) -> str:
    """The access key of an elector's voting link (URL-safe; unguessable without the server's secret key)."""
    return signing.Signer(salt=LINK_SALT).sign(f"{ballot.pk}-{elector.pk}").replace(":", ".")


def voting_path(ballot: Ballot, elector: Elector) -> str:
    from django.urls import reverse

    return reverse("vote:start", args=[ballot.union.code, ballot.code, access_key(ballot, elector)])


def voting_link(ballot: Ballot, elector: Elector, credential_secret_hex: str | None = None, *,
                base_url: str | None = None) -> str:
    """The whole link for the credential message: the site's address, the path, and the credential in the
    fragment (never sent to the server by a browser)."""
    base = (base_url or getattr(settings, "MANDATE_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    link = base + voting_path(ballot, elector)
    return f"{link}#credential={credential_secret_hex}" if credential_secret_hex else link


def elector_for(ballot: Ballot, key: str) -> Elector:
    """The elector a link was sent to; AccessRefused (404) for a key that is not this ballot's."""
    try:
        value = signing.Signer(salt=LINK_SALT).unsign(key.replace(".", ":"))
        ballot_pk, elector_pk = (int(p) for p in value.split("-"))
    except (signing.BadSignature, ValueError):
        raise AccessRefused("This voting link is not right: copy the whole link from your message, or ask the "
                            "scrutineer for a new one.", 404, "bad_link") from None
    if ballot_pk != ballot.pk:
        raise AccessRefused("This voting link is for another ballot.", 404, "bad_link")
    elector = Elector.objects.filter(pk=elector_pk, ballot=ballot).select_related("member", "unit").first()
    if elector is None:
        raise AccessRefused("This voting link is no longer valid.", 404, "bad_link")
    return elector


# ------------------------------------------------------------------------------------------------ the code


def _code_hash(code: str, elector: Elector) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"vote-code:{elector.pk}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Channel:
    kind: str  # "email" or "sms"
    address: str
    shown: str  # what the page may show: the address masked

    @property
    def label(self) -> str:
        return "personal email" if self.kind == "email" else "personal mobile"


def _mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}{'•' * max(1, len(name) - 1)}@{domain}"


def channel_of(elector: Elector) -> Channel | None:
    """Where codes go: the member's personal email, else their personal mobile; None if neither."""
    member = elector.member
    if member is None:
        return None
    if member.personal_email:
        return Channel("email", member.personal_email, _mask_email(member.personal_email))
    if member.mobile:
        digits = "".join(ch for ch in member.mobile if ch.isdigit())
        return Channel("sms", member.mobile, f"mobile ending {digits[-3:]}")
    return None


def international(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit() or ch == "+")
    if digits.startswith("+"):
        return digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return "+" + digits


def send_code(ballot: Ballot, elector: Elector, *, now: Any = None) -> Channel:
    """Make a fresh one-time code and send it to the elector's personal channel; refuse (429) when one was
    sent less than RESEND_SECONDS ago or MAX_CODES_PER_HOUR were sent in the last hour."""
    from django.core.mail import EmailMessage

    from mandate.platform.mail import log_sent
    from mandate.platform.sms import SmsError, send_sms

    now = now or timezone.now()
    channel = channel_of(elector)
    if channel is None:
        raise AccessRefused("The register holds no personal email or mobile for you, so no code can be sent. "
                            "Ask your union to update your details.", 409, "no_channel")
    with transaction.atomic():
        Elector.objects.select_for_update().filter(pk=elector.pk).first()  # one sender at a time per elector
        recent = VotingCode.objects.filter(ballot=ballot, elector=elector, sent_at__gte=now - timedelta(hours=1))
        last = recent.order_by("-sent_at").first()
        if last is not None and (now - last.sent_at).total_seconds() < RESEND_SECONDS:
            wait = RESEND_SECONDS - int((now - last.sent_at).total_seconds())
            raise AccessRefused(f"A code was sent less than a minute ago. Wait {wait} seconds before asking for "
                                "another.", 429, "too_soon")
        if recent.count() >= MAX_CODES_PER_HOUR:
            raise AccessRefused(f"{MAX_CODES_PER_HOUR} codes were sent in the last hour. Wait a while, then ask "
                                "again.", 429, "too_many_codes")
        code = f"{secrets.randbelow(1_000_000):06d}"
        VotingCode.objects.create(ballot=ballot, elector=elector, code_hash=_code_hash(code, elector),
                                  channel=channel.kind, sent_at=now,
                                  expires_at=now + timedelta(minutes=CODE_MINUTES))
    text = (f"Your one-time code to vote in \"{ballot.title}\" is {code}. It works for {CODE_MINUTES} minutes. "
            "Nobody from the union or the scrutineer will ever ask you for it.")
    if channel.kind == "email":
        EmailMessage(f"Your code to vote: {ballot.title}"[:150], text + "\n", None, [channel.address]).send()
        log_sent("email", "voting-code", None)
    else:
        try:
            send_sms(None, international(channel.address), text, kind="voting-code")
        except SmsError as exc:
            raise AccessRefused(f"The code could not be sent by text message ({exc}).", 503, "not_sent") from None
    record("anonymous", "vote.code_sent", "Ballot", ballot.pk, channel=channel.kind)
    return channel


def check_code(ballot: Ballot, elector: Elector, code: str, *, now: Any = None) -> None:
    """Accept the latest unexpired code once; count a wrong try against it (MAX_ATTEMPTS, then it is dead)."""
    now = now or timezone.now()
    code = "".join(ch for ch in str(code) if not ch.isspace())[:12]
    refusal: AccessRefused | None = None
    with transaction.atomic():  # the wrong try is counted (committed) even though the request is refused
        latest = (VotingCode.objects.select_for_update().filter(ballot=ballot, elector=elector, used_at=None)
                  .order_by("-sent_at").first())
        if latest is None:
            refusal = AccessRefused("Ask for a code first.", 400, "no_code")
        elif latest.expires_at <= now:
            refusal = AccessRefused(f"That code has expired (codes work for {CODE_MINUTES} minutes). Ask for a new "
                                    "one.", 400, "expired")
        elif latest.attempts >= MAX_ATTEMPTS:
            refusal = AccessRefused("That code was tried too many times. Ask for a new one.", 429, "too_many_tries")
        elif not code.isdigit() or not hmac.compare_digest(latest.code_hash, _code_hash(code, elector)):
            latest.attempts += 1
            latest.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - latest.attempts
            record("anonymous", "vote.code_wrong", "Ballot", ballot.pk, attempts=latest.attempts)
            refusal = AccessRefused(f"That code is not right. {left} {'try' if left == 1 else 'tries'} left."
                                    if left else "That code is not right, and it has now been tried too often. "
                                    "Ask for a new one.", 400, "wrong_code")
        else:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
    if refusal is not None:
        raise refusal
    record("anonymous", "vote.signed_in", "Ballot", ballot.pk)


# ------------------------------------------------------------------------------------------------ after the code


def sign_in_session(request: HttpRequest, ballot: Ballot, elector: Elector) -> None:
    request.session.cycle_key()  # a new session key once the code is right
    held = dict(request.session.get(SESSION_KEY, {}))
    held[str(ballot.pk)] = elector.pk
    request.session[SESSION_KEY] = held


def session_elector(request: HttpRequest, ballot: Ballot) -> int | None:
    held = request.session.get(SESSION_KEY) or {}
    value = held.get(str(ballot.pk))
    return int(value) if isinstance(value, int) else None


def api_token(ballot: Ballot, elector: Elector) -> str:
    return signing.dumps({"b": ballot.pk, "e": elector.pk}, salt=TOKEN_SALT)


def token_elector(ballot: Ballot, header: str) -> int:
    """The elector a bearer token was given to; AccessRefused (401) otherwise."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AccessRefused("Sign in first: send the token from the code check as Authorization: Bearer.",
                            401, "no_token")
    try:
        value = signing.loads(token.strip(), salt=TOKEN_SALT, max_age=timedelta(hours=TOKEN_HOURS))
    except signing.SignatureExpired:
        raise AccessRefused("The token has expired: sign in again with a new code.", 401, "token_expired") from None
    except signing.BadSignature:
        raise AccessRefused("The token is not right: sign in again.", 401, "bad_token") from None
    if not isinstance(value, dict) or value.get("b") != ballot.pk or not isinstance(value.get("e"), int):
        raise AccessRefused("The token is for another ballot.", 401, "bad_token")
    return int(value["e"])
