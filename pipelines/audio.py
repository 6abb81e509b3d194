"""Decode any audio or video file to 16 kHz mono float32 with ffmpeg, streamed in blocks for long files.

ffmpeg and ffprobe are outside programs fed with files from users, so every run is bounded: its own process
group (killed whole on a timeout), stderr drained in the background and only its first lines kept (a damaged
file makes ffmpeg print a line per broken frame; an undrained pipe would block it), a time limit on probing,
a decoding budget scaled to the duration with a ceiling, and a cap on the duration accepted.

Example:
    >>> info = probe("call.m4a")
    >>> for block in stream_pcm("call.m4a", block_s=30):   # never more than one block in memory
    ...     handle(block)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.errors import InvalidInput, ModelUnavailable

logger = logging.getLogger(__name__)
SAMPLE_RATE = 16000
MAX_DURATION_S = 3 * 3600  # the longest recording accepted; longer ones are split first
PROBE_TIMEOUT_S = 30.0
# ffmpeg decodes audio hundreds of times faster than real time; the budget counts only the time spent
# waiting for ffmpeg (not the time the caller spends transcribing each block) and leaves wide room for a
# busy machine.
DECODE_TIMEOUT_MIN_S = 60.0
DECODE_TIMEOUT_PER_AUDIO_S = 0.1
DECODE_TIMEOUT_MAX_S = 600.0
_LOG_BYTES = 4096  # how much of ffmpeg's stderr is kept for the log
_PROBE_BYTES = 2**20  # ffprobe's JSON for any real file is a few KB


@dataclass(frozen=True)
class AudioInfo:
    path: str
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ModelUnavailable(
            f"The '{name}' program is needed to read audio but is not installed. Ask IT to install ffmpeg "
            "(`make install` does it on Debian/Ubuntu)."
        )
    return found


def shown(name: str) -> str:
    """A file name fit for a one-line message: no control characters, at most 150 characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)
    return clean if len(clean) <= 150 else f"{clean[:100]}…{clean[-20:]}"


def decode_budget_s(duration_s: float) -> float:
    """Seconds ffmpeg may take to decode a file of this duration (scaled to it, between the floor and ceiling)."""
    scaled = DECODE_TIMEOUT_MIN_S + max(duration_s, 0.0) * DECODE_TIMEOUT_PER_AUDIO_S
    return min(DECODE_TIMEOUT_MAX_S, scaled)


class _Timeout(Exception):
    pass


class _Child:
    """One run of ffmpeg/ffprobe: stdout read with a time budget, stderr drained, the whole group killed at the end."""

    def __init__(self, command: Sequence[str]) -> None:
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a wrapper script and its children die together
        )
        self.errors = bytearray()
        self.error_lines = 0
        self.waited_s = 0.0
        self._drain = threading.Thread(target=self._drain_errors, name="ffmpeg-stderr", daemon=True)
        self._drain.start()

    def _drain_errors(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: stream.read1(65536), b""):
                self.error_lines += chunk.count(b"\n")
                if len(self.errors) < _LOG_BYTES:
                    self.errors += chunk[: _LOG_BYTES - len(self.errors)]

    def read(self, size: int, budget_s: float) -> bytes:
        """Up to `size` bytes of stdout (fewer only at its end); `_Timeout` once the waiting exceeds `budget_s`."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        parts: list[bytes] = []
        got = 0
        while got < size:
            left = budget_s - self.waited_s
            if left <= 0:
                raise _Timeout
            started = time.monotonic()
            ready, _, _ = select.select([fd], [], [], left)
            chunk = os.read(fd, min(size - got, 2**20)) if ready else None
            self.waited_s += time.monotonic() - started
            if chunk is None:
                raise _Timeout
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def wait(self, budget_s: float) -> int:
        try:
            return self.process.wait(timeout=max(budget_s - self.waited_s, 0.1))
        except subprocess.TimeoutExpired as err:
            raise _Timeout from err

    def close(self) -> None:
        """Kill the process group if it still runs, reap it and the stderr reader; safe to call twice."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self._drain.join(timeout=2)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def log_text(self) -> str:
        text = " | ".join(self.errors.decode(errors="replace").split("\n")[:5]).strip(" |")
        return f"{text[:300]} ({self.error_lines} lines in all)" if self.error_lines > 5 else text[:300]


def _checked_file(path: Path) -> None:
    name = shown(path.name)
    try:
        if path.is_dir():
            raise InvalidInput(f"{name} is a folder, not a file. Give the recording itself.")
        if not path.is_file():
            raise InvalidInput(f"The file {name} does not exist or is not a file.")
        size = path.stat().st_size
    except (OSError, ValueError) as err:  # a name too long for the system, a NUL in it, no permission
        raise InvalidInput(f"The file {name} cannot be opened ({type(err).__name__}); check its name.") from err
    if size == 0:
        raise InvalidInput(f"The file {name} is empty (0 bytes). Please upload the recording again.")


