"""Background jobs: long work runs in a worker (`mandate worker`), never inside a web request.

The queue is Django's Tasks API (the django-tasks package) with its database backend (django-tasks-db), so
it lives in the application's own database, SQLite or PostgreSQL, and needs no other service. A worker
claims a task with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (an exclusive transaction on SQLite), so
many workers on many machines drain one queue and no task runs twice.

On top of that queue, a `Job` row (platform.models.Job) is what people see: the page at /jobs/<id>/ shows its
stage and progress, the result when done, and why it failed. A service starts a job with

    job = jobs.start("mandate.union.tasks.voting_papers", kind="voting-papers", title="...", actor=user,
                     ballot_id=ballot.pk)

where the handler is a function decorated with `@jobs.handler` that takes a `Progress` first and the job's
keyword arguments (ids and dates only: they are stored in the queue, so never a secret), and returns a
`Result` (a link and a line of text) or None.

While a job runs, its worker renews the job's heartbeat every JOB_HEARTBEAT_SECONDS. A job whose heartbeat is
older than JOB_STALE_SECONDS lost its worker (killed, machine gone): `reap()` (run by every worker every few
seconds, and by the job's page when it is looked at) queues it again, up to JOB_MAX_ATTEMPTS attempts, and
after the last one marks it failed saying so. A job that is retried must be safe to run again: handlers write
their result at the end, in one short transaction.

Least privilege: a job's page and its result are for the account that started it, and only while it holds one
of the job's `roles` (in its `scope`), given by the view that starts it (the view's own roles). A file a job
needs (an uploaded import) is kept for the worker in MANDATE_UPLOAD_DIR (`keep_upload`, owner-only, named by a
random id; the job's arguments hold the name, never the content) and removed when the job has finished, done
or failed. A file a job makes (an evidence pack) is kept on the job's row and served at /jobs/<id>/result,
never cached.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from mandate.platform.models import Job

logger = logging.getLogger("mandate.jobs")

_HANDLER_MARK = "mandate_job_handler"
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Result:
    """What a finished job shows: a link to what it made (a document, a page) and one line about it; or a file
    it made (`content`, served at the job's result link with `filename` and `content_type`)."""

    url: str = ""
    text: str = ""
    content: bytes | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"


class Progress:
    """Handed to a running job's function: report the stage and how far it has gone."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        total = max(total, 0)
        done = min(max(done, 0), total) if total else 0
        self.job.stage, self.job.done, self.job.total = _printable(stage)[:200], done, total
        Job.objects.filter(pk=self.job.pk).update(stage=self.job.stage, done=done, total=total,
                                                  heartbeat_at=timezone.now())


class JobRefused(ValueError):
    """A job that cannot do its work: the message is shown on the job's page as the reason."""


def handler(function: Callable[..., Result | None]) -> Callable[..., Result | None]:
    """Mark a function as a job handler (only marked functions can be named by a Job)."""
    setattr(function, _HANDLER_MARK, True)
    return function


def _handler(path: str) -> Callable[..., Result | None]:
    function = import_string(path)
    if not getattr(function, _HANDLER_MARK, False):
        raise JobRefused(f"{path} is not a job handler")
    return function


def _immediate() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).endswith("ImmediateBackend")


