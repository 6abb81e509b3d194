import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suite import clikit
from suite.cli import app
from suite.support.evaluation import KB_DIR

SUITE = str(Path(sys.executable).with_name("suite"))


@pytest.fixture
def cli(settings):
    clikit.reset()  # settings/store are per process; each test has its own SUITE_HOME
    yield CliRunner()
    clikit.reset()


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_ingest_ask_batch_json_and_remove(cli, tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK")
    result = cli.invoke(app, ["support", "ingest", str(KB_DIR), str(tmp_path / "notes.docx")])
    assert result.exit_code == 0, result.output
    [report] = lines(result.stdout)
    assert len(report["added"]) == 30 and report["skipped"][0]["source"] == "notes.docx"
    assert "not supported" in report["skipped"][0]["reason"]

    batch = tmp_path / "questions.txt"
    batch.write_text("My payment failed with E-5100\nWrite me a poem about the sea\n\n付款失败 E-5100\n")
    result = cli.invoke(app, ["support", "ask", "--batch", str(batch), "--json", "--handoff"])
    assert result.exit_code == 0, result.output
    answers = lines(result.stdout)
    assert [a["answered"] for a in answers] == [True, False, True]
    assert answers[0]["citations"][0] == {**answers[0]["citations"][0], "source": "payment-declined.md"}
    assert set(answers[0]["citations"][0]) == {"source", "title", "score"}
    assert 0 <= answers[1]["confidence"] < 0.5 and "ticket_id" in answers[1]
    assert answers[2]["citations"][0]["source"] == "payment-declined.md"

    result = cli.invoke(app, ["support", "remove", "payment-declined.md"])
    assert result.exit_code == 0 and lines(result.stdout)[0]["removed"] == "payment-declined.md"
    result = cli.invoke(app, ["support", "remove", "payment-declined.md"])
    assert result.exit_code == 2 and "No document called" in result.output


def test_empty_question_exits_2_with_one_line(settings):
    result = subprocess.run([SUITE, "support", "ask", "  "], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == ["error: Please type a question."]
