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

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_policy_name")]
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
        clash = AttendancePolicy.objects.filter(organisation_id=self.organisation_id, name=self.name)
        if clash.exclude(pk=self.pk).exists():
            raise ValidationError({"toml": f"A policy named \u201c{self.name}\u201d already exists."})


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
# Estates (issue 18): desks, booking rules, bookings and desk entitlements live in their own package.
from mandate.workplace.estates.models import Booking, Desk, DeskEntitlement, SiteRules  # noqa: E402, F401
from mandate.workplace.received_models import ReceiptKey, ReceivedPackage, SenderKey  # noqa: E402, F401
