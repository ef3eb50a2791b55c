"""Estates services: the desks file, booking under a site's rules, check-in into the presence ledger,
release of no-shows, occupancy against desks, and the two planners on the ledger (the same engines as
`mandate attendance desks --counts` and `anchor-days`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from mandate.platform import exports
from mandate.platform.audit import record
from mandate.policy.errors import InputError
from mandate.workplace.estates.models import ATTRIBUTES, Booking, Desk, DeskEntitlement, FloorPlan, SiteRules
from mandate.workplace.importers import ImportRefused
from mandate.workplace.models import Adjustment, Organisation, PresenceRecord, Site, StaffMember

LONDON = ZoneInfo("Europe/London")
DESK_COLUMNS = ["site_code", "code", "floor", "zone", "kind", *ATTRIBUTES, "reserved", "active", "x", "y"]
REQUIRED_COLUMNS = ["site_code", "code", "floor"]
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")


class BookingRefused(Exception):
    """A booking the rules or the desks do not allow; the message says why, in the user's terms."""


# --- the desks file ----------------------------------------------------------------------------------------------

def template_csv() -> str:
    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\n")
    writer.writerow(DESK_COLUMNS)
    writer.writerow(["newport", "N-1-001", "1", "East quiet", "desk", "true", "true", "true", "true", "false",
                     "false", "true", "false", "true", "12.5", "40"])
    writer.writerow(["newport", "N-1-R01", "1", "East", "room", *(["false"] * len(ATTRIBUTES)), "false", "true",
                     "", ""])
    return out.getvalue()


@dataclass(frozen=True)
class DeskImport:
    rows: int
    created: int
    updated: int
    unchanged: int


def import_desks(organisation: Organisation, filename: str, data: bytes, actor: Any) -> DeskImport:
    """Validate the whole desks file, then create or update desks by (site, code) in one transaction. A bad
    row refuses the file whole (ImportRefused naming line and field); the same file again changes nothing."""
    errors: list[InputError] = []

    def fail(line: int | None, field: str | None, message: str) -> None:
        errors.append(InputError(message, file=filename, line=line, field=field))

    reader = _reader(filename, data)
    sites = {s.code: s for s in Site.objects.filter(organisation=organisation)}
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for line, row in enumerate(reader, start=2):
            if None in row:
                fail(line, None, "the line has more fields than the header")
                continue
            values = _desk_row(line, row, sites, organisation, fail)
            site, code = values["site"], values["code"]
            if site is not None and code:
                if (site.code, code) in seen:
                    fail(line, "code", f"desk {code} at {site.code} is already on line {seen[site.code, code]}")
                seen[site.code, code] = line
            parsed.append(values)
            if len(errors) >= 20:
                break
    except csv.Error as exc:
        fail(None, None, f"cannot be read as CSV ({exc})")
    if not parsed and not errors:
        fail(None, None, "the file has no data rows")
    if errors:
        raise ImportRefused(errors[:20], len(errors) > 20)
    created = updated = unchanged = 0
    with transaction.atomic():
        for values in parsed:
            desk = Desk.objects.select_for_update().filter(site=values["site"], code=values["code"]).first()
            if desk is None:
                Desk.objects.create(**values)
                created += 1
                continue
            changed = [k for k, v in values.items() if getattr(desk, k) != v]
            if changed:
                for k in changed:
                    setattr(desk, k, values[k])
                desk.save(update_fields=changed)
                updated += 1
            else:
                unchanged += 1
        record(actor, "estates.import_desks", "Organisation", organisation.code, filename=filename,
               rows=len(parsed), created=created, updated=updated, unchanged=unchanged)
    return DeskImport(len(parsed), created, updated, unchanged)


