"""The register as officials read it: members found by name, membership number or workplace, current or
marked as left, exported as CSV; and the review of an import that marks members missing from the file as
left, before anything changes.

Reading the register is access to individual data: every list and every export writes the audit log
(`register.read`, `register.exported`) with what was asked (whether a search was made, which members, the
page), never the search words themselves (they are often a member's name).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db import OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet

from mandate.platform import exports
from mandate.platform.audit import record
from mandate.union.models import Member, Union
from mandate.union.register import COLUMNS, ImportReport, import_register

STATUSES = {"current": "Current members", "left": "Members marked as left", "all": "All members"}
PAGE_SIZES = (25, 50, 100, 200)
_ATTEMPTS = 40  # tries of a confirmation that finds SQLite's write lock taken
MAX_QUERY = 200  # characters of a search; longer input is cut, never an error


def members(union: Union, *, query: str = "", status: str = "current") -> QuerySet[Member]:
    """The union's members matching `query` (part of the name, the membership number, or the workplace's
    name or code, case-insensitive; every word must match), current, left or all."""
    qs = Member.objects.filter(union=union).select_related("employer", "workplace")
    if status == "current":
        qs = qs.filter(left_on__isnull=True)
    elif status == "left":
        qs = qs.filter(left_on__isnull=False)
    for word in clean_query(query).split():
        qs = qs.filter(Q(name__icontains=word) | Q(membership_number__icontains=word)
                       | Q(workplace__name__icontains=word) | Q(workplace__code__iexact=word))
    order = ("-left_on", "name", "membership_number") if status == "left" else ("name", "membership_number")
    return qs.order_by(*order)


def clean_query(query: str) -> str:
    """The search as typed, without control characters (a NUL PostgreSQL refuses), cut to MAX_QUERY."""
    return "".join(ch for ch in (query or "") if ch.isprintable())[:MAX_QUERY].strip()


def record_read(actor: Any, union: Union, *, query: str, status: str, page: int, shown: list[Member]) -> None:
    """The audit entry for a page of the register: who read which members (by membership number)."""
    record(actor, "register.read", "Union", union.code, searched=bool(clean_query(query)), status=status,
           page=page, members=[m.membership_number for m in shown])


def export_members(union: Union, out: IO[str], actor: Any, *, query: str = "", status: str = "current") -> int:
    """Write the members of the current filter as CSV: the register's import columns, and `left_on` where
    members marked as left are included; cells that a spreadsheet would run as a formula are escaped. Returns
    how many were written."""
    writer = exports.csv_writer(out)  # cells a spreadsheet would run as a formula escaped (OWASP)
    with_left = status != "current"
    writer.writerow([*COLUMNS, "left_on"] if with_left else COLUMNS)
    count = 0
    for m in members(union, query=query, status=status).iterator(chunk_size=5000):
        writer.writerow([
            m.membership_number, m.name, m.personal_email, m.mobile, m.home_address, m.employer.code,
            m.workplace.code, m.job_category, "yes" if m.overseas else "no", m.joined_on.isoformat(),
            *([m.left_on.isoformat() if m.left_on else ""] if with_left else [])])
        count += 1
    record(actor, "register.exported", "Union", union.code, members=count, status=status,
           searched=bool(clean_query(query)))
    return count


# ---------------------------------------------------------------------------------------------------------------
# Marking members missing from a file as left: reviewed first, then confirmed once
# ---------------------------------------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the review's transaction so that nothing it did is kept."""


@dataclass
class ImportReview:
    """What an import with "mark members missing as left" would do, worked out by running the import itself
    and undoing it: the counts and the members it would mark as left."""

    token: str
    report: ImportReport
    would_leave: list[Member] = field(default_factory=list)
    would_return: list[Member] = field(default_factory=list)  # marked as left, in the file: current again


def file_token(union: Union, text: str) -> str:
    """Names one reviewed file for one union: the confirmation must name the same file."""
    return hashlib.sha256(f"{union.pk}\n{text}".encode()).hexdigest()[:32]


def review_import(union: Union, text: str, *, today: date | None = None) -> ImportReview:
    """Run the import with `mark_missing_left` in a transaction that is then undone, and say who it would mark
    as left. A file the import refuses raises RegisterImportError, as the import would."""
    today = today or date.today()
    before = set(Member.objects.filter(union=union, left_on__isnull=True).values_list("pk", flat=True))
    left_before = set(Member.objects.filter(union=union, left_on__isnull=False).values_list("pk", flat=True))
    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            outcome["report"] = import_register(union, text, None, mark_missing_left=True, today=today)
            gone = Member.objects.filter(union=union, pk__in=before, left_on__isnull=False)
            outcome["left"] = list(gone.select_related("workplace").order_by("name", "membership_number"))
            back = Member.objects.filter(union=union, pk__in=left_before, left_on__isnull=True)
            outcome["back"] = list(back.select_related("workplace").order_by("name", "membership_number"))
            raise _DryRun
    except _DryRun:
        pass
    return ImportReview(file_token(union, text), outcome["report"], outcome["left"], outcome["back"])


def confirm_import(union: Union, text: str, actor: Any, *, today: date | None = None) -> ImportReport:
    """The import the official reviewed, marking members missing from the file as left. The union's row is
    locked first, so two confirmations at once (a double click) run one after the other and the second finds
    every member as the first left them: it changes nothing."""
    nested = connection.in_atomic_block
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                # Writing the union's row first holds it until the import commits: a row lock on PostgreSQL,
                # the database's write lock on SQLite (a SELECT ... FOR UPDATE there locks nothing).
                Union.objects.filter(pk=union.pk).update(name=F("name"))
                return import_register(union, text, actor, mark_missing_left=True, today=today)
        except OperationalError as error:  # SQLite: another writer holds the lock; wait and try again whole
            text_of = str(error).lower()
            if nested or not ("locked" in text_of or "busy" in text_of) or attempt == _ATTEMPTS - 1:
                raise
        time.sleep(min(0.5, 0.02 * (attempt + 1)))
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["PAGE_SIZES", "STATUSES", "ImportReview", "clean_query", "confirm_import", "export_members",
           "file_token", "members", "record_read", "review_import"]
