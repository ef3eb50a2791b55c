"""`mandate demo`: deterministic, re-runnable, refuses to mix with other data unless told, faults present."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from mandate.demo import data
from mandate.demo import generate as gen
from mandate.demo.scenario import ACCOUNTS, DEMO_PASSWORD, SUPERUSER, load_demo

SMALL = 90
LONDON = ZoneInfo("Europe/London")


def _digests() -> dict[str, list[tuple]]:
    from mandate.union.models import Member
    from mandate.workplace.models import Absence, BadgeCard, EqualityRecord, PresenceRecord, StaffMember

    return {
        "staff": sorted(StaffMember.objects.values_list(
            "staff_id", "name", "home_site__code", "team__code", "grade", "working_days", "hours_per_day", "fte",
            "start_date", "end_date", "home_based_contract", "line_manager__staff_id")),
        "equality": sorted(EqualityRecord.objects.values_list(
            "staff__staff_id", "sex", "age_band", "ethnicity", "disability", "caring_responsibilities",
            "commute_minutes")),
        "cards": sorted(BadgeCard.objects.values_list("staff__staff_id", "card_number", "issued_on", "withdrawn_on")),
        "absences": sorted(Absence.objects.values_list("staff__staff_id", "date", "kind")),
        "presence": sorted(PresenceRecord.objects.values_list(
            "staff__staff_id", "card_number", "site__code", "timestamp", "source", "purpose"),
            key=repr),
        "members": sorted(Member.objects.values_list(
            "union__code", "membership_number", "name", "personal_email", "mobile", "home_address",
            "workplace__code", "branch__name", "job_category", "overseas", "joined_on", "left_on")),
    }


@pytest.fixture(autouse=True)
def _demo_data_dir(settings, tmp_path):
    """The demo writes to its data folder (the recorded commencement of the e-balloting Order, for its electronic
    ballots): each test's goes to its own folder, never the shared one."""
    settings.DATA_DIR = tmp_path


class _Undo(Exception):
    pass


def _load_and_digest(seed: int) -> dict[str, list[tuple]]:
    """Load the demo, read it back, and roll it all back so that the next load starts from empty."""
    from django.db import transaction

    try:
        with transaction.atomic():
            assert load_demo(seed=seed, staff=SMALL) == 0
            digests = _digests()
            raise _Undo
    except _Undo:
        return digests


@pytest.mark.django_db
def test_same_seed_same_data(capsys):
    from mandate.workplace.models import Organisation

    first = _load_and_digest(7)
    assert not Organisation.objects.exists()
    second = _load_and_digest(7)
    for table in first:
        assert first[table], table
        assert first[table] == second[table], f"{table} differs between two runs with the same seed"


