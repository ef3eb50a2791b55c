"""Unions, branches, the employers and workplaces the union organises in, and the membership register.

The union wing keeps its own list of employers and workplaces (as the union knows them, for notices): it never
reads the workplace wing's organisation records.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mandate.dates import human_date
from mandate.union.errors import BallotError


class Union(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "branches"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employer(models.Model):
    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="employers")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True, help_text="Where notices to this employer are sent.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["union", "code"], name="unique_employer_code")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workplace(models.Model):
    """Premises members work at or from (s.226A(2I), s.228): the basis of separate workplace ballots."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="workplaces")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employer", "code"], name="unique_workplace_code")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="members")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    membership_number = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    personal_email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=32, blank=True)
    home_address = models.TextField()
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="members")
    workplace = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="members")
    job_category = models.CharField(max_length=100)
    overseas = models.BooleanField(default=False, help_text="Outside Great Britain (s.232).")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["union", "membership_number"], name="unique_membership_number")]
        ordering = ["membership_number"]

    def __str__(self) -> str:
        return f"{self.name} ({self.membership_number})"


# --------------------------------------------------------------------------------------------------------------
# Disputes
# --------------------------------------------------------------------------------------------------------------


class Dispute(models.Model):
    """A trade dispute (s.244): the parties, the matters in issue and who is affected."""

    STATUS_CHOICES = [("open", "Open"), ("settled", "Settled")]

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="disputes")
    code = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    matters = models.TextField(help_text="The matters in issue (s.244(1)).")
    categories_affected = models.TextField(blank=True, help_text="Job categories affected, one a line.")
    employers = models.ManyToManyField(Employer, related_name="disputes")
    workplaces = models.ManyToManyField(Workplace, related_name="disputes", blank=True)
    opened_on = models.DateField()
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="open")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["union", "code"], name="unique_dispute_code")]
        ordering = ["-opened_on"]

    def __str__(self) -> str:
        return self.title


class DisputeEvent(models.Model):
    KIND_CHOICES = [
        ("meeting", "Meeting"), ("offer", "Offer"), ("acas", "Acas conciliation"), ("ballot", "Ballot"),
        ("action", "Industrial action"), ("settlement", "Settlement"), ("policy", "Policy change"),
        ("other", "Other"),
    ]
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    on = models.DateField()
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.on}: {self.title}"


# --------------------------------------------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------------------------------------------


