"""Headline sentiment: negative / neutral / positive, with a confidence that means something.

Three backends behind one `Classifier` protocol and one verb, `classify(texts)`:
- `HeadClassifier` (default): a temperature-calibrated logistic-regression head on the shared MiniLM
  embedder, trained by the project on `sample_data/risk/labelled_headlines.csv` (seconds on a CPU).
- `VaderClassifier`: the VADER lexicon (baseline, ships with `vaderSentiment`).
- `HubClassifier`: any Hugging Face text-classification model by name (e.g. a FinBERT), for users with
  internet; never the default, since no such model ships offline.

Example:
    >>> clf = train_head(texts, labels, load_embedder(), version="v1")
    >>> [r.label for r in clf.classify(["Profit warning sends shares to record low"])]
    ['negative']
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pipelines.device import resolve_device
from pipelines.loading import load_once
from suite.errors import InvalidInput, ModelUnavailable

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
MAX_CHARS = 512  # headlines are short; longer text is cut (the caller keeps the full text)
LOW_CONFIDENCE = 0.5  # below this top-class probability a result is flagged as unsure
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_EN = set("the a an of to in on for and with as at by from after over is are was be its has have will new says".split())
_FOREIGN = set(
    "der die das und mit für nicht auf ist ein eine des den von zu im bei nach "  # German
    "le la les et des du une pour sur est au aux dans avec par "  # French
    "el los las y del por con para una según sus "  # Spanish
    "il di che non della delle per gli "  # Italian
    "het een van voor met niet op "  # Dutch
    "o os as e do da dos das em com não para uma".split()  # Portuguese
)


@dataclass
class Sentiment:
    """One headline's tone. `score` = P(positive) - P(negative) in -1..1."""

    text: str
    label: str
    confidence: float
    score: float
    probabilities: dict[str, float]
    low_confidence: bool = False
    reason: str = ""
    model_name: str = ""
    model_version: str = ""
    device: str = "cpu"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Classifier(Protocol):
    model_name: str
    model_version: str
    device: str

    def classify(self, texts: list[str], *, batch_size: int = 256) -> list[Sentiment]: ...


def clean_text(text: str) -> str:
    """Plain text from a headline that may carry HTML tags, entities or odd whitespace."""
    text = str(text or "")
    if "<" in text and ">" in text:
        from bs4 import BeautifulSoup

        text = BeautifulSoup(text, "html.parser").get_text(" ")
    text = html.unescape(unicodedata.normalize("NFKC", text))
    text = _CONTROL.sub(" ", text)  # NUL and other control characters are not text (and break some stores)
    return re.sub(r"\s+", " ", text).strip()


