"""Forms for the workplace wing's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

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

    def __init__(self, data: Mapping[str, Any] | None, organisation: Organisation, today: dt.date) -> None:
        start, end = last_full_month(today)
        policies = AttendancePolicy.objects.filter(organisation=organisation)
        default = policies.filter(is_default=True).first() or policies.first()
        initial = {"date_from": start, "date_to": end, "policy": default.pk if default else None}
        merged = {**{k: v for k, v in initial.items() if v is not None},
                  **{k: v for k, v in (data or {}).items() if k in ("date_from", "date_to", "policy") and v}}
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
        return data


class ComparePolicyForm(PeriodForm):
    other = forms.ModelChoiceField(label="Compare with", queryset=AttendancePolicy.objects.none(),
                                   empty_label=None)

    def __init__(self, data: Mapping[str, Any] | None, organisation: Organisation, today: dt.date) -> None:
        super().__init__(data, organisation, today)
        policies = AttendancePolicy.objects.filter(organisation=organisation)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = policies
        if not self.data.get("other"):
            first = other_policy(policies, self.data.get("policy"))
            if first is not None:
                self.data = {**self.data, "other": first.pk}


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.name} ({obj.staff_id})"


class AdjustmentForm(forms.ModelForm):
    staff = StaffChoiceField(label="Member of staff", queryset=StaffMember.objects.none())

    class Meta:
        model = Adjustment
        fields = ["staff", "exempt", "expected_percent", "date_from", "date_to", "route", "approved_by",
                  "review_date"]
        widgets = {"date_from": DATE_INPUT, "date_to": DATE_INPUT, "review_date": DATE_INPUT}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["staff"]).queryset = StaffMember.objects.filter(organisation=organisation)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = AttendancePolicy
        fields = ["toml", "is_default"]
        widgets = {"toml": forms.Textarea(attrs={"rows": 18, "cols": 80, "spellcheck": "false",
                                                 "class": "code"})}
