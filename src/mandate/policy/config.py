"""Policies as data: parse and validate a policy (TOML file or dict) into versioned, immutable objects."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mandate.policy.errors import PolicyError

UNITS = ("days", "hours")
TARGET_OF = ("person", "team", "site", "organisation")
ABSENCE_KINDS = ("annual_leave", "sickness", "special_leave", "training", "official_business")
EXCLUDABLE = (*ABSENCE_KINDS, "bank_holiday")
#: Presence sources an input may hold. `booking` is a desk booking with no check-in: it is kept so the
#: explanation can show it, and it never counts as presence (spec §2).
SOURCES = ("badge", "booking_checkin", "booking")
COUNTABLE_SOURCES = ("badge", "booking_checkin")
PURPOSES = ("team_anchor_day", "training", "meeting", "induction", "collaboration")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SINGLE_SIGNAL = ("contracted_day", "none")

_REQUIRED = ("unit", "period", "target_percent", "target_of", "exclude", "count", "credit")
_VERSION_KEYS = frozenset({
    "effective_from", "unit", "period", "target_percent", "target_of", "exclude", "count", "credit",
    "count_sites", "pro_rata", "standard_week", "standard_hours_per_day", "purpose_led", "purposes",
    "purpose_required", "hours", "sites", "capacity_round_to",
})
_TOP_KEYS = frozenset({"name", "description", "versions"}) | _VERSION_KEYS
_HOURS_KEYS = frozenset({"single_signal", "cap_at_contracted_day"})
_SITE_KEYS = frozenset({"target_percent", "desks"})
_PERIOD_RE = re.compile(r"^(week|month|rolling_weeks:(\d+))$")


def weekday_mask(names: list[str] | tuple[str, ...]) -> int:
    """Bit mask of working weekdays (bit 0 = Monday), from names like ["Mon", "Tue"] (case-insensitive)."""
    mask = 0
    lookup = {w.lower(): i for i, w in enumerate(WEEKDAYS)}
    for n in names:
        i = lookup.get(n.strip().lower())
        if i is None:
            raise ValueError(f"'{n}' is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        mask |= 1 << i
    return mask


@dataclass(frozen=True)
class SiteRule:
    """A site's own target: a fixed `target_percent`, or one derived from `desks` (capacity)."""

    target_percent: float | None = None
    desks: int | None = None


@dataclass(frozen=True)
class PolicyVersion:
    """One version of a policy, in force from `effective_from` (None: from the beginning)."""

    effective_from: dt.date | None
    unit: str
    period: str
    rolling_weeks: int | None
    target_percent: float
    target_of: str
    exclude: tuple[str, ...]
    count: tuple[str, ...]
    credit: tuple[str, ...]
    count_sites: str = "any"
    pro_rata: bool = True
    standard_week: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
    standard_hours_per_day: float = 7.4
    purpose_led: bool = False
    purposes: tuple[str, ...] = PURPOSES
    purpose_required: bool = False
    single_signal: str = "contracted_day"
    cap_at_contracted_day: bool = True
    sites: Mapping[str, SiteRule] = field(default_factory=dict)
    capacity_round_to: float = 5.0
    number: int = 1


@dataclass(frozen=True)
class Policy:
    """A named policy with one or more versions, sorted by `effective_from`."""

    name: str
    versions: tuple[PolicyVersion, ...]
    description: str = ""
    source: str = "policy"

    def version_on(self, day: dt.date) -> PolicyVersion:
        """The version in force on `day`."""
        chosen = None
        for v in self.versions:
            if v.effective_from is None or v.effective_from <= day:
                chosen = v
        if chosen is None:
            first = self.versions[0].effective_from
            raise PolicyError(f"no version of policy '{self.name}' is in force on {day.isoformat()} "
                              f"(the first takes effect on {first.isoformat() if first else '?'})",
                              key="effective_from", source=self.source)
        return chosen

    def segments(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, PolicyVersion]]:
        """Split [start, end] into runs of days governed by one version each."""
        out: list[tuple[dt.date, dt.date, PolicyVersion]] = []
        cur = start
        while cur <= end:
            v = self.version_on(cur)
            nxt = [x.effective_from for x in self.versions if x.effective_from and x.effective_from > cur]
            seg_end = min([end, *[n - dt.timedelta(days=1) for n in nxt]])
            out.append((cur, seg_end, v))
            cur = seg_end + dt.timedelta(days=1)
        return out


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy TOML file."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", source=p.name) from exc
    except OSError as exc:
        raise PolicyError(f"cannot read the file: {exc.strerror}", source=str(p)) from exc
    return parse_policy(data, source=p.name)


