"""The figures the pages show are the engine's: the CSV matches `compute`, the ledger reaches the engine whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.urls import reverse

from mandate.policy import Dataset, compute
from mandate.workplace.ledger import tables_for
from mandate.workplace.models import AttendancePolicy, ImportBatch, PresenceRecord, StaffMember

pytestmark = pytest.mark.django_db
OCT_1, OCT_31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_matches_the_engines_figures(client, ledger) -> None:
    policy = AttendancePolicy.objects.get(is_default=True).parsed()
    result = compute(Dataset.from_tables(**tables_for(ledger, OCT_1, OCT_31)), policy, OCT_1, OCT_31)
    for staff_id in ("S00000", "S00001", "S00002"):  # one ledger and one engine run for the three
        staff = StaffMember.objects.get(staff_id=staff_id)
        client.force_login(staff.user)
        response = client.get(reverse("workplace:my_figure_csv") + OCTOBER)
        assert response["Content-Disposition"] == (
            f'attachment; filename="attendance-{staff_id}-2026-10-01-to-2026-10-31.csv"')
        rows = _csv_rows(response)
        counts = Counter(r["status"] for r in rows)
        (engine,) = [r for r in result.people.to_pylist() if r["staff_id"] == staff_id]
        assert counts["attended"] == engine["attended_days"], staff_id
        assert counts["credited"] == engine["credited_days"], staff_id
        assert counts["excluded"] == engine["excluded_days"], staff_id
        assert len(rows) == engine["working_days"], staff_id
        assert len(rows) - counts["excluded"] == engine["required_days"], staff_id
        assert {r["staff_id"] for r in rows} == {staff_id}
        assert [r["date"] for r in rows] == sorted(r["date"] for r in rows), staff_id


def test_the_ledger_reaches_the_engine_as_recorded(client, ledger) -> None:
    """Hand-worked for S00001 in October 2026 (22 working days, no bank holiday in England and Wales):
    in on 1, 2 (two sites: once), 5 and 7 (check-in) October; 6 October booked without check-in (not counted);
    annual leave 8 and 9 (excluded); official business 12 (credited): (4 + 1) / (22 - 2) = 25%."""
    client.force_login(StaffMember.objects.get(staff_id="S00001").user)
    response = client.get(reverse("workplace:my_figure") + OCTOBER)
    (period,) = response.context["periods"]
    assert (period["working_days"], period["excluded_days"], period["required_days"], period["attended_days"],
            period["credited_days"]) == (22, 2, 20, 4, 1)
    assert period["percent"] == pytest.approx(25.0) and period["target_met"] is False
    days = {d["date"]: d for d in response.context["days"]}
    assert days[dt.date(2026, 10, 6)]["status"] == "not_attended"
    assert "without check-in" in days[dt.date(2026, 10, 6)]["reason_label"]
    assert days[dt.date(2026, 10, 2)]["reason_label"] == "Badge swipe at Edinburgh; badge swipe at Newport"
    assert days[dt.date(2026, 10, 12)]["reason_label"] == "Official business elsewhere"
    page = response.content.decode()
    assert "Required, not attended" in page and "Excluded from the required days" in page
    assert "Counted: credited" in page and "(purpose: team anchor day)" in page


def test_a_late_evening_swipe_counts_on_its_london_date(ledger) -> None:
    staff = StaffMember.objects.get(staff_id="S00002")
    PresenceRecord.objects.create(organisation=ledger, staff=staff, site=staff.home_site, source="badge",
                                  timestamp=dt.datetime(2026, 10, 21, 23, 30, tzinfo=dt.UTC))  # 00:30 on 22nd
    tables = tables_for(ledger, OCT_1, OCT_31, ["S00002"])
    assert tables["people"].num_rows == 1 and tables["presence"].num_rows == 3
    result = compute(Dataset.from_tables(**tables), AttendancePolicy.objects.get(is_default=True).parsed(),
                     dt.date(2026, 10, 22), dt.date(2026, 10, 22))
    assert result.people.to_pylist()[0]["attended_days"] == 1


def test_hr_compares_two_policies(client, make_user, ledger) -> None:
    a = AttendancePolicy.objects.get(name="ONS individual 40%")
    b = AttendancePolicy.objects.get(name="ONS organisation-wide 40%")
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:compare") + OCTOBER + f"&policy={a.pk}&other={b.pk}")
    assert response.status_code == 200
    ra, rb = response.context["a"].result, response.context["b"].result
    assert ra.organisation["percent"] == pytest.approx(100 * 17 / 64)
    assert rb.organisation["percent"] == pytest.approx(ra.organisation["percent"])
    # under the individual policy each person has a target; under the organisation-wide one nobody does
    assert [r["a"]["people_meeting_target"] for r in response.context["sites"]] == [0, 1]
    assert all(r["b"]["people_meeting_target"] is None for r in response.context["sites"])
    page = response.content.decode()
    assert "ONS individual 40%" in page and "ONS organisation-wide 40%" in page and "26.6%" in page
    assert "S00001" not in page and "Staff 1" not in page


def test_a_hand_edited_policy_is_a_form_error_not_a_server_error(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:compare") + OCTOBER + "&policy=abc")
    assert response.status_code == 400  # a refused parameter is a 4xx
    form = response.context["form"]
    assert list(form.errors) == ["policy"] and "a" not in response.context
    # the policy to compare with is still offered: the first of the organisation's policies
    assert form.data["other"] == AttendancePolicy.objects.first().pk


def test_hr_saves_a_policy_and_a_bad_one_is_named(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    text = AttendancePolicy.objects.get(is_default=True).toml.replace("ONS individual 40%", "Darlington 20%") \
        .replace("target_percent = 40", "target_percent = 20")
    bad = client.post(reverse("workplace:policy_new"), {"toml": text.replace('unit = "days"', 'unit = "weeks"')})
    assert bad.status_code == 200 and "key &#x27;unit&#x27;" in bad.content.decode()
    ok = client.post(reverse("workplace:policy_new"), {"toml": text, "is_default": "on"})
    assert ok.status_code == 302
    saved = AttendancePolicy.objects.get(name="Darlington 20%")
    assert saved.is_default and AttendancePolicy.objects.filter(is_default=True).count() == 1
    assert saved.parsed().versions[0].target_percent == 20


def test_the_import_page_refuses_a_bad_file_naming_line_and_field(client, make_user, ledger) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_user("hr_admin"))
    bad = SimpleUploadedFile("leave.csv", b"staff_id,date,kind\nS00001,2026-11-02,annual_leave\nS00001,2026-11-03,gardening\n")
    response = client.post(reverse("workplace:imports"), {"kind": "absences", "file": bad}, follow=True)
    page = response.content.decode()  # the import's job page
    assert "The job failed" in page and "Line 3, field \u2018kind\u2019" in page and "gardening" in page
    assert ImportBatch.objects.count() == 0

    good = b"staff_id,date,kind\nS00001,2026-11-02,annual_leave\nS00001,2026-11-03,sickness\n"
    first = client.post(reverse("workplace:imports"),
                        {"kind": "absences", "file": SimpleUploadedFile("leave.csv", good)}, follow=True)
    assert "2 rows read, 2 records written" in first.content.decode()
    again = client.post(reverse("workplace:imports"),
                        {"kind": "absences", "file": SimpleUploadedFile("leave-copy.csv", good)}, follow=True)
    assert "already imported" in again.content.decode() and ImportBatch.objects.count() == 1


def test_the_analyst_sees_no_small_group(client, make_user, ledger) -> None:
    """Sites of one and two people and a team of three: close to individuals' figures, so withheld."""
    a = AttendancePolicy.objects.get(name="ONS individual 40%")
    b = AttendancePolicy.objects.get(name="ONS organisation-wide 40%")
    client.force_login(make_user("analyst"))
    response = client.get(reverse("workplace:compare") + OCTOBER + f"&policy={a.pk}&other={b.pk}")
    rows = response.context["sites"] + response.context["teams"]
    assert rows and all(r["withheld"] and r["a"] is None and r["b"] is None for r in rows)
    page = response.content.decode()
    assert "Withheld: fewer than 10 people" in page
    assert "26.6%" in page  # the organisation as a whole (three people) is the page's purpose
    assert " of 2<" not in page and " of 1<" not in page


def test_a_period_typed_in_words_is_the_same_period(client, make_user, ledger) -> None:
    """The union's forms take 23 November 2026 as typed; so do the workplace's (one list of input formats)."""
    client.force_login(make_user("hr_admin"))
    iso = client.get(reverse("workplace:compare") + OCTOBER)
    words = client.get(reverse("workplace:compare"), {"date_from": "1 October 2026", "date_to": "31 Oct 2026"})
    assert words.status_code == 200 and not words.context["form"].errors
    form = words.context["form"].cleaned_data
    assert (form["date_from"], form["date_to"]) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert words.context["a"].result.organisation == iso.context["a"].result.organisation
