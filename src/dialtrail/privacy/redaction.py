"""Personal data taken out of captured texts before anything is stored (docs/privacy.md,
"Redaction"; docs/design.md §8): e-mail addresses become ``[email]``, phone-number-like
sequences ``[phone]``, and query parameters named like a credential or a contact are removed
from URLs. An entity set to ``hash`` gets a keyed hash of its whole value instead, so a CRM can
still match equal values without the value itself being kept.

Pure functions of texts, on the collector's hot path: every rule starts with a cheap check
(no ``@`` and no ``%40`` → no address; no run of digits long enough → no number) so that the
common text, a plain URL or a short value, is returned as is after a scan or two in C.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Literal, get_args

Privacy = Literal["redact", "keep", "hash"]
PRIVACY_MODES: tuple[Privacy, ...] = get_args(Privacy)

EMAIL_MARKER = "[email]"
PHONE_MARKER = "[phone]"
HASH_PREFIX = "hmac-sha256:"

# Local part: letters (any script), digits and the characters RFC 5322 allows unquoted but
# '/', '=', '?' and '&' (which join an address to the path or query around it), '+' also
# percent-encoded; then '@' or '%40'; then dot-separated labels (Unicode letters for IDN
# domains, '%2E' for an encoded dot) ending with a top-level label of two characters or more.
# Each encoded character may be encoded twice ('%2540'), as a return URL inside a query
# parameter carries it; the local part never starts inside an escape ('%3Dann@…' is '=ann@…').
EMAIL = re.compile(
    r"(?<!%)(?<!%[0-9a-fA-F])(?:[\w.!#$'*+^`{|}~-]|%(?:25)?2[bB])+"
    r"(?:@|%(?:25)?40)"
    r"(?:[\w-]+(?:\.|%(?:25)?2[eE]))+[\w-]{2,}"
)
# A candidate phone number: an optional '+' (or '%2B', or '00'), then digits joined by single
# separators: space ('%20', or '+' in a query string), '.', '-', '/', parentheses. Not started
# right after a letter, digit, '-' or '.' (the inside of an id, a version or a GA client id),
# except an encoded '+' right after another encoded character ('tel%3A%2B44…', '%3D%2B44…').
SEPARATOR = r"(?:[ .\-/()\u00a0]|%20|\+)"
PHONE = re.compile(
    r"(?:(?<![\w.\-%])(?:\+|%2[bB])?|(?<=%[0-9a-fA-F]{2})%2[bB])"
    r"\(?\d(?:" + SEPARATOR + r"{0,2}\d){6,19}\)?(?![\w])"
)
# The cheap check: a run of seven characters or more of digits and separators, started by a
# digit, which every phone number holds. It starts with a character class, which the regex
# engine scans for in C, so a text without such a run costs one pass and no backtracking.
PHONE_RUN = re.compile(r"\d[\d ().\-/+\u00a0%bB]{6,}")
DIGIT = re.compile(r"\d")
SEPARATED = re.compile(r"\d" + SEPARATOR + r"+\d")
# A national number: the trunk prefix 0, then a digit other than 0, and a space, '-' or '/'
# between groups ('030 1234567', '07700 900123'), with NATIONAL_DIGITS digits or more.
NATIONAL = re.compile(r"0[1-9]\d*[ \-/]+\d")
NATIONAL_DIGITS = 9
DATE = re.compile(r"(?<!\d)(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?!\d)")
IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
ENCODED = re.compile("%2[0bB]")
MIN_DIGITS, MAX_DIGITS = 7, 15  # E.164 allows 15; local numbers have 7 and more

# Query parameters removed from stored URLs: the name, lower-cased and without '-', '_', '.'
# and '[]', contains one of SECRET_PARTS or is one of SECRET_NAMES.
SECRET_PARTS = ("email", "phone", "mobile", "token", "password", "passwd", "secret")
SECRET_NAMES = frozenset(("mail", "tel", "telephone", "pwd", "pass", "auth", "apikey"))
NAME_NOISE = str.maketrans("", "", "-_.[]")
# The cheap check: a query without any of these (lower-cased) has no secret parameter.
SECRET_HINTS = ("mail", "phone", "mobile", "token", "pass", "pwd", "secret", "tel", "auth", "key")


def redact_text(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by their markers."""
    if "@" in text or "%40" in text or "%2540" in text:
        text = EMAIL.sub(EMAIL_MARKER, text)
    if PHONE_RUN.search(text) is None:
        return text
    return PHONE.sub(phone_or_kept, text)


def phone_or_kept(match: re.Match[str]) -> str:
    found = match.group()
    return PHONE_MARKER if looks_like_phone(found) else found


def looks_like_phone(candidate: str) -> bool:
    """A number as people write one: 7 to 15 digits, and either an international prefix, an
    area code in parentheses, a national trunk prefix with a separator after it, or at least
    two separators. Unbroken digits (order ids, timestamps), dates and IPv4 addresses are
    kept."""
    candidate = ENCODED.sub(decoded, candidate)
    digits = len(DIGIT.findall(candidate))
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        return False
    if DATE.search(candidate) or IPV4.fullmatch(candidate):
        return False
    if candidate[0] in "+(" or candidate.startswith("00"):
        return True
    if digits >= NATIONAL_DIGITS and NATIONAL.match(candidate):
        return True
    return len(SEPARATED.findall(candidate)) >= 2


def decoded(match: re.Match[str]) -> str:
    return " " if match.group() == "%20" else "+"


def is_secret_parameter(name: str) -> bool:
    plain = name.lower().translate(NAME_NOISE)
    return plain in SECRET_NAMES or any(part in plain for part in SECRET_PARTS)


def redact_url(url: str) -> str:
    """The URL without secret-named query parameters, and its other parts redacted."""
    base, question, rest = url.partition("?")
    if not question:
        return redact_text(url)
    query, hash_mark, fragment = rest.partition("#")
    lowered = query.lower()
    if not any(hint in lowered for hint in SECRET_HINTS):
        return redact_text(url)
    kept = [pair for pair in query.split("&") if not is_secret_parameter(pair.partition("=")[0])]
    cleaned = base + question + "&".join(kept) + hash_mark + fragment
    if not kept:
        cleaned = base + hash_mark + fragment
    return redact_text(cleaned)


def hashed(value: str, key: bytes) -> str:
    """The keyed hash of a value (equal values, equal hashes, within one project)."""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


@dataclass(frozen=True)
class Policy:
    """A project's rules: ``redact`` is the project's switch; ``entities`` the entities whose
    privacy is not ``redact``; ``key`` the project's hashing key."""

    redact: bool = True
    entities: dict[str, Privacy] = field(default_factory=dict)
    key: bytes = b""

    def value(self, entity: str, value: str | None) -> str | None:
        """An empty value stays empty (it never erases a stored one, docs/design.md §2); a
        hashed one is hashed trimmed, as it will be stored, so equal values hash equally."""
        if value is None:
            return None
        mode = self.entities.get(entity, "redact")
        if mode == "hash":
            trimmed = value.strip()
            return hashed(trimmed, self.key) if trimmed else value
        if mode == "keep" or not self.redact:
            return value
        return redact_text(value)

    def url(self, url: str) -> str:
        return redact_url(url) if self.redact and url else url

    def text(self, text: str) -> str:
        return redact_text(text) if self.redact and text else text


def project_key(secret: bytes, project_id: int) -> bytes:
    """A project's hashing key, derived from the server's privacy key (secrets.derived_key
    under "privacy-hash"): secret, never stored, and the same in every server process."""
    return hmac.new(secret, b"project:%d" % project_id, hashlib.sha256).digest()
