"""The electronic ballot's steps on the server: the election from the ballot, the trustees' and the credential
authority's uploads (each checked by the crypto engine, then appended), ballots, the close and the count.

The server never holds a secret: trustees make their keys and decryption shares on their own machines
(`mandate trustee`), the credential authority its members' credentials (`mandate credentials`); what reaches
the server is what the record publishes, and an upload that looks like a secret file is refused unread. Every
append goes through :func:`mandate.union.electronic.record.append_locked` under the election's lock, so checks
are made on the record as it is when the event joins it.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from mandate.crypto import group
from mandate.crypto.ballot import (
    ElectionContext,
    check_ballot,
    check_reveal,
    parse_ballot,
    parse_bytes32,
    parse_point,
    tracking_code,
)
from mandate.crypto.ceremony import (
    Board,
    CeremonyError,
    board,
    check_election_key,
    check_share_message,
    election_key_payload,
    parse_reveal,
    result_payload,
)
from mandate.crypto.credentials import PublicCredential, verify_credential_list
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.record import unique_object
from mandate.crypto.verifier.events import FormatError, challenge_response
from mandate.dates import human_date
from mandate.platform.audit import record as audit
from mandate.platform.roles import has_role
from mandate.union import lifecycle, rules
from mandate.union.electronic import record as rec
from mandate.union.electronic.models import (
    Election,
    ElectionTrustee,
    ListedCredential,
    RecordEvent,
    RevokedCredential,
)
from mandate.union.errors import BallotError
from mandate.union.models import Ballot

MAX_UPLOAD = 4 * 1024 * 1024  # bytes: a credential list of 180,000 members is about 20 MB; see upload_credentials
MAX_CREDENTIALS_UPLOAD = 64 * 1024 * 1024
MAX_BALLOT = 64 * 1024
TRUSTEE_ROLES = ("trustee", "scrutineer")


class ElectronicError(BallotError):
    """A step of an electronic ballot refused, in words (nothing was appended)."""


class SecretUploadRefused(ElectronicError):
    """The upload looks like a secret file: it is refused and not kept, logged or echoed."""


class BallotRefused(ElectronicError):
    """A ballot the server does not append; ``reason`` is a code, ``str()`` the sentence for the voter."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Receipt:
    """What a voter is given when their ballot joins the record."""

    tracking_code: str
    seq: int
    head: str
    kind: str  # ballot or challenge
    replaces_earlier: bool  # a re-vote: this ballot replaces an earlier one of the same credential


# ---------------------------------------------------------------------------------------------------------------
# The election made from the ballot
# ---------------------------------------------------------------------------------------------------------------


def unit_id(unit: Any) -> str:
    """A ballot unit's id in the record (stable: its row's number)."""
    return f"unit-{unit.pk}"


def manifest(ballot: Ballot, *, trustees: int, threshold: int, credential_authority: str) -> dict[str, Any]:
    """The election event's payload: the questions exactly as the voting paper states them, the ballot's units."""
    return {
        "protocol": "mandate/v1", "group": group.GROUP_NAME, "generator": group.GENERATOR.hex(),
        "election_id": f"{ballot.union.code}/{ballot.code}", "title": ballot.title,
        "questions": [{"id": q.kind, "text": q.text} for q in ballot.questions.order_by("pk")],
        "units": [{"id": unit_id(u), "name": u.name} for u in ballot.units.order_by("pk")],
        "trustees": trustees, "threshold": threshold, "credential_authority": credential_authority,
    }


def unreachable(ballot: Ballot) -> list[dict[str, str]]:
    """The members of the electorate (or, before it is frozen, the members it would take) with neither a
    personal email address nor a mobile number: an electronic ballot cannot reach them."""
    from mandate.union.ballots import candidate_members

    out: list[dict[str, str]] = []
    if ballot.electors.exists():
        rows = ballot.electors.select_related("member", "unit").order_by("membership_number")
        for e in rows.iterator(chunk_size=2000):
            m = e.member
            if m is None or not (m.personal_email.strip() or m.mobile.strip()):
                out.append({"membership_number": e.membership_number, "name": e.name, "unit": e.unit.name,
                            "workplace": e.workplace.name})
        return out
    for m in candidate_members(ballot).select_related("workplace").order_by("membership_number"):
        if not (m.personal_email.strip() or m.mobile.strip()):
            out.append({"membership_number": m.membership_number, "name": m.name, "unit": "",
                        "workplace": m.workplace.name})
    return out