def _reader(filename: str, data: bytes) -> csv.DictReader:
    """The file's rows, once its text and header are right (ImportRefused naming line 1 otherwise)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([InputError("is not UTF-8 text: save it as CSV UTF-8", file=filename)]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    errors = [InputError(f"the header has no '{c}' column (it has: {', '.join(header) or 'none'})", file=filename,
                         line=1, field=c) for c in REQUIRED_COLUMNS if c not in header]
    errors += [InputError(f"is not a column of the desks file (the columns are: {', '.join(DESK_COLUMNS)})",
                          file=filename, line=1, field=c) for c in header if c not in DESK_COLUMNS][:1]
    if errors:
        raise ImportRefused(errors)
    return reader


def _desk_row(line: int, row: dict[str, Any], sites: dict[str, Site], organisation: Organisation,
              fail: Any) -> dict[str, Any]:
    """One line of the desks file as field values; each problem reported through `fail(line, field, text)`."""
    values: dict[str, Any] = {}
    site = sites.get((row.get("site_code") or "").strip())
    if site is None:
        fail(line, "site_code", f"'{row.get('site_code') or ''}' is not a site of {organisation.name}")
    texts = {}
    for name, limit, required in (("code", 32, True), ("floor", 32, True), ("zone", 64, False)):
        value = texts[name] = (row.get(name) or "").strip()
        if required and not value:
            fail(line, name, f"the {'desk code' if name == 'code' else name} is empty")
        elif len(value) > limit:
            fail(line, name, f"is longer than {limit} characters")
    kind = (row.get("kind") or "desk").strip().lower()
    if kind not in (Desk.DESK, Desk.ROOM):
        fail(line, "kind", f"'{kind}' is not desk or room")
    for name in (*ATTRIBUTES, "reserved", "active"):
        raw = (row.get(name) or ("true" if name == "active" else "")).strip().lower()
        if raw in _TRUE or raw in _FALSE:
            values[name] = raw in _TRUE
        else:
            fail(line, name, f"'{raw}' must be true or false")
    if "x" in row or "y" in row:  # positions only when the file has the columns: an older file keeps them
        given = {name: (row.get(name) or "").strip() for name in ("x", "y")}
        place = {name: _percentage(line, name, given[name], fail) for name in ("x", "y")}
        if bool(given["x"]) != bool(given["y"]):
            fail(line, "x" if not given["x"] else "y", "give both x and y (or leave both empty)")
        values.update(place)
    values.update(site=site, kind=kind, **texts)
    return values


def _percentage(line: int, name: str, raw: str | None, fail: Any) -> Decimal | None:
    """A position on the plan, as a percentage of its width (x) or height (y), to two decimal places."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        fail(line, name, f"'{text}' is not a number (give a percentage from 0 to 100)")
        return None
    if not 0 <= value <= 100:
        fail(line, name, f"{text} is outside 0 to 100 (a percentage of the plan's "
                         f"{'width' if name == 'x' else 'height'})")
        return None
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- floor plans -------------------------------------------------------------------------------------------------

PLAN_MAX_BYTES = 5 * 1024 * 1024
PLAN_MAX_SIDE = 10000


class PlanRefused(Exception):
    """An upload that is not a usable PNG or JPEG; the message says why."""


def check_plan_image(data: bytes) -> tuple[str, int, int]:
    """The content type, width and height of a PNG or JPEG, read from its content by Pillow (never trusting
    the file name or the browser's type); PlanRefused otherwise."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > PLAN_MAX_BYTES:
        raise PlanRefused(f"the image is over {PLAN_MAX_BYTES // (1024 * 1024)} MB: save it smaller")
    if not data:
        raise PlanRefused("the file is empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width > PLAN_MAX_SIDE or height > PLAN_MAX_SIDE:
                raise PlanRefused(f"the image is {width} × {height} pixels: at most {PLAN_MAX_SIDE} a side")
            image.load()
    except PlanRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PlanRefused("the file is not a PNG or JPEG image") from None
    except (OSError, SyntaxError, ValueError):
        raise PlanRefused("the image is damaged or cut short") from None
    types = {"PNG": FloorPlan.PNG, "JPEG": FloorPlan.JPEG}
    if kind not in types:
        raise PlanRefused(f"the image is {kind or 'of an unknown kind'}: give a PNG or JPEG")
    return types[kind], width, height


def save_floor_plan(site: Site, floor: str, upload: Any, actor: Any) -> FloorPlan:
    """Check the upload whole, then create or replace the floor's plan (one per site and floor)."""
    if upload.size is not None and upload.size > PLAN_MAX_BYTES:
        raise PlanRefused(f"the image is over {PLAN_MAX_BYTES // (1024 * 1024)} MB: save it smaller")
    data = upload.read(PLAN_MAX_BYTES + 1)
    content_type, width, height = check_plan_image(data)
    with transaction.atomic():
        plan, created = FloorPlan.objects.update_or_create(
            site=site, floor=floor,
            defaults={"content_type": content_type, "image": data, "width": width, "height": height})
        record(actor, "estates.floor_plan_saved", "Site", site.code, floor=floor, replaced=not created,
               bytes=len(data), width=width, height=height)
    return plan


