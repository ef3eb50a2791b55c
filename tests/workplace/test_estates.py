"""Estates (issue 18): the desks file, booking rules and the database's unique constraints, check-in into
the presence ledger, entitlements, occupancy, the planner pages, and who may open which page."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.urls import reverse

from mandate.workplace.estates import services
from mandate.workplace.estates.models import Booking, Desk, DeskEntitlement, SiteRules
from mandate.workplace.importers import ImportRefused
from mandate.workplace.models import Adjustment, PresenceRecord, Site, StaffMember

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 11, 23)
HEADER = ("site_code,code,floor,zone,kind,quiet_zone,low_stimulus_lighting,height_adjustable,accessible_route,"
          "near_exit,assistive_equipment,dual_screens,reserved,active\n")
GOOD = (HEADER + "newport,N-1-001,1,East quiet,desk,true,true,true,true,false,false,true,true,true\n"
        "newport,N-1-002,1,East,desk,false,false,false,false,false,false,false,false,true\n"
        "newport,N-2-R01,2,,room,,,,,,,,,\n"
        "edinburgh,E-G-001,G,,desk,,,,,,,,,\n")


@pytest.fixture
def desks(employer_org, make_user):
    services.import_desks(employer_org, "desks.csv", GOOD.encode(), make_user("estates_manager"))
    return {d.code: d for d in Desk.objects.all()}


def staff(n: int) -> StaffMember:
    return StaffMember.objects.get(staff_id=f"S{n:05d}")


def test_the_file_is_loaded_idempotently(employer_org, make_user) -> None:
    actor = make_user("estates_manager")
    first = services.import_desks(employer_org, "desks.csv", GOOD.encode(), actor)
    assert (first.rows, first.created) == (4, 4)
    again = services.import_desks(employer_org, "desks.csv", GOOD.encode(), actor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    desk = Desk.objects.get(code="N-1-001")
    assert desk.attributes() == ["Quiet zone", "Low-stimulus lighting", "Height-adjustable desk", "Accessible route",
                                 "Dual screens"] and desk.reserved
    assert Desk.objects.get(code="N-2-R01").kind == "room"
    changed = services.import_desks(employer_org, "desks.csv", GOOD.replace("East,desk", "West,desk").encode(),
                                    actor)
    assert (changed.updated, changed.unchanged) == (1, 3) and Desk.objects.get(code="N-1-002").zone == "West"


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("edinburgh,E-G", "leeds,E-G"), "desks.csv, line 5, field 'site_code': 'leeds' is not a site"),
    (GOOD.replace("N-1-002,1,East,desk,false", "N-1-002,1,East,desk,maybe"),
     "desks.csv, line 3, field 'quiet_zone': 'maybe' must be true or false"),
    (GOOD.replace("N-2-R01,2,,room", "N-2-R01,2,,sofa"), "line 4, field 'kind': 'sofa' is not desk or room"),
    (GOOD + "newport,N-1-001,1,,desk,,,,,,,,,\n", "line 6, field 'code': desk N-1-001 at newport is already on "
                                                   "line 2"),
    (GOOD.replace("site_code,code,floor", "site,code,floor"), "line 1, field 'site_code': the header has no"),
    (GOOD.replace("newport,N-1-002,1,", "newport,N-1-002,,"), "line 3, field 'floor': the floor is empty"),
    (HEADER, "the file has no data rows"),
])
def test_a_bad_file_is_refused_whole(employer_org, make_user, text, message) -> None:
    with pytest.raises(ImportRefused) as refused:
        services.import_desks(employer_org, "desks.csv", text.encode(), make_user("estates_manager"))
    assert any(message in str(e) for e in refused.value.errors), refused.value
    assert Desk.objects.count() == 0


def test_booking_rules_and_constraints(desks) -> None:
    s1, s2 = staff(1), staff(2)
    plain, room = desks["N-1-002"], desks["N-2-R01"]
    booking = services.book(s1, plain, MONDAY, today=MONDAY)
    assert booking.state == "booked"
    with pytest.raises(services.BookingRefused, match="already have a desk booked"):
        services.book(s1, room, MONDAY, today=MONDAY)
    with pytest.raises(services.BookingRefused, match="just booked that desk"):
        services.book(staff(0), plain, MONDAY, today=MONDAY)
    with pytest.raises(services.BookingRefused, match="passed"):
        services.book(s1, plain, MONDAY - dt.timedelta(days=3), today=MONDAY)
    with pytest.raises(services.BookingRefused, match="Newport is open on weekdays only"):
        services.book(s1, plain, MONDAY + dt.timedelta(days=5), today=MONDAY)
    with pytest.raises(services.BookingRefused, match="up to 14 days ahead"):
        services.book(s1, plain, MONDAY + dt.timedelta(days=15), today=MONDAY)
    SiteRules.objects.create(site=plain.site, days_ahead=14, days_per_week=2)
    services.book(s1, plain, MONDAY + dt.timedelta(days=1), today=MONDAY)
    with pytest.raises(services.BookingRefused, match="allows 2 booked days a week; you have 2"):
        services.book(s1, plain, MONDAY + dt.timedelta(days=2), today=MONDAY)
    # another site's desk is not someone's at Edinburgh's organisation... and a cancelled booking steps aside
    services.cancel(booking)
    assert services.book(s2, plain, MONDAY, today=MONDAY).staff == s2


def test_a_held_desk_goes_only_to_an_entitled_person_first_in_the_list(desks) -> None:
    s1, s2 = staff(1), staff(2)
    held = desks["N-1-001"]
    newport = held.site
    assert held not in [d for d, _ in services.offer(s1, newport, MONDAY)]
    with pytest.raises(services.BookingRefused, match="cannot be booked"):
        services.book(s1, held, MONDAY, today=MONDAY)
    adjustment = Adjustment.objects.create(staff=s1, expected_percent=20, date_from=dt.date(2026, 9, 1),
                                           route="adjustment", approved_by="HR", review_date=dt.date(2027, 3, 1))
    DeskEntitlement.objects.create(adjustment=adjustment, attributes=["accessible_route", "height_adjustable"])
    offered = services.offer(s1, newport, MONDAY)
    assert offered[0] == (held, True) and all(not m for _, m in offered[1:])
    assert services.book(s1, held, MONDAY, today=MONDAY).desk == held
    assert held not in [d for d, _ in services.offer(s2, newport, MONDAY)]


def test_check_in_feeds_the_ledger_once_and_a_booking_alone_never_does(desks) -> None:
    s1 = staff(1)
    booking = services.book(s1, desks["N-1-002"], MONDAY, today=MONDAY)
    assert PresenceRecord.objects.count() == 0
    at = dt.datetime(2026, 11, 23, 9, 5, tzinfo=LONDON)
    with pytest.raises(services.BookingRefused, match="own day"):
        services.check_in(booking, at=at - dt.timedelta(days=1))
    first = services.check_in(booking, at=at)
    again = services.check_in(booking, at=at + dt.timedelta(minutes=3))
    assert first.pk == again.pk and PresenceRecord.objects.count() == 1
    assert (first.source, first.site.code, first.staff) == ("booking_checkin", "newport", s1)
    booking.refresh_from_db()
    assert booking.state == "checked_in" and booking.checked_in_at == at
    # the attendance engine counts it: the ledger's own tables
    from mandate.workplace.ledger import tables_for

    presence = tables_for(s1.organisation, MONDAY, MONDAY)["presence"].to_pylist()
    assert [(p["staff_id"], p["source"]) for p in presence] == [("S00001", "booking_checkin")]


def test_no_shows_are_released_at_the_site_time(desks) -> None:
    s1, s0 = staff(1), staff(0)
    services.book(s1, desks["N-1-002"], MONDAY, today=MONDAY)
    services.book(s0, desks["N-2-R01"], MONDAY, today=MONDAY)
    services.check_in(Booking.objects.get(staff=s0), at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON))
    Booking.objects.update(booked_at=dt.datetime(2026, 11, 20, 15, 0, tzinfo=LONDON))  # booked the Friday before
    early = dt.datetime(2026, 11, 23, 9, 59, tzinfo=LONDON)
    assert services.release_no_shows(s1.organisation, now=early) == 0
    assert services.release_no_shows(s1.organisation, now=early + dt.timedelta(minutes=1)) == 1
    assert Booking.objects.get(staff=s1).state == "released"
    assert Booking.objects.get(staff=s0).state == "checked_in"
    # the released desk can be booked again
    assert services.book(staff(2), desks["N-1-002"], MONDAY, today=MONDAY)


def test_occupancy_counts_booked_checked_in_and_badge_only(desks) -> None:
    s0, s1, s2 = staff(0), staff(1), staff(2)
    newport = Site.objects.get(code="newport")
    today = dt.date.today()
    day = today + dt.timedelta(days=7 - today.weekday())  # next Monday: nothing released yet
    services.book(s1, desks["N-1-002"], day, today=day)
    services.book(s0, desks["N-2-R01"], day, today=day)
    services.check_in(Booking.objects.get(staff=s0), at=dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON))
    PresenceRecord.objects.create(organisation=s2.organisation, staff=s2, site=newport, source="badge",
                                  timestamp=dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=LONDON))
    PresenceRecord.objects.create(organisation=s0.organisation, staff=s0, site=newport, source="badge",
                                  timestamp=dt.datetime(day.year, day.month, day.day, 8, 55, tzinfo=LONDON))
    rows = {r.site.code: r for r in services.occupancy(s0.organisation, day)}
    n = rows["newport"]
    assert (n.desks, n.booked, n.checked_in, n.badge_only, n.headcount, n.free) == (3, 2, 1, 1, 2, 1)
    assert (rows["edinburgh"].desks, rows["edinburgh"].headcount) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_at_once_get_one_booking(employer_org, make_user) -> None:
    """Two threads, each its own database connection, book the same desk for the same day at once: one
    booking, one clean refusal (PostgreSQL's and SQLite's unique index decides)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    services.import_desks(employer_org, "desks.csv", GOOD.encode(), make_user("estates_manager"))
    desk = Desk.objects.get(code="N-1-002")
    people = [staff(0), staff(1)]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(person: StaffMember) -> None:
        try:
            barrier.wait()
            services.book(person, desk, MONDAY, today=MONDAY)
            results.append("booked")
        except services.BookingRefused as exc:
            results.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["Someone has just booked that desk for that day: choose another.", "booked"]
    assert Booking.objects.filter(desk=desk, date=MONDAY).count() == 1


