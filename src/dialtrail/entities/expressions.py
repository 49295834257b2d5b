r"""The tracking-entity value language (docs/design.md §2): a scanner and a recursive-descent
parser.

The server parses an entity's value when it is saved, so a marketer sees a clear error with the
position of the problem; the parsed tree (``Node.to_json``) is then shipped to the insertion
script, which checks and evaluates it without ``eval``. The browser's own parser of the same
grammar (``tracker/static/check.js``, fetched for ``dialtrail.check()`` and debugging) and this
one are tested against ``tests/vectors/expressions.json``.

Grammar (whitespace — space, tab, CR, LF, no-break space — may surround any token)::

    value      = "js:" <any text>                  (whole value only, when allow_raw_js is on)
               | either
    either     = primary { "||" primary }
    primary    = path | string | call | "(" either ")"
    path       = name { "." name | "[" index "]" | "[" string "]" }
    call       = function "(" argument { "," argument } ")"
    name       = [A-Za-z_$][A-Za-z0-9_$]*
    index      = [0-9]{1,9}
    string     = '"' ... '"' | "'" ... "'"         (escapes \\ \" \' \n \t \uXXXX)

Functions: ``cookie(S)``, ``query(S)``, ``storage(S)``, ``session_storage(S)``,
``datalayer(S)``, ``text(S)``, ``attr(S, S)``, ``meta(S)`` and ``match(EXPR, S)``, where S must
be a quoted string. A ``simple`` entity (``parse_path``) accepts a path only.

Tokens are read one at a time from the left, so the first problem from the left is reported;
a token's own problems (an unknown escape, a missing closing quote) are reported when the
parser reaches that token. Limits: 2,000 characters and 32 nested parentheses, so hostile input
can never exhaust the stack.

Checks that only a browser can make are kept light on purpose: a CSS selector is only checked
for being non-empty, with balanced ``[]``/``()`` and closed quotes; a ``match`` pattern is
compiled with Python's ``re`` after translating JavaScript's named groups.

The compact JSON form of the tree (``Node.to_json()``), as sent to the browser::

    {"path": ["dataLayer", 0, "userId"]}             names are strings, [n] indexes are numbers
    {"literal": "text"}
    {"call": "cookie", "args": [{"literal": "session_id"}]}
    {"either": [node, node, ...]}                    first non-empty; nested groups are flattened
    {"js": "window.visitId"}                         the raw source, trimmed, not parsed
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

MAX_LENGTH = 2000
MAX_DEPTH = 32
# An explicit set rather than str.isspace(), so the JavaScript parser can agree exactly; the
# no-break space is included because values are often pasted from documents.
WHITESPACE = " \t\n\r\u00a0"
MAX_INDEX_DIGITS = 9  # keeps indexes far below JavaScript's largest exact integer

_NAME_START = frozenset(string.ascii_letters + "_$")
_NAME_PART = _NAME_START | frozenset(string.digits)
_DIGITS = frozenset(string.digits)
_HEX_DIGITS = frozenset(string.hexdigits)
_PUNCTUATION = frozenset(".[](),")
_SIMPLE_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}

_RAW_JS_DISABLED = (
    "raw JavaScript (js:) is disabled for this project; "
    "turn on allow_raw_js in the project settings"
)
_RAW_JS_NOT_WHOLE = (
    "js: can only be used as the whole value, such as js:window.visitId, "
    "not combined with other parts"
)


class ExpressionError(ValueError):
    """A value that does not follow the grammar, with the 0-based offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} at position {self.position}"


@dataclass(frozen=True)
class Path:
    """A global variable path, resolved from ``window`` in the browser."""

    segments: tuple[str | int, ...]

    def to_json(self) -> dict[str, object]:
        return {"path": list(self.segments)}


@dataclass(frozen=True)
class Literal:
    """A quoted string, with its escapes decoded."""

    value: str

    def to_json(self) -> dict[str, object]:
        return {"literal": self.value}


