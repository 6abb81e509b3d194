from __future__ import annotations

import os
import subprocess
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from pipelines.audio import SAMPLE_RATE, load_pcm, probe, stream_pcm
from suite.errors import InvalidInput


@pytest.mark.parametrize(
    "name", ["report_us.wav", "meeting_gb.flac", "delivery_female.mp3", "account_fast.ogg", "northstar_slow.m4a"]
)
def test_common_formats_decode_to_16k_mono(speech_dir, name):
    info = probe(speech_dir / name)
    audio = load_pcm(speech_dir / name)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(audio.size / SAMPLE_RATE - info.duration_s) < 0.2
    assert np.abs(audio).max() > 0.05


def test_stereo_8k_and_video_are_converted(speech_dir):
    assert probe(speech_dir / "report_stereo.wav").channels == 2
    assert probe(speech_dir / "weather_phone8k.wav").sample_rate == 8000
    video = probe(speech_dir / "account_video.mp4")
    assert video.codec == "aac"
    for name in ("report_stereo.wav", "weather_phone8k.wav", "account_video.mp4"):
        assert load_pcm(speech_dir / name).size > SAMPLE_RATE


def test_bad_files_get_plain_messages(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio")
    image = tmp_path / "picture.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=8x8", "-frames:v", "1", str(image)], check=True
    )
    with pytest.raises(InvalidInput, match="empty"):
        probe(empty)
    with pytest.raises(InvalidInput, match="could not be read"):
        probe(text)
    with pytest.raises(InvalidInput, match="no sound track"):
        probe(image)
    with pytest.raises(InvalidInput, match="does not exist"):
        probe(tmp_path / "missing.wav")


def test_long_file_streams_in_bounded_memory(tmp_path):
    """25 minutes of tone and silence: blocks come one at a time, never the whole file (96 MB as float32)."""
    long_file = tmp_path / "long.flac"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-b", "16", str(long_file), "synth", "1500", "sine", "440", "vol", "0.1",
         "tremolo", "0.05", "100"],
        check=True,
    )  # fmt: skip
    info = probe(long_file)
    assert info.duration_s == pytest.approx(1500, abs=1)
    tracemalloc.start()
    blocks = total = 0
    for block in stream_pcm(long_file, block_s=30):
        assert block.size <= 30 * SAMPLE_RATE
        blocks += 1
        total += block.size
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert blocks == 50
    assert total == pytest.approx(1500 * SAMPLE_RATE, abs=SAMPLE_RATE)
    full_size = 1500 * SAMPLE_RATE * 4
    assert peak < full_size / 10, f"peak {peak / 2**20:.1f} MiB while streaming"


def _damaged_mp3(tmp_path, seconds: int = 600):
    """A real MP3 (ffmpeg) with 3,000 spans of its frames overwritten: ffmpeg prints ~9,000 error lines."""
    import random

    clean = tmp_path / "clean.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=16000",
         "-ac", "1", "-b:a", "32k", str(clean)],
        check=True,
    )  # fmt: skip
    data = bytearray(clean.read_bytes())
    rng = random.Random(0)
    for _ in range(3000):
        at = rng.randrange(1000, len(data) - 64)
        data[at : at + 16] = rng.randbytes(16)
    damaged = tmp_path / "damaged.mp3"
    damaged.write_bytes(data)
    return damaged


def test_ten_minute_mp3_with_corrupt_frames_decodes_in_seconds(tmp_path, caplog):
    """Before: ffmpeg's stderr pipe filled up and was never read, so decoding hung. Now its errors are drained."""
    import time

    damaged = _damaged_mp3(tmp_path)
    started = time.perf_counter()
    info = probe(damaged)
    total = sum(block.size for block in stream_pcm(damaged, block_s=30, info=info))
    elapsed = time.perf_counter() - started
    assert info.duration_s == pytest.approx(600, abs=2)
    assert total > 500 * SAMPLE_RATE  # what could be decoded came through
    assert elapsed < 20, f"{elapsed:.1f} s"
    (warning,) = [r for r in caplog.records if "ffmpeg reported problems" in r.getMessage()]
    assert len(warning.getMessage()) < 600 and "lines in all" in warning.getMessage()  # a bounded excerpt


