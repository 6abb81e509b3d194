"""One frozen `Settings`, built once from `SUITE_*` environment variables and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from suite.errors import InvalidInput

_DEVICES = ("auto", "cpu", "cuda")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"SUITE_{name}", default).strip()


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a running suite.

    Example:
        >>> settings = Settings.from_env()
        >>> settings.db_path.name
        'suite.duckdb'
    """

    home: Path = Path("var")
    device: str = "auto"
    user: str = "staff"
    llm_url: str = ""
    llm_model: str = ""
    alert_webhook: str = ""
    embedder_model: str = ""
    transcribe_engine: str = "faster-whisper"
    transcribe_model: str = ""
    auto_promote: bool = True
    promotion_margin: float = 0.005
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.device not in _DEVICES:
            raise InvalidInput(f"SUITE_DEVICE must be one of {', '.join(_DEVICES)}, not {self.device!r}.")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Build settings from `SUITE_*` variables; keyword overrides win (used by tests and the CLI)."""
        values: dict[str, object] = {
            "home": Path(_env("HOME", "var")).expanduser(),
            "device": _env("DEVICE", "auto").lower() or "auto",
            "user": _env("USER", "staff") or "staff",
            "llm_url": _env("LLM_URL"),
            "llm_model": _env("LLM_MODEL"),
            "alert_webhook": _env("ALERT_WEBHOOK"),
            "embedder_model": _env("EMBEDDER_MODEL"),
            "transcribe_engine": _env("TRANSCRIBE_ENGINE", "faster-whisper") or "faster-whisper",
            "transcribe_model": _env("TRANSCRIBE_MODEL"),
            "auto_promote": _env("AUTO_PROMOTE", "1").lower() not in ("0", "false", "no", "off"),
            "promotion_margin": float(_env("PROMOTION_MARGIN", "0.005") or 0.005),
        }
        known = {f.name for f in fields(cls)}
        values["extra"] = {
            key[len("SUITE_") :].lower(): value
            for key, value in os.environ.items()
            if key.startswith("SUITE_") and key[len("SUITE_") :].lower() not in known
        }
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
        return self.home / "models"

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    def module_dir(self, module: str) -> Path:
        """A folder for a module's own files (indexes, uploads), created on demand."""
        path = self.home / module
        path.mkdir(parents=True, exist_ok=True)
        return path
