"""Desks and spaces, per-site booking rules, bookings with check-in, and desk entitlements from adjustments.

Invariants in the database: a desk code once per site; one live booking per desk per day and one per person
per day (released or cancelled bookings step aside: the constraints are conditional on `state`); a
check-in only on a booking. A booking is never attendance: only its check-in writes a presence record, with
the source "booking_checkin", into the same ledger as the imported ones (unique by the ledger's identity).
"""

from __future__ import annotations

import datetime
import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mandate.workplace.models import Adjustment, Site, StaffMember

#: Desk and space attributes (BSI PAS 6463:2022 and common adjustments): field name -> label.
ATTRIBUTES = {
    "quiet_zone": "Quiet zone",
    "low_stimulus_lighting": "Low-stimulus lighting",
    "height_adjustable": "Height-adjustable desk",
    "accessible_route": "Accessible route",
    "near_exit": "Near an exit",
    "assistive_equipment": "Assistive equipment",
    "dual_screens": "Dual screens",
}


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Desk(models.Model):
    """A desk or a bookable room at a site, on a floor and in a zone, with its attributes."""

    DESK, ROOM = "desk", "room"
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="desks")
    code = models.CharField(max_length=32, help_text="The desk's label, as on the desk (unique at the site).")
    floor = models.CharField(max_length=32, help_text="Floor, like G, 1 or 2.")
    zone = models.CharField(max_length=64, blank=True, help_text="Zone or neighbourhood on the floor.")
    kind = models.CharField(max_length=8, choices=[(DESK, "Desk"), (ROOM, "Bookable room")], default=DESK)
    quiet_zone = models.BooleanField("Quiet zone", default=False)
    low_stimulus_lighting = models.BooleanField("Low-stimulus lighting", default=False)
    height_adjustable = models.BooleanField("Height-adjustable desk", default=False)
    accessible_route = models.BooleanField("Accessible route", default=False)
    near_exit = models.BooleanField("Near an exit", default=False)
    assistive_equipment = models.BooleanField("Assistive equipment", default=False)
    dual_screens = models.BooleanField("Dual screens", default=False)
    reserved = models.BooleanField(
        "Held for entitled staff", default=False,
        help_text="Offered only to people whose adjustment entitles them to a desk like it.")
    active = models.BooleanField(default=True, help_text="Bookable; untick to withdraw without losing history.")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False,
                             help_text="The secret in the desk's check-in QR code.")
    x = models.DecimalField(
        "Across the plan (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Where the desk is on the floor plan: 0 is the left edge, 100 the right. Leave empty if unplaced.")
    y = models.DecimalField(
        "Down the plan (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="0 is the top edge of the floor plan, 100 the bottom.")

    class Meta:
        ordering = ["site__name", "floor", "zone", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="estates_unique_desk_code"),
            models.CheckConstraint(condition=Q(x__isnull=True) | (Q(x__gte=0) & Q(x__lte=100)),
                                   name="estates_desk_x_0_to_100"),
            models.CheckConstraint(condition=Q(y__isnull=True) | (Q(y__gte=0) & Q(y__lte=100)),
                                   name="estates_desk_y_0_to_100"),
        ]

    @property
    def placed(self) -> bool:
        return self.x is not None and self.y is not None

    def __str__(self) -> str:
        return f"{self.code} ({self.site.name}, floor {self.floor})"

    def attributes(self) -> list[str]:
        return [label for name, label in ATTRIBUTES.items() if getattr(self, name)]

    def has(self, required: set[str]) -> bool:
        return all(getattr(self, name) for name in required)


class FloorPlan(models.Model):
    """A floor's plan image (PNG or JPEG, checked by its content), once per site and floor. The bytes live in
    the database, so a plan is replaced or removed in one transaction and no upload path exists to abuse."""

    PNG, JPEG = "image/png", "image/jpeg"
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="floor_plans")
    floor = models.CharField(max_length=32)
    content_type = models.CharField(max_length=16, choices=[(PNG, "PNG"), (JPEG, "JPEG")])
    image = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "floor"], name="estates_one_plan_per_floor"),
            models.CheckConstraint(condition=Q(content_type__in=("image/png", "image/jpeg")),
                                   name="estates_plan_png_or_jpeg"),
            models.CheckConstraint(condition=Q(width__gte=1) & Q(height__gte=1), name="estates_plan_has_size"),
        ]

    def __str__(self) -> str:
        return f"Plan of floor {self.floor} at {self.site.name}"


class SiteRules(models.Model):
    """A site's booking rules."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="booking_rules")
    days_ahead = models.PositiveSmallIntegerField(default=14, help_text="How many days ahead staff may book.")
    days_per_week = models.PositiveSmallIntegerField(default=5, help_text="Bookings a person may hold a week.")
    release_at = models.TimeField(default=datetime.time(10, 0),
                                  help_text="An unchecked booking is released at this time.")
    weekends = models.BooleanField("Open at weekends", default=False,
                                   help_text="Desks may be booked on Saturdays and Sundays.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(days_per_week__gte=1) & Q(days_per_week__lte=5),
                                              name="estates_days_per_week_1_to_5")]


class Booking(models.Model):
    """A person's booking of a desk for a day. Only a check-in counts as presence."""

    BOOKED, CHECKED_IN, RELEASED, CANCELLED = "booked", "checked_in", "released", "cancelled"
    LIVE = (BOOKED, CHECKED_IN)
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="bookings")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="desk_bookings")
    date = models.DateField()
    state = models.CharField(max_length=16, default=BOOKED, choices=[
        (BOOKED, "Booked"), (CHECKED_IN, "Checked in"), (RELEASED, "Released (no check-in)"),
        (CANCELLED, "Cancelled")])
    booked_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "desk__code"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "date"], condition=Q(state__in=("booked", "checked_in")),
                                    name="estates_one_booking_per_desk_day"),
            models.UniqueConstraint(fields=["staff", "date"], condition=Q(state__in=("booked", "checked_in")),
                                    name="estates_one_booking_per_person_day"),
            models.CheckConstraint(condition=Q(state="checked_in", checked_in_at__isnull=False)
                                   | ~Q(state="checked_in"), name="estates_checked_in_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.desk} on {self.date.isoformat()}"


class DeskEntitlement(models.Model):
    """An adjustment's desk entitlement: the attributes the person's desk must have. It names no reason; the
    booking page offers matching desks first (and the held ones), and nobody else sees it."""

    adjustment = models.OneToOneField(Adjustment, on_delete=models.CASCADE, related_name="desk_entitlement")
    attributes = models.JSONField(default=list, help_text="Attribute names from ATTRIBUTES.")

    def required(self) -> set[str]:
        return {a for a in self.attributes if a in ATTRIBUTES}

    def labels(self) -> list[str]:
        return [label for name, label in ATTRIBUTES.items() if name in self.attributes]
