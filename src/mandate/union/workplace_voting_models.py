"""Models of workplace voting (a ballot box at the workplace, by prior agreement), imported by union/models.py.

- :class:`WorkplaceVotingAgreement`: the prior agreement of the union, the scrutineer and the employer that
  the rulebook requires before a ballot with workplace voting opens.
- :class:`BallotStation`: a place where members take a paper and put it in the station's sealed box; it holds
  a stock of numbered papers for one ballot unit, numbered apart from every member's own postal paper.
- :class:`MarkedRegisterEntry`: the marked register: who took a paper at which station, never which paper.
  One entry per elector in the whole ballot, whatever the station (the database refuses a second one).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class WorkplaceVotingAgreement(models.Model):
    objects: models.Manager[WorkplaceVotingAgreement] = models.Manager()
    ballot = models.OneToOneField("union.Ballot", on_delete=models.CASCADE, related_name="workplace_agreement")
    union_agreed_by = models.CharField(max_length=200)
    union_agreed_on = models.DateField()
    scrutineer_agreed_by = models.CharField(max_length=200)
    scrutineer_agreed_on = models.DateField()
    employer_agreed_by = models.CharField(max_length=200, help_text="Who agreed for the employer, and their post.")
    employer_agreed_on = models.DateField()
    reference = models.CharField(max_length=200, blank=True, help_text="The agreement's reference or file name.")
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)


class BallotStation(models.Model):
    objects: models.Manager[BallotStation] = models.Manager()
    ballot = models.ForeignKey("union.Ballot", on_delete=models.CASCADE, related_name="stations")
    unit = models.ForeignKey("union.BallotUnit", on_delete=models.PROTECT, related_name="stations")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=200)
    place = models.CharField(max_length=300, help_text="Where the box stands (room, building, address).")
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    created_by = models.CharField(max_length=150)
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_number = models.CharField(max_length=64, blank=True)
    sealed_by = models.CharField(max_length=150, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "code"], name="unique_station_code"),
            models.UniqueConstraint(fields=["ballot", "first_number"], name="unique_station_stock_start"),
            models.CheckConstraint(name="station_stock_not_empty", condition=Q(last_number__gte=F("first_number"))),
            models.CheckConstraint(name="station_sealed_with_a_seal",
                                   condition=Q(sealed_at__isnull=True) | ~Q(seal_number="")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def stock(self) -> int:
        return self.last_number - self.first_number + 1


class MarkedRegisterEntry(models.Model):
    objects: models.Manager[MarkedRegisterEntry] = models.Manager()
    ballot = models.ForeignKey("union.Ballot", on_delete=models.CASCADE, related_name="marked_register")
    station = models.ForeignKey(BallotStation, on_delete=models.PROTECT, related_name="marked")
    elector = models.ForeignKey("union.Elector", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    issued_by = models.CharField(max_length=150)

    # No time and no paper number: the day is enough for the turnout, and the station's papers are shuffled
    # before voting starts, so neither the register nor the order of its rows tells which paper anyone took.
    class Meta:
        ordering = ["station", "elector__membership_number"]
        constraints = [models.UniqueConstraint(fields=["ballot", "elector"], name="one_station_paper_per_elector")]
