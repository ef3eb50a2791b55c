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
