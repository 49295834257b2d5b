"""The Telnyx adapter, fed with Call Control webhooks written from Telnyx's documented
payloads (``fixtures/telnyx/*.json``), signed here with a test Ed25519 key the way Telnyx
signs; the commands it sends go to a local server standing in for Telnyx's API."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from dialtrail.app import create_app
from dialtrail.calls.adapters.telnyx import mapping
from dialtrail.calls.adapters.telnyx.commands import TelnyxApi
from dialtrail.calls.adapters.telnyx.models import TelnyxSettings
from dialtrail.calls.models import TelephonyReceipt
from dialtrail.secrets import SecretBox
from tests.calls.conftest import CALLER, POOL_NUMBER, Scene, T
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.receiver import Answer, Receiver, receiving
from tests.support.server import serve

FIXTURES = Path(__file__).parent / "fixtures" / "telnyx"
PRIVATE_KEY = Ed25519PrivateKey.generate()  # this run's stand-in for Telnyx's signing key
PUBLIC_KEY = base64.b64encode(
    PRIVATE_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()
API_KEY = "KEY0193A5B2C4D6E8F0_TestKeyForDialtrailTests"
SESSION_ID = "428c31b6-abf3-3bc1-b7f4-5013ef9657c1"
CALLER_LEG = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
DESTINATION = "+380501112233"


@pytest.fixture(scope="session")
def telnyx_api() -> Iterator[Receiver]:
    """Telnyx's Call Control API, as far as Dialtrail talks to it: records the commands."""
    with receiving() as receiver:
        receiver.default = Answer(200, '{"data": {"result": "ok"}}')
        yield receiver


@pytest.fixture(scope="session")
def telnyx_url(backend_database: Database, telnyx_api: Receiver) -> Iterator[str]:
    app = create_app(backend_database.settings, backend_database.engine, clock=lambda: T)
    app.state.telnyx_api = TelnyxApi(telnyx_api.url, allow_private=True)
    with serve(app) as url:
        yield url


@pytest.fixture
def telnyx(scene: Scene, telnyx_url: str, telnyx_api: Receiver) -> Iterator[Telnyx]:
    telnyx_api.received.clear()
    telnyx_api.answers.clear()
    configure(scene, public_key=PUBLIC_KEY, api_key=API_KEY)
    with http_client(telnyx_url, timeout=30) as client:
        yield Telnyx(scene, client, telnyx_api)


def configure(scene: Scene, **fields: str) -> None:
    project_url = f"/api/v1/projects/{scene.world.project_id}"
    owner = scene.world.owner.client
    response = owner.patch(project_url, json={"destination": DESTINATION})
    assert response.status_code == 200, response.text
    response = owner.patch(f"{project_url}/telephony/telnyx", json=fields)
    assert response.status_code == 200, response.text


