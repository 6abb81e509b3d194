"""Text that people type or send (corrections, word lists) as clean Unicode, or a plain refusal.

Bytes (a file from Notepad, an API body) are decoded: UTF-8, UTF-16/UTF-32 with a byte-order mark, UTF-16
without one (NUL bytes in every other place), else Windows-1252. Text that was already decoded wrongly is
repaired when that is certain (UTF-8 read as Windows-1252: "CafÃ©" -> "Café") and refused when it is not
(replacement characters, control characters): mojibake is never stored.
"""

from __future__ import annotations

import codecs
import unicodedata

from suite.errors import InvalidInput
from suite.textfiles import repair_mojibake, utf16_without_bom

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS = "\t\n\r"


def _decode(data: bytes, what: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                break
    else:
        encoding = utf16_without_bom(data)
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
        else:
            for encoding in ("utf-8", "cp1252"):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    continue
    raise InvalidInput(f"{what} is not readable text; save it as UTF-8 and try again.")


def read_text(value: str | bytes, *, what: str) -> str:
    """`value` as clean NFC text; InvalidInput (naming `what`, e.g. "The correction") when it cannot be trusted."""
    if isinstance(value, bytes | bytearray):
        text = _decode(bytes(value), what)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidInput(f"{what} must be text.")
    text = repair_mojibake(text.removeprefix("\ufeff"))
    if "\ufffd" in text:
        raise InvalidInput(
            f"{what} contains characters that could not be read (shown as \ufffd); save it as UTF-8 and try again."
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
        raise InvalidInput(
            f"{what} contains control characters (is it UTF-16 read as another encoding?); save it as UTF-8 "
            "and try again."
        )
    return unicodedata.normalize("NFC", text)
