"""Reranker training pairs come from the help center itself, never from the evaluation sets."""

import json

from suite.support.evaluation import SAMPLE_DIR, load_eval, sample_kb_chunks
from suite.support.rerank import _jaccard, training_pairs


def test_pairs_hold_no_eval_question_and_sibling_negatives():
    chunks = sample_kb_chunks()
    items = load_eval() + load_eval(SAMPLE_DIR / "eval_unanswerable.jsonl")
    sections = [json.loads(line) for line in (SAMPLE_DIR / "eval_sections.jsonl").read_text("utf-8").splitlines()]
    exclude = [i.question for i in items] + [s["question"] for s in sections]
    pairs, info = training_pairs(chunks, exclude=exclude)
    questions = {q for q, _, _ in pairs}
    assert info["questions"] > 300 and info["dropped_as_eval_like"] > 0
    assert not any(_jaccard(q, e) >= 0.6 for q in questions for e in exclude)
    # Each positive question also meets another section of its own article as a negative.
    by_text = {c.indexed_text: c for c in chunks}
    positives = [(q, by_text[p]) for q, p, y in pairs if y == 1.0 and by_text[p].source != "faq.csv"]
    assert positives
    for question, chunk in positives:
        negatives = [by_text[p] for q, p, y in pairs if q == question and y == 0.0]
        assert any(n.source == chunk.source and n.chunk_id != chunk.chunk_id for n in negatives), question
