"""Signatures verified by the standardwebhooks package: an implementation we did not write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dialtrail.webhooks.signing import USER_AGENT, new_message_id, new_secret, signed_headers


def test_a_standard_webhooks_receiver_verifies_our_signature() -> None:
    secret = new_secret()
    body = b'{"visit id":"v-42"}'
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers([secret], new_message_id(), now, body)

    assert Webhook(secret).verify(body, headers) == {"visit id": "v-42"}
    assert headers["User-Agent"] == USER_AGENT
    assert headers["webhook-signature"].startswith("v1,")


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    body = b"{}"
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers([new, old], new_message_id(), now, body)

    assert Webhook(new).verify(body, headers) == {}
    assert Webhook(old).verify(body, headers) == {}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_a_changed_body_fails_verification() -> None:
    secret = new_secret()
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers([secret], new_message_id(), now, b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)
