"""Short names for the insertion script's own variables, so that it stays within its size budget.

rjsmin removes comments and whitespace but keeps every name; the source keeps its full names
(STYLE.md) and the server renames them once per process. This is a careful renamer for the
subset of JavaScript that ``static/dialtrail.js`` is written in, not a general one:

- only names the script *declares* are renamed (``const``/``let``/``var``, ``function`` names
  and parameters, arrow parameters, ``catch`` bindings, destructuring), each to one short name
  used for every occurrence; the short names are ones the script never uses, so no scope can
  see a different variable than before;
- a name after ``.`` is a property, and a name before ``:`` in an object literal or pattern is a
  key: both stay; a shorthand property (``{visitor}``) becomes ``{visitor:a}``;
- strings, regular expressions and template-free code are read by a small tokenizer; a
  template literal is refused (the tokenizer does not read them).

Renaming is checked by the browser tests, which run the script as it is served.
"""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<name>[A-Za-z_$][\w$]*)
    |(?P<number>0[xX][\da-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)
    |(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    |(?P<punctuator>>>>=|\.\.\.|===|!==|\*\*=|<<=|>>=|>>>|=>|==|!=|<=|>=|&&|\|\||\?\?|\?\.
        |\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|\*\*|<<|>>|[{}()\[\];,<>+\-*/%&|^!~?:=.@#])
    """,
    re.VERBOSE,
)
REGEX = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
KEYWORDS = frozenset(
    re.findall(
        r"\w+",
        """break case catch class const continue debugger default delete do else export extends
        false finally for function if import in instanceof let new null of return super switch
        this throw true try typeof var void while with yield await async arguments undefined
        eval NaN Infinity""",
    )
)
# After these a "/" starts a regular expression; after a value (a name, a number, ")" or "]")
# it divides.
REGEX_AFTER_WORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new"})
# A "{" after these opens a block; after any other punctuator, an object literal or pattern.
BLOCK_AFTER = frozenset({")", "]", "}", ";", "{", "=>", "else", "try", "finally", "do", None})
DECLARE = frozenset({"const", "let", "var"})


@dataclass
class Token:
    kind: str  # space, name, number, string, regex, punctuator
    text: str


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(source):
        if source[at] == "`":
            raise ValueError("template literals are not supported by the mangler")
        previous = next((t for t in reversed(tokens) if t.kind != "space"), None)
        if source[at] == "/" and starts_regex(previous):
            match = REGEX.match(source, at)
            if match is None:
                raise ValueError(f"unreadable regular expression at {at}")
            tokens.append(Token("regex", match.group()))
        else:
            match = TOKEN.match(source, at)
            if match is None or match.lastgroup is None:
                raise ValueError(f"unreadable JavaScript at {at}: {source[at : at + 20]!r}")
            tokens.append(Token(match.lastgroup, match.group()))
        at = match.end()
    return tokens


def starts_regex(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.text in REGEX_AFTER_WORDS
    return previous.kind == "punctuator" and previous.text not in {")", "]", "}"}


class Reader:
    """The tokens without spaces, with what each name is: a property, a key or a shorthand."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = [t for t in tokens if t.kind != "space"]
        self.roles = self.find_roles()

    def text(self, index: int) -> str | None:
        return self.tokens[index].text if 0 <= index < len(self.tokens) else None

    def find_roles(self) -> dict[int, str]:
        roles: dict[int, str] = {}
        brackets: list[str] = []  # "object", "block", "(" or "["
        for index, token in enumerate(self.tokens):
            before, after = self.text(index - 1), self.text(index + 1)
            if token.text == "{" and token.kind == "punctuator":
                brackets.append("block" if before in BLOCK_AFTER else "object")
            elif token.text in ("(", "[") and token.kind == "punctuator":
                brackets.append(token.text)
            elif token.text in ("}", ")", "]") and token.kind == "punctuator":
                brackets.pop()
            elif token.kind == "name":
                in_object = bool(brackets) and brackets[-1] == "object" and before in ("{", ",")
                if before in (".", "?."):
                    roles[index] = "property"
                elif in_object and after == ":":
                    roles[index] = "key"
                elif in_object and after in (",", "}", "="):
                    roles[index] = "shorthand"
                elif in_object and after == "(":
                    raise ValueError(f"method shorthand {token.text}() is not supported")
        return roles

    def declared(self) -> set[str]:
        names: set[str] = set()
        for index, token in enumerate(self.tokens):
            if token.kind != "name":
                continue
            if token.text in DECLARE:
                names |= self.declarators(index + 1)
            elif token.text == "function":
                start = index + 1
                if self.tokens[start].kind == "name":
                    names.add(self.tokens[start].text)
                    start += 1
                names |= self.bindings(start, self.closing(start))
            elif token.text == "catch" and self.text(index + 1) == "(":
                names |= self.bindings(index + 1, self.closing(index + 1))
            elif self.text(index + 1) == "=>" and index not in self.roles:
                names.add(token.text)
        for index, token in enumerate(self.tokens):
            if token.text == "=>" and self.text(index - 1) == ")":
                opener = self.opening(index - 1)
                names |= self.bindings(opener, index - 1)
        return names - KEYWORDS

    def declarators(self, start: int) -> set[str]:
        """Names bound by ``let a = 1, [b, c] = d, {e: f} = g`` (up to ; or of/in)."""
        names: set[str] = set()
        index, expecting = start, True
        while index < len(self.tokens):
            text = self.text(index)
            if text in (";", "of", "in", ")", "}"):
                break
            if expecting and text in ("[", "{"):
                end = self.closing(index)
                names |= self.bindings(index, end)
                index, expecting = end + 1, False
                continue
            if expecting and self.tokens[index].kind == "name":
                names.add(self.tokens[index].text)
                expecting = False
            elif text in ("(", "[", "{"):
                index = self.closing(index)
            elif text == ",":
                expecting = True
            index += 1
        return names

    def bindings(self, opener: int, closer: int) -> set[str]:
        """Names bound by a parameter list or pattern between two brackets: defaults skipped."""
        names: set[str] = set()
        index = opener + 1
        while index < closer:
            token, text = self.tokens[index], self.text(index)
            if text == "=":  # a default value: skip to the next , at this depth
                while index < closer and self.text(index) != ",":
                    index = self.closing(index) if self.text(index) in ("(", "[", "{") else index
                    index += 1
                continue
            role = self.roles.get(index)
            if token.kind == "name" and role != "key" and text != "...":
                names.add(token.text)
            index += 1
        return names

    def closing(self, opener: int) -> int:
        depth = 0
        for index in range(opener, len(self.tokens)):
            text = self.text(index)
            if self.tokens[index].kind == "punctuator" and text in ("(", "[", "{"):
                depth += 1
            elif self.tokens[index].kind == "punctuator" and text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return index
        raise ValueError("unbalanced brackets")

    def opening(self, closer: int) -> int:
        depth = 0
        for index in range(closer, -1, -1):
            text = self.text(index)
            if self.tokens[index].kind == "punctuator" and text in (")", "]", "}"):
                depth += 1
            elif self.tokens[index].kind == "punctuator" and text in ("(", "[", "{"):
                depth -= 1
                if depth == 0:
                    return index
        raise ValueError("unbalanced brackets")


def short_names(taken: set[str]) -> Iterator[str]:
    first = string.ascii_letters + "_$"
    doubles = (a + b for a in first for b in first + string.digits)
    return (name for name in itertools.chain(first, doubles) if name not in taken)


def mangle(source: str) -> str:
    """``source`` with the names it declares shortened; everything else byte for byte."""
    tokens = tokenize(source)
    reader = Reader(tokens)
    declared = reader.declared()
    everywhere = {t.text for t in tokens if t.kind == "name"}
    uses = Counter(
        t.text
        for i, t in enumerate(reader.tokens)
        if t.kind == "name"
        and t.text in declared
        and reader.roles.get(i) not in ("property", "key")
    )
    fresh = short_names(everywhere | KEYWORDS)
    renamed = {name: next(fresh) for name, _ in uses.most_common() if len(name) > 1}
    output: list[str] = []
    significant = 0
    for token in tokens:
        if token.kind == "space":
            output.append(token.text)
            continue
        role = reader.roles.get(significant)
        significant += 1
        new = renamed.get(token.text) if token.kind == "name" else None
        if new is None or role in ("property", "key"):
            output.append(token.text)
        elif role == "shorthand":
            output.append(f"{token.text}:{new}")
        else:
            output.append(new)
    return "".join(output)
