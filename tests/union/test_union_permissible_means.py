"""The union wing reads the permissible means of voting and each method's conditions from the rulebook only,
with the commencements the deployment recorded (`mandate law commence`) in its data directory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mandate.law import recorded
from mandate.union import rules


def record_the_order(data_dir: Path, in_force: date = date(2026, 9, 1)) -> None:
    record = recorded.RecordedCommencement(
        id="EBALLOT_ORDER", si_number="2026/1234", in_force=in_force,
        url="https://www.legislation.gov.uk/uksi/2026/1234/made", recorded_by="A. Official",
        recorded_at=datetime(2026, 12, 4, 10, tzinfo=UTC).isoformat())
    path = data_dir / recorded.RECORDS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recorded.dumps([record]), encoding="utf-8")


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_postal_only_until_the_deployment_records_the_order(data_dir: Path) -> None:
    assert rules.permissible_methods(date(2026, 12, 7)) == ["postal"]
    with pytest.raises(ValueError, match="Electronic voting is not permissible for a ballot opening on 7 December"):
        rules.refuse_impermissible_method("electronic", date(2026, 12, 7))
    rules.refuse_impermissible_method("postal", date(2026, 12, 7))
    paper = rules.paper_requirements(date(2026, 12, 7))
    assert paper["timing"]["permissible_means_of_voting"] == ["postal"]


def test_from_the_recorded_day_the_wing_offers_the_new_methods(data_dir: Path) -> None:
    record_the_order(data_dir)
    assert rules.permissible_methods(date(2026, 8, 31)) == ["postal"]
    assert rules.permissible_methods(date(2026, 9, 1)) == ["postal", "electronic", "hybrid", "workplace"]
    rules.refuse_impermissible_method("hybrid", date(2026, 12, 7))
    with pytest.raises(ValueError, match="not permissible"):
        rules.refuse_impermissible_method("hybrid", date(2026, 8, 31))
    paper = rules.paper_requirements(date(2026, 12, 7))
    assert "electronic" in paper["timing"]["permissible_means_of_voting"]
    assert any(w["code"] == "recorded:EBALLOT_ORDER" for w in paper["warnings"])


def test_the_conditions_come_from_the_rulebook(data_dir: Path) -> None:
    record_the_order(data_dir)
    workplace = rules.method_requirements("workplace", date(2026, 12, 7), entitled=20)
    assert {c["check"] for c in workplace["conditions"]} >= {"scrutineer_appointed", "security_assessment_recorded",
                                                             "workplace_agreement_recorded", "industrial_action_ballot"}
    unmet = rules.unmet_method_conditions("electronic", date(2026, 12, 7), {"scrutineer_appointed": True})
    assert "security_assessment_recorded" in {c["check"] for c in unmet}
    assert "scrutineer_appointed" not in {c["check"] for c in unmet}


def test_a_damaged_record_file_counts_as_nothing_recorded_and_is_logged(data_dir: Path, caplog) -> None:
    path = data_dir / recorded.RECORDS_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with caplog.at_level("ERROR", logger="mandate.union.rules"):
        assert rules.permissible_methods(date(2026, 12, 7)) == ["postal"]
    assert "not valid JSON" in caplog.text
    with pytest.raises(ValueError, match="not permissible"):
        rules.refuse_impermissible_method("electronic", date(2026, 12, 7))


def test_a_ballot_by_a_new_method_needs_a_scrutineer_whatever_its_size(data_dir: Path) -> None:
    from types import SimpleNamespace

    record_the_order(data_dir)

    class NoElectors:
        def count(self) -> int:
            return 12

    small = SimpleNamespace(opening_day=date(2026, 12, 7), voting_method="hybrid", electors=NoElectors())
    assert rules.needs_scrutineer(small) is True  # type: ignore[arg-type]
    small.voting_method = "postal"
    assert rules.needs_scrutineer(small) is False  # type: ignore[arg-type]


@pytest.mark.django_db
def test_ballot_set_up_asks_the_rulebook_whether_a_method_is_permissible(data_dir: Path, union_org) -> None:
    """Before the Order is recorded an electronic ballot is refused in the rulebook's words (the opening day
    named); once it is recorded an electronic ballot is made, and a hybrid one is refused only because the wing
    cannot run one yet; postal is made."""
    from mandate.union import ballots as svc
    from mandate.union.errors import BallotError
    from mandate.union.models import Dispute, Employer

    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    made = {"dispute": dispute, "title": "Ballot", "opening_day": date(2026, 12, 7),
            "closing_day": date(2026, 12, 21), "employers": [ons], "questions": {"strike": {}},
            "scrutineer_name": "Civica", "return_address": "PO Box 1"}
    with pytest.raises(BallotError, match="not permissible for a ballot opening on 7 December 2026"):
        svc.create_ballot(union_org, code="e1", voting_method="electronic", **made)
    record_the_order(data_dir)
    with pytest.raises(BallotError, match="permissible for this opening day, but mandate cannot run one yet"):
        svc.create_ballot(union_org, code="e2", voting_method="hybrid", **made)
    assert svc.create_ballot(union_org, code="p", voting_method="postal", **made).voting_method == "postal"
    assert svc.create_ballot(union_org, code="e3", voting_method="electronic", **made).voting_method == "electronic"
    assert not union_org.ballots.filter(code__in=["e1", "e2"]).exists()
