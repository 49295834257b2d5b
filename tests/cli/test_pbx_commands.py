"""The PBX listeners as they run in production: `dialtrail asterisk` and `dialtrail
freeswitch` as processes of their own, and inside `dialtrail serve` (DIALTRAIL_PBX_LISTENERS,
on by default), each following a call through a scripted PBX into the shared database."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from tests.calls.test_pbx_listeners import NUMBERS, calls, configure
from tests.support.databases import TEST_SECRET_KEY, Database
from tests.support.pbx_servers import FIXTURES, ScriptedAmi, ScriptedEsl, running
from tests.support.people import World
from tests.support.processes import DIALTRAIL, database_url, serving
from tests.support.waiting import wait_for

LOOPBACK = "127.0.0.0/8"  # the scripted PBXs listen there; the default allows private ranges

# The first login comes after a `dialtrail` process has started: seconds of CPU, which a busy
# machine stretched past wait_for's 15 s (as HEALTHY_WITHIN in tests/support/processes.py).
PROCESS_START = 60


@pytest.mark.parametrize(
    ("name", "sequence"), [("asterisk", "answered.ami"), ("freeswitch", "answered.esl")]
)
def test_dialtrail_asterisk_or_freeswitch_follows_calls_and_stops_on_sigterm(
    world: World, database: Database, name: str, sequence: str
) -> None:
    environment = {
        **os.environ,
        "DIALTRAIL_DATABASE_URL": database_url(database),
        "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY,
        "DIALTRAIL_PBX_ALLOWED_NETWORKS": LOOPBACK,
    }
    with running(ScriptedAmi() if name == "asterisk" else ScriptedEsl()) as pbx:
        configure(world, name, pbx)
        process = subprocess.Popen(
            [DIALTRAIL, name], env=environment, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            pbx.wait_for_login(1, timeout=PROCESS_START)
            pbx.replay(FIXTURES / name / sequence)
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the call")
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"{name} listener started" in output
    assert (call["provider"], call["disposition"]) == (name, "answered")
    assert call["tracking_number"] == NUMBERS[name]


def test_dialtrail_serve_follows_a_freeswitch_call(world: World, database: Database) -> None:
    with running(ScriptedEsl()) as freeswitch:
        configure(world, "freeswitch", freeswitch)
        with serving({"DIALTRAIL_DATABASE_URL": database_url(database),
                      "DIALTRAIL_PBX_ALLOWED_NETWORKS": LOOPBACK}):  # fmt: skip
            freeswitch.wait_for_login(1, timeout=PROCESS_START)
            freeswitch.replay(FIXTURES / "freeswitch" / "missed.esl")
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the call")
    assert (call["tracking_number"], call["disposition"]) == (NUMBERS["freeswitch"], "no_answer")
