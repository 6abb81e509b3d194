from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from suite.timestamps import parse_timestamp, parse_timestamps


def test_one_reader_for_every_format_import_files_use():
    values = ["2024-01-02T03:04:05Z", "1704164645", "1704164645000", "2024/01/02 03:04:05", "02.01.2024 03:04:05"]
    parsed = parse_timestamps(values)
    assert (parsed == pd.Timestamp("2024-01-02 03:04:05", tz="UTC")).all()
    assert parse_timestamp("2024-03-01 10:00 EST") == (datetime(2024, 3, 1, 15, 0, tzinfo=UTC), False)
    assert parse_timestamp("2024-03-01 10:00")[1] is True  # no zone given: UTC assumed, and said so


@pytest.mark.parametrize("value", ["", "garbage", "9999-99-99", "99999-01-01", "99999999999", "-99999999999999"])
def test_unreadable_or_overflowing_timestamps_are_refused_with_a_reason(value):
    assert parse_timestamps([value]).isna().all()
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(value)
