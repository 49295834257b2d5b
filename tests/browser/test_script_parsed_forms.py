"""The insertion script evaluates the forms the server parsed, checks them first, and fetches the
browser's own parser (check.js) only for ``dialtrail.check()`` and debugging.

The configuration carries each entity's value parsed by the server (``Node.to_json``). Every
accepted case of tests/vectors/expressions.json is declared as an entity of one page, whose
globals, cookies, storage, dataLayer, meta tags and elements give the vectors values to read;
``dialtrail.entities()`` (the server's forms) must read what ``dialtrail.check()`` (the browser's
parse of the same text) reads. Forms that are malformed, as a stale or damaged configuration
could make them, are parse errors of their entity and never a throw into the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_script_readers import config, entity, open_page
from tests.support.static_site import StaticSite

ACCEPTED: list[dict[str, Any]] = [
    case
    for case in json.loads(
        (Path(__file__).parents[1] / "vectors" / "expressions.json").read_text(encoding="utf-8")
    )["cases"]
    if case["ok"]
]
CHECK_JS = "/dialtrail/check.js"

# Gives every path, cookie, storage key, dataLayer key, meta tag and selector of the vectors a
# value; a path that is the start of a longer one stays an object (read as JSON). Paths and
# cookies end with text that the vectors' match() patterns find.
SET_UP = """state => {
    const matched = ' id=42 12-12 xy +a] GA1.2.77.88';
    window.dataLayer = [];
    for (const key of state.datalayer) dataLayer.push({[key]: 'layer-' + key});
    for (const path of state.paths) {
        let object = window;
        path.forEach((part, i) => {
            const found = object[part], last = i == path.length - 1;
            if (last) object[part] = found === undefined ? 'v:' + path.join('.') + matched : found;
            else object = object[part] = found && typeof found == 'object' ? found : {};
        });
    }
    for (const name of state.cookie) {
        document.cookie = name + '=' + encodeURIComponent('cookie ' + name + matched) + '; path=/';
    }
    for (const key of state.storage) localStorage.setItem(key, 'local-' + key);
    for (const key of state.session_storage) sessionStorage.setItem(key, 'session-' + key);
    for (const name of state.meta) {
        const meta = document.createElement('meta');
        meta.name = name, meta.content = 'meta-' + name;
        document.head.appendChild(meta);
    }
    document.body.innerHTML = `<p id="order-id"> A-1001 </p>
        <a id="phone" data-visit="attr-visit">call</a>
        <div data-x="a]b"><span>first</span><span>second</span></div>`;
}"""
READ_BOTH = """async texts => {
    const read = dialtrail.entities(), names = Object.keys(texts);
    const checked = await Promise.all(names.map(name => dialtrail.check(texts[name])));
    return {server: names.map(name => read[name]), browser: checked, errors: dialtrail._errors()};
}"""


def page_state(cases: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """What the vectors read: their paths, and the names given to each reader function."""
    state: dict[str, list[Any]] = {
        key: [] for key in ("paths", "cookie", "query", "storage", "session_storage")
    }
    state |= {"datalayer": [], "meta": []}
    for case in cases:
        collect_reads(case["ast"], state)
    return state


def collect_reads(node: dict[str, Any], state: dict[str, list[Any]]) -> None:
    if "path" in node:
        state["paths"].append(node["path"])
    for child in node.get("either", []) + node.get("args", []):
        collect_reads(child, state)
    if node.get("call") in state:
        state[node["call"]].append(node["args"][0]["literal"])


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture(scope="module")
def readings(browser: Browser, served: StaticSite) -> Iterator[dict[str, Any]]:
    """Every accepted vector read once through its server form and once through check()."""
    served.reset()
    declared = [entity(f"v{i}", case["value"], case["type"]) for i, case in enumerate(ACCEPTED)]
    served.config = config(*declared, raw_js=True)
    state = page_state(ACCEPTED)
    texts = {f"v{i}": case["value"] for i, case in enumerate(ACCEPTED)}
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script("window.alert = () => 'alert called';")  # js:alert(1)
        query = urlencode({name: f"query-{name}" for name in state["query"]})
        page.goto(f"{served.base_url}/blank.html?{query}")
        page.wait_for_function("window.dialtrail && dialtrail.session().page_view")
        page.evaluate(SET_UP, state)
        yield page.evaluate(READ_BOTH, texts)
    finally:
        context.close()


@pytest.mark.parametrize(
    "index",
    range(len(ACCEPTED)),
    ids=[f"{i}-{c['type']}-{c['value'][:32]!r}" for i, c in enumerate(ACCEPTED)],
)
def test_the_server_form_of_each_vector_reads_as_the_browser_parse_does(
    readings: dict[str, Any], index: int
) -> None:
    checked = readings["browser"][index]

    assert "position" not in checked, checked  # the browser's parser accepts it too
    assert readings["server"][index] == checked.get("value")


def test_every_server_form_is_accepted_and_most_read_a_value(readings: dict[str, Any]) -> None:
    assert [error for error in readings["errors"] if error["kind"] == "parse"] == []
    assert sum(value is not None for value in readings["server"]) > len(ACCEPTED) * 2 // 3


def deeply_nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"path": ["r7k12_si"]}
    for _ in range(levels):
        node = {"either": [node, {"literal": "x"}]}
    return node


MALFORMED: dict[str, Any] = {
    "no_form": None,
    "a_text": "r7k12_si",
    "a_list": [{"path": ["r7k12_si"]}],
    "unknown_shape": {"variable": "r7k12_si"},
    "extra_key": {"path": ["r7k12_si"], "js": "alert(1)"},
    "path_of_text": {"path": "r7k12_si"},
    "empty_path": {"path": []},
    "path_from_a_number": {"path": [0, "x"]},
    "negative_index": {"path": ["a", -1]},
    "unknown_function": {"call": "eval", "args": [{"literal": "1"}]},
    "missing_argument": {"call": "attr", "args": [{"literal": "#phone"}]},
    "argument_not_literal": {"call": "cookie", "args": [{"path": ["x"]}]},
    "broken_pattern": {"call": "match", "args": [{"path": ["r7k12_si"]}, {"literal": "("}]},
    "js_not_allowed": {"js": "document.title"},
    "too_deep": deeply_nested(100),
}


def test_malformed_forms_are_parse_errors_and_the_rest_reads(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    declared = [
        {"name": n, "type": "expression", "value": "x", "ast": f} for n, f in MALFORMED.items()
    ]
    simple_not_path = {
        "name": "simple_literal",
        "type": "simple",
        "value": "x",
        "ast": {"literal": "x"},
    }
    from_server = {
        "name": "refused",
        "type": "expression",
        "value": "x(",
        "error": "bad at position 1",
    }
    settings = config(
        entity("fine", "r7k12_si"),
        entity("fine_match", 'match(r7k12_si, "(\\\\d+)")'),
        *declared,
        simple_not_path,
        from_server,
    )
    open_page(page, site, "/readers.html", settings)

    page.wait_for_function("dialtrail._errors().length")
    errors = {
        error["entity"]: (error["kind"], error["message"])
        for error in page.evaluate("dialtrail._errors()")
    }
    assert page.evaluate("dialtrail.entities()") == {
        "fine": "v-20261127-8841",
        "fine_match": "20261127",
    }
    assert errors == {
        **{name: ("parse", "malformed") for name in [*MALFORMED, "simple_literal"]},
        "refused": ("parse", "bad at position 1"),
    }
    assert page_errors == []


def requests_for(page: Page, path: str) -> list[str]:
    """The URLs the page will request whose path ends with ``path``, as they happen."""
    urls: list[str] = []
    page.on(
        "request", lambda request: urls.append(request.url) if request.url.endswith(path) else None
    )
    return urls


def test_the_parser_is_fetched_once_for_the_first_check_and_not_before(
    page: Page, site: StaticSite
) -> None:
    fetched = requests_for(page, CHECK_JS)
    open_page(page, site, "/readers.html", config(entity("visit_id", "r7k12_si")))
    page.evaluate("dialtrail.entities()")
    assert fetched == []

    first = page.evaluate("dialtrail.check('r7k12_si')")
    second = page.evaluate('dialtrail.check(\'query("absent") || "none"\')')

    assert (first, second) == ({"value": "v-20261127-8841"}, {"value": "none"})
    assert fetched == [site.base_url + CHECK_JS]


def test_a_check_answers_an_error_when_the_parser_cannot_be_fetched_and_tries_again(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    page.route("**" + CHECK_JS, lambda route: route.abort(), times=1)
    open_page(page, site, "/readers.html", config())

    failed = page.evaluate("dialtrail.check('r7k12_si')")
    again = page.evaluate("dialtrail.check('r7k12_si')")

    assert failed == {"error": f"cannot load {site.base_url}{CHECK_JS}"}
    assert again == {"value": "v-20261127-8841"}
    assert page_errors == []


def test_debugging_fetches_the_parser_and_logs_a_form_that_differs_from_the_value(
    page: Page, site: StaticSite
) -> None:
    stale = {"name": "stale", "type": "expression", "value": "r7k12_si", "ast": {"path": ["shop"]}}
    settings = config(entity("same", 'cookie("a") || r7k12_si'), stale)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))

    with page.expect_console_message(lambda m: "parsed differently" in m.text) as logged:
        open_page(page, site, "/readers.html#dialtrail-debug", settings)

    assert logged.value.text.startswith("[dialtrail] parsed differently in the browser stale")
    assert [text for text in messages if "parsed differently" in text] == [logged.value.text]


def test_turning_debugging_on_fetches_the_parser(page: Page, site: StaticSite) -> None:
    fetched = requests_for(page, CHECK_JS)
    open_page(page, site, "/readers.html", config(entity("visit_id", "r7k12_si")))
    assert fetched == []

    page.evaluate("dialtrail.debug(true)")

    page.wait_for_function("typeof dialtrail._parse == 'function'")
    assert fetched == [site.base_url + CHECK_JS]
