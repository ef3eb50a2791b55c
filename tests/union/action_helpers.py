"""A counted ballot for the action tests: through freezing, notices, papers, returns and the count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.union.helpers import register_csv


def counted_ballot(union: Any, opening: date, closing: date) -> Any:
    """A real ballot through freezing, notices, papers, returns and the count: Newport passes, Titchfield fails."""
    from mandate.union import ballots as svc
    from mandate.union import services
    from mandate.union.models import Dispute, Employer
    from mandate.union.register import import_register

    import_register(union, register_csv({"newport": 37, "titchfield": 20}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    b = svc.create_ballot(union, dispute, code="b", title="Ballot", opening_day=opening, closing_day=closing,
                          employers=[ons], questions={"strike": {}, "action_short_of_strike": {"action_types": "Overtime ban"}},
                          scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(b)
    services.issue_notices(b, sent_on=opening - timedelta(days=14), received_on=opening - timedelta(days=12),
                           sample_received_on=opening - timedelta(days=12))
    services.issue_voting_papers(b)
    services.open_ballot(b)
    rows = ["paper_number,received_on,strike,asos"]
    for e in b.electors.filter(workplace__code="newport")[:30]:
        rows.append(f"{e.paper_number},{(closing - timedelta(days=2)).isoformat()},yes,yes")
    svc.import_returns(b, "\n".join(rows))
    services.count(b, actor="scrutineer", today=closing + timedelta(days=1))
    return b
