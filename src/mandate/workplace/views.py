"""Attendance pages: a person's own figure, a line manager's team, HR's organisation and site views, and two
policies side by side.

Rules every view here keeps (spec §3, §4):
- every read of an individual's attendance, one person's or a list's, writes an audit entry naming them;
- a person always sees their own figure and its CSV, dispute mode or not;
- in dispute mode no individual non-compliance output (a below-target list, a met / not met flag on someone
  else, a nudge) is shown: aggregate figures only, with a notice;
- a line manager sees an adjusted expectation, never its route;
- there is no view, filter or export by union membership: the wing holds no such data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.dates import human_date
from mandate.platform import exports, inputs
from mandate.platform.audit import record
from mandate.platform.roles import EMPLOYER_ROLES, has_role, role_required
from mandate.workplace.access import organisation_for
from mandate.workplace.disclosure import MIN_GROUP, Disclosure
from mandate.workplace.figures import (
    STATUS_LABELS,
    FigureError,
    compare_for,
    compute_for,
    describe_reason,
    explain_for,
)
from mandate.workplace.forms import ComparePolicyForm, PeriodForm
from mandate.workplace.hr_views import reviews_due
from mandate.workplace.models import (
    DAY_PURPOSES,
    Adjustment,
    AttendancePolicy,
    OfficeDayPurpose,
    Organisation,
    Site,
    StaffMember,
)
from mandate.workplace.purposes import (
    PURPOSE_LABELS,
    PurposeRefused,
    ledger_purposes,
    office_days,
    record_purpose,
    remove_purpose,
)

HR, MANAGER, ESTATES, ANALYST = "hr_admin", "line_manager", "estates_manager", "analyst"
CSV_COLUMNS = ["staff_id", "date", "weekday", "status", "reason", "purpose", "hours", "policy_version"]


@role_required(*EMPLOYER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    sites = (
        Site.objects.filter(organisation=organisation)
        .annotate(headcount=Count("staff"))
        .order_by("-is_headquarters", "name")
    )
    total = StaffMember.objects.filter(organisation=organisation).count()
    is_hr = has_role(request.user, HR)
    due = reviews_due(organisation, timezone.localdate()).count() if is_hr else 0
    return render(request, "workplace/dashboard.html",
                  {"organisation": organisation, "sites": sites, "total_staff": total, "is_hr": is_hr,
                   "reviews_due": due, "staff_record": _own_record(request, organisation),
                   "sees_sites": has_role(request.user, HR, ESTATES)})


# -- helpers ---------------------------------------------------------------------------------------------------

def _own_record(request: HttpRequest, organisation: Organisation) -> StaffMember | None:
    user = request.user
    if not user.is_authenticated:  # never, behind role_required; an anonymous user has no record
        return None
    return StaffMember.objects.filter(user=user, organisation=organisation).first()


def _period(request: HttpRequest, organisation: Organisation, form_class: type = PeriodForm) -> Any:
    return form_class(request.GET, organisation, timezone.localdate())


def _log_individual(request: HttpRequest, organisation: Organisation, staff_ids: list[str], page: str,
                    form: Any) -> None:
    """One audit entry per read: a single person's figure, or a list naming everyone on it."""
    detail = {"page": page, "dispute_mode": organisation.dispute_mode,
              "date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"],
              "policy": form.cleaned_data["policy"].name, "organisation": organisation.code}
    if len(staff_ids) == 1:
        record(request.user, "view_individual_attendance", "StaffMember", staff_ids[0], **detail)
    elif staff_ids:
        record(request.user, "view_individual_attendance_list", "Organisation", organisation.code,
               staff_ids=staff_ids, **detail)


def _adjustments_of(staff: StaffMember, start: dt.date, end: dt.date) -> list[Adjustment]:
    return list(staff.adjustments.filter(date_from__lte=end, withdrawn_at__isnull=True).exclude(date_to__lt=start)
                .order_by("date_from"))


