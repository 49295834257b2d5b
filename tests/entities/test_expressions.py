"""The tracking-entity value language: shared vectors, messages and robustness."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialtrail.entities.expressions import (
    Call,
    Either,
    ExpressionError,
    Literal,
    Node,
    Path,
    RawJs,
    parse_expression,
    parse_path,
)

VECTORS_FILE = pathlib.Path(__file__).parent.parent / "vectors" / "expressions.json"
VECTOR_CASES: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["cases"]
NAME_FUNCTIONS = ("cookie", "query", "storage", "session_storage", "datalayer", "meta")
FUNCTIONS = (*NAME_FUNCTIONS, "text", "attr", "match")


def parse_case(case: dict[str, Any]) -> Node:
    if case["type"] == "simple":
        return parse_path(case["value"])
    return parse_expression(case["value"], allow_raw_js=case["allow_raw_js"])


def case_id(case: dict[str, Any]) -> str:
    value: str = case["value"]
    shown = value if len(value) <= 60 else f"{value[:40]}…({len(value)} chars)"
    return f"{case['type']}:{shown}"


def error_of(text: str, *, allow_raw_js: bool = False) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, allow_raw_js=allow_raw_js)
    return caught.value


@pytest.mark.parametrize("case", VECTOR_CASES, ids=case_id)
def test_it_agrees_with_the_shared_vectors(case: dict[str, Any]) -> None:
    if case["ok"]:
        assert parse_case(case).to_json() == case["ast"]
    else:
        with pytest.raises(ExpressionError) as caught:
            parse_case(case)
        assert caught.value.position == case["error_position"]


def test_the_vectors_cover_every_function_and_enough_cases() -> None:
    assert len(VECTOR_CASES) >= 80
    accepted = json.dumps([case["ast"] for case in VECTOR_CASES if case["ok"]])
    for function in FUNCTIONS:
        assert f'"call": "{function}"' in accepted
    assert all(case["type"] in ("simple", "expression") for case in VECTOR_CASES)


def test_it_points_at_the_second_dot() -> None:
    error = error_of("foo..bar")
    assert error.position == 4
    assert error.message == "expected a name after '.' but found '.'"
    assert str(error) == "expected a name after '.' but found '.' at position 4"


def test_it_rejects_raw_js_unless_allowed() -> None:
    error = error_of("  js:alert(1)")
    assert error.position == 2
    assert "turn on allow_raw_js in the project settings" in error.message
    assert parse_expression("  js:alert(1) ", allow_raw_js=True) == RawJs("alert(1)")


def test_it_rejects_raw_js_inside_a_larger_expression() -> None:
    error = error_of("cookie('a') || js:x", allow_raw_js=True)
    assert error.position == 15
    assert "whole value" in error.message


def test_simple_entity_suggests_expression_for_functions() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_path('cookie("a")')
    assert caught.value.position == 0
    assert "use type Expression" in caught.value.message


def test_simple_entity_accepts_a_global_path() -> None:
    assert parse_path(' dataLayer[0]["user-id"] ') == Path(("dataLayer", 0, "user-id"))


def test_it_says_which_bracket_is_missing_at_the_end() -> None:
    error = error_of('cookie("a"')
    assert error.message == "expected ')' to close 'cookie(' but found end of input"
    assert error.position == 10


def test_it_names_the_known_functions_for_an_unknown_one() -> None:
    error = error_of('cooky("a")')
    assert error.position == 0
    assert error.message.startswith("unknown function 'cooky'; known: cookie, query")


def test_it_names_the_function_and_count_when_arguments_are_missing() -> None:
    error = error_of('attr("#phone")')
    assert error.position == 4
    assert error.message.startswith("attr() takes 2 arguments")


def test_it_includes_the_regex_problem() -> None:
    error = error_of('match(cookie("a"), "(")')
    assert error.position == 19
    assert "missing )" in error.message


def test_it_accepts_javascript_named_groups() -> None:
    node = parse_expression('match(a, "(?<id>\\\\d+)")', allow_raw_js=False)
    assert node == Call("match", (Path(("a",)), Literal("(?<id>\\d+)")))


def test_it_flattens_nested_alternatives() -> None:
    node = parse_expression('(a || "b") || c', allow_raw_js=False)
    assert node == Either((Path(("a",)), Literal("b"), Path(("c",))))
    assert node.to_json() == {"either": [{"path": ["a"]}, {"literal": "b"}, {"path": ["c"]}]}


def test_the_error_can_be_rebuilt_from_its_args() -> None:
    error = error_of("a b")
    rebuilt = ExpressionError(*error.args)
    assert (
        (rebuilt.message, rebuilt.position)
        == (error.message, error.position)
        == (
            "expected '||' or the end of the value but found 'b'",
            2,
        )
    )


# --- property tests --------------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_$]{0,6}", fullmatch=True)
plain_texts = st.text(alphabet="abc XYZ-_.#:0123", min_size=1, max_size=8).filter(str.strip)
quoted = plain_texts.map(lambda text: f'"{text}"')
selectors = st.from_regex(r"[#.]?[a-z][a-z0-9-]{0,5}", fullmatch=True).map(lambda s: f'"{s}"')
segments = st.one_of(
    names.map(lambda name: f".{name}"),
    st.integers(0, 999).map(lambda index: f"[{index}]"),
    quoted.map(lambda text: f"[{text}]"),
)
paths = st.builds(lambda first, rest: first + "".join(rest), names, st.lists(segments, max_size=3))
calls = st.one_of(
    st.builds(
        lambda function, text: f"{function}({text})", st.sampled_from(NAME_FUNCTIONS), quoted
    ),
    st.builds(lambda selector, text: f"attr({selector}, {text})", selectors, quoted),
    st.builds(lambda selector: f"text({selector})", selectors),
)


def combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" || ".join),
        inner.map(lambda expression: f"({expression})"),
        inner.map(lambda expression: f'match({expression}, "id=(\\\\d+)")'),
    )


valid_expressions = st.recursive(st.one_of(paths, quoted, calls), combine, max_leaves=8)
FRAGMENTS = (
    *FUNCTIONS,
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "||",
    "|",
    '"',
    "'",
    "\\",
    "\\u",
    "\\uD83D",
    "js:",
    " ",
    "0",
    "x",
    '"a"',
    "(?<",
)
fragments = st.sampled_from(FRAGMENTS)


@st.composite
def near_valid_values(draw: st.DrawFn) -> str:
    """A valid expression with one fragment inserted, or a slice cut out of it."""
    value = draw(valid_expressions)
    start = draw(st.integers(0, len(value)))
    if draw(st.booleans()):
        return value[:start] + draw(fragments) + value[start:]
    end = draw(st.integers(start, len(value)))
    return value[:start] + value[end:]


any_values = st.one_of(
    st.text(),
    near_valid_values(),
    st.lists(fragments, max_size=30).map("".join),
)


def parse_or_error(text: str, *, simple: bool, allow_raw_js: bool) -> Node | ExpressionError:
    try:
        return parse_path(text) if simple else parse_expression(text, allow_raw_js=allow_raw_js)
    except ExpressionError as error:
        return error


@settings(max_examples=300, deadline=None)
@given(valid_expressions)
def test_it_accepts_every_expression_built_from_the_grammar(text: str) -> None:
    node = parse_expression(text, allow_raw_js=False)
    assert json.loads(json.dumps(node.to_json())) == node.to_json()


@settings(max_examples=300, deadline=None)
@given(any_values, st.booleans(), st.booleans())
def test_it_never_fails_with_anything_but_an_expression_error(
    text: str, simple: bool, allow_raw_js: bool
) -> None:
    outcome = parse_or_error(text, simple=simple, allow_raw_js=allow_raw_js)
    if isinstance(outcome, ExpressionError):
        assert 0 <= outcome.position <= len(text)
        assert outcome.message
    else:
        json.dumps(outcome.to_json())
