"""The Operations, Models and staff pages' numbers in words, for a language: Streamlit-free display helpers.

The tables of `suite.ops` keep machine values (module keys, job states, version names, UTC times) so the CLI,
the API and the tests can rely on them; these turn them into what a person reads, in English or Chinese:
module titles, state words, "Version 2, trained 3 Dec 2026, 14:05 UTC" instead of a version hash, blanks for no value.

    frame = modules_only(usage_by_day(store))        # demo-load work ("suite") is not a module
    frame["module"] = frame["module"].map(lambda k: module_title("zh_CN", k))
    version_label("en", "v20261203-140501-3f2a1b9c", versions_made(list_versions(store)))
    # 'Version 2, trained 3 Dec 2026, 14:05 UTC'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from suite import i18n
from suite.modules import MODULE_KEYS

DEFAULT_VERSION = "default model"  # what the registry says when no retrained version serves


def module_title(language: str, key: str) -> str:
    """A module's title in the language (the key itself for something that is not a module)."""
    return i18n.t(language, f"module.{key}.title") if key in MODULE_KEYS else str(key)


def modules_only(frame: pd.DataFrame, column: str = "module") -> pd.DataFrame:
    """Only the rows of the five modules: work the suite does for itself (loading the demo) is not a module."""
    if frame.empty or column not in frame.columns:
        return frame
    return frame[frame[column].isin(MODULE_KEYS)].reset_index(drop=True)


def word(language: str, group: str, value: object) -> str:
    """A machine value (`succeeded`, `accepted`, `thumbs`) as a word of `staff.<group>.<value>`, else as written."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    key = f"staff.{group}.{str(value).replace(' ', '_')}"
    return i18n.t(language, key) if key in i18n.catalogue(i18n.DEFAULT) else str(value)


def blank(value: object) -> object:
    """None and NaN as an empty cell, never 'None'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return value


def version_label(language: str, version: object, made: Mapping[str, tuple[int, datetime]] | None = None) -> str:
    """A model version as people name it: its number and when it was trained, never its hash; the default model
    in words. `made` comes from `versions_made`."""
    if version is None or version == "" or version == DEFAULT_VERSION or blank(version) == "":
        return i18n.t(language, "staff.version.default")
    known = (made or {}).get(str(version))
    if known is None:
        return i18n.t(language, "staff.version.unknown")
    number, created = known
    return i18n.t(language, "staff.version.trained", number=number, when=i18n.when(language, created))


def as_time(value: object) -> datetime | None:
    """A stored time (a datetime, or an ISO string as the journal writes it) as a datetime; None when unreadable."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def when_words(language: str, value: object) -> str:
    """A stored time (datetime, pandas Timestamp or ISO string) as the language writes it; '' for none or NaT."""
    if blank(value) == "":
        return ""
    moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else as_time(value)
    return i18n.when(language, moment) if moment is not None else str(value)


def versions_made(versions: Iterable[Any]) -> dict[str, tuple[int, datetime]]:
    """Version name -> (its number among its module's versions, oldest 1; when it was made), from `ModelVersion`s."""
    ordered = sorted(versions, key=lambda v: (v.module, v.created_at))
    made: dict[str, tuple[int, datetime]] = {}
    count: dict[str, int] = {}
    for v in ordered:
        count[v.module] = count.get(v.module, 0) + 1
        made[v.version] = (count[v.module], v.created_at)
    return made


def detail_words(detail: object) -> str:
    """A stored detail (a dict, a list) as words: 'bytes: 1,024; role: staff'; never a Python or JSON dict."""
    if detail is None:
        return ""
    if isinstance(detail, Mapping):
        parts = [f"{str(k).replace('_', ' ')}: {detail_words(v)}" for k, v in detail.items() if blank(v) != ""]
        return "; ".join(parts)
    if isinstance(detail, list | tuple | set):
        return ", ".join(detail_words(v) for v in detail)
    if isinstance(detail, bool):
        return "yes" if detail else "no"
    if isinstance(detail, int | float):
        return f"{detail:,}" if isinstance(detail, int) else f"{detail:,.4g}"
    return " ".join(str(detail).split())