@dataclass(frozen=True)
class Marker:
    desk: Desk
    cx: float
    cy: float


def markers(plan: FloorPlan, desks: list[Desk]) -> list[Marker]:
    """The placed desks as points in the plan's own pixels (the SVG's viewBox is the image's size)."""
    return [Marker(d, round(float(d.x) * plan.width / 100, 2), round(float(d.y) * plan.height / 100, 2))
            for d in desks if d.x is not None and d.y is not None]


# --- booking -----------------------------------------------------------------------------------------------------

def rules_for(site: Site) -> SiteRules:
    rules = SiteRules.objects.filter(site=site).first()
    return rules if rules is not None else SiteRules(site=site)


def entitlement(staff: StaffMember, day: dt.date) -> set[str]:
    """The desk attributes the person's current adjustments entitle them to (no reason is read)."""
    wanted: set[str] = set()
    for ent in DeskEntitlement.objects.filter(adjustment__staff=staff, adjustment__date_from__lte=day).filter(
            Q(adjustment__date_to__isnull=True) | Q(adjustment__date_to__gte=day)):
        wanted |= ent.required()
    return wanted


def offer(staff: StaffMember, site: Site, day: dt.date) -> list[tuple[Desk, bool]]:
    """The desks free at `site` on `day` that the person may book, matching desks first: (desk, matches).
    A held desk is offered only to someone entitled to its attributes; the page never says why."""
    release_no_shows(site.organisation)
    wanted = entitlement(staff, day)
    taken = set(Booking.objects.filter(desk__site=site, date=day, state__in=Booking.LIVE)
                .values_list("desk_id", flat=True))
    out = []
    for desk in Desk.objects.filter(site=site, active=True).order_by("floor", "zone", "code"):
        if desk.pk in taken:
            continue
        matches = bool(wanted) and desk.has(wanted)
        if desk.reserved and not matches:
            continue
        out.append((desk, matches))
    out.sort(key=lambda dm: (not dm[1], dm[0].floor, dm[0].zone, dm[0].code))
    return out


def book(staff: StaffMember, desk: Desk, day: dt.date, *, today: dt.date | None = None) -> Booking:
    """Book `desk` for `staff` on `day` under the site's rules. Raises BookingRefused with the reason; two
    requests at once for the same desk or person get one booking and one refusal (the database's unique
    constraints decide)."""
    today = today or timezone.localdate()
    rules = rules_for(desk.site)
    if desk.site.organisation_id != staff.organisation_id or not desk.active:
        raise BookingRefused("That desk cannot be booked.")
    if day < today:
        raise BookingRefused("That day has passed.")
    if day.weekday() >= 5 and not rules.weekends:
        raise BookingRefused(f"{desk.site.name} is open on weekdays only.")
    if day > today + dt.timedelta(days=rules.days_ahead):
        raise BookingRefused(f"{desk.site.name} takes bookings up to {rules.days_ahead} days ahead.")
    wanted = entitlement(staff, day)
    if desk.reserved and not (wanted and desk.has(wanted)):
        raise BookingRefused("That desk cannot be booked.")
    monday = day - dt.timedelta(days=day.weekday())
    week = Booking.objects.filter(staff=staff, state__in=Booking.LIVE, date__gte=monday,
                                  date__lte=monday + dt.timedelta(days=4)).exclude(date=day).count()
    if week >= rules.days_per_week:
        raise BookingRefused(f"{desk.site.name} allows {rules.days_per_week} booked days a week; you have "
                             f"{week} that week.")
    try:
        with transaction.atomic():
            booking = Booking.objects.create(desk=desk, staff=staff, date=day)
    except IntegrityError:
        if Booking.objects.filter(staff=staff, date=day, state__in=Booking.LIVE).exists():
            raise BookingRefused("You already have a desk booked that day.") from None
        raise BookingRefused("Someone has just booked that desk for that day: choose another.") from None
    return booking