# --- pages -------------------------------------------------------------------------------------------------------

PAGES = {
    "workplace:estates_desks": {"estates_manager"},
    "workplace:estates_desks_template": {"estates_manager"},
    "workplace:estates_desks_csv": {"estates_manager"},
    "workplace:estates_desk_new": {"estates_manager"},
    "workplace:estates_occupancy": {"estates_manager", "hr_admin"},
    "workplace:estates_plan_desks": {"estates_manager", "hr_admin"},
    "workplace:estates_plan_anchors": {"estates_manager", "hr_admin", "line_manager"},
}


def test_least_privilege(client, employer_org, make_user) -> None:
    """Every role against every estates page: one user per role, made once."""
    from mandate.platform.roles import EMPLOYER_ROLES

    users = {role: make_user(role, username=f"{role}-pages") for role in sorted(EMPLOYER_ROLES)}
    for role, user in users.items():
        client.force_login(user)
        for name in sorted(PAGES):
            status = client.get(reverse(name)).status_code
            assert (status == 200) == (role in PAGES[name]), (role, name, status)
            assert status in (200, 403)
    # the floor plan routes (tests/workplace/test_floor_plans.py): estates alone changes a plan, every employer
    # role may see its image
    from mandate.workplace.estates.models import FloorPlan

    FloorPlan.objects.create(site=Site.objects.get(code="newport"), floor="1", content_type=FloorPlan.PNG,
                             image=b"\x89PNG", width=1, height=1)
    for role, user in sorted(users.items(), key=lambda item: item[0] == "estates_manager"):  # estates last
        client.force_login(user)
        image = client.get(reverse("workplace:estates_floor_plan_image", args=["newport", "1"]))
        assert image.status_code == 200, role
        change = client.post(reverse("workplace:estates_floor_plan", args=["newport", "1"]), {"remove": "1"})
        assert change.status_code == (302 if role == "estates_manager" else 403), role
    assert not FloorPlan.objects.exists()


