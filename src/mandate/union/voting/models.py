"""The one-time codes that let a member open the booth of an electronic ballot.

A member opens the link of their credential message; the server sends a one-time code to the same personal
channel (email or mobile) and keeps only its keyed hash, until it expires, is used, or is tried too often.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class VotingCode(models.Model):
    CHANNEL_CHOICES = [("email", "Personal email"), ("sms", "Personal mobile")]

    ballot = models.ForeignKey("union.Ballot", on_delete=models.CASCADE, related_name="+")
    elector = models.ForeignKey("union.Elector", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, help_text="A keyed hash of the code; never the code.")
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "union"
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["ballot", "elector", "sent_at"], name="voting_code_recent_idx")]
        constraints = [
            models.CheckConstraint(name="voting_code_expires_after_sent", condition=Q(expires_at__gt=models.F("sent_at"))),
        ]
