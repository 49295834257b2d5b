"""The long-running listeners: one connection per configured PBX, in ``dialtrail serve`` and
in ``dialtrail asterisk`` / ``dialtrail freeswitch``.

Every REFRESH_SECONDS the settings tables are read again: a PBX newly configured gets a
connection, one changed gets a new one, one removed or turned off loses it, without a
restart. A connection that fails or drops is tried again with a growing delay (Backoff), and
its call tracker is kept across reconnections, so a call followed before a drop goes on after
it; events seen twice are recorded once (ingest.record_event is idempotent). The state of each
connection is written to its settings row for the admin, when it changes.

After each login the PBX is asked which channels are up. A PBX does not replay what happened
while nobody listened, so a call in progress at the login (recorded without an end, or
followed by the tracker) whose channel is no longer listed ended meanwhile: it is closed as
of now, its end marked as inferred (recording.close_inferred). Calls still listed go on as
usual; calls that start after the login are followed live and never closed this way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.calls.adapters.pbx import recording
from dialtrail.calls.adapters.pbx.adapter import Connection, Pbx, Tracker
from dialtrail.calls.adapters.pbx.connections import (
    CONNECT_TIMEOUT,
    ConnectionProblem,
    Target,
    lost,
)
from dialtrail.calls.adapters.pbx.events import ChannelsUp, PbxEvent
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.calls.adapters.pbx.networks import Network
from dialtrail.secrets import SecretBox, UnreadableSecret, secret_key
from dialtrail.settings import Settings
from dialtrail.storage.base import utcnow

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 5.0
Key = tuple[str, int]  # (PBX name, project id)


@dataclass(frozen=True)
class InProgress:
    """The calls in progress when a connection logged in, before any of its events."""

    recorded: frozenset[str]  # recorded without an end (this process's or an earlier one's)
    followed: frozenset[str]  # followed by the tracker (also calls to other numbers)


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts: first, doubling, at most longest (seconds)."""

    first: float = 1.0
    longest: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.longest, self.first * 2 ** max(0, failures - 1)))


