"""Person-period figures stored, so that the pages read rows instead of running the engine per request.

A `FigureSet` is one policy (as its TOML stands) over one range of whole calendar months (up to twelve): the
organisation page for October, the site page for a year. It is made the first time a page asks for it
(`lookup`), and filled by `recompute` in a job (platform/jobs.py), never in a request: one engine run over
the whole organisation (`compute` and `explain` on one reading of the ledger), written in bulk in one short
transaction. Until it is filled, and whenever it is out of date, the pages compute directly as they did
before the store, so a page never serves stale figures.

Out of date means: the ledger, the adjustments, the staff, the sites or teams, or a policy changed. Every
save or delete of those records raises the generation of the organisation's sets in the same transaction
(the signal handlers below; bulk writes go through an `ImportBatch`, whose save counts), and a recompute job
is queued when that transaction commits. A set's rows are current only while the generation they were
computed from is the set's generation.

Idempotent: `recompute` deletes a set's rows and writes them again under a row lock on the set, and skips a
set already computed at (or past) the generation it read; two runs, one after the other or at once in two
processes, leave the same rows, once (held by unique constraints on (set, person, period) and (set, person)).

The engine does the counting; this module stores its rows and reads them back unchanged. The one sum done
here is the team page's "together" figure for a line manager's reports, made from the stored person rows
(calendar periods) or the stored days (rolling windows) the way the engine makes its organisation row; a
test compares it with the engine run directly for every policy shape.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import json
import logging
import os
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.ipc
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from mandate.platform import jobs
from mandate.workplace.models import (
    Absence,
    Adjustment,
    AttendancePolicy,
    BadgeCard,
    FigureSet,
    ImportBatch,
    Organisation,
    PersonDays,
    PersonPeriodFigure,
    PresenceRecord,
    Site,
    StaffMember,
    Team,
)

logger = logging.getLogger("mandate.workplace.figures")

MAX_MONTHS = 12  # a stored range is whole calendar months, at most a year of them
MAX_SETS = 64  # per organisation: the least recently asked-for set goes when a new one would pass this
BATCH = 5000
JOB_KIND = "workplace-figures"
HANDLER = "mandate.workplace.figure_store.recompute_job"
#: MANDATE_FIGURE_STORE=off: every page computes directly, as before the store (bench/workplace_pages.py
#: measures both ways in one run with it); the sets are then neither read nor made.
ENABLED = os.environ.get("MANDATE_FIGURE_STORE", "on") != "off"
TABLES = ("sites", "teams", "organisation_periods", "site_weekly", "purposes")
HOURS = ("required_hours", "attended_hours", "excluded_hours", "credited_hours")
COUNTS = ("working_days", "excluded_days", "required_days", "attended_days", "credited_days")
ROW_FIELDS = ("working_days", "required_days", "attended_days", "excluded_days", "credited_days", *HOURS,
              "percent", "target_percent", "adjusted_expectation", "target_met", "target_of", "unit")
DAY_KEYS = ("date", "status", "reason", "hours", "purpose", "policy_version")


def policy_stamp(policy: AttendancePolicy) -> str:
    return hashlib.sha256(policy.toml.encode()).hexdigest()


def is_storable(start: dt.date, end: dt.date) -> bool:
    """Whole calendar months, one to twelve of them: the ranges the pages' figures are stored for."""
    if start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1] or end < start:
        return False
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return months <= MAX_MONTHS


# -- the aggregates as Arrow IPC ----------------------------------------------------------------------------

def _pack(tables: dict[str, pa.Table]) -> bytes:
    out = io.BytesIO()
    for name in TABLES:
        sink = io.BytesIO()
        table = tables[name]
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue()
        out.write(struct.pack(">Q", len(data)))
        out.write(data)
    return out.getvalue()


def _unpack(blob: bytes | memoryview) -> dict[str, pa.Table]:
    data = bytes(blob)
    tables, at = {}, 0
    for name in TABLES:
        (n,) = struct.unpack_from(">Q", data, at)
        at += 8
        tables[name] = pa.ipc.open_stream(pa.py_buffer(data[at:at + n])).read_all()
        at += n
    return tables


# -- staleness: raised at once, recomputed by a job after commit ---------------------------------------------

