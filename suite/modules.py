"""The catalogue of business modules and the optional hooks each one may provide.

A module package `suite.<key>` may define, in its `__init__.py`:
- `prepare(settings, progress)`: build any default model that is not on disk yet (run by `make run`).
- `load_demo(store, progress) -> dict`: load its part of `sample_data/` into the store (`suite demo`).
- `model_status(settings) -> list[dict]`: the models it uses, their versions and whether they are on disk.
- `retrain(store) -> ...`: turn accepted feedback into a challenger model (the retraining worker).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleInfo:
    key: str
    title: str
    icon: str
    summary: str


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


def module_package(key: str) -> ModuleType | None:
    """The module's package, or None when it has not been written yet."""
    try:
        return importlib.import_module(f"suite.{key}")
    except ModuleNotFoundError as err:
        if err.name == f"suite.{key}":
            return None
        raise


def hook(key: str, name: str):
    """A module's hook function (see the module docstring), or None if it does not provide it."""
    package = module_package(key)
    return getattr(package, name, None) if package is not None else None
