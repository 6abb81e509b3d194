from __future__ import annotations

import subprocess
import tracemalloc

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