def loads_policy(text: str, source: str = "policy") -> Policy:
    """Parse and validate a policy from TOML text (for example a database record)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", source=source) from exc
    return parse_policy(data, source=source)


def parse_policy(data: Mapping[str, Any], source: str = "policy") -> Policy:
    """Validate a policy given as a mapping (the TOML document's structure)."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise PolicyError(f"unknown key (known keys: {', '.join(sorted(_TOP_KEYS))})", key=unknown[0],
                          source=source)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyError("a policy needs a non-empty name", key="name", source=source)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise PolicyError("must be text", key="description", source=source)
    base = {k: v for k, v in data.items() if k not in ("name", "description", "versions")}
    raw_versions = data.get("versions")
    if raw_versions is None:
        merged = [base]
    else:
        if not isinstance(raw_versions, list) or not raw_versions or not all(
                isinstance(x, Mapping) for x in raw_versions):
            raise PolicyError("must be an array of tables ([[versions]])", key="versions", source=source)
        merged = []
        for i, rv in enumerate(raw_versions, start=1):
            bad = sorted(set(rv) - _VERSION_KEYS)
            if bad:
                raise PolicyError("unknown key in a version", key=f"versions.{bad[0]}", source=source, version=i)
            merged.append({**base, **rv})
    versions = [_parse_version(m, source, i if raw_versions is not None else None, n=i)
                for i, m in enumerate(merged, start=1)]
    if len(versions) > 1:
        for v in versions:
            if v.effective_from is None:
                raise PolicyError("each of several versions needs an effective_from date",
                                  key="effective_from", source=source, version=v.number)
    starts = [v.effective_from for v in versions]
    if len(set(starts)) != len(starts):
        raise PolicyError("two versions take effect on the same date", key="effective_from", source=source)
    versions.sort(key=lambda v: v.effective_from or dt.date.min)
    return Policy(name=name.strip(), versions=tuple(versions), description=description, source=source)


