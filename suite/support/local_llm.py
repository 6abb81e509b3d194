"""Answers written by the bundled local language model (`SUITE_LLM=local`, the extra `local-llm`).

The model gets the same rules and numbered passages as the endpoint writer (`suite.support.llm.messages`),
writes at most `MAX_TOKENS` tokens greedily, and its reply is read by `read_reply`: "I don't know" (or the
Chinese 我不知道/不知道) means the passages do not hold the answer, so the bot declines; citation markers
`[n]` that name no given passage are dropped.

Streaming: `suite.support.service.ask_streaming` runs the usual `ask` in an `AnswerStream` worker thread
and yields the model's pieces as they come, so a page can show them with `st.write_stream` and then take
the logged `Answer` from `result()`.
"""

from __future__ import annotations

import contextvars
import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from suite.settings import Settings
from suite.support.llm import messages

MAX_TOKENS = 120
DEADLINE_S = 120.0  # a loaded CPU writes ~7 tokens/s; past this the quoted answer is used instead
_REFUSAL = re.compile(
    r"^\W*(i\s+(do\s*not|don['’]t)\s+know|我不知道|不知道|我不清楚|抱歉[，,]?\s*我不知道)", re.IGNORECASE
)
_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_on_piece: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("on_piece", default=None)


@dataclass(frozen=True)
class Written:
    """What the model said: the answer text (markers kept), whether it answered, and the passages it cited."""

    text: str
    answered: bool
    cited: tuple[int, ...]


def read_reply(text: str, n_passages: int) -> Written:
    """The model's reply read: a refusal, or an answer whose `[n]` markers all name one of the passages."""
    text = text.strip()
    if not text or _REFUSAL.match(text):
        return Written("", False, ())
    cited: list[int] = []

    def keep(match: re.Match) -> str:
        number = int(match.group(1))
        if 1 <= number <= n_passages:
            if number not in cited:
                cited.append(number)
            return match.group(0)
        return ""  # a passage the model was not given

    text = _MARKER.sub(keep, text).strip()
    return Written(text, True, tuple(sorted(cited)))


def write_locally(settings: Settings, question: str, passages: list[str], *, chinese: bool) -> Written:
    """The local model's answer to `question` from `passages`, streamed to the current `streaming_to` callback.

    Raises:
        ModelUnavailable: the extra is not installed or the model failed to load or answer.
    """
    from pipelines.local_llm import load_local_llm

    llm = load_local_llm(settings.models_dir)
    reply = llm.chat(
        messages(question, passages, chinese=chinese),
        max_tokens=MAX_TOKENS,
        on_piece=_on_piece.get(),
        deadline_s=DEADLINE_S,
    )
    return read_reply(reply.text, len(passages))


@contextmanager
def streaming_to(callback: Callable[[str], None]) -> Iterator[None]:
    """While inside, the local model sends each piece it writes to `callback` (in this thread's context)."""
    token = _on_piece.set(callback)
    try:
        yield
    finally:
        _on_piece.reset(token)


class AnswerStream:
    """The pieces of an answer as the local model writes them (iterate), then the final `Answer` (`result()`)."""

    _DONE = object()

    def __init__(self, work: Callable[[], object]) -> None:
        self._pieces: queue.Queue = queue.Queue()
        self._answer = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True, name="support-answer")
        self._thread.start()

    def _run(self, work: Callable[[], object]) -> None:
        try:
            with streaming_to(self._pieces.put):
                self._answer = work()
        except BaseException as err:  # noqa: BLE001 - handed to the caller of result()
            self._error = err
        finally:
            self._pieces.put(self._DONE)

    def __iter__(self) -> Iterator[str]:
        while (piece := self._pieces.get()) is not self._DONE:
            yield piece

    def result(self):
        """The logged `Answer` (waits for it); raises what `ask` raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._answer
