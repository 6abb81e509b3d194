"""Optional answer writing by an OpenAI-compatible chat endpoint (vLLM, Ollama, ...) from retrieved passages only."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

logger = logging.getLogger(__name__)

TIMEOUT_S = 30
SYSTEM = (
    "You are a customer support assistant. Answer ONLY from the numbered passages. Cite every fact with its "
    "passage number in square brackets, like [1]. If the passages do not contain the answer, reply exactly: "
    "I don't know. Answer in the language of the question, in at most four sentences."
)


class LLMError(Exception):
    """The endpoint failed or answered in an unusable way (the caller falls back to the extractive answer)."""


def chat_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


def write_answer(url: str, model: str, question: str, passages: list[str], timeout: float = TIMEOUT_S) -> str:
    """The model's answer to `question` from `passages` (numbered from 1)."""
    numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, start=1))
    body = {
        "model": model or "default",
        "temperature": 0.0,
        "max_tokens": 300,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Passages:\n{numbered}\n\nQuestion: {question}"},
        ],
    }
    request = urllib.request.Request(
        chat_url(url), data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured by the operator
            payload = json.loads(response.read().decode("utf-8"))
        text = payload["choices"][0]["message"]["content"].strip()
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise LLMError(str(err)) from err
    if not text:
        raise LLMError("empty answer")
    return text
