"""What the risk page shows in words: an alert's facts, the labels people read, one headline checked.

Streamlit-free display helpers (the page turns them into sentences of its language with `suite.i18n`):

    facts = alert_facts(alert)      # AlertFacts(bad=5, volume=7, usual_volume=0.7, times=1.0, ...)
    facts.severity                  # 'high': the one rule of `suite.risk.signals.severity_for`
    LABEL_WORDS["negative"]         # 'risk.label.negative' -> "Bad news" / "坏消息"
    check = check_headline(store, "Regulators open fraud probe into Acme", identity=who)
    check.tone.label, [c.ticker for c in check.companies]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from suite.risk import queries
from suite.risk.ingest import Linker
from suite.risk.models import Alert, Company, HeadlineTone
from suite.risk.signals import HIGH_BAD_HEADLINES, MEDIUM_BAD_HEADLINES, severity_for
from suite.store import Store

__all__ = [
    "HIGH_BAD_HEADLINES",
    "LABEL_WORDS",
    "MEDIUM_BAD_HEADLINES",
    "AlertFacts",
    "HeadlineCheck",
    "alert_facts",
    "check_headline",
    "shown_label",
    "upload_headlines",
]

LABEL_WORDS = {label: f"risk.label.{label}" for label in ("negative", "neutral", "positive", "unsure")}
_USUAL = re.compile(r"usually ([0-9.]+) a day")  # the reason text `suite.risk.signals.detect` writes
_NEGATIVE = re.compile(r"([0-9]+)% of them negative")


@dataclass(frozen=True)
class AlertFacts:
    """The numbers behind one alert, as a person reads them."""

    trigger: str  # tone / volume / tone and volume
    volume: int  # headlines on the alert's day
    bad: int  # of them bad news
    usual_volume: float | None  # headlines on a usual day (None: not recorded)
    tone: float | None  # the day's tone, -1..1
    usual_tone: float | None  # the company's usual tone over the window
    times: float | None  # how many usual day-to-day swings the tone fell

    @property
    def severity(self) -> str:
        return severity_for(self.bad)

    @property
    def burst(self) -> bool:
        """The alert came from a burst of headlines (not only from the tone)."""
        return "volume" in self.trigger


def alert_facts(alert: Alert) -> AlertFacts:
    """The facts of a stored alert: its columns, and what its reason text recorded (usual volume, share negative)."""
    usual = _USUAL.search(alert.reason or "")
    negative = _NEGATIVE.search(alert.reason or "")
    volume = int(alert.volume or 0)
    bad = round(volume * int(negative.group(1)) / 100) if negative else volume
    return AlertFacts(
        trigger=alert.trigger or "tone",
        volume=volume,
        bad=bad,
        usual_volume=float(usual.group(1)) if usual else None,
        tone=alert.tone,
        usual_tone=alert.baseline,
        times=abs(alert.z) if alert.z is not None else None,
    )


def shown_label(label: Any, low_confidence: Any = False, corrected: Any = None) -> str:
    """The label a person sees: a staff correction first, 'unsure' for a headline that does not move the tone."""
    if isinstance(corrected, str) and corrected:
        return corrected
    return "unsure" if bool(low_confidence) else str(label)


@dataclass(frozen=True)
class HeadlineCheck:
    """One typed headline: its tone, and the watched companies it names."""

    tone: HeadlineTone
    companies: list[Company] = field(default_factory=list)


def check_headline(store: Store, text: str, *, identity: Any = None) -> HeadlineCheck:
    """The tone of one headline (scored like any other, logged as a `classify`) and the watched companies it names.

    Nothing is stored as a headline: this only reads.
    """
    from suite.risk.service import classify  # the audited entry point (service imports this file)

    tone = classify(store, [text], identity=identity)[0]
    linked = set(Linker.from_store(store).link(text))
    companies = [
        Company(row["ticker"], row["name"], list(row["aliases"] or []), row["sector"])
        for row in queries.watchlist(store)
        if row["ticker"] in linked
    ]
    return HeadlineCheck(tone, companies)


def upload_headlines(store: Store, batch_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The headlines one import stored, newest first: text, the companies named, label as shown, confidence."""
    rows = queries.batch_headlines(store, batch_id, limit=limit)
    return [
        row | {"shown_label": shown_label(row["label"], row["low_confidence"], row["corrected_label"])} for row in rows
    ]
