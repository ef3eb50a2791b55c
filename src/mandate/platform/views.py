from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mandate.platform.roles import EMPLOYER, UNION, login_only, roles_context


@login_only
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their own side's dashboard."""
    side = roles_context(request)["user_side"]
    if side == EMPLOYER:
        return redirect("workplace:dashboard")
    if side == UNION:
        return redirect("union:dashboard")
    return render(request, "platform/no_role.html", status=403)