@dataclass(frozen=True)
class Call:
    """A call to one of the built-in functions; quoted arguments are ``Literal`` nodes."""

    function: str
    args: tuple[Node, ...]

    def to_json(self) -> dict[str, object]:
        return {"call": self.function, "args": [argument.to_json() for argument in self.args]}


@dataclass(frozen=True)
class Either:
    """``a || b || c``: the first option with a non-empty value."""

    options: tuple[Node, ...]

    def to_json(self) -> dict[str, object]:
        return {"either": [option.to_json() for option in self.options]}


@dataclass(frozen=True)
class RawJs:
    """``js:<source>``, run by the browser with ``new Function``; never parsed here."""

    source: str

    def to_json(self) -> dict[str, object]:
        return {"js": self.source}


Node: TypeAlias = Path | Literal | Call | Either | RawJs


def parse_expression(text: str, *, allow_raw_js: bool) -> Node:
    """Parse the value of an ``expression`` entity."""
    start = _check_size(text)
    if text.startswith("js:", start):
        return _parse_raw_js(text, start, allow_raw_js=allow_raw_js)
    parser = _Parser(text)
    node = parser.parse_either(0, "")
    parser.expect_end("'||' or the end of the value")
    return node


def parse_path(text: str) -> Path:
    """Parse the value of a ``simple`` entity: a global variable path and nothing else."""
    start = _check_size(text)
    if text.startswith("js:", start):
        raise _simple_only("raw JavaScript (js:)", start)
    return _Parser(text).parse_simple()


