"""Warm every module once per process, before its first request: default models loaded, indexes built.

Each module's `service.warm_up(settings, store)` loads what its first request needs through the module's own
load paths (`pipelines.loading.load_once`), so pages, the API and the CLI then find the same cached objects.
The dashboard's server process (`suite.launch`) and each API process run `start` once at start; the state
(`waiting` → `loading` → `ready` or `failed`, with seconds) is kept in the process for its pages and, when a
file is given, written as JSON for `suite serve` and the startup benchmark.

Example:
    >>> state = start(settings, store, state_file=settings.home / "run" / "warmup-dashboard-8501.json")
    >>> module_state("support").state  # "waiting", "loading", "ready" or "failed"
    'loading'
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from suite.errors import SuiteError
from suite.modules import MODULE_KEYS
from suite.settings import Settings
from suite.store import Store

logger = logging.getLogger(__name__)

WAITING, LOADING, READY, FAILED = "waiting", "loading", "ready", "failed"
DONE = (READY, FAILED)
Step = Callable[[Settings, Store], "str | None"]  # returns an optional note ("no help articles yet")


@dataclass
class ModuleWarmth:
    """One module's warm-up: its state, how long it took (or has taken so far) and why it failed."""

    module: str
    state: str = WAITING
    seconds: float | None = None
    detail: str = ""  # the failure's reason, or a note on a ready module
    started: float | None = None  # time.time() when loading began

    def elapsed(self) -> float | None:
        """Seconds taken when done, seconds so far while loading."""
        if self.state == LOADING and self.started is not None:
            return time.time() - self.started
        return self.seconds


@dataclass
class WarmupState:
    """The warm-up of one process (`pid`): every module's state, and when it started and finished."""

    pid: int
    started_at: float
    modules: dict[str, ModuleWarmth] = field(default_factory=dict)
    finished_at: float | None = None
    shared: dict[str, ModuleWarmth] = field(default_factory=dict)  # models of no one module (e.g. redaction)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "finished": self.finished}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WarmupState:
        modules = {key: ModuleWarmth(**value) for key, value in data.get("modules", {}).items()}
        shared = {key: ModuleWarmth(**value) for key, value in data.get("shared", {}).items()}
        return cls(int(data["pid"]), float(data["started_at"]), modules, data.get("finished_at"), shared)

    def summary(self) -> str:
        """One line for people: "support 2.1 s, recommend 4.0 s, ... (inspect failed: ...)"."""
        parts = []
        for warmth in (*self.shared.values(), *self.modules.values()):
            took = f"{warmth.seconds:.1f} s" if warmth.seconds is not None else warmth.state
            parts.append(f"{warmth.module} {took}" + (f" (failed: {warmth.detail})" if warmth.state == FAILED else ""))
        return ", ".join(parts)


_lock = threading.Lock()
_current: WarmupState | None = None  # this process's warm-up, if it started one


def current() -> WarmupState | None:
    """This process's warm-up state (None when this process never started one: then models load lazily)."""
    return _current


def module_state(module: str) -> ModuleWarmth | None:
    """The module's warm-up in this process; None when no warm-up was started here (or it skips the module)."""
    state = _current
    return None if state is None else state.modules.get(module)


def warming(module: str) -> bool:
    """True while this process is still loading (or about to load) the module's model."""
    warmth = module_state(module)
    return warmth is not None and warmth.state not in DONE


def service_step(module: str) -> Step:
    """The module's own `service.warm_up(settings, store)` (imported when it runs: modules load lazily)."""

    def step(settings: Settings, store: Store) -> str | None:
        return importlib.import_module(f"suite.{module}.service").warm_up(settings, store)

    return step


def _redaction(settings: Settings, store: Store) -> str | None:
    """The personal-data masker's name finder (Presidio + spaCy), which the first stored question or transcript
    would otherwise load; skipped when names are not masked or the masker is not part of this build."""
    if not getattr(settings, "redact_names", False) or not (
        getattr(settings, "redact_questions", False) or getattr(settings, "redact_transcripts", False)
    ):
        return "names are not masked"
    try:
        names_available = importlib.import_module("suite.redaction").names_available
    except (ImportError, AttributeError):
        return "no name masking in this build"
    return None if names_available() else "names cannot be masked here (see the log)"


SHARED_STEPS: dict[str, Step] = {"redaction": _redaction}


