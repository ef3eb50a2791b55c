"""Which organisation a workplace-wing user works in, from their role scopes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from mandate.platform.roles import EMPLOYER_ROLES, user_roles
from mandate.workplace.models import Organisation


def organisation_for(request: HttpRequest) -> Organisation:
    scopes = set().union(*[s for r, s in user_roles(request.user).items() if r in EMPLOYER_ROLES] or [set()])
    organisation = Organisation.objects.filter(code__in=scopes).order_by("code").first()
    if organisation is None:
        raise PermissionDenied("Your role is not linked to an organisation.")
    return organisation