def test_generator_is_deterministic_without_a_database():
    def plan(seed: int):
        rng = np.random.default_rng(seed)
        teams = gen.make_teams(rng, gen.site_headcounts(200))
        people = gen.make_people(rng, 200, teams)
        works = gen.working_calendar(people, gen.bank_holidays())
        absent = gen.make_absences(rng, people, works)
        cards = gen.make_cards(rng, people, unknown=4)
        presence = gen.make_presence(rng, people, works, absent, cards, np.ones(people.n))
        return people.staff_id, absent.tobytes(), presence.epoch.tobytes(), presence.card

    assert plan(3) == plan(3)
    assert plan(3) != plan(4)


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo of 300 staff for the read-only tests in TestLoadedDemo, rolled back after them."""
    from django.db import transaction
    from django.test import override_settings

    from mandate.workplace.models import Organisation

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                             DATA_DIR=tmp_path_factory.mktemp("demo-data"))
    with django_db_blocker.unblock(), transaction.atomic(), fast:
        assert load_demo(seed=11, staff=300) == 0
        yield Organisation.objects.get(code="ons")
        transaction.set_rollback(True)


class TestLoadedDemo:
    """Read-only checks on one loaded demo."""

    @pytest.mark.django_db
    def test_export_faults_are_present(self, loaded):
        from mandate.workplace.models import BadgeCard, PresenceRecord

        badge = list(PresenceRecord.objects.filter(source="badge").values_list(
            "staff_id", "card_number", "site__code", "timestamp"))
        # Repeated swipes: the same card read twice within a minute at the same site.
        by_card = defaultdict(list)
        for _, card, site, ts in badge:
            by_card[(card, site)].append(ts)
        repeats = sum(1 for times in by_card.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
                      if (b - a).total_seconds() < 60)
        assert repeats > 20
        # A swipe at two sites on one day.
        sites_per_day = defaultdict(set)
        for staff, _, site, ts in badge:
            if staff is not None:
                sites_per_day[(staff, ts.astimezone(LONDON).date())].add(site)
        assert sum(1 for sites in sites_per_day.values() if len(sites) > 1) > 5
        # Unknown cards: no staff, and no BadgeCard with that number.
        unknown = {card for staff, card, _, _ in badge if staff is None}
        assert len(unknown) > 1
        assert not BadgeCard.objects.filter(card_number__in=unknown).exists()
        known = {card for staff, card, _, _ in badge if staff is not None}
        assert known <= set(BadgeCard.objects.values_list("card_number", flat=True))


    @pytest.mark.django_db
    def test_clock_faults_shift_arrival_times(self, loaded):
        """A reader an hour fast for some weeks; one site's export in UTC labelled as local time."""
        from mandate.workplace.models import PresenceRecord

        def mean_hour(site: str, first: date, last: date) -> float:
            stamps = PresenceRecord.objects.filter(
                source="badge", site__code=site, staff__isnull=False,
                timestamp__date__gte=first, timestamp__date__lte=last).values_list("timestamp", flat=True)
            hours = [t.astimezone(LONDON).hour + t.astimezone(LONDON).minute / 60 for t in stamps]
            assert len(hours) > 30
            return float(np.median(hours))

        code, first, last, _ = gen.READER_CLOCK_FAST
        fast = mean_hour(code, first, last)
        normal = mean_hour(code, date(2026, 2, 16), date(2026, 3, 20))
        assert fast - normal > 0.5
        # In summer (British Summer Time) the UTC-as-local export reads an hour late; in winter it does not.
        summer = mean_hour(gen.UTC_AS_LOCAL_SITE, date(2026, 5, 1), date(2026, 7, 15))
        winter = mean_hour(gen.UTC_AS_LOCAL_SITE, date(2025, 11, 3), date(2026, 3, 20))
        honest_summer = mean_hour("newport", date(2026, 5, 1), date(2026, 7, 15))
        honest_winter = mean_hour("newport", date(2025, 11, 3), date(2026, 3, 20))
        assert (summer - winter) - (honest_summer - honest_winter) > 0.5


    @pytest.mark.django_db
    def test_calendar_is_respected(self, loaded):
        """No absence on weekends or bank holidays; nobody swipes before starting, after leaving, or while on leave."""
        from mandate.workplace.models import Absence, PresenceRecord, StaffMember

        holidays = gen.bank_holidays()
        absences = list(Absence.objects.values_list("staff_id", "date", "kind", "staff__home_site__nation"))
        assert absences
        assert all(d.weekday() < 5 for _, d, _, _ in absences)
        assert not [a for a in absences if a[1] in holidays[a[3]]]
        on_leave = {(s, d) for s, d, kind, _ in absences if kind in ("annual_leave", "sickness")}
        dates = {pk: (start, end) for pk, start, end in StaffMember.objects.values_list("pk", "start_date", "end_date")}
        checked = 0
        for staff, ts in PresenceRecord.objects.filter(staff__isnull=False).values_list("staff_id", "timestamp"):
            day = (ts - timedelta(hours=2)).astimezone(LONDON).date()  # clock faults add at most an hour
            start, end = dates[staff]
            assert day >= start and (end is None or day <= end)
            assert (staff, day) not in on_leave
            checked += 1
        assert checked > 1000
        kinds = Counter(kind for _, _, kind, _ in absences)
        assert {"annual_leave", "sickness", "training", "official_business"} <= set(kinds)
        per_person_leave = kinds["annual_leave"] / StaffMember.objects.count()
        assert 12 < per_person_leave < 26


    @pytest.mark.django_db
    def test_accounts_authenticate_and_hold_their_roles(self, loaded):
        from django.contrib.auth import authenticate

        from mandate.platform.models import RoleAssignment
        from mandate.platform.roles import ROLES
        from mandate.workplace.models import StaffMember

        assert {role for role, _ in ACCOUNTS.values()} == set(ROLES)
        for username, (role, scope) in ACCOUNTS.items():
            user = authenticate(username=username, password=DEMO_PASSWORD)
            assert user is not None, username
            assert list(RoleAssignment.objects.filter(user=user).values_list("role", "scope")) == [(role, scope)]
            assert not user.is_superuser
            assert authenticate(username=username, password="wrong-password") is None
        admin = authenticate(username=SUPERUSER, password=DEMO_PASSWORD)
        assert admin is not None and admin.is_superuser and admin.is_staff

        manager = StaffMember.objects.get(user__username="manager")
        assert manager.reports.count() >= 3
        staff = StaffMember.objects.get(user__username="staff")
        assert staff.line_manager == manager
        assert StaffMember.objects.filter(user__isnull=False).count() == 2
        assert not StaffMember.objects.filter(user__username__in=["official", "rep", "member"]).exists()


    @pytest.mark.django_db
    def test_organisation_and_registers_look_like_ons(self, loaded):
        from mandate.union.models import Member, Union, Workplace
        from mandate.workplace.models import EqualityRecord, Site, StaffMember, Team

        sites = {s.code: s for s in Site.objects.filter(organisation=loaded)}
        assert set(sites) == {s.code for s in data.SITES}
        assert sites["newport"].is_headquarters and sites["edinburgh"].nation == "scotland"
        assert sum(s.kind == "hub" for s in sites.values()) >= 2
        headcount = Counter(StaffMember.objects.values_list("home_site__code", flat=True))
        assert headcount["newport"] > headcount["titchfield"] > headcount["london"]
        for code in ("newport", "titchfield", "london", "manchester", "edinburgh", "darlington"):
            ratio = sites[code].desk_capacity / headcount[code]
            assert 0.15 <= ratio <= 0.53, code
        assert sites["darlington"].desk_capacity / headcount["darlington"] < sites["newport"].desk_capacity / headcount[
            "newport"]
        assert Team.objects.filter(organisation=loaded).exclude(directorate="").count() >= 6
        assert StaffMember.objects.count() == 300
        assert StaffMember.objects.filter(line_manager__isnull=False).count() > 250
        part_time = StaffMember.objects.filter(fte__lt=1).count() / 300
        assert 0.1 < part_time < 0.35
        assert EqualityRecord.objects.count() == 300

        pcs, prospect = Union.objects.get(code="pcs"), Union.objects.get(code="prospect")
        assert pcs.members.count() == gen.scaled(gen.PCS_AT_REFERENCE, 300)
        assert prospect.members.count() == gen.scaled(gen.PROSPECT_AT_REFERENCE, 300)
        assert set(Workplace.objects.filter(employer__union=pcs).values_list("code", flat=True)) == {
            "newport", "titchfield", "london", "manchester", "edinburgh", "darlington"}
        members = list(Member.objects.all())
        assert all(m.personal_email.endswith(("@example.org", "@example.com")) for m in members)
        mobiles = [m.mobile for m in members if m.mobile and m.union_id == pcs.pk]
        assert mobiles and all(m.startswith("07700 900") and len(m) == 12 for m in mobiles)
        assert len(set(mobiles)) == len(mobiles)
        assert any(m.overseas for m in members)
        assert all(m.joined_on <= (m.left_on or m.joined_on) for m in members)


    @pytest.mark.django_db
    def test_equality_data_is_a_separate_table(self, loaded):
        from mandate.workplace.models import EqualityRecord, StaffMember

        assert EqualityRecord._meta.db_table != StaffMember._meta.db_table
        staff_columns = {f.name for f in StaffMember._meta.concrete_fields}
        for sensitive in ("sex", "age_band", "ethnicity", "disability", "caring_responsibilities", "commute_minutes"):
            assert sensitive not in staff_columns
        row = StaffMember.objects.values().first()
        assert not {"disability", "caring_responsibilities", "ethnicity"} & set(row)
        shares = Counter(EqualityRecord.objects.values_list("disability", flat=True))
        assert 0.07 < shares["yes"] / 300 < 0.25


