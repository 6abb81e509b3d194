"""Second-stage reranker and answerability check for support answers (issue 19).

A cross-encoder (`pipelines.cross_encoder`) trained from the bundled MiniLM on question-passage pairs made from
the help center itself, never from the evaluation sets: section headings and FAQ questions as questions,
keyword spans of each sentence as search-like questions, plus accepted thumbs-up feedback. Negatives are the
other sections of the same article (on topic, but not holding the answer: what teaches answerability) and the
best dense hits of other articles. It reorders the top-k (k <= 10) retrieved passages; its best score says
whether any passage holds the answer.

Status (measured, not served): trained on 2,425 generated pairs (519 questions) for one ~5 min CPU budget, the
cross-encoder learned only the label prior (every logit about -1.25) and reranking dropped English article R@1
0.96 -> 0.32 and section R@1 0.75 -> 0.11, so `answer_question` does not use it (see the issue note).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.keyword_index import STOPWORDS
from suite.support.models import Chunk

FOLDER = "reranker"
SEED = 13
MAX_K = 10
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*")
_PREFIXES = ("", "how do i ", "what about ", "why ", "can i ", "help with ")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _jaccard(a: str, b: str) -> float:
    x, y = set(_words(a)), set(_words(b))
    return len(x & y) / len(x | y) if x | y else 0.0


def generated_questions(chunk: Chunk, rng: random.Random) -> list[str]:
    """Questions a section answers, made from the section alone: its heading (a FAQ row's heading is its
    question), the heading with the article's title, and two keyword spans of each sentence."""
    out = []
    if chunk.heading and chunk.heading != chunk.title:
        out.append(chunk.heading if chunk.heading.endswith("?") else f"{chunk.heading}?")
        out.append(f"{chunk.title}: {chunk.heading}")
    for sentence in re.split(r"(?<=[.!?])\s+", chunk.text):
        words = _words(sentence)
        if len(words) < 3:
            continue
        for _ in range(2):
            size = rng.randint(3, min(6, len(words)))
            start = rng.randint(0, len(words) - size)
            out.append(f"{rng.choice(_PREFIXES)}{' '.join(words[start : start + size])}?")
    return list(dict.fromkeys(out))


def training_pairs(
    chunks: list[Chunk],
    index=None,
    *,
    exclude: list[str] = (),
    feedback: list[tuple[str, str, str | None]] = (),
    seed: int = SEED,
) -> tuple[list[tuple[str, str, float]], dict]:
    """(question, passage, 1/0) pairs from the help center (and accepted feedback pairs).

    `exclude`: questions that must not be trained on (the evaluation sets): a generated question sharing 60 % or
    more of its words with one of them is dropped. `index` (a `KnowledgeIndex` over `chunks`) adds the best
    dense hits of other articles as hard negatives."""
    rng = random.Random(seed)
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    pairs, dropped, questions = [], 0, 0
    for c in chunks:
        for question in generated_questions(c, rng):
            if any(_jaccard(question, e) >= 0.6 for e in exclude):
                dropped += 1
                continue
            questions += 1
            pairs.append((question, c.indexed_text, 1.0))
            siblings = [s for s in by_source[c.source] if s.chunk_id != c.chunk_id and c.source != "faq.csv"]
            for s in rng.sample(siblings, min(2, len(siblings))):
                pairs.append((question, s.indexed_text, 0.0))
            others = []
            if index is not None:
                others = [h.chunk for h in index.search(question, k=6) if h.chunk.source != c.source][:2]
            if not others:
                others = rng.sample([o for o in chunks if o.source != c.source], 2)
            pairs.extend((question, o.indexed_text, 0.0) for o in others)
    for question, passage, _ in feedback:
        pairs.append((question, passage, 1.0))
    return pairs, {"questions": questions, "dropped_as_eval_like": dropped, "feedback_pairs": len(feedback)}


@dataclass(frozen=True)
class Reranked:
    candidates: list  # the top-k candidates reordered by the cross-encoder
    scores: list[float]  # the cross-encoder logit of each, in the new order

    @property
    def best(self) -> float:
        return max(self.scores, default=float("-inf"))


def rerank(scorer, question: str, candidates: list, k: int = MAX_K) -> Reranked:
    """The first `k` candidates reordered by the scorer's logit (the rest keep their order after them)."""
    head, tail = candidates[:k], candidates[k:]
    if not head:
        return Reranked(list(candidates), [])
    scores = scorer.score([(question, c.chunk.indexed_text) for c in head])
    order = np.argsort(-scores, kind="stable")
    return Reranked([head[i] for i in order] + tail, [float(scores[i]) for i in order])


def save_meta(folder: Path, meta: dict) -> None:
    (folder / "reranker.json").write_text(json.dumps(meta, indent=1))


def load_meta(folder: Path) -> dict:
    path = folder / "reranker.json"
    return json.loads(path.read_text()) if path.exists() else {}