def mark_stale(organisation_id: int) -> int:
    """Raise the generation of the organisation's stored sets (so that no page reads them), and queue a
    recompute when the current transaction commits. Returns how many sets were marked."""
    marked = FigureSet.objects.filter(organisation_id=organisation_id).update(generation=F("generation") + 1)
    if marked:
        transaction.on_commit(lambda: _queue(organisation_id))
    return marked


def _queue(organisation_id: int) -> None:
    """Queue the recompute after a commit; a failure to do so (or, with the immediate backend of the tests,
    the recompute's own) never fails the request that changed the data: its pages compute directly."""
    try:
        request_recompute(organisation_id)
    except Exception:
        logger.exception("could not queue the recompute of organisation %s's figures", organisation_id)


def request_recompute(organisation_id: int, actor: Any = None) -> Any:
    """Queue a recompute of the organisation's sets, unless one is already waiting for a worker (it will
    read the ledger as it then stands, so a second one would only do the same work again)."""
    waiting = jobs.Job.objects.filter(kind=JOB_KIND, status="queued",
                                      arguments__organisation_id=organisation_id).first()
    if waiting is not None:
        return waiting
    return jobs.start(HANDLER, kind=JOB_KIND, title="Recalculating the attendance figures", actor=actor,
                      organisation_id=organisation_id)


@jobs.handler
def recompute_job(progress: jobs.Progress, organisation_id: int) -> jobs.Result:
    organisation = Organisation.objects.get(pk=organisation_id)
    done = recompute(organisation, progress=progress)
    return jobs.Result(text=f"{done} stored figure sets recalculated for {organisation.name}.")


def _organisation_of(instance: Any) -> int | None:
    if isinstance(instance, Organisation):
        return None
    if isinstance(instance, Absence | Adjustment | BadgeCard):
        staff = StaffMember.objects.filter(pk=instance.staff_id).values_list("organisation_id", flat=True).first()
        return staff
    return getattr(instance, "organisation_id", None)


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    organisation_id = _organisation_of(instance)
    if organisation_id is not None:
        mark_stale(organisation_id)


for _model in (PresenceRecord, Absence, Adjustment, AttendancePolicy, StaffMember, Site, Team, BadgeCard,
               ImportBatch):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"figure_store_{_model.__name__}_save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"figure_store_{_model.__name__}_delete")


# -- writing ----------------------------------------------------------------------------------------------------

def recompute(organisation: Organisation, *, progress: Any = None,
              sets: Iterable[FigureSet] | None = None) -> int:
    """Compute every stored set of the organisation that is out of date; returns how many were written."""
    todo = list(sets if sets is not None else FigureSet.objects.filter(organisation=organisation)
                .order_by("-requested_at"))
    written = 0
    for i, figure_set in enumerate(todo):
        if progress is not None:
            progress(f"Figures for {figure_set.date_from.isoformat()} to {figure_set.date_to.isoformat()}",
                     i, len(todo))
        written += compute_set(figure_set.pk)
    if progress is not None:
        progress("Done", len(todo), len(todo))
    return written


def compute_set(figure_set_id: int) -> int:
    """Compute one set from the ledger as it stands and write it (1), or nothing if it is current or gone."""
    from mandate.policy import Dataset, InputError, PolicyError, compute, explain
    from mandate.workplace.figures import FigureError, reach_back
    from mandate.workplace.ledger import tables_for

    figure_set = FigureSet.objects.select_related("policy", "organisation").filter(pk=figure_set_id).first()
    if figure_set is None:
        return 0
    generation = figure_set.generation  # read before the ledger: a change after it raises it again
    policy = figure_set.policy
    stamp = policy_stamp(policy)
    if figure_set.current and figure_set.policy_stamp == stamp:
        return 0
    begun = time.perf_counter()
    start, end = figure_set.date_from, figure_set.date_to
    error, result, days = "", None, None
    try:
        first = reach_back(policy, start, end)
        data = tables_for(figure_set.organisation, first, end)
        parsed = policy.parsed()
        result = compute(Dataset.from_tables(**data), parsed, start, end)
        days = explain(Dataset.from_tables(**data), parsed, first, end, data["people"].column("staff_id").to_pylist())
    except FigureError as exc:
        error = str(exc)
    except (PolicyError, InputError, ValueError) as exc:
        error = str(exc)
    seconds = time.perf_counter() - begun
    staff_pk = dict(StaffMember.objects.filter(organisation_id=figure_set.organisation_id)
                    .values_list("staff_id", "pk"))
    people = _person_rows(figure_set_id, result, staff_pk) if result is not None else []
    day_rows = _day_rows(figure_set_id, days, staff_pk) if days is not None else []
    with transaction.atomic():
        locked = FigureSet.objects.select_for_update().filter(pk=figure_set_id).first()
        if locked is None:
            return 0
        if locked.computed_generation >= generation and locked.policy_stamp == stamp:
            return 0  # another run wrote this generation (or a later one) while this one computed
        PersonPeriodFigure.objects.filter(figure_set_id=figure_set_id).delete()
        PersonDays.objects.filter(figure_set_id=figure_set_id).delete()
        _write(PersonPeriodFigure, PERSON_COLUMNS, people)
        _write(PersonDays, DAYS_COLUMNS, day_rows)
        FigureSet.objects.filter(pk=figure_set_id).update(
            computed_generation=generation, policy_stamp=stamp, computed_at=timezone.now(), compute_seconds=seconds,
            error=error, unit=result.unit if result is not None else "",
            notes=list(result.notes) if result is not None else [],
            overall=_jsonable(result.organisation) if result is not None else {},
            tables=_pack({name: getattr(result, name) for name in TABLES}) if result is not None else b"")
    return 1


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


