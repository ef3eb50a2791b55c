"""A ballot for the concurrent-process trials of tests/union/test_count_once.py, run in its own process
against the database the environment names (DATABASE_URL, or MANDATE_SQLITE for a SQLite file):

    python -m tests.union.count_once_scenario migrate
    python -m tests.union.count_once_scenario seed CODE DIR    # an open ballot; returns files written to DIR
    python -m tests.union.count_once_scenario verify CODE      # JSON: what was recorded and counted
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta
from pathlib import Path


def main(argv: list[str]) -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()
    if argv[0] == "migrate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return
    from mandate.union.models import Ballot, Employer, Union, Workplace

    code = argv[1]
    if argv[0] == "seed":
        from tests.union.helpers import lifecycle_ballot, returns_text

        union, made = Union.objects.get_or_create(code="pcs", defaults={"name": "PCS"})
        if made:
            ons = Employer.objects.create(union=union, code="ons", name="Office for National Statistics")
            Workplace.objects.create(employer=ons, code="newport", name="Newport")
        b = lifecycle_ballot(union, code=code, members=40, stage="open")
        rng = random.Random(code)
        numbers = sorted(b.electors.values_list("paper_number", flat=True))
        rows = [(n, b.opening_day + timedelta(days=rng.randrange(0, (b.closing_day - b.opening_day).days + 1)),
                 rng.choice(["yes", "no", "both", "blank"]), rng.choice(["yes", "no"])) for n in numbers[:30]]
        out = Path(argv[2])
        for i in range(4):  # the same rows: each file in another order, with other line endings
            shuffled = rows[:]
            rng.shuffle(shuffled)
            (out / f"returns-{i}.csv").write_text(returns_text(shuffled, newline="\r\n" if i % 2 else "\n"),
                                                  newline="")
        print(json.dumps({"papers": [r[0] for r in rows], "electors": len(numbers)}))
        return
    b = Ballot.objects.get(code=code)
    counted = list(b.returns.filter(status="counted").values_list("paper_number", flat=True))
    print(json.dumps({"counted": counted, "rows": b.returns.count(), "stage": b.stage,
                      "duplicates": b.returns.filter(status="duplicate").count(),
                      "results": [[r.unit.name, r.question.kind, r.voted] for r in
                                  b.units.first().results.select_related("unit", "question")] if b.units.exists() else []}))


if __name__ == "__main__":
    main(sys.argv[1:])
