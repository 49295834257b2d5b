"""ASGI middleware of the API: a cap on request bodies, and JSON as the only body format."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Answers 413 when a request body exceeds ``max_bytes`` (declared or streamed). The
    collector caps its own bodies (collector/routes.py)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.declared_length(scope) > limit:
            await self.refuse(send, limit)
            return
        try:
            await self.app(scope, self.counting(receive, limit), send)
        except BodyTooLarge:
            await self.refuse(send, limit)

    def declared_length(self, scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                return int(value)
        return 0

    def counting(self, receive: Receive, limit: int) -> Receive:
        received = 0

        async def wrapped() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        return wrapped

    async def refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": "body_too_large",
                "message": f"the request body is larger than {limit} bytes",
            },
            separators=(",", ":"),
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class AssumeJson:
    """Reads every request body under ``prefix`` as JSON, whatever its Content-Type.

    The API speaks only JSON, and ``curl -d '{…}'`` sends form encoding by default; without
    this the caller would get a confusing "valid dictionary" error for a correct body.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            headers.append((b"content-type", b"application/json"))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
