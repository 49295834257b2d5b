"""Scripted PBXs on free ports: an Asterisk Manager Interface and a FreeSWITCH event socket
that speak each protocol (greeting, login, events) and replay an event sequence written in the
vendor's documented wire format (tests/calls/fixtures/asterisk/, …/freeswitch/). What we do
not own and cannot run here is the PBX itself; the listener under test is the real one.

A sequence file holds the events as the PBX sends them; ``-- drop --`` on a line of its own
closes the connection there, and the rest is sent once the listener has logged in again.
After a drop, the events before a ``-- reconnected --`` line happen while the listener is
away: nobody receives them, but they change which channels the PBX lists as up.
``{t+N}`` is the replay's start plus N seconds (AMI's ``Timestamp``), ``{us+N}`` the same in
microseconds (ESL's ``Event-Date-Timestamp``), so that calls happen now.

Like the PBX, each server keeps the channels its events created and did not hang up, and
lists them when asked: AMI's ``CoreShowChannels`` (a Response, one ``CoreShowChannel`` event
per channel, ``CoreShowChannelsComplete``), the event socket's ``api show channels as json``
(an ``api/response`` whose body is ``{"row_count": N, "rows": [...]}``).
``refuse_channel_list`` answers as a PBX that does not allow it.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from dialtrail.calls.adapters.pbx.listener import Backoff, Listeners
from dialtrail.calls.adapters.registry import LISTENERS
from dialtrail.secrets import SecretBox, secret_key
from tests.support.databases import Database
from tests.support.waiting import wait_for

FIXTURES = Path(__file__).resolve().parent.parent / "calls" / "fixtures"
DROP = "-- drop --"
RECONNECTED = "-- reconnected --"
UNHEARD = "unheard:"
PLACEHOLDER = re.compile(r"\{(t|us)\+(\d+)\}")


@dataclass(frozen=True)
class Part:
    """What happens between two drops: unheard while the listener is away, then sent."""

    unheard: list[str]
    heard: list[str]


def sequence(path: Path, start: float) -> list[Part]:
    """The file's parts between drops, their messages as text."""

    def fill(match: re.Match[str]) -> str:
        moment = start + int(match.group(2))
        return f"{moment:.6f}" if match.group(1) == "t" else str(int(moment * 1_000_000))

    def blocks(text: str) -> list[str]:
        return [block.strip() for block in text.split("\n\n") if block.strip()]

    parts = []
    for part in PLACEHOLDER.sub(fill, path.read_text()).split(DROP):
        unheard, _, heard = part.rpartition(RECONNECTED)
        parts.append(Part(blocks(unheard), blocks(heard)))
    return parts


