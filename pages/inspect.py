"""Defect inspection: check photos, review each box, train on your own images, see defect rates over time."""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from pages.ui import current_user, get_store, page_header, progress_bar, run
from suite.inspect.models import CLASSES
from suite.inspect.verdicts import Thresholds, plural
from suite.modules import MODULES

info = next(m for m in MODULES if m.key == "inspect")
page_header(info.title, info.summary)
store = get_store()
VERDICT_STYLE = {
    "PASS": ":green-background[PASS]",
    "FAIL": ":red-background[FAIL]",
    "REVIEW": ":orange-background[REVIEW]",
}

with st.expander("How sure must the model be? (sensitivity)"):
    fail_at = {
        cls: st.slider(
            f"Flag {plural(cls)} when the model is at least this sure",
            5,
            95,
            50,
            step=5,
            format="%d%%",
            key=f"fail-{cls}",
        )
        / 100
        for cls in CLASSES
    }
    band = st.slider(
        "Ask a person (REVIEW) when the model is this much less sure than that",
        0,
        50,
        25,
        step=5,
        format="%d%%",
        key="review-band",
    )
thresholds = Thresholds(fail_at=fail_at, review_band=band / 100)
check_tab, train_tab, stats_tab = st.tabs(["Check images", "Train on your images", "Statistics"])


def show_result(inspection) -> None:
    from suite.inspect.feedback import report_missed, review_box
    from suite.inspect.report import defect_table, draw_boxes

    rid = inspection.result_id
    st.markdown(f"#### {inspection.image_name} &nbsp; {VERDICT_STYLE[inspection.verdict]}")
    left, right = st.columns([1, 1])
    left.image(draw_boxes(inspection), width="stretch")
    shown = inspection.shown_defects()
    if not shown:
        right.success("No defects found.")
    else:
        right.dataframe(defect_table(inspection), hide_index=True)
        right.caption("Grey boxes: the model is unsure, so a person should look (REVIEW).")
    for d in shown:
        row = st.columns([3, 2, 2, 2, 2], vertical_alignment="center")
        row[0].write(f"**Box {d.index + 1}**: {d.class_name} ({d.confidence:.0%} sure)")
        if row[1].button("Confirm", key=f"ok-{rid}-{d.index}"):
            run(lambda d=d: review_box(store, inspection, d.index, "confirm", user=current_user()), what="Saving")
            st.toast(f"Box {d.index + 1} confirmed as {d.class_name}.")
        other = [c for c in CLASSES if c != d.class_name]
        new_class = row[2].selectbox("It is a", other, key=f"cls-{rid}-{d.index}", label_visibility="collapsed")
        if row[3].button("Wrong type", key=f"fix-{rid}-{d.index}", help="Save the type chosen on the left"):
            run(
                lambda d=d, new_class=new_class: review_box(
                    store, inspection, d.index, "wrong_class", new_class=new_class, user=current_user()
                ),
                what="Saving",
            )
            st.toast(f"Box {d.index + 1} saved as {new_class}.")
        if row[4].button("Not a defect", key=f"no-{rid}-{d.index}"):
            run(lambda d=d: review_box(store, inspection, d.index, "not_defect", user=current_user()), what="Saving")
            st.toast(f"Box {d.index + 1} marked as not a defect.")
    with st.popover("The model missed a defect"):
        cls = st.selectbox("What kind?", CLASSES, key=f"miss-cls-{rid}")
        mark_area = st.checkbox("I can give the area (in pixels)", key=f"miss-area-{rid}")
        box = None
        if mark_area:
            c = st.columns(4)
            box = [
                c[0].number_input("left", 0, inspection.width, 0, key=f"mx1-{rid}"),
                c[1].number_input("top", 0, inspection.height, 0, key=f"my1-{rid}"),
                c[2].number_input("right", 0, inspection.width, min(32, inspection.width), key=f"mx2-{rid}"),
                c[3].number_input("bottom", 0, inspection.height, min(32, inspection.height), key=f"my2-{rid}"),
            ]
        if st.button("Report missed defect", key=f"miss-{rid}"):
            saved = run(
                lambda: report_missed(store, inspection, cls, box=box, user=current_user()), what="Saving the report"
            )
            if saved:
                st.toast(f"Thanks: a missed {cls} was recorded for review.")
    st.caption(
        f"Model {inspection.model_version}"
        + (f" · large image checked in {inspection.tiles} tiles" if inspection.tiled else "")
    )
    st.divider()


with check_tab:
    uploads = st.file_uploader(
        "Photos of parts or surfaces (or a zip of them)",
        type=["jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp", "zip"],
        accept_multiple_files=True,
    )
    if st.button("Check images", type="primary", disabled=not uploads):
        from suite.inspect.inspection import inspect_many

        with progress_bar("Checking images") as progress:
            outcome = run(
                lambda: inspect_many(
                    store,
                    [(f.name, f.getvalue()) for f in uploads],
                    thresholds=thresholds,
                    user=current_user(),
                    progress=progress,
                ),
                what="Checking the images",
            )
        if outcome is not None:
            st.session_state["inspect_results"], st.session_state["inspect_problems"] = outcome
    for name, problem in st.session_state.get("inspect_problems", []):
        st.error(f"{name}: {problem}")
    results = st.session_state.get("inspect_results", [])
    if results:
        verdicts = pd.Series([r.verdict for r in results]).value_counts()
        cols = st.columns(3)
        for col, verdict in zip(cols, ("PASS", "REVIEW", "FAIL"), strict=True):
            col.metric(verdict, int(verdicts.get(verdict, 0)))
        for inspection in results:
            show_result(inspection)

