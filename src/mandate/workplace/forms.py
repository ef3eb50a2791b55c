"""Forms for the workplace wing's pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from mandate.workplace.models import Adjustment, AttendancePolicy, ImportBatch, StaffMember

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_UPLOAD = 200 * 1024 * 1024


def last_full_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first_this = today.replace(day=1)
    end = first_this - dt.timedelta(days=1)
    return end.replace(day=1), end


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportBatch.KINDS)
    file = forms.FileField(label="File (CSV or Parquet)",
                           help_text="CSV (UTF-8, with a header line) or Parquet. A file already imported "
                                     "changes nothing.")

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 200 MB: split it by month.")
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".parquet")):
            raise forms.ValidationError("Upload a .csv or .parquet file.")
        return upload


class PeriodForm(forms.Form):
    """The period and policy a figure is computed for (a GET form)."""

    date_from = forms.DateField(label="From", widget=DATE_INPUT)
    date_to = forms.DateField(label="To", widget=DATE_INPUT)
    policy = forms.ModelChoiceField(label="Policy", queryset=AttendancePolicy.objects.none(), empty_label=None)

    MAX_DAYS = 400

    def __init__(self, data, organisation, today: dt.date):  # type: ignore[no-untyped-def]
        start, end = last_full_month(today)
        policies = AttendancePolicy.objects.filter(organisation=organisation)
        default = policies.filter(is_default=True).first() or policies.first()
        initial = {"date_from": start, "date_to": end, "policy": default.pk if default else None}
        merged = {**{k: v for k, v in initial.items() if v is not None},
                  **{k: v for k, v in (data or {}).items() if k in ("date_from", "date_to", "policy") and v}}
        super().__init__(merged)
        self.fields["policy"].queryset = policies

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
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

    def __init__(self, data, organisation, today: dt.date):  # type: ignore[no-untyped-def]
        super().__init__(data, organisation, today)
        policies = AttendancePolicy.objects.filter(organisation=organisation)
        self.fields["other"].queryset = policies
        if not self.data.get("other"):
            first = policies.exclude(pk=self.data.get("policy")).first()
            if first is not None:
                self.data = {**self.data, "other": first.pk}


class AdjustmentForm(forms.ModelForm):
    staff = forms.ModelChoiceField(label="Member of staff", queryset=StaffMember.objects.none())

    class Meta:
        model = Adjustment
        fields = ["staff", "exempt", "expected_percent", "date_from", "date_to", "route", "approved_by",
                  "review_date"]
        widgets = {"date_from": DATE_INPUT, "date_to": DATE_INPUT, "review_date": DATE_INPUT}

    def __init__(self, *args, organisation, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = StaffMember.objects.filter(organisation=organisation)
        self.fields["staff"].label_from_instance = lambda s: f"{s.name} ({s.staff_id})"


class PolicyForm(forms.ModelForm):
    class Meta:
        model = AttendancePolicy
        fields = ["toml", "is_default"]
        widgets = {"toml": forms.Textarea(attrs={"rows": 18, "cols": 80, "spellcheck": "false",
                                                 "class": "code"})}
