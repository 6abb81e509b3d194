"""A SUITE_HOME with the default recommender built and the sample shop imported, made once per test run.

Tests copy it into their own SUITE_HOME, so each test starts from the same state in well under a second.
"""

from __future__ import annotations

from pathlib import Path

from suite.settings import Settings
from suite.store import Store
from tests.homes import clone_home, process_folder

_seeded: list[Path] = []


def seeded_home() -> Path:
    if _seeded:
        return _seeded[0]
    from suite.recommend import prepare
    from suite.recommend.default_model import SAMPLE
    from suite.recommend.service import import_catalog, import_interactions

    home = process_folder("rec-seed-") / "home"
    settings = Settings.from_env(home=home, device="cpu")
    prepare(settings)
    store = Store(settings)
    import_catalog(store, SAMPLE / "catalog.csv")
    import_interactions(store, SAMPLE / "interactions.csv.gz", source="demo")
    store.close()
    _seeded.append(home)
    return home


def copy_seed(settings: Settings) -> None:
    clone_home(seeded_home(), settings.home)