def condition_facts(ballot: Ballot, election: Election | None = None, **given: Any) -> dict[str, bool]:
    """The recorded facts the rulebook's conditions for electronic voting ask about (law/means.py ``check``)."""
    assessment = given.get("security_assessment", election.security_assessment if election else "")
    by = given.get("security_assessment_by", election.security_assessment_by if election else "")
    on = given.get("security_assessment_on", election.security_assessment_on if election else None)
    personal = given.get("personal_channels_only", election.personal_channels_only if election else False)
    return {
        "scrutineer_appointed": bool(ballot.scrutineer_name.strip() and ballot.scrutineer_username.strip()),
        "security_assessment_recorded": bool(str(assessment).strip() and str(by).strip() and on),
        "credentials_to_personal_channel_only": bool(personal),
        "every_member_has_personal_channel": not unreachable(ballot),
        "prepaid_return": True,  # voting online costs the member nothing; no paper is returned
    }


def unmet(ballot: Ballot, election: Election | None = None, **given: Any) -> list[dict[str, Any]]:
    """The rulebook's conditions for electronic voting that the recorded facts do not show met."""
    return rules.unmet_method_conditions("electronic", ballot.opening_day, condition_facts(ballot, election, **given),
                                         entitled=ballot.electors.count())


def _trustee_account(username: str, union_code: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ElectronicError(f"No account is called {username!r}: each trustee signs in with their own account.")
    if not has_role(user, *TRUSTEE_ROLES, scope=union_code):
        raise ElectronicError(f"The account {username!r} is not a trustee or scrutineer of {union_code}: give it the "
                              "trustee role first.")
    return user


def create_election(ballot: Ballot, *, trustees: list[str], threshold: int, credential_authority: str,
                    security_assessment: str, security_assessment_by: str, security_assessment_on: date | None,
                    personal_channels_only: bool, actor: Any = None) -> Election:
    """The election for an electronic ballot whose notices are out (the questions and units are fixed): its
    trustees (accounts, in the order of their numbers 1..n), the threshold k, the credential authority's public
    key, the conditions of the method as recorded; appends the election event. Refused, in words, where the
    rulebook's conditions are not met."""
    if ballot.voting_method != "electronic":
        raise ElectronicError("Only an electronic ballot has an election record.")
    names = [t.strip() for t in trustees if t.strip()]
    if len(names) != len(set(names)):
        raise ElectronicError("A trustee is named twice: each trustee holds one share of the key.")
    if not names:
        raise ElectronicError("Name the trustees (their accounts), the scrutineer among them.")
    if not 1 <= threshold <= len(names):
        raise ElectronicError(f"The threshold must be between 1 and the number of trustees ({len(names)}); "
                              f"{threshold} was given.")
    if ballot.scrutineer_username and ballot.scrutineer_username not in names:
        raise ElectronicError(f"The scrutineer ({ballot.scrutineer_username}) is one of the trustees.")
    try:
        parse_point(credential_authority.strip())
    except group.DecodeError:
        raise ElectronicError("The credential authority's public key is not a key (64 lower-case hexadecimal "
                              "digits, as `mandate credentials authority` prints it).") from None
    for n in names:
        _trustee_account(n, ballot.union.code)
    problems = unmet(ballot, None, security_assessment=security_assessment,
                     security_assessment_by=security_assessment_by, security_assessment_on=security_assessment_on,
                     personal_channels_only=personal_channels_only)
    if problems:
        raise ElectronicError("The conditions for electronic voting are not met: "
                              + "; ".join(f"{c['text']} ({c['section']})" for c in problems) + ".")

    def body(b: Ballot) -> Election:
        if Election.objects.filter(ballot=b).exists():
            raise ElectronicError("The ballot's election record exists already: it is made once.")
        e = Election.objects.create(
            ballot=b, election_id=f"{b.union.code}/{b.code}", trustees=len(names), threshold=threshold,
            credential_authority=credential_authority.strip(), security_assessment=security_assessment.strip(),
            security_assessment_by=security_assessment_by.strip(), security_assessment_on=security_assessment_on,
            personal_channels_only=personal_channels_only, created_by=_name(actor))
        ElectionTrustee.objects.bulk_create(
            [ElectionTrustee(election=e, index=i, username=n) for i, n in enumerate(names, start=1)])
        rec.append_locked(rec.lock(e), "election", manifest(b, trustees=len(names), threshold=threshold,
                                                              credential_authority=e.credential_authority))
        audit(actor, "ballot.election_created", "Ballot", b.pk, trustees=len(names), threshold=threshold)
        return e

    lifecycle.run(ballot, "setup_election", actor, body)
    return Election.objects.get(ballot=ballot)


def _name(actor: Any) -> str:
    from mandate.union.ballots import actor_name

    return actor_name(actor)


# ---------------------------------------------------------------------------------------------------------------
# Uploads: read, refuse a secret, check, append
# ---------------------------------------------------------------------------------------------------------------


def _looks_secret(obj: Any, depth: int = 0) -> bool:
    """A secret file (secret_file.py: ``mandate_secret``), or anything holding a secret value of one."""
    if depth > 40:
        return False
    if isinstance(obj, dict):
        if "mandate_secret" in obj or {"secret", "scalar"} <= set(obj):
            return True
        return any(_looks_secret(v, depth + 1) for v in obj.values())
    if isinstance(obj, list):
        return any(_looks_secret(v, depth + 1) for v in obj[:1000])
    return False


KEEP_IT_WORDS = ("This is a secret file: it must never leave your machine, and the server has not kept it. "
                 "Keep it at mode 600, backed up offline. Upload only what mandate wrote for publication: "
                 "commit-N.json, reveal-N.json, decryption-N.json or credentials.json.")


def read_upload(data: bytes | str | dict[str, Any], *, limit: int = MAX_UPLOAD) -> dict[str, Any]:
    """An uploaded message as JSON (ElectronicError in words; SecretUploadRefused for a secret file)."""
    if isinstance(data, dict):
        obj: Any = data
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if len(raw) > limit:
            raise ElectronicError(f"The file is too large ({len(raw)} bytes; at most {limit}).")
        if b"mandate_secret" in raw or b'"scalar"' in raw:
            raise SecretUploadRefused(KEEP_IT_WORDS)
        try:
            obj = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=unique_object)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ElectronicError(f"The file is not a message mandate wrote (not JSON: {exc.__class__.__name__}).") \
                from None
    if _looks_secret(obj):
        raise SecretUploadRefused(KEEP_IT_WORDS)
    if not isinstance(obj, dict):
        raise ElectronicError("The file is not a message mandate wrote (a JSON object is expected).")
    return obj


