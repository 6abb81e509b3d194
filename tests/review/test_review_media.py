from __future__ import annotations

import os
import shutil
from pathlib import Path

from suite.review.media import image_with_box, media_for

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "sample_data" / "inspect" / "defects" / "images" / "test" / "test_001.jpg"


def test_media_for_finds_existing_images_and_audio(tmp_path):
    home = tmp_path / "home"
    (home / "inspect" / "images").mkdir(parents=True)
    image = home / "inspect" / "images" / "kept.jpg"  # where the modules keep what was checked
    shutil.copyfile(IMAGE, image)
    audio = home / "transcribe" / "call.wav"
    audio.parent.mkdir()
    audio.write_bytes(b"RIFF")
    value = {
        "image_path": str(image),
        "box": [10, 10, 40, 30],
        "audio_path": str(audio),
        "start": 3.5,
        "file": "missing.wav",
        "note": "text",
    }
    found = media_for(value, home=home)
    assert [m.kind for m in found] == ["image", "audio"]
    assert found[0].box == [10, 10, 40, 30] and found[1].start == 3.5
    assert media_for("plain text", home=home) == [] and media_for({"image_path": "/nope.png"}, home=home) == []


def test_media_for_shows_only_files_inside_suite_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    outside = tmp_path / "secret.png"
    shutil.copyfile(IMAGE, outside)
    os.symlink(outside, home / "link.png")  # a link inside that leads out
    values = [
        {"image_path": str(IMAGE)},  # a real image, but not one of ours
        {"image_path": str(outside)},
        {"image_path": str(home / "link.png")},
        {"image_path": str(home / ".." / "secret.png")},
        {"audio_path": "/etc/passwd"},
        {"image_path": str(home) + "\x00.png"},
        {"image_path": str(home / "inspect"), "box": "nonsense"},
    ]
    for value in values:
        assert media_for(value, home=home) == [], value
    monkeypatch.setenv("SUITE_HOME", str(home))  # the default: the settings' SUITE_HOME
    shutil.copyfile(IMAGE, home / "kept.png")
    assert [m.path for m in media_for({"image_path": str(home / "kept.png")})] == [(home / "kept.png").resolve()]
    assert media_for({"image_path": str(outside)}) == []


def test_image_with_box_draws_the_reviewed_box():
    image = image_with_box(IMAGE, [10, 10, 60, 50], "scratch")
    assert image.getpixel((10, 30)) == (255, 40, 40)  # the left edge of the box
    assert image.size == image_with_box(IMAGE, None).size


def test_image_with_an_edited_box_still_draws():
    flipped = image_with_box(IMAGE, [60, 50, 10, 10], "scratch")  # a reviewer swapped the corners
    assert flipped.getpixel((10, 30)) == (255, 40, 40)
    assert image_with_box(IMAGE, ["a", None, 1, 2]).size == image_with_box(IMAGE, [float("nan")] * 4).size


def test_the_class_label_stays_whole_on_the_image_at_its_edges(tmp_path):
    import numpy as np
    from PIL import Image

    photo = tmp_path / "black.png"
    Image.new("RGB", (200, 100), "black").save(photo)
    for box in ([170, 2, 199, 40], [0, 0, 30, 30], [150, 60, 199, 99]):  # right edge, top corner, bottom right
        drawn = np.asarray(image_with_box(photo, box, "scratch 41%"))
        white = np.argwhere(drawn.min(axis=2) > 200)  # the label's letters (the photo is black, the box red)
        assert len(white) > 20, box
        (top, left), (bottom, right) = white.min(axis=0), white.max(axis=0)
        assert right - left > 40, "the whole label is drawn, not a clipped part of it"
        assert 0 < left and right < 199 and 0 < top and bottom < 99, box
