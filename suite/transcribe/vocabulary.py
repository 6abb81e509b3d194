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

from suite.registry.champion import champion_dir, champion_version
from suite.settings import Settings

VOCABULARY_FILE = "vocabulary.json"
REPLACEMENTS_FILE = "replacements.json"


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


def _workspace_file(settings: Settings) -> Path:
    return settings.module_dir("transcribe") / "vocabulary.txt"


def workspace_vocabulary(settings: Settings) -> list[str]:
    path = _workspace_file(settings)
    return parse_terms(path.read_text(encoding="utf-8")) if path.exists() else []


def save_workspace_vocabulary(settings: Settings, terms: str | Iterable[str]) -> list[str]:
    """Replace the workspace list atomically (a half-written file would lose the old list)."""
    cleaned = parse_terms(terms)
    path = _workspace_file(settings)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text("\n".join(cleaned) + ("\n" if cleaned else ""), encoding="utf-8")
    os.replace(tmp, path)
    return cleaned


def read_artifacts(folder: Path | None) -> tuple[list[str], dict[str, str]]:
    """Learned vocabulary and replacements stored in a model folder (empty when there is none)."""
    if folder is None:
        return [], {}
    vocab_path, repl_path = folder / VOCABULARY_FILE, folder / REPLACEMENTS_FILE
    vocabulary = json.loads(vocab_path.read_text()) if vocab_path.exists() else []
    replacements = json.loads(repl_path.read_text()) if repl_path.exists() else {}
    return list(vocabulary), dict(replacements)


def write_artifacts(folder: Path, vocabulary: list[str], replacements: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / VOCABULARY_FILE).write_text(json.dumps(list(vocabulary), indent=2, ensure_ascii=False) + "\n")
    (folder / REPLACEMENTS_FILE).write_text(json.dumps(dict(replacements), indent=2, ensure_ascii=False) + "\n")


def current_hints(settings: Settings, extra: str | Iterable[str] | None = None) -> Hints:
    """Workspace terms + the champion's learned terms + any given for this request; the champion's replacements."""
    learned, replacements = read_artifacts(champion_dir(settings, "transcribe"))
    terms = parse_terms([*workspace_vocabulary(settings), *learned, *parse_terms(extra)])
    return Hints(tuple(terms), replacements, champion_version(settings, "transcribe") or "default")


def apply_replacements(text: str, replacements: Mapping[str, str]) -> str:
    """Replace whole-word, case-insensitive matches of each misheard phrase (longest first)."""
    for wrong in sorted(replacements, key=len, reverse=True):
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in wrong.split()) + r"(?!\w)"
        text = re.sub(pattern, lambda _m, right=replacements[wrong]: right, text, flags=re.I)
    return text
