"""NUL characters and lone surrogates in what the script sends: dropped from the text, the
event kept (2xx), its batch neighbours untouched, and no visitor data in an error's message."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dialtrail.app import App, create_app
from dialtrail.entities.models import TrackingEntity
from dialtrail.sessions.models import PageView, SessionValue, WebSession
from tests.support.collector import Visit, client_id
from tests.support.databases import Database
from tests.support.loops import run_in_own_loop
from tests.support.people import World

NUL = "\u0000"
HOME = "https://shop.example.com/"


def stored_page(database: Database, visit: Visit) -> PageView:
    with database.session() as session:
        page = session.scalar(select(PageView).where(PageView.key == visit.page_view))
        assert page is not None
        return page


def stored_session(database: Database, visit: Visit) -> WebSession:
    with database.session() as session:
        found = session.scalar(select(WebSession).where(WebSession.key == visit.session))
        assert found is not None
        return found


def stored_values(database: Database) -> list[str | None]:
    with database.session() as session:
        return list(session.scalars(select(SessionValue.value)))


def test_nul_characters_are_dropped_from_every_page_view_text(
    database: Database, visit: Visit
) -> None:
    response = visit.page(
        f"{HOME}of{NUL}fer?utm_source=go{NUL}ogle&utm_campaign=win{NUL}ter",
        values={"visit_id": f"v-{NUL}42"},
        title=f"Sofa{NUL}s",
        referrer=f"https://www.google.com/{NUL}",
        ga=f"GA1.1.12345{NUL}67890.1700000000",
        new_session=True,
    )

    assert response.status_code == 200, response.text
    page = stored_page(database, visit)
    assert (page.url, page.title) == (
        f"{HOME}offer?utm_source=google&utm_campaign=winter",
        "Sofas",
    )
    session = stored_session(database, visit)
    assert (session.utm_source, session.utm_campaign) == ("google", "winter")
    assert session.referrer == "https://www.google.com/"
    assert session.ga_client_id == "1234567890.1700000000"
    assert stored_values(database) == ["v-42"]


def test_lone_surrogates_are_dropped_rather_than_the_page_view(
    database: Database, visit: Visit
) -> None:
    body = {**visit.ids(), "url": HOME, "title": "Sofa\ud800s \U0001f600", "new_session": True}
    # json.dumps writes the lone surrogate as the escape \ud800, as a browser's JSON does.
    response = visit.post("pageview", json.dumps(body).encode())

    assert response.status_code == 200, response.text
    assert stored_page(database, visit).title == "Sofas \U0001f600"


def test_a_nul_in_a_ping_value_and_an_entity_name_is_dropped(
    database: Database, visit: Visit
) -> None:
    assert visit.page(HOME, new_session=True).status_code == 200

    response = visit.ping(values={f"visit{NUL}_id": f"abc{NUL}"})

    assert response.status_code < 300, response.text
    assert stored_values(database) == ["abc"]


def test_a_nul_in_an_error_report_is_dropped(database: Database, visit: Visit) -> None:
    assert visit.page(HOME, new_session=True).status_code == 200
    report = {"entity": "visit_id", "kind": "exception", "message": f"get{NUL}ter threw"}

    response = visit.errors([report], url=f"{HOME}check{NUL}out")

    assert response.status_code < 300, response.text
    with database.session() as session:
        entity = session.scalar(select(TrackingEntity).where(TrackingEntity.name == "visit_id"))
        assert entity is not None
        assert (entity.last_error, entity.last_error_url) == ("getter threw", f"{HOME}checkout")


def test_a_poisoned_event_neither_fails_nor_rolls_back_its_batch(
    world: World, database: Database, visit: Visit
) -> None:
    """Twenty page views committed as one batch, one of them full of NULs: all are written
    together, none is re-run alone (which is what a failed batch does)."""
    app = create_app(database.settings, database.engine)
    assert isinstance(app, App)
    assert app.collector is not None
    writer = app.collector.writer
    re_run: list[Any] = []
    run_alone = writer.alone

    def recorded_alone(pending: Any) -> Any:
        re_run.append(pending)
        return run_alone(pending)

    writer.alone = recorded_alone  # type: ignore[method-assign]
    visits = [Visit(visit.base_url, visit.key) for _ in range(20)]

    answers = run_in_own_loop(lambda: send_as_one_batch(app, visits, poisoned=7))

    assert [answer.status_code for answer in answers] == [200] * 20
    assert re_run == []
    with database.session() as session:
        titles = set(session.scalars(select(PageView.title)))
    assert titles == {f"Page {index}" for index in range(20)}


async def send_as_one_batch(app: Any, visits: list[Visit], poisoned: int) -> list[httpx.Response]:
    """Holds the writer thread with a job that waits until every request is queued, so the
    requests form one batch."""
    holding, release = threading.Event(), threading.Event()

    def hold(db: Any) -> None:
        holding.set()
        release.wait(30)

    held = asyncio.ensure_future(app.collector.writer.run(hold))
    while not holding.is_set():  # the writer has taken the job: the next batch is empty
        await asyncio.sleep(0.01)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://dialtrail.test") as client:
        requests = [
            asyncio.ensure_future(post_page(client, visit, index, index == poisoned))
            for index, visit in enumerate(visits)
        ]
        while app.collector.writer.jobs.qsize() < len(visits):
            await asyncio.sleep(0.01)
        release.set()
        await held
        return list(await asyncio.gather(*requests))


async def post_page(
    client: httpx.AsyncClient, visit: Visit, index: int, poisoned: bool
) -> httpx.Response:
    mark = NUL if poisoned else ""
    body = {
        **visit.ids(),
        "url": f"{HOME}{mark}?utm_source=a{mark}",
        "title": f"Page {mark}{index}",
        "referrer": mark,
        "values": {"visit_id": f"v{mark}"},
        "new_session": True,
    }
    headers = {"Origin": visit.origin, "Content-Type": "text/plain"}
    return await client.post(f"/c/{visit.key}/pageview", content=json.dumps(body), headers=headers)


def test_a_failed_statement_does_not_show_its_parameter_values(database: Database) -> None:
    with database.engine.connect() as connection, pytest.raises(DBAPIError) as failure:
        connection.execute(
            text("SELECT * FROM no_such_table WHERE title = :title"),
            {"title": "visitor-private-title"},
        )
    assert "visitor-private-title" not in str(failure.value)


def test_the_ids_still_refuse_a_nul(visit: Visit) -> None:
    """Client ids have a pattern of their own: a NUL there is a malformed request (422)."""
    body = {**visit.ids(), "session": client_id() + NUL, "url": HOME}

    response = visit.post("pageview", body)

    assert response.status_code == 422
    assert "session" in response.text


def test_json_nested_thousands_deep_is_a_400_not_a_503(visit: Visit) -> None:
    """pydantic refuses it as invalid JSON; the second reading (for lone surrogates) must not
    turn Python's RecursionError into a failed write that tells the client to send it again."""
    response = visit.post("pageview", b"[" * 1500 + b"]" * 1500)

    assert response.status_code == 400  # as any body that is not JSON
    assert "body" in response.text
