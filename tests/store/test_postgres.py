"""The store on PostgreSQL (SUITE_DATABASE_URL): migrations, journal, module services and analytics on a real server.

The server is the Debian package's, started in a temp folder on 127.0.0.1 by `tests/scale/postgres_server.py`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from suite.errors import InvalidInput
from suite.jobs import queue
from suite.ops import usage
from suite.ops.satisfaction import satisfaction_trend
from suite.review import Filters, counts, decide, decide_matching, decisions
from suite.settings import Settings
from suite.store import Store
from suite.store.dialect import to_postgres
from suite.store.schema import _component_migrations
from tests.scale.postgres_server import postgres_server, postgres_url  # noqa: F401 (fixtures)


@pytest.fixture
def pg_store(settings, postgres_url):  # noqa: F811
    store = Store(settings.with_(database_url=postgres_url), flush_interval_s=0.2)
    yield store
    store.close()


# -- the setting -----------------------------------------------------------------------------------------
def test_database_url_is_validated_without_echoing_a_password():
    assert Settings.from_env({}).database_url == ""
    url = "postgresql://suite:secret@db.internal:5432/suite"
    assert Settings.from_env({"SUITE_DATABASE_URL": url}).database_url == url
    with pytest.raises(InvalidInput, match="SUITE_DATABASE_URL is not valid: expected postgresql://") as caught:
        Settings.from_env({"SUITE_DATABASE_URL": "mysql://suite:secret@db/suite"})
    assert "secret" not in str(caught.value)


def test_unreachable_server_is_a_busy_store_and_rows_wait_in_the_journal(settings):
    from tests.serving_kit import free_port

    store = Store(settings.with_(database_url=f"postgresql://suite@127.0.0.1:{free_port()}/none"), wait_s=1.0)
    store.log_event(module="support", action="ask")
    assert store.flush() is False  # nobody listens there: the row stays
    assert store.journal.backlog()[1] == 1
    store.close(wait_s=0.5)


# -- the dialect seam (no server needed) -----------------------------------------------------------------
def test_duckdb_sql_is_translated_outside_quotes_only():
    assert to_postgres("INSERT OR IGNORE INTO t VALUES (?, '50% ?')") == (
        "INSERT INTO t VALUES (%s, '50%% ?') ON CONFLICT DO NOTHING"
    )
    sql = "SELECT day, module, count(*) AS n, round(quantile_cont(x, 0.95), 1) AS p FROM e GROUP BY ALL ORDER BY 1"
    assert to_postgres(sql, with_params=False) == (
        "SELECT day, module, count(*) AS n, round(percentile_cont(0.95) WITHIN GROUP (ORDER BY x), 1) AS p "
        "FROM e GROUP BY 1, 2 ORDER BY 1"
    )
    assert to_postgres("SELECT now() - INTERVAL 7 DAY, 'INTERVAL 7 DAY'", with_params=False) == (
        "SELECT now() - INTERVAL '7 DAY', 'INTERVAL 7 DAY'"
    )
    assert to_postgres("CREATE TABLE a (x DOUBLE, y DOUBLE PRECISION)", with_params=False) == (
        "CREATE TABLE a (x DOUBLE PRECISION, y DOUBLE PRECISION)"
    )
    replaced = to_postgres("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)", primary_key=lambda _t: ["k"])
    assert replaced == 'INSERT INTO t (k, v) VALUES (%s, %s) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v"'


# -- migrations ------------------------------------------------------------------------------------------
def test_every_migration_runs_on_postgres_once(pg_store, postgres_url):  # noqa: F811
    expected = {(name, v) for name, migrations in _component_migrations() for v in range(1, len(migrations) + 1)}
    applied = {
        (r["component"], r["version"]) for r in pg_store.query("SELECT component, version FROM schema_migrations")
    }
    assert applied == expected
    tables = {
        r["table_name"]
        for r in pg_store.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    for table in ("events", "feedback", "model_versions", "jobs", "audit", "support_tickets", "risk_headlines"):
        assert table in tables
    second = Store(pg_store.settings, flush_interval_s=0.2)  # another process's view: nothing left to apply
    second._db.migrated = False
    assert second.scalar("SELECT count(*) FROM schema_migrations") == len(expected)


# -- the journal -----------------------------------------------------------------------------------------
def test_journaled_rows_land_once_even_when_copied_twice(pg_store):
    ids = [pg_store.log_event(module="support", action="ask", latency_ms=i, output_summary={"i": i}) for i in range(50)]
    assert pg_store.flush() is True
    assert pg_store.journal.requeue_retired(None)[1] == 50  # the same rows again (a crash between commit and delete)
    assert pg_store.flush() is True
    rows = pg_store.query("SELECT request_id, latency_ms, output_summary FROM events ORDER BY latency_ms")
    assert [r["request_id"] for r in rows] == ids
    assert rows[3]["latency_ms"] == 3.0 and rows[3]["output_summary"] == '{"i": 3}'  # JSON comes back as text


def test_a_bad_row_is_put_aside_and_the_good_ones_land(pg_store):
    good = pg_store.log_event(module="risk", action="score")
    pg_store.journal_row("events", {"request_id": "bad", "ts": "not a time", "module": "risk", "action": "x"})
    for _ in range(3):  # the file fails QUARANTINE_AFTER times, then is copied row by row
        pg_store.flush()
    assert pg_store.flush() is True
    assert [r["request_id"] for r in pg_store.query("SELECT request_id FROM events")] == [good]
    aside = pg_store.quarantined()
    assert [entry.row["request_id"] for entry in aside] == ["bad"]
    assert "timestamp" in aside[0].reason.lower() or "status" in aside[0].reason.lower()


# -- module services on PostgreSQL -----------------------------------------------------------------------
def test_review_accept_reject_and_undo_trail_on_postgres(pg_store):
    rid = pg_store.log_event(module="risk", action="score", input_summary="Acme slumps", output_summary={"x": 1})
    a = pg_store.log_feedback(module="risk", kind="label", request_id=rid, value={"label": "negative"})
    c = pg_store.log_feedback(module="support", kind="thumbs", value={"question": "refund?", "up": False})
    assert decide(pg_store, [a], "accept", reviewer="alice") == 1
    assert decide(pg_store, [a], "accept", reviewer="alice") == 0
    assert decide_matching(pg_store, Filters(module="support"), "reject", reviewer="bob", note="spam") == 1
    assert counts(pg_store).as_dict() == {"risk": {"accepted": 1}, "support": {"rejected": 1}}
    row = pg_store.query("SELECT reviewer, reviewed_at FROM feedback WHERE feedback_id = ?", [c])[0]
    assert row["reviewer"] == "bob" and row["reviewed_at"] is not None
    assert [d.decision for d in decisions(pg_store)] == ["reject", "accept"]


def test_job_enqueue_claim_and_finish_on_postgres(pg_store):
    job_id, created = queue.enqueue(pg_store, "risk", requested_by="alice")
    again, created_again = queue.enqueue(pg_store, "risk", requested_by="bob")
    assert created and not created_again and again == job_id
    first = queue.claim(pg_store, "risk", worker="thishost-1")
    assert first["job_id"] == job_id and first["state"] == "running"
    pg_store.execute("INSERT INTO jobs (job_id, module, state, created_at) VALUES ('second', 'risk', 'queued', now())")
    assert queue.claim(pg_store, "risk", worker="otherhost-2") is None  # the module is locked
    queue.heartbeat(pg_store, job_id, 0.5, "half way")
    queue.finish(pg_store, job_id, state="succeeded", outcome={"ok": True})
    assert queue.get_job(pg_store, job_id)["progress"] == 1
    assert queue.claim(pg_store, "risk", worker="otherhost-2")["job_id"] == "second"


@pytest.mark.slow
def test_support_ask_feedback_and_ticket_on_postgres(pg_store):
    from suite.support.evaluation import KB_DIR
    from suite.support.service import ask, create_ticket, ingest_paths, list_tickets, record_feedback

    assert len(ingest_paths(pg_store, [KB_DIR]).added) == 30
    answer = ask(pg_store, "How do I reset my password?", user="alice")
    assert answer.answered and answer.citations[0].source == "reset-password.md"
    assert len(record_feedback(pg_store, answer, thumbs_up=False, correction="Use Forgot password", user="alice")) == 2
    ticket = create_ticket(pg_store, answer, user="alice")
    assert [t.ticket_id for t in list_tickets(pg_store)] == [ticket]
    kinds = pg_store.query("SELECT kind, request_id FROM feedback ORDER BY kind")
    assert [(k["kind"], k["request_id"]) for k in kinds] == [("correction", answer.request_id)] * 1 + [
        ("thumbs", answer.request_id)
    ]


# -- Operations analytics: the same SQL on both backends --------------------------------------------------
def _seed(store: Store) -> None:
    for i in range(40):
        store.log_event(
            module=("support", "risk", "transcribe")[i % 3],
            action="ask" if i % 3 == 0 else "score" if i % 3 == 1 else "transcribe",
            status="error" if i % 7 == 0 else "ok",
            model_name="m",
            model_version=f"v{i % 2}",
            device="cpu",
            latency_ms=float(i),
        )
    for i, value in enumerate([{"up": True}, {"up": False}, "up", {"rating": 5}]):
        store.log_feedback(module="support", kind="thumbs" if i < 3 else "rating", value=value)
    store.log_feedback(module="risk", kind="false_alarm", value={"alert": "a"})
    store.log_feedback(module="transcribe", kind="correction", value={"text": "x"})
    assert store.flush() is True


def _plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain values, in one order (ties in a query's ORDER BY may come in either order on either backend)."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return sorted(rows, key=lambda row: [str(v) for v in row.values()])


def test_operations_analytics_give_the_same_answers_on_both_backends(settings, postgres_url):  # noqa: F811
    answers = {}
    for name, url in (("duckdb", ""), ("postgres", postgres_url)):
        store = Store(settings.with_(database_url=url, home=settings.home / name), flush_interval_s=0.2)
        _seed(store)
        answers[name] = {
            "activity": {k: v.as_dict() for k, v in usage.module_activity(store).items()},
            "by_day": _plain(usage.usage_by_day(store)),
            "latency": _plain(usage.latency_by_model(store)),
            "feedback": _plain(usage.feedback_counts(store)),
            "feedback_by_day": _plain(usage.feedback_by_day(store)),
            "satisfaction": _plain(satisfaction_trend(store)),
        }
        store.close()
    duck, pg = answers["duckdb"], answers["postgres"]
    assert duck["activity"]["support"]["total"] == 14 and duck["activity"]["support"]["feedback"] == 4
    for key in duck:
        assert pg[key] == duck[key], key


# -- what modules do on a cursor -------------------------------------------------------------------------
def test_cursor_lists_frames_and_counts_behave_as_on_duckdb(pg_store):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "ticker": ["ACME", "BETA"],
            "name": ["Acme", "Beta"],
            "aliases": [["acme corp"], []],
            "sector": [None, None],  # all NULL: typed like the table it goes into
            "added_at": ["2026-01-02T03:04:05+00:00", "2026-01-03T00:00:00+00:00"],  # ISO text into TIMESTAMPTZ
        }
    )
    with pg_store.transaction() as con:
        con.register("batch", frame)
        assert con.execute("INSERT OR IGNORE INTO risk_watchlist SELECT * FROM batch").fetchone() == (2,)
        con.unregister("batch")
    with pg_store.connect() as con:
        rows = con.execute(
            "SELECT ticker, aliases FROM risk_watchlist WHERE ticker IN (SELECT unnest(?)) ORDER BY 1", [["ACME", "X"]]
        ).fetchall()
        assert rows == [("ACME", ["acme corp"])]
        assert con.execute(
            "SELECT list_contains(aliases, ?) FROM risk_watchlist WHERE ticker = 'ACME'", ["acme corp"]
        ).fetchone() == (True,)
    frame = pg_store.query_df("SELECT ticker, added_at, CAST(added_at AS DATE) AS day FROM risk_watchlist ORDER BY 1")
    assert str(frame["added_at"].dtype).startswith("datetime64") and str(frame["day"].dtype).startswith("datetime64")


@pytest.mark.slow
def test_module_sample_data_loads_on_postgres(pg_store):
    """Recommend (frames, INSERT OR REPLACE), inspect and transcribe (arg_max) put their sample data in."""
    import importlib

    reports = {
        key: importlib.import_module(f"suite.{key}").load_demo(pg_store)
        for key in ("recommend", "inspect", "transcribe")
    }
    assert (
        reports["recommend"].counts["products"] == 1005 and reports["recommend"].counts["interactions_added"] > 50_000
    )
    assert reports["inspect"].counts["images"] == 6
    assert reports["transcribe"].counts["transcripts"] == 1
    again = importlib.import_module("suite.recommend").load_demo(pg_store)  # a reload de-duplicates
    assert again.counts["interactions_added"] == 0
    assert pg_store.quarantined() == []


def test_store_check_reads_postgres_and_backup_points_to_pg_dump(pg_store, tmp_path):
    from suite.store.maintenance import backup, check, restore

    pg_store.log_event(module="support", action="ask")
    assert pg_store.flush() is True
    report = check(pg_store)
    assert report.ok, report.problems
    assert report.tables["events"] == 1 and "jobs" in report.tables
    assert report.database.startswith("postgresql://suite@127.0.0.1:") and report.journal_rows == 0
    with pytest.raises(InvalidInput, match="pg_dump"):
        backup(pg_store, tmp_path / "b.duckdb")
    with pytest.raises(InvalidInput, match="pg_restore"):
        restore(pg_store, tmp_path / "b.duckdb")