def message_kind(obj: dict[str, Any]) -> str:
    keys = set(obj)
    for kind, expected in (("dkg_commit", {"trustee", "commitment"}),
                           ("dkg_reveal", {"trustee", "coefficients", "proof"}),
                           ("decryption_share", {"trustee", "shares"}),
                           ("credentials", {"entries", "signature"})):
        if keys == expected:
            return kind
    raise ElectronicError("The file is not a trustee's or the credential authority's message: its keys are "
                          + ", ".join(sorted(keys))[:200] + ".")


def trustee_index(election: Election, actor: Any) -> int | None:
    """The trustee number of the account acting (None: a command-line operator, trusted as any trustee)."""
    user = lifecycle.actor_user(actor)
    if user is None:  # as the lifecycle: a command's operator without an account acts as the command's role
        return None
    t = ElectionTrustee.objects.filter(election=election, username=user.get_username()).first()
    if t is None or not has_role(user, *TRUSTEE_ROLES, scope=election.ballot.union.code):
        raise lifecycle.StepForbidden("Only one of this ballot's trustees can upload a trustee's message.")
    return t.index


def _board(locked: Election) -> Board:
    try:
        return board(rec.events(locked))
    except CeremonyError as exc:
        raise ElectronicError(f"The record cannot be read: {exc}") from None


def upload_trustee_message(election: Election, data: bytes | str | dict[str, Any], *, actor: Any = None
                           ) -> list[RecordEvent]:
    """A trustee's commitment, reveal or decryption share: checked against the record as it is, appended; with
    the last reveal the election key is appended too, with the k-th good decryption share the result. Returns the
    events appended. A wrong share is refused naming its trustee; the others' still make the result."""
    obj = read_upload(data)
    kind = message_kind(obj)
    if kind == "credentials":
        raise ElectronicError("That is the credential authority's signed list: upload it as the credentials.")
    who = trustee_index(election, actor)
    i = obj.get("trustee")
    if type(i) is not int:
        raise ElectronicError("The message's trustee is not a number.")
    if who is not None and i != who:
        raise ElectronicError(f"The message is trustee {i}'s; you are trustee {who}.")
    stage = Ballot.objects.values_list("stage", flat=True).get(pk=election.ballot_id)
    if kind in ("dkg_commit", "dkg_reveal") and stage not in ("notices_issued",):
        raise ElectronicError(f"The key ceremony takes place once the notices are out and before the credentials "
                              f"are sent; the ballot is at '{lifecycle.STAGE_LABELS[stage]}'.")
    if kind == "decryption_share" and stage != "closed":
        raise ElectronicError(f"Decryption shares are made after the close, before the count; the ballot is at "
                              f"'{lifecycle.STAGE_LABELS[stage]}'.")
    with transaction.atomic():
        locked = rec.lock(election)
        b = _board(locked)
        added = {"dkg_commit": _commit, "dkg_reveal": _reveal, "decryption_share": _share}[kind](locked, b, obj)
    audit(actor, f"ballot.election.{kind}", "Ballot", election.ballot_id, trustee=i,
          seqs=[e.seq for e in added])
    return added