with train_tab:
    st.write(
        "Train the inspector on your own labelled photos: a zip with `data.yaml`, `images/` and `labels/` "
        "(YOLO format), or a zip with a `good/` folder of defect-free photos. The new model is checked on "
        "your test images and replaces the current one only if it does better."
    )
    data_zip = st.file_uploader("Training images (zip)", type=["zip"], key="train-zip")
    server_path = st.text_input("…or a folder / data.yaml on this computer", key="train-path")
    epochs = st.slider("Training rounds (epochs)", 1, 100, 20, key="train-epochs")
    if st.button("Check the data", disabled=not (data_zip or server_path)):
        from suite.inspect.dataset import import_dataset, validate

        def check():
            folder = store.settings.module_dir("inspect") / "datasets"
            if data_zip is not None:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / data_zip.name
                    path.write_bytes(data_zip.getvalue())
                    return import_dataset(path, folder)
            path = Path(server_path.strip())
            return validate(path) if path.suffix in (".yaml", ".yml") else import_dataset(path, folder)

        report = run(check, what="Checking the data")
        if report is not None:
            st.session_state["train-report"] = report
    report = st.session_state.get("train-report")
    if report is not None:
        st.write(f"Images: {report.images or 'none'} · boxes per defect: {report.boxes or 'none'}")
        if report.problems:
            st.dataframe(pd.DataFrame([p.__dict__ for p in report.problems]), hide_index=True, width="stretch")
        if report.ok:
            st.success("The data is ready for training.")
        else:
            st.error(f"Fix the {len(report.errors)} problem(s) marked 'error' first.")
    if report is not None and report.ok and st.button("Start training", type="primary"):
        from suite.inspect.training import train_version

        st.button("Stop training", help="Stops at the end of the current round; no new model is saved.")
        chart = st.empty()
        history: list[dict] = []

        def on_epoch(row: dict) -> None:
            history.append(row)
            chart.line_chart(pd.DataFrame(history).set_index("epoch")[["loss", "map50"]])

        with progress_bar("Training") as progress:
            result = run(
                lambda: train_version(
                    store, report.data_yaml, epochs=epochs, user=current_user(), progress=progress, on_epoch=on_epoch
                ),
                what="Training",
            )
        if result is not None:
            st.session_state["train-result"] = result
    result = st.session_state.get("train-result")
    if result is not None:
        with st.container(border=True):
            st.subheader(f"New model {result.version}: {result.status}")
            c = st.columns(4)
            c[0].metric("mAP50", f"{result.metrics['map50']:.2f}")
            c[1].metric("mAP50-95", f"{result.metrics['map50_95']:.2f}")
            c[2].metric("precision", f"{result.metrics['precision']:.0%}")
            c[3].metric("recall", f"{result.metrics['recall']:.0%}")
            per_class = pd.DataFrame(
                {
                    "defect": list(result.metrics["per_class_ap50"]),
                    "AP50": list(result.metrics["per_class_ap50"].values()),
                }
            )
            st.altair_chart(alt.Chart(per_class).mark_bar().encode(x="defect", y="AP50"), width="stretch")
            st.caption("; ".join(result.gate.get("reasons", [])))
            if result.misses:
                st.write("Examples of defects it still misses:")
                cols = st.columns(min(len(result.misses), 3))
                for col, miss in zip(cols, result.misses, strict=False):
                    col.image(miss["image"], caption=f"missed {miss['class']}")

with stats_tab:
    from suite.inspect.report import defect_rates, training_runs, verdict_counts

    counts = run(lambda: verdict_counts(store), what="Loading statistics") or {}
    cols = st.columns(3)
    for col, verdict in zip(cols, ("PASS", "REVIEW", "FAIL"), strict=True):
        col.metric(f"{verdict} (all time)", counts.get(verdict, 0))
    rates = run(lambda: defect_rates(store), what="Loading statistics")
    if rates is not None and not rates.empty:
        st.write("Share of checked images with each defect, by day")
        chart = (
            alt.Chart(rates)
            .mark_line(point=True)
            .encode(
                x=alt.X("day:T", title="day"),
                y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title="images with the defect"),
                color="defect:N",
                tooltip=["day:T", "defect", "with_defect", "images"],
            )
        )
        st.altair_chart(chart, width="stretch")
    else:
        st.info("No images checked yet.")
    runs = run(lambda: training_runs(store), what="Loading training runs")
    if runs:
        st.write("Recent training runs")
        st.dataframe(pd.DataFrame(runs), hide_index=True)
