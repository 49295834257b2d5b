"""The worker's lanes on their own (time injected): what each webhook may claim."""

from __future__ import annotations

from dialtrail.webhooks.lanes import (
    PER_WEBHOOK,
    RECENT_SECONDS,
    SHORTEST_WINDOW,
    Lanes,
    chosen,
)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_a_webhook_holds_its_lane_plus_twice_what_it_just_completed() -> None:
    clock = Clock()
    lanes = Lanes(most=200, clock=clock)
    for _ in range(PER_WEBHOOK):
        lanes.took(7)
    assert lanes.room() == {7: 0}  # a new webhook: only what it can send at once

    clock.now += RECENT_SECONDS  # a lane open this long counts its last RECENT_SECONDS
    for _ in range(5):
        lanes.done(7, sent=True)
    still_held = PER_WEBHOOK - 5
    assert lanes.room() == {7: PER_WEBHOOK + 2 * 5 - still_held}

    clock.now += RECENT_SECONDS + 1
    assert lanes.room() == {7: PER_WEBHOOK - still_held}  # a quiet receiver earns nothing


def test_a_young_lane_counts_at_the_rate_it_completed_so_far() -> None:
    """Five completed in its first half second: as if at that pace for the whole window (but
    measured over at least SHORTEST_WINDOW), so a fresh worker soon claims whole batches."""
    clock = Clock()
    lanes = Lanes(most=400, clock=clock)
    for _ in range(PER_WEBHOOK):
        lanes.took(7)
    clock.now += SHORTEST_WINDOW / 2
    for _ in range(5):
        lanes.done(7, sent=True)
    per_window = 5 * RECENT_SECONDS / SHORTEST_WINDOW
    assert lanes.room() == {7: PER_WEBHOOK + int(2 * per_window) - (PER_WEBHOOK - 5)}

    clock.now += 3 * SHORTEST_WINDOW  # the same five over 3.5 s: a slower pace
    assert lanes.room() == {7: PER_WEBHOOK + int(2 * 5 * RECENT_SECONDS / 3.5) - 11}


def test_a_fast_webhook_may_hold_a_whole_claim_and_no_more() -> None:
    lanes = Lanes(most=20, clock=Clock())
    for _ in range(50):
        lanes.took(7)
        lanes.done(7, sent=True)
    assert lanes.room() == {7: 20}


def test_deliveries_handed_back_unsent_earn_nothing() -> None:
    lanes = Lanes(most=200, clock=Clock())
    lanes.took(7)
    lanes.took(7)
    lanes.done(7, sent=False)
    assert lanes.room() == {7: PER_WEBHOOK - 1}


def test_an_idle_lane_is_forgotten() -> None:
    clock = Clock()
    lanes = Lanes(most=200, clock=clock)
    lanes.took(7)
    lanes.done(7, sent=True)
    assert 7 in lanes.room()
    clock.now += RECENT_SECONDS + 1
    assert lanes.room() == {}
    assert lanes.lanes == {}


def test_a_claim_takes_what_each_webhook_has_room_for() -> None:
    due = [(1, 7), (2, 7), (3, 8), (4, 7), (5, 9), (6, 9), (7, 8)]
    # 7 has room for 2; 8 is unknown (a whole lane); 9 holds delivery 5 already.
    room = {7: 2, 9: 3}
    assert chosen(due, room, held={5}) == [1, 2, 3, 6, 7]
    assert room == {7: 0, 8: PER_WEBHOOK - 2, 9: 2}  # what is left for a second look
    assert chosen(due, {7: 0, 8: 0, 9: 0}, held=set()) == []


def test_it_names_the_webhooks_holding_some() -> None:
    """The ones a claim passes over when it first looks for newcomers (worker.py)."""
    lanes = Lanes(most=200, clock=Clock())
    lanes.took(7)
    lanes.took(8)
    lanes.done(8, sent=True)  # 8 holds nothing now, though it has a lane
    assert lanes.holding() == {7}
