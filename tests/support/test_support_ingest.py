import io
import os
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from suite.errors import InvalidInput, NotFound
from suite.support.evaluation import KB_DIR
from suite.support.ingest import chunk
from suite.support.models import UNCHANGED, UnusableFile
from suite.support.parsing import MAX_FILE_MB, MAX_HTML_TAGS, MAX_PAGE_CHARS, MAX_TEXT_CHARS, parse
from suite.support.service import add_articles, ingest_paths, list_documents, remove_document
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


def counts(store):
    return store.scalar("SELECT count(*) FROM support_documents"), store.scalar("SELECT count(*) FROM support_chunks")


def test_sample_kb_formats_parse_into_cited_chunks():
    html = parse("cam360-installation.html", (KB_DIR / "cam360-installation.html").read_bytes())
    assert html.title == "Installing the Cam 360 indoor camera"
    assert not any("analytics" in text or "console.log" in text for _, text in html.sections)
    pdf = parse("leak-sensor-l2-quick-start.pdf", (KB_DIR / "leak-sensor-l2-quick-start.pdf").read_bytes())
    assert pdf.title == "Leak Sensor L2 quick start guide" and [h for h, _ in pdf.sections] == [
        "Install",
        "Pair",
        "Alarm",
    ]
    faq = parse("faq.csv", (KB_DIR / "faq.csv").read_bytes())
    assert len(faq.sections) == 12
    chunks = chunk(
        "wifi-requirements.md", parse("wifi-requirements.md", (KB_DIR / "wifi-requirements.md").read_bytes())
    )
    code = next(c for c in chunks if "E-4012" in c.text)
    assert code.anchor == "error-e-4012-the-hub-cannot-join-your-wi-fi"
    assert code.chunk_id == f"wifi-requirements.md#{code.position}"


def test_long_sections_are_windowed_with_overlap():
    sentences = [f"Sentence number {i} explains one more detail about the Hub H2 setup." for i in range(40)]
    chunks = chunk("long.md", parse("long.md", ("# Long\n\n## Part\n\n" + " ".join(sentences)).encode()))
    assert len(chunks) > 2 and all(len(c.text) <= 800 for c in chunks)
    assert chunks[0].text.split(". ")[-1].rstrip(".") in chunks[1].text  # one sentence of overlap


def test_reingest_replaces_and_does_not_duplicate(store):
    first = ingest_paths(store, [KB_DIR])
    assert len(first.added) == 30 and first.chunks > 80
    before = counts(store)
    again = ingest_paths(store, [KB_DIR])
    assert again.added == [] and len(again.skipped) == 30 and counts(store) == before
    changed = add_articles(store, [("hub-setup.md", b"# Hub H2\n\n## New\n\nThe hub now needs app 6.0.")])
    assert changed.replaced == ["hub-setup.md"]
    rows = store.query("SELECT text FROM support_chunks WHERE source = 'hub-setup.md'")
    assert [r["text"] for r in rows] == ["The hub now needs app 6.0."]
    assert remove_document(store, "hub-setup.md").chunks == 1
    assert "hub-setup.md" not in [d.source for d in list_documents(store)]
    with pytest.raises(NotFound):
        remove_document(store, "hub-setup.md")


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(str(KB_DIR / "leak-sensor-l2-quick-start.pdf")))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.docx", b"PK\x03\x04", "not supported"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "damaged"),
        ("locked.pdf", None, "password-protected"),
        ("empty.md", b"   \n", "empty"),
        ("faq2.csv", b"q,a\nhello,world\n", "'question' and 'answer'"),
        ("binary.txt", b"\x00\x01\x02\xff\xfe\x00", "readable text"),
        ("huge.md", b"#" * (MAX_FILE_MB * 2**20 + 1), "limit is 20 MB"),
    ],
)
def test_bad_files_are_skipped_with_a_reason_and_change_nothing(kb_store, name, data, reason):
    before = counts(kb_store)
    data = _encrypted_pdf() if data is None else data
    report = add_articles(kb_store, [(name, data)])
    assert report.added == [] and len(report.skipped) == 1
    assert reason in report.skipped[0].reason
    assert counts(kb_store) == before


