"""Unions, branches, the employers and workplaces the union organises in, and the membership register.

The union wing keeps its own list of employers and workplaces (as the union knows them, for notices): it never
reads the workplace wing's organisation records.
"""

from __future__ import annotations

from django.db import models


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
