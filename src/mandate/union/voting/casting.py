"""Casting: what the booth needs to know of an election, and taking a ballot into its record.

The per-ballot checks (signature, proofs, credential on the list, election fingerprint, voting open) and the
append are the server side's (:func:`mandate.union.electronic` ``check_and_append_ballot``); this module adds
what a member's request needs around them: a size limit, a clear refusal for a malformed body, and the
double-submit rule: the same ballot sent again while it is its credential's latest ballot gives the same
receipt and adds nothing; an older ballot of a credential sent again (a replay after a re-vote) is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, check_ballot, check_reveal, parse_ballot, tracking_code
from mandate.union.models import Ballot, Election, RecordEvent

MAX_BALLOT_BYTES = 64 * 1024
# The lifecycle stages in which the booth takes ballots (the server side refuses outside voting itself, too).
OPEN_STAGES = ("open",)


class CastRefused(Exception):
    """A ballot the server does not take; ``str()`` names the reason for the member, ``reason`` is a code."""

    def __init__(self, message: str, reason: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class ElectionInfo:
    """What a booth needs: the fingerprint, the key, the questions (id, text) and units, and whether it is open."""

    election: Election
    fingerprint: str
    public_key: str
    questions: list[dict[str, str]]
    units: list[dict[str, str]]
    title: str
    election_id: str
    voting_open: bool
    closed: bool

    @property
    def context(self) -> ElectionContext:
        return ElectionContext(bytes.fromhex(self.fingerprint), bytes.fromhex(self.public_key),
                               tuple(q["id"] for q in self.questions))

    def as_json(self) -> dict[str, Any]:
        return {"election_id": self.election_id, "title": self.title, "fingerprint": self.fingerprint,
                "public_key": self.public_key, "questions": self.questions, "units": self.units,
                "voting_open": self.voting_open}


def election_info(ballot: Ballot) -> ElectionInfo | None:
    """The election of an electronic ballot once its key and credentials are in the record, else None. Two
    queries: the election's row (its fingerprint and key) and which of the credentials and the end of voting
    the record holds; the manifest, fixed once the key is made, is read once per process."""
    from mandate.union.electronic.services import _manifest

    election = Election.objects.filter(ballot=ballot).first()
    if election is None or not election.fingerprint or not election.public_key:
        return None
    present = set(RecordEvent.objects.filter(election=election, kind__in=["credentials", "end_of_voting"])
                  .values_list("kind", flat=True).distinct())
    manifest = _manifest(election)
    closed = "end_of_voting" in present
    return ElectionInfo(
        election=election, fingerprint=election.fingerprint, public_key=election.public_key,
        questions=[{"id": q["id"], "text": q["text"]} for q in manifest["questions"]],
        units=[{"id": u["id"], "name": u["name"]} for u in manifest["units"]],
        title=manifest["title"], election_id=manifest["election_id"],
        voting_open="credentials" in present and not closed and ballot.stage in OPEN_STAGES, closed=closed)


@dataclass(frozen=True)
class Receipt:
    tracking_code: str
    seq: int
    head: str
    at: str
    replaced: bool  # this credential had cast a ballot before: this one now counts instead
    again: bool  # the same ballot was sent again: nothing was added

    def as_json(self) -> dict[str, Any]:
        return {"tracking_code": self.tracking_code, "seq": self.seq, "head": self.head, "at": self.at,
                "replaced_earlier_ballot": self.replaced, "already_received": self.again}


def read_body(body: bytes) -> Any:
    """The JSON body of a casting request, or CastRefused (413 too big, 400 not JSON)."""
    if len(body) > MAX_BALLOT_BYTES:
        raise CastRefused(f"The request is too big for a ballot (over {MAX_BALLOT_BYTES // 1024} KB).",
                          "too_big", 413)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CastRefused("The request is not JSON.", "malformed") from None


def _parsed(ballot_json: Any) -> Any:
    try:
        return parse_ballot(ballot_json)
    except group.DecodeError as exc:
        raise CastRefused(f"The ballot is malformed: {exc}.", "malformed") from None
    except (TypeError, KeyError, AttributeError):
        raise CastRefused("The ballot is malformed.", "malformed") from None


def _receipt(event: RecordEvent, election: Election, *, again: bool) -> Receipt:
    earlier = RecordEvent.objects.filter(election=election, kind="ballot", credential=event.credential,
                                         seq__lt=event.seq).exists()
    return Receipt(event.tracking_code, event.seq, event.hash, event.at.isoformat(timespec="seconds"),
                   replaced=earlier, again=again)


def _same_again(election: Election, code: str) -> Receipt | None:
    """The receipt of a ballot already in the record if it is still its credential's latest; CastRefused if a
    later ballot (or a challenge) replaced it; None if it is new."""
    existing = RecordEvent.objects.filter(election=election, tracking_code=code).first()
    if existing is None:
        return None
    if existing.kind == "challenge":
        raise CastRefused("This ballot was challenged (opened to check it): it can never be cast. Make a new "
                          "one.", "challenged", 409)
    latest = (RecordEvent.objects.filter(election=election, kind="ballot", credential=existing.credential)
              .order_by("-seq").first())
    if latest is not None and latest.pk == existing.pk:
        return _receipt(existing, election, again=True)
    raise CastRefused("This ballot was replaced by a later one with the same credential: an old ballot sent "
                      "again (a replay) is refused. Your latest ballot still counts.", "replay", 409)


def _services() -> Any:
    from mandate.union.electronic import services

    return services


def _refused(exc: Exception) -> CastRefused:
    reason = str(getattr(exc, "reason", "refused"))
    status = 409 if reason in ("replayed", "not_open", "closed") else 400
    return CastRefused(str(exc), reason, status)


def cast(ballot: Ballot, info: ElectionInfo, ballot_json: Any) -> Receipt:
    """Check and append one ballot, or give the receipt it already has (double submit); CastRefused otherwise."""
    if info.closed or not info.voting_open:
        raise CastRefused("Voting in this ballot is closed." if info.closed else
                          "Voting in this ballot has not opened.", "closed" if info.closed else "not_open", 409)
    code = tracking_code(_parsed(ballot_json))
    again = _same_again(info.election, code)
    if again is not None:
        return again
    services = _services()
    try:
        appended = services.check_and_append_ballot(info.election, ballot_json)
    except IntegrityError:  # the same ballot at the same moment from a second request: one entry, one receipt
        again = _same_again(info.election, code)
        if again is not None:
            return again
        raise
    except services.BallotRefused as exc:
        again = _same_again(info.election, code)  # it arrived meanwhile by another request
        if again is not None:
            return again
        raise _refused(exc) from None
    # The receipt from the append itself (its number, the head it made, whether it replaced an earlier ballot):
    # no second read of the record.
    return Receipt(appended.tracking_code, appended.seq, appended.head, timezone.now().isoformat(timespec="seconds"),
                   replaced=appended.replaces_earlier, again=False)


def credential_listed(election: Election, credential: str) -> bool:
    """Whether a public credential is on the election's signed list (and not revoked since)."""
    from mandate.union.models import ListedCredential, RevokedCredential

    return (ListedCredential.objects.filter(election=election, credential=credential).exists()
            and not RevokedCredential.objects.filter(election=election, credential=credential).exists())


