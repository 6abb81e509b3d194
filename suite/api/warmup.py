"""Load each module's model once per process, with one small real call, before /v1/ready turns green.

A module whose model cannot load (or whose data is missing, e.g. no help articles yet) is reported in the
readiness body with the reason; the others still warm, and its calls answer with that reason.
"""

from __future__ import annotations

import io
import logging
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

from suite.api.models import Readiness
from suite.errors import SuiteError
from suite.store import Store, now

logger = logging.getLogger(__name__)
WARM_USER = "system:api-warmup"


def _support(store: Store) -> None:
    from suite.support.service import ask

    ask(store, "How do I reset my password?", user=WARM_USER)


def _recommend(store: Store) -> None:
    from suite.recommend.service import recommend_for_visitor

    recommend_for_visitor(store, k=1, user=WARM_USER)


def _inspect(store: Store) -> None:
    from PIL import Image

    from suite.inspect.service import serving_detector

    serving_detector(store.settings).detect(Image.new("RGB", (64, 64), "gray"), None)


def _transcribe(store: Store) -> None:
    """One second of silence, transcribed into a scratch store (the history is not touched)."""
    from suite.transcribe.service import transcribe_file

    with tempfile.TemporaryDirectory(prefix="suite-api-warm-") as folder:
        path = Path(folder) / "silence.wav"
        path.write_bytes(silence_wav())
        scratch = Store(store.settings.with_(home=Path(folder) / "home"))
        try:
            transcribe_file(scratch, path, user=WARM_USER)
        finally:
            scratch.close()


def _risk(store: Store) -> None:
    from suite.risk.service import classify

    classify(store, ["Markets steady ahead of quarterly earnings"], user=WARM_USER)


STEPS: dict[str, Callable[[Store], None]] = {
    "support": _support,
    "recommend": _recommend,
    "inspect": _inspect,
    "transcribe": _transcribe,
    "risk": _risk,
}


def silence_wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()


def warm_up(store: Store, readiness: Readiness, steps: dict[str, Callable[[Store], None]] | None = None) -> Readiness:
    """Run every module's warm-up step; `readiness` is updated as each one ends (the endpoint reads it live)."""
    steps = STEPS if steps is None else steps
    readiness.started_at = now()
    readiness.modules = dict.fromkeys(steps, "waiting")
    for module, step in steps.items():
        try:
            step(store)
            readiness.modules[module] = "warm"
        except SuiteError as err:
            readiness.modules[module] = f"not warm: {' '.join(str(err).split())[:300]}"
            logger.warning("API warm-up: %s is not warm: %s", module, err)
        except Exception as err:  # a bug in one module must not keep the others from serving
            readiness.modules[module] = f"not warm: internal error ({type(err).__name__})"
            logger.exception("API warm-up of %s failed", module)
    readiness.finished_at = now()
    readiness.ready = True
    return readiness
