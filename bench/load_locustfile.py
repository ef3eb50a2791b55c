"""Locust users for bench/load.py: a staff member reading My attendance, an official reading a ballot and its
turnout, each signing in again one time in twenty (a new session, the password hashed as in production)."""

from __future__ import annotations

import os
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "mandate-demo")
BALLOT = os.environ.get("LOAD_BALLOT", "1")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.0, 0.1)
    username = ""

    def sign_in(self) -> None:
        self.client.cookies.clear()
        page = self.client.get("/accounts/login/", name="sign-in page")
        match = TOKEN.search(page.text)
        token = match.group(1) if match else ""
        with self.client.post("/accounts/login/", name="sign-in",
                              data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                              headers={"Referer": self.host + "/accounts/login/"}, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def on_start(self) -> None:
        self.sign_in()


class Staff(SignedIn):
    username = "staff"

    @task(19)
    def my_attendance(self) -> None:
        self.client.get("/workplace/me/", name="My attendance")

    @task(1)
    def again(self) -> None:
        self.sign_in()


class Official(SignedIn):
    username = "official"

    @task(10)
    def turnout(self) -> None:
        self.client.get(f"/union/ballots/{BALLOT}/turnout/", name="turnout page")

    @task(9)
    def ballot(self) -> None:
        self.client.get(f"/union/ballots/{BALLOT}/", name="ballot page")

    @task(1)
    def again(self) -> None:
        self.sign_in()
