"""What the collector answers, as plain values sent as raw ASGI messages (routes.py).

No framework response objects: the writer thread builds answers for whole batches, and the
hot path sends them with two ``send`` calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import Send

from dialtrail.api.errors import ApiError

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    headers: Headers = ()

    async def send(self, send: Send, origin: bytes | None) -> None:
        headers = list(self.headers)
        if origin:
            # The page view's answer (the session's phone number) is read by the site's
            # origin. Sessions are cookie-less on this host, so no credentials are allowed.
            headers += [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def json_answer(
    document: dict[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> Answer:
    body = json.dumps(document, separators=(",", ":")).encode()
    fixed = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    extra = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in (headers or {}).items()
    ]
    return Answer(status, body, (*fixed, *extra))


def refusal(error: ApiError) -> Answer:
    return json_answer(error.to_json(), error.status, error.headers)


NO_CONTENT = Answer(204)
NO_NUMBER = json_answer({"number": None}, 200)  # a project without pool numbers
UNAVAILABLE = json_answer(
    {"error": "unavailable", "message": "the event could not be stored; send it again"}, 503
)
PREFLIGHT = Answer(
    204,
    headers=(
        (b"access-control-allow-methods", b"POST"),
        (b"access-control-allow-headers", b"Content-Type"),
        (b"access-control-max-age", b"86400"),
    ),
)


def page_view_answer(number: str | None) -> Answer:
    return NO_NUMBER if number is None else json_answer({"number": number}, 200)
