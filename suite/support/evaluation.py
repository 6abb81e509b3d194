"""The frozen evaluation set (the sample help center and its questions) and the metrics on it.

Recall@k and MRR at article level, and the refusal threshold with the best balanced accuracy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.support.ingest import chunk
from suite.support.models import Chunk
from suite.support.parsing import SUPPORTED, parse

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "support"
EVAL_FILE = SAMPLE_DIR / "eval.jsonl"
KB_DIR = SAMPLE_DIR / "kb"


@dataclass(frozen=True)
class EvalItem:
    question: str
    source: str | None
    language: str
    in_scope: bool


def load_eval(path: Path = EVAL_FILE) -> list[EvalItem]:
    return [EvalItem(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample_kb_chunks() -> list[Chunk]:
    """The frozen evaluation corpus: the sample help center, parsed straight from disk."""
    chunks = []
    for path in sorted(KB_DIR.iterdir()):
        if path.suffix.lower() in SUPPORTED:
            chunks.extend(chunk(path.name, parse(path.name, path.read_bytes())))
    return chunks


def ranked_sources(candidates) -> list[str]:
    """Articles in the order of their best chunk (an article counts once)."""
    seen: list[str] = []
    for candidate in candidates:
        if candidate.chunk.source not in seen:
            seen.append(candidate.chunk.source)
    return seen


def retrieval_metrics(ranked: list[list[str]], expected: list[str]) -> dict[str, float]:
    """Recall@1, Recall@5 and MRR (over the top 10) of ranked source lists against the expected source."""
    if not expected:
        return {"recall_at_1": 0.0, "recall_at_5": 0.0, "mrr": 0.0, "n": 0}
    ranks = [
        sources.index(want) + 1 if want in sources[:10] else None
        for sources, want in zip(ranked, expected, strict=True)
    ]
    return {
        "recall_at_1": float(np.mean([r == 1 for r in ranks])),
        "recall_at_5": float(np.mean([r is not None and r <= 5 for r in ranks])),
        "mrr": float(np.mean([1.0 / r if r else 0.0 for r in ranks])),
        "n": len(ranks),
    }


def evaluate_retrieval(index, items: list[EvalItem], mode: str = "hybrid") -> dict[str, float]:
    in_scope = [item for item in items if item.in_scope]
    vectors = index.query_vectors([item.question for item in in_scope])
    ranked = [
        ranked_sources(index.search(i.question, k=30, mode=mode, vector=v))
        for i, v in zip(in_scope, vectors, strict=True)
    ]
    return retrieval_metrics(ranked, [item.source for item in in_scope])


def evidence_scores(index, items: list[EvalItem]) -> list[float]:
    """The refusal rule's evidence per question: best passage cosine among the top 5 hybrid results."""
    vectors = index.query_vectors([item.question for item in items])
    return [
        max((c.dense for c in index.search(i.question, k=5, vector=v)), default=0.0)
        for i, v in zip(items, vectors, strict=True)
    ]


def best_threshold(in_scope: list[float], out_of_scope: list[float]) -> float:
    """The cut that maximises balanced accuracy (answered in-scope + refused out-of-scope), midway between scores."""
    scores = sorted(set(in_scope) | set(out_of_scope))
    if not scores:
        return 0.5
    cuts = [scores[0] - 1e-6] + [(a + b) / 2 for a, b in zip(scores, scores[1:], strict=False)] + [scores[-1] + 1e-6]

    def balanced(cut: float) -> float:
        answered = np.mean([s >= cut for s in in_scope]) if in_scope else 0.0
        refused = np.mean([s < cut for s in out_of_scope]) if out_of_scope else 0.0
        return (answered + refused) / 2

    best = max(balanced(cut) for cut in cuts)
    # Of the equally good cuts take the middle one: the widest margin on both sides.
    good = [cut for cut in cuts if balanced(cut) >= best - 1e-12]
    return float(good[len(good) // 2])
