"""The demo's electronic ballots: one counted whose record verifies, one open in which the demo member votes
from the credential message the demo delivered (the demo-only page shows it, in MANDATE_DEMO=1 only)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_counted_verified_and_an_open_electronic_ballot(settings, tmp_path) -> None:
    from django.contrib.auth import get_user_model

    from mandate.crypto.verifier import verify_record
    from mandate.demo.electronic import COUNTED_CODE, OPEN_CODE
    from mandate.demo.scenario import load_demo
    from mandate.union.electronic import record as rec
    from mandate.union.models import Ballot, RecordEvent

    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert load_demo(seed=3, staff=300) == 0
    counted = Ballot.objects.get(code=COUNTED_CODE)
    assert counted.stage == "counted" and counted.election.verification["ok"]
    path = tmp_path / "counted.jsonl"
    path.write_text(rec.record_text(counted.election), encoding="ascii")
    report = verify_record(path, workers=1)
    assert report.ok and report.verified.ballots.counted == RecordEvent.objects.filter(
        election=counted.election, kind="ballot").count()
    open_ = Ballot.objects.get(code=OPEN_CODE)
    assert open_.stage == "open" and RecordEvent.objects.filter(election=open_.election, kind="credentials").exists()

    member = Client()
    member.force_login(get_user_model().objects.get(username="member"))
    settings.MANDATE_DEMO = False
    assert member.get("/union/demo/vote/").status_code == 404
    settings.MANDATE_DEMO = True
    assert b"Vote in it as a member" in member.get("/union/").content
    page = member.get("/union/demo/vote/").content.decode()
    link = re.search(r'href="(http[^"]+#credential=[0-9a-f]{64})"', page)
    assert link, page
    path = link[1].split("://", 1)[1].split("/", 1)[1].split("#")[0]
    assert Client().get("/" + path).status_code == 200  # the link opens the member's voting page