def _commit(locked: Election, b: Board, p: dict[str, Any]) -> list[RecordEvent]:
    i = p["trustee"]
    if not 1 <= i <= b.n:
        raise ElectronicError(f"There is no trustee {i}: the election has {b.n}.")
    if b.reveals:
        raise ElectronicError("Reveals have begun: every commitment comes before any reveal.")
    if i in b.commits:
        raise ElectronicError(f"Trustee {i}'s commitment is in the record already (event for trustee {i}); a "
                              "commitment is made once.")
    try:
        parse_bytes32(p["commitment"])
    except group.DecodeError as exc:
        raise ElectronicError(f"Trustee {i}'s commitment does not decode ({exc}).") from None
    return [rec.append_locked(locked, "dkg_commit", p)]


def _reveal(locked: Election, b: Board, p: dict[str, Any]) -> list[RecordEvent]:
    i = p["trustee"]
    if b.missing_commits():
        raise ElectronicError("Not every trustee has committed: waiting for "
                              + ", ".join(f"trustee {t}" for t in b.missing_commits()) + ".")
    if i in b.reveals:
        raise ElectronicError(f"Trustee {i}'s reveal is in the record already.")
    try:
        parse_reveal(b, p, f"trustee {i}'s reveal")
    except CeremonyError as exc:
        raise ElectronicError(str(exc)) from None
    out = [rec.append_locked(locked, "dkg_reveal", p)]
    b.reveals[i] = p
    if not b.missing_reveals():
        key = election_key_payload(b)
        ev = rec.append_locked(locked, "election_key", key)
        Election.objects.filter(pk=locked.pk).update(fingerprint=ev.hash, public_key=key["public_key"])
        out.append(ev)
    return out


def _share(locked: Election, b: Board, p: dict[str, Any]) -> list[RecordEvent]:
    if RecordEvent.objects.filter(election=locked, kind="result").exists():
        raise ElectronicError("The result is in the record already: no more decryption shares are needed.")
    try:
        vkeys = check_election_key(b)
        j, _ = check_share_message(b, vkeys, p)
    except CeremonyError as exc:
        raise ElectronicError(str(exc)) from None
    if any(s.get("trustee") == j for s in b.share_events):
        raise ElectronicError(f"Trustee {j}'s decryption share is in the record already.")
    out = [rec.append_locked(locked, "decryption_share", p)]
    b.share_events.append(p)
    if len(b.share_events) >= b.k:
        shares = {}
        for s in b.share_events:
            t, got = check_share_message(b, vkeys, s)
            shares[t] = got
        try:
            out.append(rec.append_locked(locked, "result", result_payload(b, shares)))
        except CeremonyError as exc:
            raise ElectronicError(str(exc)) from None
    return out


# ---------------------------------------------------------------------------------------------------------------
# Credentials: the authority's signed list
# ---------------------------------------------------------------------------------------------------------------


