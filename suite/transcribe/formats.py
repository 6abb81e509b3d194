"""Transcript downloads: plain text, SubRip (.srt), WebVTT (.vtt) and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from suite.transcribe.models import Transcript, UnknownFormat

FORMATS = ("txt", "srt", "vtt", "json")
MIME = {"txt": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt", "json": "application/json"}


def _seg(segment: Any) -> tuple[float, float, str]:
    if isinstance(segment, Mapping):
        return float(segment["start"]), float(segment["end"]), str(segment["text"]).strip()
    return float(segment.start), float(segment.end), str(segment.text).strip()


def _clock(seconds: float, sep: str) -> str:
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def _cues(segments: Sequence[Any]) -> list[tuple[float, float, str]]:
    """Cues with strictly increasing, non-overlapping times (players reject overlaps and zero lengths)."""
    cues: list[tuple[float, float, str]] = []
    for segment in segments:
        start, end, text = _seg(segment)
        if not text:
            continue
        if cues:
            start = max(start, cues[-1][1])
        end = max(end, start + 0.01)
        cues.append((start, end, text))
    return cues


def to_txt(segments: Sequence[Any], *, timestamps: bool = False) -> str:
    if timestamps:
        return "".join(f"[{_clock(s, '.')[:-4]}] {t}\n" for s, _, t in _cues(segments))
    return " ".join(t for _, _, t in _cues(segments)) + "\n"


def to_srt(segments: Sequence[Any]) -> str:
    blocks = [
        f"{i}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{t}\n" for i, (s, e, t) in enumerate(_cues(segments), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: Sequence[Any]) -> str:
    blocks = [f"{_clock(s, '.')} --> {_clock(e, '.')}\n{t}\n" for s, e, t in _cues(segments)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_json(transcript: Transcript) -> str:
    return json.dumps(transcript.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"


def render(fmt: str, transcript: Transcript) -> str:
    """The transcript in one of `FORMATS`."""
    if fmt == "txt":
        return to_txt(transcript.segments)
    if fmt == "srt":
        return to_srt(transcript.segments)
    if fmt == "vtt":
        return to_vtt(transcript.segments)
    if fmt == "json":
        return to_json(transcript)
    raise UnknownFormat(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
