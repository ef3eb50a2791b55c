"""Estates pages. Who sees what (least privilege):

- estates managers: desks (list, file, edit, QR codes), booking rules, occupancy, both planners;
- HR: occupancy and both planners (no desk editing);
- line managers: the anchor-day plan, their own team's row only;
- anyone on the employer side with a staff record: their own bookings and check-ins, nobody else's.

A desk entitlement from an adjustment changes which desks are offered first (and opens held ones); no page
shows anyone why. Every read of individual bookings is the person's own; occupancy is counts only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from mandate.platform import exports
from mandate.platform.audit import record
from mandate.platform.roles import EMPLOYER_ROLES, has_role, role_required
from mandate.workplace.access import organisation_for
from mandate.workplace.estates import services
from mandate.workplace.estates.models import ATTRIBUTES, Booking, Desk, FloorPlan, SiteRules
from mandate.workplace.importers import ImportRefused
from mandate.workplace.models import Site, StaffMember

HR, MANAGER, ESTATES = "hr_admin", "line_manager", "estates_manager"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


class DeskForm(forms.ModelForm):
    class Meta:
        model = Desk
        fields = ["site", "code", "floor", "zone", "kind", *ATTRIBUTES, "reserved", "active", "x", "y"]

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            organisation=organisation)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if ("x" in data and "y" in data) and (data["x"] is None) != (data["y"] is None):
            self.add_error("x" if data["x"] is None else "y", "Give both positions on the plan, or neither.")
        return data


class PlanForm(forms.Form):
    image = forms.FileField(label="Floor plan image (PNG or JPEG)", required=False,
                            help_text=f"At most {services.PLAN_MAX_BYTES // (1024 * 1024)} MB. Place desks on it "
                                      "with x and y (percentages) in the desks file or on each desk's page.")


class RulesForm(forms.ModelForm):
    class Meta:
        model = SiteRules
        fields = ["days_ahead", "days_per_week", "release_at", "weekends"]
        widgets = {"release_at": forms.TimeInput(attrs={"type": "time"})}

    def clean_days_per_week(self) -> int:
        n = self.cleaned_data["days_per_week"]
        if not 1 <= n <= 5:
            raise forms.ValidationError("Give 1 to 5 days a week.")
        return n

    def clean_days_ahead(self) -> int:
        n = self.cleaned_data["days_ahead"]
        if n > 90:
            raise forms.ValidationError("Give at most 90 days ahead.")
        return n


class UploadForm(forms.Form):
    file = forms.FileField(label="Desks file (CSV)", help_text="Columns as in the template; the whole file is "
                           "checked first, and nothing is written if any line is wrong.")


def _own_staff(request: HttpRequest) -> StaffMember:
    organisation = organisation_for(request)
    staff = StaffMember.objects.filter(user_id=request.user.pk or 0, organisation=organisation).select_related(
        "home_site").first()
    if staff is None:
        raise PermissionDenied("Your account has no staff record, so there is nothing to book.")
    return staff


def _day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _next_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@role_required(*EMPLOYER_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    from mandate.workplace.models import Adjustment

    organisation = organisation_for(request)
    adjustments = []
    if has_role(request.user, HR):  # HR records desk entitlements on adjustments; nobody else sees them
        today = timezone.localdate()
        adjustments = list(Adjustment.objects.filter(staff__organisation=organisation).exclude(date_to__lt=today)
                           .select_related("staff", "desk_entitlement").order_by("staff__name")[:200])
    return render(request, "workplace/estates/index.html", {
        "organisation": organisation, "is_estates": has_role(request.user, ESTATES), "adjustments": adjustments,
        "sees_plans": has_role(request.user, ESTATES, HR), "is_manager": has_role(request.user, MANAGER)})


# --- desks (estates) ---------------------------------------------------------------------------------------------

@role_required(ESTATES)
def desks(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    upload = UploadForm()
    refusal = None
    if request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            f = upload.cleaned_data["file"]
            if f.size > 5 * 1024 * 1024:
                refusal = ["The file is over 5 MB: split it by site."]
            else:
                try:
                    result = services.import_desks(organisation, f.name, f.read(), request.user)
                except ImportRefused as exc:
                    refusal = [str(e) for e in exc.errors] + (["(and more)"] if exc.more else [])
                else:
                    messages.success(request, f"Read {result.rows} desks: {result.created} new, {result.updated} "
                                              f"changed, {result.unchanged} unchanged.")
                    return redirect("workplace:estates_desks")
    sites = list(Site.objects.filter(organisation=organisation).order_by("-is_headquarters", "name"))
    code = request.GET.get("site") or (sites[0].code if sites else "")
    site = next((s for s in sites if s.code == code), None)
    rows = Desk.objects.filter(site=site).order_by("floor", "zone", "code") if site else Desk.objects.none()
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    floors: dict[str, list[Desk]] = {}
    for desk in page:
        floors.setdefault(desk.floor, []).append(desk)
    plans = {p.floor: p for p in FloorPlan.objects.filter(site=site, floor__in=floors).defer("image")}
    shown = []
    for floor, on_floor in floors.items():
        plan = plans.get(floor)
        side = max(plan.width, plan.height) if plan else 0
        shown.append({"floor": floor, "desks": on_floor, "plan": plan,
                      "markers": services.markers(plan, on_floor) if plan else [],
                      "radius": round(side / 90, 2), "font": round(side / 55, 2), "label_dy": round(-side / 60, 2),
                      "stroke": round(side / 400, 2)})
    return render(request, "workplace/estates/desks.html", {
        "organisation": organisation, "sites": sites, "site": site, "floors": shown, "page": page,
        "plan_form": PlanForm(),
        "upload": upload, "refusal": refusal, "attributes": ATTRIBUTES,
        "rules_form": RulesForm(instance=services.rules_for(site)) if site else None},
        status=400 if refusal else 200)


@role_required(ESTATES)
def desks_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="desks-template.csv"'
    return response


@role_required(ESTATES)
def desks_csv(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="desks.csv"'
    writer = exports.csv_writer(response)
    writer.writerow(services.DESK_COLUMNS)
    for d in Desk.objects.filter(site__organisation=organisation).select_related("site"):
        writer.writerow([d.site.code, d.code, d.floor, d.zone, d.kind,
                         *[str(getattr(d, a)).lower() for a in ATTRIBUTES], str(d.reserved).lower(),
                         str(d.active).lower(), "" if d.x is None else d.x, "" if d.y is None else d.y])
    return response


@role_required(ESTATES)
def floor_plan(request: HttpRequest, code: str, floor: str) -> HttpResponse:
    """Upload, replace (POST with an image) or remove (POST with `remove`) a floor's plan."""
    organisation = organisation_for(request)
    site = get_object_or_404(Site, organisation=organisation, code=code)
    back = redirect(f"{reverse('workplace:estates_desks')}?site={site.code}")
    if request.method != "POST":
        return back
    if request.POST.get("remove"):  # allowed even when the floor's desks have gone, so no plan is stranded
        deleted, _ = FloorPlan.objects.filter(site=site, floor=floor).delete()
        if deleted:
            record(request.user, "estates.floor_plan_removed", "Site", site.code, floor=floor)
            messages.success(request, f"Removed the plan of floor {floor}.")
        return back
    if not Desk.objects.filter(site=site, floor=floor).exists():
        raise Http404("No desks on that floor.")
    form = PlanForm(request.POST, request.FILES)
    upload = request.FILES.get("image") if form.is_valid() else None
    if upload is None:
        messages.error(request, f"Choose a PNG or JPEG image for floor {floor}.")
        return back
    try:
        plan = services.save_floor_plan(site, floor, upload, request.user)
    except services.PlanRefused as exc:
        messages.error(request, f"The plan of floor {floor} was not saved: {exc}")
        return back
    messages.success(request, f"Saved the plan of floor {floor} ({plan.width} × {plan.height} pixels).")
    return back


