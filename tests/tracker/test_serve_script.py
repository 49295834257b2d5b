"""GET /s/{key}.js: the script with the project's configuration (each entity parsed by the
server), cacheable and compressed; GET /s/{key}/check.js: the parser it fetches on demand."""

from __future__ import annotations

import json
import re
from typing import Any

from dialtrail.tracker.serve import CHECK_SCRIPT, SCRIPT, script_entity
from tests.support.clients import get
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity

CONFIG = re.compile(r"\}\)\(window, ?document, ?(\{.*\})\);?\s*$", re.DOTALL)


def script_url(world: World, database: Database) -> str:
    return f"{world.base_url}/s/{public_key(database, world.project_id)}.js"


def injected_config(script: str) -> dict[str, Any]:
    match = CONFIG.search(script)
    assert match, script[-300:]
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def test_it_serves_the_script_with_the_enabled_entities(world: World, database: Database) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    declare_entity(world, name="off", value="x", enabled=False)

    response = get(script_url(world, database))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    config = injected_config(response.text)
    assert config == {  # the script's own defaults (timings, raw_js off) are not repeated,
        # nor analytics cookies no integration names
        "endpoint": f"{world.base_url}/c/{public_key(database, world.project_id)}",
        "entities": [
            {"name": "visit_id", "type": "expression", "ast": {"path": ["r7k12_si"]}}
        ],  # the value's text is in check.js, for debugging: every byte here is in the budget
        "numbers": [],
    }


def test_the_configuration_says_when_the_script_must_wait_for_consent(
    world: World, database: Database
) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(url, json={"consent": "cookieless"}).status_code == 200

    config = injected_config(get(script_url(world, database)).text)

    assert config["consent"] == "cookieless"  # absent while not required (the test above)


def test_the_configuration_names_the_analytics_cookies_of_the_integrations_that_are_on(
    world: World, database: Database
) -> None:
    integrations = f"/api/v1/projects/{world.project_id}/integrations"
    ga4 = {"measurement_id": "G-K3Q9ZL2M7P", "api_secret": "s3cr3t-Api_Value"}
    matomo = {"url": "https://matomo.example.com", "token_auth": "0123456789abcdef0123"}
    off = {**ga4, "measurement_id": "G-OFF00001", "enabled": False}
    added = [
        world.owner.client.post(f"{integrations}/ga4", json=off),
        world.owner.client.post(f"{integrations}/ga4", json=ga4),
        world.owner.client.post(f"{integrations}/ga4", json={**ga4, "measurement_id": "G-LATER1"}),
        world.owner.client.post(
            f"{integrations}/matomo", json={**matomo, "site_id": 5, "enabled": False}
        ),
        world.owner.client.post(f"{integrations}/matomo", json={**matomo, "site_id": 12}),
        world.owner.client.post(f"{integrations}/matomo", json={**matomo, "site_id": 13}),
    ]
    assert [response.status_code for response in added] == [201] * 6, added[-1].text

    config = injected_config(get(script_url(world, database)).text)

    # The first GA4 stream and Matomo site that are on (those turned off are passed over):
    # the script reads _ga_K3Q9ZL2M7P and _pk_id.12.…, not another stream's or site's.
    assert (config["ga4"], config["pk"]) == ("K3Q9ZL2M7P", "12")


def test_it_is_minified_and_gzipped(world: World, database: Database) -> None:
    plain = get(script_url(world, database), headers={"Accept-Encoding": "identity"})
    packed = get(script_url(world, database), headers={"Accept-Encoding": "gzip"})

    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == plain.text  # httpx decompresses
    source = SCRIPT.read_text()
    assert "Goals, in priority order" in source  # the source's leading comment ...
    assert "Goals, in priority order" not in plain.text  # ... is not served
    # V8 compiles every function eagerly, off the main thread, when this is the first line
    assert plain.text.startswith("//# allFunctionsCalledOnLoad\n(function(")
    assert len(plain.content) < 0.8 * len(source.encode())
    assert int(packed.headers["content-length"]) < len(plain.content) / 2


