"""`suite demo` on a fresh SUITE_HOME: every module ready to use, weeks of history ending today, a fast repeat.

One real load (real models, the real sample data) for the module; the date helpers are checked on their own.
"""

from __future__ import annotations

import gzip
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from suite import demo
from suite.demo import history
from suite.lifecycle import load_demo
from suite.modules import MODULE_KEYS
from suite.ops import usage_by_day
from suite.settings import Settings
from suite.store import Store


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A store after one full `load_demo`, with what it returned and how long it took."""
    home = tmp_path_factory.mktemp("demo-home")
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"), flush_interval_s=0.2)
    started = time.monotonic()
    reports = load_demo(store)
    yield store, reports, time.monotonic() - started
    store.close()


@pytest.mark.slow
def test_every_module_is_ready_to_use_after_the_load(loaded):
    store, reports, _ = loaded
    by_module = {r.module: r for r in reports}
    assert set(by_module) == set(MODULE_KEYS)
    from suite.recommend.service import recommend_for_user

    picks = recommend_for_user(store, "U0001")  # built by the load: no "not built yet"
    assert len(picks.items) == 10
    assert by_module["recommend"].counts["sample_feedback"] == 6  # logged because the model was there
    assert by_module["risk"].counts["headlines_added"] > 3000
    assert store.scalar("SELECT count(*) FROM risk_headlines WHERE label IS NOT NULL") > 3000
    from suite.inspect import model_status

    assert all(m.on_disk for m in model_status(store.settings))


@pytest.mark.slow
def test_history_spreads_over_weeks_and_ends_today_with_only_the_five_modules(loaded):
    store, reports, _ = loaded
    today = datetime.now(UTC).date()
    days = store.query("""SELECT DISTINCT CAST(ts AS DATE) AS day FROM events WHERE "user" = 'demo'""")
    days = sorted(r["day"] for r in days)
    assert days[-1] == today and (today - days[0]).days >= 30
    assert len(days) >= 30  # a shape, not a spike: something happened on most days
    frame = usage_by_day(store, days=60)
    assert set(frame["module"]) == set(MODULE_KEYS)  # no sixth module "suite"
    assert store.scalar("SELECT count(*) FROM events WHERE module NOT IN ?", [list(MODULE_KEYS)]) == 0
    feedback_days = store.query("""SELECT CAST(ts AS DATE) AS day FROM feedback WHERE "user" = 'demo'""")
    feedback_days = {r["day"] for r in feedback_days}
    assert len(feedback_days) >= 5 and min(feedback_days) <= today - timedelta(days=20)
    # The sample shop and news end on the day of the load, not months ago.
    assert store.scalar("SELECT max(ts) FROM rec_interactions").date() >= today - timedelta(days=1)
    assert store.scalar("SELECT max(day) FROM risk_prices") >= today - timedelta(days=1)
    assert store.scalar("SELECT count(*) FROM risk_alerts WHERE day >= ?", [today - timedelta(days=60)]) >= 1
    assert [r.module for r in reports] == list(MODULE_KEYS)  # one report a module (Home shows one line each)
    past = {r.module: r.counts["past_uses"] for r in reports}
    assert sum(past.values()) > 500 and all(past.values()), past


@pytest.mark.slow
def test_the_risk_backtest_still_finds_the_planted_episodes_after_the_shift(loaded):
    from suite.risk.service import backtest

    store, _, _ = loaded
    outcome = backtest(store)
    assert outcome.caught == outcome.negative_episodes == 5


@pytest.mark.slow
def test_a_repeat_skips_the_work_and_changes_nothing(loaded):
    store, _, cold_s = loaded
    counts = store.counts()
    started = time.monotonic()
    again = load_demo(store)
    repeat_s = time.monotonic() - started
    assert repeat_s < 10, f"a repeat took {repeat_s:.1f} s (cold {cold_s:.1f} s)"
    assert all(r.counts == {} and "already loaded" in r.note for r in again)
    assert store.counts() == counts


@pytest.mark.slow
def test_a_store_without_the_demo_data_loads_it_again(loaded, tmp_path):
    """The fingerprint is not enough: a store that lost the data (restored, emptied) does the work again."""
    store, _, _ = loaded
    row = store.query("SELECT fingerprint, reports FROM demo_loads")[0]
    assert demo.loaded(store, row["fingerprint"]) is not None
    fresh = Store(Settings.from_env(environ={}, home=tmp_path / "other", device="cpu"))
    try:
        fresh.execute(
            "INSERT INTO demo_loads (fingerprint, loaded_at, reports) VALUES (?, now(), ?)",
            [row["fingerprint"], row["reports"]],
        )
        assert demo.loaded(fresh, row["fingerprint"]) is None
    finally:
        fresh.close()


def test_dates_move_by_whole_days_as_written(tmp_path):
    assert demo.shift_iso("2025-12-31", 2) == "2026-01-02"
    assert demo.shift_iso("2025-01-01T15:22:00+08:00", 10) == "2025-01-11T15:22:00+08:00"
    assert demo.shift_iso("2026-10-29T06:39:36Z", 35) == "2026-12-03T06:39:36Z"
    source = tmp_path / "log.csv.gz"
    with gzip.open(source, "wt", encoding="utf-8", newline="") as handle:
        handle.write("user_id,timestamp\nU1,2026-10-28T01:00:00Z\nU2,2026-10-29T23:00:00Z\n")
    assert demo.last_day(source, "timestamp") == date(2026, 10, 29)
    target = demo.shifted_csv(source, tmp_path / "moved.csv.gz", ("timestamp",), 3)
    with gzip.open(target, "rt", encoding="utf-8") as handle:
        assert handle.read().splitlines() == ["user_id,timestamp", "U1,2026-10-31T01:00:00Z", "U2,2026-11-01T23:00:00Z"]


def test_the_shift_is_fixed_at_the_first_load(store):
    first = demo.shift_days(store, "sample", datetime.now(UTC).date() - timedelta(days=40))
    assert first == 40
    assert demo.shift_days(store, "sample", date(2000, 1, 1)) == 40  # a later load moves the file the same way
    assert demo.recorded_shift(store, "sample") == 40 and demo.recorded_shift(store, "never loaded") == 0


def test_history_is_reproducible_grows_and_is_quieter_at_weekends():
    templates = {
        key: [{"action": "ask", "model_name": "m", "model_version": "v", "device": "cpu", "latency_ms": 100.0,
               "input_summary": "q", "output_summary": "{}"}]
        for key in MODULE_KEYS
    }  # fmt: skip
    today = datetime(2026, 12, 3, 12, tzinfo=UTC)
    rows = history._history(templates, today)
    assert rows == history._history(templates, today)  # seeded: the same day gives the same rows (and ids)
    days = [r["ts"].date() for r in rows]
    assert min(days) == (today - timedelta(days=history.DAYS)).date() and max(days) < today.date()
    weekday = [d for d in days if d.weekday() < 5]
    weekend = [d for d in days if d.weekday() >= 5]
    assert len(weekend) / max(len(set(weekend)), 1) < len(weekday) / len(set(weekday)) / 2
    first_week = sum(d < (today - timedelta(days=history.DAYS - 7)).date() for d in days)
    last_week = sum(d >= (today - timedelta(days=7)).date() for d in days)
    assert last_week > 1.5 * first_week
    assert len({r["request_id"] for r in rows}) == len(rows)
