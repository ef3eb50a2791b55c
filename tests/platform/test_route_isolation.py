"""Every route checks its role: no employer-side role reaches a union page, and the reverse.

The test walks Django's URL resolver, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from mandate.platform.roles import EMPLOYER_ROLES, UNION_ROLES

# Routes anyone may open: signing in and recovering a password. Admin has its own superuser check.
PUBLIC = {"login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete",
          "calendar_feed",  # the action calendar's iCal feed: its secret token is the key (tests/union/test_action_feed.py)
          "board:board", "board:record"}  # an electronic ballot's bulletin board: what its record publishes
SIDE_NEUTRAL = {"home", "password_change", "password_change_done", "two_factor",
                "job", "job_status", "job_result"}  # a job: its starter's, in the role it was started in


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, object]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield name, prefix + str(entry.pattern), entry.callback


def _sample_path(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = (match.group(1) or "str").rstrip(":")
        return {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "path": "x/y"}.get(converter, "x")

    path = re.sub(r"<(?:(\w+):)?\w+>", fill, route)
    path = path.replace("^", "").replace("$", "")
    return "/" + path


ROUTES = list(_walk(get_resolver().url_patterns))
WING_ROUTES = [(n, r, c) for n, r, c in ROUTES if n.startswith(("workplace:", "union:"))]


def test_the_walk_finds_both_wings() -> None:
    names = {name for name, _, _ in ROUTES}
    assert "workplace:dashboard" in names and "union:dashboard" in names


@pytest.mark.parametrize("name,route,callback", ROUTES, ids=[r[0] or r[1] for r in ROUTES])
def test_every_route_declares_who_may_open_it(name: str, route: str, callback: object) -> None:
    if name in PUBLIC:
        return
    side = getattr(callback, "mandate_side", None)
    if side == "public":  # a page that checks a link, a code or a token itself (the members' voting pages)
        assert name.startswith("vote:"), f"{name or route}: only the voting pages are public"
        return
    assert side is not None, f"{name or route} has no role check (wrap the view in role_required)"
    if name.startswith("workplace:"):
        assert side == "employer" and getattr(callback, "mandate_roles", None) <= EMPLOYER_ROLES
    elif name.startswith("union:"):
        assert side == "union" and getattr(callback, "mandate_roles", None) <= UNION_ROLES
    else:
        assert name in SIDE_NEUTRAL, f"{name or route} is outside both wings; decide its side"


@pytest.mark.django_db
@pytest.mark.parametrize("name,route,callback", WING_ROUTES, ids=[r[0] for r in WING_ROUTES])
def test_the_other_side_is_refused(name: str, route: str, callback: object, client, make_user,
                                   employer_org, union_org) -> None:
    path = _sample_path(route)
    if name.startswith("union:"):
        outsiders = [make_user(role, "ons") for role in sorted(EMPLOYER_ROLES)]
    else:
        outsiders = [make_user(role, "pcs") for role in sorted(UNION_ROLES)]
    for user in outsiders:
        client.force_login(user)
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in (403, 405), (
                f"{user.username} got {response.status_code} from {method.__name__.upper()} {path}")
    client.logout()
    anonymous = client.get(path)
    assert anonymous.status_code in (302, 405) and (
        anonymous.status_code == 405 or "/accounts/login/" in anonymous["Location"])


@pytest.mark.django_db
def test_one_account_cannot_hold_both_sides(make_user) -> None:
    from django.core.exceptions import ValidationError

    from mandate.platform.models import RoleAssignment

    user = make_user("hr_admin", "ons")
    with pytest.raises(ValidationError):
        RoleAssignment.objects.create(user=user, role="union_official", scope="pcs")


@pytest.mark.django_db
def test_one_account_acts_in_one_scope(make_user) -> None:
    """A member of one union cannot also be an official of another and reach the first one's register."""
    from django.core.exceptions import ValidationError

    from mandate.platform.models import RoleAssignment

    user = make_user("member", "aaa")
    with pytest.raises(ValidationError, match="one organisation or union"):
        RoleAssignment.objects.create(user=user, role="union_official", scope="zzz")
    RoleAssignment.objects.create(user=user, role="branch_rep", scope="aaa")  # more roles in the same scope: fine


@pytest.mark.django_db
def test_admin_is_for_superusers_only(client, make_user) -> None:
    staff_user = make_user("hr_admin", "ons")
    staff_user.is_staff = True
    staff_user.save()
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 302
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x-very-long-password")
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