def language_problem(text: str) -> str:
    """A reason when the text does not look like English (the models were trained on English), else ''."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "There are no words to read in this text."
    if not text.isascii():  # ASCII letters are Latin: most headlines skip the per-letter Unicode name lookups
        non_latin = sum(1 for c in letters if not ("a" <= c.lower() <= "z" or "LATIN" in unicodedata.name(c, "")))
        if non_latin / len(letters) > 0.3:
            return "This text is not in English; the model only reads English headlines."
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    english, foreign = sum(w in _EN for w in words), sum(w in _FOREIGN for w in words)
    if foreign >= 2 and foreign > english:
        return "This text looks like it is not in English; the model only reads English headlines."
    return ""


def _prepare(texts: list[str]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    cleaned = [clean_text(t)[:MAX_CHARS] for t in texts]
    empty = [i + 1 for i, t in enumerate(cleaned) if not t]
    if empty:
        raise InvalidInput(f"Headline number(s) {empty[:10]} are empty; give some text to classify.")
    return cleaned


def _results(texts: list[str], probs: np.ndarray, name: str, version: str, device: str) -> list[Sentiment]:
    results = []
    for text, row in zip(texts, probs, strict=True):
        best = int(np.argmax(row))
        reason = language_problem(text)
        if not reason and row[best] < LOW_CONFIDENCE:
            reason = "The model is unsure about this headline."
        results.append(
            Sentiment(
                text=text,
                label=LABELS[best],
                confidence=round(float(row[best]), 4),
                score=round(float(row[2] - row[0]), 4),
                probabilities={label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)},
                low_confidence=bool(reason),
                reason=reason,
                model_name=name,
                model_version=version,
                device=device,
            )
        )
    return results


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class HeadClassifier:
    """Logistic regression on sentence embeddings, softmax(logits / temperature) for calibrated confidence."""

    embedder: Any
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0
    model_version: str = "untrained"
    model_name: str = "minilm-logreg-sentiment"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def device(self) -> str:
        return getattr(self.embedder, "device", "cpu")

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.coef.T + self.intercept

    def probabilities(self, texts: list[str], *, batch_size: int = 256) -> np.ndarray:
        vectors = self.embedder.embed(list(texts), batch_size=batch_size)
        return _softmax(self.logits(vectors) / self.temperature)

    def classify(self, texts: list[str], *, batch_size: int = 256) -> list[Sentiment]:
        cleaned = _prepare(texts)
        probs = self.probabilities(cleaned, batch_size=batch_size)
        return _results(cleaned, probs, self.model_name, self.model_version, self.device)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "head.npz", coef=self.coef, intercept=self.intercept)
        meta = {
            "model_name": self.model_name,
            "model_version": self.model_version,
            "temperature": self.temperature,
            "labels": list(LABELS),
            "embedder": getattr(self.embedder, "model_name", ""),
            **self.info,
        }
        (folder / "classifier.json").write_text(json.dumps(meta, indent=2, default=str))
        (folder / "VERSION").write_text(self.model_version + "\n")

    @classmethod
    def load(cls, folder: Path, embedder: Any) -> HeadClassifier:
        folder = Path(folder)
        try:
            meta = json.loads((folder / "classifier.json").read_text())
            arrays = np.load(folder / "head.npz")
        except (FileNotFoundError, ValueError) as err:
            raise ModelUnavailable(
                f"The sentiment model in {folder} is missing or damaged; run `suite prepare` to train it again."
            ) from err
        return cls(
            embedder=embedder,
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            temperature=float(meta.get("temperature", 1.0)),
            model_version=str(meta.get("model_version", folder.name)),
            model_name=str(meta.get("model_name", "minilm-logreg-sentiment")),
            info={k: v for k, v in meta.items() if k not in ("coef", "intercept")},
        )


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log-loss of softmax(logits / T) (logits held out from training)."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        probs = _softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(probs[np.arange(len(y)), y] + 1e-12)))

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def train_head(
    texts: list[str],
    labels: list[str],
    embedder: Any,
    *,
    version: str,
    c: float = 4.0,
    weights: list[float] | None = None,
) -> HeadClassifier:
    """Fit the head on the embedder's vectors and calibrate it by temperature on 5-fold held-out logits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise InvalidInput(f"Unknown sentiment label(s) {unknown}; use negative, neutral or positive.")
    y = np.array([LABELS.index(label) for label in labels])
    vectors = embedder.embed(_prepare(texts), batch_size=256)
    sample_weight = None if weights is None else np.asarray(weights, dtype=float)
    model = LogisticRegression(C=c, max_iter=2000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    held_out = cross_val_predict(
        model, vectors, y, cv=folds, method="decision_function", params={"sample_weight": sample_weight}
    )
    temperature = fit_temperature(held_out, y)
    model.fit(vectors, y, sample_weight=sample_weight)
    return HeadClassifier(
        embedder=embedder,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        temperature=temperature,
        model_version=version,
        info={"trained_examples": len(texts), "c": c},
    )


@dataclass
class VaderClassifier:
    """The VADER lexicon as a baseline: compound >= 0.05 positive, <= -0.05 negative, else neutral."""

    model_name: str = "vader"
    model_version: str = "vaderSentiment-3.3.2"
    device: str = "cpu"
    _analyzer: Any = field(default=None, init=False, repr=False)

    def classify(self, texts: list[str], *, batch_size: int = 256) -> list[Sentiment]:
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        cleaned = _prepare(texts)
        rows = []
        for text in cleaned:
            compound = self._analyzer.polarity_scores(text)["compound"]
            # Map the compound score onto three pseudo-probabilities so results share one shape.
            pos, neg = max(compound, 0.0), max(-compound, 0.0)
            neutral = 1.0 - abs(compound) if abs(compound) < 0.05 else max(0.0, 0.5 - abs(compound) / 2)
            row = np.array([neg, neutral, pos]) + 1e-9
            rows.append(row / row.sum())
        probs = np.array(rows).reshape(len(cleaned), 3)
        return _results(cleaned, probs, self.model_name, self.model_version, self.device)


@dataclass
class HubClassifier:
    """A Hugging Face text-classification model by name or folder (needs internet for a hub name)."""

    name: str
    device: str = "cpu"
    model_version: str = "hub"
    _pipe: Any = field(default=None, init=False, repr=False)

    @property
    def model_name(self) -> str:
        return self.name

    def warm_up(self) -> None:
        if self._pipe is not None:
            return
        try:
            from transformers import pipeline

            self._pipe = pipeline("text-classification", model=self.name, top_k=None, device=self.device)
        except Exception as err:
            raise ModelUnavailable(
                f"Could not load sentiment model {self.name!r} ({err}). Without internet, use the default "
                "model (leave the model name empty)."
            ) from err

    def classify(self, texts: list[str], *, batch_size: int = 64) -> list[Sentiment]:
        self.warm_up()
        cleaned = _prepare(texts)
        outputs = self._pipe(cleaned, batch_size=batch_size, truncation=True)
        probs = np.zeros((len(cleaned), 3))
        for i, scores in enumerate(outputs):
            for item in scores:
                label = item["label"].lower()
                slot = 0 if label.startswith("neg") else 2 if label.startswith("pos") else 1
                probs[i, slot] += item["score"]
        return _results(cleaned, probs, self.name, self.model_version, self.device)


def load_classifier(source: str | Path, *, device: str | None = None, embedder: Any = None) -> Classifier:
    """The process-wide classifier for `source`: a trained head's folder, "vader", or a hub model name."""
    device = resolve_device(device)
    if str(source) == "vader":
        return load_once(("classifier", "vader"), VaderClassifier)
    path = Path(source)
    if path.is_dir():
        version = (path / "VERSION").read_text().strip() if (path / "VERSION").exists() else path.name
        if embedder is None:
            from pipelines.embedder import load_embedder

            embedder = load_embedder(device=device)
        key = ("classifier", str(path.resolve()), version, embedder.device, getattr(embedder, "model_version", ""))
        return load_once(key, lambda: HeadClassifier.load(path, embedder))
    return load_once(("classifier", str(source), "hub", device), lambda: HubClassifier(str(source), device=device))


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins (0 = perfectly calibrated)."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def evaluate(classifier: Classifier, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, ECE and the confusion matrix (rows = true, columns = predicted, in LABELS order)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    if not texts:
        return {"n": 0}
    results = classifier.classify(list(texts))
    y = np.array([LABELS.index(label) for label in labels])
    probs = np.array([[r.probabilities[label] for label in LABELS] for r in results])
    pred = probs.argmax(axis=1)
    return {
        "n": len(texts),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=[0, 1, 2], zero_division=0)),
        "ece": expected_calibration_error(probs, y),
        "confusion": confusion_matrix(y, pred, labels=[0, 1, 2]).tolist(),
    }
