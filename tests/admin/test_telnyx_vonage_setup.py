"""Project settings → Telnyx and Vonage: each provider's keys saved by its own form (the
secret write-only: never shown, a blank box keeps it, the tick box removes it), the API's
rules at the fields, the URLs to paste with their copy buttons, and the last request each
provider sent with its outcome."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dialtrail.calls.adapters.receipts import Noted, Receipt, last_receipt, recent_receipts, write
from dialtrail.calls.adapters.telnyx.models import TelnyxSettings
from dialtrail.calls.models import TelephonyReceipt
from tests.admin.conftest import SignedIn
from tests.calls.test_telnyx import API_KEY as TELNYX_API_KEY
from tests.calls.test_telnyx import PUBLIC_KEY
from tests.calls.test_vonage import SIGNATURE_SECRET
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.providers import (
    give_telnyx_keys,
    give_vonage_keys,
    send_telnyx,
    send_vonage,
    server_for_providers,
)

PUBLIC = "https://calls.example.com"
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def telnyx_form(owner: SignedIn, **fields: str) -> Any:
    return owner.post(f"{owner.project}/settings/telephony/telnyx", **fields)


def settings(world: World, owner: SignedIn) -> dict[str, Any]:
    url = f"/api/v1/projects/{world.project_id}/telephony"
    telnyx = world.owner.client.get(f"{url}/telnyx").json()
    vonage = world.owner.client.get(f"{url}/vonage").json()
    return {"telnyx": telnyx, "vonage": vonage}


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field_id}"
    return html.unescape(found.group(1))


def page_of(owner: SignedIn) -> str:
    page = owner.client.get(f"{owner.project}/settings")
    assert page.status_code == 200, page.text
    return page.text


def test_the_owner_saves_the_telnyx_keys_and_the_api_key_is_never_shown(
    world: World, owner: SignedIn
) -> None:
    saved = telnyx_form(owner, telnyx_public_key=PUBLIC_KEY, telnyx_api_key=TELNYX_API_KEY)

    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/settings?saved=1#telnyx")
    stored = settings(world, owner)["telnyx"]
    assert (stored["public_key"], stored["configured"]) == (PUBLIC_KEY, True)
    page = page_of(owner)
    assert TELNYX_API_KEY not in page
    assert f'value="{PUBLIC_KEY}"' in page
    assert "Remove the stored API key" in page


def test_a_blank_api_key_keeps_it_and_only_the_tick_box_removes_it(
    world: World, owner: SignedIn
) -> None:
    give_telnyx_keys(world)

    telnyx_form(owner, telnyx_public_key=PUBLIC_KEY, telnyx_api_key="")
    kept = settings(world, owner)["telnyx"]["configured"]
    telnyx_form(owner, telnyx_public_key=PUBLIC_KEY, forget_telnyx_api_key="on")
    removed = settings(world, owner)["telnyx"]["configured"]

    assert (kept, removed) == (True, False)


def test_a_bad_public_key_is_shown_at_its_field_and_nothing_is_saved(
    world: World, owner: SignedIn, database: Database
) -> None:
    refused = telnyx_form(owner, telnyx_public_key="not base64!", telnyx_api_key=TELNYX_API_KEY)

    assert refused.status_code == 422
    assert "base64" in field_error(refused.text, "telnyx_public_key")
    assert 'value="not base64!"' in refused.text  # shown again to be corrected
    assert TELNYX_API_KEY not in refused.text
    with database.session() as session:
        assert session.scalars(select(TelnyxSettings)).all() == []


def test_the_owner_saves_the_vonage_secret_write_only(world: World, owner: SignedIn) -> None:
    saved = owner.post(
        f"{owner.project}/settings/telephony/vonage",
        vonage_signature_secret=SIGNATURE_SECRET,
        vonage_api_key="a1b2c3d4",
    )

    assert saved.status_code == 303
    stored = settings(world, owner)["vonage"]
    assert (stored["api_key"], stored["configured"]) == ("a1b2c3d4", True)
    assert SIGNATURE_SECRET not in page_of(owner)


def test_a_bad_vonage_api_key_is_shown_at_its_field(owner: SignedIn) -> None:
    refused = owner.post(f"{owner.project}/settings/telephony/vonage", vonage_api_key="a b")

    assert refused.status_code == 422
    assert "letters, digits" in field_error(refused.text, "vonage_api_key")


def test_the_page_shows_the_urls_to_paste_with_copy_buttons(
    world: World, database: Database
) -> None:
    with server_for_providers(database, PUBLIC) as (server, _):
        client, _csrf = signed_in(world.base_url, world.owner.email)
        page = client.get(f"{server}/admin/projects/{world.project_id}/settings").text
        client.close()

    base = f"{PUBLIC}/telephony"
    assert f'data-testid="telnyx-webhook-url">{base}/telnyx/{world.project_id}/webhook<' in page
    assert f'data-testid="vonage-answer-url">{base}/vonage/{world.project_id}/answer<' in page
    assert f'data-testid="vonage-event-url">{base}/vonage/{world.project_id}/event<' in page
    for copied in ("telnyx-webhook-url", "vonage-answer-url", "vonage-event-url"):
        assert f'data-copy="{copied}"' in page
    assert "No request from Telnyx has arrived yet" in page
    assert "No request from Vonage has arrived yet" in page
    assert "base-url-warning" not in page


def test_without_a_base_url_each_section_warns(world: World, owner: SignedIn) -> None:
    page = page_of(owner)

    assert 'data-testid="telnyx-base-url-warning"' in page
    assert 'data-testid="vonage-base-url-warning"' in page
    assert "which Telnyx cannot reach" in page


def test_the_last_requests_show_with_their_outcome(world: World, database: Database) -> None:
    give_telnyx_keys(world)
    give_vonage_keys(world)
    with server_for_providers(database, PUBLIC, clock=lambda: AT) as (server, _):
        # A Telnyx hangup of a call never started: accepted, and nothing to do.
        assert send_telnyx(server, world.project_id, "call-hangup-caller", AT).status_code == 200
        replayed = send_vonage(
            server, world.project_id, "event", "event-completed-inbound", AT,
            signed_at=AT - timedelta(minutes=6),
        )  # fmt: skip
        assert replayed.status_code == 403
        client, _csrf = signed_in(world.base_url, world.owner.email)
        page = html.unescape(
            client.get(f"{server}/admin/projects/{world.project_id}/settings").text
        )
        client.close()

    telnyx = page.split('data-testid="telnyx-section"')[1].split("</section>")[0]
    vonage = page.split('data-testid="vonage-section"')[1].split("</section>")[0]
    assert "to <code>/webhook</code>:" in telnyx
    assert '<strong class="good">accepted</strong>' in telnyx
    assert "to <code>/event</code>:" in vonage
    assert '<strong class="bad">signature mismatch</strong>' in vonage
    assert "more than 5 minutes from this server's clock" in vonage


def test_the_last_requests_are_listed_newest_first(world: World, database: Database) -> None:
    """A forged request, then Vonage's own: the page says the last was accepted and still
    lists the mismatch before it (outcomes that change are each written)."""
    give_vonage_keys(world)
    with server_for_providers(database, PUBLIC, clock=lambda: AT) as (server, _):
        forged = send_vonage(server, world.project_id, "event", "event-completed-inbound", AT,
                             signed_at=AT - timedelta(minutes=6))  # fmt: skip
        accepted = send_vonage(server, world.project_id, "answer", "answer", AT)
        assert (forged.status_code, accepted.status_code) == (403, 200), accepted.text
        client, _csrf = signed_in(world.base_url, world.owner.email)
        page = html.unescape(
            client.get(f"{server}/admin/projects/{world.project_id}/settings").text
        )
        client.close()

    vonage = page.split('data-testid="vonage-section"')[1].split("</section>")[0]
    table = vonage.split('data-testid="vonage-recent-requests"')[1].split("</table>")[0]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in table.split("<tr>")[2:]]
    assert len(rows) == 2
    assert rows[0] == "2026-03-02 12:00:00 /answer accepted"
    mismatch = "2026-03-02 12:00:00 /event signature mismatch : the token was signed at "
    assert rows[1].startswith(mismatch), rows[1]
    assert "more than 5 minutes from this server's clock" in rows[1]
    assert "The last 2 requests noted" in vonage


def test_the_last_ten_notes_are_kept_newest_first(world: World, database: Database) -> None:
    outcomes = ["accepted", "refused"] * 6
    with database.session() as session:
        for minute, outcome in enumerate(outcomes):
            receipt = Receipt("telnyx", "webhook", outcome, 200 if outcome == "accepted" else 409)
            write(session, world.project_id, receipt, AT + timedelta(minutes=minute))
            session.commit()
        found = last_receipt(session, world.project_id, "telnyx")
        kept = recent_receipts(found)

    assert [noted.received_at for noted in kept] == [
        AT + timedelta(minutes=minute) for minute in range(11, 1, -1)
    ]
    assert [noted.outcome for noted in kept] == outcomes[2:][::-1]
    assert found is not None
    assert (found.received_at, found.outcome) == (AT + timedelta(minutes=11), "refused")


def test_a_note_written_before_the_recent_ones_were_kept_is_shown_alone() -> None:
    old = TelephonyReceipt(project_id=1, provider="vonage", received_at=AT, hook="event",
                           outcome="accepted", status=200, reason="", recent=[])  # fmt: skip

    assert recent_receipts(old) == [Noted(AT, "event", "accepted", 200, "")]


def test_a_member_sees_the_sections_read_only_and_cannot_post(world: World) -> None:
    client, csrf = signed_in(world.base_url, world.member.email)
    page = client.get(f"/admin/projects/{world.project_id}/settings").text
    posted = client.post(
        f"/admin/projects/{world.project_id}/settings/telephony/telnyx",
        data={"csrf_token": csrf, "telnyx_public_key": PUBLIC_KEY},
    )
    client.close()

    assert "Save the Telnyx keys" not in page
    assert f"/telephony/telnyx/{world.project_id}/webhook" in page
    assert posted.status_code == 403


@pytest.mark.storage_agnostic
def test_an_outsider_and_an_unknown_provider_get_404(world: World, owner: SignedIn) -> None:
    client, csrf = signed_in(world.base_url, world.outsider.email)
    outsider = client.post(
        f"/admin/projects/{world.project_id}/settings/telephony/telnyx",
        data={"csrf_token": csrf, "telnyx_public_key": PUBLIC_KEY},
    )
    client.close()
    unknown = owner.post(f"{owner.project}/settings/telephony/plivo")

    assert (outsider.status_code, unknown.status_code) == (404, 404)


def test_a_post_without_the_csrf_token_is_refused(world: World, owner: SignedIn) -> None:
    refused = owner.client.post(
        f"{owner.project}/settings/telephony/vonage",
        data={"vonage_signature_secret": SIGNATURE_SECRET},
    )

    assert refused.status_code == 403
    assert settings(world, owner)["vonage"]["configured"] is False
