"""The inspection page: upload a photo, see the verdict and boxes, confirm a box; statistics render."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SAMPLE_SET = Path(__file__).resolve().parents[2] / "sample_data" / "inspect" / "defects"
SAMPLE = SAMPLE_SET / "images" / "test"


@pytest.mark.slow
def test_upload_check_and_confirm_a_box(app_page, settings):
    from suite.store import Store

    at = app_page("pages/inspect.py")
    at.run()
    assert not at.exception
    at.file_uploader[0].set_value(("test_014.jpg", (SAMPLE / "test_014.jpg").read_bytes(), "image/jpeg"))
    at.run()
    next(b for b in at.button if b.label == "Check images").click()
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # as shown: escapes removed
    assert "test_014.jpg" in text and "FAIL" in text
    confirm = [b for b in at.button if b.label == "Confirm"]
    assert confirm, "the page shows no box to confirm"
    confirm[0].click()
    at.run()
    assert not at.exception
    store = Store(settings)
    store.flush(wait_s=5)
    rows = store.query("SELECT kind, value FROM feedback WHERE module = 'inspect'")
    assert [r["kind"] for r in rows] == ["confirm"]
    assert json.loads(rows[0]["value"])["image_name"] == "test_014.jpg"
    assert any("PASS" in m.label or "FAIL" in m.label for m in at.metric)


def _zipped(folder: Path, dest: Path) -> bytes:
    return Path(shutil.make_archive(str(dest), "zip", folder)).read_bytes()


def test_training_tab_lists_data_problems(app_page, tmp_path):
    tiny_set = tmp_path / "set"
    for split in ("train", "val"):
        (tiny_set / "images" / split).mkdir(parents=True)
        (tiny_set / "labels" / split).mkdir(parents=True)
        for i in range(4):
            (tiny_set / "images" / split / f"{i}.jpg").write_bytes((SAMPLE / f"test_00{i}.jpg").read_bytes())
            (tiny_set / "labels" / split / f"{i}.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (tiny_set / "labels" / "train" / "0.txt").write_text("9 0.5 0.5 0.1 0.1\n")
    (tiny_set / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [scratch, pit, crack, stain]\n")
    at = app_page("pages/inspect.py")
    at.run()
    assert not [t for t in at.text_input if t.key == "train-path"], "the page must not read server folders"
    at.file_uploader(key="train-zip").set_value(("set.zip", _zipped(tiny_set, tmp_path / "set"), "application/zip"))
    at.run()
    next(b for b in at.button if b.label == "Check the data").click()
    at.run()
    assert not at.exception
    assert any("problem" in e.value for e in at.error)
    assert len(at.dataframe) >= 1


def test_untrusted_names_are_shown_as_text(app_page, settings, tmp_path):
    """File names and class names from an upload never become links, images or markup on the page."""
    beacon = "![x](http://198.51.100.7/beacon.png)"
    at = app_page("pages/inspect.py")
    at.run()
    at.file_uploader[0].set_value((f"{beacon}.jpg", b"not an image at all", "image/jpeg"))
    at.run()
    next(b for b in at.button if b.label == "Check images").click()
    at.run()
    assert not at.exception
    shown = [e.value for e in at.error]
    assert any("beacon" in text for text in shown), shown
    assert not any("![x](http" in text for text in shown), shown
    data = tmp_path / "named"
    for split in ("train", "val"):
        (data / "images" / split).mkdir(parents=True)
        (data / "labels" / split).mkdir(parents=True)
        for i in range(4):
            (data / "images" / split / f"{i}.jpg").write_bytes((SAMPLE / f"test_00{i}.jpg").read_bytes())
            (data / "labels" / split / f"{i}.txt").write_text(f"{i % 2} 0.5 0.5 0.1 0.1\n")
    (data / "data.yaml").write_text(
        f"train: images/train\nval: images/val\nnames: ['{beacon}', '[site](http://x.example)']\n"
    )
    at.file_uploader(key="train-zip").set_value(("named.zip", _zipped(data, tmp_path / "named"), "application/zip"))
    at.run()
    next(b for b in at.button if b.label == "Check the data").click()
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "beacon" in text and "site" in text
    assert "![x](http" not in text and "[site](http" not in text


@pytest.mark.slow
def test_report_a_missed_defect_with_its_area(app_page, settings):
    from suite.store import Store

    at = app_page("pages/inspect.py")
    at.run()
    at.file_uploader[0].set_value(("clean.jpg", (SAMPLE / "test_005.jpg").read_bytes(), "image/jpeg"))
    at.run()
    next(b for b in at.button if b.label == "Check images").click()
    at.run()
    assert "PASS" in " ".join(m.value for m in at.markdown)
    rid = at.session_state["inspect_results"][0].result_id
    at.toggle(key=f"miss-open-{rid}").set_value(True).run()
    at.selectbox(key=f"miss-cls-{rid}").set_value("pit")
    # the box dragged on the photo (shown at 512 px in a 336 px drawing area), as the drawing component sends it
    fit = 336 / 512
    box = {"type": "LabeledRect", "left": 80 * fit, "top": 100 * fit, "width": 24 * fit, "height": 24 * fit}
    at.session_state[f"draw-{rid}-0"] = {
        "drawing": {"raw": {"objects": [box]}, "data": None},
        "backgroundFit": {
            "naturalWidth": 512,
            "naturalHeight": 512,
            "scaleX": fit,
            "scaleY": fit,
            "offsetX": 0,
            "offsetY": 0,
        },
    }
    at.run()
    next(b for b in at.button if b.label == "Report missed defect").click()
    at.run()
    assert not at.exception and not at.error
    store = Store(settings)
    store.flush(wait_s=5)
    rows = store.query("SELECT kind, value FROM feedback WHERE module = 'inspect'")
    assert [r["kind"] for r in rows] == ["missed"]
    value = json.loads(rows[0]["value"])
    assert (
        value["class"] == "pit"
        and value["box"] == pytest.approx([40, 50, 52, 62])
        and value["image_name"] == "clean.jpg"
    )


def _small_set(root: Path) -> Path:
    for split, n in (("train", 4), ("val", 2)):
        for kind, suffix in (("images", ".jpg"), ("labels", ".txt")):
            (root / kind / split).mkdir(parents=True)
            for i in range(n):
                name = f"{split}_{i:03d}{suffix}"
                shutil.copyfile(SAMPLE_SET / kind / split / name, root / kind / split / name)
    (root / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [scratch, pit, crack, stain]\n")
    return root / "data.yaml"


def test_stop_button_cancels_the_training_job(app_page, settings, tmp_path):
    """The training runs as a job; the page shows its progress and its Stop button cancels it through the queue."""
    from suite.inspect import service
    from suite.jobs import queue
    from suite.store import Store

    store = Store(settings)
    waiting = service.queue_training(store, _small_set(tmp_path / "set"), epochs=3)  # no worker takes it here
    at = app_page("pages/inspect.py")
    at.run()
    assert not at.exception
    assert any("Waiting for the training worker" in p.proto.text for p in at.get("progress"))
    next(b for b in at.button if b.label == "Stop training").click()
    at.run()
    assert not at.exception
    assert service.training_job(store, waiting.job_id).state == "cancelled"
    assert any("no new model version was made" in i.value for i in at.info)

    running = service.queue_training(store, tmp_path / "set" / "data.yaml", epochs=3)
    queue.claim(store, "inspect", worker="otherhost-1", job_id=running.job_id)  # a worker elsewhere has it
    queue.report(store, running.job_id, stage="training", epoch=1, epochs=3, metrics={"loss": 2.0, "map50": 0.1})
    at = app_page("pages/inspect.py")
    at.run()
    assert any("training: epoch 1 of 3" in p.proto.text for p in at.get("progress"))
    next(b for b in at.button if b.label == "Stop training").click()
    at.run()
    assert not at.exception
    job = service.training_job(store, running.job_id)
    assert job.state == "running" and job.cancel_requested  # the worker stops it after its current batch
    assert any("Stopping at the end of the current batch" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Stop training"]
