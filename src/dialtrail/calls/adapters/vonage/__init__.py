"""Vonage Voice API: ``/telephony/vonage/{project_id}/answer`` and ``/event``
(docs/telephony.md)."""
