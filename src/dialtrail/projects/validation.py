"""Pure checks for project fields: host names, phone numbers, destinations, time zones.

Each function takes the raw value and returns the normalised one, or raises ``ValueError``
with a message meant for the person who typed the value.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache
from zoneinfo import available_timezones

import phonenumbers

HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_DESTINATION_LENGTH = 255
# A national spelling: digits with spaces, dots, dashes, slashes and brackets ("(212) 555-0151").
NATIONAL_SPELLING = re.compile(r"^[\d\s().\-/]*\d[\d\s().\-/]*$")
# International dialling prefixes read as "+" (normalise_phone_number).
DIALLING_PREFIXES = ("00", "011")
SHORTEST_NATIONAL_NUMBER = 5  # fewer digits are no country's number (Niue's have 4, +683)
SIP_URI = re.compile(r"^sips?:[^@\s]+@[A-Za-z0-9.\-\[\]:]+(;[^\s]*)?$")


def normalise_domain(raw: str) -> str:
    host = raw.strip().lower().rstrip(".")
    if "://" in host or "/" in host:
        raise ValueError(f"{raw!r} is a URL; give only the host name, such as example.com")
    if ":" in host and not is_ip_address(host):
        raise ValueError(f"{raw!r} has a port; give only the host name, such as example.com")
    if is_ip_address(host):
        return host
    return check_host_labels(raw, to_ascii_host(raw, host))


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def to_ascii_host(raw: str, host: str) -> str:
    # Internationalised names (e.g. приклад.укр) are stored in their ASCII form, as browsers
    # send them in the Origin header.
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{raw!r} is not a valid host name") from None


def check_host_labels(raw: str, host: str) -> str:
    labels = host.split(".")
    if len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels):
        raise ValueError(
            f"{raw!r} is not a valid host name (letters, digits and hyphens between dots)"
        )
    return host


# Telephony events repeat the same few spellings (the tracking numbers, each caller three
# times a call) and parsing costs more than the rest of reading an event; a refused spelling
# raises, and is not kept.
@lru_cache(maxsize=4096)
def normalise_phone_number(raw: str, country: str | None) -> str:
    """E.164 form of a number written in any usual spelling (national needs ``country``;
    "00" or North America's "011" in front is read as "+")."""
    number = parsed_phone_number(raw, country)
    if number.extension:
        # Kept nowhere: E.164 has no extension, and a tracking number or destination is
        # dialled as it is. Refused out loud rather than dropped without a word.
        raise ValueError(
            f"{raw!r} has an extension ({number.extension}): give the number without it "
            "(Dialtrail stores and dials numbers without extensions)"
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parsed_phone_number(raw: str, country: str | None) -> phonenumbers.PhoneNumber:
    text = raw.strip()
    number = parsed_or_none(text, country)
    if number is not None and phonenumbers.is_valid_number(number):
        return number
    for spelling in international_spellings(text):
        candidate = parsed_or_none(spelling, None)
        if candidate is not None and phonenumbers.is_valid_number(candidate):
            return candidate
    if number is None:
        raise ValueError(phone_parse_hint(raw, country))
    raise ValueError(f"{raw!r} is not a valid phone number")


def parsed_or_none(text: str, country: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None


def international_spellings(text: str) -> list[str]:
    """The number with an international dialling prefix read as "+": "00" (most of the
    world) and "011" (North America), which phonenumbers reads only for a country that uses
    it. Tried only when the plain reading is not a valid number: "0113 496 0000" is Leeds."""
    prefixes = [prefix for prefix in DIALLING_PREFIXES if text.startswith(prefix)]
    return ["+" + text.removeprefix(prefix) for prefix in prefixes]


def phone_parse_hint(raw: str, country: str | None) -> str:
    """Why a number could not be read: "no country code" only for what looks like a national
    number (digits in the usual punctuation), which a country would make readable."""
    text = raw.strip()
    if country is not None or text.startswith("+") or not NATIONAL_SPELLING.match(text):
        return f"{raw!r} is not a phone number"
    # "00" is never the start of a national number; "011" may be (0113 is Leeds).
    digits = sum(character.isdigit() for character in text)
    if text.startswith("00") or digits < SHORTEST_NATIONAL_NUMBER:
        return f"{raw!r} is not a valid phone number"
    return (
        f"{raw!r} has no country code: write it as +<country code><number>, "
        "or set the project's country to accept national spellings"
    )


@lru_cache(maxsize=4096)  # asked for every number of every list the API and admin show
def foreign_number_warning(e164: str, country: str | None) -> str | None:
    """A warning when a tracking number is of another country than the project's: visitors
    would dial abroad to call it, usually a typo or the wrong pool. None when it matches, the
    project has no country, or the number belongs to no country (+800 freephone)."""
    if country is None:
        return None
    number_country = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    if number_country in (None, "ZZ", "001") or number_country == country:
        return None
    return (
        f"A number of {number_country}, not of the project's country ({country}): visitors "
        "would dial abroad to call it"
    )


def normalise_destination(raw: str, country: str | None) -> str:
    text = raw.strip()
    if text.lower().startswith(("sip:", "sips:")):
        if len(text) > MAX_DESTINATION_LENGTH:
            raise ValueError(f"a SIP URI may have at most {MAX_DESTINATION_LENGTH} characters")
        if not SIP_URI.match(text):
            raise ValueError(f"{raw!r} is not a SIP URI of the form sip:user@host")
        return text
    return normalise_phone_number(text, country)


def normalise_country(raw: str) -> str:
    code = raw.strip().upper()
    if code == "UK":
        raise ValueError(f"{raw!r} is not a country code: the United Kingdom's code is GB")
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{raw!r} is not a two-letter country code such as US, GB or UA")
    return code


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(raw: str) -> str:
    name = raw.strip()
    if name not in known_timezones():
        raise ValueError(f"{raw!r} is not an IANA time zone name such as Europe/Kyiv or UTC")
    return name
