"""The one chart shape the Operations page draws several times: a value per day, one colour per series.

Series are named in the reader's language (module titles, never module keys). One legend only, with one colour
per series: no second legend of look-alike dots.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages.ui import t


def per_day(
    data: pd.DataFrame,
    value: str,
    title: str,
    *,
    series: str = "module",
    series_title: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    lines: bool = False,
    share: bool = False,
) -> None:
    """Draw `value` per `day`, one colour per `series` value: stacked bars, or one line per series.

    `series` holds the words shown in the legend; `extra` adds (column, title) pairs to the tooltip; `share`
    shows the value as a percentage on a 0-1 axis.
    """
    legend = series_title or t("staff.chart.module")
    axis = alt.Axis(format="%") if share else alt.Axis(format=",d")
    y = alt.Y(f"{value}:Q", title=title, axis=axis, scale=alt.Scale(domain=[0, 1]) if share else alt.Undefined)
    tooltip = [
        alt.Tooltip("day:T", title=t("staff.chart.day"), format="%Y-%m-%d"),
        alt.Tooltip(f"{series}:N", title=legend),
        alt.Tooltip(f"{value}:Q", title=title, format=".0%" if share else ",d"),
        *(alt.Tooltip(f"{column}:Q", title=name, format=",d") for column, name in extra),
    ]
    chart = alt.Chart(data).mark_line(point=True) if lines else alt.Chart(data).mark_bar()
    encoding = {
        "x": alt.X("day:T", title=t("staff.chart.day"), axis=alt.Axis(format="%m-%d", labelAngle=0)),
        "y": y,
        "color": alt.Color(f"{series}:N", title=legend, legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
    }
    st.altair_chart(chart.encode(**encoding, tooltip=tooltip), width="stretch")
