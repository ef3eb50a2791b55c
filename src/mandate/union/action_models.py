"""Models of calling the action and of the exchange, on the union side (imported by union/models.py).

- :class:`SigningKey`: the union's Ed25519 key; the public half is published for employers to record.
- :class:`EmployerKey`: an employer's public key, recorded by an official, that checks its acknowledgements.
- :class:`SentPackage`: a signed package of one statutory document, with its proof of receipt once the
  employer's signed acknowledgement has been imported (one acknowledgement, once: replays are refused).
- :class:`ActionNotice`: a notice of industrial action (s.234A), of suspension or of resumption.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from mandate.dates import human_date


class SigningKey(models.Model):
    """The union's Ed25519 signing key. The seed never leaves this table: no page, log or export shows it."""

    objects: models.Manager[SigningKey] = models.Manager()
    union = models.OneToOneField("union.Union", on_delete=models.CASCADE, related_name="signing_key")
    seed = models.BinaryField(editable=False)
    public_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __repr__(self) -> str:  # never the seed
        return f"<SigningKey {self.pk} {self.public_key[:8]}…>"

    __str__ = __repr__


class EmployerKey(models.Model):
    objects: models.Manager[EmployerKey] = models.Manager()
    employer = models.ForeignKey("union.Employer", on_delete=models.CASCADE, related_name="+")
    public_key = models.CharField(max_length=64)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employer", "public_key"], name="one_record_per_employer_key")]


class SentPackage(models.Model):
    objects: models.Manager[SentPackage] = models.Manager()
    union = models.ForeignKey("union.Union", on_delete=models.CASCADE, related_name="+")
    employer = models.ForeignKey("union.Employer", on_delete=models.PROTECT, related_name="+")
    document = models.OneToOneField("platform.Document", on_delete=models.PROTECT, related_name="+")
    package = models.BinaryField(editable=False)
    digest = models.CharField(max_length=64, unique=True, help_text="What the employer's acknowledgement names.")
    created_at = models.DateTimeField(auto_now_add=True)
    received_on = models.DateField(null=True, blank=True, help_text="The date received, by the acknowledgement.")
    receipt = models.TextField(blank=True, help_text="The employer's signed acknowledgement, as imported.")
    receipt_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    receipt_recorded_by = models.CharField(max_length=150, blank=True)
    receipt_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(
            condition=Q(received_on__isnull=True, receipt_digest__isnull=True)
            | Q(received_on__isnull=False, receipt_digest__isnull=False),
            name="proof_of_receipt_has_its_acknowledgement")]


class ActionNotice(models.Model):
    objects: models.Manager[ActionNotice] = models.Manager()
    KIND_CHOICES = [("action", "Notice of industrial action"), ("suspension", "Notice of suspension"),
                    ("resumption", "Notice of resumption")]

    union = models.ForeignKey("union.Union", on_delete=models.CASCADE, related_name="+")
    mandate = models.ForeignKey("union.Mandate", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey("union.Employer", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=KIND_CHOICES, default="action")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers",
                                 help_text="The notice a suspension or resumption is about.")
    continuous = models.BooleanField(default=False)
    days = models.JSONField(default=list, help_text="ISO dates: the start day, or every day of the action.")
    forms = models.TextField(blank=True, help_text="Forms of action short of a strike, one a line.")
    reason = models.CharField(max_length=24, blank=True, help_text="Why action was suspended or resumes.")
    expected_receipt = models.DateField(help_text="The day the union expects the employer to receive it.")
    sent_on = models.DateField()
    regime = models.CharField(max_length=16, blank=True)
    latest_receipt = models.DateField(null=True, blank=True)
    facts = models.JSONField(default=dict)
    package = models.OneToOneField(SentPackage, on_delete=models.PROTECT, related_name="action_notice")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["action", "suspension", "resumption"]),
                                   name="action_notice_kind_known"),
            models.CheckConstraint(condition=Q(kind="action") | Q(previous__isnull=False),
                                   name="suspension_or_resumption_names_its_notice"),
        ]

    def __str__(self) -> str:
        label = dict(self.KIND_CHOICES)[self.kind]
        first = date.fromisoformat(self.days[0]) if self.days else None
        return f"{label} to {self.employer.name}" + (f" from {human_date(first)}" if first else "")

    @property
    def day_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.days]

    @property
    def form_list(self) -> list[str]:
        return [f for f in self.forms.splitlines() if f.strip()]


class Reminder(models.Model):
    """A reminder mailed to an official, once per (kind, subject, event day, official): the unique constraint is
    what makes a daily run idempotent, however often and from however many processes it runs. The row holds
    no mail text and no member's data: the kind, what it is about (a mandate or a package) and the day."""

    objects: models.Manager[Reminder] = models.Manager()
    KIND_CHOICES = [("renewal", "A re-ballot must start to keep cover"),
                    ("notice_deadline", "A notice's latest day of receipt is near"),
                    ("no_receipt", "A document sent has no recorded receipt")]
    union = models.ForeignKey("union.Union", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    subject = models.CharField(max_length=64, help_text="What it is about: mandate-<id> or package-<id>.")
    event_day = models.DateField(help_text="The day the reminder is about (a deadline).")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(help_text="The day the run that sent it was for.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["union", "kind", "subject", "event_day", "recipient"],
                                    name="one_reminder_per_event_and_official"),
            models.CheckConstraint(condition=Q(kind__in=["renewal", "notice_deadline", "no_receipt"]),
                                   name="reminder_kind_known"),
        ]


class CalendarFeed(models.Model):
    """A secret address of the union's action calendar for calendar apps (no session). Only the SHA-256 of the
    token is stored; the address is shown once, when made. At most one live feed per union."""

    objects: models.Manager[CalendarFeed] = models.Manager()
    union = models.ForeignKey("union.Union", on_delete=models.CASCADE, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    last_read_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["union"], condition=Q(revoked_at__isnull=True),
                                               name="one_live_calendar_feed_per_union")]
