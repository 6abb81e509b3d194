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
from collections import Counter
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# Words, numbers and codes such as "E-4012", "802.1X", "CR2032"; a run of CJK characters is one match.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*|[\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it my of on or the to what when where which "
    "why will with you your me this that there if not no".split()
)


def _jieba_cut(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.cut(text) if w.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-cased English words (codes kept whole and split into parts), Chinese words plus character bigrams."""
    tokens: list[str] = []
    for match in _TOKEN.findall(text.lower()):
        if _CJK.match(match):
            tokens.extend(_jieba_cut(match))
            tokens.extend(match[i : i + 2] for i in range(len(match) - 1))
            if len(match) == 1:
                tokens.append(match)
        elif match not in STOPWORDS:
            tokens.append(match)
            parts = re.split(r"[-.]", match)
            if len(parts) > 1:
                tokens.extend(p for p in parts if p and p not in STOPWORDS)
    return tokens


@dataclass(frozen=True)
class KeywordHit:
    id: str
    score: float
    rank: int


@dataclass
class KeywordIndex:
    """Okapi BM25 (k1=1.5, b=0.75) over tokenised documents."""

    ids: list[str]
    docs: list[Counter]
    k1: float = 1.5
    b: float = 0.75
    _df: Counter = field(default_factory=Counter, repr=False)
    _avg_len: float = 1.0

    def __post_init__(self) -> None:
        for doc in self.docs:
            self._df.update(doc.keys())
        lengths = [sum(doc.values()) for doc in self.docs]
        self._avg_len = (sum(lengths) / len(lengths)) if lengths else 1.0
        self._lengths = lengths

    @classmethod
    def build(cls, texts: dict[str, str]) -> KeywordIndex:
        return cls(list(texts), [Counter(tokenize(t)) for t in texts.values()])

    @property
    def size(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int = 10) -> list[KeywordHit]:
        terms = set(tokenize(query))
        if not terms or not self.size:
            return []
        scores = []
        for i, doc in enumerate(self.docs):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * self._lengths[i] / self._avg_len)
            for term in terms:
                tf = doc.get(term)
                if tf:
                    score += self.idf(term) * tf * (self.k1 + 1) / (tf + norm)
            if score > 0:
                scores.append((score, i))
        scores.sort(key=lambda pair: -pair[0])
        return [KeywordHit(self.ids[i], s, rank) for rank, (s, i) in enumerate(scores[:k])]
