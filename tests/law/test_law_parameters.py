"""The legislation lives in data files: dated values, regimes per trigger, commencements as data."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from mandate.law import (
    BallotFacts,
    OutOfScope,
    ParameterError,
    ParameterSet,
    QuestionResult,
    UnitResult,
    assess,
    default_parameters,
    mandate_last_day,
    regime_for,
    result_information_items,
)
from mandate.law.params import DEFAULT_DIRECTORY, TRIGGERS

ERA2_ENTRY = """
[[commencement]]
id = "ERA2"
from = 2027-01-01
triggers = ["opening_day"]
citation = "Employment Rights Act 2025 (Commencement No. 9) Regulations 2026 (SI 2026/999), reg 2"
url = "https://www.legislation.gov.uk/uksi/2026/999/made"
"""


@pytest.fixture
def param_copy(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def low_turnout_ballot(opened: date) -> BallotFacts:
    # 40% turnout: fails the 50% threshold wherever it is in force; Yes has a clear majority.
    return BallotFacts(opened=opened, closed=opened + timedelta(days=21), important_public_services=False,
                       union_believes_not_ips=False,
                       units=[UnitResult("HQ", entitled=1000, votes_cast=400,
                                         questions={"strike": QuestionResult(300, 95, 5)})])


@pytest.mark.parametrize(
    ("trigger", "day", "regime"),
    [
        ("opening_day", date(2017, 3, 1), "TUA16"),
        ("opening_day", date(2026, 2, 17), "TUA16"),
        ("opening_day", date(2026, 2, 18), "ERA1"),
        ("opening_day", date(2026, 11, 23), "ERA1"),
        ("ballot_notice_receipt", date(2026, 2, 17), "TUA16"),
        ("ballot_notice_receipt", date(2026, 2, 18), "ERA1"),
        ("action_notice_receipt", date(2026, 2, 17), "TUA16"),
        ("action_notice_receipt", date(2026, 2, 18), "ERA1"),
        ("action_start", date(2026, 2, 18), "ERA1"),
    ],
)
def test_regime_for_each_trigger(trigger: str, day: date, regime: str) -> None:
    r = regime_for(trigger, day)
    assert r.id == regime and r.trigger == trigger
    assert r.start <= day and (r.end is None or day <= r.end)
    assert r.citation.url.startswith("https://www.legislation.gov.uk/")


def test_before_the_rulebook_and_unknown_trigger() -> None:
    with pytest.raises(OutOfScope):
        regime_for("opening_day", date(2017, 2, 28))
    with pytest.raises(ValueError, match="unknown trigger"):
        regime_for("picketing", date(2026, 3, 1))


def test_era2_is_not_in_force_without_a_commencement_entry() -> None:
    # Far in the future, still ERA1: the repeal of the 50% threshold has no date.
    assert regime_for("opening_day", date(2040, 1, 1)).id == "ERA1"
    answer = assess(low_turnout_ballot(date(2027, 2, 1)))
    assert answer.regime == "ERA1"
    assert answer.units[0].turnout_threshold_met is False
    assert answer.units[0].questions["strike"].supported is False
    assert any(w.uncertainty == "era2-commencement" and w.parameter == "turnout_threshold" for w in answer.warnings)


def test_a_commencement_is_one_dated_entry_in_a_data_file(param_copy: Path) -> None:
    """Recording ERA 2025 s.68's commencement is one entry in commencements.toml, no code change."""
    before = ParameterSet.load(param_copy)
    with (param_copy / "commencements.toml").open("a", encoding="utf-8") as f:
        f.write(ERA2_ENTRY)
    after = ParameterSet.load(param_copy)

    assert before.regime_for("opening_day", date(2027, 2, 1)).id == "ERA1"
    assert after.regime_for("opening_day", date(2027, 2, 1)).id == "ERA2"
    assert after.regime_for("opening_day", date(2026, 12, 31)).id == "ERA1"
    assert after.regime_for("opening_day", date(2026, 12, 31)).end == date(2026, 12, 31)
    # Notices are untouched: the entry only names the opening-day trigger.
    assert after.regime_for("action_notice_receipt", date(2027, 2, 1)).id == "ERA1"

    old = assess(low_turnout_ballot(date(2027, 2, 1)), params=before)
    new = assess(low_turnout_ballot(date(2027, 2, 1)), params=after)
    assert (old.units[0].turnout_threshold_met, old.units[0].questions["strike"].supported) == (False, False)
    assert (new.units[0].turnout_threshold_met, new.units[0].questions["strike"].supported) == (None, True)
    assert new.regime == "ERA2"
    assert "68" in " ".join(c.section for c in new.citations)
    # The uncertainty is resolved by the commencement, so the warning goes.
    assert not any(w.uncertainty == "era2-commencement" for w in new.warnings)
    # A ballot opened the day before is still ERA1 and still needs 50%.
    day_before = assess(low_turnout_ballot(date(2026, 12, 31)), params=after)
    assert (day_before.regime, day_before.units[0].turnout_threshold_met) == ("ERA1", False)
    # The statement of the result loses items (a) and (f) for the new regime.
    assert [i.id for i in result_information_items(date(2027, 2, 1), params=after).items] == ["b", "c", "d", "e"]
    assert [i.id for i in result_information_items(date(2027, 2, 1), params=before).items] == [
        "a", "b", "c", "d", "e", "f"]
    # The mandate stays at 12 months.
    assert mandate_last_day(date(2027, 3, 2), date(2027, 2, 1), params=after)[0] == date(2028, 3, 1)


