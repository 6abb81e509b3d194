"""Risk fixtures: the real trained classifier in each test's SUITE_HOME, a store loaded with a real data slice."""

from __future__ import annotations

import pytest
from risk_helpers import install_default_model, load_slice


@pytest.fixture
def risk_settings(settings):
    install_default_model(settings)
    return settings


@pytest.fixture
def classifier(risk_settings):
    from suite.risk.service import current_classifier

    return current_classifier(risk_settings)


@pytest.fixture
def loaded(store, risk_settings):
    """Fennwick (its recall starts 2025-03-11) and Acmera, January to April 2025."""
    report = load_slice(store)
    return store, report
