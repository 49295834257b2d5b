"""Opening a TCP connection to a PBX (only to an address on the networks the operator allows,
networks.py), and the problems a connection or a login can meet, each in words the admin can
act on ("refused", "timed out", "wrong credentials")."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Sequence
from contextlib import suppress
from dataclasses import dataclass

from dialtrail.calls.adapters.pbx.networks import Network, allowed_addresses

CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Target:
    """Where a listener connects and how it logs in (the secret in clear)."""

    host: str
    port: int
    username: str
    secret: str
    # FreeSWITCH: the event header holding the dialled number, when not the usual one; a
    # change gives the connection a new tracker, as a change of address does.
    did_variable: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class ConnectionProblem(Exception):
    """A connection or a login that failed; ``kind`` for tests and the admin, the message in
    words."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def refused(target: Target, what: str) -> ConnectionProblem:
    return ConnectionProblem(
        "refused",
        f"{target.address} refused the connection: is {what} enabled and listening on this "
        "address and port (and not only on 127.0.0.1)?",
    )


def timed_out(target: Target, seconds: float) -> ConnectionProblem:
    return ConnectionProblem(
        "timed_out",
        f"no answer from {target.address} within {seconds:g} s: a firewall drops the "
        "connection, or the host is wrong",
    )


def wrong_credentials(target: Target, said: str) -> ConnectionProblem:
    return ConnectionProblem(
        "wrong_credentials", f"{target.address} refused the login ({said}): check the credentials"
    )


def lost(target: Target, why: str) -> ConnectionProblem:
    return ConnectionProblem("lost", f"the connection to {target.address} was lost: {why}")


async def open_tcp(
    target: Target, what: str, timeout: float, networks: Sequence[Network]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connects to the first address the host resolves to, once every one is allowed (the
    address checked is the one connected to: no second resolution to rebind)."""
    try:
        addresses = await asyncio.wait_for(
            allowed_addresses(target.host, target.port, networks), timeout
        )
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(addresses[0], target.port), timeout
        )
    except PermissionError as error:
        raise ConnectionProblem("not_allowed", str(error)) from None
    except ConnectionRefusedError:
        raise refused(target, what) from None
    except TimeoutError:
        raise timed_out(target, timeout) from None
    except socket.gaierror:
        raise ConnectionProblem("unknown_host", f"no such host: {target.host}") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConnectionProblem("unreachable", f"cannot reach {target.address}: {reason}") from None
    keep_alive(writer)
    return reader, writer


def keep_alive(writer: asyncio.StreamWriter) -> None:
    # A PBX that vanished (power cut, a NAT that forgot the connection) otherwise leaves the
    # listener waiting for ever on a quiet line.
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with suppress(OSError):  # already reset by the other side
        await writer.wait_closed()


async def handshake(
    target: Target, writer: asyncio.StreamWriter, steps: Awaitable[None], timeout: float
) -> None:
    """The PBX's greeting and login (``steps``) within ``timeout``; on any failure the
    connection is closed before the error goes on. A listener stopped mid-login (cancelled)
    closes it without waiting: an unclosed socket would be left to the garbage collector."""
    try:
        await asyncio.wait_for(steps, timeout)
    except TimeoutError:
        await close(writer)
        raise timed_out(target, timeout) from None
    except ConnectionProblem:
        await close(writer)
        raise
    except BaseException:
        writer.close()
        raise
