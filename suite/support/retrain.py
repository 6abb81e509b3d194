"""Learning from reviewed feedback: curated Q/A entries and a briefly fine-tuned copy of the embedder.

Only feedback a person marked 'accepted' is used. The challenger (its embedder, curated entries and
calibrated thresholds) is written to `output_dir`; serving changes only when the registry promotes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from pathlib import Path

import numpy as np

from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.registry.gate import FEEDBACK_CASES, FEEDBACK_SOLVED
from suite.store import Store
from suite.support import calibration
from suite.support.answers import DEFAULT_THRESHOLDS
from suite.support.evaluation import best_threshold, load_eval, ranked_sources, retrieval_metrics, sample_kb_chunks
from suite.support.retrieval import KnowledgeIndex, curated_chunks, curated_entry_chunks, serving_embedder
from suite.training import TrainingOutcome
from suite.training import accepted_feedback as accepted_module_feedback

logger = logging.getLogger(__name__)

EPOCHS = 1
BATCH_SIZE = 16
LEARNING_RATE = 2e-5
SEED = 13


def accepted_feedback(store: Store) -> list[dict]:
    return accepted_module_feedback(store, "support", ("thumbs", "correction"))


def training_data(feedback: list[dict]) -> tuple[list[dict], list[tuple[str, str, str | None]]]:
    """Curated Q/A entries (from corrections) and (question, good passage, source) pairs."""
    curated, pairs = [], []
    for row in feedback:
        value = row["value"]
        question = value.get("question", "").strip()
        if not question:
            continue
        if row["kind"] == "correction" and value.get("correction"):
            curated.append(
                {"question": question, "answer": value["correction"].strip(), "feedback_id": row["feedback_id"]}
            )
            pairs.append((question, f"Answer reviewed by staff — {question}: {value['correction'].strip()}", None))
        elif row["kind"] == "thumbs" and value.get("thumbs") == "up" and value.get("citations"):
            top = value["citations"][0]
            heading = f" — {top['heading']}" if top.get("heading") and top.get("heading") != top.get("title") else ""
            pairs.append((question, f"{top.get('title', '')}{heading}: {top.get('passage', '')}", top.get("source")))
    return curated, pairs


def fine_tune(source_path: str, pairs: list[tuple[str, str]], output: Path, progress: Progress = no_progress) -> None:
    """One short epoch of MultipleNegativesRankingLoss (in-batch negatives) on a copy of the embedder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss

    torch.manual_seed(SEED)
    model = SentenceTransformer(source_path, device="cpu")
    loss_fn = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    order = list(range(len(pairs)))
    random.Random(SEED).shuffle(order)
    batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
    model.train()
    for epoch in range(EPOCHS):
        for step, batch in enumerate(batches):
            if len(batch) < 2:  # in-batch negatives need at least two pairs
                continue
            encode = getattr(model, "preprocess", None) or model.tokenize
            features = [encode([pairs[i][j] for i in batch]) for j in (0, 1)]
            loss = loss_fn(features, torch.zeros(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            progress(
                epoch * len(batches) + step + 1, EPOCHS * len(batches) + 1, f"fine-tuning (loss {loss.item():.3f})"
            )
    model.eval()
    model.save(str(output))


def _metrics(index: KnowledgeIndex, items) -> dict[str, float]:
    """Hybrid retrieval on English and Chinese in-scope questions, and the calibrated English threshold."""
    vectors = index.query_vectors([i.question for i in items])
    results = [index.search(i.question, k=30, vector=v) for i, v in zip(items, vectors, strict=True)]
    out: dict[str, float] = {}
    for language in ("en", "zh"):
        rows = [(i, r) for i, r in zip(items, results, strict=True) if i.language == language and i.in_scope]
        metrics = retrieval_metrics([ranked_sources(r) for _, r in rows], [i.source for i, _ in rows])
        prefix = "" if language == "en" else "zh_"
        out.update({f"{prefix}{k}": v for k, v in metrics.items() if k != "n"})
    evidence = [(i, max((c.dense for c in r[:5]), default=0.0)) for i, r in zip(items, results, strict=True)]
    out["threshold_en"] = best_threshold(
        [s for i, s in evidence if i.language == "en" and i.in_scope],
        [s for i, s in evidence if i.language == "en" and not i.in_scope],
    )
    return out


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    settings = store.settings
    feedback = accepted_feedback(store)
    curated, pairs = training_data(feedback)
    if not curated and not pairs:
        raise InvalidInput(
            "There is no accepted support feedback to learn from yet. Review thumbs and corrections first."
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    champion = serving_embedder(settings)
    progress(0, 1, f"{len(pairs)} training pair(s), {len(curated)} curated answer(s)")
    fine_tune(
        champion.model_path or champion.model_name, [(q, p) for q, p, _ in pairs], output_dir / "embedder", progress
    )
    data_hash = hashlib.sha256(json.dumps(sorted(r["feedback_id"] for r in feedback)).encode()).hexdigest()[:12]
    (output_dir / "embedder" / "VERSION").write_text(f"support-ft-{data_hash}\n")

    previous = [{"question": c.heading, "answer": c.text, "source": c.source} for c in curated_chunks(settings)]
    known = {entry["question"] for entry in curated}
    entries = [e for e in previous if e["question"] not in known] + [
        {"question": e["question"], "answer": e["answer"], "source": "curated-answers"} for e in curated
    ]
    with (output_dir / "curated_qa.jsonl").open("w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    from pipelines.embedder import TextEmbedder
    from pipelines.multilingual_embedder import load_multilingual_embedder

    challenger = TextEmbedder(model_name="support-challenger", model_path=str(output_dir / "embedder"), device="cpu")
    chunks = sample_kb_chunks()
    multi = load_multilingual_embedder().embed([c.short_text for c in chunks])
    items = load_eval()
    results, indexes = {}, {}
    corrections = [e["question"] for e in curated]
    # What each model serves besides the help center: the champion its curated answers, the challenger the new set.
    served_curated = {"champion": curated_chunks(settings), "challenger": curated_entry_chunks(entries)}
    for name, embedder in (("champion", champion), ("challenger", challenger)):
        vectors = embedder.embed([c.indexed_text for c in chunks])
        index = KnowledgeIndex(chunks, vectors, multi, embedder, "cpu")
        indexes[name] = index
        results[name] = _metrics(index, items)
        results[name]["feedback_mrr"] = _feedback_mrr(index, pairs)
        if corrections:
            extra = served_curated[name]
            with_curated = KnowledgeIndex(
                chunks + extra,
                np.vstack([vectors, embedder.embed([c.indexed_text for c in extra])]) if extra else vectors,
                np.vstack([multi, load_multilingual_embedder().embed([c.short_text for c in extra])])
                if extra
                else multi,
                embedder,
                "cpu",
            )
            results[name][FEEDBACK_SOLVED] = _corrections_solved(with_curated, curated)
            results[name][FEEDBACK_CASES] = float(len(corrections))
    (output_dir / "thresholds.json").write_text(json.dumps({"en": results["challenger"]["threshold_en"]}))
    # The challenger's own confidence calibration (its cosine scale differs from the champion's).
    served = {**DEFAULT_THRESHOLDS, "en": results["challenger"]["threshold_en"]}
    x, y = calibration.examples(indexes["challenger"], items, served)
    calibration.save(calibration.fit(x, y, fitted_on=f"eval set, support-ft-{data_hash}"), output_dir)
    progress(1, 1, "evaluated")
    feedback_metrics = (
        {"challenger": results["challenger"]["feedback_mrr"], "champion": results["champion"]["feedback_mrr"]}
        if any(source for *_, source in pairs)
        else {}
    )
    return TrainingOutcome(
        module="support",
        artifact_dir=output_dir,
        primary_metric="mrr",
        higher_is_better=True,
        challenger_metrics={k: v for k, v in results["challenger"].items() if k != "feedback_mrr"},
        champion_metrics={k: v for k, v in results["champion"].items() if k != "feedback_mrr"},
        feedback_metrics=feedback_metrics,
        trained_on={
            "feedback_ids": [r["feedback_id"] for r in feedback],
            "data_hash": data_hash,
            "pairs": len(pairs),
            "curated_answers": len(entries),
            "base_model": f"{champion.model_name}@{champion.model_version}",
        },
        notes=f"MNRL fine-tune, {EPOCHS} epoch, batch {BATCH_SIZE}, lr {LEARNING_RATE}; metrics on English "
        "in-scope questions of the frozen eval set over the sample help center (hybrid retrieval); "
        f"{FEEDBACK_SOLVED}: share of the accepted corrections whose question gets the staff answer first "
        "(help center plus each model's curated answers).",
    )


def _feedback_mrr(index: KnowledgeIndex, pairs: list[tuple[str, str, str | None]]) -> float:
    sourced = [(q, s) for q, _, s in pairs if s]
    if not sourced:
        return 0.0
    ranked = [ranked_sources(index.search(q, k=30)) for q, _ in sourced]
    return float(
        np.mean([1.0 / (r.index(s) + 1) if s in r[:10] else 0.0 for r, (_, s) in zip(ranked, sourced, strict=True)])
    )


def _corrections_solved(index: KnowledgeIndex, curated: list[dict]) -> float:
    """Share of the accepted corrections the model answers correctly: asked the corrected question, its first
    passage is the staff's answer to that question (what the Support page then answers from and cites)."""
    solved = 0
    for entry in curated:
        top = index.search(entry["question"], k=1)
        if top and top[0].chunk.source == "curated-answers" and top[0].chunk.heading == entry["question"]:
            solved += top[0].chunk.text.strip() == entry["answer"].strip()
    return solved / len(curated) if curated else 0.0
