"""The catalogue of business modules and the one typed contract (`ModuleHooks`) every module provides.

Each module package `suite.<key>` defines, in its `__init__.py`, the five hooks below with exactly these
signatures (checked when the catalogue is first used), and may define the optional `housekeep` hook of
`Housekeeping` (the worker's periodic chores). Heavy libraries stay imported inside the hooks.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from suite.progress import Progress

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


@dataclass(frozen=True)
class ModuleInfo:
    key: str
    title: str
    icon: str
    summary: str


@dataclass(frozen=True)
class ModelStatus:
    """One model a module serves: what it is, which version, where its files are and whether they are there."""

    module: str
    model: str
    version: str | None
    path: str
    on_disk: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DemoReport:
    """What a module's `load_demo` put into the store: counts by kind, and a sentence for people."""

    module: str
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"module": self.module, **self.counts, **({"note": self.note} if self.note else {})}

    def sentence(self) -> str:
        parts = [f"{n:,} {name.replace('_', ' ')}" for name, n in self.counts.items()]
        text = ", ".join(parts) if parts else "nothing new"
        return f"{text}{f' ({self.note})' if self.note else ''}"


@runtime_checkable
class ModuleHooks(Protocol):
    """What the suite calls on every module (`make run`, `suite demo`, `suite status`, the worker, drift)."""

    def prepare(self, settings: Settings, progress: Progress) -> None:
        """Put the module's default model on disk when it is missing (bundled package or trained)."""

    def load_demo(self, store: Store, progress: Progress) -> DemoReport:
        """Load the module's part of `sample_data/` into the store; a second call changes nothing."""

    def model_status(self, settings: Settings) -> list[ModelStatus]:
        """The models the module serves now."""

    def retrain(self, store: Store, *, output_dir: Path, progress: Progress) -> TrainingOutcome:
        """A challenger trained from accepted feedback (see `suite.training`)."""

    def drift(self, store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
        """The module's own drift signals: recent inputs/outputs vs the reference period."""


class Housekeeping(Protocol):
    """The optional sixth hook: chores the retraining worker runs for the module on its loop (every few seconds)."""

    def housekeep(self, store: Store) -> dict[str, int]:
        """Do what is due now (e.g. send waiting webhook messages); quick, and what it did as counts."""


OPTIONAL_HOOKS = ("housekeep",)


MODULES: tuple[ModuleInfo, ...] = (
    ModuleInfo(
        "support",
        "Support answers",
        ":material/support_agent:",
        "Answers customer questions from your help articles, shows where each answer came from, "
        "and hands anything it is unsure about to a person.",
    ),
    ModuleInfo(
        "recommend",
        "Recommendations",
        ":material/shopping_bag:",
        "Suggests the ten products each shopper is most likely to want next, with a reason for each.",
    ),
    ModuleInfo(
        "inspect",
        "Defect inspection",
        ":material/frame_inspect:",
        "Checks photos of parts and surfaces, boxes any defects and gives a pass or fail verdict.",
    ),
    ModuleInfo(
        "transcribe",
        "Transcription",
        ":material/mic:",
        "Turns call recordings, meetings and voice notes into searchable, time-stamped text and subtitles.",
    ),
    ModuleInfo(
        "risk",
        "Market risk alerts",
        ":material/monitoring:",
        "Reads news headlines about the companies you watch and raises an alert when the tone turns "
        "unusually negative.",
    ),
)

MODULE_KEYS: tuple[str, ...] = tuple(info.key for info in MODULES)
_TITLES = {info.key: info.title for info in MODULES}


def title(key: str) -> str:
    """The module's title for people ("Support answers"); unknown keys come back as they are."""
    return _TITLES.get(key, key)


_checked: dict[str, SimpleNamespace] = {}


def hooks(key: str) -> ModuleHooks:
    """The module's hooks, checked against `ModuleHooks` (names and parameters) the first time.

    Raises:
        TypeError: the module is missing a hook or a hook's parameters differ from the contract (a bug).
    """
    if key not in _checked:
        if key not in _TITLES:
            raise KeyError(f"no module {key!r}; modules are {', '.join(MODULE_KEYS)}")
        package = importlib.import_module(f"suite.{key}")
        check_hooks(package)
        # Keep the functions themselves: importing a submodule named like a hook (suite.<key>.retrain)
        # later would otherwise replace the package attribute with that submodule.
        names = [name for name in _contract() if name in _REQUIRED or callable(getattr(package, name, None))]
        _checked[key] = SimpleNamespace(**{name: getattr(package, name) for name in names})
    return _checked[key]  # type: ignore[return-value]


def check_hooks(package: ModuleType) -> None:
    """Fail loudly when a module package does not match the `ModuleHooks` contract."""
    for name, expected in _contract().items():
        func = getattr(package, name, None)
        if name in OPTIONAL_HOOKS and func is None:
            continue
        if isinstance(func, ModuleType):
            raise TypeError(
                f"{package.__name__}.{name} is its submodule, not the hook: import the submodule at the top of "
                f"{package.__name__}/__init__.py, before the hook is defined"
            )
        if not callable(func):
            raise TypeError(f"{package.__name__} has no {name}() hook")
        actual = [(p.name, p.kind) for p in inspect.signature(func).parameters.values()]
        if actual != expected:
            raise TypeError(f"{package.__name__}.{name}{inspect.signature(func)} does not match ModuleHooks.{name}")


_REQUIRED = ("prepare", "load_demo", "model_status", "retrain", "drift")


def _contract() -> dict[str, list[tuple[str, Any]]]:
    contract = {}
    for name in (*_REQUIRED, *OPTIONAL_HOOKS):
        protocol = ModuleHooks if name in _REQUIRED else Housekeeping
        params = list(inspect.signature(getattr(protocol, name)).parameters.values())[1:]  # without self
        contract[name] = [(p.name, p.kind) for p in params]
    return contract


def all_hooks() -> dict[str, ModuleHooks]:
    """Every module's hooks, in catalogue order."""
    return {key: hooks(key) for key in MODULE_KEYS}


def housekeepers() -> dict[str, Callable[[Store], dict[str, int]]]:
    """The `housekeep` hook of each module that has one, in catalogue order."""
    found = {key: getattr(hooks(key), "housekeep", None) for key in MODULE_KEYS}
    return {key: func for key, func in found.items() if func is not None}
