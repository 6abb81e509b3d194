"""What the risk module hands to pages, the CLI and the API: result dataclasses (each with `as_dict()`) and errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from suite.errors import InvalidInput, NotFound


class EmptyWatchlist(InvalidInput):
    """Headlines cannot be linked to anything: no company is watched yet."""


class NotWatched(NotFound):
    """A ticker that is not on the watchlist."""


class UnknownAlert(NotFound):
    """An alert id that is not stored (removed, or mistyped)."""


class UnknownHeadline(NotFound):
    """A headline id that is not stored."""


class UnreadableFile(InvalidInput):
    """A headlines file that cannot be used as a whole (empty, binary, no headline column, ...): nothing is imported.

    The watched folder moves such a file aside; other errors (an empty watchlist, a missing model) stop the run.
    """


def _plain(value: Any) -> Any:
    """A JSON-ready copy: dates as ISO text, frames as lists of rows, NaN as None, dataclasses via `as_dict`."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, pd.DataFrame):
        return [{str(k): _plain(v) for k, v in row.items()} for row in value.to_dict(orient="records")]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Thresholds(_AsDict):
    """When a company's news raises an alert (see `suite.risk.signals`); per-company z overrides from retrain."""

    z: float = 2.5  # tone this many standard deviations below its own trailing window
    window_days: int = 30
    min_headlines: int = 2  # a single headline never raises a tone alert on its own
    volume_ratio: float = 3.0  # or: this many times the usual daily volume ...
    volume_min: int = 4  # ... with at least this many headlines ...
    volume_tone: float = -0.2  # ... and a tone below this
    cooldown_days: int = 7  # no second alert for the same company within this many days
    per_company_z: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        rules = {
            "z": (lambda v: v > 0, "above 0"),
            "window_days": (lambda v: v >= 5, "at least 5"),
            "min_headlines": (lambda v: v >= 1, "at least 1"),
            "volume_ratio": (lambda v: v >= 1, "at least 1"),
            "volume_min": (lambda v: v >= 1, "at least 1"),
            "volume_tone": (lambda v: -1 <= v <= 1, "from -1 to 1"),
            "cooldown_days": (lambda v: v >= 0, "0 or more"),
        }
        values = [(name, getattr(self, name), *rule) for name, rule in rules.items()]
        values += [(f"the tone limit of {ticker}", z, rules["z"][0], "above 0") for ticker, z in self.per_company_z]
        for name, value, ok, expected in values:
            try:
                good = not isinstance(value, bool) and bool(ok(value))
            except TypeError:
                good = False
            if not good:
                raise InvalidInput(f"Alert thresholds: {name} must be a number {expected}, not {value!r}.")

    def z_for(self, ticker: str) -> float:
        return dict(self.per_company_z).get(ticker, self.z)


@dataclass(frozen=True)
class HeadlineTone:
    """One classified headline as the CLI and the API show it."""

    text: str
    label: str  # negative / neutral / positive
    confidence: float  # 0-1, calibrated
    score: float  # P(positive) - P(negative), -1..1
    low_confidence: bool = False
    reason: str = ""  # why it is flagged as unsure (e.g. not English)
    model_version: str = ""

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"text": self.text, "label": self.label}
        row |= {"confidence": self.confidence, "score": self.score}
        if self.low_confidence:
            row["low_confidence"], row["reason"] = True, self.reason
        return {**row, "model_version": self.model_version}


@dataclass(frozen=True)
class Alert(_AsDict):
    """One alert with the texts of the headlines behind it (most negative first)."""

    alert_id: str
    ticker: str
    day: date
    severity: str  # high / medium / low
    reason: str
    company: str | None = None
    trigger: str = ""  # tone / volume / tone and volume
    tone: float | None = None
    baseline: float | None = None
    z: float | None = None
    volume: int | None = None
    state: str = "open"  # as stored: open / acknowledged / snoozed / false_alarm
    status: str = "open"  # as shown: a snooze that has ended reads 'open'
    state_by: str | None = None
    state_at: datetime | None = None
    snoozed_until: datetime | None = None
    created_at: datetime | None = None
    model_version: str | None = None
    headline_ids: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Company(_AsDict):
    ticker: str
    name: str
    aliases: list[str] = field(default_factory=list)
    sector: str | None = None


@dataclass(frozen=True)
class CompanyTone(_AsDict):
    """One row of the watchlist overview."""

    ticker: str
    company: str
    sector: str | None
    tone_now: float | None  # last `RECENT_DAYS` days, -1..1
    change: float | None  # against the month before
    headlines_7d: int
    trend: list[float]  # smoothed daily tone, last `TREND_DAYS` days
    open_alerts: int


