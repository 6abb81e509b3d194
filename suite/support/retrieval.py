"""Hybrid retrieval over the knowledge base: dense vectors (FAISS) + BM25, fused by reciprocal rank.

English questions use the suite's text embedder (MiniLM, or the promoted fine-tuned champion); Chinese
questions use the multilingual USE model, because MiniLM cannot read Chinese. Both indexes are built
once and then kept in step with the knowledge base article by article (see `suite.support.index_store`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.embedder import cached_embedder, load_embedder, text_key
from pipelines.keyword_index import KeywordIndex
from pipelines.loading import load_once
from pipelines.multilingual_embedder import load_multilingual_embedder
from pipelines.vector_index import VectorIndex
from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.registry.champion import champion_dir, champion_version
from suite.settings import Settings
from suite.store import Store
from suite.support.glossary import expand
from suite.support.models import Chunk, KnowledgeBaseEmpty

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "keyword")
RRF_K = 60
POOL = 50  # candidates taken from each retriever before fusion
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
    """Every chunk with its English and multilingual vectors, their vector indexes and a BM25 index.

    Changes go in place (`apply`: chunks added, replaced or removed), so adding one article costs that
    article's embeddings, not a rebuild. Searches and changes take one lock, so a search never sees half a
    change. Both embedders are wrapped in a per-model vector cache (`pipelines.embedder.cached_embedder`).
    """

    def __init__(
        self,
        chunks: list[Chunk],
        vectors: np.ndarray,
        multi: np.ndarray,
        embedder,
        device: str,
        indexes: tuple[VectorIndex, VectorIndex] | None = None,
    ) -> None:
        self.embedder = cached_embedder(embedder)
        self.multilingual = cached_embedder(load_multilingual_embedder())
        self._device = device
        self._lock = threading.RLock()
        self._chunks: dict[str, Chunk] = {c.chunk_id: c for c in chunks}
        ids = [c.chunk_id for c in chunks]
        self.dense_index, self.multi_index = indexes or (
            VectorIndex.build(vectors, ids, device=device),
            VectorIndex.build(multi, ids, device=device),
        )
        # What each chunk's vectors were computed from, so a changed text is re-embedded and an unchanged one not.
        self.embedded: dict[str, tuple[str, str]] = {
            c.chunk_id: (text_key(c.indexed_text), text_key(c.short_text)) for c in chunks
        }
        self.keyword_index = KeywordIndex.build({c.chunk_id: c.indexed_text for c in chunks})

    @property
    def chunks(self) -> list[Chunk]:
        with self._lock:
            return list(self._chunks.values())

    @property
    def size(self) -> int:
        return len(self._chunks)

    @property
    def vectors(self) -> np.ndarray:
        """English vectors, one row per id of `dense_index.ids`."""
        return self.dense_index.matrix

    @property
    def multi(self) -> np.ndarray:
        return self.multi_index.matrix

    @property
    def model_name(self) -> str:
        return self.embedder.model_name

    @property
    def model_version(self) -> str:
        return self.embedder.model_version

    @property
    def device(self) -> str:
        return self.embedder.device

    def apply(self, chunks: list[Chunk], removed: list[str] | tuple = (), progress: Progress = no_progress) -> int:
        """Add or replace `chunks` and drop the chunks `removed` (ids); returns how many texts were embedded.

        Only chunks whose text changed are embedded again; the rest keep their vectors."""
        with self._lock:
            known = dict(self.embedded)
        changed_en = [c for c in chunks if known.get(c.chunk_id, ("", ""))[0] != text_key(c.indexed_text)]
        changed_multi = [c for c in chunks if known.get(c.chunk_id, ("", ""))[1] != text_key(c.short_text)]
        progress(0, 2, "embedding (English)")
        vectors = embed_sorted(self.embedder, [c.indexed_text for c in changed_en])
        progress(1, 2, "embedding (multilingual)")
        multi = embed_sorted(self.multilingual, [c.short_text for c in changed_multi])
        with self._lock:
            gone = list(removed)
            for space, changed, new in (
                (self.dense_index, changed_en, vectors),
                (self.multi_index, changed_multi, multi),
            ):
                space.remove(gone + [c.chunk_id for c in changed])
                space.add(new, [c.chunk_id for c in changed])
            self.keyword_index.remove(gone)
            self.keyword_index.add({c.chunk_id: c.indexed_text for c in chunks})
            for cid in gone:
                self._chunks.pop(cid, None)
                self.embedded.pop(cid, None)
            for c in chunks:
                self._chunks[c.chunk_id] = c
                self.embedded[c.chunk_id] = (text_key(c.indexed_text), text_key(c.short_text))
        progress(2, 2, "indexed")
        return len(changed_en) + len(changed_multi)

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
        if not self._chunks:
            return []
        multilingual = is_chinese(question)
        query = vector if vector is not None else self.query_vector(question)[0]
        index = self.multi_index if multilingual else self.dense_index
        with self._lock:
            # A Chinese question also searches the English words of its known terms (suite.support.glossary).
            words = expand(question) if multilingual else question
            keyword_hits = {h.id: h for h in self.keyword_index.search(words, POOL)} if mode != "dense" else {}
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
                cosine = float(index.vector(cid) @ query)
                keyword = keyword_hits[cid].score if cid in keyword_hits else 0.0
                out.append(Candidate(self._chunks[cid], score if mode != "dense" else cosine, cosine, keyword, rank))
        return out


def embed_sorted(embedder, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Embed texts longest first in batches of similar length (less padding), returned in the given order."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = embedder.embed([texts[i] for i in order], batch_size=batch_size)
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def serving_embedder(settings: Settings):
    """The embedder questions and articles are embedded with: `local_serving_embedder` in this process, or its
    Ray Serve deployment when SUITE_RAY_ADDRESS is set (`pipelines.serving`; the same vectors either way)."""
    from pipelines.serving import served

    version = champion_version(settings, "support") or "default"
    return served(settings, kind="text", module="support", version=version, local=local_serving_embedder)


def local_serving_embedder(settings: Settings):
    """The champion's fine-tuned embedder when one is promoted, else the suite's default embedder.

    On the CPU the model runs exported to ONNX (`pipelines.onnx_text`: the same vectors, checked at export,
    in a fraction of the time); on a GPU, or when the export is not possible, the torch model serves.
    """
    champion = champion_dir(settings, "support")
    if champion is not None and (champion / "embedder").is_dir():
        torch_model = load_embedder(str(champion / "embedder"), device=settings.device)
    else:
        torch_model = load_embedder(settings.embedder_model or None, device=settings.device)
    if torch_model.device != "cpu" or not torch_model.model_path:
        return torch_model
    return _onnx_or(torch_model, settings)


def _onnx_or(torch_model, settings: Settings):
    """The ONNX export of `torch_model` (made once under SUITE_HOME/models/onnx/), else `torch_model` itself.

    Decided once per process and model version: a failed export is not tried again on every question."""
    key = embedder_key(torch_model)

    def build():
        try:
            from pipelines.onnx_text import export_dir, export_embedder, load_onnx_embedder

            version = torch_model.model_version
            folder = export_dir(settings.models_dir, torch_model.model_path, version)  # the same export as risk's
            folder = export_embedder(torch_model.model_path, folder, version=version)
            if folder is None:
                return torch_model
            return Exported(load_onnx_embedder(folder), torch_model)
        except ImportError as err:  # ONNX Runtime not installed
            logger.warning("no ONNX runtime (%s); answering with the torch model", err)
        except Exception:  # noqa: BLE001 - an export that fails leaves the torch model serving
            logger.exception("could not export %s to ONNX; answering with the torch model", torch_model.model_name)
        return torch_model

    return load_once(("support-exported-embedder", key), build)


class Exported:
    """The ONNX export of a torch embedder under the torch model's name, version and path (what usage logs and
    the registry know it by); `runtime` says what computes the vectors (part of their cache key)."""

    def __init__(self, onnx, torch_model) -> None:
        self.onnx = onnx
        self.model_name = torch_model.model_name
        self.model_version = torch_model.model_version
        self.model_path = torch_model.model_path
        self.device = "cpu"
        self.runtime = f"onnx-{getattr(onnx, 'backend', 'cpu')}"
        self.dimension = int(onnx.dimension)

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        return self.onnx.embed(list(texts), batch_size=batch_size)


def curated_chunks(settings: Settings) -> list[Chunk]:
    """Q/A entries made from accepted corrections, shipped with the promoted champion (parsed once per file
    version: the cache is keyed by the file's path, size and modification time)."""
    champion = champion_dir(settings, "support")
    path = champion / "curated_qa.jsonl" if champion else None
    if path is None:
        return []
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    return list(_parse_curated(str(path), stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _parse_curated(path: str, size: int, mtime_ns: int) -> tuple[Chunk, ...]:
    del size, mtime_ns  # part of the cache key only
    return tuple(
        curated_entry_chunks([json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()])
    )


def curated_entry_chunks(entries: list[dict]) -> list[Chunk]:
    """Curated Q/A entries ({"question", "answer", "source"}) as the chunks the index serves them as."""
    return [
        Chunk(
            chunk_id=f"curated#{position}",
            source=entry.get("source") or "curated-answers",
            position=position,
            title="Answer reviewed by staff",
            heading=entry["question"],
            anchor="",
            text=entry["answer"],
        )
        for position, entry in enumerate(entries)
    ]


def embedder_key(embedder) -> str:
    """Names the vectors an embedder makes: its name, version, weights (folder, file sizes and times) and
    runtime, so new weights under an old version name (a reinstalled package) are not mistaken for the old."""
    runtime = getattr(embedder, "runtime", "torch")
    path = embedder.model_path
    text = f"{embedder.model_name}|{embedder.model_version}|{path}|{_weights_stamp(path) if path else ''}|{runtime}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=32)
def _weights_stamp(path: str) -> str:
    folder = Path(path)
    files = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) if folder.is_dir() else []
    return ",".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)


def build_vectors(chunks: list[Chunk], embedder, progress: Progress = no_progress) -> tuple[np.ndarray, np.ndarray]:
    """English and multilingual vectors of chunks (longest first in batches, through the vector caches)."""
    progress(0, 2, "embedding (English)")
    vectors = embed_sorted(cached_embedder(embedder), [c.indexed_text for c in chunks])
    progress(1, 2, "embedding (multilingual)")
    multi = embed_sorted(cached_embedder(load_multilingual_embedder()), [c.short_text for c in chunks])
    progress(2, 2, "indexed")
    return vectors, multi


def get_index(store: Store, *, progress: Progress = no_progress, chunks: list[Chunk] | None = None) -> KnowledgeIndex:
    """The index for the knowledge base as it is now.

    One process-wide index per (embedder, device) follows the store: each call reads one small stamp of the
    documents; when it changed, only the documents that changed are read and embedded (see
    `suite.support.index_store`). Vectors are also kept on disk under SUITE_HOME/support/index/, so a restart
    embeds nothing that did not change. `chunks` instead gives a fixed set of chunks (indexed once, cached by
    their content).
    """
    from suite.support.index_store import fixed_index, live_index

    settings = store.settings
    if chunks is not None:
        if not chunks:
            raise KnowledgeBaseEmpty(EMPTY)
        return fixed_index(settings, chunks, progress)
    return live_index(store, progress)


EMPTY = "The knowledge base is empty. Add help articles first (Knowledge base tab or `suite support ingest`)."
