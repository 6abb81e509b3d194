"""Transcript downloads: plain text, SubRip (.srt), WebVTT (.vtt) and JSON.

Speaker turns, when detected, are in every format: "Speaker 1: ..." in text and SubRip, WebVTT's voice span
`<v Speaker 1>...` (players show the name), and `speaker` plus each word's times in JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from suite.transcribe.models import Transcript, UnknownFormat

FORMATS = ("txt", "srt", "vtt", "json")
MIME = {"txt": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt", "json": "application/json"}


def _seg(segment: Any) -> tuple[float, float, str, str]:
    if isinstance(segment, Mapping):
        start, end, text, speaker = segment["start"], segment["end"], segment["text"], segment.get("speaker")
    else:
        start, end, text, speaker = segment.start, segment.end, segment.text, getattr(segment, "speaker", None)
    return float(start), float(end), str(text).strip(), _voice(speaker)


def _voice(speaker: Any) -> str:
    """A speaker label safe inside a cue: one line, no markup characters."""
    if not speaker:
        return ""
    return "".join(ch for ch in str(speaker) if ch.isprintable() and ch not in "<>&")[:40].strip()


def _clock(seconds: float, sep: str) -> str:
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def _cues(segments: Sequence[Any]) -> list[tuple[float, float, str, str]]:
    """Cues with strictly increasing, non-overlapping times (players reject overlaps and zero lengths)."""
    cues: list[tuple[float, float, str, str]] = []
    for segment in segments:
        start, end, text, speaker = _seg(segment)
        if not text:
            continue
        if cues:
            start = max(start, cues[-1][1])
        end = max(end, start + 0.01)
        cues.append((start, end, text, speaker))
    return cues


def _said(text: str, speaker: str) -> str:
    return f"{speaker}: {text}" if speaker else text


def to_txt(segments: Sequence[Any], *, timestamps: bool = False) -> str:
    cues = _cues(segments)
    if timestamps:
        return "".join(f"[{_clock(s, '.')[:-4]}] {_said(t, v)}\n" for s, _, t, v in cues)
    if any(v for *_, v in cues):  # one paragraph per turn
        lines: list[tuple[str, list[str]]] = []
        for _, _, text, speaker in cues:
            if lines and lines[-1][0] == speaker:
                lines[-1][1].append(text)
            else:
                lines.append((speaker, [text]))
        return "".join(_said(" ".join(texts), speaker) + "\n" for speaker, texts in lines)
    return " ".join(t for _, _, t, _ in cues) + "\n"


def to_srt(segments: Sequence[Any]) -> str:
    blocks = [
        f"{i}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{_said(t, v)}\n"
        for i, (s, e, t, v) in enumerate(_cues(segments), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: Sequence[Any]) -> str:
    blocks = [
        f"{_clock(s, '.')} --> {_clock(e, '.')}\n" + (f"<v {v}>{t}" if v else t) + "\n"
        for s, e, t, v in _cues(segments)
    ]
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
