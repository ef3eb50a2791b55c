"""The union wing's forms: one a step, their date fields worded for the users (what each date is for)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from mandate.platform import inputs
from mandate.union.models import (
    AccidentalOmission,
    Ballot,
    BallotQuestion,
    BallotUnit,
    Dispute,
    DisputeEvent,
    Employer,
    Workplace,
)


def date_field(what: str, **kw: Any) -> forms.DateField:
    """A date field whose errors name it in the users' words: `what` completes "Enter a real date for ...".
    It takes the date picker's 2026-11-23 or a typed 23/11/2026 or 23 November 2026 (platform/formats)."""
    return forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": f"Enter the date for {what}",
                        "invalid": f"Enter a real date for {what}, for example 23 November 2026"},
        **kw)


def choose_from(form: forms.BaseForm, **querysets: QuerySet[Any]) -> None:
    """Offer each named model choice field only `querysets[name]` (this union's own employers, disputes...)."""
    for name, queryset in querysets.items():
        cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class DisputeForm(forms.Form):
    code = forms.SlugField()
    title = forms.CharField(max_length=200)
    matters = forms.CharField(widget=forms.Textarea, help_text="The matters in issue.")
    categories_affected = forms.CharField(widget=forms.Textarea, required=False, help_text="One a line.")
    employers = forms.ModelMultipleChoiceField(queryset=Employer.objects.none())
    workplaces = forms.ModelMultipleChoiceField(queryset=Workplace.objects.none(), required=False)
    opened_on = date_field("the day the dispute opened")


class EventForm(forms.ModelForm):
    on = date_field("the event")

    class Meta:
        model = DisputeEvent
        fields = ["on", "kind", "title", "detail"]


class RegisterForm(forms.Form):
    file = forms.FileField(label="Register file", help_text="CSV in the register format (see docs/union.md).",
                           validators=[inputs.upload_validator("register")])
    mark_missing_left = forms.BooleanField(required=False, label="Mark members missing from the file as left")


class BallotForm(forms.Form):
    dispute = forms.ModelChoiceField(queryset=Dispute.objects.none())
    code = forms.SlugField()
    title = forms.CharField(max_length=200)
    employers = forms.ModelMultipleChoiceField(queryset=Employer.objects.none())
    workplaces = forms.ModelMultipleChoiceField(queryset=Workplace.objects.none(), required=False,
                                                help_text="Leave empty for every workplace of those employers.")
    strike = forms.BooleanField(required=False, initial=True, label="Ask about strike action")
    asos = forms.BooleanField(required=False, initial=True, label="Ask about action short of a strike")
    action_types = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                   label="Types of action short of a strike, one a line")
    units_mode = forms.ChoiceField(choices=Ballot.UNITS_CHOICES, label="Ballot units")
    aggregation_basis = forms.ChoiceField(choices=Ballot.BASIS_CHOICES, required=False, label="s.228A basis")
    aggregation_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    voting_method = forms.ChoiceField(choices=Ballot.METHOD_CHOICES, initial="postal",
                                      help_text="Postal for now; electronic and hybrid come with the voting engine.")
    scrutineer_name = forms.CharField(max_length=200, required=False)
    scrutineer_username = forms.CharField(max_length=150, required=False)
    return_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    caller = forms.CharField(max_length=300, initial=Ballot._meta.get_field("caller").default)
    opening_day = date_field("the opening day of the ballot")
    closing_day = date_field("the closing day of the ballot")


class DatesForm(forms.Form):
    opening_day = date_field("the opening day of the ballot")
    closing_day = date_field("the closing day of the ballot")


class NoticesForm(forms.Form):
    sent_on = date_field("the day the notices are sent")
    expected_receipt = date_field("the day the employers should receive the notices", required=False)


class ResultsForm(forms.Form):
    sent_on = date_field("the day the result is sent")


class OmissionForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=BallotUnit.objects.none(),
                                  error_messages={"required": "Choose the ballot unit",
                                                  "invalid_choice": "Choose a ballot unit of this ballot"})
    kind = forms.ChoiceField(choices=AccidentalOmission.KIND_CHOICES,
                             error_messages={"required": "Choose what happened",
                                             "invalid_choice": "Choose what happened from the list"})
    description = forms.CharField(error_messages={"required": "Describe what happened"})
    membership_number = forms.CharField(max_length=32, required=False)
    discovered_on = date_field("the day the omission was found")


