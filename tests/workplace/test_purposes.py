"""Purposeful need: staff record why they came in on their own office days, HR imports purposes, and the
purpose report gives totals per team, site and organisation (never a list of people), computed here again
from the ledger's rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from mandate.platform.models import AuditEntry
from mandate.workplace.importers import ImportRefused
from mandate.workplace.models import (
    AttendancePolicy,
    ImportBatch,
    OfficeDayPurpose,
    Organisation,
    PresenceRecord,
    StaffMember,
    Team,
)
from mandate.workplace.purposes import import_purposes_file, template_csv

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _expected(org: Organisation, start: dt.date, end: dt.date) -> dict[str, Counter[str]]:
    """Office days with and without a purpose, from the ledger's rows directly: a day with a badge swipe or a
    check-in on a contracted working day; its purpose the one recorded, else a booking's, else none."""
    staff = {s.pk: s for s in StaffMember.objects.filter(organisation=org)}
    days: dict[tuple[int, dt.date], str] = {}
    for r in PresenceRecord.objects.filter(organisation=org, staff__isnull=False):
        day = r.timestamp.astimezone(LONDON).date()
        s = staff[r.staff_id]
        if not (start <= day <= end) or WEEKDAYS[day.weekday()] not in s.working_days.split(";"):
            continue
        if r.source in ("badge", "booking_checkin"):
            days.setdefault((s.pk, day), "")
            if r.purpose:
                days[(s.pk, day)] = days[(s.pk, day)] or r.purpose
    for p in OfficeDayPurpose.objects.all():
        if (p.staff_id, p.date) in days:
            days[(p.staff_id, p.date)] = p.purpose
    out: dict[str, Counter[str]] = {}
    for (pk, _), purpose in days.items():
        s = staff[pk]
        for key in ("organisation", f"team:{s.team.code}", f"site:{s.home_site.code}"):
            c = out.setdefault(key, Counter())
            c["office_days"] += 1
            c["with_purpose" if purpose else "without_purpose"] += 1
            if purpose:
                c[purpose] += 1
    return out


def _s1(client, make_user, ledger):  # type: ignore[no-untyped-def]
    s1 = StaffMember.objects.get(staff_id="S00001")
    client.force_login(s1.user)
    return s1


def test_staff_see_their_office_days_and_record_a_purpose(client, make_user, ledger) -> None:
    s1 = _s1(client, make_user, ledger)
    page = client.get(reverse("workplace:my_figure") + OCTOBER)
    # office days: 1, 2, 5, 7 October (6 October was a booking never checked in: not an office day)
    assert [d["date"].day for d in page.context["office_days"]] == [1, 2, 5, 7]
    response = client.post(reverse("workplace:my_purpose"), {"date": "2026-10-02", "purpose": "training",
                                                              "note": "Python course", "date_from": "2026-10-01",
                                                              "date_to": "2026-10-31"})
    assert response.status_code == 302 and "date_from=2026-10-01" in response["Location"]
    held = OfficeDayPurpose.objects.get(staff=s1)
    assert (held.date, held.purpose, held.note, held.source) == (dt.date(2026, 10, 2), "training", "Python course",
                                                                  "staff")
    page = client.get(response["Location"]).content.decode()
    assert "Training: Python course" in page
    # the same again changes nothing, a change replaces it, remove takes it away
    client.post(reverse("workplace:my_purpose"), {"date": "2026-10-02", "purpose": "training", "note": "Python course"})
    assert OfficeDayPurpose.objects.count() == 1
    client.post(reverse("workplace:my_purpose"), {"date": "2026-10-02", "purpose": "other", "note": "Visit"})
    assert OfficeDayPurpose.objects.get().purpose == "other"
    client.post(reverse("workplace:my_purpose"), {"date": "2026-10-02", "action": "remove"})
    assert not OfficeDayPurpose.objects.exists()
    # logged: whose day, never what it was for
    entries = AuditEntry.objects.filter(action__in=["record_office_day_purpose", "remove_office_day_purpose"])
    assert [e.action for e in entries] == ["record_office_day_purpose", "record_office_day_purpose",
                                           "remove_office_day_purpose"]
    assert all("Visit" not in str(e.detail) and "training" not in str(e.detail) for e in entries)


