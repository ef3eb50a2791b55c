"""Forms for the workplace wing's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from mandate.dates import human_date
from mandate.platform import inputs
from mandate.workplace.models import Adjustment, AttendancePolicy, ImportBatch, Organisation, StaffMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def other_policy(policies: QuerySet[AttendancePolicy], chosen: object) -> AttendancePolicy | None:
    """The first of `policies` that is not the one chosen; `chosen` comes from the query string and may be
    anything (a hand-edited address), so it is compared as text, never looked up as a primary key."""
    return next((p for p in policies if str(p.pk) != str(chosen)), None)


def last_full_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first_this = today.replace(day=1)
    end = first_this - dt.timedelta(days=1)
    return end.replace(day=1), end


def ledger_span(organisation: Organisation) -> tuple[dt.date, dt.date] | None:
    """The local dates of the ledger's first and latest presence records, or None for an empty ledger: one
    query, each site's first and last read from the (site, timestamp) index."""
    from zoneinfo import ZoneInfo

    from django.db.models import OuterRef, Subquery

    from mandate.workplace.models import PresenceRecord, Site

    at_site = PresenceRecord.objects.filter(site=OuterRef("pk"))
    rows = Site.objects.filter(organisation=organisation).annotate(
        first=Subquery(at_site.order_by("timestamp").values("timestamp")[:1]),
        last=Subquery(at_site.order_by("-timestamp").values("timestamp")[:1])).values_list("first", "last")

    def local(value: Any) -> dt.date:
        if isinstance(value, str):  # SQLite hands a subquery's datetime back as text
            value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
        return cast(dt.datetime, value).astimezone(ZoneInfo("Europe/London")).date()

    held = [(local(a), local(b)) for a, b in rows if a is not None and b is not None]
    if not held:
        return None
    return min(a for a, _ in held), max(b for _, b in held)


