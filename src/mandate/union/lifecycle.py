"""The statutory ballot's lifecycle, enforced in one place: every step the pages, the commands and the jobs
take goes through :func:`run`.

    set-up -> notices issued -> papers issued -> open -> closed -> counted -> results issued -> report issued

A step is allowed only from the stage before it and only by its role (an official or the ballot's appointed
scrutineer). `run` takes the step in one transaction that first writes the ballot's row (raising `version`):
on PostgreSQL that locks the row until the step commits, on SQLite it takes the database's write lock at
once, so two steps on one ballot (two imports of the same returns, a double-clicked button, two scrutineers)
run one after the other, each seeing what the other did, on either database. The step's own checks run after
the lock, on the ballot as it is now. The database's constraints (one counted return per paper and per elector,
one current document of a kind) are the backstop: a step they refuse is undone whole and tried again once the
other has finished, and a refusal is worded as a sentence.

Once the notice of ballot is issued the facts it states (dates, units, questions, electorate) are fixed; the
Ballot, BallotUnit, BallotQuestion and Elector models refuse a change too, whoever tries it. Changing them means
withdrawing the notice (`withdraw_notices`, with the reason and who), which returns the ballot to set-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F

from mandate.platform.audit import record
from mandate.platform.roles import has_role
from mandate.union.errors import BallotError
from mandate.union.models import Ballot, BallotStep

T = TypeVar("T")

OFFICIAL = "union_official"
SCRUTINEER = "scrutineer"
WHO = {OFFICIAL: "an official of the union", SCRUTINEER: "the ballot's appointed scrutineer"}
STAGES = [code for code, _ in Ballot.STAGE_CHOICES]
STAGE_LABELS = dict(Ballot.STAGE_CHOICES)
# The coarse status (set up, frozen, open, counted) each stage has; set-up is draft or frozen by the electorate.
STATUS_OF_STAGE = {"notices_issued": "frozen", "papers_issued": "frozen", "open": "open", "closed": "open",
                   "counted": "counted", "results_issued": "counted", "report_issued": "counted"}


class StepForbidden(BallotError):
    """The step is not this person's to take (the wrong role, or not this ballot's scrutineer)."""


@dataclass(frozen=True)
class Step:
    name: str
    doing: str  # completes "cannot ..." and "only ... can ..."
    allowed_from: tuple[str, ...]
    to: str | None  # the stage it moves to; None for a step within a stage
    role: str


_ALL = tuple(STAGES)
STEPS = {s.name: s for s in [
    Step("change_setup", "change the ballot's set-up (dates, electorate)", ("setup",), None, OFFICIAL),
    Step("issue_notices", "issue the notices of ballot", ("setup",), "notices_issued", OFFICIAL),
    Step("record_notice_dates", "record the notices' dates", ("notices_issued", "papers_issued"), None, OFFICIAL),
    Step("withdraw_notices", "withdraw the notices of ballot", ("notices_issued", "papers_issued"), "setup",
         OFFICIAL),
    Step("setup_election", "set up the electronic ballot's record (trustees, threshold, credential authority)",
         ("notices_issued",), None, OFFICIAL),
    Step("issue_papers", "issue the voting papers", ("notices_issued",), "papers_issued", OFFICIAL),
    Step("replace_papers", "issue replacement voting papers", ("papers_issued", "open"), None, OFFICIAL),
    Step("open", "open the ballot", ("papers_issued",), "open", OFFICIAL),
    Step("record_returns", "record returned papers", ("open",), None, SCRUTINEER),
    Step("close", "close the ballot", ("open",), "closed", SCRUTINEER),
    Step("count", "count the ballot", ("closed",), "counted", SCRUTINEER),
    Step("issue_results", "issue the results", ("counted",), "results_issued", OFFICIAL),
    Step("correct_results", "issue a correction of the results", ("results_issued", "report_issued"), None,
         OFFICIAL),
    Step("issue_report", "issue the scrutineer's report", ("results_issued",), "report_issued", SCRUTINEER),
    Step("correct_report", "issue a correction of the scrutineer's report", ("report_issued",), None, SCRUTINEER),
    Step("record_omission", "record a member left out", _ALL, None, OFFICIAL),
    Step("record_document_dates", "record a document's dates", _ALL[1:], None, OFFICIAL),
]}

ATTEMPTS = 60  # a step waiting on another step of the same ballot (SQLite's shared test cache refuses at once)


def actor_user(actor: Any) -> Any:
    """The account acting: a user, or the account a command's --as names; None for a command-line operator
    or a job acting under no account (trusted with the role the command is for)."""
    if actor is None:
        return None
    if isinstance(actor, str):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(username=actor).first()
    return actor


def may(ballot: Ballot, role: str, actor: Any) -> bool:
    user = actor_user(actor)
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if role == SCRUTINEER:
        return has_role(user, SCRUTINEER, scope=ballot.union.code) and (
            not ballot.scrutineer_username or user.get_username() == ballot.scrutineer_username)
    return has_role(user, role, scope=ballot.union.code)


def allowed(ballot: Ballot, name: str, actor: Any = None) -> bool:
    """Whether the step can be taken now by this actor (for the pages to offer only what can be done)."""
    spec = STEPS[name]
    return ballot.stage in spec.allowed_from and may(ballot, spec.role, actor)


def _require(ballot: Ballot, spec: Step) -> None:
    if ballot.stage not in spec.allowed_from:
        wanted = " or ".join(f"'{STAGE_LABELS[s]}'" for s in spec.allowed_from)
        hint = ""
        if spec.name == "change_setup" and ballot.stage in ("notices_issued", "papers_issued"):
            hint = " The notice of ballot states them: withdraw the notices (with the reason) to change them."
        raise BallotError(f"The ballot is at '{STAGE_LABELS[ballot.stage]}': you can {spec.doing} only when it "
                          f"is at {wanted}.{hint}")


def run(ballot: Ballot, name: str, actor: Any, body: Callable[[Ballot], T], *, reason: str = "",
        detail: dict[str, Any] | None = None) -> T:
    """Take step `name` on `ballot` for `actor`: check the role, lock the ballot, check its stage, run `body`
    with the locked ballot, move the stage, record the step; all in one transaction, or nothing. `ballot` is
    refreshed afterwards."""
    from django.db import connection

    spec = STEPS[name]
    if not may(ballot, spec.role, actor):
        raise StepForbidden(f"Only {WHO[spec.role]} can {spec.doing}.")
    nested = connection.in_atomic_block
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                # The first statement writes the ballot's row: the lock every step of this ballot waits on.
                Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
                locked = Ballot.objects.select_related("union").get(pk=ballot.pk)
                _require(locked, spec)
                result = body(locked)
                before = locked.stage
                if spec.to is not None:
                    status = STATUS_OF_STAGE.get(spec.to) or ("frozen" if locked.frozen_at else "draft")
                    moved = Ballot.objects.filter(pk=ballot.pk, stage=before).update(stage=spec.to, status=status)
                    if moved != 1:  # cannot happen under the lock; a refusal rather than a silent double step
                        raise BallotError("The ballot changed while this step ran: nothing was done; try again.")
                from mandate.union.ballots import actor_name

                BallotStep.objects.create(ballot_id=ballot.pk, step=name, from_stage=before,
                                          to_stage=spec.to or before, actor=actor_name(actor), reason=reason,
                                          detail=detail or {})
                if spec.to is not None:
                    record(actor, f"ballot.{name}", "Ballot", ballot.pk, from_stage=before, to_stage=spec.to,
                           reason=reason)
            break
        except IntegrityError as error:
            # A constraint refused what the step wrote (another step got there first): undone whole; try again
            # on the ballot as it is now, when it is our turn.
            if nested or attempt == ATTEMPTS - 1:
                raise BallotError("Another step on this ballot recorded the same thing at the same moment: "
                                  f"nothing was done ({_constraint(error)}); try again.") from None
        except OperationalError as error:
            if nested or not _busy(error) or attempt == ATTEMPTS - 1:
                if _busy(error):
                    raise BallotError("The ballot is busy with another step: nothing was done; try again.") from None
                raise
        time.sleep(min(0.5, 0.01 * (attempt + 1)))
    ballot.refresh_from_db()
    return result


def _busy(error: Exception) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _constraint(error: Exception) -> str:
    text = str(error)
    for name in ("one_counted_return_per_paper", "one_counted_return_per_elector", "one_record_of_a_return",
                 "one_current_document_of_a_kind", "unique_void_paper", "unique_replacement_paper"):
        if name in text:
            return name.replace("_", " ")
    return "a rule of the database"
