"""Hypothesis properties of the engine over small random months."""

from __future__ import annotations

import random

from helpers import dataset, person, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAYS = [f"2026-11-{d:02d}" for d in range(1, 31)]
PEOPLE = [person("A"), person("B", home="EDI", days="Mon;Tue;Wed"), person("C", start="2026-11-10")]
swipe = st.tuples(st.sampled_from("ABC"), st.sampled_from(["NPT", "EDI"]), st.sampled_from(DAYS),
                  st.integers(0, 23), st.sampled_from(["badge", "booking_checkin", "booking"]))
absence = st.tuples(st.sampled_from("ABC"), st.sampled_from(DAYS),
                    st.sampled_from(["annual_leave", "sickness", "special_leave", "training", "official_business"]))


def rows(sw):
    return [(s, site, f"{d}T{h:02d}:15:00+00:00", src) for s, site, d, h, src in sw]


def figures(result):
    return sorted((r["staff_id"], r["required_days"], r["attended_days"], r["excluded_days"], r["credited_days"])
                  for r in result.people.to_pylist())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(swipe, max_size=25), st.lists(absence, max_size=8), st.randoms(use_true_random=False),
       st.sampled_from(["A", "B", "C"]), st.sampled_from(DAYS))
def test_engine_properties(sw, ab, rnd: random.Random, who, extra_day):
    base = run(dataset(PEOPLE, rows(sw), ab))
    for r in base.people.to_pylist():
        assert r["percent"] is None or 0 <= r["percent"] <= 100
        assert r["attended_days"] + r["credited_days"] <= r["required_days"] + 0
    # permuting rows and duplicating swipes changes nothing
    shuffled_sw, shuffled_ab = list(rows(sw)), list(ab)
    rnd.shuffle(shuffled_sw)
    rnd.shuffle(shuffled_ab)
    dup = shuffled_sw + shuffled_sw[: len(shuffled_sw) // 2]
    other = run(dataset(list(reversed(PEOPLE)), dup, shuffled_ab))
    assert figures(other) == figures(base)
    assert other.organisation == base.organisation
    # adding a presence day never lowers anyone's percent
    more = run(dataset(PEOPLE, rows(sw) + [(who, "NPT", f"{extra_day}T10:00:00+00:00", "badge")], ab))
    before = {(r["staff_id"]): r["percent"] for r in base.people.to_pylist()}
    for r in more.people.to_pylist():
        if before[r["staff_id"]] is not None:
            assert r["percent"] >= before[r["staff_id"]] - 1e-9
