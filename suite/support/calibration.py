"""Confidence = the probability that an answer is right, calibrated on the frozen evaluation set.

An answer is right when the question is in scope and the best-ranked article is the one that answers it.
The features are the refusal rule's evidence relative to its language's threshold and the margin of the
best passage over the best passage of another article (an ambiguous question has a small margin). A
two-feature logistic regression (Platt scaling) maps them to a probability; it is fitted by
`fit` (Newton steps, small L2) in `benchmarks/support.py` and at retrain time (`calibration.json` beside the
challenger's thresholds), so each model version carries its own calibration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "calibration.json"
BINS = 10


@dataclass(frozen=True)
class Calibration:
    """score = bias + w_evidence * (evidence - threshold) + w_margin * margin (Platt); p(right) = the isotonic
    map of the score (knots `xs` -> `ps`, from pool-adjacent-violators) or, without knots, sigmoid(score)."""

    bias: float
    w_evidence: float
    w_margin: float
    xs: tuple[float, ...] = ()
    ps: tuple[float, ...] = ()
    fitted_on: str = ""

    def score(self, evidence_over_threshold: float, margin: float) -> float:
        return self.bias + self.w_evidence * evidence_over_threshold + self.w_margin * margin

    def probability(self, evidence_over_threshold: float, margin: float) -> float:
        z = self.score(evidence_over_threshold, margin)
        if self.xs:
            return float(np.clip(np.interp(z, self.xs, self.ps), 0.0, 1.0))
        return float(1.0 / (1.0 + np.exp(-z)))

    def as_dict(self) -> dict:
        return {
            "bias": self.bias,
            "w_evidence": self.w_evidence,
            "w_margin": self.w_margin,
            "xs": list(self.xs),
            "ps": list(self.ps),
            "fitted_on": self.fitted_on,
        }


# Fitted by `benchmarks/support.py` on sample_data/support/eval.jsonl with the bundled MiniLM / USE (all 117
# questions); the champion's calibration.json replaces it when a retrained model is promoted.
DEFAULT = Calibration(
    bias=-0.697,
    w_evidence=8.6598,
    w_margin=5.5875,
    xs=(-1.3457, 0.5983, 2.2394, 3.861, 5.8361),
    ps=(0.0476, 0.8667, 0.8966, 0.9231, 0.9565),
    fitted_on="sample_data/support/eval.jsonl, bundled MiniLM + USE (benchmarks/support.py)",
)


def features(candidates, threshold: float) -> tuple[float, float]:
    """(evidence - threshold, margin) of a top-5 candidate list (`suite.support.retrieval.Candidate`s)."""
    if not candidates:
        return -threshold, 0.0
    best = max(candidates, key=lambda c: c.dense)
    other = max((c.dense for c in candidates if c.chunk.source != best.chunk.source), default=0.0)
    return best.dense - threshold, best.dense - other


def fit(x: np.ndarray, y: np.ndarray, *, fitted_on: str = "") -> Calibration:
    """Platt weights on the features `x` (n, 2), then an isotonic map from their score to the share right."""
    platt = fit_platt(x, y)
    xs, ps = isotonic([platt.score(*row) for row in x], y)
    return Calibration(platt.bias, platt.w_evidence, platt.w_margin, xs, ps, fitted_on)


def isotonic(scores, labels) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Pool-adjacent-violators: the non-decreasing step map of score -> share right, as interpolation knots
    (each pooled block at the middle of its score range). Each block's share is smoothed as (right + 1) /
    (n + 2), so a few dozen right answers give about 97 %, never a claimed certainty of 100 %."""
    order = np.argsort(np.asarray(scores, dtype=float), kind="stable")
    blocks: list[list[float]] = []  # [sum of labels, count, lowest score, highest score]
    for i in order:
        blocks.append([float(labels[i]), 1.0, float(scores[i]), float(scores[i])])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1][0] += last[0]
            blocks[-1][1] += last[1]
            blocks[-1][3] = last[3]
    return tuple((b[2] + b[3]) / 2 for b in blocks), tuple((b[0] + 1) / (b[1] + 2) for b in blocks)


def fit_platt(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 50) -> Calibration:
    """Logistic regression of labels `y` (0/1) on features `x` (n, 2) by Newton's method."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x, dtype=float)])
    weights = np.zeros(design.shape[1])
    penalty = l2 * np.diag([0.0] + [1.0] * (design.shape[1] - 1))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + penalty @ weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(len(weights))
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return Calibration(float(weights[0]), float(weights[1]), float(weights[2]))


def cross_validated(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities: each question judged by a calibration fitted without it (honest ECE)."""
    order = np.random.default_rng(seed).permutation(len(x))
    out = np.zeros(len(x))
    for fold in range(folds):
        held = order[fold::folds]
        kept = np.setdiff1d(order, held)
        model = fit(x[kept], y[kept])
        out[held] = [model.probability(*row) for row in x[held]]
    return out


def reliability(probabilities, labels, bins: int = BINS) -> tuple[float, list[dict]]:
    """Expected calibration error and the reliability table (equal-width bins over [0, 1])."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=float)
    rows, ece = [], 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = (p >= low) & ((p < high) if b < bins - 1 else (p <= high))
        n = int(inside.sum())
        if n:
            ece += n / len(p) * abs(p[inside].mean() - y[inside].mean())
        rows.append(
            {
                "bin": f"{low:.1f}-{high:.1f}",
                "questions": n,
                "mean confidence": round(float(p[inside].mean()), 3) if n else "",
                "share right": round(float(y[inside].mean()), 3) if n else "",
            }
        )
    return float(ece), rows


def load(folder: Path | None) -> Calibration:
    """The calibration shipped in a model folder (the champion's), else the default."""
    path = folder / FILE if folder is not None else None
    if path is not None and path.exists():
        data = json.loads(path.read_text())
        return Calibration(
            float(data["bias"]),
            float(data["w_evidence"]),
            float(data["w_margin"]),
            tuple(data.get("xs", ())),
            tuple(data.get("ps", ())),
            data.get("fitted_on", ""),
        )
    return DEFAULT


def save(calibration: Calibration, folder: Path) -> None:
    (folder / FILE).write_text(json.dumps(calibration.as_dict()))


def examples(index, items, thresholds: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Features and right/wrong labels of eval items (`suite.support.evaluation.EvalItem`) on an index."""
    vectors = index.query_vectors([item.question for item in items])
    x, y = [], []
    for item, vector in zip(items, vectors, strict=True):
        candidates = index.search(item.question, k=5, vector=vector)
        x.append(features(candidates, thresholds[item.language]))
        top = candidates[0].chunk.source if candidates else None
        y.append(float(item.in_scope and top == item.source))
    return np.array(x, dtype=float), np.array(y, dtype=float)
