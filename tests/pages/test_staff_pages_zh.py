"""The staff pages in Chinese (issue 16): Operations, Models, Users, Pilot tour, Needs attention and Audit trail
render in zh_CN over a real store with data in every table, with Chinese headings, table headers, buttons and
widget labels (no English word of four letters or more except product names), and no leaked machinery: no
module key in a chart legend, no version hash, no `None`, no Python dict, no `+00:00`."""

from __future__ import annotations

import json
import re

import pytest

from pages.ui import LANGUAGE_KEY
from tests.auth.helpers import keep_app_routing, sign_in_app_test, signed_in
from tests.pages.test_attention_page import seed_one_of_each
from tests.pages.test_models_page import recorded_version

CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
# names that stay as they are in Chinese: the product, metrics, formats, commands and the seeded data's own words
KEPT = {"Northstar", "Suite", "Parquet", "macro_f1", "pilot", "suite", "serve", "make", "worker", "store", "check"}
LEAKS = re.compile(r"\bNone\b|\{'|\w_ms\b|\+00:00|\b[a-z][\w.]*-[0-9a-f]{10}\b|\bv\d{8}-\d{6}-[0-9a-f]{8}\b")


@pytest.fixture
def busy_store(store, tmp_path):
    """Uses, feedback, versions, a job, a row put aside and something waiting of each kind."""
    from suite.jobs import queue

    rid = store.log_event(module="support", action="ask", latency_ms=40, output_summary={"answered": True})
    store.log_event(module="risk", action="classify_batch", latency_ms=90, model_version="default-2fed9a1d5c")
    store.log_event(module="suite", action="demo", latency_ms=5)  # the suite's own work: not a sixth module
    store.log_feedback(module="support", kind="thumbs", request_id=rid, value={"question": "q", "up": True})
    store.log_feedback(module="risk", kind="false_alarm", value={"headline": "h"})
    seed_one_of_each(store)
    versions = [
        recorded_version(store, tmp_path, "good", 0.8, 0.7),
        recorded_version(store, tmp_path, "worse", 0.6, 0.8),
    ]
    job_id, _ = queue.enqueue(store, "risk", requested_by="test")
    queue.claim(store, "risk", worker=queue.worker_name(), job_id=job_id)
    queue.finish(store, job_id, state="succeeded", outcome={"version": versions[0], "status": "champion"})
    store.journal_row("later_table", {"id": "a1", "note": "from a newer suite"})
    for _ in range(3):  # QUARANTINE_AFTER failed attempts: put aside
        store.flush()
    store.flush()
    return store, versions


def _in_chinese(at) -> None:
    at.session_state[LANGUAGE_KEY] = "zh_CN"


def _labels(at) -> list[str]:
    """What a reader takes for the page's own words: headings, buttons, widget labels, table headers, metrics
    (in the page itself: the sidebar's language switch says "Language · 语言" on purpose)."""
    at = at.main
    texts = [e.value for e in (*at.title, *at.subheader, *at.header)]
    texts += [b.label for b in at.button] + [m.label for m in at.metric]
    for kind in ("selectbox", "radio", "text_input", "text_area", "checkbox", "date_input", "multiselect"):
        texts += [w.label for w in at.get(kind)]
    texts += [w.proto.label for w in at.get("download_button")]
    texts += [w.proto.label for w in at.get("button_group")] if at.get("button_group") else []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for column in frame.value.columns:
            label = (config.get(f"name:{column}") or config.get(column) or {}).get("label")
            texts.append(label or str(column))
    return [text for text in texts if text]


def _english(texts: list[str]) -> list[str]:
    return [word for text in texts for word in WORD.findall(text.replace("\\", "")) if word not in KEPT]


def _shown(at) -> str:
    """Every text of the page, its tables' cells included, as the reader sees it."""
    parts = _labels(at)
    at = at.main
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "expander"):
        parts += [str(getattr(e, "value", None) or getattr(e, "label", "")) for e in at.get(kind)]
    parts += [frame.value.to_csv(index=False) for frame in at.dataframe]
    return "\n".join(parts).replace("\\", "")


def _check(at) -> None:
    assert not at.exception, at.exception
    labels = _labels(at)
    assert CJK.search(at.title[0].value), at.title[0].value
    assert all(CJK.search(s.value) for s in at.subheader), [s.value for s in at.subheader]
    assert _english(labels) == [], labels
    assert LEAKS.findall(_shown(at)) == []


def _charts(at) -> list[tuple[dict, str]]:
    """Each chart's Vega-Lite spec and the text of its data (read back from Arrow)."""
    import pyarrow as pa

    drawn = []
    for chart in at.get("vega_lite_chart"):
        tables = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets if d.data.data]
        if chart.proto.data.data:
            tables.append(pa.ipc.open_stream(chart.proto.data.data).read_pandas())
        drawn.append((json.loads(chart.proto.spec), "\n".join(t.to_csv(index=False) for t in tables)))
    return drawn