def cancel(booking: Booking) -> None:
    if booking.state == Booking.BOOKED:
        booking.state = Booking.CANCELLED
        booking.save(update_fields=["state"])


def check_in(booking: Booking, *, at: dt.datetime | None = None) -> PresenceRecord:
    """Check in: the booking becomes presence, one record in the ledger (source booking_checkin), its
    identity the ledger's own, so checking in twice writes one record."""
    at = at or timezone.now()
    local = at.astimezone(LONDON).date()
    if local != booking.date:
        raise BookingRefused("A booking is checked in on its own day.")
    if booking.state not in Booking.LIVE:
        raise BookingRefused("That booking was released or cancelled: book again.")
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.state == Booking.BOOKED:
            locked.state, locked.checked_in_at = Booking.CHECKED_IN, at
            locked.save(update_fields=["state", "checked_in_at"])
        staff = locked.staff
        presence, _ = PresenceRecord.objects.get_or_create(
            organisation_id=staff.organisation_id, staff=staff, card_number="", site=locked.desk.site,
            timestamp=locked.checked_in_at.replace(microsecond=0) if locked.checked_in_at else at,
            source=PresenceRecord.CHECKIN)
    booking.refresh_from_db()
    return presence


def release_no_shows(organisation: Organisation, *, now: dt.datetime | None = None) -> int:
    """Release today's unchecked bookings at sites whose release time has passed (and any earlier day's);
    returns how many. Run whenever desks are offered or counted, so no scheduler is needed for it."""
    now = (now or timezone.now()).astimezone(LONDON)
    released = 0
    for site in Site.objects.filter(organisation=organisation):
        release = dt.datetime.combine(now.date(), rules_for(site).release_at, tzinfo=LONDON)
        # today's, once the release time has passed, if booked before it (a desk booked at noon is no no-show)
        due = Q(date__lt=now.date()) | (Q(date=now.date(), booked_at__lt=release) if now >= release else Q(pk=0))
        released += Booking.objects.filter(due, desk__site=site, state=Booking.BOOKED).update(
            state=Booking.RELEASED)
    return released


# --- occupancy ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Occupancy:
    site: Site
    day: dt.date
    desks: int
    booked: int  # live bookings (booked or checked in)
    checked_in: int
    badge_only: int  # people in by badge with no checked-in booking
    headcount: int  # distinct people in (badge or check-in)

    @property
    def free(self) -> int:
        return max(0, self.desks - self.booked)


def occupancy(organisation: Organisation, day: dt.date) -> list[Occupancy]:
    release_no_shows(organisation)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=LONDON)
    end = start + dt.timedelta(days=1)
    out = []
    desks = dict(Desk.objects.filter(site__organisation=organisation, active=True).values("site")
                 .annotate(n=Count("id")).values_list("site", "n"))
    for site in Site.objects.filter(organisation=organisation).order_by("-is_headquarters", "name"):
        live = Booking.objects.filter(desk__site=site, date=day, state__in=Booking.LIVE)
        checked = set(live.filter(state=Booking.CHECKED_IN).values_list("staff_id", flat=True))
        present = PresenceRecord.objects.filter(site=site, staff__isnull=False, timestamp__gte=start,
                                                timestamp__lt=end)
        badge = set(present.filter(source=PresenceRecord.BADGE).values_list("staff_id", flat=True))
        counted = set(present.filter(source__in=(PresenceRecord.BADGE, PresenceRecord.CHECKIN))
                      .values_list("staff_id", flat=True))
        out.append(Occupancy(site, day, desks.get(site.pk, site.desk_capacity), live.count(), len(checked),
                             len(badge - checked), len(counted | checked)))
    return out


# --- the planners --------------------------------------------------------------------------------------------------

