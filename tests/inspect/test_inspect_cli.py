"""`suite inspect predict --json` prints one object per image; bad files exit 2 with a reason."""

from __future__ import annotations

import json

import pytest
from inspect_helpers import SAMPLE_SET
from typer.testing import CliRunner

from suite.cli import app


@pytest.mark.slow
def test_predict_json_one_object_per_image(settings, tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    folder = SAMPLE_SET / "images" / "test"
    runner = CliRunner()
    ok = runner.invoke(
        app, ["inspect", "predict", str(folder / "test_014.jpg"), str(folder / "test_005.jpg"), "--json"]
    )
    assert ok.exit_code == 0, ok.output
    lines = [json.loads(line) for line in ok.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(folder / "test_014.jpg"), str(folder / "test_005.jpg")]
    assert lines[0]["verdict"] == "FAIL" and lines[0]["defects"][0]["class"] == "stain"
    for line in lines:
        assert line["verdict"] in ("PASS", "FAIL", "REVIEW")
        for defect in line["defects"]:
            assert set(defect) == {"class", "confidence", "box"} and len(defect["box"]) == 4
    failed = runner.invoke(app, ["inspect", "predict", str(bad), "--json"])
    assert failed.exit_code == 2
    assert "not an image" in json.loads(failed.stdout.splitlines()[0])["error"]


def test_validate_lists_problems(settings, tiny_set):
    (tiny_set / "labels" / "train" / "train_000.txt").write_text("9 0.5 0.5 0.1 0.1\n")
    result = CliRunner().invoke(app, ["inspect", "validate", str(tiny_set / "data.yaml")])
    assert result.exit_code == 2
    problems = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"severity": "error", "file": "labels/train/train_000.txt", "line": 1}.items() <= problems[0].items()
