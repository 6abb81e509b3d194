"""One test per row of the role table: each state-changing domain function, called directly (no page, no API),
refuses an identity one role below its minimum (PermissionDenied, nothing changed, a `denied` audit row) and
works for the minimum role (the change is made, an `ok` audit row names the signed-in person).

The rows are `suite.auth.POLICY`; `test_every_policy_row_is_in_the_matrix` fails when one has no case here.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from suite.auth import POLICY, ROLES, Identity, PermissionDenied, cli_identity
from suite.store import Store
from tests.auth.helpers import make_user, signed_in

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
KB = b"# Passwords\n\nTo reset your password open Settings, choose Security and press Reset password.\n"
NOT_TESTED_HERE = {  # rows whose minimum is viewer (no role below it) or that are read-only checks tested elsewhere
    "auth.sign_in": "viewer: anyone with an account; sign-in and lockout are tests/auth/test_sessions.py",
    "auth.sign_out": "viewer: see tests/auth/test_sessions.py",
    "auth.change_password": "viewer: see tests/auth/test_accounts.py",
    "settings.change": "no domain function changes settings (SUITE_* variables are read at start)",
}


@dataclass
class Case:
    call: Callable[[Identity], Any]  # the real domain function, acting as the given identity
    state: Callable[[], Any]  # what the call changes (compared before and after)
    changes: bool = True  # False for reads and exports (the refusal is the point; nothing is stored)
    audited: bool = True  # False for plain reads (listing accounts, reading the audit trail): only refusals are


class World:
    """The test's real store and the real data each row needs, made as the process owner (not audited as them)."""

    def __init__(self, store: Store, tmp_path: Path):
        self.store, self.tmp = store, tmp_path
        self.settings = store.settings

    def flush(self) -> None:
        self.store.flush(wait_s=10)

    def count(self, table: str, where: str = "TRUE", params: list | None = None) -> int:
        self.flush()
        return int(self.store.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params or []))

    # support
    def kb(self) -> None:
        from suite.support.service import add_articles

        add_articles(self.store, [("passwords.md", KB)])

    def answer(self):
        from suite.support.service import ask

        self.kb()
        return ask(self.store, "How do I reset my password?")

    # review queue
    def feedback(self) -> str:
        fid = self.store.log_feedback(module="risk", kind="confirm", value={"headline": "Acme recalls"}, user="x")
        self.flush()
        return fid

    def review_state(self, fid: str) -> tuple:
        self.flush()
        return tuple(
            self.store.query("SELECT review_state, value FROM feedback WHERE feedback_id = ?", [fid])[0].values()
        )

    # recommend
    def shop(self) -> None:
        from tests.recommend.seed import copy_seed

        copy_seed(self.settings)

    # inspect
    def inspection(self):
        from suite.inspect.service import inspect_image

        return inspect_image(self.store, SAMPLE / "inspect/defects/images/test/test_000.jpg")

    def tiny_set(self) -> Path:
        root = self.tmp / "tiny"
        source = SAMPLE / "inspect/defects"
        for split, n in (("train", 8), ("val", 4), ("test", 4)):
            for kind, suffix in (("images", ".jpg"), ("labels", ".txt")):
                (root / kind / split).mkdir(parents=True)
                for i in range(n):
                    name = f"{split}_{i:03d}{suffix}"
                    shutil.copyfile(source / kind / split / name, root / kind / split / name)
        shutil.copyfile(source / "data.yaml", root / "data.yaml")
        return root / "data.yaml"

    # transcribe
    def transcript(self):
        from suite.transcribe.service import transcribe_file

        return transcribe_file(self.store, SAMPLE / "transcribe/report_us.wav")

    # risk
    def risk(self):
        from tests.risk.risk_helpers import install_default_model, load_slice

        install_default_model(self.settings)
        load_slice(self.store)

    def alert(self, state: str = "open") -> str:
        from suite.risk.service import act_on_alert, list_alerts

        self.risk()
        alert_id = list_alerts(self.store, states=None)[0].alert_id
        if state != "open":
            act_on_alert(self.store, alert_id, state)
        return alert_id

    def alert_state(self, alert_id: str):
        from suite.risk.service import list_alerts

        return list_alerts(self.store, alert_ids=[alert_id], states=None)[0].state

    # registry
    def version(self, name: str, job: str, *, promote: bool) -> str:
        from suite.registry.versions import register_outcome
        from suite.training import TrainingOutcome

        folder = self.tmp / name
        folder.mkdir()
        (folder / "model.txt").write_text(name)
        outcome = TrainingOutcome(
            module="risk",
            artifact_dir=folder,
            primary_metric="macro_f1",
            higher_is_better=True,
            challenger_metrics={"macro_f1": 0.9 if promote else 0.95},
            champion_metrics={"macro_f1": 0.6},
            feedback_metrics={},
            trained_on={"feedback_ids": [], "data_hash": name},
        )
        return register_outcome(self.store, outcome, job_id=job, auto_promote=promote)["version"]

    def champion(self):
        from suite.registry import champion_version

        return champion_version(self.settings, "risk")

    def job(self, module: str = "risk") -> str:
        from suite.jobs.queue import enqueue

        return enqueue(self.store, module, requested_by="x")[0]

    def job_state(self, job_id: str):
        from suite.jobs.queue import get_job

        job = get_job(self.store, job_id)
        return job["state"], job["cancel_requested"]

    def account(self, name: str = "target.user", role: str = "staff") -> str:
        return make_user(self.store, name, role)

    def account_row(self, name: str = "target.user") -> tuple:
        from suite.auth import queries

        row = queries.user_row(self.store, name)
        return None if row is None else (row["role"], row["email"], row["disabled"], row["password_hash"])


