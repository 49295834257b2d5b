"""Twilio: ``/telephony/twilio/{project_id}/voice`` and ``/status`` (docs/telephony.md)."""
