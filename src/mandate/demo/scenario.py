"""`mandate demo`: load the ONS-like demo organisation, its two unions and the demo accounts.

Seeded and deterministic: the same seed and size give the same data, whatever the database. Everything is
written in one transaction, so that a failure leaves nothing half-written. The generation itself lives in
`mandate.demo.generate` (no Django); this module checks the database, writes, and reports.

At the end it calls the two wings' hooks, `mandate.demo.union_dispute.build` (the dispute, its ballots and
mandates) and `mandate.demo.workplace_extras.build` (policies, adjustments, desks), in the same transaction.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mandate.demo import data
from mandate.demo import generate as gen
from mandate.demo.bulk import insert_rows

ORG_CODE = "ons"
ORG_NAME = "Office for National Statistics"
DEMO_PASSWORD = "mandate-demo"  # noqa: S105 - the published password of the demo accounts
DISPUTE_START = date(2024, 4, 1)
UNIONS = {
    "pcs": ("Public and Commercial Services Union", gen.PCS_AT_REFERENCE, data.PCS_WEIGHT, "",
            {o.code: f"ONS {o.name}" for o in gen.OFFICES}),
    "prospect": ("Prospect", gen.PROSPECT_AT_REFERENCE, data.PROSPECT_WEIGHT, "P",
                 {"newport": "ONS South and Wales", "titchfield": "ONS South and Wales", "london": "ONS South and Wales",
                  "manchester": "ONS North and Scotland", "darlington": "ONS North and Scotland",
                  "edinburgh": "ONS North and Scotland"}),
}
# username -> (role, scope, description for the README table)
ACCOUNTS: dict[str, tuple[str, str]] = {
    "hr": ("hr_admin", ORG_CODE),
    "estates": ("estates_manager", ORG_CODE),
    "manager": ("line_manager", ORG_CODE),
    "staff": ("staff_member", ORG_CODE),
    "analyst": ("analyst", ORG_CODE),
    "official": ("union_official", "pcs"),
    "rep": ("branch_rep", "pcs"),
    "member": ("member", "pcs"),
    "scrutineer": ("scrutineer", "pcs"),
    "trustee": ("trustee", "pcs"),
}
SUPERUSER = "admin"
BATCH = 20_000
STAGES = (
    ("plan", "Planning people, leave and swipes"),
    ("organisation", "Organisation, sites and teams"),
    ("staff", "Staff and line managers"),
    ("equality", "Equality-monitoring records"),
    ("cards", "Badge cards"),
    ("absences", "Leave, sickness, training"),
    ("presence", "Badge swipes and check-ins"),
    ("unions", "Union registers"),
    ("accounts", "Demo accounts"),
    ("hooks", "The dispute; policies and desks"),
    ("commit", "Checking references and saving"),
)


def load_demo(seed: int = 2024, staff: int = gen.REFERENCE_STAFF, if_empty: bool = False, add: bool = False) -> int:
    """Load the demo; return the command's exit code (0 loaded or already there, 1 refused)."""
    from mandate.workplace.models import Organisation

    out = Console(highlight=False)
    if Organisation.objects.filter(code=ORG_CODE).exists():
        if if_empty:
            out.print("The demo is already loaded.")
            return 0
        return _refuse('The demo is already loaded (organisation "ons" exists); there is nothing to add.')
    existing = _existing_data()
    if existing and not add:
        if if_empty:
            out.print(f"The database already holds other data ({existing}); the demo was not loaded. "
                      "Run `mandate demo --add` to load it beside.")
            return 0
        return _refuse(f"The database already holds data ({existing}); run with --add to load the demo beside it.")
    clashes = _clashes()
    if clashes:
        return _refuse(f"Cannot load the demo beside the data already here: {clashes} already exist.")
    if staff < gen.MIN_STAFF:
        return _refuse(f"The demo needs at least {gen.MIN_STAFF} staff (--staff {staff} is too few).")

    from django.db import transaction

    with _progress(out) as stages:
        with transaction.atomic():
            summary = _build(seed, staff, stages)
            stages.start("commit", 1)  # the database checks every reference as the transaction commits
        stages.done("commit")
    _print_summary(out, summary)
    return 0


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _existing_data() -> str:
    from django.contrib.auth import get_user_model

    from mandate.union.models import Union
    from mandate.workplace.models import Organisation

    parts = []
    organisations = Organisation.objects.count()
    unions = Union.objects.count()
    users = get_user_model().objects.filter(is_superuser=False).count()
    if organisations:
        parts.append(_plural(organisations, "organisation"))
    if unions:
        parts.append(_plural(unions, "union"))
    if users:
        parts.append(_plural(users, "user account"))
    return ", ".join(parts)


