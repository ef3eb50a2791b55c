"""Ledger imports: each row validated, a bad file refused whole with line and field, re-import a no-op."""

from __future__ import annotations

import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mandate.platform.models import AuditEntry
from mandate.workplace.importers import ImportRefused, import_file
from mandate.workplace.models import Absence, BadgeCard, ImportBatch, PresenceRecord, StaffMember

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def cards(employer_org):
    for i, staff in enumerate(StaffMember.objects.filter(organisation=employer_org).order_by("staff_id")):
        BadgeCard.objects.create(staff=staff, card_number=f"C{i}", issued_on=date(2020, 1, 1))
    return employer_org


def test_badge_export_imported_and_reimport_changes_nothing(cards):
    data = _csv(
        "card_number,site_code,timestamp,door",
        "C0,newport,2026-10-01T08:30:00+01:00,North",
        "C0,newport,2026-10-01T12:30:00+01:00,North",  # a duplicate swipe is normal data
        "C2,edinburgh,2026-10-02T09:00:00+01:00,Main",
        "C99,newport,2026-10-02T09:05:00+01:00,North",  # a visitor's card: kept, matched to nobody
    )
    result = import_file(cards, "badge", "swipes.csv", data, "hr")
    assert (result.rows, result.written, result.unmatched, result.already_imported) == (4, 4, 1, False)
    records = PresenceRecord.objects.order_by("timestamp")
    assert [r.staff.staff_id if r.staff else None for r in records] == ["S00000", "S00000", "S00002", None]
    assert {r.batch_id for r in records} == {result.batch.pk}
    entries = AuditEntry.objects.filter(action="import_ledger_file")
    assert entries.count() == 1 and entries.get().detail["rows"] == 4

    again = import_file(cards, "badge", "swipes-renamed.csv", data, "hr")
    assert again.already_imported and again.batch.pk == result.batch.pk
    assert PresenceRecord.objects.count() == 4 and ImportBatch.objects.count() == 1


def test_bad_row_refuses_whole_file_naming_line_and_field(cards):
    data = _csv(
        "card_number,site_code,timestamp",
        "C0,newport,2026-10-01T08:30:00+01:00",
        "C1,newport,2026-10-01T08:31:00+01:00",
        "C1,leeds,2026-10-02T08:31:00+01:00",
        "C2,edinburgh,2026-10-02 09:00",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(cards, "badge", "swipes.csv", data, "hr")
    errors = [(e.line, e.field) for e in refused.value.errors]
    assert errors == [(4, "site_code"), (5, "timestamp")]
    assert "leeds" in refused.value.errors[0].message and "offset" in refused.value.errors[1].message
    assert "swipes.csv, line 4, field 'site_code'" in str(refused.value)
    assert PresenceRecord.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_missing_column_named_on_header_line(cards):
    with pytest.raises(ImportRefused) as refused:
        import_file(cards, "absences", "leave.csv", _csv("staff_id,day,kind", "S00000,2026-10-01,sickness"), "hr")
    assert [(e.line, e.field) for e in refused.value.errors] == [(1, "date")]


def test_bookings_with_and_without_check_in(cards):
    data = _csv(
        "staff_id,site_code,date,checked_in_at,purpose",
        "S00000,newport,2026-10-05,2026-10-05T09:02:00+01:00,team_anchor_day",
        "S00001,newport,2026-10-05,,meeting",
    )
    result = import_file(cards, "bookings", "bookings.csv", data, "hr")
    assert result.counts == {"booking_checkin": 1, "booking": 1}
    checked = PresenceRecord.objects.get(staff__staff_id="S00000")
    assert (checked.source, checked.purpose) == ("booking_checkin", "team_anchor_day")
    assert PresenceRecord.objects.get(staff__staff_id="S00001").source == "booking"

    bad = _csv("staff_id,site_code,date,checked_in_at,purpose",
               "S00000,newport,2026-10-06,2026-10-07T09:02:00+01:00,",
               "S00001,newport,2026-10-06,,lunch")
    with pytest.raises(ImportRefused) as refused:
        import_file(cards, "bookings", "bookings2.csv", bad, "hr")
    assert [(e.line, e.field) for e in refused.value.errors] == [(2, "checked_in_at"), (3, "purpose")]
    assert PresenceRecord.objects.count() == 2


def test_absences_unknown_person_and_kind_refused_nothing_written(cards):
    data = _csv("staff_id,date,kind", "S00000,2026-10-01,annual_leave", "S99999,2026-10-02,sickness",
                "S00001,2026-10-31,holiday", "S00001,2026-02-30,sickness")
    with pytest.raises(ImportRefused) as refused:
        import_file(cards, "absences", "leave.csv", data, "hr")
    assert [(e.line, e.field) for e in refused.value.errors] == [(3, "staff_id"), (4, "kind"), (5, "date")]
    assert Absence.objects.count() == 0


def test_overlapping_absence_files_write_each_absence_once(cards):
    first = import_file(cards, "absences", "a.csv",
                        _csv("staff_id,date,kind", "S00000,2026-10-01,annual_leave",
                             "S00000,2026-10-01,annual_leave"), "hr")
    assert (first.rows, first.written) == (2, 1)
    second = import_file(cards, "official_business", "ob.csv",
                         _csv("staff_id,date", "S00000,2026-10-02", "S00001,2026-10-02"), "hr")
    third = import_file(cards, "absences", "b.csv",
                        _csv("staff_id,date,kind", "S00000,2026-10-01,annual_leave",
                             "S00000,2026-10-02,official_business", "S00002,2026-10-03,training"), "hr")
    assert (second.written, third.written) == (2, 1)
    assert Absence.objects.count() == 4


def test_parquet_of_realistic_size(cards):
    n = 12_000
    table = pa.table({
        "staff_id": ["S00000", "S00001", "S00002"] * (n // 3),
        "site_code": ["newport", "newport", "edinburgh"] * (n // 3),
        "timestamp": [f"2026-10-{1 + (i % 28):02d}T08:{i % 60:02d}:00+01:00" for i in range(n)],
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = import_file(cards, "badge", "swipes.parquet", buf.getvalue(), "hr")
    assert (result.rows, result.written) == (n, n)
    assert PresenceRecord.objects.filter(staff__staff_id="S00002", site__code="edinburgh").count() == n // 3

    bad = table.set_column(2, "timestamp", pa.array(table["timestamp"].to_pylist()[:-1] + ["yesterday"]))
    buf = io.BytesIO()
    pq.write_table(bad, buf)
    with pytest.raises(ImportRefused) as refused:
        import_file(cards, "badge", "bad.parquet", buf.getvalue(), "hr")
    assert [(e.line, e.field) for e in refused.value.errors] == [(n, "timestamp")]
    assert PresenceRecord.objects.count() == n
