"""Post new alerts to `SUITE_ALERT_WEBHOOK` (Slack-compatible JSON) in the background, with retries.

The caller never waits: `notify` starts a daemon thread and returns it. A failure after every retry is
logged with the alert ids; the alerts themselves are already stored, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request

from suite.risk.models import Alert
from suite.settings import Settings

logger = logging.getLogger(__name__)

SEVERITY_ICON = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":large_yellow_circle:"}


def message(alerts: list[Alert]) -> dict:
    """A Slack-compatible payload: one line per alert with its reason and worst headline."""
    lines = []
    for alert in alerts:
        worst = (alert.headlines or [""])[0]
        icon = SEVERITY_ICON.get(alert.severity, "")
        lines.append(f"{icon} *{alert.ticker}* {alert.day} ({alert.severity}): {alert.reason} _{worst}_")
    return {"text": f"{len(alerts)} new market-risk alert(s)\n" + "\n".join(lines)}


def post(url: str, payload: dict, *, attempts: int = 3, timeout_s: float = 5.0, backoff_s: float = 1.0) -> bool:
    """POST the JSON payload; retry on errors and non-2xx answers with growing pauses. True if delivered."""
    body = json.dumps(payload).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (admin-set URL)
                if 200 <= response.status < 300:
                    return True
        except Exception as err:  # network errors and HTTP errors alike: try again
            logger.warning("alert webhook attempt %d/%d failed: %s", attempt, attempts, err)
        if attempt < attempts:
            time.sleep(backoff_s * 2 ** (attempt - 1))
    return False


def notify(settings: Settings, alerts: list[Alert], **options) -> threading.Thread | None:
    """Send new alerts without blocking; None when no webhook is configured or nothing is new."""
    if not settings.alert_webhook or not alerts:
        return None

    def send() -> None:
        if not post(settings.alert_webhook, message(alerts), **options):
            logger.error("alert webhook gave up; alerts %s were not announced", [a.alert_id for a in alerts])

    thread = threading.Thread(target=send, name="risk-alert-webhook", daemon=True)
    thread.start()
    return thread