def _support(w: World, action: str) -> Case:
    from suite.support import service as s

    if action == "support.ask":
        w.kb()
        return Case(lambda i: s.ask(w.store, "How do I reset my password?", identity=i),
                    lambda: w.count("events", "module = 'support' AND action = 'ask'"))  # fmt: skip
    if action == "support.feedback":
        answer = w.answer()
        return Case(
            lambda i: s.record_feedback(w.store, answer, thumbs_up=True, identity=i), lambda: w.count("feedback")
        )
    if action == "support.ticket_open":
        answer = w.answer()
        return Case(lambda i: s.create_ticket(w.store, answer, identity=i), lambda: w.count("support_tickets"))
    if action == "support.ticket_answer":
        ticket = s.create_ticket(w.store, w.answer())
        return Case(lambda i: s.set_ticket_status(w.store, ticket, "answered", identity=i),
                    lambda: [t.status for t in s.list_tickets(w.store)])  # fmt: skip
    if action == "kb.add":
        return Case(
            lambda i: s.add_articles(w.store, [("new.md", KB)], identity=i), lambda: len(s.list_documents(w.store))
        )
    if action == "kb.remove":
        w.kb()
        return Case(lambda i: s.remove_document(w.store, "passwords.md", identity=i),
                    lambda: len(s.list_documents(w.store)))  # fmt: skip
    raise KeyError(action)


def _recommend(w: World, action: str) -> Case:
    from suite.recommend import service as r
    from suite.recommend.models import Recommendation, RecommendationList

    if action == "recommend.run":
        w.shop()
        shopper = r.shoppers(w.store, limit=1)[0].user_id
        return Case(lambda i: r.recommend_for_user(w.store, shopper, identity=i),
                    lambda: w.count("events", "module = 'recommend'"))  # fmt: skip
    if action == "recommend.feedback":
        card = Recommendation("i1", "A lamp", "home", 10.0, 0.5, "popular", "popularity")
        shown = RecommendationList(user_id="u1", items=[card], request_id="r1")
        return Case(lambda i: r.record_feedback(w.store, shown, "i1", interested=True, identity=i),
                    lambda: w.count("feedback"))  # fmt: skip
    if action == "recommend.import":
        path = w.tmp / "catalog.csv"
        path.write_text("item_id,title,category\ni1,A lamp,home\ni2,A chair,home\n")
        return Case(lambda i: r.import_catalog(w.store, path, identity=i), lambda: len(r.products(w.store)))
    if action == "demo.load":
        return Case(lambda i: r.load_sample_shop(w.store, identity=i), lambda: len(r.products(w.store)))
    raise KeyError(action)


def _inspect(w: World, action: str) -> Case:
    from suite.inspect import service as s

    if action == "inspect.run":
        image = SAMPLE / "inspect/defects/images/test/test_001.jpg"
        return Case(lambda i: s.inspect_image(w.store, image, identity=i), lambda: w.count("inspect_results"))
    if action == "inspect.feedback":
        inspection = w.inspection()
        return Case(lambda i: s.report_missed(w.store, inspection, "scratch", note="edge", identity=i),
                    lambda: w.count("feedback", "module = 'inspect'"))  # fmt: skip
    if action == "inspect.check_data":
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as archive:
            archive.writestr("readme.txt", "no data set here")
        datasets = w.settings.module_dir("inspect") / "datasets"
        return Case(lambda i: s.check_dataset_upload(w.settings, "set.zip", data.getvalue(), identity=i),
                    lambda: sorted(datasets.rglob("*")) if datasets.exists() else [], changes=False)  # fmt: skip
    if action == "inspect.train":
        data_yaml = w.tiny_set()
        return Case(lambda i: s.queue_training(w.store, data_yaml, epochs=1, imgsz=64, identity=i),
                    lambda: w.count("jobs", "module = 'inspect'"))  # fmt: skip
    raise KeyError(action)