def site_day_counts(organisation: Organisation, start: dt.date, end: dt.date) -> list[Any]:
    """People in per site and local day from the ledger (badge swipes and check-ins; never a booking alone)."""
    from mandate.policy.desk_forecast import SiteDayCount

    lo = dt.datetime.combine(start, dt.time(0), tzinfo=LONDON)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    seen: dict[tuple[str, dt.date], set[int]] = {}
    rows = (PresenceRecord.objects.filter(organisation=organisation, staff__isnull=False, timestamp__gte=lo,
                                          timestamp__lt=hi,
                                          source__in=(PresenceRecord.BADGE, PresenceRecord.CHECKIN))
            .values_list("site__code", "staff_id", "timestamp").iterator(chunk_size=20000))
    for site, staff, ts in rows:
        seen.setdefault((site, ts.astimezone(LONDON).date()), set()).add(staff)
    return [SiteDayCount(site, day, len(people)) for (site, day), people in sorted(seen.items())]


def desks_plan(organisation: Organisation, service_level: float, *, weeks: int = 52,
               today: dt.date | None = None) -> dict[str, Any]:
    """Next week's desks needed per site and weekday, forecast from the last `weeks` weeks of the ledger."""
    from mandate.policy.calendar import bank_holidays
    from mandate.policy.desk_forecast import forecast

    today = today or timezone.localdate()
    last = PresenceRecord.objects.filter(organisation=organisation).order_by("-timestamp").values_list(
        "timestamp", flat=True).first()
    end = min(today - dt.timedelta(days=1), last.astimezone(LONDON).date()) if last else today
    start = end - dt.timedelta(weeks=weeks)
    sites = list(Site.objects.filter(organisation=organisation).order_by("-is_headquarters", "name"))
    counts = site_day_counts(organisation, start, end)
    if not counts:
        return {"rows": [], "history_from": start, "history_to": end}
    closed = {s.code: set(bank_holidays(s.nation)) for s in sites}
    week = forecast(counts, sites=[s.code for s in sites], closed=closed, service_level=service_level)
    desks = dict(Desk.objects.filter(site__organisation=organisation, active=True).values("site__code")
                 .annotate(n=Count("id")).values_list("site__code", "n"))
    by_code = {s.code: s for s in sites}
    rows = []
    for f in week:
        site = by_code[f.site_code]
        have = desks.get(site.code, site.desk_capacity)
        rows.append({"site": site, "weekday": f.weekday, "date": f.date, "expected": round(f.expected),
                     "needed": f.desks_needed, "desks": have, "short": max(0, f.desks_needed - have),
                     "calibrated": f.calibrated})
    return {"rows": rows, "history_from": min(c.date for c in counts), "history_to": end}


def anchor_plan(organisation: Organisation, *, buffer: int = 0, anchor_days: int = 1,
                time_limit: float = 5.0) -> Any:
    """Team anchor days on the organisation's staff and desks (the engine of `mandate attendance
    anchor-days`): working days from contracts, exempt from current adjustments, office days 0."""
    from mandate.policy.anchor_days import Person, Team, schedule
    from mandate.policy.workspace import DAYS, SiteDesks

    today = timezone.localdate()
    staff = list(StaffMember.objects.filter(organisation=organisation).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)).select_related("home_site", "team"))
    exempt = set(Adjustment.objects.filter(staff__organisation=organisation, exempt=True, date_from__lte=today)
                 .filter(Q(date_to__isnull=True) | Q(date_to__gte=today)).values_list("staff_id", flat=True))
    lookup = {d.lower(): i for i, d in enumerate(DAYS)}
    people = []
    for s in staff:
        days = frozenset(lookup[d.strip().lower()] for d in s.working_days.split(";")
                         if d.strip().lower() in lookup)
        people.append(Person(s.staff_id, s.home_site.code, s.team.code, days, exempt=s.pk in exempt))
    teams = sorted({s.team.code for s in staff})
    desks = dict(Desk.objects.filter(site__organisation=organisation, active=True, kind=Desk.DESK)
                 .values("site__code").annotate(n=Count("id")).values_list("site__code", "n"))
    site_desks = [SiteDesks.every_day(s.code, desks.get(s.code, s.desk_capacity))
                  for s in Site.objects.filter(organisation=organisation).order_by("code")]
    return schedule([Team(t, anchor_days) for t in teams], people, site_desks, buffer=buffer,
                    time_limit=time_limit)
