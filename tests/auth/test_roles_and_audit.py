"""Roles (`require` for every action and role), the one-line guard for domain functions, and the audit trail."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import suite.auth
from suite.auth import (
    POLICY,
    ROLES,
    AuditFilter,
    Identity,
    PermissionDenied,
    audit,
    audited,
    cli_identity,
    export_audit,
    export_audit_csv,
    guard,
    list_audit,
    require,
    system_identity,
)
from suite.errors import InvalidInput
from suite.store import Store
from tests.auth.helpers import signed_in

ROOT = Path(__file__).resolve().parents[2]


def who(role: str) -> Identity:
    return Identity(user=f"someone-{role}", role=role, session_id="s-1")


@pytest.mark.parametrize("action", sorted(POLICY))
@pytest.mark.parametrize("role", ROLES)
def test_require_allows_exactly_the_roles_at_or_above_the_minimum(action, role):
    minimum = POLICY[action].minimum_role
    if ROLES.index(role) >= ROLES.index(minimum):
        assert require(who(role), minimum, action).role == role
    else:
        with pytest.raises(PermissionDenied) as err:
            require(who(role), minimum, action)
        message = str(err.value)
        assert f"needs the {minimum} role" in message and f"({role})" in message
        assert POLICY[action].description in message


def test_nobody_signed_in_is_asked_to_sign_in():
    with pytest.raises(PermissionDenied, match="Please sign in to promote a model version"):
        require(None, "viewer", "models.promote")


def test_the_command_line_and_the_worker_act_as_admins_under_their_own_names():
    cli = cli_identity()
    assert cli.user.startswith("cli:") and cli.role == "admin" and cli.via == "cli" and cli.session_id
    worker = system_identity("worker")
    assert worker.user == "system:worker" and worker.role == "admin"


# A domain function as the later step will write them: one line above it does the check and the audit.
@audited("feedback.accept", target="feedback_id", detail=lambda accepted: {"accepted": accepted})
def accept_feedback(store: Store, identity: Identity, feedback_id: str, *, fail: bool = False) -> int:
    if fail:
        raise InvalidInput("That feedback was already decided.")
    return 1


def _rows(store, action):
    return [e for e in list_audit(store, cli_identity(), AuditFilter(action=action)) if e.action == action]


def test_audited_refuses_low_roles_and_records_ok_failed_and_denied(store):
    reviewer = signed_in(store, "reviewer").identity
    staff = signed_in(store, "staff").identity
    assert accept_feedback(store, reviewer, "fb-1") == 1
    with pytest.raises(InvalidInput):
        accept_feedback(store, reviewer, "fb-2", fail=True)
    with pytest.raises(PermissionDenied, match="needs the reviewer role"):
        accept_feedback(store, staff, "fb-3")
    rows = {row.target: row for row in _rows(store, "feedback.accept")}
    assert (
        rows["fb-1"].outcome == "ok"
        and rows["fb-1"].actor == "test-reviewer"
        and rows["fb-1"].detail == {"accepted": 1}
    )
    assert rows["fb-1"].session_id == reviewer.session_id and rows["fb-1"].role == "reviewer"
    assert rows["fb-2"].outcome == "failed" and "already decided" in rows["fb-2"].detail["error"]
    assert rows["fb-3"].outcome == "denied" and rows["fb-3"].actor == "test-staff"


def test_audited_needs_a_store_and_a_known_action_and_adds_the_identity_keyword(store):
    with pytest.raises(TypeError, match="store"):

        @audited("feedback.accept")
        def no_store(feedback_id: str) -> None: ...

    @audited("feedback.accept", target="feedback_id")
    def no_identity(store: Store, feedback_id: str, *, reviewer: str | None = None) -> str | None:
        return reviewer

    assert "identity" in inspect.signature(no_identity).parameters
    reviewer = signed_in(store, "reviewer").identity
    assert no_identity(store, "f1", identity=reviewer) == reviewer.user  # the typed name is the signed-in one
    assert no_identity(store, "f1", reviewer="typed", identity=reviewer) == "typed"
    assert no_identity(store, "f2") is None  # no identity given: the process owner, recorded as cli:<os user>
    with pytest.raises(PermissionDenied, match="Please sign in"):
        no_identity(store, "f3", identity=None)  # a signed-out page passes None: refused, never the owner
    store.flush(wait_s=5)
    rows = store.query("SELECT actor, target, outcome FROM audit WHERE action = 'feedback.accept' ORDER BY ts")
    assert [(r["target"], r["outcome"]) for r in rows] == [("f1", "ok"), ("f1", "ok"), ("f2", "ok"), ("f3", "denied")]
    assert rows[2]["actor"] == cli_identity().user and rows[3]["actor"] == "anonymous"

    with pytest.raises(KeyError):
        audited("feedback.acept")


def test_guard_records_a_refusal_and_returns_the_identity(store):
    viewer = signed_in(store, "viewer").identity
    admin = signed_in(store, "admin").identity
    assert guard(store, admin, "kb.remove", "faq.md") is admin
    with pytest.raises(PermissionDenied):
        guard(store, viewer, "kb.remove", "faq.md")
    [denied] = _rows(store, "kb.remove")
    assert (denied.actor, denied.outcome, denied.target) == ("test-viewer", "denied", "faq.md")


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    for _ in range(200):
        try:
            con = duckdb.connect(sys.argv[1])
            break
        except duckdb.IOException:
            time.sleep(0.05)
    print("locked", flush=True)
    sys.stdin.readline()
    con.close()
    """
)


