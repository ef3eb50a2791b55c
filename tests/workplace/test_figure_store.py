"""The stored person-period figures (workplace/figure_store.py) are the engine's, for every policy shape.

Each policy shape of docs/policy.md runs on the generated organisation of test_policy_shapes.py (imported
through HR's imports). Its figures are stored (one engine run for everyone) and then read by the pages'
functions; the same functions with `direct=True` run the engine per request as before the store. Both must
agree: every aggregate table, every person row, the team page's figure for a group of reports, and the
explanation of each day for a person, exactly (hours to 1e-9). A change to the ledger, an adjustment or the
policy makes the stored set out of date at once, and the pages then compute directly; the recompute is
idempotent, and two processes recomputing at once against PostgreSQL leave the same rows, once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from tests.workplace.test_policy_shapes import SHAPES, _toml, files, generate

from mandate.policy import explain
from mandate.workplace import figure_store
from mandate.workplace.figures import compare_for, compute_for, dataset_for, explain_for, reach_back
from mandate.workplace.importers import import_file
from mandate.workplace.models import (
    Adjustment,
    AttendancePolicy,
    FigureSet,
    Organisation,
    PersonDays,
    PersonPeriodFigure,
    StaffMember,
)
from mandate.workplace.organisation_import import import_organisation_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 31)  # two whole months: storable


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return generate()


def _load(generated: dict[str, Any]) -> Organisation:
    org = Organisation.objects.create(code="gen", name="Generated Statistics")
    for kind, name, data in files(generated):
        service = import_organisation_file if kind in ("sites", "teams", "staff") else import_file
        service(org, kind, name, data, "test")
    return org


@pytest.fixture
def loaded(db, generated):  # type: ignore[no-untyped-def]
    return _load(generated)


def _same(a: Any, b: Any, where: str) -> None:
    """Equal, floats to 1e-9 (DuckDB's parallel sums of hours differ in the last digit from one run to the
    next, stored or not), everything else exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), (where, sorted(set(a) ^ set(b)))
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (where, a, b)
    else:
        assert a == b and type(a) is type(b), (where, a, b)


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_stored_figures_are_the_engines_for_every_policy_shape(loaded, name) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml(name, SHAPES[name]))
    [figure_set] = figure_store.ensure(loaded, [(START, END)], [policy])
    figure_set.refresh_from_db()
    assert figure_set.current and not figure_set.error

    stored, direct = compute_for(loaded, policy, START, END), compute_for(loaded, policy, START, END, direct=True)
    assert stored.stored and not direct.stored
    for table in ("sites", "teams", "organisation_periods", "site_weekly", "purposes"):
        _same(getattr(stored.result, table).to_pylist(), getattr(direct.result, table).to_pylist(), table)
    _same(stored.result.organisation, direct.result.organisation, "organisation")
    assert (stored.result.notes, stored.result.unit) == (direct.result.notes, direct.result.unit)
    _same(stored.people, direct.people, "people")
    assert len(stored.people) > 30
    below_direct = [{k: v for k, v in r.items() if k != "staff"} for r in direct.below_target()]
    _same([{k: v for k, v in r.items() if k != "staff"} for r in stored.below_target()], below_direct, "below")

    # the explanation of each day: everyone's, from the one stored run, against the engine asked per person
    # (the person page's own call) for a few, and against one direct run for everyone
    ids = list(StaffMember.objects.filter(organisation=loaded).order_by("staff_id").values_list("staff_id", flat=True))
    first = reach_back(policy, START, END)
    everyone = explain(dataset_for(loaded, first, END), policy.parsed(), first, END, ids).to_pylist()
    assert figure_store.days(figure_set, ids) == everyone
    ended = next(p for p in generated_people(loaded) if p.end_date)
    for staff_id in (ids[0], ids[7], ended.staff_id):
        assert explain_for(loaded, policy, START, END, staff_id) == \
            explain_for(loaded, policy, START, END, staff_id, direct=True), staff_id
        one, one_direct = (compute_for(loaded, policy, START, END, [staff_id], site_weekly=False, direct=d)
                           for d in (False, True))
        _same(one.people, one_direct.people, staff_id)
        assert one.result.notes == one_direct.result.notes

    # the team page's figure for a manager's reports: summed from the stored rows, the engine's way
    for reports in (ids[:9], ids[3::4], [ended.staff_id, ids[1]]):
        mine = compute_for(loaded, policy, START, END, reports, site_weekly=False)
        theirs = compute_for(loaded, policy, START, END, reports, site_weekly=False, direct=True)
        assert mine.stored
        _same(mine.result.organisation, theirs.result.organisation, f"{name} together")
        _same(mine.people, theirs.people, f"{name} reports")


def generated_people(org: Organisation) -> list[StaffMember]:
    return list(StaffMember.objects.filter(organisation=org).order_by("staff_id"))


def _current(figure_set: FigureSet) -> bool:
    figure_set.refresh_from_db()
    return figure_set.current


