"""Membership register import: refused whole with every bad line named; re-import updates; export round-trips."""

from __future__ import annotations

import io

import pytest
from tests.union.helpers import HEADER, register_csv

from mandate.union.models import Member
from mandate.union.register import RegisterImportError, export_register, import_register

pytestmark = pytest.mark.django_db


def lines(*rows: str) -> str:
    return ",".join(HEADER) + "\n" + "\n".join(rows) + "\n"


GOOD = "P1,Ann Jones,ann@example.org,,1 Road,ons,newport,Statistician,no,2020-01-02"


@pytest.mark.parametrize("row,expected", [
    (",Ann,ann@example.org,,1 Road,ons,newport,Statistician,no,2020-01-02", "line 3: membership_number: missing"),
    ("P1,Bob,bob@example.org,,1 Road,ons,newport,Statistician,no,2020-01-02", "line 3: membership_number: P1 is duplicated (first on line 2)"),
    ("P2,Bob,bob@example.org,,1 Road,ons,leeds,Statistician,no,2020-01-02", "line 3: workplace: unknown workplace 'leeds' for employer 'ons'"),
    ("P2,Bob,bob@example.org,,1 Road,acme,newport,Statistician,no,2020-01-02", "line 3: employer: unknown employer 'acme'"),
    ("P2,Bob,bob-at-example.org,,1 Road,ons,newport,Statistician,no,2020-01-02", "line 3: personal_email: 'bob-at-example.org' is not a valid email address"),
    ("P2,Bob,bob@example.org,,1 Road,ons,newport,Statistician,no,02/01/2020", "line 3: join_date: '02/01/2020' is not a date (use YYYY-MM-DD)"),
    ("P2,Bob,bob@example.org,,1 Road,ons,newport,Statistician,maybe,2020-01-02", "line 3: overseas: 'maybe' is not yes or no"),
    ("P2,Bob,bob@example.org,,,ons,newport,Statistician,no,2020-01-02", "line 3: home_address: missing"),
])
def test_a_bad_line_refuses_the_whole_file(union_org, row, expected):
    before = Member.objects.count()
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, lines(GOOD, row))
    assert expected in [str(e) for e in caught.value.errors]
    assert Member.objects.count() == before  # nothing half-imported: the good line 2 is not in either


def test_every_bad_line_is_named(union_org):
    text = lines(GOOD, "P2,B,x,,1 Road,ons,nowhere,Cat,no,2020-01-02", GOOD, "P4,D,d@example.org,,1 Road,ons,newport,Cat,no,nope")
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, text)
    assert sorted({e.line for e in caught.value.errors}) == [3, 4, 5]


def test_missing_column_is_refused(union_org):
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, "membership_number,name\nP1,Ann\n")
    assert "the header lacks column(s)" in str(caught.value.errors[0])


def test_reimport_updates_adds_and_marks_left(union_org):
    first = import_register(union_org, register_csv({"newport": 5, "titchfield": 5}))
    assert (first.created, first.updated) == (10, 0)
    changed = register_csv({"newport": 5, "titchfield": 5}).replace("Member 101,", "Member 101 Renamed,")
    changed += "P900000,New Person,new@example.org,,9 Road,ons,titchfield,Statistician,yes,2026-01-05\n"
    second = import_register(union_org, changed, mark_missing_left=True)
    assert (second.created, second.updated, second.unchanged) == (1, 1, 9)
    assert second.marked_left == 3  # the fixture's three members were not in the file
    assert Member.objects.get(membership_number="P000101").name == "Member 101 Renamed"
    assert Member.objects.get(membership_number="P900000").overseas is True


def test_export_is_in_the_import_format(union_org):
    import_register(union_org, register_csv({"newport": 4}))
    out = io.StringIO()
    assert export_register(union_org, out) == 7
    again = import_register(union_org, out.getvalue())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


# ---------------------------------------------------------------------------------------------------------------
# columns the register does not take are refused, never dropped
# ---------------------------------------------------------------------------------------------------------------

ACCEPTED = ("the accepted columns are membership_number, name, personal_email, mobile, home_address, employer, "
            "workplace, job_category, overseas, join_date")


def _with_columns(extra: list[str], values: list[str]) -> str:
    body = register_csv({"newport": 2}).splitlines()
    return "\n".join([body[0] + "," + ",".join(extra)] + [row + "," + ",".join(values) for row in body[1:]]) + "\n"


def test_an_unknown_column_is_named_with_the_accepted_ones_and_nothing_is_written(union_org):
    first = Member.objects.get(membership_number="P000000")
    before = (Member.objects.count(), first.name)
    text = _with_columns(["branch", "second_address"], ["Newport", "Flat 2"])
    text = text.replace("P000101", "P000000", 1)  # a line that would update a member already on the register
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, text, mark_missing_left=True)
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "line 1: the header has column(s) the register does not take: branch, second_address. Remove or rename "
        "them; " + ACCEPTED]
    assert (Member.objects.count(), Member.objects.get(pk=first.pk).name) == before
    assert not Member.objects.filter(left_on__isnull=False).exists()


def test_a_misspelt_column_is_named_beside_the_missing_one(union_org):
    text = register_csv({"newport": 1}).replace("join_date", "joined", 1)
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, text)
    assert [str(e) for e in caught.value.errors] == [
        "line 1: the header lacks column(s): join_date",
        "line 1: the header has column(s) the register does not take: joined. Remove or rename them; " + ACCEPTED]


def test_an_unnamed_column_holding_data_is_refused(union_org):
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, _with_columns([""], ["note to self"]))
    assert "does not take: (unnamed column 11)." in str(caught.value.errors[0])
    assert Member.objects.count() == 3


def test_a_column_named_twice_or_a_line_longer_than_the_header_is_refused(union_org):
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, _with_columns(["name"], ["Another name"]))
    assert [str(e) for e in caught.value.errors] == ["line 1: the header names column(s) more than once: name"]
    long_line = lines(GOOD, "P2,Bob,bob@example.org,,1 Road,ons,newport,Statistician,no,2020-01-02,Newport branch")
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, long_line)
    assert [str(e) for e in caught.value.errors] == [
        "line 3: 1 more field than the header has columns (a value with a comma in it needs quotes)"]
    assert Member.objects.count() == 3


def test_cli_and_web_refuse_an_unknown_column(union_org, tmp_path, client, make_user):
    from typer.testing import CliRunner

    from mandate.cli import app

    text = _with_columns(["branch"], ["Newport"])
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["ballot", "import-register", "pcs", str(path)])
    assert result.exit_code == 1 and "nothing imported" in result.output
    assert "does not take: branch." in result.output and ACCEPTED in result.output
    client.force_login(make_user("union_official", "pcs"))
    upload = io.BytesIO(text.encode())
    upload.name = "register.csv"
    page = client.post("/union/register/", {"file": upload}).content.decode()
    assert "does not take: branch." in page and ACCEPTED in page
    assert Member.objects.count() == 3