def _own_office_days(staff: StaffMember, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The person's office days in the period (a badge swipe or a check-in in the ledger), each with the
    purpose recorded for it, if any."""
    held = {p.date: p for p in OfficeDayPurpose.objects.filter(staff=staff, date__gte=start, date__lte=end)}
    booked = ledger_purposes(staff, start, end)
    return [{"date": d, "recorded": held.get(d), "booked": PURPOSE_LABELS.get(booked.get(d, ""), "")}
            for d in office_days(staff, start, end)]


def _site_names(organisation: Organisation) -> dict[str, str]:
    return dict(Site.objects.filter(organisation=organisation).values_list("code", "name"))


def _days(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
          staff: StaffMember) -> list[dict[str, Any]]:
    rows = explain_for(organisation, policy, start, end, staff.staff_id)
    names = _site_names(organisation)
    for row in rows:
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["reason_label"] = describe_reason(row.get("reason"), names)
    return rows


def _individual_page(request: HttpRequest, organisation: Organisation, staff: StaffMember, *, own: bool,
                     show_route: bool, page: str) -> HttpResponse:
    form = _period(request, organisation)
    rule = Disclosure.of(organisation)
    context: dict[str, Any] = {"organisation": organisation, "staff": staff, "form": form, "own": own,
                               "show_route": show_route, "withhold_flags": rule.dispute_mode and not own}
    if form.is_valid():
        start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
        _log_individual(request, organisation, [staff.staff_id], page, form)
        try:
            figures = compute_for(organisation, policy, start, end, [staff.staff_id], site_weekly=False)
            context["periods"] = [rule.person(r, own=own) for r in figures.people]
            context["notes"] = figures.result.notes
            context["days"] = _days(organisation, policy, start, end, staff)
        except FigureError as exc:
            context["error"] = str(exc)
        context["adjustments"] = _adjustments_of(staff, start, end)
        if own:
            context["office_days"] = _own_office_days(staff, start, end)
            context["purpose_choices"] = DAY_PURPOSES
        context["unit"] = policy.parsed().versions[-1].unit
        context["query"] = request.GET.urlencode()
    elif not AttendancePolicy.objects.filter(organisation=organisation, withdrawn_at__isnull=True).exists():
        context["error"] = "No attendance policy has been set up yet."
    return render(request, "workplace/figure.html", context, status=inputs.refusal_status(request, form, context))


def _csv_response(request: HttpRequest, organisation: Organisation, staff: StaffMember, page: str,
                  own: bool = False) -> HttpResponse:
    form = _period(request, organisation)
    if not form.is_valid():
        return HttpResponse("Choose a valid period and policy.", status=400, content_type="text/plain")
    start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
    _log_individual(request, organisation, [staff.staff_id], page, form)
    try:
        days = explain_for(organisation, policy, start, end, staff.staff_id)
    except FigureError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"attendance-{staff.staff_id}-{start.isoformat()}-to-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = exports.csv_writer(response, lineterminator="\n")  # formulas escaped (OWASP CSV injection)
    # your own file also holds the purposes you recorded; nobody else's download does (never a per-person
    # list of purposes for a manager or HR)
    recorded = {p.date: p for p in OfficeDayPurpose.objects.filter(staff=staff, date__gte=start, date__lte=end)
                } if own else {}
    writer.writerow(CSV_COLUMNS + (["recorded_purpose", "purpose_note"] if own else []))
    for row in days:
        day = row["date"]
        hours = row.get("hours")
        mine = recorded.get(day)
        writer.writerow([row["staff_id"], day.isoformat(), day.strftime("%a"), row["status"],
                         row.get("reason") or "", row.get("purpose") or "", "" if hours is None else f"{hours:g}",
                         row.get("policy_version", "")]
                        + ([mine.purpose if mine else "", mine.note if mine else ""] if own else []))
    return response


# -- a person's own figure ----------------------------------------------------------------------------------------

@role_required(*EMPLOYER_ROLES)
def my_figure(request: HttpRequest) -> HttpResponse:
    """Your own figure: always available to you, dispute mode or not."""
    organisation = organisation_for(request)
    staff = _own_record(request, organisation)
    if staff is None:  # an HR or estates account with no staff record: a page that says so, not a 404
        return render(request, "workplace/no_staff_record.html", {"organisation": organisation})
    return _individual_page(request, organisation, staff, own=True, show_route=True, page="own")


@role_required(*EMPLOYER_ROLES)
@require_POST
def my_purpose(request: HttpRequest) -> HttpResponse:
    """Record, change or remove the purpose of one of your own office days (never anyone else's)."""
    organisation = organisation_for(request)
    staff = _own_record(request, organisation)
    if staff is None:
        return render(request, "workplace/no_staff_record.html", {"organisation": organisation}, status=404)
    back = {k: request.POST[k] for k in PeriodForm.KEYS if request.POST.get(k)}
    target = reverse("workplace:my_figure") + ("?" + urlencode(back) if back else "") + "#purposes"
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return render(request, "workplace/bad_request.html", {"organisation": organisation,
                      "message": "Choose one of your office days.", "back": target}, status=400)
    if request.POST.get("action") == "remove":
        if remove_purpose(staff, day, request.user):
            messages.success(request, f"The purpose of {human_date(day)} is removed.")
        else:
            messages.info(request, f"No purpose was recorded for {human_date(day)}.")
        return redirect(target)
    try:
        _, created = record_purpose(staff, day, request.POST.get("purpose", ""), request.POST.get("note", ""),
                                    request.user)
    except PurposeRefused as exc:
        return render(request, "workplace/bad_request.html", {"organisation": organisation, "message": str(exc),
                      "back": target}, status=400)
    messages.success(request, f"The purpose of {human_date(day)} is {'recorded' if created else 'saved'}.")
    return redirect(target)


@role_required(*EMPLOYER_ROLES)
def my_figure_csv(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    staff = _own_record(request, organisation)
    if staff is None:
        return render(request, "workplace/no_staff_record.html", {"organisation": organisation}, status=404)
    return _csv_response(request, organisation, staff, page="own_csv", own=True)


# -- someone else's figure: HR, or the person's line manager ---------------------------------------------------

def _may_open(request: HttpRequest, organisation: Organisation, staff: StaffMember) -> tuple[bool, bool]:
    """(allowed, sees the route): HR sees all; a line manager sees their direct reports, without routes."""
    if has_role(request.user, HR):
        return True, True
    manager = _own_record(request, organisation)
    if has_role(request.user, MANAGER) and manager is not None and staff.line_manager_id == manager.pk:
        return True, False
    return False, False


@role_required(HR, MANAGER)
def person_figure(request: HttpRequest, staff_id: str) -> HttpResponse:
    organisation = organisation_for(request)
    staff = get_object_or_404(StaffMember, organisation=organisation, staff_id=staff_id)
    allowed, show_route = _may_open(request, organisation, staff)
    if not allowed:
        raise PermissionDenied("You can open the figures of your own reports only.")
    return _individual_page(request, organisation, staff, own=False, show_route=show_route, page="person")


@role_required(HR, MANAGER)
def person_figure_csv(request: HttpRequest, staff_id: str) -> HttpResponse:
    organisation = organisation_for(request)
    staff = get_object_or_404(StaffMember, organisation=organisation, staff_id=staff_id)
    if not _may_open(request, organisation, staff)[0]:
        raise PermissionDenied("You can open the figures of your own reports only.")
    return _csv_response(request, organisation, staff, page="person_csv")


# -- a line manager's team -----------------------------------------------------------------------------------

@role_required(MANAGER)
def team(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    manager = _own_record(request, organisation)
    reports = list(StaffMember.objects.filter(organisation=organisation, line_manager=manager)
                   .order_by("name")) if manager else []
    form = _period(request, organisation)
    context: dict[str, Any] = {"organisation": organisation, "form": form, "reports": reports,
                               "dispute": organisation.dispute_mode}
    if form.is_valid() and reports:
        start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
        ids = [s.staff_id for s in reports]
        try:
            figures = compute_for(organisation, policy, start, end, ids, site_weekly=False)
        except FigureError as exc:
            context["error"] = str(exc)
        else:
            # In dispute mode a small team's total is an individual's figure in disguise (the one rule)
            together = Disclosure.of(organisation).group({**figures.result.organisation, "people": len(reports)})
            if together["withheld"]:
                context["aggregate_withheld"] = MIN_GROUP
            else:
                context["aggregate"] = together
            context["unit"] = figures.result.unit
            by_id: dict[str, list[dict[str, Any]]] = {}
            for row in figures.people:
                by_id.setdefault(row["staff_id"], []).append(row)
            expectations: dict[int, list[Adjustment]] = {}
            for a in Adjustment.objects.filter(staff__in=reports, date_from__lte=end,
                                               withdrawn_at__isnull=True).exclude(date_to__lt=start):
                expectations.setdefault(a.staff_id, []).append(a)
            # adjusted expectations (never routes) are shown in any mode; individual figures only outside it
            context["rows"] = [{"staff": s, "adjustments": [
                {"expectation": a.expectation, "date_from": a.date_from, "date_to": a.date_to}
                for a in expectations.get(s.pk, [])],
                "periods": [] if organisation.dispute_mode else by_id.get(s.staff_id, [])} for s in reports]
            # logged in dispute mode too: names and adjusted expectations are individual data
            _log_individual(request, organisation, ids, "team", form)
    return render(request, "workplace/team.html", context, status=inputs.refusal_status(request, form, context))


# -- HR: the organisation and its sites ---------------------------------------------------------------------

PAGE_SIZE = 50  # rows of a long table per page


def _page(request: HttpRequest, rows: Any, name: str) -> Any:
    """One page of `rows` (Django's Paginator; a page number past the end gives the last page)."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(name))


def _query_without(request: HttpRequest, *names: str) -> str:
    """The page's query (period, policy, the other tables' pages) without the given keys, for links."""
    query = request.GET.copy()
    for n in names:
        query.pop(n, None)
    return query.urlencode()


def _organisation_tables(request: HttpRequest, organisation: Organisation, form: Any,
                         with_below: bool) -> dict[str, Any]:
    """The organisation's figures for the period and policy, as every output of them may show them (the
    disclosure rule applied once here, for the page and its CSV alike). Raises FigureError."""
    start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
    figures = compute_for(organisation, policy, start, end)
    result = figures.result
    names = _site_names(organisation)
    rule = Disclosure.of(organisation)
    out: dict[str, Any] = {
        **_target_context(result), "result": result, "organisation_figure": rule.organisation(result.organisation),
        "unit": result.unit, "notes": result.notes,
        "sites": rule.groups({**r, "name": names.get(r["site_code"], r["site_code"])}
                             for r in result.sites.to_pylist()),
        "teams": rule.groups(_team_rows(organisation, result.teams.to_pylist())),
        "weekly": rule.weekly(_weekly_rows(result.site_weekly.to_pylist(), names)),
        "purposes": result.purposes.to_pylist()}
    if with_below and rule.individual_lists:
        out["below"] = figures.below_target()  # a stored set's is read a page at a time
    return out


@role_required(HR, ESTATES)
def organisation_view(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    form = _period(request, organisation)
    is_hr = has_role(request.user, HR)
    context: dict[str, Any] = {"organisation": organisation, "form": form, "dispute": organisation.dispute_mode,
                               "is_hr": is_hr}
    if form.is_valid():
        try:
            context.update(_organisation_tables(request, organisation, form, with_below=is_hr))
        except FigureError as exc:
            context["error"] = str(exc)
        else:
            context["teams_page"] = _page(request, context["teams"], "teams_page")
            context["teams_query"] = _query_without(request, "teams_page")
            context["period_query"] = _query_without(request, "teams_page", "below_page")
            if "below" in context:
                below = context["below"]
                context["below_page"] = _page(request, below, "below_page")
                context["below_query"] = _query_without(request, "below_page")
                # the list is read a page at a time: the log names the people on the page shown
                _log_individual(request, organisation,
                                sorted({r["staff_id"] for r in context["below_page"].object_list}),
                                "organisation_below_target", form)
    return render(request, "workplace/organisation.html", context, status=inputs.refusal_status(request, form, context))


EXPORT_TABLES = {
    "sites": ["site_code", "name", "period_start", "period_end", "people", "required_days", "attended_days",
              "credited_days", "required_hours", "attended_hours", "credited_hours", "percent", "target_percent",
              "target_of", "target_met", "people_meeting_target", "withheld"],
    "teams": ["team", "name", "period_start", "period_end", "people", "required_days", "attended_days",
              "credited_days", "required_hours", "attended_hours", "credited_hours", "percent", "target_percent",
              "target_of", "target_met", "people_meeting_target", "withheld"],
    "weekly": ["site_code", "name", "week_start", "open_days", "average_daily_individuals", "headcount",
               "percent_of_headcount", "withheld"],
    "below": ["staff_id", "name", "period_start", "period_end", "percent", "target_percent",
              "adjusted_expectation"],
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


@role_required(HR, ESTATES)
def organisation_csv(request: HttpRequest) -> HttpResponse:
    """A table of the organisation page as CSV, whole (not paged), under the same disclosure rule."""
    organisation = organisation_for(request)
    table = request.GET.get("table") or "sites"
    if table not in EXPORT_TABLES:
        return render(request, "workplace/bad_request.html", {"organisation": organisation,
                      "message": "Choose a table to download: sites, teams, weekly or below."}, status=400)
    form = _period(request, organisation)
    if not form.is_valid():
        return render(request, "workplace/bad_request.html", {"organisation": organisation,
                      "message": "Choose a valid period and policy."}, status=400)
    if table == "below" and not (has_role(request.user, HR) and Disclosure.of(organisation).individual_lists):
        raise PermissionDenied("The below-target list is for HR, and is withheld while dispute mode is on.")
    try:
        tables = _organisation_tables(request, organisation, form, with_below=table == "below")
    except FigureError as exc:
        return render(request, "workplace/bad_request.html", {"organisation": organisation,
                      "message": str(exc)}, status=400)
    rows = tables[table]
    if table == "below":
        rows = [{**r, "name": r["staff"].name if r.get("staff") else ""} for r in rows]
        _log_individual(request, organisation, sorted({r["staff_id"] for r in rows}),
                        "organisation_below_target_csv", form)
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{organisation.code}-{table}-'
                                       f'{start.isoformat()}-to-{end.isoformat()}.csv"')
    writer = exports.csv_writer(response, lineterminator="\n")  # formulas escaped, as every CSV here
    columns = EXPORT_TABLES[table]
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return response


def _target_context(result: Any) -> dict[str, Any]:
    """Whose target the policy sets (in force on the last day): a shared target is met or not by its group,
    and then nobody has a target of their own to be below."""
    from mandate.workplace.templatetags.workplace_tags import TARGET_OWNERS

    owner = result.organisation.get("target_of", "person")
    return {"person_target": owner == "person", "target_owner": TARGET_OWNERS.get(owner, owner)}


def _team_rows(organisation: Organisation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = dict(organisation.teams.values_list("code", "name"))
    return [{**r, "name": names.get(r["team"], r["team"])} for r in rows]


def _weekly_rows(rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    return [{**r, "name": names.get(r["site_code"], r["site_code"])} for r in rows]


@role_required(HR, ESTATES)
def site_view(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for(request)
    site = get_object_or_404(Site, organisation=organisation, code=code)
    form = _period(request, organisation)
    is_hr = has_role(request.user, HR)
    context: dict[str, Any] = {"organisation": organisation, "site": site, "form": form,
                               "dispute": organisation.dispute_mode, "is_hr": is_hr}
    if form.is_valid():
        start, end, policy = (form.cleaned_data[k] for k in ("date_from", "date_to", "policy"))
        try:
            figures = compute_for(organisation, policy, start, end)
        except FigureError as exc:
            context["error"] = str(exc)
        else:
            result = figures.result
            rule = Disclosure.of(organisation)
            context.update(_target_context(result))
            context.update(
                unit=result.unit, notes=result.notes,
                periods=rule.groups({**r, "name": site.name} for r in result.sites.to_pylist()
                                    if r["site_code"] == site.code),
                weekly=rule.weekly({**r, "name": site.name} for r in result.site_weekly.to_pylist()
                                   if r["site_code"] == site.code))
            if is_hr and rule.individual_lists:
                # paged as on the organisation page (a year at a large site is thousands of rows); the log
                # names the people on the page shown
                below = figures.below_target(home_site=site)
                context["below"] = below
                context["below_page"] = _page(request, below, "below_page")
                context["below_query"] = _query_without(request, "below_page")
                context["period_query"] = _query_without(request, "below_page")
                _log_individual(request, organisation,
                                sorted({r["staff_id"] for r in context["below_page"].object_list}),
                                f"site_below_target:{site.code}", form)
    return render(request, "workplace/site.html", context, status=inputs.refusal_status(request, form, context))


# -- two policies side by side --------------------------------------------------------------------------------

@role_required(HR, ESTATES, ANALYST)
def compare(request: HttpRequest) -> HttpResponse:
    """Aggregates only (organisation, sites, teams, how many meet their target) under two policies."""
    organisation = organisation_for(request)
    form = _period(request, organisation, ComparePolicyForm)
    context: dict[str, Any] = {"organisation": organisation, "form": form}
    if form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        a, b = form.cleaned_data["policy"], form.cleaned_data["other"]
        try:
            fa, fb = compare_for(organisation, a, b, start, end)
        except FigureError as exc:
            context["error"] = str(exc)
        else:
            names = _site_names(organisation)
            team_names = dict(organisation.teams.values_list("code", "name"))
            # The analyst sees no individual data, and nobody does in dispute mode (the one rule)
            rule = Disclosure.of(organisation, sees_individuals=has_role(request.user, HR, ESTATES))
            context.update(a=fa, b=fb, policy_a=a, policy_b=b, min_group=rule.min_group,
                           org_a=rule.organisation(fa.result.organisation),
                           org_b=rule.organisation(fb.result.organisation),
                           sites=_pair(fa.result.sites.to_pylist(), fb.result.sites.to_pylist(), "site_code",
                                       names, rule),
                           teams=_pair(fa.result.teams.to_pylist(), fb.result.teams.to_pylist(), "team",
                                       team_names, rule))
    return render(request, "workplace/compare.html", context, status=inputs.refusal_status(request, form, context))


def _pair(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]], key: str,
          names: dict[str, str], rule: Disclosure) -> list[dict[str, Any]]:
    """The engine's rows under each policy, side by side by key and period (nothing recomputed); a group the
    rule withholds under either policy is withheld under both."""
    def index(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {(r[key], r["period_start"], r["period_end"]): r for r in rows}

    ia, ib = index(rows_a), index(rows_b)
    keys = sorted(set(ia) | set(ib), key=lambda k: (names.get(k[0], k[0]), k[1], k[2]))
    out = []
    for k in keys:
        a, b = ia.get(k), ib.get(k)
        small = rule.withheld(a) or rule.withheld(b)
        out.append({"name": names.get(k[0], k[0]), "period_start": k[1], "period_end": k[2],
                    "a": None if small or a is None else rule.group(a),
                    "b": None if small or b is None else rule.group(b), "withheld": small})
    return out
