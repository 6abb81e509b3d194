"""`suite risk classify/ingest/alerts`: one JSON object per headline or alert, exit 2 with one line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from risk_helpers import slice_csv, watchlist
from typer.testing import CliRunner

from suite import clikit
from suite.cli import app
from suite.risk.service import upsert_watchlist

pytestmark = pytest.mark.slow  # every command here loads the real classifier (or its fixture trains it)

SUITE = str(Path(sys.executable).with_name("suite"))


def test_classify_console_script_json(risk_settings, tmp_path):
    batch = tmp_path / "batch.txt"
    batch.write_text("Kestrel Air cancels flights as pilots strike\n\nKestrel Air reports record profit\n")
    result = subprocess.run(
        [SUITE, "risk", "classify", "Acmera confirms the date of its annual meeting", "--batch", str(batch), "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [r["label"] for r in rows] == ["neutral", "negative", "positive"]
    for row in rows:
        assert {"text", "label", "confidence", "score"} <= set(row)
        assert 0 <= row["confidence"] <= 1 and -1 <= row["score"] <= 1


@pytest.fixture
def cli(risk_settings):
    clikit.reset()
    yield CliRunner()
    clikit.reset()


def test_ingest_and_alerts_commands(cli, store, tmp_path):
    upsert_watchlist(store, watchlist(("FNWK",)))
    news = tmp_path / "news.csv"
    news.write_text(slice_csv(("FNWK",), until="2025-03-20"))
    result = cli.invoke(app, ["risk", "ingest", str(news)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["added"] > 30 and report["rejected"] == []
    result = cli.invoke(app, ["risk", "alerts", "--since", "2025-03-01", "--json"])
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [a["alert_id"] for a in alerts] == ["FNWK-2025-03-11"]
    assert any("recall" in h for h in alerts[0]["headlines"])


def test_bad_input_exits_2(cli, tmp_path):
    assert cli.invoke(app, ["risk", "classify"]).exit_code == 2
    assert cli.invoke(app, ["risk", "alerts", "--since", "last tuesday"]).exit_code == 2
    assert cli.invoke(app, ["risk", "ingest", str(tmp_path / "missing.csv")]).exit_code == 2
    result = cli.invoke(app, ["risk", "classify", "   "])
    assert result.exit_code == 2 and "empty" in result.output
