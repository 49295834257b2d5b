"""The Twilio adapter, fed with recorded Twilio requests (``fixtures/twilio/*.form``: the
form bodies as Twilio posts them), signed here the way Twilio signs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import select

from dialtrail.app import create_app
from dialtrail.calls.adapters.twilio.models import TwilioSettings
from dialtrail.calls.adapters.twilio.signature import signature_for
from tests.calls.conftest import CALLER, POOL_NUMBER, Scene, T
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.server import serve

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CALL_SID = "CA5f3b8e0c1d2a4b6c8e0f1a2b3c4d5e6f"
DESTINATION = "+380501112233"


@pytest.fixture(scope="session")
def twilio_url(backend_database: Database) -> Iterator[str]:
    """A server whose clock stands at T, so the voice webhook (which carries no time) and
    the status callbacks (which do) agree."""
    app = create_app(backend_database.settings, backend_database.engine, clock=lambda: T)
    with serve(app) as url:
        yield url


@pytest.fixture
def twilio(scene: Scene, twilio_url: str) -> Iterator[Twilio]:
    configure(scene, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    with http_client(twilio_url, timeout=30) as client:
        yield Twilio(scene, client)


def configure(scene: Scene, **fields: str) -> None:
    project_url = f"/api/v1/projects/{scene.world.project_id}"
    owner = scene.world.owner.client
    response = owner.patch(project_url, json={"destination": DESTINATION})
    assert response.status_code == 200, response.text
    response = owner.patch(f"{project_url}/telephony/twilio", json=fields)
    assert response.status_code == 200, response.text


class Twilio:
    def __init__(self, scene: Scene, client: httpx.Client) -> None:
        self.scene = scene
        self.client = client

    def path(self, hook: str, project_id: int | None = None) -> str:
        return f"/telephony/twilio/{project_id or self.scene.world.project_id}/{hook}"

    def send(
        self,
        hook: str,
        fixture: str,
        *,
        token: str = AUTH_TOKEN,
        signed_url: str | None = None,
        project_id: int | None = None,
        **changes: str,
    ) -> httpx.Response:
        form = {**recorded(fixture), **changes}
        path = self.path(hook, project_id)
        public_url = signed_url or self.scene.database.settings.public_url + path
        headers = {"X-Twilio-Signature": signature_for(token, public_url, form)}
        return self.client.post(path, data=form, headers=headers)


def recorded(fixture: str) -> dict[str, str]:
    body = (FIXTURES / f"{fixture}.form").read_text()
    return dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))


def dial_of(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("application/xml")
    # Our own server's answer, not untrusted input.
    dial = ElementTree.fromstring(response.text).find("Dial")  # noqa: S314
    assert dial is not None, response.text
    return dial


def test_it_forwards_a_call_to_the_destination_and_records_it_started(twilio: Twilio) -> None:
    scene = twilio.scene
    number = scene.number()
    session_id, key = scene.visit()
    scene.lease(number, session_id, -5, 5)

    response = twilio.send("voice", "voice")

    assert response.status_code == 200, response.text
    dial = dial_of(response)
    status_url = scene.database.settings.public_url + twilio.path("status")
    assert dial.attrib == {"action": status_url, "method": "POST"}
    target = dial.find("Number")
    assert target is not None
    assert target.text == DESTINATION
    assert target.attrib["statusCallback"] == status_url
    assert target.attrib["statusCallbackEvent"] == "initiated ringing answered completed"
    [call] = scene.calls()
    assert (call.provider, call.external_id, call.started_at) == ("twilio", CALL_SID, T)
    assert (call.caller, call.tracking_number, call.attribution) == (
        CALLER,
        POOL_NUMBER,
        "session",
    )
    assert call.visit["session_id"] == key


def test_it_dials_a_sip_destination_with_sip(twilio: Twilio) -> None:
    twilio.scene.number(destination="sip:desk@pbx.example.com")

    dial = dial_of(twilio.send("voice", "voice"))

    target = dial.find("Sip")
    assert target is not None
    assert target.text == "sip:desk@pbx.example.com"


def test_it_follows_the_call_through_its_status_callbacks(twilio: Twilio) -> None:
    twilio.send("voice", "voice")
    answers = [
        twilio.send("status", fixture)
        for fixture in (
            "status-forwarded-ringing",
            "status-forwarded-answered",
            "status-forwarded-completed",
            "dial-completed",
        )
    ]

    assert [answer.status_code for answer in answers] == [200] * 4
    [call] = twilio.scene.calls()
    assert [event for _, event in twilio.scene.events()] == ["started", "answered", "ended"]
    assert (call.disposition, call.wait_seconds, call.talk_seconds) == ("answered", 9, 95)
    assert (call.duration_seconds, call.caller) == (104, CALLER)


def test_it_records_a_busy_destination(twilio: Twilio) -> None:
    twilio.send("voice", "voice")

    twilio.send("status", "dial-busy")

    [call] = twilio.scene.calls()
    assert (call.disposition, call.talk_seconds, call.answered_at) == ("busy", 0, None)


def test_it_hangs_up_politely_without_a_destination(twilio: Twilio) -> None:
    twilio.scene.world.owner.client.patch(
        f"/api/v1/projects/{twilio.scene.world.project_id}", json={"destination": None}
    )

    response = twilio.send("voice", "voice")

    assert "<Hangup" in response.text
    [call] = twilio.scene.calls()
    assert (call.disposition, call.ended_at) == ("failed", T)


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("token", "signed_url"),
    [
        ("ffffffffffffffffffffffffffffffff", None),  # another auth token
        (AUTH_TOKEN, "https://evil.example.com/telephony/twilio/1/voice"),  # another URL
    ],
)
def test_it_refuses_a_request_not_signed_by_twilio(
    twilio: Twilio, token: str, signed_url: str | None
) -> None:
    response = twilio.send("voice", "voice", token=token, signed_url=signed_url)

    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["message"]
    assert twilio.scene.calls() == []


def test_it_refuses_a_request_without_a_signature(twilio: Twilio) -> None:
    response = twilio.client.post(twilio.path("status"), data=recorded("dial-completed"))

    assert response.status_code == 403
    assert twilio.scene.calls() == []


def test_it_refuses_a_form_changed_after_signing(twilio: Twilio) -> None:
    form = recorded("voice")
    path = twilio.path("voice")
    url = twilio.scene.database.settings.public_url + path
    headers = {"X-Twilio-Signature": signature_for(AUTH_TOKEN, url, form)}

    response = twilio.client.post(path, data={**form, "From": "+380991234567"}, headers=headers)

    assert response.status_code == 403
    assert twilio.scene.calls() == []


def test_it_refuses_another_twilio_account(twilio: Twilio) -> None:
    response = twilio.send("voice", "voice", AccountSid="AC" + "9" * 32)

    assert response.status_code == 403
    assert twilio.scene.calls() == []


def test_it_explains_a_project_without_twilio_credentials(scene: Scene, twilio_url: str) -> None:
    with http_client(twilio_url) as client:
        unknown = client.post("/telephony/twilio/999999/voice", data=recorded("voice"))
        bare = client.post(
            f"/telephony/twilio/{scene.world.project_id}/voice", data=recorded("voice")
        )

    assert unknown.status_code == 404
    assert bare.status_code == 409
    assert "auth_token" in bare.json()["message"]
    assert "/telephony/twilio" in bare.json()["message"]
    assert scene.calls() == []


def test_it_keeps_the_auth_token_sealed_and_write_only(twilio: Twilio) -> None:
    scene = twilio.scene
    settings_url = f"/api/v1/projects/{scene.world.project_id}/telephony/twilio"
    shown = scene.world.member.client.get(settings_url).json()

    assert (shown["configured"], shown["account_sid"]) == (True, ACCOUNT_SID)
    assert shown["voice_url"].endswith(f"/telephony/twilio/{scene.world.project_id}/voice")
    assert AUTH_TOKEN not in str(shown)
    with scene.database.session() as session:
        stored = session.scalar(
            select(TwilioSettings.auth_token).where(
                TwilioSettings.project_id == scene.world.project_id
            )
        )
    assert stored is not None
    assert AUTH_TOKEN not in stored


def test_changing_the_account_keeps_the_token_and_null_clears_it(twilio: Twilio) -> None:
    scene = twilio.scene
    settings_url = f"/api/v1/projects/{scene.world.project_id}/telephony/twilio"
    owner = scene.world.owner.client

    other = "AC" + "b" * 32
    changed = owner.patch(settings_url, json={"account_sid": other}).json()
    cleared = owner.patch(settings_url, json={"auth_token": None}).json()

    assert (changed["account_sid"], changed["configured"]) == (other, True)
    assert (cleared["account_sid"], cleared["configured"]) == (other, False)


def test_the_project_no_longer_takes_twilio_fields(scene: Scene) -> None:
    response = scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"twilio_account_sid": ACCOUNT_SID}
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "twilio_account_sid"


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("field", "value"),
    [("account_sid", "SK123"), ("auth_token", "has spaces in it ok")],
)
def test_it_refuses_malformed_twilio_credentials(scene: Scene, field: str, value: str) -> None:
    response = scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}/telephony/twilio", json={field: value}
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field


def test_it_lets_only_owners_set_twilio_credentials(scene: Scene) -> None:
    response = scene.world.member.client.patch(
        f"/api/v1/projects/{scene.world.project_id}/telephony/twilio",
        json={"auth_token": AUTH_TOKEN},
    )

    assert response.status_code == 403


def test_it_keeps_status_callbacks_whose_clock_disagrees_with_the_server(
    twilio: Twilio,
) -> None:
    # The voice webhook carries no time (the server's clock starts the call); Twilio's own
    # clock, a minute behind, stamps the callbacks. Twilio never resends an event it got a
    # 422 for, so the event is kept and its times put in order rather than refused.
    twilio.send("voice", "voice")
    late_clock = "Mon, 02 Mar 2026 11:59:00 +0000"

    answer = twilio.send("status", "status-forwarded-completed", Timestamp=late_clock)

    assert answer.status_code == 200, answer.text
    [call] = twilio.scene.calls()
    assert [event for _, event in twilio.scene.events()] == ["started", "ended"]
    assert call.ended_at is not None
    assert call.started_at is not None
    assert call.ended_at >= call.started_at
