"""FreeSWITCH's event socket (ESL), inbound mode, client side; it changes nothing on the PBX.

Every message from FreeSWITCH is a block of ``Name: value`` header lines ended by a blank line
(LF); when the headers carry ``Content-Length``, that many bytes of body follow. On connecting,
FreeSWITCH sends ``Content-Type: auth/request``; the client answers ``auth <password>`` and a
blank line, and gets ``Content-Type: command/reply`` with ``Reply-Text: +OK accepted`` or
``-ERR invalid``. ``event plain <names>`` subscribes to events, which then arrive as
``Content-Type: text/event-plain`` messages whose body is the event's own header block, each
value URL-encoded. ``text/disconnect-notice`` says FreeSWITCH is closing the connection.
After subscribing, ``api show channels as json`` lists the channels up, answered by an
``api/response`` message whose body is ``{"row_count": N, "rows": [{"uuid": …, "call_uuid":
…, …}]}`` (no ``rows`` when there are none), or ``-ERR …``: the calls that ended while the
connection was down are closed from it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from urllib.parse import unquote

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

EVENTS = "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE"
# The channel list of a busy PBX is about 2 KB per channel.
MAX_BODY = 16 * 1024 * 1024
CHANNELS = "api show channels as json"
WHAT = "FreeSWITCH's event socket (event_socket.conf.xml: listen-ip, listen-port, the ACL)"


def header_block(text: str, decode: bool = False) -> dict[str, str]:
    """Pure: ``Name: value`` lines as fields; ``decode``: values are URL-encoded (an event's)."""
    fields: dict[str, str] = {}
    for line in text.split("\n"):
        name, separator, value = line.partition(":")
        if separator and name.strip():
            value = value.strip()
            fields.setdefault(name.strip(), unquote(value) if decode else value)
    return fields


def event_fields(body: str) -> dict[str, str]:
    """Pure: a text/event-plain body's headers (a body of its own after a blank line, as
    some events carry, is not a header and is left out)."""
    headers, _, _ = body.replace("\r\n", "\n").partition("\n\n")
    return header_block(headers, decode=True)


def channels_up(body: str) -> ChannelsUp:
    """Pure: the answer to ``show channels as json``."""
    text = body.strip()
    if text.startswith("-ERR"):
        return ChannelsUp(None, text[:200])
    try:
        listing = json.loads(text)
    except ValueError:
        return ChannelsUp(None, "an answer to show channels that is not JSON")
    rows = listing.get("rows", []) if isinstance(listing, dict) else None
    if not isinstance(rows, list):
        return ChannelsUp(None, "an answer to show channels without its rows")
    ids = {
        str(row[key])
        for row in rows
        if isinstance(row, dict)
        for key in ("uuid", "call_uuid")
        if row.get(key)
    }
    return ChannelsUp(frozenset(ids))


class EslConnection:
    def __init__(
        self, target: Target, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.target = target
        self.reader = reader
        self.writer = writer

    async def message(self) -> tuple[dict[str, str], str]:
        """The next message's headers and body."""
        try:
            raw = await self.reader.readuntil(b"\n\n")
            headers = header_block(raw.decode("utf-8", "replace"))
            length = int(headers.get("Content-Length", "0") or "0")
            if not 0 <= length <= MAX_BODY:
                raise lost(self.target, f"a message of {length} bytes")
            body = await self.reader.readexactly(length) if length else b""
        except asyncio.IncompleteReadError:
            raise lost(self.target, "closed by FreeSWITCH") from None
        except asyncio.LimitOverrunError:
            raise lost(self.target, "a header block longer than 64 KiB") from None
        except ValueError:
            raise lost(self.target, "a Content-Length that is not a number") from None
        except OSError as error:
            raise lost(self.target, error.strerror or str(error)) from None
        return headers, body.decode("utf-8", "replace")

    async def send(self, text: str) -> None:
        try:
            self.writer.write(f"{text}\n\n".encode())
            await self.writer.drain()
        except OSError as error:
            raise lost(self.target, error.strerror or str(error)) from None

    async def command(self, text: str) -> str:
        """Sends a command and returns its Reply-Text."""
        await self.send(text)
        while True:
            headers, _ = await self.message()
            if headers.get("Content-Type") == "command/reply":
                return headers.get("Reply-Text", "")
            if headers.get("Content-Type") == "text/disconnect-notice":
                raise lost(self.target, "FreeSWITCH closed the connection")

    async def messages(self) -> AsyncIterator[Mapping[str, str] | ChannelsUp]:
        await self.send(CHANNELS)
        while True:
            headers, body = await self.message()
            kind = headers.get("Content-Type")
            if kind == "text/event-plain":
                yield event_fields(body)
            elif kind == "api/response":
                yield channels_up(body)
            elif kind == "text/disconnect-notice":
                raise lost(self.target, "FreeSWITCH closed the connection")

    async def close(self) -> None:
        await close(self.writer)


async def login(target: Target, timeout: float, networks: Sequence[Network]) -> EslConnection:
    reader, writer = await open_tcp(target, WHAT, timeout, networks)
    connection = EslConnection(target, reader, writer)
    await handshake(target, writer, subscribed(connection), timeout)
    return connection


async def subscribed(connection: EslConnection) -> None:
    target = connection.target
    headers, _ = await connection.message()
    if headers.get("Content-Type") != "auth/request":
        raise ConnectionProblem(
            "not_esl",
            f"{target.address} answered, but not as FreeSWITCH's event socket: check the "
            "port (8021 by default)",
        )
    reply = await connection.command(f"auth {target.secret}")
    if not reply.startswith("+OK"):
        raise wrong_credentials(target, reply or "no reply")
    reply = await connection.command(f"event plain {EVENTS}")
    if not reply.startswith("+OK"):
        raise ConnectionProblem("refused_events", f"{target.address} refused the events: {reply}")
