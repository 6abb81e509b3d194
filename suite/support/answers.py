"""Grounded answers: retrieve, decide whether we know, condense the passages to the sentences that answer.

Refusal rule (calibrated on sample_data/support/eval.jsonl by benchmarks/support.py): the evidence is the
best cosine similarity between the question and a retrieved passage, in the space of the question's
language. `confidence = logistic((evidence - threshold) / 0.05)`, so confidence >= 0.5 exactly when the
evidence reaches the threshold; below it the bot says it does not know and offers a handoff.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata

import numpy as np

from pipelines.keyword_index import tokenize
from suite.errors import ModelUnavailable
from suite.registry.champion import champion_dir
from suite.settings import Settings
from suite.support import calibration
from suite.support.llm import LLMError, write_answer
from suite.support.local_llm import read_reply, write_locally
from suite.support.models import Answer, Citation, InvalidQuestion, Passage
from suite.support.retrieval import Candidate, KnowledgeIndex, is_chinese

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# Measured with the bundled MiniLM / USE on the sample eval set (see benchmarks/RESULTS.md, support section).
DEFAULT_THRESHOLDS = {"en": 0.27, "zh": 0.23}
CONFIDENCE_SCALE = 0.05
MAX_SENTENCES = 3
MAX_CITATIONS = 3
CITE_MARGIN = 0.08  # a second article is cited when its passage is within this cosine of the best
SENTENCE_MARGIN = 0.12
CODE = re.compile(r"\b[A-Za-z]{1,3}-?\d+[A-Za-z0-9]*\b")
CODE_BONUS = 0.15
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
ZH_QUESTION_WORDS = frozenset({"如何", "怎么", "怎么办", "怎样", "什么", "可以", "我的", "为什么", "是否"})
SECTION_WEIGHT = 0.3  # see pick_sections; chosen on sample_data/support/eval_sections.jsonl (benchmarks/support.py)
# Said in Chinese above an answer quoted from English articles, when the help center has no Chinese passage for it.
ONLY_ENGLISH = "帮助中心目前只有这方面的英文文章，以下答案摘自英文原文。"
DECLINE = {
    "en": "I'm not sure about that one, and I don't want to guess. I can pass your question to a colleague.",
    "zh": "抱歉，我不确定这个问题的答案，不想猜测。我可以把您的问题转给同事处理。",
}


def thresholds(settings: Settings) -> dict[str, float]:
    """The champion's calibrated thresholds when it ships them (its embedder has its own score scale)."""
    champion = champion_dir(settings, "support")
    path = champion / "thresholds.json" if champion else None
    if path is not None and path.exists():
        return {**DEFAULT_THRESHOLDS, **json.loads(path.read_text())}
    return dict(DEFAULT_THRESHOLDS)


def confidence_from(evidence: float, threshold: float) -> float:
    return 1.0 / (1.0 + math.exp(-(evidence - threshold) / CONFIDENCE_SCALE))


