"""The HR administrator's imports and the equality evidence pack, run as background jobs (platform/jobs.py):
the page that starts one answers at once with the job's page, which shows the progress, then the summary of
the import (or the refusal, every line and field named, nothing written) or the evidence pack's PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse

from mandate.dates import human_date
from mandate.platform import jobs
from mandate.platform.models import Job
from mandate.workplace.importers import ImportRefused, import_file
from mandate.workplace.models import Organisation
from mandate.workplace.organisation_import import (
    ORGANISATION_KINDS,
    OrganisationImportResult,
    import_organisation_file,
)

HR = "hr_admin"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{intcomma(n)} {word if n == 1 else plural or word + 's'}"


def start_import(organisation: Organisation, kind: str, upload: Any, actor: Any) -> Job:
    """Keep the uploaded file for a worker and queue its import; the same file sent again by the same person
    while its import waits or runs (a double click) is that same job."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = str(upload.name or "upload.csv")[:255]
    return jobs.start("mandate.workplace.import_jobs.run_import", kind="workplace-import", actor=actor,
                      title=f"Import of {name}", return_url=reverse("workplace:imports"), roles=[HR],
                      scope=organisation.code, upload=upload, once=f"{organisation.pk}:{kind}:{digest.hexdigest()}",
                      organisation_id=organisation.pk, import_kind=kind, filename=name,
                      actor_id=getattr(actor, "pk", None))


def refusal(error: ImportRefused, max_errors: int) -> jobs.JobRefused:
    """The refusal as the job's page lists it: the reason, then one line a problem (line and field named)."""
    lines = ["The file was refused; nothing of it was written."]
    for e in error.errors:
        where = ", ".join(p for p in (f"Line {e.line}" if e.line else "",
                                      f"field \u2018{e.field}\u2019" if e.field else "") if p)
        lines.append(f"{where}: {e.message}" if where else e.message)
    if error.more:
        lines.append(f"Only the first {max_errors} problems are listed.")
    return jobs.JobRefused("\n".join(lines))


@jobs.handler
def run_import(progress: jobs.Progress, organisation_id: int, import_kind: str, filename: str, upload: str,
               actor_id: int | None = None) -> jobs.Result:
    from mandate.workplace.importers import MAX_ERRORS

    organisation = Organisation.objects.get(pk=organisation_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    data = jobs.read_upload(upload)
    total = max(data.count(b"\n") - 1, 0) if not data[:4] == b"PAR1" else 0
    progress(f"Checking every row of {filename}", 0, total)

    def report(stage: str, done: int) -> None:
        progress(stage, done, total)

    result: Any
    try:
        if import_kind == "purposes":  # workplace/purposes.py: the purposes of office days, HR's import
            from mandate.workplace.purposes import import_purposes_file

            result = import_purposes_file(organisation, filename, data, actor)
        else:
            service = import_organisation_file if import_kind in ORGANISATION_KINDS else import_file
            result = service(organisation, import_kind, filename, data, actor, progress=report)
    except ImportRefused as error:
        raise refusal(error, MAX_ERRORS) from None
    url = reverse("workplace:imports")
    if result.already_imported:
        batch = result.batch
        return jobs.Result(url=url, text=f"This file was already imported on {human_date(batch.imported_at)} "
                                         f"({_plural(batch.rows, 'row')}): nothing changed.")
    if isinstance(result, OrganisationImportResult):  # the organisation's files and the purposes
        text = (f"Imported {filename}: {_plural(result.rows, 'row')} read; {intcomma(result.created)} added, "
                f"{intcomma(result.updated)} updated, {intcomma(result.unchanged)} unchanged.")
    else:
        text = (f"Imported {filename}: {_plural(result.rows, 'row')} read, {_plural(result.written, 'record')} "
                "written")
        if getattr(result, "unmatched", 0):
            text += f", {_plural(result.unmatched, 'swipe')} by cards that match no one"
        text += "."
    return jobs.Result(url=url, text=text)


# ---------------------------------------------------------------------------------------------------------------
# The equality evidence pack's PDF
# ---------------------------------------------------------------------------------------------------------------


def start_evidence_pdf(organisation: Organisation, query: dict[str, Any], actor: Any, roles: list[str]) -> Job:
    """Queue the evidence pack's PDF for the period, policies and cut in `query` (ids, dates and codes)."""
    return jobs.start("mandate.workplace.import_jobs.evidence_pdf", kind="evidence-pack", actor=actor,
                      title=f"Equality evidence pack, {human_date(dt.date.fromisoformat(query['date_from']))} to "
                            f"{human_date(dt.date.fromisoformat(query['date_to']))}",
                      return_url=reverse("workplace:evidence"), roles=roles, scope=organisation.code,
                      once=f"{organisation.pk}:{sorted(query.items())}", organisation_id=organisation.pk,
                      actor_id=getattr(actor, "pk", None), **query)


@jobs.handler
def evidence_pdf(progress: jobs.Progress, organisation_id: int, actor_id: int | None, date_from: str, date_to: str,
                 policy: int, other: int | None, days_a_week: str, cut_a: str, cut_b: str) -> jobs.Result:
    from django.template.loader import render_to_string

    from mandate.platform.audit import record
    from mandate.platform.documents import html_to_pdf
    from mandate.workplace.evidence import build_pack
    from mandate.workplace.evidence_views import PDF_CSS
    from mandate.workplace.figures import FigureError
    from mandate.workplace.models import AttendancePolicy

    organisation = Organisation.objects.get(pk=organisation_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    policies = list(AttendancePolicy.objects.filter(organisation=organisation, pk__in=[p for p in (policy, other)
                                                                                         if p]))
    policies.sort(key=lambda p: (p.pk != policy,))
    if not policies or policies[0].pk != policy:
        raise jobs.JobRefused("The policy chosen no longer exists: choose it again.")
    start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
    cut = (cut_a, cut_b) if cut_a else None
    progress("Computing the figures for every group", 0, 2)
    record(actor, "equality_evidence.read", "Organisation", organisation.code, date_from=start, date_to=end,
           policies=[p.name for p in policies], cut=list(cut) if cut else None, format="pdf")
    try:
        pack = build_pack(organisation, policies, start, end, produced_on=dt.date.today(),
                          days_a_week=float(days_a_week), cut=cut)
    except FigureError as exc:
        raise jobs.JobRefused(str(exc)) from None
    progress("Writing the PDF", 1, 2)
    html = render_to_string("workplace/evidence_pdf.html", {"pack": pack, "in_pdf": True})
    name = f"equality-evidence-{organisation.code}-{pack.start.isoformat()}-to-{pack.end.isoformat()}.pdf"
    return jobs.Result(text=f"The equality evidence pack, {human_date(pack.start)} to {human_date(pack.end)} "
                            "(PDF)", content=html_to_pdf(html, PDF_CSS, tagged=True), filename=name,
                       content_type="application/pdf")