def _transcribe(w: World, action: str) -> Case:
    from suite.transcribe import service as t

    if action == "transcribe.run":
        audio = SAMPLE / "transcribe/silence.wav"
        return Case(lambda i: t.transcribe_file(w.store, audio, identity=i), lambda: w.count("transcripts"))
    if action == "transcribe.correct":
        transcript = w.transcript()
        return Case(lambda i: t.save_correction(w.store, transcript.transcript_id, "A corrected report.", identity=i),
                    lambda: w.count("transcript_corrections"))  # fmt: skip
    if action == "transcribe.vocabulary":
        return Case(lambda i: t.save_vocabulary(w.settings, "Northstar, Zephyr", identity=i),
                    lambda: t.vocabulary(w.settings))  # fmt: skip
    raise KeyError(action)


def _risk(w: World, action: str) -> Case:
    from suite.risk import service as r

    if action == "risk.classify":
        w.risk()
        return Case(lambda i: r.classify(w.store, ["Acmera recalls its heaters"], identity=i),
                    lambda: w.count("events", "module = 'risk' AND action = 'classify'"))  # fmt: skip
    if action == "risk.ingest":
        w.risk()
        data = b"timestamp,headline,source\n2025-04-30T10:00:00Z,Acmera wins a large contract,wire\n"
        return Case(lambda i: r.ingest_upload(w.store, "news.csv", data, identity=i), lambda: w.count("risk_headlines"))
    if action == "risk.correct":
        w.risk()
        headline = w.store.scalar("SELECT min(headline_id) FROM risk_headlines")
        return Case(lambda i: r.correct_labels(w.store, {headline: "negative"}, identity=i),
                    lambda: w.count("feedback", "module = 'risk'"))  # fmt: skip
    verbs = {"alerts.acknowledge": "acknowledge", "alerts.dismiss": "false_alarm", "alerts.snooze": "snooze"}
    if action in verbs:
        alert = w.alert()
        return Case(lambda i: r.act_on_alert(w.store, alert, verbs[action], identity=i), lambda: w.alert_state(alert))
    if action == "alerts.reopen":
        alert = w.alert("snooze")
        return Case(lambda i: r.act_on_alert(w.store, alert, "reopen", identity=i), lambda: w.alert_state(alert))
    raise KeyError(action)


def _review(w: World, action: str) -> Case:
    from suite.review import decide, edit
    from suite.review.queue import undo

    fid = w.feedback()
    if action in ("feedback.accept", "feedback.reject"):
        decision = action.split(".")[1]
        return Case(lambda i: decide(w.store, [fid], decision, reviewer=None, identity=i), lambda: w.review_state(fid))
    decide(w.store, [fid], "accept", reviewer="earlier")
    if action == "feedback.reopen":
        return Case(lambda i: decide(w.store, [fid], "reopen", reviewer=None, identity=i), lambda: w.review_state(fid))
    if action == "feedback.edit":
        return Case(lambda i: edit(w.store, fid, {"headline": "Acme recalls heaters"}, reviewer=None, identity=i),
                    lambda: w.review_state(fid))  # fmt: skip
    if action == "feedback.undo":
        return Case(lambda i: undo(w.store, [fid], reviewer=None, identity=i), lambda: w.review_state(fid))
    raise KeyError(action)


def _models(w: World, action: str) -> Case:
    from suite.jobs.queue import cancel, enqueue
    from suite.registry.versions import promote, rollback

    if action == "models.promote":
        w.version("one", "job00001", promote=True)
        held = w.version("two", "job00002", promote=False)
        return Case(lambda i: promote(w.store, "risk", held, by=None, identity=i), w.champion)
    if action == "models.rollback":
        w.version("one", "job00001", promote=True)
        w.version("two", "job00002", promote=True)
        return Case(lambda i: rollback(w.store, "risk", by=None, identity=i), w.champion)
    if action == "models.retrain":
        return Case(lambda i: enqueue(w.store, "risk", requested_by=None, identity=i), lambda: w.count("jobs"))
    if action == "models.cancel":
        job = w.job()
        return Case(lambda i: cancel(w.store, job, by=None, identity=i), lambda: w.job_state(job))
    if action == "data.export":
        from suite.ops.export import export_table

        return Case(lambda i: export_table(w.store, "events", "csv", identity=i), lambda: None, changes=False)
    if action == "data.purge":
        from suite.privacy import purge_expired

        audio = w.settings.module_dir("transcribe") / "audio"
        audio.mkdir(parents=True)
        old = audio / "old.wav"
        old.write_bytes(b"x")
        os.utime(old, (0, 0))
        return Case(lambda i: purge_expired(w.store, w.settings, identity=i), old.exists)
    raise KeyError(action)


