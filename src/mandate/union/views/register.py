"""The membership register: import and export."""

from __future__ import annotations

import io
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mandate.platform.roles import role_required
from mandate.union.access import union_for
from mandate.union.forms import (
    RegisterForm,
)
from mandate.union.models import Member
from mandate.union.register import RegisterImportError, export_register, import_register
from mandate.union.views._common import (
    OFFICIAL,
)


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
        if text is not None:
            try:
                report = import_register(union, text, request.user,
                                         mark_missing_left=form.cleaned_data["mark_missing_left"])
                messages.success(request, f"Imported {report.rows} members: {report.created} new, {report.updated} "
                                          f"updated, {report.unchanged} unchanged, {report.marked_left} marked as left.")
                return redirect("union:register")
            except RegisterImportError as error:
                errors = [str(e) for e in error.errors]
    total = Member.objects.filter(union=union, left_on__isnull=True).count()
    refused = bool(errors) or (request.method == "POST" and bool(form.errors))
    return render(request, "union/register.html", {"form": form, "errors": errors, "total": total},
                  status=400 if refused else 200)


@role_required(*OFFICIAL)
def register_export(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    out = io.StringIO()
    export_register(union, out, request.user)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{union.code}-register-{date.today().isoformat()}.csv"'
    return response
