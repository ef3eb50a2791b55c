"""A real site for the serving tests: its own database (SQLite file or a PostgreSQL database of its own),
migrated and seeded by the `mandate` command in subprocesses, served by `mandate serve` (gunicorn) and worked
by `mandate worker` processes, and spoken to over HTTP like a browser would (cookies, CSRF tokens)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PASSWORD = "correct-horse-battery-staple"

SEED = """
from mandate.cli.django_setup import setup_django
setup_django()
from datetime import date
from django.contrib.auth import get_user_model
from mandate.platform.models import RoleAssignment
from mandate.union import ballots as svc
from mandate.union.models import Dispute, Employer, Union
from mandate.union.register import import_register
from tests.union.helpers import register_csv

electors = {electors}
users = get_user_model().objects
def make(name, role, scope):
    user = users.create_user(name, email=name + "@example.org", password={password!r})
    RoleAssignment.objects.create(user=user, role=role, scope=scope)
make("official", "union_official", "pcs")
for i in range({others}):
    make(f"rep{{i}}", "branch_rep", "pcs")
pcs = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
ons = Employer.objects.create(union=pcs, code="ons", name="Office for National Statistics")
for code in ("newport", "titchfield"):
    ons.workplaces.create(code=code, name=code.title())
import_register(pcs, register_csv({{"newport": electors - electors // 3, "titchfield": electors // 3}}))
dispute = Dispute.objects.create(union=pcs, code="d", title="Attendance", matters="40%", opened_on=date(2024, 4, 1))
ballot = svc.create_ballot(pcs, dispute, code="b", title="Attendance ballot", opening_day=date(2026, 11, 2),
                           closing_day=date(2026, 11, 16), employers=[ons], questions={{"strike": {{}}}},
                           scrutineer_name="Civica", return_address="PO Box 1")
svc.freeze_electorate(ballot)
from mandate.union import services
services.issue_notices(ballot, sent_on=date(2026, 10, 12), expected_receipt=date(2026, 10, 14),
                       actor=users.get(username="official"))
print(ballot.pk)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vendor() -> str:
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


class Browser:
    """A signed-in user over HTTP: a cookie jar, CSRF tokens read from the forms, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (http to the test server)
        if data is not None:
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=180) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request(path)

    def csrf(self, path: str) -> str:
        status, _, body = self.get(path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert match, (path, status, body[:300])
        return match.group(1).decode()

    def post(self, path: str, data: dict[str, str], form_page: str | None = None) -> tuple[int, dict[str, str], bytes]:
        token = self.csrf(form_page or path)
        return self.request(path, {**data, "csrfmiddlewaretoken": token})

    def upload(self, path: str, data: dict[str, str], name: str, filename: str, content: bytes,
               form_page: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """A form with a file, sent as a browser sends it (multipart/form-data)."""
        boundary = uuid.uuid4().hex
        fields = {**data, "csrfmiddlewaretoken": self.csrf(form_page or path)}
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 "Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (http to the test server)
        req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=180) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        status, headers, _ = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 302, (username, status)

    def json(self, path: str) -> dict[str, Any]:
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        return json.loads(body)


class Site:
    """One mandate installation: data folder, database, and the processes serving it."""

    def __init__(self, tmp: Path, db: str, **extra_env: str) -> None:
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.data = tmp / "var"
        self.processes: list[subprocess.Popen[bytes]] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MANDATE_", "DATABASE_URL", "PYTEST", "DJANGO_"))}
        env.update(PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}", MANDATE_DATA_DIR=str(self.data),
                   MANDATE_FAST_PASSWORDS="1", MANDATE_LOG_LEVEL="INFO",
                   MANDATE_REQUIRE_2FA_ROLES="", MANDATE_REQUIRE_2FA_SUPERUSERS="0",  # tested in tests/platform
                   **extra_env)
        self.db_name = ""
        if db == "postgresql":
            base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            self.db_name = f"mandate_site_{uuid.uuid4().hex[:10]}"
            subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {self.db_name}"], check=True)
            env["DATABASE_URL"] = f"{base}/{self.db_name}"
        self.env = env
        self.mandate("manage", "migrate", "--no-input", "-v", "0")

    def mandate(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([PYTHON, "-m", "mandate.cli", *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=300, **kw)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def python(self, code: str) -> str:
        result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def seed(self, electors: int, others: int = 4) -> int:
        """An official, `others` branch representatives and a ballot with a frozen electorate; its id."""
        return int(self.python(SEED.format(electors=electors, others=others, password=PASSWORD)).split()[-1])

    def start(self, *args: str, log: str, module: bool = True) -> subprocess.Popen[bytes]:
        """A process of the site: `mandate ARGS` (or, with module=False, `python ARGS`) in a session of its own."""
        out = open(self.tmp / log, "wb")
        process = subprocess.Popen([PYTHON, *(["-m", "mandate.cli"] if module else []), *args], cwd=ROOT, env=self.env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def serve(self, workers: int = 2, dev: bool = False) -> str:
        port = free_port()
        self.start("serve", "--port", str(port), *(["--dev"] if dev else ["--workers", str(workers)]),
                   log="dev.log" if dev else "serve.log")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=30).read()  # noqa: S310
                return base
            except OSError:  # not listening yet, or its first answer slow on a busy machine
                time.sleep(0.2)
        raise AssertionError("the server did not start: " + self.logs()[-3000:])

    def worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        return self.start("worker", "--interval", "0.2", log=f"{name}.log")

    def log(self, name: str) -> str:
        return (self.tmp / name).read_text(errors="replace")

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in sorted(self.tmp.glob("*.log")))

    def close(self) -> None:
        for process in self.processes:  # each in a session of its own: its children (gunicorn's workers) too
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if self.db_name:
            base = self.env["DATABASE_URL"].rsplit("/", 1)[0]
            subprocess.run(["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)"],
                           check=False)


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Any]:
    """make_site(db="sqlite"|"postgresql", **env) -> a migrated Site; every process it started is stopped after."""
    sites: list[Site] = []

    def make(db: str | None = None, **env: str) -> Site:
        site = Site(tmp_path / f"site{len(sites)}", db or vendor(), **env)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.close()
