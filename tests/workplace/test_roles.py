"""Every workplace page checks its role: who may open it, who is refused, and anonymous users sign in first."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.union.test_action_role_matrix import ROUTES as ACTION_ROUTES

from mandate.platform.roles import EMPLOYER_ROLES, ROLES, UNION_ROLES
from mandate.workplace import urls

pytestmark = pytest.mark.django_db

ALL_EMPLOYER = set(EMPLOYER_ROLES)
# url name -> (kwargs, method, roles allowed)
MATRIX = {
    "dashboard": ({}, "get", ALL_EMPLOYER),
    "my_figure": ({}, "get", ALL_EMPLOYER),
    "my_figure_csv": ({}, "get", ALL_EMPLOYER),
    "team": ({}, "get", {"line_manager"}),
    "person": ({"staff_id": "S00001"}, "get", {"hr_admin", "line_manager"}),
    "person_csv": ({"staff_id": "S00001"}, "get", {"hr_admin", "line_manager"}),
    "organisation": ({}, "get", {"hr_admin", "estates_manager"}),
    "organisation_csv": ({}, "get", {"hr_admin", "estates_manager"}),
    "site": ({"code": "newport"}, "get", {"hr_admin", "estates_manager"}),
    "compare": ({}, "get", {"hr_admin", "estates_manager", "analyst"}),
    "policies": ({}, "get", {"hr_admin"}),
    "policy_new": ({}, "get", {"hr_admin"}),
    "policy_edit": ({"pk": 0}, "get", {"hr_admin"}),
    "imports": ({}, "get", {"hr_admin"}),
    "import_template": ({"kind": "staff"}, "get", {"hr_admin"}),
    "adjustments": ({}, "get", {"hr_admin"}),
    "adjustment_new": ({}, "get", {"hr_admin"}),
    "adjustment_edit": ({"pk": 0}, "get", {"hr_admin"}),
    "reminders": ({}, "get", {"hr_admin"}),
    "dispute_mode": ({}, "post", {"hr_admin"}),
    "evidence": ({}, "get", {"hr_admin", "analyst"}),
    "evidence_pdf": ({}, "post", {"hr_admin", "analyst"}),
    "my_purpose": ({}, "post", ALL_EMPLOYER),
    "purposes": ({}, "get", {"hr_admin", "estates_manager", "line_manager"}),
    "people": ({}, "get", {"hr_admin", "line_manager"}),
    "audit": ({}, "get", {"hr_admin"}),
    "policy_withdraw": ({"pk": 0}, "get", {"hr_admin"}),
    "adjustment_withdraw": ({"pk": 0}, "get", {"hr_admin"}),
}


# the estates routes have their own table: tests/workplace/test_estates.py::test_least_privilege
ESTATES_ROUTES = {p.name for p in urls.urlpatterns if p.name.startswith("estates")}


def test_the_matrix_covers_every_workplace_route() -> None:
    assert {p.name for p in urls.urlpatterns} - ACTION_ROUTES - ESTATES_ROUTES == set(MATRIX)  # those: their own
    for pattern in [p for p in urls.urlpatterns if p.name not in ACTION_ROUTES | ESTATES_ROUTES]:
        roles = pattern.callback.mandate_roles
        assert roles == MATRIX[pattern.name][2], pattern.name
        assert roles <= EMPLOYER_ROLES and not roles & UNION_ROLES


# The PDF route is asked for a period it refuses (400, from inside the view): the role gate has let the account
# in, and nothing is rendered; the PDF itself is rendered and checked in test_evidence.py.
REFUSED = {"evidence_pdf": {"date_from": "2026-10-31", "date_to": "2026-10-01"}}


def test_role_check(client, make_user, ledger) -> None:
    """Every route against every role, on one ledger (the pages only read; the two posts carry empty forms)."""
    from mandate.workplace.models import Adjustment, AttendancePolicy

    users = {role: make_user(role, "ons" if role in EMPLOYER_ROLES else "pcs") if role != "line_manager"
             else _manager(ledger) for role in sorted(ROLES)}
    for name in sorted(MATRIX):
        kwargs, method, allowed = MATRIX[name]
        if "pk" in kwargs:
            model = AttendancePolicy if name.startswith("policy_") else Adjustment
            kwargs = {"pk": model.objects.first().pk}
        url = reverse(f"workplace:{name}", kwargs=kwargs)
        data = REFUSED.get(name, {})

        def call(url: str, method: str = method, data: dict = data) -> object:
            return getattr(client, method)(url, data)

        client.logout()
        response = call(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name

        for role, user in users.items():
            client.force_login(user)
            status = call(url).status_code
            if role in allowed:
                # 404 only for "my figure" pages of accounts with no staff record; never a refusal
                expected = (200, 302, 404) if name.startswith("my_figure") else (200, 302)
                if name == "my_purpose":  # an empty form: refused with a reason, or no staff record to record for
                    expected = (400, 404)
                if name in REFUSED:
                    expected = (400,)
                assert status in expected, (name, role, status)
            else:
                assert status == 403, (name, role, status)


def _manager(ledger):
    return ledger.staff.get(staff_id="S00000").user


def test_a_line_manager_opens_only_their_own_reports(client, ledger, make_user) -> None:
    from mandate.workplace.models import StaffMember

    client.force_login(_manager(ledger))
    assert client.get(reverse("workplace:person", args=["S00001"])).status_code == 200
    stranger = StaffMember.objects.get(staff_id="S00002")
    stranger.line_manager = None
    stranger.save()
    assert client.get(reverse("workplace:person", args=["S00002"])).status_code == 403
    assert client.get(reverse("workplace:person_csv", args=["S00002"])).status_code == 403
    # their own figure is theirs; a staff member cannot open anyone else's
    client.force_login(ledger.staff.get(staff_id="S00001").user)
    assert client.get(reverse("workplace:person", args=["S00002"])).status_code == 403


def test_hr_of_another_organisation_cannot_reach_this_one(client, ledger, make_user) -> None:
    client.force_login(make_user("hr_admin", "other-department"))
    assert client.get(reverse("workplace:organisation")).status_code == 403
    assert client.get(reverse("workplace:person", args=["S00001"])).status_code == 403
