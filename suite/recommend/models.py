"""What the recommender hands to pages, the CLI and the API: result dataclasses (each with `as_dict()`) and errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from suite.errors import ModelUnavailable, NotFound, SuiteError
from suite.store import new_id

MODEL_NAME = "hybrid-recommender"


class RecommenderNotBuilt(ModelUnavailable):
    """No trained recommender on this machine yet (`suite prepare` builds the default one)."""


class UnknownProduct(NotFound):
    """A product id that is not in the catalog."""


class ImportFailed(SuiteError):
    """An import stopped for a reason outside its file (the database refused the batch); nothing of it was saved."""


@dataclass
class Recommendation:
    """One card: a product, its hybrid score, the reason shown and the component that chose it."""

    item_id: str
    title: str
    category: str
    price: float | None
    score: float
    reason: str
    source: str  # the driving component: als / cooc / recent / ease / content / popularity

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RecommendationList:
    """A list shown to a shopper (or a visitor, or for a product); `request_id` ties feedback back to it."""

    user_id: str | None
    items: list[Recommendation]
    cold_start: bool = False
    note: str = ""
    request_id: str = ""
    model_name: str = MODEL_NAME
    model_version: str = ""
    device: str = "cpu"
    weights: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "items": [{"item_id": r.item_id, "score": round(r.score, 4), "reason": r.reason} for r in self.items],
            "cold_start": self.cold_start,
            "note": self.note,
            "request_id": self.request_id,
            "model_version": self.model_version,
        }


@dataclass
class ImportReport:
    """What one catalog or interaction import did; bad rows are counted, the first few shown by line."""

    kind: str
    file: str
    rows_read: int = 0
    rows_added: int = 0
    duplicates: int = 0
    bad_rows: int = 0
    bad_examples: list[dict[str, Any]] = field(default_factory=list)
    rejects_file: str | None = None
    unknown_items: int = 0
    encoding: str = ""
    import_id: str = field(default_factory=new_id)

    def summary(self) -> str:
        text = f"{self.rows_added:,} new {self.kind} rows from {self.rows_read:,} read"
        if self.duplicates:
            text += f"; {self.duplicates:,} repeats skipped"
        if self.bad_rows:
            text += f"; {self.bad_rows:,} rows could not be used (see {self.rejects_file})"
        if self.unknown_items:
            text += f"; {self.unknown_items:,} products are not in the catalog yet (their history is kept)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Shopper:
    """A shopper for the picker: how many interactions they have and when they were last seen."""

    user_id: str
    interactions: int
    last_seen: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HistoryEntry:
    """One interaction of a shopper, with the product's title and category when the catalog has them."""

    ts: datetime
    event: str
    item_id: str
    title: str
    category: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Product:
    item_id: str
    title: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Insights:
    """Coverage and popularity concentration of the lists actually shown, and the model in use."""

    model_version: str
    trained_at: str
    data_until: str
    lists_shown: int
    items_shown: int
    catalog_size: int
    catalog_coverage: float  # share of catalog products shown at least once
    popular_share: float  # share of shown products from the top 10 % most popular
    shown_by_category: dict[str, int]
    feedback: dict[str, int]  # feedback rows by kind (click, dismiss)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelScore:
    """One model on the offline time split; `few_*` are the same metrics for shoppers with < 5 interactions."""

    model: str
    recall_at_10: float
    ndcg_at_10: float
    coverage: float
    users: int
    train_s: float
    few_recall_at_10: float
    few_ndcg_at_10: float
    few_coverage: float
    few_users: int
    score_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
