"""A pilot's first weeks, so that every usage chart has a shape: the demo load's real calls, spread back in time.

The modules' demo hooks make real calls (questions answered, photos inspected, a clip transcribed, headlines
scored), all as user `demo`. Then, seeded and reproducible:

* each of the `DAYS` days before today gets copies of those calls (their real model names, versions and
  outputs; latencies varied around the real ones), more on weekdays and more as the pilot grows, with ids
  derived from the day, so a reload on the same day adds nothing;
* the feedback the load logged (and the call each item is about) moves to a day of the last `FEEDBACK_DAYS`.

Only rows of module keys are written (never a sixth "suite" module in the usage charts).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time, timedelta

import pandas as pd

from suite.modules import MODULE_KEYS
from suite.store import Store

DAYS = 45
FEEDBACK_DAYS = 30
SEED = 15
# Calls a day at full use (weekday), per module; the first days of the pilot run at RAMP_START of that.
DAILY = {"support": 16, "recommend": 22, "inspect": 7, "transcribe": 3, "risk": 1}
RAMP_START = 0.35
WEEKEND = 0.3
_IDS = uuid.UUID("6b1f6a52-0c77-4d55-9d49-2f6a0b5e9c15")
# The actions that are requests of the assistants (not bookkeeping such as "ingest" or a feedback marker).
REQUEST_ACTIONS = ("ask", "for_user", "visitor", "similar", "inspect", "transcribe", "classify_batch")


def spread(store: Store, since: datetime, *, today: datetime | None = None) -> dict[str, int]:
    """Back-fill the usage history from the calls made since `since` and spread the feedback logged since then.

    Returns the past uses added per module and the number of feedback items moved (under "feedback").
    """
    today = today or datetime.now(UTC)
    store.flush(wait_s=10.0)
    templates = _templates(store)
    events = _history(templates, today) if templates else []
    added = _insert_events(store, events)
    moved = _spread_feedback(store, since, today)
    # Earlier versions of the loader logged themselves as a sixth module, "suite": not a use of an assistant.
    store.execute("DELETE FROM events WHERE module = 'suite' AND action = 'load_demo'")
    return {**added, "feedback": moved}


def _templates(store: Store) -> dict[str, list[dict]]:
    placeholders = ", ".join("?" for _ in REQUEST_ACTIONS)
    rows = store.query(
        f"""SELECT module, action, model_name, model_version, device, latency_ms, input_summary,
                   CAST(output_summary AS VARCHAR) AS output_summary
            FROM events WHERE "user" = 'demo' AND status = 'ok' AND action IN ({placeholders})
            ORDER BY module, ts, request_id""",
        list(REQUEST_ACTIONS),
    )
    found: dict[str, list[dict]] = {}
    for row in rows:
        if row["module"] in MODULE_KEYS:
            found.setdefault(row["module"], []).append(row)
    return found


def _history(templates: dict[str, list[dict]], today: datetime) -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for back in range(DAYS, 0, -1):
        day = (today - timedelta(days=back)).date()
        growth = RAMP_START + (1 - RAMP_START) * (DAYS - back) / (DAYS - 1)
        weekday = WEEKEND if day.weekday() >= 5 else 1.0
        for module, per_day in DAILY.items():
            pool = templates.get(module)
            if not pool:
                continue
            mean = per_day * growth * weekday
            count = max(0, round(rng.gauss(mean, mean**0.5 / 2))) if mean >= 1 else int(rng.random() < mean)
            for number in range(count):
                template = rng.choice(pool)
                hour = rng.triangular(7.5, 19.5, 11.0)
                ts = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)
                latency = template["latency_ms"]
                rows.append(
                    {
                        "request_id": uuid.uuid5(_IDS, f"{day.isoformat()}/{module}/{number}").hex,
                        "ts": ts,
                        "user": "demo",
                        "module": module,
                        "action": template["action"],
                        "model_name": template["model_name"],
                        "model_version": template["model_version"],
                        "device": template["device"],
                        "latency_ms": None if latency is None else round(latency * rng.lognormvariate(0, 0.25), 3),
                        "status": "ok",
                        "error": None,
                        "input_summary": template["input_summary"],
                        "output_summary": template["output_summary"],
                    }
                )
    return rows


def _insert_events(store: Store, rows: list[dict]) -> dict[str, int]:
    """Insert the rows not there yet (days back-filled by an earlier load keep theirs); new rows per module."""
    if not rows:
        return {}
    frame = pd.DataFrame(rows)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with store.transaction() as con:
        con.register("demo_history", frame)
        try:
            new = con.execute(
                """SELECT module, count(*) FROM demo_history d
                   WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.request_id = d.request_id) GROUP BY module"""
            ).fetchall()
            con.execute(f"INSERT OR IGNORE INTO events ({columns}) SELECT {columns} FROM demo_history")
        finally:
            con.unregister("demo_history")
    return {module: int(n) for module, n in new}


def _spread_feedback(store: Store, since: datetime, today: datetime) -> int:
    """Move the feedback logged since `since` (and the call each is about) to earlier days, the newest last."""
    rows = store.query(
        """SELECT feedback_id, request_id FROM feedback WHERE "user" = 'demo' AND ts >= ? ORDER BY ts, feedback_id""",
        [since],
    )
    if not rows:
        return 0
    rng = random.Random(SEED + 1)
    with store.transaction() as con:
        for position, row in enumerate(rows):
            # Oldest first, one to FEEDBACK_DAYS days back, a few hours apart within the day.
            back = FEEDBACK_DAYS - (FEEDBACK_DAYS - 1) * position / max(len(rows) - 1, 1)
            shift = timedelta(days=round(back), hours=rng.uniform(-3, 3))
            con.execute("UPDATE feedback SET ts = ts - ? WHERE feedback_id = ?", [shift, row["feedback_id"]])
            if row["request_id"]:
                con.execute(
                    """UPDATE events SET ts = ts - ? WHERE request_id = ? AND "user" = 'demo' AND ts >= ?""",
                    [shift, row["request_id"], since],
                )
    return len(rows)