@role_required(*EMPLOYER_ROLES)
def floor_plan_image(request: HttpRequest, code: str, floor: str) -> HttpResponse:
    organisation = organisation_for(request)
    plan = get_object_or_404(FloorPlan, site__organisation=organisation, site__code=code, floor=floor)
    response = HttpResponse(bytes(plan.image), content_type=plan.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(ESTATES)
def desk_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = organisation_for(request)
    desk = None
    if pk is not None:
        desk = get_object_or_404(Desk, pk=int(pk), site__organisation=organisation)
    form = DeskForm(request.POST or None, instance=desk, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        site, code = form.cleaned_data["site"], form.cleaned_data["code"]
        clash = Desk.objects.filter(site=site, code=code).exclude(pk=desk.pk if desk else 0)
        if clash.exists():
            form.add_error("code", f"{site.name} already has a desk {code}.")
        else:
            saved = form.save()
            record(request.user, "estates.desk_saved", "Desk", saved.pk, site=site.code, code=code)
            messages.success(request, f"Saved desk {saved.code}.")
            return redirect(f"{reverse('workplace:estates_desks')}?site={site.code}")
    return render(request, "workplace/estates/desk_form.html", {"form": form, "desk": desk},
                  status=400 if request.method == "POST" else 200)


@role_required(ESTATES)
def site_rules(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for(request)
    site = get_object_or_404(Site, organisation=organisation, code=code)
    if request.method != "POST":
        return redirect(f"{reverse('workplace:estates_desks')}?site={site.code}")
    form = RulesForm(request.POST, instance=services.rules_for(site))
    if form.is_valid():
        form.save()
        record(request.user, "estates.rules_saved", "Site", site.code, **{k: str(v) for k, v in
                                                                       form.cleaned_data.items()})
        messages.success(request, f"Saved the booking rules of {site.name}.")
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(f"{reverse('workplace:estates_desks')}?site={site.code}")


@role_required(ESTATES)
def desk_qr(request: HttpRequest, pk: int) -> HttpResponse:
    import segno

    organisation = organisation_for(request)
    desk = get_object_or_404(Desk, pk=pk, site__organisation=organisation)
    url = request.build_absolute_uri(reverse("workplace:estates_checkin", args=[desk.token]))
    svg = segno.make(url, error="m").svg_inline(scale=6, title=f"Check in at desk {desk.code}")
    return render(request, "workplace/estates/desk_qr.html", {"desk": desk, "svg": svg, "url": url})


# --- booking (staff, their own) ---------------------------------------------------------------------------------

@role_required(*EMPLOYER_ROLES)
def book(request: HttpRequest) -> HttpResponse:
    staff = _own_staff(request)
    today = timezone.localdate()
    sites = Site.objects.filter(organisation_id=staff.organisation_id).order_by("-is_headquarters", "name")
    code = request.GET.get("site") or request.POST.get("site") or staff.home_site.code
    site = get_object_or_404(Site, organisation_id=staff.organisation_id, code=code)
    day = _day(request.GET.get("date") or request.POST.get("date"), today)
    if not services.rules_for(site).weekends:
        day = _next_weekday(day)
    if request.method == "POST":
        desk = get_object_or_404(Desk, pk=request.POST.get("desk"), site=site)
        try:
            services.book(staff, desk, day, today=today)
        except services.BookingRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Booked desk {desk.code} at {site.name}.")
            return redirect("workplace:estates_mine")
        return redirect(f"{reverse('workplace:estates_book')}?site={site.code}&date={day.isoformat()}")
    offered = services.offer(staff, site, day)
    rules = services.rules_for(site)
    return render(request, "workplace/estates/book.html", {
        "staff": staff, "sites": sites, "site": site, "day": day, "offered": offered, "rules": rules,
        "latest": today + dt.timedelta(days=rules.days_ahead), "today": today})


@role_required(*EMPLOYER_ROLES)
def mine(request: HttpRequest) -> HttpResponse:
    staff = _own_staff(request)
    today = timezone.localdate()
    bookings = Booking.objects.filter(staff=staff, date__gte=today - dt.timedelta(days=14)).select_related(
        "desk__site").order_by("-date")
    return render(request, "workplace/estates/mine.html", {"bookings": bookings, "today": today})


@role_required(*EMPLOYER_ROLES)
def booking_action(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _own_staff(request)
    booking = get_object_or_404(Booking, pk=pk, staff=staff)  # someone else's booking: not found
    if request.method != "POST":
        return redirect("workplace:estates_mine")
    try:
        if request.POST.get("action") == "cancel":
            services.cancel(booking)
            messages.success(request, "Booking cancelled.")
        else:
            services.check_in(booking)
            messages.success(request, f"Checked in at desk {booking.desk.code}.")
    except services.BookingRefused as exc:
        messages.error(request, str(exc))
    return redirect("workplace:estates_mine")


@role_required(*EMPLOYER_ROLES)
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The desk's QR code opens this page: the signed-in person's booking of this desk today, checked in."""
    staff = _own_staff(request)
    desk = Desk.objects.filter(token=token, site__organisation_id=staff.organisation_id).select_related(
        "site").first()
    if desk is None:
        raise Http404("No such desk.")
    today = timezone.localdate()
    booking = Booking.objects.filter(staff=staff, desk=desk, date=today, state__in=Booking.LIVE).first()
    done = False
    if request.method == "POST" and booking is not None:
        try:
            services.check_in(booking)
            done = True
        except services.BookingRefused as exc:
            messages.error(request, str(exc))
    elif booking is not None and booking.state == Booking.CHECKED_IN:
        done = True
    return render(request, "workplace/estates/checkin.html", {"desk": desk, "booking": booking, "done": done,
                                                                "today": today})


# --- occupancy and the planners ------------------------------------------------------------------------------------

@role_required(ESTATES, HR)
def occupancy(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    day = _day(request.GET.get("date"), timezone.localdate())
    rows = services.occupancy(organisation, day)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="occupancy-{day.isoformat()}.csv"'
        writer = exports.csv_writer(response)
        writer.writerow(["site_code", "date", "desks", "booked", "checked_in", "badge_only", "headcount"])
        for r in rows:
            writer.writerow([r.site.code, day.isoformat(), r.desks, r.booked, r.checked_in, r.badge_only,
                             r.headcount])
        return response
    return render(request, "workplace/estates/occupancy.html", {"rows": rows, "day": day})


@role_required(ESTATES, HR)
def planner_desks(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    try:
        level = float(request.GET.get("level", "0.95"))
    except ValueError:
        level = 0.95
    error = None
    if not 0.5 <= level <= 0.99:
        error, level = "Choose a service level from 50% to 99%.", 0.95
    plan = services.desks_plan(organisation, level)
    by_site: dict[str, dict[str, Any]] = {}
    for row in plan["rows"]:
        entry = by_site.setdefault(row["site"].code, {"site": row["site"], "days": []})
        entry["days"].append(row)
    return render(request, "workplace/estates/planner_desks.html", {
        "plan": plan, "sites": list(by_site.values()), "level": level, "percent": round(level * 100),
        "exceed": round(100 - level * 100),
        "weekdays": WEEKDAYS, "error": error, "week_of": plan["rows"][0]["date"] if plan["rows"] else None},
        status=400 if error else 200)


@role_required(ESTATES, HR, MANAGER)
def planner_anchors(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    try:
        buffer = max(0, min(1000, int(request.GET.get("buffer", "0"))))
        days = max(1, min(5, int(request.GET.get("anchor_days", "1"))))
    except ValueError:
        buffer, days = 0, 1
    result = services.anchor_plan(organisation, buffer=buffer, anchor_days=days)
    sees_all = has_role(request.user, ESTATES, HR)
    own_team = None
    if not sees_all:
        me = StaffMember.objects.filter(user_id=request.user.pk or 0, organisation=organisation).select_related(
            "team").first()
        own_team = me.team.code if me else None
    from mandate.workplace.models import Team

    team_names = dict(Team.objects.filter(organisation=organisation).values_list("code", "name"))
    site_names = dict(Site.objects.filter(organisation=organisation).values_list("code", "name"))
    anchors = [(team_names.get(team, team), [WEEKDAYS[d] for d in ds]) for team, ds in result.anchors.items()
               if sees_all or team == own_team]
    grid: dict[str, list[Any]] = {}
    for s in result.site_days:
        grid.setdefault(site_names.get(s.site_code, s.site_code), []).append(s)
    return render(request, "workplace/estates/planner_anchors.html", {
        "result": result, "anchors": anchors, "grid": grid if sees_all else {}, "sees_all": sees_all,
        "weekdays": WEEKDAYS, "buffer": buffer, "anchor_days": days,
        "gap": None if result.gap is None else round(result.gap * 100, 1),
        "explanation": result.explanation if sees_all else []})


class EntitlementForm(forms.Form):
    attributes = forms.MultipleChoiceField(
        choices=list(ATTRIBUTES.items()), required=False, widget=forms.CheckboxSelectMultiple,
        label="The person's desk must have",
        help_text="The booking page offers such desks first and opens desks held for them. Nobody else sees it, "
                  "and no reason is kept.")


@role_required(HR)
def entitlement(request: HttpRequest, pk: int) -> HttpResponse:
    from mandate.workplace.estates.models import DeskEntitlement
    from mandate.workplace.models import Adjustment

    organisation = organisation_for(request)
    adjustment = get_object_or_404(Adjustment, pk=pk, staff__organisation=organisation)
    current = DeskEntitlement.objects.filter(adjustment=adjustment).first()
    form = EntitlementForm(request.POST if request.method == "POST" else None, initial={"attributes": current.attributes if current else []})
    if request.method == "POST" and form.is_valid():
        chosen = sorted(form.cleaned_data["attributes"])
        if chosen:
            DeskEntitlement.objects.update_or_create(adjustment=adjustment, defaults={"attributes": chosen})
        else:
            DeskEntitlement.objects.filter(adjustment=adjustment).delete()
        record(request.user, "estates.entitlement_saved", "Adjustment", adjustment.pk,
               staff_id=adjustment.staff.staff_id, attributes=chosen)
        messages.success(request, f"Saved the desk entitlement of {adjustment.staff.name}.")
        return redirect("workplace:estates")
    return render(request, "workplace/estates/entitlement.html", {"form": form, "adjustment": adjustment})
