"""A call's times, durations and disposition, rebuilt from all its events (docs/design.md §5).

Rebuilding from the whole set, rather than patching the call event by event, makes the result
independent of arrival order: ``ended`` then ``started`` gives the same call as ``started``
then ``ended``. Values the provider gave win; the others are derived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialtrail.calls.events import TelephonyEvent


@dataclass(frozen=True)
class Progress:
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    talk_seconds: int | None
    duration_seconds: int | None
    disposition: str | None
    recording_url: str | None
    destination: str | None
    caller: str | None
    caller_raw: str | None


def progress(events: Sequence[TelephonyEvent]) -> Progress:
    """The call the events describe; they were checked by consistency.py, so their times are
    in order up to a few seconds of clock skew, which is clamped here: a call never ends
    before it starts and wait + talk never exceed the duration that was derived."""
    by_name = {event.event: event for event in events}
    started, answered, ended = (by_name.get(name) for name in ("started", "answered", "ended"))
    started_at = started.at if started else estimated_start(answered, ended)
    answered_at = max(answered.at, started_at) if answered else None
    ended_at = max(ended.at, answered_at or started_at) if ended else None
    talk = talk_seconds(answered_at, ended, ended_at)
    wait = seconds_between(started_at, answered_at) if answered_at else None
    duration = duration_seconds(started_at, ended, ended_at, (wait or 0) + (talk or 0))
    return Progress(
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        wait_seconds=wait if answered_at else unanswered_wait(duration, talk),
        talk_seconds=talk,
        duration_seconds=duration,
        disposition=disposition(answered_at, ended, talk),
        recording_url=last_given(events, "recording_url"),
        destination=last_given(events, "destination"),
        caller=last_given(events, "caller"),
        caller_raw=last_given(events, "caller_raw"),
    )


def estimated_start(answered: TelephonyEvent | None, ended: TelephonyEvent | None) -> datetime:
    """The earliest moment the other events imply (``ended_at - duration`` when known): an
    ``ended`` without ``started`` still yields a complete call."""
    bounds = [event.at for event in (answered, ended) if event is not None]
    if ended is not None:
        for seconds in (ended.duration_seconds, ended.talk_seconds):
            if seconds is not None:
                bounds.append(ended.at - timedelta(seconds=seconds))
    return min(bounds)


def talk_seconds(
    answered_at: datetime | None, ended: TelephonyEvent | None, ended_at: datetime | None
) -> int | None:
    if ended is None or ended_at is None:
        return None
    if ended.talk_seconds is not None:
        return ended.talk_seconds
    return seconds_between(answered_at, ended_at) if answered_at else 0


def duration_seconds(
    started_at: datetime, ended: TelephonyEvent | None, ended_at: datetime | None, parts: int
) -> int | None:
    """As given, else from start to end but never less than its ``parts`` (wait + talk): an
    ``ended`` that gives only its talk time lasted at least that long."""
    if ended is None or ended_at is None:
        return None
    if ended.duration_seconds is not None:
        return ended.duration_seconds
    return max(seconds_between(started_at, ended_at), parts)


def unanswered_wait(duration: int | None, talk: int | None) -> int | None:
    """Ringing time when the answer's time is unknown: the part of the call that was not
    talk (the whole call when nobody answered); None while the call goes on."""
    if duration is None:
        return None
    return max(0, duration - (talk or 0))


def disposition(
    answered_at: datetime | None, ended: TelephonyEvent | None, talk: int | None
) -> str | None:
    if ended is None:
        return "answered" if answered_at else None
    if ended.disposition:
        return ended.disposition
    return "answered" if answered_at or (talk or 0) > 0 else "no_answer"


def last_given(events: Sequence[TelephonyEvent], name: str) -> str | None:
    """The value the latest event (by its own time) gave; ``started`` wins a tie."""
    order = {"started": 0, "answered": 1, "ended": 2}
    given = [event for event in events if getattr(event, name) is not None]
    given.sort(key=lambda event: (event.at, order[event.event]))
    value: str | None = getattr(given[-1], name) if given else None
    return value


def seconds_between(earlier: datetime, later: datetime) -> int:
    # Providers' clocks disagree by a second here and there; never a negative duration.
    return max(0, round((later - earlier).total_seconds()))
