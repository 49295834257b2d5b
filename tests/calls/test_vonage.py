"""The Vonage adapter, fed with Voice API webhooks written from Vonage's documented payloads
(``fixtures/vonage/*.json``), each signed here as Vonage signs webhooks: a JWT (HS256, the
account's signature secret) with ``iat`` and the ``payload_hash`` Vonage documents, the SHA-256
of the payload as JSON without whitespace (a POST's body, a GET's query parameters in their
order); its NCCO answers checked against the shape Vonage documents."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from sqlalchemy import select

from dialtrail.app import create_app
from dialtrail.calls.adapters.vonage import mapping
from dialtrail.calls.adapters.vonage.models import VonageSettings
from dialtrail.calls.adapters.vonage.signature import TOLERANCE, SeenTokens
from tests.calls.conftest import CALLER, POOL_NUMBER, Scene, T
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.server import serve

FIXTURES = Path(__file__).parent / "fixtures" / "vonage"
API_KEY = "a1b2c3d4"
SIGNATURE_SECRET = "Kq3vT8zW1xY6nB0mR5pL2sD9fG4hJ7cA"
CONVERSATION = "CON-f972836a-550f-45fa-956c-12a2ab5b7d22"
DESTINATION = "+380501112233"


@pytest.fixture(scope="session")
def vonage_url(backend_database: Database) -> Iterator[str]:
    app = create_app(backend_database.settings, backend_database.engine, clock=lambda: T)
    with serve(app) as url:
        yield url


@pytest.fixture
def vonage(scene: Scene, vonage_url: str) -> Iterator[Vonage]:
    configure(scene, api_key=API_KEY, signature_secret=SIGNATURE_SECRET)
    with http_client(vonage_url, timeout=30) as client:
        yield Vonage(scene, client)


def configure(scene: Scene, **fields: str) -> None:
    project_url = f"/api/v1/projects/{scene.world.project_id}"
    owner = scene.world.owner.client
    response = owner.patch(project_url, json={"destination": DESTINATION})
    assert response.status_code == 200, response.text
    response = owner.patch(f"{project_url}/telephony/vonage", json=fields)
    assert response.status_code == 200, response.text


def recorded(fixture: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{fixture}.json").read_text())
    return body


def bearer(body: bytes, at: datetime = T, secret: str = SIGNATURE_SECRET, **claims: Any) -> str:
    """As Vonage documents it, written here rather than taken from the adapter: a JWT signed
    HS256 with the signature secret, claiming when it was signed (``iat``), a unique ``jti``
    and the ``payload_hash``, the SHA-256 (hex) of the payload."""
    payload = {
        "iat": int(at.timestamp()),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "api_key": API_KEY,
        "application_id": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        **claims,
    }
    return "Bearer " + jwt.encode(payload, secret, algorithm="HS256")


def as_vonage_writes(fields: dict[str, Any]) -> bytes:
    """A payload as Vonage hashes (and sends) it: JSON without whitespace."""
    return json.dumps(fields, separators=(",", ":")).encode()


def get_bearer(query: dict[str, Any]) -> dict[str, str]:
    """The header of a GET to the Answer URL: the token's payload_hash is over the query's
    parameters written as one JSON object, in their order (Vonage API Support, "How do I verify
    that the Voice API Webhook request and its payload has not been tampered")."""
    return {"Authorization": bearer(as_vonage_writes(query))}


class Vonage:
    def __init__(self, scene: Scene, client: httpx.Client) -> None:
        self.scene = scene
        self.client = client

    def path(self, hook: str) -> str:
        return f"/telephony/vonage/{self.scene.world.project_id}/{hook}"

    def send(self, hook: str, fixture: str, **changes: Any) -> httpx.Response:
        raw = as_vonage_writes({**recorded(fixture), **changes})
        headers = {"Authorization": bearer(raw), "Content-Type": "application/json"}
        return self.client.post(self.path(hook), content=raw, headers=headers)

    def answer(self) -> list[dict[str, Any]]:
        response = self.send("answer", "answer")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        actions: list[dict[str, Any]] = response.json()
        check_ncco(actions)
        return actions


# The NCCO reference (developer.vonage.com, Voice API → NCCO reference): an array of action
# objects; these are the options Vonage documents for the two actions Dialtrail sends.
NCCO_OPTIONS = {
    "connect": {"action", "endpoint", "from", "randomFromNumber", "eventType", "timeout",
                "limit", "machineDetection", "advancedMachineDetection", "eventUrl",
                "eventMethod", "ringbackTone"},
    "talk": {"action", "text", "bargeIn", "loop", "level", "language", "style", "premium"},
}  # fmt: skip
ENDPOINT_OPTIONS = {
    "phone": {"type", "number", "dtmfAnswer", "onAnswer", "shaken"},
    "sip": {"type", "uri", "headers", "standardHeaders"},
}
E164_DIGITS = re.compile(r"^[1-9][0-9]{6,14}$")  # Vonage's numbers: E.164 without the +


def check_ncco(actions: Any) -> None:
    assert isinstance(actions, list)
    assert actions
    for action in actions:
        assert isinstance(action, dict)
        assert action.get("action") in NCCO_OPTIONS, action
        assert set(action) <= NCCO_OPTIONS[action["action"]], action
        if action["action"] == "talk":
            assert isinstance(action["text"], str)
            assert 0 < len(action["text"]) <= 1500
        else:
            check_connect(action)


def check_connect(action: dict[str, Any]) -> None:
    [endpoint] = action["endpoint"]  # connect takes one endpoint
    assert set(endpoint) <= ENDPOINT_OPTIONS[endpoint["type"]], endpoint
    if endpoint["type"] == "phone":
        assert E164_DIGITS.match(endpoint["number"]), endpoint
    else:
        assert endpoint["uri"].startswith(("sip:", "sips:")), endpoint
    assert "from" not in action or E164_DIGITS.match(action["from"]), action
    if "eventUrl" in action:
        [url] = action["eventUrl"]  # an array holding one URL
        assert urlsplit(url).scheme in ("http", "https")
        assert action.get("eventMethod", "POST") in ("GET", "POST")


def test_it_connects_a_call_to_the_destination_and_records_it_started(vonage: Vonage) -> None:
    scene = vonage.scene
    number = scene.number()
    session_id, key = scene.visit()
    scene.lease(number, session_id, -5, 5)

    [connect] = vonage.answer()

    event_url = scene.database.settings.public_url + vonage.path("event")
    assert connect == {
        "action": "connect",
        "from": POOL_NUMBER.removeprefix("+"),
        "eventUrl": [event_url],
        "eventMethod": "POST",
        "endpoint": [{"type": "phone", "number": DESTINATION.removeprefix("+")}],
    }
    [call] = scene.calls()
    assert (call.provider, call.external_id, call.started_at) == ("vonage", CONVERSATION, T)
    assert (call.caller, call.tracking_number, call.attribution) == (CALLER, POOL_NUMBER, "session")
    assert call.visit["session_id"] == key


def test_it_takes_the_answer_url_as_a_get_too(vonage: Vonage) -> None:
    query = recorded("answer")

    response = vonage.client.get(vonage.path("answer"), params=query, headers=get_bearer(query))

    assert response.status_code == 200, response.text
    check_ncco(response.json())
    assert [call.external_id for call in vonage.scene.calls()] == [CONVERSATION]


@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_get_with_a_non_ascii_value_is_taken_whichever_way_it_was_hashed(
    vonage: Vonage, ascii_only: bool
) -> None:
    query = {**recorded("answer"), "region_url": "https://api-eu.vonage.com/Zoë"}
    payload = json.dumps(query, separators=(",", ":"), ensure_ascii=ascii_only).encode()
    # Upper-case hex as some libraries write it: the same hash.
    token = bearer(payload, payload_hash=hashlib.sha256(payload).hexdigest().upper())

    response = vonage.client.get(
        vonage.path("answer"), params=query, headers={"Authorization": token}
    )

    assert response.status_code == 200, response.text
    assert [call.external_id for call in vonage.scene.calls()] == [CONVERSATION]


def test_a_get_whose_query_was_changed_is_refused(vonage: Vonage) -> None:
    headers = get_bearer(recorded("answer"))
    forged = {**recorded("answer"), "from": "380991234567", "conversation_uuid": "CON-forged"}

    response = vonage.client.get(vonage.path("answer"), params=forged, headers=headers)

    assert response.status_code == 403, response.text
    assert "payload_hash is not the SHA-256 of this request's payload" in response.text
    assert vonage.scene.calls() == []


def test_it_takes_a_body_sent_with_whitespace_that_vonage_hashed_without(vonage: Vonage) -> None:
    fields = recorded("answer")
    headers = {"Authorization": bearer(as_vonage_writes(fields))}
    spaced = json.dumps(fields, indent=2).encode()

    response = vonage.client.post(vonage.path("answer"), content=spaced, headers=headers)

    assert response.status_code == 200, response.text
    assert [call.external_id for call in vonage.scene.calls()] == [CONVERSATION]


def test_it_connects_a_sip_destination_with_a_sip_endpoint(vonage: Vonage) -> None:
    vonage.scene.number(destination="sip:desk@pbx.example.com")

    [connect] = vonage.answer()

    assert connect["endpoint"] == [{"type": "sip", "uri": "sip:desk@pbx.example.com"}]


def test_it_follows_the_call_through_its_events(vonage: Vonage) -> None:
    vonage.answer()
    answers = [
        vonage.send("event", fixture)
        for fixture in (
            "event-started-inbound",
            "event-ringing-inbound",
            "event-answered-inbound",
            "event-started-outbound",
            "event-ringing-outbound",
            "event-answered-outbound",
            "event-completed-outbound",
            "event-completed-inbound",
        )
    ]

    assert [answer.status_code for answer in answers] == [200] * 8
    [call] = vonage.scene.calls()
    assert [event for _, event in vonage.scene.events()] == ["started", "answered", "ended"]
    assert (call.disposition, call.wait_seconds, call.talk_seconds) == ("answered", 9, 95)
    assert (call.duration_seconds, call.caller) == (104, CALLER)


def test_a_busy_destination_ends_the_call_busy(vonage: Vonage) -> None:
    vonage.answer()

    vonage.send("event", "event-busy-outbound")

    [call] = vonage.scene.calls()
    assert (call.disposition, call.answered_at) == ("busy", None)


def test_without_a_destination_it_apologises_and_records_a_failed_call(vonage: Vonage) -> None:
    scene = vonage.scene
    scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"destination": None}
    )

    [talk] = vonage.answer()

    assert talk["action"] == "talk"
    [call] = scene.calls()
    assert (call.disposition, call.ended_at) == ("failed", T)


