"""All of the risk module's SQL: functions that take the store (tables are in `suite.risk.schema`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from suite.store import Store

# -- watchlist and prices ------------------------------------------------------------------------------


def watchlist(store: Store) -> list[dict[str, Any]]:
    """Every watched company: ticker, name, aliases, sector (by ticker)."""
    return store.query("SELECT ticker, name, aliases, sector FROM risk_watchlist ORDER BY ticker")


def company(store: Store, ticker: str) -> dict[str, Any] | None:
    rows = store.query("SELECT ticker, name, aliases, sector FROM risk_watchlist WHERE ticker = ?", [ticker])
    return rows[0] if rows else None


def upsert_companies(store: Store, companies: list[tuple[str, str, list[str], str | None]], stamp: datetime) -> None:
    """(ticker, name, aliases, sector) rows; a known ticker gets the new name, aliases and sector."""
    with store.transaction() as con:
        for ticker, name, aliases, sector in companies:
            con.execute(
                "INSERT INTO risk_watchlist VALUES (?, ?, ?, ?, ?) ON CONFLICT (ticker) DO UPDATE SET "
                "name = excluded.name, aliases = excluded.aliases, sector = excluded.sector",
                [ticker, name, aliases, sector, stamp],
            )


def insert_prices(store: Store, frame: pd.DataFrame) -> None:
    """Daily closes (ticker, day, close); days already stored stay as they are."""
    with store.transaction() as con:
        con.register("prices", frame)
        con.execute("INSERT OR IGNORE INTO risk_prices SELECT ticker, CAST(day AS DATE), close FROM prices")


def prices(store: Store, ticker: str | None = None) -> pd.DataFrame:
    """Daily closes (day as a date) of one company, or of all of them with their ticker."""
    if ticker is not None:
        frame = store.query_df("SELECT day, close FROM risk_prices WHERE ticker = ? ORDER BY day", [ticker])
    else:
        frame = store.query_df("SELECT ticker, day, close FROM risk_prices")
        if not frame.empty:
            frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


# -- headlines -----------------------------------------------------------------------------------------


def headlines_frame(store: Store, tickers: list[str] | None = None) -> pd.DataFrame:
    """Every stored headline once per company it mentions (day as a date), oldest first."""
    sql = """SELECT m.ticker, h.headline_id, h.ts, h.day, h.source, h.sources, h.headline, h.url, h.label,
                    h.confidence, h.score, h.low_confidence, h.corrected_label, h.model_version
             FROM risk_mentions m JOIN risk_headlines h USING (headline_id)"""
    if tickers:
        frame = store.query_df(sql + " WHERE m.ticker IN (SELECT unnest(?)) ORDER BY h.ts", [tickers])
    else:
        frame = store.query_df(sql + " ORDER BY h.ts")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def batch_headlines(store: Store, batch_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The headlines one import stored, newest first, with the tickers each names (for the upload's result)."""
    return store.query(
        """SELECT h.headline_id, h.ts, h.headline, h.label, h.confidence, h.low_confidence, h.corrected_label,
                  list(m.ticker ORDER BY m.ticker) FILTER (WHERE m.ticker IS NOT NULL) AS tickers
           FROM risk_headlines h LEFT JOIN risk_mentions m USING (headline_id)
           WHERE h.batch_id = ?
           GROUP BY ALL ORDER BY h.ts DESC LIMIT ?""",
        [batch_id, int(limit)],
    )


def all_headlines(store: Store) -> list[dict[str, Any]]:
    """headline_id, headline and label of every stored headline, oldest first."""
    return store.query("SELECT headline_id, headline, label FROM risk_headlines ORDER BY ts")


def headline(store: Store, headline_id: str) -> dict[str, Any] | None:
    rows = store.query(
        "SELECT headline, label, confidence, model_version FROM risk_headlines WHERE headline_id = ?", [headline_id]
    )
    return rows[0] if rows else None


def headline_texts(store: Store, headline_ids: list[str]) -> dict[str, str]:
    if not headline_ids:
        return {}
    rows = store.query(
        "SELECT headline_id, headline FROM risk_headlines WHERE headline_id IN (SELECT unnest(?))", [headline_ids]
    )
    return {r["headline_id"]: r["headline"] for r in rows}


def set_corrected_label(store: Store, headline_id: str, label: str) -> None:
    store.execute("UPDATE risk_headlines SET corrected_label = ? WHERE headline_id = ?", [label, headline_id])


def last_day(store: Store) -> Any:
    """The latest day with headlines, as DuckDB returns it (None when there are none)."""
    return store.scalar("SELECT max(day) FROM risk_headlines")


