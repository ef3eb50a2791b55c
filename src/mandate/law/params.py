"""Loading the dated legislation parameters from TOML data files.

Every number, date and wording the law sets lives in ``src/mandate/law/parameters/*.toml``. This module
reads them with :mod:`tomllib`, resolves each value's effective dates against the commencement table, checks
that the values of each parameter never overlap, and answers "which value, which regime, on this date?".

Reserved top-level tables: ``regimes``, ``events``, ``commencement`` and ``pending`` (commencements.toml) and
``uncertainty`` (uncertainties.toml). Every other top-level table is a parameter with ``trigger``,
``description`` and ``values``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from mandate.dates import human_date
from mandate.law.model import Citation, LawWarning, OutOfScope
from mandate.law.recorded import RecordedCommencement

DEFAULT_DIRECTORY = Path(__file__).with_name("parameters")
TRIGGERS = ("opening_day", "ballot_notice_receipt", "action_notice_receipt", "action_start")
TRIGGER_WORDS = {
    "opening_day": "opening day of the ballot",
    "ballot_notice_receipt": "date the employer receives the notice of ballot",
    "action_notice_receipt": "date the employer receives the notice of industrial action",
    "action_start": "first day of the industrial action",
}
_RESERVED = {"regimes", "events", "commencement", "pending", "uncertainty"}


class ParameterError(ValueError):
    """The parameter files are malformed or contradict themselves."""


@dataclass(frozen=True)
class Commencement:
    id: str
    start: date
    triggers: tuple[str, ...]
    citation: Citation
    recorded: RecordedCommencement | None = None  # recorded by the deployment, not shipped in the data files


@dataclass(frozen=True)
class Uncertainty:
    id: str
    spec: str
    summary: str
    assumption: str
    resolved_by: str | None = None


@dataclass(frozen=True)
class Regime:
    """A regime as it applies to one trigger event, with the dates it covers for that trigger."""

    id: str
    name: str
    trigger: str
    start: date
    end: date | None
    citation: Citation

    def __str__(self) -> str:
        return self.id

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "trigger": self.trigger,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "citation": self.citation.as_dict(),
        }


@dataclass(frozen=True)
class ParameterValue:
    """One dated value of a parameter. ``start`` is None when it has not (yet) come into force."""

    parameter: str
    trigger: str
    start: date | None
    end: date | None
    value: Any
    repealed: bool
    citation: Citation
    uncertain: str | None
    declared_from: str
    declared_to: str | None
    rests_on: tuple[RecordedCommencement, ...] = ()  # recorded commencements its dates come from

    def covers(self, on: date) -> bool:
        return self.start is not None and self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    trigger: str
    values: tuple[ParameterValue, ...]


def _as_date_or_ref(raw: Any, where: str) -> date | str:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and raw:
        return raw
    raise ParameterError(f"{where}: expected a date (YYYY-MM-DD) or a regime/event id, got {raw!r}")


@dataclass
class ParameterSet:
    """All legislation parameters from one directory of TOML files."""

    directory: Path
    regime_names: dict[str, str] = field(default_factory=dict)
    event_names: dict[str, str] = field(default_factory=dict)
    commencements: list[Commencement] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    uncertainties: dict[str, Uncertainty] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    _supersessions: dict[str, str] = field(default_factory=dict)

    # ---- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: str | Path | None = None,
             recorded: tuple[RecordedCommencement, ...] | list[RecordedCommencement] = ()) -> ParameterSet:
        """The parameters of ``directory`` (the shipped files by default), with the commencements a deployment
        has ``recorded`` (:mod:`mandate.law.recorded`) added to those of the files."""
        directory = Path(directory) if directory is not None else DEFAULT_DIRECTORY
        files = sorted(directory.glob("*.toml"))
        if not files:
            raise ParameterError(f"no parameter files (*.toml) in {directory}")
        merged: dict[str, Any] = {"regimes": {}, "events": {}, "commencement": [], "pending": [],
                                  "uncertainty": []}
        raw_params: dict[str, tuple[str, dict[str, Any]]] = {}
        for path in files:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ParameterError(f"{path.name}: {exc}") from exc
            for key, body in data.items():
                if key in ("regimes", "events"):
                    merged[key].update(body)
                elif key in _RESERVED:
                    merged[key].extend(body)
                else:
                    if key in raw_params:
                        raise ParameterError(f"parameter {key!r} defined in both {raw_params[key][0]} and {path.name}")
                    raw_params[key] = (path.name, body)
        self = cls(directory=directory)
        self.regime_names = {k: v.get("name", k) for k, v in merged["regimes"].items()}
        self.event_names = {k: v.get("name", k) for k, v in merged["events"].items()}
        self._supersessions = {k: v["superseded_by"] for k, v in merged["events"].items() if v.get("superseded_by")}
        for entry in merged["uncertainty"]:
            u = Uncertainty(id=entry["id"], spec=entry.get("spec", ""), summary=entry["summary"],
                            assumption=entry.get("assumption", ""), resolved_by=entry.get("resolved_by"))
            self.uncertainties[u.id] = u
        for i, entry in enumerate(merged["commencement"]):
            where = f"commencement entry {i + 1} ({entry.get('id', '?')})"
            cid = entry.get("id")
            if cid not in self.regime_names and cid not in self.event_names:
                raise ParameterError(f"{where}: unknown regime or event id {cid!r}")
            start = entry.get("from")
            if not isinstance(start, date):
                raise ParameterError(f"{where}: 'from' must be a date (YYYY-MM-DD)")
            triggers = tuple(entry.get("triggers", TRIGGERS))
            for t in triggers:
                if t not in TRIGGERS:
                    raise ParameterError(f"{where}: unknown trigger {t!r}")
            self.commencements.append(Commencement(
                id=cid, start=start, triggers=triggers,
                citation=Citation(section=entry.get("citation", ""), url=entry.get("url", ""),
                                  rule=f"commencement of {cid}")))
        self.pending = list(merged["pending"])
        self._add_recorded(recorded)
        for name, (filename, body) in raw_params.items():
            self.parameters[name] = self._parse_parameter(name, filename, body)
        self._check_references()
        return self

    def _add_recorded(self, recorded: tuple[RecordedCommencement, ...] | list[RecordedCommencement]) -> None:
        """Add a deployment's recorded commencements of pending entries (a shipped one of the same date wins)."""
        pending_ids = {entry.get("id") for entry in self.pending}
        for r in recorded:
            if r.id not in pending_ids:
                raise ParameterError(f"recorded commencement of {r.id!r}: not a pending commencement of the data")
            shipped = [c for c in self.commencements if c.id == r.id]
            if shipped:
                if any(c.start != r.in_force for c in shipped):
                    raise ParameterError(
                        f"recorded commencement of {r.id} from {human_date(r.in_force)} contradicts the rulebook's "
                        f"own data (from {human_date(shipped[0].start)}); remove the deployment's record")
                continue  # the shipped data has caught up with the record
            entry = next(e for e in self.pending if e.get("id") == r.id)
            self.commencements.append(Commencement(
                id=r.id, start=r.in_force, triggers=tuple(entry.get("triggers", TRIGGERS)),
                citation=Citation(section=f"{self.event_names.get(r.id, self.regime_names.get(r.id, r.id))} "
                                          f"(SI {r.si_number})", url=r.url, rule=f"commencement of {r.id}",
                                  note=f"recorded by {r.recorded_by} on {r.recorded_at[:10]}"),
                recorded=r))

    def _event_start(self, ref: str, trigger: str) -> date | None:
        starts = [c.start for c in self.commencements if c.id == ref and trigger in c.triggers]
        return min(starts) if starts else None

    def _recorded(self, ref: str | date | None) -> tuple[RecordedCommencement, ...]:
        if not isinstance(ref, str):
            return ()
        return tuple(c.recorded for c in self.commencements if c.id == ref and c.recorded is not None)

    def _parse_parameter(self, name: str, filename: str, body: dict[str, Any]) -> Parameter:
        trigger = body.get("trigger")
        if trigger not in TRIGGERS:
            raise ParameterError(f"{filename}: parameter {name!r} has unknown trigger {trigger!r}")
        values: list[ParameterValue] = []
        for i, raw in enumerate(body.get("values", [])):
            where = f"{filename}: {name} value {i + 1}"
            frm = _as_date_or_ref(raw.get("from"), where + " 'from'")
            to_raw = raw.get("to")
            to = _as_date_or_ref(to_raw, where + " 'to'") if to_raw is not None else None
            for ref in (frm, to):
                if isinstance(ref, str) and ref not in self.regime_names and ref not in self.event_names:
                    raise ParameterError(f"{where}: unknown regime or event id {ref!r}")
            start = frm if isinstance(frm, date) else self._event_start(frm, trigger)
            if isinstance(to, str):
                ref_start = self._event_start(to, trigger)
                end = ref_start - timedelta(days=1) if ref_start else None
            else:
                end = to
            if start is not None and end is not None and end < start:
                start = None  # superseded before it began: never in force
            repealed = bool(raw.get("repealed", False))
            if not repealed and "value" not in raw:
                raise ParameterError(f"{where}: needs 'value' or 'repealed = true'")
            uncertain = raw.get("uncertain")
            if uncertain is not None and uncertain not in self.uncertainties:
                raise ParameterError(f"{where}: unknown uncertainty {uncertain!r}")
            if "section" not in raw or "url" not in raw:
                raise ParameterError(f"{where}: every value needs 'section' and 'url'")
            values.append(ParameterValue(
                parameter=name, trigger=trigger, start=start, end=end,
                value=None if repealed else raw["value"], repealed=repealed,
                citation=Citation(section=raw["section"], url=raw["url"], rule=name, note=raw.get("source")),
                uncertain=uncertain,
                declared_from=frm.isoformat() if isinstance(frm, date) else frm,
                declared_to=(to.isoformat() if isinstance(to, date) else to) if to is not None else None,
                rests_on=self._recorded(frm) + self._recorded(to),
            ))
        in_force = sorted((v for v in values if v.start is not None), key=lambda v: v.start or date.min)
        for a, b in zip(in_force, in_force[1:], strict=False):
            if a.end is None or (b.start is not None and b.start <= a.end):
                raise ParameterError(f"{filename}: parameter {name!r} has overlapping values "
                                     f"from {a.declared_from} and from {b.declared_from}")
        return Parameter(name=name, description=body.get("description", ""), trigger=trigger,
                         values=tuple(values))

    def _check_references(self) -> None:
        for u in self.uncertainties.values():
            if u.resolved_by and u.resolved_by not in self.regime_names and u.resolved_by not in self.event_names:
                raise ParameterError(f"uncertainty {u.id!r}: unknown regime or event {u.resolved_by!r}")
        for t in TRIGGERS:
            if not any(c.id in self.regime_names and t in c.triggers for c in self.commencements):
                raise ParameterError(f"no regime commences for trigger {t!r}")

    # ---- questions -----------------------------------------------------------------------------
    def regime_periods(self, trigger: str) -> list[Regime]:
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}; expected one of {', '.join(TRIGGERS)}")
        entries = sorted((c for c in self.commencements if c.id in self.regime_names and trigger in c.triggers),
                         key=lambda c: c.start)
        periods: list[Regime] = []
        for i, c in enumerate(entries):
            end = entries[i + 1].start - timedelta(days=1) if i + 1 < len(entries) else None
            periods.append(Regime(id=c.id, name=self.regime_names[c.id], trigger=trigger, start=c.start,
                                  end=end, citation=c.citation))
        return periods

    def regime_for(self, trigger: str, on: date) -> Regime:
        for period in reversed(self.regime_periods(trigger)):
            if period.start <= on:
                return period
        first = self.regime_periods(trigger)[0]
        raise OutOfScope(f"Out of scope: {human_date(on)} ({on.isoformat()}) as the {TRIGGER_WORDS[trigger]} is "
                         f"before {human_date(first.start)}, when the Trade Union Act 2016 rules began "
                         f"({first.citation.section}); this rulebook covers ballots and notices from that day on.")

    def value(self, name: str, on: date) -> ParameterValue:
        try:
            parameter = self.parameters[name]
        except KeyError:
            raise ParameterError(f"no parameter named {name!r}") from None
        for v in parameter.values:
            if v.covers(on):
                return v
        starts = sorted(v.start for v in parameter.values if v.start is not None)
        since = f" (it has values from {human_date(starts[0])})" if starts else ""
        raise OutOfScope(f"Out of scope: the rulebook has no value of {name!r} for {human_date(on)} "
                         f"({on.isoformat()}){since}.")

    def is_commenced(self, event: str) -> bool:
        return any(c.id == event for c in self.commencements)

    def commencement_of(self, event: str) -> Commencement | None:
        found = sorted((c for c in self.commencements if c.id == event), key=lambda c: c.start)
        return found[0] if found else None

    def pending_by_id(self) -> dict[str, dict[str, Any]]:
        """The awaited commencements (``[[pending]]``) that are not commenced yet, by id."""
        return {e["id"]: e for e in self.pending if not self.is_commenced(e["id"])}

    def recordable(self) -> dict[str, dict[str, Any]]:
        """The pending entries a deployment may record (those the shipped data does not commence), by id,
        including any it has recorded already (recording the same again changes nothing)."""
        shipped = {c.id for c in self.commencements if c.recorded is None}
        return {e["id"]: e for e in self.pending if e["id"] not in shipped}

    def recorded(self) -> tuple[RecordedCommencement, ...]:
        return tuple(c.recorded for c in self.commencements if c.recorded is not None)

    def name_of(self, event: str) -> str:
        return self.event_names.get(event) or self.regime_names.get(event) or event

    def instruments(self) -> list[dict[str, Any]]:
        """Every regime and instrument the data knows, with its status: in force (shipped data), recorded (by
        this deployment), superseded, or pending (with its expected day and its uncertainty)."""
        out: list[dict[str, Any]] = []
        pending = {e["id"]: e for e in self.pending}
        for kind, names in (("regime", self.regime_names), ("event", self.event_names)):
            for ident, name in names.items():
                c = self.commencement_of(ident)
                row: dict[str, Any] = {"id": ident, "name": name, "kind": kind, "from": None, "expected": None,
                                       "uncertain": None, "recorded": None, "superseded_by": None}
                if c is not None:
                    row["status"] = "recorded" if c.recorded else "in force"
                    row["from"] = c.start.isoformat()
                    row["citation"] = c.citation.as_dict()
                    if c.recorded:
                        row["recorded"] = c.recorded.as_dict()
                    later = self._superseded_by(ident)
                    if later:
                        row["status"], row["superseded_by"] = "superseded", later
                elif ident in pending:
                    entry = pending[ident]
                    row["status"] = "pending"
                    expected = entry.get("expected")
                    row["expected"] = expected.isoformat() if isinstance(expected, date) else None
                    row["expected_words"] = entry.get("expected_words")
                    row["uncertain"] = entry.get("uncertain")
                    row["citation"] = {"section": entry.get("citation", ""), "url": entry.get("url", "")}
                else:
                    row["status"] = "not commenced"
                out.append(row)
        return out

    def _superseded_by(self, ident: str) -> str | None:
        later = self._supersessions.get(ident)
        return later if later and self.is_commenced(later) else None

    def notes_for(self, v: ParameterValue, context: str = "", on: date | None = None) -> list[LawWarning]:
        """Every warning an answer resting on ``v`` must carry: its unresolved uncertainty; a pending
        commencement expected by ``on`` that would end it; and each recorded commencement its dates rest on."""
        out: list[LawWarning] = []
        w = self.warning_for(v, context)
        if w:
            out.append(w)
        prefix = f"{context}: " if context else ""
        pending = self.pending_by_id()
        if on is not None and v.declared_to in pending:
            entry = pending[v.declared_to]
            expected = entry.get("expected")
            if isinstance(expected, date) and on >= expected:
                u = self.uncertainties.get(entry.get("uncertain", ""))
                out.append(LawWarning(
                    code=f"pending:{v.declared_to}", parameter=v.parameter, uncertainty=u.id if u else None,
                    message=f"{prefix}the {self.name_of(v.declared_to)} was expected in force from "
                            f"{entry.get('expected_words') or human_date(expected)}, but no commencement is "
                            f"recorded: until one is (mandate law commence {v.declared_to} ...), '{v.parameter}' "
                            f"is answered as before it." + (f" {u.summary}" if u else "")))
        for r in v.rests_on:
            out.append(LawWarning(
                code=f"recorded:{r.id}", parameter=v.parameter,
                message=f"{prefix}rests on a commencement recorded by this deployment, not shipped with the "
                        f"rulebook: {r.words(self.name_of(r.id))}."))
        return out

    def warning_for(self, v: ParameterValue, context: str = "") -> LawWarning | None:
        """A warning for an answer that depends on ``v``, if ``v`` is flagged uncertain and not resolved."""
        if v.uncertain is None:
            return None
        u = self.uncertainties[v.uncertain]
        if u.resolved_by and self.is_commenced(u.resolved_by):
            return None
        prefix = f"{context}: " if context else ""
        return LawWarning(code=f"uncertain:{u.id}", parameter=v.parameter, uncertainty=u.id,
                          message=f"{prefix}depends on '{v.parameter}', which is uncertain (spec {u.spec}). "
                                  f"{u.summary} Assumed: {u.assumption}")


@lru_cache(maxsize=8)
def parameters_with(recorded: tuple[RecordedCommencement, ...] = ()) -> ParameterSet:
    """The shipped parameter set with a deployment's recorded commencements (loaded once per set of records)."""
    return ParameterSet.load(recorded=recorded)


def default_parameters() -> ParameterSet:
    """The parameter set shipped with mandate, with nothing recorded (loaded once)."""
    return parameters_with(())


def resolve(params: ParameterSet | None) -> ParameterSet:
    return params if params is not None else default_parameters()
