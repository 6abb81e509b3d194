"""One timestamp reader for every import (headlines, shop events, ...): the same formats everywhere.

Accepted: ISO 8601 with or without a zone (no zone = UTC), Unix seconds or milliseconds, US-style and
day-first dotted dates, and common named zones (EST, CET, JST...). Anything else, or a date so far out that
it cannot be held in UTC, is refused with a reason instead of raising an unrelated error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

_TZINFOS = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600}
_TZINFOS |= {"PST": -8 * 3600, "PDT": -7 * 3600, "CET": 3600, "CEST": 7200, "BST": 3600, "JST": 9 * 3600}
_EPOCH = re.compile(r"-?\d{9,13}(\.\d+)?")
_DAY_FIRST = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def parse_timestamp(value: Any) -> tuple[datetime, bool]:
    """A UTC datetime from one timestamp; the flag is True when the text named no zone (UTC assumed).

    Raises:
        ValueError: with a reason a person can act on ("has a timestamp we cannot read ('...')").
    """
    from dateutil import parser

    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError("has no timestamp")
    try:
        if _EPOCH.fullmatch(text):
            seconds = float(text) / (1000 if len(text.lstrip("-").split(".")[0]) == 13 else 1)
            stamp, naive = datetime.fromtimestamp(seconds, UTC), False
        else:
            stamp = parser.parse(text, tzinfos=_TZINFOS, dayfirst=bool(_DAY_FIRST.match(text)))
            naive = stamp.tzinfo is None
            stamp = stamp.replace(tzinfo=UTC) if naive else stamp.astimezone(UTC)
    except (ValueError, OverflowError, OSError) as err:
        raise ValueError(f"has a timestamp we cannot read ({text[:40]!r})") from err
    if not _EARLIEST <= stamp < _LATEST:
        raise ValueError(f"has a timestamp outside 1970-2199 ({text[:40]!r})")
    return stamp, naive


def parse_timestamps(values: Iterable[Any]) -> pd.Series:
    """`parse_timestamp` over many values (vectorised for ISO 8601); NaT where a value cannot be read."""
    series = pd.Series(list(values), dtype="object").map(lambda v: "" if v is None else str(v).strip())
    out = pd.to_datetime(
        series.where(~series.str.fullmatch(_EPOCH.pattern)), format="ISO8601", utc=True, errors="coerce"
    )
    epoch = series.str.fullmatch(_EPOCH.pattern)
    if epoch.any():
        numbers = pd.to_numeric(series[epoch], errors="coerce")
        digits = series[epoch].str.lstrip("-").str.split(".").str[0].str.len()
        seconds = numbers.where(digits != 13, numbers / 1000.0)
        out.loc[epoch] = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    out = out.where((out >= pd.Timestamp(_EARLIEST)) & (out < pd.Timestamp(_LATEST)))
    for index in out.index[out.isna() & (series != "")]:
        try:
            out.loc[index] = pd.Timestamp(parse_timestamp(series.loc[index])[0])
        except ValueError:
            pass
    return out
