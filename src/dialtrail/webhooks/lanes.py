"""The delivery worker's flow control: how many deliveries each webhook may hold and send.

Each webhook has a lane. At most ``PER_WEBHOOK`` of its requests are in flight at once, of the
worker's whole concurrency, so a receiver that hangs ties up its own lane and nothing else:
every other webhook's deliveries keep being claimed, sent and recorded meanwhile. The lane is
per webhook rather than per destination host because a webhook is one tenant's choice:
several tenants posting to one big CRM host must not slow each other down, and the claim
query can filter by webhook but not by a host inside a URL.

A webhook may also *hold* (have claimed and not yet recorded) more than it sends: its
``PER_WEBHOOK`` plus twice as many deliveries as it completed in the last ``RECENT_SECONDS``,
about what it will get through in twice that time (well inside a claim's 60 seconds, after
the 15-second timeout and the recording). A fast receiver so gets whole batches per
claim (the database work per delivery stays low), a slow or silent one only what it is
sending, and no claim waits so long that it runs out before its request goes. A lane younger
than ``RECENT_SECONDS`` counts at the rate it has completed so far (over at least
``SHORTEST_WINDOW``): a fresh worker reaches whole batches after a round or two rather than
doubling its hold round after round, each time waiting with nothing left to send.

Fairness. A webhook whose receiver answers, however slowly, earns room to hold a whole claim;
with a backlog it would take every place that frees up (claims go oldest first) and another
tenant's new delivery would wait behind the whole backlog. So the worker (worker.py) looks
first for due deliveries of webhooks that hold nothing (``Lanes.holding`` are passed over)
and gives each up to ``PER_WEBHOOK``; and webhooks already holding some may fill only
``HOLD`` of the worker's ``HOLD + RESERVE``, so those places are there for newcomers even
when backlogs fill the rest. A webhook with nothing held is so never behind another's backlog:
it waits at most for the next round that looks (at once after a commit woke the worker,
otherwise within ``NEWCOMERS_SECONDS``), and only behind other newcomers if more than
``RESERVE / PER_WEBHOOK`` of them arrive at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

PER_WEBHOOK = 16
RECENT_SECONDS = 10.0
SHORTEST_WINDOW = 1.0


@dataclass
class Lane:
    sending: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PER_WEBHOOK))
    held: int = 0
    completed: deque[float] = field(default_factory=deque)  # when, on the lanes' clock
    closed: bool = False  # the webhook was disabled: what it still holds is not sent
    since: float = 0.0  # when the lane was opened, on the lanes' clock


class Lanes:
    def __init__(self, most: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.most = most  # the most one webhook may hold: a whole claim
        self.clock = clock
        self.lanes: dict[int, Lane] = {}

    def lane(self, webhook_id: int) -> Lane:
        lane = self.lanes.get(webhook_id)
        if lane is None:
            lane = self.lanes[webhook_id] = Lane(since=self.clock())
        return lane

    def took(self, webhook_id: int) -> Lane:
        """A delivery of the webhook was claimed: the lane holds it until it is recorded."""
        lane = self.lane(webhook_id)
        lane.held += 1
        lane.closed = False  # claimed again, so enabled again
        return lane

    def done(self, webhook_id: int, sent: bool) -> None:
        """A held delivery was recorded; ``sent`` unless it was handed back unsent."""
        lane = self.lanes[webhook_id]
        lane.held -= 1
        if sent:
            lane.completed.append(self.clock())
            if len(lane.completed) > self.most:
                lane.completed.popleft()

    def holding(self) -> set[int]:
        """The webhooks holding at least one delivery."""
        return {webhook_id for webhook_id, lane in self.lanes.items() if lane.held > 0}

    def room(self) -> dict[int, int]:
        """How many more deliveries each webhook with a lane may claim now (one not listed:
        ``PER_WEBHOOK``). Lanes with nothing held and nothing recent are forgotten."""
        now = self.clock()
        room = {}
        for webhook_id, lane in list(self.lanes.items()):
            recent = completed_since(lane.completed, now - RECENT_SECONDS)
            if lane.held == 0 and recent == 0:
                del self.lanes[webhook_id]
                continue
            ahead = PER_WEBHOOK + claimed_ahead(recent, now - lane.since)
            room[webhook_id] = max(0, min(self.most, ahead) - lane.held)
        return room


def claimed_ahead(recent: int, age: float) -> int:
    """What a lane may hold beyond what it sends: what it completed in the last
    ``RECENT_SECONDS``, twice; for a younger lane, at the rate it completed them so far."""
    window = min(RECENT_SECONDS, max(SHORTEST_WINDOW, age))
    return int(2 * recent * RECENT_SECONDS / window)


def completed_since(completed: deque[float], since: float) -> int:
    while completed and completed[0] < since:
        completed.popleft()
    return len(completed)


def chosen(
    candidates: Iterable[tuple[int, int]], room: dict[int, int], held: Collection[int]
) -> list[int]:
    """Of due (delivery id, webhook id) pairs in claim order, those each webhook has room for
    (and none this worker already holds); ``room`` is left with what remains of it."""
    picked = []
    for delivery_id, webhook_id in candidates:
        available = room.get(webhook_id, PER_WEBHOOK)
        if available > 0 and delivery_id not in held:
            picked.append(delivery_id)
            room[webhook_id] = available - 1
    return picked
