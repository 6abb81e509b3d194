"""The alert webhook (`SUITE_ALERT_WEBHOOK`, Slack-compatible JSON): which URLs are allowed, and one bounded POST.

Only http:// and https:// URLs are accepted (a `file://` or any other scheme is refused when the settings are
checked, before anything is sent). A POST never follows a redirect (a 3xx answer is a failed delivery, so a
hook cannot be bounced to another host or turned into a GET), and it has a connect timeout, a read timeout
and an overall deadline that also bounds a server trickling its answer byte by byte. Retries live in the
outbox (`suite.risk.outbox`), not here.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
from urllib.parse import SplitResult, urlsplit

from suite.errors import InvalidInput
from suite.risk.models import Alert
from suite.settings import Settings

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
DEADLINE_S = 20.0  # the whole POST, connection to last byte of the answer
MAX_ANSWER_BYTES = 64 * 1024  # what is read of the answer (it is not used; reading lets the server finish)
MAX_URL_CHARS = 2000
SEVERITY_ICON = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":large_yellow_circle:"}


class WebhookFailed(Exception):
    """One POST did not deliver; the message says why without the URL's secret path."""


def check_url(url: str, variable: str = "SUITE_ALERT_WEBHOOK") -> SplitResult:
    """The parsed URL when it is an http(s) URL with a host; else InvalidInput naming the setting (one line).

    The message never repeats the URL: a webhook's path is a credential.
    """
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise InvalidInput(f"{variable} is not a valid URL ({err}); use https://host/path.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        given = f"a {scheme}:// URL" if scheme else "no scheme"
        raise InvalidInput(f"{variable} must be an http:// or https:// URL, not {given}; nothing will be sent to it.")
    if not parts.hostname:
        raise InvalidInput(f"{variable} has no host name; use https://host/path.")
    if len(text) > MAX_URL_CHARS or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidInput(f"{variable} has spaces, control characters or is over {MAX_URL_CHARS} characters long.")
    if port == 0:
        raise InvalidInput(f"{variable} has port 0; leave the port out or give a real one.")
    return parts


def configured_url(settings: Settings) -> str | None:
    """The webhook URL when one is set (checked, see `check_url`); None when none is set."""
    if not settings.alert_webhook.strip():
        return None
    check_url(settings.alert_webhook)
    return settings.alert_webhook.strip()


def host_of(url: str) -> str:
    """What pages and messages may show of a webhook URL: its host (and port)."""
    try:
        parts = urlsplit(url)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    except ValueError:
        return "?"


def message(alerts: list[Alert]) -> dict:
    """A Slack-compatible payload: one line per alert with its reason and worst headline."""
    lines = []
    for alert in alerts:
        worst = (alert.headlines or [""])[0]
        icon = SEVERITY_ICON.get(alert.severity, "")
        lines.append(f"{icon} *{alert.ticker}* {alert.day} ({alert.severity}): {alert.reason} _{worst}_")
    return {"text": f"{len(alerts)} new market-risk alert(s)\n" + "\n".join(lines)}


def post(
    url: str,
    payload: dict,
    *,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    read_timeout_s: float = READ_TIMEOUT_S,
    deadline_s: float = DEADLINE_S,
) -> int:
    """POST the JSON payload once; the 2xx status when delivered.

    Raises:
        InvalidInput: the URL is not an http(s) URL (nothing was sent).
        WebhookFailed: no connection, a timeout, the deadline, a redirect or any other non-2xx answer.
    """
    parts = check_url(url)
    host = host_of(url)
    body = json.dumps(payload).encode()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme.lower() == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=connect_timeout_s, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect_timeout_s)
    outcome: dict[str, object] = {}

    def attempt() -> None:
        try:
            conn.connect()
            conn.sock.settimeout(read_timeout_s)
            headers = {"Content-Type": "application/json", "User-Agent": "northstar-suite-risk-alerts"}
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read(MAX_ANSWER_BYTES)
            outcome["status"] = answer.status
        except BaseException as err:  # reported by the caller's thread below
            outcome["error"] = err

    worker = threading.Thread(target=attempt, name="risk-webhook-post", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        _abort(conn)
        worker.join(1.0)
        raise WebhookFailed(f"{host} did not answer completely within the {deadline_s:g} s deadline")
    conn.close()
    error = outcome.get("error")
    if error is not None:
        raise WebhookFailed(f"{host}: {_describe(error, read_timeout_s)}")
    status = int(outcome["status"])  # type: ignore[call-overload]
    if 300 <= status < 400:
        raise WebhookFailed(f"{host} answered {status}, a redirect; redirects are not followed, set the final URL")
    if not 200 <= status < 300:
        raise WebhookFailed(f"{host} answered HTTP {status}")
    return status


def _abort(conn: http.client.HTTPConnection) -> None:
    """Unblock a POST still waiting on its socket (its thread then ends)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    conn.close()


def _describe(error: object, read_timeout_s: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {read_timeout_s:g} s"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused (is the service running?)"
    if isinstance(error, ssl.SSLError):
        return f"the secure connection failed ({error.reason or error})"
    if isinstance(error, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(error, http.client.HTTPException):
        return f"the answer was not valid HTTP ({type(error).__name__})"
    if isinstance(error, OSError):
        return f"the connection failed ({error.strerror or type(error).__name__})"
    return f"the request failed ({type(error).__name__})"
