"""Several worker processes on one database; SQLite holding up under a long job and people working."""

from __future__ import annotations

import collections
import json
import threading
import time

import pytest
from tests.serving.conftest import Browser

pytestmark = pytest.mark.slow

QUEUE_MAILS = """
from mandate.cli.django_setup import setup_django
setup_django()
from django.contrib.auth import get_user_model
from mandate.platform.mail import queue_mail
users = list(get_user_model().objects.order_by("pk"))
for i in range({count}):
    user = users[i % len(users)]
    queue_mail(user, kind="test-notice", subject=f"Notice {{i}}", body=f"Message number {{i}} for {{user.username}}")
"""

STATE = """
from mandate.cli.django_setup import setup_django
setup_django()
import json
from django_tasks_db.models import DBTaskResult
from mandate.platform.models import AuditEntry, Job
print(json.dumps({
    "jobs": sorted(Job.objects.values_list("status", flat=True)),
    "attempts": sorted(set(Job.objects.values_list("attempts", flat=True))),
    "tasks": [[t.status, t.worker_ids] for t in DBTaskResult.objects.all()],
    "logged": AuditEntry.objects.filter(action="message.sent").count(),
}))
"""


def _wait_for(site, name: str, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in site.log(name):
        assert time.monotonic() < deadline, site.logs()[-3000:]
        time.sleep(0.1)


def test_two_workers_drain_one_queue_and_no_job_runs_twice(make_site) -> None:
    """Two `mandate worker` processes take 120 mails from one queue in the database (PostgreSQL in the
    PostgreSQL run: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: an exclusive transaction): every mail is sent
    exactly once, each task was run by one worker, and both workers took some."""
    site = make_site(MANDATE_EMAIL_URL="")
    site.seed(electors=3, others=10)
    a, b = site.worker("a"), site.worker("b")
    _wait_for(site, "a.log", "Starting worker")
    _wait_for(site, "b.log", "Starting worker")
    site.python(QUEUE_MAILS.format(count=120))
    deadline = time.monotonic() + 180
    while True:
        state = json.loads(site.python(STATE))
        if all(s in {"succeeded", "failed"} for s in state["jobs"]):
            break
        assert time.monotonic() < deadline, (state, site.logs()[-3000:])
        time.sleep(0.5)
    assert state["jobs"] == ["succeeded"] * 120 and state["attempts"] == [1]
    assert all(status == "SUCCESSFUL" and len(workers) == 1 for status, workers in state["tasks"]), state["tasks"]
    by_worker = collections.Counter(workers[0] for _, workers in state["tasks"])
    assert len(by_worker) == 2, by_worker  # both took jobs
    mails = [p.read_text() for p in (site.data / "mail").iterdir()]
    numbers = collections.Counter(
        line.split()[2] for text in mails for line in text.splitlines() if line.startswith("Message number"))
    assert sorted(numbers) == sorted(str(i) for i in range(120)) and set(numbers.values()) == {1}
    assert state["logged"] == 120
    assert a.poll() is None and b.poll() is None  # still waiting for more


def test_sqlite_a_long_job_while_people_sign_in_and_work(make_site) -> None:
    """On the embedded SQLite, four people sign in, open pages and sign out over and over while a worker
    renders 250 voting papers and several web workers serve them: no "database is locked", no error."""
    site = make_site("sqlite")
    ballot = site.seed(electors=250, others=4)
    base = site.serve(workers=3)
    site.worker()
    official = Browser(base)
    official.sign_in("official")
    _, headers, _ = official.post(f"/union/ballots/{ballot}/step/papers/", {}, form_page=f"/union/ballots/{ballot}/")
    job = headers["Location"]
    statuses: collections.Counter[int] = collections.Counter()
    rounds = collections.Counter[str]()
    finished = threading.Event()
    problems: list[str] = []

    def person(name: str) -> None:
        try:
            while not finished.is_set():
                browser = Browser(base)
                browser.sign_in(name)  # a session written, last_login written, the sign-in in the audit log
                for path in ("/union/", "/union/ballots/", f"/union/ballots/{ballot}/", "/union/mandates/"):
                    status, _, _ = browser.get(path)
                    statuses[status] += 1
                status, _, _ = browser.post("/accounts/logout/", {}, form_page="/union/")
                statuses[status] += 1
                rounds[name] += 1
        except Exception as error:  # noqa: BLE001 (reported below, with the server's log)
            problems.append(f"{name}: {error!r}")

    people = [threading.Thread(target=person, args=(f"rep{i}",)) for i in range(4)]
    for p in people:
        p.start()
    deadline = time.monotonic() + 300
    while (state := official.json(job + "status.json"))["status"] not in {"succeeded", "failed"}:
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    finished.set()
    for p in people:
        p.join(timeout=60)
    logs = site.logs()
    assert state["status"] == "succeeded", (state, logs[-3000:])
    assert not problems, (problems, logs[-3000:])
    assert "database is locked" not in logs and "Traceback" not in logs, logs[-3000:]
    assert set(statuses) <= {200, 302}, statuses
    assert min(rounds.values()) >= 2, rounds  # each person worked while the job ran
