"""Documents received from a union: import a signed package, verify it, record the date received (the date
that starts the statutory clocks) and send back a signed acknowledgement of receipt.

The package is verified against a union key HR has recorded (checked with the union by its fingerprint);
the rulebook (law/action.py, a pure engine) then says, for a notice of industrial action, what the date
received means: whether it came in time for the first day of action and whether the days lie within the
mandate. Nothing here reads or stores union membership data: a package's facts are the statute's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from mandate.dates import human_date
from mandate.law.action import action_notice
from mandate.law.model import OutOfScope
from mandate.law.requirements import ballot_notice_requirements
from mandate.law.timeline import timeline
from mandate.platform import exchange
from mandate.platform.audit import record
from mandate.policy.errors import PolicyError
from mandate.workplace.models import (
    AttendancePolicy,
    Organisation,
    ReceiptKey,
    ReceivedPackage,
    SenderKey,
    Site,
)

PackageRefused = exchange.PackageRefused

# The statutory documents a union sends an employer, each with the facts its package must carry (a package of
# another kind, or without its kind's facts, is refused: it is not the document it says it is).
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "s226a-notice": ("notice of ballot (s.226A)", frozenset({"opening_day", "closing_day", "categories",
                                                             "workplaces", "total"})),
    "sample-paper": ("sample voting paper (s.226A(1)(b))", frozenset({"opening_day", "closing_day", "questions"})),
    "s231a-result": ("result of the ballot (s.231A)", frozenset({"opening_day", "date_of_ballot", "units"})),
    "s234a-notice": ("notice of industrial action (s.234A)", frozenset({"days", "mandate_last_day",
                                                                        "date_of_ballot"})),
    "action-suspension": ("notice of suspension of industrial action", frozenset({"suspended_from"})),
    "action-resumption": ("notice of resumption of industrial action", frozenset({"resumes_on"})),
}
KIND_CHOICES = [("", "Any statutory document")] + [(k, v[0][0].upper() + v[0][1:]) for k, v in KINDS.items()]
NOTICE_CONTENT_KEYS = {"per_category": "number_per_category", "per_workplace": "number_per_workplace",
                       "explanation": "explanation"}


def check_kind(opened: exchange.VerifiedPackage, expected: str = "") -> None:
    """Refuse a package of a kind this organisation does not receive, one without its kind's facts, or one of
    another kind than HR said they were importing."""
    if opened.kind not in KINDS:
        known = "; ".join(v[0] for v in KINDS.values())
        raise PackageRefused(f"This package is a “{opened.kind[:60]}”, which is not a document a union sends an "
                             f"employer here (those are: {known}). Nothing was imported.")
    label, needed = KINDS[opened.kind]
    missing = sorted(needed - set(opened.facts))
    if missing:
        raise PackageRefused(f"The package says it is a {label} but lacks that document's facts "
                             f"({', '.join(missing)}): it is not the kind it claims. Ask the union for a new one. "
                             "Nothing was imported.")
    if expected and expected != opened.kind:
        want = KINDS[expected][0] if expected in KINDS else expected
        raise PackageRefused(f"You chose to import a {want}, but this package is a {label}. Nothing was imported.")


def _actor(actor: Any) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else getattr(actor, "username", "") or "anonymous"


def receipt_key(organisation: Organisation) -> ReceiptKey:
    existing = ReceiptKey.objects.filter(organisation=organisation).first()
    if existing:
        return existing
    seed = exchange.new_seed()
    try:
        with transaction.atomic():
            key = ReceiptKey.objects.create(organisation=organisation, seed=seed,
                                            public_key=exchange.public_key(seed).hex())
    except IntegrityError:
        return ReceiptKey.objects.get(organisation=organisation)
    record(None, "exchange.key_created", "Organisation", organisation.pk, public_key=key.public_key)
    return key


def record_sender_key(organisation: Organisation, sender_name: str, text: str, actor: Any = None) -> SenderKey:
    name = " ".join(sender_name.split())[:200]
    if not name:
        raise PackageRefused("Give the union's name as it signs its notices.")
    key = exchange.parse_public_key(text)
    obj, created = SenderKey.objects.get_or_create(organisation=organisation, public_key=key.hex(),
                                                  defaults={"sender_name": name, "recorded_by": _actor(actor)})
    if created:
        record(actor, "exchange.sender_key_recorded", "Organisation", organisation.pk,
               fingerprint=exchange.fingerprint(key), union=name)
    return obj


def import_package(organisation: Organisation, raw: bytes | str, *, received_on: date, today: date | None = None,
                   expected_kind: str = "", actor: Any = None) -> ReceivedPackage:
    """Verify and keep a package; ``received_on`` is the day it reached the organisation. Refused, with the
    reason and nothing written: not a package, unsigned, a key not recorded, tampered, a kind not received here
    or not the kind it claims (or not ``expected_kind``), already imported (a replay)."""
    today = today or date.today()
    if received_on > today:
        raise PackageRefused(f"The date received, {human_date(received_on)}, is in the future.")
    keys = {bytes.fromhex(k.public_key): k for k in SenderKey.objects.filter(organisation=organisation)}
    opened = exchange.open_package(raw, {k: v.sender_name for k, v in keys.items()})
    check_kind(opened, expected_kind)
    with transaction.atomic():
        existing = ReceivedPackage.objects.filter(organisation=organisation, digest=opened.digest).first()
        if existing:
            raise PackageRefused(f"This package was already imported: received on {human_date(existing.received_on)}. "
                                 "Nothing changed.")
        try:
            with transaction.atomic():
                got = ReceivedPackage.objects.create(
                    organisation=organisation, sender_key=keys[opened.public_key], digest=opened.digest,
                    kind=opened.kind[:64], title=opened.title[:300], issuer=opened.issuer[:200], facts=opened.facts,
                    pdf=opened.pdf, pdf_sha256=opened.pdf_sha256, received_on=received_on,
                    imported_by=_actor(actor))
        except IntegrityError:
            raise PackageRefused("This package was already imported. Nothing changed.") from None
        record(actor, "exchange.package_received", "ReceivedPackage", got.pk, kind=got.kind,
               received_on=received_on, digest=got.digest)
    return got


def acknowledge(received: ReceivedPackage, actor: Any = None) -> bytes:
    """The signed acknowledgement of receipt for the union (made once; asked again, the same one)."""
    with transaction.atomic():
        locked = ReceivedPackage.objects.select_for_update().get(pk=received.pk)
        if locked.acknowledgement:
            return locked.acknowledgement.encode("utf-8")
        key = receipt_key(locked.organisation)
        raw = exchange.make_receipt(package_sha256=locked.digest, received_on=locked.received_on,
                                    recipient=locked.organisation.name, seed=bytes(key.seed))
        locked.acknowledgement = raw.decode("utf-8")
        locked.save(update_fields=["acknowledgement"])
        record(actor, "exchange.receipt_signed", "ReceivedPackage", locked.pk, received_on=locked.received_on)
    received.acknowledgement = locked.acknowledgement
    return raw


@dataclass(frozen=True)
class Deadline:
    day: date
    what: str
    section: str


@dataclass(frozen=True)
class Clocks:
    """What the date received starts, as the rulebook reads the package's facts."""

    deadlines: tuple[Deadline, ...]
    problems: tuple[str, ...]
    regime: str | None