def _clashes() -> str:
    from django.contrib.auth import get_user_model

    from mandate.union.models import Union

    names = [f'union "{code}"' for code in Union.objects.filter(code__in=UNIONS).values_list("code", flat=True)]
    taken = sorted(get_user_model().objects.filter(username__in=[*ACCOUNTS, SUPERUSER])
                   .values_list("username", flat=True))
    if taken:
        names.append("the accounts " + ", ".join(taken))
    return " and ".join(names)


class _Stages:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks = {key: progress.add_task(label, total=None, start=False) for key, label in STAGES}

    def start(self, key: str, total: int) -> None:
        self.progress.update(self.tasks[key], total=max(total, 1))
        self.progress.start_task(self.tasks[key])

    def advance(self, key: str, amount: int) -> None:
        self.progress.advance(self.tasks[key], amount)

    def done(self, key: str) -> None:
        task = self.tasks[key]
        total = self.progress.tasks[task].total or 1
        self.progress.update(task, completed=total)


class _progress:
    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<36}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console,
        )

    def __enter__(self) -> _Stages:
        self.bar.__enter__()
        return _Stages(self.bar)

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _bulk(model: Any, objects: list[Any], stages: _Stages, key: str) -> list[Any]:
    stages.start(key, len(objects))
    for chunk in _chunks(objects):
        model.objects.bulk_create(chunk, batch_size=2000)
        stages.advance(key, len(chunk))
    stages.done(key)
    return objects