def test_audit_rows_written_while_another_process_holds_the_database_arrive_once(store):
    store.counts()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        for n in range(20):
            audit(store, cli_identity(), "settings.change", f"setting-{n}", "ok")  # returns at once
        assert not store.flush()  # still locked: the rows wait in the journal
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert store.flush(wait_s=10)
    assert sorted(e.target for e in _rows(store, "settings.change")) == sorted(f"setting-{n}" for n in range(20))


def test_exports_are_admin_only_and_are_themselves_audited(store):
    staff = signed_in(store, "staff").identity
    with pytest.raises(PermissionDenied):
        export_audit(store, staff)
    with pytest.raises(PermissionDenied):
        list_audit(store, staff)
    csv_bytes = export_audit_csv(store, cli_identity(), AuditFilter(actor="test-staff"))
    header, *lines = csv_bytes.decode().splitlines()
    assert header.startswith("audit_id,ts,actor,role,via,session_id,action,target,outcome,detail")
    assert any("audit.export" in line and "denied" in line for line in lines)
    exports = _rows(store, "audit.export")
    assert {e.outcome for e in exports} == {"ok", "denied"}
    assert any(e.actor.startswith("cli:") and e.detail["rows"] == len(lines) for e in exports)


CHANGING_AUDIT = ("UPDATE AUDIT ", "DELETE FROM AUDIT", "DROP TABLE AUDIT", "TRUNCATE AUDIT", "ALTER TABLE AUDIT")


def test_nothing_in_the_product_can_update_or_delete_an_audit_row():
    public = {name for name in dir(suite.auth) if not name.startswith("_")}
    assert not {name for name in public if any(w in name for w in ("delete", "update", "purge", "erase", "edit"))}
    problems = []
    for path in [*ROOT.joinpath("suite").rglob("*.py"), *ROOT.joinpath("pages").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = " ".join(node.value.upper().split())
                for verb in (
                    "UPDATE AUDIT ",
                    "DELETE FROM AUDIT",
                    "DROP TABLE AUDIT",
                    "TRUNCATE AUDIT",
                    "ALTER TABLE AUDIT",
                ):
                    if verb in sql + " ":
                        problems.append(f"{path.relative_to(ROOT)}: {verb.strip()}")
    assert not problems, problems