def _check_size(text: str) -> int:
    """Reject over-long and blank values; return the offset of the first non-blank character."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the value is too long ({len(text)} characters); the limit is {MAX_LENGTH}",
            MAX_LENGTH,
        )
    start = len(text) - len(text.lstrip(WHITESPACE))
    if start == len(text):
        raise ExpressionError("empty; give a variable path such as r7k12_si or an expression", 0)
    return start


def _parse_raw_js(text: str, start: int, *, allow_raw_js: bool) -> RawJs:
    if not allow_raw_js:
        raise ExpressionError(_RAW_JS_DISABLED, start)
    source = text[start + 3 :].strip(WHITESPACE)
    if not source:
        raise ExpressionError(
            "js: must be followed by JavaScript code, such as js:window.visitId", start + 3
        )
    return RawJs(source)


def _simple_only(feature: str, position: int) -> ExpressionError:
    return ExpressionError(
        "a Simple entity takes only a global variable path such as r7k12_si or shop.visit.id; "
        f"use type Expression for {feature}",
        position,
    )


# --- scanner -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    # "name", "number", "string", "end", "other" (any unexpected character), or the
    # punctuation itself: ".", "[", "]", "(", ")", ",", "||".
    kind: str
    text: str
    position: int
    value: str = ""  # the decoded text of a "string" token

    @property
    def end(self) -> int:
        return self.position + len(self.text)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0

    def next_token(self) -> _Token:
        while self.offset < len(self.text) and self.text[self.offset] in WHITESPACE:
            self.offset += 1
        if self.offset == len(self.text):
            return _Token("end", "", self.offset)
        char = self.text[self.offset]
        if char in _NAME_START:
            return self._take_while("name", _NAME_PART)
        if char in _DIGITS:
            return self._take_while("number", _DIGITS)
        if char in "\"'":
            return self._read_string()
        if self.text.startswith("||", self.offset):
            return self._take("||", 2)
        return self._take(char if char in _PUNCTUATION else "other", 1)

    def _take(self, kind: str, length: int) -> _Token:
        start = self.offset
        self.offset += length
        return _Token(kind, self.text[start : self.offset], start)

    def _take_while(self, kind: str, allowed: frozenset[str]) -> _Token:
        end = self.offset + 1
        while end < len(self.text) and self.text[end] in allowed:
            end += 1
        return self._take(kind, end - self.offset)

    def _read_string(self) -> _Token:
        opening = self.offset
        quote = self.text[opening]
        chars: list[str] = []
        index = opening + 1
        while index < len(self.text) and self.text[index] != quote:
            if self.text[index] == "\\":
                decoded, index = self._read_escape(index, opening)
            else:
                decoded, index = self.text[index], index + 1
            chars.append(decoded)
        if index == len(self.text):
            raise _unterminated(quote, opening)
        self.offset = index + 1
        return _Token("string", self.text[opening : self.offset], opening, "".join(chars))

    def _read_escape(self, backslash: int, opening: int) -> tuple[str, int]:
        """Decode the escape at ``backslash``; return it and the offset just after it."""
        if backslash + 1 == len(self.text):
            raise _unterminated(self.text[opening], opening)
        code = self.text[backslash + 1]
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code], backslash + 2
        if code == "u":
            return self._read_unicode_escape(backslash)
        raise ExpressionError(
            f"unknown escape '\\{code}' in quoted text; "
            "the escapes are \\\\ \\\" \\' \\n \\t and \\uXXXX",
            backslash,
        )

    def _read_unicode_escape(self, backslash: int) -> tuple[str, int]:
        # JavaScript strings are UTF-16, so characters beyond U+FFFF are written as a pair of
        # \u escapes; they are joined here so both parsers produce the same character.
        unit = self._read_hex_unit(backslash)
        if not 0xD800 <= unit <= 0xDFFF:
            return chr(unit), backslash + 6
        low = -1
        if unit <= 0xDBFF and self.text.startswith("\\u", backslash + 6):
            low = self._read_hex_unit(backslash + 6)
        if not 0xDC00 <= low <= 0xDFFF:
            raise ExpressionError(
                "a \\u escape between \\uD800 and \\uDFFF must be half of a surrogate pair, "
                "such as \\uD83D\\uDE00",
                backslash,
            )
        return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)), backslash + 12

    def _read_hex_unit(self, backslash: int) -> int:
        digits = self.text[backslash + 2 : backslash + 6]
        if len(digits) != 4 or not all(digit in _HEX_DIGITS for digit in digits):
            raise ExpressionError(
                "\\u must be followed by exactly 4 hexadecimal digits, such as \\u00e9", backslash
            )
        return int(digits, 16)


def _unterminated(quote: str, opening: int) -> ExpressionError:
    return ExpressionError(f"this quoted text is never closed; add a closing {quote}", opening)


def _describe(token: _Token) -> str:
    """How a found token is named in messages: 'end of input', 'foo', or a code point."""
    if token.kind == "end":
        return "end of input"
    if token.kind == "other" and not token.text.isprintable():
        return f"the character U+{ord(token.text):04X}"
    snippet = token.text if len(token.text) <= 20 else token.text[:20] + "…"
    return f"'{snippet}'"


# --- functions and their argument checks --------------------------------------------------


def _check_not_blank(value: str) -> str | None:
    return "is empty" if not value.strip(WHITESPACE) else None


def _check_selector(value: str) -> str | None:
    """A light sanity check only: the browser's querySelector is the real judge."""
    if not value.strip(WHITESPACE):
        return "is empty"
    closers = {"[": "]", "(": ")"}
    expected: list[str] = []
    quote = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":  # a CSS escape: the next character is taken literally
            index += 1
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in closers:
            expected.append(closers[char])
        elif char in "])" and (not expected or expected.pop() != char):
            return f"has a '{char}' without a matching opening bracket"
        index += 1
    if quote:
        return f"has a {quote} that is never closed"
    return f"is missing a closing '{expected[-1]}'" if expected else None


def _check_regex(value: str) -> str | None:
    python_only = _python_only_construct(value)
    if python_only:
        return python_only
    try:
        with warnings.catch_warnings():
            # Python warns about set syntax it may change one day (such as "[["), which
            # JavaScript reads literally; that is not a problem with the marketer's pattern.
            warnings.simplefilter("ignore")
            re.compile(_python_regex(value))
    except re.error as error:
        return f"is not valid: {error.msg}"
    except RecursionError:  # Python's regex parser recurses once per nested group
        return "is nested too deeply"
    except OverflowError as error:  # a {n} repeat beyond what re can count
        return f"is not valid: {error}"
    return None