def _users(w: World, action: str) -> Case:
    from suite import auth
    from suite.auth import export_audit, list_audit
    from suite.privacy import erase_user

    w.account()
    calls = {
        "users.add": (lambda i: auth.add_user(w.store, i, "new.user", "staff"), lambda: w.account_row("new.user")),
        "users.list": (lambda i: auth.list_users(w.store, i), lambda: None),
        "users.set_role": (lambda i: auth.set_role(w.store, i, "target.user", "reviewer"), w.account_row),
        "users.set_email": (lambda i: auth.set_email(w.store, i, "target.user", "t@example.com"), w.account_row),
        "users.reset_password": (lambda i: auth.reset_password(w.store, i, "target.user"), w.account_row),
        "users.disable": (lambda i: auth.disable_user(w.store, i, "target.user"), w.account_row),
        "users.erase": (lambda i: erase_user(w.store, i, "target.user"), w.account_row),
        "audit.view": (lambda i: list_audit(w.store, i), lambda: None),
        "audit.export": (lambda i: export_audit(w.store, i), lambda: None),
    }
    if action == "users.enable":
        auth.disable_user(w.store, cli_identity(), "target.user")
        return Case(lambda i: auth.enable_user(w.store, i, "target.user"), w.account_row)
    call, state = calls[action]
    reads = ("users.list", "audit.view")
    return Case(call, state, changes=action not in (*reads, "audit.export"), audited=action not in reads)


BUILDERS: dict[str, Callable[[World, str], Case]] = {}
for _builder, _actions in (
    (
        _support,
        ("support.ask", "support.feedback", "support.ticket_open", "support.ticket_answer", "kb.add", "kb.remove"),
    ),
    (_recommend, ("recommend.run", "recommend.feedback", "recommend.import", "demo.load")),
    (_inspect, ("inspect.run", "inspect.feedback", "inspect.check_data", "inspect.train")),
    (_transcribe, ("transcribe.run", "transcribe.correct", "transcribe.vocabulary")),
    (
        _risk,
        (
            "risk.classify",
            "risk.ingest",
            "risk.correct",
            "alerts.acknowledge",
            "alerts.dismiss",
            "alerts.snooze",
            "alerts.reopen",
        ),
    ),  # fmt: skip
    (_review, ("feedback.accept", "feedback.reject", "feedback.reopen", "feedback.edit", "feedback.undo")),
    (_models, ("models.promote", "models.rollback", "models.retrain", "models.cancel", "data.export", "data.purge")),
    (
        _users,
        (
            "users.add",
            "users.list",
            "users.set_role",
            "users.set_email",
            "users.reset_password",
            "users.disable",
            "users.enable",
            "users.erase",
            "audit.view",
            "audit.export",
        ),
    ),  # fmt: skip
):
    BUILDERS.update(dict.fromkeys(_actions, _builder))


def test_every_policy_row_is_in_the_matrix():
    assert set(BUILDERS) | set(NOT_TESTED_HERE) == set(POLICY)


@pytest.mark.parametrize("action", sorted(BUILDERS))
def test_row(action, store, tmp_path):
    minimum = POLICY[action].minimum_role
    below = ROLES[ROLES.index(minimum) - 1]
    w = World(store, tmp_path)
    make_user(store, "spare.admin", "admin")  # so that erasing or disabling an admin never hits "last admin"
    case = BUILDERS[action](w, action)
    low, ok = signed_in(store, below, name=f"low.{below}").identity, signed_in(store, minimum, name="ok.user").identity

    before = case.state()
    with pytest.raises(PermissionDenied, match=f"needs the {minimum} role"):
        case.call(low)
    assert case.state() == before, "a refused call changed something"

    case.call(ok)
    if case.changes:
        assert case.state() != before, "the allowed call changed nothing"
    w.flush()
    rows = store.query("SELECT actor, role, session_id, outcome FROM audit WHERE action = ? ORDER BY ts", [action])
    expected = [(low.user, "denied"), (ok.user, "ok")] if case.audited else [(low.user, "denied")]
    assert [(r["actor"], r["outcome"]) for r in rows if r["actor"] in (low.user, ok.user)] == expected
    if case.audited:
        assert rows[-1]["session_id"] == ok.session_id and rows[-1]["role"] == minimum
