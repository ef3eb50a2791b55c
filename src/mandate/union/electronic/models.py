"""The electronic ballot's tables: one election per electronic ballot, its record as rows, its trustees.

The union app owns them (``app_label = "union"``; :mod:`mandate.union.models` imports them). The record is the
hash-chained event log of docs/record-format.md: each row is one event, ``hash`` computed by
:func:`mandate.crypto.record.event_hash` over the row's ``seq``, ``kind``, ``parent`` and canonical ``payload``
(stored as the canonical JSON text itself, so the record is written back byte for byte). Rows are only ever
added, by :func:`mandate.union.electronic.record.append_event`; the database refuses two events with one number,
and two events naming one parent (a fork of the chain), whoever writes them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mandate.crypto.record import EVENT_TYPES

GENESIS = "0" * 64


class Election(models.Model):
    """The electronic side of one ballot: its manifest's numbers, the conditions of the method as recorded, and
    the record's head (the row every append locks)."""

    ballot = models.OneToOneField("union.Ballot", on_delete=models.CASCADE, related_name="election")
    election_id = models.CharField(max_length=140, unique=True, help_text="The manifest's election_id.")
    trustees = models.PositiveSmallIntegerField(help_text="n: how many trustees hold a share of the key.")
    threshold = models.PositiveSmallIntegerField(help_text="k: how many of them must decrypt the count.")
    credential_authority = models.CharField(max_length=64, help_text="The credential authority's public key.")
    # The rulebook's conditions for the method (law/means.py), as recorded by the union.
    security_assessment = models.TextField(blank=True, help_text="The written security assessment, or where it is.")
    security_assessment_by = models.CharField(max_length=200, blank=True)
    security_assessment_on = models.DateField(null=True, blank=True)
    personal_channels_only = models.BooleanField(
        default=False, help_text="Credentials go only to members' personal email or personal mobile.")
    # The record's head: the last event's hash and the next event's number (kept with the row every append locks).
    head = models.CharField(max_length=64, default=GENESIS)
    length = models.PositiveIntegerField(default=0)
    # Copied from the election_key event once it is appended (what a booth needs to make a ballot).
    fingerprint = models.CharField(max_length=64, blank=True, help_text="FP: the election_key event's hash.")
    public_key = models.CharField(max_length=64, blank=True)
    # The verifier's outcome over the record at the count (crypto/verifier), for the results and the report.
    verification = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        app_label = "union"
        constraints = [
            models.CheckConstraint(name="election_threshold_in_range",
                                   condition=Q(threshold__gte=1) & Q(threshold__lte=models.F("trustees"))),
        ]

    def __str__(self) -> str:
        return self.election_id


class RecordEvent(models.Model):
    """One event of the election record (docs/record-format.md section 5). ``payload`` is the canonical JSON
    text; ``tracking_code``, ``credential`` and ``unit`` are copied out of a ballot or challenge payload for the
    bulletin board, the re-vote rule and turnout (all three are public in the record anyway)."""

    KIND_CHOICES = [(t, t.replace("_", " ")) for t in EVENT_TYPES]
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    parent = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    payload = models.TextField(help_text="The payload's canonical JSON (sorted keys, no whitespace, ASCII).")
    tracking_code = models.CharField(max_length=64, blank=True)
    credential = models.CharField(max_length=64, blank=True)
    unit = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "union"
        ordering = ["election", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["election", "seq"], name="one_record_event_per_seq"),
            models.UniqueConstraint(fields=["election", "parent"], name="record_chain_never_forks"),
            models.UniqueConstraint(fields=["election", "hash"], name="one_record_event_per_hash"),
            models.UniqueConstraint(fields=["election", "tracking_code"], condition=~Q(tracking_code=""),
                                    name="one_ballot_per_tracking_code"),
            models.UniqueConstraint(fields=["election"], condition=Q(kind="election"),
                                    name="one_election_event"),
            models.UniqueConstraint(fields=["election", "kind"],
                                    condition=Q(kind__in=["election_key", "end_of_voting", "encrypted_tally",
                                                          "result"]),
                                    name="one_record_event_of_a_kind"),
            models.CheckConstraint(name="record_event_kind_known", condition=Q(kind__in=list(EVENT_TYPES))),
        ]
        indexes = [models.Index(fields=["election", "kind"], name="record_event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.election_id}#{self.seq} {self.kind}"


class ElectionTrustee(models.Model):
    """Trustee ``index`` (1..n) of an election and the account that uploads their messages. The server holds
    nothing of theirs but what they publish."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustee_accounts")
    index = models.PositiveSmallIntegerField()
    username = models.CharField(max_length=150)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        app_label = "union"
        ordering = ["election", "index"]
        constraints = [
            models.UniqueConstraint(fields=["election", "index"], name="one_trustee_per_index"),
            models.UniqueConstraint(fields=["election", "username"], name="one_index_per_trustee_account"),
            models.CheckConstraint(name="trustee_index_from_one", condition=Q(index__gte=1)),
        ]

    def __str__(self) -> str:
        return f"trustee {self.index} ({self.username})"


class RevokedCredential(models.Model):
    """A public credential the credential authority revoked after its list was published (the member lost it
    and was re-issued one): the server refuses a ballot signed with it from then on."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="revoked")
    credential = models.CharField(max_length=64)
    replaced_at_seq = models.PositiveIntegerField(help_text="The credentials event that holds the new credential.")
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150, blank=True)

    class Meta:
        app_label = "union"
        constraints = [models.UniqueConstraint(fields=["election", "credential"], name="credential_revoked_once")]


class ListedCredential(models.Model):
    """A public credential on the authority's signed list (copied from a ``credentials`` event, for checking a
    ballot without reading the whole list): the credential and its unit. Names no member."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="credentials")
    credential = models.CharField(max_length=64)
    unit = models.CharField(max_length=64)
    seq = models.PositiveIntegerField(help_text="The credentials event that lists it.")

    class Meta:
        app_label = "union"
        constraints = [models.UniqueConstraint(fields=["election", "credential"], name="credential_listed_once")]
