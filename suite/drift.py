"""Drift signals shared by every module's `drift` hook: one definition of the measures and their thresholds.

A module knows which label and score its results carry; it reads them (usually with `event_outputs`) and
turns them into `DriftSignal`s with `label_mix` and `score_shift`. The Operations page lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from suite.store import Store, from_json

MIN_ITEMS = 5  # fewer results than this in either period: "not enough data"
LABEL_WATCH, LABEL_DRIFTING = 0.15, 0.30  # total variation distance between label mixes
SCORE_WATCH, SCORE_DRIFTING = 0.5, 1.0  # shift of the mean score, in reference standard deviations


@dataclass(frozen=True)
class DriftSignal:
    module: str
    signal: str  # what is compared, in words
    reference: str | None  # the reference period's value, formatted for people
    recent: str | None
    change: float | None  # distance (label mix) or shift in standard deviations (score)
    level: str  # stable / watch / drifting / not enough data
    n_recent: int
    n_reference: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def event_outputs(
    store: Store, module: str, *, recent_days: int, reference_days: int, action: str | None = None
) -> tuple[list[dict], list[dict]]:
    """The module's successful results (decoded `output_summary`) as (reference, recent) lists."""
    rows = store.query(
        """SELECT ts >= now() - to_days(CAST(? AS INTEGER)) AS recent, output_summary FROM events
           WHERE module = ? AND status = 'ok' AND output_summary IS NOT NULL
             AND (? IS NULL OR action = ?) AND ts >= now() - to_days(CAST(? AS INTEGER))""",
        [recent_days, module, action, action, recent_days + reference_days],
    )
    reference, recent = [], []
    for row in rows:
        output = from_json(row["output_summary"])
        if isinstance(output, dict):
            (recent if row["recent"] else reference).append(output)
    return reference, recent


def not_enough(module: str, signal: str, n_reference: int, n_recent: int) -> DriftSignal:
    return DriftSignal(module, signal, None, None, None, "not enough data", n_recent, n_reference)


def label_mix(module: str, signal: str, reference: Iterable[Any], recent: Iterable[Any]) -> DriftSignal:
    """Compare the mix of a label between two periods (total variation distance: 0 same mix, 1 disjoint)."""
    old = pd.Series([str(v) for v in reference if v is not None], dtype=object)
    new = pd.Series([str(v) for v in recent if v is not None], dtype=object)
    if len(old) < MIN_ITEMS or len(new) < MIN_ITEMS:
        return not_enough(module, signal, len(old), len(new))
    old_mix, new_mix = old.value_counts(normalize=True), new.value_counts(normalize=True)
    distance = 0.5 * float(old_mix.subtract(new_mix, fill_value=0).abs().sum())
    level = "drifting" if distance >= LABEL_DRIFTING else "watch" if distance >= LABEL_WATCH else "stable"
    return DriftSignal(module, signal, _mix(old_mix), _mix(new_mix), round(distance, 3), level, len(new), len(old))


def score_shift(module: str, signal: str, reference: Iterable[Any], recent: Iterable[Any]) -> DriftSignal:
    """Compare the mean of a score between two periods, in reference standard deviations."""
    old = pd.to_numeric(pd.Series(list(reference), dtype=object), errors="coerce").dropna()
    new = pd.to_numeric(pd.Series(list(recent), dtype=object), errors="coerce").dropna()
    if len(old) < MIN_ITEMS or len(new) < MIN_ITEMS:
        return not_enough(module, signal, len(old), len(new))
    old_mean, old_sd, new_mean = float(old.mean()), float(old.std(ddof=0)), float(new.mean())
    shift = (new_mean - old_mean) / old_sd if old_sd else 0.0
    level = "drifting" if abs(shift) >= SCORE_DRIFTING else "watch" if abs(shift) >= SCORE_WATCH else "stable"
    return DriftSignal(module, signal, f"{old_mean:.3f}", f"{new_mean:.3f}", round(shift, 3), level, len(new), len(old))


def _mix(shares: pd.Series) -> str:
    return ", ".join(f"{label} {share:.0%}" for label, share in shares.head(4).items())
