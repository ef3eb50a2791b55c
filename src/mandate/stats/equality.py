"""Who carries the burden of a policy: rates per group, intervals, rate ratios and exact tests."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import contingency, fisher_exact
from statsmodels.stats.proportion import proportion_confint


@dataclass(frozen=True)
class GroupComparison:
    group: str
    people: int
    affected: int
    rate: float
    wilson: tuple[float, float]
    clopper_pearson: tuple[float, float]
    rate_ratio: float | None  # affected rate in this group / in the reference group
    rate_ratio_interval: tuple[float, float] | None  # log method
    fisher_p: float | None  # two-sided, against the reference group
    four_fifths_flag: bool  # screening only: the less-affected ratio falls under 0.8


def compare_groups(
    counts: dict[str, tuple[int, int]], reference: str, confidence: float = 0.95
) -> list[GroupComparison]:
    """counts: group -> (affected, people). The outcome is a burden (e.g. "required days exceed what the
    person can do without an adjustment"), so a rate ratio above 1 means the group carries more of it."""
    if reference not in counts:
        raise ValueError(f"the reference group {reference!r} is not among the groups")
    for group, (affected, people) in counts.items():
        if people <= 0 or not 0 <= affected <= people:
            raise ValueError(f"group {group!r}: affected must be between 0 and people, and people above 0")
    alpha = 1 - confidence
    ref_affected, ref_people = counts[reference]
    results = []
    for group, (affected, people) in counts.items():
        wilson = proportion_confint(affected, people, alpha=alpha, method="wilson")
        exact = proportion_confint(affected, people, alpha=alpha, method="beta")
        ratio = interval = p_value = None
        flag = False
        if group != reference:
            if ref_affected > 0 and affected > 0:
                rr = contingency.relative_risk(affected, people, ref_affected, ref_people)
                ci = rr.confidence_interval(confidence_level=confidence)
                ratio, interval = float(rr.relative_risk), (float(ci.low), float(ci.high))
            p_value = float(fisher_exact([[affected, people - affected],
                                          [ref_affected, ref_people - ref_affected]]).pvalue)
            # Four-fifths: compare the rates of *not* being burdened; flag if this group's is under 80%
            # of the reference group's.
            spared, ref_spared = 1 - affected / people, 1 - ref_affected / ref_people
            flag = ref_spared > 0 and spared / ref_spared < 0.8
        results.append(GroupComparison(
            group=group, people=people, affected=affected, rate=affected / people,
            wilson=(float(wilson[0]), float(wilson[1])), clopper_pearson=(float(exact[0]), float(exact[1])),
            rate_ratio=ratio, rate_ratio_interval=interval, fisher_p=p_value, four_fifths_flag=flag,
        ))
    return results
