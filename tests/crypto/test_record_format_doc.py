"""docs/record-format.md is normative: its table of checks (section 7) is the verifier's CHECKS, number for number
and name for name, and its revision is stated with a Changes section that describes it."""

from __future__ import annotations

import re
from pathlib import Path

from mandate.crypto.verifier import CHECKS, Check

DOC = Path(__file__).resolve().parents[2] / "docs" / "record-format.md"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def test_the_table_of_checks_is_checks() -> None:
    section = _section(DOC.read_text(encoding="utf-8"), "## 7. The checks")
    rows = re.findall(r"^\| (\d+) \| `([a-z_.]+)` \|", section, flags=re.MULTILINE)
    assert rows, "no table of checks found in section 7"
    assert [(int(n), name) for n, name in rows] == [(n, name) for n, name, _title in CHECKS]
    assert [int(c) for c in Check] == list(range(1, len(rows) + 1))


def test_the_revision_is_stated_with_its_changes() -> None:
    text = DOC.read_text(encoding="utf-8")
    revision = re.search(r"\*\*Format revision (\d+)\*\*", text)
    assert revision is not None
    changes = _section(text, "## Changes")
    revisions = [int(n) for n in re.findall(r"^### Revision (\d+)", changes, flags=re.MULTILINE)]
    assert revisions and revisions[0] == int(revision.group(1)) and revisions == sorted(revisions, reverse=True)


def test_every_check_named_in_the_shape_rules_exists() -> None:
    """Section 5.1's table of keyed lists names, for each list, the check that refuses a repeated key."""
    section = _section(DOC.read_text(encoding="utf-8"), "### 5.1 Shape rules")
    cited = {int(n) for row in re.findall(r"^   \| `.*\| ([\d, ]+) \|$", section, flags=re.MULTILINE)
             for n in row.split(",")}
    assert cited and cited <= {int(c) for c in Check}
