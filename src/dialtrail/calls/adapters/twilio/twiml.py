"""The TwiML Dialtrail answers Twilio with, built with the ``twilio`` package."""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

PROGRESS_EVENTS = "initiated ringing answered completed"


def forward(destination: str, status_url: str) -> str:
    """Dial the destination (a phone number, or a SIP URI), reporting progress and the end
    of the dialling to ``status_url``."""
    dial = Dial(action=status_url, method="POST")
    callbacks = {
        "status_callback": status_url,
        "status_callback_event": PROGRESS_EVENTS,
        "status_callback_method": "POST",
    }
    if destination.lower().startswith(("sip:", "sips:")):
        dial.sip(destination, **callbacks)
    else:
        dial.number(destination, **callbacks)
    response = VoiceResponse()
    response.append(dial)
    return str(response)


def unreachable() -> str:
    """No destination is set: tell the caller rather than leave them in silence."""
    response = VoiceResponse()
    response.say("Sorry, this number cannot take calls right now.")
    response.hangup()
    return str(response)


def nothing_more() -> str:
    return str(VoiceResponse())
