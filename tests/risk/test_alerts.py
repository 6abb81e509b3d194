"""Alerts on real sample news: the planted recall raises one alert with its headlines; staff actions; webhook."""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
from risk_helpers import load_slice

from suite.risk import outbox, queries
from suite.risk.alerts import refresh_alerts
from suite.risk.models import Alert, Thresholds
from suite.risk.service import act_on_alert, backtest, correct_label, deliver_pending, deliveries, list_alerts
from suite.risk.signals import detect, severity_for
from suite.risk.webhook import WebhookFailed, post
from suite.store import now


@pytest.mark.slow
def test_planted_recall_raises_one_alert_with_its_headlines(loaded):
    store, report = loaded
    assert report.added > 100 and not report.rejected
    alerts = list_alerts(store, ticker="FNWK")
    recall = [a for a in alerts if date(2025, 3, 10) <= a.day <= date(2025, 3, 18)]
    assert len(recall) == 1, "cooldown: one story raises one alert"
    alert = recall[0]
    assert alert.day == date(2025, 3, 11)
    assert alert.severity in ("medium", "high")
    assert sum("recall" in h.lower() for h in alert.headlines) >= 3
    assert "headlines" in alert.reason and alert.model_version.startswith("default-")
    # The same file again changes nothing: same stories, same alerts.
    assert load_slice(store).added == 0
    assert len(list_alerts(store, ticker="FNWK", states=None)) == len(alerts)
    outcome = backtest(store)
    fennwick = next(e for e in outcome.episodes if e.ticker == "FNWK")
    assert fennwick.alerted and fennwick.delay_days == 0


def _signals(days: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"ticker": "T", "day": date.fromisoformat(d), "volume": v, "tone": t, "neg_share": 1.0, "baseline": 0.2}
            | {"spread": 0.3, "z": z, "usual_volume": 0.5}
            for d, v, t, z in days
        ]
    )


def test_cooldown_holds_and_severity_counts_the_bad_news():
    days = [("2025-05-01", 6, -0.8, -3.3), ("2025-05-02", 5, -0.7, -3.0), ("2025-05-06", 3, -0.6, -2.7)]
    days += [("2025-05-20", 2, -0.5, -2.6)]
    found = detect(_signals(days), Thresholds())
    assert [(c.day.isoformat(), c.severity) for c in found] == [("2025-05-01", "high"), ("2025-05-20", "medium")]
    assert len(detect(_signals(days), Thresholds(cooldown_days=0))) == 4
    assert detect(_signals(days), Thresholds(per_company_z=(("T", 3.5),)))[0].trigger == "volume"
    # one rule whatever raised the alert: 5 bad-news headlines or more are high, 2 or more medium, else low
    assert [severity_for(n) for n in (1, 2, 4, 5, 9)] == ["low", "medium", "medium", "high", "high"]
    one_headline = [("2025-05-01", 1, -0.9, -3.6)]
    assert detect(_signals(one_headline), Thresholds()) == []


@pytest.mark.slow
def test_acknowledge_snooze_false_alarm_and_label_correction(loaded):
    store, _ = loaded
    alert = list_alerts(store, ticker="FNWK")[0]
    act_on_alert(store, alert.alert_id, "snooze", user="ana")
    assert alert.alert_id not in {a.alert_id for a in list_alerts(store)}
    store.execute("UPDATE risk_alerts SET snoozed_until = now() - INTERVAL 1 HOUR WHERE alert_id = ?", [alert.alert_id])
    assert alert.alert_id in {a.alert_id for a in list_alerts(store)}, "a snooze ends"
    act_on_alert(store, alert.alert_id, "false_alarm", user="ana", note="old news")
    assert alert.alert_id not in {a.alert_id for a in list_alerts(store)}
    feedback = store.query("SELECT kind, value, \"user\" FROM feedback WHERE module = 'risk'")
    assert [f["kind"] for f in feedback] == ["false_alarm"]
    value = json.loads(feedback[0]["value"])
    assert value["ticker"] == "FNWK" and value["headlines"] and value["note"] == "old news"

    row = store.query("SELECT headline_id, headline FROM risk_headlines WHERE label = 'neutral' LIMIT 1")[0]
    correct_label(store, row["headline_id"], "negative", user="ana")
    stored = store.query("SELECT corrected_label FROM risk_headlines WHERE headline_id = ?", [row["headline_id"]])
    assert stored[0]["corrected_label"] == "negative"
    value = json.loads(store.query("SELECT value FROM feedback WHERE kind = 'correction'")[0]["value"])
    assert value["headline"] == row["headline"] and value["model_label"] == "neutral"
    refresh_alerts(store)  # recomputing with the correction keeps existing alerts and their states
    assert store.scalar("SELECT state FROM risk_alerts WHERE alert_id = ?", [alert.alert_id]) == "false_alarm"


class _Flaky(http.server.BaseHTTPRequestHandler):
    calls: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Flaky.calls.append(body)
        self.send_response(500 if len(_Flaky.calls) == 1 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_and_never_blocks(store, settings):
    """The outbox: a failed send is retried later (not in a blocking loop); a background send; no URL, no message."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    alert = Alert(alert_id="X-1", ticker="X", day=date(2025, 1, 2), severity="high", reason="Tone fell.")
    row = ["X-1", "X", date(2025, 1, 2), now(), "high", "tone", "Tone fell.", -0.9, 0.1, -4.0, 5, [], "test"]
    try:
        queries.insert_alerts(
            store, [row], outbox.new_message(url, [replace(alert, headlines=["X recalls cars"])], now())
        )
        assert [d.status for d in deliver_pending(store)] == ["retrying"]
        assert [d.status for d in deliver_pending(store, at=now() + timedelta(minutes=1))] == ["delivered"]
        assert len(_Flaky.calls) == 2 and "X recalls cars" in _Flaky.calls[1]["text"]
        queries.insert_alerts(store, [], outbox.new_message(url, [alert], now()))
        waiting = [d.delivery_id for d in deliveries(store) if d.status == "waiting"]
        thread = outbox.deliver_soon(store, waiting)
        thread.join(5)
        assert len(_Flaky.calls) == 3
    finally:
        server.shutdown()
    assert refresh_alerts(store) == [] and len(deliveries(store)) == 2  # no webhook configured: nothing queued
    with pytest.raises(WebhookFailed):
        post("http://127.0.0.1:9/nothing", {"text": "x"}, connect_timeout_s=0.5, deadline_s=2)
