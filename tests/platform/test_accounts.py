"""Sign in, sign out, change and reset a password, through Django's own views."""

from __future__ import annotations

import re

import pytest
from django.core import mail

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.django_db
def test_sign_in_and_out(client, make_user, employer_org) -> None:
    make_user("hr_admin", "ons", username="hr")
    response = client.post("/accounts/login/", {"username": "hr", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/workplace/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/workplace/").status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused(client, make_user) -> None:
    make_user("hr_admin", "ons", username="hr")
    response = client.post("/accounts/login/", {"username": "hr", "password": "wrong"})
    assert response.status_code == 200 and "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_change_password(client, make_user) -> None:
    user = make_user("member", "pcs", username="m")
    client.force_login(user)
    response = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": "a-new-long-passphrase-9", "new_password2": "a-new-long-passphrase-9"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase-9")


@pytest.mark.django_db
def test_reset_password_by_mail(client, make_user, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user("member", "pcs", username="m")
    user.email = "m@example.org"
    user.save()
    client.post("/accounts/password/reset/", {"email": "m@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "another-long-passphrase-7",
                                 "new_password2": "another-long-passphrase-7"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase-7")