def test_a_change_to_the_ledger_adjustments_or_policy_makes_the_pages_compute_directly(loaded) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("p", SHAPES["individual, days, month"]))
    [figure_set] = figure_store.ensure(loaded, [(START, END)], [policy])
    staff = StaffMember.objects.get(organisation=loaded, staff_id="G001")
    before = compute_for(loaded, policy, START, END, ["G001"])
    assert before.stored

    # an adjustment: out of date at once, the page's figure is the new one, from the engine
    Adjustment.objects.create(staff=staff, exempt=False, expected_percent=10, date_from=START, route="adjustment",
                              approved_by="HR", review_date=END)
    assert not _current(figure_set)
    after = compute_for(loaded, policy, START, END, ["G001"])
    assert not after.stored
    assert {r["target_percent"] for r in after.people} == {10.0} != {r["target_percent"] for r in before.people}
    assert figure_store.recompute(loaded) == 1 and _current(figure_set)
    assert compute_for(loaded, policy, START, END, ["G001"]).people == after.people

    # the ledger: an import of new swipes
    badge = b"staff_id,site_code,timestamp\nG001,newport,2026-11-03T09:00:00+00:00\nG001,newport,2026-12-01T09:00:00+00:00\n"
    import_file(loaded, "badge", "more.csv", badge, "test")
    assert not _current(figure_set) and not compute_for(loaded, policy, START, END).stored
    figure_store.recompute(loaded)
    assert compute_for(loaded, policy, START, END).people == compute_for(loaded, policy, START, END, direct=True).people

    # the same file again writes nothing and changes nothing: the set stays current
    import_file(loaded, "badge", "more.csv", badge, "test")
    assert _current(figure_set)

    # the policy: edited, its figures are out of date; the rows are recomputed under the new text
    policy.toml = policy.toml.replace("target_percent = 40", "target_percent = 55")
    policy.save()
    assert not _current(figure_set) and not compute_for(loaded, policy, START, END).stored
    figure_store.recompute(loaded)
    figure_set.refresh_from_db()
    assert figure_set.policy_stamp == figure_store.policy_stamp(policy)
    assert {r["target_percent"] for r in compute_for(loaded, policy, START, END).people} >= {55.0}


def test_only_whole_months_are_stored_and_a_page_asks_for_its_set(loaded) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("p", SHAPES["team, days, week"]))
    assert figure_store.is_storable(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert figure_store.is_storable(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert not figure_store.is_storable(dt.date(2026, 2, 1), dt.date(2026, 2, 27))
    assert not figure_store.is_storable(dt.date(2026, 2, 2), dt.date(2026, 2, 28))
    assert not figure_store.is_storable(dt.date(2025, 1, 1), dt.date(2026, 1, 31))  # 13 months
    compute_for(loaded, policy, dt.date(2026, 11, 2), END)
    assert not FigureSet.objects.exists()
    figures = compute_for(loaded, policy, START, END)  # computed directly; the set is made, not yet computed
    assert not figures.stored
    [made] = FigureSet.objects.all()
    assert (made.date_from, made.date_to, made.current) == (START, END, False)
    figure_store.recompute(loaded)
    assert compute_for(loaded, policy, START, END).stored


def test_recomputing_twice_gives_the_same_rows_once(loaded) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("p", SHAPES["team, hours, rolling 2 weeks"]))
    [figure_set] = figure_store.ensure(loaded, [(START, END)], [policy])
    rows = list(PersonPeriodFigure.objects.filter(figure_set=figure_set).order_by("staff_code", "period_start")
                .values_list("staff_code", "period_start", "attended_hours", "percent"))
    days = PersonDays.objects.filter(figure_set=figure_set).count()
    assert figure_store.recompute(loaded) == 0  # current: nothing to do
    FigureSet.objects.filter(pk=figure_set.pk).update(generation=figure_set.generation + 1)
    assert figure_store.recompute(loaded) == 1
    assert figure_store.compute_set(figure_set.pk) == 0
    again = list(PersonPeriodFigure.objects.filter(figure_set=figure_set).order_by("staff_code", "period_start")
                 .values_list("staff_code", "period_start", "attended_hours", "percent"))
    _same([list(r) for r in again], [list(r) for r in rows], "rows")  # hours: the engine's sums to 1e-9
    assert PersonDays.objects.filter(figure_set=figure_set).count() == days


def test_two_policies_compared_from_their_stored_sets(loaded) -> None:  # type: ignore[no-untyped-def]
    a = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("a", SHAPES["individual, days, month"]))
    b = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("b", SHAPES["site, days, month"]))
    figure_store.ensure(loaded, [(START, END)])
    fa, fb = compare_for(loaded, a, b, START, END)
    da, db_ = compare_for(loaded, a, b, START, END, direct=True)
    assert fa.stored and fb.stored
    for mine, theirs in ((fa, da), (fb, db_)):
        assert mine.result.sites.to_pylist() == theirs.result.sites.to_pylist()
        assert mine.result.teams.to_pylist() == theirs.result.teams.to_pylist()
        assert mine.result.organisation == theirs.result.organisation


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def test_every_page_is_the_same_read_from_rows_as_computed(client, make_user, loaded) -> None:  # type: ignore[no-untyped-def]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("p", SHAPES["individual, days, month"]),
                                             is_default=True)
    people = generated_people(loaded)
    manager = people[0]
    for p in people[1:6]:
        p.line_manager = manager
        p.save()
    manager.user = make_user("line_manager", scope="gen", username="manager")
    manager.save()
    me = people[2]
    me.user = make_user("staff_member", scope="gen", username="me")
    me.save()
    hr = make_user("hr_admin", scope="gen", username="hr")
    query = f"date_from={START}&date_to={END}&policy={policy.pk}"
    pages = [("me", "/workplace/me/", ""), ("me", "/workplace/me/attendance.csv", ""),
             ("manager", "/workplace/team/", ""), ("hr", f"/workplace/people/{me.staff_id}/", ""),
             ("hr", "/workplace/organisation/", ""), ("hr", "/workplace/organisation/", "&below_page=2"),
             ("hr", "/workplace/organisation/export.csv", "&table=below"),
             ("hr", "/workplace/organisation/export.csv", "&table=teams"), ("hr", "/workplace/sites/newport/", "")]
    users = {"me": me.user, "manager": manager.user, "hr": hr}

    def read() -> list[str]:
        out = []
        for who, path, extra in pages:
            client.force_login(users[who])
            response = client.get(f"{path}?{query}{extra}")
            assert response.status_code == 200, (path, extra, response.status_code)
            out.append(TOKEN.sub("", response.content.decode()))
        return out

    direct = read()  # no current set yet: each page computes
    assert FigureSet.objects.count() == 1 and not FigureSet.objects.get().current
    figure_store.recompute(loaded)
    assert FigureSet.objects.get().current
    stored = read()
    for (who, path, extra), a, b in zip(pages, direct, stored, strict=True):
        assert a == b, (who, path, extra)
    assert "Required, not attended" in stored[0] and "G002" in stored[1]
    assert stored[6].count("\n") > 10  # the below-target list, whole


