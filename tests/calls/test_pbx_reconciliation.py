"""After a lost connection, the calls that ended while nobody listened are closed: the listener
asks the (scripted) PBX which channels are up after each login (AMI's CoreShowChannels, the
event socket's ``show channels as json``) and ends the calls in progress whose channels are
gone, as of then, with a note saying the end was inferred. A call still up is not touched and
gets its own events; nothing is recorded twice; both PBXs, both databases."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from dialtrail.calls.adapters.asterisk.ami import ChannelListing
from dialtrail.calls.adapters.freeswitch.esl import channels_up
from dialtrail.calls.adapters.pbx.events import ChannelsUp
from dialtrail.calls.adapters.pbx.recording import INFERRED
from tests.calls import test_pbx_listeners
from tests.calls.test_pbx_listeners import (
    SUFFIX,
    calls,
    configure,
    event_counts,
    settings_of,
)
from tests.support.databases import Database
from tests.support.pbx_servers import FIXTURES, ScriptedServer, listening
from tests.support.people import World
from tests.support.waiting import wait_for

pbx = test_pbx_listeners.pbx  # a scripted AMI, then a scripted event socket

# outage.ami / outage.esl: A answered and C in the IVR when the connection drops; both hang up
# while it is down; B rings through the drop, is answered after it, and ends after a second drop.
ANSWERED_GONE, STILL_UP, UNANSWERED_GONE = "+14155550101", "+14155550102", "+14155550103"


def by_caller(world: World) -> dict[str, dict[str, Any]]:
    return {call["caller"]: call for call in calls(world)}


def seconds(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def detail(world: World, call_id: int) -> dict[str, Any]:
    found: dict[str, Any] = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/calls/{call_id}"
    ).json()
    return found


def test_calls_that_ended_during_the_outage_are_closed_once_and_the_one_up_is_not(
    pbx: ScriptedServer, world: World, database: Database
) -> None:
    name: str = pbx.name  # type: ignore[attr-defined]
    configure(world, name, pbx)
    start = time.time() - 120  # the calls began two minutes ago; the outage ends now
    with listening(database):
        pbx.wait_for_login(1)
        before_reconnect = datetime.now().astimezone()
        pbx.replay(FIXTURES / name / f"outage.{SUFFIX[name]}", start=start)
        wait_for(lambda: all(c["ended_at"] for c in calls(world)) and len(calls(world)) == 3,
                 "every call to end")  # fmt: skip
        after = datetime.now().astimezone()
        wait_for(lambda: pbx.channel_lists == 3, "the channels asked for after each login")
        assert pbx.logins == 3

    found = by_caller(world)
    answered, unanswered, up = found[ANSWERED_GONE], found[UNANSWERED_GONE], found[STILL_UP]
    for gone in (answered, unanswered):
        ended = datetime.fromisoformat(gone["ended_at"])
        assert before_reconnect <= ended <= after  # as of the reconnection, not an event's time
        assert gone["duration_seconds"] == round(seconds(gone["ended_at"], gone["started_at"]))
        notes = [e["note"] for e in detail(world, gone["id"])["events"]]
        assert notes.count(INFERRED) == 1
    assert answered["disposition"] == "answered"
    assert answered["talk_seconds"] == round(seconds(answered["ended_at"], answered["answered_at"]))
    assert (unanswered["disposition"], unanswered["talk_seconds"]) == ("no_answer", 0)
    # The call still up when the listener came back ends with its own events.
    assert (up["disposition"], up["duration_seconds"], up["talk_seconds"]) == ("answered", 60, 30)
    assert [e["note"] for e in detail(world, up["id"])["events"]] == [None, None, None]
    assert event_counts(database) == {"started": 3, "answered": 2, "ended": 3}
    noted = [e for e in settings_of(world, name)["recent_events"] if e["detail"] == INFERRED]
    assert len(noted) == 2


def test_a_pbx_that_will_not_list_its_channels_leaves_the_calls_open_and_says_so(
    pbx: ScriptedServer, world: World, database: Database
) -> None:
    name: str = pbx.name  # type: ignore[attr-defined]
    pbx.refuse_channel_list = True
    configure(world, name, pbx)
    with listening(database):
        pbx.wait_for_login(1)
        pbx.replay(FIXTURES / name / f"outage.{SUFFIX[name]}", start=time.time() - 120)
        wait_for(lambda: by_caller(world).get(STILL_UP, {}).get("ended_at"), "B to end")
        state = settings_of(world, name)

    found = by_caller(world)
    assert found[ANSWERED_GONE]["ended_at"] is None
    assert found[UNANSWERED_GONE]["ended_at"] is None
    assert event_counts(database) == {"started": 3, "answered": 2, "ended": 1}
    assert state["state"] == "connected"
    assert "did not list its channels" in state["state_reason"]


def test_the_ami_channel_list_is_read_from_its_events() -> None:
    listing = ChannelListing()
    answers = [
        listing.take({"Response": "Success", "EventList": "start"}),
        listing.take({"Event": "CoreShowChannel", "Uniqueid": "1.2", "Linkedid": "1.1"}),
        listing.take({"Event": "CoreShowChannel", "Uniqueid": "2.1", "Linkedid": "2.1"}),
        listing.take({"Event": "CoreShowChannelsComplete", "ListItems": "2"}),
    ]
    assert answers == [None, None, None, ChannelsUp(frozenset({"1.1", "1.2", "2.1"}))]
    refused = ChannelListing().take({"Response": "Error", "Message": "Permission denied"})
    assert refused == ChannelsUp(None, "Permission denied")


def test_the_event_socket_channel_list_is_read_from_its_json() -> None:
    rows = '{"row_count": 1, "rows": [{"uuid": "leg", "call_uuid": "call", "name": "x"}]}'
    assert channels_up(rows) == ChannelsUp(frozenset({"leg", "call"}))
    assert channels_up('{"row_count":0}\n') == ChannelsUp(frozenset())
    assert channels_up("-ERR show Command not found!\n").ids is None
    assert channels_up("<html>").ids is None
    assert channels_up('{"row_count": 1, "rows": {}}').ids is None