PERSON_COLUMNS = ("figure_set_id", "staff_id", "staff_code", "team", "home_site", "period_start", "period_end",
                  *ROW_FIELDS)
DAYS_COLUMNS = ("figure_set_id", "staff_id", "staff_code", "days")


def _write(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows in bulk: PostgreSQL's COPY (one stream), elsewhere `bulk_create` in batches."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        fields = [model._meta.get_field(c.removesuffix("_id") if c.endswith("_id") else c) for c in columns]
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) "
                                    "FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = tuple(json.dumps(v) if i in json_at else v for i, v in enumerate(row))
                    copy.write_row(row)
        return
    model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=BATCH)


def _person_rows(set_id: int, result: Any, staff_pk: dict[str, int]) -> list[tuple[Any, ...]]:
    cols = result.people.to_pydict()
    n = result.people.num_rows
    missing: list[None] = [None] * n
    values = [cols.get(f, missing) for f in ROW_FIELDS]
    return [(set_id, staff_pk[sid], sid, cols["team"][i], cols["home_site"][i], cols["period_start"][i],
             cols["period_end"][i], *(v[i] for v in values)) for i, sid in enumerate(cols["staff_id"])]


def _day_rows(set_id: int, days: pa.Table, staff_pk: dict[str, int]) -> list[tuple[Any, ...]]:
    by_person: dict[str, list[list[Any]]] = {}
    if days.num_rows:
        cols = days.to_pydict()
        for i, sid in enumerate(cols["staff_id"]):
            by_person.setdefault(sid, []).append(
                [cols["date"][i].isoformat(), cols["status"][i], cols["reason"][i], cols["hours"][i],
                 cols["purpose"][i], cols["policy_version"][i]])
    return [(set_id, staff_pk[sid], sid, rows) for sid, rows in by_person.items()]


# -- reading ------------------------------------------------------------------------------------------------

def lookup(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date) -> FigureSet | None:
    """The current stored set of `policy` over [start, end], or None (then the page computes directly). A
    storable range asked for the first time gets its set made here and a recompute queued after the
    request commits; nothing is computed in the request."""
    if not ENABLED or not is_storable(start, end):
        return None
    figure_set = FigureSet.objects.filter(policy=policy, date_from=start, date_to=end).defer("tables").first()
    if figure_set is None:
        _make(organisation, policy, start, end)
        return None
    if not figure_set.current or figure_set.policy_stamp != policy_stamp(policy):
        return None
    return figure_set


def _make(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date) -> None:
    try:
        with transaction.atomic():
            FigureSet.objects.create(organisation=organisation, policy=policy, date_from=start, date_to=end)
    except IntegrityError:  # made by another request at the same moment
        return
    keep = list(FigureSet.objects.filter(organisation=organisation).order_by("-requested_at")
                .values_list("pk", flat=True)[MAX_SETS:])
    if keep:
        FigureSet.objects.filter(pk__in=keep).delete()
    transaction.on_commit(lambda: _queue(organisation.pk))


