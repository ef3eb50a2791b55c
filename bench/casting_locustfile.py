"""Locust users for bench/casting_faults.py. BENCH_TASK=page: a member signed in opening the dashboard (the
trivial signed-in page). BENCH_TASK=cast: members casting the ballots made in advance (BENCH_BALLOTS), each once;
a cast that gets no acknowledgement (the server or the database down under it) goes back in the queue and is
sent again, as a voter's client would. Each acknowledged tracking code is appended to BENCH_RECEIPTS."""

from __future__ import annotations

import json
import os
import re
from collections import deque

from locust import HttpUser, constant, task
from locust.exception import StopUser

TASK = os.environ.get("BENCH_TASK", "page")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUEUE: deque[dict] = deque()
if TASK == "cast":
    with open(os.environ["BENCH_BALLOTS"], encoding="ascii") as fh:
        QUEUE.extend(json.loads(line) for line in fh if line.strip())
RECEIPTS = open(os.environ["BENCH_RECEIPTS"], "a", encoding="ascii", buffering=1)


class Member(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        if TASK != "page":
            return
        page = self.client.get("/accounts/login/", name="sign-in page")
        match = TOKEN.search(page.text)
        self.client.post("/accounts/login/", name="sign-in",
                         data={"username": os.environ["BENCH_USER"], "password": os.environ["BENCH_PASSWORD"],
                               "csrfmiddlewaretoken": match.group(1) if match else ""},
                         headers={"Referer": self.host + "/accounts/login/"})

    @task
    def work(self) -> None:
        if TASK == "page":
            self.client.get("/", name="trivial signed-in page")
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