@pytest.mark.django_db
def test_if_empty_is_idempotent(capsys):
    from mandate.workplace.models import PresenceRecord, StaffMember

    assert load_demo(seed=1, staff=SMALL, if_empty=True) == 0
    counts = (StaffMember.objects.count(), PresenceRecord.objects.count())
    assert counts[0] == SMALL and counts[1] > 0
    capsys.readouterr()
    assert load_demo(seed=1, staff=SMALL, if_empty=True) == 0
    assert "The demo is already loaded." in capsys.readouterr().out
    assert (StaffMember.objects.count(), PresenceRecord.objects.count()) == counts
    # Without --if-empty a second load is refused, not doubled.
    assert load_demo(seed=1, staff=SMALL) == 1
    assert "already loaded" in capsys.readouterr().err
    assert (StaffMember.objects.count(), PresenceRecord.objects.count()) == counts


@pytest.mark.django_db
def test_refuses_a_database_holding_other_data_and_writes_nothing(capsys):
    from django.contrib.auth import get_user_model

    from mandate.union.models import Union
    from mandate.workplace.models import Organisation, PresenceRecord, StaffMember

    Organisation.objects.create(code="acme", name="Acme Ltd")
    get_user_model().objects.create_user("someone", password="x-long-password")
    assert load_demo(seed=1, staff=SMALL) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "already holds data (1 organisation, 1 user account)" in err and "--add" in err
    assert list(Organisation.objects.values_list("code", flat=True)) == ["acme"]
    assert not Union.objects.exists() and not StaffMember.objects.exists() and not PresenceRecord.objects.exists()
    assert get_user_model().objects.count() == 1
    # --if-empty leaves it alone too, without failing the start command.
    assert load_demo(seed=1, staff=SMALL, if_empty=True) == 0
    assert not Organisation.objects.filter(code="ons").exists()