def upload_credentials(election: Election, data: bytes | str | dict[str, Any], *, actor: Any = None,
                       revoke: list[str] | None = None) -> RecordEvent:
    """The credential authority's signed list of public credentials (``mandate credentials issue``), checked
    against the authority's key in the election and appended. A later list (a member re-issued a credential
    after the first was published) holds only new credentials; ``revoke`` names the credentials it replaces,
    refused from then on."""
    user = lifecycle.actor_user(actor)
    if user is not None and not lifecycle.may(election.ballot, lifecycle.SCRUTINEER, user):
        raise lifecycle.StepForbidden("Only the ballot's scrutineer, the credential authority, can upload the "
                                      "credential list.")
    obj = read_upload(data, limit=MAX_CREDENTIALS_UPLOAD)
    if message_kind(obj) != "credentials":
        raise ElectronicError("That is a trustee's message, not the credential authority's signed list.")
    revoke = [r.strip() for r in (revoke or []) if r.strip()]
    stage = Ballot.objects.values_list("stage", flat=True).get(pk=election.ballot_id)
    first = not ListedCredential.objects.filter(election=election).exists()
    if first and stage != "notices_issued":
        raise ElectronicError(f"The credential list is published before the credentials are sent; the ballot is "
                              f"at '{lifecycle.STAGE_LABELS[stage]}'.")
    if not first and stage not in ("notices_issued", "papers_issued", "open"):
        raise ElectronicError("Credentials can be re-issued only until the ballot closes.")
    if not first and not revoke:
        raise ElectronicError("The record holds the credential list already: a later list re-issues lost "
                              "credentials, and names the credentials it revokes.")
    with transaction.atomic():
        locked = rec.lock(election)
        if not locked.fingerprint:
            raise ElectronicError("The record has no election key yet: the list is signed for the election's "
                                  "fingerprint, which the key ceremony makes.")
        units = {u["id"] for u in _manifest(locked)["units"]}
        entries = _entries(obj, units)
        sig = _signature(obj)
        if not verify_credential_list(bytes.fromhex(locked.credential_authority), bytes.fromhex(locked.fingerprint),
                                      entries, sig):
            raise ElectronicError("The list's signature does not verify against the credential authority's key in "
                                  "the election: it was signed by another key, for another election, or altered.")
        listed = set(ListedCredential.objects.filter(election=locked, credential__in=[e.credential.hex()
                                                                                      for e in entries])
                     .values_list("credential", flat=True))
        if listed:
            raise ElectronicError(f"{len(listed)} of the list's credentials are in the record already "
                                  f"(the first: {sorted(listed)[0][:16]}...): a credential is published once.")
        known = dict(ListedCredential.objects.filter(election=locked, credential__in=revoke)
                     .values_list("credential", "unit"))
        missing = [r for r in revoke if r not in known]
        if missing:
            raise ElectronicError(f"Not on the published list, so it cannot be revoked: {missing[0][:64]}.")
        if RevokedCredential.objects.filter(election=locked, credential__in=revoke).exists():
            raise ElectronicError("A credential named to revoke is revoked already.")
        if len(revoke) > len(entries):
            raise ElectronicError("A re-issue gives each member whose credential is revoked a new one: the new "
                                  f"list holds {len(entries)}, {len(revoke)} are revoked.")
        voted = RecordEvent.objects.filter(election=locked, kind="ballot", credential__in=revoke).count()
        if voted:
            raise ElectronicError("A credential named to revoke has already cast a ballot: the member's vote stands "
                                  "and a second credential would let them vote twice. Nothing was changed.")
        ev = rec.append_locked(locked, "credentials", obj)
        ListedCredential.objects.bulk_create(
            [ListedCredential(election=locked, credential=e.credential.hex(), unit=e.unit, seq=ev.seq)
             for e in entries], batch_size=5000)
        RevokedCredential.objects.bulk_create(
            [RevokedCredential(election=locked, credential=r, replaced_at_seq=ev.seq, by=_name(actor))
             for r in revoke])
    audit(actor, "ballot.election.credentials", "Ballot", election.ballot_id, credentials=len(entries),
          revoked=len(revoke), seq=ev.seq)
    return ev


def _manifest(election: Election) -> dict[str, Any]:
    """The election event's payload. Once the election key is made the record's first event is fixed for good
    (the record is append-only), so it is read once per process per election, keyed by the fingerprint."""
    if election.fingerprint:
        return dict(json.loads(_manifest_text(election.pk, election.fingerprint)))
    first = RecordEvent.objects.get(election=election, seq=0)
    return dict(rec.payload_of(first))


@functools.lru_cache(maxsize=256)
def _manifest_text(election_pk: int, fingerprint: str) -> str:
    first = RecordEvent.objects.get(election_id=election_pk, seq=0)
    rec.payload_of(first)  # refuses repeated keys, as every read of the record does
    return first.payload


def _entries(obj: dict[str, Any], units: set[str]) -> list[PublicCredential]:
    raw = obj["entries"]
    if not isinstance(raw, list) or not raw:
        raise ElectronicError("The list holds no credentials.")
    out: list[PublicCredential] = []
    for n, e in enumerate(raw, start=1):
        if not isinstance(e, dict) or set(e) != {"credential", "unit"}:
            raise ElectronicError(f"Entry {n} of the list is not a credential and its unit.")
        try:
            cred = parse_point(e["credential"])
        except group.DecodeError as exc:
            raise ElectronicError(f"Entry {n}'s credential does not decode ({exc}).") from None
        if not isinstance(e["unit"], str) or e["unit"] not in units:
            raise ElectronicError(f"Entry {n}'s unit {str(e['unit'])[:40]!r} is not one of the election's.")
        if out and cred <= out[-1].credential:
            raise ElectronicError(f"Entry {n}: the list is not sorted by credential, or lists one twice.")
        out.append(PublicCredential(cred, e["unit"]))
    return out


def _signature(obj: dict[str, Any]) -> Any:
    try:
        return challenge_response(obj["signature"], "the list's signature")
    except (FormatError, group.DecodeError) as exc:
        raise ElectronicError(f"The list's signature does not decode ({exc}).") from None


# ---------------------------------------------------------------------------------------------------------------
# Ballots
# ---------------------------------------------------------------------------------------------------------------


def booth_context(election: Election) -> dict[str, Any]:
    """What a booth needs: the fingerprint, the election key, the questions as the voting paper states them."""
    m = _manifest(election)
    return {"election_id": m["election_id"], "title": m["title"], "fingerprint": election.fingerprint,
            "public_key": election.public_key, "questions": m["questions"], "units": m["units"],
            "head": rec.head(election)}


