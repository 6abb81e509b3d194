"""Vocabulary hints and replacement dictionaries.

- The workspace vocabulary (product names, jargon) lives in `SUITE_HOME/transcribe/vocabulary.txt`, one
  term per line, edited on the page or with `--vocabulary`.
- A promoted champion (from `retrain`) adds `vocabulary.json` (learned terms) and `replacements.json`
  ({"misheard phrase": "right phrase"}) in its registry folder; both are read on every request.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from suite.errors import InvalidInput, ModelUnavailable
from suite.registry.champion import champion_dir, champion_version
from suite.settings import Settings
from suite.transcribe.text_input import read_text

VOCABULARY_FILE = "vocabulary.json"
REPLACEMENTS_FILE = "replacements.json"
MAX_TERMS = 500  # Whisper reads about 200 tokens of hints; a longer list only slows every request
MAX_TERM_CHARS = 100
_MAX_ARTIFACT_BYTES = 2**20


@dataclass(frozen=True)
class Hints:
    """What a transcription is tuned with: vocabulary terms, replacements, and where they came from."""

    vocabulary: tuple[str, ...] = ()
    replacements: dict[str, str] = field(default_factory=dict)
    version: str = "default"


def parse_terms(text: str | Iterable[str] | None) -> list[str]:
    """'Northstar, ACME Cloud\\nKPI' -> ['Northstar', 'ACME Cloud', 'KPI'] (deduplicated, order kept)."""
    if text is None:
        return []
    items = re.split(r"[,;\n]", text) if isinstance(text, str) else list(text)
    seen: dict[str, str] = {}
    for item in items:
        term = " ".join(str(item).split())
        if term and term.lower() not in seen:
            seen[term.lower()] = term
    return list(seen.values())


def checked_terms(text: str | bytes | Iterable[str] | None, *, what: str = "The word list") -> list[str]:
    """`parse_terms` of text typed or sent by a person (decoded, see `text_input`), within the list's limits."""
    if text is None:
        return []
    if isinstance(text, str | bytes | bytearray):
        terms = parse_terms(read_text(text, what=what))
    else:
        terms = parse_terms([read_text(str(item), what=what) for item in text])
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"{what} has {len(terms):,} terms; keep it to the {MAX_TERMS} names that matter most.")
    long = next((t for t in terms if len(t) > MAX_TERM_CHARS), None)
    if long is not None:
        raise InvalidInput(
            f"{what} has a term of {len(long):,} characters; terms are names or phrases of at most "
            f"{MAX_TERM_CHARS} characters, separated by commas or new lines."
        )
    return terms


def _workspace_file(settings: Settings) -> Path:
    return settings.module_dir("transcribe") / "vocabulary.txt"


def workspace_vocabulary(settings: Settings) -> list[str]:
    """The saved list (a hand-edited file in another encoding is decoded, see `text_input`)."""
    path = _workspace_file(settings)
    if not path.exists():
        return []
    return parse_terms(read_text(path.read_bytes(), what=f"The workspace word list ({path})"))


def save_workspace_vocabulary(settings: Settings, terms: str | bytes | Iterable[str]) -> list[str]:
    """Replace the workspace list atomically (a half-written file would lose the old list)."""
    cleaned = checked_terms(terms)
    path = _workspace_file(settings)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    try:
        tmp.write_text("\n".join(cleaned) + ("\n" if cleaned else ""), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return cleaned


def read_artifacts(folder: Path | None) -> tuple[list[str], dict[str, str]]:
    """Learned vocabulary and replacements stored in a model folder (empty when there is none)."""
    if folder is None:
        return [], {}
    vocabulary = _artifact(folder / VOCABULARY_FILE, list)
    replacements = _artifact(folder / REPLACEMENTS_FILE, dict)
    if not all(isinstance(v, str) for v in vocabulary) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in replacements.items()
    ):
        raise ModelUnavailable(_damaged(folder))
    return list(vocabulary), dict(replacements)


def _artifact(path: Path, kind: type) -> list | dict:
    if not path.exists():
        return kind()
    try:
        if path.stat().st_size > _MAX_ARTIFACT_BYTES:
            raise ValueError("too large")
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        raise ModelUnavailable(_damaged(path.parent)) from None
    if not isinstance(value, kind):
        raise ModelUnavailable(_damaged(path.parent))
    return value


def _damaged(folder: Path) -> str:
    return (
        f"The learned vocabulary in {folder.name} is damaged; promote another version on the Models page "
        "(or `suite models promote`)."
    )


def write_artifacts(folder: Path, vocabulary: list[str], replacements: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / VOCABULARY_FILE).write_text(json.dumps(list(vocabulary), indent=2, ensure_ascii=False) + "\n")
    (folder / REPLACEMENTS_FILE).write_text(json.dumps(dict(replacements), indent=2, ensure_ascii=False) + "\n")


def current_hints(settings: Settings, extra: str | Iterable[str] | None = None) -> Hints:
    """Workspace terms + the champion's learned terms + any given for this request; the champion's replacements."""
    learned, replacements = read_artifacts(champion_dir(settings, "transcribe"))
    terms = parse_terms([*workspace_vocabulary(settings), *learned, *checked_terms(extra, what="The vocabulary")])
    return Hints(tuple(terms), replacements, champion_version(settings, "transcribe") or "default")


def apply_replacements(text: str, replacements: Mapping[str, str]) -> str:
    """Replace whole-word, case-insensitive matches of each misheard phrase (longest first)."""
    for wrong in sorted(replacements, key=len, reverse=True):
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in wrong.split()) + r"(?!\w)"
        text = re.sub(pattern, lambda _m, right=replacements[wrong]: right, text, flags=re.I)
    return text
