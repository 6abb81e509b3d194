"""Progress reporting that modules call and each front end renders its own way (tqdm, st.progress)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from suite.errors import message as _message

_step = partial(_message, "services.progress.step")  # "{title}: {message}", each translated when it is a Message

# progress(done, total, message): `done` out of `total` units (seconds, files, epochs...). The message may be a
# `suite.errors.Message` ("services.progress.saving"): the CLI prints its English, a page shows it in its language.
Progress = Callable[[float, float, str], None]


def no_progress(done: float, total: float, message: str = "") -> None:
    """The default when nobody is watching."""


@contextmanager
def terminal_progress(description: str) -> Iterator[Progress]:
    """A tqdm bar on stderr (stdout stays clean for JSON Lines)."""
    from tqdm import tqdm

    bar = tqdm(total=1.0, desc=description, file=sys.stderr, unit="", bar_format="{l_bar}{bar}| {postfix}")

    def update(done: float, total: float, message: str = "") -> None:
        bar.total = max(total, 1e-9)
        bar.n = min(done, bar.total)
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def command_progress(description: str) -> Iterator[Progress]:
    """`terminal_progress` when stderr is a terminal; nothing otherwise, so a script's log keeps to log lines
    and a refusal stays the command's one-line reason."""
    if not sys.stderr.isatty():
        yield no_progress
        return
    with terminal_progress(description) as progress:
        yield progress


def within(progress: Progress, step: float, steps: float, title: str) -> Progress:
    """Show a sub-task's own progress as a fraction of its step in the overall bar."""

    def update(done: float, total: float, message: str = "") -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        progress(step + fraction, steps, _step(title=title, message=message) if message else title)

    return update
