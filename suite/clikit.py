"""What every `suite` subcommand shares: JSON Lines out, logs to stderr, exit 2 with one line on bad input."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from suite.errors import SuiteError
from suite.settings import Settings
from suite.store import Store

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("suite.cli")


def emit(obj: Any) -> None:
    """Write one JSON object as one line on stdout."""
    sys.stdout.write(json.dumps(obj, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> None:
    """Stop with a one-line reason on stderr."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def friendly(func: F) -> F:
    """Turn the suite's expected errors into exit code 2 with their message; bugs keep their traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SuiteError as err:
            fail(str(err).splitlines()[0] if str(err) else type(err).__name__)

    return wrapper  # type: ignore[return-value]


_context: dict[str, Any] = {}


def settings() -> Settings:
    """The command's settings, built once per process."""
    if "settings" not in _context:
        _context["settings"] = Settings.from_env()
    return _context["settings"]


def store() -> Store:
    """The command's store; journaled writes are flushed when the process exits."""
    if "store" not in _context:
        _context["store"] = Store(settings())
    return _context["store"]


def reset() -> None:
    """Close the command's store and forget its settings, as a new process starts (tests run many commands)."""
    if "store" in _context:
        _context["store"].close()
    _context.clear()


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