def _context(election: Election) -> ElectionContext:
    if not election.fingerprint:
        raise BallotRefused("not_open", "The ballot is not open: its election key has not been made yet.")
    return ElectionContext(bytes.fromhex(election.fingerprint), bytes.fromhex(election.public_key),
                           tuple(q["id"] for q in _manifest(election)["questions"]))


def _parse(ballot_json: Any) -> Any:
    if isinstance(ballot_json, bytes | str):
        raw = ballot_json.encode() if isinstance(ballot_json, str) else ballot_json
        if len(raw) > MAX_BALLOT:
            raise BallotRefused("malformed", f"The ballot is too large ({len(raw)} bytes).")
        try:
            ballot_json = json.loads(raw, object_pairs_hook=unique_object)
        except (UnicodeDecodeError, ValueError):
            raise BallotRefused("malformed", "The ballot is not JSON.") from None
    try:
        return ballot_json, parse_ballot(ballot_json)
    except (group.DecodeError, TypeError, KeyError) as exc:
        raise BallotRefused("malformed", f"The ballot cannot be read: {exc}.") from None


WORDS = {
    "election": ("other_election", "This ballot was made for another election (its fingerprint is not this "
                                   "ballot's): it is not counted here."),
    "questions": ("questions", "The ballot does not answer this ballot's questions, in their order."),
    "signature": ("signature", "The ballot's signature does not verify with its credential."),
    "proof": ("proof", "A proof in the ballot does not verify: each answer must be an encryption of Yes or No."),
}


def _check(election: Election, ballot_json: Any) -> tuple[dict[str, Any], Any, str, str]:
    obj, ballot = _parse(ballot_json)
    ctx = _context(election)
    if ballot.election != ctx.fingerprint:
        raise BallotRefused(*WORDS["election"])
    cred = ballot.credential.hex()
    listed = ListedCredential.objects.filter(election=election, credential=cred).values_list("unit", flat=True).first()
    if listed is None:
        raise BallotRefused("unknown_credential", "The ballot's credential is not on the credential authority's "
                                                  "list for this ballot.")
    if RevokedCredential.objects.filter(election=election, credential=cred).exists():
        raise BallotRefused("revoked_credential", "The ballot's credential was revoked (a new one was issued): "
                                                  "vote with the new credential.")
    failed = check_ballot(ctx, ballot)
    if failed:
        raise BallotRefused(*WORDS[failed[0]])
    return obj, ballot, listed, tracking_code(ballot)


def _open_for_ballots(locked: Election) -> None:
    b = Ballot.objects.only("stage", "closing_day").get(pk=locked.ballot_id)
    if b.stage != "open":
        raise BallotRefused("not_open", f"The ballot is not open for voting (it is at "
                                        f"'{lifecycle.STAGE_LABELS[b.stage]}').")
    if timezone.localdate() > b.closing_day:
        raise BallotRefused("not_open", f"Voting closed at the end of {human_date(b.closing_day)}.")


def _append_ballot(election: Election, kind: str, payload: dict[str, Any], code: str, cred: str, unit: str
                   ) -> Receipt:
    try:
        with transaction.atomic():
            locked = rec.lock(election)
            _open_for_ballots(locked)
            if RecordEvent.objects.filter(election=locked, tracking_code=code).exists():
                raise BallotRefused("replayed", "This ballot is in the record already (the same tracking code): a "
                                                "ballot is cast once; to change your vote, make a new ballot.")
            earlier = RecordEvent.objects.filter(election=locked, kind="ballot", credential=cred).exists()
            ev = rec.append_locked(locked, kind, payload, unit=unit)
    except IntegrityError:
        raise BallotRefused("replayed", "This ballot is in the record already (the same tracking code).") from None
    return Receipt(code, ev.seq, ev.hash, kind, earlier and kind == "ballot")


def check_and_append_ballot(election: Election, ballot_json: Any) -> Receipt:
    """Check one cast ballot (it parses; it is for this election; its credential is on the list and not revoked;
    its signature and every proof verify; it was not cast before) and append it while the ballot is open. A
    later ballot of the same credential replaces the earlier at the count (re-voting). BallotRefused otherwise,
    with the reason; nothing is appended."""
    obj, ballot, unit, code = _check(election, ballot_json)
    return _append_ballot(election, "ballot", {"ballot": obj, "tracking_code": code}, code,
                          ballot.credential.hex(), unit)


