"""The suite's embedded DuckDB store."""

from suite.store.store import FEEDBACK_KINDS, Store, from_json, new_id, now, to_json

__all__ = ["FEEDBACK_KINDS", "Store", "from_json", "new_id", "now", "to_json"]
