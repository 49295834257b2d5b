"""Call Control commands to Telnyx's API (answer, transfer, hang up the caller's leg), sent
through Dialtrail's one way out for HTTP (outbound.py) with the project's API key.

Each command carries a ``command_id`` made from the leg and the action: Telnyx ignores a
command it already got with the same id for the same call, so a webhook Telnyx delivers twice
never answers or transfers a call twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread

from dialtrail.outbound import Outbound, OutboundFailed, OutboundRefused

API_URL = "https://api.telnyx.com/v2"


@dataclass(frozen=True)
class TelnyxApi:
    """Where commands go. The app holds one (``app.state.telnyx_api``); tests put a local
    server standing in for Telnyx in its place (and allow its private address)."""

    base_url: str = API_URL
    allow_private: bool = False


@dataclass(frozen=True)
class Command:
    action: str  # answer | transfer | hangup
    call_control_id: str  # the caller's leg
    call_leg_id: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def url(self, api: TelnyxApi) -> str:
        return f"{api.base_url}/calls/{self.call_control_id}/actions/{self.action}"

    def body(self) -> bytes:
        command_id = f"dialtrail-{self.action}-{self.call_leg_id}"
        return json.dumps({**self.parameters, "command_id": command_id}).encode()


def transfer(call_control_id: str, call_leg_id: str, destination: str) -> Command:
    """To the destination (``+E.164`` or a SIP URI). Without ``from``, Telnyx presents the
    tracking number to the destination."""
    return Command("transfer", call_control_id, call_leg_id, {"to": destination})


def send_from_thread(api: TelnyxApi, api_key: str, command: Command) -> str | None:
    """Sends ``command`` from a route's worker thread on the server's event loop; what went
    wrong, in words, or None."""
    return anyio.from_thread.run(send, api, api_key, command)


async def send(api: TelnyxApi, api_key: str, command: Command) -> str | None:
    outbound = Outbound(allow_private=api.allow_private)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    try:
        answer = await outbound.send("POST", command.url(api), headers, command.body())
    except (OutboundRefused, OutboundFailed) as error:
        return f"the {command.action} command was not delivered to Telnyx: {error}"
    finally:
        await outbound.close()
    if 200 <= answer.status_code < 300:
        return None
    return (
        f"Telnyx refused the {command.action} command ({answer.status_code}): {answer.body[:300]}"
    )
