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
from mandate.platform import exchange
from mandate.platform.audit import record
from mandate.workplace.models import Organisation, ReceiptKey, ReceivedPackage, SenderKey

PackageRefused = exchange.PackageRefused


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
                   actor: Any = None) -> ReceivedPackage:
    """Verify and keep a package; ``received_on`` is the day it reached the organisation."""
    today = today or date.today()
    if received_on > today:
        raise PackageRefused(f"The date received, {human_date(received_on)}, is in the future.")
    keys = {bytes.fromhex(k.public_key): k for k in SenderKey.objects.filter(organisation=organisation)}
    opened = exchange.open_package(raw, {k: v.sender_name for k, v in keys.items()})
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
    resumes = _day(f, "resumes_on")
    if resumes:
        out.append(Deadline(resumes, "action resumes", "s.234A(7)-(7B)"))
    suspended = _day(f, "suspended_from")
    if suspended:
        out.append(Deadline(suspended, "action suspended from", "s.234A(7B)"))
    if last:
        out.append(Deadline(last, "last day of the mandate (the ballot's support ends)", "s.234(1)"))
    return Clocks(deadlines=tuple(sorted(out, key=lambda d: d.day)), problems=tuple(problems), regime=regime)
