"""Which headline classifier and thresholds the risk module serves; the default one, trained from the labelled set."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
from pathlib import Path

from pipelines.text_classifier import Classifier, load_classifier, train_head
from suite.errors import InvalidInput, ModelUnavailable
from suite.modules import ModelStatus
from suite.progress import Progress, no_progress
from suite.registry.champion import champion_dir, champion_version
from suite.risk.languages import ZH_FOLDER, LanguageRouter, load_chinese, prepare_chinese
from suite.risk.models import Thresholds
from suite.settings import Settings

logger = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
LABELLED_CSV = SAMPLE_DIR / "labelled_headlines.csv"


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
    return settings.risk_model.strip()


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Train the default classifier into SUITE_HOME/models/risk/default/ unless it is there and current, and
    export its embedder for the CPU (`fast_embedder`) unless that is there."""
    folder = default_dir(settings)
    version = f"default-{labelled_hash()}"
    marker = folder / "VERSION"
    if marker.exists() and marker.read_text().strip() == version and (folder / "head.npz").exists():
        prepare_chinese(folder / ZH_FOLDER)
        fast_embedder(settings)
        return
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
    prepare_chinese(folder / ZH_FOLDER)  # Chinese headlines: their own head (suite.risk.languages)
    fast_embedder(settings)
    progress(2, 2, "sentiment model ready")
    logger.info("trained default risk classifier %s (T=%.2f)", version, classifier.temperature)


def _embedder_source(settings: Settings) -> tuple[Path, str] | None:
    """(folder, version) of the configured sentence embedder when it is on disk (as `load_embedder` finds it)."""
    from pipelines.embedder import BUNDLED_MODEL, bundled_model_path

    name = settings.embedder_model or ""
    if not name or name == BUNDLED_MODEL:
        return bundled_model_path(), "bundled-0.1.0"
    path = Path(name)
    if not path.is_dir():
        return None  # a hub name: only the torch path loads it
    marker = path / "VERSION"
    return path.resolve(), marker.read_text().strip() if marker.exists() else path.name


def fast_embedder(settings: Settings):
    """The embedder exported to ONNX and run by OpenVINO (bf16 on AMX CPUs) or ONNX Runtime, for the CPU.

    Exported once into SUITE_HOME/models/onnx/ (seconds; checked against PyTorch's vectors), then loaded once
    per process. None on a GPU (PyTorch serves there) or when the embedder cannot be exported; the head
    trained on PyTorch's vectors is used unchanged (vectors agree to cosine >= 0.999, macro-F1 measured in
    `benchmarks/speed_risk.py`).
    """
    from pipelines.device import resolve_device

    if resolve_device(settings.device) != "cpu":
        return None
    source = _embedder_source(settings)
    if source is None:
        return None
    from pipelines.loading import load_once
    from pipelines.onnx_text import export_dir

    folder = export_dir(settings.models_dir, source[0], source[1])  # the same export as support's

    def build():
        try:
            from pipelines.onnx_runtime import available_runtime
            from pipelines.onnx_text import export_embedder, load_onnx_embedder

            if available_runtime() is None:
                return None
            exported = export_embedder(source[0], folder, version=source[1])
            return None if exported is None else load_onnx_embedder(exported)
        except Exception as err:  # noqa: BLE001 - a failed export or runtime must not stop classification
            logger.warning("the ONNX embedder is not available (%s); classifying with PyTorch", err)
            return None

    # decided once per process and export folder: a failed export is not tried again on every request
    return load_once(("risk-fast-embedder", str(folder)), build)


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
    embedder = fast_embedder(settings)
    if embedder is None:
        from pipelines.embedder import load_embedder

        embedder = load_embedder(settings.embedder_model or None, settings.device)
    english = load_classifier(folder, device=settings.device, embedder=embedder)
    chinese = folder / ZH_FOLDER if (folder / ZH_FOLDER / "head.npz").exists() else default_dir(settings) / ZH_FOLDER
    return LanguageRouter(english, lambda: load_chinese(chinese))


def served_classifier(settings: Settings) -> Classifier:
    """The classifier requests are answered with: `current_classifier` in this process, or its Ray Serve
    deployment when SUITE_RAY_ADDRESS is set (`pipelines.serving`); either returns the same `Sentiment`s."""
    from pipelines.serving import served

    version = champion_version(settings, "risk") or "default"
    return served(settings, kind="headline", module="risk", version=version, local=current_classifier)


def current_thresholds(settings: Settings) -> Thresholds:
    """Default thresholds plus the per-company z values tuned by retrain (shipped with the champion)."""
    path = serving_dir(settings) / "thresholds.json"
    if not path.exists():
        return Thresholds()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tuned = data.get("per_company_z", {}) if isinstance(data, dict) else None
        if not isinstance(tuned, dict):
            raise ValueError("per_company_z is not a table of tickers")
        return Thresholds(per_company_z=tuple(sorted((str(k), float(v)) for k, v in tuned.items())))
    except (OSError, ValueError, TypeError, RecursionError, InvalidInput) as err:
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise ModelUnavailable(
            f"The alert thresholds in {path} cannot be used ({reason}); ask an admin to roll back the sentiment model."
        ) from None


def model_status(settings: Settings) -> list[ModelStatus]:
    folder = default_dir(settings)
    marker = folder / "VERSION"
    version = marker.read_text().strip() if marker.exists() else f"default-{labelled_hash()}"
    model = "risk sentiment (MiniLM + logistic regression)"
    entries = [ModelStatus("risk", model, version, str(folder), (folder / "head.npz").exists())]
    champion = champion_dir(settings, "risk")
    if champion is not None:
        entries.append(
            ModelStatus(
                "risk", "risk sentiment (champion)", champion.name, str(champion), (champion / "head.npz").exists()
            )
        )
    return entries