class Ballot(models.Model):
    """A statutory industrial action ballot (ss.226-235), split into one or more ballot units.

    The voting method is a field, not a subclass: electronic and hybrid methods add their own records beside
    the ballot (credentials, an election record) without changing this model. Only postal can be chosen until
    the law engine reports the e-balloting Order in force; electronic ballots keep their record in
    union/electronic/ (an Election beside the ballot).
    """

    METHOD_CHOICES = [
        ("postal", "Postal"), ("electronic", "Electronic"), ("hybrid", "Hybrid (postal or online)"),
        ("workplace", "Workplace (by prior agreement)"),
    ]
    AVAILABLE_METHODS = ("postal", "electronic")
    UNITS_CHOICES = [("separate", "Separate workplace ballots (s.228)"), ("aggregated", "One aggregated ballot (s.228A)")]
    BASIS_CHOICES = [
        ("", "Not aggregated"),
        ("228A(2)", "s.228A(2): each voter's workplace has a member affected by the dispute"),
        ("228A(3)", "s.228A(3): all members of given occupations employed by given employers in dispute"),
        ("228A(4)", "s.228A(4): all members employed by given employers in dispute"),
    ]
    STATUS_CHOICES = [("draft", "Being set up"), ("frozen", "Electorate frozen"), ("open", "Open"),
                      ("counted", "Counted")]

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="ballots")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="ballots")
    code = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    voting_method = models.CharField(max_length=16, choices=METHOD_CHOICES, default="postal")
    units_mode = models.CharField(max_length=16, choices=UNITS_CHOICES, default="separate")
    aggregation_basis = models.CharField(max_length=16, choices=BASIS_CHOICES, blank=True)
    aggregation_reason = models.TextField(blank=True, help_text="Why the union believes the basis applies.")
    employers = models.ManyToManyField(Employer, related_name="ballots")
    workplaces = models.ManyToManyField(Workplace, related_name="ballots", blank=True,
                                        help_text="Leave empty for every workplace of the employers.")
    categories = models.TextField(blank=True, help_text="Job categories balloted, one a line; empty for all.")
    entitlement_reason = models.CharField(
        max_length=300, default="Member the union reasonably believes will be induced to take part (s.227(1))")
    scrutineer_name = models.CharField(max_length=200, blank=True)
    scrutineer_username = models.CharField(max_length=150, blank=True, help_text="Account of the scrutineer.")
    return_address = models.TextField(blank=True)
    caller = models.CharField(max_length=300, default="The General Secretary or the National Executive Committee",
                              help_text="Who may call the action (s.229(3)).")
    dispute_summary = models.TextField(blank=True, help_text="Summary of the matters in dispute (s.229(2B)).")
    opening_day = models.DateField()
    closing_day = models.DateField()
    ips_majority = models.BooleanField(default=False, help_text="Most of those entitled work in important public services.")
    union_belief_not_ips = models.BooleanField(default=False)
    ips_rationale = models.TextField(blank=True)
    # The lifecycle (union/lifecycle.py moves it, one step at a time): `stage` is the step reached; `status` is
    # its coarse form (being set up, frozen, open, counted) that the documents and older pages read, kept in
    # step with it by the lifecycle and a check constraint.
    STAGE_CHOICES = [("setup", "Being set up"), ("notices_issued", "Notices issued"),
                     ("papers_issued", "Voting papers issued"), ("open", "Open"), ("closed", "Closed"),
                     ("counted", "Counted"), ("results_issued", "Results issued"),
                     ("report_issued", "Scrutineer's report issued")]
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="draft")
    stage = models.CharField(max_length=16, choices=STAGE_CHOICES, default="setup")
    version = models.PositiveIntegerField(default=0, help_text="Raised by every step: the row every step locks.")
    frozen_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.CharField(max_length=150, blank=True)
    assessment = models.JSONField(default=dict, blank=True, help_text="The law engine's assessment at the count.")

    # The facts a notice of ballot states: fixed from the notice until it is withdrawn (lifecycle.py).
    LOCKED_FIELDS = ("opening_day", "closing_day", "units_mode", "aggregation_basis", "categories",
                     "voting_method")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["union", "code"], name="unique_ballot_code"),
            models.CheckConstraint(name="ballot_closes_after_it_opens", condition=Q(closing_day__gte=models.F("opening_day"))),
            models.CheckConstraint(name="ballot_stage_matches_status", condition=(
                Q(stage="setup", status__in=["draft", "frozen"])
                | Q(stage__in=["notices_issued", "papers_issued"], status="frozen")
                | Q(stage__in=["open", "closed"], status="open")
                | Q(stage__in=["counted", "results_issued", "report_issued"], status="counted"))),
        ]
        ordering = ["-opening_day"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.status == "counted"

    @property
    def facts_locked(self) -> bool:
        """Whether the notice of ballot has gone out: the dates, units, questions and electorate are fixed."""
        return self.stage != "setup"

    def save(self, *args: object, **kwargs: object) -> None:
        """Refuse a change to a fact the notice of ballot stated once it is issued, whoever tries it."""
        if self.pk is not None and not self._state.adding:
            stored = Ballot.objects.filter(pk=self.pk).values("stage", *self.LOCKED_FIELDS).first()
            if stored is not None and stored["stage"] != "setup":
                changed = [f for f in self.LOCKED_FIELDS if getattr(self, f) != stored[f]]
                if changed:
                    raise BallotError(
                        "The notice of ballot has been issued: its " + ", ".join(f.replace("_", " ") for f in changed)
                        + " cannot change. Withdraw the notice (with the reason) to change them.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def _refuse_once_notified(ballot_id: int, what: str) -> None:
    if Ballot.objects.filter(pk=ballot_id).exclude(stage="setup").exists():
        raise BallotError(f"The notice of ballot has been issued: the ballot's {what} cannot change. Withdraw the "
                          "notice (with the reason) to change them.")


class BallotQuestion(models.Model):
    KIND_CHOICES = [("strike", "Strike"), ("action_short_of_strike", "Action short of a strike")]
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    text = models.CharField(max_length=300)
    action_types = models.TextField(blank=True, help_text="Types of action short of a strike, one a line (s.229(2C)).")
    expected_periods = models.TextField(blank=True, help_text="When each type of action is expected (s.229(2D)).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "kind"], name="one_question_per_kind")]
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: object, **kwargs: object) -> None:
        _refuse_once_notified(self.ballot_id, "questions")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        _refuse_once_notified(self.ballot_id, "questions")
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]

    def action_type_list(self) -> list[str]:
        return [line.strip() for line in self.action_types.splitlines() if line.strip()]


class BallotUnit(models.Model):
    """One ballot for the turnout, support, notice and result tests (s.226(3), s.228)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=200)
    workplace = models.ForeignKey(Workplace, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        _refuse_once_notified(self.ballot_id, "units")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        _refuse_once_notified(self.ballot_id, "units")
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]


class Elector(models.Model):
    """A member entitled to vote, frozen from the register when the electorate is frozen, with a paper number."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    unit = models.ForeignKey(BallotUnit, on_delete=models.CASCADE, related_name="electors")
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    membership_number = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    home_address = models.TextField()
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+")
    workplace = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="+")
    job_category = models.CharField(max_length=100)
    overseas = models.BooleanField(default=False)
    reason = models.CharField(max_length=300)
    paper_number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "paper_number"], name="unique_paper_number"),
            models.UniqueConstraint(fields=["ballot", "membership_number"], name="unique_elector"),
        ]
        ordering = ["paper_number"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding:  # a new paper number for a replacement paper changes an elector, allowed
            _refuse_once_notified(self.ballot_id, "electorate")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        _refuse_once_notified(self.ballot_id, "electorate")
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]


