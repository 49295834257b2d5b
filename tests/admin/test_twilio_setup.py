"""Project settings → Twilio: the exact Voice and Status URLs to paste into Twilio's console
(from DIALTRAIL_BASE_URL, with a warning when it is unset or not https), and the last request
Twilio sent with its outcome, so a signature mismatch shows where the set-up is made."""

from __future__ import annotations

import pytest

from dialtrail.calls.adapters.receipts import Receipt, ReceiptNotes
from dialtrail.calls.adapters.twilio.console import console_setup
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.twilio import give_twilio_credentials, send, server_for_twilio

PUBLIC = "https://calls.example.com"


def settings_page(server: str, world: World, email: str | None = None) -> str:
    """The settings page as ``server`` shows it. Signed in on the plain-http test server: a
    server whose DIALTRAIL_BASE_URL is https sets only Secure cookies, which an http client
    never sends back; the sign-in is in the shared database, and cookies ignore the port."""
    client, _ = signed_in(world.base_url, email or world.owner.email)
    page = client.get(f"{server}/admin/projects/{world.project_id}/settings")
    client.close()
    assert page.status_code == 200, page.text
    return page.text


def test_the_page_shows_the_urls_to_paste_into_twilio(world: World, database: Database) -> None:
    with server_for_twilio(database, PUBLIC) as server:
        page = settings_page(server, world)

    base = f"{PUBLIC}/telephony/twilio/{world.project_id}"
    assert f'data-testid="twilio-voice-url">{base}/voice</pre>' in page
    assert f'data-testid="twilio-status-url">{base}/status</pre>' in page
    assert 'data-copy="twilio-voice-url"' in page
    assert 'data-copy="twilio-status-url"' in page
    assert "base-url-warning" not in page
    assert "No request from Twilio has arrived yet" in page


def test_a_member_sees_the_urls_too(world: World, database: Database) -> None:
    with server_for_twilio(database, PUBLIC) as server:
        page = settings_page(server, world, world.member.email)
    assert f"{PUBLIC}/telephony/twilio/{world.project_id}/voice" in page


def test_a_signed_request_shows_as_accepted_with_its_time(world: World, database: Database) -> None:
    give_twilio_credentials(world)
    with server_for_twilio(database, PUBLIC) as server:
        answer = send(server, PUBLIC, world.project_id)
        assert answer.status_code == 200, answer.text
        page = settings_page(server, world)

    assert (
        '2026-03-02 12:00:00\n    <span class="meta">(UTC)</span>, to <code>/voice</code>:' in page
    )
    assert '<strong class="good">accepted</strong>' in page
    assert "signature mismatch" not in page


def test_a_bad_signature_shows_as_a_signature_mismatch_with_the_url_checked(
    world: World, database: Database
) -> None:
    give_twilio_credentials(world)
    with server_for_twilio(database, PUBLIC) as server:
        assert send(server, PUBLIC, world.project_id).status_code == 200
        # Twilio's console holds the http URL of the proxy: it signs another URL.
        wrong = send(server, "http://calls.example.com", world.project_id, "status")
        assert wrong.status_code == 403
        page = settings_page(server, world)

    assert '<strong class="bad">signature mismatch</strong>' in page
    assert "to <code>/status</code>" in page
    assert (
        f'Dialtrail checked: <span class="url">missing or wrong X-Twilio-Signature for '
        f"{PUBLIC}/telephony/twilio/{world.project_id}/status"
    ) in page
    last = page.split('data-testid="twilio-last-request">')[1].split("</p>")[0]
    assert "accepted" not in last
    # The accepted request before it is still listed, second.
    recent = page.split('data-testid="twilio-recent-requests"')[1].split("</table>")[0]
    assert recent.index("signature mismatch") < recent.index("accepted")


def test_another_auth_token_is_a_signature_mismatch_too(world: World, database: Database) -> None:
    give_twilio_credentials(world)
    with server_for_twilio(database, PUBLIC) as server:
        assert send(server, PUBLIC, world.project_id, token="f" * 32).status_code == 403
        page = settings_page(server, world)
    assert '<strong class="bad">signature mismatch</strong>' in page


def test_a_request_before_the_credentials_are_set_shows_the_reason(
    world: World, database: Database
) -> None:
    with server_for_twilio(database, PUBLIC) as server:
        assert send(server, PUBLIC, world.project_id).status_code == 409
        page = settings_page(server, world)

    assert '<strong class="bad">refused (409)</strong>' in page
    assert f"project {world.project_id} has no Twilio credentials" in page


def test_a_request_for_an_unknown_project_notes_nothing(world: World, database: Database) -> None:
    with server_for_twilio(database, PUBLIC) as server:
        assert send(server, PUBLIC, 999_999).status_code == 404
        page = settings_page(server, world)
    assert "No request from Twilio has arrived yet" in page


def test_without_a_base_url_the_page_warns_that_twilio_cannot_reach_the_urls(
    world: World, database: Database
) -> None:
    with server_for_twilio(database, "") as server:
        page = settings_page(server, world)

    public = database.settings.public_url
    assert f"{public}/telephony/twilio/{world.project_id}/voice" in page
    assert "DIALTRAIL_BASE_URL is not set" in page


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("", "DIALTRAIL_BASE_URL is not set, so these URLs use this server's own address"),
        ("http://calls.example.com", "DIALTRAIL_BASE_URL (http://calls.example.com) is not https"),
        ("https://calls.example.com/dialtrail", None),
    ],
)
def test_the_warning_names_what_is_wrong_with_the_base_url(
    base_url: str, warned: str | None
) -> None:
    public = base_url or "http://127.0.0.1:8000"
    setup = console_setup(base_url, public, 7)

    assert setup.voice_url == f"{public}/telephony/twilio/7/voice"
    assert setup.status_url == f"{public}/telephony/twilio/7/status"
    if warned is None:
        assert setup.warning is None
    else:
        assert setup.warning is not None
        assert setup.warning.startswith(warned)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_same_outcome_is_written_at_most_once_a_minute_and_a_change_at_once() -> None:
    ticks = Ticks()
    notes = ReceiptNotes(every=60, clock=ticks)
    accepted = Receipt("twilio", "voice", "accepted", 200)
    mismatch = Receipt("twilio", "voice", "signature_mismatch", 403, "…")

    assert notes.due(1, accepted)
    ticks.now = 30
    assert not notes.due(1, accepted)
    assert notes.due(2, accepted)  # another project
    assert notes.due(1, mismatch)  # a change is news at once
    assert notes.due(1, accepted)
    ticks.now = 89
    assert not notes.due(1, accepted)
    ticks.now = 91
    assert notes.due(1, accepted)
