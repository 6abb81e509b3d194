"""`python tests/jobs/fake_worker.py <suite arguments>`: the real `suite` command line (worker, retrain) with the
stand-in risk trainer registered first, for the tests that start and kill real worker processes."""

from __future__ import annotations

from fake_trainer import retrain  # this folder is first on sys.path when the file runs as a script

from suite.cli import app
from suite.jobs import runner

runner.use_trainer("risk", retrain)
app(prog_name="suite")
