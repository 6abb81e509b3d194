"""The stand-in trainer for the job machinery's own tests, registered in-process for the test that asks."""

from __future__ import annotations

import pytest

from suite.jobs import runner


@pytest.fixture
def fake_risk_trainer():
    """Retraining risk runs `tests/jobs/fake_trainer.py` instead of the real model, for this test only."""
    from fake_trainer import retrain

    runner.use_trainer("risk", retrain)
    yield retrain
    runner.use_trainer("risk", None)
