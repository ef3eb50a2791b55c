"""Background jobs on the real database queue (django-tasks-db), worked by django-tasks-db's own worker loop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.union.helpers import register_csv

from mandate.platform import jobs
from mandate.platform.models import Document, Job
from mandate.union import ballots as svc
from mandate.union import tasks as union_tasks
from mandate.union.models import Ballot, Dispute, Employer
from mandate.union.register import import_register

# Transactional: the worker loop closes a connection found inside a transaction (as a real worker should).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.job_queue]


@pytest.fixture(autouse=True)
def _no_heartbeat_thread(settings):
    """The worker runs in this test's process and its transaction; a heartbeat from a second thread (its own
    connection) would wait on that transaction. The heartbeat is tested with real worker processes
    (test_site.py: a killed worker's job)."""
    settings.JOB_HEARTBEAT_SECONDS = 0


def work() -> None:
    """Run every queued job, as `mandate worker --batch` does (django-tasks-db's worker, in this process)."""
    call_command("db_worker", queue_name="default,mail", batch=True, reload=False, startup_delay=False,
                 interval=0, verbosity=0)


@pytest.fixture
def ballot(union_org, make_user) -> Ballot:
    import_register(union_org, register_csv({"newport": 8, "titchfield": 4}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    b = svc.create_ballot(union_org, dispute, code="b", title="Attendance ballot", opening_day=date(2026, 11, 2),
                          closing_day=date(2026, 11, 16), employers=[ons], questions={"strike": {}},
                          scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(b)
    from mandate.union import services

    services.issue_notices(b, sent_on=date(2026, 10, 12), expected_receipt=date(2026, 10, 14),
                           actor=make_user("union_official", "pcs", username="setup-official"))
    return b


@pytest.fixture
def official(client, make_user):
    user = make_user("union_official", "pcs")
    client.force_login(user)
    return user


def test_the_papers_step_queues_a_job_and_returns_at_once(client, official, ballot) -> None:
    response = client.post(reverse("union:ballot_action", args=[ballot.pk, "papers"]))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    assert not Document.objects.filter(kind="voting-papers").exists()  # nothing rendered in the request
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'http-equiv="refresh"' in page and "<script" not in page
    work()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("succeeded", 15, 15, 1)
    doc = Document.objects.get(kind="voting-papers")
    assert job.result_url == reverse("union:document_file", kwargs={"pk": ballot.pk, "doc": doc.pk, "fmt": "pdf"})
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "http-equiv" not in page and f'href="{job.result_url}"' in page and "Voting papers, numbers 1 to 15" in page
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"


def test_a_double_click_queues_one_render(client, official, ballot) -> None:
    url = reverse("union:ballot_action", args=[ballot.pk, "papers"])
    first, second = client.post(url), client.post(url)
    assert first["Location"] == second["Location"] and Job.objects.count() == 1
    work()
    assert Document.objects.filter(kind="voting-papers").count() == 1


def test_a_failed_job_says_why_on_its_page(client, official, ballot) -> None:
    response = client.post(reverse("union:ballot_action", args=[ballot.pk, "papers"]))
    Ballot.objects.filter(pk=ballot.pk).update(stage="setup")  # the notices withdrawn before a worker came
    work()
    job = Job.objects.get()
    assert job.status == "failed" and job.error and "unexpected" not in job.error
    page = client.get(response["Location"]).content.decode()
    assert "The job failed: " in page and "http-equiv" not in page
    assert "Traceback" not in page
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"  # the queue agrees, with the traceback
    assert not Document.objects.filter(kind="voting-papers").exists()


def test_an_unexpected_error_is_named_without_its_traceback(official, ballot) -> None:
    job = union_tasks.start_voting_papers(ballot, actor=official)
    Job.objects.filter(pk=job.pk).update(arguments={"ballot_id": ballot.pk, "actor_id": None, "surprise": 1})
    work()
    job.refresh_from_db()
    assert job.status == "failed" and "TypeError" in job.error and "surprise" not in job.error


def test_the_refusal_needing_no_render_comes_at_once(client, official, ballot) -> None:
    Ballot.objects.filter(pk=ballot.pk).update(status="draft", stage="setup")
    response = client.post(reverse("union:ballot_action", args=[ballot.pk, "papers"]), follow=True)
    assert "Freeze the electorate first" in response.content.decode() and not Job.objects.exists()


def test_only_who_started_a_job_sees_it(client, official, ballot, make_user) -> None:
    job = union_tasks.start_voting_papers(ballot, actor=official)
    for path in (reverse("job", args=[job.pk]), reverse("job_status", args=[job.pk])):
        assert client.get(path).status_code == 200
        client.force_login(make_user("union_official", "pcs", username=f"other-{path[-6:]}"))
        assert client.get(path).status_code == 404
        client.logout()
        assert client.get(path).status_code == 302  # to the sign-in page
        client.force_login(official)


def test_only_marked_handlers_can_be_queued() -> None:
    with pytest.raises(jobs.JobRefused):
        jobs.start("mandate.platform.jobs.reap", kind="x", title="x")
    with pytest.raises(ImportError):
        jobs.start("os.no_such_thing", kind="x", title="x")
    assert not Job.objects.exists()


def _lost(job: Job, attempts: int) -> None:
    """As a worker leaves a job when it is killed: running, its heartbeat stopped long ago."""
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", started_at=timezone.now())
    Job.objects.filter(pk=job.pk).update(status="running", attempts=attempts, worker="host:123",
                                         heartbeat_at=timezone.now() - timedelta(minutes=5))


def test_a_lost_job_is_queued_again_once_however_many_look(official, ballot, settings) -> None:
    settings.JOB_MAX_ATTEMPTS = 3
    job = union_tasks.start_voting_papers(ballot, actor=official)
    lost_task = job.task_id
    _lost(job, attempts=1)
    assert jobs.reap() == 1
    assert jobs.reap() == 0  # a second reaper (another worker) finds nothing more to do
    job.refresh_from_db()
    assert job.status == "queued" and "attempt 2 of 3" in job.stage and job.task_id != lost_task
    assert DBTaskResult.objects.get(pk=lost_task).status == "FAILED"
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"
    work()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert Document.objects.filter(kind="voting-papers").count() == 1


def test_a_job_lost_on_its_last_attempt_is_reported_on_its_page(client, official, ballot, settings) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    job = union_tasks.start_voting_papers(ballot, actor=official)
    _lost(job, attempts=2)
    page = client.get(reverse("job", args=[job.pk])).content.decode()  # the page looks, with no worker running
    job.refresh_from_db()
    assert job.status == "failed" and "stopped 2 times" in job.error
    assert "The job failed: The worker running this job stopped 2 times" in page
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"


def test_a_job_with_a_live_heartbeat_is_left_alone(official, ballot) -> None:
    job = union_tasks.start_voting_papers(ballot, actor=official)
    _lost(job, attempts=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert jobs.reap() == 0
    job.refresh_from_db()
    assert job.status == "running"


def test_a_job_is_never_run_twice_even_if_queued_twice(official, ballot) -> None:
    job = union_tasks.start_voting_papers(ballot, actor=official)
    jobs.run_job.enqueue(str(job.pk))  # a stray second task for the same job
    work()
    assert Document.objects.filter(kind="voting-papers").count() == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["skipped", "succeeded"]
