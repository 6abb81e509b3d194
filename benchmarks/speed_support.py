"""Support speed (issue 17): answer latency at 1k and 100k chunks, index build, adding one article, recall of
the approximate index against exact search, and the frozen eval set's accuracy beside the speed.

Run: .venv/bin/python benchmarks/speed_support.py --tree PATH [--quick] [--json] [--profile FILE]

Measures the code in PATH (see benchmarks/speedkit.py). Only functions that exist in today's main too are
used: `suite.support.service` (ingest_paths, ask, remove_document), `retrieval.get_index`,
`retrieval.KnowledgeIndex(chunks, vectors, multi, embedder, device)` and `answers.answer_question`.

Questions: the 117 of the frozen eval set, then help-center sentences asked as they are, to 200 distinct
questions (a repeated question would only measure a cache); each answer loop stops after `--budget-s` seconds
(today's main needs seconds per answer), and the rows say how many were timed. `--quick` is a smoke run (20
questions, a 300-chunk index instead of 1k, no 100k index).

The 100k-chunk index: 100,000 synthetic passages (four sentences of the sample help center, recombined, seeded)
whose vectors are the normalised mean of their sentences' real vectors (embedding 100k passages would take
most of an hour on 2 cores; the index, BM25 and answer path see exactly the shape they would see).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from speedkit import Rows, emit, percentiles, profiled, setup


def _options(parser) -> None:
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--large", type=int, help="passages of the large index (default 100k; none with --quick)")
    parser.add_argument("--questions", type=int, default=200, help="distinct questions per answer loop")
    parser.add_argument("--budget-s", type=float, default=90.0, help="at most this long per answer loop")


ARGS = setup("support", __doc__, _options) if __name__ == "__main__" else None

import numpy as np  # noqa: E402


def sentences_of(chunks) -> list[str]:
    return sorted({s.strip() for c in chunks for s in c.text.split(". ") if len(s) > 30})


def synthetic_articles(folder: Path, chunks, count: int, seed: int = 7) -> list[Path]:
    """`count` one-passage Markdown articles of four recombined help-center sentences (seeded)."""
    rng = random.Random(seed)
    sentences = sentences_of(chunks)
    titles = sorted({c.title for c in chunks})
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        text = ". ".join(s.rstrip(".") for s in rng.sample(sentences, 4)) + "."
        path = folder / f"archive-{n:05d}.md"
        path.write_text(f"# Archive: {rng.choice(titles)} ({n})\n\n## Notes\n\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths


def questions_for(items, chunks, count: int) -> list[str]:
    """The eval set's questions, then help-center sentences, to `count` distinct questions."""
    out = list(dict.fromkeys(i.question for i in items))
    for sentence in sentences_of(chunks):
        if len(out) >= count:
            break
        if sentence not in out:
            out.append(sentence)
    return out[:count]


def timed_answers(ask, questions: list[str], budget_s: float) -> list[float]:
    """Latency (ms) of each question in turn, after 3 warm-up answers, until `budget_s` has passed."""
    for question in questions[:3]:
        ask(question)
    out: list[float] = []
    deadline = time.perf_counter() + budget_s
    for question in questions:
        started = time.perf_counter()
        ask(question)
        out.append((time.perf_counter() - started) * 1000)
        if started > deadline:
            break
    return out


def eval_accuracy(index, items) -> dict:
    from suite.support.evaluation import evaluate_retrieval

    out = {}
    for language in ("en", "zh"):
        m = evaluate_retrieval(index, [i for i in items if i.language == language and i.in_scope], "hybrid")
        out[language] = {"R@1": round(m["recall_at_1"], 4), "MRR": round(m["mrr"], 4), "n": m["n"]}
    return out


