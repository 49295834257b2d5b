"""The second method of benchmarks/script.py: the insertion script's main-thread time read from
a Chromium trace rather than from Chromium's ScriptDuration counter.

On the renderer's main thread (CrRendererMain), the time covered by:

- ``EvaluateScript`` and ``FunctionCall`` events whose ``args.data.url`` is the script's URL:
  the script's own start-up (parse, compile, top-level run) and every callback it registered
  (DOMContentLoaded, timers, event listeners, MutationObserver);
- ``RunMicrotasks``, whatever ran in them: promise callbacks carry no URL (the page view's
  answer and the number replacement that follows it run there). The page without the script is
  measured the same way and subtracted, which takes out microtasks that are not the script's.

Nested events (a FunctionCall inside a RunMicrotasks) are counted once. Each figure comes in
wall time (``dur``) and in the thread's CPU time (``tdur``). The categories are the light ones:
``disabled-by-default-devtools.timeline`` would add enough events to slow the script down."""

from __future__ import annotations

import json
from typing import Any

CATEGORIES = ["devtools.timeline", "v8.execute"]
MAIN_THREAD = "CrRendererMain"
ATTRIBUTED = ("EvaluateScript", "FunctionCall")
UNATTRIBUTED = ("RunMicrotasks",)


def main_thread_events(trace: bytes) -> list[dict[str, Any]]:
    """The complete ("X") events of the renderer's main thread(s)."""
    events: list[dict[str, Any]] = json.loads(trace)["traceEvents"]
    main_threads = {
        (event["pid"], event["tid"])
        for event in events
        if event.get("name") == "thread_name" and event["args"].get("name") == MAIN_THREAD
    }
    return [
        event
        for event in events
        if event.get("ph") == "X" and (event["pid"], event["tid"]) in main_threads
    ]


def event_url(event: dict[str, Any]) -> str:
    data = event.get("args", {}).get("data") or {}
    return str(data.get("url") or "")


def script_time_ms(trace: bytes, script_url: str) -> dict[str, float]:
    """The script's own events (``script_url``) and those with the microtasks (``total``), in
    wall time (``_ms``: what the page waits) and in the thread's CPU time (``_cpu_ms``: what
    neighbours on a shared machine do not change), overlaps counted once; and the CPU time of
    its top-level run alone (``evaluate``: EvaluateScript, compiling and running the file's
    outer code), for the breakdown by phase."""
    events = main_thread_events(trace)
    own = [e for e in events if e["name"] in ATTRIBUTED and event_url(e) == script_url]
    every = own + [e for e in events if e["name"] in UNATTRIBUTED]
    evaluated = [e for e in own if e["name"] == "EvaluateScript"]
    return {
        "trace_evaluate_cpu_ms": covered_ms(evaluated, "tdur"),
        "trace_script_url_ms": covered_ms(own, "dur"),
        "trace_script_url_cpu_ms": covered_ms(own, "tdur"),
        "trace_total_ms": covered_ms(every, "dur"),
        "trace_total_cpu_ms": covered_ms(every, "tdur"),
    }


def covered_ms(events: list[dict[str, Any]], duration: str) -> float:
    """The time the events cover, thread by thread, in ms. ``dur`` (wall time): the union of
    their intervals. ``tdur`` (CPU time): summed over the outermost events, since a thread's
    events nest; a nested one is inside its parent's."""
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for event in events:
        by_thread.setdefault((event["pid"], event["tid"]), []).append(event)
    return sum(thread_covered_us(found, duration) for found in by_thread.values()) / 1000


def thread_covered_us(events: list[dict[str, Any]], duration: str) -> float:
    covered = 0.0
    reached = float("-inf")
    for event in sorted(events, key=lambda event: (event["ts"], -event.get("dur", 0))):
        start, end = event["ts"], event["ts"] + event.get("dur", 0)
        if end <= reached:
            continue
        if duration == "dur":
            covered += end - max(start, reached)
        elif start >= reached:
            covered += event.get("tdur", 0)
        reached = end
    return covered
