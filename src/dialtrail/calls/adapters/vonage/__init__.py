"""Vonage Voice API: ``/telephony/vonage/{project_id}/answer`` and ``/event``
(docs/telephony.md)."""

from dialtrail.calls.adapters.vonage.routes import router

__all__ = ["router"]