REFUSED_PURPOSES = [
    ({"date": "2026-10-06", "purpose": "meeting"}, "not in an office on 6 October 2026"),  # booking, no check-in
    ({"date": "2026-10-20", "purpose": "meeting"}, "not in an office"),  # S00002's day, not S00001's
    ({"date": "2026-10-02", "purpose": "lunch"}, "Choose a purpose"),
    ({"date": "2026-10-02", "purpose": "other", "note": "x" * 201}, "200 characters"),
    ({"date": "2 October", "purpose": "meeting"}, "Choose one of your office days"),
]


def test_a_day_not_in_the_ledger_or_a_bad_purpose_is_refused(client, make_user, ledger) -> None:
    _s1(client, make_user, ledger)  # one ledger for every case: a refusal writes nothing, checked after each
    for data, message in REFUSED_PURPOSES:
        response = client.post(reverse("workplace:my_purpose"), data)
        assert response.status_code == 400 and message in response.content.decode(), (data, message)
        assert not OfficeDayPurpose.objects.exists(), data


def test_only_your_own_days_and_never_by_get(client, make_user, ledger) -> None:
    hr = make_user("hr_admin")
    client.force_login(hr)  # HR with no staff record: a clear page, nothing written
    response = client.post(reverse("workplace:my_purpose"), {"date": "2026-10-02", "purpose": "meeting",
                                                             "staff_id": "S00001"})
    assert response.status_code == 404 and "not linked to a staff record" in response.content.decode()
    _s1(client, make_user, ledger)
    assert client.get(reverse("workplace:my_purpose")).status_code == 405
    client.post(reverse("workplace:my_purpose"), {"date": "2026-10-01", "purpose": "meeting", "staff_id": "S00002"})
    assert list(OfficeDayPurpose.objects.values_list("staff__staff_id", flat=True)) == ["S00001"]


def test_one_purpose_per_person_and_day_in_the_database(ledger) -> None:
    s1 = StaffMember.objects.get(staff_id="S00001")
    OfficeDayPurpose.objects.create(staff=s1, date=dt.date(2026, 10, 1), purpose="meeting", source="staff")
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeDayPurpose.objects.create(staff=s1, date=dt.date(2026, 10, 1), purpose="training", source="import")
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeDayPurpose.objects.create(staff=s1, date=dt.date(2026, 10, 2), purpose="lunch", source="staff")


GOOD = (b"staff_id,date,purpose,note\n"
        b"S00000,2026-10-01,team_anchor_day,\n"
        b"S00001,2026-10-01,collaboration,Census design\n"
        b"S00002,2026-10-20,other,Hub visit\n")


def test_hr_imports_purposes_and_the_same_rows_again_change_nothing(ledger) -> None:
    result = import_purposes_file(ledger, "purposes.csv", GOOD, "hr")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    again = import_purposes_file(ledger, "purposes.csv", GOOD, "hr")
    assert again.already_imported and OfficeDayPurpose.objects.count() == 3
    lines = GOOD.split(b"\n")
    reordered = b"\r\n".join([lines[0], lines[3], lines[1], lines[2]]) + b"\r\n"  # other bytes, same rows
    third = import_purposes_file(ledger, "purposes-again.csv", reordered, "hr")
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)
    assert OfficeDayPurpose.objects.count() == 3
    assert OfficeDayPurpose.objects.get(staff__staff_id="S00002").note == "Hub visit"


BAD_PURPOSE_ROWS = [
    (b"S99999,2026-10-01,meeting,", 3, "staff_id"),
    (b"S00001,2026-13-01,meeting,", 3, "date"),
    (b"S00001,2026-10-02,lunch,", 3, "purpose"),
    (b"S00001,2026-10-06,meeting,", 3, "date"),  # a booking never checked in: not an office day
    (b"S00000,2026-10-01,meeting,", 3, "date"),  # the same person and day twice
    (b"S00001,2026-10-02,other," + b"x" * 201, 3, "note"),
]


