"""The dashboard's words in English and Simplified Chinese: one gettext catalogue per language, read with Babel.

Streamlit-free, so the CLI and the API can use it too. Messages are looked up by key (`home.title`), their
placeholders are `str.format` names (`{count}`); a key with a count has `.one` and `.other` forms, picked by
the language's plural rule (Chinese has only `.other`). Numbers, percentages and times are formatted by Babel
for the language (`3 Dec 2026, 14:05 UTC` / `2026年12月3日 14:05 UTC`), never as a raw `+00:00` timestamp.

    from suite.i18n import t, tn, number
    t("zh_CN", "home.title")                 # 'Northstar 智能套件'
    tn("en", "home.feedback_count", 1)       # '1 piece of feedback'
    number("zh_CN", 12345)                   # '12,345'

Catalogues: `suite/i18n/locales/<lang>/LC_MESSAGES/*.po` (`messages.po` for the shared words, one file per page
area beside it; edit with any PO editor); `tests/test_i18n.py` fails when a key is missing in a language, is
defined twice, or its placeholders differ.
"""

from __future__ import annotations

import logging
import string
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

logger = logging.getLogger(__name__)

LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "中文"}  # code -> its own name, for the switch
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


def check_language(language: str | None) -> str:
    """A known language code; anything else (None, 'fr') falls back to English."""
    return language if language in LANGUAGES else DEFAULT


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every key of one language's catalogue and its text (read once per process)."""
    return {key: text for _, key, text in catalogue_entries(language)}


def catalogue_entries(language: str) -> list[tuple[str, str, str]]:
    """(file name, key, text) of every message in one language's `.po` files, in file order."""
    entries = []
    for path in sorted((LOCALES / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            messages = read_po(handle, locale=language)
        entries += [(path.name, str(m.id), str(m.string)) for m in messages if m.id and m.string]
    return entries


def placeholders(text: str) -> set[str]:
    """The `{names}` a message needs."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(language: str | None, key: str, /, **params: object) -> str:
    """The message `key` in `language`, its placeholders filled; English when the language lacks it, else the key
    itself (logged: a page must never break over a missing translation)."""
    language = check_language(language)
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key)
        logger.warning("message %r is missing in %s", key, language if text is not None else "every catalogue")
        if text is None:
            return key
    try:
        return text.format(**params) if params or "{" in text else text
    except (KeyError, IndexError, ValueError):
        logger.warning("message %r in %s needs other placeholders than %s", key, language, sorted(params))
        return text


def tn(language: str | None, key: str, count: int, /, **params: object) -> str:
    """The plural form of `key` that fits `count` (`key.one` / `key.other`), with `{count}` formatted."""
    language = check_language(language)
    form = Locale.parse(language).plural_form(abs(count))
    chosen = f"{key}.{form}" if f"{key}.{form}" in catalogue(language) else f"{key}.other"
    return t(language, chosen, count=number(language, count), **params)


def number(language: str | None, value: float, *, decimals: int | None = None) -> str:
    """A number with the language's grouping (and `decimals` digits after the point when given)."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=check_language(language))


def percent(language: str | None, share: float) -> str:
    """A share (0.67) as a whole percentage for the language ('67%')."""
    return format_percent(share, format="#,##0%", locale=check_language(language))


def when(language: str | None, moment: datetime | date | None, *, tz: timezone | None = None) -> str:
    """A time (or date) as people write it in the language, in `tz` (else the time's own zone), '' for None."""
    if moment is None:
        return ""
    language = check_language(language)
    if isinstance(moment, datetime):
        return format_datetime(moment, _TIME[language], tzinfo=tz or moment.tzinfo, locale=language)
    return format_date(moment, _DATE[language], locale=language)


_TIME = {"en": "d MMM y, HH:mm z", "zh_CN": "y年M月d日 HH:mm z"}  # the zone named, never "+00:00"
_DATE = {"en": "d MMM y", "zh_CN": "y年M月d日"}
