"""Which sentiment model the risk module serves, and the default one trained from the labelled set."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines.text_classifier import Classifier, HeadClassifier, load_classifier, train_head
from suite.errors import ModelUnavailable
from suite.progress import Progress, no_progress
from suite.registry.champion import champion_dir
from suite.settings import Settings

logger = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
LABELLED_CSV = SAMPLE_DIR / "labelled_headlines.csv"


@dataclass(frozen=True)
class Thresholds:
    """When a company's news raises an alert (see `suite.risk.signals`); per-company z overrides from retrain."""

    z: float = 2.5  # tone this many standard deviations below its own trailing window
    window_days: int = 30
    min_headlines: int = 2  # a single headline never raises a tone alert on its own
    volume_ratio: float = 3.0  # or: this many times the usual daily volume ...
    volume_min: int = 4  # ... with at least this many headlines ...
    volume_tone: float = -0.2  # ... and a tone below this
    cooldown_days: int = 7  # no second alert for the same company within this many days
    per_company_z: tuple[tuple[str, float], ...] = ()

    def z_for(self, ticker: str) -> float:
        return dict(self.per_company_z).get(ticker, self.z)


def labelled_set() -> list[dict[str, str]]:
    """The hand-written labelled headlines with their frozen train/test split."""
    with LABELLED_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def labelled_hash() -> str:
    return hashlib.sha256(LABELLED_CSV.read_bytes()).hexdigest()[:10]


def default_dir(settings: Settings) -> Path:
    return settings.models_dir / "risk" / "default"


def serving_dir(settings: Settings) -> Path:
    """The promoted champion's folder when there is one, else the default model's."""
    return champion_dir(settings, "risk") or default_dir(settings)


def hub_model_name(settings: Settings) -> str:
    """`SUITE_RISK_MODEL`: a Hugging Face model name (needs internet) or "vader"; empty = the trained head."""
    return settings.extra.get("risk_model", "").strip()


def prepare(settings: Settings, progress: Progress = no_progress) -> Path:
    """Train the default classifier into SUITE_HOME/models/risk/default/ unless it is there and current."""
    folder = default_dir(settings)
    version = f"default-{labelled_hash()}"
    marker = folder / "VERSION"
    if marker.exists() and marker.read_text().strip() == version and (folder / "head.npz").exists():
        return folder
    from pipelines.embedder import load_embedder

    progress(0, 2, "training the headline sentiment model")
    rows = [r for r in labelled_set() if r["split"] == "train"]
    embedder = load_embedder(settings.embedder_model or None, settings.device)
    classifier = train_head([r["headline"] for r in rows], [r["label"] for r in rows], embedder, version=version)
    tmp = folder.with_name("default.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    classifier.save(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    progress(2, 2, "sentiment model ready")
    logger.info("trained default risk classifier %s (T=%.2f)", version, classifier.temperature)
    return folder


def current_classifier(settings: Settings) -> Classifier:
    """The classifier to serve now: SUITE_RISK_MODEL if set, else the champion, else the default head."""
    name = hub_model_name(settings)
    if name:
        return load_classifier(name, device=settings.device)
    folder = serving_dir(settings)
    if not (folder / "head.npz").exists():
        if folder != default_dir(settings):
            raise ModelUnavailable(
                f"The promoted sentiment model in {folder} is incomplete; ask an admin to roll back."
            )
        prepare(settings)
    from pipelines.embedder import load_embedder

    embedder = load_embedder(settings.embedder_model or None, settings.device)
    return load_classifier(folder, device=settings.device, embedder=embedder)


def current_thresholds(settings: Settings) -> Thresholds:
    """Default thresholds plus the per-company z values tuned by retrain (shipped with the champion)."""
    path = serving_dir(settings) / "thresholds.json"
    if not path.exists():
        return Thresholds()
    data = json.loads(path.read_text())
    return Thresholds(per_company_z=tuple(sorted((k, float(v)) for k, v in data.get("per_company_z", {}).items())))


def model_status(settings: Settings) -> list[dict]:
    entries = []
    folder = default_dir(settings)
    marker = folder / "VERSION"
    entries.append(
        {
            "model": "risk sentiment (MiniLM + logistic regression)",
            "version": marker.read_text().strip() if marker.exists() else f"default-{labelled_hash()}",
            "path": str(folder),
            "on_disk": (folder / "head.npz").exists(),
        }
    )
    champion = champion_dir(settings, "risk")
    if champion is not None:
        entries.append(
            {
                "model": "risk sentiment (champion)",
                "version": champion.name,
                "path": str(champion),
                "on_disk": (champion / "head.npz").exists(),
            }
        )
    return entries


def load_head(folder: Path, settings: Settings) -> HeadClassifier:
    from pipelines.embedder import load_embedder

    return HeadClassifier.load(folder, load_embedder(settings.embedder_model or None, settings.device))
