"""`mandate action`: the rulebook's answer, the union's key, a notice as a signed package, a receipt."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.union.action_helpers import counted_ballot
from typer.testing import CliRunner

from mandate.cli import app
from mandate.platform import exchange as ex

runner = CliRunner()


def test_plan_refuses_a_late_notice_in_each_regime_and_bad_dates():
    old = runner.invoke(app, ["action", "plan", "--receipt", "2026-02-10", "--day", "2026-02-20",
                              "--ballot-date", "2026-01-10", "--last-day", "2026-07-09", "--json"])
    assert old.exit_code == 1 and json.loads(old.stdout)["refusals"][0]["code"] == "late"
    new = runner.invoke(app, ["action", "plan", "--receipt", "2026-11-21", "--day", "2026-12-01",
                              "--ballot-date", "2026-11-16", "--last-day", "2027-11-15", "--json"])
    assert new.exit_code == 0 and json.loads(new.stdout)["period_days"] == 10
    late = runner.invoke(app, ["action", "plan", "--receipt", "2026-11-22", "--day", "2026-12-01",
                               "--ballot-date", "2026-11-16", "--last-day", "2027-11-15"])
    assert late.exit_code == 1 and "would be late" in late.stderr
    bad = runner.invoke(app, ["action", "plan", "--receipt", "22/11/2026", "--day", "2026-12-01",
                              "--ballot-date", "2026-11-16", "--last-day", "2027-11-15"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr


@pytest.mark.django_db
def test_key_notice_and_receipt(union_org, tmp_path):
    from mandate.union import action as act
    from mandate.union.models import Mandate

    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    m = Mandate.objects.get(ballot=b, kind="strike")
    key = runner.invoke(app, ["action", "key", "--union", "pcs", "--json"])
    assert key.exit_code == 0
    public = json.loads(key.stdout)["public_key"]
    out = tmp_path / "notice.json"
    refused = runner.invoke(app, ["action", "notice", "--mandate", str(m.pk), "--day", "2027-11-16",
                                  "--sent-on", "2026-11-18", "--receipt", "2026-11-19", "--out", str(out)])
    assert refused.exit_code == 1 and "does not cover 16 November 2027" in refused.stderr and not out.exists()
    done = runner.invoke(app, ["action", "notice", "--mandate", str(m.pk), "--day", "2026-12-01",
                               "--sent-on", "2026-11-18", "--receipt", "2026-11-19", "--out", str(out), "--json"])
    assert done.exit_code == 0, done.stderr
    opened = ex.open_package(out.read_bytes(), {bytes.fromhex(public): "PCS"})
    assert opened.facts["days"] == ["2026-12-01"]
    hr_seed = bytes(range(32))
    act.record_employer_key(m.employer, ex.public_key(hr_seed).hex())
    ack = tmp_path / "ack.json"
    ack.write_bytes(ex.make_receipt(package_sha256=opened.digest, received_on=date(2026, 11, 19), recipient="ONS",
                                    seed=hr_seed))
    first = runner.invoke(app, ["action", "receipt", "--union", "pcs", str(ack)])
    assert first.exit_code == 0 and "2026-11-19" in first.stdout
    again = runner.invoke(app, ["action", "receipt", "--union", "pcs", str(ack)])
    assert again.exit_code == 1 and "replay" in again.stderr
    missing = runner.invoke(app, ["action", "receipt", "--union", "pcs", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
