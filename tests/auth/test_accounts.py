"""Local accounts: argon2id hashes only, the lockout, the first admin, and the admin functions' own rules."""

from __future__ import annotations

import logging
import stat
from datetime import timedelta

import pytest

from suite.auth import (
    MAX_FAILED_ATTEMPTS,
    AuditFilter,
    PasswordRejected,
    PermissionDenied,
    SignInFailed,
    add_user,
    change_password,
    cli_identity,
    disable_user,
    ensure_initial_admin,
    get_account,
    initial_password_file,
    list_audit,
    reset_password,
    set_role,
    sign_in,
)
from suite.auth import accounts as accounts_module
from suite.errors import InvalidInput
from suite.store import now
from tests.auth.helpers import PASSWORD, make_user, signed_in

SECRET = "Tr0ub4dor&3-unique-marker"


def _everything_on_disk(settings) -> bytes:
    return b"".join(path.read_bytes() for path in settings.home.rglob("*") if path.is_file())


def test_passwords_are_argon2id_and_never_in_the_database_the_journal_or_the_logs(store, settings, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    created = add_user(store, cli_identity(), "hana", "staff", password=SECRET)
    assert created.password == SECRET  # handed back to the caller once, stored nowhere
    hashed = accounts_module.queries.user_row(store, "hana")["password_hash"]
    assert hashed.startswith("$argon2id$v=19$")
    with pytest.raises(SignInFailed):
        sign_in(store, "hana", SECRET + "x")
    assert sign_in(store, "hana", SECRET).identity.user == "hana"
    change_password(store, sign_in(store, "hana", SECRET).identity, SECRET, SECRET[::-1])
    store.flush()
    store.close()
    on_disk = _everything_on_disk(settings)
    out, err = capfd.readouterr()
    for secret in (SECRET, SECRET[::-1], SECRET + "x"):
        assert secret.encode() not in on_disk
        assert secret not in caplog.text
        assert secret not in out + err


def test_five_wrong_passwords_lock_the_account_with_the_same_message_as_an_unknown_user(store, settings):
    make_user(store, "ivan", "staff")
    messages = []
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed) as err:
            sign_in(store, "ivan", "not the password")
        messages.append(str(err.value))
    with pytest.raises(SignInFailed) as locked:  # the right password no longer works
        sign_in(store, "ivan", PASSWORD)
    with pytest.raises(SignInFailed) as unknown:
        sign_in(store, "nobody-here", PASSWORD)
    assert len(set(messages)) == 1
    assert str(locked.value) == str(unknown.value) == messages[0]
    assert (
        f"{MAX_FAILED_ATTEMPTS} wrong passwords" in messages[0] and f"{settings.lockout_minutes} minutes" in messages[0]
    )
    assert "ivan" not in messages[0] and "nobody" not in str(unknown.value)
    account = get_account(store, "ivan")
    assert account.locked and account.locked_until > now() + timedelta(minutes=settings.lockout_minutes - 1)
    trail = list_audit(store, cli_identity(), AuditFilter(action="auth."))
    reasons = [e.detail["reason"] for e in trail if e.action == "auth.sign_in" and e.target == "ivan"]
    assert reasons.count("wrong password") == MAX_FAILED_ATTEMPTS and "locked" in reasons
    assert [e.target for e in trail if e.action == "auth.lockout"] == ["ivan"]
    [stranger] = [e for e in trail if e.action == "auth.sign_in" and e.detail["reason"] == "unknown user"]
    assert stranger.target is None and "nobody" not in str(stranger.detail)  # it may have been a password


def test_the_lock_ends_after_its_time_and_a_reset_ends_it_at_once(store, monkeypatch):
    make_user(store, "jana", "staff")
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed):
            sign_in(store, "jana", "wrong wrong wrong")
    later = now() + timedelta(minutes=store.settings.lockout_minutes + 1)
    monkeypatch.setattr(accounts_module, "now", lambda: later)
    assert sign_in(store, "jana", PASSWORD).identity.user == "jana"
    monkeypatch.undo()

    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed):
            sign_in(store, "jana", "wrong wrong wrong")
    new = reset_password(store, cli_identity(), "jana")
    assert not new.account.locked and new.account.must_change_password
    assert sign_in(store, "jana", new.password).must_change_password


def test_a_disabled_account_cannot_sign_in_and_gets_the_same_message(store):
    make_user(store, "kofi", "staff")
    disable_user(store, cli_identity(), "kofi")
    with pytest.raises(SignInFailed) as err:
        sign_in(store, "kofi", PASSWORD)
    assert "do not match an active account" in str(err.value)


def test_first_start_creates_admin_with_an_owner_only_password_file_and_must_change(settings, store):
    password = ensure_initial_admin(settings, store)
    path = initial_password_file(settings)
    assert password and path.read_text().strip() == password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_initial_admin(settings, store) is None  # only on a new SUITE_HOME
    admin = get_account(store, "admin")
    assert admin.role == "admin" and admin.must_change_password
    signed = sign_in(store, "admin", password)
    assert signed.must_change_password
    with pytest.raises(PasswordRejected):
        change_password(store, signed.identity, password, "short")
    change_password(store, signed.identity, password, "a much better password")
    assert not get_account(store, "admin").must_change_password
    assert not path.exists()  # it has done its job


def test_secret_key_file_is_owner_only(settings, store):
    signed_in(store, "viewer")
    assert stat.S_IMODE((settings.home / "secret-key").stat().st_mode) == 0o600


def test_admin_rules_names_roles_and_the_last_admin(store):
    cli = cli_identity()
    with pytest.raises(InvalidInput, match="cannot be a user name"):
        add_user(store, cli, "a b", "staff")
    with pytest.raises(InvalidInput, match="Unknown role"):
        add_user(store, cli, "lena", "superuser")
    created = add_user(store, cli, "Lena", "staff")
    assert created.account.user_name == "lena" and len(created.password) >= 20 and created.account.must_change_password
    with pytest.raises(InvalidInput, match="already an account"):
        add_user(store, cli, "lena", "viewer")
    sso = add_user(store, cli, "mo", "reviewer", email="Mo@Example.com", sso_only=True)
    assert sso.password is None and not sso.account.has_password and sso.account.email == "mo@example.com"

    admin = signed_in(store, "admin", name="root-admin").identity
    with pytest.raises(InvalidInput, match="last enabled admin"):
        set_role(store, admin, "root-admin", "staff")
    with pytest.raises(InvalidInput, match="your own account"):
        disable_user(store, admin, "root-admin")
    assert set_role(store, admin, "lena", "reviewer").role == "reviewer"


@pytest.mark.parametrize("role", ["viewer", "staff", "reviewer"])
def test_only_admins_manage_accounts(store, role):
    actor = signed_in(store, role).identity
    make_user(store, "nina", "staff")
    for call in (
        lambda: add_user(store, actor, "omar", "staff"),
        lambda: set_role(store, actor, "nina", "admin"),
        lambda: reset_password(store, actor, "nina"),
        lambda: disable_user(store, actor, "nina"),
    ):
        with pytest.raises(PermissionDenied, match="needs the admin role"):
            call()
    assert get_account(store, "nina").role == "staff" and not get_account(store, "nina").disabled
