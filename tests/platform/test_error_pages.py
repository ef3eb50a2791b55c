"""The error pages (400, 403 and the CSRF failure, 404, 500) are styled, use the base layout and say what to do next; DEBUG is off.

The 500 and 400 pages are reached through real views that fail (this module is also a URLconf: the site's
routes plus two that raise), never by rendering the templates alone.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from tests.conftest import TEST_PASSWORD

from mandate.platform.urls import urlpatterns as site_urlpatterns


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view, with a secret: s3cret-member-address")


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered")


urlpatterns = [path("test-boom/", _boom), path("test-suspicious/", _suspicious), *site_urlpatterns]

LAYOUT = ('class="skip-link"', 'class="site-header"', "mandate/site.css", "mandate/favicon.svg",
          'data-testid="error-page"', 'class="site-footer')


def _uses_layout(html: str) -> None:
    for marker in LAYOUT:
        assert marker in html, marker
    assert "Go to your dashboard" in html
    assert "Traceback" not in html and "s3cret" not in html


@pytest.fixture
def errors_urls(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


@pytest.mark.django_db
def test_a_missing_page_is_a_styled_404(client: Client, settings) -> None:
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    _uses_layout(html)
    assert "<h1>Page not found</h1>" in html and "<title>Page not found – mandate</title>" in html


@pytest.mark.django_db
def test_a_missing_record_is_a_styled_404_too(client: Client, make_user, union_org, settings) -> None:
    settings.DEBUG = False
    make_user("union_official", "pcs", username="official")
    client.login(username="official", password=TEST_PASSWORD)
    response = client.get("/union/ballots/999999/")
    assert response.status_code == 404
    _uses_layout(response.content.decode())


@pytest.mark.django_db
def test_a_wrong_role_is_a_styled_403(client: Client, make_user, settings) -> None:
    settings.DEBUG = False
    make_user("union_official", "pcs", username="official")
    assert client.login(username="official", password=TEST_PASSWORD)
    response = client.get("/workplace/")
    assert response.status_code == 403
    html = response.content.decode()
    _uses_layout(html)
    assert "You cannot open this page" in html


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_is_a_styled_403(settings) -> None:
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    _uses_layout(html)
    assert "This form has expired" in html and "Nothing was saved" in html


@pytest.mark.django_db
def test_a_bad_request_is_a_styled_400(client: Client, errors_urls) -> None:
    response = client.get("/test-suspicious/")
    assert response.status_code == 400
    html = response.content.decode()
    _uses_layout(html)
    assert "could not be understood" in html


@pytest.mark.django_db
def test_a_disallowed_host_is_a_styled_400(client: Client, settings) -> None:
    settings.DEBUG = False
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    _uses_layout(response.content.decode())


@pytest.mark.django_db
def test_a_failing_view_is_a_styled_500_without_the_traceback(errors_urls) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    _uses_layout(html)
    assert "Something went wrong" in html and "RuntimeError" not in html


@pytest.mark.django_db
def test_the_favicon_is_served_as_svg(client: Client, settings) -> None:
    from django.contrib.staticfiles import finders

    path_on_disk = finders.find("mandate/favicon.svg")
    assert path_on_disk
    text = open(path_on_disk, encoding="utf-8").read()
    assert text.lstrip().startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert len(text) < 1000  # a small icon, not an embedded bitmap


def test_no_template_relies_on_an_inline_style() -> None:
    # The strict CSP (no 'unsafe-inline' for styles) blocks style="..." attributes on the site's pages: they
    # silently do nothing. Standalone documents rendered to PDF (their own <html>, not the base layout) are not
    # served under the CSP and may style themselves.
    import re
    from pathlib import Path

    import mandate

    root = Path(mandate.__file__).parent
    pages = [p for p in root.rglob("templates/**/*.html")
             if p.name == "base.html" or "<html" not in p.read_text(encoding="utf-8").lower()]
    assert len(pages) > 20
    offenders = [f"{p.relative_to(root)}:{n}" for p in pages
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"<[^>]*\sstyle\s*=", line)]
    assert offenders == []