def _source(path: Path) -> str:
    """The file as ffmpeg's input: an absolute path, so a name like `concat:a|b` or `http:x` is never a protocol."""
    return os.path.abspath(path)


def probe(path: str | Path) -> AudioInfo:
    """Duration and format of the first audio track; InvalidInput for empty, corrupt or non-audio files."""
    path = Path(path)
    _checked_file(path)
    name = shown(path.name)
    command = [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", _source(path)]
    child = _Child(command)
    try:
        output = child.read(_PROBE_BYTES + 1, PROBE_TIMEOUT_S)
        code = child.wait(PROBE_TIMEOUT_S)
    except _Timeout:
        raise InvalidInput(
            f"{name} could not be read within {PROBE_TIMEOUT_S:.0f} s; it may be damaged. "
            "Convert it to WAV or MP3 and try again."
        ) from None
    finally:
        child.close()
    if code != 0 or len(output) > _PROBE_BYTES:
        raise InvalidInput(f"{name} could not be read as audio or video; it may be damaged or in another format.")
    try:
        data = json.loads(output or b"{}")
    except ValueError:
        raise InvalidInput(f"{name} could not be read as audio or video; it may be damaged.") from None
    audio = [s for s in data.get("streams", []) if isinstance(s, dict) and s.get("codec_type") == "audio"]
    if not audio:
        raise InvalidInput(f"{name} has no sound track. Please upload an audio recording or a video with sound.")
    stream = audio[0]
    fmt = data.get("format") if isinstance(data.get("format"), dict) else {}
    duration = _float(stream.get("duration")) or _float(fmt.get("duration")) or 0.0
    return AudioInfo(
        path=str(path),
        duration_s=duration,
        sample_rate=int(_float(stream.get("sample_rate")) or 0),
        channels=int(_float(stream.get("channels")) or 0),
        codec=str(stream.get("codec_name", "")),
    )


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if np.isfinite(number) and number >= 0 else None


def check_duration(info: AudioInfo) -> None:
    """Refuse a recording longer than `MAX_DURATION_S` (or whose header claims so) before any decoding."""
    if info.duration_s > MAX_DURATION_S:
        raise InvalidInput(
            f"{shown(Path(info.path).name)} is {_span(info.duration_s)} long (as its header says); the limit is "
            f"{_span(MAX_DURATION_S)} per file. Split the recording and transcribe the parts."
        )


def _span(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} hours".replace(".0 hours", " hours") if seconds >= 3600 else f"{seconds:,.0f} s"


def stream_pcm(path: str | Path, *, block_s: float = 30.0, info: AudioInfo | None = None) -> Iterator[np.ndarray]:
    """Yield the audio as 16 kHz mono float32 blocks of `block_s` seconds (the last one shorter).

    ffmpeg writes to a pipe that we read block by block, so memory stays at one block however long the
    file is. A file that breaks part-way (truncated download) yields what could be decoded, then stops
    with InvalidInput if nothing at all was decoded. `info` is the file's `probe` when the caller has it.

    Raises:
        InvalidInput: unreadable, longer than `MAX_DURATION_S`, or ffmpeg took longer than its budget.
    """
    path = Path(path)
    info = info or probe(path)
    check_duration(info)
    name = shown(path.name)
    command = [
        _tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", _source(path), "-vn", "-map", "0:a:0",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-",
    ]  # fmt: skip
    block_bytes = int(block_s * SAMPLE_RATE) * 4
    most_samples = int((MAX_DURATION_S + 60) * SAMPLE_RATE)  # a header that understated the length
    budget = decode_budget_s(info.duration_s)
    child = _Child(command)
    produced = 0
    try:
        while True:
            try:
                data = child.read(block_bytes, budget)
            except _Timeout:
                raise InvalidInput(
                    f"{name} took longer than {budget:.0f} s to decode; it may be damaged. "
                    "Convert it to WAV or MP3 and try again."
                ) from None
            if not data:
                break
            usable = len(data) - len(data) % 4
            block = np.frombuffer(data[:usable], dtype=np.float32).copy()
            produced += block.size
            if produced > most_samples:
                raise InvalidInput(
                    f"{name} is longer than {_span(MAX_DURATION_S)}; split the recording and transcribe the parts."
                )
            yield block
        try:
            code = child.wait(budget)
        except _Timeout:
            code = -1
    finally:
        child.close()
    errors = child.log_text()
    if produced == 0 and code != 0:  # the message says it all; the details are for a debugging session
        logger.info("ffmpeg could not decode %s (exit %s): %s", name, code, errors)
        raise InvalidInput(f"{name} could not be decoded; it may be damaged or cut short.")
    if code != 0 or errors:
        logger.warning("ffmpeg reported problems decoding %s (exit %s): %s", name, code, errors)


def load_pcm(path: str | Path) -> np.ndarray:
    """The whole file as one array: for short clips only (tests, the page's player); long files use `stream_pcm`."""
    blocks = list(stream_pcm(path, block_s=60.0))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
