"""Which union a union-wing user acts for, from their role scopes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from mandate.platform.roles import UNION_ROLES, user_roles
from mandate.union.models import Union


def union_for(request: HttpRequest) -> Union:
    scopes = set().union(*[s for r, s in user_roles(request.user).items() if r in UNION_ROLES] or [set()])
    union = Union.objects.filter(code__in=scopes).order_by("code").first()
    if union is None:
        raise PermissionDenied("Your role is not linked to a union.")
    return union
