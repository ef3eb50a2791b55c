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


GATED_WORKER = """
import pathlib, time
from mandate.cli.django_setup import setup_django
setup_django()
from mandate.union import documents
real = documents.render_papers
def gated(*args, **kwargs):
    count = real(*args, **kwargs)  # the real render, then held until the test has finished its rounds
    pathlib.Path({started!r}).touch()
    while not pathlib.Path({gate!r}).exists():
        time.sleep(0.05)
    return count
documents.render_papers = gated
from mandate.cli.web import run_worker
run_worker("default,mail", 0.2, False)
"""


def test_sqlite_a_long_job_while_people_sign_in_and_work(make_site) -> None:
    """On the embedded SQLite, four people sign in, open pages, write (a sign-in writes the session, the last
    sign-in and the audit log) and sign out while a worker renders voting papers under several web workers:
    no "database is locked", no error. The render is held open (after rendering every paper, before it is
    stored) until every person has finished their rounds, so the rounds surely ran while the job was
    rendering, however fast or slow the machine: a render holding SQLite's write lock (as it did inside the
    ballot's transaction) would make every sign-in wait out the busy timeout and fail."""
    site = make_site("sqlite")
    ballot = site.seed(electors=250, others=4)
    base = site.serve(workers=3)
    started, gate = site.tmp / "render-started", site.tmp / "render-gate"
    site.start("-c", GATED_WORKER.format(started=str(started), gate=str(gate)), log="worker.log", module=False)
    official = Browser(base)
    official.sign_in("official")
    _, headers, _ = official.post(f"/union/ballots/{ballot}/step/papers/", {}, form_page=f"/union/ballots/{ballot}/")
    job = headers["Location"]
    deadline = time.monotonic() + 300
    while not started.exists():
        assert time.monotonic() < deadline, site.logs()[-3000:]
        time.sleep(0.1)
    statuses: collections.Counter[int] = collections.Counter()
    problems: list[str] = []

    def person(name: str) -> None:
        try:
            for _ in range(3):
                browser = Browser(base)
                browser.sign_in(name)  # a session written, last_login written, the sign-in in the audit log
                for path in ("/union/", "/union/ballots/", f"/union/ballots/{ballot}/", "/union/mandates/"):
                    status, _, _ = browser.get(path)
                    statuses[status] += 1
                status, _, _ = browser.post("/accounts/logout/", {}, form_page="/union/")
                statuses[status] += 1
        except Exception as error:  # noqa: BLE001 (reported below, with the server's log)
            problems.append(f"{name}: {error!r}")

    people = [threading.Thread(target=person, args=(f"rep{i}",)) for i in range(4)]
    for p in people:
        p.start()
    for p in people:
        p.join(timeout=300)
    during = official.json(job + "status.json")
    gate.touch()
    while (state := official.json(job + "status.json"))["status"] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, site.logs()[-3000:]
        time.sleep(0.3)
    logs = site.logs()
    assert during["status"] == "running", during  # every round ran while the render was still going on
    assert state["status"] == "succeeded", (state, logs[-3000:])
    assert not problems, (problems, logs[-3000:])
    assert "database is locked" not in logs and "Traceback" not in logs, logs[-3000:]
    assert set(statuses) <= {200, 302} and sum(statuses.values()) == 4 * 3 * 5, statuses
