"""Decode any audio or video file to 16 kHz mono float32 with ffmpeg, streamed in blocks for long files.

Example:
    >>> info = probe("call.m4a")
    >>> for block in stream_pcm("call.m4a", block_s=30):   # never more than one block in memory
    ...     handle(block)
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.errors import InvalidInput, ModelUnavailable

logger = logging.getLogger(__name__)
SAMPLE_RATE = 16000


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


def probe(path: str | Path) -> AudioInfo:
    """Duration and format of the first audio track; InvalidInput for empty, corrupt or non-audio files."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InvalidInput(f"The file {name} does not exist or is not a file.")
    if path.stat().st_size == 0:
        raise InvalidInput(f"The file {name} is empty (0 bytes). Please upload the recording again.")
    command = [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise InvalidInput(f"{name} could not be read as audio or video; it may be damaged or in another format.")
    data = json.loads(done.stdout or "{}")
    audio = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not audio:
        raise InvalidInput(f"{name} has no sound track. Please upload an audio recording or a video with sound.")
    stream = audio[0]
    duration = _float(stream.get("duration")) or _float(data.get("format", {}).get("duration")) or 0.0
    return AudioInfo(
        path=str(path),
        duration_s=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        codec=str(stream.get("codec_name", "")),
    )


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def stream_pcm(path: str | Path, *, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Yield the audio as 16 kHz mono float32 blocks of `block_s` seconds (the last one shorter).

    ffmpeg writes to a pipe that we read block by block, so memory stays at one block however long the
    file is. A file that breaks part-way (truncated download) yields what could be decoded, then stops
    with InvalidInput if nothing at all was decoded.
    """
    path = Path(path)
    probe(path)
    command = [
        _tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-map", "0:a:0",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-",
    ]  # fmt: skip
    block_bytes = int(block_s * SAMPLE_RATE) * 4
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    produced = 0
    try:
        assert process.stdout is not None
        while True:
            data = process.stdout.read(block_bytes)
            if not data:
                break
            usable = len(data) - len(data) % 4
            block = np.frombuffer(data[:usable], dtype=np.float32).copy()
            produced += block.size
            yield block
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        if process.stdout:
            process.stdout.close()
    if process.returncode not in (0, None) or errors.strip():
        logger.warning("ffmpeg reported problems decoding %s: %s", path.name, errors.strip()[:300])
    if produced == 0 and process.returncode != 0:
        raise InvalidInput(f"{path.name} could not be decoded; it may be damaged or cut short.")


def load_pcm(path: str | Path) -> np.ndarray:
    """The whole file as one array: for short clips only (tests, the page's player); long files use `stream_pcm`."""
    blocks = list(stream_pcm(path, block_s=60.0))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
