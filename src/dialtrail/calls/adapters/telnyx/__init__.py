"""Telnyx Call Control: ``/telephony/telnyx/{project_id}/webhook`` (docs/telephony.md)."""
