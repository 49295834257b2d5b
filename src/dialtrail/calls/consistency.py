"""The checks that keep a call's events consistent with each other (docs/design.md §5), pure.

Events may arrive in any order, but what they say must fit together: talk time is part of
the whole call, ``answered`` and ``ended`` do not happen before ``started``, a call has one
caller and one tracking number. An event that contradicts the call's other events is refused
with a 422 naming its field, rather than stored and silently ignored (or turned into a call
that ends before it starts). Providers' clocks disagree by a few seconds, so times are
compared with ``CLOCK_TOLERANCE``; within it, progress.py clamps the times into order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from dialtrail.calls.events import TelephonyEvent
from dialtrail.described import iso

CLOCK_TOLERANCE = timedelta(seconds=10)


@dataclass(frozen=True)
class Contradiction:
    field: str
    message: str


def contradiction(recorded: Sequence[TelephonyEvent], new: TelephonyEvent) -> Contradiction | None:
    """What makes ``new`` impossible next to the call's ``recorded`` events, if anything."""
    return (
        own_contradiction(new)
        or identity_contradiction(recorded, new)
        or order_contradiction({event.event: event for event in [*recorded, new]}, new)
    )


def own_contradiction(event: TelephonyEvent) -> Contradiction | None:
    talk, duration = event.talk_seconds, event.duration_seconds
    if talk is not None and duration is not None and talk > duration:
        return Contradiction(
            "talk_seconds",
            f"{talk} seconds of talk is more than the whole call's duration_seconds "
            f"({duration}): talk time is part of the call",
        )
    return None


def identity_contradiction(
    recorded: Sequence[TelephonyEvent], new: TelephonyEvent
) -> Contradiction | None:
    """A call has one caller and one tracking number; an event that does not say (a withheld
    caller, a Twilio callback about the forwarded leg) contradicts nothing."""
    for event in recorded:
        caller, new_caller = caller_of(event), caller_of(new)
        if caller and new_caller and caller != new_caller:
            return different("caller", new_caller, caller, event)
        if event.called and new.called and event.called != new.called:
            return different("called", new.called, event.called, event)
    return None


def caller_of(event: TelephonyEvent) -> str | None:
    return event.caller or event.caller_raw


def different(field: str, given: str, known: str, event: TelephonyEvent) -> Contradiction:
    return Contradiction(
        field,
        f"this call's {event.event} event gave {field} {known!r}, not {given!r}: an event of "
        "the same call_id cannot change it (a new call needs its own call_id)",
    )


def order_contradiction(
    by_name: dict[str, TelephonyEvent], new: TelephonyEvent
) -> Contradiction | None:
    return (
        before_start(by_name, new)
        or not_fitting("duration_seconds", by_name.get("started"), by_name, new)
        or not_fitting(
            "talk_seconds", by_name.get("answered") or by_name.get("started"), by_name, new
        )
    )


def before_start(by_name: dict[str, TelephonyEvent], new: TelephonyEvent) -> Contradiction | None:
    """``answered`` not before ``started``; ``ended`` before neither."""
    pairs = [("started", "answered"), ("started", "ended"), ("answered", "ended")]
    for first, then in pairs:
        earlier, later = by_name.get(first), by_name.get(then)
        if earlier and later and later.at < earlier.at - CLOCK_TOLERANCE:
            return Contradiction(
                "at",
                f"the call cannot be {then} at {iso(later.at)}, before it was {first} at "
                f"{iso(earlier.at)}: events may arrive in any order, but their times must fit",
            )
    return None


def not_fitting(
    name: str,
    since: TelephonyEvent | None,
    by_name: dict[str, TelephonyEvent],
    new: TelephonyEvent,
) -> Contradiction | None:
    """The ended event's ``duration_seconds`` is the time from ``started`` to ``ended``;
    its ``talk_seconds`` fit between ``answered`` (else ``started``) and ``ended``."""
    ended = by_name.get("ended")
    seconds = getattr(ended, name) if ended else None
    if ended is None or since is None or seconds is None:
        return None
    span = ended.at - since.at
    given = timedelta(seconds=seconds)
    if given <= span + CLOCK_TOLERANCE and (
        name == "talk_seconds" or given >= span - CLOCK_TOLERANCE
    ):
        return None
    return Contradiction(
        name if new.event == "ended" else "at",
        f"{name} {seconds} does not fit the {whole(span)} seconds from {since.event} at "
        f"{iso(since.at)} to ended at {iso(ended.at)}",
    )


def whole(span: timedelta) -> int:
    return round(span.total_seconds())