@dataclass(frozen=True)
class WatchlistOverview(_AsDict):
    as_of: date | None  # the latest day with headlines
    companies: list[CompanyTone] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """One row per company, in the order of the `CompanyTone` fields (for tables)."""
        columns = [f.name for f in fields(CompanyTone)]
        return pd.DataFrame([c.as_dict() for c in self.companies], columns=columns)


@dataclass(frozen=True)
class CompanyView(_AsDict):
    """One company's drill-down: daily signal (with `tone_7d`), prices, alerts, headlines newest first."""

    company: Company
    signals: pd.DataFrame
    prices: pd.DataFrame
    alerts: list[Alert]
    headlines: pd.DataFrame  # with `shown_label`: the correction, 'unsure', or the model's label


@dataclass(frozen=True)
class ImportRecord(_AsDict):
    """One import as `risk_imports` keeps it (stored in the transaction of its rows)."""

    batch_id: str
    file_name: str
    imported_at: datetime
    rows_read: int
    added: int
    duplicates: int
    rejected: int
    summary: str
    user: str | None = None
    encoding: str | None = None
    error: str | None = None  # set when the file was refused as a whole (watched folder: moved to rejected/)


@dataclass(frozen=True)
class Delivery(_AsDict):
    """One message of new alerts for the webhook, as the outbox holds it."""

    delivery_id: str
    alert_ids: list[str]
    created_at: datetime
    state: str  # as stored: pending / delivered / failed
    attempts: int
    host: str  # where it goes (the URL's path is a secret and never shown)
    next_attempt_at: datetime | None = None
    last_error: str = ""
    delivered_at: datetime | None = None

    @property
    def status(self) -> str:
        """As shown: delivered, waiting (not tried yet), retrying (failed, tried again later) or failed (gave up)."""
        if self.state == "pending":
            return "retrying" if self.attempts else "waiting"
        return self.state

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"status": self.status}


@dataclass
class Rejected(_AsDict):
    line: int
    reason: str
    raw: str = ""


@dataclass
class IngestReport(_AsDict):
    """What happened to each row of one upload."""

    batch_id: str
    file_name: str
    rows_read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    unknown_tickers: dict[str, list[int]] = field(default_factory=dict)
    unlinked: int = 0
    low_confidence: int = 0
    assumed_utc: int = 0
    new_alerts: list[str] = field(default_factory=list)
    model_version: str = ""
    encoding: str = ""  # what the file was read as (utf-8, utf-16-le, windows-1252, ...)
    error: str = ""  # why a file of a watched folder was not imported at all (it was moved aside)
    alerts_note: str = ""  # set when the headlines were stored but the alerts could not be refreshed

    def summary(self) -> str:
        if self.error:
            return f"{self.file_name} was not imported: {self.error}"
        parts = [f"{self.rows_read} rows read from {self.file_name}: {self.added} new headlines stored"]
        if self.duplicates:
            parts.append(f"{self.duplicates} repeats of stories already stored (their sources were added)")
        if self.rejected:
            first = "; ".join(f"line {r.line}: {r.reason}" for r in self.rejected[:5])
            parts.append(f"{len(self.rejected)} rows could not be used and were kept for review ({first})")
        if self.unknown_tickers:
            names = sorted(self.unknown_tickers)
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            parts.append(f"unknown tickers {', '.join(names[:10])}{more} (add them to the watchlist)")
        if self.unlinked:
            parts.append(f"{self.unlinked} headlines mention no watched company")
        if self.low_confidence:
            parts.append(f"{self.low_confidence} headlines flagged as unsure (e.g. not English); they do not move tone")
        if self.assumed_utc:
            parts.append(f"{self.assumed_utc} timestamps had no time zone and were read as UTC")
        if self.new_alerts:
            parts.append(f"{len(self.new_alerts)} new alert(s)")
        if self.alerts_note:
            parts.append(self.alerts_note)
        return ". ".join(parts) + "."


@dataclass(frozen=True)
class EpisodeOutcome(_AsDict):
    """One planted episode of the sample data, and the first alert (if any) that caught it."""

    ticker: str
    episode: str
    start: str
    should_alert: bool
    alerted: bool
    alert_day: str
    severity: str
    delay_days: int | None  # alert day - episode start
    lead_days: int | None  # days from the alert to the lowest close of the two weeks after the start


@dataclass(frozen=True)
class BacktestReport(_AsDict):
    episodes: list[EpisodeOutcome]
    negative_episodes: int
    caught: int
    positive_episodes_alerted: int
    median_delay_days: float | None
    median_lead_days: float | None
    alerts: int
    false_alerts: int
    false_alerts_per_company_month: float
    false_alert_ids: list[str]
