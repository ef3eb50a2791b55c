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
def test_a_bad_line_refuses_the_whole_file(union_org, row, expected):  # type: ignore[no-untyped-def]
    before = Member.objects.count()
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, lines(GOOD, row))
    assert expected in [str(e) for e in caught.value.errors]
    assert Member.objects.count() == before  # nothing half-imported: the good line 2 is not in either


def test_every_bad_line_is_named(union_org):  # type: ignore[no-untyped-def]
    text = lines(GOOD, "P2,B,x,,1 Road,ons,nowhere,Cat,no,2020-01-02", GOOD, "P4,D,d@example.org,,1 Road,ons,newport,Cat,no,nope")
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, text)
    assert sorted({e.line for e in caught.value.errors}) == [3, 4, 5]


def test_missing_column_is_refused(union_org):  # type: ignore[no-untyped-def]
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, "membership_number,name\nP1,Ann\n")
    assert "the header lacks column(s)" in str(caught.value.errors[0])


def test_reimport_updates_adds_and_marks_left(union_org):  # type: ignore[no-untyped-def]
    first = import_register(union_org, register_csv({"newport": 5, "titchfield": 5}))
    assert (first.created, first.updated) == (10, 0)
    changed = register_csv({"newport": 5, "titchfield": 5}).replace("Member 101,", "Member 101 Renamed,")
    changed += "P900000,New Person,new@example.org,,9 Road,ons,titchfield,Statistician,yes,2026-01-05\n"
    second = import_register(union_org, changed, mark_missing_left=True)
    assert (second.created, second.updated, second.unchanged) == (1, 1, 9)
    assert second.marked_left == 3  # the fixture's three members were not in the file
    assert Member.objects.get(membership_number="P000101").name == "Member 101 Renamed"
    assert Member.objects.get(membership_number="P900000").overseas is True


def test_export_is_in_the_import_format(union_org):  # type: ignore[no-untyped-def]
    import_register(union_org, register_csv({"newport": 4}))
    out = io.StringIO()
    assert export_register(union_org, out) == 7
    again = import_register(union_org, out.getvalue())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