def _hanging(tmp_path, monkeypatch, name: str) -> Path:
    """A fake `name` first on PATH that never answers and has a child of its own, as wrapper scripts do."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\nsleep 600 &\necho $! > "{folder}/child.pid"\nwait\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return folder / "child.pid"


def _killed(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()  # a zombie waiting for init to reap it
    except FileNotFoundError:
        return True


def test_a_hanging_ffmpeg_is_killed_with_its_process_group(tmp_path, monkeypatch, speech_dir):
    import time

    import pipelines.audio as audio

    info = probe(speech_dir / "report_us.wav")
    child = _hanging(tmp_path, monkeypatch, "ffmpeg")
    monkeypatch.setattr(audio, "DECODE_TIMEOUT_MIN_S", 1.5)
    monkeypatch.setattr(audio, "DECODE_TIMEOUT_PER_AUDIO_S", 0.0)
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="took longer than 2 s to decode; it may be damaged. Convert it"):
        list(stream_pcm(speech_dir / "report_us.wav", info=info))
    assert time.perf_counter() - started < 10
    assert _killed(int(child.read_text()))


def test_a_hanging_ffprobe_times_out(tmp_path, monkeypatch, speech_dir):
    import pipelines.audio as audio

    child = _hanging(tmp_path, monkeypatch, "ffprobe")
    monkeypatch.setattr(audio, "PROBE_TIMEOUT_S", 1.0)
    with pytest.raises(InvalidInput, match="could not be read within 1 s"):
        probe(speech_dir / "report_us.wav")
    assert _killed(int(child.read_text()))


def test_decode_budget_scales_with_the_duration_up_to_a_ceiling():
    from pipelines.audio import DECODE_TIMEOUT_MAX_S, DECODE_TIMEOUT_MIN_S, decode_budget_s

    assert decode_budget_s(0) == DECODE_TIMEOUT_MIN_S
    assert DECODE_TIMEOUT_MIN_S < decode_budget_s(600) < decode_budget_s(3600) <= DECODE_TIMEOUT_MAX_S
    assert decode_budget_s(10**9) == DECODE_TIMEOUT_MAX_S


def test_recordings_over_the_duration_cap_are_refused_before_decoding(tmp_path, monkeypatch, speech_dir):
    import pipelines.audio as audio

    monkeypatch.setattr(audio, "MAX_DURATION_S", 3)
    with pytest.raises(InvalidInput, match=r"is 5 s long \(as its header says\); the limit is 3 s per file. Split"):
        list(stream_pcm(speech_dir / "report_us.wav"))


def test_folders_and_unopenable_names_are_refused_plainly(tmp_path):
    (tmp_path / "calls.wav").mkdir()
    with pytest.raises(InvalidInput, match="is a folder, not a file"):
        probe(tmp_path / "calls.wav")
    with pytest.raises(InvalidInput, match="cannot be opened"):
        probe(tmp_path / ("x" * 300 + ".wav"))
    with pytest.raises(InvalidInput, match="does not exist"):
        probe(tmp_path / "nul\x00.wav")


def test_a_name_that_looks_like_an_ffmpeg_protocol_is_read_as_a_file(tmp_path, speech_dir, monkeypatch):
    """`concat:a|b` would make ffmpeg read two other files; the path given is always passed as an absolute file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.wav").write_bytes((speech_dir / "report_us.wav").read_bytes())
    (tmp_path / "concat:a.wav|a.wav").write_bytes((speech_dir / "report_us.wav").read_bytes())
    single = probe("a.wav").duration_s
    assert probe("concat:a.wav|a.wav").duration_s == pytest.approx(single)
