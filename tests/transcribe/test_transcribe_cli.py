from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from suite import clikit
from suite.cli import app

pytestmark = pytest.mark.slow  # runs the real Whisper model


def _run(args):
    clikit.reset()  # a fresh store on this test's SUITE_HOME
    result = CliRunner().invoke(app, args)
    clikit.reset()  # what the real process does at exit
    return result


def test_transcribe_json_lines_and_a_bad_file(settings, speech_dir, tmp_path):
    empty = tmp_path / "empty.m4a"
    empty.write_bytes(b"")
    result = _run(["transcribe", str(speech_dir / "report_us.wav"), str(empty), "--vocabulary", "Northstar"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    good, bad = lines
    for key in ("file_name", "language", "duration_s", "text", "segments", "engine", "model_name", "elapsed_s"):
        assert key in good
    assert good["engine"] == "faster-whisper" and "quarterly report" in good["text"]
    assert set(good["segments"][0]) == {"start", "end", "text", "speaker", "words"}
    assert good["segments"][0]["speaker"] == "Speaker 1" and good["segments"][0]["words"][0]["text"] == "Please"
    assert bad["file_name"] == "empty.m4a" and "empty" in bad["reason"]
    found = _run(["transcripts", "search", "quarterly"])
    assert json.loads(found.stdout.splitlines()[0])["file_name"] == "report_us.wav"


def test_transcribe_srt_and_bad_options(settings, speech_dir):
    srt = _run(["transcribe", str(speech_dir / "report_us.wav"), "--format", "srt"])
    assert srt.exit_code == 0 and srt.stdout.startswith("1\n00:00:00,")
    assert _run(["transcribe", str(speech_dir / "report_us.wav"), "--format", "doc"]).exit_code == 2
    wrong = _run(["transcribe", str(speech_dir / "report_us.wav"), "--engine", "nope"])
    assert wrong.exit_code == 2
