"""``dialtrail serve``: the port is bound before anything is announced, and the address is
printed only once the server accepts connections.

uvicorn, left to bind the port itself, logs a bind error after our banner had already said
where the server runs; binding here first turns a port in use into one line naming the port
and the setting that changes it.
"""

from __future__ import annotations

import errno
import socket

import uvicorn
from fastapi import FastAPI

from dialtrail import __version__
from dialtrail.settings import Settings


class ListenError(Exception):
    """The address or port cannot be listened on; the message says which setting to change."""


def serve(app: FastAPI, config: Settings) -> None:
    listener = bind_listener(config.host, config.port)
    server = AnnouncingServer(
        uvicorn.Config(
            app,
            log_level=config.log_level,
            proxy_headers=True,
            forwarded_allow_ips=config.forwarded_allow_ips,
        ),
        banner(config),
    )
    with listener:
        server.run(sockets=[listener])


def banner(config: Settings) -> str:
    url = config.public_url
    return (
        f"Dialtrail {__version__} is ready at {url} (admin: {url}/admin/, API docs: {url}/api/docs)"
    )


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing the banner after its start-up (the application's lifespan
    and listening on the socket) succeeded, never before."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            print(self.announcement, flush=True)


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (uvicorn listens on it), or ListenError."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise ListenError(
            f"cannot listen on {host!r}: no such address; set DIALTRAIL_HOST"
        ) from None
    listener = socket.socket(family, kind, protocol)
    # As uvicorn does: a restart may reuse the port while the last run's connections close.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as error:
        listener.close()
        raise ListenError(bind_error_message(host, port, error)) from None
    return listener


def bind_error_message(host: str, port: int, error: OSError) -> str:
    where = f"port {port} on {host}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"{where} is already in use (is Dialtrail or another server running?); stop it, "
            f"or choose another port with DIALTRAIL_PORT (or serve --port)"
        )
    if error.errno == errno.EACCES:
        return f"{where} needs privileges; choose a port above 1023 with DIALTRAIL_PORT"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; set DIALTRAIL_HOST (or serve --host)"
    return f"cannot listen on {where}: {error.strerror}; see DIALTRAIL_HOST and DIALTRAIL_PORT"
