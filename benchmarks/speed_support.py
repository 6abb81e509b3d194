"""Support speed (issue 17): answer latency at 1k and 100k chunks, index build, adding one article, recall of
the approximate index against exact search, and the frozen eval set's accuracy beside the speed.

Run: .venv/bin/python benchmarks/speed_support.py --tree PATH [--quick] [--json] [--profile FILE]

PATH goes first on sys.path, so the numbers are those of the code in PATH (the lead's benchmarks/speed.py
runs this for today's main in a git worktree and for the working tree, back to back). Only functions that
exist in both are used: `suite.support.service` (ingest_paths, ask, remove_document), `retrieval.get_index`,
`retrieval.KnowledgeIndex(chunks, vectors, multi, embedder, device)` and `answers.answer_question`.

Every row is {module, what, value, unit, accuracy?}. `--quick` is a smoke run (fewer questions, a 300-chunk
index instead of 1k, no 100k index): its numbers prove the script works, not the speed.

The 100k-chunk index: 100,000 synthetic passages (four sentences of the sample help center, recombined, seeded)
whose vectors are the normalised mean of their sentences' real vectors (embedding 100k passages would take
most of an hour on 2 cores; the index, BM25 and answer path see exactly the shape they would see).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few questions")
    parser.add_argument("--json", action="store_true", help="print one JSON list of rows (else a table)")
    parser.add_argument("--profile", type=Path, help="write the cProfile top 25 of the 1k answers here")
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--large", type=int, help="passages of the large index (default 100k; none with --quick)")
    return parser.parse_args()


ARGS = _args() if __name__ == "__main__" else None
if ARGS is not None:
    sys.path.insert(0, str(ARGS.tree.resolve()))

import numpy as np  # noqa: E402


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def row(what: str, value: float, unit: str, accuracy: dict | None = None) -> dict:
    out = {"module": "support", "what": what, "value": round(float(value), 4), "unit": unit}
    if accuracy is not None:
        out["accuracy"] = accuracy
    return out


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


def timed_answers(ask, questions: list[str]) -> list[float]:
    for question in questions[:3]:  # warm-up
        ask(question)
    out = []
    for question in questions:
        started = time.perf_counter()
        ask(question)
        out.append((time.perf_counter() - started) * 1000)
    return out


def eval_accuracy(index, items) -> dict:
    from suite.support.evaluation import evaluate_retrieval

    out = {}
    for language in ("en", "zh"):
        m = evaluate_retrieval(index, [i for i in items if i.language == language and i.in_scope], "hybrid")
        out[language] = {"R@1": round(m["recall_at_1"], 4), "MRR": round(m["mrr"], 4), "n": m["n"]}
    return out


def profile_top(fn, path: Path, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
    buffer.write("\n--- by own time ---\n")
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    path.write_text(buffer.getvalue())


def small_kb_rows(home: Path, args, items) -> tuple[list[dict], object]:
    """Sample help center + synthetic articles to 1k chunks through the service: build, answers, one add."""
    from suite.settings import Settings
    from suite.store import Store
    from suite.support import service
    from suite.support.evaluation import KB_DIR, sample_kb_chunks
    from suite.support.retrieval import get_index

    rows = []
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
    n_chunks = len(index.chunks)
    rows.append(row(f"index build, {n_chunks} chunks (both embedders)", time.perf_counter() - started, "s"))
    # CPU seconds of this process (all its threads): steadier than wall time on a machine shared with others
    rows.append(row(f"index build, {n_chunks} chunks, CPU time", time.process_time() - cpu, "cpu-s"))
    unchanged = []
    for _ in range(20):  # unchanged knowledge base: what every question pays before answering
        started = time.perf_counter()
        get_index(store)
        unchanged.append((time.perf_counter() - started) * 1000)
    rows.append(row("get_index, knowledge base unchanged (median of 20)", float(np.median(unchanged)), "ms"))

    questions = [i.question for i in items][: 20 if args.quick else None]
    ask = lambda q: service.ask(store, q)  # noqa: E731
    cpu = time.process_time()
    latencies = timed_answers(ask, questions)
    cpu_ms = (time.process_time() - cpu) * 1000 / (len(latencies) + min(3, len(questions)))
    p50, p95 = percentiles(latencies)
    what = f"answer (service.ask), {n_chunks}-chunk index, {len(latencies)} questions"
    rows.append(row(f"{what}, p50", p50, "ms"))
    rows.append(row(f"{what}, p95", p95, "ms"))
    rows.append(row(f"{what}, mean CPU time", cpu_ms, "cpu-ms"))
    if args.profile:  # questions answered for the first time: empty the vector caches where the code has them
        for embedder in (getattr(index, "embedder", None), getattr(index, "multilingual", None)):
            getattr(embedder, "clear", lambda: None)()
        profile_top(lambda: [ask(q) for q in questions], args.profile)

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
    rows.append(row("add one article: ingest (parse + store)", ingest_s, "s"))
    rows.append(row("add one article: index update", update_s, "s", {"new article cited": found}))
    rows.append(row("add one article: the next answer after the update", next_s, "s"))
    started = time.perf_counter()
    service.remove_document(store, "new-article.md")
    get_index(store)
    rows.append(row("remove one article: delete + index update", time.perf_counter() - started, "s"))
    store.close()
    return rows, index


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


def large_rows(items, settings, size: int) -> list[dict]:
    from suite.support.answers import answer_question

    index, build_s = large_index(size, items, settings)
    rows = [row(f"index build from vectors, {size} chunks (FAISS + BM25)", build_s, "s")]
    questions = [i.question for i in items]
    latencies = timed_answers(lambda q: answer_question(index, q, settings), questions)
    p50, p95 = percentiles(latencies)
    what = f"answer (answer_question), {size}-chunk index, {len(latencies)} questions"
    accuracy = {"recall@10 vs exact": round(recall_at_10(index, items), 4)}
    kind = getattr(index.dense_index, "kind", None) or type(getattr(index.dense_index, "_index", None)).__name__
    rows.append(row(f"{what}, p50", p50, "ms", {"faiss index": kind}))
    rows.append(row(f"{what}, p95", p95, "ms", accuracy))
    rows.append(row(f"dense recall@10 vs exact search, {size} chunks", accuracy["recall@10 vs exact"], "ratio"))
    return rows


def main(args: argparse.Namespace) -> None:
    from suite.settings import Settings
    from suite.support.evaluation import load_eval, sample_kb_chunks
    from suite.support.retrieval import KnowledgeIndex, serving_embedder

    items = load_eval()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="speed-support-") as tmp:
        home = Path(tmp) / "home"
        os.environ["SUITE_HOME"] = str(home)
        settings = Settings.from_env(home=home, device=os.environ.get("SUITE_DEVICE", "cpu"))
        started = time.perf_counter()
        serving_embedder(settings).embed(["warm"])
        rows.append(row("load the English embedder (cold process)", time.perf_counter() - started, "s"))
        rows += small_kb_rows(home, args, items)[0]
        from pipelines.multilingual_embedder import load_multilingual_embedder
        from suite.support.retrieval import build_vectors

        sample = sample_kb_chunks()
        embedder = serving_embedder(settings)
        load_multilingual_embedder()
        vectors, multi = build_vectors(sample, embedder)
        accuracy = eval_accuracy(KnowledgeIndex(sample, vectors, multi, embedder, "cpu"), items)
        rows.append(row("eval set (sample help center), English hybrid R@1", accuracy["en"]["R@1"], "ratio", accuracy))
        rows.append(row("eval set (sample help center), English hybrid MRR", accuracy["en"]["MRR"], "ratio", accuracy))
        rows.append(row("eval set (sample help center), Chinese hybrid MRR", accuracy["zh"]["MRR"], "ratio", accuracy))
        large = args.large or (None if args.quick or args.skip_100k else 100_000)
        if large:
            rows += large_rows(items, settings, large)
    load = os.getloadavg()
    rows.append(row("load average (1 min) at the end", load[0], "procs", {"cpus": os.cpu_count()}))
    if args.json:
        sys.stdout.write(json.dumps(rows) + "\n")
    else:
        for r in rows:
            sys.stdout.write(f"{r['what']}: {r['value']} {r['unit']} {r.get('accuracy', '')}\n")


if __name__ == "__main__":
    main(ARGS)
