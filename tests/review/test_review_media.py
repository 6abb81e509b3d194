from __future__ import annotations

from pathlib import Path

from suite.review.media import image_with_box, media_for

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "sample_data" / "inspect" / "defects" / "images" / "test" / "test_001.jpg"


def test_media_for_finds_existing_images_and_audio(tmp_path):
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF")
    value = {
        "image_path": str(IMAGE),
        "box": [10, 10, 40, 30],
        "audio_path": str(audio),
        "start": 3.5,
        "file": "missing.wav",
        "note": "text",
    }
    found = media_for(value)
    assert [m.kind for m in found] == ["image", "audio"]
    assert found[0].box == [10, 10, 40, 30] and found[1].start == 3.5
    assert media_for("plain text") == [] and media_for({"image_path": "/nope.png"}) == []


def test_image_with_box_draws_the_reviewed_box():
    image = image_with_box(IMAGE, [10, 10, 60, 50], "scratch")
    assert image.getpixel((10, 30)) == (255, 40, 40)  # the left edge of the box
    assert image.size == image_with_box(IMAGE, None).size
