"""Issue 14's bugs, each with a test that failed on the code before its fix."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from mandate.workplace.models import AttendancePolicy, PresenceRecord, Site, StaffMember

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
OCTOBER = "date_from=2026-10-01&date_to=2026-10-31"

TEAM_40 = """
name = "Team 40%"
unit = "days"
period = "month"
target_percent = 40
target_of = "team"
exclude = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
count = ["badge", "booking_checkin"]
credit = ["training", "official_business"]
"""


def test_compare_uses_the_second_policy_chosen(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    """With three policies, 'Compare with' the third compares with the third, not with the first other one."""
    third = AttendancePolicy.objects.create(organisation=ledger, toml=TEAM_40)
    first = AttendancePolicy.objects.get(is_default=True)
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:compare") + f"?{OCTOBER}&policy={first.pk}&other={third.pk}")
    assert response.status_code == 200
    assert response.context["policy_a"] == first
    assert response.context["policy_b"] == third
    assert response.context["form"]["other"].value() in (third.pk, str(third.pk))


def test_a_shared_target_is_judged_for_its_group_only(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    """Under a team or organisation-wide target no site (or team) row is 'Not met' against a target it does
    not have, nobody is counted as meeting or missing a target of their own, and the below-target list says
    that individuals have no target instead of 'No one is below target'."""
    for toml, level in ((TEAM_40, "team"), (None, "organisation")):  # one ledger for both
        policy = (AttendancePolicy.objects.create(organisation=ledger, toml=toml) if toml
                  else AttendancePolicy.objects.get(name="ONS organisation-wide 40%"))
        client.force_login(make_user("hr_admin", username=f"hr-{level}"))
        response = client.get(reverse("workplace:organisation") + f"?{OCTOBER}&policy={policy.pk}")
        page = response.content.decode()
        for r in response.context["sites"]:
            assert r["target_met"] is None and r["people_meeting_target"] is None
        for r in response.context["teams"]:
            assert (r["target_met"] is None) == (level != "team") and r["people_meeting_target"] is None
        assert "No one is below target" not in page
        assert 'data-testid="no-individual-targets"' in page
        sites = page[page.index('data-testid="sites"'):page.index('data-testid="teams"')]
        assert "Not met" not in sites and "Not judged" in sites and "No individual targets" in sites
        if level == "team":
            assert "Not met" in page[page.index('data-testid="teams"'):]  # 11 of 64 days: 17.2% < 40%


HOURS_60 = """
name = "60% of contracted hours"
unit = "hours"
period = "month"
target_percent = 60
target_of = "person"
exclude = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
count = ["badge", "booking_checkin"]
credit = ["official_business", "training"]
"""


def test_an_hours_policy_speaks_hours_on_the_headline_and_the_person_page(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=ledger, toml=HOURS_60)
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:organisation") + f"?{OCTOBER}&policy={policy.pk}")
    org = response.context["organisation_figure"]
    page = response.content.decode()
    counts = page[page.index('data-testid="organisation-counts"'):]
    counts = counts[:counts.index("</div>")]
    assert "required hours" in counts and "required days" not in counts
    assert f"{org['required_hours']:.1f}".removesuffix(".0") in counts
    pct = 100 * (org["attended_hours"] + org["credited_hours"]) / org["required_hours"]
    assert org["percent"] == pytest.approx(pct)

    response = client.get(reverse("workplace:person", args=["S00001"]) + f"?{OCTOBER}&policy={policy.pk}")
    page = response.content.decode()
    figure = page[page.index('data-testid="figure"'):page.index("</table>", page.index('data-testid="figure"'))]
    assert "Required hours" in figure and 'data-testid="required-hours"' in figure
    assert "Required</th>" not in figure  # no bare day counts beside an hours percentage
    assert "hours" in page[page.index("Percentage ="):][:300]


ROLLING_4 = """
name = "Team 40% over 4 rolling weeks"
unit = "days"
period = "rolling_weeks:4"
target_percent = 40
target_of = "person"
exclude = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
count = ["badge", "booking_checkin"]
credit = []
"""


def test_a_rolling_window_reaches_back_before_the_dates_chosen(client, ledger) -> None:  # type: ignore[no-untyped-def]
    """1 to 4 October: the 4-week window ending on 4 October starts on 7 September and counts the September
    swipes held in the ledger; the page says the window reaches back, and lists the days it counts."""
    policy = AttendancePolicy.objects.create(organisation=ledger, toml=ROLLING_4)
    s1 = StaffMember.objects.get(staff_id="S00001")
    newport = Site.objects.get(organisation=ledger, code="newport")
    for day in (7, 8, 9, 10, 11):
        PresenceRecord.objects.create(organisation=ledger, staff=s1, site=newport, source="badge",
                                      timestamp=dt.datetime(2026, 9, day, 9, tzinfo=LONDON))
    client.force_login(s1.user)
    response = client.get(reverse("workplace:my_figure") + f"?date_from=2026-10-01&date_to=2026-10-04&policy={policy.pk}")
    (period,) = response.context["periods"]
    assert period["period_start"] == dt.date(2026, 9, 7)
    assert (period["working_days"], period["attended_days"]) == (20, 7)  # 7-11 September, 1 and 2 October
    assert 'data-testid="engine-note"' in response.content.decode()
    days = response.context["days"]
    assert days[0]["date"] == dt.date(2026, 9, 7) and len(days) == 20


def test_dispute_mode_withholds_small_groups_and_every_flag_on_every_page(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    """The organisation page showed a 3-person team's '0.0%, Not met, 0 meeting their target' while compare
    withheld it: one rule now, on the organisation, site, compare and team pages alike."""
    from mandate.workplace.models import Organisation

    Organisation.objects.filter(pk=ledger.pk).update(dispute_mode=True)
    for policy_name in ("ONS individual 40%", "ONS organisation-wide 40%"):  # one ledger for both
        policy = AttendancePolicy.objects.get(name=policy_name)
        other = AttendancePolicy.objects.exclude(pk=policy.pk).first()
        query = f"?{OCTOBER}&policy={policy.pk}&other={other.pk}"
        client.force_login(make_user("hr_admin", username=f"hr-{policy.pk}"))
        pages = {name: client.get(reverse(f"workplace:{name}", args=args) + query)
                 for name, args in (("organisation", []), ("site", ["newport"]), ("compare", []))}
        org = pages["organisation"].context
        assert all(r["withheld"] for r in org["teams"]) and all(r["withheld"] for r in org["sites"])
        assert all(r["withheld"] for r in pages["site"].context["periods"])
        assert all(r["withheld"] for r in pages["compare"].context["teams"])
        for name, response in pages.items():
            page = response.content.decode()
            assert response.status_code == 200, (name, policy_name)
            groups = page[page.index("<h2>"):] if name != "site" else page  # the organisation's own verdict stays
            assert "Not met" not in groups and ">Met<" not in groups, name
            assert "Withheld" in page, name
        weekly = org["weekly"]
        assert weekly and all(w["withheld"] for w in weekly)  # 2 and 1 people: an average of them is theirs

        manager = StaffMember.objects.get(staff_id="S00000").user
        client.force_login(manager)
        team = client.get(reverse("workplace:team") + query)
        assert "aggregate" not in team.context or team.context["aggregate"] is None
        assert 'data-testid="team-withheld"' in team.content.decode()


def test_a_policy_naming_an_unknown_site_is_refused(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    """[sites.DAR] in an organisation whose sites are newport and edinburgh was saved and silently ignored."""
    toml = TEAM_40.replace('name = "Team 40%"', 'name = "Site targets"') + "\n[sites.DAR]\ndesks = 120\n"
    client.force_login(make_user("hr_admin"))
    response = client.post(reverse("workplace:policy_new"), {"toml": toml})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["toml"])
    assert "sites.DAR" in errors and "edinburgh, newport" in errors
    assert not AttendancePolicy.objects.filter(name="Site targets").exists()
    ok = toml.replace("[sites.DAR]", "[sites.edinburgh]")
    assert client.post(reverse("workplace:policy_new"), {"toml": ok}).status_code == 302


def test_the_docs_site_codes_are_the_demos() -> None:
    """Every [sites.CODE] in docs/policy.md's examples is a site of the demo organisation."""
    import re
    from pathlib import Path

    from mandate.demo.data import SITES

    codes = {s.code for s in SITES}
    text = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    named = set(re.findall(r"[\[.]sites\.([A-Za-z0-9_-]+)\]", text)) - {"CODE"}
    named |= set(re.findall(r"sites = \{ ([A-Za-z0-9_-]+) =", text))
    assert named and named <= codes, named - codes