def test_an_event_that_contradicts_the_call_is_kept(
    vonage: Vonage, caplog: pytest.LogCaptureFixture
) -> None:
    # Vonage does not resend an event it got a 422 for: it is kept, its times put in order.
    vonage.answer()

    with caplog.at_level(logging.WARNING, logger="dialtrail.calls.ingest"):
        answer = vonage.send("event", "event-completed-inbound", timestamp="2026-03-02T11:58:00Z")

    assert answer.status_code == 200, answer.text
    assert f"call {CONVERSATION}: kept a ended event that contradicts the call" in caplog.text
    [call] = vonage.scene.calls()
    assert call.ended_at is not None
    assert call.ended_at >= call.started_at


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("authorization", "why"),
    [
        (lambda raw: None, "missing Authorization"),
        (lambda raw: "Basic dXNlcjpwYXNz", "missing Authorization"),
        (lambda raw: bearer(raw, secret="another-secret-of-another-account"), "not signed"),
        (lambda raw: bearer(raw, payload_hash="0" * 64), "payload_hash"),
        (lambda raw: bearer(raw + b" "), "payload_hash"),  # signed another body
        (lambda raw: bearer(raw, T - timedelta(seconds=301)), "more than 5 minutes"),
        (lambda raw: bearer(raw, T + timedelta(seconds=301)), "more than 5 minutes"),
        (lambda raw: unsigned(raw), "not signed"),
        (lambda raw: bearer(raw, iat="yesterday"), "not a Unix time"),
        (lambda raw: without_payload_hash(), "no payload_hash"),
    ],
    ids=[
        "missing", "basic", "forged", "hash", "changed-body", "replayed", "ahead", "alg-none",
        "bad-iat", "no-hash",
    ],
)  # fmt: skip
def test_it_refuses_a_request_not_signed_by_vonage_now(
    vonage: Vonage, authorization: Any, why: str
) -> None:
    raw = as_vonage_writes(recorded("answer"))
    value = authorization(raw)
    headers = {"Content-Type": "application/json"} | ({"Authorization": value} if value else {})

    response = vonage.client.post(vonage.path("answer"), content=raw, headers=headers)

    assert response.status_code == 403, response.text
    assert why in response.json()["message"]
    assert vonage.scene.calls() == []


