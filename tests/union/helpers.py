"""Test data builders for the union wing: registers and bureau returns as CSV text, seeded."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from typing import Any

HEADER = ["membership_number", "name", "personal_email", "mobile", "home_address", "employer", "workplace",
          "job_category", "overseas", "join_date"]


def register_csv(counts: dict[str, int], employer: str = "ons", seed: int = 1, start: int = 100) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    n = start
    for workplace, count in counts.items():
        for _ in range(count):
            n += 1
            w.writerow([f"P{n:06d}", f"Member {n}", f"member{n}@example.org", f"07700 9{n:05d}",
                        f"{n} Station Road, Newport NP10 {n % 9}XX", employer, workplace,
                        rng.choice(["Statistician", "Research officer", "Administrative officer"]),
                        "no", (date(2015, 1, 1) + timedelta(days=rng.randrange(3000))).isoformat()])
    return out.getvalue()


def returns_csv(papers: dict[int, float], opening: date, closing: date, seed: int = 7,
                yes_share: float = 0.8) -> tuple[str, int]:
    """papers: paper number -> chance it comes back. Returns (CSV text, number of lines)."""
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["paper_number", "received_on", "strike", "action_short_of_strike"])
    lines = 0
    days = (closing - opening).days
    for number, chance in papers.items():
        if rng.random() < chance:
            day = opening + timedelta(days=min(days, int(rng.triangular(1, days, days * 0.45))))
            w.writerow([number, day.isoformat(), "yes" if rng.random() < yes_share else "no",
                        "yes" if rng.random() < yes_share + 0.1 else "no"])
            lines += 1
    return out.getvalue(), lines


def strike_and_asos_mandates(union: Any, opening: date, closing: date) -> list[Any]:
    """Two mandates entered by hand for the ONS at Newport, one a question, from a ballot with 60% turnout and
    two thirds Yes."""
    from mandate.union import mandates
    from mandate.union.models import Employer

    ons = Employer.objects.get(code="ons")
    return [mandates.enter_mandate(union, employer=ons, unit_name="Newport", kind=kind, opening_day=opening,
                              date_of_ballot=closing, entitled=1000, voted=600, yes=400, no=200)
            for kind in ("strike", "action_short_of_strike")]


def lifecycle_ballot(union: Any, *, members: int = 12, opening: date | None = None, closing: date | None = None,
                     code: str = "life", questions: tuple[str, ...] = ("strike", "action_short_of_strike"),
                     scrutineer_username: str = "", stage: str = "setup") -> Any:
    """A postal ballot of the ONS at Newport, dated around today (opened 10 days ago, closed 2 days ago unless
    given), taken through the real services to `stage`: setup (frozen), notices_issued (notices received on
    time), papers_issued, open, closed."""
    from mandate.union import ballots as svc
    from mandate.union import services
    from mandate.union.models import Dispute, Employer
    from mandate.union.register import import_register

    today = date.today()
    opening = opening or today - timedelta(days=10)
    closing = closing or today - timedelta(days=2)
    import_register(union, register_csv({"newport": members}, seed=3, start=5000))
    ons = Employer.objects.get(code="ons")
    dispute, _ = Dispute.objects.get_or_create(union=union, code="d", defaults={
        "title": "Attendance", "matters": "40%", "opened_on": date(2024, 4, 1)})
    b = svc.create_ballot(union, dispute, code=code, title="Ballot", opening_day=opening, closing_day=closing,
                          employers=[ons], questions={q: {} for q in questions}, scrutineer_name="Civica",
                          scrutineer_username=scrutineer_username, return_address="PO Box 1",
                          workplaces=list(ons.workplaces.filter(code="newport")))
    svc.freeze_electorate(b)
    order = ["setup", "notices_issued", "papers_issued", "open", "closed"]
    if order.index(stage) >= 1:
        services.issue_notices(b, sent_on=opening - timedelta(days=12), received_on=opening - timedelta(days=10))
    if order.index(stage) >= 2:
        services.issue_voting_papers(b)
    if order.index(stage) >= 3:
        services.open_ballot(b, today=max(today, opening))
    if order.index(stage) >= 4:
        services.close_ballot(b, today=max(today, closing + timedelta(days=1)))
    return b


def returns_text(rows: list[tuple[int, date, str, str]], header: str = "paper_number,received_on,strike,asos",
                 newline: str = "\n") -> str:
    """A bureau file of (paper, received on, strike mark, asos mark) rows."""
    lines = [header] + [f"{n},{d.isoformat()},{s},{a}" for n, d, s, a in rows]
    return newline.join(lines) + newline
