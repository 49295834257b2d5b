"""What call.completed carries: the call's consistent times and durations (an ``ended``
alone gives wait = duration - talk) and a caller that is not a phone number."""

from __future__ import annotations

import json

from tests.support.hooks import Hooks


def delivered_call(hooks: Hooks) -> dict[str, object]:
    assert hooks.deliver() == 1
    (request,) = hooks.receiver.received
    call: dict[str, object] = json.loads(request.body)["data"]["call"]
    return call


def test_an_ended_event_alone_is_delivered_with_consistent_durations(hooks: Hooks) -> None:
    hooks.webhook()

    hooks.report("ended", duration_seconds=95, talk_seconds=80)

    call = delivered_call(hooks)
    assert (call["wait_seconds"], call["talk_seconds"], call["duration_seconds"]) == (15, 80, 95)
    assert call["answered_at"] is None
    assert call["disposition"] == "answered"


def test_a_caller_that_is_not_a_phone_number_is_delivered_as_sent(hooks: Hooks) -> None:
    hooks.webhook()

    hooks.report("ended", caller="sip:alice@example.com", duration_seconds=30)

    call = delivered_call(hooks)
    assert (call["caller"], call["caller_raw"]) == (None, "sip:alice@example.com")
    assert call["is_first_call"] is False
