"""Cases for the suite-wide commands and settings (the modules' cases live beside this file)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SUITE_PROMOTION_MARGIN", "abc"), ("SUITE_DEVICE", "tpu"), ("SUITE_RETRAIN_HOUR", "25")],
)
def test_bad_setting_is_one_line_naming_the_variable(refused, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    outcome = refused.cli("status", "--json")
    assert variable in outcome.message