# Constructs Python's re accepts but a browser's RegExp rejects or reads differently; refusing
# them keeps the server at least as strict as the browser that will run the pattern.
_PYTHON_ONLY_GROUPS = {
    "(?P": "uses (?P…), which browsers do not understand; write a named group as (?<name>…)",
    "(?#": "uses a (?#…) comment, which browsers do not understand",
    "(?>": "uses an atomic group (?>…), which browsers do not understand",
}
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")
_PYTHON_ONLY_ESCAPES = {
    letter: f"uses \\{letter}, which browsers read as a plain letter; use ^ or $ instead"
    for letter in "AZz"
}


def _python_only_construct(pattern: str) -> str | None:
    index = 0
    after_quantifier = False
    while index < len(pattern):
        problem, next_index = _python_only_at(pattern, index, after_quantifier)
        if problem:
            return problem
        after_quantifier = pattern[index] in "*+?}"
        index = next_index
    return None


def _python_only_at(pattern: str, index: int, after_quantifier: bool) -> tuple[str | None, int]:
    """A problem with the token at ``index``, and where the next token starts."""
    char = pattern[index]
    if char == "\\":
        escaped = pattern[index + 1 : index + 2]
        if escaped in _PYTHON_ONLY_ESCAPES:
            return _PYTHON_ONLY_ESCAPES[escaped], index
        return None, index + 2
    if char == "[":
        return None, _end_of_class(pattern, index)
    for opening, message in _PYTHON_ONLY_GROUPS.items():
        if pattern.startswith(opening, index):
            return message, index
    if _INLINE_FLAGS.match(pattern, index):
        return "uses inline flags such as (?i), which browsers do not understand", index
    if char == "+" and after_quantifier:
        return "uses a possessive quantifier such as a*+, which browsers do not understand", index
    return None, index + 1


