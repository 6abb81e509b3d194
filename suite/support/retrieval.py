"""Hybrid retrieval over the knowledge base: dense vectors (FAISS) + BM25, fused by reciprocal rank.

English questions use the suite's text embedder (MiniLM, or the promoted fine-tuned champion); Chinese
questions use the multilingual USE model, because MiniLM cannot read Chinese. Both indexes are built
once per knowledge-base content and cached under SUITE_HOME/support/index/<content hash>/.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.device import resolve_device
from pipelines.embedder import load_embedder
from pipelines.keyword_index import KeywordIndex
from pipelines.loading import load_once
from pipelines.multilingual_embedder import load_multilingual_embedder
from pipelines.vector_index import VectorIndex
from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.registry.champion import champion_dir
from suite.settings import Settings
from suite.store import Store
from suite.support import queries
from suite.support.models import Chunk, KnowledgeBaseEmpty

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "keyword")
RRF_K = 60
POOL = 50  # candidates taken from each retriever before fusion
KEEP_INDEXES = 3
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    score: float  # the ranking score of the mode used (RRF for hybrid)
    dense: float  # cosine between the question and the chunk (0 when unknown)
    keyword: float  # BM25 score (0 when no term matched)
    rank: int


class KnowledgeIndex:
    """Every chunk with its English and multilingual vectors, FAISS indexes and a BM25 index."""

    def __init__(
        self,
        chunks: list[Chunk],
        vectors: np.ndarray,
        multi: np.ndarray,
        embedder,
        device: str,
        indexes: tuple[VectorIndex, VectorIndex] | None = None,
    ) -> None:
        self.chunks = chunks
        self.vectors = vectors
        self.multi = multi
        self.embedder = embedder
        self.multilingual = load_multilingual_embedder()
        ids = [c.chunk_id for c in chunks]
        self.dense_index, self.multi_index = indexes or (
            VectorIndex.build(vectors, ids, device=device),
            VectorIndex.build(multi, ids, device=device),
        )
        self.keyword_index = KeywordIndex.build({c.chunk_id: c.indexed_text for c in chunks})
        self._row = {c.chunk_id: i for i, c in enumerate(chunks)}

    @property
    def model_name(self) -> str:
        return self.embedder.model_name

    @property
    def model_version(self) -> str:
        return self.embedder.model_version

    @property
    def device(self) -> str:
        return self.embedder.device

    def query_vector(self, question: str) -> tuple[np.ndarray, bool]:
        """The question's vector in the space that fits its language (True: multilingual)."""
        if is_chinese(question):
            return self.multilingual.embed([question])[0], True
        return self.embedder.embed([question])[0], False

    def query_vectors(self, questions: list[str]) -> list[np.ndarray]:
        """Question vectors in batches (one call per language): for evaluations and batch questions."""
        out: list[np.ndarray | None] = [None] * len(questions)
        for chinese, embed in ((False, self.embedder.embed), (True, self.multilingual.embed)):
            rows = [i for i, q in enumerate(questions) if is_chinese(q) == chinese]
            for i, vector in zip(rows, embed([questions[i] for i in rows]) if rows else [], strict=True):
                out[i] = vector
        return out  # type: ignore[return-value]

    def search(
        self, question: str, k: int = 5, mode: str = "hybrid", vector: np.ndarray | None = None
    ) -> list[Candidate]:
        """The k best passages for the question; `vector` skips embedding it (see `query_vectors`)."""
        if mode not in MODES:
            raise InvalidInput(f"Search mode must be one of {', '.join(MODES)}.")
        if not self.chunks:
            return []
        multilingual = is_chinese(question)
        query = vector if vector is not None else self.query_vector(question)[0]
        matrix, index = (self.multi, self.multi_index) if multilingual else (self.vectors, self.dense_index)
        keyword_hits = {h.id: h for h in self.keyword_index.search(question, POOL)} if mode != "dense" else {}
        dense_hits = [h.id for h in index.search(query, POOL)[0]] if mode != "keyword" else []
        if mode == "dense":
            ranked = [(cid, 0.0) for cid in dense_hits]
        elif mode == "keyword":
            ranked = [(cid, hit.score) for cid, hit in keyword_hits.items()]
        else:
            fused: dict[str, float] = {}
            for rank, cid in enumerate(dense_hits):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
            for hit in keyword_hits.values():
                fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (RRF_K + hit.rank + 1)
            ranked = sorted(fused.items(), key=lambda pair: -pair[1])
        out = []
        for rank, (cid, score) in enumerate(ranked[:k]):
            cosine = float(matrix[self._row[cid]] @ query)
            keyword = keyword_hits[cid].score if cid in keyword_hits else 0.0
            out.append(
                Candidate(self.chunks[self._row[cid]], score if mode != "dense" else cosine, cosine, keyword, rank)
            )
        return out