def test_the_journey_through_the_pages(client, employer_org, make_user) -> None:
    estates = make_user("estates_manager")
    client.force_login(estates)
    bad = client.post(reverse("workplace:estates_desks"),
                      {"file": _upload(GOOD.replace("N-1-002,1,East,desk,false", "N-1-002,1,East,desk,maybe"))})
    assert bad.status_code == 400 and "line 3, field &#x27;quiet_zone&#x27;" in bad.content.decode()
    assert Desk.objects.count() == 0
    ok = client.post(reverse("workplace:estates_desks"), {"file": _upload(GOOD)}, follow=True)
    assert "Read 4 desks: 4 new" in ok.content.decode()
    desk = Desk.objects.get(code="N-1-002")
    qr = client.get(reverse("workplace:estates_desk_qr", args=[desk.pk])).content.decode()
    assert "<svg" in qr and f"/estates/check-in/{desk.token}/" in qr
    # a member of staff books and checks in by the desk's link
    s1 = staff(1)
    s1.user = make_user("staff_member", username="s1")
    s1.save()
    client.force_login(s1.user)
    from django.utils import timezone

    today = timezone.localdate()
    SiteRules.objects.create(site=desk.site, weekends=True)  # the check-in is today, whatever day it is
    page = client.get(reverse("workplace:estates_book") + f"?site=newport&date={today.isoformat()}")
    assert page.status_code == 200 and "N-1-001" not in page.content.decode()  # held: not offered
    client.post(reverse("workplace:estates_book"), {"site": "newport", "date": today.isoformat(), "desk": desk.pk})
    assert Booking.objects.get(staff=s1).desk == desk
    again = client.post(reverse("workplace:estates_book"), {"site": "newport", "date": today.isoformat(),
                                                            "desk": desk.pk}, follow=True)
    assert "already have a desk booked" in again.content.decode() and Booking.objects.count() == 1
    link = reverse("workplace:estates_checkin", args=[desk.token])
    assert "Check in" in client.get(link).content.decode()
    done = client.post(link)
    assert "You are checked in" in done.content.decode()
    assert PresenceRecord.objects.filter(staff=s1, source="booking_checkin").count() == 1
    # someone else's booking is not theirs to act on
    other = make_user("staff_member", username="s2")
    s2 = staff(2)
    s2.user = other
    s2.save()
    client.force_login(other)
    booking = Booking.objects.get(staff=s1)
    assert client.post(reverse("workplace:estates_booking", args=[booking.pk]), {"action": "cancel"}).status_code == 404
    assert "no booking of this desk today" in client.get(link).content.decode()
    # estates sees it counted
    client.force_login(estates)
    occ = client.get(reverse("workplace:estates_occupancy") + f"?date={today.isoformat()}").content.decode()
    assert '<tr data-site="newport"><th scope="row">Newport</th><td data-label="Desks">3</td><td data-label="Booked">1' \
           '</td><td data-label="Checked in">1</td>' in occ
    plan = client.get(reverse("workplace:estates_plan_anchors")).content.decode()
    assert "Plan: optimal (proved by the solver)." in plan and "<th scope=\"row\">Prices</th>" in plan


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("desks.csv", text.encode(), content_type="text/csv")


