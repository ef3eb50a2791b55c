"""The union wing's long work, run as background jobs (platform/jobs.py) instead of inside a request."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from mandate.platform import jobs
from mandate.platform.models import Job
from mandate.union import ballots as svc
from mandate.union import services
from mandate.union.models import Ballot


def start_voting_papers(ballot: Ballot, *, actor: Any = None) -> Job:
    """Queue the voting papers' render; refusals that need no render (an electorate not frozen) come now.
    Asked twice by the same person (a double click) while a render is waiting or running: that same job."""
    if ballot.status == "draft":
        raise svc.BallotError("Freeze the electorate first: the documents are built from it.")
    with transaction.atomic():
        Ballot.objects.select_for_update().filter(pk=ballot.pk).first()  # one request at a time per ballot
        pending = Job.objects.filter(kind="voting-papers", arguments__ballot_id=ballot.pk,
                                     status__in=["queued", "running"],
                                     started_by=actor if getattr(actor, "is_authenticated", False) else None).first()
        if pending is not None:
            return pending
        return _queue_voting_papers(ballot, actor)


def _queue_voting_papers(ballot: Ballot, actor: Any) -> Job:
    electors = ballot.electors.count()
    return jobs.start("mandate.union.tasks.voting_papers", kind="voting-papers", actor=actor,
                      title=f"Voting papers for {ballot.title} ({electors} papers)",
                      return_url=reverse("union:ballot", kwargs={"pk": ballot.pk}), ballot_id=ballot.pk,
                      actor_id=getattr(actor, "pk", None))


@jobs.handler
def voting_papers(progress: jobs.Progress, ballot_id: int, actor_id: int | None = None) -> jobs.Result:
    """Render every elector's paper into one PDF (union.services.issue_voting_papers: rendered outside any
    transaction, then the ballot's lifecycle step under its lock, with its checks), as the official who asked
    for it, and link the document."""
    from django.contrib.auth import get_user_model

    ballot = Ballot.objects.select_related("union").get(pk=ballot_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    electors = ballot.electors.count()
    stage = f"Rendering {electors} voting papers into one PDF"
    progress(stage, 0, electors)
    doc = services.issue_voting_papers(ballot, actor=actor, progress=lambda done: progress(stage, done, electors))
    return jobs.Result(url=reverse("union:document_file", kwargs={"pk": ballot.pk, "doc": doc.pk, "fmt": "pdf"}),
                       text=f"{doc.title}: one print-ready PDF.")


# ---------------------------------------------------------------------------------------------------------------
# The membership register's import (and its review, before members missing from the file are marked as left)
# ---------------------------------------------------------------------------------------------------------------

OFFICIALS = ["union_official"]


def _decoded(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise jobs.JobRefused("The file is not UTF-8 text: save it as CSV UTF-8 and upload it again.") from None
    if "\x00" in text:
        raise jobs.JobRefused("The file holds a NUL character: it is not a CSV text file. Save it as CSV UTF-8 and "
                              "upload it again.")
    return text


def _refused(error: Any) -> jobs.JobRefused:
    lines = ["The file was refused whole: nothing was imported. Put these lines right and import it again:"]
    lines += [str(e) for e in error.errors[:50]]
    if len(error.errors) > 50:
        lines.append(f"And {len(error.errors) - 50} more problems.")
    return jobs.JobRefused("\n".join(lines))


def start_register_import(union: Any, upload: Any, *, actor: Any, review: bool = False) -> Job:
    """Keep the uploaded register for a worker and queue its import, or (`review`) the review of what marking
    members missing from it as left would do. The same file by the same person while its job waits or runs
    (a double click) is that same job."""
    import hashlib

    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = str(upload.name or "register.csv")[:200]
    kind = "register-review" if review else "register-import"
    return jobs.start("mandate.union.tasks.register_import", kind=kind, actor=actor,
                      title=(f"Review of {name} before marking members as left" if review else f"Import of {name}"),
                      return_url=reverse("union:register"), roles=OFFICIALS, scope=union.code, upload=upload,
                      once=f"{union.pk}:{digest.hexdigest()}", union_id=union.pk, review=review,
                      actor_id=getattr(actor, "pk", None), keep_upload=review)


def confirm_register_import(union: Any, review_job: Job, *, actor: Any) -> tuple[Job, bool]:
    """Queue the reviewed import (marking members missing from the file as left), once: a second confirmation
    of the same review (a double click, the back button) returns the first's job and False."""
    with transaction.atomic():
        Job.objects.select_for_update().filter(pk=review_job.pk).first()  # two confirmations: one at a time
        earlier = Job.objects.filter(kind="register-import", arguments__review_job=str(review_job.pk)).first()
        if earlier is not None:
            return earlier, False
        job = jobs.start("mandate.union.tasks.register_import", kind="register-import", actor=actor,
                         title=review_job.title.replace("Review of ", "Import of ").replace(
                             " before marking members as left", ", marking members missing from it as left"),
                         return_url=reverse("union:register"), roles=OFFICIALS, scope=union.code,
                         union_id=union.pk, review=False, mark_missing_left=True,
                         actor_id=getattr(actor, "pk", None), upload=None,
                         review_job=str(review_job.pk), **{"file": review_job.arguments["upload"]})
    return job, True


@jobs.handler
def register_import(progress: jobs.Progress, union_id: int, review: bool, actor_id: int | None,
                    upload: str | None = None, file: str | None = None, mark_missing_left: bool = False,
                    review_job: str | None = None, keep_upload: bool = False) -> jobs.Result:
    """Check and import the register file (union.register.import_register: all or nothing), or review it
    (union.register_list.review_import: the import run and undone), and say what it did or would do."""
    import json

    from django.contrib.auth import get_user_model

    from mandate.union import register_list
    from mandate.union.models import Union
    from mandate.union.register import RegisterImportError, import_register

    union = Union.objects.get(pk=union_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    name = upload or file or ""
    try:
        text = _decoded(jobs.read_upload(name))
        rows = max(text.count("\n") - 1, 0)
        progress(f"Checking every line of the register ({rows} lines)", 0, rows)
        if review:
            found = register_list.review_import(union, text)
            data = {"token": found.token, **{k: getattr(found.report, k) for k in
                                               ("rows", "created", "updated", "unchanged")},
                    "leave": [m.pk for m in found.would_leave], "back": [m.pk for m in found.would_return]}
            return jobs.Result(text=f"Nothing has changed yet: {len(found.would_leave)} members would be marked as "
                                    "left. Check them, then confirm.", content=json.dumps(data).encode(),
                               content_type="application/json", filename="review.json",
                               url=reverse("union:register_review", args=[progress.job.pk]))
        if mark_missing_left:
            reviewed = Job.objects.filter(pk=review_job or "").values_list("result_file", flat=True).first()
            token = json.loads(bytes(reviewed))["token"] if reviewed else ""
            if register_list.file_token(union, text) != token:
                raise jobs.JobRefused("The file is not the one reviewed: upload it again to review it.")
            report = register_list.confirm_import(union, text, actor)
        else:
            report = import_register(union, text, actor)
    except RegisterImportError as error:
        raise _refused(error) from None
    finally:
        if file:  # the reviewed file, handed over from the review: this job is its last use
            jobs.discard_upload(file)
    progress("Done", rows, rows)
    text = (f"Imported {report.rows} members: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged")
    text += f", {report.marked_left} marked as left." if mark_missing_left else "."
    url = reverse("union:register") + ("?status=left" if mark_missing_left and report.marked_left else "")
    return jobs.Result(url=url, text=text)