@dataclass
class ScriptedServer:
    """The protocol-independent part: a server in a thread of its own, sending what is
    queued to the connection logged in now."""

    username: str = "dialtrail"
    secret: str = "s3cret-Password"
    port: int = 0
    logins: int = 0
    refused_logins: int = 0
    refuse_channel_list: bool = False
    channel_lists: int = 0  # how many times the channels up were asked for
    # The channels up (created, not hung up), by their id, with the event that created them.
    channels: dict[str, dict[str, str]] = field(default_factory=dict)
    loop: asyncio.AbstractEventLoop | None = None
    queue: asyncio.Queue[str] | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await self.logged_in(reader, writer):
                self.logins += 1
                await self.send_queued(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client left, or the server stops
        finally:
            writer.close()

    async def send_queued(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Until a drop or the client closes (a Check connection logs in and leaves): what
        is queued goes to the connection logged in now, never to one already gone."""
        assert self.queue is not None
        asked = asyncio.Event()
        closed = asyncio.create_task(self.answer(reader, writer, asked))
        # A listener asks which channels are up first thing: answered before anything queued
        # is sent (one order a PBX may take), so that a drop queued next never cuts it off. A
        # Check connection asks nothing and leaves.
        first = asyncio.create_task(asked.wait())
        await asyncio.wait({first, closed}, return_when=asyncio.FIRST_COMPLETED)
        first.cancel()
        try:
            while True:
                getter = asyncio.create_task(self.queue.get())
                await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    return
                message = getter.result()
                if message == DROP:
                    return
                if message.startswith(UNHEARD):  # happens on the PBX, sent to nobody
                    self.track(message.removeprefix(UNHEARD))
                    continue
                self.track(message)
                writer.write(self.encode(message))
                await writer.drain()
        finally:
            closed.cancel()

    def track(self, message: str) -> None:
        """Keeps the channel table as the PBX would after ``message``."""
        fields = dict(line.split(": ", 1) for line in message.splitlines() if ": " in line)
        created, ended, channel = self.channel_change(fields)
        if created:
            self.channels[channel] = fields
        elif ended:
            self.channels.pop(channel, None)

    async def answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, asked: asyncio.Event
    ) -> None:
        """Answers what the client asks after logging in, until it closes."""
        try:
            while request := await self.request(reader):
                answer = self.answer_to(request)
                if answer:
                    writer.write(answer)
                    await writer.drain()
                asked.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client left

    async def logged_in(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        raise NotImplementedError

    def encode(self, message: str) -> bytes:
        raise NotImplementedError

    def channel_change(self, fields: dict[str, str]) -> tuple[bool, bool, str]:
        """(created, hung up, the channel's id) for an event's fields."""
        raise NotImplementedError

    async def request(self, reader: asyncio.StreamReader) -> str:
        """The client's next request as text; empty when it closed."""
        raise NotImplementedError

    def answer_to(self, request: str) -> bytes:
        raise NotImplementedError

    def push(self, *messages: str) -> None:
        assert self.loop is not None
        assert self.queue is not None
        for message in messages:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, message)

    def replay(self, path: Path, start: float | None = None) -> None:
        """Sends the sequence; at each drop, closes the connection and waits for the
        listener to log in again before sending the rest."""
        parts = sequence(path, time.time() if start is None else start)
        for number, part in enumerate(parts):
            if number:
                logins = self.logins
                # Queued before the drop, so that they are in the table before the next login.
                self.push(*(UNHEARD + message for message in part.unheard))
                self.push(DROP)
                self.wait_for_login(logins + 1)
            self.push(*part.heard)

    def wait_for_login(self, logins: int, timeout: float = 15) -> None:
        wait_for(lambda: self.logins >= logins, f"login number {logins}", timeout)

    async def serve(self, stop: asyncio.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        async with server:
            await stop.wait()


class ScriptedAmi(ScriptedServer):
    async def logged_in(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        login = await read_ami(reader)
        action_id = login.get("ActionID", "")
        if login.get("Username") == self.username and login.get("Secret") == self.secret:
            writer.write(ami(f"Response: Success\nActionID: {action_id}\n"
                             "Message: Authentication accepted"))  # fmt: skip
            writer.write(ami("Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted"))
            return True
        self.refused_logins += 1
        writer.write(ami(f"Response: Error\nActionID: {action_id}\nMessage: Authentication failed"))
        await writer.drain()
        return False

    def encode(self, message: str) -> bytes:
        return ami(message)

    def channel_change(self, fields: dict[str, str]) -> tuple[bool, bool, str]:
        event = fields.get("Event")
        return event == "Newchannel", event == "Hangup", fields.get("Uniqueid", "")

    async def request(self, reader: asyncio.StreamReader) -> str:
        raw = await reader.readuntil(b"\r\n\r\n")
        return raw.decode().strip()

    def answer_to(self, request: str) -> bytes:
        fields = dict(line.split(": ", 1) for line in request.split("\r\n") if ": " in line)
        action, action_id = fields.get("Action", "").lower(), fields.get("ActionID", "")
        if action == "ping":
            return ami(f"Response: Success\nActionID: {action_id}\nPing: Pong\n"
                       f"Timestamp: {time.time():.6f}")  # fmt: skip
        if action != "coreshowchannels":
            return ami(f"Response: Error\nActionID: {action_id}\nMessage: Invalid/unknown command")
        self.channel_lists += 1
        if self.refuse_channel_list:
            return ami(f"Response: Error\nActionID: {action_id}\nMessage: Permission denied")
        listed = [ami(core_show_channel(action_id, channel)) for channel in self.channels.values()]
        return b"".join([
            ami(f"Response: Success\nActionID: {action_id}\nEventList: start\n"
                "Message: Channels will follow"),
            *listed,
            ami(f"Event: CoreShowChannelsComplete\nActionID: {action_id}\nEventList: Complete\n"
                f"ListItems: {len(listed)}"),
        ])  # fmt: skip


def core_show_channel(action_id: str, created: dict[str, str]) -> str:
    """A CoreShowChannel event for a channel, from its Newchannel's fields."""
    names = ("Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
             "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context",
             "Exten", "Priority", "Uniqueid", "Linkedid")  # fmt: skip
    lines = ["Event: CoreShowChannel", f"ActionID: {action_id}"]
    lines += [f"{name}: {created.get(name, '')}" for name in names]
    lines += ["BridgeId: ", "Application: Dial", "ApplicationData: PJSIP/101", "Duration: 00:00:09"]
    return "\n".join(lines)


def ami(message: str) -> bytes:
    return ("\r\n".join(message.strip().splitlines()) + "\r\n\r\n").encode()


async def read_ami(reader: asyncio.StreamReader) -> dict[str, str]:
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode().strip().split("\r\n")
    return dict(line.split(": ", 1) for line in lines if ": " in line)


class ScriptedEsl(ScriptedServer):
    """FreeSWITCH's event socket: a sequence file holds each event's headers as plain
    ``Name: value`` lines; they are URL-encoded and framed here, as FreeSWITCH does."""

    async def logged_in(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"Content-Type: auth/request\n\n")
        command = (await reader.readuntil(b"\n\n")).decode().strip()
        if command != f"auth {self.secret}":
            self.refused_logins += 1
            writer.write(b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n")
            writer.write(b"Content-Type: text/disconnect-notice\nContent-Length: 0\n\n")
            await writer.drain()
            return False
        writer.write(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
        command = (await reader.readuntil(b"\n\n")).decode().strip()
        assert command.startswith("event plain CHANNEL_CREATE"), command
        writer.write(
            b"Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n"
        )
        return True

    def encode(self, message: str) -> bytes:
        lines = []
        for line in message.strip().splitlines():
            name, _, value = line.partition(": ")
            lines.append(f"{name}: {quote(value, safe='')}")
        body = ("\n".join(lines) + "\n\n").encode()
        head = f"Content-Length: {len(body)}\nContent-Type: text/event-plain\n\n"
        return head.encode() + body

    def channel_change(self, fields: dict[str, str]) -> tuple[bool, bool, str]:
        event = fields.get("Event-Name")
        ended = event in ("CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY")
        return event == "CHANNEL_CREATE", ended, fields.get("Unique-ID", "")

    async def request(self, reader: asyncio.StreamReader) -> str:
        raw = await reader.readuntil(b"\n\n")
        return raw.decode().strip()

    def answer_to(self, request: str) -> bytes:
        if request != "api show channels as json":
            body = f"-ERR {request.split()[0]} Command not found!\n".encode()
        else:
            self.channel_lists += 1
            body = self.channel_list()
        return f"Content-Type: api/response\nContent-Length: {len(body)}\n\n".encode() + body

    def channel_list(self) -> bytes:
        if self.refuse_channel_list:
            return b"-ERR show Command not found!\n"
        rows = [esl_channel_row(created) for created in self.channels.values()]
        listing = {"row_count": len(rows), "rows": rows} if rows else {"row_count": 0}
        return (json.dumps(listing) + "\n").encode()


def esl_channel_row(created: dict[str, str]) -> dict[str, str]:
    """A row of ``show channels as json`` for a channel, from its CHANNEL_CREATE's fields."""
    return {
        "uuid": created.get("Unique-ID", ""),
        "direction": created.get("Call-Direction", ""),
        "created": created.get("Event-Date-Local", ""),
        "created_epoch": created.get("Event-Date-Timestamp", "")[:10],
        "name": created.get("Channel-Name", ""),
        "state": created.get("Channel-State", ""),
        "cid_name": created.get("Caller-Caller-ID-Name", ""),
        "cid_num": created.get("Caller-Caller-ID-Number", ""),
        "dest": created.get("Caller-Destination-Number", ""),
        "context": created.get("Caller-Context", ""),
        "callstate": created.get("Channel-Call-State", ""),
        "call_uuid": created.get("Channel-Call-UUID", ""),
        "hostname": created.get("FreeSWITCH-Hostname", ""),
    }


@contextmanager
def running(server: ScriptedServer) -> Iterator[ScriptedServer]:
    stop = asyncio.Event()
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(stop)), daemon=True)
    thread.start()
    assert server.ready.wait(10), "the scripted PBX did not start"
    try:
        yield server
    finally:
        assert server.loop is not None
        server.loop.call_soon_threadsafe(stop.set)
        thread.join(10)


@contextmanager
def listening(
    database: Database, names: tuple[str, ...] = ("asterisk", "freeswitch"),
) -> Iterator[Listeners]:  # fmt: skip
    """The real listeners, in a thread and event loop of their own, reading the settings
    every 0.1 s and trying again after 0.05 s."""
    box = SecretBox(secret_key(database.settings))
    listeners = Listeners(
        database.sessions, box, [LISTENERS[name] for name in names],
        refresh=0.1, backoff=Backoff(0.05, 0.2),
        networks=database.settings.pbx_allowed_networks,
    )  # fmt: skip
    stop = asyncio.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loop_box.append(asyncio.get_running_loop())
        await listeners.run(stop)

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    wait_for(lambda: loop_box, "the listeners to start")
    try:
        yield listeners
    finally:
        loop_box[0].call_soon_threadsafe(stop.set)
        thread.join(10)