def begin(modules: tuple[str, ...] | list[str] = MODULE_KEYS) -> WarmupState:
    """Make a fresh state for this process with every module waiting (what `start` does before it runs)."""
    global _current
    with _lock:
        _current = WarmupState(os.getpid(), time.time(), {m: ModuleWarmth(m) for m in modules})
        return _current


def run(
    settings: Settings,
    store: Store,
    *,
    state: WarmupState | None = None,
    steps: dict[str, Step] | None = None,
    shared: dict[str, Step] | None = None,
    state_file: Path | None = None,
    on_change: Callable[[WarmupState], None] | None = None,
) -> WarmupState:
    """Warm the shared models, then each module in turn (catalogue order: support first); a failure in one never
    stops the others.

    Args:
        steps: module -> step (default: each module's `service.warm_up`).
        shared: name -> step for models of no one module, run first (default `SHARED_STEPS`; with `steps`
            given, none unless given too).
        state_file: where to write the state as JSON after every change (for another process to poll).
        on_change: called with the state after every change (the API copies it into its readiness).
    """
    if shared is None:
        shared = SHARED_STEPS if steps is None else {}
    steps = steps if steps is not None else {m: service_step(m) for m in MODULE_KEYS}
    state = state or begin(tuple(steps))
    state.shared = {name: ModuleWarmth(name) for name in shared}

    def changed() -> None:
        if state_file is not None:
            write_state(state, state_file)
        if on_change is not None:
            on_change(state)

    changed()
    for module, step in (*shared.items(), *steps.items()):
        warmth = state.shared[module] if module in shared else state.modules.setdefault(module, ModuleWarmth(module))
        warmth.state, warmth.started = LOADING, time.time()
        changed()
        began = time.perf_counter()
        try:
            warmth.detail = step(settings, store) or ""
            warmth.state = READY
        except SuiteError as err:  # e.g. the recommender is not built yet: the page says so and what to do
            warmth.state, warmth.detail = FAILED, " ".join(str(err).split())[:300]
            logger.warning("warm-up: %s is not warm: %s", module, warmth.detail)
        except Exception as err:  # a bug in one module must not keep the others cold
            warmth.state, warmth.detail = FAILED, f"internal error ({type(err).__name__}); see the log"
            logger.exception("warm-up of %s failed", module)
        warmth.seconds = round(time.perf_counter() - began, 3)
        logger.info("warm-up: %s %s in %.1f s", module, warmth.state, warmth.seconds)
        changed()
    state.finished_at = time.time()
    changed()
    return state


def start(
    settings: Settings,
    store: Store,
    *,
    steps: dict[str, Step] | None = None,
    state_file: Path | None = None,
    on_change: Callable[[WarmupState], None] | None = None,
) -> threading.Thread:
    """Run the warm-up in a background thread (the server keeps serving; pages show a banner meanwhile).

    The state is set to every module `waiting` before this returns, so a page that runs at once sees it.
    """
    state = begin(tuple(steps) if steps is not None else MODULE_KEYS)
    thread = threading.Thread(
        target=run,
        args=(settings, store),
        kwargs={"state": state, "steps": steps, "state_file": state_file, "on_change": on_change},
        name="suite-warm-up",
        daemon=True,
    )
    thread.start()
    return thread


# -- the state file (for `suite serve` and benchmarks: another process) -------------------------------------
def state_path(settings: Settings, name: str) -> Path:
    """Where a server process writes its warm-up state, e.g. `state_path(settings, "dashboard-8501")`."""
    return settings.home / "run" / f"warmup-{name}.json"


def write_state(state: WarmupState, path: Path) -> None:
    """Write atomically (temporary file, then rename): a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state.as_dict()), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:  # a full or read-only disk must not stop the warm-up itself
        logger.warning("could not write the warm-up state to %s: %s", path, err)


def read_state(path: Path) -> WarmupState | None:
    """The state a server wrote, or None when there is none (yet) or it cannot be read."""
    try:
        return WarmupState.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def wait_until_done(
    path: Path, *, since: float, timeout_s: float, alive: Callable[[], bool] = lambda: True, poll_s: float = 0.5
) -> WarmupState | None:
    """Poll `path` until a warm-up started after `since` (time.time()) has finished; None on timeout or when
    `alive()` turns False (the server exited)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        state = read_state(path)
        if state is not None and state.started_at >= since and state.finished:
            return state
        time.sleep(poll_s)
    return None


def silence_wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    """A mono 16-bit WAV of silence (what the speech warm-up decodes)."""
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()