def check_and_append_challenge(election: Election, ballot_json: Any, reveal: Any) -> Receipt:
    """A challenged (Benaloh) ballot, with its reveal: checked like a ballot, its reveal opening every answer;
    appended, never counted."""
    obj, ballot, unit, code = _check(election, ballot_json)
    if not check_reveal(_context(election), ballot, reveal):
        raise BallotRefused("reveal", "The challenge's reveal does not open the ballot's answers.")
    return _append_ballot(election, "challenge", {"ballot": obj, "tracking_code": code, "reveal": reveal}, code,
                          ballot.credential.hex(), unit)


def find_tracking_code(election: Election, code: str) -> RecordEvent | None:
    code = (code or "").strip().lower()
    if len(code) != 64 or any(c not in "0123456789abcdef" for c in code):
        return None
    return RecordEvent.objects.filter(election=election, tracking_code=code).only(
        "seq", "kind", "tracking_code", "unit", "election_id").first()


# ---------------------------------------------------------------------------------------------------------------
# Turnout: counts per unit, never who
# ---------------------------------------------------------------------------------------------------------------


def turnout(election: Election) -> list[dict[str, Any]]:
    """Per unit: members entitled, credentials listed, and how many credentials have cast a ballot so far (a
    re-vote counts once). Never which members, nor how anyone voted."""
    m = _manifest(election)
    voted = dict(RecordEvent.objects.filter(election=election, kind="ballot").values_list("unit")
                 .annotate(n=Count("credential", distinct=True)).order_by())
    listed = dict(ListedCredential.objects.filter(election=election).values_list("unit")
                  .annotate(n=Count("pk")).order_by())
    revoked = dict(ListedCredential.objects.filter(election=election, credential__in=RevokedCredential.objects
                                                   .filter(election=election).values("credential"))
                   .values_list("unit").annotate(n=Count("pk")).order_by())
    entitled = dict(election.ballot.electors.values_list("unit_id").annotate(n=Count("pk")).order_by())
    out = []
    for u in m["units"]:
        pk = int(u["id"].split("-", 1)[1])
        e = entitled.get(pk, 0)
        v = voted.get(u["id"], 0)
        out.append({"unit": u["id"], "name": u["name"], "entitled": e,
                    "credentials": listed.get(u["id"], 0) - revoked.get(u["id"], 0), "voted": v,
                    "share": v / e if e else 0.0})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Close and count
# ---------------------------------------------------------------------------------------------------------------


def close_record(election: Election) -> list[RecordEvent]:
    """At the close: the end of voting and the homomorphic tallies (the last ballot of each credential, per
    unit and question; challenged ballots never). Called by the ballot's close step, under its lock."""
    with transaction.atomic():
        locked = rec.lock(election)
        if RecordEvent.objects.filter(election=locked, kind="end_of_voting").exists():
            raise ElectronicError("The record's voting has ended already.")
        m = _manifest(locked)
        questions = [q["id"] for q in m["questions"]]
        units = [u["id"] for u in m["units"]]
        last: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        n_ballots = n_challenges = 0
        for ev in RecordEvent.objects.filter(election=locked, kind__in=("ballot", "challenge")).order_by("seq") \
                .only("kind", "payload", "unit", "credential").iterator(chunk_size=2000):
            if ev.kind == "challenge":
                n_challenges += 1
                continue
            n_ballots += 1
            last[ev.credential] = (ev.unit, rec.payload_of(ev)["ballot"]["answers"])
        sums: dict[tuple[str, str], Ciphertext] = {}
        counted: dict[str, int] = defaultdict(int)
        zero = Ciphertext(group.IDENTITY, group.IDENTITY)
        for unit, answers in last.values():
            counted[unit] += 1
            for a in answers:
                key = (unit, a["question"])
                ct = sums.get(key, zero)
                sums[key] = Ciphertext(group.add(ct.alpha, bytes.fromhex(a["alpha"])),
                                       group.add(ct.beta, bytes.fromhex(a["beta"])))
        out = [rec.append_locked(locked, "end_of_voting", {"ballots": n_ballots, "challenges": n_challenges,
                                                           "counted": len(last)})]
        tallies = []
        for u in units:
            for q in questions:
                ct = sums.get((u, q), zero)
                tallies.append({"unit": u, "question": q, "alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
                                "ballots": counted.get(u, 0)})
        out.append(rec.append_locked(locked, "encrypted_tally", {"tallies": tallies}))
    return out


def result_figures(election: Election) -> dict[str, dict[str, dict[str, int]]]:
    """unit id -> question -> {yes, no, ballots} from the record's result event (ElectronicError before it)."""
    ev = RecordEvent.objects.filter(election=election, kind="result").first()
    if ev is None:
        have = RecordEvent.objects.filter(election=election, kind="decryption_share").count()
        raise ElectronicError(f"The record has no result yet: {have} of the {election.threshold} decryption shares "
                              "needed are in.")
    tally = rec.payload_of(RecordEvent.objects.get(election=election, kind="encrypted_tally"))
    ballots = {(t["unit"], t["question"]): t["ballots"] for t in tally["tallies"]}
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for r in rec.payload_of(ev)["results"]:
        out[r["unit"]][r["question"]] = {"yes": r["yes"], "no": r["no"],
                                         "ballots": ballots[(r["unit"], r["question"])]}
    return dict(out)


