"""The NCCO (Nexmo Call Control Object) Dialtrail answers Vonage's Answer URL with: a JSON
list of actions, here one ``connect`` to the destination."""

from __future__ import annotations

from typing import Any

Ncco = list[dict[str, Any]]


def connect(destination: str, tracking_number: str, event_url: str) -> Ncco:
    """Connects the destination (a phone number, or a SIP URI), presenting the tracking number
    (a Vonage number: Vonage asks for one of the account's own) and reporting the new leg's
    progress to ``event_url``."""
    if destination.lower().startswith(("sip:", "sips:")):
        endpoint = {"type": "sip", "uri": destination}
    else:
        endpoint = {"type": "phone", "number": destination.removeprefix("+")}
    action = {
        "action": "connect",
        "from": tracking_number.removeprefix("+"),
        "eventUrl": [event_url],
        "eventMethod": "POST",
        "endpoint": [endpoint],
    }
    return [action]


def unreachable() -> Ncco:
    """No destination is set: tell the caller rather than leave them in silence."""
    return [{"action": "talk", "text": "Sorry, this number cannot take calls right now."}]