def recorded(fixture: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{fixture}.json").read_text())
    return body


def signed_headers(
    body: bytes, at: datetime = T, key: Ed25519PrivateKey = PRIVATE_KEY
) -> dict[str, str]:
    """As Telnyx documents it, written here rather than taken from the adapter: Ed25519 over
    ``"{telnyx-timestamp}|{raw body}"``, base64."""
    timestamp = str(int(at.timestamp()))
    signature = key.sign(timestamp.encode() + b"|" + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": timestamp,
        "content-type": "application/json",
    }


class Telnyx:
    def __init__(self, scene: Scene, client: httpx.Client, api: Receiver) -> None:
        self.scene = scene
        self.client = client
        self.api = api

    def path(self, project_id: int | None = None) -> str:
        return f"/telephony/telnyx/{project_id or self.scene.world.project_id}/webhook"

    def send(self, fixture: str, *, at: datetime = T, **payload: Any) -> httpx.Response:
        body = recorded(fixture)
        body["data"]["payload"].update(payload)
        raw = json.dumps(body).encode()
        return self.client.post(self.path(), content=raw, headers=signed_headers(raw, at))

    def commands(self) -> list[tuple[str, dict[str, Any]]]:
        sent = [(request.path, json.loads(request.body)) for request in self.api.received]
        for path, body in sent:
            check_command(path, body)
        return sent


# Call Control's commands (developers.telnyx.com, Call Commands): the body parameters Telnyx
# documents for the three Dialtrail sends, the required ones first.
COMMAND_OPTIONS = {
    "answer": (set(), {"billing_group_id", "client_state", "command_id", "webhook_url",
                       "webhook_url_method"}),
    "transfer": ({"to"}, {"from", "from_display_name", "audio_url", "early_media", "media_name",
                          "timeout_secs", "time_limit_secs", "answering_machine_detection",
                          "custom_headers", "client_state", "target_leg_client_state",
                          "command_id", "webhook_url", "webhook_url_method"}),
    "hangup": (set(), {"client_state", "command_id"}),
}  # fmt: skip
CALL_CONTROL_PATH = re.compile(r"^/calls/(?P<id>[^/]+)/actions/(?P<action>[a-z_]+)$")


def check_command(path: str, body: dict[str, Any]) -> None:
    found = CALL_CONTROL_PATH.match(path)
    assert found, path
    required, optional = COMMAND_OPTIONS[found["action"]]
    assert required <= set(body) <= required | optional, (path, body)
    assert isinstance(body["command_id"], str)
    assert body["command_id"]
    if "to" in body:
        assert re.fullmatch(r"\+[1-9]\d{6,14}", body["to"]) or body["to"].startswith("sip:")


def test_it_records_the_call_started_and_answers_the_callers_leg(telnyx: Telnyx) -> None:
    scene = telnyx.scene
    number = scene.number()
    session_id, key = scene.visit()
    scene.lease(number, session_id, -5, 5)

    response = telnyx.send("call-initiated")

    assert response.status_code == 200, response.text
    [call] = scene.calls()
    assert (call.provider, call.external_id) == ("telnyx", SESSION_ID)
    assert call.started_at == T + timedelta(microseconds=102312)  # occurred_at
    assert (call.caller, call.tracking_number, call.attribution) == (CALLER, POOL_NUMBER, "session")
    assert call.visit["session_id"] == key
    [request] = telnyx.api.received
    check_command(request.path, json.loads(request.body))
    assert (request.method, request.path) == ("POST", f"/calls/{CALLER_LEG}/actions/answer")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.body)["command_id"].startswith("dialtrail-answer-")


def test_once_the_callers_leg_is_answered_it_transfers_it_to_the_destination(
    telnyx: Telnyx,
) -> None:
    telnyx.send("call-initiated")

    response = telnyx.send("call-answered-caller")

    assert response.status_code == 200, response.text
    path, body = telnyx.commands()[-1]
    assert path == f"/calls/{CALLER_LEG}/actions/transfer"
    assert body["to"] == DESTINATION
    # Dialtrail answered the caller itself: nobody has answered the call yet.
    assert [event for _, event in telnyx.scene.events()] == ["started"]


def test_it_follows_an_answered_call_to_its_end(telnyx: Telnyx) -> None:
    answers = [
        telnyx.send(fixture)
        for fixture in (
            "call-initiated",
            "call-answered-caller",
            "call-initiated-destination",
            "call-answered-destination",
            "call-bridged",
            "call-hangup-caller",
            "call-hangup-destination",
        )
    ]

    assert [answer.status_code for answer in answers] == [200] * 7
    [call] = telnyx.scene.calls()
    assert [event for _, event in telnyx.scene.events()] == ["started", "answered", "ended"]
    assert (call.disposition, call.wait_seconds, call.duration_seconds) == ("answered", 10, 105)
    assert call.talk_seconds == 95
    assert [path.rsplit("/", 1)[-1] for path, _ in telnyx.commands()] == ["answer", "transfer"]


def test_a_busy_destination_ends_the_call_busy_and_hangs_up_the_caller(telnyx: Telnyx) -> None:
    for fixture in ("call-initiated", "call-answered-caller", "call-initiated-destination"):
        telnyx.send(fixture)

    response = telnyx.send("call-hangup-destination-busy")

    assert response.status_code == 200, response.text
    [call] = telnyx.scene.calls()
    assert (call.disposition, call.answered_at) == ("busy", None)
    assert telnyx.commands()[-1][0] == f"/calls/{CALLER_LEG}/actions/hangup"
    telnyx.send("call-hangup-caller")  # the caller's leg, hung up: a duplicate ended
    assert telnyx.scene.call(call.id).disposition == "busy"


def test_without_a_destination_it_hangs_up_and_records_a_failed_call(telnyx: Telnyx) -> None:
    scene = telnyx.scene
    scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"destination": None}
    )

    telnyx.send("call-initiated")

    [call] = scene.calls()
    assert (call.disposition, call.ended_at) == ("failed", call.started_at)
    assert telnyx.commands()[-1][0] == f"/calls/{CALLER_LEG}/actions/hangup"