def start(handler_path: str, *, kind: str, title: str, actor: Any = None, queue: str = "default",
          return_url: str = "", roles: tuple[str, ...] | list[str] = (), scope: str = "", upload: Any = None,
          once: str = "", **arguments: Any) -> Job:
    """Queue a job and return its row (its page is /jobs/<job.pk>/). `arguments` must be JSON: ids, dates.

    `roles` and `scope`: what the page and the result need, beside being `actor` (the view's own roles).
    `upload`: an uploaded file (or bytes) kept for the worker (`keep_upload`); the handler gets its name as
    `upload` and reads it with `read_upload`. `once`: a key (a file's SHA-256, say): while a job of this kind
    with this key started by this actor is waiting or running, that job is returned instead (a double click)."""
    _handler(handler_path)  # refuse an unknown handler now, not in the worker
    user = actor if getattr(actor, "is_authenticated", False) else None
    if once:
        arguments["once"] = once
        pending = Job.objects.filter(kind=kind, started_by=user, arguments__once=once,
                                     status__in=["queued", "running"]).first()
        if pending is not None:
            return pending
    if upload is not None:
        arguments["upload"] = keep_upload(upload)
    try:
        job = Job.objects.create(id=uuid.uuid4(), kind=kind, title=_printable(title)[:200], handler=handler_path,
                                 arguments=arguments, started_by=user, stage="Waiting for a worker",
                                 return_url=return_url[:500], roles=list(roles), scope=scope[:64])
        _enqueue(job, queue)
    except BaseException:
        if upload is not None:
            discard_upload(arguments["upload"])
        raise
    job.refresh_from_db()
    return job


def may_see(job: Job, user: Any) -> bool:
    """Whether `user` may see the job's page and its result: the account that started it, still holding one of
    the job's roles (in its scope)."""
    from mandate.platform.roles import has_role

    if not getattr(user, "is_authenticated", False) or job.started_by_id != user.pk:
        return False
    return not job.roles or has_role(user, *job.roles, scope=job.scope or None)


# ---------------------------------------------------------------------------------------------------------------
# Files handed to a worker
# ---------------------------------------------------------------------------------------------------------------


def upload_dir() -> Path:
    folder = Path(settings.MANDATE_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def keep_upload(upload: Any) -> str:
    """Write an uploaded file (Django's UploadedFile, read in chunks, or bytes) where the workers read it,
    readable by this account only; returns its name (a random id)."""
    name = f"{uuid.uuid4().hex}.upload"
    path = upload_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(upload, bytes | bytearray):
                out.write(upload)
            else:
                for chunk in upload.chunks():
                    out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return name


def _upload_path(name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise JobRefused("The job names no file to read.")
    return upload_dir() / name


def read_upload(name: str) -> bytes:
    """The kept file's bytes; a refusal the job's page shows if it is gone."""
    try:
        return _upload_path(name).read_bytes()
    except FileNotFoundError:
        raise JobRefused("The uploaded file is no longer there (the workers must read the folder the web "
                         "servers keep uploads in, MANDATE_UPLOAD_DIR): upload it again.") from None


def discard_upload(name: str) -> None:
    try:
        _upload_path(name).unlink(missing_ok=True)
    except JobRefused:
        pass


def _finished(job: Job) -> None:
    """A job is done or failed for good: the file it was handed is no longer needed."""
    name = (job.arguments or {}).get("upload")
    if name and not job.arguments.get("keep_upload"):  # kept: a review's file, handed to its confirmation
        discard_upload(str(name))


def sweep_uploads(older_than: float | None = None) -> int:
    """Remove kept files older than MANDATE_UPLOAD_KEEP_SECONDS (a review never confirmed, a crash); returns
    how many."""
    import time

    cutoff = time.time() - (settings.MANDATE_UPLOAD_KEEP_SECONDS if older_than is None else older_than)
    removed = 0
    for path in upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _enqueue(job: Job, queue: str = "default") -> None:
    result = run_job.using(queue_name=queue).enqueue(str(job.pk))
    # With the database backend this runs before any worker can take the task's row only if the worker is
    # slower than this update; the task reads the job by its id either way, so the order does not matter.
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))


def _printable(text: str) -> str:
    """Text fit to store and show: a refusal may quote a bad cell, NUL bytes and all (PostgreSQL refuses NUL in
    text, and no page should show a control character); each becomes U+FFFD, line breaks stay."""
    return _UNPRINTABLE.sub("\ufffd", text)


def _reason(error: BaseException) -> str:
    if isinstance(error, ValueError | PermissionError | LookupError) and str(error):
        return _printable(str(error))
    return (f"An unexpected error stopped the job ({type(error).__name__}). Nothing was kept from it; the "
            "administrators can read the details in the job's record.")