def _parse_version(d: Mapping[str, Any], source: str, version: int | None, n: int) -> PolicyVersion:
    def err(msg: str, key: str) -> PolicyError:
        return PolicyError(msg, key=key, source=source, version=version)

    for k in _REQUIRED:
        if k not in d:
            raise err("is required", k)

    def choice(key: str, options: tuple[str, ...], default: str | None = None) -> str:
        val = d.get(key, default)
        if not isinstance(val, str) or val not in options:
            raise err(f"must be one of {', '.join(repr(o) for o in options)}, not {val!r}", key)
        return val

    def str_list(key: str, options: tuple[str, ...], default: tuple[str, ...] = ()) -> tuple[str, ...]:
        val = d.get(key, list(default))
        if not isinstance(val, list) or not all(isinstance(x, str) for x in val):
            raise err("must be a list of strings", key)
        for x in val:
            if x not in options:
                raise err(f"{x!r} is not one of {', '.join(options)}", key)
        if len(set(val)) != len(val):
            raise err("lists an item twice", key)
        return tuple(val)

    def number(key: str, lo: float, hi: float, default: float | None = None) -> float:
        val = d.get(key, default)
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val) \
                or not lo <= val <= hi:
            raise err(f"must be a number from {lo:g} to {hi:g}, not {val!r}", key)
        return float(val)

    def boolean(key: str, default: bool) -> bool:
        val = d.get(key, default)
        if not isinstance(val, bool):
            raise err(f"must be true or false, not {val!r}", key)
        return val

    eff = d.get("effective_from")
    if eff is not None:
        if isinstance(eff, str):
            try:
                eff = dt.date.fromisoformat(eff)
            except ValueError:
                raise err(f"must be a date like 2026-04-01, not {eff!r}", "effective_from") from None
        if isinstance(eff, dt.datetime) or not isinstance(eff, dt.date):
            raise err(f"must be a date like 2026-04-01, not {eff!r}", "effective_from")

    unit = choice("unit", UNITS)
    period_raw = d.get("period")
    m = _PERIOD_RE.match(period_raw) if isinstance(period_raw, str) else None
    if not m:
        raise err(f"must be 'week', 'month' or 'rolling_weeks:N' (N from 1 to 104), not {period_raw!r}", "period")
    rolling = None
    period = m.group(1)
    if m.group(2) is not None:
        rolling = int(m.group(2))
        if not 1 <= rolling <= 104:
            raise err(f"rolling_weeks:N needs N from 1 to 104, not {rolling}", "period")
        period = "rolling_weeks"

    exclude = str_list("exclude", EXCLUDABLE)
    if "booking" in (d.get("count") or []):
        raise err("a booking without check-in never counts as presence; count 'booking_checkin' instead",
                  "count")
    count = str_list("count", COUNTABLE_SOURCES)
    credit = str_list("credit", ABSENCE_KINDS)
    both = sorted(set(exclude) & set(credit))
    if both:
        raise err(f"{both[0]!r} cannot be both excluded and credited", "credit")

    std_week = str_list("standard_week", WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri"))
    if not std_week:
        raise err("needs at least one day", "standard_week")

    hours = d.get("hours", {})
    if not isinstance(hours, Mapping):
        raise err("must be a table ([hours])", "hours")
    bad = sorted(set(hours) - _HOURS_KEYS)
    if bad:
        raise err("unknown key", f"hours.{bad[0]}")
    single = hours.get("single_signal", "contracted_day")
    if single not in SINGLE_SIGNAL:
        raise err(f"must be one of {', '.join(SINGLE_SIGNAL)}, not {single!r}", "hours.single_signal")
    cap = hours.get("cap_at_contracted_day", True)
    if not isinstance(cap, bool):
        raise err("must be true or false", "hours.cap_at_contracted_day")

    sites_raw = d.get("sites", {})
    if not isinstance(sites_raw, Mapping):
        raise err("must be a table of site tables ([sites.CODE])", "sites")
    sites: dict[str, SiteRule] = {}
    for code, rule in sites_raw.items():
        if not isinstance(rule, Mapping):
            raise err("must be a table", f"sites.{code}")
        bad = sorted(set(rule) - _SITE_KEYS)
        if bad:
            raise err("unknown key (use target_percent or desks)", f"sites.{code}.{bad[0]}")
        if ("target_percent" in rule) == ("desks" in rule):
            raise err("give exactly one of target_percent or desks", f"sites.{code}")
        tp = rule.get("target_percent")
        if tp is not None and (isinstance(tp, bool) or not isinstance(tp, int | float) or not 0 <= tp <= 100):
            raise err("must be a number from 0 to 100", f"sites.{code}.target_percent")
        desks = rule.get("desks")
        if desks is not None and (isinstance(desks, bool) or not isinstance(desks, int) or desks < 0):
            raise err("must be a whole number of desks, 0 or more", f"sites.{code}.desks")
        sites[code] = SiteRule(target_percent=None if tp is None else float(tp), desks=desks)

    purposes = str_list("purposes", PURPOSES, PURPOSES)
    purpose_led = boolean("purpose_led", False)
    purpose_required = boolean("purpose_required", False)
    if purpose_required and not purpose_led:
        raise err("needs purpose_led = true", "purpose_required")
    if purpose_led and not purposes:
        raise err("a purpose-led policy needs at least one purpose", "purposes")

    return PolicyVersion(
        effective_from=eff,
        unit=unit,
        period=period,
        rolling_weeks=rolling,
        target_percent=number("target_percent", 0, 100),
        target_of=choice("target_of", TARGET_OF),
        exclude=exclude,
        count=count,
        credit=credit,
        count_sites=choice("count_sites", ("any", "home"), "any"),
        pro_rata=boolean("pro_rata", True),
        standard_week=std_week,
        standard_hours_per_day=number("standard_hours_per_day", 0.1, 24, 7.4),
        purpose_led=purpose_led,
        purposes=purposes,
        purpose_required=purpose_required,
        single_signal=single,
        cap_at_contracted_day=cap,
        sites=sites,
        capacity_round_to=number("capacity_round_to", 0.01, 100, 5),
        number=n,
    )
