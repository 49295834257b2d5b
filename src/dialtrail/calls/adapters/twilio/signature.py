"""Is this request from Twilio? Its ``X-Twilio-Signature`` checked against the project's
auth token, with the ``twilio`` package's own validator.

Twilio signs the full URL it requested (scheme, host, path, query) plus the form fields.
Behind a reverse proxy or a tunnel the URL this server sees (http://127.0.0.1:8000/…) is not
the one Twilio called (https://calls.example.com/…), so the URL is rebuilt from
``DIALTRAIL_BASE_URL`` and the request's path and query, never from the Host header (which a
forger controls). Set ``DIALTRAIL_BASE_URL`` to exactly the URL entered in Twilio's console.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from twilio.request_validator import RequestValidator

from dialtrail.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_request_url(settings: Settings, request: Request) -> str:
    url = settings.public_url + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def signed_by_twilio(
    auth_token: str, url: str, form: Mapping[str, str], signature: str | None
) -> bool:
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(form), signature))


def signature_for(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    """The signature Twilio would send: for tests and for checking a set-up by hand."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(form)))
