"""The equality-impact evidence pack (spec §5): who carries the burden of an attendance policy.

Each person's outcomes come from the policy engine's rows (`figures.compute_for` / `compare_for`); nothing
here counts a day. The groups come from the staff record and the equality-monitoring record (kept apart from
every individual compliance path: this module returns aggregates only, never a person). The statistics are
`mandate.stats.compare_groups`, computed on the exact counts; every count that leaves this module has been
through `mandate.stats.protect_table` (the 10-5 rule with secondary suppression), and a group whose count is
suppressed has its rate, interval and comparison withheld too. Intersectional cuts are refused under the
threshold with `require_cells_at_least`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from mandate.stats import DisclosureRefused, compare_groups, protect_table, require_cells_at_least
from mandate.workplace.figures import FigureError, Figures, compare_for, compute_for
from mandate.workplace.models import AttendancePolicy, EqualityRecord, Organisation, StaffMember

THRESHOLD, ROUNDING = 10, 5
LONG_COMMUTE_MINUTES = 60
NOT_RECORDED = "Not recorded"
NOT_DECLARED = "Prefer not to say"

CHARACTERISTICS: dict[str, str] = {
    "disability": "Disability",
    "caring": "Caring responsibilities",
    "part_time": "Full-time or part-time",
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "commute_band": "Commute, each way",
    "grade": "Grade",
    "site": "Home site",
}
COMMUTE_BANDS = ["Up to 30 minutes", "31 to 60 minutes", "61 to 90 minutes", "Over 90 minutes"]
GRADES = ["AA", "AO", "EO", "HEO", "SEO", "G7", "G6", "SCS"]
# The reference group each group is compared with; characteristics not listed use their largest group.
DISABLED, NOT_DISABLED = "Disabled", "Not disabled"
CARER, NOT_CARER = "Caring responsibilities", "No caring responsibilities"
PREFERRED_REFERENCE = {"disability": NOT_DISABLED, "caring": NOT_CARER, "part_time": "Full-time",
                       "commute_band": "Up to 30 minutes"}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    definition: str


def outcomes(days_a_week: Decimal | float) -> list[Outcome]:
    n = _days_text(days_a_week)
    return [
        Outcome("below_target", "Below the policy\u2019s target",
                "The person\u2019s attendance figure, as the policy engine computes it, is below their own "
                "target (their adjusted expectation if they have one) in at least one period of the policy "
                "within the dates chosen. Only a policy that sets a target for each person has this outcome; "
                "under a team, site or organisation-wide target nobody is below a target of their own."),
        Outcome("office_days", f"Required office days: {n} or more a week",
                f"The office days the policy asks of the person in a usual week of their contract come to "
                f"{n} or more. Required office days are the target (the person\u2019s adjusted expectation, "
                "their site\u2019s target or the policy\u2019s) applied to the person\u2019s required days as "
                "the engine counts them, that is contracted days less leave, sickness, bank holidays and "
                "exemptions. Under a team, site or organisation-wide target this is the person\u2019s "
                "pro-rata share of what the target asks, as if everyone contributed equally."),
        Outcome("long_commute", "Commute over 60 minutes each way on required days",
                "The person\u2019s recorded commute is over 60 minutes each way and the policy gives them at "
                "least one required office day in the period. A person whose commute is not recorded is "
                "counted as not affected."),
    ]


def _days_text(value: Decimal | float) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return {"1": "1 day"}.get(text, f"{text} days")


# -- the people: groups and the engine's figures, per person (never published) ----------------------------------

@dataclass(frozen=True)
class _Profile:
    groups: dict[str, str]
    commute_minutes: int | None
    days_a_week: int  # contracted days in a week


def _yes_no(value: str, yes: str, no: str) -> str:
    v = (value or "").strip().lower()
    if not v:
        return NOT_RECORDED
    if v in ("yes", "y", "true"):
        return yes
    if v in ("no", "n", "false"):
        return no
    return NOT_DECLARED


def _plain(value: str) -> str:
    v = (value or "").strip()
    if not v:
        return NOT_RECORDED
    if v.lower() in ("prefer not to say", "not declared"):
        return NOT_DECLARED
    return v[:1].upper() + v[1:]


def commute_band(minutes: int | None) -> str:
    if minutes is None:
        return NOT_RECORDED
    if minutes <= 30:
        return COMMUTE_BANDS[0]
    if minutes <= 60:
        return COMMUTE_BANDS[1]
    if minutes <= 90:
        return COMMUTE_BANDS[2]
    return COMMUTE_BANDS[3]


def _profiles(organisation: Organisation) -> dict[str, _Profile]:
    equality = {e.staff_id: e for e in EqualityRecord.objects.filter(staff__organisation=organisation)}
    out = {}
    for s in StaffMember.objects.filter(organisation=organisation).select_related("home_site"):
        e = equality.get(s.pk) or EqualityRecord()
        days = len([d for d in s.working_days.split(";") if d.strip()])
        out[s.staff_id] = _Profile(
            groups={
                "disability": _yes_no(e.disability, DISABLED, NOT_DISABLED),
                "caring": _yes_no(e.caring_responsibilities, CARER, NOT_CARER),
                "part_time": "Part-time" if s.fte < 1 else "Full-time",
                "sex": _plain(e.sex),
                "age_band": _plain(e.age_band),
                "ethnicity": _plain(e.ethnicity),
                "commute_band": commute_band(e.commute_minutes),
                "grade": s.grade or NOT_RECORDED,
                "site": s.home_site.name,
            },
            commute_minutes=e.commute_minutes, days_a_week=days)
    return out


def person_outcomes(rows: Iterable[dict[str, Any]], profiles: dict[str, _Profile], *, person_target: bool,
                    standard_week: int | None, days_a_week: float) -> dict[str, dict[str, bool]]:
    """staff_id -> outcome -> affected, from the engine's per-person, per-period rows.

    `standard_week` is the policy's standard week when it does not pro-rate (None when it does: each person's
    own contracted week applies)."""
    per: dict[str, dict[str, float | bool]] = {}
    for row in rows:
        p = per.setdefault(row["staff_id"], {"required": 0.0, "office": 0.0, "below": False})
        required = float(row["required_days"] or 0)
        target = float(row["target_percent"] or 0)
        p["required"] = float(p["required"]) + required
        p["office"] = float(p["office"]) + target * required / 100.0
        if row.get("target_met") is False:
            p["below"] = True
    result = {}
    for staff_id, p in per.items():
        profile = profiles[staff_id]
        required, office = float(p["required"]), float(p["office"])
        week = standard_week or profile.days_a_week
        weekly = office / required * week if required > 0 else 0.0
        result[staff_id] = {
            "below_target": bool(p["below"]) if person_target else False,
            "office_days": weekly >= days_a_week - 1e-9,
            "long_commute": (profile.commute_minutes is not None
                             and profile.commute_minutes > LONG_COMMUTE_MINUTES and office > 0),
        }
    return result


# -- published rows --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedRow:
    """One group under one policy, after disclosure control. None means withheld."""

    group: str
    is_reference: bool
    people: int | None
    affected: int | None
    withheld: bool  # the group's counts are suppressed, so its rate and comparison are withheld too
    rate: float | None = None
    wilson: tuple[float, float] | None = None
    rate_ratio: float | None = None
    rate_ratio_interval: tuple[float, float] | None = None
    fisher_p: float | None = None
    four_fifths_flag: bool | None = None

    @property
    def rate_text(self) -> str:
        return _pct(self.rate)

    @property
    def interval_text(self) -> str:
        return "" if self.wilson is None else f"{_pct(self.wilson[0])} to {_pct(self.wilson[1])}"

    @property
    def ratio_text(self) -> str:
        if self.rate_ratio is None:
            return ""
        text = f"{self.rate_ratio:.2f}"
        if self.rate_ratio_interval is not None:
            lo, hi = self.rate_ratio_interval
            text += f" ({lo:.2f} to {_ratio(hi)})"
        return text

    @property
    def p_text(self) -> str:
        if self.fisher_p is None:
            return ""
        return "below 0.001" if self.fisher_p < 0.001 else f"{self.fisher_p:.3f}"


def _pct(value: float | None) -> str:
    """A rate as a percentage, one decimal, half rounded up (the pages' own rule, workplace_tags.pct)."""
    from mandate.workplace.templatetags.workplace_tags import pct

    return "" if value is None else pct(100 * value)


def _ratio(value: float) -> str:
    return "no upper limit" if math.isinf(value) else f"{value:.2f}"


@dataclass
class GroupTable:
    """One characteristic (or a cut of two) for one outcome under one policy."""

    key: str
    label: str
    policy_index: int
    reference: str
    rows: list[PublishedRow]
    total_people: int | None
    total_affected: int | None
    total_rate: float | None = None

    @property
    def reference_withheld(self) -> bool:
        return any(r.is_reference and r.withheld for r in self.rows)

    @property
    def letter(self) -> str:
        return "AB"[self.policy_index]


@dataclass(frozen=True)
class Published:
    rows: list[PublishedRow]
    people: int | None  # everyone in the table, published (None: under 10)
    affected: int | None  # everyone affected, published
    rate: float | None  # the overall rate, withheld if either total of the outcome (yes / no) is


def publish(counts: dict[str, tuple[int, int]], reference: str) -> Published:
    """counts: group -> (affected, people), exact. The groups x (affected, not affected) table goes through
    the 10-5 rule (zero counts suppressed too); a group with a hidden count has nothing but its name shown,
    and if the reference group is hidden no group is compared with it. Every rate, interval, ratio and p is
    then computed by `compare_groups` from the published (rounded) counts, never the exact ones, so that no
    figure can be worked back to an exact or suppressed count."""
    groups = list(counts)
    table = protect_table([[counts[g][0], counts[g][1] - counts[g][0]] for g in groups], THRESHOLD, ROUNDING,
                          suppress_zero=True)
    hidden = {g for i, g in enumerate(groups)
              if None in table.cells[i] or table.row_totals[i] is None}
    shown: dict[str, tuple[int, int]] = {}
    for i, g in enumerate(groups):
        affected, people = table.cells[i][0], table.row_totals[i]
        if g not in hidden and affected is not None and people:
            shown[g] = (affected, people)
    ref = reference if reference in shown else None
    stats = {c.group: c for c in compare_groups(shown, ref)} if ref else \
        {g: c for g in shown for c in compare_groups({g: shown[g]}, g)}
    rows = []
    for g in groups:
        if g not in shown:
            rows.append(PublishedRow(g, g == reference, None, None, True))
            continue
        c = stats[g]
        compared = ref is not None and g != ref
        rows.append(PublishedRow(
            g, g == reference, shown[g][1], shown[g][0], False, rate=c.rate, wilson=c.wilson,
            rate_ratio=c.rate_ratio if compared else None,
            rate_ratio_interval=c.rate_ratio_interval if compared else None,
            fisher_p=c.fisher_p if compared else None,
            four_fifths_flag=c.four_fifths_flag if compared else None))
    total_affected, total_people = table.column_totals[0], table.grand_total
    overall = None if None in table.column_totals or not total_people or total_affected is None \
        else total_affected / total_people
    return Published(rows, total_people, total_affected, overall)


def _order(key: str, groups: Iterable[str]) -> list[str]:
    tail = [NOT_DECLARED, NOT_RECORDED]
    fixed = {"disability": [DISABLED, NOT_DISABLED], "caring": [CARER, NOT_CARER],
             "part_time": ["Full-time", "Part-time"], "commute_band": COMMUTE_BANDS, "grade": GRADES}.get(key, [])
    rank = {g: i for i, g in enumerate(fixed)}
    return sorted(groups, key=lambda g: (g in tail, tail.index(g) if g in tail else 0, rank.get(g, len(rank)), g))


def choose_reference(key: str, people: dict[str, int], headquarters: str | None = None) -> str:
    """The stated reference group: no disability, no caring responsibilities, full-time, the shortest
    commute, the headquarters; otherwise the largest group. Never 'not recorded' or 'prefer not to say' if
    any other group exists."""
    preferred = PREFERRED_REFERENCE.get(key) or (headquarters if key == "site" else None)
    if preferred in people:
        return preferred
    candidates = [g for g in people if g not in (NOT_RECORDED, NOT_DECLARED)] or list(people)
    return max(sorted(candidates), key=lambda g: people[g])


# -- the pack --------------------------------------------------------------------------------------------------

@dataclass
class Panel:
    """One characteristic (or cut) for one outcome: its table under each policy and its chart."""

    key: str
    label: str
    reference: str
    tables: list[GroupTable]
    chart: SafeString

    @property
    def reference_withheld(self) -> bool:
        return any(t.reference_withheld for t in self.tables)

    @property
    def all_withheld(self) -> bool:
        return all(r.withheld for t in self.tables for r in t.rows)

    @property
    def groups(self) -> list[dict[str, Any]]:
        """Group by group, the row under each policy (for a table with one line per group and policy)."""
        if not self.tables:
            return []
        out = []
        for j, first in enumerate(self.tables[0].rows):
            out.append({"group": first.group, "is_reference": first.is_reference,
                        "rows": [{"letter": t.letter, "row": t.rows[j]} for t in self.tables]})
        return out


@dataclass
class OutcomeSection:
    outcome: Outcome
    applicable: list[bool]  # per policy
    panels: list[Panel]
    policy_names: list[str]

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Per policy with this outcome: everyone affected (published), the overall rate, and the groups whose
        rate ratio's 95% interval lies wholly above 1 (or that the four-fifths screen flags)."""
        out = []
        for index, name in enumerate(self.policy_names):
            tables = [t for p in self.panels for t in p.tables if t.policy_index == index]
            if not tables:
                continue
            higher, flagged = [], []
            for p in self.panels:
                for t in p.tables:
                    if t.policy_index != index:
                        continue
                    for r in t.rows:
                        where = f"{p.label}: {r.group}" if "+" not in p.key else r.group
                        if r.rate_ratio_interval is not None and r.rate_ratio_interval[0] > 1:
                            higher.append(f"{where} (rate ratio {r.ratio_text})")
                        if r.four_fifths_flag:
                            flagged.append(where)
            first = tables[0]
            out.append({"letter": "AB"[index], "name": name, "people": first.total_people,
                        "affected": first.total_affected, "rate_text": _pct(first.total_rate),
                        "higher": higher, "flagged": flagged})
        return out

    @property
    def not_applicable(self) -> list[str]:
        return [name for name, ok in zip(self.policy_names, self.applicable, strict=True) if not ok]


@dataclass
class CutResult:
    keys: tuple[str, str]
    label: str
    refused: str = ""
    sections: list[OutcomeSection] = field(default_factory=list)


@dataclass
class EvidencePack:
    organisation: Organisation
    policies: list[AttendancePolicy]
    start: dt.date
    end: dt.date
    produced_on: dt.date
    days_a_week: float
    population: int | None
    sections: list[OutcomeSection]
    cut: CutResult | None = None

    @property
    def policy_names(self) -> list[str]:
        return [p.name for p in self.policies]

    @property
    def lettered(self) -> list[tuple[str, AttendancePolicy]]:
        return list(zip("AB", self.policies, strict=False))

    @property
    def two(self) -> bool:
        return len(self.policies) == 2


def _figures(organisation: Organisation, policies: list[AttendancePolicy], start: dt.date,
             end: dt.date) -> list[Figures]:
    if len(policies) == 1:
        return [compute_for(organisation, policies[0], start, end, site_weekly=False)]
    return list(compare_for(organisation, policies[0], policies[1], start, end))


def build_pack(organisation: Organisation, policies: list[AttendancePolicy], start: dt.date, end: dt.date, *,
               produced_on: dt.date, days_a_week: float = 2.0,
               cut: tuple[str, str] | None = None) -> EvidencePack:
    """Compute the evidence pack for one or two policies over [start, end]. Raises FigureError (from the
    engine) if a policy cannot be computed for the period."""
    if not 1 <= len(policies) <= 2:
        raise ValueError("an evidence pack compares one or two policies")
    profiles = _profiles(organisation)
    figures = _figures(organisation, policies, start, end)
    flags = []
    person_target = []
    for policy, fig in zip(policies, figures, strict=True):
        segments = policy.parsed().segments(start, end)
        standard = None
        unpro = [v for _, _, v in segments if not v.pro_rata]
        if unpro:
            standard = len(unpro[-1].standard_week)
        person_target.append(any(v.target_of == "person" for _, _, v in segments))
        flags.append(person_outcomes(fig.people, profiles, person_target=person_target[-1],
                                     standard_week=standard, days_a_week=float(days_a_week)))
    # The same population under each policy: the people the engine computed for (contract in the period).
    population = sorted(set().union(*[set(f) for f in flags]))
    if not population:
        raise FigureError("Nobody in the organisation has a contract covering this period.")
    names = [p.name for p in policies]
    hq = organisation.sites.filter(is_headquarters=True).values_list("name", flat=True).first()

    def labels_of(staff_id: str, keys: tuple[str, ...]) -> str:
        return cut_label(keys, [profiles[staff_id].groups[k] for k in keys])

    def sections_for(keys_list: list[tuple[str, ...]]) -> list[OutcomeSection]:
        out = []
        for outcome in outcomes(days_a_week):
            applicable = [outcome.key != "below_target" or pt for pt in person_target]
            panels: list[Panel] = []
            for keys in keys_list:
                people: dict[str, int] = {}
                for sid in population:
                    g = labels_of(sid, keys)
                    people[g] = people.get(g, 0) + 1
                if len(keys) == 1:
                    reference = choose_reference(keys[0], people, hq)
                    order = _order(keys[0], people)
                else:
                    joined = cut_label(keys, [choose_reference(k, _marginal(population, profiles, k), hq)
                                              for k in keys])
                    reference = joined if joined in people else choose_reference("", people)
                    order = sorted(people)
                label = CHARACTERISTICS[keys[0]] if len(keys) == 1 else \
                    f"{CHARACTERISTICS[keys[0]]} by {CHARACTERISTICS[keys[1]].lower()}"
                per_policy: list[GroupTable] = []
                for i, policy_flags in enumerate(flags):
                    if not applicable[i]:
                        continue
                    affected = {g: 0 for g in order}
                    for sid in population:
                        if policy_flags.get(sid, {}).get(outcome.key):
                            affected[labels_of(sid, keys)] += 1
                    counts = {g: (affected[g], people[g]) for g in order}
                    pub = publish(counts, reference)
                    per_policy.append(GroupTable("+".join(keys), label, i, reference, pub.rows, pub.people,
                                                 pub.affected, pub.rate))
                if per_policy:
                    panels.append(Panel("+".join(keys), label, reference, per_policy,
                                        rate_chart(per_policy, names)))
            out.append(OutcomeSection(outcome, applicable, panels, names))
        return out

    sections = sections_for([(k,) for k in CHARACTERISTICS])
    population_published = protect_table([[len(population)]], THRESHOLD, ROUNDING).grand_total
    pack = EvidencePack(organisation, policies, start, end, produced_on, float(days_a_week),
                        population_published, sections)
    if cut is not None:
        a, b = cut
        label = f"{CHARACTERISTICS[a]} by {CHARACTERISTICS[b].lower()}"
        cells: dict[str, int] = {}
        for sid in population:
            g = labels_of(sid, (a, b))
            cells[g] = cells.get(g, 0) + 1
        try:
            require_cells_at_least(cells, THRESHOLD)
        except DisclosureRefused:
            small = sum(1 for n in cells.values() if 0 < n < THRESHOLD)
            pack.cut = CutResult(cut, label, refused=cut_refusal(small, len(cells)))
        else:
            pack.cut = CutResult(cut, label, sections=sections_for([(a, b)]))
    return pack


def cut_refusal(small: int, groups: int) -> str:
    """Why a cut is refused, in words that agree in number: "1 of its 9 groups has", "2 of its 9 have"."""
    return (f"This cut is refused: {small} of its {groups} group{'s' if groups != 1 else ''} "
            f"{'has' if small == 1 else 'have'} fewer than {THRESHOLD} people, so publishing it could identify "
            "individuals. Choose a broader grouping or a single characteristic.")


def cut_label(keys: tuple[str, ...], groups: list[str]) -> str:
    """A group's name: "Yes" for one characteristic; "Disability: Yes; Sex: Female" for a cut of two."""
    if len(keys) == 1:
        return groups[0]
    return "; ".join(f"{CHARACTERISTICS[k]}: {g}" for k, g in zip(keys, groups, strict=True))


def _marginal(population: list[str], profiles: dict[str, _Profile], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for sid in population:
        g = profiles[sid].groups[key]
        out[g] = out.get(g, 0) + 1
    return out


# -- the chart -------------------------------------------------------------------------------------------------

FILLS = ["#1d4e89", "#8fb3d9"]
CHART_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def rate_chart(tables: list[GroupTable], policy_names: list[str]) -> SafeString:
    """An inline SVG bar chart (no script): the rate of the outcome per group under each policy, with the
    Wilson 95% interval as a whisker. A withheld group shows the word 'withheld' and no bar."""
    if not tables:
        return mark_safe("")
    label_w, plot_w, right_w, bar_h, gap = 190, 300, 130, 13, 7
    two = len(policy_names) > 1
    groups = [r.group for r in tables[0].rows]
    by_policy = {t.policy_index: {r.group: r for r in t.rows} for t in tables}
    rows_h = len(groups) * (bar_h * len(by_policy) + gap)
    top, legend_h = 22, (18 if two else 0)
    height = top + rows_h + 24 + legend_h
    width = label_w + plot_w + right_w
    title = f"{tables[0].label}: rate of the outcome per group, with 95% intervals"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="evidence-chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + plot_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + rows_h}" stroke="#cccccc" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 8}" font-size="9" text-anchor="middle" {CHART_FONT} '
                     f'fill="#333333">{tick}%</text>')
    y = top
    for g in groups:
        label = g + (" (reference)" if g == tables[0].reference else "")
        block = bar_h * len(by_policy)
        parts.append(f'<text x="{label_w - 6}" y="{y + block / 2 + 3.5:.1f}" font-size="10" text-anchor="end" '
                     f'{CHART_FONT} fill="#111111">{escape(_clip(label, 34))}</text>')
        for i in sorted(by_policy):
            row = by_policy[i][g]
            letter = "AB"[i] + " " if two else ""
            cy = y + bar_h / 2
            if row.withheld or row.rate is None:
                parts.append(f'<text x="{label_w + 4}" y="{cy + 3.5:.1f}" font-size="9" {CHART_FONT} '
                             f'fill="#555555" font-style="italic">{letter}withheld (disclosure control)</text>')
            else:
                w = plot_w * row.rate
                parts.append(f'<rect x="{label_w}" y="{y + 1}" width="{w:.1f}" height="{bar_h - 2}" '
                             f'fill="{FILLS[i]}"/>')
                if row.wilson is not None:
                    lo, hi = (label_w + plot_w * v for v in row.wilson)
                    parts.append(f'<line x1="{lo:.1f}" y1="{cy:.1f}" x2="{hi:.1f}" y2="{cy:.1f}" '
                                 'stroke="#000000" stroke-width="1"/>')
                    for x in (lo, hi):
                        parts.append(f'<line x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" y2="{y + bar_h - 2}" '
                                     'stroke="#000000" stroke-width="1"/>')
                parts.append(f'<text x="{label_w + plot_w + 8}" y="{cy + 3.5:.1f}" font-size="9" {CHART_FONT} '
                             f'fill="#111111">{letter}{row.rate_text}</text>')
            y += bar_h
        y += gap
    if two:
        ly = height - 8
        x = label_w
        for i in sorted(by_policy):
            name = policy_names[i]
            parts.append(f'<rect x="{x}" y="{ly - 9}" width="10" height="10" fill="{FILLS[i]}"/>')
            text = f"{'AB'[i]}: {_clip(name, 40)}"
            parts.append(f'<text x="{x + 14}" y="{ly}" font-size="9" {CHART_FONT} fill="#111111">'
                         f"{escape(text)}</text>")
            x += 14 + 6 * len(text) + 16
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"