def last_full_month_of_ledger(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The latest calendar month the ledger covers to its last working day (Monday to Friday): a ledger
    ending on Friday 30 October 2026 covers October, one ending on 20 October covers September. A ledger
    holding no whole month opens on the month of its latest record."""
    end_of_month = (last_day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    last_working = end_of_month
    while last_working.weekday() >= 5:
        last_working -= dt.timedelta(days=1)
    if last_day >= last_working or first_day >= last_day.replace(day=1):
        return last_day.replace(day=1), end_of_month
    return last_full_month(last_day)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportBatch.KINDS)
    file = forms.FileField(label="File (CSV or Parquet)",
                           help_text="CSV (UTF-8, with a header line) or Parquet. A file already imported "
                                     "changes nothing.")

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]  # FileField has refused a file without name or size
        too_large = inputs.upload_too_large(upload, inputs.upload_limit("ledger"))  # size known, file not read
        if too_large:
            raise forms.ValidationError(too_large)
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".parquet")):
            raise forms.ValidationError("Upload a .csv or .parquet file.")
        return upload


class PeriodForm(forms.Form):
    """The period and policy a figure is computed for (a GET form)."""

    date_from = forms.DateField(label="From", widget=DATE_INPUT)
    date_to = forms.DateField(label="To", widget=DATE_INPUT)
    policy = forms.ModelChoiceField(label="Policy", queryset=AttendancePolicy.objects.none(), empty_label=None)

    MAX_DAYS = 400
    #: the query-string keys this form reads (a subclass adds its own fields here)
    KEYS: tuple[str, ...] = ("date_from", "date_to", "policy")

    def __init__(self, data: Mapping[str, Any] | None, organisation: Organisation, today: dt.date) -> None:
        start, end = last_full_month(today)
        #: a note for the page when the period reaches past the ledger's latest record
        self.ledger_note = ""
        span = ledger_span(organisation)
        self.ledger_last_day = span[1] if span else None
        chosen = bool(data and (data.get("date_from") or data.get("date_to")))
        if span is not None and span[1] < end and not chosen:
            start, end = last_full_month_of_ledger(*span)
            self.ledger_note = (f"The ledger\u2019s latest record is on {human_date(span[1])}, before last month "
                                f"ended, so the page opens on the ledger\u2019s last month: {human_date(start)} "
                                f"to {human_date(end)}. Choose other dates above.")
            if end > span[1]:
                self.ledger_note += " Days after the latest record count as not attended until they are imported."
        policies = AttendancePolicy.objects.filter(organisation=organisation, withdrawn_at__isnull=True)
        default = policies.filter(is_default=True).first() or policies.first()
        initial = {"date_from": start, "date_to": end, "policy": default.pk if default else None}
        merged = {**{k: v for k, v in initial.items() if v is not None},
                  **{k: v for k, v in (data or {}).items() if k in self.KEYS and v}}
        super().__init__(merged)
        cast(forms.ModelChoiceField, self.fields["policy"]).queryset = policies

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("date_to", "Choose a period of at most 400 days.")
            elif not self.ledger_note and self.ledger_last_day is not None and end > self.ledger_last_day:
                self.ledger_note = (f"The ledger\u2019s latest record is on {human_date(self.ledger_last_day)}: "
                                    "days after it have no records yet, so they count as not attended.")
        return data


class ComparePolicyForm(PeriodForm):
    KEYS = (*PeriodForm.KEYS, "other")
    other = forms.ModelChoiceField(label="Compare with", queryset=AttendancePolicy.objects.none(),
                                   empty_label=None)

    def __init__(self, data: Mapping[str, Any] | None, organisation: Organisation, today: dt.date) -> None:
        super().__init__(data, organisation, today)
        policies = AttendancePolicy.objects.filter(organisation=organisation, withdrawn_at__isnull=True)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = policies
        if not self.data.get("other"):
            first = other_policy(policies, self.data.get("policy"))
            if first is not None:
                self.data = {**self.data, "other": first.pk}


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff by their staff id, typed (or filled in from the people search): never a dropdown of
    thousands of names."""

    default_error_messages = {"invalid_choice": "There is no member of staff with this staff id; find them "
                                                "with the people search."}

    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.name} ({obj.staff_id})"


class AdjustmentForm(forms.ModelForm):
    staff = StaffChoiceField(label="Member of staff (staff id)", queryset=StaffMember.objects.none(),
                             to_field_name="staff_id", widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                                     "spellcheck": "false"}),
                             help_text="Their staff id, like S00001. Find it with the people search.")

    class Meta:
        model = Adjustment
        fields = ["staff", "exempt", "expected_percent", "date_from", "date_to", "route", "approved_by",
                  "review_date"]
        widgets = {"date_from": DATE_INPUT, "date_to": DATE_INPUT, "review_date": DATE_INPUT}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["staff"]).queryset = StaffMember.objects.filter(organisation=organisation)

    def _get_validation_exclusions(self) -> set[str]:
        # the duplicate rule holds among adjustments in force: its condition reads withdrawn_at, which the
        # form does not show, and Django skips a constraint whose fields are all excluded
        return set(super()._get_validation_exclusions()) - {"withdrawn_at"}  # type: ignore[misc]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = AttendancePolicy
        fields = ["toml", "is_default"]
        widgets = {"toml": forms.Textarea(attrs={"rows": 18, "cols": 80, "spellcheck": "false",
                                                 "class": "code"})}


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why it is withdrawn", max_length=200,
                             help_text="A few words, kept with the record and shown to HR (never a diagnosis "
                                       "or a family circumstance).",
                             widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, data: Any = None, choices: list[tuple[str, str]] | None = None) -> None:
        super().__init__(data)
        if choices is not None:  # an adjustment's: a choice, never free text
            self.fields["reason"] = forms.ChoiceField(label="Why it is withdrawn", choices=[("", "Choose")] + choices)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if "\x00" in reason:
            raise forms.ValidationError("The reason holds a character that cannot be kept.")
        return reason