def stored_headline_ids(store: Store, keys: list[str]) -> set[str]:
    """Which of these headline ids are stored already."""
    if not keys:
        return set()
    frame = pd.DataFrame({"headline_id": keys})
    with store.connect() as con:
        con.register("incoming", frame)
        rows = con.execute("SELECT h.headline_id FROM risk_headlines h JOIN incoming USING (headline_id)").fetchall()
    return {r[0] for r in rows}


def save_batch(
    store: Store,
    *,
    headlines: pd.DataFrame,
    mentions: pd.DataFrame,
    repeats: list[tuple[str, list[str]]],
    rejects: pd.DataFrame,
    record: list[Any],
) -> None:
    """One import in one transaction: new headlines and their company links, sources added to stories already
    stored ((headline_id, sources) pairs), the rejected rows (reject_id, batch_id, file_name, line, raw, reason, ts)
    and the import's record (batch_id, file_name, user, imported_at, encoding, rows_read, added, duplicates,
    rejected, error, summary): all of it or nothing."""
    with store.transaction() as con:
        if len(headlines):
            con.register("new_headlines", headlines)
            names = ", ".join(headlines.columns)
            con.execute(f"INSERT OR IGNORE INTO risk_headlines ({names}) SELECT {names} FROM new_headlines")
        if len(mentions):
            con.register("new_mentions", mentions)
            con.execute("INSERT OR IGNORE INTO risk_mentions SELECT headline_id, ticker FROM new_mentions")
        for headline_id, sources in repeats:
            con.execute(
                "UPDATE risk_headlines SET sources = list_sort(list_distinct(list_concat(sources, ?))) "
                "WHERE headline_id = ?",
                [sources, headline_id],
            )
        if len(rejects):
            con.register("new_rejects", rejects)
            con.execute(
                "INSERT INTO risk_rejects SELECT reject_id, batch_id, file_name, CAST(line AS INTEGER), raw, reason, "
                "ts FROM new_rejects"
            )
        con.execute("INSERT INTO risk_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", record)


