"""The employer's organisation and the presence ledger.

Equality-monitoring data lives in EqualityRecord, apart from anything a manager or HR compliance view reads;
only the analyst role's aggregate evidence pack reads it. There is no union membership data here, ever.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

NATIONS = [("england-and-wales", "England and Wales"), ("scotland", "Scotland")]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


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
    disability = models.CharField(max_length=16, blank=True, help_text="yes / no / prefer not to say")
    caring_responsibilities = models.CharField(max_length=16, blank=True)
    commute_minutes = models.PositiveIntegerField(null=True, blank=True)


class BadgeCard(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="badge_cards")
    card_number = models.CharField(max_length=32, unique=True)
    issued_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)


class ImportBatch(models.Model):
    """One imported file. The same file (by SHA-256) imported again changes nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_batches")
    kind = models.CharField(max_length=32)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "sha256"], name="unique_import")]


class PresenceRecord(models.Model):
    """A presence signal as exported: a badge swipe or a desk-booking check-in. Duplicates are normal data."""

    BADGE, CHECKIN = "badge", "booking_checkin"
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="presence")
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.CASCADE, related_name="presence")
    card_number = models.CharField(max_length=32, blank=True, help_text="As exported; may match no card.")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="presence")
    timestamp = models.DateTimeField()
    source = models.CharField(max_length=32, choices=[(BADGE, "Badge swipe"), (CHECKIN, "Booking check-in")])
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        indexes = [models.Index(fields=["staff", "timestamp"]), models.Index(fields=["site", "timestamp"])]


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
