"""Dashboard sessions: a signed token survives a refresh; sign-out, idle time, disabling and forgery end it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from suite.auth import (
    AuditFilter,
    SessionEnded,
    SignInFailed,
    add_user,
    cli_identity,
    disable_user,
    list_audit,
    reset_password,
    resume,
    set_role,
    sign_in_sso,
    sign_out,
)
from suite.auth import sessions as sessions_module
from suite.store import now
from tests.auth.helpers import signed_in


def test_a_refresh_resumes_the_same_session_with_the_current_role(store):
    signed = signed_in(store, "staff")
    again = resume(store, signed.token)  # what a new browser session does with the cookie
    assert again.identity == signed.identity
    set_role(store, cli_identity(), signed.identity.user, "reviewer")
    assert resume(store, signed.token).identity.role == "reviewer"


def test_sign_out_ends_the_session_for_every_tab_and_is_audited(store):
    signed = signed_in(store, "viewer")
    sign_out(store, signed.identity)
    with pytest.raises(SessionEnded) as err:
        resume(store, signed.token)
    assert err.value.reason == "signed_out"
    actions = [(e.action, e.outcome) for e in list_audit(store, cli_identity(), AuditFilter(actor="test-viewer"))]
    assert ("auth.sign_in", "ok") in actions and ("auth.sign_out", "ok") in actions


def test_idle_sessions_end_after_the_configured_minutes(store, monkeypatch):
    signed = signed_in(store, "staff")
    idle = timedelta(minutes=store.settings.session_idle_minutes)
    monkeypatch.setattr(sessions_module, "now", lambda: now() + idle - timedelta(minutes=1))
    assert resume(store, signed.token).identity.user == "test-staff"  # still active (and marked as seen)
    monkeypatch.setattr(sessions_module, "now", lambda: now() + 2 * idle + timedelta(minutes=1))
    with pytest.raises(SessionEnded, match=f"after {store.settings.session_idle_minutes} minutes") as err:
        resume(store, signed.token)
    assert err.value.reason == "idle"


def test_the_idle_time_is_a_setting(settings, monkeypatch):
    monkeypatch.setenv("SUITE_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("SUITE_LOCKOUT_MINUTES", "30")
    changed = type(settings).from_env()
    assert (changed.session_idle_minutes, changed.lockout_minutes) == (5, 30)
    assert (settings.session_idle_minutes, settings.lockout_minutes) == (60, 15)


def test_disabling_or_resetting_an_account_ends_its_sessions(store):
    staff = signed_in(store, "staff")
    disable_user(store, cli_identity(), staff.identity.user)
    with pytest.raises(SessionEnded):
        resume(store, staff.token)
    reviewer = signed_in(store, "reviewer")
    reset_password(store, cli_identity(), reviewer.identity.user)
    with pytest.raises(SessionEnded):
        resume(store, reviewer.token)


def test_forged_or_altered_tokens_are_refused(store):
    signed = signed_in(store, "admin")
    body, _, signature = signed.token.rpartition(".")
    for token in ("", "not-a-token", f"{body}.{signature[::-1]}", signed.token + "x"):
        with pytest.raises(SessionEnded) as err:
            resume(store, token)
        assert err.value.reason == "invalid"


def test_tokens_expire_after_the_longest_session(store, monkeypatch):
    signed = signed_in(store, "viewer")
    later = int(time.time()) + sessions_module.MAX_SESSION_HOURS * 3600 + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    with pytest.raises(SessionEnded) as err:
        resume(store, signed.token)
    assert err.value.reason == "expired"


def test_single_sign_on_maps_the_provider_email_to_an_account_and_its_role(store):
    add_user(store, cli_identity(), "pat", "reviewer", email="Pat@Example.com", sso_only=True)
    signed = sign_in_sso(store, "pat@example.com")
    assert (signed.identity.user, signed.identity.role, signed.identity.via) == ("pat", "reviewer", "sso")
    add_user(store, cli_identity(), "quinn@example.com", "staff", sso_only=True)
    assert sign_in_sso(store, "Quinn@example.com").identity.user == "quinn@example.com"
    with pytest.raises(SignInFailed, match="suite users add"):
        sign_in_sso(store, "stranger@example.com")
