"""Union wing pages. Every view is wrapped in role_required with union-side roles only.

Who sees what: officials set up ballots and see turnout (papers returned, never marks); the scrutineer records
and counts papers and writes the report, and cannot change a counted result; branch representatives see
turnout and mandates; members see results. Where a ballot names its scrutineer's account, a scrutineer sees
that ballot's pages only from that account: another scrutineer of the union is refused its page, turnout,
documents (the voting papers hold every elector's name and home address), papers, count and report.
"""

from mandate.union.views.ballots import ballot, ballot_action, ballot_new, ballots
from mandate.union.views.disputes import dashboard, dispute, disputes
from mandate.union.views.documents import document_dates, document_file, result_document
from mandate.union.views.mandates import mandate_agreement, mandate_court_order, mandates, renewal
from mandate.union.views.register import register, register_confirm, register_export, register_review
from mandate.union.views.returns import count, results, returns, scrutineer_report, turnout

__all__ = ["dashboard", "disputes", "dispute", "register", "register_confirm", "register_export", "register_review", "ballots", "ballot_new", "ballot", "ballot_action", "document_dates", "document_file", "result_document", "turnout", "returns", "count", "results", "scrutineer_report", "mandates", "renewal", "mandate_agreement", "mandate_court_order"]
