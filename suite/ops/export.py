"""The events and feedback tables as CSV or Parquet, for a download button or `suite export`."""

from __future__ import annotations

import io

from suite.auth.trail import audited
from suite.errors import InvalidInput
from suite.store import Store

EXPORTABLE = ("events", "feedback")
FORMATS = ("csv", "parquet")


@audited("data.export", target="table", detail=lambda data: {"bytes": len(data)})
def export_table(store: Store, table: str, fmt: str, days: int | None = None) -> bytes:
    """Events or feedback (optionally of the last `days` days) as CSV or Parquet bytes."""
    if table not in EXPORTABLE:
        raise InvalidInput(f"Only {', '.join(EXPORTABLE)} can be exported.")
    if fmt not in FORMATS:
        raise InvalidInput(f"Export format must be {' or '.join(FORMATS)}.")
    where, params = ("WHERE ts >= now() - to_days(CAST(? AS INTEGER))", [days]) if days else ("", [])
    frame = store.query_df(f"SELECT * FROM {table} {where} ORDER BY ts", params)
    for column in frame.columns:  # JSON columns and time zones as plain text/UTC for spreadsheets
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