@pytest.mark.django_db
def test_add_loads_beside_other_data(capsys):
    from django.contrib.auth import get_user_model

    from mandate.union.models import Union
    from mandate.workplace.models import Organisation, StaffMember

    acme = Organisation.objects.create(code="acme", name="Acme Ltd")
    Union.objects.create(code="unite", name="Unite")
    assert load_demo(seed=1, staff=SMALL, add=True) == 0
    assert set(Organisation.objects.values_list("code", flat=True)) == {"acme", "ons"}
    assert set(Union.objects.values_list("code", flat=True)) == {"unite", "pcs", "prospect"}
    assert not StaffMember.objects.filter(organisation=acme).exists()
    assert get_user_model().objects.filter(username="hr").exists()


@pytest.mark.django_db
def test_add_refuses_when_demo_usernames_are_taken(capsys):
    from django.contrib.auth import get_user_model

    from mandate.workplace.models import Organisation

    get_user_model().objects.create_user("hr", password="x-long-password")
    assert load_demo(seed=1, staff=SMALL, add=True) == 1
    assert "hr" in capsys.readouterr().err
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_failure_leaves_nothing_half_written(monkeypatch, capsys):
    from mandate.demo import workplace_extras
    from mandate.union.models import Member
    from mandate.workplace.models import Organisation, PresenceRecord

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workplace_extras, "build", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load_demo(seed=1, staff=SMALL)
    assert not Organisation.objects.exists()
    assert not PresenceRecord.objects.exists()
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_too_few_staff_is_refused(capsys):
    assert load_demo(seed=1, staff=10) == 1
    assert "at least" in capsys.readouterr().err


def test_people_follow_the_distributions():
    rng = np.random.default_rng(5)
    teams = gen.make_teams(rng, gen.site_headcounts(gen.REFERENCE_STAFF))
    people = gen.make_people(rng, gen.REFERENCE_STAFF, teams)
    assert 120 <= len(teams) <= 180
    assert 0.15 < np.mean(people.fte < 1) < 0.27
    assert 0.015 < people.home_based.mean() < 0.06
    assert 0.12 < np.mean([d == "yes" for d in people.disability]) < 0.19
    assert 0.2 < np.mean([c == "yes" for c in people.caring]) < 0.3
    commute = people.commute[~people.home_based]
    assert np.median(commute) < np.mean(commute)  # skewed with a long tail
    assert np.percentile(commute, 99) > 3 * np.median(commute)
    long = people.commute > 75
    assert people.propensity[long].mean() < people.propensity[~long & ~people.home_based].mean()
    grades = Counter(data.GRADES[g] for g in people.grade)
    assert grades["HEO"] > grades["AA"] and grades["SCS"] < grades["G6"] < grades["G7"]
