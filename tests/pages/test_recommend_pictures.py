"""Recommendation pictures (issue 16): the seeded drawing script, one picture per sample category, local files
only (a web address is never fetched), a placeholder for any other category, and a picture on every card."""

from __future__ import annotations

import base64
import csv
import importlib.util
import io
from pathlib import Path

import pytest
from PIL import Image

from suite.recommend.pictures import SAMPLE_PICTURES, SIZE, picture_for, placeholder, slug

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "sample_data" / "recommend" / "pictures.py"


def _script():
    spec = importlib.util.spec_from_file_location("recommend_pictures_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _categories() -> set[str]:
    with (ROOT / "sample_data" / "recommend" / "catalog.csv").open(newline="", encoding="utf-8") as handle:
        return {row["category"] for row in csv.DictReader(handle)}


def _png(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return picture


def test_the_script_is_deterministic_and_draws_every_sample_category(tmp_path):
    script = _script()
    first = {p.name: p.read_bytes() for p in script.main(tmp_path / "one")}
    second = {p.name: p.read_bytes() for p in script.main(tmp_path / "two")}
    assert first == second, "same input, same bytes"
    categories = _categories()
    assert len(categories) == 15 and set(script.ICONS) == categories  # each category has an icon of its own
    assert set(first) == {f"{slug(c)}.png" for c in categories}
    assert len(set(first.values())) == len(first), "no two categories share a picture"
    stored = {p.name for p in SAMPLE_PICTURES.glob("*.png")}
    assert stored == set(first), "sample_data/recommend/pictures/ holds one picture per category"
    for name in stored:
        assert _png((SAMPLE_PICTURES / name).read_bytes()).size == SIZE


def test_a_card_picture_is_the_category_picture_or_a_placeholder(tmp_path):
    home = tmp_path / "home"
    outdoor = picture_for("P00000", "Outdoor", home=home)
    assert outdoor.source == "category" and outdoor.data == (SAMPLE_PICTURES / "outdoor.png").read_bytes()
    assert picture_for("P1", "Coffee & Tea", home=home).data == (SAMPLE_PICTURES / "coffee-tea.png").read_bytes()
    other = picture_for("X1", "Camping Furniture", home=home)
    assert other.source == "placeholder" and _png(other.data).size == SIZE
    assert other.data == placeholder("Camping Furniture") != placeholder("Bicycles")
    assert picture_for("X2", "家居用品", home=home).source == "placeholder"  # drawn with or without a CJK font
    assert picture_for("X3", None, home=home).source == "placeholder"


def test_own_pictures_come_only_from_local_files_or_data_urls(tmp_path):
    home = tmp_path / "home"
    folder = home / "recommend" / "pictures"
    folder.mkdir(parents=True)
    red = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(red, format="PNG")
    (folder / "P00001.png").write_bytes(red.getvalue())
    found = picture_for("P00001", "Outdoor", home=home)
    assert found.source == "folder" and found.data == red.getvalue()

    url = "data:image/png;base64," + base64.b64encode(red.getvalue()).decode()
    assert picture_for("P2", "Outdoor", home=home, image=url).source == "product"
    (folder / "shots").mkdir()
    (folder / "shots" / "kettle.png").write_bytes(red.getvalue())
    assert picture_for("P3", "Kitchen", home=home, image="shots/kettle.png").source == "product"

    # never fetched, never read outside SUITE_HOME, never a file that is not an image: the category's instead
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(red.getvalue())
    (folder / "fake.png").write_bytes(b"not a picture at all")
    for image in ("http://127.0.0.1:9/p.png", "//cdn.example/p.png", str(outside), "../../elsewhere.png",
                  "fake.png", "data:image/png;base64,!!!", "data:text/html;base64,PGI+"):  # fmt: skip
        assert picture_for("P4", "Kitchen", home=home, image=image).source == "category", image


@pytest.mark.slow
def test_every_recommendation_card_shows_a_picture(app_page, settings):
    from tests.recommend.seed import copy_seed

    copy_seed(settings)
    at = app_page("pages/recommend.py").run()
    assert not at.exception
    shown = at.session_state["rec_list"]
    assert len(shown.items) == 10
    assert len(at.get("image")) == 10  # one per card