def test_parse_rejects_unsupported_directly():
    with pytest.raises(InvalidInput, match="not supported"):
        parse("photo.jpg", b"\xff\xd8")


def test_html_script_in_a_document_is_dropped():
    parsed = parse("x.html", b"<h1>T</h1><script>alert('x')</script><p>Safe text &lt;b&gt;</p>")
    assert parsed.sections == [("T", "Safe text <b>")]


# -- hostile and awkward files (issue 13) ---------------------------------------------------------------
def stored_text(store, source: str) -> str:
    rows = store.query("SELECT title, heading, text FROM support_chunks WHERE source = ? ORDER BY position", [source])
    return " ".join(f"{r['title']} {r['heading']} {r['text']}" for r in rows)


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-8-sig", "utf-32"], ids=lambda e: e
)
def test_text_in_any_common_encoding_is_stored_as_the_original_text(store, encoding):
    report = add_articles(store, [("dessert.txt", CREME_ARTICLE.encode(encoding))])
    assert report.added == ["dessert.txt"], report
    text = stored_text(store, "dessert.txt")
    assert CREME in text and "Ã" not in text and "\x00" not in text


def test_html_in_windows_1252_and_mojibake_are_read_as_the_original_text(store):
    html = f"<html><head><meta charset='windows-1252'></head><body><h1>{CREME}</h1><p>{CREME} tonight.</p>"
    double = CREME_ARTICLE.encode("utf-8").decode("cp1252").encode("utf-8")  # 'CrÃ¨me brÃ»lÃ©e'
    report = add_articles(store, [("menu.html", html.encode("cp1252")), ("old.txt", double)])
    assert report.added == ["menu.html", "old.txt"]
    assert f"{CREME} tonight." in stored_text(store, "menu.html")
    assert CREME in stored_text(store, "old.txt") and "Ã" not in stored_text(store, "old.txt")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bomb.pdf", text_bomb_pdf(), "inflates to more content than the limit"),
        ("ops.pdf", operator_bomb_pdf(), "inflates to more content than the limit"),
        ("dense.pdf", pdf_with_pages(text_op("A" * (MAX_PAGE_CHARS + 5_000))), "characters of text"),
        ("zip.pdf", zip_renamed(), "not a PDF file"),
        ("cut.pdf", corrupt_pdf(), "damaged"),
        ("tags.html", nested_html(MAX_HTML_TAGS), "HTML tags"),
        ("nul.md", b"# Title\n\nSome text\x00 with a NUL byte.", "readable text"),
        ("huge-field.csv", b"question,answer\nq," + b"x" * 200_000 + b"\n", "no usable question and answer rows"),
        ("long.txt", b"word " * (MAX_TEXT_CHARS // 5 + 10), "characters of text"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_hostile_files_are_refused_quickly_with_one_line(store, name, data, reason):
    started = time.perf_counter()
    report = add_articles(store, [(name, data)])
    assert time.perf_counter() - started < 20
    assert report.added == [] and [s.source for s in report.skipped] == [name]
    assert reason in report.skipped[0].reason and "\n" not in report.skipped[0].reason
    assert counts(store) == (0, 0)


def test_pdf_text_bomb_is_refused_in_bounded_memory():
    import tracemalloc

    data = text_bomb_pdf(60)
    tracemalloc.start()
    with pytest.raises(UnusableFile, match="inflates"):
        parse("bomb.pdf", data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 2**20  # the page holds 60 MB once inflated; we never inflate more than the limit


def test_pdf_with_too_much_text_in_all_is_refused():
    page = text_op("Lorem ipsum dolor sit amet. " * (MAX_PAGE_CHARS // 30))
    with pytest.raises(UnusableFile, match="more than 1,000,000 characters"):
        parse("book.pdf", pdf_with_pages(*[page] * (MAX_TEXT_CHARS // (MAX_PAGE_CHARS - 1_000) + 1)))


def test_pdf_with_only_an_owner_password_opens_and_a_user_password_does_not():
    opened = parse("owner.pdf", encrypted_pdf(user_password="", owner_password="owner"))
    assert opened.title == "Leak Sensor L2 quick start guide"
    with pytest.raises(UnusableFile, match="password-protected"):
        parse("locked.pdf", encrypted_pdf("secret"))


def test_html_scripts_frames_and_deep_nesting_are_safe():
    parsed = parse("router.html", scripted_html())
    text = " ".join(t for _, t in parsed.sections)
    assert parsed.title == "Router lights" and "A blue light" in text
    assert "injected" not in text and "fetch" not in text and "alert" not in text
    started = time.perf_counter()
    deep = parse("deep.html", nested_html(20_000))
    assert deep.sections == [("", "Deep text.")] and time.perf_counter() - started < 10


def test_faq_rows_with_extra_or_huge_fields_are_left_out_with_the_reason(store):
    report = add_articles(store, [("faq.csv", faq_with_bad_rows())])
    assert report.added == ["faq.csv"]
    reasons = [part.reason for part in report.left_out]
    assert len(reasons) == 2 and all(part.source == "faq.csv" for part in report.left_out)
    assert "row 3 has 4 fields but the header has 2" in reasons[0]
    assert reasons[1].startswith("row 4") and "longer than" in reasons[1]
    rows = store.query("SELECT heading, text FROM support_chunks WHERE source = 'faq.csv' ORDER BY position")
    assert [(r["heading"], r["text"]) for r in rows] == [
        ("How long is shipping?", "Three to five days."),
        ("Can I return an item?", "Within 30 days."),
    ]


def test_markdown_links_and_images_keep_their_words_not_their_targets():
    parsed = parse("a.md", b"# A\n\nSee ![the diagram](http://127.0.0.1:9/beacon.png) or [click](javascript:alert(1)).")
    assert parsed.sections == [("A", "See the diagram or click.")]


def test_same_name_in_two_folders_keeps_both_and_reingest_is_idempotent(store, tmp_path):
    billing, devices = tmp_path / "billing", tmp_path / "devices"
    (billing / "guides").mkdir(parents=True)
    devices.mkdir()
    (billing / "faq.md").write_text("# Billing FAQ\n\nInvoices are sent on the first of the month.")
    (devices / "faq.md").write_text("# Devices FAQ\n\nThe hub blinks blue while it pairs.")
    (billing / "guides" / "faq.md").write_text("# Billing guide FAQ\n\nRefunds take five days.")
    first = ingest_paths(store, [billing, devices])
    assert first.added == ["faq.md", "guides/faq.md", "devices/faq.md"]
    assert "Invoices" in stored_text(store, "faq.md") and "blinks blue" in stored_text(store, "devices/faq.md")
    assert "Refunds" in stored_text(store, "guides/faq.md")
    before = counts(store)
    again = ingest_paths(store, [billing, devices])
    assert again.added == again.replaced == [] and [s.reason for s in again.skipped] == [UNCHANGED] * 3
    assert counts(store) == before == (3, 3)
    # A later run with only the second folder finds its own document, and a change replaces only that one.
    (devices / "faq.md").write_text("# Devices FAQ\n\nThe hub blinks green once it is paired.")
    changed = ingest_paths(store, [devices])
    assert changed.replaced == ["devices/faq.md"] and "Invoices" in stored_text(store, "faq.md")
    origins = {d.source: d.origin for d in list_documents(store)}
    assert origins["devices/faq.md"] == str((devices / "faq.md").resolve())


def test_same_name_from_another_folder_in_a_later_run_does_not_overwrite(store, tmp_path):
    for folder, text in (("a", "The alarm is 85 dB."), ("b", "The battery lasts two years.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "sensor.txt").write_text(f"Sensor\n\n{text}")
    assert ingest_paths(store, [tmp_path / "a" / "sensor.txt"]).added == ["sensor.txt"]
    assert ingest_paths(store, [tmp_path / "b" / "sensor.txt"]).added == ["b/sensor.txt"]
    assert "85 dB" in stored_text(store, "sensor.txt") and "two years" in stored_text(store, "b/sensor.txt")
    assert ingest_paths(store, [tmp_path / "b" / "sensor.txt"]).skipped[0].source == "b/sensor.txt"


def test_uploads_with_the_same_name_in_one_batch_are_kept_apart(store):
    report = add_articles(store, [("faq.md", b"# One\n\nFirst text."), ("faq.md", b"# Two\n\nSecond text.")])
    assert report.added == ["faq.md", "faq (2).md"]
    assert "First" in stored_text(store, "faq.md") and "Second" in stored_text(store, "faq (2).md")


def test_a_batch_is_one_transaction(store, monkeypatch):
    """A write that fails half-way through a batch leaves no document without its chunks, and no document at all."""
    real = store.transaction
    calls = []

    class Failing:
        def __init__(self, con):
            self.con = con

        def execute(self, *args):
            return self.con.execute(*args)

        def executemany(self, *args):
            calls.append(1)
            if len(calls) == 2:
                raise OSError("disk gone")
            return self.con.executemany(*args)

    @contextmanager
    def failing(**kwargs):
        with real(**kwargs) as con:
            yield Failing(con)

    monkeypatch.setattr(store, "transaction", failing)
    with pytest.raises(OSError, match="disk gone"):
        add_articles(store, [("one.md", b"# One\n\nFirst."), ("two.md", b"# Two\n\nSecond.")])
    assert counts(store) == (0, 0)
    monkeypatch.setattr(store, "transaction", real)
    assert add_articles(store, [("one.md", b"# One\n\nFirst."), ("two.md", b"# Two\n\nSecond.")]).added == [
        "one.md",
        "two.md",
    ]


def test_files_on_disk_are_checked_before_they_are_read(store, tmp_path, monkeypatch):
    tmp_path = tmp_path / "kb"  # beside SUITE_HOME, not around it
    tmp_path.mkdir()
    big = tmp_path / "big.md"
    with big.open("wb") as handle:  # sparse: 25 MB on paper, nothing on disk
        handle.truncate(25 * 2**20)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    opened = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self.name) or real_open(self, *a, **k))
    report = ingest_paths(store, [tmp_path])
    assert [(s.source, "limit is 20 MB" in s.reason or "not supported" in s.reason) for s in report.skipped] == [
        ("big.md", True),
        ("notes.docx", True),
    ]
    assert not {"big.md", "notes.docx"} & set(opened)


def test_paths_that_are_not_files_are_refused_before_anything_is_added(store, tmp_path):
    tmp_path = tmp_path / "kb"
    tmp_path.mkdir()
    (tmp_path / "good.md").write_text("# Good\n\nText.")
    with pytest.raises(NotFound, match="does not exist"):
        ingest_paths(store, [tmp_path / "good.md", tmp_path / "missing.md"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="holds no files"):
        ingest_paths(store, [tmp_path / "empty"])
    os.mkfifo(tmp_path / "pipe.md")
    with pytest.raises(InvalidInput, match="not a regular file"):
        ingest_paths(store, [tmp_path / "pipe.md"])
    assert counts(store) == (0, 0)
    report = ingest_paths(store, [tmp_path])  # inside a folder, the pipe is skipped (never read: it would block)
    assert report.added == ["good.md"] and [s.source for s in report.skipped] == ["pipe.md"]
    assert "not a regular file" in report.skipped[0].reason