@pytest.mark.django_db(transaction=True)
def test_two_processes_recomputing_at_once_leave_the_same_rows_once(generated, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("two processes share the database on PostgreSQL (set DATABASE_URL)")
    org = _load(generated)
    policy = AttendancePolicy.objects.create(organisation=org, toml=_toml("p", SHAPES["team, hours, rolling 2 weeks"]))
    [figure_set] = figure_store.ensure(org, [(START, END)], [policy])
    key = ("staff_code", "period_start", "period_end", "attended_hours", "percent", "target_met")
    once = sorted(PersonPeriodFigure.objects.filter(figure_set=figure_set).values_list(*key))
    days = sorted(PersonDays.objects.filter(figure_set=figure_set).values_list("staff_code", "days"))
    s = connection.settings_dict
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
    script = ("from mandate.cli.django_setup import setup_django; setup_django(); "
              "from mandate.workplace import figure_store; import sys; "
              f"print(figure_store.compute_set({figure_set.pk}))")
    for trial in range(2):
        FigureSet.objects.filter(pk=figure_set.pk).update(generation=figure_set.generation + 1 + trial)
        procs = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [e[-1500:] for _, e in results]
        assert sorted(out.strip() for out, _ in results) in (["0", "1"], ["1", "1"])
        now = sorted(PersonPeriodFigure.objects.filter(figure_set=figure_set).values_list(*key))
        _same([list(r) for r in now], [list(r) for r in once], f"trial {trial}")
        assert sorted(PersonDays.objects.filter(figure_set=figure_set).values_list("staff_code", "days")) == days
        assert _current(figure_set)


def test_a_change_queues_the_recompute_as_a_job_and_a_page_asks_for_its_set(  # type: ignore[no-untyped-def]
        client, make_user, loaded, django_capture_on_commit_callbacks) -> None:
    from mandate.platform.models import Job

    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml("p", SHAPES["individual, days, month"]),
                                             is_default=True)
    client.force_login(make_user("hr_admin", scope="gen", username="hr"))
    query = f"?date_from={START}&date_to={END}&policy={policy.pk}"
    with django_capture_on_commit_callbacks(execute=True):  # the page makes its set; the job (here run at
        assert client.get("/workplace/organisation/" + query).status_code == 200  # once) computes it
    [figure_set] = FigureSet.objects.all()
    assert _current(figure_set)
    [job] = Job.objects.filter(kind=figure_store.JOB_KIND)
    assert job.status == "succeeded" and job.arguments == {"organisation_id": loaded.pk}

    staff = StaffMember.objects.get(organisation=loaded, staff_id="G004")
    with django_capture_on_commit_callbacks(execute=True):
        Adjustment.objects.create(staff=staff, exempt=True, date_from=START, route="adjustment", approved_by="HR",
                                  review_date=END)
        assert not _current(figure_set)  # at once, before the commit
    assert _current(figure_set) and Job.objects.filter(kind=figure_store.JOB_KIND, status="succeeded").count() == 2
    _same(compute_for(loaded, policy, START, END, ["G004"]).people,
          compute_for(loaded, policy, START, END, ["G004"], direct=True).people, "after the job")