def test_hr_sets_an_entitlement_and_nobody_else_sees_it(client, employer_org, make_user) -> None:
    s1 = staff(1)
    adjustment = Adjustment.objects.create(staff=s1, expected_percent=20, date_from=dt.date(2026, 9, 1),
                                           route="adjustment", approved_by="HR", review_date=dt.date(2027, 3, 1))
    url = reverse("workplace:estates_entitlement", args=[adjustment.pk])
    for role in ("estates_manager", "line_manager", "staff_member", "analyst"):
        client.force_login(make_user(role, username=f"{role}-ent"))
        assert client.get(url).status_code == 403
        assert "Desk entitlements" not in client.get(reverse("workplace:estates")).content.decode()
    client.force_login(make_user("hr_admin"))
    assert "Staff 1 (S00001)" in client.get(reverse("workplace:estates")).content.decode()
    assert f'href="{url}"' in client.get(reverse("workplace:adjustments")).content.decode()  # HR's way in
    client.post(url, {"attributes": ["quiet_zone", "dual_screens"]})
    assert DeskEntitlement.objects.get(adjustment=adjustment).attributes == ["dual_screens", "quiet_zone"]
    assert services.entitlement(s1, MONDAY) == {"dual_screens", "quiet_zone"}
    assert "Quiet zone, Dual screens" in client.get(reverse("workplace:estates")).content.decode()
    client.post(url, {})
    assert not DeskEntitlement.objects.exists()
    # an ended adjustment entitles to nothing
    DeskEntitlement.objects.create(adjustment=adjustment, attributes=["quiet_zone"])
    adjustment.date_to = dt.date(2026, 10, 1)
    adjustment.save()
    assert services.entitlement(s1, MONDAY) == set()


def test_yesterdays_unchecked_bookings_are_released(desks) -> None:
    s1 = staff(1)
    Booking.objects.create(desk=desks["N-1-002"], staff=s1, date=MONDAY - dt.timedelta(days=3))
    assert services.release_no_shows(s1.organisation, now=dt.datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)) == 1


def test_a_desk_booked_after_the_release_time_is_kept(desks) -> None:
    s1 = staff(1)
    booking = Booking.objects.create(desk=desks["N-1-002"], staff=s1, date=MONDAY)
    Booking.objects.filter(pk=booking.pk).update(booked_at=dt.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON))
    assert services.release_no_shows(s1.organisation, now=dt.datetime(2026, 11, 23, 13, 0, tzinfo=LONDON)) == 0


def test_a_line_manager_sees_only_their_teams_anchor_days(client, employer_org, make_user) -> None:
    from mandate.workplace.models import Team

    other = Team.objects.create(organisation=employer_org, code="census", name="Census")
    s2 = staff(2)
    s2.team = other
    s2.save()
    boss = staff(0)
    boss.user = make_user("line_manager", username="boss")
    boss.save()
    client.force_login(boss.user)
    page = client.get(reverse("workplace:estates_plan_anchors")).content.decode()
    assert '<th scope="row">Prices</th>' in page and "Census" not in page
    assert "anchor-grid" not in page and "What binds" not in page
