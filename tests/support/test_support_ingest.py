import io

import pytest
from pypdf import PdfReader, PdfWriter

from suite.errors import InvalidInput, NotFound
from suite.support.evaluation import KB_DIR
from suite.support.ingest import chunk
from suite.support.parsing import MAX_FILE_MB, parse
from suite.support.service import add_articles, ingest_paths, list_documents, remove_document


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
