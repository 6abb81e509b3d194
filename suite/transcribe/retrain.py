"""Learn from reviewed corrections: a vocabulary list and a replacement dictionary for recurring mistakes.

Whisper's weights are not fine-tuned here (no GPU budget, tiny data); what corrections teach cheaply and
safely is which names it mishears. A phrase becomes a replacement only when the same mistake was corrected
at least `min_count` times and the misheard phrase never appears in any corrected text (so a real word
that is sometimes right is never rewritten). Terms that were typed in by correctors and look like names
(a capital letter or a digit) join the vocabulary passed to the decoder as hotwords / prompt.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

from suite.progress import Progress, no_progress
from suite.registry.champion import champion_dir
from suite.store import Store
from suite.training import TrainingOutcome, accepted_feedback
from suite.transcribe import queries
from suite.transcribe.vocabulary import apply_replacements, read_artifacts, workspace_vocabulary, write_artifacts
from suite.transcribe.wer import corpus_wer

logger = logging.getLogger(__name__)
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"
_WORD = re.compile(r"\S+")


def _key(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def _strip(word: str) -> str:
    return re.sub(r"^[^\w]+|[^\w]+$", "", word)


def _name_like(word: str) -> bool:
    return any(ch.isupper() or ch.isdigit() for ch in _strip(word))


def _name_runs(words: list[str], changed: set[int]) -> list[str]:
    """Runs of name-like words (with a capital or a digit) that touch a corrected position."""
    runs, current, touched = [], [], False
    for j, word in enumerate([*words, ""]):
        if word and _name_like(word) and not (current and words[j - 1].endswith((".", "?", "!", ","))):
            current.append(_strip(word))
            touched = touched or j in changed
            continue
        if current and touched:
            runs.append(" ".join(current))
        current, touched = ([_strip(word)], j in changed) if word and _name_like(word) else ([], False)
    return runs


def learn(pairs: list[tuple[str, str]], *, min_count: int = 2) -> tuple[list[str], dict[str, str]]:
    """From (original, corrected) texts: (vocabulary terms, {misheard phrase: right phrase}).

    Replacements are only learned for name-like targets (a product name always misheard), never for
    ordinary words, and only when `min_count` corrections agree.
    """
    fixes: Counter[tuple[str, str]] = Counter()
    terms: dict[str, str] = {}
    corrected_texts = [" ".join(_key(w) for w in _WORD.findall(c)) for _, c in pairs]
    for original, corrected in pairs:
        before, after = _WORD.findall(original), _WORD.findall(corrected)
        matcher = difflib.SequenceMatcher(a=[_key(w) for w in before], b=[_key(w) for w in after], autojunk=False)
        changed: set[int] = set()
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":  # same words, but a corrector may have fixed the spelling ("acme" -> "ACME")
                changed |= {j1 + k for k in range(j2 - j1) if _strip(before[i1 + k]) != _strip(after[j1 + k])}
                continue
            changed |= set(range(j1, j2))
            right = " ".join(_strip(w) for w in after[j1:j2]).strip()
            if op == "replace" and i2 - i1 <= 4 and j2 - j1 <= 4 and right and _name_like(right):
                wrong = " ".join(_key(w) for w in before[i1:i2]).strip()
                if wrong:
                    fixes[(wrong, right)] += 1
        for term in _name_runs(after, changed):
            terms.setdefault(term.lower(), term)
    replacements: dict[str, str] = {}
    for (wrong, right), count in fixes.most_common():
        padded = f" {wrong} "
        if count < min_count or wrong in replacements or any(padded in f" {text} " for text in corrected_texts):
            continue
        replacements[wrong] = right
    return list(terms.values()), replacements


def _accepted_corrections(store: Store) -> list[dict[str, Any]]:
    rows = accepted_feedback(store, "transcribe", ("correction",))
    stored = queries.corrections(store, [r["feedback_id"] for r in rows])  # whole texts (feedback keeps a preview)
    cases: dict[str, dict[str, Any]] = {}  # the latest accepted correction of each transcript counts once
    for row in rows:
        value = row["value"] if isinstance(row["value"], dict) else {}
        value = {**value, **{k: v for k, v in stored.get(row["feedback_id"], {}).items() if v is not None}}
        if value.get("original_text") is not None and value.get("corrected_text"):
            cases[value.get("transcript_id") or row["feedback_id"]] = {**value, "feedback_id": row["feedback_id"]}
    return list(cases.values())


class _Scorer:
    """Transcribes each clip once per vocabulary (memoised) and scores WER after replacements."""

    def __init__(self, store: Store) -> None:
        from pipelines.transcriber import load_transcriber

        settings = store.settings
        self.transcriber = load_transcriber(
            settings.transcribe_engine, settings.transcribe_model or None, settings.device
        )
        self.cache: dict[tuple[str, tuple[str, ...]], str] = {}

    def text(self, path: str, vocabulary: tuple[str, ...]) -> str:
        key = (path, vocabulary)
        if key not in self.cache:
            from pipelines.transcriber import TranscribeOptions

            self.cache[key] = self.transcriber.transcribe(path, TranscribeOptions(vocabulary=vocabulary)).text
        return self.cache[key]

    def wer(self, cases: list[tuple[str, str]], vocabulary: list[str], replacements: dict[str, str]) -> float:
        vocab = tuple(vocabulary)
        pairs = [(ref, apply_replacements(self.text(path, vocab), replacements)) for path, ref in cases]
        return round(corpus_wer(pairs), 4)


def frozen_eval_set() -> list[tuple[str, str]]:
    """(audio path, reference) for every short clip of the sample speech set (the long file is benchmark-only)."""
    references = json.loads((SAMPLE_DIR / "references.json").read_text())
    return [(str(SAMPLE_DIR / name), text) for name, text in references.items() if not name.startswith("long_")]


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress, min_count: int = 2) -> TrainingOutcome:
    """Build a challenger (vocabulary + replacements) from accepted corrections and score it beside the champion."""
    settings = store.settings
    cases = _accepted_corrections(store)
    progress(0, 4, f"{len(cases)} accepted corrections")
    old_vocab, old_repl = read_artifacts(champion_dir(settings, "transcribe"))
    learned, replacements = learn([(c["original_text"], c["corrected_text"]) for c in cases], min_count=min_count)
    new_vocab = list(dict.fromkeys([*old_vocab, *learned]))
    new_repl = {**old_repl, **replacements}
    write_artifacts(Path(output_dir), new_vocab, new_repl)
    workspace = workspace_vocabulary(settings)

    scorer = _Scorer(store)
    progress(1, 4, "scoring the current model on the sample speech set")
    frozen = frozen_eval_set()
    champion_wer = scorer.wer(frozen, [*workspace, *old_vocab], old_repl)
    progress(2, 4, "scoring the new vocabulary on the sample speech set")
    challenger_wer = scorer.wer(frozen, [*workspace, *new_vocab], new_repl)

    progress(3, 4, "scoring the corrected clips")
    feedback: dict[str, float] = {}
    with_audio = [(c["audio_path"], c["corrected_text"]) for c in cases if c.get("audio_path")]
    with_audio = [(p, ref) for p, ref in with_audio if Path(p).is_file()]
    if with_audio:
        feedback = {
            "champion": scorer.wer(with_audio, [*workspace, *old_vocab], old_repl),
            "challenger": scorer.wer(with_audio, [*workspace, *new_vocab], new_repl),
        }
    elif cases:  # audio gone: score the stored text with and without the new replacements
        text_pairs = [(c["corrected_text"], c["original_text"]) for c in cases]
        feedback = {
            "champion": round(corpus_wer(text_pairs), 4),
            "challenger": round(corpus_wer([(r, apply_replacements(h, new_repl)) for r, h in text_pairs]), 4),
        }
    progress(4, 4, "done")
    ids = [c["feedback_id"] for c in cases]
    return TrainingOutcome(
        module="transcribe",
        artifact_dir=Path(output_dir),
        primary_metric="wer",
        higher_is_better=False,
        challenger_metrics={"wer": challenger_wer},
        champion_metrics={"wer": champion_wer},
        feedback_metrics=feedback,
        trained_on={
            "feedback_ids": ids,
            "data_hash": hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16],
            "learned_vocabulary": learned,
            "learned_replacements": replacements,
        },
        notes=(
            f"{len(cases)} accepted corrections -> {len(learned)} new terms, {len(replacements)} replacements. "
            f"WER on the sample speech set {champion_wer:.3f} -> {challenger_wer:.3f}"
            + (f"; on corrected clips {feedback['champion']:.3f} -> {feedback['challenger']:.3f}." if feedback else ".")
        ),
    )