def test_a_bad_purposes_file_is_refused_whole(ledger) -> None:
    for row, line, field in BAD_PURPOSE_ROWS:  # one ledger: each refusal leaves nothing, checked after each
        data = b"staff_id,date,purpose,note\nS00000,2026-10-01,team_anchor_day,\n" + row + b"\n"
        with pytest.raises(ImportRefused) as refused:
            import_purposes_file(ledger, "bad.csv", data, "hr")
        assert (refused.value.errors[0].line, refused.value.errors[0].field) == (line, field), row
        assert not OfficeDayPurpose.objects.exists(), row
        assert not ImportBatch.objects.filter(kind="purposes").exists(), row


def test_the_template_imports_on_the_page(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:import_template", args=["purposes"]))
    assert response.status_code == 200 and response.content.decode() == template_csv()
    assert template_csv().splitlines()[0] == "staff_id,date,purpose,note"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("workplace:imports"), {
        "kind": "purposes", "file": SimpleUploadedFile("p.csv", b"staff_id,date,purpose\nS00001,2026-10-02,meeting\n")},
        follow=True)  # the import's job page
    assert response.status_code == 200 and "1 row read; 1 added" in response.content.decode()
    response = client.post(reverse("workplace:imports"), {
        "kind": "purposes", "file": SimpleUploadedFile("p.csv", b"staff_id,date,purpose\nS00001,2026-10-06,meeting\n")},
        follow=True)  # the job fails, saying why, on its page
    assert 'data-testid="job-error"' in response.content.decode()
    assert "Line 2, field \u2018date\u2019" in response.content.decode()


def _second_team(org: Organisation) -> None:
    """S00002 (Edinburgh) in a team of their own, so that teams and sites differ from the organisation."""
    census = Team.objects.create(organisation=org, code="census", name="Census")
    StaffMember.objects.filter(staff_id="S00002").update(team=census)


