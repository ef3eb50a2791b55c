"""The employer's organisation and the presence ledger.

Equality-monitoring data lives in EqualityRecord, apart from anything a manager or HR compliance view reads;
only the analyst role's aggregate evidence pack reads it. There is no union membership data here, ever.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    from mandate.policy.config import Policy

NATIONS = [("england-and-wales", "England and Wales"), ("scotland", "Scotland")]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
PURPOSES = [
    ("team_anchor_day", "Team anchor day"),
    ("training", "Training"),
    ("meeting", "Meeting"),
    ("induction", "Induction"),
    ("collaboration", "Collaboration"),
]
#: what a member of staff may say an office day was for (the ledger's purposes, and "other" with a note)
DAY_PURPOSES = [*PURPOSES, ("other", "Other")]
NOTE_MAX = 200


class Organisation(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    dispute_mode = models.BooleanField(
        default=False,
        help_text="On while a trade dispute covering the attendance policy is declared: individual "
        "non-compliance outputs are withheld and every access to individual data is logged.",
    )

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    OFFICE, HUB = "office", "hub"
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=[(OFFICE, "Office"), (HUB, "Regional hub")], default=OFFICE)
    is_headquarters = models.BooleanField(default=False)
    nation = models.CharField(max_length=32, choices=NATIONS, help_text="Sets which bank holidays apply.")
    address = models.TextField(blank=True)
    desk_capacity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_site_code")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    directorate = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_team_code")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    staff_id = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    work_email = models.EmailField(blank=True)
    home_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="staff")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="staff")
    grade = models.CharField(max_length=16)
    working_days = models.CharField(max_length=32, help_text="Contracted days, like Mon;Tue;Wed")
    hours_per_day = models.DecimalField(max_digits=4, decimal_places=2)
    fte = models.DecimalField(max_digits=4, decimal_places=3)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    home_based_contract = models.BooleanField(default=False)
    line_manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="staff_record")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "staff_id"], name="unique_staff_id")]
        ordering = ["staff_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_id})"


class EqualityRecord(models.Model):
    """Equality-monitoring data (special category, DPA 2018 Sch.1 para 8): for aggregate analysis only."""

    staff = models.OneToOneField(StaffMember, on_delete=models.CASCADE, related_name="equality")
    sex = models.CharField(max_length=16, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    ethnicity = models.CharField(max_length=64, blank=True)
    disability = models.CharField(max_length=32, blank=True, help_text="yes / no / prefer not to say")
    caring_responsibilities = models.CharField(max_length=32, blank=True)
    commute_minutes = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Equality record {self.pk}"


class BadgeCard(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="badge_cards")
    card_number = models.CharField(max_length=32, unique=True)
    issued_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.card_number


class ImportBatch(models.Model):
    """One imported file. The same file (by SHA-256) imported again changes nothing."""

    KINDS = [
        ("badge", "Badge (access-control) export"),
        ("bookings", "Desk bookings with check-ins"),
        ("absences", "Absences (leave, sickness, training)"),
        ("official_business", "Official-business declarations"),
        ("sites", "Sites (code, name, nation, desks)"),
        ("teams", "Teams"),
        ("staff", "Staff (contracts, working patterns, home sites, line managers)"),
        ("equality", "Equality monitoring (kept apart, for aggregate evidence only)"),
        ("purposes", "Purposes of office days"),
    ]
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_batches")
    kind = models.CharField(max_length=32, choices=KINDS)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0, help_text="Data rows read from the file.")
    written = models.PositiveIntegerField(default=0, help_text="Records written (already-held ones skipped).")
    unmatched = models.PositiveIntegerField(default=0, help_text="Badge swipes whose card matched nobody.")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "sha256"], name="unique_import")]
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class PresenceRecord(models.Model):
    """A presence signal as exported: a badge swipe or a desk-booking check-in. Duplicates are normal data."""

    BADGE, CHECKIN, BOOKING = "badge", "booking_checkin", "booking"
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="presence")
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.CASCADE, related_name="presence")
    card_number = models.CharField(max_length=32, blank=True, help_text="As exported; may match no card.")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="presence")
    timestamp = models.DateTimeField()
    source = models.CharField(max_length=32, choices=[
        (BADGE, "Badge swipe"), (CHECKIN, "Booking check-in"), (BOOKING, "Desk booking, no check-in")])
    purpose = models.CharField(max_length=32, blank=True, choices=PURPOSES,
                               help_text="Why the person came in (purpose-led policies); blank if not recorded.")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        indexes = [models.Index(fields=["staff", "timestamp"]), models.Index(fields=["site", "timestamp"])]
        constraints = [
            # A record's identity: the same swipe exported again (other bytes: CRLF, reordered) is not a
            # second swipe. An unmatched swipe has no staff; its card number stands in.
            # (no staff is written 0 in the index: SQLite has no NULLS NOT DISTINCT, and two NULLs never clash)
            models.UniqueConstraint("organisation", Coalesce("staff", Value(0)), "card_number", "site", "timestamp",
                                    "source", name="unique_presence_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} at {self.timestamp.isoformat()}"


class Absence(models.Model):
    KINDS = [
        ("annual_leave", "Annual leave"),
        ("sickness", "Sickness"),
        ("special_leave", "Special leave"),
        ("training", "Training"),
        ("official_business", "Official business elsewhere"),
    ]
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="absences")
    date = models.DateField()
    kind = models.CharField(max_length=32, choices=KINDS)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "date", "kind"], name="unique_absence")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date.isoformat()}"


class AttendancePolicy(models.Model):
    """An attendance policy as a database record: the policy engine's TOML text, validated on save.

    The TOML holds the policy's versions and their effective dates; `effective_from` mirrors the first of them
    so that lists can show it. One record per organisation is the default the pages open with.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="policies")
    name = models.CharField(max_length=200, editable=False)
    toml = models.TextField("Policy (TOML)")
    effective_from = models.DateField(null=True, blank=True, editable=False)
    is_default = models.BooleanField("Open pages with this policy", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.CharField(max_length=150, blank=True, editable=False)
    withdrawn_reason = models.CharField("Why it is withdrawn", max_length=200, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_policy_name",
                                               condition=models.Q(withdrawn_at__isnull=True))]
        ordering = ["-is_default", "name"]
        verbose_name_plural = "attendance policies"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        policy = self.parsed()
        self.name = policy.name
        self.effective_from = policy.versions[0].effective_from
        super().save(*args, **kwargs)
        if self.is_default:
            AttendancePolicy.objects.filter(organisation_id=self.organisation_id).exclude(pk=self.pk).update(
                is_default=False)

    def parsed(self) -> Policy:
        from mandate.policy.config import loads_policy

        return loads_policy(self.toml, source=self.name or "policy")

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from mandate.policy.errors import PolicyError

        try:
            policy = self.parsed()
        except PolicyError as exc:
            raise ValidationError({"toml": str(exc)}) from exc
        self.name = policy.name
        self.effective_from = policy.versions[0].effective_from
        if self.organisation_id is not None:
            known = set(Site.objects.filter(organisation_id=self.organisation_id).values_list("code", flat=True))
            for v in policy.versions:
                unknown = sorted(set(v.sites) - known)
                if unknown:
                    raise ValidationError({"toml": f"key 'sites.{unknown[0]}': '{unknown[0]}' is not a site of "
                                                   f"this organisation (its sites are: {', '.join(sorted(known))})"})
        clash = AttendancePolicy.objects.filter(organisation_id=self.organisation_id, name=self.name,
                                                withdrawn_at__isnull=True)
        if clash.exclude(pk=self.pk).exists():
            raise ValidationError({"toml": f"A policy named \u201c{self.name}\u201d already exists."})


