"""The voting papers are rendered before the ballot's lock is taken; under the lock the ballot is checked
again. Another step taken while the render runs (here: taken by the render's own hook, at the moment the
render has finished and before the lock) is refused, or makes the render start again; never two issues of
the papers, never papers issued for a ballot whose notices were withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from tests.union.helpers import lifecycle_ballot

from mandate.platform.models import Document
from mandate.union import documents as docs
from mandate.union import services
from mandate.union.errors import BallotError
from mandate.union.models import Ballot, IssuedDocument, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def during_render(monkeypatch) -> Callable[[Callable[[], object]], list[int]]:
    """during_render(step): `step` runs once, just after the first render has read the ballot and made every
    paper, before the step that stores them takes the lock. Returns the list of renders made (their counts)."""
    renders: list[int] = []

    def arrange(step: Callable[[], object]) -> list[int]:
        real = docs.render_voting_papers

        def render(ballot: Ballot, progress=None) -> docs.RenderedPapers:
            out = real(ballot, progress)
            renders.append(out.count)
            if len(renders) == 1:
                step()
            return out

        monkeypatch.setattr(docs, "render_voting_papers", render)
        return renders

    return arrange


def test_notices_withdrawn_during_the_render_refuse_the_papers(union_org, during_render) -> None:
    b = lifecycle_ballot(union_org, stage="notices_issued")
    renders = during_render(lambda: services.withdraw_notices(b, reason="Wrong closing day"))
    with pytest.raises(BallotError, match="you can issue the voting papers only when"):
        services.issue_voting_papers(b)
    assert renders == [b.electors.count()] and not Document.objects.filter(kind="voting-papers").exists()
    assert Ballot.objects.get(pk=b.pk).stage == "setup"


def test_papers_issued_by_another_during_the_render_are_not_issued_twice(union_org, during_render) -> None:
    b = lifecycle_ballot(union_org, stage="notices_issued")
    other = Ballot.objects.get(pk=b.pk)
    during_render(lambda: services.issue_voting_papers(other))  # the other official's job, finished first
    with pytest.raises(BallotError, match="is at 'Voting papers issued'|is at 'Papers issued'"):
        services.issue_voting_papers(b)
    assert IssuedDocument.objects.filter(ballot=b, kind="voting-papers").count() == 1
    assert Document.objects.filter(kind="voting-papers").count() == 1


def test_a_step_that_changes_the_ballot_during_the_render_makes_it_render_again(union_org, during_render) -> None:
    """Withdrawn and issued again with one member fewer, all while the first render ran: the papers issued
    are the new electorate's, rendered again, not the stale render's."""
    b = lifecycle_ballot(union_org, stage="notices_issued")
    sent = b.opening_day - timedelta(days=12)

    n = b.electors.count()

    def withdraw_and_reissue() -> None:
        services.withdraw_notices(b, reason="A member left", withdrawn_on=sent + timedelta(days=1))
        first = b.electors.order_by("paper_number").first().membership_number
        services.unfreeze_electorate(b)
        Member.objects.filter(union=union_org, membership_number=first).update(
            left_on=b.opening_day - timedelta(days=40))
        services.freeze_electorate(b)
        services.issue_notices(b, sent_on=sent + timedelta(days=1), received_on=sent + timedelta(days=2))

    renders = during_render(withdraw_and_reissue)
    doc = services.issue_voting_papers(b)
    assert renders == [n, n - 1]
    assert doc.title == f"Voting papers, numbers 1 to {n - 1}"
    assert IssuedDocument.objects.filter(ballot=b, kind="voting-papers", state="current").get().document == doc
