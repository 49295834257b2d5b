"""What to paste into Vonage's dashboard for a project: the Voice application's Answer URL
and Event URL, built from ``DIALTRAIL_BASE_URL``."""

from __future__ import annotations

from dataclasses import dataclass

from dialtrail.calls.adapters.public_urls import base_url_warning, hook_url

PROVIDER = "vonage"


@dataclass(frozen=True)
class ConsoleSetup:
    answer_url: str  # Voice capability: Answer URL (HTTP POST)
    event_url: str  # Voice capability: Event URL (HTTP POST)
    warning: str | None  # why Vonage could not reach them, if so


def console_setup(base_url: str, public_url: str, project_id: int) -> ConsoleSetup:
    return ConsoleSetup(
        answer_url=hook_url(public_url, PROVIDER, project_id, "answer"),
        event_url=hook_url(public_url, PROVIDER, project_id, "event"),
        warning=base_url_warning(base_url, public_url, "Vonage"),
    )
