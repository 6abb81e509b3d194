"""What the tests that start a real server share: a free loopback port, the dashboard as `suite serve` runs
it, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from suite.cli import serve_command

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own connections are refused by this machine's closed network: switch them off.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_dashboard(home: Path, *, start_s: float = 60, warm_up: bool = True) -> Iterator[str]:
    """The dashboard on a free 127.0.0.1 port over `home`, started as `suite serve` starts it; yields its URL.

    `warm_up=False`: no model is loaded at start (for tests of pages that need none)."""
    port = free_port()
    env = {**os.environ, "SUITE_HOME": str(home), "SUITE_DEVICE": "cpu"}
    proc = subprocess.Popen(
        serve_command(port, warm_up=warm_up), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the dashboard did not start within {start_s:g} s")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