def _day(facts: dict[str, Any], key: str) -> date | None:
    value = facts.get(key)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


fact_day = _day  # for the pages


def clocks(received: ReceivedPackage) -> Clocks:
    f = received.facts
    out: list[Deadline] = []
    problems: list[str] = []
    regime = None
    raw_days = f.get("days") if isinstance(f.get("days"), list) else []
    days = [d for d in (_day({"d": v}, "d") for v in raw_days[:366]) if d]
    raw_forms = f.get("forms_of_action") if isinstance(f.get("forms_of_action"), list) else []
    last = _day(f, "mandate_last_day")
    ballot = _day(f, "date_of_ballot")
    if received.kind in ("s234a-notice", "action-resumption") and days and last and ballot:
        try:
            answer = action_notice(receipt=received.received_on, kind=str(f.get("action", "strike"))
                                   if f.get("action") in ("strike", "action_short_of_strike") else "strike",
                                   days=days, continuous=bool(f.get("continuous")), date_of_ballot=ballot,
                                   mandate_last_day=last, forms=[str(x) for x in raw_forms] or ["(named)"])
        except (OutOfScope, ValueError) as exc:
            problems.append(str(exc))
        else:
            regime = answer.regime
            problems += [r.message for r in answer.refusals if r.code in ("late", "not_covered")]
            if answer.latest_receipt:
                out.append(Deadline(answer.latest_receipt, "latest day the notice had to be received", "s.234A(4)"))
            label = "action begins (continuous)" if answer.continuous else "day of action"
            out += [Deadline(d, label, "s.234A(3)(b)") for d in answer.days]
    if received.kind in ("s226a-notice", "sample-paper", "s231a-result"):
        regime = _ballot_clocks(received, out, problems)
    resumes = _day(f, "resumes_on")
    if resumes:
        out.append(Deadline(resumes, "action resumes", "s.234A(7)-(7B)"))
    suspended = _day(f, "suspended_from")
    if suspended:
        out.append(Deadline(suspended, "action suspended from", "s.234A(7B)"))
    if last:
        out.append(Deadline(last, "last day of the mandate (the ballot's support ends)", "s.234(1)"))
    return Clocks(deadlines=tuple(sorted(out, key=lambda d: d.day)), problems=tuple(problems), regime=regime)


