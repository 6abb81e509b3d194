"""Undo for the review page: a reviewer's latest batch of decisions, read from the review log, taken back.

Every call of `decide` stamps its rows with one time, and `edit` writes one row, so a batch is the reviewer's
rows of one time that no later `undo` has reverted. Reading it from the store (not from the page's memory)
keeps undo working after a refresh, and undoing again goes one batch further back.

    batch = last_batch(store, "alice")      # Batch(decision="accept", feedback_ids=[...], ...)
    undo_last(store, "alice")               # the items are back as they were; returns how many
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from suite import i18n
from suite.errors import InvalidInput, message
from suite.review.queue import undo
from suite.store import Store

_SENTENCES = {  # review.po, with .one/.other forms
    "accept": "review.batch.accept",
    "reject": "review.batch.reject",
    "reopen": "review.batch.reopen",
    "edit": "review.batch.edit",
}


@dataclass(frozen=True)
class Batch:
    """One decision a reviewer made on one or more items at once."""

    reviewer: str
    decision: str  # accept / reject / reopen / edit
    ts: datetime
    feedback_ids: tuple[str, ...]

    def sentence(self, language: str | None = None) -> str:
        """ "accepted 3 items" / "corrected and accepted 1 item" (in `language`, English by default)."""
        n = len(self.feedback_ids)
        key = _SENTENCES.get(self.decision)
        if key is None:
            return f"{self.decision} {n} item{'s' if n != 1 else ''}"
        return i18n.tn(language, key, n)


def last_batch(store: Store, reviewer: str) -> Batch | None:
    """The reviewer's latest decision that can still be undone (None when there is none)."""
    reviewer = (reviewer or "").strip()
    if not reviewer:
        return None
    store.flush(wait_s=store.wait_s)
    rows = store.query(
        """WITH latest AS (
               SELECT ts, decision FROM review_log
               WHERE reviewer = ? AND decision <> 'undo' AND undone_at IS NULL AND old_state IS NOT NULL
               ORDER BY ts DESC LIMIT 1)
           SELECT l.feedback_id, l.decision, l.ts FROM review_log l JOIN latest USING (ts, decision)
           WHERE l.reviewer = ? AND l.undone_at IS NULL ORDER BY l.feedback_id""",
        [reviewer, reviewer],
    )
    if not rows:
        return None
    return Batch(reviewer, rows[0]["decision"], rows[0]["ts"], tuple(r["feedback_id"] for r in rows))


def undo_last(store: Store, reviewer: str, **access: Any) -> Batch:
    """Take back the reviewer's latest batch (all of it or nothing); returns the batch undone.

    `access` goes to `undo` as it is (the acting `identity`, whose role `undo` checks and audits).

    Raises:
        InvalidInput: nothing to undo, or an item of the batch was decided again since (by anyone): undoing
            would revert that later decision instead, so nothing changes and the message names it.
    """
    batch = last_batch(store, reviewer)
    if batch is None:
        raise InvalidInput(message("services.review.nothing_to_undo"))
    later = store.query(
        """SELECT feedback_id, reviewer FROM review_log
           WHERE list_contains(?, feedback_id) AND decision <> 'undo' AND undone_at IS NULL AND ts > ?
           ORDER BY ts DESC LIMIT 1""",
        [list(batch.feedback_ids), batch.ts],
    )
    if later:
        raise InvalidInput(message("services.review.decided_since", who=later[0]["reviewer"]))
    undo(store, list(batch.feedback_ids), reviewer=batch.reviewer, note=f"undid: {batch.sentence()}", **access)
    return batch
