"""Every CSV export escapes cells a spreadsheet would run as formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import get_resolver

from mandate.platform import exports
from mandate.policy import examples
from mandate.union.models import Member
from mandate.union.register import export_register, import_register
from mandate.workplace.models import AttendancePolicy, StaffMember

SRC = Path(__file__).resolve().parents[2] / "src" / "mandate"
POLICY = examples.text("ons-individual-40.toml")  # the one copy of the ONS policy
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+44 7700 900123", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
EXPORT_ROUTES = {"union:register_export": "/union/register/export.csv",
                 "workplace:my_figure_csv": "/workplace/me/attendance.csv?date_from=2026-10-01&date_to=2026-10-31",
                 "workplace:person_csv": "/workplace/people/{staff}/attendance.csv?date_from=2026-10-01&date_to=2026-10-31",
                 "workplace:organisation_csv":
                     "/workplace/organisation/export.csv?date_from=2026-10-01&date_to=2026-10-31&table=teams",
                 "workplace:estates_desks_csv": "/workplace/estates/desks/export.csv"}


def test_cells_are_escaped_and_unescaped() -> None:
    for value in FORMULAS:
        assert exports.safe_cell(value) == "'" + value and exports.unescape_cell("'" + value) == value
    assert exports.safe_cell("Ann") == "Ann" and exports.safe_cell(-5) == -5 and exports.safe_cell("") == ""


def test_no_csv_writer_outside_the_safe_helper() -> None:
    """Every export goes through platform/exports.py: no other module of the application makes a csv.writer."""
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "exports.py" and "demo" not in p.parts
                 and re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_csv_route_is_walked_here() -> None:
    names = set()
    for ns in ("union", "workplace"):
        for name in get_resolver().namespace_dict[ns][1].reverse_dict:
            if isinstance(name, str) and (name.endswith("_csv") or name.endswith("_export")):
                names.add(f"{ns}:{name}")
    assert names == set(EXPORT_ROUTES)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.django_db
def test_every_export_route_escapes(client, make_user, union_org, employer_org) -> None:
    Member.objects.filter(membership_number="P000000").update(
        name=FORMULAS[0], mobile=FORMULAS[1], home_address=FORMULAS[2], job_category=FORMULAS[3])
    Member.objects.filter(membership_number="P000001").update(name=FORMULAS[4], home_address=FORMULAS[5])
    AttendancePolicy.objects.create(organisation=employer_org, toml=POLICY, is_default=True)
    hr = make_user("hr_admin")
    staff = StaffMember.objects.get(staff_id="S00000")
    StaffMember.objects.filter(pk=staff.pk).update(staff_id="=1+2", user=hr)

    seen = {}
    client.force_login(make_user("union_official", scope="pcs"))
    seen["union:register_export"] = client.get(EXPORT_ROUTES["union:register_export"])
    client.force_login(hr)
    seen["workplace:my_figure_csv"] = client.get(EXPORT_ROUTES["workplace:my_figure_csv"])
    seen["workplace:person_csv"] = client.get(EXPORT_ROUTES["workplace:person_csv"].format(staff="=1+2"))
    from mandate.workplace.models import Team

    Team.objects.filter(organisation=employer_org).update(name=FORMULAS[0])
    seen["workplace:organisation_csv"] = client.get(EXPORT_ROUTES["workplace:organisation_csv"])
    assert "'" + FORMULAS[0] in _cells(seen["workplace:organisation_csv"].content.decode())
    from mandate.workplace.estates.models import Desk
    from mandate.workplace.models import Site

    Desk.objects.create(site=Site.objects.get(code="newport"), code="=1+2", floor="1", zone=FORMULAS[3])
    client.force_login(make_user("estates_manager"))
    seen["workplace:estates_desks_csv"] = client.get(EXPORT_ROUTES["workplace:estates_desks_csv"])
    assert "'" + FORMULAS[3] in _cells(seen["workplace:estates_desks_csv"].content.decode())
    assert set(seen) == set(EXPORT_ROUTES)
    for name, response in seen.items():
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), name
        cells = _cells(response.content.decode())
        assert cells, name
        assert not [c for c in cells if c.startswith(exports.TRIGGERS)], name
    register = _cells(seen["union:register_export"].content.decode())
    assert all("'" + f in register for f in FORMULAS)
    assert "'=1+2" in _cells(seen["workplace:my_figure_csv"].content.decode())


@pytest.mark.django_db
def test_an_exported_register_imports_back_unchanged(union_org) -> None:
    Member.objects.filter(membership_number="P000000").update(name="=Ann", mobile="+44 7700 900123")
    before = list(Member.objects.order_by("membership_number").values_list("name", "mobile", "home_address"))
    out = io.StringIO()
    export_register(union_org, out)
    report = import_register(union_org, out.getvalue(), today=date(2026, 12, 1))
    assert report.unchanged == 3 and report.updated == 0
    assert list(Member.objects.order_by("membership_number").values_list("name", "mobile", "home_address")) == before