def clean_text(text: str) -> str:
    """Typed text (a question, a correction) as it is stored: NFC, without control or invisible format
    characters and without lone surrogates (undecodable bytes from a terminal); newlines and tabs are kept."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\t":
            kept.append(ch)
        elif category == "Cc":
            kept.append(" ")
        elif category not in ("Cf", "Cs"):
            kept.append(ch)
    return "".join(kept).strip()


def clean_question(question: str | None) -> str:
    """The question as it is answered and logged; refuses one that is empty, has no words, or is too long."""
    question = question or ""
    too_long = InvalidQuestion(
        f"That question is {len(question):,} characters long; please keep it under {MAX_QUESTION_CHARS:,} "
        "characters (describe the problem and paste only the error message)."
    )
    if len(question) > 20 * MAX_QUESTION_CHARS:  # refused before any work on it
        raise too_long
    text = re.sub(r"\s+", " ", clean_text(question)).strip()
    if not text:
        raise InvalidQuestion("Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise too_long
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise InvalidQuestion("Please type a question in words (that one has no letters or digits).")
    return text


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s+", text) if s.strip()]


def condense(index: KnowledgeIndex, question: str, cited: list[tuple[int, Candidate]]) -> str:
    """The sentences of the cited passages closest to the question, in reading order, each with its [n]."""
    pool = [(number, c.chunk.position, i, s) for number, c in cited for i, s in enumerate(_sentences(c.chunk.text))]
    if not pool:
        return ""
    chinese = is_chinese(question)
    embed = index.multilingual.embed if chinese else index.embedder.embed
    vectors = embed([question] + [s for *_, s in pool])
    scores = vectors[1:] @ vectors[0]
    # Exact product names and error codes ("E-4012", "Hub H2") in the question pull their sentences up.
    codes = {code.lower() for code in CODE.findall(question)}
    if codes:
        scores = scores + np.array([CODE_BONUS * sum(c in s.lower() for c in codes) for *_, s in pool])
    best = float(scores.max())
    order = np.argsort(-scores)
    chosen = [int(i) for i in order[:MAX_SENTENCES] if scores[i] >= best - SENTENCE_MARGIN]
    chosen.sort(key=lambda i: (pool[i][0], pool[i][1], pool[i][2]))
    return " ".join(f"{pool[i][3]} [{pool[i][0]}]" for i in chosen)


def jieba_words(text: str) -> list[str]:
    import jieba  # loaded on the first Chinese question only

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.cut(text) if w.strip()]


def _stems(text: str) -> set[str]:
    """Keyword tokens cut to their first 5 characters ("resetting" and "reset", "changing" and "change" meet);
    Chinese as jieba words of two or more characters without question words (no character bigrams: "何重" and
    "置密" of 如何重置密码 would dilute the share)."""
    latin = {token[:5] for token in tokenize(_CJK_RUN.sub(" ", text))}
    chinese = {w for run in _CJK_RUN.findall(text) for w in jieba_words(run) if len(w) > 1} - ZH_QUESTION_WORDS
    return latin | chinese


def section_words(question: str, chunk) -> float:
    """The share of the question's keywords found in a section's own heading and text (not its article title,
    which every section of the article shares)."""
    wanted = _stems(question)
    if not wanted:
        return 0.0
    return len(wanted & _stems(f"{chunk.heading} {chunk.text}")) / len(wanted)


def pick_sections(question: str, candidates: list[Candidate], weight: float = SECTION_WEIGHT) -> list[Candidate]:
    """The best-ranked article's sections re-ordered by cosine + `weight` x the share of the question's words
    that the section itself holds.

    Retrieval scores a section with its article title and heading, so "How do I reset my password?" ranks all
    sections of "Resetting your account password" alike and led with the change-password one, which never says
    "reset". Other articles keep their places."""
    if not candidates or weight <= 0:
        return candidates
    top = candidates[0].chunk.source
    same = [c for c in candidates if c.chunk.source == top]
    if len(same) < 2:
        return candidates
    ordered = iter(sorted(same, key=lambda c: -(c.dense + weight * section_words(question, c.chunk))))
    return [next(ordered) if c.chunk.source == top else c for c in candidates]


def prefer_language(candidates: list[Candidate], language: str) -> list[Candidate]:
    """For a Chinese question, Chinese passages first among those nearly as close as the best one (an article
    and its translation answer alike; the asker reads the one in their language)."""
    if language != "zh" or not candidates:
        return candidates
    best = max(c.dense for c in candidates)
    near = [c for c in candidates if c.dense >= best - CITE_MARGIN]
    chinese = [c for c in near if is_chinese(c.chunk.text)]
    if not chinese:
        return candidates
    return chinese + [c for c in candidates if c not in chinese]


def answer_question(
    index: KnowledgeIndex, question: str, settings: Settings, *, mode: str = "hybrid", k: int = 5
) -> Answer:
    """Answer one (already cleaned) question from the index; no logging."""
    language = "zh" if is_chinese(question) else "en"
    candidates = index.search(question, k=k, mode=mode)
    threshold = thresholds(settings)[language]
    evidence = max((c.dense for c in candidates), default=0.0)
    # The probability that the answer is right (see suite.support.calibration), fitted with the model version.
    confidence = round(
        calibration.load(champion_dir(settings, "support")).probability(*calibration.features(candidates, threshold)), 4
    )
    answered = evidence >= threshold
    candidates = pick_sections(question, prefer_language(candidates, language))
    # Cite the best-ranked article, plus others whose best passage is nearly as close (one passage each).
    cited: list[tuple[int, Candidate]] = []
    for candidate in candidates:
        if len(cited) >= MAX_CITATIONS:
            break
        if cited and candidate.dense < max(threshold, cited[0][1].dense - CITE_MARGIN):
            continue
        if all(candidate.chunk.source != c.chunk.source for _, c in cited):
            cited.append((len(cited) + 1, candidate))
    citations = [
        Citation(
            n, c.chunk.source, c.chunk.title, c.chunk.heading, c.chunk.anchor, round(max(c.dense, 0.0), 4), c.chunk.text
        )
        for n, c in cited
    ]
    result = Answer(
        question=question,
        answer=DECLINE[language],
        answered=answered,
        confidence=confidence,
        citations=citations if answered else [],
        language=language,
        model_name=index.model_name,
        model_version=index.model_version,
        device=index.device,
        candidates=[
            Passage(c.chunk.source, c.chunk.title, round(max(c.dense, 0.0), 4), c.chunk.text) for c in candidates
        ],
    )
    if not answered:
        return result
    result.answer = condense(index, question, cited)
    if language == "zh" and not any(is_chinese(c.chunk.text) for _, c in cited):
        result.note = ONLY_ENGLISH
    if settings.llm == "local" or settings.llm_url:
        passages = [c.chunk.indexed_text for _, c in cited]
        try:
            if settings.llm == "local":
                written = write_locally(settings, question, passages, chinese=language == "zh")
            else:
                reply = write_answer(settings.llm_url, settings.llm_model, question, passages)
                written = read_reply(reply, len(passages))
            result.written_by = "llm"
            if not written.answered:  # the model found no answer in the passages: decline, offer a person
                result.answered, result.answer, result.citations, result.note = False, DECLINE[language], [], ""
            else:
                result.answer = written.text
                if written.cited:  # keep the sources the model cited (numbers unchanged, so [n] still match)
                    result.citations = [c for c in result.citations if c.number in written.cited]
        except Exception as err:  # noqa: BLE001 - the writer is optional: any failure means the quoted answer
            if isinstance(err, (LLMError, ModelUnavailable)):
                logger.warning(
                    "LLM %s failed (%s); using the extractive answer",
                    "endpoint" if settings.llm != "local" else "writer",
                    err,
                )
            else:
                logger.exception("LLM writer failed unexpectedly; using the extractive answer")
            result.note = "The writing assistant could not be reached, so this answer is quoted from the articles."
    return result