def test_e_balloting_order_commencement_is_data_too(param_copy: Path) -> None:
    from mandate.law import voting_paper_requirements

    before = voting_paper_requirements(date(2026, 9, 1))
    assert before.timing["permissible_means_of_voting"] == ["postal"]
    assert any(w.uncertainty == "e-balloting-order" for w in before.warnings)
    with (param_copy / "commencements.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[commencement]]\nid = "EBALLOT_ORDER"\nfrom = 2026-08-20\ntriggers = ["opening_day"]\n'
                'citation = "SI 2026/800"\nurl = "https://www.legislation.gov.uk/uksi/2026/800/made"\n')
    after = voting_paper_requirements(date(2026, 9, 1), params=ParameterSet.load(param_copy))
    assert "electronic" in after.timing["permissible_means_of_voting"]
    assert not any(w.uncertainty == "e-balloting-order" for w in after.warnings)
    # Before the Order, in August, postal only (with the warning).
    assert voting_paper_requirements(date(2026, 8, 19), params=ParameterSet.load(param_copy)).timing[
        "permissible_means_of_voting"] == ["postal"]


def test_every_value_has_dates_a_trigger_a_section_and_a_legislation_url() -> None:
    p = default_parameters()
    assert len(p.parameters) >= 20
    for name, param in p.parameters.items():
        assert param.trigger in TRIGGERS, name
        assert param.description, name
        for v in param.values:
            assert v.declared_from, name
            assert v.citation.section, name
            assert v.citation.url.startswith("https://www.legislation.gov.uk/"), (name, v.citation.url)


def test_every_uncertain_point_of_the_spec_is_a_flagged_parameter() -> None:
    p = default_parameters()
    used = {v.uncertain for param in p.parameters.values() for v in param.values if v.uncertain}
    used |= {entry["uncertain"] for entry in p.pending}  # awaited commencements, flagged from their expected day
    expected = {"era2-commencement", "majority-strict-reading", "s229-4-statement-transition",
                "month-end-period", "e-balloting-order", "ips-si-numbers", "e-ballot-conditions"}
    assert expected <= used
    assert expected | {"overseas-members-denominator"} <= set(p.uncertainties)


def test_literal_dates_agree_with_the_commencement_table() -> None:
    """A value that changes on a literal date changes where a regime commences for its trigger."""
    p = default_parameters()
    for name, param in p.parameters.items():
        starts = {r.start for r in p.regime_periods(param.trigger)}
        ends = {r.end for r in p.regime_periods(param.trigger) if r.end}
        for v in param.values:
            assert not (v.start and v.declared_from[:1].isdigit() and v.start not in starts), (name, v.start)
            assert not (v.end and v.declared_to and v.declared_to[:1].isdigit() and v.end not in ends), (name, v.end)


def test_values_are_continuous_from_1_march_2017() -> None:
    p = default_parameters()
    for name, param in p.parameters.items():
        in_force = sorted((v for v in param.values if v.start), key=lambda v: v.start)
        assert in_force[0].start == date(2017, 3, 1), name
        for a, b in zip(in_force, in_force[1:], strict=False):
            assert a.end is not None and b.start == a.end + timedelta(days=1), name
        assert in_force[-1].end is None, name


def test_overlapping_values_are_refused(param_copy: Path) -> None:
    path = param_copy / "mandate.toml"
    path.write_text(path.read_text().replace("from = 2026-02-18\nvalue = 12", "from = 2026-02-01\nvalue = 12"))
    with pytest.raises(ParameterError, match="overlapping"):
        ParameterSet.load(param_copy)


def test_unknown_references_are_refused(param_copy: Path) -> None:
    with (param_copy / "commencements.toml").open("a") as f:
        f.write('\n[[commencement]]\nid = "ERA3"\nfrom = 2028-01-01\n')
    with pytest.raises(ParameterError, match="ERA3"):
        ParameterSet.load(param_copy)


def test_a_value_without_a_section_is_refused(param_copy: Path) -> None:
    path = param_copy / "scrutineer.toml"
    path.write_text(path.read_text().replace('section = "TULRCA 1992 s.226C"\n', ""))
    with pytest.raises(ParameterError, match="section"):
        ParameterSet.load(param_copy)


def test_a_date_with_no_value_in_force_is_out_of_scope() -> None:
    with pytest.raises(OutOfScope):
        default_parameters().value("mandate_months", date(2016, 1, 1))
