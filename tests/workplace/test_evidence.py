"""The equality evidence pack: a hand-worked population of 43 people in October 2026.

Published figures must equal the stats engine's on the exact counts, then protected by the 10-5 rule; a
suppressed group shows no count or rate; a small intersectional cut is refused; the PDF is real; only the
analyst and HR open it; every view is logged without personal data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from mandate.platform.models import AuditEntry, Job
from mandate.stats import compare_groups, protect_table
from mandate.workplace.evidence import build_pack
from mandate.workplace.forms import last_full_month, last_full_month_of_ledger, ledger_span
from mandate.workplace.models import (
    Adjustment,
    AttendancePolicy,
    EqualityRecord,
    PresenceRecord,
    Site,
    StaffMember,
    Team,
)

from .conftest import INDIVIDUAL_40, LONDON, ORGANISATION_40

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
FT_DAYS, PT_DAYS = 22, 12  # October 2026: 22 weekdays, 12 Mondays-Wednesdays, no bank holiday in either nation
# Days of presence: all contracted days for everyone (Mon-Wed for part-timers).
FT_IN = {2: [1, 2], 3: [1, 2, 5], 10: [1, 2, 5, 6, 7, 8, 9, 12, 13, 14]}
PT_IN = {2: [5, 6], 3: [5, 6, 7], 6: [5, 6, 7, 12, 13, 14]}
PART_TIME = {3, 7, 14, 18, 22, 26, 30, 33, 35, 38}


@dataclass(frozen=True)
class Person:
    staff_id: str
    disability: str  # as recorded: yes / no / prefer not to say; "" for no equality record at all
    part_time: bool
    sex: str
    commute: int | None
    grade: str
    site: str
    days_in: int
    adjusted: int | None = None


def _people() -> list[Person]:
    """40 people written out by rule, and the 3 of `employer_org` (no equality record, no presence)."""
    out = []
    for i in range(40):
        disability = "yes" if i < 12 else "no" if i < 37 else "prefer not to say"
        low = i < 24 or i == 37  # all 12 disabled, 12 of the 25 not disabled, 1 of the 3 not saying
        pt = i in PART_TIME
        days_in = (2 if i < 12 else 3) if low else (6 if pt else 10)
        site, grade = [("newport", "HEO"), ("newport", "EO"), ("edinburgh", "HEO"), ("edinburgh", "EO")][
            0 if i < 11 else 1 if i < 21 else 2 if i < 30 else 3]
        out.append(Person(f"E{i:03d}", disability, pt, "Female" if i % 2 == 0 else "Male",
                          [20, 45, 75, 95, None][i % 5], grade, site, days_in, 20 if i in (0, 1) else None))
    base = [Person(f"S{i:05d}", "", False, "", None, "HEO", site, 0)
            for i, site in enumerate(["newport", "newport", "edinburgh"])]
    return out + base


def expected_flags(p: Person) -> dict[str, bool]:
    """Worked by hand from the rules on the page, without the policy engine."""
    required = PT_DAYS if p.part_time else FT_DAYS
    target = p.adjusted or 40
    week = 3 if p.part_time else 5
    return {"below_target": p.days_in * 100 < target * required,
            "office_days": target * week / 100 >= 2,
            "long_commute": p.commute is not None and p.commute > 60}


@pytest.fixture
def population(employer_org, make_user):
    org = employer_org
    sites = {s.code: s for s in Site.objects.filter(organisation=org)}
    team = Team.objects.get(organisation=org, code="prices")
    people = _people()
    for p in people:
        if p.staff_id.startswith("S"):
            continue
        staff = StaffMember.objects.create(
            organisation=org, staff_id=p.staff_id, name=f"Person {p.staff_id}", home_site=sites[p.site],
            team=team, grade=p.grade, working_days="Mon;Tue;Wed" if p.part_time else "Mon;Tue;Wed;Thu;Fri",
            hours_per_day="7.40", fte="0.600" if p.part_time else "1.000", start_date=dt.date(2020, 1, 1))
        EqualityRecord.objects.create(staff=staff, sex=p.sex, age_band="35-44", ethnicity="White",
                                      disability=p.disability, caring_responsibilities="no",
                                      commute_minutes=p.commute)
        for day in (PT_IN if p.part_time else FT_IN)[p.days_in]:
            PresenceRecord.objects.create(organisation=org, staff=staff, site=sites[p.site], source="badge",
                                          timestamp=dt.datetime(2026, 10, day, 9, tzinfo=LONDON))
        if p.adjusted:
            Adjustment.objects.create(staff=staff, expected_percent=p.adjusted, date_from=dt.date(2026, 1, 1),
                                      route="adjustment", approved_by="HR", review_date=dt.date(2027, 1, 1))
    individual = AttendancePolicy.objects.create(organisation=org, toml=INDIVIDUAL_40, is_default=True)
    organisation = AttendancePolicy.objects.create(organisation=org, toml=ORGANISATION_40)
    return org, individual, organisation, people


def _groups(p: Person, key: str) -> str:
    if key == "disability":
        return {"yes": "Disabled", "no": "Not disabled", "prefer not to say": "Prefer not to say"}.get(
            p.disability, "Not recorded")
    if key == "part_time":
        return "Part-time" if p.part_time else "Full-time"
    if key == "sex":
        return p.sex or "Not recorded"
    if key == "commute_band":
        return ("Not recorded" if p.commute is None else "Up to 30 minutes" if p.commute <= 30
                else "31 to 60 minutes" if p.commute <= 60 else "61 to 90 minutes" if p.commute <= 90
                else "Over 90 minutes")
    if key == "grade":
        return p.grade
    return {"newport": "Newport", "edinburgh": "Edinburgh"}[p.site]


REFERENCES = {"disability": "Not disabled", "part_time": "Full-time", "sex": "Female",
              "commute_band": "Up to 30 minutes", "grade": "HEO", "site": "Newport"}


def _panel(pack, outcome: str, key: str):
    section = next(s for s in pack.sections if s.outcome.key == outcome)
    return next(p for p in section.panels if p.key == key)


def test_hand_worked_disability_table(population) -> None:
    org, individual, organisation, _ = population
    pack = build_pack(org, [individual, organisation], START, END, produced_on=dt.date(2026, 11, 23))
    assert pack.population == 45  # 43 people, rounded to the nearest 5
    panel = _panel(pack, "below_target", "disability")
    assert panel.reference == "Not disabled" and len(panel.tables) == 1  # no individual target under B
    rows = {r.group: r for r in panel.tables[0].rows}
    # Disabled: 12 of 12 below target. Its 0 not below target is suppressed like any small count (10 of 10
    # would say every disabled person is below target), so the row goes whole.
    assert rows["Disabled"].withheld and (rows["Disabled"].people, rows["Disabled"].rate) == (None, None)
    # Not disabled: 12 of 25, published 10 of 25 and its rate from those: 40%, not 12 / 25.
    assert (rows["Not disabled"].people, rows["Not disabled"].affected) == (25, 10)
    assert rows["Not disabled"].rate == pytest.approx(10 / 25)
    assert rows["Not disabled"].rate_ratio is None  # it is the reference
    # 1 of 3 not saying, 3 of 3 not recorded: primary suppression hides both rows whole.
    assert rows["Prefer not to say"].withheld and rows["Prefer not to say"].people is None
    assert rows["Not recorded"].withheld and rows["Not recorded"].rate is None
    assert panel.tables[0].total_people == 45 and panel.tables[0].total_affected == 30  # 28 of 43
    section = next(s for s in pack.sections if s.outcome.key == "below_target")
    assert section.not_applicable == ["ONS organisation-wide 40%"]
    [summary] = section.summary
    assert (summary["letter"], summary["affected"], summary["people"], summary["rate_text"]) == ("A", 30, 45,
                                                                                              "66.7%")
    assert summary["higher"] == []  # the only group that was higher is withheld


def test_published_figures_are_protected_counts_then_the_stats_engine_on_them(population) -> None:
    org, individual, organisation, people = population
    pack = build_pack(org, [individual, organisation], START, END, produced_on=dt.date(2026, 11, 23))
    flags = {p.staff_id: expected_flags(p) for p in people}
    for outcome in ("below_target", "office_days", "long_commute"):  # one population and pack for the three
        _check_outcome(pack, people, flags, outcome)


def _check_outcome(pack, people, flags, outcome: str) -> None:
    for key, reference in REFERENCES.items():
        panel = _panel(pack, outcome, key)
        assert panel.reference == reference, (outcome, key)
        counts: dict[str, list[int]] = {}
        for p in people:
            c = counts.setdefault(_groups(p, key), [0, 0])
            c[0] += flags[p.staff_id][outcome]
            c[1] += 1
        for table in panel.tables:
            groups = [r.group for r in table.rows]
            assert sorted(groups) == sorted(counts)
            exact = {g: (counts[g][0], counts[g][1]) for g in groups}
            protected = protect_table([[a, n - a] for a, n in exact.values()], suppress_zero=True)
            hidden = {g for i, g in enumerate(groups) if None in protected.cells[i] or protected.row_totals[i] is None}
            shown = {g: (protected.cells[i][0], protected.row_totals[i]) for i, g in enumerate(groups)
                     if g not in hidden}
            ref = reference if reference in shown else next(iter(shown), None)
            stats = {c.group: c for c in compare_groups(shown, ref)} if shown else {}
            for i, row in enumerate(table.rows):
                g = row.group
                assert row.withheld == (g in hidden)
                if row.withheld:
                    assert (row.people, row.affected, row.rate, row.wilson, row.rate_ratio, row.fisher_p) == (
                        None,) * 6
                    continue
                assert (row.people, row.affected) == (protected.row_totals[i], protected.cells[i][0])
                assert row.rate == stats[g].rate and row.wilson == stats[g].wilson
                if g != reference and reference not in hidden:
                    assert row.rate_ratio == stats[g].rate_ratio and row.fisher_p == stats[g].fisher_p
                    assert row.four_fifths_flag == stats[g].four_fifths_flag
                else:
                    assert row.rate_ratio is None and row.fisher_p is None


def test_the_office_days_threshold_moves_the_outcome(population) -> None:
    org, individual, _, people = population
    pack = build_pack(org, [individual], START, END, produced_on=dt.date(2026, 11, 23), days_a_week=1)
    table = _panel(pack, "office_days", "part_time").tables[0]
    # At 1 day a week everyone is affected (part-timers: 40% of 3 days = 1.2): the zero not-affected counts
    # are suppressed, so neither row is published and neither is the overall rate (it would be 100%).
    assert all(r.withheld for r in table.rows) and table.total_rate is None
    assert table.total_affected == 45
    pack2 = build_pack(org, [individual], START, END, produced_on=dt.date(2026, 11, 23), days_a_week=2)
    table2 = _panel(pack2, "office_days", "part_time").tables[0]
    rows2 = {r.group: r for r in table2.rows}
    # At 2 days: 31 of 33 full-timers (the two with a 20% adjusted expectation are not). The 2 are
    # suppressed, so the full-time row goes; then part-time's 10 not affected is the only other hidden cell
    # left visible in its column, and goes too (secondary suppression): nothing can be subtracted out.
    assert rows2["Full-time"].withheld and rows2["Part-time"].withheld
    assert rows2["Part-time"].rate is None and rows2["Part-time"].people is None
    assert table2.total_affected == 30 and table2.total_rate == pytest.approx(30 / 45)


def _row_html(html: str, outcome: str, group: str, policy: str) -> str:
    match = re.search(rf'<tr data-outcome="{outcome}" data-group="{re.escape(group)}" data-policy="{policy}"'
                      r'.*?</tr>', html, re.S)
    assert match, (outcome, group, policy)
    return match.group(0)


def test_page_publishes_protected_figures_and_hides_suppressed_ones(client, make_user, population) -> None:
    org, individual, organisation, _ = population
    client.force_login(make_user("analyst"))
    url = reverse("workplace:evidence")
    response = client.get(url, {"date_from": "2026-10-01", "date_to": "2026-10-31", "policy": individual.pk,
                                "other": organisation.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Equality evidence pack" in html and "Office for National Statistics" in html
    assert "1 October 2026 to 31 October 2026" in html
    assert "A: ONS individual 40%" in html and "B: ONS organisation-wide 40%" in html
    assert "a US rule of thumb, not UK law" in html and "Wilson" in html and "Fisher" in html
    assert "<script" not in html and "<svg" in html
    published = _row_html(html, "below_target", "Not disabled", "A")
    assert ">25<" in published and ">10<" in published and "40.0%" in published
    assert "48.0%" not in html  # 12 of 25 exact: never published beside the rounded 10 of 25
    # Disabled: 12 of 12, and its zero count is suppressed: the row is withheld whole.
    assert 'data-withheld="true"' in _row_html(html, "below_target", "Disabled", "A")
    assert "100.0%" not in _row_html(html, "below_target", "Disabled", "A")
    # A suppressed group: 1 of 3 below target (33.3%); neither count nor rate nor comparison shown.
    hidden = _row_html(html, "below_target", "Prefer not to say", "A")
    assert 'data-withheld="true"' in hidden and "withheld" in hidden
    cells = re.sub(r"<[^>]+>", " ", hidden.split("</th>", 1)[1])
    assert not re.search(r"\d", cells) and cells.split() == ["A"] + ["withheld"] * 7, cells
    assert "33.3%" not in hidden
    # Its bar in the chart is the word "withheld", not a rate.
    assert re.search(r"Prefer not to say</text><text[^>]*>A withheld", html)
    # No individual appears: no staff id, no name.
    assert not re.search(r"\b(E0\d\d|S0000\d)\b", html) and "Person E" not in html


def test_intersectional_cut_under_the_threshold_is_refused(client, make_user, population) -> None:
    org, individual, _, _ = population
    client.force_login(make_user("analyst"))
    query = {"date_from": "2026-10-01", "date_to": "2026-10-31", "policy": individual.pk, "other": "",
             "cut_a": "disability", "cut_b": "site"}
    html = client.get(reverse("workplace:evidence"), query).content.decode()
    refused = re.search(r'data-testid="cut-refused">(.*?)</p>', html, re.S)
    assert refused and "refused" in refused.group(1) and "fewer than 10 people" in refused.group(1)
    assert "Disability: Disabled; Home site" not in html  # no cell of the cut is shown
    # Grade by site has four groups of at least 10 (13, 10, 10, 10): it is published, protected.
    pack = build_pack(org, [individual], START, END, produced_on=dt.date(2026, 11, 23), cut=("grade", "site"))
    assert not pack.cut.refused
    rows = {r.group: r for r in pack.cut.sections[0].panels[0].tables[0].rows}
    assert set(rows) == {"Grade: HEO; Home site: Newport", "Grade: EO; Home site: Newport",
                         "Grade: HEO; Home site: Edinburgh", "Grade: EO; Home site: Edinburgh"}
    assert pack.cut.sections[0].panels[0].reference == "Grade: HEO; Home site: Newport"


def test_the_pdf_is_real_tagged_and_keeps_rows_whole(client, make_user, population) -> None:
    """One render (WeasyPrint is the slowest thing in the wing's tests), every check of the PDF on it."""
    from django.template.loader import render_to_string
    from pypdf import PdfReader

    from mandate.workplace.evidence_views import PDF_CSS

    assert "break-inside: avoid" in PDF_CSS.split("tr, .summary-row")[1].split("}")[0]
    org, individual, organisation, _ = population
    client.force_login(make_user("hr_admin"))
    query = {"date_from": "2026-10-01", "date_to": "2026-10-31", "policy": individual.pk, "other": organisation.pk}
    started = client.post(reverse("workplace:evidence_pdf"), {**query, "days_a_week": "2"})
    job = Job.objects.get(kind="evidence-pack")  # a background job, run at once here
    assert started.status_code == 302 and started["Location"] == reverse("job", args=[job.pk])
    page = client.get(started["Location"]).content.decode()
    assert job.status == "queued" or f'href="{reverse("job_result", args=[job.pk])}"' in page
    response = client.get(reverse("job_result", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "equality-evidence-ons-2026-10-01-to-2026-10-31.pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF") and b"%%EOF" in response.content[-64:]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en-GB"
    pack = build_pack(org, [individual, organisation], START, END, produced_on=dt.date(2026, 11, 23))
    html = render_to_string("workplace/evidence_pdf.html", {"pack": pack, "in_pdf": True})
    assert "Produced on</dt><dd data-testid=\"produced-on\">23 November 2026" in html


def test_other_employer_roles_are_refused(client, make_user, population) -> None:
    for role in ("staff_member", "line_manager", "estates_manager"):  # one population for the three
        client.force_login(make_user(role))
        assert client.get(reverse("workplace:evidence")).status_code == 403, role
        assert client.post(reverse("workplace:evidence_pdf")).status_code == 403, role
        assert not AuditEntry.objects.filter(action="equality_evidence.read").exists(), role


def test_a_hand_edited_policy_is_a_form_error_and_nothing_is_read(client, make_user, population) -> None:
    client.force_login(make_user("analyst"))
    response = client.get(reverse("workplace:evidence"), {"policy": "abc"})
    assert response.status_code == 400  # a refused parameter is a 4xx
    assert "policy" in response.context["form"].errors and "pack" not in response.context
    assert not AuditEntry.objects.filter(action="equality_evidence.read").exists()


def test_nav_link_for_analyst_and_hr_only(client, make_user, population) -> None:
    link = reverse("workplace:evidence")
    for role, shown in [("analyst", True), ("hr_admin", True), ("line_manager", False), ("staff_member", False)]:
        client.force_login(make_user(role))
        assert (f'href="{link}"' in client.get(reverse("workplace:dashboard")).content.decode()) is shown, role


def test_each_view_is_logged_once_without_personal_data(client, make_user, population) -> None:
    org, individual, organisation, people = population
    client.force_login(make_user("analyst", username="analyst1"))
    response = client.get(reverse("workplace:evidence"))  # defaults: last full month, both policies
    assert response.status_code == 200
    entries = list(AuditEntry.objects.filter(action="equality_evidence.read"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == "analyst1" and entry.object_id == "ons"
    start, end = last_full_month(timezone.localdate())
    form = response.context["form"]
    if form.ledger_last_day is not None and form.ledger_last_day < end:  # the ledger ends before: its month
        start, end = last_full_month_of_ledger(*ledger_span(org))
    assert entry.detail["date_from"] == start.isoformat() and entry.detail["date_to"] == end.isoformat()
    assert entry.detail["policies"] == ["ONS individual 40%", "ONS organisation-wide 40%"]
    assert entry.detail["format"] == "html"
    text = json.dumps(entry.detail)
    assert not any(p.staff_id in text for p in people)
    client.post(reverse("workplace:evidence_pdf"), {"date_from": "2026-10-01", "date_to": "2026-10-31",
                                                    "policy": individual.pk, "other": "", "days_a_week": "2"})
    entries = list(AuditEntry.objects.filter(action="equality_evidence.read").order_by("seq"))
    assert len(entries) == 2 and entries[1].detail["format"] == "pdf"
    assert entries[1].detail["policies"] == ["ONS individual 40%"]


def test_form_refuses_the_same_policy_twice_and_half_a_cut(client, make_user, population) -> None:
    _, individual, _, _ = population
    client.force_login(make_user("analyst"))
    url = reverse("workplace:evidence")
    html = client.get(url, {"policy": individual.pk, "other": individual.pk}).content.decode()
    assert "Choose a different policy" in html and "evidence-pack" not in html
    html = client.get(url, {"cut_a": "sex"}).content.decode()
    assert "A cut needs two characteristics" in html
    assert not AuditEntry.objects.filter(action="equality_evidence.read").exists()


def test_chart_escapes_recorded_text_and_has_no_script() -> None:
    from mandate.workplace.evidence import GroupTable, PublishedRow, rate_chart

    rows = [PublishedRow("<b onmouseover=x>", False, 20, 10, False, rate=0.5, wilson=(0.3, 0.7)),
            PublishedRow("White", True, 40, 10, False, rate=0.25, wilson=(0.14, 0.4)),
            PublishedRow("Other", False, None, None, True)]
    svg = str(rate_chart([GroupTable("ethnicity", "Ethnicity", 0, "White", rows, 65, 20)], ["P"]))
    assert svg.startswith("<svg") and "<b onmouseover" not in svg and "&lt;b onmouseover=x&gt;" in svg
    assert "<script" not in svg and "White (reference)" in svg and "50.0%" in svg and "withheld" in svg
    assert svg.count("<rect") == 2  # two bars; the withheld group has none