def test_a_repeated_webhook_changes_nothing(telnyx: Telnyx) -> None:
    first = telnyx.send("call-initiated")
    again = telnyx.send("call-initiated")

    assert (first.status_code, again.status_code) == (200, 200)
    assert [event for _, event in telnyx.scene.events()] == ["started"]
    # The same command_id twice: Telnyx ignores the second.
    ids = {body["command_id"] for _, body in telnyx.commands()}
    assert len(ids) == 1


def test_it_keeps_a_hangup_that_contradicts_the_start(
    telnyx: Telnyx, caplog: pytest.LogCaptureFixture
) -> None:
    # Telnyx never resends a webhook it got a 422 for: a contradicting event is kept (with a
    # warning in the log) and the call's times put in order.
    telnyx.send("call-initiated")
    telnyx.send("call-answered-caller")
    telnyx.send("call-initiated-destination")
    telnyx.send("call-answered-destination")
    early = recorded("call-hangup-caller")
    early["data"]["occurred_at"] = "2026-03-02T11:58:00Z"
    raw = json.dumps(early).encode()

    with caplog.at_level(logging.WARNING, logger="dialtrail.calls.ingest"):
        answer = telnyx.client.post(telnyx.path(), content=raw, headers=signed_headers(raw))

    assert answer.status_code == 200, answer.text
    assert f"call {SESSION_ID}: kept a ended event that contradicts the call" in caplog.text
    [call] = telnyx.scene.calls()
    assert [event for _, event in telnyx.scene.events()] == ["started", "answered", "ended"]
    assert call.ended_at is not None
    assert call.ended_at >= call.started_at


def test_events_of_a_call_whose_start_never_came_are_ignored(telnyx: Telnyx) -> None:
    response = telnyx.send("call-hangup-destination")

    assert response.status_code == 200
    assert telnyx.scene.calls() == []


def test_a_command_telnyx_refuses_is_noted_and_the_event_kept(telnyx: Telnyx) -> None:
    telnyx.api.answer(Answer(401, '{"errors": [{"detail": "The API key is not valid"}]}'))

    response = telnyx.send("call-initiated")

    assert response.status_code == 200
    assert [event for _, event in telnyx.scene.events()] == ["started"]
    with telnyx.scene.database.session() as session:
        receipt = session.get(TelephonyReceipt, (telnyx.scene.world.project_id, "telnyx"))
    assert receipt is not None
    assert receipt.outcome == "accepted"
    assert receipt.reason.startswith("Telnyx refused the answer command (401)")


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("headers_for", "why"),
    [
        (lambda raw: {}, "missing"),
        (lambda raw: signed_headers(raw, key=Ed25519PrivateKey.generate()), "wrong"),
        (lambda raw: signed_headers(raw + b" "), "wrong"),  # signed another body
        (lambda raw: signed_headers(raw, T - timedelta(seconds=301)), "more than 5 minutes"),
        (lambda raw: signed_headers(raw, T + timedelta(seconds=301)), "more than 5 minutes"),
        (lambda raw: {**signed_headers(raw), "telnyx-timestamp": "soon"}, "not a Unix time"),
        (lambda raw: {**signed_headers(raw), "telnyx-signature-ed25519": "%%"}, "wrong"),
    ],
    ids=["missing", "forged", "changed-body", "replayed", "ahead", "bad-time", "not-base64"],
)
def test_it_refuses_a_request_not_signed_by_telnyx_now(
    telnyx: Telnyx, headers_for: Any, why: str
) -> None:
    raw = json.dumps(recorded("call-initiated")).encode()

    response = telnyx.client.post(telnyx.path(), content=raw, headers=headers_for(raw))

    assert response.status_code == 403, response.text
    assert why in response.json()["message"]
    assert telnyx.scene.calls() == []
    assert telnyx.api.received == []


def test_a_replay_within_the_tolerance_is_a_duplicate(telnyx: Telnyx) -> None:
    telnyx.send("call-initiated", at=T - timedelta(seconds=299))

    assert len(telnyx.scene.calls()) == 1


