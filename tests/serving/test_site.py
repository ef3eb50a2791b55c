"""The whole service as deployed: gunicorn, WhiteNoise, job workers, one database (the suite's vendor)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.serving.conftest import ROOT, Browser

pytestmark = pytest.mark.slow


def _job_path(headers: dict[str, str]) -> str:
    location = headers.get("Location", "")
    assert re.fullmatch(r"/jobs/[0-9a-f-]{36}/", location), location
    return location


def test_gunicorn_serves_the_app_and_hashed_compressed_static_files(make_site) -> None:
    site = make_site()
    base = site.serve(workers=3)
    browser = Browser(base)
    status, headers, body = browser.get("/accounts/login/")
    assert status == 200 and headers["Server"].startswith("gunicorn")
    css = re.search(rb'href="(/static/mandate/site\.[0-9a-f]{12}\.css)"', body)
    assert css, body[:500]  # a content-hashed name from the manifest
    import urllib.request

    request = urllib.request.Request(base + css.group(1).decode(), headers={"Accept-Encoding": "gzip"})  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
    assert (site.data / "static" / "staticfiles.json").exists()  # collected into the data folder at start
    master = site.processes[0].pid
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    assert len(children) == 3, children  # the workers asked for
    # The development server, afterwards on the same data folder: plain names from the apps' folders (the
    # manifest left by `serve` is not used, so an edited file is never hidden behind an old hashed copy).
    dev = Browser(site.serve(dev=True))
    status, headers, body = dev.get("/accounts/login/")
    assert status == 200 and b'href="/static/mandate/site.css"' in body and "gunicorn" not in headers.get("Server", "")
    assert dev.get("/static/mandate/site.css")[0] == 200


def test_a_voting_papers_job_shows_its_progress_and_its_result(make_site) -> None:
    site = make_site()
    ballot = site.seed(electors=240)
    base = site.serve()
    official = Browser(base)
    official.sign_in("official")
    status, headers, _ = official.post(f"/union/ballots/{ballot}/step/papers/", {},
                                       form_page=f"/union/ballots/{ballot}/")
    assert status == 302
    job = _job_path(headers)
    # No worker yet: the request has returned, the job waits, and the page says so and reloads itself.
    status, _, page = official.get(job)
    assert status == 200 and b"Waiting for a worker" in page and b'http-equiv="refresh"' in page
    assert official.json(job + "status.json")["status"] == "queued"
    # Nobody else sees it.
    rep = Browser(base)
    rep.sign_in("rep0")
    assert rep.get(job)[0] == 404

    site.worker()
    seen: list[tuple[str, str, int, int]] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = official.json(job + "status.json")
        seen.append((state["status"], state["stage"], state["done"], state["total"]))
        if state["status"] in {"succeeded", "failed"}:
            break
        time.sleep(0.05)
    assert state["status"] == "succeeded", (state, site.logs()[-3000:])
    running = [s for s in seen if s[0] == "running"]
    assert running and any(s[1] == "Rendering 240 voting papers into one PDF" and s[3] == 240 for s in running), seen
    assert state["done"] == state["total"] == 240 and state["attempts"] == 1
    status, _, page = official.get(job)
    assert b'http-equiv="refresh"' not in page and b"Voting papers, numbers 1 to 240" in page
    status, headers, pdf = official.get(state["result_url"])
    assert status == 200 and pdf[:4] == b"%PDF"


def test_a_killed_workers_job_is_run_again_by_another_worker(make_site) -> None:
    site = make_site(MANDATE_JOB_HEARTBEAT_SECONDS="0.5", MANDATE_JOB_STALE_SECONDS="3")
    ballot = site.seed(electors=400)
    base = site.serve()
    official = Browser(base)
    official.sign_in("official")
    _, headers, _ = official.post(f"/union/ballots/{ballot}/step/papers/", {}, form_page=f"/union/ballots/{ballot}/")
    job = _job_path(headers)
    first = site.worker("first")
    deadline = time.monotonic() + 60
    while official.json(job + "status.json")["status"] != "running":
        assert time.monotonic() < deadline, site.logs()[-3000:]
        time.sleep(0.05)
    first.kill()  # SIGKILL: the worker dies mid-render, with no chance to clean up
    first.wait()
    site.worker("second")
    deadline = time.monotonic() + 240
    while (state := official.json(job + "status.json"))["status"] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, (state, site.logs()[-3000:])
        time.sleep(0.2)
    assert state["status"] == "succeeded" and state["attempts"] == 2, state
    # The lost attempt is marked failed in the queue, not left "running" for ever.
    out = site.python("from mandate.cli.django_setup import setup_django\nsetup_django()\n"
                      "from django_tasks_db.models import DBTaskResult\n"
                      "print(sorted(DBTaskResult.objects.values_list('status', flat=True)))")
    assert "RUNNING" not in out and out.count("FAILED") == 1 and "SUCCESSFUL" in out, out


def test_dev_py_start_runs_gunicorn_and_a_worker_and_stops_both(tmp_path: Path) -> None:
    """What `python3 dev.py start` runs once installed: the production server and a worker beside it; when the
    server is stopped (SIGTERM), the worker is stopped too."""
    from tests.serving.conftest import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MANDATE_", "DATABASE_URL", "PYTEST"))}
    env.update(MANDATE_DATA_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT / "src"))
    subprocess.run([sys.executable, "-m", "mandate.cli", "manage", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    mandate = Path(sys.executable).parent / "mandate"
    dev = subprocess.Popen([sys.executable, "-c", f"import dev, sys; sys.exit(dev.serve_with_worker(dev.Path({str(mandate)!r}), {port}))"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        import urllib.request

        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                    assert response.headers["Server"].startswith("gunicorn")
                    break
            except OSError:
                assert dev.poll() is None and time.monotonic() < deadline, dev.stdout.read().decode()[-3000:]
                time.sleep(0.5)
        ours = subprocess.run(["pgrep", "-s", str(dev.pid)], capture_output=True, text=True).stdout.split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in ours if Path(f"/proc/{pid}").exists()]
        assert [b"worker"] in [c[2:3] for c in commands] and [b"serve"] in [c[2:3] for c in commands], commands
        server = next(int(pid) for pid, c in zip(ours, commands, strict=False) if c[2:3] == [b"serve"])
        os.kill(server, signal.SIGTERM)  # the server stops (as on Ctrl+C): the worker must not be left behind
        assert dev.wait(timeout=60) == 0, dev.stdout.read().decode()[-3000:]
        time.sleep(0.5)
        left = subprocess.run(["pgrep", "-s", str(dev.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], left
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)


def test_check_deploy_is_clean_with_the_tls_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MANDATE_", "PYTEST", "DJANGO_"))}
    env.update(MANDATE_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), MANDATE_SECURE="1",
               MANDATE_BEHIND_PROXY="1", MANDATE_ALLOWED_HOSTS="mandate.example.org",
               MANDATE_CSRF_TRUSTED_ORIGINS="https://mandate.example.org",
               MANDATE_SECRET_KEY="k" + "x7Qp2vN9sR4tW8yZ1bC5dF0gH3jK6mL" * 2)
    result = subprocess.run([sys.executable, "-m", "mandate.cli", "manage", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    # and without them the same check does warn: the test would notice the settings going missing
    env.pop("MANDATE_SECURE")
    plain = subprocess.run([sys.executable, "-m", "mandate.cli", "manage", "check", "--deploy"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert "security.W004" in plain.stdout + plain.stderr and "security.W012" in plain.stdout + plain.stderr
    settings = subprocess.run(
        [sys.executable, "-c", "import json; from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE,"
         " s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER,"
         " s.CSRF_TRUSTED_ORIGINS]))"],
        cwd=ROOT, env={**env, "MANDATE_SECURE": "1", "DJANGO_SETTINGS_MODULE": "mandate.platform.settings"},
        capture_output=True, text=True, timeout=60)
    assert json.loads(settings.stdout) == [True, True, True, 31536000, ["HTTP_X_FORWARDED_PROTO", "https"],
                                           ["https://mandate.example.org"]]
