"""`suite users ...` and `suite audit`: JSON Lines, exit 2 with one line on bad input, audited as cli:<user>."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.auth import get_account, sign_in
from suite.auth.serving import check_address, first_start, is_loopback
from suite.errors import InvalidInput

SUITE = str(Path(sys.executable).with_name("suite"))


def suite(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SUITE, *args], capture_output=True, text=True, env=dict(os.environ), input=stdin, timeout=300
    )


def lines(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_users_commands_manage_accounts_and_the_audit_names_the_shell_user(store):
    [added] = lines(suite("users", "add", "rosa", "--role", "reviewer", "--email", "rosa@example.com"))
    assert added["role"] == "reviewer" and added["must_change_password"] and len(added["password"]) >= 20
    assert sign_in(store, "rosa", added["password"]).must_change_password

    [given] = lines(suite("users", "add", "sam", "--password-stdin", stdin="a chosen password\n"))
    assert "password" not in given and given["role"] == "staff"
    assert "a chosen password" not in suite("users", "list").stdout

    listed = lines(suite("users", "list"))
    assert [u["user_name"] for u in listed] == ["rosa", "sam"]
    assert all("password_hash" not in u and "password" not in u for u in listed)

    assert lines(suite("users", "set-role", "sam", "admin"))[0]["role"] == "admin"
    [reset] = lines(suite("users", "reset-password", "rosa"))
    assert reset["password"] != added["password"] and reset["must_change_password"]
    assert lines(suite("users", "disable", "rosa"))[0]["disabled"] is True
    assert get_account(store, "rosa").disabled
    assert lines(suite("users", "enable", "rosa"))[0]["disabled"] is False

    trail = lines(suite("audit", "--since", "1h", "--json"))
    actor = f"cli:{getpass.getuser()}"
    done = {(row["action"], row["target"]) for row in trail if row["actor"] == actor and row["outcome"] == "ok"}
    for expected in [
        ("users.add", "rosa"),
        ("users.add", "sam"),
        ("users.set_role", "sam"),
        ("users.reset_password", "rosa"),
        ("users.disable", "rosa"),
        ("users.enable", "rosa"),
    ]:
        assert expected in done
    assert all(row["session_id"].startswith("cli-") and row["via"] == "cli" for row in trail if row["actor"] == actor)
    assert [row["ts"] for row in trail] == sorted((row["ts"] for row in trail), reverse=True)
    again = lines(suite("audit", "--action", "audit.", "--json"))
    assert again[0]["action"] == "audit.export" and again[0]["detail"]["rows"] == len(trail)


@pytest.mark.parametrize(
    "args,message",
    [
        (("users", "add", "tom", "--role", "boss"), "Unknown role"),
        (("users", "set-role", "nobody", "staff"), "no account named"),
        (("users", "add", "x y"), "cannot be a user name"),
        (("audit", "--since", "last tuesday-ish", "--json"), "use e.g. 7d"),
        (("users", "add", "uma", "--password-stdin"), "no password line"),
    ],
)
def test_expected_errors_exit_2_with_one_line(settings, args, message):
    result = suite(*args, stdin="")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_serve_listens_beyond_this_machine_only_with_sign_in_on():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("dashboard.example")
    check_address("0.0.0.0")  # sign-in is always on
    check_address("127.0.0.1", sign_in_required=False)
    with pytest.raises(InvalidInput, match="without sign-in"):
        check_address("0.0.0.0", sign_in_required=False)


def test_serve_shows_the_first_admin_password_once_on_a_new_home(settings, store):
    said: list[str] = []
    password = first_start(settings, store, said.append)
    assert password and len(said) == 1 and password in said[0] and "initial-admin-password" in said[0]
    assert first_start(settings, store, said.append) is None and len(said) == 1
