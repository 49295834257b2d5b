"""Twilio: ``/telephony/twilio/{project_id}/voice`` and ``/status`` (docs/telephony.md)."""

from dialtrail.calls.adapters.twilio.routes import router

__all__ = ["router"]
