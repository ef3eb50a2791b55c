"""Dispute mode (spec §4): individual non-compliance outputs are withheld, aggregates remain, every access to
an individual's figures is logged, and a person always sees their own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mandate.platform.models import AuditEntry
from mandate.workplace.models import Organisation, StaffMember

pytestmark = pytest.mark.django_db
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


def _dispute(on: bool = True) -> None:
    Organisation.objects.filter(code="ons").update(dispute_mode=on)


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_hr_switches_dispute_mode_and_it_is_logged(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    client.post(reverse("workplace:dispute_mode"), {"dispute_mode": "on"})
    assert Organisation.objects.get(code="ons").dispute_mode
    client.post(reverse("workplace:dispute_mode"), {"dispute_mode": "off"})
    assert not Organisation.objects.get(code="ons").dispute_mode
    assert [e.action for e in AuditEntry.objects.filter(object_type="Organisation", action__startswith="dispute")] \
        == ["dispute_mode_on", "dispute_mode_off"]
    assert client.get(reverse("workplace:dispute_mode")).status_code == 405


def test_outside_dispute_the_below_target_list_is_shown_and_logged(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:organisation") + OCTOBER)
    assert [r["staff_id"] for r in response.context["below"]] == ["S00001", "S00002"]
    assert 'data-testid="below-target"' in response.content.decode()
    entry = _entries("view_individual_attendance_list")[-1]
    assert entry.detail["staff_ids"] == ["S00001", "S00002"] and entry.detail["dispute_mode"] is False


def test_in_dispute_hr_sees_aggregates_only(client, make_user, ledger) -> None:
    _dispute()
    client.force_login(make_user("hr_admin"))
    for url in (reverse("workplace:organisation"), reverse("workplace:site", args=["newport"])):
        response = client.get(url + OCTOBER)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="dispute-notice"' in page and 'data-testid="below-withheld"' in page
        assert 'data-testid="below-target"' not in page and "below" not in response.context
        for staff in StaffMember.objects.all():
            assert staff.name not in page and staff.staff_id not in page, url
    # the aggregates remain
    response = client.get(reverse("workplace:organisation") + OCTOBER)
    assert response.context["organisation_figure"]["required_days"] == 64
    assert 'data-testid="site-weekly"' in response.content.decode()
    assert not _entries("view_individual_attendance_list")


def test_in_dispute_the_team_view_withholds_individual_figures(client, ledger) -> None:
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)
    _dispute(False)
    before = client.get(reverse("workplace:team") + OCTOBER).content.decode()
    assert "25.0%" in before and "Not met" in before and "16.7%" in before  # 7 of 42 days, the team together
    _dispute()
    response = client.get(reverse("workplace:team") + OCTOBER)
    page = response.content.decode()
    assert 'data-testid="dispute-notice"' in page
    assert "25.0%" not in page and "9.1%" not in page and "Not met" not in page and "Met<" not in page
    assert all(row["periods"] == [] for row in response.context["rows"])
    # A team of two: its combined figure would reveal individuals, so it is withheld too.
    assert "aggregate" not in response.context and 'data-testid="team-withheld"' in page
    assert "16.7%" not in page
    assert "20%" in page  # adjusted expectations are not non-compliance outputs


def test_in_dispute_every_individual_access_is_logged_and_flags_withheld(client, make_user, ledger) -> None:
    _dispute()
    hr = make_user("hr_admin")
    client.force_login(hr)
    page = client.get(reverse("workplace:person", args=["S00001"]) + OCTOBER).content.decode()
    assert 'data-testid="target-met"' not in page and "Not met" not in page
    assert 'data-testid="percent"' in page  # the figure itself, for a lawful purpose, under audit
    client.get(reverse("workplace:person_csv", args=["S00001"]) + OCTOBER)
    manager = StaffMember.objects.get(staff_id="S00000").user
    client.force_login(manager)
    client.get(reverse("workplace:person", args=["S00002"]) + OCTOBER)
    entries = _entries("view_individual_attendance")
    assert [(e.actor, e.object_id, e.detail["page"], e.detail["dispute_mode"]) for e in entries] == [
        (hr.username, "S00001", "person", True),
        (hr.username, "S00001", "person_csv", True),
        (manager.username, "S00002", "person", True),
    ]
    assert entries[0].detail["date_from"] == "2026-10-01" and entries[0].detail["policy"] == "ONS individual 40%"


def test_in_dispute_a_person_still_sees_their_own_figure_and_csv(client, ledger) -> None:
    _dispute()
    user = StaffMember.objects.get(staff_id="S00001").user
    client.force_login(user)
    page = client.get(reverse("workplace:my_figure") + OCTOBER).content.decode()
    assert 'data-testid="target-met"' in page and "25.0%" in page
    csv = client.get(reverse("workplace:my_figure_csv") + OCTOBER)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert [(e.actor, e.object_id, e.detail["page"]) for e in _entries("view_individual_attendance")] == [
        (user.username, "S00001", "own"), (user.username, "S00001", "own_csv")]


def test_the_wing_holds_nothing_a_membership_filter_could_use() -> None:
    """No model field, form field or page parameter in the wing concerns union membership or industrial action."""
    from django.apps import apps

    from mandate.workplace import forms

    words = ("union", "membership", "strike", "industrial_action", "ballot")
    names = [f.name for m in apps.get_app_config("workplace").get_models() for f in m._meta.get_fields()]
    names += [n for form in (forms.PeriodForm, forms.ComparePolicyForm, forms.AdjustmentForm, forms.ImportForm,
                             forms.PolicyForm) for n in form.base_fields]
    assert names and not [n for n in names if any(w in n.lower() for w in words)]
