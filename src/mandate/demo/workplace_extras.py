"""Demo hook for the workplace wing: the ONS attendance policies and some adjusted expectations.

`mandate.demo.scenario.load_demo` calls `build` at the end, inside the same transaction, after the
organisation, its sites, teams, staff, equality records, badge cards, absences and presence records exist.

Policies (database records holding the policy engine's TOML, spec §1), read from `mandate/policy/examples/`
(`ons-individual-2024.toml`, `ons-organisation-wide-2026.toml`):
- "ONS individual 40%": 20% from January 2024, 40% from April 2024 with Darlington at 20% (the FOI reply's
  capacity models), counted per person per calendar month from badge swipes and booking check-ins;
- "ONS organisation-wide purpose-led 40% (April 2026)": the settlement's organisation-wide target, office
  days recorded with their purpose. It is the default the pages open with, as the policy in force today.

Desks (issue 18): see `build_estates`.

Adjusted expectations (spec §3): about 4% of staff, more often those who declared a disability or caring
responsibilities (synthetic data), each with a route, an approver and a review date spread around today so
that the reminders page has reviews overdue, due soon and later. The demo "staff" account has one, so that
its own page shows the route and the "manager" account's team page shows only the expectation.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mandate.policy import examples

INDIVIDUAL = examples.text("ons-individual-2024.toml")
ORGANISATION_WIDE = examples.text("ons-organisation-wide-2026.toml")

TODAY = dt.date(2026, 11, 23)
LONDON = ZoneInfo("Europe/London")


def build(*, seed: int, organisation: Any) -> None:
    """Add the employer side's extras to `organisation` (the workplace Organisation "ons")."""
    from mandate.workplace.models import Adjustment, AttendancePolicy, StaffMember

    AttendancePolicy.objects.create(organisation=organisation, toml=INDIVIDUAL, updated_by="demo")
    AttendancePolicy.objects.create(organisation=organisation, toml=ORGANISATION_WIDE, is_default=True,
                                    updated_by="demo")

    rng = random.Random(seed * 7919 + 6)
    staff = list(StaffMember.objects.filter(organisation=organisation, end_date__isnull=True)
                 .select_related("equality").order_by("staff_id"))
    adjustments = []
    demo_person = StaffMember.objects.filter(organisation=organisation, user__username="staff").first()
    for person in staff:
        equality = getattr(person, "equality", None)
        disabled = equality is not None and equality.disability == "yes"
        carer = equality is not None and equality.caring_responsibilities == "yes"
        if person.home_based_contract:
            route, chance = "home_based_contract", 1.0
        elif disabled:
            route, chance = "adjustment", 0.18
        elif carer:
            route, chance = "carers_passport", 0.08
        else:
            route, chance = rng.choice(["flexible_working", "phased_return"]), 0.01
        if person == demo_person:
            route, chance = "carers_passport", 1.0
        if rng.random() >= chance:
            continue
        exempt = route == "home_based_contract" or (route == "adjustment" and rng.random() < 0.2)
        start = max(person.start_date, dt.date(2024, 4, 1)) + dt.timedelta(days=rng.randrange(0, 400))
        start = min(start, TODAY - dt.timedelta(days=30))
        end = start + dt.timedelta(weeks=rng.choice([8, 12])) if route == "phased_return" else None
        review = TODAY + dt.timedelta(days=rng.randrange(-20, 180))
        if person == demo_person:
            review = TODAY + dt.timedelta(days=17)
        adjustments.append(Adjustment(
            staff=person, exempt=exempt,
            expected_percent=None if exempt else Decimal(rng.choice([0, 10, 20, 20, 25, 30])),
            date_from=start, date_to=end, route=route,
            approved_by=rng.choice(["Head of HR Operations", "Deputy Director, People", "HR Business Partner"]),
            review_date=review, recorded_by="demo"))
    Adjustment.objects.bulk_create(adjustments, batch_size=2000)
    build_estates(seed=seed, organisation=organisation)


#: Zones on each floor of the demo offices, in order; the quiet zone has the quiet and low-stimulus desks.
ZONES = ("North", "South", "East quiet", "West")
DESKS_PER_FLOOR = 160


def weekdays_from(day: dt.date, n: int, step: int = 1) -> list[dt.date]:
    """`n` weekdays from `day` (included if a weekday) forwards, or before it backwards (step -1)."""
    days: list[dt.date] = []
    if step < 0:
        day -= dt.timedelta(days=1)
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=step)
    return days