def without_payload_hash() -> str:
    """Signed with the secret, but bound to no payload: not a token Vonage sends."""
    claims = {"iat": int(T.timestamp()), "jti": "no-hash", "api_key": API_KEY}
    return "Bearer " + jwt.encode(claims, SIGNATURE_SECRET, algorithm="HS256")


def unsigned(raw: bytes) -> str:
    """A token with ``alg: none``: claims anyone can write."""
    claims = {"iat": int(T.timestamp()), "api_key": API_KEY}
    return "Bearer " + jwt.encode(claims, "", algorithm="none")


def test_a_token_sent_again_is_refused_as_a_replay(vonage: Vonage) -> None:
    query = recorded("answer")
    headers = get_bearer(query)
    first = vonage.client.get(vonage.path("answer"), params=query, headers=headers)

    again = vonage.client.get(vonage.path("answer"), params=query, headers=headers)

    assert (first.status_code, again.status_code) == (200, 403)
    assert "already used" in again.json()["message"]
    assert [call.external_id for call in vonage.scene.calls()] == [CONVERSATION]


def test_a_token_is_remembered_for_twice_the_tolerance() -> None:
    seen = SeenTokens()

    assert seen.first_use("a", T)
    assert not seen.first_use("a", T + TOLERANCE * 2)
    assert seen.first_use("b", T + TOLERANCE * 2 + timedelta(seconds=1))  # forgets "a" now
    assert list(seen.seen) == ["b"]


