"""The alert webhook against real local HTTP servers: only http(s), no redirects, a deadline, a persistent outbox."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from risk_helpers import seed_scored_headlines, watchlist
from typer.testing import CliRunner

from suite import clikit
from suite.cli import app
from suite.errors import InvalidInput
from suite.risk.alerts import refresh_alerts
from suite.risk.service import MAX_ATTEMPTS, check_webhook, deliver_pending, deliveries, upsert_watchlist
from suite.risk.webhook import WebhookFailed, post
from suite.store import Store, now

ROOT = Path(__file__).resolve().parents[2]


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook whose answers the test sets: a list of statuses (the last one repeats), or a redirect, or a trickle."""

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        server.calls.append({"path": self.path, "method": "POST", "body": json.loads(body or b"{}")})
        status = server.statuses[min(len(server.calls), len(server.statuses)) - 1]
        if server.trickle_s:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(200):  # a header byte at a time, each well within the read timeout
                self.wfile.write(b"X")
                self.wfile.flush()
                time.sleep(server.trickle_s)
            return
        self.send_response(status)
        if server.location:
            self.send_header("Location", server.location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):  # noqa: N802 (http.server API)
        self.server.calls.append({"path": self.path, "method": "GET"})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def hook(statuses=(200,), *, location: str = "", trickle_s: float = 0.0):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.daemon_threads = True
    server.calls, server.statuses, server.location, server.trickle_s = [], list(statuses), location, trickle_s
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_port}/services/T0/B0/secret"
    finally:
        server.shutdown()
        server.server_close()


def _raise_alert(store: Store, url: str) -> str:
    """A real alert from seeded, already-scored headlines, with the webhook set: its message joins the outbox."""
    upsert_watchlist(store, watchlist(("FNWK",)))
    seed_scored_headlines(store)
    webhooked = Store(store.settings.with_(alert_webhook=url))
    [alert_id] = refresh_alerts(webhooked)
    return alert_id