def _build(seed: int, staff_count: int, stages: _Stages) -> dict[str, Any]:
    from mandate.demo import union_dispute, workplace_extras
    from mandate.union import models as union
    from mandate.workplace import models as wp

    # Plan everything in memory first, in a fixed order of draws.
    stages.start("plan", 6)
    rng = np.random.default_rng(seed)
    headcounts = gen.site_headcounts(staff_count)
    teams = gen.make_teams(rng, headcounts)
    people = gen.make_people(rng, staff_count, teams)
    stages.advance("plan", 1)
    exclude = np.zeros(people.n, dtype=bool)
    registers = {}
    for code, (_, reference, weights, prefix, _) in UNIONS.items():
        registers[code] = gen.union_members(rng, people, teams, gen.scaled(reference, staff_count), weights,
                                            exclude, prefix, DISPUTE_START)
    stages.advance("plan", 1)
    works = gen.working_calendar(people, gen.bank_holidays())
    absent = gen.make_absences(rng, people, works)
    stages.advance("plan", 1)
    cards = gen.make_cards(rng, people, unknown=max(5, staff_count // 50))
    stages.advance("plan", 1)
    # Action short of strike was exactly non-compliance with the attendance rule (spec §4).
    member_factor = np.where(exclude, 0.8, 1.0)
    presence = gen.make_presence(rng, people, works, absent, cards, member_factor)
    stages.advance("plan", 2)
    stages.done("plan")

    # The employer.
    stages.start("organisation", len(data.SITES) + len(teams))
    org = wp.Organisation.objects.create(code=ORG_CODE, name=ORG_NAME)
    sites = []
    for spec in data.SITES:
        if spec.kind == "office":
            headcount = headcounts[gen.OFFICES.index(spec)]
            desks = round(headcount * spec.desk_ratio)
        else:
            desks = max(4, round(staff_count * spec.desk_ratio))
        sites.append(wp.Site(organisation=org, code=spec.code, name=spec.name, kind=spec.kind,
                             is_headquarters=spec.headquarters, nation=spec.nation, address=spec.address,
                             desk_capacity=desks))
    wp.Site.objects.bulk_create(sites)
    team_rows = wp.Team.objects.bulk_create(
        [wp.Team(organisation=org, code=t.code, name=t.name, directorate=t.directorate) for t in teams])
    stages.done("organisation")

    staff_rows = [
        wp.StaffMember(
            organisation=org, staff_id=people.staff_id[i], name=f"{people.first[i]} {people.last[i]}",
            work_email=f"{gen._ascii_name(people.first[i])}.{gen._ascii_name(people.last[i])}"
                       f"{people.staff_id[i][-3:]}@ons.example.com",
            home_site=sites[people.site[i]], team=team_rows[people.team[i]], grade=data.GRADES[people.grade[i]],
            working_days=people.working_days[i], hours_per_day=Decimal(f"{people.hours_per_day[i]:.2f}"),
            fte=Decimal(f"{people.fte[i]:.3f}"), start_date=people.start[i], end_date=people.end[i],
            home_based_contract=bool(people.home_based[i]),
        )
        for i in range(people.n)
    ]
    # Managers first, so that each row's line manager already has its key.
    stages.start("staff", people.n)
    for level in _management_levels(people.manager):
        for i in level:
            if people.manager[i] >= 0:
                staff_rows[i].line_manager = staff_rows[people.manager[i]]
        for chunk in _chunks([staff_rows[i] for i in level]):
            wp.StaffMember.objects.bulk_create(chunk, batch_size=2000)
            stages.advance("staff", len(chunk))
    stages.done("staff")

    _bulk(wp.EqualityRecord, [
        wp.EqualityRecord(staff=staff_rows[i], sex=people.sex[i], age_band=people.age_band[i],
                          ethnicity=people.ethnicity[i], disability=people.disability[i],
                          caring_responsibilities=people.caring[i], commute_minutes=int(people.commute[i]))
        for i in range(people.n)
    ], stages, "equality")

    _bulk(wp.BadgeCard, [
        wp.BadgeCard(staff=staff_rows[owner], card_number=cards.number[k], issued_on=cards.issued[k],
                     withdrawn_on=cards.withdrawn[k])
        for k, owner in enumerate(cards.owner.tolist())
    ], stages, "cards")

    person, day = np.nonzero(absent)
    kinds = absent[person, day]
    staff_ids = [r.pk for r in staff_rows]
    stages.start("absences", len(person))
    insert_rows(wp.Absence, ("staff_id", "date", "kind"),
                ((staff_ids[i], gen.DAYS[d], gen.ABSENCE_KINDS[k])
                 for i, d, k in zip(person.tolist(), day.tolist(), kinds.tolist(), strict=True)),
                advance=lambda n: stages.advance("absences", n))
    stages.done("absences")

    site_ids = [s.pk for s in sites]
    total = len(presence.card)
    stages.start("presence", total)
    sources = (wp.PresenceRecord.BADGE, wp.PresenceRecord.CHECKIN)
    purposes = [*data.PURPOSES, ""]
    staff_of = [staff_ids[k] if k >= 0 else None for k in presence.staff.tolist()]
    # Written person by person, in time order: the indexes on (staff, timestamp) then grow at their ends.
    order = np.lexsort((presence.epoch, np.where(presence.staff >= 0, presence.staff, people.n))).tolist()
    site_of, epoch_of = presence.site.tolist(), presence.epoch.tolist()
    source_of, purpose_of = presence.source.tolist(), presence.purpose.tolist()
    insert_rows(
        wp.PresenceRecord,
        ("organisation_id", "staff_id", "card_number", "site_id", "timestamp", "source", "purpose"),
        ((org.pk, staff_of[k], presence.card[k] if source_of[k] == 0 else "", site_ids[site_of[k]],
          datetime.fromtimestamp(epoch_of[k], tz=UTC), sources[source_of[k]], purposes[purpose_of[k]])
         for k in order),
        advance=lambda n: stages.advance("presence", n),
    )
    stages.done("presence")

    # The unions' own records: never linked to the workplace wing's objects.
    union_rows = {}
    members_total = sum(len(r) for r in registers.values())
    stages.start("unions", members_total)
    workplace_counts: dict[str, Counter[str]] = {}
    for code, (name, _, _, _, branch_of) in UNIONS.items():
        the_union = union.Union.objects.create(code=code, name=name)
        union_rows[code] = the_union
        branches = {b: union.Branch.objects.create(union=the_union, name=b)
                    for b in sorted(set(branch_of.values()))}
        employer = union.Employer.objects.create(
            union=the_union, code=ORG_CODE, name=ORG_NAME, address=data.SITES[0].address)
        workplaces = {o.code: union.Workplace.objects.create(employer=employer, code=o.code, name=o.name,
                                                             address=o.address) for o in gen.OFFICES}
        rows = []
        for m in registers[code]:
            office = data.SITES[people.site[m.staff]].code
            rows.append(union.Member(
                union=the_union, branch=branches[branch_of[office]], membership_number=m.number,
                name=f"{people.first[m.staff]} {people.last[m.staff]}", personal_email=m.email, mobile=m.mobile,
                home_address=m.address, employer=employer, workplace=workplaces[office],
                job_category=m.job_category, overseas=m.overseas, joined_on=m.joined, left_on=m.left,
            ))
        union.Member.objects.bulk_create(rows, batch_size=2000)
        stages.advance("unions", len(rows))
        workplace_counts[code] = Counter(data.SITES[people.site[m.staff]].name for m in registers[code]
                                         if m.left is None)
    stages.done("unions")

    stages.start("accounts", len(ACCOUNTS) + 1)
    manager_index, staff_index = _demo_people(people)
    users = _create_accounts()
    staff_rows[manager_index].user = users["manager"]
    staff_rows[staff_index].user = users["staff"]
    wp.StaffMember.objects.bulk_update([staff_rows[manager_index], staff_rows[staff_index]], ["user"])
    stages.done("accounts")

    stages.start("hooks", 2)
    union_dispute.build(seed=seed, unions=union_rows)
    stages.advance("hooks", 1)
    workplace_extras.build(seed=seed, organisation=org)
    stages.done("hooks")

    headcount_now = Counter(data.SITES[people.site[i]].name for i in range(people.n)
                            if people.end[i] is None and people.start[i] <= gen.TODAY)
    return {
        "sites": [(s.name, s.kind, headcount_now.get(s.name, 0), s.desk_capacity) for s in sites],
        "staff": people.n,
        "presence": Counter(presence.source.tolist()),
        "faults": presence.faults,
        "absences": Counter(gen.ABSENCE_KINDS[k] for k in kinds.tolist()),
        "members": {code: (UNIONS[code][0], len(registers[code]), workplace_counts[code]) for code in UNIONS},
        "manager": staff_rows[manager_index].name,
        "staff_member": staff_rows[staff_index].name,
    }


def _management_levels(manager: np.ndarray) -> list[list[int]]:
    """Staff indices in levels: those with no manager, then their reports, and so on."""
    levels: list[list[int]] = []
    placed = np.zeros(len(manager), dtype=bool)
    frontier = manager < 0
    while frontier.any():
        level = np.flatnonzero(frontier)
        levels.append(level.tolist())
        placed[level] = True
        frontier = ~placed & (manager >= 0) & placed[np.maximum(manager, 0)]
    if not placed.all():
        raise ValueError("line management has a cycle")
    return levels


def _demo_people(people: gen.People) -> tuple[int, int]:
    """The line manager account's person (leads a team at headquarters) and one of their reports."""
    reports: dict[int, list[int]] = {}
    for i, m in enumerate(people.manager.tolist()):
        if m >= 0 and people.end[i] is None and not people.home_based[i]:
            reports.setdefault(m, []).append(i)
    # A team lead: at least three current reports in their own team.
    candidates = [m for m, r in reports.items() if people.end[m] is None
                  and sum(people.team[i] == people.team[m] for i in r) >= 3]
    hq = [m for m in candidates if people.site[m] == gen.SITE_INDEX["newport"]]
    manager = min(hq or candidates or list(reports), key=lambda m: (-len(reports[m]), m))
    same_team = [i for i in reports[manager] if people.team[i] == people.team[manager]]
    return manager, min(same_team or reports[manager])


def _create_accounts() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from mandate.platform.models import RoleAssignment

    user_model = get_user_model()
    hashed = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    users = {}
    for username, (role, scope) in ACCOUNTS.items():
        user = user_model.objects.create_user(username, email=f"{username}@example.org")
        user.password = hashed
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role=role, scope=scope)
        users[username] = user
    admin = user_model.objects.create_superuser(SUPERUSER, email="admin@example.org")
    admin.password = hashed
    admin.save(update_fields=["password"])
    users[SUPERUSER] = admin
    return users


def _print_summary(out: Console, summary: dict[str, Any]) -> None:
    sites = Table(title="Office for National Statistics (demo)", title_justify="left")
    for column in ("Site", "Kind", "Staff now", "Desks"):
        sites.add_column(column, justify="left" if column in ("Site", "Kind") else "right")
    for name, kind, headcount, desks in summary["sites"]:
        sites.add_row(name, "Regional hub" if kind == "hub" else "Office", f"{headcount:,}", f"{desks:,}")
    out.print(sites)
    presence, faults, absences = summary["presence"], summary["faults"], summary["absences"]
    out.print(f"Staff records: {summary['staff']:,} (leavers and joiners included).")
    out.print(f"Presence records, 1 November 2025 to 31 October 2026: {presence.get(0, 0):,} badge swipes, "
              f"{presence.get(1, 0):,} desk-booking check-ins.")
    out.print("Export faults kept as real exports have them: "
              f"{faults['repeated_within_a_minute']:,} repeated swipes within a minute, "
              f"{faults['two_site_days']:,} days with swipes at two sites, "
              f"{faults['unknown_card_swipes']:,} swipes by unknown cards, "
              f"{faults['fast_clock_swipes']:,} swipes from a reader an hour fast (Darlington, January 2026), "
              f"{faults['utc_written_as_local_swipes']:,} swipes written in UTC as local time (Edinburgh, summer), "
              f"{faults['office_days_without_a_swipe']:,} office days with no swipe at all (tailgating, a failed reader).")
    out.print("Absence days: " + ", ".join(f"{count:,} {kind.replace('_', ' ')}"
                                           for kind, count in sorted(absences.items())) + ".")
    members = Table(title="Union registers (the unions' own records)", title_justify="left")
    members.add_column("Union")
    members.add_column("Members", justify="right")
    members.add_column("Current, by workplace")
    for _, (name, count, by_workplace) in summary["members"].items():
        members.add_row(name, f"{count:,}", ", ".join(f"{w} {c:,}" for w, c in by_workplace.most_common()))
    out.print(members)
    out.print(f"Demo accounts (password {DEMO_PASSWORD!r}): " + ", ".join([*ACCOUNTS, SUPERUSER])
              + f"; manager is {summary['manager']}, staff is {summary['staff_member']}.")

