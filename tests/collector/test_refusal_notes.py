"""How often the collector writes down a refused origin: at most once a minute per project."""

from __future__ import annotations

from dialtrail.collector.jobs import RefusalNotes


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refusal_is_written_once_a_minute_per_project() -> None:
    clock = Clock()
    notes = RefusalNotes(every=60.0, clock=clock)

    first = notes.due("key-a")
    again = notes.due("key-a")
    other_project = notes.due("key-b")
    clock.now += 59.9
    still_too_soon = notes.due("key-a")
    clock.now += 0.2
    a_minute_later = notes.due("key-a")

    assert (first, again, other_project) == (True, False, True)
    assert (still_too_soon, a_minute_later) == (False, True)