def test_the_report_counts_office_days_with_and_without_a_purpose(client, make_user, ledger) -> None:
    _second_team(ledger)
    import_purposes_file(ledger, "purposes.csv", GOOD, "hr")
    s1 = StaffMember.objects.get(staff_id="S00001")
    OfficeDayPurpose.objects.create(staff=s1, date=dt.date(2026, 10, 2), purpose="training", source="staff")
    expected = _expected(ledger, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert expected["organisation"]["office_days"] == 16  # 10 + 4 + 2, worked out by hand as well
    from mandate.workplace.disclosure import Disclosure
    from mandate.workplace.purposes import purpose_report

    # every group's figures, as the engine's side computes them before the disclosure rule withholds any
    report = purpose_report(ledger, AttendancePolicy.objects.get(is_default=True), dt.date(2026, 10, 1),
                            dt.date(2026, 10, 31), Disclosure(dispute_mode=False))
    rows = {"organisation": report.organisation} | {f"team:{r['team']}": r for r in report.teams} | {
        f"site:{r['site_code']}": r for r in report.sites}
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = rows[key]
        assert (got["office_days"], got["with_purpose"], got["without_purpose"]) == (
            want["office_days"], want["with_purpose"], want["without_purpose"]), key
        for purpose in ("team_anchor_day", "training", "meeting", "collaboration", "other"):
            assert got[f"purpose_{purpose}"] == want[purpose], (key, purpose)
    org = rows["organisation"]
    assert round(org["percent_with_purpose"], 6) == round(100 * want_share(expected), 6)
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:purposes") + OCTOBER)
    assert response.status_code == 200
    shown = response.context["report"]  # on the page: teams and sites of under 10 withheld, the total kept
    assert all(r["withheld"] for r in shown.teams + shown.sites)
    assert shown.organisation["with_purpose"] == expected["organisation"]["with_purpose"]
    page = response.content.decode()
    for staff in StaffMember.objects.all():  # totals only: nobody named
        assert staff.name not in page and staff.staff_id not in page
    csv = client.get(reverse("workplace:purposes") + OCTOBER + "&table=teams")
    assert csv["Content-Type"].startswith("text/csv") and csv.content.decode().splitlines()[0].startswith("team,name")


def want_share(expected: dict[str, Counter[str]]) -> float:
    return expected["organisation"]["with_purpose"] / expected["organisation"]["office_days"]


def _big_team(org: Organisation, n: int = 10) -> None:
    """Ten more people in Prices at Newport, each in on 6 October 2026, half of them saying why."""
    team = Team.objects.get(organisation=org, code="prices")
    site = StaffMember.objects.get(staff_id="S00000").home_site
    for i in range(n):
        s = StaffMember.objects.create(organisation=org, staff_id=f"T{i:05d}", name=f"Team {i}", home_site=site,
                                       team=team, grade="EO", working_days="Mon;Tue;Wed;Thu;Fri",
                                       hours_per_day="7.40", fte="1.000", start_date=dt.date(2020, 1, 1),
                                       line_manager=StaffMember.objects.get(staff_id="S00000"))
        PresenceRecord.objects.create(organisation=org, staff=s, site=site, source="badge",
                                      timestamp=dt.datetime(2026, 10, 6, 9, tzinfo=LONDON))
        if i % 2:
            OfficeDayPurpose.objects.create(staff=s, date=dt.date(2026, 10, 6), purpose="meeting", source="staff")


def test_small_groups_are_withheld_and_managers_see_their_reports_total(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    report = client.get(reverse("workplace:purposes") + OCTOBER).context["report"]
    assert all(r["withheld"] for r in report.teams + report.sites)  # 3 people at most: dispute or not
    assert report.organisation["office_days"] == 16  # the organisation's own total stays
    manager = StaffMember.objects.get(staff_id="S00000")
    client.force_login(manager.user)
    response = client.get(reverse("workplace:purposes") + OCTOBER)
    assert response.status_code == 200 and not response.context["sees_org"]
    assert response.context["report"].organisation["withheld"]  # two reports: withheld
    _big_team(ledger)
    Organisation.objects.filter(code="ons").update(dispute_mode=True)
    response = client.get(reverse("workplace:purposes") + OCTOBER)
    together = response.context["report"].organisation
    # S00001's 4 and S00002's 2 office days, and the ten newcomers' one each, five with a purpose
    assert (together["people"], together["office_days"], together["with_purpose"]) == (12, 16, 2 + 5)
    assert "purposes-teams" not in response.content.decode()
    assert client.get(reverse("workplace:purposes") + OCTOBER + "&table=teams")["Content-Type"].startswith("text/html")
    client.force_login(StaffMember.objects.get(staff_id="S00001").user)
    assert client.get(reverse("workplace:purposes") + OCTOBER).status_code == 403


def test_a_purpose_led_policy_is_named_and_the_command_imports(ledger, tmp_path) -> None:
    from typer.testing import CliRunner

    from mandate.cli import app

    assert AttendancePolicy.objects.filter(organisation=ledger).count() == 2
    path = tmp_path / "purposes.csv"
    path.write_bytes(GOOD)
    res = CliRunner().invoke(app, ["workplace", "import", "purposes", str(path), "-o", "ons"])
    assert res.exit_code == 0, res.output
    assert "3 rows read; 3 added" in res.output
    assert OfficeDayPurpose.objects.count() == 3


def test_your_own_csv_holds_your_purposes_and_nobody_elses_does(client, make_user, ledger) -> None:
    import csv
    import io

    s1 = StaffMember.objects.get(staff_id="S00001")
    OfficeDayPurpose.objects.create(staff=s1, date=dt.date(2026, 10, 2), purpose="other", note="Hub visit",
                                    source="staff")
    client.force_login(s1.user)
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("workplace:my_figure_csv") + OCTOBER).content.decode())))
    mine = {r["date"]: (r["recorded_purpose"], r["purpose_note"]) for r in rows}
    assert mine["2026-10-02"] == ("other", "Hub visit") and mine["2026-10-01"] == ("", "")
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)  # the line manager
    text = client.get(reverse("workplace:person_csv", args=["S00001"]) + OCTOBER).content.decode()
    assert "recorded_purpose" not in text and "Hub visit" not in text
    page = client.get(reverse("workplace:person", args=["S00001"]) + OCTOBER).content.decode()
    assert "Hub visit" not in page and 'data-testid="office-days"' not in page