def ensure(organisation: Organisation, ranges: Sequence[tuple[dt.date, dt.date]],
           policies: Iterable[AttendancePolicy] | None = None) -> list[FigureSet]:
    """Make (if need be) the sets of every policy over each range, and compute those out of date, here and
    now (for the command line, the demo and the benches; the pages queue a job instead)."""
    out = []
    for policy in policies if policies is not None else organisation.policies.all():
        for start, end in ranges:
            figure_set, _ = FigureSet.objects.get_or_create(organisation=organisation, policy=policy,
                                                            date_from=start, date_to=end)
            out.append(figure_set)
    recompute(organisation, sets=out)
    return out


def _row(values: dict[str, Any], unit: str) -> dict[str, Any]:
    row = {"staff_id": values["staff_code"], "team": values["team"], "home_site": values["home_site"],
           "period_start": values["period_start"], "period_end": values["period_end"],
           **{f: values[f] for f in ROW_FIELDS}}
    if unit == "days":
        for h in HOURS:
            del row[h]
    return row


_ROW_VALUES = ("staff_code", "team", "home_site", "period_start", "period_end", *ROW_FIELDS)


def person_rows(figure_set: FigureSet, staff_ids: Sequence[str] | None = None,
                only_below: bool = False) -> list[dict[str, Any]]:
    """The engine's person rows as stored (all, the given people's, or those below their target)."""
    qs = PersonPeriodFigure.objects.filter(figure_set=figure_set)
    if staff_ids is not None:
        qs = qs.filter(staff_code__in=list(staff_ids))
    if only_below:
        qs = qs.filter(target_met=False)
    rows = [_row(v, figure_set.unit) for v in qs.values(*_ROW_VALUES)]
    rows.sort(key=lambda r: (r["staff_id"], r["period_start"], r["period_end"]))
    return rows