def test_it_answers_a_revalidation_with_304(world: World, database: Database) -> None:
    first = get(script_url(world, database))
    assert first.headers["cache-control"] == "public, max-age=300"

    again = get(script_url(world, database), headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_entity_changes_the_etag(world: World, database: Database) -> None:
    before = get(script_url(world, database)).headers["etag"]
    declare_entity(world, name="visit_id", value="r7k12_si")

    after = get(script_url(world, database))

    assert after.headers["etag"] != before
    assert [entity["name"] for entity in injected_config(after.text)["entities"]] == ["visit_id"]


def test_a_configuration_cannot_close_the_script_element(world: World, database: Database) -> None:
    declare_entity(world, name="tricky", value='text("</script><script>alert(1)</script>")')

    text = get(script_url(world, database)).text

    assert "</script>" not in text
    [entity] = injected_config(text)["entities"]
    assert entity["ast"]["call"] == "text"
    assert entity["ast"]["args"][0]["literal"].startswith("</script>")


def test_an_unknown_key_is_a_404_javascript_comment(world: World) -> None:
    response = get(f"{world.base_url}/s/no-such-key.js")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.text.startswith("/* Dialtrail: no project has the key 'no-such-key'")
    assert response.text.rstrip().endswith("*/")


def test_each_entity_carries_its_value_parsed_by_the_server(
    world: World, database: Database
) -> None:
    declare_entity(world, name="visit", value='cookie("v") || shop.visit["id"]')
    declare_entity(world, name="path", value="dataLayer[0].userId", type="simple")

    entities = injected_config(get(script_url(world, database)).text)["entities"]

    assert [entity["ast"] for entity in entities] == [
        {
            "either": [
                {"call": "cookie", "args": [{"literal": "v"}]},
                {"path": ["shop", "visit", "id"]},
            ]
        },
        {"path": ["dataLayer", 0, "userId"]},
    ]


def test_a_value_that_no_longer_parses_is_sent_with_its_error() -> None:
    # Saved while the project allowed js:, say; the script reports it as a parse error.
    entity = script_entity("title", "expression", "js:document.title", raw_js=False)

    assert "ast" not in entity
    assert entity["error"].startswith("raw JavaScript (js:) is disabled")
    assert entity["error"].endswith("at position 0")


def check_url(world: World, database: Database) -> str:
    return f"{world.base_url}/s/{public_key(database, world.project_id)}/check.js"


def test_it_serves_the_parser_minified_gzipped_and_cacheable(
    world: World, database: Database
) -> None:
    plain = get(check_url(world, database), headers={"Accept-Encoding": "identity"})
    packed = get(check_url(world, database), headers={"Accept-Encoding": "gzip"})
    again = get(check_url(world, database), headers={"If-None-Match": plain.headers["etag"]})

    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("application/javascript")
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert "_parse" in plain.text
    assert "companion of dialtrail.js" in CHECK_SCRIPT.read_text()
    assert "companion of dialtrail.js" not in plain.text  # minified
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == plain.text
    assert (again.status_code, again.content) == (304, b"")


def test_the_parser_carries_the_texts_of_the_enabled_entities(
    world: World, database: Database
) -> None:
    declare_entity(world, name="visit_id", value='cookie("v") || r7k12_si')
    declare_entity(world, name="off", value="x", enabled=False)
    before = get(check_url(world, database))
    declare_entity(world, name="order", value='shop.order || "</script>"')

    after = get(check_url(world, database))

    texts = re.search(r"\}\)\(window, ?(\{.*\})\);?\s*$", after.text, re.DOTALL)
    assert texts, after.text[-300:]
    assert json.loads(texts.group(1)) == {
        "visit_id": 'cookie("v") || r7k12_si',
        "order": 'shop.order || "</script>"',
    }
    assert "</script>" not in after.text
    assert after.headers["etag"] != before.headers["etag"]


def test_the_parser_under_an_unknown_key_is_a_404_javascript_comment(world: World) -> None:
    response = get(f"{world.base_url}/s/no-such-key/check.js")

    assert response.status_code == 404
    assert response.text.startswith("/* Dialtrail: no project has the key 'no-such-key'")
