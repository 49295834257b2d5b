"""Twilio's requests for tests outside tests/calls: the recorded fixtures of
tests/calls/test_twilio.py, signed the way Twilio signs them, sent to a server of the test's
own (its ReceiptNotes fresh, its DIALTRAIL_BASE_URL chosen, its clock at ``AT``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from dialtrail.app import create_app
from dialtrail.calls.adapters.twilio.signature import signature_for
from tests.calls.test_twilio import ACCOUNT_SID, AUTH_TOKEN, recorded
from tests.support.databases import Database
from tests.support.people import World
from tests.support.server import serve

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def give_twilio_credentials(world: World) -> None:
    fields = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
    url = f"/api/v1/projects/{world.project_id}/telephony/twilio"
    answer = world.owner.client.patch(url, json=fields)
    assert answer.status_code == 200, answer.text


@contextmanager
def server_for_twilio(database: Database, base_url: str = "") -> Iterator[str]:
    settings = database.settings.replace(base_url=base_url)
    with serve(create_app(settings, database.engine, clock=lambda: AT)) as url:
        yield url


def send(
    server_url: str,
    public_url: str,
    project_id: int,
    hook: str = "voice",
    token: str = AUTH_TOKEN,
) -> httpx.Response:
    """Twilio's recorded request to ``hook``, signed for ``public_url`` (the server's
    DIALTRAIL_BASE_URL when Twilio's console is set up right) with ``token``."""
    form = recorded("voice" if hook == "voice" else "dial-completed")
    path = f"/telephony/twilio/{project_id}/{hook}"
    headers = {"X-Twilio-Signature": signature_for(token, public_url + path, form)}
    with httpx.Client(base_url=server_url, timeout=30) as client:
        return client.post(path, data=form, headers=headers)
