"""What to paste into Twilio's console for a project: the Voice and Status URLs, built from
``DIALTRAIL_BASE_URL`` (public_urls.hook_url) exactly as the signature check rebuilds the URL
Twilio called (signature.public_request_url), and what is wrong with that base URL, if
anything (a missing one in words of its own: Twilio's signature also covers the URL)."""

from __future__ import annotations

from dataclasses import dataclass

from dialtrail.calls.adapters import public_urls
from dialtrail.calls.adapters.public_urls import hook_url

PROVIDER = "twilio"


@dataclass(frozen=True)
class ConsoleSetup:
    voice_url: str  # "A call comes in": Webhook, HTTP POST
    status_url: str  # "Call status changes"
    warning: str | None  # why Twilio could not reach these URLs, or would sign others


def console_setup(base_url: str, public_url: str, project_id: int) -> ConsoleSetup:
    return ConsoleSetup(
        voice_url=hook_url(public_url, PROVIDER, project_id, "voice"),
        status_url=hook_url(public_url, PROVIDER, project_id, "status"),
        warning=base_url_warning(base_url, public_url),
    )


def base_url_warning(base_url: str, public_url: str) -> str | None:
    """public_urls' warning, but for a missing base URL, which also breaks every signature."""
    if not base_url:
        return (
            f"DIALTRAIL_BASE_URL is not set, so these URLs use this server's own address "
            f"({public_url}), which Twilio cannot reach, and every request would fail its "
            "signature check. Set DIALTRAIL_BASE_URL to this server's public https:// address "
            "and restart Dialtrail."
        )
    return public_urls.base_url_warning(base_url, public_url, "Twilio")
