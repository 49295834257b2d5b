"""The attribution simulation (tests/support/simulation.py): its classification on hand-built
visits whose outcome is known, through the real collector and call ingest on an injected clock,
and a small fixed-seed run of synthetic traffic. The full sweep is benchmarks/attribution.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.databases import Database
from tests.support.simulation import START, PoolRules, Result, Simulation, classify
from tests.support.traffic import PlannedCall, TrafficShape, Visit, visits

HOLD = 300


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def visit(index: int, start: float, length: float, kind: str = "reader") -> Visit:
    """A visitor's session with one page view at ``start`` seconds and no pings."""
    return Visit(index, index, kind, at(start), [0.0], [], length)


def call(by: Visit, seconds: float, timing: str = "after") -> PlannedCall:
    by.calls.append(PlannedCall(by.visitor, at(seconds), timing, by.session, by.session))
    return by.calls[-1]


def replay(database: Database, pool: int, *planned: Visit) -> Result:
    simulation = Simulation(database.sessions, PoolRules(pool, HOLD))
    return simulation.replay(list(planned), at(24 * 3600))


def outcomes(result: Result) -> list[tuple[str, str]]:
    return [(call.attribution, call.outcome) for call in result.calls]


@pytest.mark.storage_agnostic
def test_it_tells_correct_flagged_and_silent_apart() -> None:
    assert classify("session", "a", [], "a") == "session"
    assert classify("late", "a", [], "a") == "late"
    assert classify("ambiguous", "b", ["a"], "a") == "ambiguous_true"
    assert classify("ambiguous", "b", ["c"], "a") == "ambiguous_other"
    assert classify("none", None, [], "a") == "none"
    assert classify("session", "b", [], "a") == "silent_session"
    assert classify("late", "b", [], "a") == "silent_late"


def test_a_call_while_the_lease_lives_names_its_session(database: Database) -> None:
    first = visit(0, 0, 60)
    call(first, 200, "during")
    assert outcomes(replay(database, 1, first)) == [("session", "session")]


def test_two_visitors_one_number_and_a_call_in_between(database: Database) -> None:
    # The first visitor's lease ends at 300 s; the call comes at 400 s, before the second
    # visitor (at 900 s) is given the same number: the first visitor's late call.
    first, second = visit(0, 0, 60), visit(1, 900, 60)
    call(first, 400)
    assert outcomes(replay(database, 1, first, second)) == [("late", "late")]


def test_a_late_call_after_release_names_the_last_holder(database: Database) -> None:
    first = visit(0, 0, 60)
    call(first, HOLD + 20 * 60)  # 20 minutes after the lease ended, inside the late window
    assert outcomes(replay(database, 1, first)) == [("late", "late")]


def test_a_call_too_late_names_nobody(database: Database) -> None:
    first = visit(0, 0, 60)
    call(first, HOLD + 40 * 60)
    assert outcomes(replay(database, 1, first)) == [("none", "none")]


def test_a_shared_number_makes_the_call_ambiguous(database: Database) -> None:
    first, second = visit(0, 0, 60), visit(1, 30, 60)  # one number: the second shares it
    call(first, 90, "during")
    assert outcomes(replay(database, 1, first, second)) == [("ambiguous", "ambiguous_true")]


def test_a_call_after_the_number_was_leased_again_is_flagged_not_credited(
    database: Database,
) -> None:
    # The first visitor's lease ends at 300 s, the second visitor gets the number at 400 s,
    # and the first calls at 500 s: the second holds it, but the first may be the caller.
    first, second = visit(0, 0, 60), visit(1, 400, 60)
    call(first, 500)
    assert outcomes(replay(database, 1, first, second)) == [("ambiguous", "ambiguous_true")]


def test_a_caller_back_from_the_log_is_flagged_when_another_visit_holds_the_number(
    database: Database,
) -> None:
    first, second = visit(0, 0, 60), visit(1, 5 * 3600, 600)
    call(first, 100, "during")
    again = PlannedCall(first.visitor, at(5 * 3600 + 300), "again", 0, 0)
    first.calls.append(again)
    assert outcomes(replay(database, 1, first, second)) == [
        ("session", "session"),
        ("ambiguous", "ambiguous_true"),
    ]


def test_a_small_simulation_misattributes_no_call_silently(database: Database) -> None:
    # An hour and a half of traffic rich in callers on a pool of 3 numbers: numbers are shared
    # and leased again minutes after their release, where silent errors hide. (Under the rules
    # before the late window's candidates, this seed gave 4 silent misattributions of 34.)
    shape = TrafficShape(hours=1.5, visitors_per_hour=30, busiest_hour=1, caller_share=0.6)
    result = Simulation(database.sessions, PoolRules(3, HOLD)).run(shape, seed=3)
    counts = result.counts()
    assert len(result.calls) >= 20
    assert counts["ambiguous_true"] > 0, counts  # the pool was short: doubt was flagged
    assert result.silent == 0, counts


def test_the_simulated_traffic_is_the_same_for_one_seed() -> None:
    shape = TrafficShape(hours=2)
    assert visits(shape, START, 3) == visits(shape, START, 3)
    assert visits(shape, START, 3) != visits(shape, START, 4)
