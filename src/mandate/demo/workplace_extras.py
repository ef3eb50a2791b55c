"""Demo hook for the workplace wing: the ONS attendance policies and some adjusted expectations.

`mandate.demo.scenario.load_demo` calls `build` at the end, inside the same transaction, after the
organisation, its sites, teams, staff, equality records, badge cards, absences and presence records exist.

Policies (database records holding the policy engine's TOML, spec §1), read from `mandate/policy/examples/`
(`ons-individual-2024.toml`, `ons-organisation-wide-2026.toml`):
- "ONS individual 40%": 20% from January 2024, 40% from April 2024 with Darlington at 20% (the FOI reply's
  capacity models), counted per person per calendar month from badge swipes and booking check-ins;
- "ONS organisation-wide purpose-led 40% (April 2026)": the settlement's organisation-wide target, office
  days recorded with their purpose. It is the default the pages open with, as the policy in force today.

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

from mandate.policy import examples

INDIVIDUAL = examples.text("ons-individual-2024.toml")
ORGANISATION_WIDE = examples.text("ons-organisation-wide-2026.toml")

TODAY = dt.date(2026, 11, 23)


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
