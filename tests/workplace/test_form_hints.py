"""Every hint a form field points to is on the page: Django gives a field with help text
aria-describedby="<id>_helptext", and a screen reader reads the hint only if an element has that id."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_hr_forms_hints_are_found(client, make_user, employer_org) -> None:
    client.force_login(make_user("hr_admin"))
    pointed = 0
    for name in ("imports", "adjustment_new", "policy_new"):
        page = client.get(reverse(f"workplace:{name}")).content.decode()
        for target in re.findall(r'aria-describedby="([^"]+)"', page):
            pointed += 1
            assert f'id="{target}"' in page, (name, target)
    assert pointed >= 2