def _end_of_class(pattern: str, index: int) -> int:
    """The index just after the character class that opens at ``index``."""
    index += 2 if pattern.startswith("[]", index) or pattern.startswith("[^]", index) else 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def _python_regex(pattern: str) -> str:
    """Translate JavaScript's named groups (?<name>…) and \\k<name> into Python's spelling."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("\\k<", index) and ">" in pattern[index:]:
            end = pattern.index(">", index)
            parts.append(f"(?P={pattern[index + 3 : end]})")
            index = end + 1
        elif pattern[index] == "\\":
            parts.append(pattern[index : index + 2])
            index += 2
        elif pattern.startswith("(?<", index) and not pattern.startswith(("(?<=", "(?<!"), index):
            parts.append("(?P<")
            index += 3
        else:
            parts.append(pattern[index])
            index += 1
    return "".join(parts)


@dataclass(frozen=True)
class _Parameter:
    description: str  # names the argument in messages: "the cookie name"
    check: Callable[[str], str | None] | None  # None: any expression, not only a quoted string


@dataclass(frozen=True)
class _Function:
    name: str
    parameters: tuple[_Parameter, ...]
    example: str


def _one_name(name: str, description: str, example: str) -> _Function:
    return _Function(name, (_Parameter(description, _check_not_blank),), example)


_SELECTOR = _Parameter("the CSS selector", _check_selector)
_ATTRIBUTE = _Parameter("the attribute name", _check_not_blank)
_SEARCHED = _Parameter("the value to search", None)
_REGEX = _Parameter("the regular expression", _check_regex)
_FUNCTIONS: dict[str, _Function] = {
    function.name: function
    for function in (
        _one_name("cookie", "the cookie name", 'cookie("session_id")'),
        _one_name("query", "the URL parameter name", 'query("utm_source")'),
        _one_name("storage", "the localStorage key", 'storage("visit_id")'),
        _one_name("session_storage", "the sessionStorage key", 'session_storage("visit_id")'),
        _one_name("datalayer", "the dataLayer key", 'datalayer("userId")'),
        _Function("text", (_SELECTOR,), 'text("#order-id")'),
        _Function("attr", (_SELECTOR, _ATTRIBUTE), 'attr("#phone", "data-visit")'),
        _one_name("meta", "the meta tag name", 'meta("visit-id")'),
        _Function("match", (_SEARCHED, _REGEX), 'match(cookie("_ga"), "GA1\\\\.\\\\d\\\\.(.+)")'),
    )
}


def _unknown_function(name: _Token) -> ExpressionError:
    hint = f"did you mean {name.text.lower()}()? " if name.text.lower() in _FUNCTIONS else ""
    known = ", ".join(_FUNCTIONS)
    return ExpressionError(
        f"unknown function '{name.text}'; {hint}known: {known}",
        name.position,
    )


def _wrong_count(function: _Function, got: str, position: int) -> ExpressionError:
    count = len(function.parameters)
    plural = "argument" if count == 1 else "arguments"
    described = " and ".join(parameter.description for parameter in function.parameters)
    return ExpressionError(
        f"{function.name}() takes {count} {plural} ({described}), for example {function.example}, "
        f"but got {got}",
        position,
    )


# --- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self._scanner = _Scanner(text)
        self._lookahead: _Token | None = None

    def peek(self) -> _Token:
        if self._lookahead is None:
            self._lookahead = self._scanner.next_token()
        return self._lookahead

    def advance(self) -> _Token:
        token = self.peek()
        self._lookahead = None
        return token

    def expect_end(self, expected: str) -> None:
        token = self.peek()
        if token.kind == ")":
            raise ExpressionError("found ')' without a matching '('", token.position)
        if token.kind != "end":
            raise ExpressionError(
                f"expected {expected} but found {_describe(token)}", token.position
            )

    def expect_close(self, closer: str, opened: str) -> None:
        token = self.advance()
        if token.kind != closer:
            raise ExpressionError(
                f"expected '{closer}' to close '{opened}' but found {_describe(token)}",
                token.position,
            )

    def parse_simple(self) -> Path:
        token = self.advance()
        if token.kind == "name" and self.peek().kind == "(":
            raise _simple_only('functions such as cookie("name")', token.position)
        if token.kind != "name":
            raise self._not_a_path(token)
        path = self.parse_path_rest(token)
        self.reject_call_on_path()
        if self.peek().kind == "||":
            raise _simple_only("alternatives with ||", self.peek().position)
        self.expect_end("the end of the value")
        return path

    def _not_a_path(self, token: _Token) -> ExpressionError:
        if token.kind == "string":
            return _simple_only("text in quotes", token.position)
        if token.kind == "(":
            return _simple_only("parentheses", token.position)
        return ExpressionError(
            f"expected a global variable name such as r7k12_si but found {_describe(token)}",
            token.position,
        )

    def parse_either(self, depth: int, where: str) -> Node:
        options = [self.parse_primary(depth, where)]
        while self.peek().kind == "||":
            self.advance()
            options.append(self.parse_primary(depth, " after '||'"))
        # "||" is associative, so "(a || b) || c" is sent to the browser as one flat list.
        flat: list[Node] = []
        for option in options:
            flat.extend(option.options if isinstance(option, Either) else (option,))
        return flat[0] if len(flat) == 1 else Either(tuple(flat))

    def parse_primary(self, depth: int, where: str) -> Node:
        token = self.advance()
        if token.kind == "string":
            return Literal(token.value)
        if token.kind == "(":
            node = self.parse_either(self.deeper(token, depth), " after '('")
            self.expect_close(")", "(")
            return node
        if token.kind == "name":
            return self.parse_name(token, depth)
        raise ExpressionError(
            'expected a variable path, a function such as cookie("name") or a quoted text'
            f"{where} but found {_describe(token)}",
            token.position,
        )

    def deeper(self, opener: _Token, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise ExpressionError(
                f"the value is nested too deeply (more than {MAX_DEPTH} levels of parentheses)",
                opener.position,
            )
        return depth + 1

    def parse_name(self, name: _Token, depth: int) -> Node:
        if name.text == "js" and self.text.startswith(":", name.end):
            raise ExpressionError(_RAW_JS_NOT_WHOLE, name.position)
        if self.peek().kind == "(":
            return self.parse_call(name, depth)
        path = self.parse_path_rest(name)
        self.reject_call_on_path()
        return path

    def reject_call_on_path(self) -> None:
        token = self.peek()
        if token.kind == "(":
            raise ExpressionError(
                "a variable path cannot be called; only the functions "
                f"{', '.join(_FUNCTIONS)} can be followed by '('",
                token.position,
            )

    def parse_path_rest(self, first: _Token) -> Path:
        segments: list[str | int] = [first.text]
        while self.peek().kind in (".", "["):
            opener = self.advance()
            if opener.kind == ".":
                segments.append(self.parse_dot_segment())
            else:
                segments.append(self.parse_bracket_segment())
        return Path(tuple(segments))

    def parse_dot_segment(self) -> str:
        token = self.advance()
        if token.kind == "name":
            return token.text
        hint = "; use [0] for a position in a list" if token.kind == "number" else ""
        raise ExpressionError(
            f"expected a name after '.' but found {_describe(token)}{hint}", token.position
        )

    def parse_bracket_segment(self) -> str | int:
        token = self.advance()
        segment: str | int
        if token.kind == "number" and len(token.text) <= MAX_INDEX_DIGITS:
            segment = int(token.text)
        elif token.kind == "string":
            segment = token.value
        elif token.kind == "number":
            raise ExpressionError("this position in a list is too large", token.position)
        else:
            raise ExpressionError(
                f"expected a number or a quoted name after '[' but found {_describe(token)}",
                token.position,
            )
        self.expect_close("]", "[")
        return segment

    def parse_call(self, name: _Token, depth: int) -> Call:
        function = _FUNCTIONS.get(name.text)
        if function is None:
            raise _unknown_function(name)
        opener = self.advance()
        inner_depth = self.deeper(opener, depth)
        if self.peek().kind == ")":
            raise _wrong_count(function, "none", opener.position)
        arguments: list[Node] = []
        while True:
            parameter = function.parameters[len(arguments)]
            arguments.append(self.parse_argument(function, parameter, inner_depth))
            if self.close_or_continue(function, len(arguments), opener):
                return Call(function.name, tuple(arguments))

    def close_or_continue(self, function: _Function, got: int, opener: _Token) -> bool:
        """Consume the ',' or ')' after an argument; True when the call is complete."""
        name, wanted = function.name, len(function.parameters)
        token = self.advance()
        if token.kind == "," and got == wanted:
            raise _wrong_count(function, f"more than {wanted}", self.peek().position)
        if token.kind == ")" and got < wanted:
            raise _wrong_count(function, str(got), opener.position)
        if token.kind in (",", ")"):
            return token.kind == ")"
        expected = (
            f"')' to close '{name}('"
            if got == wanted
            else f"',' before the next argument of '{name}('"
        )
        raise ExpressionError(f"expected {expected} but found {_describe(token)}", token.position)

    def parse_argument(self, function: _Function, parameter: _Parameter, depth: int) -> Node:
        name = function.name
        if parameter.check is None:
            return self.parse_either(depth, f" as the first argument of '{name}('")
        token = self.advance()
        if token.kind != "string":
            raise ExpressionError(
                f"{name}() expects {parameter.description} in quotes, "
                f"for example {function.example}, but found {_describe(token)}",
                token.position,
            )
        problem = parameter.check(token.value)
        if problem is not None:
            raise ExpressionError(f"{parameter.description} in {name}() {problem}", token.position)
        return Literal(token.value)
