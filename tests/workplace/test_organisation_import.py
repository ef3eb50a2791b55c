"""Loading an organisation from HR files (issue 14): sites, teams, staff and equality monitoring, by the web
page and the command; refused whole with line and field, nothing half-written, the same rows twice changing
nothing, CSV and Parquet, and a starter template for each."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse
from typer.testing import CliRunner

from mandate.workplace.importers import ImportRefused
from mandate.workplace.models import BadgeCard, EqualityRecord, Organisation, Site, StaffMember, Team
from mandate.workplace.organisation_import import COLUMNS, import_organisation_file, template_csv

pytestmark = pytest.mark.django_db

SITES = (b"site_code,name,nation,desks,kind,is_headquarters\n"
         b"newport,Newport,england-and-wales,900,office,true\n"
         b"edinburgh,Edinburgh,scotland,60,office,false\n")
TEAMS = b"team_code,name,directorate\nprices,Prices,Economic Statistics\ncensus,Census,Population\n"
STAFF = (b"staff_id,name,home_site,team,grade,working_days,hours_per_day,start_date,end_date,line_manager,card_number\n"
         b"E2,Ben Two,edinburgh,census,EO,Mon;Tue;Wed,7.4,2024-01-08,,E1,C2\n"
         b"E1,Ann One,newport,prices,G7,Mon;Tue;Wed;Thu;Fri,7.4,2020-09-01,,,C1\n")
EQUALITY = b"staff_id,sex,age_band,disability,caring_responsibilities,commute_minutes\nE1,Female,35-44,no,yes,25\n"


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return Organisation.objects.create(code="acme", name="Acme Statistics")


def _load(org) -> None:  # type: ignore[no-untyped-def]
    for kind, data in (("sites", SITES), ("teams", TEAMS), ("staff", STAFF), ("equality", EQUALITY)):
        import_organisation_file(org, kind, f"{kind}.csv", data, "hr")


def test_an_organisation_loads_from_four_files_and_again_changes_nothing(org) -> None:  # type: ignore[no-untyped-def]
    _load(org)
    newport = Site.objects.get(organisation=org, code="newport")
    assert (newport.nation, newport.desk_capacity, newport.is_headquarters) == ("england-and-wales", 900, True)
    assert set(Team.objects.filter(organisation=org).values_list("code", flat=True)) == {"prices", "census"}
    e1, e2 = StaffMember.objects.get(staff_id="E1"), StaffMember.objects.get(staff_id="E2")
    assert e2.line_manager == e1 and e2.working_days == "Mon;Tue;Wed" and str(e2.fte) == "0.600"
    assert BadgeCard.objects.get(card_number="C2").staff == e2
    assert EqualityRecord.objects.get(staff=e1).commute_minutes == 25
    # the same rows again, in another file (CRLF, reordered): nothing changes
    lines = STAFF.decode().strip().split("\n")
    again = ("\r\n".join([lines[0], lines[2], lines[1]]) + "\r\n").encode()
    result = import_organisation_file(org, "staff", "staff-again.csv", again, "hr")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert StaffMember.objects.filter(organisation=org).count() == 2
    # a change is an update of that row only
    moved = again.replace(b"E2,Ben Two,edinburgh", b"E2,Ben Two,newport")
    result = import_organisation_file(org, "staff", "staff-moved.csv", moved, "hr")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert StaffMember.objects.get(staff_id="E2").home_site == newport


BAD_FILES = [
    ("sites", SITES.replace(b"scotland", b"Scotland!"), 3, "nation"),
    ("sites", SITES.replace(b",60,", b",-1,"), 3, "desks"),
    ("sites", SITES + b"newport,Newport again,england-and-wales,1,office,false\n", 4, "site_code"),
    ("teams", TEAMS.replace(b"census,Census", b"census,"), 3, "name"),
    ("staff", STAFF.replace(b"edinburgh,census", b"glasgow,census"), 2, "home_site"),
    ("staff", STAFF.replace(b"Mon;Tue;Wed,", b"Mon;Tue;Funday,"), 2, "working_days"),
    ("staff", STAFF.replace(b"2024-01-08,,", b"2024-01-08,2023-01-01,"), 2, "end_date"),
    ("staff", STAFF.replace(b",E1,C2", b",E9,C2"), 2, "line_manager"),
    ("staff", STAFF.replace(b",,,C1", b",,E1,C1"), 3, "line_manager"),
    ("staff", STAFF.replace(b"7.4,2020", b"seven,2020"), 3, "hours_per_day"),
    ("staff", STAFF.replace(b",C1", b",C2"), 3, "card_number"),
    ("staff", STAFF.replace(b"Ann One", b"A" * 10_000), 3, "name"),
    ("staff", STAFF.replace(b"Ann One", b"Ann\x00One"), 3, "name"),
    ("equality", EQUALITY.replace(b",25", b",a lot"), 2, "commute_minutes"),
    ("equality", EQUALITY.replace(b"E1,", b"E7,"), 2, "staff_id"),
]


def test_a_bad_file_is_refused_whole_naming_line_and_field(org) -> None:  # type: ignore[no-untyped-def]
    """One organisation for every case, in the order the files depend on each other: each case sees exactly the
    files the import before it needs (none for sites and teams; sites and teams for staff; staff too for equality)."""
    loaded: set[str] = set()
    for kind, data, line, field in BAD_FILES:
        needs = {"sites": [], "teams": [], "staff": ["sites", "teams"], "equality": ["sites", "teams", "staff"]}[kind]
        assert not loaded - set(needs), (kind, loaded)  # never more than the case had on its own
        for k, d in (("sites", SITES), ("teams", TEAMS), ("staff", STAFF)):
            if k in needs and k not in loaded:
                import_organisation_file(org, k, f"{k}.csv", d, "hr")
                loaded.add(k)
        before = (Site.objects.count(), Team.objects.count(), StaffMember.objects.count(),
                  EqualityRecord.objects.count(), BadgeCard.objects.count())
        with pytest.raises(ImportRefused) as refused:
            import_organisation_file(org, kind, f"{kind}.csv", data, "hr")
        assert (refused.value.errors[0].line, refused.value.errors[0].field) == (line, field), (
            kind, line, field, refused.value.errors)
        assert (Site.objects.count(), Team.objects.count(), StaffMember.objects.count(),
                EqualityRecord.objects.count(), BadgeCard.objects.count()) == before, (kind, line, field)


def test_a_missing_column_and_an_empty_file_are_refused(org) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRefused) as refused:
        import_organisation_file(org, "sites", "s.csv", b"site_code,name,desks\nx,X,1\n", "hr")
    assert (refused.value.errors[0].line, refused.value.errors[0].field) == (1, "nation")
    with pytest.raises(ImportRefused):
        import_organisation_file(org, "teams", "t.csv", b"team_code,name\n", "hr")
    with pytest.raises(ImportRefused):
        import_organisation_file(org, "teams", "t.csv", b"team_code,name,name\nx,X,Y\n", "hr")


def test_parquet_crlf_and_cr_only_line_endings(org) -> None:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    pq.write_table(pa.table({"site_code": ["london"], "name": ["London"], "nation": ["england-and-wales"],
                             "desks": [300]}), buf)
    assert import_organisation_file(org, "sites", "sites.parquet", buf.getvalue(), "hr").created == 1
    # CR-only line endings are refused clearly by the shared field checker, and nothing is written
    with pytest.raises(ImportRefused, match="carriage return"):
        import_organisation_file(org, "teams", "teams.csv", TEAMS.replace(b"\n", b"\r"), "hr")
    assert not Team.objects.filter(organisation=org).exists()
    result = import_organisation_file(org, "teams", "teams.csv", TEAMS.replace(b"\n", b"\r\n"), "hr")
    assert result.created == 2


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_each_starter_template_has_the_documented_columns_and_imports(org, kind) -> None:  # type: ignore[no-untyped-def]
    order = list(COLUMNS)
    for k in order[: order.index(kind) + 1]:
        result = import_organisation_file(org, k, f"{k}-template.csv", template_csv(k).encode(), "hr")
        assert result.created == 2, k
    header = template_csv(kind).splitlines()[0].split(",")
    assert header == COLUMNS[kind][0] + COLUMNS[kind][1]


def test_hr_loads_the_organisation_on_the_imports_page(client, make_user, employer_org) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("hr_admin"))
    page = client.get(reverse("workplace:imports")).content.decode()
    assert reverse("workplace:import_template", args=["staff"]) in page
    template = client.get(reverse("workplace:import_template", args=["staff"]))
    assert template["Content-Disposition"] == 'attachment; filename="staff-template.csv"'
    upload = io.BytesIO(TEAMS)
    upload.name = "teams.csv"
    response = client.post(reverse("workplace:imports"), {"kind": "teams", "file": upload}, follow=True)
    # the import's job: "prices" is held already (with no directorate): updated; "census" is new
    assert response.status_code == 200 and "1 added, 1 updated, 0 unchanged" in response.content.decode()
    bad = io.BytesIO(STAFF.replace(b"edinburgh,census", b"glasgow,census"))
    bad.name = "staff.csv"
    response = client.post(reverse("workplace:imports"), {"kind": "staff", "file": bad}, follow=True)
    assert "The job failed: The file was refused; nothing of it was written." in response.content.decode()
    assert "Line 2, field \u2018home_site\u2019" in response.content.decode()
    assert not StaffMember.objects.filter(staff_id__in=["E1", "E2"]).exists()
    assert client.get(reverse("workplace:import_template", args=["nothing"])).status_code == 404


def test_the_command_loads_an_organisation_and_reads_its_figures(tmp_path, transactional_db) -> None:  # type: ignore[no-untyped-def]
    from mandate.cli import app

    runner = CliRunner()
    for kind, data in (("sites", SITES), ("teams", TEAMS), ("staff", STAFF), ("equality", EQUALITY)):
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(data)
        args = ["workplace", "import", kind, str(path), "-o", "acme", "--json"]
        if kind == "sites":
            args += ["--create-organisation", "Acme Statistics"]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["created"] >= 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(STAFF.replace(b"edinburgh,census", b"glasgow,census"))
    res = runner.invoke(app, ["workplace", "import", "staff", str(bad), "-o", "acme"])
    assert res.exit_code == 1 and "line 2, field 'home_site'" in res.stderr
    swipes = tmp_path / "swipes.csv"
    swipes.write_text("card_number,site_code,timestamp\nC1,newport,2026-11-02T09:00:00Z\n", encoding="utf-8")
    res = runner.invoke(app, ["workplace", "import", "badge", str(swipes), "-o", "acme", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["written"] == 1
    from tests.workplace.conftest import INDIVIDUAL_40

    from mandate.workplace.models import AttendancePolicy

    AttendancePolicy.objects.create(organisation=Organisation.objects.get(code="acme"), toml=INDIVIDUAL_40,
                                    is_default=True)
    res = runner.invoke(app, ["workplace", "figures", "-o", "acme", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["organisation"]["attended_days"] == 1
    # the command reads no individual data: groups of fewer than 10 are withheld
    assert all(r["withheld"] for r in doc["sites"] + doc["teams"])
