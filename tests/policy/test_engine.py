"""Hand-worked cases for every policy shape and knob. November 2026 has 21 weekdays (Mon 2 to Mon 30);
30 November is St Andrew's Day, a bank holiday in Scotland only."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import badge, dataset, person, policy, row, run

from mandate.policy import PolicyError, compare, compute, explain, parse_policy
from mandate.policy.engine import _Run, connect

NOV = [f"2026-11-{d:02d}" for d in range(2, 31) if dt.date(2026, 11, d).weekday() < 5]
assert len(NOV) == 21


def test_individual_quota_full_time_boundary():
    data = dataset([person("A"), person("B")],
                   [badge("A", d) for d in NOV[:8]] + [badge("B", d) for d in NOV[:9]])
    r = run(data)
    a, b = row(r, "A"), row(r, "B")
    assert (a["working_days"], a["required_days"], a["attended_days"]) == (21, 21, 8)
    assert a["percent"] == pytest.approx(800 / 21) and a["target_met"] is False
    assert b["percent"] == pytest.approx(900 / 21) and b["target_met"] is True
    assert r.organisation["percent"] == pytest.approx(1700 / 42)


def test_part_time_denominator_and_non_working_day_ignored():
    # Mon;Tue;Wed in November 2026: 5 Mondays + 4 Tuesdays + 4 Wednesdays = 13 days
    mtw = [d for d in NOV if dt.date.fromisoformat(d).weekday() < 3]
    data = dataset([person("P", days="Mon;Tue;Wed")],
                   [badge("P", d) for d in mtw[:6]] + [badge("P", "2026-11-05")])  # a Thursday: not contracted
    p = row(run(data), "P")
    assert (p["working_days"], p["attended_days"]) == (13, 6)
    assert p["percent"] == pytest.approx(600 / 13) and p["target_met"] is True


def test_compressed_hours_pro_rata_and_not():
    data = dataset([person("C", days="Mon;Tue;Wed;Thu", hours=9.25)], [badge("C", NOV[0])])
    assert row(run(data), "C")["working_days"] == 17  # 21 weekdays less 4 Fridays
    flat = row(run(data, pro_rata=False), "C")
    assert flat["working_days"] == 21 and flat["attended_days"] == 1


def test_bank_holiday_in_scotland_only():
    data = dataset([person("E", home="EDI"), person("N", home="NPT")],
                   [badge("E", d, site="EDI") for d in NOV[:8]] + [badge("N", d) for d in NOV[:8]])
    r = run(data)
    e, n = row(r, "E"), row(r, "N")
    assert (e["excluded_days"], e["required_days"]) == (1, 20)  # St Andrew's Day, 30 November
    assert e["percent"] == pytest.approx(40.0) and e["target_met"] is True  # exactly on target
    assert (n["excluded_days"], n["required_days"]) == (0, 21)
    assert n["target_met"] is False
    # without bank holidays in `exclude`, the day stays in the denominator
    e2 = row(run(data, exclude=["annual_leave"]), "E")
    assert e2["required_days"] == 21
    why = explain(data, policy(), dt.date(2026, 11, 1), dt.date(2026, 11, 30), ["E"]).to_pylist()
    assert [x["reason"] for x in why if x["date"] == dt.date(2026, 11, 30)] == ["bank_holiday: St Andrew’s Day"]


def test_leave_leaves_the_denominator_and_presence_beats_absence():
    leave = [("L", d, "annual_leave") for d in NOV[10:15]] + [("L", NOV[16], "sickness")]
    data = dataset([person("L")], [badge("L", d) for d in NOV[:8]] + [badge("L", NOV[16])], leave)
    r = row(run(data), "L")
    # NOV[16] has both a swipe and a sickness record: attended wins, so only 5 days are excluded
    assert (r["excluded_days"], r["required_days"], r["attended_days"]) == (5, 16, 9)
    assert r["percent"] == pytest.approx(900 / 16)
    r2 = row(run(data, exclude=["bank_holiday"]), "L")
    assert (r2["excluded_days"], r2["required_days"]) == (0, 21)


def test_official_business_credited_or_not():
    data = dataset([person("O")], [badge("O", d) for d in NOV[:6]],
                   [("O", NOV[7], "official_business"), ("O", NOV[8], "official_business"), ("O", NOV[9], "training")])
    r = row(run(data), "O")
    assert (r["attended_days"], r["credited_days"], r["required_days"]) == (6, 3, 21)
    assert r["percent"] == pytest.approx(900 / 21)
    r2 = row(run(data, credit=["official_business"]), "O")
    assert (r2["credited_days"], r2["required_days"]) == (2, 21)
    r3 = row(run(data, credit=[], exclude=["training"]), "O")
    assert (r3["credited_days"], r3["excluded_days"], r3["required_days"]) == (0, 1, 20)


def test_booking_without_check_in_never_counts():
    data = dataset([person("B")], [badge("B", NOV[0], source="booking"), badge("B", NOV[1], source="booking_checkin"),
                                   badge("B", NOV[2], source="badge")])
    assert row(run(data), "B")["attended_days"] == 2
    assert row(run(data, count=["booking_checkin"]), "B")["attended_days"] == 1
    assert row(run(data, count=["badge"]), "B")["attended_days"] == 1


def test_joining_and_leaving_mid_month():
    data = dataset([person("J", start="2026-11-16"), person("X", end="2026-11-13"), person("Z", start="2026-12-01")],
                   [badge("J", "2026-11-10"), badge("J", "2026-11-16"), badge("X", "2026-11-02")])
    r = run(data)
    j, x = row(r, "J"), row(r, "X")
    assert (j["working_days"], j["attended_days"]) == (11, 1)  # the swipe before joining does not count
    assert (x["working_days"], x["attended_days"]) == (10, 1)
    assert "Z" not in r.people.column("staff_id").to_pylist()


def test_two_sites_one_day_and_duplicate_swipes_count_once():
    sw = [badge("T", NOV[0], "08:00:00"), badge("T", NOV[0], "08:00:00"), badge("T", NOV[0], "12:00:00", site="EDI"),
          badge("T", NOV[0], "15:00:00", source="booking_checkin")]
    r = row(run(dataset([person("T")], sw)), "T")
    assert r["attended_days"] == 1
    # only the home site counts
    away = dataset([person("H")], [badge("H", NOV[0], site="EDI"), badge("H", NOV[1])])
    assert row(run(away, count_sites="home"), "H")["attended_days"] == 1
    assert row(run(away), "H")["attended_days"] == 2


def test_local_london_date_near_midnight():
    # 23:30 UTC on 1 October 2026 is 00:30 BST on Friday 2 October; 00:10+01:00 on 5 October is Monday
    data = dataset([person("M")], [("M", "NPT", "2026-10-01T23:30:00Z", "badge"),
                                   ("M", "NPT", "2026-10-05T00:10:00+01:00", "badge"),
                                   ("M", "NPT", "2026-11-02T23:59:59+00:00", "badge")])
    days = explain(data, policy(), dt.date(2026, 10, 1), dt.date(2026, 11, 30), ["M"]).to_pylist()
    attended = [d["date"].isoformat() for d in days if d["status"] == "attended"]
    assert attended == ["2026-10-02", "2026-10-05", "2026-11-02"]


def test_week_and_rolling_periods():
    data = dataset([person("W")], [badge("W", d) for d in NOV[:3]])
    r = run(data, period="week")
    weeks = r.people.to_pylist()
    assert [(w["period_start"].day, w["working_days"], w["attended_days"]) for w in weeks] == \
        [(1, 0, 0)][:0] + [(2, 5, 3), (9, 5, 0), (16, 5, 0), (23, 5, 0), (30, 1, 0)]
    rolling = run(data, period="rolling_weeks:2").people.to_pylist()
    # windows end each Sunday (or 30 November) and reach back two weeks, into October for the first two
    assert [(w["period_start"], w["period_end"].day, w["working_days"], w["attended_days"]) for w in rolling] == [
        (dt.date(2026, 10, 19), 1, 10, 0), (dt.date(2026, 10, 26), 8, 10, 3), (dt.date(2026, 11, 2), 15, 10, 3),
        (dt.date(2026, 11, 9), 22, 10, 0), (dt.date(2026, 11, 16), 29, 10, 0), (dt.date(2026, 11, 23), 30, 6, 0)]
    assert run(data, period="rolling_weeks:2").organisation["required_days"] == 21  # each day once


def test_a_rolling_window_reaches_back_before_the_period():
    """1 to 4 October 2026 under a 4-week rolling window: the window ending on Sunday 4 October runs from
    Monday 7 September, and the September days count in it, with a note saying so."""
    september = [f"2026-09-{d:02d}" for d in range(7, 31) if dt.date(2026, 9, d).weekday() < 5]
    data = dataset([person("R")], [badge("R", d) for d in september])
    r = run(data, start="2026-10-01", end="2026-10-04", period="rolling_weeks:4")
    (w,) = r.people.to_pylist()
    assert (w["period_start"], w["period_end"]) == (dt.date(2026, 9, 7), dt.date(2026, 10, 4))
    assert (w["working_days"], w["attended_days"]) == (20, 18) and w["percent"] == pytest.approx(90.0)
    assert r.organisation["required_days"] == 2 and r.organisation["attended_days"] == 0  # 1 and 2 October
    assert any("reach back before the period" in n and "7 September 2026" in n for n in r.notes)


def test_hours_merge_intervals_and_single_swipe_rule():
    sw = [badge("H", NOV[0], "09:00:00"), badge("H", NOV[0], "13:00:00"),                 # 4 h
          badge("H", NOV[1], "10:00:00"),                                                # single swipe
          badge("H", NOV[2], "09:00:00"), badge("H", NOV[2], "11:00:00"),                # NPT 9-11
          badge("H", NOV[2], "10:00:00", site="EDI"), badge("H", NOV[2], "12:00:00", site="EDI"),  # EDI 10-12
          badge("H", NOV[3], "07:00:00"), badge("H", NOV[3], "19:00:00")]                # 12 h, capped
    data = dataset([person("H")], sw, [("H", NOV[5], "official_business"), ("H", NOV[6], "annual_leave")])
    r = row(run(data, unit="hours"), "H")
    assert r["required_hours"] == pytest.approx(20 * 7.4)
    assert r["attended_hours"] == pytest.approx(4 + 7.4 + 3 + 7.4)
    assert r["credited_hours"] == pytest.approx(7.4) and r["excluded_hours"] == pytest.approx(7.4)
    assert r["percent"] == pytest.approx(100 * (21.8 + 7.4) / 148)
    r2 = row(run(data, unit="hours", hours={"single_signal": "none", "cap_at_contracted_day": False}), "H")
    assert r2["attended_hours"] == pytest.approx(4 + 0 + 3 + 12)


def test_team_target_is_not_individual():
    data = dataset([person("A", team="X"), person("B", team="X"), person("C", team="Y")],
                   [badge("A", d) for d in NOV[:20]] + [badge("C", d) for d in NOV[:2]])
    r = run(data, target_of="team")
    assert all(p["target_met"] is None for p in r.people.to_pylist())
    teams = {t["team"]: t for t in r.teams.to_pylist()}
    assert teams["X"]["percent"] == pytest.approx(2000 / 42) and teams["X"]["target_met"] is True
    assert teams["Y"]["target_met"] is False and teams["X"]["people"] == 2


def test_site_targets_fixed_and_from_capacity():
    people = [person(f"D{i}", home="DAR") for i in range(3)] + [person("N1"), person("E1", home="EDI")]
    data = dataset(people, [badge("D0", d, site="DAR") for d in NOV[:7]] + [badge("N1", d) for d in NOV[:7]])
    r = run(data, sites={"DAR": {"desks": 1}, "EDI": {"target_percent": 20}})
    # DAR: 1 desk x 5 days / 15 person-days a week = 33.3% -> rounded down to 30%
    sites = {s["site_code"]: s for s in r.sites.to_pylist()}
    assert sites["DAR"]["target_percent"] == 30 and sites["EDI"]["target_percent"] == 20
    assert sites["NPT"]["target_percent"] == 40
    assert row(r, "D0")["target_percent"] == 30 and row(r, "D0")["target_met"] is True  # 7/21 = 33.3%
    assert row(r, "N1")["target_met"] is False
    big = run(data, sites={"DAR": {"desks": 10}})
    assert {s["site_code"]: s["target_percent"] for s in big.sites.to_pylist()}["DAR"] == 40  # capped


def test_organisation_target_and_purpose_led():
    pres = [("A", "NPT", f"{NOV[0]}T09:00:00Z", "badge", "team_anchor_day"),
            ("A", "NPT", f"{NOV[1]}T09:00:00Z", "badge", ""),
            ("B", "NPT", f"{NOV[0]}T09:00:00Z", "badge", "induction"),
            ("B", "NPT", f"{NOV[0]}T10:00:00Z", "badge", "")]
    data = dataset([person("A"), person("B")], pres)
    r = run(data, target_of="organisation", target_percent=5, purpose_led=True)
    assert r.organisation["attended_days"] == 3 and r.organisation["target_met"] is True
    assert {(x["purpose"], x["days"]) for x in r.purposes.to_pylist()} == \
        {("team_anchor_day", 1), ("induction", 1), ("(none recorded)", 1)}
    strict = run(data, target_of="organisation", target_percent=5, purpose_led=True, purpose_required=True)
    assert strict.organisation["attended_days"] == 2
    assert strict.organisation["percent"] == pytest.approx(200 / 42) and strict.organisation["target_met"] is False


def test_adjusted_expectation_and_exemption():
    adj = [("A", "2026-10-01", "", "20", "false"), ("X", "2026-11-16", "2026-11-30", "", "true")]
    data = dataset([person("A"), person("X"), person("N")],
                   [badge("A", d) for d in NOV[:5]] + [badge("X", d) for d in NOV[:4]], adjustments=adj)
    r = run(data)
    a, x = row(r, "A"), row(r, "X")
    assert a["target_percent"] == 20 and a["adjusted_expectation"] is True and a["target_met"] is True
    assert (x["excluded_days"], x["required_days"]) == (11, 10) and x["target_met"] is True  # 4/10
    assert row(r, "N")["adjusted_expectation"] is False


def test_versions_by_effective_date():
    pol = parse_policy({"name": "ONS", "unit": "days", "period": "month", "target_of": "person",
                        "exclude": ["bank_holiday"], "count": ["badge"], "credit": [],
                        "versions": [{"effective_from": "2026-10-01", "target_percent": 20},
                                     {"effective_from": "2026-11-01", "target_percent": 40}]})
    data = dataset([person("V")], [badge("V", "2026-10-05"), badge("V", "2026-10-06"), badge("V", NOV[0])])
    r = compute(data, pol, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert [(p["period_start"].month, p["target_percent"]) for p in r.people.to_pylist()] == [(10, 20), (11, 40)]
    with pytest.raises(Exception, match="no version"):
        compute(data, pol, dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def test_compare_two_policies_side_by_side():
    data = dataset([person("A"), person("B")], [badge("A", d) for d in NOV[:9]] + [badge("B", d) for d in NOV[:2]])
    c = compare(data, policy(), policy(target_of="organisation", target_percent=20), dt.date(2026, 11, 1),
                dt.date(2026, 11, 30))
    rows = {r["staff_id"]: r for r in c.people.to_pylist()}
    assert rows["A"]["periods_met_a"] == 1 and rows["A"]["periods_met_b"] == 0  # no individual target under b
    assert c.b.organisation["target_met"] is True and c.a.organisation["target_met"] is None


@pytest.mark.parametrize("target_of", ["person", "team", "site", "organisation"])
def test_a_group_is_judged_only_against_its_own_target(target_of):
    """A shared target is met or not by its group; individuals and other groups have no target to miss.
    Under a person target the groups count the people meeting theirs; under a shared one nobody has one."""
    data = dataset([person("A", team="X"), person("B", team="X"), person("C", team="Y", home="EDI")],
                   [badge("A", d) for d in NOV[:20]] + [badge("C", d) for d in NOV[:2]])
    r = run(data, target_of=target_of)
    levels = {"team": r.teams.to_pylist(), "site": r.sites.to_pylist(),
              "organisation": r.organisation_periods.to_pylist() + [r.organisation]}
    for level, rows in levels.items():
        for g in rows:
            assert g["target_of"] == target_of
            if level == target_of:
                assert g["target_met"] is (g["percent"] >= 40)
            else:
                assert g["target_met"] is None, (level, g)
            if target_of != "person":
                assert g.get("people_meeting_target") is None
    people = r.people.to_pylist()
    assert all((p["target_met"] is None) == (target_of != "person") for p in people)
    if target_of == "person":
        assert {t["team"]: t["people_meeting_target"] for t in r.teams.to_pylist()} == {"X": 1, "Y": 0}


def test_site_weekly_average_daily_attendance():
    data = dataset([person("A"), person("B"), person("C"), person("D", home="EDI")],
                   [badge("A", NOV[0]), badge("B", NOV[0]), badge("A", NOV[1]), badge("A", NOV[1], site="EDI"),
                    badge("D", NOV[0], site="EDI")])
    weeks = {(w["site_code"], w["week_start"].day): w for w in run(data).site_weekly.to_pylist()}
    npt = weeks[("NPT", 2)]
    assert npt["open_days"] == 5 and npt["headcount"] == 3
    assert npt["average_daily_individuals"] == pytest.approx(3 / 5)
    assert npt["percent_of_headcount"] == pytest.approx(100 * 0.6 / 3)
    # Edinburgh counts A (visiting) and D: two person-days over five open days.
    assert weeks[("EDI", 2)]["average_daily_individuals"] == pytest.approx(2 / 5)
    # Monday 30 November 2026 is St Andrew's Day, a bank holiday in Scotland only: England and Wales sites have
    # one open day that week; Edinburgh has none, so it has no weekly row at all.
    assert weeks[("NPT", 30)]["open_days"] == 1
    assert ("EDI", 30) not in weeks


def test_explain_agrees_with_compute_and_slow_path_agrees_with_fast():
    pres = [badge("A", d) for d in NOV[::2]] + [badge("B", d, site="EDI") for d in NOV[1::3]]
    absn = [("A", NOV[1], "annual_leave"), ("A", NOV[3], "official_business"), ("B", NOV[2], "sickness")]
    data = dataset([person("A"), person("B", home="EDI", days="Mon;Wed;Fri")], pres, absn)
    r = run(data)
    days = explain(data, policy(), dt.date(2026, 11, 1), dt.date(2026, 11, 30), ["A", "B"]).to_pylist()
    for p in r.people.to_pylist():
        mine = [d for d in days if d["staff_id"] == p["staff_id"]]
        assert len(mine) == p["working_days"]
        for status, key in (("attended", "attended_days"), ("credited", "credited_days"),
                            ("excluded", "excluded_days")):
            assert sum(d["status"] == status for d in mine) == p[key]
    fast, slow = [], []
    for flag, out in ((False, fast), (True, slow)):
        con = connect()
        rn = _Run(con, data, policy(), dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        rn.person_table(slow=flag)
        out.extend(con.execute("SELECT * EXCLUDE (attended_hours) FROM pp ORDER BY staff_id, pid").fetchall())
        con.close()
    assert fast == slow and len(fast) == 2


def test_a_policy_naming_a_site_missing_from_the_sites_is_refused():
    data = dataset([person("A")], [badge("A", NOV[0])])
    with pytest.raises(PolicyError, match=r"sites\.GLA.*not a site"):
        run(data, sites={"GLA": {"desks": 10}})
