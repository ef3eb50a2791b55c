"""Helpers the union pages share: who may see a ballot, and a step's refusals as messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from mandate.platform.roles import has_role
from mandate.union import ballots as svc
from mandate.union.access import union_for
from mandate.union.models import Ballot, Union

OFFICIAL = ("union_official",)
SCRUTINEER = ("scrutineer",)
STAFF = ("union_official", "branch_rep", "scrutineer")


class StepRefused(Exception):
    """A set-up step's input was refused; `problems` are the messages to show, one a line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _valid(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or StepRefused with each of its errors (they name their fields)."""
    if not form.is_valid():
        raise StepRefused([str(e) for errors in form.errors.values() for e in errors])
    return form.cleaned_data


@contextmanager
def _refusals_as_messages(request: HttpRequest) -> Iterator[None]:
    """Run a step in one transaction; a refusal (a form's errors, the services' BallotError, the rulebook's
    ValueError such as OutOfScope, each worded as a sentence) undoes all of the step, documents for the first
    employers of several included, and becomes error messages on the page the step returns to."""
    try:
        with transaction.atomic():
            yield
    except StepRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    except (svc.BallotError, ValueError) as error:
        messages.error(request, str(error))


def _ballot(request: HttpRequest, pk: int) -> Ballot:
    return get_object_or_404(Ballot, pk=pk, union=union_for(request))


def _appointed(request: HttpRequest, b: Ballot) -> bool:
    """Whether the user is this ballot's scrutineer: holds the role and, where the ballot names the
    scrutineer's account, is that account."""
    return has_role(request.user, *SCRUTINEER) and (
        not b.scrutineer_username or request.user.get_username() == b.scrutineer_username)


def _scrutinised_ballot(request: HttpRequest, pk: int) -> Ballot:
    """The ballot, for its scrutineer: where the ballot names the scrutineer's account, only that account
    sees the papers' marks, counts or reports; another scrutineer of the union is refused."""
    b = _ballot(request, pk)
    if not _appointed(request, b):
        raise PermissionDenied("Only this ballot's appointed scrutineer can open its papers.")
    return b


def _staff_ballot(request: HttpRequest, pk: int) -> Ballot:
    """The ballot, for the union's staff pages: officials and branch representatives see every ballot of
    their union; a scrutineer sees only the ballots they are appointed to."""
    b = _ballot(request, pk)
    if not has_role(request.user, "union_official", "branch_rep") and not _appointed(request, b):
        raise PermissionDenied("Only this ballot's appointed scrutineer can open it.")
    return b


def _visible_ballots(request: HttpRequest, union: Union) -> QuerySet[Ballot]:
    """The union's ballots a user may see listed: all of them, except that a scrutineer (holding no other
    staff role) sees only the ballots naming their account or naming none."""
    ballots = Ballot.objects.filter(union=union)
    if has_role(request.user, *SCRUTINEER) and not has_role(request.user, "union_official", "branch_rep"):
        ballots = ballots.filter(Q(scrutineer_username="") | Q(scrutineer_username=request.user.get_username()))
    return ballots


def _csv_text(upload: Any, limit_kind: str = "returns") -> str:
    """An uploaded CSV's text, or BallotError in words: over the form's upload limit, or not UTF-8."""
    from mandate.platform import inputs

    too_large = inputs.upload_too_large(upload, inputs.upload_limit(limit_kind))
    if too_large:
        raise svc.BallotError(too_large)
    try:
        return str(upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise svc.BallotError("The file is not UTF-8 text: save it as CSV UTF-8 and upload it again.") from error
