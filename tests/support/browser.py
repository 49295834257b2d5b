"""Debian's Chromium driven by Playwright (no downloaded browsers: none can be fetched here)."""

from __future__ import annotations

import shutil

CHROMIUM_FLAGS = [
    # Running as root in a container needs --no-sandbox; the rest stop Chromium from calling
    # Google's services, which this closed network refuses.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
