"""Bad inputs for support answers, through `suite support ...` and the service functions.

Each case ends with exit 0 or 2 (or a `SuiteError`) and a one-line message, no traceback, in time, and a
refusal leaves every table and file as it was (the harness in conftest.py checks it). Files that are partly
usable (`changes=True`) are followed by what landed. None of these cases loads a text model: every refusal
happens before retrieval.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from suite.support.models import Answer
from suite.support.service import (
    add_articles,
    ask,
    create_ticket,
    ingest_paths,
    list_tickets,
    record_feedback,
    set_ticket_status,
)
from tests.support.support_files import (
    CREME,
    CREME_ARTICLE,
    corrupt_pdf,
    encrypted_pdf,
    faq_with_bad_rows,
    nested_html,
    operator_bomb_pdf,
    pdf_with_pages,
    scripted_html,
    text_bomb_pdf,
    text_op,
    zip_renamed,
)

FILE_LIMIT_S = 30  # a refused file is refused quickly, whatever it holds


def _answer(request_id: str | None = "no-such-answer") -> Answer:
    return Answer(
        question="How do I reset my password?",
        answer="Open Settings [1].",
        answered=True,
        confidence=0.9,
        citations=[],
        language="en",
        model_name="all-MiniLM-L6-v2",
        model_version="bundled-0.1.0",
        device="cpu",
        request_id=request_id,
    )


def _documents(store) -> list[str]:
    return [r["source"] for r in store.query("SELECT source FROM support_documents ORDER BY source")]


def _text(store, source: str) -> str:
    return " ".join(r["text"] for r in store.query("SELECT text FROM support_chunks WHERE source = ?", [source]))


def _sparse(path: Path, mb: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(mb * 2**20)
    return path


# -- files that cannot be used: exit 2 with the reason, nothing changed --------------------------------------
FILES = {
    "zero-byte": ("empty.md", b"", "the file is empty"),
    "unsupported-extension": ("notes.docx", b"PK\x03\x04 not really", "not supported"),
    "zip-renamed-pdf": ("manual.pdf", zip_renamed(), "not a PDF file"),
    "corrupt-pdf": ("cut.pdf", corrupt_pdf(), "damaged"),
    "password-pdf": ("locked.pdf", encrypted_pdf("secret"), "password-protected"),
    "pdf-text-bomb": ("bomb.pdf", text_bomb_pdf(40), "inflates to more content than the limit"),
    "pdf-operator-bomb": ("ops.pdf", operator_bomb_pdf(16), "inflates to more content than the limit"),
    "pdf-page-over-text-cap": ("dense.pdf", pdf_with_pages(text_op("A" * 120_000)), "characters of text"),
    "html-huge-nesting": ("deep.html", nested_html(150_000), "HTML tags"),
    "csv-200k-field": ("faq.csv", b"question,answer\nq," + b"x" * 200_000 + b"\n", "no usable question"),
    "csv-no-header": ("faq.csv", b"hello,world\n", "'question' and 'answer'"),
    "nul-bytes": ("nul.txt", b"Title\n\nSome\x00text\x00with\x00NULs\x01\x02", "readable text"),
    "binary-as-text": ("photo.md", bytes(range(256)) * 64, "readable text"),
    "only-whitespace": ("blank.txt", b" \n\t\r\n  ", "empty"),
}


@pytest.mark.parametrize("case", list(FILES))
def test_unusable_file_is_refused_with_its_reason(refused, bad_files, case):
    name, data, reason = FILES[case]
    path = bad_files / name
    path.write_bytes(data)
    outcome = refused.cli("support", "ingest", str(path), limit_s=FILE_LIMIT_S)
    assert outcome.message.startswith("error: nothing was added: ") and reason in outcome.message


def test_file_over_the_size_limit_is_refused_without_reading_it(refused, bad_files):
    path = _sparse(bad_files / "huge.md", 25)
    outcome = refused.cli("support", "ingest", str(path), limit_s=10)
    assert "the file is 25 MB; the limit is 20 MB" in outcome.message


@pytest.mark.parametrize(
    ("case", "make", "message"),
    [
        ("missing-path", lambda folder: folder / "nope.md", "does not exist"),
        ("empty-folder", lambda folder: (folder / "empty.pdf").mkdir() or folder / "empty.pdf", "holds no files"),
        ("named-pipe", lambda folder: os.mkfifo(folder / "pipe.md") or folder / "pipe.md", "not a regular file"),
    ],
)
def test_path_that_is_not_an_article_file(refused, bad_files, case, make, message):
    outcome = refused.cli("support", "ingest", str(make(bad_files)), limit_s=10)
    assert message in outcome.message


# -- files that are partly or fully usable: exit 0, and exactly the good part lands ----------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "cp1252"], ids=["utf16-bom", "utf16-no-bom", "cp1252"])
def test_text_in_another_encoding_is_stored_as_the_original_text(refused, store, bad_files, encoding):
    path = bad_files / "dessert.txt"
    path.write_bytes(CREME_ARTICLE.encode(encoding))
    refused.cli("support", "ingest", str(path), expect=(0,), changes=True)
    assert _documents(store) == ["dessert.txt"]
    text = _text(store, "dessert.txt")
    assert CREME in text and "Ã" not in text and "\x00" not in text


def test_csv_with_extra_and_huge_fields_keeps_the_good_rows(refused, store, bad_files):
    (bad_files / "faq.csv").write_bytes(faq_with_bad_rows())
    outcome = refused.cli("support", "ingest", str(bad_files / "faq.csv"), expect=(0,), changes=True)
    assert outcome.code == 0
    rows = store.query("SELECT heading FROM support_chunks WHERE source = 'faq.csv' ORDER BY position")
    assert [r["heading"] for r in rows] == ["How long is shipping?", "Can I return an item?"]


def test_html_scripts_are_dropped(refused, store, bad_files):
    (bad_files / "router.html").write_bytes(scripted_html())
    refused.cli("support", "ingest", str(bad_files / "router.html"), expect=(0,), changes=True)
    assert _text(store, "router.html") == "A blue light means the router is online."


def test_batch_with_good_and_bad_files_adds_the_good_ones_and_names_the_bad(refused, store, bad_files):
    (bad_files / "good.md").write_text("# Good\n\nThe hub has a blue light.")
    (bad_files / "bomb.pdf").write_bytes(text_bomb_pdf(40))
    (bad_files / "empty.txt").write_bytes(b"")
    refused.cli("support", "ingest", str(bad_files), expect=(0,), changes=True, limit_s=FILE_LIMIT_S)
    assert _documents(store) == ["good.md"]
    assert store.scalar("SELECT count(*) FROM support_chunks") == 1


def test_same_name_in_two_folders_does_not_overwrite(refused, store, bad_files):
    for folder, text in (("billing", "Invoices go out monthly."), ("devices", "The hub blinks blue.")):
        (bad_files / folder).mkdir()
        (bad_files / folder / "faq.md").write_text(f"# FAQ\n\n{text}")
    refused.cli("support", "ingest", str(bad_files / "billing"), str(bad_files / "devices"), expect=(0,), changes=True)
    assert _documents(store) == ["devices/faq.md", "faq.md"]
    assert "Invoices" in _text(store, "faq.md") and "blinks blue" in _text(store, "devices/faq.md")
    before = store.scalar("SELECT count(*) FROM support_chunks")
    refused.cli("support", "ingest", str(bad_files / "billing"), str(bad_files / "devices"), expect=(0,))  # no change
    assert store.scalar("SELECT count(*) FROM support_chunks") == before


# -- questions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "question", "message"),
    [
        ("empty", "", "Please type a question."),
        ("whitespace", " \t\n  \u3000 ", "Please type a question."),
        ("100k-chars", "why " * 25_000, "please keep it under 2,000"),
        ("emoji-only", "😀🎉🔥", "has no letters or digits"),
        ("control-only", "\x07\x08\x1b\x7f\x01\r", "Please type a question."),
        ("punctuation-only", "?!?...", "has no letters or digits"),
        ("invisible-only", "\u200b\u200e\u202e\ufeff", "Please type a question."),
    ],
)
def test_question_that_cannot_be_answered(refused, case, question, message):
    outcome = refused.cli("support", "ask", question, limit_s=10)
    assert message in outcome.message


def test_unknown_search_mode(refused):
    # support detects the question's language itself; its one enumerated option is the search mode
    assert "--mode must be one of hybrid, dense, keyword" in refused.cli("support", "ask", "hi", "--mode", "xx").message


def test_batch_file_that_is_a_folder(refused, bad_files):
    assert "is not a file" in refused.cli("support", "ask", "--batch", str(bad_files)).message


def test_batch_file_that_is_binary(refused, bad_files):
    (bad_files / "questions.txt").write_bytes(bytes(range(256)) * 16)
    assert "readable text" in refused.cli("support", "ask", "--batch", str(bad_files / "questions.txt")).message


def test_batch_file_that_is_too_big(refused, bad_files):
    path = _sparse(bad_files / "questions.txt", 6)
    assert "the limit is 5 MB" in refused.cli("support", "ask", "--batch", str(path), limit_s=10).message


def test_batch_of_only_bad_lines_reports_each_and_changes_nothing(refused, bad_files):
    path = bad_files / "questions.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "😀\n???\n".encode("utf-16-le") + ("x" * 3000).encode("utf-16-le"))
    assert refused.cli("support", "ask", "--batch", str(path), "--json", expect=(0,)).code == 0


def test_question_on_an_empty_knowledge_base_says_so_before_loading_a_model(refused, store):
    outcome = refused.cli("support", "ask", "How do I reset my password?", changes=True, limit_s=10)
    assert "The knowledge base is empty" in outcome.message
    # The failed request is logged for Operations (by the command's own store: its journal may not be copied yet).
    store.flush(wait_s=5)
    logged = store.query("SELECT action, status FROM events")
    for path in sorted(store.settings.spool_dir.glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        rows = [record["row"] for record in records if record["table"] == "events"]
        logged += [{"action": row["action"], "status": row["status"]} for row in rows]
    assert logged == [{"action": "ask", "status": "error"}]
    assert store.scalar("SELECT count(*) FROM support_documents") == 0


def test_nul_bytes_in_a_question(refused, store):
    refused.call(lambda: ask(store, "\x00\x00\x00"))


# -- documents, tickets and feedback ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["no-such-article.md", "../../etc/passwd", "../" * 50_000 + "x.md", ""])
def test_remove_a_document_that_is_not_there(refused, name):
    outcome = refused.cli("support", "remove", name)
    assert "No document called" in outcome.message and len(outcome.message) < 400


def test_ticket_list_with_a_status_that_does_not_exist(refused):
    assert (
        "Ticket status must be one of open, answered, closed"
        in refused.cli("support", "tickets", "--status", "bogus").message
    )


def test_ticket_status_that_does_not_exist(refused, store):
    outcome = refused.call(lambda: set_ticket_status(store, "t-1", "resolved\nDROP TABLE"))
    assert "open, answered, closed" in outcome.message
    refused.call(lambda: list_tickets(store, "OPEN"))


def test_ticket_status_for_an_unknown_ticket(refused, store):
    assert "No ticket" in refused.call(lambda: set_ticket_status(store, "no-such-ticket", "closed")).message


def test_ticket_for_an_unknown_answer_id(refused, store):
    assert "No answer" in refused.call(lambda: create_ticket(store, _answer())).message
    assert "No answer" in refused.call(lambda: create_ticket(store, _answer(request_id=None))).message


def test_feedback_for_an_unknown_answer_id(refused, store):
    assert "No answer" in refused.call(lambda: record_feedback(store, _answer(), thumbs_up=False)).message


def test_feedback_with_a_200k_correction(refused, store):
    outcome = refused.call(lambda: record_feedback(store, _answer(), correction="Actually. " * 20_000))
    assert "please keep it under 2,000" in outcome.message


def test_ingest_of_a_missing_path_through_the_service(refused, store, bad_files):
    refused.call(lambda: ingest_paths(store, [bad_files / "gone"]))


def test_upload_named_with_folders_is_stored_under_its_name_only(refused, store):
    before = store.scalar("SELECT count(*) FROM support_documents")
    report = add_articles(store, [("../../etc/cron.d/evil.md", b"# Evil\n\nNot a path.")])
    assert report.added == ["evil.md"] and before == 0
    assert not (store.settings.home.parent / "etc").exists()
    assert json.loads(json.dumps(report.as_dict()))["added"] == ["evil.md"]
