"""What the store's maintenance functions return: dataclasses with `as_dict()` for JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class QuarantinedRow:
    """A journaled row that could not be saved, kept under `spool/quarantine/` (or `spool/torn/`) with why.

    `table` and `row` are None for a line too damaged to read (cut short by a crash or a full disk); `raw` then
    holds what was left of it.
    """

    file: str
    reason: str
    table: str | None = None
    row: dict[str, Any] | None = None
    raw: str | None = None
    quarantined_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StoreCheck:
    """`suite store check`: is the database readable, what is in it, and what still waits to get in."""

    ok: bool
    database: str
    size_bytes: int
    tables: dict[str, int] = field(default_factory=dict)
    journal_files: int = 0
    journal_rows: int = 0
    quarantined: int = 0
    torn_lines: int = 0
    unsaved_events: int = 0
    free_bytes: int = 0
    kept_aside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BackupReport:
    """A backup written by `suite store backup PATH` (or a restore's result, with what was kept aside)."""

    path: str
    size_bytes: int
    tables: dict[str, int]
    kept_aside: list[str] = field(default_factory=list)
    restored_from: str | None = None
    taken_at: str | None = None
    replayed_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
