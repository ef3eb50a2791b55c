"""The presence ledger as the policy engine's input: Django records to Arrow tables.

The wing never computes attendance itself. It turns its records into the five Arrow tables of the engine's
file contract (people, sites, presence, absences, adjustments) and hands them to `mandate.policy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.db.models import QuerySet

from mandate.workplace.models import Absence, Adjustment, Organisation, PresenceRecord, Site, StaffMember

UTC_TS = pa.timestamp("us", tz="UTC")


def _columns(rows: Iterable[tuple], names: list[str]) -> dict[str, list]:
    cols: dict[str, list] = {n: [] for n in names}
    for row in rows:
        for n, v in zip(names, row, strict=True):
            cols[n].append(v)
    return cols


def _raw(qs: QuerySet, names: list[str]) -> dict[str, list]:
    """The rows of a values_list queryset straight from the database cursor, without the ORM's per-value
    conversion (tens of thousands of swipes a month): the SQL is Django's own."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _columns(cursor.fetchall(), names)


def _timestamps(values: list) -> pa.Array:
    """UTC instants: datetimes (PostgreSQL) or SQLite's UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    if values and isinstance(values[0], str):
        return pc.cast(pa.array(values, pa.string()), pa.timestamp("us")).cast(UTC_TS)
    return pa.array(values, UTC_TS)


def _dates(values: list) -> pa.Array:
    if any(isinstance(v, str) for v in values):
        return pc.cast(pa.array(values, pa.string()), pa.date32())
    return pa.array(values, pa.date32())


def tables_for(organisation: Organisation, start: dt.date, end: dt.date,
               staff_ids: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """The engine's input tables for `organisation` over [start, end], for everyone or the given staff."""
    staff = StaffMember.objects.filter(organisation=organisation)
    if staff_ids is not None:
        staff = staff.filter(staff_id__in=list(staff_ids))
    people = _columns(
        staff.order_by("staff_id").values_list("staff_id", "home_site__code", "team__code", "working_days",
                                               "hours_per_day", "start_date", "end_date"),
        ["staff_id", "home_site", "team", "working_days", "hours_per_day", "start_date", "end_date"])
    people_t = pa.table({
        "staff_id": pa.array(people["staff_id"], pa.string()),
        "home_site": pa.array(people["home_site"], pa.string()),
        "team": pa.array(people["team"], pa.string()),
        "working_days": pa.array(people["working_days"], pa.string()),
        "hours_per_day": pa.array([float(h) for h in people["hours_per_day"]], pa.float64()),
        "start_date": pa.array(people["start_date"], pa.date32()),
        "end_date": pa.array(people["end_date"], pa.date32()),
    })
    sites = _columns(Site.objects.filter(organisation=organisation).order_by("code")
                     .values_list("code", "name", "nation"), ["site_code", "name", "nation"])
    sites_t = pa.table({k: pa.array(v, pa.string()) for k, v in sites.items()})

    # a day either side, so that a swipe's local date is decided by the engine, not by a UTC cut-off
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    presence_qs = PresenceRecord.objects.filter(organisation=organisation, staff__isnull=False,
                                                timestamp__gte=lo, timestamp__lt=hi)
    absence_qs = Absence.objects.filter(staff__organisation=organisation, date__gte=start, date__lte=end)
    adjustment_qs = Adjustment.objects.filter(staff__organisation=organisation, date_from__lte=end,
                                              withdrawn_at__isnull=True)  # a withdrawn one no longer applies
    adjustment_qs = adjustment_qs.exclude(date_to__lt=start)
    if staff_ids is not None:
        ids = list(people["staff_id"])
        presence_qs = presence_qs.filter(staff__staff_id__in=ids)
        absence_qs = absence_qs.filter(staff__staff_id__in=ids)
        adjustment_qs = adjustment_qs.filter(staff__staff_id__in=ids)
    presence = _raw(presence_qs.values_list("staff__staff_id", "site__code", "timestamp", "source", "purpose"),
                    ["staff_id", "site_code", "timestamp", "source", "purpose"])
    presence_t = pa.table({
        "staff_id": pa.array(presence["staff_id"], pa.string()),
        "site_code": pa.array(presence["site_code"], pa.string()),
        "timestamp": _timestamps(presence["timestamp"]),
        "source": pa.array(presence["source"], pa.string()),
        "purpose": pa.array([p or None for p in presence["purpose"]], pa.string()),
    })
    absences = _raw(absence_qs.values_list("staff__staff_id", "date", "kind"), ["staff_id", "date", "kind"])
    absences_t = pa.table({
        "staff_id": pa.array(absences["staff_id"], pa.string()),
        "date": _dates(absences["date"]),
        "kind": pa.array(absences["kind"], pa.string()),
    })
    adjustments = _columns(
        adjustment_qs.values_list("staff__staff_id", "date_from", "date_to", "expected_percent", "exempt"),
        ["staff_id", "from_date", "to_date", "adjusted_percent", "exempt"])
    adjustments_t = pa.table({
        "staff_id": pa.array(adjustments["staff_id"], pa.string()),
        "from_date": pa.array(adjustments["from_date"], pa.date32()),
        "to_date": pa.array(adjustments["to_date"], pa.date32()),
        "adjusted_percent": pa.array([None if p is None else float(p) for p in adjustments["adjusted_percent"]],
                                     pa.float64()),
        "exempt": pa.array(adjustments["exempt"], pa.bool_()),
    })
    return {"people": people_t, "sites": sites_t, "presence": presence_t, "absences": absences_t,
            "adjustments": adjustments_t}
