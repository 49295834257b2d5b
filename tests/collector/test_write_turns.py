"""Turns at SQLite's write lock between the collector's writer and the deriver (writer.Turns):
the writer goes first, the deriver in the gaps, or after its patience with a short batch."""

from __future__ import annotations

import threading
from collections.abc import Callable

from dialtrail.collector.writer import Turns, turns_for
from tests.support.databases import Database

LIVENESS = 30.0  # seconds: only a broken hand-over waits this long


def in_thread(work: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def deriver_turn(turns: Turns, entered: threading.Event, leave: threading.Event) -> list[bool]:
    pressed: list[bool] = []

    def work() -> None:
        with turns.turn(first=False) as was_pressed:
            pressed.append(was_pressed)
            entered.set()
            leave.wait(LIVENESS)

    in_thread(work)
    return pressed


def test_the_writer_takes_the_lock_as_the_deriver_commits() -> None:
    turns = Turns()
    entered, leave, written = threading.Event(), threading.Event(), threading.Event()
    deriver_turn(turns, entered, leave)
    assert entered.wait(LIVENESS)

    def writer() -> None:
        with turns.turn():
            written.set()

    in_thread(writer)
    leave.set()
    assert written.wait(LIVENESS)


def test_the_deriver_waits_while_requests_are_queued_for_the_writer() -> None:
    turns = Turns(patience=LIVENESS * 10)
    busy = threading.Event()
    busy.set()
    turns.writer_busy = busy.is_set
    with turns.turn():  # the writer holds the lock; the deriver arrives
        entered, leave = threading.Event(), threading.Event()
        pressed = deriver_turn(turns, entered, leave)
    # Requests still queued: the writer's next turn is free at once (had the deriver taken
    # the lock, this would wait for it to leave, which it never does before the end).
    writer_again = threading.Event()
    in_thread(lambda: writer_turn(turns, writer_again))
    assert writer_again.wait(LIVENESS)
    busy.clear()  # the writer's queue is empty: the deriver's turn
    with turns.turn():
        pass
    assert entered.wait(LIVENESS)
    assert pressed == [False]
    leave.set()


def writer_turn(turns: Turns, done: threading.Event) -> None:
    with turns.turn():
        done.set()


def test_a_deriver_kept_waiting_takes_a_short_turn_after_its_patience() -> None:
    turns = Turns(patience=0.01)
    turns.writer_busy = lambda: True  # requests always waiting
    entered, leave = threading.Event(), threading.Event()
    pressed = deriver_turn(turns, entered, leave)
    assert entered.wait(LIVENESS)
    assert pressed == [True]  # told to keep its batch short
    leave.set()


def test_turns_are_taken_on_sqlite_only(database: Database) -> None:
    turns = turns_for(database.sessions)
    assert turns.enabled == (database.backend == "sqlite")
    off = Turns(enabled=False)
    with off.turn(), off.turn(first=False) as pressed:  # nothing waits for anything
        assert pressed is False
