"""Chinese headlines (issue 19): the real multilingual head, per-language macro-F1 on the frozen splits, the
English split untouched, Chinese company names linked to their tickers."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections import Counter

import numpy as np
import pytest
from risk_helpers import SAMPLE, watchlist

from pipelines.text_classifier import clean_text, evaluate
from suite.risk.languages import labelled_set_zh, language_of
from suite.risk.service import ingest, labelled_set, upsert_watchlist

ENGLISH_SHA256 = "8fd4fbf1da1ac906dda6034476e86f63a1b97ad420c9b3b18d47765593148fea"  # labelled_headlines.csv
ZH_TARGET = 0.85


def test_language_is_read_from_the_characters():
    assert language_of("艾克美拉发布业绩预警") == "zh"
    assert language_of("ACMR股价盘中跌停") == "zh"  # 4 Latin letters, 6 Han: Chinese
    assert language_of("Acmera Robotics shares slump after profit warning") == "en"
    assert language_of("Tencent (腾讯) shares slump after a profit warning at its games unit") == "en"
    assert language_of("株価が急落した") == "en"  # Japanese kana: not for the Chinese head


def test_english_frozen_split_is_unchanged():
    assert hashlib.sha256((SAMPLE / "labelled_headlines.csv").read_bytes()).hexdigest() == ENGLISH_SHA256
    rows = labelled_set()
    assert Counter(r["split"] for r in rows) == {"train": 321, "test": 138}
    assert all(language_of(r["headline"]) == "en" for r in rows)


def test_chinese_set_is_balanced_and_split_by_template_family():
    rows = labelled_set_zh()
    counts = Counter((r["split"], r["label"]) for r in rows)
    assert all(counts[("train", label)] == 108 for label in ("negative", "neutral", "positive"))
    assert all(counts[("test", label)] == 36 for label in ("negative", "neutral", "positive"))
    families = {split: {r["family"] for r in rows if r["split"] == split} for split in ("train", "test")}
    assert families["train"] and families["test"] and not families["train"] & families["test"]
    assert len({r["headline"] for r in rows}) == len(rows)
    assert all(language_of(r["headline"]) == "zh" for r in rows)


@pytest.mark.slow
def test_chinese_headlines_are_read_by_the_chinese_model(classifier):
    texts = [
        "公司因财务造假被调查，股价暴跌",
        "芬威克汽车预计全年亏损，多家工厂停工",
        "艾克美拉宣布斥资五亿元回购股份，并上调全年利润目标",
        "诺瓦洛电信将于下周二召开临时股东大会",
        "Fennwick Motors recalls vehicles over a steering defect",
    ]
    results = classifier.classify(texts)
    assert [r.label for r in results] == ["negative", "negative", "positive", "neutral", "negative"]
    assert all(r.model_version.startswith("zh-default-") for r in results[:4])
    assert results[4].model_version.startswith("default-")
    assert not any("English" in r.reason for r in results[:4])
    assert results[0].score < 0 < results[2].score


@pytest.mark.slow
def test_per_language_macro_f1_on_the_frozen_test_splits(classifier):
    zh = [r for r in labelled_set_zh() if r["split"] == "test"]
    ours = evaluate(classifier, [r["headline"] for r in zh], [r["label"] for r in zh])
    assert ours["n"] == 108 and ours["macro_f1"] >= ZH_TARGET
    en = [r for r in labelled_set() if r["split"] == "test"]
    texts, labels = [r["headline"] for r in en], [r["label"] for r in en]
    routed, alone = evaluate(classifier, texts, labels), evaluate(classifier.english, texts, labels)
    assert routed["macro_f1"] == alone["macro_f1"] >= 0.78  # English goes to the English head, unchanged
    mixed = texts[:5] + [r["headline"] for r in zh[:5]]
    together = classifier.probabilities(mixed)
    apart = np.vstack([classifier.probabilities(texts[:5]), classifier.probabilities(mixed[5:])])
    assert np.allclose(together, apart, atol=1e-6)  # a mixed batch is routed row by row


@pytest.mark.slow
def test_chinese_company_names_link_to_their_tickers(store, risk_settings):
    companies = watchlist(("FNWK", "ACMR", "MRDN"))
    assert companies[0]["names_zh"]  # the sample watchlist carries Chinese names
    companies += [
        {"ticker": "0700.HK", "name": "Tencent Holdings", "aliases": "Tencent", "names_zh": "腾讯控股|腾讯"},
        {"ticker": "9988.HK", "name": "Alibaba Group", "aliases": "Alibaba", "names_zh": ["阿里巴巴集团", "阿里巴巴"]},
        {"ticker": "600519.SS", "name": "Kweichow Moutai", "names_zh": "贵州茅台"},
    ]
    upsert_watchlist(store, companies)
    lines = [
        ("芬威克汽车因转向缺陷召回八万辆汽车", ["FNWK"]),
        ("芬威克与艾克美拉签署机器人合作协议", ["ACMR", "FNWK"]),
        ("子午线保险（MRDN）发布年度社会责任报告", ["MRDN"]),
        ("ACMR股价盘中大涨", ["ACMR"]),
        ("腾讯发布三季度财报，游戏收入增长", ["0700.HK"]),
        ("阿里巴巴与腾讯达成云计算合作", ["0700.HK", "9988.HK"]),
        ("贵州茅台宣布年度分红方案", ["600519.SS"]),
        ("某地方银行发布年报", []),
    ]
    rows = [["timestamp", "source", "headline", "url", "ticker"]]
    rows += [
        [f"2025-03-{day + 10:02d}T08:00:00+08:00", "财经日报", text, "", ""] for day, (text, _) in enumerate(lines)
    ]
    report = ingest(store, "\n".join(",".join(r) for r in rows) + "\n", "zh.csv")
    assert report.added == len(lines) and report.unlinked == 1
    linked = store.query(
        "SELECT h.headline, list(m.ticker ORDER BY m.ticker) AS tickers FROM risk_headlines h "
        "LEFT JOIN risk_mentions m USING (headline_id) GROUP BY h.headline"
    )
    found = {r["headline"]: [t for t in r["tickers"] if t] for r in linked}
    assert found == {clean_text(text): sorted(tickers) for text, tickers in lines}  # NFKC: （ is (
    scored = {r["headline"]: r["label"] for r in store.query("SELECT headline, label FROM risk_headlines")}
    assert scored["芬威克汽车因转向缺陷召回八万辆汽车"] == "negative"


def test_sample_watchlist_has_a_chinese_name_for_every_company():
    with (SAMPLE / "watchlist.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20
    assert all(r["names_zh"] and language_of(r["names_zh"].split("|")[0]) == "zh" for r in rows)


@pytest.mark.slow
def test_retrain_sends_chinese_corrections_to_the_chinese_head(store, risk_settings, tmp_path):
    from suite.registry.champion import set_champion
    from suite.risk import retrain
    from suite.risk.service import current_classifier

    held_out = next(r for r in labelled_set_zh() if r["split"] == "test")
    new_case = "林线纸业称纸浆涨价将吞噬全年利润"
    ids = []
    for text, label in ((new_case, "negative"), (held_out["headline"], held_out["label"])):
        feedback_id = store.log_feedback(
            module="risk", kind="correction", value={"headline": text, "corrected_label": label}
        )
        store.flush(wait_s=5)
        store.execute("UPDATE feedback SET review_state = 'accepted' WHERE feedback_id = ?", [feedback_id])
        ids.append(feedback_id)

    outcome = retrain(store, output_dir=tmp_path / "challenger")

    assert outcome.trained_on["feedback_ids"] == ids[:1]  # the Chinese held-out headline stays held out
    assert outcome.trained_on["examples"] == 321  # English head: the English train split only
    assert "1 Chinese" in outcome.notes
    assert outcome.challenger_metrics["zh_macro_f1"] >= ZH_TARGET <= outcome.champion_metrics["zh_macro_f1"]
    zh_version = (tmp_path / "challenger" / "zh" / "VERSION").read_text().strip()
    assert zh_version.endswith("-zh")

    shutil.copytree(tmp_path / "challenger", risk_settings.models_dir / "risk" / "v2")
    set_champion(risk_settings, "risk", "v2")
    [result] = current_classifier(risk_settings).classify([new_case])
    assert result.model_version == zh_version and result.label == "negative"
