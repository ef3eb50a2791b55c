"""Membership register import: refused whole with every bad line named; re-import updates; export round-trips."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
    page = client.post("/union/register/", {"file": upload}, follow=True).content.decode()  # the import's job
    assert "The job failed" in page and "does not take: branch." in page and ACCEPTED in page
    assert Member.objects.count() == 3


# ---------------------------------------------------------------------------------------------------------------
# the bulk write: COPY on PostgreSQL, executemany elsewhere; twice is once; all or nothing; concurrent imports
# ---------------------------------------------------------------------------------------------------------------

def _rows(union) -> list[tuple[object, ...]]:
    return list(Member.objects.filter(union=union).order_by("membership_number").values_list(
        "membership_number", "name", "personal_email", "mobile", "home_address", "employer__code",
        "workplace__code", "job_category", "overseas", "joined_on", "left_on", "branch_id"))


def _twin(union_org):
    from mandate.union.models import Employer, Union, Workplace

    twin = Union.objects.create(code="twin", name="Twin")
    ons = Employer.objects.create(union=twin, code="ons", name="ONS")
    for code in ("newport", "titchfield"):
        Workplace.objects.create(employer=ons, code=code, name=code.title())
    return twin


def _tricky() -> str:
    """Two lines whose values hold what COPY's text format escapes: quotes, commas, a real tab and line break,
    backslashes, a literal \\N (COPY's null marker), and a non-ASCII name."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([
        ["P7", 'Siân O\'Brien, "Shan"', "sian@example.org", "", "Flat 2\n1 Rue de l'Église\tTab", "ons", "newport",
         "Statistician", "yes", "2020-02-29"],
        ["P8", "Back\\slash \\N", "", "", "\\N", "ons", "titchfield", "Cat, with comma", "no", "1999-12-31"]])
    return out.getvalue()


TRICKY = _tricky()


def test_copy_and_executemany_write_the_same_rows(union_org) -> None:
    """On PostgreSQL the import writes with COPY; on either database the two ways of writing give the same
    rows, down to quotes, commas, tabs, backslashes, a literal \\N and line breaks inside values."""
    from django.db import connection

    text = register_csv({"newport": 30, "titchfield": 20}) + TRICKY
    twin = _twin(union_org)
    methods = ["copy", "executemany"] if connection.vendor == "postgresql" else ["executemany", "auto"]
    first = import_register(union_org, text, insert_method=methods[0])
    second = import_register(twin, text, insert_method=methods[1])
    assert first.created == second.created == 52
    assert _rows(union_org)[3:] == _rows(twin)  # the fixture's three members are only in union_org
    p8 = Member.objects.get(union=union_org, membership_number="P8")
    assert (p8.name, p8.home_address, p8.personal_email) == ("Back\\slash \\N", "\\N", "")
    p7 = Member.objects.get(union=twin, membership_number="P7")
    assert (p7.name, p7.home_address) == ('Siân O\'Brien, "Shan"', "Flat 2\n1 Rue de l'Église\tTab")


def test_importing_the_same_register_twice_changes_nothing(union_org) -> None:
    text = register_csv({"newport": 40, "titchfield": 10}) + TRICKY
    first = import_register(union_org, text)
    before = _rows(union_org)
    again = import_register(union_org, text)
    assert (first.created, again.created, again.updated, again.unchanged) == (52, 0, 0, 52)
    assert _rows(union_org) == before


@pytest.mark.parametrize("row,expected", [
    ("P2," + "N" * 10_000 + ",b@example.org,,1 Road,ons,newport,Cat,no,2020-01-02",
     "line 3: name: is 10,000 characters long; at most 200 are allowed"),
    ("P2,Bob,b@example.org,,1 Road\x00,ons,newport,Cat,no,2020-01-02", "line 3: home_address: holds a NUL byte (character 0), which no text may hold: the file is damaged or not text"),
    ("P" + "2" * 40 + ",Bob,b@example.org,,1 Road,ons,newport,Cat,no,2020-01-02",
     "line 3: membership_number: is 41 characters long; at most 32 are allowed"),
])
def test_a_value_the_database_would_refuse_is_named_and_nothing_is_written(union_org, row, expected) -> None:
    before = _rows(union_org)
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, lines(GOOD, row))
    assert expected in [str(e) for e in caught.value.errors]
    assert _rows(union_org) == before


def test_a_write_that_fails_part_way_leaves_the_register_as_it_was(union_org, monkeypatch) -> None:
    """The new members are written (COPY on PostgreSQL) and then the changed ones updated, in one transaction:
    a failure after the insert rolls the insert back too."""
    from mandate.union import register

    import_register(union_org, register_csv({"newport": 5}))
    before = _rows(union_org)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(register.Member.objects, "bulk_update", fail)
    changed = register_csv({"newport": 5}).replace("Member 101,", "Member 101 Renamed,") + TRICKY
    with pytest.raises(RuntimeError):
        import_register(union_org, changed)
    assert _rows(union_org) == before


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_add_each_member_once(union_org) -> None:
    """Two threads (two database connections) import the same register at the same moment: the union's row
    is locked first, so one adds the members and the other finds them there."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time; the row lock is PostgreSQL's")
    text = register_csv({"newport": 800, "titchfield": 400})
    barrier, reports, errors = threading.Barrier(2), [], []

    def run() -> None:
        try:
            barrier.wait()
            reports.append(import_register(union_org, text))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted((r.created, r.unchanged) for r in reports) == [(0, 1200), (1200, 0)]
    assert Member.objects.filter(union=union_org).count() == 1203


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.text(max_size=80),
    st.from_regex(r"[A-Za-z0-9_%+.-]{0,20}@[A-Za-z0-9.-]{0,20}\.[A-Za-z0-9-]{0,8}", fullmatch=True),
    st.emails().map(str)))
def test_the_fast_email_check_accepts_only_what_the_validator_accepts(email: str) -> None:
    from django.core.exceptions import ValidationError

    from mandate.union import register
    from mandate.union.emails import validate_personal_email

    try:
        validate_personal_email(email)
        django_ok = True
    except ValidationError:
        django_ok = False
    try:
        register._check_email(email)
        ours = True
    except ValidationError:
        ours = False
    assert ours == django_ok, email
    if register._PLAIN_EMAIL.fullmatch(email) and len(email) <= 254:
        assert django_ok, email  # the shortcut is a subset of the validator


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_the_checkers_control_character_scan_is_the_unicode_rule(value: str) -> None:
    """The shared field checker finds control characters with one pattern (for the register's speed): the
    same first character as Unicode's categories give (Cc but tab and line feed, and Cs)."""
    import unicodedata

    from mandate.platform import inputs

    rule = next((ch for ch in value if (unicodedata.category(ch) == "Cc" and ch not in "\t\n")
                 or unicodedata.category(ch) == "Cs"), None)
    found = inputs._CONTROL.search(value)
    assert (found.group() if found else None) == rule