class Listeners:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: SecretBox,
        pbxes: Sequence[Pbx],
        clock: Callable[[], datetime] = utcnow,
        refresh: float = REFRESH_SECONDS,
        backoff: Backoff = Backoff(),
        networks: Sequence[Network] = (),
    ) -> None:
        """``networks``: where PBXs may be (DIALTRAIL_PBX_ALLOWED_NETWORKS)."""
        self.sessions = sessions
        self.box = box
        self.pbxes = {pbx.name: pbx for pbx in pbxes}
        self.clock = clock
        self.refresh = refresh
        self.backoff = backoff
        self.networks = tuple(networks)
        self.running: dict[Key, tuple[Target, asyncio.Task[None]]] = {}
        self.states: dict[Key, tuple[str, str]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.reconcile(await asyncio.to_thread(self.configured))
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.refresh)
        finally:
            await self.stop_all()

    def configured(self) -> dict[Key, Target]:
        """Every PBX to connect to now; rows no longer wanted are marked off."""
        wanted: dict[Key, Target] = {}
        with self.sessions() as db:
            for pbx in self.pbxes.values():
                for row in db.scalars(select(pbx.model)):
                    target, reason = self.target_of(pbx, row)
                    if target is not None:
                        wanted[(pbx.name, row.project_id)] = target
                    elif row.state != "off" or row.state_reason != reason:
                        recording.note_state(db, pbx.model, row.project_id, "off", reason,
                                             self.clock())  # fmt: skip
            db.commit()
        return wanted

    def target_of(self, pbx: Pbx, row: PbxSettingsColumns) -> tuple[Target | None, str]:
        if not row.enabled:
            return None, "turned off in the settings"
        if not row.host or not row.secret or (pbx.needs_username and not row.username):
            return None, "not configured"
        try:
            secret = self.box.open(row.secret)
        except UnreadableSecret as error:
            return None, str(error)
        port = row.port or pbx.default_port
        did_variable = getattr(row, "did_variable", None)
        return Target(row.host, port, row.username or "", secret, did_variable), ""

    async def reconcile(self, wanted: dict[Key, Target]) -> None:
        for key, (target, task) in list(self.running.items()):
            if wanted.get(key) != target:
                await stopped(task)
                del self.running[key]
                self.states.pop(key, None)
        for key, target in wanted.items():
            if key not in self.running:
                task = asyncio.create_task(self.follow(self.pbxes[key[0]], key[1], target))
                self.running[key] = (target, task)

    async def stop_all(self) -> None:
        for _, task in self.running.values():
            await stopped(task)
        self.running.clear()

    async def follow(self, pbx: Pbx, project_id: int, target: Target) -> None:
        """Connects, follows, reconnects: until cancelled."""
        tracker = pbx.tracker(target)  # kept across reconnections
        failures = 0
        while True:
            await self.state(pbx, project_id, "connecting", f"connecting to {target.address}")
            problem = await self.connected(pbx, project_id, target, tracker)
            failures = 0 if problem is None else failures + 1
            delay = self.backoff.delay(max(1, failures))
            message = problem.message if problem else "the connection ended"
            await self.state(pbx, project_id, "failed", f"{message}; next try in {delay:g} s")
            await asyncio.sleep(delay)

    async def connected(
        self, pbx: Pbx, project_id: int, target: Target, tracker: Tracker
    ) -> ConnectionProblem | None:
        """One connection, followed until it ends. None: it was up and then closed."""
        try:
            connection = await pbx.login(target, CONNECT_TIMEOUT, self.networks)
        except ConnectionProblem as problem:
            return problem
        who = f" as {target.username}" if pbx.needs_username else ""
        try:  # closed in the end, also when the listener is stopped right after the login
            await self.state(pbx, project_id, "connected", f"logged in to {target.address}{who}")
            recorded = await asyncio.to_thread(self.recorded_in_progress, pbx, project_id)
            before = InProgress(recorded, frozenset(tracker.following()))
            await self.read(pbx, project_id, connection, tracker, before)
            return lost(target, "closed by the PBX")
        except ConnectionProblem as problem:
            return problem
        except Exception as error:  # a bug must not end the listener: log it, reconnect
            logger.exception("%s listener for project %s failed", pbx.name, project_id)
            return lost(target, f"{type(error).__name__} in Dialtrail (see its log)")
        finally:
            await connection.close()

    async def read(
        self, pbx: Pbx, project_id: int, connection: Connection, tracker: Tracker,
        before: InProgress,
    ) -> None:  # fmt: skip
        async for message in connection.messages():
            if isinstance(message, ChannelsUp):
                await self.settle(pbx, project_id, tracker, before, message)
                continue
            for event in tracker.feed(message, self.clock()):
                await self.record(pbx, project_id, event)

    def recorded_in_progress(self, pbx: Pbx, project_id: int) -> frozenset[str]:
        with self.sessions() as db:
            return frozenset(recording.calls_in_progress(db, pbx.name, project_id))

    async def settle(
        self, pbx: Pbx, project_id: int, tracker: Tracker, before: InProgress, up: ChannelsUp
    ) -> None:
        """Closes the calls in progress at the login whose channels are gone."""
        if up.ids is None:
            logger.warning("%s of project %s did not list its channels: %s",
                           pbx.name, project_id, up.problem)  # fmt: skip
            reason = (f"{self.states.get((pbx.name, project_id), ('', ''))[1]}; the PBX did not "
                      f"list its channels ({up.problem}): calls that ended while the connection "
                      "was down stay without an end")  # fmt: skip
            await self.state(pbx, project_id, "connected", reason)
            return
        tracker.forget(before.followed - up.ids)
        for call_id in sorted(before.recorded - up.ids):
            await self.retried(pbx, call_id, self.close_now, pbx, project_id, call_id)

    async def record(self, pbx: Pbx, project_id: int, event: PbxEvent) -> None:
        await self.retried(pbx, event.call_id, self.record_now, pbx, project_id, event)

    async def retried(
        self, pbx: Pbx, call_id: str, work: Callable[..., object], *arguments: object
    ) -> None:
        # What the PBX said exists only in memory until it is committed: a database that is
        # away is waited for (the PBX's events queue up in the connection meanwhile).
        failures = 0
        while True:
            try:
                await asyncio.to_thread(work, *arguments)
                return
            except Exception:
                failures += 1
                logger.exception("%s event of call %s not recorded yet", pbx.name, call_id)
                await asyncio.sleep(self.backoff.delay(failures))

    def record_now(self, pbx: Pbx, project_id: int, event: PbxEvent) -> None:
        with self.sessions() as db:
            recording.record(db, pbx.model, pbx.name, project_id, event, self.clock())
            db.commit()

    def close_now(self, pbx: Pbx, project_id: int, call_id: str) -> None:
        with self.sessions() as db:
            recording.close_inferred(db, pbx.model, pbx.name, project_id, call_id, self.clock())
            db.commit()

    async def state(self, pbx: Pbx, project_id: int, state: str, reason: str) -> None:
        key = (pbx.name, project_id)
        if self.states.get(key) == (state, reason):
            return
        self.states[key] = (state, reason)
        try:
            await asyncio.to_thread(self.write_state, pbx, project_id, state, reason)
        except Exception:  # only the admin's view of it is lost; the listener goes on
            logger.exception("%s state of project %s not written", pbx.name, project_id)
            self.states.pop(key, None)

    def write_state(self, pbx: Pbx, project_id: int, state: str, reason: str) -> None:
        with self.sessions() as db:
            recording.note_state(db, pbx.model, project_id, state, reason, self.clock())
            db.commit()


def build_listeners(
    sessions: sessionmaker[Session], settings: Settings, pbxes: Sequence[Pbx]
) -> Listeners:
    box = SecretBox(secret_key(settings))
    return Listeners(sessions, box, pbxes, networks=settings.pbx_allowed_networks)


@asynccontextmanager
async def listening(listeners: Listeners) -> AsyncIterator[None]:
    """Runs the listeners in the background while the block runs; stops them after."""
    stop = asyncio.Event()
    task = asyncio.create_task(listeners.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