def test_it_explains_a_project_without_telnyx_credentials(scene: Scene, telnyx_url: str) -> None:
    raw = json.dumps(recorded("call-initiated")).encode()
    with http_client(telnyx_url) as client:
        unknown = client.post("/telephony/telnyx/999999/webhook", content=raw)
        bare = client.post(
            f"/telephony/telnyx/{scene.world.project_id}/webhook",
            content=raw,
            headers=signed_headers(raw),
        )

    assert unknown.status_code == 404
    assert bare.status_code == 409
    assert "public_key and api_key" in bare.json()["message"]
    assert scene.calls() == []


def test_an_api_key_sealed_under_another_server_key_is_a_409_saying_so(telnyx: Telnyx) -> None:
    # DIALTRAIL_SECRET_KEY changed since the key was saved: the owner must give it again.
    with telnyx.scene.database.session() as db:
        stored = db.get(TelnyxSettings, telnyx.scene.world.project_id)
        assert stored is not None
        stored.api_key = SecretBox("another-server-key-of-at-least-32-chars").seal(API_KEY)
        db.commit()

    response = telnyx.send("call-initiated")

    assert response.status_code == 409, response.text
    assert response.json()["error"] == "telnyx_not_configured"
    assert "DIALTRAIL_SECRET_KEY" in response.json()["message"]
    assert telnyx.scene.calls() == []


def test_it_refuses_a_body_that_is_not_telnyx_json_naming_the_field(telnyx: Telnyx) -> None:
    for raw, field in ((b"[1]", "data"), (b'{"data": {"payload": {}}}', "data.event_type")):
        response = telnyx.client.post(telnyx.path(), content=raw, headers=signed_headers(raw))
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field


def test_it_keeps_the_api_key_sealed_and_write_only(telnyx: Telnyx) -> None:
    scene = telnyx.scene
    settings_url = f"/api/v1/projects/{scene.world.project_id}/telephony/telnyx"
    shown = scene.world.member.client.get(settings_url).json()

    assert (shown["configured"], shown["public_key"]) == (True, PUBLIC_KEY)
    assert shown["webhook_url"].endswith(f"/telephony/telnyx/{scene.world.project_id}/webhook")
    assert API_KEY not in str(shown)
    with scene.database.session() as session:
        stored = session.scalar(
            select(TelnyxSettings.api_key).where(
                TelnyxSettings.project_id == scene.world.project_id
            )
        )
    assert stored is not None
    assert API_KEY not in stored
    cleared = scene.world.owner.client.patch(settings_url, json={"api_key": None}).json()
    assert (cleared["public_key"], cleared["configured"]) == (PUBLIC_KEY, False)


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("public_key", "not base64!", "base64"),
        ("public_key", base64.b64encode(b"x" * 16).decode(), "32-byte"),
        ("api_key", "short", "Telnyx API key"),
    ],
)
def test_it_refuses_malformed_telnyx_settings(
    scene: Scene, field: str, value: str, message: str
) -> None:
    response = scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}/telephony/telnyx", json={field: value}
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field
    assert message in response.json()["fields"][0]["message"]


def test_it_lets_only_owners_set_telnyx_keys(scene: Scene) -> None:
    url = f"/api/v1/projects/{scene.world.project_id}/telephony/telnyx"
    member = scene.world.member.client.patch(url, json={"api_key": API_KEY})
    outsider = scene.world.outsider.client.get(url)
    anonymous = scene.world.anonymous.get(url)

    assert (member.status_code, outsider.status_code, anonymous.status_code) == (403, 404, 401)


@pytest.mark.parametrize(
    ("cause", "disposition", "hangs_up_the_caller"),
    [
        ("normal_clearing", None, False),
        ("user_busy", "busy", True),
        ("call_rejected", "busy", True),
        ("timeout", "no_answer", True),
        ("no_answer", "no_answer", True),
        ("originator_cancel", "no_answer", False),
        ("not_found", "failed", True),
        ("something_new", None, False),
    ],
)
def test_a_destination_legs_hangup_cause_gives_the_disposition(
    cause: str, disposition: str | None, hangs_up_the_caller: bool
) -> None:
    hook = mapping.webhook_of(recorded("call-hangup-destination"))
    hook = mapping.Webhook(
        hook.event_type, hook.occurred_at, {**hook.payload, "hangup_cause": cause}
    )

    step = mapping.step(hook, caller_leg="428c31b6-7af4-4bcb-b7f5-5013ef9657c1")

    assert (step.event, step.about_caller_leg, step.disposition) == ("ended", False, disposition)
    assert (step.command == "hangup") is hangs_up_the_caller
