"""One way for every `mandate` command to refuse: a message on standard error (or a JSON object on standard
output with --json) and an exit code from one convention.

Exit codes:
- 0: done;
- 1 (REFUSED): the request was understood and refused (a step out of order, a rule of law, a failed check);
- 2 (BAD_INPUT): the input could not be used (a missing or unreadable file, a malformed date or option);
  Typer's own usage errors also exit 2.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import typer

REFUSED = 1
BAD_INPUT = 2


def fail(message: str, problems: list[str] | None = None, *, as_json: bool = False, code: int = REFUSED,
         prefix: str = "mandate") -> NoReturn:
    """Refuse with `message` (and one indented line per problem) and exit with `code`."""
    if as_json:
        print(json.dumps({"error": message, "problems": problems or []}, indent=2))
    else:
        print(f"{prefix}: {message}", file=sys.stderr)
        for problem in problems or []:
            print(f"  {problem}", file=sys.stderr)
    raise typer.Exit(code)
