"""Headlines by language: Chinese (Han characters) to a head on the multilingual embedder, the rest to English.

The English path (`suite.risk.classifier`, MiniLM, ONNX on the CPU) is unchanged; a headline whose letters are
at least 30 % Han characters (and no kana or hangul) goes to a logistic-regression head on the bundled
multilingual USE v3 embedder, trained from `sample_data/risk/labelled_headlines_zh.csv` (its `train` split) into
`<model folder>/zh/`. The Chinese head is loaded only when a Chinese headline comes, so English-only work never
pays for it.

Example:
    >>> router = LanguageRouter(english, lambda: load_chinese(model_folder / ZH_FOLDER))
    >>> [r.label for r in router.classify(["Shares slump on profit warning", "艾克美拉发布业绩预警"])]
    ['negative', 'negative']
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.text_classifier import LOW_CONFIDENCE, Classifier, Sentiment, clean_text

logger = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
LABELLED_ZH_CSV = SAMPLE_DIR / "labelled_headlines_zh.csv"
ENGLISH_CSV = SAMPLE_DIR / "labelled_headlines.csv"  # its train split also trains the Chinese head
ZH_FOLDER = "zh"  # inside the served model's folder (the default's, or a champion's)
ZH_MODEL_NAME = "usem3-logreg-sentiment-zh"
HAN_SHARE = 0.3  # a headline is Chinese when at least this share of its letters are Han characters
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uac00-\ud7af]")  # Japanese and Korean, not Chinese


def language_of(text: str) -> str:
    """'zh' when at least 30 % of the letters are Han characters (CJK ideographs) and there is no Japanese kana
    or Korean hangul, else 'en' (the English path, which flags text that is not English)."""
    han = len(_HAN.findall(text))
    if not han or _KANA_HANGUL.search(text):
        return "en"
    letters = sum(1 for c in text if c.isalpha())
    return "zh" if han >= HAN_SHARE * max(letters, 1) else "en"


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def labelled_set_zh() -> list[dict[str, str]]:
    """The generated Chinese labelled headlines (id, headline, label, split, family), split frozen by family."""
    with LABELLED_ZH_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def zh_version() -> str:
    data = LABELLED_ZH_CSV.read_bytes() + ENGLISH_CSV.read_bytes()
    return f"zh-default-{hashlib.sha256(data).hexdigest()[:10]}"


def prepare_chinese(folder: Path) -> None:
    """Train the Chinese head into `folder` unless it is there and current (seconds: 645 headlines embedded)."""
    folder = Path(folder)
    version = zh_version()
    marker = folder / "VERSION"
    if marker.exists() and marker.read_text().strip() == version and (folder / "head.npz").exists():
        return
    train_chinese(folder, version)


def train_chinese(folder: Path, version: str, extra: list[dict[str, str]] = ()) -> None:  # type: ignore[assignment]
    """The Chinese head, into `folder`: the Chinese `train` split, plus `extra` ({headline, label}: accepted
    corrections), plus the English `train` split. The embedder puts both languages in one space, and the English
    headlines cover kinds of event the Chinese set lacks: leave-one-family-out macro-F1 on the Chinese train split
    0.77 with them, 0.72 without (benchmarks/risk.py)."""
    from pipelines.multilingual_embedder import load_multilingual_embedder
    from pipelines.text_classifier import train_head

    folder = Path(folder)
    with ENGLISH_CSV.open(newline="", encoding="utf-8") as handle:
        examples = {r["headline"]: r["label"] for r in csv.DictReader(handle) if r["split"] == "train"}
    examples.update({r["headline"]: r["label"] for r in labelled_set_zh() if r["split"] == "train"})
    examples.update({r["headline"]: r["label"] for r in extra})
    head = train_head(list(examples), list(examples.values()), load_multilingual_embedder(), version=version)
    head.model_name = ZH_MODEL_NAME
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    head.save(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    logger.info("trained the Chinese headline classifier %s (T=%.2f)", version, head.temperature)


def load_chinese(folder: Path) -> Classifier:
    """The Chinese head in `folder` (trained there first when missing), loaded once per process."""
    from pipelines.multilingual_embedder import load_multilingual_embedder
    from pipelines.text_classifier import load_classifier

    folder = Path(folder)
    if not (folder / "head.npz").exists():
        prepare_chinese(folder)
    return load_classifier(folder, embedder=load_multilingual_embedder())


class LanguageRouter:
    """One `Classifier` over two: Chinese headlines to `chinese()` (loaded on first use), the rest to `english`.

    Every other attribute (embedder, coef, temperature, model_version, ...) is the English classifier's, so
    code written for the English head keeps working; each `Sentiment` names the model that produced it.
    """

    def __init__(self, english: Classifier, chinese: Callable[[], Classifier]) -> None:
        self.english = english
        self._chinese_loader = chinese
        self._chinese: Classifier | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("english", "_chinese_loader", "_chinese"):
            raise AttributeError(name)
        return getattr(self.english, name)

    @property
    def chinese(self) -> Classifier:
        if self._chinese is None:
            self._chinese = self._chinese_loader()
        return self._chinese

    def _split(self, texts: list[str]) -> list[int]:
        return [i for i, t in enumerate(texts) if has_han(t) and language_of(clean_text(t)) == "zh"]

    def classify(self, texts: list[str], *, batch_size: int = 256) -> list[Sentiment]:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        zh = self._split(texts)
        if not zh:
            return self.english.classify(texts, batch_size=batch_size)
        chosen = set(zh)
        others = [i for i in range(len(texts)) if i not in chosen]
        results: list[Sentiment | None] = [None] * len(texts)
        if others:
            for i, r in zip(
                others, self.english.classify([texts[i] for i in others], batch_size=batch_size), strict=True
            ):
                results[i] = r
        for i, r in zip(zh, self.chinese.classify([texts[i] for i in zh], batch_size=batch_size), strict=True):
            results[i] = _read_as_chinese(r)
        return results  # type: ignore[return-value]

    def probabilities(self, texts: list[str], *, batch_size: int = 256) -> np.ndarray:
        """(n, 3) probabilities in LABELS order, each row from its language's head (not rounded)."""
        texts = list(texts)
        zh = self._split(texts)
        chosen = set(zh)
        others = [i for i in range(len(texts)) if i not in chosen]
        out = np.zeros((len(texts), 3))
        for rows, model in ((others, self.english), (zh, self.chinese if zh else None)):
            if rows:
                out[rows] = model.probabilities([texts[i] for i in rows], batch_size=batch_size)
        return out


def _read_as_chinese(result: Sentiment) -> Sentiment:
    """The Chinese head's result without the English-only language warning (this model reads Chinese)."""
    unsure = result.confidence < LOW_CONFIDENCE
    reason = "The model is unsure about this headline." if unsure else ""
    return dataclasses.replace(result, low_confidence=unsure, reason=reason)