#: why an adjustment is withdrawn: a choice, never free text (there is nowhere to write a diagnosis)
WITHDRAWAL_REASONS = [
    ("no_longer_needed", "No longer needed"),
    ("replaced", "Replaced by another adjustment"),
    ("recorded_in_error", "Recorded in error"),
    ("left", "The person has left"),
    ("ended_early", "Ended early by agreement"),
]


class Adjustment(models.Model):
    """An adjusted expectation or exemption (spec §3). Special category data: never a diagnosis.

    There is deliberately no free-text field. HR and the person see everything here; a line manager sees
    only the adjusted expectation and its dates (`manager_view`), never the route.
    """

    ROUTES = [
        ("adjustment", "Workplace adjustment"),
        ("carers_passport", "Carer\u2019s passport"),
        ("flexible_working", "Flexible working"),
        ("home_based_contract", "Home-based contract"),
        ("phased_return", "Phased return"),
    ]
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="adjustments")
    exempt = models.BooleanField("Exempt from the attendance expectation", default=False)
    expected_percent = models.DecimalField(
        "Adjusted expectation (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="The percentage this person is expected to attend instead of the policy\u2019s target.")
    date_from = models.DateField("From")
    date_to = models.DateField("To", null=True, blank=True, help_text="Leave empty if open-ended.")
    route = models.CharField(max_length=32, choices=ROUTES)
    approved_by = models.CharField("Approved by", max_length=200)
    review_date = models.DateField("Review date")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.CharField(max_length=150, blank=True, editable=False)
    withdrawn_reason = models.CharField("Why it is withdrawn", max_length=32, blank=True, editable=False,
                                        choices=WITHDRAWAL_REASONS)

    class Meta:
        ordering = ["review_date", "staff__staff_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(review_date__gte=models.F("date_from")),
                                   name="adjustment_review_not_before_start",
                                   violation_error_message="The review date cannot be before the start date."),
            models.UniqueConstraint(  # empty values written as impossible ones, so that two of them clash
                "staff", "exempt", Coalesce("expected_percent", Value(Decimal(-1)), output_field=models.DecimalField()),
                "date_from", Coalesce("date_to", Value(datetime.date.max), output_field=models.DateField()), "route",
                "approved_by", "review_date", name="unique_adjustment",
                condition=models.Q(withdrawn_at__isnull=True),
                violation_error_message="This adjustment is already recorded for this member of staff."),
        ]

    def __str__(self) -> str:
        return f"{self.staff.staff_id}: {self.expectation}"

    @property
    def expectation(self) -> str:
        if self.exempt:
            return "Exempt"
        return f"{self.expected_percent.normalize():f}%" if self.expected_percent is not None else ""

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.exempt and self.expected_percent is not None:
            errors["expected_percent"] = "Give an adjusted expectation or mark as exempt, not both."
        if not self.exempt and self.expected_percent is None:
            errors["expected_percent"] = "Give an adjusted expectation, or mark as exempt."
        if self.expected_percent is not None and not 0 <= self.expected_percent <= 100:
            errors["expected_percent"] = "The adjusted expectation must be from 0% to 100%."
        if self.date_to and self.date_from and self.date_to < self.date_from:
            errors["date_to"] = "The end date must be on or after the start date."
        if self.review_date and self.date_from and self.review_date < self.date_from:
            errors["review_date"] = "The review date cannot be before the start date."
        if errors:
            raise ValidationError(errors)


