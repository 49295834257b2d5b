"""The insertion script's parser reads the expression language exactly as the server does.

Every case of tests/vectors/expressions.json is parsed by ``dialtrail._parse`` (from check.js,
the parser the script fetches on demand) in one page of a real Chromium; each case is then a
test of its own, comparing ``ok``, the AST and the error position. Values generated from the
language's own pieces are compared with the server's parser too, to catch what the hand-written
cases miss. test_script_parsed_forms.py checks that the server's parsed forms, which the script
evaluates, read as the browser's parse does.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from dialtrail.entities.expressions import ExpressionError, Node, parse_expression, parse_path
from tests.support.static_site import serve_folder

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "expressions.json").read_text(encoding="utf-8")
)["cases"]
# The parser is in check.js, which the script fetches for its first check().
PARSE_ALL = """async cases => {
    await dialtrail.check('');
    return cases.map(c => dialtrail._parse(c.value, c.type, c.allow_raw_js));
}"""

# Pieces of values, good and bad, from which values are generated; they include the regular
# expression constructs that the server refuses and browsers accept.
PIECES = [
    *["a", "b.c", "$x", "js", "js:", ":", "Cookie", "1234567890", "0", "12", "é", "\u00a0"],
    *[".", "[", "]", "(", ")", ",", "||", "|", " ", "\t", '"', "'", "\\", "\\q", "\\n"],
    *['"x"', "'y'", '""', '"  "', "\\u00e9", "\\uD83D", "\\uDE00", '"#a"', '"div[x"'],
    *["cookie", "query", "storage", "session_storage", "datalayer", "text", "attr", "meta"],
    *["match", '"(a)"', '"\\\\d+"', '"("', '"a{2,1}"', '"(?P<n>x)"', '"a*+"', '"[*+]"'],
    *['"(?i)"', '"(?i:a)"', '"\\\\p{L}"', '"\\\\A"', '"\\\\\\\\A"'],
]


def generated_cases(count: int) -> list[dict[str, Any]]:
    chooser = random.Random(20261127)
    cases = []
    for _ in range(count):
        value = "".join(chooser.choice(PIECES) for _ in range(chooser.randint(1, 9)))
        kind = chooser.choice(["expression", "simple"])
        cases.append(server_result(value, kind, allow_raw_js=chooser.random() < 0.5))
    return cases


def server_result(value: str, kind: str, *, allow_raw_js: bool) -> dict[str, Any]:
    case: dict[str, Any] = {"value": value, "type": kind, "allow_raw_js": allow_raw_js}
    try:
        node: Node = (
            parse_path(value)
            if kind == "simple"
            else parse_expression(value, allow_raw_js=allow_raw_js)
        )
    except ExpressionError as error:
        return {**case, "ok": False, "error_position": error.position}
    return {**case, "ok": True, "ast": node.to_json()}


GENERATED = generated_cases(3000)


@pytest.fixture(scope="module")
def browser_results(browser: Browser) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What the script's parser answers for the vectors and the generated cases, in one page."""
    with serve_folder(FIXTURES) as site:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(site.base_url + "/blank.html")
            yield {
                "vectors": page.evaluate(PARSE_ALL, VECTORS),
                "generated": page.evaluate(PARSE_ALL, GENERATED),
            }
        finally:
            context.close()


def expected(case: dict[str, Any]) -> dict[str, Any]:
    return {"ast": case["ast"]} if case["ok"] else {"position": case["error_position"]}


def answered(result: dict[str, Any]) -> dict[str, Any]:
    """The script's answer without its message: {ast} or {position}."""
    return {"ast": result["ast"]} if "ast" in result else {"position": result.get("position")}


@pytest.mark.parametrize(
    "index",
    range(len(VECTORS)),
    ids=[f"{i}-{c['type']}-{c['value'][:32]!r}" for i, c in enumerate(VECTORS)],
)
def test_the_script_parses_each_shared_vector_as_the_server_does(
    browser_results: dict[str, list[dict[str, Any]]], index: int
) -> None:
    result = browser_results["vectors"][index]

    assert answered(result) == expected(VECTORS[index])
    assert "ast" in result or result["error"]  # a refusal always says why


def test_the_script_parses_generated_values_as_the_server_does(
    browser_results: dict[str, list[dict[str, Any]]],
) -> None:
    disagreements = [
        (case, result)
        for case, result in zip(GENERATED, browser_results["generated"], strict=True)
        if answered(result) != expected(case)
    ]

    assert disagreements == []
    assert sum(case["ok"] for case in GENERATED) > 100  # the generator makes valid values too
