"""The address sheets of a ballot's voting papers: one sheet a paper, with the member's name and home address
(s.230(2)) and the number of the enclosed paper. The papers themselves carry no name, so the sheets are the
only document of a print run that identifies members: the union's officials and the ballot's appointed
scrutineer may open them, nobody else, and every opening is in the audit log.

A view module of its own so that it stays apart from the union's main views while they are reorganised; the
rule is the one ``document_file`` applies to the voting papers.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from mandate.platform.audit import record
from mandate.platform.roles import has_role, role_required
from mandate.union import documents as docs
from mandate.union.access import union_for
from mandate.union.models import Ballot


@role_required("union_official", "scrutineer")
def address_sheets_file(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk, union=union_for(request))
    appointed = has_role(request.user, "scrutineer") and (
        not ballot.scrutineer_username or request.user.get_username() == ballot.scrutineer_username)
    if not (has_role(request.user, "union_official") or appointed):
        raise Http404("not available")
    wanted = request.GET.get("document", "")
    if wanted and not wanted.isdigit():
        raise Http404("No such address sheets.")
    document = docs.address_sheets(ballot, int(wanted) if wanted else None)
    if document is None:
        raise Http404("The voting papers have not been produced yet.")
    record(request.user, "document.viewed", "Document", document.pk, kind=document.kind, format="pdf")
    response = HttpResponse(bytes(document.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="address-sheets-{document.pk}.pdf"'
    return response
