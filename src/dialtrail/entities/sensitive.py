"""Values that would forward a site's secrets wholesale: pure checks on the parsed value.

``document.cookie`` is every cookie of the site (session and login cookies included), and
``localStorage`` as a whole is whatever the site keeps there; an entity reading either sends it
to the CRM with every call and webhook. Such a value is accepted only when the person saving it
confirms it (``confirm_sensitive``; docs/tracking-entities.md, "Values that forward everything").

Only what reaches the CRM whole is flagged: ``cookie("name")`` and ``storage("key")`` read one
item, and ``match(document.cookie, "…")`` sends only what its pattern captures, so neither is.
Raw JavaScript cannot be followed, so its source is searched for the same reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dialtrail.entities.expressions import Call, Either, Node, Path, RawJs

# Names the browser resolves to the window itself: window.document is document.
WINDOW_NAMES = frozenset({"window", "self", "globalThis", "top", "parent", "frames"})

COOKIES = "every cookie of the site (document.cookie), session and login cookies included"
LOCAL_STORAGE = "everything the site keeps in localStorage"
SESSION_STORAGE = "everything the site keeps in sessionStorage"

WHOLE_PATHS: dict[tuple[str | int, ...], str] = {
    ("document", "cookie"): COOKIES,
    ("localStorage",): LOCAL_STORAGE,
    ("sessionStorage",): SESSION_STORAGE,
}

JS_COOKIES = re.compile(r"""\bdocument\s*(?:\.\s*cookie\b|\[\s*["'`]cookie["'`]\s*\])""")
# The storage object used as a whole (JSON.stringify(localStorage), {...localStorage}), not
# one of its keys or methods (localStorage.getItem("k"), localStorage["k"]).
JS_WHOLE_STORAGE = re.compile(r"\b(localStorage|sessionStorage)\b(?!\s*[.\[])")


def forwarded_wholesale(node: Node) -> list[str]:
    """What the value would send whole, described for a person; empty when nothing."""
    if isinstance(node, Path):
        found = WHOLE_PATHS.get(without_window(node.segments))
        return [found] if found else []
    if isinstance(node, Either):
        return unique(what for option in node.options for what in forwarded_wholesale(option))
    if isinstance(node, RawJs):
        return raw_js_reads(node.source)
    if isinstance(node, Call) and node.function != "match":
        return unique(what for argument in node.args for what in forwarded_wholesale(argument))
    return []


def without_window(segments: tuple[str | int, ...]) -> tuple[str | int, ...]:
    start = 0
    while start < len(segments) - 1 and segments[start] in WINDOW_NAMES:
        start += 1
    return segments[start:]


def raw_js_reads(source: str) -> list[str]:
    found = []
    if JS_COOKIES.search(source):
        found.append(COOKIES + ", unless your code picks one cookie out of it")
    for name in JS_WHOLE_STORAGE.findall(source):
        found.append(LOCAL_STORAGE if name == "localStorage" else SESSION_STORAGE)
    return unique(found)


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def refusal(found: list[str]) -> str:
    """The message of a 422 at ``value`` for a value that was not confirmed."""
    return (
        f"this value forwards {' and '.join(found)} to your CRM with every call and webhook; "
        'to read one cookie use cookie("name"), one stored key storage("key"); to forward it '
        'anyway, send "confirm_sensitive": true with the entity (in the admin form, tick '
        "the confirmation under the value)"
    )
