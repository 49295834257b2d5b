"""Integrations that ride on the webhook engine (docs/integrations.md): a webhook row of another
``kind`` whose request an integration renders, so the outbox, retries, ordering, the deliveries
log, test sends and the error page are the webhooks' own. One module per integration, each
with its settings' rules and its renderer, registered in RENDERERS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from dialtrail.webhooks.integrations import ga4, matomo
from dialtrail.webhooks.render import RenderedRequest, WebhookSpec, render


class Renderer(Protocol):
    def __call__(
        self,
        spec: WebhookSpec,
        event_type: str,
        timestamp: datetime,
        data: Mapping[str, Any],
        now: datetime,
        *,
        validate: bool = False,
    ) -> RenderedRequest: ...


RENDERERS: dict[str, Renderer] = {"ga4": ga4.render, "matomo": matomo.render}
# The settings each kind keeps sealed: secrets shown only masked, never sent back.
SEALED: dict[str, tuple[str, ...]] = {"ga4": ("api_secret",), "matomo": ("token_auth",)}
TITLES: dict[str, str] = {"webhook": "Webhook", "ga4": "Google Analytics 4", "matomo": "Matomo"}


def request_for(
    spec: WebhookSpec,
    event_type: str,
    timestamp: datetime,
    data: Mapping[str, Any],
    now: datetime,
    *,
    validate: bool = False,
) -> RenderedRequest:
    """The request of a delivery, whichever kind renders it. ``validate``: a test send, to the
    integration's validation endpoint where it has one (GA4's /debug/mp/collect). Raises
    render.NotSent when the integration sends nothing for this event, and why."""
    renderer = RENDERERS.get(spec.kind)
    if renderer is None:
        return render(spec, event_type, timestamp, data)
    return renderer(spec, event_type, timestamp, data, now, validate=validate)


def opened_settings(
    kind: str, settings: Mapping[str, Any], open: Callable[[str], str]
) -> dict[str, Any]:
    """The settings with their sealed values opened, for rendering."""
    opened = dict(settings)
    for name in SEALED.get(kind, ()):
        if opened.get(name):
            opened[name] = open(opened[name])
    return opened