class OfficeDayPurpose(models.Model):
    """Why a member of staff came in on an office day (purposeful need, the 2026 settlement): recorded by the
    person from My attendance, or imported by HR. One per person and day, held by a constraint. Reported
    only as team, site and organisation totals, never as a list of people."""

    STAFF, IMPORT = "staff", "import"
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="day_purposes")
    date = models.DateField()
    purpose = models.CharField(max_length=32, choices=DAY_PURPOSES)
    note = models.CharField(max_length=NOTE_MAX, blank=True, help_text="Optional, a few words.")
    source = models.CharField(max_length=16, choices=[(STAFF, "Recorded by the person"), (IMPORT, "Imported")])
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.CharField(max_length=150, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date"], name="unique_office_day_purpose",
                                    violation_error_message="A purpose is already recorded for this day."),
            models.CheckConstraint(condition=models.Q(purpose__in=[k for k, _ in DAY_PURPOSES]),
                                   name="office_day_purpose_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} on {self.date.isoformat()}"


class ReviewReminder(models.Model):
    """A review reminder sent for an adjustment's review date: one per adjustment and review date, held by
    a constraint, so that the same reminder is never sent twice (a changed review date is a new one)."""

    adjustment = models.ForeignKey(Adjustment, on_delete=models.CASCADE, related_name="reminders")
    review_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["adjustment", "review_date"], name="unique_review_reminder")]

    def __str__(self) -> str:
        return f"Reminder for review on {self.review_date.isoformat()}"


