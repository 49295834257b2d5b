"""The trackers' pure rules, one event at a time: how each PBX's hang-up reasons become a
disposition (the scripted sequences cover answered and missed calls), and a call whose end
arrives without its start (a listener restarted mid-call)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialtrail.calls.adapters.asterisk.mapping import AsteriskCalls
from dialtrail.calls.adapters.freeswitch.mapping import FreeswitchCalls

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
CALL = {"Uniqueid": "1.1", "Linkedid": "1.1"}


def asterisk_end(dial_status: str | None, cause: str) -> str | None:
    calls = AsteriskCalls()
    calls.feed({"Event": "Newchannel", **CALL, "Exten": "2125550191", "CallerIDNum": "1"}, NOW)
    if dial_status:
        calls.feed({"Event": "DialEnd", **CALL, "DialStatus": dial_status}, NOW)
    [ended] = calls.feed({"Event": "Hangup", **CALL, "Cause": cause}, NOW)
    return ended.disposition


@pytest.mark.parametrize(
    ("dial_status", "cause", "disposition"),
    [
        ("BUSY", "16", "busy"),
        ("NOANSWER", "16", "no_answer"),
        ("CANCEL", "16", "no_answer"),
        ("CHANUNAVAIL", "16", "failed"),
        ("CONGESTION", "16", "failed"),
        (None, "17", "busy"),
        (None, "34", "failed"),
        (None, "16", "no_answer"),
    ],
)
def test_asterisk_dispositions(dial_status: str | None, cause: str, disposition: str) -> None:
    assert asterisk_end(dial_status, cause) == disposition


def test_asterisk_ignores_calls_to_extensions_and_other_channels() -> None:
    calls = AsteriskCalls()
    assert calls.feed({"Event": "Newchannel", **CALL, "Exten": "101"}, NOW) == []
    assert calls.feed({"Event": "Hangup", "Uniqueid": "1.2", "Linkedid": "1.1"}, NOW) == []
    assert calls.feed({"Event": "Hangup", **CALL, "Cause": "16"}, NOW) == []


@pytest.mark.parametrize(("technology", "answered"), [("simple_bridge", True),
                                                       ("holding_bridge", False)])  # fmt: skip
def test_asterisk_takes_a_bridge_of_two_as_an_answer_unless_it_only_holds_them(
    technology: str, answered: bool
) -> None:
    calls = AsteriskCalls()
    calls.feed({"Event": "Newchannel", **CALL, "Exten": "2125550191", "CallerIDNum": "1"}, NOW)
    entered = {"Event": "BridgeEnter", **CALL, "BridgeNumChannels": "2",
               "BridgeTechnology": technology}  # fmt: skip

    events = calls.feed(entered, NOW)

    assert [event.event for event in events] == (["answered"] if answered else [])
    [ended] = calls.feed({"Event": "Hangup", **CALL, "Cause": "16"}, NOW)
    assert ended.disposition == ("answered" if answered else "no_answer")


A_LEG = {"Unique-ID": "a", "Channel-Call-UUID": "a", "Call-Direction": "inbound"}
B_LEG = {"Unique-ID": "b", "Channel-Call-UUID": "a", "Call-Direction": "outbound"}


def freeswitch_end(leg_cause: str | None, own_cause: str) -> str | None:
    calls = FreeswitchCalls()
    calls.feed({"Event-Name": "CHANNEL_CREATE", **A_LEG, "Caller-Destination-Number": "1"}, NOW)
    if leg_cause:
        calls.feed(
            {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **B_LEG, "Hangup-Cause": leg_cause}, NOW
        )
    [ended] = calls.feed(
        {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **A_LEG, "Hangup-Cause": own_cause}, NOW
    )
    return ended.disposition


@pytest.mark.parametrize(
    ("leg_cause", "own_cause", "disposition"),
    [
        ("USER_BUSY", "NORMAL_CLEARING", "busy"),
        ("NO_ANSWER", "NORMAL_CLEARING", "no_answer"),
        ("CALL_REJECTED", "NORMAL_CLEARING", "failed"),
        ("USER_NOT_REGISTERED", "NORMAL_CLEARING", "failed"),
        (None, "ORIGINATOR_CANCEL", "no_answer"),
        (None, "USER_BUSY", "busy"),
        (None, "UNALLOCATED_NUMBER", "failed"),
    ],
)
def test_freeswitch_dispositions(leg_cause: str | None, own_cause: str, disposition: str) -> None:
    assert freeswitch_end(leg_cause, own_cause) == disposition


def test_an_end_without_its_start_is_passed_on_without_a_number() -> None:
    """pbx/recording.py records it only for a call it already knows."""
    hangup = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **A_LEG, "variable_duration": "30"}
    [ended] = FreeswitchCalls().feed(hangup, NOW)
    assert (ended.call_id, ended.called, ended.duration_seconds) == ("a", None, 30)
    [ended] = AsteriskCalls().feed({"Event": "Hangup", **CALL, "Cause": "16"}, NOW)
    assert (ended.call_id, ended.called) == ("1.1", None)
    assert FreeswitchCalls().feed({"Event-Name": "CHANNEL_HANGUP_COMPLETE", **B_LEG}, NOW) == []


CREATE = {"Event-Name": "CHANNEL_CREATE", **A_LEG, "Caller-Destination-Number": "1000"}
LATER = datetime(2026, 12, 5, 1, 0, 9, tzinfo=UTC)


def test_freeswitch_reads_the_dialled_number_from_the_header_the_settings_name() -> None:
    calls = FreeswitchCalls("variable_sip_to_user")
    [started] = calls.feed(CREATE | {"variable_sip_to_user": "2125550192"}, NOW)
    assert (started.event, started.called) == ("started", "2125550192")
    # Without the setting, the channel's destination number stands.
    [started] = FreeswitchCalls().feed(CREATE | {"variable_sip_to_user": "2125550192"}, NOW)
    assert started.called == "1000"


def test_a_variable_the_dialplan_sets_later_starts_the_call_as_of_its_creation() -> None:
    """``variable_dialtrail_did`` is not in CHANNEL_CREATE: the agent's answer comes first, the
    inbound channel's hang-up carries the variable; each event comes out once, in order."""
    calls = FreeswitchCalls("variable_dialtrail_did")
    assert calls.feed(CREATE, NOW) == []
    answer = {"Event-Name": "CHANNEL_ANSWER", **B_LEG}
    assert calls.feed(answer, datetime(2026, 12, 5, 1, 0, 4, tzinfo=UTC)) == []
    hangup = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **A_LEG, "Hangup-Cause": "NORMAL_CLEARING",
              "variable_dialtrail_did": "+12125550192"}  # fmt: skip
    events = calls.feed(hangup, LATER)

    assert [(e.event, e.called, e.at.second) for e in events] == [
        ("started", "+12125550192", 0), ("answered", "+12125550192", 4),
        ("ended", "+12125550192", 9),
    ]  # fmt: skip
    assert (events[-1].disposition, events[-1].talk_seconds) == ("answered", 5)


def test_the_inbound_channels_own_answer_can_bring_the_number() -> None:
    calls = FreeswitchCalls("variable_dialtrail_did")
    calls.feed(CREATE, NOW)
    ivr = {"Event-Name": "CHANNEL_ANSWER", **A_LEG, "variable_dialtrail_did": "2125550192"}
    [started] = calls.feed(ivr, LATER)
    assert (started.event, started.called, started.at) == ("started", "2125550192", NOW)
    hangup = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **A_LEG, "Hangup-Cause": "NORMAL_CLEARING",
              "variable_dialtrail_did": "2125550192"}  # fmt: skip
    [ended] = calls.feed(hangup, LATER)  # started once only
    assert (ended.event, ended.disposition) == ("ended", "no_answer")


def test_a_call_that_never_carries_the_number_is_not_a_tracked_call() -> None:
    calls = FreeswitchCalls("variable_dialtrail_did")
    calls.feed(CREATE, NOW)
    hangup = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", **A_LEG, "Hangup-Cause": "NORMAL_CLEARING"}
    assert calls.feed(hangup, LATER) == []
    assert calls.following() == set()
