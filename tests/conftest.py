"""Shared fixtures: users with roles, a small organisation on each side, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Rich sizes a console from COLUMNS (once, when it is made): tests read tables as a plain 80-column terminal
# shows them, whatever terminal runs the tests.
os.environ["COLUMNS"] = "80"
os.environ.pop("LINES", None)

CHROMIUM = os.environ.get("MANDATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TEST_PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_run_at_once(request, settings):
    """Background jobs run inside the call that starts them (django-tasks' immediate backend), unless a test is
    marked job_queue: those use the real database queue and real worker processes (tests/serving/)."""
    if request.node.get_closest_marker("job_queue") is None:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                      "QUEUES": ["default", "mail"]}}


@pytest.fixture(autouse=True)
def _two_factor_off(settings):
    """Tests sign users in with force_login; two-factor sign-in is switched on only by the tests of it
    (tests/platform/test_two_factor.py), as production settings have it on for officials and HR."""
    settings.MANDATE_REQUIRE_2FA_ROLES = []
    settings.MANDATE_REQUIRE_2FA_SUPERUSERS = False


@pytest.fixture(autouse=True)
def _audit_key_per_test(settings, tmp_path):
    """Each test's audit checkpoints are signed with its own key in its own folder, never the data folder's."""
    settings.MANDATE_AUDIT_KEY = tmp_path / "audit_signing_key"


@pytest.fixture(autouse=True)
def _audit_log_flushable(request):
    """Transactional (and browser) tests are cleaned by flushing every table. On SQLite the audit log's
    append-only triggers refuse the DELETE a flush uses (PostgreSQL's TRUNCATE does not fire them), so after
    such a test the entries are cleared with the triggers briefly lifted, and the triggers are put back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("mandate.platform.migrations.0002_audit_append_only_triggers").SQLITE
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
        cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        cursor.execute("DELETE FROM platform_auditentry")
        cursor.execute("DELETE FROM platform_audithead")
        for statement in triggers:
            cursor.execute(statement)


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    """make_user("hr_admin", scope="ons") -> a user holding that role, password TEST_PASSWORD."""
    from django.contrib.auth import get_user_model

    from mandate.platform.models import RoleAssignment

    def make(role: str, scope: str = "ons", username: str | None = None) -> object:
        user = get_user_model().objects.create_user(username or f"{role}-{scope}", password=TEST_PASSWORD)
        RoleAssignment.objects.create(user=user, role=role, scope=scope)
        return user

    return make


@pytest.fixture
def employer_org(db):
    """A small employer: two sites (one in Scotland), one team, three staff."""
    from mandate.workplace.models import Organisation, Site, StaffMember, Team

    org = Organisation.objects.create(code="ons", name="Office for National Statistics")
    newport = Site.objects.create(organisation=org, code="newport", name="Newport", nation="england-and-wales",
                                  is_headquarters=True, desk_capacity=900)
    edinburgh = Site.objects.create(organisation=org, code="edinburgh", name="Edinburgh", nation="scotland",
                                    desk_capacity=60)
    team = Team.objects.create(organisation=org, code="prices", name="Prices")
    for i, site in enumerate([newport, newport, edinburgh]):
        StaffMember.objects.create(
            organisation=org, staff_id=f"S{i:05d}", name=f"Staff {i}", home_site=site, team=team, grade="HEO",
            working_days="Mon;Tue;Wed;Thu;Fri", hours_per_day="7.40", fte="1.000", start_date=date(2020, 1, 1),
        )
    return org


@pytest.fixture
def union_org(db):
    """A small union: PCS with members at two ONS workplaces."""
    from mandate.union.models import Branch, Employer, Member, Union, Workplace

    pcs = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
    branch = Branch.objects.create(union=pcs, name="ONS Newport")
    employer = Employer.objects.create(union=pcs, code="ons", name="Office for National Statistics")
    newport = Workplace.objects.create(employer=employer, code="newport", name="Newport")
    titchfield = Workplace.objects.create(employer=employer, code="titchfield", name="Titchfield")
    for i, workplace in enumerate([newport, newport, titchfield]):
        Member.objects.create(
            union=pcs, branch=branch, membership_number=f"P{i:06d}", name=f"Member {i}",
            personal_email=f"m{i}@example.org", home_address=f"{i} High Street", employer=employer,
            workplace=workplace, job_category="Statistician", joined_on=date(2019, 1, 1),
        )
    return pcs


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A real headless Chromium (Debian's), driven by Playwright."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `python3 dev.py test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server) -> Callable[[str, str], object]:
    """login(username, password) signs in through the real login page and returns the page."""

    def sign_in(username: str, password: str = TEST_PASSWORD) -> object:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        # wait for the sign-in's own navigation: wait_for_load_state() alone returns at once on the login page
        # already loaded, and the next goto() could then cancel the POST before its session cookie arrives
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in
