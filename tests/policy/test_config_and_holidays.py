from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import holidays
import pytest
from helpers import BASE

from mandate.policy import PolicyError, bank_holidays, loads_policy, parse_policy


def test_snapshot_matches_holidays_package_2024_2026():
    data = json.loads(resources.files("mandate.policy").joinpath("data/bank-holidays.json").read_text("utf-8"))
    assert set(data) == {"england-and-wales", "scotland", "northern-ireland"}
    for nation, subdiv in (("england-and-wales", "ENG"), ("scotland", "SCT")):
        assert data[nation]["division"] == nation
        mine = {dt.date.fromisoformat(e["date"]) for e in data[nation]["events"] if e["date"][:4] in ("2024", "2025", "2026")}
        ref = {d for d in holidays.UK(subdiv=subdiv, years=range(2024, 2027)) if d.weekday() < 5}
        assert mine == ref, (nation, sorted(mine ^ ref))
    for e in data["scotland"]["events"]:
        assert set(e) == {"title", "date", "notes", "bunting"}


def test_scotland_only_days():
    sco, eng = bank_holidays("scotland"), bank_holidays("england-and-wales")
    assert dt.date(2026, 1, 2) in sco and dt.date(2026, 1, 2) not in eng
    assert dt.date(2025, 12, 1) in sco  # St Andrew's Day substitute
    assert dt.date(2026, 4, 6) in eng and dt.date(2026, 4, 6) not in sco  # Easter Monday


@pytest.mark.parametrize(("change", "key"), [
    ({"tagret_percent": 40}, "tagret_percent"),
    ({"unit": "minutes"}, "unit"),
    ({"period": "fortnight"}, "period"),
    ({"period": "rolling_weeks:0"}, "period"),
    ({"target_percent": 140}, "target_percent"),
    ({"target_of": "department"}, "target_of"),
    ({"exclude": ["holiday"]}, "exclude"),
    ({"count": ["booking"]}, "count"),
    ({"credit": ["annual_leave"]}, "credit"),
    ({"sites": {"DAR": {"desks": 3, "target_percent": 20}}}, "sites.DAR"),
    ({"hours": {"single_signal": "half"}}, "hours.single_signal"),
    ({"purpose_required": True}, "purpose_required"),
])
def test_invalid_policy_names_the_key(change, key):
    with pytest.raises(PolicyError) as exc:
        parse_policy({**BASE, **change}, source="p.toml")
    assert exc.value.key == key
    assert f"key '{key}'" in str(exc.value) and "p.toml" in str(exc.value)


def test_missing_key_and_versions():
    with pytest.raises(PolicyError, match="key 'count'"):
        parse_policy({k: v for k, v in BASE.items() if k != "count"})
    text = """name = "v"
unit = "days"
period = "month"
target_of = "person"
exclude = []
count = ["badge"]
credit = []
[[versions]]
target_percent = 20
[[versions]]
effective_from = 2024-04-01
target_percent = 40
"""
    with pytest.raises(PolicyError, match="version 1.*effective_from"):
        loads_policy(text)
    ok = loads_policy(text.replace("[[versions]]\ntarget_percent = 20", "[[versions]]\neffective_from = 2024-01-01\ntarget_percent = 20"))
    assert ok.version_on(dt.date(2024, 3, 31)).target_percent == 20
    assert ok.version_on(dt.date(2024, 4, 1)).target_percent == 40


def test_every_example_in_docs_parses():
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text("utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    assert len(blocks) == 5
    shapes = {loads_policy(b).versions[-1].target_of for b in blocks}
    assert shapes == {"person", "team", "site", "organisation"}
