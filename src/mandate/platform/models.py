"""Platform records: role assignments, the append-only audit log, and documents exchanged between wings."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from mandate.platform.roles import ROLE_CHOICES, ROLES


class RoleAssignment(models.Model):
    """A user holds a role within a scope: an employer organisation's code or a union's code."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    scope = models.CharField(max_length=64, help_text="Code of the organisation or union the role applies in.")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "scope"], name="unique_role_per_scope")]

    def __str__(self) -> str:
        return f"{self.user} is {ROLES[self.role].label} in {self.scope}"

    def clean(self) -> None:
        side = ROLES[self.role].side
        others = RoleAssignment.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
        if any(ROLES[r].side != side for r in others.values_list("role", flat=True)):
            raise ValidationError("One account cannot hold both employer-side and union-side roles.")
        # Views check the role, then act in the account's one organisation or union: a role held in one scope
        # must never open another scope's records, so an account holds roles in one scope only.
        if others.exclude(scope=self.scope).exists():
            raise ValidationError("One account acts for one organisation or union: use another account for another.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_clean(exclude=["user"])
        super().save(*args, **kwargs)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One entry in the hash-chained audit log: who did what to which record, when.

    hash = SHA-256 over the canonical JSON of the entry's fields and the previous entry's hash, so that a
    changed, removed or reordered entry breaks the chain at that point (`mandate audit verify`).
    Database triggers (migration 0002) refuse UPDATE and DELETE as well.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("the audit log is append-only")


class AuditHead(models.Model):
    """A single row locked while an entry is appended, so that concurrent writers chain one after another."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class Document(models.Model):
    """A document one wing produces (a notice, a result, an evidence pack), kept with its dates.

    Documents are how the wings talk: the union wing issues a notice of industrial action to an employer, and
    the employer wing sees the document, never the union's records behind it.
    """

    SIDE_CHOICES = [("union", "Union wing"), ("employer", "Workplace wing")]

    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    issued_by_side = models.CharField(max_length=16, choices=SIDE_CHOICES)
    issued_by_scope = models.CharField(max_length=64)
    addressed_to_scope = models.CharField(max_length=64, blank=True)
    html = models.TextField()
    pdf = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Job(models.Model):
    """One piece of long work (voting papers, an evidence pack, a mail) run by a worker, not in a request.

    The queue itself is django-tasks' database backend (django_tasks_db.DBTaskResult, `task_id` names the
    current attempt); this row is what the person who started the job sees on its page: its stage and
    progress, the result when done, in plain words why it failed. `heartbeat_at` is renewed by the worker
    while it runs the job, so a job whose worker was killed is noticed, retried or reported (platform/jobs.py).
    """

    STATUS_CHOICES = [("queued", "Waiting for a worker"), ("running", "Running"), ("succeeded", "Done"),
                      ("failed", "Failed")]

    id = models.UUIDField(primary_key=True, editable=False)
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    handler = models.CharField(max_length=200, help_text="Import path of the job's function (platform/jobs.py).")
    arguments = models.JSONField(default=dict, blank=True, help_text="Never a secret: ids and dates only.")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="queued")
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    return_url = models.CharField(max_length=500, blank=True, help_text="The page the job was started from.")
    result_url = models.CharField(max_length=500, blank=True)
    result_text = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True, help_text="Why the job failed, in the users' words (no traceback).")
    roles = models.JSONField(default=list, blank=True,
                             help_text="The roles (any one, in `scope`) its page and result need, beside being "
                                       "the account that started it.")
    scope = models.CharField(max_length=64, blank=True)
    result_file = models.BinaryField(null=True, blank=True, editable=False,
                                     help_text="A file the job made (an evidence pack), served at its result "
                                               "link to whoever may see the job, never cached.")
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                                   name="job_status_known"),
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                                   name="job_done_within_total"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in {"succeeded", "failed"}

    @property
    def error_lines(self) -> list[str]:
        """The reason, then each problem listed under it (a refused file's lines and fields)."""
        return [line for line in self.error.splitlines() if line.strip()]


class TwoFactorRequirement(models.Model):
    """An administrator's choice, per role, whether its accounts must sign in with a one-time code too. A role
    with no row follows the MANDATE_REQUIRE_2FA_ROLES setting (officials, scrutineers, trustees and HR
    administrators by default; none in the demo)."""

    role = models.CharField(max_length=32, choices=ROLE_CHOICES, unique=True)
    required = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "two-factor requirement"

    def __str__(self) -> str:
        return f"{ROLES[self.role].label}: two-factor {'required' if self.required else 'not required'}"


class AuditCheckpoint(models.Model):
    """The audit log's head at one moment (entry number and hash), signed with the Ed25519 key kept outside the
    database (MANDATE_AUDIT_KEY). A copy of each is appended to a file beside the key. `mandate audit verify`
    checks the chain against every checkpoint: a whole chain rewritten, or its newest entries removed, no longer
    matches what was signed, and a checkpoint cannot be made again without the key."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at entry {self.seq}"
