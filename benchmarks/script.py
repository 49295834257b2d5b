"""The insertion script's size and main-thread cost per page view, in Debian's Chromium.

    .venv/bin/python benchmarks/script.py [--samples 9]

docs/design.md §8: the script is at most 6 KB gzipped and costs at most 2 ms of main-thread time per
page view with 20 entities; README's benchmark table adds 8 ms with the CPU throttled 4x, as a
mid-range phone runs it.

Size: the script exactly as GET /s/{key}.js serves it, with the 20 entities of
tests/support/served_script.py (the size test's too) and with one, gzipped.

Time: the same page with the script and without it (benchmarks/script_site.py), each in a fresh
browser context per sample, unthrottled then with the CPU throttled 4x. Each pair comes with a
third page, the same again with the **floor** script (benchmarks/script_floor.js), measured the
same way: what any call tracker must do (read the cookies once, send one page view, read its
JSON answer, replace one number), so the report shows how much of the cost is the browser's own
work and how much the script adds above it. Which of the three goes first rotates. Each page is
measured twice: its first page view (loaded, the page view POSTed and answered, the tracking
number shown, no script run for 300 ms), then an SPA page view (``history.pushState``, which
the script wraps). Two methods on every sample:

- Chromium's counters, ``Performance.getMetrics``: ``ScriptDuration`` (which leaves promise
  callbacks out, where the script handles the page view's answer) and ``TaskDuration``;
- a Chromium trace (benchmarks/script_trace.py): the script's own events and the microtasks,
  in wall and CPU time. The headline figure is its wall time.

The script's cost is with minus without, per pair; medians and 90th percentiles, since the
machine is shared and noisy. The first page view's cost is also broken down by phase (CPU):
the file's top-level run (EvaluateScript), its callbacks (DOMContentLoaded, timers, listeners)
and the microtasks (promise callbacks: the page view's answer). The run stops with a message,
reporting nothing, when a premise fails: the page without the script requested it, posted
anything or has ``window.dialtrail``; the page with it did not request it, post two page views,
read 18 of the 20 entities or show the tracking number; the floor's page did not request the
floor script, post two page views or show the tracking number; ScriptDuration and the trace's
events of the script's URL (the same work, counted two ways) differ by more than 3x. Results:
benchmarks/results/script.json, printed after a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import script_trace
from harness import cli, report
from harness.report import percentile, say
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright
from script_site import (
    COLLECTOR_PATH,
    FLOOR_PATH,
    SCRIPT_PATH,
    TRACKING_NUMBER,
    TRACKING_NUMBER_AS_SHOWN,
    WITH_FLOOR,
    WITH_SCRIPT,
    WITHOUT_SCRIPT,
    SiteServer,
)
from tests.support.browser import CHROMIUM_FLAGS, chromium_path
from tests.support.served_script import ENTITY_COUNT, served

GZIP_BUDGET_BYTES = 6 * 1024
BUDGETS_MS = {1: 2.0, 4: 8.0}  # by CPU throttling rate
SETTLE_MS = 300  # no script run for this long: the page view's work is over
POLL_MS = 100
SETTLE_LIMIT_SECONDS = 15
AGREEMENT = 3.0  # the two methods may differ by this factor…
AGREEMENT_FLOOR_MS = 1.0  # …or by this much (SPA page views on a fast script are tiny)
MIN_ENTITY_VALUES = 18
PUSH_STATE = "history.pushState({}, '', location.pathname + '/next' + location.search)"
OBSERVE = """() => ({
  loaded: typeof window.dialtrail != 'undefined',
  values: window.dialtrail
    ? Object.values(window.dialtrail.entities()).filter((v) => v != null).length : 0,
  number: window.dialtrail ? window.dialtrail.number() : null,
  text: document.body.innerText,
})"""


class PremiseFailed(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"script benchmark: premise failed, no figure is reported: {message}")


@dataclass(frozen=True)
class Variant:
    """A page of the site: with the script, with the floor script, or without either."""

    name: str
    page_path: str
    script_path: str  # whose events the trace attributes (the script's, for the bare page)


SCRIPT = Variant("script", WITH_SCRIPT, SCRIPT_PATH)
FLOOR = Variant("floor", WITH_FLOOR, FLOOR_PATH)
WITHOUT = Variant("without", WITHOUT_SCRIPT, SCRIPT_PATH)
VARIANTS = (SCRIPT, WITHOUT, FLOOR)


@dataclass(frozen=True)
class Sample:
    """One page in one fresh context: the first page view's figures and the SPA page view's."""

    first: dict[str, float]
    spa: dict[str, float]


@dataclass(frozen=True)
class Bench:
    browser: Browser
    site: SiteServer
    rate: int  # CPU throttling: 1 (none) or 4

    def script_url(self, variant: Variant) -> str:
        return self.site.base_url + variant.script_path


# Each figure: its key in a sample, what the report calls it, what the summary calls it.
FIGURES = [
    ("trace_total_ms", "javascript_ms", "JS"),
    ("trace_total_cpu_ms", "javascript_cpu_ms", "JS CPU"),
    ("script_ms", "script_duration_ms", "ScriptDuration"),
    ("trace_script_url_ms", "trace_script_url_ms", "trace URL"),
    ("task_ms", "task_duration_ms", "TaskDuration"),
]
# The first page view's JS CPU by phase: the file's top-level run, its callbacks, the microtasks.
Part = Callable[[dict[str, float]], float]
BREAKDOWN: dict[str, Part] = {
    "top_level_cpu_ms": lambda f: f["trace_evaluate_cpu_ms"],
    "callbacks_cpu_ms": lambda f: f["trace_script_url_cpu_ms"] - f["trace_evaluate_cpu_ms"],
    "microtasks_cpu_ms": lambda f: f["trace_total_cpu_ms"] - f["trace_script_url_cpu_ms"],
}
MEANINGS = {
    "javascript_ms": "the headline: the script's JavaScript on the main thread, wall time (trace: "
    "its own events and the microtasks, where promise callbacks run)",
    "javascript_cpu_ms": "the same in the main thread's CPU time (neighbours on a shared "
    "machine move it far less; under throttling it includes the throttler's spinning)",
    "script_duration_ms": "Chromium's ScriptDuration counter: leaves promise callbacks out",
    "trace_script_url_ms": "the trace's events of the script's URL: what ScriptDuration counts",
    "task_duration_ms": "every main-thread task (style, layout, network included): the "
    "widest figure, the noisiest",
    "floor": "the same figures for benchmarks/script_floor.js, the least a call tracker does "
    "(read the cookies once, one POST and its JSON answer, one number replaced), minus the page "
    "without a script: the browser's own share of any tracker's cost",
    "above_floor": "the script minus the floor, per triple of pages: what the script adds",
    "breakdown": "the first page view's JS CPU cost by phase: the file's top-level run "
    "(EvaluateScript), its callbacks (DOMContentLoaded, timers, listeners: the page view is "
    "read and sent here) and the microtasks (the page view's answer, the number shown)",
}

PREMISES = [
    "page without the script: the script was never requested, nothing was posted to the "
    "collector, window.dialtrail is undefined, its traces have no event of the script's URL",
    "page with the script: the script was requested, two page views were posted (load and "
    f"pushState), dialtrail.entities() has at least {MIN_ENTITY_VALUES} values, "
    "dialtrail.number() is the tracking number and the page shows it in place of the site's, "
    "its first trace has events of the script's URL",
    "page with the floor script: it was requested, two page views were posted, the page shows "
    "the tracking number, its first trace has events of the floor script's URL",
    "ScriptDuration and the trace's events of the script's URL (the same work, counted two "
    f"ways) agree within {AGREEMENT:g}x or {AGREEMENT_FLOOR_MS:g} ms",
]


def main() -> None:
    parser = cli.parser_for(__doc__)
    parser.add_argument("--samples", type=int, default=9, help="pairs of pages per CPU rate")
    arguments = parser.parse_args()
    if arguments.samples < 1:
        parser.error("--samples must be at least 1")
    sys.exit(cli.run_cleaning_up(arguments, benchmark))


def benchmark(arguments: argparse.Namespace) -> int:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("script benchmark: Chromium not found (scripts/install-chromium)")
    load_before = os.getloadavg()
    site = SiteServer()
    site.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            main_thread = {rate: measure_rate(browser, site, rate, arguments) for rate in (1, 4)}
            browser.close()
    finally:
        site.shutdown()
    result = {
        "benchmark": "script",
        "entities": ENTITY_COUNT,
        "samples": arguments.samples,
        "size": size_figures(),
        "unthrottled": main_thread[1],
        "cpu_throttled_4x": main_thread[4],
        "figures": MEANINGS,
        "premises_checked_on_every_sample": PREMISES,
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0]},
        "environment": report.environment(),
    }
    path = report.write_json("script.json", result)
    say(summary_lines(result))
    say(f"written to {path}")
    say(json.dumps(result, indent=2, sort_keys=True))
    return 0


def measure_rate(
    browser: Browser, site: SiteServer, rate: int, arguments: argparse.Namespace
) -> dict[str, Any]:
    say(f"CPU throttling {rate}x: {arguments.samples} triples of pages")
    measured = triples(Bench(browser, site, rate), arguments.samples)
    script = [(t[SCRIPT], t[WITHOUT]) for t in measured]
    floor = [(t[FLOOR], t[WITHOUT]) for t in measured]
    above = [(t[SCRIPT], t[FLOOR]) for t in measured]
    figures: dict[str, Any] = {
        "budget_ms": BUDGETS_MS[rate],
        "first_page_view": phase_figures(script, "first"),
        "spa_page_view": phase_figures(script, "spa"),
        "breakdown": breakdown(script),
        "floor": {phase: phase_figures(floor, key) for key, phase in PHASES},
        "above_floor": {phase: phase_figures(above, key) for key, phase in PHASES},
    }
    for phase in ("first_page_view", "spa_page_view"):
        check_agreement(figures[phase], f"{phase} at {rate}x")
        check_agreement(figures["floor"][phase], f"the floor's {phase} at {rate}x")
    return figures


PHASES = (("first", "first_page_view"), ("spa", "spa_page_view"))


def triples(bench: Bench, count: int) -> list[dict[Variant, Sample]]:
    """``count`` triples (with the script, without, with the floor), after one that is not
    counted (the browser's first pages are slower); which goes first rotates."""
    measured = []
    for number in range(count + 1):
        turn = number % len(VARIANTS)
        order = VARIANTS[turn:] + VARIANTS[:turn]
        samples = {variant: load(bench, variant) for variant in order}
        if number:
            measured.append(samples)
    return measured


def load(bench: Bench, variant: Variant) -> Sample:
    """A page in a fresh context: its first page view, then an SPA page view."""
    sample = os.urandom(6).hex()
    path = variant.page_path
    context = bench.browser.new_context()
    try:
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("Performance.enable")
        devtools.send("Emulation.setCPUThrottlingRate", {"rate": bench.rate})
        url = f"{bench.site.base_url}{path}?sample={sample}"
        first = measured(bench, page, devtools, variant, lambda: page.goto(url))
        spa = measured(
            bench,
            page,
            devtools,
            variant,
            lambda: devtools.send("Runtime.evaluate", {"expression": PUSH_STATE}),
        )
        for key in COUNTERS:  # the counters run from the page's start; a trace is per phase
            spa[key] -= first[key]
        figures = Sample(first, spa)
        check_premises(bench, page, variant, sample, figures)
        return figures
    finally:
        context.close()


def measured(
    bench: Bench, page: Page, devtools: CDPSession, variant: Variant, action: Callable[[], Any]
) -> dict[str, float]:
    """Runs ``action`` under a trace and waits for its page view to settle: the counters since
    the page's start, and the trace's figures for this phase alone."""
    bench.browser.start_tracing(page=page, categories=script_trace.CATEGORIES)
    with page_view_answered(page, variant is not WITHOUT):
        action()
    counters = settled(page, devtools)
    trace = bench.browser.stop_tracing()
    return counters | script_trace.script_time_ms(trace, bench.script_url(variant))


@contextmanager
def page_view_answered(page: Page, with_script: bool) -> Iterator[None]:
    if not with_script:
        yield
        return
    with page.expect_response(
        lambda response: response.url.endswith(f"{COLLECTOR_PATH}/pageview"),
        timeout=SETTLE_LIMIT_SECONDS * 1000,
    ):
        yield


def settled(page: Page, devtools: CDPSession) -> dict[str, float]:
    """The page's counters once ScriptDuration has not moved for SETTLE_MS (the page view's
    answer is handled in promise callbacks, which ScriptDuration leaves out, a few ms after
    it arrives: well within that time)."""
    deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
    readings = counters(devtools)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < SETTLE_MS / 1000:
        if time.monotonic() > deadline:
            raise PremiseFailed(f"the page kept running script for {SETTLE_LIMIT_SECONDS} s")
        page.wait_for_timeout(POLL_MS)
        latest = counters(devtools)
        if latest["script_ms"] != readings["script_ms"]:
            quiet_since = time.monotonic()
        readings = latest
    return readings


COUNTERS = ("script_ms", "task_ms")


def counters(devtools: CDPSession) -> dict[str, float]:
    values = {
        metric["name"]: metric["value"]
        for metric in devtools.send("Performance.getMetrics")["metrics"]
    }
    return {
        "script_ms": values["ScriptDuration"] * 1000,
        "task_ms": values["TaskDuration"] * 1000,
    }


def check_premises(
    bench: Bench, page: Page, variant: Variant, sample: str, figures: Sample
) -> None:
    """What makes the figures mean anything, read after the measurement (reading runs script
    in the page too)."""
    requests = bench.site.requests_of(sample)
    page_path = variant.page_path
    got = [(noted.method, noted.path) for noted in requests]
    observed = page.evaluate(OBSERVE)
    fetched_script = ("GET", SCRIPT_PATH) in got
    posted = [path for method, path in got if method == "POST"]
    page_views = posted.count(f"{COLLECTOR_PATH}/pageview")
    if ("GET", page_path) not in got:
        raise PremiseFailed(f"the server saw no request for {page_path} of this sample: {got}")
    if variant is FLOOR:
        check_floor_premises(got, page_views, observed, figures, bench.script_url(FLOOR))
        return
    if variant is WITHOUT:
        if fetched_script or ("GET", FLOOR_PATH) in got or posted or observed["loaded"]:
            raise PremiseFailed(
                f"the page without the script ran it: {got}, window.dialtrail "
                + ("defined" if observed["loaded"] else "undefined")
            )
        if figures.first["trace_script_url_ms"] or figures.spa["trace_script_url_ms"]:
            raise PremiseFailed("the trace of the page without the script has script events")
        return
    if not fetched_script or page_views != 2:
        raise PremiseFailed(f"the page with the script: {got} (expected the script, 2 page views)")
    if observed["values"] < MIN_ENTITY_VALUES:
        raise PremiseFailed(f"only {observed['values']} of {ENTITY_COUNT} entities have values")
    if observed["number"] != TRACKING_NUMBER or TRACKING_NUMBER_AS_SHOWN not in observed["text"]:
        raise PremiseFailed(f"the tracking number is not shown: {observed['number']}")
    if not figures.first["trace_script_url_ms"]:
        raise PremiseFailed(f"the trace has no event of {bench.script_url(SCRIPT)}")


def check_floor_premises(
    got: list[tuple[str, str]],
    page_views: int,
    observed: dict[str, Any],
    figures: Sample,
    floor_url: str,
) -> None:
    if ("GET", FLOOR_PATH) not in got or ("GET", SCRIPT_PATH) in got or page_views != 2:
        raise PremiseFailed(f"the page with the floor script: {got} (expected it, 2 page views)")
    if TRACKING_NUMBER_AS_SHOWN not in observed["text"]:
        raise PremiseFailed("the floor script did not show the tracking number")
    if not figures.first["trace_script_url_ms"]:
        raise PremiseFailed(f"the trace has no event of {floor_url}")


def phase_figures(measured: list[tuple[Sample, Sample]], phase: str) -> dict[str, Any]:
    return {
        name: compared(
            [getattr(with_script, phase)[key] for with_script, _ in measured],
            [getattr(without, phase)[key] for _, without in measured],
        )
        for key, name, _ in FIGURES
    }


def compared(with_script: list[float], without_script: list[float]) -> dict[str, Any]:
    """Both sides, and the script's cost: the with-minus-without difference of each pair
    (``cost``, the reported figure) and, as a check, the difference of the medians."""
    return {
        "with_script": spread(with_script),
        "without_script": spread(without_script),
        "cost": spread([w - wo for w, wo in zip(with_script, without_script, strict=True)]),
        "difference_of_medians": statistics.median(with_script) - statistics.median(without_script),
    }


def breakdown(measured: list[tuple[Sample, Sample]]) -> dict[str, Any]:
    """The first page view's JS CPU cost by phase, with minus without per pair (the page
    without the script has microtasks of its own; it has no event of the script's URL)."""
    return {
        name: spread([part(w.first) - part(wo.first) for w, wo in measured])
        for name, part in BREAKDOWN.items()
    }


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": percentile(ordered, 0.9)}


def check_agreement(figures: dict[str, Any], what: str) -> None:
    counter = figures["script_duration_ms"]["cost"]["median"]
    trace = figures["trace_script_url_ms"]["cost"]["median"]
    low, high = sorted((counter, trace))
    if high - low > AGREEMENT_FLOOR_MS and high > AGREEMENT * max(low, 0.0):
        raise PremiseFailed(
            f"{what}: ScriptDuration says {counter:.2f} ms, the trace's events of the script "
            f"{trace:.2f} ms: one of the two methods is wrong"
        )


def size_figures() -> dict[str, int]:
    script = served()
    return {
        "minified_bytes": len(script.body),
        "gzipped_bytes": len(script.gzipped),
        "gzipped_bytes_with_one_entity": len(served(entity_count=1).gzipped),
        "gzip_budget_bytes": GZIP_BUDGET_BYTES,
        "room_bytes": GZIP_BUDGET_BYTES - len(script.gzipped),
    }


def summary_rows(rate: str, label: str, figures: dict[str, Any]) -> list[str]:
    rows = []
    for phase in ("first_page_view", "spa_page_view"):
        costs = [figures[phase][name]["cost"] for _, name, _ in FIGURES]
        title = f"{rate} {label}{phase[:-10]}"
        rows.append(
            f"{title:<20}"
            + "".join(f"{cost['median']:>10.2f} ({cost['p90']:5.1f})" for cost in costs)
        )
    return rows


def summary_lines(result: dict[str, Any]) -> str:
    size = result["size"]
    lines = [
        f"size: {size['gzipped_bytes']:,} bytes gzipped with {ENTITY_COUNT} entities "
        f"({size['gzipped_bytes_with_one_entity']:,} with one); budget "
        f"{size['gzip_budget_bytes']:,}, room {size['room_bytes']:,}",
        "main-thread cost, ms: the page with the script (or the floor script) minus the page "
        "without, per triple; script-floor: the script minus the floor; median (p90)",
        f"{'':20}" + "".join(f"{label:>18}" for _, _, label in FIGURES),
    ]
    for key, rate in (("unthrottled", "1x"), ("cpu_throttled_4x", "4x")):
        figures = result[key]
        for label, of in (("", figures), ("floor ", figures["floor"])):
            lines += summary_rows(rate, label, of)
        lines += summary_rows(rate, "script-floor ", figures["above_floor"])
        parts = figures["breakdown"]
        lines.append(
            f"{rate} first page view's JS CPU by phase, median: "
            + ", ".join(f"{name[:-7]} {part['median']:.2f}" for name, part in parts.items())
        )
    load = result["load_average"]
    lines.append(
        f"budget for the first page view: {result['unthrottled']['budget_ms']:g} ms (1x), "
        f"{result['cpu_throttled_4x']['budget_ms']:g} ms (4x), against JS; load average "
        f"{load['before']:.1f} before the run, {load['after']:.1f} after (wall times grow with it)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
