"""The membership register: the members list (search, pages, those marked left apart), import, the review
before members missing from a file are marked as left, and the CSV export of what the list shows."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.platform import jobs
from mandate.platform.audit import record
from mandate.platform.models import Job
from mandate.platform.roles import role_required
from mandate.union import register_list
from mandate.union import tasks as union_tasks
from mandate.union.access import union_for
from mandate.union.forms import RegisterForm, RegisterSearchForm
from mandate.union.models import Member
from mandate.union.views._common import OFFICIAL


def _filters(request: HttpRequest) -> dict[str, Any]:
    form = RegisterSearchForm(request.GET)
    form.is_valid()  # a bad value falls back to its default, never an error page
    data = form.cleaned_data
    return {"q": register_list.clean_query(data.get("q") or ""), "status": data.get("status") or "current",
            "per": int(data.get("per") or register_list.PAGE_SIZES[0]), "form": form}


def _query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


@role_required(*OFFICIAL)
def register(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = RegisterForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        # checked and imported (or reviewed) by a background job: its page shows the progress, then the
        # summary, the review, or the refusal with every line named
        job = union_tasks.start_register_import(union, form.cleaned_data["file"], actor=request.user,
                                                review=bool(form.cleaned_data["mark_missing_left"]))
        return redirect("job", pk=job.pk)
    f = _filters(request)
    listed = register_list.members(union, query=f["q"], status=f["status"])
    page = Paginator(listed, f["per"]).get_page(request.GET.get("page"))
    register_list.record_read(request.user, union, query=f["q"], status=f["status"], page=page.number,
                              shown=list(page.object_list))
    keep = {"q": f["q"], "status": f["status"] if f["status"] != "current" else "",
            "per": f["per"] if f["per"] != register_list.PAGE_SIZES[0] else ""}
    counts = {"current": Member.objects.filter(union=union, left_on__isnull=True).count(),
              "left": Member.objects.filter(union=union, left_on__isnull=False).count()}
    counts["all"] = counts["current"] + counts["left"]
    tabs = [{"status": s, "label": label, "count": counts[s], "selected": s == f["status"],
             "query": _query_string(q=f["q"], status=s if s != "current" else "", per=keep["per"])}
            for s, label in register_list.STATUSES.items()]
    return render(request, "union/register.html", {
        "form": form, "errors": errors, "total": counts["current"], "left_total": counts["left"],
        "search": f["form"], "q": f["q"], "status": f["status"], "status_label": register_list.STATUSES[f["status"]],
        "page": page, "tabs": tabs, "keep": _query_string(**keep), "export_query": _query_string(q=f["q"],
                                                                                            status=f["status"]),
        "page_sizes": register_list.PAGE_SIZES, "many_employers": union.employers.count() > 1},
        status=400 if errors or (request.method == "POST" and form.errors) else 200)


def _review_job(request: HttpRequest, pk: Any) -> tuple[Job, dict[str, Any]]:
    """The review job (its result: what the import would do), for the official who asked; else 404."""
    job = Job.objects.filter(pk=pk, kind="register-review", status="succeeded").first()
    if job is None or not jobs.may_see(job, request.user):
        raise Http404("No such review.")
    content = Job.objects.values_list("result_file", flat=True).get(pk=job.pk)
    return job, json.loads(bytes(content or b"{}"))


@role_required(*OFFICIAL)
def register_review(request: HttpRequest, pk: Any) -> HttpResponse:
    """The page that says how many members, and who, the import would mark as left, with the button that
    confirms it; nothing has changed yet."""
    union = union_for(request)
    job, data = _review_job(request, pk)
    members = Member.objects.filter(union=union).select_related("workplace").order_by("name", "membership_number")
    would_leave, would_return = list(members.filter(pk__in=data["leave"])), list(members.filter(pk__in=data["back"]))
    record(request.user, "register.review_read", "Union", union.code,
           members=[m.membership_number for m in would_leave + would_return])
    confirmed = Job.objects.filter(kind="register-import", arguments__review_job=str(job.pk)).first()
    response = render(request, "union/register_review.html", {
        "review": {"token": str(job.pk), "would_return": would_return}, "report": data, "would_leave": would_leave,
        "today": date.today(), "confirmed": confirmed})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*OFFICIAL)
@require_POST
def register_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm a reviewed import that marks members missing from the file as left: once (a job). A second
    confirmation of the same review (a double click, the back button) changes nothing and says so."""
    union = union_for(request)
    try:
        review, _ = _review_job(request, uuid.UUID(str(request.POST.get("token", ""))[:64]))
    except (ValueError, Http404):
        messages.error(request, "That review is no longer open: upload the file again to review it.")
        return redirect("union:register")
    job, first = union_tasks.confirm_register_import(union, review, actor=request.user)
    if not first:
        messages.info(request, "That import was already confirmed: nothing changed the second time.")
    return redirect("job", pk=job.pk)


@role_required(*OFFICIAL)
def register_export(request: HttpRequest) -> HttpResponse:
    """The members the list shows (its search and filter, every page) as CSV."""
    union = union_for(request)
    f = _filters(request)
    out = io.StringIO()
    register_list.export_members(union, out, request.user, query=f["q"], status=f["status"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = "" if f["status"] == "current" else f"-{f['status']}"
    response["Content-Disposition"] = (f'attachment; filename="{union.code}-register{suffix}-'
                                       f'{date.today().isoformat()}.csv"')
    return response