class _Heartbeat(threading.Thread):
    """Renews the job's heartbeat while it runs, from its own thread (and its own database connection)."""

    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                Job.objects.filter(pk=self.job_id, status="running").update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat is not worth killing the job for; the next one may pass
            logger.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            connection.close()


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


@task(queue_name="default")
def run_job(job_id: str) -> str:
    """The one django-tasks task: run the Job's handler with its arguments, keeping its row up to date."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status="queued").update(
        status="running", started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, worker=_worker_name(),
        stage="Started")
    if not claimed:  # already finished, or taken by a retry: never run a job twice
        return "skipped"
    job = Job.objects.get(pk=job_id)
    beat = None if _immediate() or settings.JOB_HEARTBEAT_SECONDS <= 0 else _Heartbeat(job.pk)
    if beat:
        beat.start()
    arguments = {k: v for k, v in job.arguments.items() if k != "once"}
    try:
        result = _handler(job.handler)(Progress(job), **arguments) or Result()
    except BaseException as error:
        if isinstance(error, JobRefused):  # a refusal in the users' words: no traceback needed in the log
            logger.info("job %s (%s) refused: %s", job.pk, job.kind, str(error).splitlines()[0])
        else:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(status="failed", finished_at=timezone.now(), error=_reason(error),
                                             stage="Failed")
        _finished(job)
        raise
    finally:
        if beat:
            beat.stopped.set()
            beat.join()
    url = result.url
    if result.content is not None and not url:
        from django.urls import reverse

        url = reverse("job_result", args=[job.pk])
    Job.objects.filter(pk=job.pk).update(
        status="succeeded", finished_at=timezone.now(), stage="Done", done=F("total"), result_url=url[:500],
        result_text=_printable(result.text)[:500], result_file=result.content, result_name=result.filename[:200],
        result_type=result.content_type[:100] if result.content is not None else "")
    _finished(job)
    return "succeeded"


def reap(job: Job | None = None) -> int:
    """Jobs whose worker stopped (no heartbeat for JOB_STALE_SECONDS): queued again, or after the last
    attempt failed with the reason. Returns how many were found. Safe to run from many processes at once:
    each change is a conditional UPDATE, so only one process acts on a job."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    if job is None:
        sweep_uploads()
    stale = Job.objects.filter(status="running", heartbeat_at__lt=cutoff)
    if job is not None:
        stale = stale.filter(pk=job.pk)
    found = 0
    for j in stale:
        lost = {"status": "running", "heartbeat_at": j.heartbeat_at, "attempts": j.attempts}
        if j.attempts < settings.JOB_MAX_ATTEMPTS:
            with transaction.atomic():
                if not Job.objects.filter(pk=j.pk, **lost).update(
                        status="queued", task_id="", worker="",
                        stage=f"Waiting for a worker (attempt {j.attempts + 1} of {settings.JOB_MAX_ATTEMPTS}: "
                              "the worker running it stopped)"):
                    continue
            logger.warning("job %s: worker %s stopped; queued again", j.pk, j.worker)
            _enqueue(j)
        else:
            if not Job.objects.filter(pk=j.pk, **lost).update(
                    status="failed", finished_at=timezone.now(), stage="Failed",
                    error=f"The worker running this job stopped {j.attempts} times (the last was {j.worker}); "
                          "it was not retried again. Start it again, or ask the administrators to look at the "
                          "workers."):
                continue
            logger.error("job %s: worker %s stopped on the last attempt; failed", j.pk, j.worker)
            _finished(j)
        found += 1
        # The lost attempt's task is still marked running in the queue: mark it failed there too.
        if j.task_id:
            DBTaskResult.objects.filter(pk=j.task_id, status="RUNNING").update(
                status="FAILED", finished_at=timezone.now(), exception_class_path="mandate.platform.jobs.WorkerLost",
                traceback=f"the worker {j.worker} stopped without finishing the task")
    return found


def wait(job: Job, timeout: float = 60.0) -> Job:
    """Block until the job has finished or `timeout` seconds have passed (for the command line and tests)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.finished or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