def verify(election: Election) -> dict[str, Any]:
    """Run the independent verifier (crypto/verifier) over the record as the server writes it; keep its outcome
    with the head it checked, for the results and the scrutineer's report."""
    from mandate.crypto.verifier import verify_record

    with tempfile.TemporaryDirectory(prefix="mandate-record-") as tmp:
        path = Path(tmp) / "record.jsonl"
        with path.open("w", encoding="ascii") as fh:
            for line in rec.lines(election):
                fh.write(line)
        report = verify_record(path, workers=1)
    outcome = {"status": report.status, "ok": report.ok, "head": report.head, "events": report.events,
               "ballots": report.ballots, "fingerprint": election.fingerprint,
               "failed": [f"{n}. {name}" for n, name in report.failed()], "error": report.error,
               "verified_at": timezone.now().isoformat(timespec="seconds"),
               "verified": report.verified.to_json() if report.verified is not None else None}
    Election.objects.filter(pk=election.pk).update(verification=outcome)
    election.verification = outcome
    return outcome


def record_statement(ballot: Ballot) -> dict[str, Any] | None:
    """For the s.231 and s.231A results and the s.231B report: the record's fingerprint, head hash and the
    verifier's outcome; None for a ballot without an election record."""
    election = Election.objects.filter(ballot=ballot).first()
    if election is None:
        return None
    v = election.verification or {}
    return {"election_id": election.election_id, "fingerprint": election.fingerprint, "head": election.head,
            "events": election.length, "verifier_status": v.get("status", "not run"),
            "verified_head": v.get("head", ""), "failed": v.get("failed", []),
            "verified": (v.get("verified") or None)}


def figures_for_count(ballot: Ballot) -> dict[int, dict[str, Any]]:
    """The count's figures for an electronic ballot, in the shape of the postal tally (union/ballots.py), from the
    decrypted result: per unit entitled, overseas, votes cast and per question yes / no (spoilt 0: a ballot that
    does not encrypt Yes or No is refused at the door)."""
    election = Election.objects.get(ballot=ballot)
    figures = result_figures(election)
    kinds = list(ballot.questions.values_list("kind", flat=True))
    out: dict[int, dict[str, Any]] = {}
    for unit in ballot.units.all():
        f = figures.get(unit_id(unit), {})
        voted = max((q["ballots"] for q in f.values()), default=0)
        out[unit.pk] = {"unit": unit, "entitled": 0, "overseas": 0, "votes_cast": voted,
                        "questions": {k: {"yes": f.get(k, {}).get("yes", 0), "no": f.get(k, {}).get("no", 0),
                                          "spoilt": 0} for k in kinds}}
    for unit_id_, overseas, n in ballot.electors.values_list("unit_id", "overseas").annotate(n=Count("pk")).order_by():
        out[unit_id_]["entitled"] += n
        if overseas:
            out[unit_id_]["overseas"] += n
    return out


def open_problems(ballot: Ballot) -> list[str]:
    """Why an electronic ballot cannot open (the record's side): the key, the credentials, the conditions."""
    election = Election.objects.filter(ballot=ballot).first()
    if election is None:
        return ["The election record has not been set up (trustees, threshold, credential authority)."]
    problems = []
    if not election.fingerprint:
        problems.append("The trustees' key ceremony has not finished: the election key is not in the record.")
    if not ListedCredential.objects.filter(election=election).exists():
        problems.append("The credential authority's signed list of credentials is not in the record.")
    problems += [f"Condition not met: {c['text']} ({c['section']})." for c in unmet(ballot, election)]
    return problems


def credentials_sent(ballot: Ballot, actor: Any = None) -> None:
    """The electronic ballot's 'voting papers issued': the signed list is in the record and the credential
    authority has sent each member theirs (``mandate credentials send``). Called under the ballot's lock by the
    issue-papers step."""
    election = Election.objects.filter(ballot=ballot).first()
    if election is None or not election.fingerprint:
        raise ElectronicError("The election record and its key come first: set up the election and hold the "
                              "trustees' key ceremony.")
    n = ListedCredential.objects.filter(election=election).count()
    if not n:
        raise ElectronicError("The credential authority's signed list is not in the record yet: the credentials "
                              "cannot have been sent.")
    audit(actor, "ballot.credentials_sent", "Ballot", ballot.pk, credentials=n)
