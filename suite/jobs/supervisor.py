"""`suite serve` runs two processes: the dashboard and the retraining worker, and keeps the worker running.

`supervise(dashboard_cmd, worker_cmd)` starts both. A worker that exits (a crash, `kill -9`, out of memory)
is started again after a short backoff (`BACKOFF_S`: 1, 2, 4, 8, 16, 20 s; back to 1 s once a worker has
lived `STEADY_S`), so it is back within 30 s; each restart is logged. The dashboard ending ends everything
(its exit status is serve's). SIGTERM or Ctrl-C stops both: each gets SIGTERM (the worker stops a running
job at its next progress report, as 'cancelled') and is killed if it has not exited after `STOP_WAIT_S`.
On Linux both children are also asked to stop by the kernel if this process dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

logger = logging.getLogger(__name__)

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 20.0)  # waits before restart 1, 2, ...; the last repeats (always < 30 s)
STEADY_S = 60.0  # a worker that lived this long starts the backoff over
STOP_WAIT_S = 20.0  # how long each child gets to exit after SIGTERM before it is killed
CHECK_S = 0.2  # how often the children are looked at


def worker_command() -> list[str]:
    """The worker `suite serve` starts: `suite worker` with this interpreter."""
    return [sys.executable, "-c", "from suite.cli import app; app(prog_name='suite')", "worker"]


@dataclass
class Restart:
    """One restart of the worker: when its predecessor exited, with what, and when the new one started."""

    exited_at: float
    returncode: int
    started_at: float
    pid: int

    @property
    def delay_s(self) -> float:
        return self.started_at - self.exited_at


@dataclass
class Supervisor:
    """The two children of `suite serve`. `run()` blocks until the dashboard ends or `stop()` is called.

    Example:
        >>> code = Supervisor(serve_command(8501), worker_command()).run()   # doctest: +SKIP
    """

    dashboard_cmd: Sequence[str] | None
    worker_cmd: Sequence[str]
    env: Mapping[str, str] | None = None
    stdout: IO[Any] | int | None = None
    stderr: IO[Any] | int | None = None
    backoff_s: Sequence[float] = BACKOFF_S
    stop_wait_s: float = STOP_WAIT_S
    restarts: list[Restart] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dashboard: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._worker_started = 0.0
        self._failures = 0  # restarts in a row without a steady worker

    def stop(self) -> None:
        """Ask `run()` to stop both children and return (safe from a signal handler or another thread)."""
        self._stop.set()

    def run(self) -> int:
        """Start both, keep the worker alive; returns the dashboard's exit status (0 after `stop()`)."""
        try:
            if self.dashboard_cmd is not None:
                self.dashboard = self._spawn(self.dashboard_cmd)
                logger.info("dashboard started (pid %s)", self.dashboard.pid)
            self._start_worker()
            while not self._stop.wait(CHECK_S):
                if self.dashboard is not None and self.dashboard.poll() is not None:
                    logger.warning("the dashboard exited (%s); stopping the worker", self.dashboard.returncode)
                    return self.dashboard.returncode
                if self.worker is not None and self.worker.poll() is not None:
                    self._restart_worker()
            return 0
        finally:
            self._stop_children()

    def _spawn(self, cmd: Sequence[str]) -> subprocess.Popen:
        return subprocess.Popen(
            list(cmd),
            env=None if self.env is None else dict(self.env),
            stdin=subprocess.DEVNULL,
            stdout=self.stdout,
            stderr=self.stderr,
            preexec_fn=_die_with_parent(),
        )

    def _start_worker(self) -> None:
        self.worker = self._spawn(self.worker_cmd)
        self._worker_started = time.monotonic()
        logger.info("retraining worker started (pid %s)", self.worker.pid)

    def _restart_worker(self) -> None:
        assert self.worker is not None
        code, exited = self.worker.returncode, time.monotonic()
        if exited - self._worker_started >= STEADY_S:
            self._failures = 0
        delay = self.backoff_s[min(self._failures, len(self.backoff_s) - 1)]
        self._failures += 1
        logger.warning(
            "the retraining worker (pid %s) exited with %s; starting it again in %.0f s (restart %d)",
            self.worker.pid, _describe(code), delay, len(self.restarts) + 1,
        )  # fmt: skip
        if self._stop.wait(delay):
            return
        self._start_worker()
        self.restarts.append(Restart(exited, code, time.monotonic(), self.worker.pid))

    def _stop_children(self) -> None:
        children = [c for c in (self.worker, self.dashboard) if c is not None and c.poll() is None]
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_wait_s
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %s did not stop within %.0f s; killing it", child.pid, self.stop_wait_s)
                child.kill()
                child.wait()
        if children:
            logger.info("dashboard and worker stopped")


def _describe(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"status {code}"


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """What the child runs before exec so the kernel sends it SIGTERM when `suite serve` dies (Linux only).

    libc is looked up here, in the parent: between fork and exec the child may only make the one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(
    dashboard_cmd: Sequence[str] | None,
    worker_cmd: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    on_start: Callable[[Supervisor], None] = lambda supervisor: None,
) -> int:
    """Run the dashboard and a supervised worker until the dashboard ends, SIGTERM or Ctrl-C; returns the status.

    Signals are handled in this (main) thread: the first SIGTERM/SIGINT stops both children cleanly.
    """
    supervisor = Supervisor(dashboard_cmd, worker_cmd or worker_command(), env=env)

    def stop(signum: int, frame: object) -> None:
        logger.warning("%s: stopping the dashboard and the worker", signal.Signals(signum).name)
        supervisor.stop()

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        on_start(supervisor)
        return supervisor.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