def days(figure_set: FigureSet, staff_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The engine's `explain` rows as stored, for the given people, in (person, date) order."""
    out = []
    for code, stored in sorted(PersonDays.objects.filter(figure_set=figure_set, staff_code__in=list(staff_ids))
                               .values_list("staff_code", "days")):
        for d in stored:
            out.append({"staff_id": code, "date": dt.date.fromisoformat(d[0]),
                        **{k: v for k, v in zip(DAY_KEYS[1:], d[1:], strict=True)}})
    return out


def together(figure_set: FigureSet, staff_ids: Sequence[str]) -> dict[str, Any]:
    """The engine's organisation row for the given people alone (the team page's figure for a manager's
    reports), summed the engine's way: each day of the range once."""
    policy = figure_set.policy.parsed()
    start, end = figure_set.date_from, figure_set.date_to
    rolling = any(v.period == "rolling_weeks" for _s, _e, v in policy.segments(start, end))
    keys = (*COUNTS, *HOURS)
    tot: dict[str, Any] = dict.fromkeys(keys, 0)
    people: set[str] = set()
    if not rolling:  # calendar periods partition the range: the person rows add up to it
        for r in person_rows(figure_set, staff_ids):
            people.add(r["staff_id"])
            for k in keys:
                tot[k] += r.get(k) or 0
    else:  # rolling windows overlap: count the range's days from the stored explanation
        hpd = {s: float(h) for s, h in StaffMember.objects.filter(
            organisation_id=figure_set.organisation_id, staff_id__in=list(staff_ids))
            .values_list("staff_id", "hours_per_day")}
        per: dict[str, dict[str, Any]] = {}
        for d in days(figure_set, staff_ids):
            if not start <= d["date"] <= end:
                continue
            c = per.setdefault(d["staff_id"], dict.fromkeys(keys, 0))
            c["working_days"] += 1
            status = d["status"]
            if status == "excluded":
                c["excluded_days"] += 1
            elif status == "attended":
                c["attended_days"] += 1
                c["attended_hours"] += d["hours"] or 0
            elif status == "credited":
                c["credited_days"] += 1
        for sid in person_rows_ids(figure_set, staff_ids):
            c = per.get(sid, dict.fromkeys(keys, 0))
            h = hpd.get(sid, 0.0)
            c["required_days"] = c["working_days"] - c["excluded_days"]
            c["required_hours"] = c["required_days"] * h
            c["excluded_hours"] = c["excluded_days"] * h
            c["credited_hours"] = c["credited_days"] * h
            people.add(sid)
            for k in keys:
                tot[k] += c[k] or 0  # as the engine sums: a total of nothing but 0.0 is 0
    v = policy.version_on(end)
    if v.unit == "hours":
        pct = (100.0 * (tot["attended_hours"] + tot["credited_hours"]) / tot["required_hours"]
               if tot["required_hours"] else None)
    else:
        pct = (100.0 * (tot["attended_days"] + tot["credited_days"]) / tot["required_days"]
               if tot["required_days"] else None)
    for k in COUNTS:
        tot[k] = int(tot[k])
    if figure_set.unit == "days":
        for hk in HOURS:
            del tot[hk]
    return {"percent": pct, "target_percent": v.target_percent, "target_of": v.target_of,
            "target_met": None if pct is None or v.target_of != "organisation" else pct >= v.target_percent - 1e-9,
            "people": len(people), **tot}


def person_rows_ids(figure_set: FigureSet, staff_ids: Sequence[str]) -> list[str]:
    """Who among `staff_ids` has a row in the set (the people the engine counted)."""
    return sorted(set(PersonPeriodFigure.objects.filter(figure_set=figure_set, staff_code__in=list(staff_ids))
                      .values_list("staff_code", flat=True)))


@dataclass
class StoredResult:
    """What the pages read of the engine's `Result`, from a stored set. For a subset of people (a team),
    the organisation row is theirs alone; the per-group tables exist for the whole organisation only."""

    figure_set: FigureSet
    staff_ids: Sequence[str] | None = None
    _tables: dict[str, pa.Table] | None = field(default=None, repr=False)

    @property
    def unit(self) -> str:
        return self.figure_set.unit

    @property
    def notes(self) -> list[str]:
        return list(self.figure_set.notes)

    @property
    def start(self) -> dt.date:
        return self.figure_set.date_from

    @property
    def end(self) -> dt.date:
        return self.figure_set.date_to

    @property
    def organisation(self) -> dict[str, Any]:
        if self.staff_ids is not None:
            return together(self.figure_set, self.staff_ids)
        return dict(self.figure_set.overall)

    def _table(self, name: str) -> pa.Table:
        if self.staff_ids is not None:
            raise AttributeError(f"a stored result for some people has no {name} table")
        if self._tables is None:
            blob = FigureSet.objects.filter(pk=self.figure_set.pk).values_list("tables", flat=True).get()
            self._tables = _unpack(blob)
        return self._tables[name]

    @property
    def sites(self) -> pa.Table:
        return self._table("sites")

    @property
    def teams(self) -> pa.Table:
        return self._table("teams")

    @property
    def organisation_periods(self) -> pa.Table:
        return self._table("organisation_periods")

    @property
    def site_weekly(self) -> pa.Table:
        return self._table("site_weekly")

    @property
    def purposes(self) -> pa.Table:
        return self._table("purposes")


class BelowTarget:
    """The person rows below their own target, read a page at a time (Django's Paginator slices it)."""

    def __init__(self, figure_set: FigureSet, names: dict[str, Any] | None = None,
                 home_site: str | None = None) -> None:
        qs = PersonPeriodFigure.objects.filter(figure_set=figure_set, target_met=False)
        if home_site is not None:
            qs = qs.filter(staff__home_site__code=home_site)
        self.qs = qs.order_by("staff_code", "period_start", "period_end")
        self.figure_set = figure_set
        self.names = names
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.qs.count()
        return self._count

    def count(self) -> int:
        return len(self)

    def _rows(self, values: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = [_row(v, self.figure_set.unit) for v in values]
        codes = [r["staff_id"] for r in rows]
        names = self.names
        if names is None:
            staff = StaffMember.objects.filter(organisation_id=self.figure_set.organisation_id)
            if len(set(codes)) <= 1000:  # a page; the whole list (CSV) reads everyone once
                staff = staff.filter(staff_id__in=codes)
            names = {s.staff_id: s for s in staff}
            if len(set(codes)) > 1000:
                self.names = names
        return [{**r, "staff": names.get(r["staff_id"])} for r in rows]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._rows(self.qs.values(*_ROW_VALUES)[index])
        rows = self._rows(self.qs.values(*_ROW_VALUES)[index:index + 1])
        if not rows:
            raise IndexError(index)
        return rows[0]

    def __iter__(self) -> Any:
        return iter(self[0:len(self)])
