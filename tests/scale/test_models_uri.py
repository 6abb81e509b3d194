"""SUITE_MODELS_URI: two replicas (two SUITE_HOMEs) share one PostgreSQL store and one model folder; a risk
version that replica 1 trains and promotes (the real model on sample data) is what replica 2 serves, in a fresh
process, without anything copied by hand; a rollback by replica 2 is what replica 1 serves next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.errors import InvalidInput
from suite.jobs.runner import retrain_now
from suite.registry import champion_version
from suite.registry.versions import list_versions, promote, rollback
from suite.settings import Settings
from suite.store import Store
from tests.risk.risk_helpers import accepted_correction, install_default_model
from tests.scale.postgres_server import postgres_server, postgres_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.scale  # several processes or a cluster: make test-scale

SUITE = str(Path(sys.executable).with_name("suite"))
NEW_CASE = "Fennwick says the steering recall will be far costlier than planned"


# -- the setting ------------------------------------------------------------------------------------------
def test_models_uri_names_a_folder_or_a_file_uri(tmp_path):
    home = tmp_path / "home"
    assert Settings.from_env({}, home=home).models_dir == home / "models"
    assert Settings.from_env({"SUITE_MODELS_URI": str(tmp_path / "m")}, home=home).models_dir == tmp_path / "m"
    shared = Settings.from_env({"SUITE_MODELS_URI": "file:///mnt/suite%20models"}, home=home)
    assert shared.models_dir == Path("/mnt/suite models")
    assert Settings.from_env({"SUITE_MODELS_URI": "file://localhost/srv/m"}, home=home).models_dir == Path("/srv/m")


@pytest.mark.parametrize(
    ("uri", "words"),
    [("s3://bucket/models", "s3:// is not supported yet"), ("file://nas01/models", "not the host 'nas01'")],
)
def test_models_uri_refuses_what_it_cannot_use_yet(uri, words):
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env({"SUITE_MODELS_URI": uri})
    assert "SUITE_MODELS_URI" in str(refused.value) and words in str(refused.value)
    with pytest.raises(InvalidInput, match="SUITE_MODELS_URI"):
        _ = Settings(models_uri=uri).models_dir  # set in code, refused where it is used


# -- two replicas -----------------------------------------------------------------------------------------
def _replica(tmp_path: Path, name: str, url: str, shared: Path) -> Settings:
    return Settings.from_env(
        {}, home=tmp_path / name, device="cpu", database_url=url, models_uri=f"file://{shared}", auto_promote=True
    )


def _served_by_fresh_process(settings: Settings) -> dict:
    env = {
        **os.environ,
        "SUITE_HOME": str(settings.home),
        "SUITE_DATABASE_URL": settings.database_url,
        "SUITE_MODELS_URI": settings.models_uri,
        "SUITE_DEVICE": "cpu",
    }
    done = subprocess.run(
        [SUITE, "risk", "classify", NEW_CASE, "--json"], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[0])


@pytest.mark.slow
def test_a_version_promoted_by_one_replica_is_served_by_another(tmp_path, postgres_url):  # noqa: F811
    shared = tmp_path / "shared-models"
    one, two = _replica(tmp_path, "home1", postgres_url, shared), _replica(tmp_path, "home2", postgres_url, shared)
    install_default_model(one)  # what `suite prepare` on replica 1 leaves there
    store1, store2 = Store(one, flush_interval_s=0.2), Store(two, flush_interval_s=0.2)
    try:
        default = _served_by_fresh_process(two)["model_version"]
        assert default.startswith("default-")

        accepted_correction(store1, NEW_CASE)
        result = retrain_now(store1, "risk", requested_by="test")
        assert result["state"] == "succeeded", result
        version = result["version"]
        if not result["promoted"]:  # the gate's call on this data; a person promotes it then
            override = "shared-folder test" if result["status"] == "rejected" else None
            promote(store1, "risk", version, by="ana", override_reason=override)
        assert (shared / "risk" / version / "VERSION").is_file()
        assert not (one.home / "models").exists() and not (two.home / "models").exists()

        # replica 2: the champion from the shared folder, in the registry as the champion, served by a new process
        assert champion_version(two, "risk") == version
        [row] = [v for v in list_versions(store2, "risk") if v.version == version]
        assert row.status == "champion"
        served = _served_by_fresh_process(two)
        assert served["model_version"] == (shared / "risk" / version / "VERSION").read_text().strip() != default

        # and back: replica 2 rolls back, replica 1 serves the default model again
        assert rollback(store2, "risk", by="bo") is None
        assert champion_version(one, "risk") is None
        assert _served_by_fresh_process(one)["model_version"] == default
        assert {v.version: v.status for v in list_versions(store1, "risk")}[version] == "retired"
    finally:
        store1.close()
        store2.close()
