"""A cross-encoder: reads a question and a passage together and scores how well the passage answers it.

No cross-encoder ships offline, so one is trained from the bundled MiniLM (its BERT layers, a fresh 1-logit
head) on question-passage pairs (`train_cross_encoder`); `suite.support.rerank` makes the pairs.

Example:
    >>> scorer = load_cross_encoder("var/models/support/reranker")
    >>> scorer.score([("How do I reset my password?", "Forgot your password: tap Forgot password ...")])
    array([3.1], dtype=float32)
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.device import resolve_device
from pipelines.loading import load_once
from suite.errors import ModelUnavailable

logger = logging.getLogger(__name__)

MAX_LENGTH = 160  # question + title + heading + a section of the sample help center fit in 160 tokens


@dataclass
class CrossEncoderScorer:
    """A sequence-classification model with one logit; cheap constructor, weights load on first use."""

    model_path: str
    device: str = "cpu"
    max_length: int = MAX_LENGTH
    _model: object = field(default=None, init=False, repr=False)
    _tokenizer: object = field(default=None, init=False, repr=False)

    @property
    def model_version(self) -> str:
        marker = Path(self.model_path) / "VERSION"
        return marker.read_text().strip() if marker.exists() else Path(self.model_path).name

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_path)
            model = AutoModelForSequenceClassification.from_pretrained(self.model_path)
        except (OSError, ValueError) as err:
            raise ModelUnavailable(f"Could not load the reranker from {self.model_path} ({err}).") from err
        self._model = model.to(self.device).eval()

    def score(self, pairs: list[tuple[str, str]], *, batch_size: int = 16) -> np.ndarray:
        """One logit per (question, passage) pair: higher means the passage more likely answers the question."""
        import torch

        self.warm_up()
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        out = []
        with torch.inference_mode():
            for start in range(0, len(pairs), batch_size):
                batch = pairs[start : start + batch_size]
                encoded = self._tokenizer(  # type: ignore[operator]
                    [q for q, _ in batch],
                    [p for _, p in batch],
                    truncation="only_second",
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                ).to(self.device)
                out.append(self._model(**encoded).logits[:, 0].float().cpu().numpy())  # type: ignore[operator]
        return np.concatenate(out).astype(np.float32)


def load_cross_encoder(path: str | Path, device: str | None = None) -> CrossEncoderScorer:
    """The process-wide scorer for (folder, device): loaded once."""
    device = resolve_device(device)
    folder = str(Path(path).resolve())

    def build() -> CrossEncoderScorer:
        scorer = CrossEncoderScorer(folder, device=device)
        scorer.warm_up()
        return scorer

    return load_once(("cross-encoder", folder, device), build)


def train_cross_encoder(
    base_path: str | Path,
    pairs: list[tuple[str, str, float]],
    output: Path,
    *,
    epochs: int = 2,
    batch_size: int = 16,
    learning_rate: float = 4e-5,
    seed: int = 13,
    budget_s: float = 240.0,
    version: str = "",
    progress: Callable[[int, int, str], None] | None = None,
) -> dict:
    """Fine-tune `base_path` (a BERT folder, e.g. the bundled MiniLM) with a fresh 1-logit head on labelled
    (question, passage, 0/1) pairs (binary cross-entropy); stops early when `budget_s` is spent. Saves the model
    and tokenizer to `output`; returns what was done (steps, seconds, last loss)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base_path))
    model = AutoModelForSequenceClassification.from_pretrained(str(base_path), num_labels=1)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    order = list(range(len(pairs)))
    steps_per_epoch = (len(order) + batch_size - 1) // batch_size
    total = max(1, epochs * steps_per_epoch)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    started, step, loss_value, stopped = time.perf_counter(), 0, float("nan"), False
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            batch = [pairs[i] for i in order[start : start + batch_size]]
            encoded = tokenizer(
                [q for q, _, _ in batch],
                [p for _, p, _ in batch],
                truncation="only_second",
                max_length=MAX_LENGTH,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**encoded).logits[:, 0]
            loss = loss_fn(logits, torch.tensor([y for *_, y in batch], dtype=torch.float32))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            loss_value = float(loss.item())
            if progress is not None:
                progress(step, total, f"training the reranker (loss {loss_value:.3f})")
            if time.perf_counter() - started > budget_s:
                stopped = True
                break
        if stopped:
            logger.warning("reranker training stopped at its %.0f s budget after %s of %s steps", budget_s, step, total)
            break
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(output))
    tokenizer.save_pretrained(str(output))
    if version:
        (output / "VERSION").write_text(version + "\n")
    return {"steps": step, "planned_steps": total, "seconds": time.perf_counter() - started, "loss": loss_value}
