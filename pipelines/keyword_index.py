"""BM25 keyword search for English and Chinese: exact terms (product names, error codes) stay whole tokens.

Example:
    >>> index = KeywordIndex.build({"a": "Error E-4012 on the Hub H2", "b": "Reset your password"})
    >>> index.search("E-4012", k=1)[0].id
    'a'
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

# Words, numbers and codes such as "E-4012", "802.1X", "CR2032"; a run of CJK characters is one match.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*|[\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it my of on or the to what when where which "
    "why will with you your me this that there if not no".split()
)
# Chinese question words, particles and pronouns. Without them a Chinese question matched every Chinese passage
# on 怎么, 可以 or 的: in a help center with a few translated articles those outranked the English article the
# question was about (benchmarks/support.py, "Answer language").
ZH_STOPWORDS = frozenset(
    "怎么 怎样 如何 什么 为什么 怎么办 吗 呢 吧 啊 的 了 着 过 我 我的 我们 你 你们 您 是 有 可以 能 能否 要 会 在 "
    "哪里 哪儿 哪些 多少 多久 几 一个 还 和 与 也 就 都 把 被 让 请".split()
)
_ZH_FUNCTION_CHARS = frozenset("的了吗呢吧啊我你您是么怎什")  # a one- or two-character term holding one says nothing


def _jieba_cut(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.cut(text) if w.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-cased English words (codes kept whole and split into parts), Chinese words plus character bigrams."""
    tokens: list[str] = []
    for match in _TOKEN.findall(text.lower()):
        if _CJK.match(match):
            terms = [*_jieba_cut(match), *(match[i : i + 2] for i in range(len(match) - 1))]
            if len(match) == 1:
                terms.append(match)
            tokens.extend(term for term in terms if _says_something(term))
        elif match not in STOPWORDS:
            tokens.append(match)
            parts = re.split(r"[-.]", match)
            if len(parts) > 1:
                tokens.extend(p for p in parts if p and p not in STOPWORDS)
    return tokens


def _says_something(term: str) -> bool:
    return term not in ZH_STOPWORDS and not (len(term) <= 2 and _ZH_FUNCTION_CHARS.intersection(term))


@dataclass(frozen=True)
class KeywordHit:
    id: str
    score: float
    rank: int


class KeywordIndex:
    """Okapi BM25 (k1=1.5, b=0.75) over an inverted index: a query touches only the rows that hold its terms.

    Documents can be added and removed in place (`add`, `remove`); scores are those of an index built from
    scratch over the same documents (document frequencies and the mean length follow every change).
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._ids: list[str | None] = []  # row -> id (None: removed)
        self._row: dict[str, int] = {}
        self._docs: list[Counter | None] = []
        self._lengths = np.zeros(0, dtype=np.float64)
        self._postings: dict[str, dict[int, int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # term -> (rows, tfs), rebuilt when it changes
        self._total_len = 0
        self._lock = threading.RLock()

    @classmethod
    def build(cls, texts: dict[str, str]) -> KeywordIndex:
        index = cls()
        index.add(texts)
        return index

    @property
    def size(self) -> int:
        return len(self._row)

    @property
    def ids(self) -> list[str]:
        return [cid for cid in self._ids if cid is not None]

    def idf(self, term: str) -> float:
        df = len(self._postings.get(term, ()))
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def add(self, texts: dict[str, str]) -> None:
        """Add documents by id; an id already in the index is replaced."""
        with self._lock:
            self.remove([cid for cid in texts if cid in self._row])
            start = len(self._ids)
            if start + len(texts) > len(self._lengths):
                grown = np.zeros(max(start + len(texts), int(len(self._lengths) * 1.5) + 16), dtype=np.float64)
                grown[:start] = self._lengths[:start]
                self._lengths = grown
            for offset, (cid, text) in enumerate(texts.items()):
                row = start + offset
                doc = Counter(tokenize(text))
                self._ids.append(cid)
                self._docs.append(doc)
                self._row[cid] = row
                length = sum(doc.values())
                self._lengths[row] = length
                self._total_len += length
                for term, tf in doc.items():
                    self._postings.setdefault(term, {})[row] = tf
                    self._arrays.pop(term, None)

    def remove(self, ids: list[str]) -> int:
        """Remove documents by id (unknown ids are ignored); how many went."""
        with self._lock:
            gone = 0
            for cid in ids:
                row = self._row.pop(cid, None)
                if row is None:
                    continue
                gone += 1
                doc = self._docs[row] or Counter()
                for term in doc:
                    postings = self._postings[term]
                    postings.pop(row, None)
                    if not postings:
                        del self._postings[term]
                    self._arrays.pop(term, None)
                self._total_len -= int(self._lengths[row])
                self._lengths[row] = 0
                self._ids[row] = None
                self._docs[row] = None
            if gone and len(self._ids) > 64 and self.size < len(self._ids) / 2:
                self._compact()
            return gone

    def _compact(self) -> None:
        """Drop the rows of removed documents (kept in row order, so ties still rank by insertion)."""
        live = {self._ids[row]: self._docs[row] for row in sorted(self._row.values())}
        self.__init__(self.k1, self.b)
        self._lengths = np.zeros(len(live) + 16, dtype=np.float64)
        for row, (cid, doc) in enumerate(live.items()):
            self._ids.append(cid)
            self._docs.append(doc)
            self._row[cid] = row
            self._lengths[row] = sum(doc.values())
            self._total_len += int(self._lengths[row])
            for term, tf in doc.items():
                self._postings.setdefault(term, {})[row] = tf

    def _term_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = self._arrays.get(term)
        if arrays is None:
            postings = self._postings.get(term)
            if not postings:
                return None
            rows = np.fromiter(postings.keys(), np.int64, len(postings))
            arrays = (rows, np.fromiter(postings.values(), np.float64, len(postings)))
            self._arrays[term] = arrays
        return arrays

    def search(self, query: str, k: int = 10) -> list[KeywordHit]:
        terms = set(tokenize(query))
        with self._lock:
            if not terms or not self.size:
                return []
            avg_len = self._total_len / self.size if self.size else 1.0
            scores = np.zeros(len(self._ids), dtype=np.float64)
            for term in sorted(terms):
                arrays = self._term_arrays(term)
                if arrays is None:
                    continue
                rows, tfs = arrays
                norm = self.k1 * (1 - self.b + self.b * self._lengths[rows] / avg_len)
                scores[rows] += self.idf(term) * tfs * (self.k1 + 1) / (tfs + norm)
            hit = np.flatnonzero(scores > 0)
            if not len(hit):
                return []
            if len(hit) > k:  # keep every row tied with the k-th best, so ties rank as in a full sort
                kth = np.partition(-scores[hit], k - 1)[k - 1]
                hit = hit[-scores[hit] <= kth]
            hit = hit[np.lexsort((hit, -scores[hit]))][:k]  # best first; ties in row (insertion) order
            return [KeywordHit(self._ids[i], float(scores[i]), rank) for rank, i in enumerate(hit.tolist())]