def build_estates(*, seed: int, organisation: Any, today: dt.date | None = None) -> dict[str, int]:
    """A desk inventory per site (its `desk_capacity` desks on floors of up to 160, in four zones, with the
    attribute mix of a real estate and a few accessible desks held for entitled staff, plus a bookable room
    per 60 desks), desk entitlements on some adjustments, and bookings: about a quarter of each office's desks
    for the next three weekdays, and for the demo "staff" account three past weekdays checked in (presence
    records, source booking_checkin) and the next three booked. All by bulk_create: a few thousand rows.

    Bookings are dated from the real today (not the demo's fixed date), so the occupancy page opens on them.
    """
    from mandate.workplace.estates.models import Booking, Desk, DeskEntitlement
    from mandate.workplace.models import Adjustment, PresenceRecord, Site, StaffMember

    rng = random.Random(seed * 104729 + 18)
    from django.utils import timezone

    today = today or timezone.localdate()  # the site's today (Europe/London), as the pages use
    sites = list(Site.objects.filter(organisation=organisation).order_by("code"))
    desks: list[Desk] = []
    for site in sites:
        prefix = site.code.split("-")[0][:3].upper()
        floors = max(1, -(-site.desk_capacity // DESKS_PER_FLOOR))
        for k in range(site.desk_capacity):
            f, n = divmod(k, DESKS_PER_FLOOR)
            floor = "G" if f == 0 else str(f)
            on_floor = min(DESKS_PER_FLOOR, site.desk_capacity - f * DESKS_PER_FLOOR)
            zone = ZONES[n * len(ZONES) // on_floor] if site.desk_capacity >= 8 else ""
            quiet = zone == "East quiet"
            held = f == 0 and n % 40 == 0 and n < 160  # up to four on the ground floor
            desks.append(Desk(
                site=site, code=f"{prefix}-{floor}-{n + 1:03d}", floor=floor, zone=zone,
                quiet_zone=quiet, low_stimulus_lighting=quiet and rng.random() < 0.5,
                height_adjustable=held or rng.random() < 0.15, accessible_route=f <= 1 or held,
                near_exit=n % DESKS_PER_FLOOR < 12, assistive_equipment=held, dual_screens=held or rng.random() < 0.6,
                reserved=held))
        for r in range(max(1, site.desk_capacity // 60)):
            desks.append(Desk(site=site, code=f"{prefix}-R{r + 1:02d}", floor=str(r % floors) if r % floors else "G",
                              kind=Desk.ROOM, accessible_route=True))
    Desk.objects.bulk_create(desks, batch_size=2000)

    # entitlements: about half the (non-exempt) workplace adjustments name the desk the person needs
    needs = [["accessible_route", "height_adjustable"], ["quiet_zone", "low_stimulus_lighting"],
             ["assistive_equipment", "accessible_route"], ["dual_screens"]]
    adjusted = Adjustment.objects.filter(staff__organisation=organisation, route="adjustment", exempt=False)
    DeskEntitlement.objects.bulk_create(
        [DeskEntitlement(adjustment=a, attributes=sorted(rng.choice(needs))) for a in adjusted.order_by("pk")
         if rng.random() < 0.5], batch_size=2000)

    # bookings: a quarter of the plain desks at each office on each of the next three weekdays
    ahead = weekdays_from(today, 3)
    demo_person = StaffMember.objects.filter(organisation=organisation, user__username="staff").first()
    plain: dict[int, list[Desk]] = {}
    for desk in desks:
        if desk.kind == Desk.DESK and not desk.reserved:
            plain.setdefault(desk.site_id, []).append(desk)
    people: dict[int, list[int]] = {}
    demo_pk = demo_person.pk if demo_person is not None else None
    for pk, site_id in (StaffMember.objects.filter(organisation=organisation, end_date__isnull=True,
                                                   home_based_contract=False)
                        .order_by("pk").values_list("pk", "home_site_id")):
        if pk != demo_pk:
            people.setdefault(site_id, []).append(pk)
    bookings: list[Booking] = []
    for site_id, site_desks in plain.items():
        staff_here = people.get(site_id, [])
        for day in ahead:
            n = min(len(site_desks) // 4, len(staff_here))
            bookings += [Booking(desk=d, staff_id=s, date=day)
                         for d, s in zip(rng.sample(site_desks, n), rng.sample(staff_here, n), strict=True)]
    checkins: list[PresenceRecord] = []
    if demo_person is not None:
        own = [d for d in plain.get(demo_person.home_site_id, []) if d.zone != "East quiet"]
        taken = {(b.desk_id, b.date) for b in bookings}
        past = weekdays_from(today, 3, step=-1)
        for day in sorted(past) + ahead:
            desk = next(d for d in own if (d.pk, day) not in taken)
            at = None
            if day < today:
                at = dt.datetime.combine(day, dt.time(9, rng.randrange(0, 40)), tzinfo=LONDON)
                checkins.append(PresenceRecord(organisation=organisation, staff=demo_person, card_number="",
                                               site_id=desk.site_id, timestamp=at, source=PresenceRecord.CHECKIN))
            bookings.append(Booking(desk=desk, staff=demo_person, date=day,
                                    state=Booking.CHECKED_IN if at else Booking.BOOKED, checked_in_at=at))
    Booking.objects.bulk_create(bookings, batch_size=2000)
    PresenceRecord.objects.bulk_create(checkins)
    return {"desks": len(desks), "bookings": len(bookings)}