class VoidPaper(models.Model):
    """A paper number that no longer counts: a replacement paper with a new number was issued to the member
    (their paper spoilt, lost or never received). A returned paper with this number is refused."""

    REASON_CHOICES = [("spoilt", "Spoilt"), ("lost", "Lost"), ("not_received", "Never received")]
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="void_papers")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="void_papers")
    paper_number = models.PositiveIntegerField()
    replaced_by = models.PositiveIntegerField(help_text="The replacement paper's number.")
    reason = models.CharField(max_length=16, choices=REASON_CHOICES)
    voided_by = models.CharField(max_length=150)
    voided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "paper_number"], name="unique_void_paper"),
            models.UniqueConstraint(fields=["ballot", "replaced_by"], name="unique_replacement_paper"),
        ]
        ordering = ["paper_number"]


class AccidentalOmission(models.Model):
    """s.232B register: members accidentally left out, or papers not sent."""

    KIND_CHOICES = [("s227", "Not given a vote (s.227(1))"), ("s230", "Paper not sent or no chance to vote (s.230(2))")]
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="omissions")
    unit = models.ForeignKey(BallotUnit, on_delete=models.CASCADE, related_name="omissions")
    kind = models.CharField(max_length=8, choices=KIND_CHOICES)
    membership_number = models.CharField(max_length=32, blank=True)
    description = models.TextField()
    discovered_on = models.DateField()
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["discovered_on", "pk"]


class ReturnedPaper(models.Model):
    """A returned postal voting paper, recorded by the scrutineer. Only the scrutineer's pages read marks.

    marks maps question kind -> "yes", "no", "both" (marked both ways: spoilt for that question) or "blank".
    A paper whose number was already returned is kept as a duplicate and not counted; a paper received after
    the closing day is kept as late and not counted.
    """

    STATUS_CHOICES = [("counted", "To be counted"), ("duplicate", "Duplicate: not counted"),
                      ("late", "Received after the closing day: not counted")]
    MARKS = ("yes", "no", "both", "blank")

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="returns")
    unit = models.ForeignKey(BallotUnit, on_delete=models.CASCADE, related_name="returns")
    elector = models.ForeignKey(Elector, null=True, on_delete=models.CASCADE, related_name="returns")
    paper_number = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True,
                                   help_text="The paper's number, receipt date and marks, hashed: the same row "
                                             "recorded again changes nothing.")
    reason = models.CharField(max_length=300, blank=True, help_text="Why a paper is not counted.")
    received_on = models.DateField()
    marks = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="counted")
    source = models.CharField(max_length=200, blank=True, help_text="'by hand' or the bureau file name and line.")
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper_number", "pk"]
        indexes = [models.Index(fields=["ballot", "paper_number"])]
        constraints = [
            # Each paper counted once, whatever runs at the same time: the database refuses a second one.
            models.UniqueConstraint(fields=["ballot", "paper_number"], condition=Q(status="counted"),
                                    name="one_counted_return_per_paper"),
            models.UniqueConstraint(fields=["elector"], condition=Q(status="counted"),
                                    name="one_counted_return_per_elector"),
            models.UniqueConstraint(fields=["ballot", "fingerprint"], condition=~Q(fingerprint=""),
                                    name="one_record_of_a_return"),
        ]


class UnitResult(models.Model):
    """The count of one unit for one question at the close, with the law engine's verdict."""

    unit = models.ForeignKey(BallotUnit, on_delete=models.CASCADE, related_name="results")
    question = models.ForeignKey(BallotQuestion, on_delete=models.CASCADE, related_name="results")
    entitled = models.PositiveIntegerField()
    overseas = models.PositiveIntegerField(default=0)
    voted = models.PositiveIntegerField()
    yes = models.PositiveIntegerField()
    no = models.PositiveIntegerField()
    spoiled = models.PositiveIntegerField()
    supported = models.BooleanField()
    verdict = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "question"], name="one_result_per_unit_question"),
            models.CheckConstraint(name="result_voted_within_entitled", condition=Q(voted__lte=models.F("entitled"))),
        ]
        ordering = ["unit__name", "question__kind"]


