"""The credential message a member receives: the voting link (its access key in the path, the credential in
the fragment) and the credential written out, by personal email or personal SMS through the platform's
backends. Logged as sent (channel and kind only), never with the text, the link or the address.

The credential authority holds the credentials (``credentials-private.secret``); this is the one function it
calls for each member, on the server's machine or its own (where it runs with the server's settings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.union.models import Ballot, Elector
from mandate.union.voting import access


@dataclass(frozen=True)
class Delivery:
    membership_number: str
    channel: str  # email, sms, or "" when the member has neither (unreachable)


def credential_message(ballot: Ballot, elector: Elector, credential_hex: str, *, base_url: str | None = None) -> str:
    link = access.voting_link(ballot, elector, credential_hex, base_url=base_url)
    return (
        f"{ballot.union.name}: your vote in \"{ballot.title}\"\n\n"
        f"Voting is open until the end of {human_date(ballot.closing_day)}. To vote, open this link:\n\n"
        f"{link}\n\n"
        "The link holds your credential, the key that signs your ballot. It stays in your browser: it is never "
        "sent to the server. If you type it in by hand, it is:\n\n"
        f"credential: {credential_hex}\n\n"
        "We will also send a one-time code to this same email or mobile to check it is you. You may vote again "
        "until the close: only your last vote counts. Do not show this message to anyone, or forward it; nobody "
        "from the union or the scrutineer will ever ask you for it.\n")


def deliver(ballot: Ballot, credentials: Iterable[tuple[str, str]], *, base_url: str | None = None,
            actor: Any = None) -> list[Delivery]:
    """Send each (membership number, credential key hex) its message by personal email, else personal SMS."""
    from django.core.mail import EmailMessage

    from mandate.platform.mail import log_sent
    from mandate.platform.sms import send_sms

    electors = {e.membership_number: e for e in Elector.objects.filter(ballot=ballot).select_related("member")}
    out = []
    for number, credential_hex in credentials:
        elector = electors.get(number)
        if elector is None:
            raise ValueError(f"member {number!r} is not in this ballot's electorate")
        channel = access.channel_of(elector)
        if channel is None:
            out.append(Delivery(number, ""))
            continue
        text = credential_message(ballot, elector, credential_hex, base_url=base_url)
        if channel.kind == "email":
            EmailMessage(f"Your vote: {ballot.title}"[:150], text, None, [channel.address]).send()
            log_sent("email", "voting-credential", None, actor)
        else:
            send_sms(None, access.international(channel.address), text, kind="voting-credential", actor=actor)
        out.append(Delivery(number, channel.kind))
    record(actor, "vote.credentials_delivered", "Ballot", ballot.pk, sent=sum(1 for d in out if d.channel),
           unreachable=sum(1 for d in out if not d.channel))
    return out