def imports(store: Store, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest import records, newest first."""
    return store.query(f"SELECT * FROM risk_imports ORDER BY imported_at DESC LIMIT {int(limit)}")


# -- alerts --------------------------------------------------------------------------------------------


def alert_days(store: Store) -> dict[str, list[date]]:
    """The days of every stored alert, per company."""
    earlier: dict[str, list[date]] = {}
    for row in store.query("SELECT ticker, day FROM risk_alerts"):
        earlier.setdefault(row["ticker"], []).append(row["day"])
    return earlier


def insert_alerts(store: Store, rows: list[list[Any]], delivery: list[Any] | None = None) -> None:
    """New open alerts: (alert_id, ticker, day, created_at, severity, trigger, reason, tone, baseline, z, volume,
    headline_ids, model_version); an alert id already stored keeps its row and state. With `delivery`
    (delivery_id, created_at, alert_ids, url, payload), the webhook message joins the outbox in the same
    transaction, so an alert is never stored without its announcement."""
    with store.transaction() as con:
        for row in rows:
            con.execute(
                "INSERT OR IGNORE INTO risk_alerts (alert_id, ticker, day, created_at, severity, trigger, reason, "
                "tone, baseline, z, volume, headline_ids, state, model_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                row,
            )
        if delivery is not None:
            con.execute(
                "INSERT INTO risk_outbox (delivery_id, created_at, alert_ids, url, payload, state, attempts, "
                "next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)",
                [*delivery, delivery[1]],
            )


# -- the webhook outbox --------------------------------------------------------------------------------


def claim_deliveries(
    store: Store, *, at: datetime, lease_until: datetime, ids: list[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Pending messages due at `at` and not claimed by another process, claimed until `lease_until` (oldest first)."""
    where = "state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)"
    params: list[Any] = [at, at]
    if ids is not None:
        where += " AND delivery_id IN (SELECT unnest(?))"
        params.append(ids)
    with store.transaction() as con:
        rows = con.execute(
            f"SELECT delivery_id, url, payload, attempts FROM risk_outbox WHERE {where} "
            f"ORDER BY created_at LIMIT {int(limit)}",
            params,
        ).fetchall()
        claimed = [r[0] for r in rows]
        if claimed:
            con.execute(
                "UPDATE risk_outbox SET claimed_until = ? WHERE delivery_id IN (SELECT unnest(?))",
                [lease_until, claimed],
            )
    return [{"delivery_id": r[0], "url": r[1], "payload": r[2], "attempts": r[3]} for r in rows]


def finish_delivery(
    store: Store,
    delivery_id: str,
    *,
    state: str,
    attempts: int,
    next_attempt_at: datetime,
    last_error: str | None,
    delivered_at: datetime | None,
) -> None:
    """Record one attempt's outcome and release the claim."""
    store.execute(
        "UPDATE risk_outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, "
        "claimed_until = NULL WHERE delivery_id = ?",
        [state, attempts, next_attempt_at, last_error, delivered_at, delivery_id],
    )


def deliveries(store: Store, *, limit: int, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Outbox messages newest first (without their payload)."""
    where, params = "1=1", []
    if ids is not None:
        where, params = "delivery_id IN (SELECT unnest(?))", [ids]
    return store.query(
        "SELECT delivery_id, alert_ids, created_at, state, attempts, url, next_attempt_at, last_error, delivered_at "
        f"FROM risk_outbox WHERE {where} ORDER BY created_at DESC LIMIT {int(limit)}",
        params,
    )


def alerts(
    store: Store,
    *,
    since: date | str | None,
    states: tuple[str, ...] | None,
    ticker: str | None,
    alert_ids: list[str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Alert rows newest first with `company` and `status` (a snooze that has ended reads 'open')."""
    where, params = ["1=1"], []
    if since:
        where.append("a.day >= ?")
        params.append(since)
    if ticker:
        where.append("a.ticker = ?")
        params.append(ticker)
    if alert_ids is not None:
        where.append("a.alert_id IN (SELECT unnest(?))")
        params.append(alert_ids)
    if states is not None:
        due = "(a.state = 'snoozed' AND a.snoozed_until <= now())"
        where.append(f"(a.state IN (SELECT unnest(?)) OR ({due} AND 'open' IN (SELECT unnest(?))))")
        params += [list(states), list(states)]
    return store.query(
        f"""SELECT a.*, w.name AS company,
                   CASE WHEN a.state = 'snoozed' AND a.snoozed_until <= now() THEN 'open' ELSE a.state END AS status
            FROM risk_alerts a LEFT JOIN risk_watchlist w USING (ticker)
            WHERE {" AND ".join(where)} ORDER BY a.day DESC, a.ticker LIMIT {int(limit)}""",
        params,
    )


def set_alert_state(
    store: Store, alert_id: str, state: str, *, by: str, at: datetime, snoozed_until: datetime | None
) -> None:
    store.execute(
        "UPDATE risk_alerts SET state = ?, state_by = ?, state_at = ?, snoozed_until = ? WHERE alert_id = ?",
        [state, by, at, snoozed_until, alert_id],
    )


def alerts_for_backtest(store: Store) -> list[dict[str, Any]]:
    """alert_id, ticker, day and severity of every alert, oldest first."""
    return store.query("SELECT alert_id, ticker, day, severity FROM risk_alerts ORDER BY day")


def coverage(store: Store) -> dict[str, Any]:
    """first and last day with linked headlines, and the number of companies (n) they mention."""
    return store.query(
        "SELECT min(day) AS first, max(day) AS last, count(DISTINCT ticker) AS n "
        "FROM risk_mentions JOIN risk_headlines USING (headline_id)"
    )[0]


# -- feedback and drift --------------------------------------------------------------------------------


def feedback_count(store: Store, user: str) -> int:
    """How many risk feedback rows this user has logged (the demo logs its sample feedback once)."""
    return int(store.scalar("SELECT count(*) FROM feedback WHERE module = 'risk' AND \"user\" = ?", [user]) or 0)


def latest_labels(store: Store, days: int) -> list[str]:
    """The label (a staff correction wins) of each headline of the last `days` days with headlines."""
    rows = store.query(
        """SELECT coalesce(corrected_label, label) AS label FROM risk_headlines
           WHERE day > (SELECT max(day) FROM risk_headlines) - CAST(? AS INTEGER)""",
        [days],
    )
    return [r["label"] for r in rows]


def scored_labels(store: Store, *, recent_days: int, reference_days: int) -> tuple[list[str], list[str]]:
    """The model's label of each headline scored in the reference period and in the recent one (by scoring time)."""
    rows = store.query(
        """SELECT ingested_at >= now() - to_days(CAST(? AS INTEGER)) AS recent, label FROM risk_headlines
           WHERE ingested_at >= now() - to_days(CAST(? AS INTEGER))""",
        [recent_days, recent_days + reference_days],
    )
    reference = [r["label"] for r in rows if not r["recent"]]
    recent = [r["label"] for r in rows if r["recent"]]
    return reference, recent
