"""The command line the benchmark scripts share: which database, profiling, the hidden options
of the server subprocess (the script runs itself as the server under test), and a SIGTERM that
still cleans up."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import server


def parser_for(docstring: str | None) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description=(docstring or "").split("\n\n", 1)[0])


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        help="PostgreSQL server for the scratch database (default: DIALTRAIL_TEST_POSTGRES_URL)",
    )


def add_profile_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--profile",
        choices=sorted(server.PROFILE_CLOCKS),
        help=f"profile {what}: cProfile on the cpu or wall clock, or sample (harness/sampler.py)",
    )


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The server subprocess: the script again, with these."""
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--without-deriver", action="store_true", help=argparse.SUPPRESS)


def server_command(
    script: str, arguments: argparse.Namespace, url: str, port: int, profile_out: Path
) -> list[str]:
    """The command that runs ``script`` as the server under test (``--serve``)."""
    command = [sys.executable, script, "--serve", "--database-url", url, "--port", str(port)]
    if arguments.profile:
        command += ["--profile", arguments.profile, "--profile-out", str(profile_out)]
    if getattr(arguments, "deriver", "thread") == "process":
        command.append("--without-deriver")
    return command


def serve_or_run(
    arguments: argparse.Namespace, benchmark: Callable[[argparse.Namespace], int]
) -> int:
    """In the server subprocess, serves; in the benchmark, runs it, cleaning up on SIGTERM."""
    if arguments.serve:
        server.serve(
            arguments.database_url,
            arguments.port,
            arguments.profile_out,
            arguments.profile,
            deriver=not arguments.without_deriver,
        )
        return 0
    return run_cleaning_up(arguments, benchmark)


def run_cleaning_up(
    arguments: argparse.Namespace, benchmark: Callable[[argparse.Namespace], int]
) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    return benchmark(arguments)


def stop_on_sigterm(signal_number: int, frame: Any) -> None:
    # `timeout` and CI runners send SIGTERM: exit through the finally blocks, so that the
    # processes are stopped and the scratch database dropped.
    sys.exit(128 + signal_number)
