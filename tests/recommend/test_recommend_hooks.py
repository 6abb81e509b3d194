"""The module's hooks against the suite's contract, and its drift signals on logged lists (no model runs)."""

from __future__ import annotations

from suite.modules import ModelStatus, hooks
from suite.recommend.hybrid import describe_blend
from suite.recommend.service import how_picks_are_made, import_catalog


def test_hooks_match_the_contract_and_report_typed_status(settings):
    module = hooks("recommend")
    (status,) = module.model_status(settings)
    assert isinstance(status, ModelStatus) and status.module == "recommend"
    assert not status.on_disk and status.version is None and status.path.endswith("recommend/default")
    import suite.recommend.default_model  # noqa: F401
    import suite.recommend.drift_signals  # noqa: F401
    import suite.recommend.retrain  # noqa: F401  importing a submodule must not replace a hook

    for name in ("prepare", "load_demo", "model_status", "retrain", "drift"):
        assert getattr(hooks("recommend"), name).__module__ == "suite.recommend", name


def test_help_text_comes_from_the_hybrids_own_weights():
    text = how_picks_are_made()
    assert describe_blend() in text and "learned from each shopper's most recent visits" in text
    assert "never shown" in text


def _shown(store, items: list[str], *, days_ago: int, user_id: str | None = "U1", cold_start: bool = False) -> None:
    store.log_event(
        module="recommend",
        action="for_user",
        input_summary=f"drift-{days_ago}",
        output_summary={"user_id": user_id, "items": items, "cold_start": cold_start},
    )
    store.flush(wait_s=2.0)
    store.execute("UPDATE events SET ts = ts - to_days(CAST(? AS INTEGER)) WHERE input_summary = ?",
                  [days_ago, f"drift-{days_ago}"])  # fmt: skip


def test_drift_compares_the_category_mix_of_recommended_products(store, tmp_path):
    drift = hooks("recommend").drift
    assert [s.level for s in drift(store, recent_days=7, reference_days=60)] == ["not enough data"] * 2
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("item_id,title,category\nG1,Rake,Garden\nG2,Hose,Garden\nB1,Novel,Books\nB2,Atlas,Books\n")
    import_catalog(store, catalog)
    for day in range(20, 26):  # a reference month of garden picks, every shopper known
        _shown(store, ["G1", "G2"], days_ago=day)
    for day in range(1, 7):  # this week: books, and half the shoppers are new
        _shown(store, ["B1", "B2"], days_ago=day, cold_start=day % 2 == 0)
    mix, cold = drift(store, recent_days=7, reference_days=60)
    assert mix.signal == "category mix of recommended products" and mix.level == "drifting"
    assert mix.n_reference == 12 and mix.n_recent == 12 and mix.change == 1.0
    assert mix.reference == "Garden 100%" and mix.recent == "Books 100%"
    assert cold.signal == "shoppers with no history" and cold.level == "drifting" and cold.n_recent == 6
