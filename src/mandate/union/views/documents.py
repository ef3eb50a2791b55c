"""A ballot's documents: their dates, and opening them (every opening in the audit log)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from mandate.platform.audit import record
from mandate.platform.models import Document
from mandate.platform.roles import UNION_ROLES, has_role, role_required
from mandate.union import services
from mandate.union.forms import (
    DocumentDatesForm,
)
from mandate.union.views._common import (
    OFFICIAL,
    STAFF,
    _appointed,
    _ballot,
    _refusals_as_messages,
    _staff_ballot,
    _valid,
)

# What every member may read of a counted ballot: the result the union must tell them (s.231) and the
# scrutineer's report, of which anyone entitled to vote may have a copy (s.231B(2)). Not the notice to the
# employer (s.231A), nor the notices and papers of the running of the ballot.
MEMBERS_DOCUMENT_KINDS = ("s231-result", "s231b-report")


@role_required(*OFFICIAL)
@require_POST
def document_dates(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    b = _ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk))
    with _refusals_as_messages(request):
        d = _valid(DocumentDatesForm(request.POST))
        warning = services.record_document_dates(b, document, sent_on=d["sent_on"], received_on=d["received_on"],
                                                 actor=request.user)
        if warning:
            messages.warning(request, warning)
    return redirect("union:ballot", pk=b.pk)


@role_required(*STAFF)
def document_file(request: HttpRequest, pk: int, doc: int, fmt: str) -> HttpResponse:
    b = _staff_ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk))
    if document.kind == "voting-papers" and not (has_role(request.user, *OFFICIAL) or _appointed(request, b)):
        raise Http404("not available")
    return _document_response(request, document, fmt)


@role_required(*UNION_ROLES)
def result_document(request: HttpRequest, pk: int, doc: int, fmt: str) -> HttpResponse:
    b = _ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk),
                                 kind__in=MEMBERS_DOCUMENT_KINDS)
    return _document_response(request, document, fmt)


def _document_response(request: HttpRequest, document: Document, fmt: str) -> HttpResponse:
    record(request.user, "document.viewed", "Document", document.pk, kind=document.kind, format=fmt)
    if fmt == "pdf":
        response = HttpResponse(bytes(document.pdf or b""), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.pk}.pdf"'
        return response
    return HttpResponse(document.html, content_type="text/html; charset=utf-8")