def small_kb_rows(rows: Rows, args, items) -> object:
    """Sample help center + synthetic articles to 1k chunks through the service: build, answers, one add."""
    from suite.settings import Settings
    from suite.store import Store
    from suite.support import service
    from suite.support.evaluation import KB_DIR, sample_kb_chunks
    from suite.support.retrieval import get_index

    home = args.home
    size = 300 if args.quick else 1000
    store = Store(Settings.from_env(home=home, device=os.environ.get("SUITE_DEVICE", "cpu")))
    sample = sample_kb_chunks()
    service.ingest_paths(store, [KB_DIR])
    articles = home.parent / "articles"
    synthetic_articles(articles, sample, size - len(sample))
    service.ingest_paths(store, [articles])
    from pipelines.multilingual_embedder import load_multilingual_embedder
    from suite.support.retrieval import serving_embedder

    serving_embedder(store.settings).embed(["warm"])  # a warm process has its models: not part of the build
    load_multilingual_embedder().embed(["warm"])
    started, cpu = time.perf_counter(), time.process_time()
    index = get_index(store)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    chunks = {"chunks": len(index.chunks)}
    rows.add(f"index build, {size} chunks (both embedders)", build_s, "s", chunks, ("<=", 15) if size >= 1000 else None)
    # CPU seconds of this process (all its threads): steadier than wall time on a machine shared with others
    rows.add(f"index build, {size} chunks, CPU time", build_cpu, "cpu-s")
    unchanged = []
    for _ in range(20):  # unchanged knowledge base: what every question pays before answering
        started = time.perf_counter()
        get_index(store)
        unchanged.append((time.perf_counter() - started) * 1000)
    rows.add("get_index, knowledge base unchanged (median of 20)", float(np.median(unchanged)), "ms")

    questions = questions_for(items, sample, 20 if args.quick else args.questions)
    ask = lambda q: service.ask(store, q)  # noqa: E731
    for embedder in (getattr(index, "embedder", None), getattr(index, "multilingual", None)):
        getattr(embedder, "clear", lambda: None)()  # questions answered for the first time
    cpu = time.process_time()
    with profiled(args.profile):
        latencies = timed_answers(ask, questions, args.budget_s)
    cpu_ms = (time.process_time() - cpu) * 1000 / (len(latencies) + min(3, len(questions)))
    p50, p95 = percentiles(latencies)
    what = f"answer (service.ask), {size}-chunk index"
    timed = {**chunks, "questions": len(latencies)}
    rows.add(f"{what}, p50", p50, "ms", timed)
    rows.add(f"{what}, p95", p95, "ms", timed, ("<=", 150) if size >= 1000 else None)
    rows.add(f"{what}, mean CPU time", cpu_ms, "cpu-ms")

    # Add one article, then the next answer (the index is updated, not rebuilt, where the code can).
    article = home.parent / "new-article.md"
    article.write_text(
        "# Zephyr Lamp pairing\n\n## Pairing the Zephyr Lamp\n\nHold the Zephyr button for 9 seconds until the "
        "lamp pulses violet. Then open the app and choose Add device, Zephyr Lamp. The lamp pairs within a minute.\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    service.ingest_paths(store, [article])
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    get_index(store)
    update_s = time.perf_counter() - started
    started = time.perf_counter()
    answer = service.ask(store, "How do I pair the Zephyr Lamp?")
    next_s = time.perf_counter() - started
    found = any(c.source == "new-article.md" for c in answer.citations)
    rows.add("add one article: ingest (parse + store)", ingest_s, "s")
    rows.add("add one article: index update", update_s, "s", {"new article cited": found})
    rows.add(
        "add one article: ingest + index update", ingest_s + update_s, "s", {"new article cited": found}, ("<=", 2)
    )
    rows.add("add one article: the next answer after the update", next_s, "s")
    started = time.perf_counter()
    service.remove_document(store, "new-article.md")
    get_index(store)
    rows.add("remove one article: delete + index update", time.perf_counter() - started, "s")
    store.close()
    return index


def large_index(size: int, items, settings):
    """A `size`-passage KnowledgeIndex of synthetic passages (see the module docstring)."""
    from pipelines.multilingual_embedder import load_multilingual_embedder
    from suite.support.evaluation import sample_kb_chunks
    from suite.support.models import Chunk
    from suite.support.retrieval import KnowledgeIndex, serving_embedder

    embedder = serving_embedder(settings)
    sample = sample_kb_chunks()
    sentences = sentences_of(sample)
    english = embedder.embed(sentences)
    multi = load_multilingual_embedder().embed(sentences)
    base_en = embedder.embed([c.indexed_text for c in sample])
    base_multi = load_multilingual_embedder().embed([c.short_text for c in sample])
    rng = np.random.default_rng(11)
    titles = sorted({c.title for c in sample})
    picks = np.array([rng.choice(len(sentences), 4, replace=False) for _ in range(size - len(sample))])
    chunks = list(sample)
    for n, pick in enumerate(picks):
        text = ". ".join(sentences[i].rstrip(".") for i in pick) + "."
        chunks.append(
            Chunk(
                f"archive-{n:06d}.md#0",
                f"archive-{n:06d}.md",
                0,
                f"Archive: {titles[n % len(titles)]}",
                "Notes",
                "",
                text,
            )
        )

    def mean(vectors: np.ndarray) -> np.ndarray:
        out = vectors[picks].mean(axis=1)
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    vectors = np.vstack([base_en, mean(english)])
    multi_vectors = np.vstack([base_multi, mean(multi)])
    started = time.perf_counter()
    index = KnowledgeIndex(chunks, vectors, multi_vectors, embedder, "cpu")
    return index, time.perf_counter() - started


def recall_at_10(index, items) -> float:
    """Share of the exact top 10 (numpy over all vectors) that the served dense index returns, per question."""
    queries = index.query_vectors([i.question for i in items if i.language == "en"])
    ids = index.dense_index.ids  # the rows of index.vectors, in old and new code
    recalls = []
    for q in queries:
        exact = set(np.argpartition(-(index.vectors @ q), 10)[:10].tolist())
        exact_ids = {ids[r] for r in exact}
        got = {h.id for h in index.dense_index.search(q, 10)[0]}
        recalls.append(len(exact_ids & got) / 10)
    return float(np.mean(recalls))


def large_rows(rows: Rows, args, items, settings, size: int) -> None:
    from suite.support.answers import answer_question
    from suite.support.evaluation import sample_kb_chunks

    index, build_s = large_index(size, items, settings)
    rows.add(f"index build from vectors, {size} chunks (FAISS + BM25)", build_s, "s")
    questions = questions_for(items, sample_kb_chunks(), args.questions)
    latencies = timed_answers(lambda q: answer_question(index, q, settings), questions, args.budget_s)
    p50, p95 = percentiles(latencies)
    what = f"answer (answer_question), {size}-chunk index"
    recall = recall_at_10(index, items)
    kind = getattr(index.dense_index, "kind", None) or type(getattr(index.dense_index, "_index", None)).__name__
    timed = {"questions": len(latencies), "faiss index": kind, "recall@10 vs exact": recall}
    rows.add(f"{what}, p50", p50, "ms", timed)
    rows.add(f"{what}, p95", p95, "ms", timed, ("<=", 400))
    rows.add(f"dense recall@10 vs exact search, {size} chunks", recall, "ratio", None, (">=", 0.98))


def main(args) -> Rows:
    from suite.settings import Settings
    from suite.support.evaluation import load_eval, sample_kb_chunks
    from suite.support.retrieval import KnowledgeIndex, serving_embedder

    items = load_eval()
    rows = Rows("support")
    settings = Settings.from_env(home=args.home, device=os.environ.get("SUITE_DEVICE", "cpu"))
    started = time.perf_counter()
    serving_embedder(settings).embed(["warm"])
    rows.add("load the English embedder (cold process)", time.perf_counter() - started, "s")
    small_kb_rows(rows, args, items)
    from pipelines.multilingual_embedder import load_multilingual_embedder
    from suite.support.retrieval import build_vectors

    sample = sample_kb_chunks()
    embedder = serving_embedder(settings)
    load_multilingual_embedder()
    vectors, multi = build_vectors(sample, embedder)
    accuracy = eval_accuracy(KnowledgeIndex(sample, vectors, multi, embedder, "cpu"), items)
    rows.add("eval set (sample help center), English hybrid R@1", accuracy["en"]["R@1"], "ratio", accuracy)
    rows.add("eval set (sample help center), English hybrid MRR", accuracy["en"]["MRR"], "ratio", accuracy)
    rows.add("eval set (sample help center), Chinese hybrid MRR", accuracy["zh"]["MRR"], "ratio", accuracy)
    large = args.large or (None if args.quick or args.skip_100k else 100_000)
    if large:
        large_rows(rows, args, items, settings, large)
    return rows


if __name__ == "__main__":
    emit(main(ARGS), ARGS.json)