def serving_embedder(settings: Settings):
    """The champion's fine-tuned embedder when one is promoted, else the suite's default embedder."""
    champion = champion_dir(settings, "support")
    if champion is not None and (champion / "embedder").is_dir():
        return load_embedder(str(champion / "embedder"), device=settings.device)
    return load_embedder(settings.embedder_model or None, device=settings.device)


def curated_chunks(settings: Settings) -> list[Chunk]:
    """Q/A entries made from accepted corrections, shipped with the promoted champion."""
    champion = champion_dir(settings, "support")
    path = champion / "curated_qa.jsonl" if champion else None
    if path is None or not path.exists():
        return []
    chunks = []
    for position, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        entry = json.loads(line)
        chunks.append(
            Chunk(
                chunk_id=f"curated#{position}",
                source=entry.get("source") or "curated-answers",
                position=position,
                title="Answer reviewed by staff",
                heading=entry["question"],
                anchor="",
                text=entry["answer"],
            )
        )
    return chunks


def _content_key(chunks: list[Chunk], embedder) -> str:
    digest = hashlib.sha256(f"{embedder.model_name}|{embedder.model_version}|{embedder.model_path}".encode())
    for c in chunks:
        digest.update(f"\x00{c.chunk_id}\x01{c.indexed_text}".encode())
    return digest.hexdigest()[:20]


def build_vectors(chunks: list[Chunk], embedder, progress: Progress = no_progress) -> tuple[np.ndarray, np.ndarray]:
    texts = [c.indexed_text for c in chunks]
    progress(0, 2, "embedding (English)")
    vectors = embedder.embed(texts)
    progress(1, 2, "embedding (multilingual)")
    multi = load_multilingual_embedder().embed([c.short_text for c in chunks])
    progress(2, 2, "indexed")
    return vectors, multi


def get_index(store: Store, *, progress: Progress = no_progress, chunks: list[Chunk] | None = None) -> KnowledgeIndex:
    """The index for the knowledge base as it is now; cached in memory and on disk by content hash."""
    settings = store.settings
    if chunks is None:
        chunks = queries.chunks(store) + curated_chunks(settings)
    if not chunks:  # said before any model loads
        raise KnowledgeBaseEmpty(
            "The knowledge base is empty. Add help articles first (Knowledge base tab or `suite support ingest`)."
        )
    embedder = serving_embedder(settings)
    key = _content_key(chunks, embedder)
    device = resolve_device(settings.device)
    folder = settings.module_dir("support") / "index" / key

    def build() -> KnowledgeIndex:
        if (folder / "faiss-multi" / "index.faiss").exists():  # written last: the folder is complete
            vectors, multi = np.load(folder / "vectors.npy"), np.load(folder / "multi.npy")
            indexes = VectorIndex.load(folder / "faiss-en", device), VectorIndex.load(folder / "faiss-multi", device)
            logger.info("support index %s reloaded from disk", key)
            return KnowledgeIndex(chunks, vectors, multi, embedder, device, indexes)
        vectors, multi = build_vectors(chunks, embedder, progress)
        index = KnowledgeIndex(chunks, vectors, multi, embedder, device)
        _save(folder, index)
        return index

    # The index is a pure function of the chunks and the embedder, so stores with the same content share it.
    index = load_once(("support-index", key, device), build)
    if not (folder / "faiss-multi" / "index.faiss").exists():  # built for another SUITE_HOME in this process
        _save(folder, index)
    return index


def _save(folder: Path, index: KnowledgeIndex) -> None:
    """Write into a temporary folder and rename it, so a crash never leaves a half-written index."""
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "vectors.npy", index.vectors)
    np.save(tmp / "multi.npy", index.multi)
    index.dense_index.save(tmp / "faiss-en")
    index.multi_index.save(tmp / "faiss-multi")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    older = sorted((p for p in folder.parent.iterdir() if p.is_dir() and p != folder), key=lambda p: p.stat().st_mtime)
    for old in older[:-KEEP_INDEXES] if len(older) > KEEP_INDEXES else []:
        shutil.rmtree(old, ignore_errors=True)
