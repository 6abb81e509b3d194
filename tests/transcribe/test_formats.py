from __future__ import annotations

import json
import re

import pytest

from suite.transcribe.formats import render, to_srt, to_txt, to_vtt
from suite.transcribe.models import Segment, Transcript

SRT_TIME = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
VTT_TIME = r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)"


def _seconds(groups: tuple[str, ...]) -> float:
    h, m, s, ms = (int(g) for g in groups)
    return h * 3600 + m * 60 + s + ms / 1000


def _parse(text: str, time_re: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        match = next(re.fullmatch(f"{time_re} --> {time_re}", line) for line in lines if "-->" in line)
        cues.append((_seconds(match.groups()[:4]), _seconds(match.groups()[4:]), lines[-1]))
    return cues


def _check(cues):
    assert cues
    for (s1, e1, _), (s2, e2, _) in zip(cues, cues[1:], strict=False):
        assert s1 < e1 <= s2 < e2
    assert all(text.strip() for _, _, text in cues)


@pytest.fixture(scope="module")
def long_transcript(long_run):
    decoded = long_run[0]
    segments = tuple(Segment(s.start, s.end, s.text) for s in decoded.segments)
    return Transcript("t-long", decoded.file, decoded.text, segments, duration_s=decoded.duration_s)


@pytest.mark.slow
def test_srt_from_a_real_transcript_is_valid(long_transcript):
    srt = render("srt", long_transcript)
    blocks = srt.strip().split("\n\n")
    assert [int(b.splitlines()[0]) for b in blocks] == list(range(1, len(blocks) + 1))
    _check(_parse(srt, SRT_TIME))


@pytest.mark.slow
def test_vtt_from_a_real_transcript_is_valid(long_transcript):
    vtt = render("vtt", long_transcript)
    assert vtt.startswith("WEBVTT\n\n")
    _check(_parse(vtt.removeprefix("WEBVTT\n\n"), VTT_TIME))


@pytest.mark.slow
def test_json_and_txt_carry_the_text(long_transcript):
    data = json.loads(render("json", long_transcript))
    assert data["text"] == long_transcript.text and data["segments"][0]["start"] >= 0
    assert render("txt", long_transcript).strip() == long_transcript.text


def test_overlapping_and_hour_long_times_are_made_valid():
    segments = [
        {"start": 3599.5, "end": 3601.25, "text": "over the hour"},
        {"start": 3601.0, "end": 3601.0, "text": "overlap, zero length"},
        {"start": 3700, "end": 3705, "text": "  "},
    ]
    assert "00:59:59,500 --> 01:00:01,250" in to_srt(segments)
    _check(_parse(to_srt(segments), SRT_TIME))
    _check(_parse(to_vtt(segments).removeprefix("WEBVTT\n\n"), VTT_TIME))
    assert to_txt(segments, timestamps=True).startswith("[00:59:59] over the hour")


def test_an_unknown_format_is_refused_plainly():
    from suite.transcribe.models import UnknownFormat

    with pytest.raises(UnknownFormat, match="choose one of txt, srt, vtt, json"):
        render("doc", Transcript("t", "a.wav", "", ()))
