"""What to paste into Telnyx's portal for a project: the Call Control application's webhook
URL, built from ``DIALTRAIL_BASE_URL``."""

from __future__ import annotations

from dataclasses import dataclass

from dialtrail.calls.adapters.public_urls import base_url_warning, hook_url

PROVIDER = "telnyx"


@dataclass(frozen=True)
class ConsoleSetup:
    webhook_url: str  # the Call Control application's "Webhook URL" (API v2)
    warning: str | None  # why Telnyx could not reach it, if so


def console_setup(base_url: str, public_url: str, project_id: int) -> ConsoleSetup:
    return ConsoleSetup(
        webhook_url=hook_url(public_url, PROVIDER, project_id, "webhook"),
        warning=base_url_warning(base_url, public_url, "Telnyx"),
    )
