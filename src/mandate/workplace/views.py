from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mandate.platform.roles import EMPLOYER_ROLES, role_required
from mandate.workplace.access import organisation_for
from mandate.workplace.models import Site, StaffMember


@role_required(*EMPLOYER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    sites = (
        Site.objects.filter(organisation=organisation)
        .annotate(headcount=Count("staff"))
        .order_by("-is_headquarters", "name")
    )
    total = StaffMember.objects.filter(organisation=organisation).count()
    return render(request, "workplace/dashboard.html",
                  {"organisation": organisation, "sites": sites, "total_staff": total})