def test_operations_in_chinese_names_assistants_not_keys(app_page, busy_store):
    store, _ = busy_store
    at = sign_in_app_test(app_page("pages/operations.py"), signed_in(store, "admin"))
    _in_chinese(at)
    at.run()
    _check(at)
    heads = [s.value for s in at.subheader]
    assert {"再训练后台进程", "每日使用次数", "用户更满意了吗？", "模型版本变化", "再训练任务"} <= set(heads)
    frames = {tuple(f.value.columns): f.value for f in at.dataframe}
    feedback = next(f for cols, f in frames.items() if "反馈类型" in cols)
    assert set(feedback["助手"]) == {"客服问答", "市场风险预警"} and "待审核" in set(feedback["审核状态"])
    shown = _shown(at)
    assert "suite" not in set(next(f for cols, f in frames.items() if "通常（毫秒）" in cols)["助手"])
    assert "第 1 版" in shown and "UTC" in shown
    charts = _charts(at)
    assert charts, "the per-day charts are drawn"
    for spec, _ in charts:
        encoding = spec.get("encoding", {})
        assert "strokeDash" not in encoding  # one legend per chart: no second legend of identical dots
        assert CJK.search(encoding["color"]["title"]) and CJK.search(encoding["x"]["title"])
    cells = "\n".join(data for _, data in charts)
    assert "客服问答" in cells and not re.search(r"^(support|risk|suite),|,(support|risk|suite)(,|$)", cells, re.M)


def test_models_in_chinese_names_versions_by_number_and_date(app_page, busy_store, monkeypatch):
    store, versions = busy_store
    # AppTest formats a picked option in the test's own thread, where no session says Chinese
    monkeypatch.setattr("pages.ui.language", lambda: "zh_CN")
    at = sign_in_app_test(app_page("pages/models.py"), signed_in(store, "admin"))
    _in_chinese(at)
    at.run()
    at.selectbox[0].set_value("risk").run()
    _check(at)
    overview = at.dataframe[0].value
    assert list(overview["title"])[-1] == "市场风险预警" and "默认模型" in set(overview["serving"])
    table = at.dataframe[1].value
    assert [v.split("，")[0] for v in table["version"]] == ["第 2 版", "第 1 版"]
    assert not any(name in _shown(at) for name in versions)  # never the hash
    assert set(table["status"]) <= {"使用中", "备选", "未通过把关", "已停用"}


def test_users_and_audit_in_chinese(app_page, store):
    signed = signed_in(store, "admin")
    for page in ("pages/admin_users.py", "pages/audit.py"):
        at = sign_in_app_test(app_page(page), signed)
        _in_chinese(at)
        at.run()
        _check(at)
        assert all(CJK.search(str(c)) for c in at.dataframe[0].value.columns), list(at.dataframe[0].value.columns)
    users = sign_in_app_test(app_page("pages/admin_users.py"), signed)
    _in_chinese(users)
    users.run()
    assert "管理员" in set(users.dataframe[0].value["角色"])  # the role in words, not "admin"


def test_the_pilot_tour_in_chinese(app_page, store):
    at = app_page("pages/tour.py")
    _in_chinese(at)
    at.run()
    _check(at)
    heads = [h.value for h in at.subheader]
    assert heads[:5] == ["1. 客服问答", "2. 商品推荐", "3. 缺陷检测", "4. 语音转写", "5. 市场风险预警"]
    assert heads[5] == "6. 学习时刻" and heads[6] == "7. 语音也一样"
    assert any("请先向客服助手提问" in i.value for i in at.info)


def test_needs_attention_in_chinese(app_page, store, monkeypatch):
    seed_one_of_each(store)
    keep_app_routing(monkeypatch)
    at = sign_in_app_test(app_page("app.py"), signed_in(store, "reviewer")).run()
    at.sidebar.radio(key=LANGUAGE_KEY).set_value("zh_CN").run()
    at.switch_page("pages/attention.py").run()
    _check(at)
    titles = [e.label.replace("\\", "") for e in at.expander]
    assert titles[0].startswith("紧急") and "转交人工的问题：Can I pay by invoice" in titles[0]
    assert "风险预警：ACME" in titles[1] and "待检查照片：weld" in titles[2]
    assert titles[3].startswith("有空时") and "市场风险预警 · 语气已更正" in titles[3]
    shown = _shown(at)
    assert "1 个不确定的框" in shown and "严重程度高" in shown and "来自 " in shown


def test_operations_and_models_in_english_leak_nothing_either(app_page, busy_store):
    store, versions = busy_store
    signed = signed_in(store, "admin")
    for page in ("pages/operations.py", "pages/models.py"):
        at = sign_in_app_test(app_page(page), signed).run()
        if page.endswith("models.py"):
            at.selectbox[0].set_value("risk").run()
        assert not at.exception
        shown = _shown(at)
        assert LEAKS.findall(shown) == [] and not any(name in shown for name in versions)
        assert "Version 1, trained" in shown and "Market risk alerts" in shown
