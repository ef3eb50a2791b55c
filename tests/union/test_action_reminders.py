"""Reminders to officials: a re-ballot to keep cover (the renewal planner's dates), a notice's latest day of
receipt, a package with no recorded receipt; each once per event and official, however often the daily run
runs, on days before, on and after the deadlines; logged without the text; nothing about members."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from tests.union.action_helpers import counted_ballot
from typer.testing import CliRunner

from mandate.cli import app
from mandate.platform import exchange as ex
from mandate.platform.models import AuditEntry
from mandate.union import action as act
from mandate.union import action_reminders as rem
from mandate.union import rules
from mandate.union.models import Mandate, Reminder

pytestmark = pytest.mark.django_db


def _setup(union_org, make_user):
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    strike = Mandate.objects.get(ballot=b, kind="strike")
    official = make_user("union_official", "pcs", username="official")
    official.email = "official@pcs.example"
    official.save()
    make_user("union_official", "pcs", username="no-address")  # no address: not mailed
    rep = make_user("branch_rep", "pcs", username="rep")
    rep.email = "rep@pcs.example"
    rep.save()  # not an official: not mailed
    other = make_user("union_official", "unite", username="elsewhere")
    other.email = "x@unite.example"
    other.save()  # another union's official: not mailed
    notice = act.issue_action_notice(strike, days=[date(2026, 12, 1)], continuous=True,
                                     expected_receipt=date(2026, 11, 19), sent_on=date(2026, 11, 18))
    return strike, notice


def _kinds(sent):
    return sorted(r.kind for r in sent)


def test_each_reminder_once_across_days(union_org, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    strike, notice = _setup(union_org, make_user)
    assert notice.latest_receipt == date(2026, 11, 21)
    assert rem.remind(union_org, date(2026, 11, 6)) == []  # 15 days before the notice's deadline: too early
    assert _kinds(rem.remind(union_org, date(2026, 11, 19))) == ["notice_deadline"]
    assert rem.remind(union_org, date(2026, 11, 19)) == []  # the same day again: nothing twice
    assert rem.remind(union_org, date(2026, 11, 20)) == []  # the next day: the same event, already sent
    assert _kinds(rem.remind(union_org, date(2026, 11, 21))) == ["no_receipt"]  # 3 days after sending
    assert rem.remind(union_org, date(2026, 11, 22)) == []
    assert len(mail.outbox) == 2 and {tuple(m.to) for m in mail.outbox} == {("official@pcs.example",)}
    deadline = mail.outbox[0]
    assert "21 November 2026" in deadline.subject and "Office for National Statistics" in deadline.body

    plan = rules.renewal_plan(strike.last_day, entitled=strike.entitled)
    by = plan["ballot_notice_by"]
    assert rem.remind(union_org, by - timedelta(days=15)) == []
    assert _kinds(rem.remind(union_org, by - timedelta(days=14))) == ["renewal"]  # one, though two mandates
    assert rem.remind(union_org, by) == []
    assert rem.remind(union_org, strike.last_day + timedelta(days=1)) == []  # the mandate is over
    renewal = mail.outbox[-1]
    for key in ("ballot_notice_by", "latest_opening_day", "latest_closing_day", "action_notice_latest_receipt"):
        assert rem.human_date(plan[key]) in renewal.body
    for m in mail.outbox:  # no member reaches a reminder
        assert "Member " not in m.body and "membership" not in m.body.lower()
    assert Reminder.objects.count() == 3
    logged = AuditEntry.objects.filter(action="reminder.sent")
    assert logged.count() == 3 and all(e.detail["recipient"] == "official" for e in logged)
    assert all("body" not in e.detail and "subject" not in e.detail for e in logged)
    assert AuditEntry.objects.filter(action="message.sent", detail__kind="reminder-renewal").count() == 1


def test_a_recorded_receipt_stops_the_receipt_reminders(union_org, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _, notice = _setup(union_org, make_user)
    seed = bytes(range(32))
    act.record_employer_key(notice.employer, ex.public_key(seed).hex())
    act.import_receipt(union_org, ex.make_receipt(package_sha256=notice.package.digest,
                                                  received_on=date(2026, 11, 19), recipient="ONS", seed=seed))
    assert rem.remind(union_org, date(2026, 11, 19)) == []
    assert rem.remind(union_org, date(2026, 11, 21)) == []
    with pytest.raises(ValueError):
        rem.remind(union_org, date(2026, 11, 21), lead_days=-1)
    # the ballot's documents were recorded as received by hand (no package yet): packaged later, no reminder
    from mandate.union import action_documents

    for doc, *_ in action_documents.packageable(union_org):
        action_documents.package_document(union_org, doc)
    assert rem.remind(union_org, date(2026, 11, 21)) == []


def test_the_command_twice(union_org, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _setup(union_org, make_user)
    runner = CliRunner()
    first = runner.invoke(app, ["action", "remind", "--union", "pcs", "--today", "2026-11-21", "--json"])
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["sent"]["pcs"] == {"notice_deadline": 1, "no_receipt": 1}
    again = runner.invoke(app, ["action", "remind", "--today", "2026-11-21", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["total"] == 0
    bad = runner.invoke(app, ["action", "remind", "--today", "21/11/2026"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr
    unknown = runner.invoke(app, ["action", "remind", "--union", "nope"])
    assert unknown.exit_code != 0 and "no union" in unknown.stderr


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_once(union_org, make_user, settings):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _setup(union_org, make_user)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        barrier.wait()
        try:
            counts.append(len(rem.remind(union_org, date(2026, 11, 21))))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 2 and Reminder.objects.count() == 2, counts
