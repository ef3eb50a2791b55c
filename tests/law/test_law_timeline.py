"""The ballot timeline (spec §5, §6, §11, §16, §17, §20)."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.law import action_notice_requirements, latest_action_notice_receipt, timeline


def test_worked_example_notice_of_ballot_and_sample_paper() -> None:
    t = timeline(date(2026, 2, 20), date(2026, 3, 10), entitled=1150)
    assert t.ballot_notice_latest == date(2026, 2, 13)
    assert t.sample_paper_latest == date(2026, 2, 17)
    assert t.regime == "ERA1"
    # Received on 13 February 2026 the notice follows the old (TUA16) content rules.
    assert t.ballot_notice_content_regime == "TUA16"
    d = t.as_dict()
    assert d["ballot_notice"] == {"latest_receipt": "2026-02-13", "content_regime": "TUA16"}


def test_notice_content_follows_receipt_date_even_if_ballot_opens_later() -> None:
    # Spec §5, §20: opening 2 March 2026 -> latest receipt 23 February (ERA1 content), but a notice
    # received on 17 February must follow the old rules.
    t = timeline(date(2026, 3, 2), date(2026, 3, 23))
    assert t.ballot_notice_latest == date(2026, 2, 23) and t.ballot_notice_content_regime == "ERA1"
    w = [w for w in t.warnings if w.code == "ballot-notice-content-by-receipt"]
    assert w and "18 February 2026" in w[0].message and "TUA16" in w[0].message


def test_scrutineer_uses_the_aggregate_electorate() -> None:
    assert timeline(date(2026, 3, 2), date(2026, 3, 23), entitled=51).scrutineer_required is True
    assert timeline(date(2026, 3, 2), date(2026, 3, 23), entitled=50).scrutineer_required is False
    unknown = timeline(date(2026, 3, 2), date(2026, 3, 23))
    assert unknown.scrutineer_required is None
    assert any(w.code == "entitled-unknown" for w in unknown.warnings)


def test_scrutineer_report_and_copies() -> None:
    t = timeline(date(2025, 3, 3), date(2025, 3, 31), entitled=1150)
    assert t.scrutineer_report_deadline == date(2025, 4, 27)  # 31 March + 27 days
    assert t.report_copies_until == date(2025, 9, 30)
    assert t.mandate_last_day == date(2025, 9, 30) and t.mandate_review is False


def test_first_action_day_1_march_2026_needs_notice_by_19_february() -> None:
    assert latest_action_notice_receipt(date(2026, 3, 1)) == (date(2026, 2, 19), "ERA1", 10)


def test_action_notice_period_follows_the_receipt_date() -> None:
    # Action on 25 Feb 2026: a notice received on or after 18 Feb would need 10 days (15 Feb: impossible),
    # so it must be received under the old rules: 14 days, by 11 Feb.
    assert latest_action_notice_receipt(date(2026, 2, 25)) == (date(2026, 2, 11), "TUA16", 14)
    assert latest_action_notice_receipt(date(2026, 2, 25), agreed_7_days=True) == (date(2026, 2, 17), "TUA16", 7)
    # Action on 28 Feb 2026: 10 days before is 18 Feb, the first ERA1 day.
    assert latest_action_notice_receipt(date(2026, 2, 28)) == (date(2026, 2, 18), "ERA1", 10)
    assert latest_action_notice_receipt(date(2025, 6, 1)) == (date(2025, 5, 18), "TUA16", 14)
    # No agreed reduction under ERA1.
    assert latest_action_notice_receipt(date(2026, 6, 1), agreed_7_days=True) == (date(2026, 5, 22), "ERA1", 10)


def test_s231a_on_the_same_day_as_the_notice_of_action_is_allowed() -> None:
    # Spec §20: the period "begins with" the day s.231A is satisfied.
    t = timeline(date(2026, 3, 2), date(2026, 3, 23), entitled=500, action_days=[date(2026, 4, 2)],
                 s231a_done=date(2026, 3, 23))
    assert t.action_notice is not None
    assert t.action_notice.window_opens == date(2026, 3, 23) == t.action_notice.latest_receipt
    assert t.action_notice.feasible
    late = timeline(date(2026, 3, 2), date(2026, 3, 23), action_days=[date(2026, 4, 2)], s231a_done=date(2026, 3, 24))
    assert late.action_notice is not None and not late.action_notice.feasible
    assert any(w.code == "action-notice-window-empty" for w in late.warnings)


def test_every_action_day_is_checked_against_the_mandate() -> None:
    t = timeline(date(2025, 3, 3), date(2025, 3, 31), entitled=1150,
                 action_days=[date(2025, 9, 30), date(2025, 10, 1), date(2025, 3, 31)])
    by_day = {a.day: a for a in t.action_days}
    assert by_day[date(2025, 9, 30)].ok
    assert not by_day[date(2025, 10, 1)].within_mandate
    assert not by_day[date(2025, 3, 31)].after_ballot
    codes = {w.code for w in t.warnings}
    assert {"action-after-mandate", "action-before-ballot-closed"} <= codes
    # TUA16 ballot, notice received in 2025: 14 days.
    assert t.action_notice is not None and t.action_notice.period_days == 14


def test_ballot_opened_17_february_uses_old_mandate_but_new_notice_period() -> None:
    t = timeline(date(2026, 2, 17), date(2026, 3, 10), entitled=300, action_days=[date(2026, 3, 30)])
    assert t.regime == "TUA16" and t.mandate_last_day == date(2026, 9, 9)
    assert t.action_notice is not None
    assert (t.action_notice.regime, t.action_notice.period_days) == ("ERA1", 10)
    assert t.action_notice.latest_receipt == date(2026, 3, 20)


def test_timeline_json_shape_and_ordering() -> None:
    d = timeline(date(2026, 2, 20), date(2026, 3, 10), entitled=120, action_days=[date(2026, 3, 25)]).as_dict()
    assert d["mandate"] == {"last_day": "2027-03-09", "review": False, "months": 12, "court_excluded_days": 0}
    assert d["action_notice"]["latest_receipt"] == "2026-03-15"
    dates = [e["date"] for e in d["events"]]
    assert dates == sorted(dates)
    assert d["citations"] and all(c["url"].startswith("https://www.legislation.gov.uk/") for c in d["citations"])


def test_timeline_refuses_impossible_dates() -> None:
    with pytest.raises(ValueError, match="before opening"):
        timeline(date(2026, 3, 10), date(2026, 3, 1))
    with pytest.raises(ValueError, match="s231a_done"):
        timeline(date(2026, 3, 1), date(2026, 3, 10), s231a_done=date(2026, 3, 9))


def test_action_notice_requirements_by_regime() -> None:
    old = action_notice_requirements(date(2026, 2, 17))
    new = action_notice_requirements(date(2026, 2, 18))
    assert (old.regime, new.regime) == ("TUA16", "ERA1")
    assert old.timing["days_before_first_action_day"] == 14 and old.timing["days_if_agreed_with_employer"] == 7
    assert new.timing["days_before_first_action_day"] == 10 and new.timing["days_if_agreed_with_employer"] is None
    old_ids, new_ids = {i.id for i in old.items}, {i.id for i in new.items}
    assert "per_category" in old_ids and "per_category" not in new_ids
    assert {"per_workplace", "explanation", "continuity"} <= new_ids
