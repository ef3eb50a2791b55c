from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from mandate.platform import jobs, mail
from mandate.platform.models import Job
from mandate.platform.roles import EMPLOYER, UNION, login_only, roles_context


@login_only
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their own side's dashboard."""
    side = roles_context(request)["user_side"]
    if side == EMPLOYER:
        return redirect("workplace:dashboard")
    if side == UNION:
        return redirect("union:dashboard")
    return render(request, "platform/no_role.html", status=403)


def _own_job(request: HttpRequest, pk: str) -> Job:
    """A job's page is for the person who started it, while they hold the role it was started with; anyone
    else is told it does not exist."""
    job = get_object_or_404(Job.objects.defer("result_file"), pk=pk, started_by=request.user)
    if not jobs.may_see(job, request.user):
        raise Http404("No such job.")
    if not job.finished:
        jobs.reap(job)  # a job whose worker was killed is retried or reported here, even with no worker left
        job.refresh_from_db()
    return job


@login_only
def job(request: HttpRequest, pk: str) -> HttpResponse:
    """A background job's progress (the page reloads itself every two seconds until the job has finished:
    a meta refresh, since the Content-Security-Policy allows no inline script), its result or why it failed."""
    j = _own_job(request, pk)
    elapsed = ((j.finished_at or timezone.now()) - (j.started_at or j.created_at)).total_seconds()
    response = render(request, "platform/job.html", {"job": j, "elapsed": round(elapsed)})
    response["Cache-Control"] = "no-store"
    return response


@login_only
def job_status(request: HttpRequest, pk: str) -> JsonResponse:
    """The same as JSON, for scripts: status, stage, done, total, attempts, result_url, error."""
    j = _own_job(request, pk)
    response = JsonResponse({
        "id": str(j.pk), "kind": j.kind, "title": j.title, "status": j.status, "stage": j.stage, "done": j.done,
        "total": j.total, "attempts": j.attempts, "result_url": j.result_url, "result_text": j.result_text,
        "error": j.error, "created_at": j.created_at.isoformat(),
        "finished_at": j.finished_at.isoformat() if j.finished_at else None})
    response["Cache-Control"] = "no-store"
    return response


@login_only
def job_result(request: HttpRequest, pk: str) -> HttpResponse:
    """The file a finished job made (an evidence pack), to whoever may see the job; never cached."""
    from mandate.platform.audit import record

    j = _own_job(request, pk)
    content = Job.objects.filter(pk=j.pk).values_list("result_file", flat=True).first()
    if j.status != "succeeded" or content is None:
        raise Http404("This job has no file.")
    record(request.user, "job.result_read", "Job", str(j.pk), kind=j.kind)
    response = HttpResponse(bytes(content), content_type=j.result_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{j.result_name or "result"}"'
    response["Cache-Control"] = "no-store"
    return response


class PasswordResetByJobForm(PasswordResetForm):
    """Django's password-reset form, but the mail goes out through a job (platform/mail.py): the request
    answers at once, whether the mail server is slow or down, and the queue holds no token."""

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        mail.queue_password_reset(context["user"], domain=context["domain"], site_name=context["site_name"],
                                  use_https=context["protocol"] == "https")
