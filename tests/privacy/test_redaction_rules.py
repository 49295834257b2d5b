"""The redaction rules on a corpus of realistic leaks and of look-alikes that must survive
(docs/privacy.md, "Redaction")."""

from __future__ import annotations

import pytest

from dialtrail.privacy.redaction import (
    Policy,
    hashed,
    is_secret_parameter,
    project_key,
    redact_text,
    redact_url,
)

EMAIL_LEAKS = [
    ("john.doe@example.com", "[email]"),
    ("Contact: jane+promo@example.co.uk.", "Contact: [email]."),
    ("john%40example.com", "[email]"),
    ("john%2Bnews%40example.com", "[email]"),
    ("JOHN.DOE%40EXAMPLE%2ECOM", "[email]"),
    ("müller@bücher.de", "[email]"),
    ("info@xn--bcher-kva.de", "[email]"),
    ("user_1@mail.shop-example.com wrote", "[email] wrote"),
    ("https://shop.example/thanks/john.doe@example.com", "https://shop.example/thanks/[email]"),
    (
        "https://shop.example/confirm?ref=mail&to=ann%40example.org&step=2",
        "https://shop.example/confirm?ref=mail&to=[email]&step=2",
    ),
    ("ANN.LEE+SHOP@EXAMPLE.COM", "[email]"),
    ("mailto:ann@example.org", "mailto:[email]"),
    # A return URL inside a query parameter: encoded twice.
    (
        "https://shop.example/login?next=%2Fthanks%3Fto%3Dann.lee%2540example.org",
        "https://shop.example/login?next=%2Fthanks%3Fto%3D[email]",
    ),
    ("ann%252Bnews%2540example%252Eorg", "[email]"),
]

PHONE_LEAKS = [
    ("Call +44 20 7946 0958 now", "Call [phone] now"),
    ("(555) 123-4567", "[phone]"),
    ("0049-30-1234567", "[phone]"),
    ("555.123.4567", "[phone]"),
    ("+1-555-123-4567", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("+49 (0)30 1234567", "[phone]"),
    ("tel:+442079460958", "tel:[phone]"),
    ("+380 (67) 123-45-67", "[phone]"),
    ("06 12 34 56 78", "[phone]"),
    ("%2B44%2020%207946%200958", "[phone]"),
    ("https://x.example/?q=call+555+123+4567", "https://x.example/?q=call+[phone]"),
    ("https://x.example/callback/+14155550123", "https://x.example/callback/[phone]"),
    ("07700 900123", "[phone]"),
    ("030 1234567", "[phone]"),
    ("030/1234567", "[phone]"),
    ("+7 (495) 123-45-67", "[phone]"),
    ("+33 6 12 34 56 78", "[phone]"),
    ("1-800-555-0199", "[phone]"),
    ("+1.415.555.0123", "[phone]"),
    ("0044 7700 900123", "[phone]"),
    ("+91 98765 43210", "[phone]"),
    ("+1 (555) 123-4567 ext. 89", "[phone] ext. 89"),
    ("%2B1%20415%20555%200123", "[phone]"),
    ("https://x.example/?next=tel%3A%2B14155550123", "https://x.example/?next=tel%3A[phone]"),
    (
        "https://x.example/?next=%2Fcb%3Fq%3D%2B442079460958",
        "https://x.example/?next=%2Fcb%3Fq%3D[phone]",
    ),
]

SURVIVORS = [
    "order=12345678901",
    "https://shop.example/orders/100045678/receipt",
    "2024-10-05",
    "05.10.2024",
    "2024/10/05 12:30:45",
    "550e8400-e29b-41d4-a716-446655440000",
    "GA1.2.1234567890.1678901234",
    "1234567890.1678901234",
    "€1,299.00",
    "1299.99 EUR",
    "v10.15.7",
    "1.2.3",
    "ts=1678901234",
    "ORD-2024-000123",
    "INV-2024-10-000123",
    "192.168.100.200",
    "sku 12345",
    "https://shop.example/p/sofa-3-seater?size=200x90&color=blue#reviews",
    "@handle and a lone @ sign",
    "gclid=Cj0KCQjw-abc_123",
    "0612345678",  # unbroken digits: an order id as likely as a number
    "555-1234",  # seven digits and one separator: too short to tell
    "score=0.12345678",
    "ORD-0123 456789",
    "v0.12.345678",
    "ann@localhost",
]


@pytest.mark.parametrize(("text", "expected"), EMAIL_LEAKS + PHONE_LEAKS)
def test_it_replaces_addresses_and_numbers_by_markers(text: str, expected: str) -> None:
    assert redact_url(text) == expected


@pytest.mark.parametrize("text", SURVIVORS)
def test_it_keeps_ids_dates_prices_and_versions(text: str) -> None:
    assert redact_url(text) == text
    assert redact_text(text) == text


def test_it_removes_query_parameters_named_like_contacts_and_credentials() -> None:
    url = (
        "https://shop.example/a?utm_source=mail&Email=x&user[phone]=1&access_token=t"
        "&PassWord=p&tel=1&gclid=G&mobile_number=2&api-key=k&apikey=k2#top"
    )

    assert redact_url(url) == "https://shop.example/a?utm_source=mail&gclid=G#top"


def test_a_query_of_only_secrets_leaves_no_question_mark() -> None:
    assert redact_url("https://shop.example/a?token=abc#x") == "https://shop.example/a#x"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("email", True),
        ("customer_email", True),
        ("E-Mail", True),
        ("phone", True),
        ("phoneNumber", True),
        ("id_token", True),
        ("password", True),
        ("pwd", True),
        ("tel", True),
        ("utm_source", False),
        ("telegram", False),
        ("mailing_list", False),
        ("keyword", False),
    ],
)
def test_the_parameter_rule_is_the_documented_one(name: str, secret: bool) -> None:
    assert is_secret_parameter(name) is secret


def test_a_hashed_value_is_equal_for_equal_values_and_keyed_per_project() -> None:
    secret = b"server-secret"
    one, other = project_key(secret, 1), project_key(secret, 2)

    assert hashed("ann@example.org", one) == hashed("ann@example.org", one)
    assert hashed("ann@example.org", one) != hashed("ann@example.org", other)
    assert hashed("ann@example.org", one).startswith("hmac-sha256:")
    assert len(hashed("x", one)) == len("hmac-sha256:") + 64


def test_each_entity_gets_its_own_rule_and_the_switch_turns_redaction_off() -> None:
    policy = Policy(True, {"crm_email": "hash", "raw": "keep"}, b"k" * 32)
    off = Policy(False, {"crm_email": "hash"}, b"k" * 32)

    assert policy.value("note", "mail ann@example.org") == "mail [email]"
    assert policy.value("raw", "ann@example.org") == "ann@example.org"
    assert policy.value("crm_email", "ann@example.org") == hashed("ann@example.org", b"k" * 32)
    assert policy.value("note", None) is None
    assert off.value("note", "ann@example.org") == "ann@example.org"
    assert off.value("crm_email", "ann@example.org") == hashed("ann@example.org", b"k" * 32)
    assert off.url("https://a.example/?email=a%40b.c") == "https://a.example/?email=a%40b.c"


def test_a_hashed_entity_hashes_the_trimmed_value_and_leaves_empty_values_empty() -> None:
    policy = Policy(True, {"crm_email": "hash"}, b"k" * 32)

    assert policy.value("crm_email", "  ann@example.org ") == hashed("ann@example.org", b"k" * 32)
    assert policy.value("crm_email", "") == ""
    assert policy.value("crm_email", "   ") == "   "
