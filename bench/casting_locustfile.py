"""Locust users for bench/casting_faults.py. BENCH_TASK=page: a member signed in opening the dashboard (the
trivial signed-in page). BENCH_TASK=cast: members casting the ballots made in advance (BENCH_BALLOTS), each once;
a cast that gets no acknowledgement (the server or the database down under it) goes back in the queue and is
sent again, as a voter's client would. Each acknowledged tracking code is appended to BENCH_RECEIPTS."""

from __future__ import annotations

import json
import os
from collections import deque

from locust import HttpUser, constant, task
from locust.exception import StopUser

TASK = os.environ.get("BENCH_TASK", "page")
QUEUE: deque[dict] = deque()
if TASK == "cast":  # the ballots not acknowledged in an earlier phase
    with open(os.environ["BENCH_RECEIPTS"], encoding="ascii") as fh:
        DONE = {line.split()[0] for line in fh if line.strip()}
    with open(os.environ["BENCH_BALLOTS"], encoding="ascii") as fh:
        QUEUE.extend(item for line in fh if line.strip() and (item := json.loads(line))["tracking_code"] not in DONE)
RECEIPTS = open(os.environ["BENCH_RECEIPTS"], "a", encoding="ascii", buffering=1)


class Member(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        if TASK != "page":
            return
        # Signed in already: a session made for the bench's member account before the run, so the phase times
        # the page, not the password hashing of a sign-in (bench/load.py measures sign-in).
        self.client.cookies.set(os.environ["BENCH_COOKIE"], os.environ["BENCH_SESSION"], domain="127.0.0.1")

    @task
    def work(self) -> None:
        if TASK == "page":
            # The home page of a signed-in member: the session and the account read, the roles checked, and the
            # member sent to their side's dashboard (a redirect to the sign-in page would mean no session).
            with self.client.get("/", name="trivial signed-in page", allow_redirects=False, catch_response=True) as r:
                if r.status_code != 302 or "/accounts/login" in r.headers.get("Location", "/accounts/login"):
                    r.failure(f"answered {r.status_code} {r.headers.get('Location', '')}")
            return
        if not QUEUE:
            raise StopUser()
        item = QUEUE.popleft()
        path = f"/vote/{item['union']}/{item['ballot_code']}/api/cast.json"
        with self.client.post(path, name="cast", json={"ballot": item["ballot"]},
                              headers={"Authorization": f"Bearer {item['token']}"}, catch_response=True) as r:
            try:
                answer = r.json() if r.content else {}
            except ValueError:
                answer = {}
            if r.status_code in (200, 201) and answer.get("tracking_code") == item["tracking_code"]:
                RECEIPTS.write(f"{item['tracking_code']} {answer.get('seq', '')}\n")
                r.success()
            elif r.status_code and 400 <= r.status_code < 500:
                r.failure(f"refused {r.status_code}: {answer.get('error', '')[:80]}")  # a refusal: not sent again
            else:
                QUEUE.append(item)  # no acknowledgement: send it again later
                r.failure(f"no acknowledgement ({r.status_code})")