# Estates (issue 18): desks, booking rules, bookings and desk entitlements live in their own package.
from mandate.workplace.estates.models import Booking, Desk, DeskEntitlement, SiteRules  # noqa: E402, F401
from mandate.workplace.received_models import ReceiptKey, ReceivedPackage, SenderKey  # noqa: E402, F401


class FigureSet(models.Model):
    """The figures of one policy (as its TOML stands) over one range, stored for the pages to read.

    Written whole by `figure_store.recompute` from one engine run over the whole organisation: the
    aggregates (sites, teams, weekly per site, purposes) here as the engine's Arrow tables, one
    `PersonPeriodFigure` per person and period and one `PersonDays` per person. `generation` is raised, at
    once and in the transaction that changes them, whenever the ledger, the adjustments, the staff or the
    policy change; the rows are current only while `computed_generation` equals it (the pages otherwise
    compute directly, as before the store)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="figure_sets")
    policy = models.ForeignKey(AttendancePolicy, on_delete=models.CASCADE, related_name="figure_sets")
    policy_stamp = models.CharField(max_length=64, help_text="SHA-256 of the policy's TOML the rows were computed "
                                                             "under (empty until computed).", blank=True)
    date_from = models.DateField()
    date_to = models.DateField()
    generation = models.PositiveBigIntegerField(default=1)
    computed_generation = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    compute_seconds = models.FloatField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    error = models.TextField(blank=True, help_text="Why the engine refused (a policy or data problem).")
    unit = models.CharField(max_length=16, blank=True)
    notes = models.JSONField(default=list, blank=True)
    overall = models.JSONField(default=dict, blank=True, help_text="The engine's organisation row.")
    tables = models.BinaryField(default=b"", blank=True,
                                help_text="The engine's sites, teams, organisation periods, weekly and purposes "
                                          "tables (Arrow IPC streams, see figure_store).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "date_from", "date_to"], name="unique_figure_set"),
            models.CheckConstraint(condition=models.Q(date_to__gte=models.F("date_from")), name="figure_set_range"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.date_from.isoformat()} to {self.date_to.isoformat()}"

    @property
    def current(self) -> bool:
        return self.computed_generation == self.generation


class PersonPeriodFigure(models.Model):
    """One person's figure for one period under a stored policy version and range: the engine's person row."""

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="people")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    staff_code = models.CharField(max_length=32)
    team = models.CharField(max_length=64)
    home_site = models.CharField(max_length=32)
    period_start = models.DateField()
    period_end = models.DateField()
    working_days = models.IntegerField()
    required_days = models.IntegerField()
    attended_days = models.IntegerField()
    excluded_days = models.IntegerField()
    credited_days = models.IntegerField()
    required_hours = models.FloatField(null=True)
    attended_hours = models.FloatField(null=True)
    excluded_hours = models.FloatField(null=True)
    credited_hours = models.FloatField(null=True)
    percent = models.FloatField(null=True)
    target_percent = models.FloatField(null=True)
    adjusted_expectation = models.BooleanField()
    target_met = models.BooleanField(null=True)
    target_of = models.CharField(max_length=16)
    unit = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figure_set", "staff", "period_start", "period_end"],
                                               name="unique_person_period_figure")]
        indexes = [models.Index(fields=["figure_set", "staff_code"]),
                   models.Index(fields=["figure_set", "target_met", "staff_code"])]


class PersonDays(models.Model):
    """The explanation of each of one person's contracted days under a stored set (the engine's `explain`),
    as [date, status, reason, hours, purpose, policy version] lists in date order."""

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="days")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    staff_code = models.CharField(max_length=32)
    days = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figure_set", "staff"], name="unique_person_days")]
        indexes = [models.Index(fields=["figure_set", "staff_code"])]
