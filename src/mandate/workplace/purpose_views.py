"""Purposes of office days as totals: HR and estates see the organisation, its teams and sites; a line manager
sees their reports' total only. Never a list of people (workplace/purposes.py, workplace/disclosure.py)."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mandate.platform import exports, inputs
from mandate.platform.audit import record
from mandate.platform.roles import has_role, role_required
from mandate.workplace.access import organisation_for
from mandate.workplace.disclosure import MIN_GROUP, Disclosure
from mandate.workplace.figures import FigureError
from mandate.workplace.forms import PeriodForm
from mandate.workplace.models import StaffMember
from mandate.workplace.purposes import PURPOSE_LABELS, purpose_report
from mandate.workplace.templatetags.workplace_tags import one_decimal

HR, MANAGER, ESTATES = "hr_admin", "line_manager", "estates_manager"
PAGE_SIZE = 50
CSV_COLUMNS = ["name", "people", "office_days", "with_purpose", "without_purpose", "percent_with_purpose",
               *[f"purpose_{k}" for k in PURPOSE_LABELS], "withheld"]


@role_required(HR, ESTATES, MANAGER)
def purposes(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    form = PeriodForm(request.GET, organisation, timezone.localdate())
    sees_org = has_role(request.user, HR, ESTATES)
    context: dict[str, Any] = {"organisation": organisation, "form": form, "sees_org": sees_org,
                               "dispute": organisation.dispute_mode, "min_group": MIN_GROUP,
                               "purpose_labels": list(PURPOSE_LABELS.items())}
    table = request.GET.get("table")
    if form.is_valid():
        start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
        staff_ids = None
        if not sees_org:
            manager = StaffMember.objects.filter(user=cast(Any, request.user), organisation=organisation).first()
            staff_ids = list(StaffMember.objects.filter(organisation=organisation, line_manager=manager)
                             .values_list("staff_id", flat=True)) if manager else []
        try:
            # nobody but the person sees their purposes, so every reader of this page reads no individual
            # data: groups under the threshold are withheld always, as for the analyst (the one rule)
            report = purpose_report(organisation, policy, start, end,
                                    Disclosure.of(organisation, sees_individuals=False), staff_ids)
        except FigureError as exc:
            context["error"] = str(exc)
        else:
            record(request.user, "view_office_day_purposes", "Organisation", organisation.code,
                   date_from=start, date_to=end, policy=policy.name, scope="organisation" if sees_org else "reports")
            if table in ("teams", "sites") and sees_org:
                return _csv(organisation.code, table, getattr(report, table), start, end)
            context.update(report=report, purpose_led=policy.parsed().versions[-1].purpose_led,
                           teams_page=Paginator(report.teams, PAGE_SIZE).get_page(request.GET.get("teams_page")),
                           query=_query_without(request, "teams_page", "table"))
    return render(request, "workplace/purposes.html", context, status=inputs.refusal_status(request, form, context))


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for n in names:
        query.pop(n, None)
    return query.urlencode()


def _csv(code: str, table: str, rows: list[dict[str, Any]], start: Any, end: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{code}-purposes-{table}-{start.isoformat()}-to-'
                                       f'{end.isoformat()}.csv"')
    writer = exports.csv_writer(response, lineterminator="\n")
    key = "team" if table == "teams" else "site_code"
    writer.writerow([key, *CSV_COLUMNS])
    for r in rows:
        writer.writerow([r.get(key, "")] + [_cell(r.get(c)) for c in CSV_COLUMNS])
    return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return one_decimal(value)
    return str(value)