def _ballot_clocks(received: ReceivedPackage, out: list[Deadline], problems: list[str]) -> str | None:
    """What a notice of ballot, a sample paper or a result starts, by the rulebook's timeline for the ballot."""
    f = received.facts
    opening, closing = _day(f, "opening_day"), _day(f, "closing_day") or _day(f, "date_of_ballot")
    if not opening or not closing:
        return None
    try:
        t = timeline(opening, closing)
    except (OutOfScope, ValueError) as exc:
        problems.append(str(exc))
        return None
    got = received.received_on
    if received.kind == "s226a-notice":
        out.append(Deadline(t.ballot_notice_latest, "latest day the notice of ballot had to be received",
                            "s.226A(1)(a)"))
        out.append(Deadline(t.sample_paper_latest, "latest day the sample voting paper must be received",
                            "s.226A(1)(b)"))
        if got > t.ballot_notice_latest:
            problems.append(f"Received on {human_date(got)}, after {human_date(t.ballot_notice_latest)}: the notice "
                            f"of ballot came late for a ballot opening on {human_date(opening)} (s.226A(1)(a)).")
        req = ballot_notice_requirements(got)
        lacking = [item.text for item in req.items if item.id in NOTICE_CONTENT_KEYS
                   and NOTICE_CONTENT_KEYS[item.id] not in f]
        if lacking:
            problems.append(f"Received on {human_date(got)}, the notice must state ({req.regime} content): "
                            f"{'; '.join(lacking)}. This one does not (s.226A(2)).")
    if received.kind == "sample-paper":
        out.append(Deadline(t.sample_paper_latest, "latest day the sample voting paper had to be received",
                            "s.226A(1)(b)"))
        if got > t.sample_paper_latest:
            problems.append(f"Received on {human_date(got)}, after {human_date(t.sample_paper_latest)}: the sample "
                            f"voting paper came late for a ballot opening on {human_date(opening)} (s.226A(1)(b)).")
    if received.kind in ("s226a-notice", "sample-paper"):
        out.append(Deadline(opening, "the ballot opens", "s.226A(1)"))
    out.append(Deadline(closing, "date of the ballot (voting closes)", "s.246"))
    if received.kind == "s231a-result":
        out.append(Deadline(t.report_copies_until, "last day to ask the union for a copy of the scrutineer's report",
                            "s.231B(2)"))
        mandates = f.get("mandates") if isinstance(f.get("mandates"), list) else []
        for m in mandates[:50]:
            last = _day(m, "last_day") if isinstance(m, dict) else None
            if last:
                what = "strike" if m.get("action") == "strike" else "action short of a strike"
                out.append(Deadline(last, f"last day of the mandate for {what}, {str(m.get('unit', ''))[:200]}",
                                    "s.234(1)"))
    return t.regime


# ---- a notice of industrial action and dispute mode -----------------------------------------------------------
ACTION_KINDS = ("s234a-notice", "action-resumption")


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def covered_policies(received: ReceivedPackage) -> list[AttendancePolicy]:
    """The organisation's attendance policies a received notice of industrial action covers: those with a rule
    for a site at a workplace the notice names (by the site's name or code), and those with no site rules (they
    apply at every site) when the notice names any of the organisation's sites."""
    if received.kind not in ACTION_KINDS:
        return []
    raw = received.facts.get("workplaces")
    names = {_norm(w) for w in (raw if isinstance(raw, list | dict) else []) if isinstance(w, str)}
    sites = {s.code for s in Site.objects.filter(organisation=received.organisation)
             if _norm(s.name) in names or _norm(s.code) in names}
    if not sites:
        return []
    out = []
    for policy in AttendancePolicy.objects.filter(organisation=received.organisation).order_by("name"):
        try:
            parsed = policy.parsed()
        except PolicyError:  # a policy that no longer parses covers nothing here (its page says why)
            continue
        ruled = {code for v in parsed.versions for code in v.sites}
        if not ruled or ruled & sites:
            out.append(policy)
    return out


def switch_on_dispute_mode(received: ReceivedPackage, policy: AttendancePolicy, actor: Any = None) -> bool:
    """Turn dispute mode on because this notice covers ``policy``; False if it was already on (nothing changes,
    no second audit entry). Dispute mode is the organisation's: it withholds individual non-compliance outputs
    under every policy while the dispute lasts."""
    if policy not in covered_policies(received):
        raise PackageRefused(f"The notice does not cover the policy “{policy.name}”.")
    with transaction.atomic():
        changed = Organisation.objects.filter(pk=received.organisation_id, dispute_mode=False).update(
            dispute_mode=True)
        if changed:
            record(actor, "dispute_mode_on", "Organisation", received.organisation.code, received=received.pk,
                   kind=received.kind, policy=policy.name)
    received.organisation.dispute_mode = True
    return bool(changed)
