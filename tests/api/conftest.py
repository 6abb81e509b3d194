"""API fixtures: an app on the test's SUITE_HOME with one account and token per role, in-process (TestClient).

`api` runs on a fresh home (no models: for tokens, roles, errors); `loaded_api` on a copy of a home with every
default model prepared and the demo data loaded, made once per run (about two minutes).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from suite.api.app import create_app
from suite.api.tokens import create_token, forget_cached
from suite.auth import ROLES, add_user, cli_identity
from suite.settings import Settings
from suite.store import Store
from tests.homes import clone_home

ACCOUNTS = {"viewer": "vera", "staff": "sam", "reviewer": "rita", "admin": "adam"}


@dataclass
class Api:
    client: TestClient
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token

    def as_(self, role: str) -> dict[str, str]:
        """Headers that call as the account with that role."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def audit(self, action: str | None = None) -> list[dict]:
        self.store.flush(wait_s=5.0)
        where, params = ("WHERE action = ?", [action]) if action else ("", [])
        return self.store.query(f"SELECT * FROM audit {where} ORDER BY ts", params)

    def count(self, sql: str, params: list | None = None) -> int:
        self.store.flush(wait_s=5.0)
        return int(self.store.scalar(sql, params or []) or 0)


def accounts_and_tokens(store: Store, roles: tuple[str, ...] = ROLES) -> dict[str, str]:
    """One account per role (made by the command line's admin identity) and a token for each."""
    tokens = {}
    for role in roles:
        add_user(store, cli_identity(), ACCOUNTS[role], role)
        tokens[role] = create_token(store, cli_identity(), ACCOUNTS[role], label="tests").token
    return tokens


def open_api(store: Store, settings: Settings | None = None, *, warm: bool = False, roles: tuple[str, ...] = ROLES):
    forget_cached()
    tokens = accounts_and_tokens(store, roles)
    app = create_app(settings or store.settings, store=store, warm=warm)
    return app, tokens


@pytest.fixture
def api(store) -> Api:
    app, tokens = open_api(store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, store, tokens)
    forget_cached()


@pytest.fixture(scope="session")
def prepared_home(tmp_path_factory) -> Path:
    """Every default model on disk and the demo data in the store (once per run)."""
    from suite.lifecycle import load_demo, prepare_models

    home = tmp_path_factory.mktemp("api-prepared") / "home"
    settings = Settings.from_env(home=home, device="cpu")
    prepare_models(settings)
    store = Store(settings)
    load_demo(store)
    assert store.flush(wait_s=30.0), "the demo data did not reach the database"
    store.close()
    shutil.rmtree(home / "spool", ignore_errors=True)  # its journal belongs to this process
    return home


@pytest.fixture
def loaded_store(settings, prepared_home) -> Store:
    clone_home(prepared_home, settings.home)
    store = Store(settings, flush_interval_s=0.2)
    yield store
    store.close()


@pytest.fixture
def loaded_api(loaded_store) -> Api:
    app, tokens = open_api(loaded_store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, loaded_store, tokens)
    forget_cached()


def assert_problem(response, status: int, code: str) -> dict:
    """The response is an RFC 9457 problem with that status and code, naming the request."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"].endswith(code) and body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body
