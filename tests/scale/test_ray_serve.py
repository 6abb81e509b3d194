"""Inference on Ray Serve (issue 20): the same answers as in-process models, and a promotion without a failed request.

A local Ray cluster is started for the module (`ray.init` with its own temp folder, 2 CPUs, no dashboard, on
127.0.0.1) and shut down after it; the suite reaches it through `SUITE_RAY_ADDRESS` (its GCS address), so the
code under test joins it exactly as a dashboard or API process on another machine would.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from suite.inspect.service import inspect_image  # noqa: E402
from suite.recommend.service import recommend_for_user, recommend_for_visitor, similar_items  # noqa: E402
from suite.registry.champion import champion_version  # noqa: E402
from suite.registry.versions import promote, register_outcome, rollback  # noqa: E402
from suite.risk.classifier import default_dir  # noqa: E402
from suite.risk.service import classify  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.store import Store  # noqa: E402
from suite.support.evaluation import KB_DIR  # noqa: E402
from suite.support.service import ask, ingest_paths  # noqa: E402
from suite.training import TrainingOutcome  # noqa: E402
from tests.recommend.seed import copy_seed  # noqa: E402

pytestmark = pytest.mark.scale  # several processes or a cluster: make test-scale

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "sample_data" / "inspect" / "defects" / "images" / "test"
HEADLINES = [
    "Regulators open fraud probe into Acme",
    "Acme beats estimates and raises its outlook",
    "Markets steady ahead of quarterly earnings",
    "监管机构对该公司展开欺诈调查",
]
QUESTIONS = ["How do I fix error E-4012?", "How do I reset my password?", "我的摄像头离线了怎么办？"]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster on 127.0.0.1 for this file; yields its address (what SUITE_RAY_ADDRESS holds)."""
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=temp,
        namespace="suite",
        logging_level="WARNING",
        log_to_driver=False,
    )
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        serve.shutdown()
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One SUITE_HOME with every module's sample data and default models (recommender seed, help center)."""
    home = tmp_path_factory.mktemp("ray-home") / "home"
    settings = Settings.from_env(home=home, device="cpu")
    copy_seed(settings)
    store = Store(settings)
    ingest_paths(store, [KB_DIR])
    store.close()
    return home


@pytest.fixture
def local_store(home, monkeypatch):
    monkeypatch.setenv("SUITE_HOME", str(home))
    monkeypatch.delenv("SUITE_RAY_ADDRESS", raising=False)
    store = Store(Settings.from_env(home=home, device="cpu"), flush_interval_s=0.2)
    yield store
    store.close()


def _on_ray(store: Store, address: str) -> None:
    store.settings = store.settings.with_(ray_address=address)


def test_ray_served_models_answer_as_in_process_models(cluster, local_store):
    store = local_store
    image = sorted(IMAGES.glob("*.jpg"))[0]
    shopper = store.query("SELECT user_id FROM rec_interactions GROUP BY user_id ORDER BY count(*) DESC LIMIT 1")[0][
        "user_id"
    ]
    item = store.query("SELECT item_id FROM rec_items ORDER BY item_id LIMIT 1")[0]["item_id"]

    def answers():
        return {
            "support": [ask(store, q) for q in QUESTIONS],
            "risk": classify(store, HEADLINES),
            "inspect": inspect_image(store, image),
            "user": recommend_for_user(store, shopper, k=10),
            "visitor": recommend_for_visitor(store, text="a warm waterproof jacket", k=5),
            "similar": similar_items(store, item, k=5),
        }

    here = answers()
    _on_ray(store, cluster)
    there = answers()
    apps = serve.status().applications
    assert {"suite-support", "suite-risk", "suite-inspect", "suite-recommend"} <= set(apps)
    assert all(str(app.status).endswith("RUNNING") for app in apps.values())

    for a, b in zip(here["support"], there["support"], strict=True):
        assert (a.answered, a.answer, a.model_version) == (b.answered, b.answer, b.model_version)
        assert [c.source for c in a.citations] == [c.source for c in b.citations]
        assert b.confidence == pytest.approx(a.confidence, abs=1e-3)
    for a, b in zip(here["risk"], there["risk"], strict=True):
        assert (a.label, a.model_version) == (b.label, b.model_version)
        assert b.confidence == pytest.approx(a.confidence, abs=1e-4)
    a, b = here["inspect"], there["inspect"]
    assert (a.verdict, a.model_version) == (b.verdict, b.model_version)
    assert [d.class_name for d in a.defects] == [d.class_name for d in b.defects]
    assert np.allclose([d.box for d in a.defects], [d.box for d in b.defects], atol=0.5)
    for name in ("user", "visitor", "similar"):
        a, b = here[name], there[name]
        assert [r.item_id for r in a.items] == [r.item_id for r in b.items], name
        assert [r.score for r in b.items] == pytest.approx([r.score for r in a.items], abs=1e-5)
        assert a.model_version == b.model_version
    # the usage log says which version served each answer, as it does in-process
    rows = store.query("SELECT module, model_version FROM events WHERE module = 'risk' ORDER BY ts DESC LIMIT 1")
    assert rows and rows[0]["model_version"] == here["risk"][0].model_version


def _risk_challenger(store: Store, folder: Path, name: str) -> str:
    """A copy of the default headline model under a new version name, registered as a challenger."""
    shutil.copytree(default_dir(store.settings), folder)
    meta = json.loads((folder / "classifier.json").read_text())
    meta["model_version"] = name
    (folder / "classifier.json").write_text(json.dumps(meta))
    (folder / "VERSION").write_text(name + "\n")
    outcome = TrainingOutcome(
        module="risk",
        artifact_dir=folder,
        primary_metric="macro_f1",
        higher_is_better=True,
        challenger_metrics={"macro_f1": 0.9},
        champion_metrics={"macro_f1": 0.8},
        trained_on={"feedback_ids": [], "data_hash": "h"},
    )
    return register_outcome(store, outcome, job_id="rayjob01", auto_promote=False)["version"]


def test_promotion_switches_the_served_version_with_no_failed_request(cluster, local_store, tmp_path):
    store = local_store
    _on_ray(store, cluster)
    old = classify(store, HEADLINES[:1])[0].model_version  # the deployment runs (and is warm)
    version = _risk_challenger(store, tmp_path / "challenger", "ray-challenger-1")

    served: list[tuple[float, str]] = []
    failures: list[str] = []
    stop = threading.Event()

    def fire():
        while not stop.is_set():
            try:
                tones = classify(store, HEADLINES[:2])
                served.extend((time.monotonic(), t.model_version) for t in tones)
            except Exception as err:  # noqa: BLE001 - every failure is what the test counts
                failures.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=fire) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before = len(served)
    promote(store, "risk", version, by="test")
    promoted_at = time.monotonic()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures[:3]
    assert before > 0 and len(served) > before
    assert {v for _, v in served} == {old, "ray-challenger-1"}
    after = [v for t, v in served if t > promoted_at + 0.5]
    assert after and set(after) == {"ray-challenger-1"}
    assert champion_version(store.settings, "risk") == version

    # every replica was told (user_config), and a roll back switches them back the same way
    rollback(store, "risk", by="test")
    assert classify(store, HEADLINES[:1])[0].model_version == old