def challenge(ballot: Ballot, info: ElectionInfo, body: Any) -> Receipt:
    """Publish a challenged (spoilt) ballot with its reveal (record-format.md 4.1): never counted."""
    if info.closed or not info.voting_open:
        raise CastRefused("Voting in this ballot is closed.", "closed", 409)
    if not isinstance(body, dict) or set(body) != {"ballot", "reveal"}:
        raise CastRefused("A challenge has exactly: ballot, reveal.", "malformed")
    parsed = _parsed(body["ballot"])
    failed = check_ballot(info.context, parsed)
    if failed:
        raise CastRefused(f"The challenged ballot does not check: {', '.join(failed)}.", failed[0])
    if not check_reveal(info.context, parsed, body["reveal"]):
        raise CastRefused("The reveal does not open the ballot.", "reveal")
    if not credential_listed(info.election, parsed.credential.hex()):
        raise CastRefused("The credential that signed this ballot is not on the election's list.", "credential")
    code = tracking_code(parsed)
    existing = RecordEvent.objects.filter(election=info.election, tracking_code=code).first()
    if existing is not None:
        if existing.kind == "challenge":
            return _receipt(existing, info.election, again=True)
        raise CastRefused("This ballot was cast: it cannot be challenged now.", "cast", 409)
    services = _services()
    try:
        services.check_and_append_challenge(info.election, body["ballot"], body["reveal"])
    except IntegrityError:
        existing = RecordEvent.objects.filter(election=info.election, tracking_code=code, kind="challenge").first()
        if existing is None:
            raise
        return _receipt(existing, info.election, again=True)
    except services.BallotRefused as exc:
        raise _refused(exc) from None
    row = RecordEvent.objects.get(election=info.election, tracking_code=code, kind="challenge")
    return Receipt(row.tracking_code, row.seq, row.hash, row.at.isoformat(timespec="seconds"), False, False)
