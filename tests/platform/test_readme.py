"""The README's examples are real: its policy files parse, its ballot result assesses as it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_policy_examples_parse() -> None:
    from mandate.policy import loads_policy

    examples = blocks("toml")
    assert len(examples) >= 2
    targets = {loads_policy(text).versions[0].target_of for text in examples}
    assert targets == {"person", "organisation"}


def test_law_example_assesses_as_the_readme_says() -> None:
    from mandate.law import assess, facts_from_dict

    (example,) = [b for b in blocks("json") if '"opened"' in b]
    result = assess(facts_from_dict(json.loads(example))).as_dict()
    assert result["regime"] == "TUA16"
    assert result["mandate"] == {"last_day": "2025-09-30", "review": False}
    assert "30 September 2025" in README and "71.04%" in README
    assert round(result["units"][0]["turnout"] * 100, 2) == 71.04


def test_quickstart_has_exactly_the_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^python3 dev.py (\w+)", quickstart, flags=re.M)
    assert commands == ["start", "test"]
