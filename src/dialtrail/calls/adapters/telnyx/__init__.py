"""Telnyx Call Control: ``/telephony/telnyx/{project_id}/webhook`` (docs/telephony.md)."""

from dialtrail.calls.adapters.telnyx.routes import router

__all__ = ["router"]