class Mandate(models.Model):
    """Support of a ballot for one kind of action, for one unit and employer, until its last day (s.234)."""

    SOURCE_CHOICES = [("counted", "Counted here"), ("entered", "Entered by hand from an existing ballot")]

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="mandates")
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.SET_NULL, related_name="mandates")
    ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.CASCADE, related_name="mandates")
    unit = models.ForeignKey(BallotUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="mandates")
    unit_name = models.CharField(max_length=200)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="mandates")
    kind = models.CharField(max_length=24, choices=BallotQuestion.KIND_CHOICES)
    opening_day = models.DateField()
    date_of_ballot = models.DateField(help_text="The closing day (s.246).")
    last_day = models.DateField()
    entitled = models.PositiveIntegerField()
    voted = models.PositiveIntegerField()
    yes = models.PositiveIntegerField()
    no = models.PositiveIntegerField()
    spoiled = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=8, choices=SOURCE_CHOICES, default="counted")
    reference = models.CharField(max_length=300, blank=True, help_text="Where the figures come from.")
    basis = models.JSONField(default=dict, blank=True, help_text="The law engine's reasons for the last day.")
    created_by = models.CharField(max_length=150)
    # A longer mandate agreed with the members' employer: ballots under the Trade Union Act 2016 regime only,
    # up to 9 months (TULRCA 1992 s.234(1)(b)); the rulebook says for which opening days it is allowed.
    agreed_months = models.PositiveSmallIntegerField(null=True, blank=True,
                                                     help_text="Months agreed with the employer (s.234(1)(b)).")
    agreed_on = models.DateField(null=True, blank=True, help_text="The day the employer agreed.")
    agreement_reference = models.CharField(max_length=300, blank=True,
                                           help_text="Where the agreement is recorded (a letter, an e-mail).")

    class Meta:
        ordering = ["last_day", "unit_name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} mandate, {self.unit_name}, until {human_date(self.last_day)}"

    def court_excluded_days(self) -> int:
        """Days that do not count towards the mandate, by recorded court orders (s.234(2)-(6))."""
        return sum(e.days for e in self.court_exclusions.all())


class CourtOrderExclusion(models.Model):
    """A period that does not count towards a mandate, by order of the court (TULRCA 1992 s.234(2)-(6)): the time
    a court order or undertaking prohibited the action, until it lapsed or was set aside, and the time between
    the union's application and the decision. Recorded only from an order actually made."""

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="court_exclusions")
    court = models.CharField(max_length=200)
    made_on = models.DateField(help_text="The day the court made the order.")
    excluded_from = models.DateField(help_text="First day that does not count.")
    excluded_to = models.DateField(help_text="Last day that does not count.")
    reference = models.CharField(max_length=300, blank=True, help_text="The order's reference.")
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["excluded_from"]

    @property
    def days(self) -> int:
        return (self.excluded_to - self.excluded_from).days + 1


# --------------------------------------------------------------------------------------------------------------
# The lifecycle's records
# --------------------------------------------------------------------------------------------------------------


class BallotStep(models.Model):
    """One step of a ballot's lifecycle taken: who, when, from which stage to which, and why (a withdrawal or
    a correction gives its reason)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=32)
    from_stage = models.CharField(max_length=16)
    to_stage = models.CharField(max_length=16)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class IssuedDocument(models.Model):
    """A statutory document the union issued for a ballot, and whether it still stands: current, withdrawn
    (a notice withdrawn with the reason and who) or superseded (a correction that replaces it, with the
    reason). The document itself (platform.Document) is never changed. One current document of a kind per
    ballot and addressee; replacement papers excepted (one run per replacement)."""

    STATE_CHOICES = [("current", "Current"), ("withdrawn", "Withdrawn"), ("superseded", "Superseded")]
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="issued")
    document = models.OneToOneField("platform.Document", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    addressee = models.CharField(max_length=64, blank=True, help_text="The employer's code, or empty.")
    state = models.CharField(max_length=16, choices=STATE_CHOICES, default="current")
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    reason = models.TextField(blank=True, help_text="Why it was withdrawn, or why this correction was issued.")
    changed_by = models.CharField(max_length=150, blank=True)
    changed_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["ballot", "kind", "addressee"], condition=Q(state="current") & ~Q(kind="replacement-papers"),
            name="one_current_document_of_a_kind")]
        ordering = ["pk"]
from mandate.union.action_models import (  # noqa: E402, F401
    ActionNotice,
    CalendarFeed,
    EmployerKey,
    Reminder,
    SentPackage,
    SigningKey,
)
from mandate.union.electronic.models import (  # noqa: E402, F401
    Election,
    ElectionTrustee,
    ListedCredential,
    RecordEvent,
    RevokedCredential,
)