@pytest.fixture
def quiet_store(store, monkeypatch):
    """The outbox tried only when the test says (no first attempt in the background)."""
    monkeypatch.setattr("suite.risk.outbox.deliver_soon", lambda *args, **kwargs: None)
    return store


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://hooks.example/x", "gopher://127.0.0.1:70/", "hooks.example/no-scheme", "http:///x"],
)
def test_only_http_urls_are_accepted_at_configuration_time(settings, monkeypatch, url):
    with pytest.raises(InvalidInput, match="SUITE_ALERT_WEBHOOK") as caught:
        check_webhook(settings.with_(alert_webhook=url))
    assert len(str(caught.value).splitlines()) == 1 and "passwd" not in str(caught.value)
    with pytest.raises(InvalidInput):
        post(url, {"text": "x"})  # nothing is opened
    monkeypatch.setenv("SUITE_ALERT_WEBHOOK", url)
    clikit.reset()
    result = CliRunner().invoke(app, ["risk", "alerts"])
    clikit.reset()
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "SUITE_ALERT_WEBHOOK" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_url_is_never_opened_when_alerts_are_raised(quiet_store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not send")
    alert_id = _raise_alert(quiet_store, f"file://{secret}")
    assert alert_id.startswith("FNWK-")
    assert deliveries(quiet_store) == []  # the alert is stored, the bad URL is logged and never used


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_delivery_and_its_target_gets_nothing(quiet_store, status):
    with hook() as (target, admin), hook([status], location=admin.replace("/services", "/admin")) as (first, url):
        _raise_alert(quiet_store, url)
        [delivery] = deliver_pending(quiet_store)
        assert delivery.status == "retrying" and delivery.attempts == 1
        assert "redirect" in delivery.last_error and "secret" not in delivery.last_error
        assert len(first.calls) == 1 and first.calls[0]["method"] == "POST"
        assert target.calls == []  # neither a POST nor a GET reached the redirect's target


def test_a_slow_server_is_cut_off_at_the_deadline(quiet_store):
    with hook(trickle_s=0.1) as (server, url):
        _raise_alert(quiet_store, url)
        started = time.monotonic()
        [delivery] = deliver_pending(quiet_store, deadline_s=1.5, read_timeout_s=1.0)
        took = time.monotonic() - started
    assert took < 4, f"the deadline did not hold: {took:.1f} s"
    assert delivery.status == "retrying" and "deadline" in delivery.last_error
    assert len(server.calls) == 1


def test_failing_then_succeeding_is_retried_and_delivered_once(quiet_store):
    with hook([503, 200]) as (server, url):
        alert_id = _raise_alert(quiet_store, url)
        [first] = deliver_pending(quiet_store)
        assert first.status == "retrying" and "503" in first.last_error
        assert first.next_attempt_at > now() + timedelta(seconds=20)  # backoff: not again at once
        assert deliver_pending(quiet_store) == [] and len(server.calls) == 1
        [second] = deliver_pending(quiet_store, at=now() + timedelta(minutes=1))
        assert second.status == "delivered" and second.attempts == 2 and second.delivered_at is not None
        assert deliver_pending(quiet_store, at=now() + timedelta(days=1)) == []
    assert len(server.calls) == 2, "delivered once, never again"
    text = server.calls[1]["body"]["text"]
    assert "FNWK" in text and "regulators open probe" in text
    assert deliveries(quiet_store)[0].alert_ids == [alert_id]


def test_an_unreachable_hook_gives_up_with_its_reason(quiet_store):
    _raise_alert(quiet_store, "http://127.0.0.1:9/hook")
    at = now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [delivery] = deliver_pending(quiet_store, at=at, connect_timeout_s=0.5)
        assert delivery.attempts == attempt
        at = (delivery.next_attempt_at or at) + timedelta(seconds=1)
    assert delivery.status == "failed" and "refused" in delivery.last_error and "gave up" in delivery.last_error
    assert deliver_pending(quiet_store, at=at + timedelta(days=1)) == []
    with pytest.raises(WebhookFailed):
        post("http://127.0.0.1:9/nothing", {"text": "x"}, connect_timeout_s=0.5)


def test_the_first_attempt_runs_in_the_background_and_never_blocks(store):
    with hook([200]) as (server, url):
        started = time.monotonic()
        _raise_alert(store, url)
        assert time.monotonic() - started < 5
        for _ in range(100):
            if deliveries(store)[0].status == "delivered":
                break
            time.sleep(0.05)
        assert deliveries(store)[0].status == "delivered" and len(server.calls) == 1
    assert deliver_pending(store, at=now() + timedelta(days=1)) == []


def test_an_alert_raised_by_a_process_that_exits_is_delivered_later(store, settings):
    """A CLI-like process raises the alert while the hook is down and exits; the next process sends it."""
    upsert_watchlist(store, watchlist(("FNWK",)))
    seed_scored_headlines(store)
    store.close()
    with hook([503, 503, 200]) as (server, url):
        script = textwrap.dedent(
            """
            from suite.risk.alerts import refresh_alerts
            from suite.settings import Settings
            from suite.store import Store

            print(refresh_alerts(Store(Settings.from_env())))
            """
        )
        env = {**os.environ, "SUITE_HOME": str(settings.home), "SUITE_ALERT_WEBHOOK": url, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "FNWK-" in done.stdout
        later = Store(settings)  # the worker's process: no webhook setting needed, the outbox holds the URL
        try:
            pending = deliveries(later)
            assert len(pending) == 1 and pending[0].status in ("waiting", "retrying")
            at = now()
            while (current := deliveries(later)[0]).status != "delivered" and current.attempts < 3:
                deliver_pending(later, at=at)
                at += timedelta(hours=1)
            assert deliveries(later)[0].status == "delivered"
        finally:
            later.close()
    assert sum(1 for c in server.calls if c["method"] == "POST") == 3  # the exiting process's try may be one
    assert "FNWK" in server.calls[-1]["body"]["text"]
