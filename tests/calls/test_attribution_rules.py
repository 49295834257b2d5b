"""docs/design.md §4 attribution rules 1-5, as a pure function of the number, its leases and T."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialtrail.calls.attribution import LeaseFacts, NumberFacts, attribute

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POOL = NumberFacts("pool")
LATE = 1800


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


def lease(session_id: int, start: float, end: float, renewed: float | None = None) -> LeaseFacts:
    """A lease from T+start to T+end minutes, last renewed at T+renewed."""
    renewed_at = T + minutes(renewed if renewed is not None else start)
    return LeaseFacts(session_id, T + minutes(start), T + minutes(end), renewed_at, session_id)


def test_it_attributes_a_call_during_a_live_lease_to_its_session() -> None:
    found = attribute(POOL, [lease(7, -3, 2)], T, LATE)

    assert (found.attribution, found.session_id, found.insertion_type) == ("session", 7, "dynamic")
    assert found.candidate_session_ids == ()


def test_it_does_not_count_a_lease_that_ended_exactly_at_the_call() -> None:
    found = attribute(POOL, [lease(7, -10, 0)], T, LATE)

    assert found.attribution == "late"


def test_it_picks_the_most_recently_active_of_shared_leases_and_keeps_the_others() -> None:
    leases = [lease(1, -20, 5, renewed=-4), lease(2, -10, 5, renewed=-1), lease(3, -5, 5)]

    found = attribute(POOL, leases, T, LATE)

    assert (found.attribution, found.session_id) == ("ambiguous", 2)
    assert found.candidate_session_ids == (1, 3)  # most recently active first


def test_it_attributes_a_late_call_to_the_last_holder_within_the_window() -> None:
    leases = [lease(1, -60, -40), lease(2, -30, -10)]

    found = attribute(POOL, leases, T, LATE)

    assert (found.attribution, found.session_id) == ("late", 2)


def test_it_does_not_call_late_a_call_after_the_window() -> None:
    found = attribute(POOL, [lease(2, -60, -30)], T, LATE)

    assert (found.attribution, found.session_id, found.insertion_type) == ("none", None, "dynamic")


def test_it_flags_a_late_call_two_holders_could_have_made() -> None:
    # Both leases ended within the late window: either visitor may be calling late.
    leases = [lease(1, -30, -20), lease(2, -15, -10)]

    found = attribute(POOL, leases, T, LATE)

    assert (found.attribution, found.session_id) == ("ambiguous", 2)  # the last to end
    assert found.candidate_session_ids == (1,)
    assert attribute(POOL, leases, T, 0).attribution == "none"


def test_it_flags_a_live_lease_whose_number_the_previous_holder_left_within_the_window() -> None:
    # Visitor 1 left 5 minutes ago and may be calling late; visitor 2 holds the number now.
    leases = [lease(1, -30, -5), lease(2, -4, 10)]

    found = attribute(POOL, leases, T, LATE)

    assert (found.attribution, found.session_id) == ("ambiguous", 2)
    assert found.candidate_session_ids == (1,)


def test_it_names_the_holder_without_doubt_once_the_previous_one_is_past_the_window() -> None:
    leases = [lease(1, -60, -31), lease(2, -4, 10)]

    found = attribute(POOL, leases, T, LATE)

    assert (found.attribution, found.session_id) == ("session", 2)


def test_it_flags_a_call_from_a_caller_whose_earlier_call_named_another_session() -> None:
    # The caller rang this number before, from session 9's visit: calling back from the log.
    found = attribute(POOL, [lease(2, -4, 10)], T, LATE, earlier=[9])

    assert (found.attribution, found.session_id, found.candidate_session_ids) == (
        "ambiguous",
        2,
        (9,),
    )


def test_it_has_no_doubt_when_the_earlier_call_named_the_same_session() -> None:
    found = attribute(POOL, [lease(2, -4, 10)], T, LATE, earlier=[2])

    assert (found.attribution, found.session_id) == ("session", 2)


def test_an_earlier_call_alone_names_nobody() -> None:
    found = attribute(POOL, [], T, LATE, earlier=[9])

    assert (found.attribution, found.session_id) == ("none", None)


def test_it_labels_a_call_to_a_static_number_with_its_source() -> None:
    found = attribute(NumberFacts("static", "Billboard A40"), [], T, LATE)

    assert (found.attribution, found.insertion_type) == ("static", "static")
    assert found.source_label == "Billboard A40"


def test_it_attributes_nothing_for_an_unknown_number() -> None:
    found = attribute(NumberFacts(None), [], T, LATE)

    assert (found.attribution, found.insertion_type, found.session_id) == ("none", "none", None)


def test_it_treats_two_leases_of_one_session_as_no_doubt() -> None:
    found = attribute(POOL, [lease(4, -10, 5), lease(4, -5, 5)], T, LATE)

    assert (found.attribution, found.session_id) == ("session", 4)
