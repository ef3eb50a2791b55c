"""Demo hook for the union wing: the dispute over the attendance policy, its ballots and mandates.

`mandate.demo.scenario.load_demo` calls `build` at the end, inside the same transaction, after the unions,
branches, the union's own employer and workplace records and the membership registers exist.

The timeline follows the public story of the ONS dispute (the 40% office-attendance rule from April 2024,
PCS ballots, action short of a strike, Acas conciliation, a settlement in April 2026); dates within months and
the figures of the hand-entered mandate are illustrative, not the published results.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mandate.dates import human_date

EVENTS = [
    (date(2024, 4, 1), "policy", "ONS requires staff to spend 40% of their working time in the office",
     "The attendance rule is applied to each person individually and monitored monthly."),
    (date(2024, 6, 12), "meeting", "PCS and Prospect raise the rule with ONS management",
     "The unions ask for a purpose-led approach and for adjustments to be honoured."),
    (date(2024, 9, 2), "ballot", "PCS indicative ballot of ONS members",
     "A large majority say they are prepared to take action."),
    (date(2024, 11, 18), "ballot", "Statutory ballot closes: mandate for action short of a strike",
     "Members refuse to comply with the 40% attendance requirement."),
    (date(2025, 5, 6), "action", "Action short of a strike continues: the 40% rule is not observed",
     "Members work to their contracts and refuse the attendance rule."),
    (date(2025, 10, 14), "acas", "Acas conciliation meetings begin",
     "The parties meet under Acas to look for an organisation-wide target."),
    (date(2026, 1, 20), "offer", "ONS offers an organisation-wide, purpose-led attendance target",
     "Individual monitoring would end; teams agree anchor days."),
    (date(2026, 4, 16), "settlement", "Settlement through Acas conciliation",
     "An organisation-wide, purpose-led target replaces the individual 40% rule."),
    (date(2026, 10, 5), "meeting", "PCS raises the return of individual attendance reports",
     "Managers' dashboards again show individual percentages; the union says this breaks the settlement."),
]

# The past mandate(s) won in the March 2025 re-ballot, entered by hand with their (illustrative) figures. The
# timeline's event for that ballot is written from the mandates actually entered (`_mandate_event`), so it
# names as many mandates as exist, with the last day the rulebook gives.
PAST_MANDATES: list[dict[str, Any]] = [
    {"unit_name": "ONS (all offices)", "kind": "action_short_of_strike", "opening_day": date(2025, 3, 10),
     "date_of_ballot": date(2025, 3, 31), "entitled": 1118, "voted": 618, "yes": 541, "no": 74, "spoiled": 3,
     "reference": "PCS ONS ballot closing 31 March 2025 (illustrative figures)"},
]
_KINDS = {"strike": "strike", "action_short_of_strike": "action short of a strike"}


def _mandate_event(mandates: list[Any]) -> tuple[str, str]:
    """The title and detail of the timeline event for the re-ballot, naming each mandate it gave."""
    kinds = " and ".join(_KINDS[m.kind] for m in mandates)
    title = f"Re-ballot closes: {'mandates' if len(mandates) > 1 else 'mandate'} for {kinds}"
    from mandate.union import rules

    allowed = rules.agreed_months_allowed(mandates[0].opening_day)
    length = f"{allowed[0]}-month " if allowed else ""
    last = max(m.last_day for m in mandates)
    detail = (f"{'Each a' if len(mandates) > 1 else 'A'} {length}mandate (TULRCA 1992 s.234), running until "
              f"{human_date(last)}.")
    return title, detail


def build(*, seed: int, unions: dict[str, Any]) -> None:
    """Add the union side of the dispute. `unions` maps a union's code ("pcs", "prospect") to its Union."""
    from mandate.union import ballots as svc
    from mandate.union import mandates as mandate_svc
    from mandate.union.models import Dispute, DisputeEvent, Employer

    pcs = unions.get("pcs")
    if pcs is None:
        return
    for union in unions.values():
        employer = Employer.objects.filter(union=union, code="ons").first()
        if employer is None:
            continue
        dispute = Dispute.objects.create(
            union=union, code="ons-attendance", title="ONS office attendance",
            matters="The requirement that each member spend at least 40% of working time in the office, its "
                    "individual monitoring, and the handling of reasonable adjustments; since October 2026, the "
                    "return of individual attendance reports contrary to the April 2026 settlement.",
            categories_affected="All grades of ONS staff in the bargaining unit",
            opened_on=date(2024, 4, 1), status="open")
        dispute.employers.set([employer])
        dispute.workplaces.set(employer.workplaces.all())
        DisputeEvent.objects.bulk_create([DisputeEvent(dispute=dispute, on=on, kind=kind, title=title, detail=detail)
                                          for on, kind, title, detail in EVENTS])
        if union is not pcs:
            continue
        entered = [mandate_svc.enter_mandate(union, employer=employer, dispute=dispute, actor="demo", **spec)
                   for spec in PAST_MANDATES]
        title, detail = _mandate_event(entered)
        DisputeEvent.objects.create(dispute=dispute, on=entered[0].date_of_ballot, kind="ballot", title=title,
                                    detail=detail)
        # The new ballot of PCS ONS members, set up and ready to run: opening two weeks from today's demo date.
        today = date(2026, 11, 23)
        svc.create_ballot(
            union, dispute, code="ons-2026-12", title="PCS ONS members: ballot on individual attendance reports",
            opening_day=today + timedelta(days=14), closing_day=today + timedelta(days=35), employers=[employer],
            questions={"strike": {}, "action_short_of_strike": {
                "action_types": "Refusing to comply with individual attendance targets\nOvertime ban\nWork to rule"}},
            scrutineer_name="Civica Election Services", scrutineer_username="scrutineer",
            return_address="Civica Election Services, The Election Centre, 33 Clarendon Road, London N8 0NW",
            caller="The General Secretary or the National Executive Committee of PCS", actor="demo")
        from mandate.demo import electronic  # one counted and one open electronic ballot (issue 15)

        electronic.build(seed=seed, union=union, dispute=dispute, employer=employer)
