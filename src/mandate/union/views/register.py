"""The membership register: the members list (search, pages, those marked left apart), import, the review
before members missing from a file are marked as left, and the CSV export of what the list shows."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mandate.platform.roles import role_required
from mandate.union import register_list
from mandate.union.access import union_for
from mandate.union.forms import RegisterForm, RegisterSearchForm
from mandate.union.models import Member
from mandate.union.register import RegisterImportError, import_register
from mandate.union.views._common import OFFICIAL

REVIEWS = "register_reviews"  # session key: token -> the reviewed file's text, until confirmed
CONFIRMED = "register_confirmed"  # session key: the tokens confirmed (a second confirmation changes nothing)


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
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
            errors = ["The file is not UTF-8 text: save it as CSV UTF-8 and upload it again."]
        if text is not None and "\x00" in text:
            text = None
            errors = ["The file holds a NUL character: it is not a CSV text file. Save it as CSV UTF-8 and upload "
                      "it again."]
        if text is not None:
            try:
                if form.cleaned_data["mark_missing_left"]:
                    return _review(request, union, text)
                report = import_register(union, text, request.user)
                messages.success(request, f"Imported {report.rows} members: {report.created} new, {report.updated} "
                                          f"updated, {report.unchanged} unchanged.")
                return redirect("union:register")
            except RegisterImportError as error:
                errors = [str(e) for e in error.errors]
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


def _review(request: HttpRequest, union: Any, text: str) -> HttpResponse:
    """The page that says how many members, and who, the import would mark as left, with the button that
    confirms it; nothing has changed yet."""
    review = register_list.review_import(union, text)
    reviews = request.session.get(REVIEWS, {})
    reviews = {review.token: text, **{k: v for k, v in reviews.items() if k != review.token}}
    request.session[REVIEWS] = dict(list(reviews.items())[:3])  # the last three files reviewed, no more
    return render(request, "union/register_review.html", {"review": review, "report": review.report,
                                                          "would_leave": review.would_leave,
                                                          "today": date.today()})


@role_required(*OFFICIAL)
@require_POST
def register_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm a reviewed import that marks members missing from the file as left: once. A second
    confirmation of the same file (a double click, the back button) changes nothing and says so."""
    union = union_for(request)
    token = str(request.POST.get("token", ""))[:64]
    reviews: dict[str, str] = request.session.get(REVIEWS, {})
    confirmed: list[str] = request.session.get(CONFIRMED, [])
    text = reviews.get(token)
    if text is None or register_list.file_token(union, text) != token:
        if token in confirmed:
            messages.info(request, "That import was already confirmed: nothing changed the second time.")
        else:
            messages.error(request, "That review is no longer open: upload the file again to review it.")
        return redirect("union:register")
    try:
        report = register_list.confirm_import(union, text, request.user)
    except RegisterImportError as error:
        for e in error.errors[:20]:
            messages.error(request, str(e))
        return redirect("union:register")
    finally:
        request.session[REVIEWS] = {k: v for k, v in reviews.items() if k != token}
        request.session[CONFIRMED] = [*confirmed[-9:], token]
    messages.success(request, f"Imported {report.rows} members: {report.created} new, {report.updated} updated, "
                              f"{report.unchanged} unchanged, {report.marked_left} marked as left.")
    return redirect(reverse("union:register") + ("?status=left" if report.marked_left else ""))


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
