"""Roles, scoped to an organisation, and the checks every view makes.

Two sides, never mixed in one account: the employer side (workplace wing) and the union side (union wing).
A person who is both a staff member and a union member holds two accounts; that is what keeps the employer
wing free of union membership data and the union wing free of attendance data.

Every view is wrapped in `role_required(...)`, which records the roles on the view function so that a test
can walk every route and prove that no employer-side role reaches a union page, and the reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

EMPLOYER = "employer"
UNION = "union"


@dataclass(frozen=True)
class Role:
    code: str
    side: str
    label: str
    description: str


ROLES: dict[str, Role] = {
    role.code: role
    for role in [
        Role("hr_admin", EMPLOYER, "HR administrator", "Runs attendance policies, imports, adjustments and HR views."),
        Role("estates_manager", EMPLOYER, "Estates manager", "Sites, desks, hubs and capacity planning."),
        Role("line_manager", EMPLOYER, "Line manager", "Sees their team's figures and adjusted expectations."),
        Role("staff_member", EMPLOYER, "Staff member", "Sees their own attendance figure and bookings."),
        Role("analyst", EMPLOYER, "Analyst", "Equality-impact evidence under disclosure control; no individual data."),
        Role("union_official", UNION, "Union official", "Disputes, registers, ballots, notices and mandates."),
        Role("branch_rep", UNION, "Branch representative", "Their branch's members and turnout."),
        Role("member", UNION, "Member", "Their own ballots and the results."),
        Role("scrutineer", UNION, "Scrutineer", "The independent scrutineer: papers, returns, count, report."),
        Role("trustee", UNION, "Trustee", "Holds a share of an e-ballot's decryption key."),
    ]
}
EMPLOYER_ROLES = frozenset(code for code, role in ROLES.items() if role.side == EMPLOYER)
UNION_ROLES = frozenset(code for code, role in ROLES.items() if role.side == UNION)
ROLE_CHOICES = [(code, role.label) for code, role in ROLES.items()]


def side_of_roles(roles: Iterable[str]) -> str | None:
    sides = {ROLES[r].side for r in roles}
    if len(sides) > 1:
        raise ValueError("one account cannot hold employer-side and union-side roles")
    return next(iter(sides), None)


def user_roles(user: Any) -> dict[str, set[str]]:
    """role code -> the scopes (organisation or union codes) in which the user holds it. Cached per request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_mandate_roles", None)
    if cached is None:
        cached = {}
        for role, scope in user.role_assignments.values_list("role", "scope"):
            cached.setdefault(role, set()).add(scope)
        user._mandate_roles = cached
    return cached


def has_role(user: Any, *roles: str, scope: str | None = None) -> bool:
    held = user_roles(user)
    return any(role in held and (scope is None or scope in held[role]) for role in roles)


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Allow the view only to users holding one of `roles`; anonymous users go to the login page.

    All the roles named must be on one side: a view is either an employer-side or a union-side page.
    """
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
    side = side_of_roles(roles)

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        # labels on the view function, read by tests/platform/test_route_isolation.py
        wrapped.mandate_roles = frozenset(roles)  # type: ignore[attr-defined]  # a label mypy cannot see
        wrapped.mandate_side = side  # type: ignore[attr-defined]  # a label mypy cannot see
        return wrapped

    return decorator


def login_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For the few side-neutral pages (home, account): signed-in users of either side."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.mandate_roles = frozenset()  # type: ignore[attr-defined]  # a label mypy cannot see
    wrapped.mandate_side = "any"  # type: ignore[attr-defined]  # a label mypy cannot see
    return wrapped


def roles_context(request: HttpRequest) -> dict[str, Any]:
    held = user_roles(getattr(request, "user", None))
    labels = [ROLES[r].label for r in held]
    side = None
    if held:
        side = ROLES[next(iter(held))].side
    return {"user_role_codes": set(held), "user_role_labels": labels, "user_side": side}
