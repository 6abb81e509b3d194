"""The one chart shape the Operations page draws several times: a value per day, one colour per module."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st


def per_day(
    data: pd.DataFrame,
    value: str,
    title: str,
    *,
    tooltip: list,
    lines_by: str | None = None,
    share: bool = False,
) -> None:
    """Draw `value` per `day`, coloured by `module`: stacked bars, or lines (one dash per `lines_by` value).

    `share` shows the value as a percentage on a 0-1 axis.
    """
    axis = alt.Y(f"{value}:Q", title=title)
    if share:
        axis = alt.Y(f"{value}:Q", title=title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    chart = alt.Chart(data).mark_line(point=True) if lines_by else alt.Chart(data).mark_bar()
    encoding = {"x": alt.X("day:T", title="Day"), "y": axis, "color": alt.Color("module:N", title="Module")}
    if lines_by:
        encoding["strokeDash"] = alt.StrokeDash(f"{lines_by}:N", title=lines_by.capitalize())
    st.altair_chart(chart.encode(**encoding, tooltip=tooltip), width="stretch")
