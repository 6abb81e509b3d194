"""Optional answer writing by an OpenAI-compatible chat endpoint (vLLM, Ollama, ...) from retrieved passages only.

The endpoint is an outside service, so every call is bounded: http(s) only, no redirects, one overall
deadline for connecting, sending and reading (a server that trickles bytes cannot hold a request past it),
and a cap on the response size, read in pieces. Any failure raises `LLMError`; the caller then quotes the
articles instead (the extractive answer).
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

TIMEOUT_S = 30  # the whole call: connect, send, wait and read
MAX_RESPONSE_BYTES = 256 * 1024  # an answer of at most 300 tokens is a few kilobytes of JSON
MAX_ANSWER_CHARS = 4000
READ_BYTES = 16 * 1024
SYSTEM = (
    "You are a customer support assistant. Answer ONLY from the numbered passages. End every sentence with the "
    "number of the passage it comes from in square brackets, like [1]. If the passages do not say the answer, reply "
    "exactly: I don't know. Answer in the language of the question, in at most four sentences."
)
# One worked example of citing and one of refusing (a 1.5B local model cited almost never without them; the
# shared prefix is cached by llama.cpp, so they cost prompt time only on the first question).
EXAMPLES = [
    {
        "role": "user",
        "content": "Passages:\n[1] Cleaning the Widget W1: Wipe the lens with a dry cloth. Never use water.\n\n"
        "[2] Widget W1 battery: The battery lasts 6 months. Replace it with a CR2032 cell.\n\n"
        "Question: How long does the W1 battery last and which cell does it take?",
    },
    {"role": "assistant", "content": "The battery lasts 6 months [2]. Replace it with a CR2032 cell [2]."},
    {
        "role": "user",
        "content": "Passages:\n[1] Widget W1 battery: The battery lasts 6 months. Replace it with a CR2032 cell.\n\n"
        "Question: What colour is the Widget W1?",
    },
    {"role": "assistant", "content": "I don't know."},
]
# Asked of Chinese questions: with English passages the model otherwise answers in English.
ZH_REQUEST = "请用简体中文回答。"


def messages(question: str, passages: list[str], *, chinese: bool = False) -> list[dict[str, str]]:
    """The chat for one question: the rules, the two examples, then the numbered passages and the question."""
    numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, start=1))
    asked = f"Passages:\n{numbered}\n\nQuestion: {question}" + (f"\n\n{ZH_REQUEST}" if chinese else "")
    return [{"role": "system", "content": SYSTEM}, *EXAMPLES, {"role": "user", "content": asked}]


class LLMError(Exception):
    """The endpoint failed or answered in an unusable way (the caller falls back to the extractive answer)."""


def chat_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LLMError(f"the endpoint must be an http:// or https:// URL, not {url[:80]!r}")
    if parts.username or parts.password:
        raise LLMError("the endpoint URL must not carry a user name or password (use a token header instead)")
    try:
        port = parts.port
    except ValueError as err:
        raise LLMError(f"the endpoint URL has a bad port: {err}") from err
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        context = ssl.create_default_context()
        return http.client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=context), path
    return http.client.HTTPConnection(parts.hostname, port, timeout=timeout), path


class _Deadline:
    """Closes the connection's socket when time is up, which ends any read or write blocked on it."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError("the deadline passed")
        return left

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self.connection.close()


def _post(url: str, body: bytes, timeout: float, max_bytes: int) -> bytes:
    """POST `body`; the response body, or `LLMError`. Never follows a redirect, never reads past `max_bytes`."""
    connection, path = _connection(url, timeout)
    started = time.monotonic()
    with _Deadline(connection, timeout) as deadline:
        try:
            connection.connect()
            connection.sock.settimeout(deadline.left())
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            connection.sock.settimeout(deadline.left())
            response = connection.getresponse()
            if 300 <= response.status < 400:
                raise LLMError(f"the endpoint redirected (HTTP {response.status}); redirects are not followed")
            if response.status != 200:
                raise LLMError(f"the endpoint answered HTTP {response.status}")
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise LLMError(f"the response would be {int(declared):,} bytes; the limit is {max_bytes:,}")
            pieces, size = [], 0
            while True:
                if connection.sock is not None:
                    connection.sock.settimeout(deadline.left())
                piece = response.read1(READ_BYTES) if hasattr(response, "read1") else response.read(READ_BYTES)
                if not piece:
                    break
                size += len(piece)
                if size > max_bytes:
                    raise LLMError(f"the response is over the limit of {max_bytes:,} bytes")
                pieces.append(piece)
                deadline.left()
        except LLMError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as err:
            if deadline.expired or time.monotonic() - started >= timeout:
                raise LLMError(f"no complete answer within {timeout:g} s") from err
            raise LLMError(f"{type(err).__name__}: {err}") from err
    return b"".join(pieces)


def write_answer(
    url: str,
    model: str,
    question: str,
    passages: list[str],
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> str:
    """The model's answer to `question` from `passages` (numbered from 1).

    Raises:
        LLMError: the endpoint is not http(s), redirected, failed, was too slow overall (`timeout` seconds for
            the whole call, default `TIMEOUT_S`), sent more than `max_bytes` (default `MAX_RESPONSE_BYTES`), or
            answered in an unusable way.
    """
    timeout = TIMEOUT_S if timeout is None else timeout
    max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    body = {
        "model": model or "default",
        "temperature": 0.0,
        "max_tokens": 300,
        "messages": messages(question, passages, chinese=any("\u4e00" <= ch <= "\u9fff" for ch in question)),
    }
    raw = _post(chat_url(url), json.dumps(body).encode(), timeout, max_bytes)
    try:
        payload = json.loads(raw.decode("utf-8"))
        text = payload["choices"][0]["message"]["content"]
        if not isinstance(text, str):
            raise TypeError(f"the answer is a {type(text).__name__}, not text")
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise LLMError(f"the endpoint's reply is not a chat completion ({type(err).__name__}: {err})") from err
    text = text.strip()
    if not text:
        raise LLMError("empty answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise LLMError(f"the answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}")
    return text
