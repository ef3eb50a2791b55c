from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mandate.platform.roles import UNION_ROLES, has_role, role_required
from mandate.union.access import union_for
from mandate.union.models import Member, Workplace


@role_required(*UNION_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    context: dict[str, object] = {"union": union}
    if has_role(request.user, "union_official", "branch_rep", "scrutineer"):
        current = Q(members__union=union, members__left_on__isnull=True)
        context["workplaces"] = (
            Workplace.objects.filter(employer__union=union)
            .annotate(member_count=Count("members", filter=current))
            .select_related("employer")
            .order_by("employer__name", "name")
        )
        context["total_members"] = Member.objects.filter(union=union, left_on__isnull=True).count()
    return render(request, "union/dashboard.html", context)
