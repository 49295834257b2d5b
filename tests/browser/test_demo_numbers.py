"""The demo project of `make run`, in Chromium: its page shows a pool number in place of the
site's, in both spellings and in the tel: link, and a simulated call to it is attributed."""

from __future__ import annotations

from playwright.sync_api import Page

from dialtrail.demo import seed_demo
from tests.support.databases import Database
from tests.support.processes import database_url, run
from tests.support.server import serve


def test_the_demo_page_shows_a_pool_number_and_a_call_to_it_is_attributed(
    page: Page, database: Database
) -> None:
    from dialtrail.app import create_app

    with database.session() as db:
        seed_demo(db, database.settings)
        db.commit()
    with serve(create_app(database.settings, database.engine)) as base_url:
        key = run(database_url(database), "demo").stdout.split("/demo/")[1].split("/")[0]
        page.goto(f"{base_url}/demo/{key}/")
        page.wait_for_function("window.dialtrail && dialtrail.number()")
        number = page.evaluate("dialtrail.number()")
        link = page.locator("a.phone")

        assert number.startswith("+1212555014")  # one of the demo pool's five
        assert link.get_attribute("href") == "tel:" + number
        assert link.inner_text() == f"+1 (212) 555-{number[-4:]}"  # the page's own spelling
        session = page.evaluate("dialtrail.session().session")

        called = run(database_url(database), "simulate-call", "--project", "1", "--to", number)
    assert called.returncode == 0, called.stderr
    assert "session" in called.stdout
    assert session in called.stdout
