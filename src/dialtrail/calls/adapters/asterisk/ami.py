"""The Asterisk Manager Interface's line protocol, client side; it changes nothing on the PBX.

On connecting, Asterisk sends one greeting line ("Asterisk Call Manager/5.0.1"). Every
message after that, both ways, is lines of ``Key: Value`` ended by CR LF, and a blank line
ends the message. The client logs in with ``Action: Login`` (Username, Secret, and Events:
the classes of events it wants); the answer is ``Response: Success`` or ``Response: Error``
with a Message ("Authentication failed"). Events then arrive as messages with an ``Event``
key. ``Action: Ping`` (answered by ``Response: Success`` and ``Ping: Pong``) keeps a quiet
connection known to be alive. After each login, ``Action: CoreShowChannels`` lists the
channels up (a ``Response`` with ``EventList: start``, one ``CoreShowChannel`` event per
channel, then ``CoreShowChannelsComplete``, all with the action's ActionID), so that the
calls that ended while the connection was down can be closed. That action is in the
``reporting`` class: the AMI user needs ``write = reporting`` for it, and nothing that can
change a call (docs/telephony.md, "Asterisk").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence

from dialtrail.calls.adapters.pbx.connections import (
    ConnectionProblem,
    Target,
    close,
    handshake,
    lost,
    open_tcp,
    wrong_credentials,
)
from dialtrail.calls.adapters.pbx.events import ChannelsUp
from dialtrail.calls.adapters.pbx.networks import Network

GREETING = "Asterisk Call Manager"
# call: channels, dials, bridges, hang-ups; dialplan: VarSet (DIALTRAIL_DID and the recording).
EVENT_CLASSES = "call,dialplan"
LOGIN_ID = "dialtrail-login"
CHANNELS_ID = "dialtrail-channels"
IDLE_SECONDS = 60.0  # a Ping after this long without a message; no answer in as long: lost
MAX_LINE = 64 * 1024
WHAT = "the Asterisk Manager Interface (manager.conf: enabled = yes, port, bindaddr)"


def action(name: str, fields: Mapping[str, str]) -> bytes:
    lines = [f"Action: {name}", *(f"{key}: {value}" for key, value in fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_message(lines: list[str]) -> dict[str, str]:
    """Pure: a message's lines as its fields (the first of a repeated key stands; a line
    without ``: `` is not a field, as in a command's output, and is skipped)."""
    fields: dict[str, str] = {}
    for line in lines:
        key, separator, value = line.partition(":")
        if separator and key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


class ChannelListing:
    """Pure: the answer to CoreShowChannels, gathered from the messages carrying its
    ActionID."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def take(self, message: Mapping[str, str]) -> ChannelsUp | None:
        """The list once it is complete (or refused); None while it goes on."""
        if message.get("Response", "").lower() == "error":
            return ChannelsUp(None, message.get("Message") or "an error without a message")
        event = message.get("Event")
        if event == "CoreShowChannel":
            self.ids.update(v for v in (message.get("Uniqueid"), message.get("Linkedid")) if v)
        elif event == "CoreShowChannelsComplete":
            return ChannelsUp(frozenset(self.ids))
        return None


class AmiConnection:
    def __init__(
        self, target: Target, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.target = target
        self.reader = reader
        self.writer = writer
        self.idle = IDLE_SECONDS

    async def line(self) -> str:
        try:
            raw = await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError:
            raise lost(self.target, "closed by Asterisk") from None
        except asyncio.LimitOverrunError:
            raise lost(self.target, "a line longer than 64 KiB") from None
        except OSError as error:
            raise lost(self.target, error.strerror or str(error)) from None
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    async def message(self) -> dict[str, str]:
        lines: list[str] = []
        while True:
            line = await self.line()
            if not line:
                if lines:
                    return parse_message(lines)
                continue  # blank lines between messages
            lines.append(line)

    async def send(self, name: str, fields: Mapping[str, str]) -> None:
        try:
            self.writer.write(action(name, fields))
            await self.writer.drain()
        except OSError as error:
            raise lost(self.target, error.strerror or str(error)) from None

    async def messages(self) -> AsyncIterator[Mapping[str, str] | ChannelsUp]:
        await self.send("CoreShowChannels", {"ActionID": CHANNELS_ID})
        listing = ChannelListing()
        pinged = False
        while True:
            try:
                message = await asyncio.wait_for(self.message(), self.idle)
            except TimeoutError:
                if pinged:
                    raise lost(self.target, "no answer to Ping") from None
                await self.send("Ping", {"ActionID": "dialtrail-ping"})
                pinged = True
                continue
            pinged = False
            if message.get("ActionID") == CHANNELS_ID:
                answer = listing.take(message)
                if answer is not None:
                    yield answer
            elif "Event" in message:
                yield message

    async def close(self) -> None:
        await close(self.writer)


async def login(target: Target, timeout: float, networks: Sequence[Network]) -> AmiConnection:
    reader, writer = await open_tcp(target, WHAT, timeout, networks)
    connection = AmiConnection(target, reader, writer)
    await handshake(target, writer, logged_in(connection), timeout)
    return connection


async def logged_in(connection: AmiConnection) -> None:
    target = connection.target
    greeting = await connection.line()
    if not greeting.startswith(GREETING):
        raise ConnectionProblem(
            "not_ami",
            # What answered is not repeated: the check must not read other services' banners.
            f"{target.address} answered, but not as an Asterisk Manager Interface: check the "
            "port (AMI listens on 5038 by default)",
        )
    fields = {"ActionID": LOGIN_ID, "Username": target.username, "Secret": target.secret}
    await connection.send("Login", fields | {"Events": EVENT_CLASSES})
    while True:
        answer = await connection.message()
        if answer.get("ActionID") == LOGIN_ID or "Response" in answer:
            break
    if answer.get("Response", "").lower() != "success":
        said = answer.get("Message") or answer.get("Response") or "no reason given"
        raise wrong_credentials(target, said)