def _adjustment_post(staff_id: str, **overrides: str) -> dict[str, str]:
    return {"staff": staff_id, "expected_percent": "20", "date_from": "2026-10-01", "date_to": "",
            "route": "carers_passport", "approved_by": "Head of HR", "review_date": "2027-01-10", **overrides}


def test_an_adjustment_reviewed_before_it_starts_or_twice_the_same_is_refused(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    from mandate.workplace.models import Adjustment

    staff = StaffMember.objects.get(staff_id="S00001")
    client.force_login(make_user("hr_admin"))
    url = reverse("workplace:adjustment_new")
    early = client.post(url, _adjustment_post(staff.staff_id, review_date="2026-09-01"))
    assert early.status_code == 200 and "review_date" in early.context["form"].errors
    assert client.post(url, _adjustment_post(staff.staff_id)).status_code == 302
    twice = client.post(url, _adjustment_post(staff.staff_id))
    assert twice.status_code == 200 and twice.context["form"].errors
    assert "already recorded" in str(twice.context["form"].errors)
    assert Adjustment.objects.filter(staff=staff).count() == 1
    # the database holds both rules too, whatever writes to it
    first = Adjustment.objects.get(staff=staff)
    for changes in ({"pk": None}, {"pk": None, "review_date": dt.date(2026, 9, 1), "date_to": dt.date(2026, 12, 1)}):
        clone = Adjustment.objects.get(pk=first.pk)
        for k, v in changes.items():
            setattr(clone, k, v)
        with pytest.raises(IntegrityError), transaction.atomic():
            clone.save()


def test_a_re_exported_badge_file_adds_no_swipe_again(ledger) -> None:  # type: ignore[no-untyped-def]
    """The same swipes exported again with CRLF line endings and in another order: other bytes, the same
    records; de-duplicated by the record's identity (staff, site, time, source), held by a unique constraint."""
    from django.db import IntegrityError, transaction

    from mandate.workplace.importers import import_file

    before = PresenceRecord.objects.count()
    lines = ["staff_id,site_code,timestamp", "S00001,newport,2026-11-02T08:30:00Z",
             "S00001,newport,2026-11-02T17:00:00Z", "S00002,edinburgh,2026-11-03T09:00:00Z"]
    first = import_file(ledger, "badge", "swipes.csv", ("\n".join(lines) + "\n").encode(), "hr")
    assert first.written == 3
    again = ("\r\n".join([lines[0], lines[3], lines[1], lines[2]]) + "\r\n").encode()
    second = import_file(ledger, "badge", "swipes-again.csv", again, "hr")
    assert not second.already_imported and (second.rows, second.written) == (3, 0)
    assert PresenceRecord.objects.count() == before + 3
    # two swipes with one identity in one file are one record; a new swipe among old ones is written
    mixed = "\n".join([lines[0], lines[1], lines[1], "S00001,newport,2026-11-04T08:30:00Z"]) + "\n"
    third = import_file(ledger, "badge", "mixed.csv", mixed.encode(), "hr")
    assert third.written == 1 and PresenceRecord.objects.count() == before + 4
    dup = PresenceRecord.objects.filter(timestamp=dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)).get()
    dup.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


