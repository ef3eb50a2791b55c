"""One home for each small thing (docs/architecture.md): no second date formatter, CLI refusal helper or
summer-time rule grows back elsewhere in the source."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "mandate"

# Being moved to the shared helpers on other branches of issue 10 (the union wing, the rulebook's command);
# an entry here only permits, so it does no harm once its file is converted.
CONVERTING = {"cli/ballot.py", "cli/law.py", "union/ballots.py", "union/views.py", "law/dates.py"}


def offenders(pattern: str, files: str, *, allowed: set[str]) -> list[str]:
    found = []
    for path in sorted(SRC.rglob(files)):
        name = str(path.relative_to(SRC))
        if name in allowed or name in CONVERTING or name.startswith("union/templates/"):
            continue
        found += [f"{name}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if re.search(pattern, line)]
    return found


def test_dates_are_formatted_by_human_date_only():
    # A month's name written out by strftime or a format spec ('%B %Y', '%-d %B'), or Django's date filter
    # with the same form: mandate.dates.human_date and the mandate_dates filter are the only formatters.
    # (The en_GB formats module lists '%d %B %Y' among the forms a date may be typed in: parsing, not display.)
    assert offenders(r"%-?d %B|%B %Y", "*.py", allowed={"dates.py", "platform/formats/en_GB/formats.py"}) == []
    assert offenders(r"""\|date:["']j F Y["']""", "*.html", allowed=set()) == []


def test_commands_refuse_through_cli_errors():
    assert offenders(r"^def _fail\b", "*.py", allowed=set()) == []


def test_summer_time_is_worked_out_once():
    # The last Sunday of a month and the changeover hour belong to policy/summer_time.py.
    assert offenders(r"weekday\(\) \+ 1\) % 7|last_sunday\(.*, (3|10)\)", "*.py",
                     allowed={"policy/summer_time.py"}) == []