def test_a_token_of_another_api_key_is_refused(vonage: Vonage) -> None:
    raw = as_vonage_writes(recorded("answer"))

    response = vonage.client.post(
        vonage.path("answer"),
        content=raw,
        headers={"Authorization": bearer(raw, api_key="ffff0000")},
    )

    assert response.status_code == 403
    assert "another Vonage account" in response.json()["message"]


def test_it_explains_a_project_without_a_vonage_secret(scene: Scene, vonage_url: str) -> None:
    raw = as_vonage_writes(recorded("answer"))
    with http_client(vonage_url) as client:
        unknown = client.post("/telephony/vonage/999999/answer", content=raw)
        bare = client.post(
            f"/telephony/vonage/{scene.world.project_id}/answer",
            content=raw,
            headers={"Authorization": bearer(raw)},
        )

    assert unknown.status_code == 404
    assert bare.status_code == 409
    assert "signature_secret" in bare.json()["message"]
    assert scene.calls() == []


def test_it_refuses_an_event_without_its_fields_naming_them(vonage: Vonage) -> None:
    for body, field in ((b"[]", "body"), (b'{"status": "completed"}', "conversation_uuid")):
        headers = {"Authorization": bearer(body)}
        response = vonage.client.post(vonage.path("event"), content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field


def test_it_keeps_the_signature_secret_sealed_and_write_only(vonage: Vonage) -> None:
    scene = vonage.scene
    settings_url = f"/api/v1/projects/{scene.world.project_id}/telephony/vonage"
    shown = scene.world.member.client.get(settings_url).json()

    assert (shown["configured"], shown["api_key"]) == (True, API_KEY)
    assert shown["answer_url"].endswith(f"/telephony/vonage/{scene.world.project_id}/answer")
    assert shown["event_url"].endswith(f"/telephony/vonage/{scene.world.project_id}/event")
    assert SIGNATURE_SECRET not in str(shown)
    with scene.database.session() as session:
        stored = session.scalar(
            select(VonageSettings.signature_secret).where(
                VonageSettings.project_id == scene.world.project_id
            )
        )
    assert stored is not None
    assert SIGNATURE_SECRET not in stored
    owner = scene.world.owner.client
    changed = owner.patch(settings_url, json={"api_key": "abcdef12"}).json()
    cleared = owner.patch(settings_url, json={"signature_secret": None}).json()
    assert (changed["api_key"], changed["configured"]) == ("abcdef12", True)
    assert (cleared["api_key"], cleared["configured"]) == ("abcdef12", False)


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("field", "value"), [("api_key", "a b"), ("signature_secret", "too short")]
)
def test_it_refuses_malformed_vonage_settings(scene: Scene, field: str, value: str) -> None:
    response = scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}/telephony/vonage", json={field: value}
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field


def test_it_lets_only_owners_set_the_vonage_secret(scene: Scene) -> None:
    url = f"/api/v1/projects/{scene.world.project_id}/telephony/vonage"
    member = scene.world.member.client.patch(url, json={"signature_secret": SIGNATURE_SECRET})
    outsider = scene.world.outsider.client.get(url)
    anonymous = scene.world.anonymous.get(url)

    assert (member.status_code, outsider.status_code, anonymous.status_code) == (403, 404, 401)


@pytest.mark.parametrize(
    ("status", "disposition"),
    [
        ("busy", "busy"),
        ("timeout", "no_answer"),
        ("unanswered", "no_answer"),
        ("cancelled", "no_answer"),
        ("failed", "failed"),
        ("rejected", "failed"),
    ],
)
def test_a_final_status_gives_the_disposition(status: str, disposition: str) -> None:
    update = mapping.event_update({**recorded("event-busy-outbound"), "status": status})

    assert update == mapping.Update("ended", False, disposition)


@pytest.mark.parametrize(
    "fixture",
    ["event-ringing-inbound", "event-answered-inbound", "event-started-outbound",
     "event-ringing-outbound"],
)  # fmt: skip
def test_events_that_add_nothing_record_nothing(fixture: str) -> None:
    assert mapping.event_update(recorded(fixture)) is None
