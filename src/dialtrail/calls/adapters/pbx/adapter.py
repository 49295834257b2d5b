"""What each PBX adapter provides to the shared listener: how to log in, how to follow calls
in its events, and its settings table. asterisk/ and freeswitch/ each define one ``Pbx``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dialtrail.calls.adapters.pbx.connections import Target
from dialtrail.calls.adapters.pbx.events import ChannelsUp, PbxEvent
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.calls.adapters.pbx.networks import Network


class Connection(Protocol):
    """A logged-in connection following the PBX's events."""

    def messages(self) -> AsyncIterator[Mapping[str, str] | ChannelsUp]:
        """First asks the PBX which channels are up; then yields each event as its fields, and
        the answer to that question where it comes in the stream (once). Raises
        ConnectionProblem when the connection is lost."""
        ...

    async def close(self) -> None: ...


class Tracker(Protocol):
    """Pure: follows calls through the PBX's events and says what happened to each."""

    def feed(self, message: Mapping[str, str], now: datetime) -> list[PbxEvent]: ...

    def following(self) -> set[str]:
        """The ids of the calls followed now (started, not ended)."""
        ...

    def forget(self, call_ids: Iterable[str]) -> None:
        """Stops following these calls (their channels are gone: no end will come)."""
        ...


@dataclass(frozen=True)
class Pbx:
    name: str  # the provider's name in calls.provider and the URLs: "asterisk"
    title: str  # "Asterisk (AMI)"
    model: type[PbxSettingsColumns]
    default_port: int
    needs_username: bool  # AMI logs in with a user; FreeSWITCH's event socket with a password
    login: Callable[[Target, float, Sequence[Network]], Awaitable[Connection]]
    tracker: Callable[[Target], Tracker]
    # The header read for the dialled number unless the settings name another (their
    # did_variable column); None: not a setting of this PBX (Asterisk reads DIALTRAIL_DID).
    did_variable_default: str | None = None
