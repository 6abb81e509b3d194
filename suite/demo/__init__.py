"""What the demo loader shares with the modules' `demo.py` hooks: the inputs' fingerprint, the date shift, the record.

* `fingerprint` hashes everything a demo load is made from (the `sample_data/` files, the demo code, the suite
  version and which default models are on disk). `suite demo` stores it with the load's reports in
  `demo_loads`; a repeat with the same fingerprint and its data still in the store skips the work.
* `shift_days` moves a sample file's dates so that its last day lands on the day of the first load
  (the sample files stay as they are; see sample_data/README.md). The shift is kept in `demo_shifts`, so a
  later reload moves the file by the same number of days and its rows de-duplicate.
* `recorded_shift` tells code that compares store rows with the sample files (the risk backtest's planted
  episodes) how far the demo moved them.
* `suite.demo.history` spreads the load's usage events and feedback over the weeks before it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from suite import __version__
from suite.modules import MODULE_KEYS, DemoReport
from suite.settings import Settings
from suite.store import Store, from_json, now, to_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DATA = ROOT / "sample_data"
DEMO_CODE = [ROOT / "suite" / key / "demo.py" for key in MODULE_KEYS] + [
    Path(__file__),
    Path(__file__).parent / "history.py",
]


def fingerprint(models: list[dict[str, Any]]) -> str:
    """A hash of every input of a demo load: sample files (names, sizes, bytes), demo code, version, models.

    `models` describes the models on disk (module, model, version, on_disk), so a rebuilt or removed model
    makes the next load do its work again.
    """
    digest = hashlib.sha256(f"{__version__}\n".encode())
    files = sorted(p for p in SAMPLE_DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in [*files, *DEMO_CODE]:
        digest.update(f"{path.relative_to(ROOT).as_posix()}\0{path.stat().st_size}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(models, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def loaded(store: Store, print_: str) -> list[DemoReport] | None:
    """The reports of the load with this fingerprint, when its data is still in the store (else None)."""
    rows = store.query("SELECT reports FROM demo_loads WHERE fingerprint = ?", [print_])
    if not rows or not _data_still_there(store):
        return None
    return [DemoReport(r["module"], r.get("counts", {}), r.get("note", "")) for r in from_json(rows[0]["reports"])]


def _data_still_there(store: Store) -> bool:
    """Every module has the demo's usage events (a restored or emptied store makes the next load work again)."""
    rows = store.query("""SELECT DISTINCT module FROM events WHERE "user" = 'demo'""")
    return set(MODULE_KEYS) <= {r["module"] for r in rows}


def record(store: Store, print_: str, reports: list[DemoReport], seconds: float) -> None:
    """Remember a finished load (only then: a load that failed half way runs again in full)."""
    value = [{"module": r.module, "counts": r.counts, "note": r.note} for r in reports]
    store.execute("DELETE FROM demo_loads WHERE fingerprint = ?", [print_])
    store.execute(
        "INSERT INTO demo_loads (fingerprint, loaded_at, seconds, reports) VALUES (?, ?, ?, ?)",
        [print_, now(), round(seconds, 2), to_json(value)],
    )


def shift_days(store: Store, name: str, last_day: date) -> int:
    """Days to add to the dates of sample file `name` (last date `last_day`) so that it ends on the first load's day.

    Fixed at the first call for `name`: a later load moves the file by the same days (its rows de-duplicate).
    """
    rows = store.query("SELECT days FROM demo_shifts WHERE name = ?", [name])
    if rows:
        return int(rows[0]["days"])
    days = (datetime.now(UTC).date() - last_day).days
    store.execute(
        "INSERT OR IGNORE INTO demo_shifts (name, days, last_day, set_at) VALUES (?, ?, ?, ?)",
        [name, days, last_day, now()],
    )
    return int(store.scalar("SELECT days FROM demo_shifts WHERE name = ?", [name]))


def shifted_path(settings: Settings, name: str) -> Path:
    """Where a module's demo writes its date-shifted copy of a sample file (under SUITE_HOME, never in sample_data/)."""
    folder = settings.home / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def shift_iso(text: str, days: int) -> str:
    """An ISO date or timestamp (any zone, as written) moved by `days`, written the same way."""
    if len(text) == 10:
        return (date.fromisoformat(text) + timedelta(days=days)).isoformat()
    moved = datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(days=days)
    out = moved.isoformat()
    return out.replace("+00:00", "Z") if text.endswith("Z") else out


def recorded_shift(store: Store, name: str) -> int:
    """The days a demo load moved sample file `name` by (0 when the store's data did not come from the demo)."""
    return int(store.scalar("SELECT coalesce(max(days), 0) FROM demo_shifts WHERE name = ?", [name]) or 0)


def last_day(path: Path, column: str) -> date:
    """The latest date (as written, before any zone conversion) in a CSV column of ISO dates or timestamps."""
    with _open_text(path) as handle:
        return max(date.fromisoformat(row[column][:10]) for row in csv.DictReader(handle) if row.get(column))


def shifted_csv(source: Path, target: Path, columns: tuple[str, ...], days: int) -> Path:
    """A copy of CSV `source` (gzipped or not, written the same way) with the ISO dates in `columns` moved by `days`.

    Written next to `target` first and renamed, so a reader never sees half a file.
    """
    tmp = target.with_name(f".tmp-{target.name}")  # the same ending: gzipped like the target
    with _open_text(source) as handle, _open_text(tmp, "w") as out:
        reader = csv.DictReader(handle)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
        writer.writeheader()
        for row in reader:
            writer.writerow({k: shift_iso(v, days) if k in columns and v else v for k, v in row.items()})
    tmp.replace(target)
    return target


def _open_text(path: Path, mode: str = "r"):
    if path.name.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8", newline="")
    return path.open(mode, encoding="utf-8", newline="")