class DocumentDatesForm(forms.Form):
    sent_on = date_field("the day the document was sent", required=False)
    received_on = date_field("the day the document was received", required=False)


class ReportForm(forms.Form):
    sent_on = date_field("the date of the scrutineer's report", required=False)


# A hand-entered paper's marks: none chosen until the scrutineer reads the paper, only the marks listed.
MARK_CHOICES = [("", "Choose the mark on the paper"), ("yes", "Yes"), ("no", "No"),
                ("both", "Marked both ways (spoilt for this question)"), ("blank", "Left blank")]


def _mark_field(question: str, **kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=MARK_CHOICES, error_messages={
        "required": f"Choose the mark on the paper for the {question} question",
        "invalid_choice": f"Choose a mark from the list for the {question} question"}, **kw)


class ReturnForm(forms.Form):
    paper_number = forms.IntegerField(min_value=1, error_messages={"required": "Enter the paper's number",
                                                                   "invalid": "Enter the paper's number"})
    received_on = date_field("the day the paper was received")
    strike = _mark_field("strike")
    action_short_of_strike = _mark_field("action short of a strike", label="Action short of a strike")


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             label="Why the notices are withdrawn",
                             error_messages={"required": "Give the reason the notices are withdrawn"})
    withdrawn_on = date_field("the day the notices were withdrawn", label="Withdrawn on")


class ReplaceForm(forms.Form):
    membership_numbers = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
                                         label="Membership numbers, one a line",
                                         error_messages={"required": "Name the members who need a new paper"})
    reason = forms.ChoiceField(choices=[("", "Choose why"), ("spoilt", "Spoilt"), ("lost", "Lost"),
                                        ("not_received", "Never received")], label="Why a new paper",
                               error_messages={"required": "Choose why the paper is replaced"})

    def numbers(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["membership_numbers"].splitlines() if n.strip()]


class CorrectionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             label="What the correction corrects",
                             error_messages={"required": "Give the reason for the correction"})
    sent_on = date_field("the day the correction is sent", label="Sent on")


class MandateForm(forms.Form):
    employer = forms.ModelChoiceField(queryset=Employer.objects.none())
    dispute = forms.ModelChoiceField(queryset=Dispute.objects.none(), required=False)
    unit_name = forms.CharField(max_length=200, label="Ballot unit (workplace or aggregate)")
    kind = forms.ChoiceField(choices=BallotQuestion.KIND_CHOICES, label="Question")
    opening_day = date_field("the opening day of the ballot")
    date_of_ballot = date_field("the date of the ballot", label="Date of the ballot (closing day)")
    entitled = forms.IntegerField(min_value=1)
    voted = forms.IntegerField(min_value=0, label="Votes cast (spoilt papers included)")
    yes = forms.IntegerField(min_value=0)
    no = forms.IntegerField(min_value=0)
    spoiled = forms.IntegerField(min_value=0, initial=0, label="Spoilt")
    reference = forms.CharField(max_length=300, required=False, help_text="Where the figures come from.")


class AgreementForm(forms.Form):
    months = forms.TypedChoiceField(coerce=int, label="Agreed length of the mandate")
    agreed_on = date_field("the day the employer agreed", label="Agreed on")
    reference = forms.CharField(max_length=300, required=False,
                                help_text="Where the agreement is recorded, for example the employer's letter.")
    whole_ballot = forms.BooleanField(required=False, initial=True,
                                      label="Every mandate of this ballot with this employer")

    def __init__(self, *args: Any, months: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statutory, longest = months
        cast(forms.TypedChoiceField, self.fields["months"]).choices = [(n, f"{n} months") for n in range(statutory + 1, longest + 1)]


class CourtOrderForm(forms.Form):
    court = forms.CharField(max_length=200, help_text="For example: High Court of Justice, King's Bench Division.",
                            error_messages={"required": "Name the court that made the order"})
    made_on = date_field("the day the court made the order", label="Order made on")
    excluded_from = date_field("the first day that does not count", label="First day that does not count")
    excluded_to = date_field("the last day that does not count", label="Last day that does not count")
    reference = forms.CharField(max_length=300, required=False, help_text="The order's reference.")
    whole_ballot = forms.BooleanField(required=False, initial=True,
                                      label="Every mandate of this ballot with this employer")