def test_the_organisation_page_is_paged_keeps_its_query_and_exports_csv(client, ledger, make_user,
                                                                        settings) -> None:  # type: ignore[no-untyped-def]
    """A year under a weekly policy: the team table and the below-target list come a page at a time, every
    link keeps the period and the policy, and the tables download as CSV under the same disclosure rule."""
    import csv
    import io
    import re

    from mandate.workplace import views

    weekly = AttendancePolicy.objects.create(organisation=ledger, toml=INDIVIDUAL_WEEKLY)
    client.force_login(make_user("hr_admin"))
    query = f"date_from=2026-10-01&date_to=2026-12-31&policy={weekly.pk}"
    views.PAGE_SIZE, old = 5, views.PAGE_SIZE
    try:
        response = client.get(reverse("workplace:organisation") + "?" + query)
        teams, below = response.context["teams_page"], response.context["below_page"]
        assert teams.paginator.count == 14 and len(teams.object_list) == 5 and teams.has_next()
        assert below.paginator.count > 5 and len(below.object_list) == 5
        page = response.content.decode()
        assert f'href="?{query}&teams_page=2"'.replace("&", "&amp;") in page
        assert f"/workplace/sites/newport/?{query}".replace("&", "&amp;") in page
        people_links = re.findall(r'href="/workplace/people/S\d+/\?([^"]*)"', page)
        assert people_links and set(people_links) == {query.replace("&", "&amp;")}
        second = client.get(reverse("workplace:organisation") + f"?{query}&teams_page=2&below_page=2")
        assert second.context["teams_page"].number == 2 and second.context["below_page"].number == 2
        assert client.get(reverse("workplace:organisation") + f"?{query}&teams_page=99").status_code == 200
    finally:
        views.PAGE_SIZE = old
    export = client.get(reverse("workplace:organisation_csv") + f"?{query}&table=teams")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 14 and {"team", "period_start", "percent", "target_met"} <= set(rows[0])
    below_csv = client.get(reverse("workplace:organisation_csv") + f"?{query}&table=below")
    assert len(list(csv.DictReader(io.StringIO(below_csv.content.decode())))) == below.paginator.count
    from mandate.workplace.models import Organisation

    Organisation.objects.filter(pk=ledger.pk).update(dispute_mode=True)
    assert client.get(reverse("workplace:organisation_csv") + f"?{query}&table=below").status_code == 403
    withheld = list(csv.DictReader(io.StringIO(
        client.get(reverse("workplace:organisation_csv") + f"?{query}&table=teams").content.decode())))
    assert all(r["withheld"] == "true" and r["percent"] == "" for r in withheld)


INDIVIDUAL_WEEKLY = """
name = "Individual 40% a week"
unit = "days"
period = "week"
target_percent = 40
target_of = "person"
exclude = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
count = ["badge", "booking_checkin"]
credit = []
"""
