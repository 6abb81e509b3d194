"""The served knowledge-base index, kept in step with the store article by article, and its vectors on disk.

Per question: one small aggregate query (`queries.knowledge_stamp`: how many documents and two order-free hashes
of their sources and content hashes) and a stat of the champion's curated answers. Only when that changed are
the documents' content hashes read; the documents that are new, replaced or gone are the only ones whose
chunks are read, embedded (chunks whose text did not change keep their vectors) and put into the index in
place (`KnowledgeIndex.apply`).

On disk, SUITE_HOME/support/index/ holds one folder per vector space: `en-<embedder key>` (the English embedder
served: the bundled MiniLM or a promoted fine-tune) and `multi-<model key>` (the multilingual model), each
with the vectors, their chunk ids and the digest of the text each vector was computed from. A restart reuses
every vector whose chunk text is unchanged; a new champion re-embeds the English space only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from pipelines.device import resolve_device
from pipelines.loading import load_once
from pipelines.multilingual_embedder import load_multilingual_embedder
from pipelines.vector_index import VectorIndex
from suite.errors import StoreBusy
from suite.progress import Progress, no_progress
from suite.settings import Settings
from suite.store import Store
from suite.support import queries
from suite.support.models import Chunk, KnowledgeBaseEmpty
from suite.support.retrieval import EMPTY, KnowledgeIndex, curated_chunks, embedder_key, serving_embedder

logger = logging.getLogger(__name__)

CURATED = "\x00curated"  # the champion's curated answers, tracked like one more document
KEEP_SPACES = 3  # English vector folders kept (one per embedder served lately)


BUSY_WAIT_S = 2.0  # how long a question waits for a database another process holds, when an index is loaded
_last: list[LiveIndex] = []  # the index served last (to answer from while the database is busy)


def live_index(store: Store, progress: Progress = no_progress) -> KnowledgeIndex:
    settings = store.settings
    folder = settings.module_dir("support") / "index"
    served = next((live for live in _last if live.index is not None and live.last_folder == folder), None)
    try:  # read before the documents: a change after it shows next time
        stamp = queries.knowledge_stamp(store, wait_s=BUSY_WAIT_S if served else None)
    except StoreBusy:
        if served is None:
            raise
        logger.warning("database busy: answering from the knowledge base as last read")
        return served.index  # type: ignore[return-value]
    curated = curated_chunks(settings)
    if stamp[0] == 0 and not curated:  # said before any model loads
        raise KnowledgeBaseEmpty(EMPTY)
    embedder = serving_embedder(settings)
    device = resolve_device(settings.device)
    live = load_once(("support-index", embedder_key(embedder), device), lambda: LiveIndex(embedder, device))
    index = live.sync(store, stamp, curated, progress)
    _last[:] = [live]
    return index


def fixed_index(settings: Settings, chunks: list[Chunk], progress: Progress = no_progress) -> KnowledgeIndex:
    """An index of exactly `chunks` (not following a store), cached by their content and the embedder."""
    embedder = serving_embedder(settings)
    device = resolve_device(settings.device)
    digest = hashlib.sha256(embedder_key(embedder).encode())
    for c in chunks:
        digest.update(f"\x00{c.chunk_id}\x01{c.indexed_text}".encode())

    def build() -> KnowledgeIndex:
        index = KnowledgeIndex([], _empty(embedder), _empty(load_multilingual_embedder()), embedder, device)
        index.apply(chunks, progress=progress)
        return index

    return load_once(("support-fixed-index", digest.hexdigest()[:20], device), build, slot=("support-fixed-index",))


def _empty(embedder) -> np.ndarray:
    return np.zeros((0, embedder.dimension), dtype=np.float32)


def _curated_hash(chunks: list[Chunk]) -> str:
    digest = hashlib.sha256()
    for c in chunks:
        digest.update(f"\x00{c.chunk_id}\x01{c.source}\x01{c.heading}\x01{c.text}".encode())
    return digest.hexdigest()


class LiveIndex:
    """One KnowledgeIndex that follows whichever store asks (one per process and embedder)."""

    def __init__(self, embedder, device: str) -> None:
        self.embedder = embedder
        self.device = device
        self.index: KnowledgeIndex | None = None
        self.docs: dict[str, str] = {}  # source -> content hash of what is indexed
        self.doc_chunks: dict[str, list[str]] = {}  # source -> its chunk ids
        self.key: tuple | None = None  # (stamp, curated hash) the index reflects
        self.version = 0  # bumped by every change
        self.saved: dict[Path, int] = {}  # folder -> version written there
        self.last_folder: Path | None = None  # the SUITE_HOME index folder of the store synced last
        self._lock = threading.Lock()

    def sync(self, store: Store, stamp: tuple, curated: list[Chunk], progress: Progress) -> KnowledgeIndex:
        folder = store.settings.module_dir("support") / "index"
        key = (stamp, _curated_hash(curated))
        if self.index is not None and key == self.key and self.saved.get(folder) == self.version:
            self.last_folder = folder
            return self.index  # the common case: nothing changed, nothing to write
        with self._lock:
            if self.index is None:
                self.index = self._open(folder)
            if key != self.key:
                self._update(store, curated, key, progress)
            if self.saved.get(folder) != self.version:
                try:
                    self._save(folder)
                except OSError as err:  # a full disk, or another process renaming the same folder
                    logger.warning(
                        "support vectors not saved under %s (%s); tried again after the next change", folder, err
                    )
                    self.saved[folder] = self.version
            self.last_folder = folder
            return self.index

    # -- changes -------------------------------------------------------------------------------------------
    def _update(self, store: Store, curated: list[Chunk], key: tuple, progress: Progress) -> None:
        assert self.index is not None
        known = queries.document_hashes(store)
        known[CURATED] = key[1]
        changed = [s for s, h in known.items() if self.docs.get(s) != h]
        gone_sources = [s for s in self.docs if s not in known]
        if not changed and not gone_sources:
            self.key = key
            return
        first = not self.docs
        fetch = [s for s in changed if s != CURATED]
        rows = queries.chunks_with_hashes(store, None if first else fetch) if fetch else []
        by_source: dict[str, list[Chunk]] = {s: [] for s in changed}
        for chunk, _ in rows:
            by_source.setdefault(chunk.source, []).append(chunk)
        if CURATED in changed:
            by_source[CURATED] = list(curated)
        removed = [cid for s in gone_sources for cid in self.doc_chunks.get(s, [])]
        added: list[Chunk] = []
        for source in changed:
            new = by_source.get(source, [])
            ids = {c.chunk_id for c in new}
            removed += [cid for cid in self.doc_chunks.get(source, []) if cid not in ids]
            added += new
        if first:  # vectors restored from disk for chunks that are no longer in the store
            wanted = {c.chunk_id for c in added}
            removed += [cid for cid in self.index.embedded if cid not in wanted]
        embedded = self.index.apply(added, removed, progress)
        for source in gone_sources:
            self.docs.pop(source, None)
            self.doc_chunks.pop(source, None)
        for source in changed:
            self.docs[source] = known[source]
            self.doc_chunks[source] = [c.chunk_id for c in by_source.get(source, [])]
        self.key = key
        self.version += 1
        logger.info(
            "support index: %d document(s) changed, %d removed; %d chunk(s) in, %d out, %d text(s) embedded",
            len(changed),
            len(gone_sources),
            len(added),
            len(removed),
            embedded,
        )

    # -- files ---------------------------------------------------------------------------------------------
    def _folders(self, base: Path) -> tuple[Path, Path]:
        multi = load_multilingual_embedder()
        multi_key = hashlib.sha256(f"{multi.model_name}|{multi.model_version}".encode()).hexdigest()[:16]
        return base / f"en-{embedder_key(self.embedder)}", base / f"multi-{multi_key}"

    def _open(self, base: Path) -> KnowledgeIndex:
        """An index holding the vectors saved under `base` (no chunks yet: the first update brings them)."""
        en_folder, multi_folder = self._folders(base)
        spaces = []
        for folder, embedder in ((en_folder, self.embedder), (multi_folder, load_multilingual_embedder())):
            try:
                vectors = VectorIndex.load(folder, self.device)
                texts = json.loads((folder / "texts.json").read_text())
                if vectors.dimension != embedder.dimension or set(texts) != set(vectors.ids):
                    raise ValueError("does not match its model")
                spaces.append((vectors, texts))
                logger.info("support vectors reloaded from %s (%d)", folder, vectors.size)
            except Exception as err:  # noqa: BLE001 - missing or unreadable: embed again
                if folder.exists():
                    logger.info("support vectors in %s not used (%s); embedding again", folder, err)
                spaces.append((VectorIndex.build(_empty(embedder), [], self.device), {}))
        (dense, en_texts), (multi, multi_texts) = spaces
        index = KnowledgeIndex(
            [], _empty(self.embedder), _empty(load_multilingual_embedder()), self.embedder, self.device
        )
        index.dense_index, index.multi_index = dense, multi
        index.embedded = {
            cid: (en_texts.get(cid, ""), multi_texts.get(cid, "")) for cid in set(en_texts) | set(multi_texts)
        }
        return index

    def _save(self, base: Path) -> None:
        """Each space into a temporary folder, renamed over the old one: a crash never leaves half a folder."""
        assert self.index is not None
        en_folder, multi_folder = self._folders(base)
        with self.index._lock:
            for slot, folder, vectors in (
                (0, en_folder, self.index.dense_index),
                (1, multi_folder, self.index.multi_index),
            ):
                tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
                vectors.save(tmp)
                texts = {cid: self.index.embedded[cid][slot] for cid in vectors.ids}
                (tmp / "texts.json").write_text(json.dumps(texts))
                old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
                if folder.exists():
                    folder.rename(old)
                tmp.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            version = self.version
        self.saved[base] = version
        _prune(base, keep={en_folder.name, multi_folder.name})


def _prune(base: Path, keep: set[str]) -> None:
    """Drop folders of the old layout (one per content hash) and English spaces beyond `KEEP_SPACES`."""
    english = []
    for path in base.iterdir():
        if not path.is_dir() or path.name in keep or ".tmp-" in path.name:
            continue
        if path.name.startswith("en-"):
            english.append(path)
        elif not path.name.startswith("multi-"):
            shutil.rmtree(path, ignore_errors=True)
    english.sort(key=lambda p: p.stat().st_mtime)
    for old in english[: max(0, len(english) - (KEEP_SPACES - 1))]:
        shutil.rmtree(old, ignore_errors=True)
