"""Hostile and awkward help articles, built in memory (shared by the ingest tests and the bad-input corpus)."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

KB_PDF = Path(__file__).resolve().parents[2] / "sample_data" / "support" / "kb" / "leak-sensor-l2-quick-start.pdf"
CREME = "Crème brûlée"
CREME_ARTICLE = f"{CREME} recipe\n\nHow to make {CREME}\nBake the {CREME} custard for forty minutes, then caramelise."


def pdf_with_pages(*contents: bytes) -> bytes:
    """A PDF whose pages draw the given content streams (Flate-compressed, Helvetica as /F1)."""
    writer = PdfWriter()
    for content in contents:
        page = writer.add_blank_page(612, 792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        stream = StreamObject()
        stream._data = zlib.compress(content, 9)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_op(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 700 Td (" + text.encode("latin-1") + b") Tj ET"


def text_bomb_pdf(inflated_mb: int = 40) -> bytes:
    """A ~40 KB PDF whose one page inflates to `inflated_mb` MB of text."""
    return pdf_with_pages(b"BT /F1 12 Tf 72 700 Td (" + b"A" * (inflated_mb * 2**20) + b") Tj ET")


def operator_bomb_pdf(inflated_mb: int = 16) -> bytes:
    """A tiny PDF whose page inflates to millions of drawing operators."""
    return pdf_with_pages(text_op("Hello") + b"\n" + b"q Q " * (inflated_mb * 2**18))


def encrypted_pdf(user_password: str = "secret", owner_password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(str(KB_PDF)))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_renamed() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>" * 100)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    data = KB_PDF.read_bytes()
    return data[: len(data) // 3] + b"\x00garbage" * 50


def nested_html(depth: int) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"<p>Deep text.</p>" + b"</div>" * depth + b"</body></html>"


def scripted_html() -> bytes:
    return (
        b"<html><head><title>Router lights</title><script>fetch('http://127.0.0.1:9/steal')</script></head>"
        b'<body onload="alert(1)"><h1>Router lights</h1><p>A blue light means the router is online.</p>'
        b"<script>document.write('<p>injected</p>')</script><iframe src='http://127.0.0.1:9/'></iframe></body></html>"
    )


def faq_with_bad_rows() -> bytes:
    return (
        b"question,answer\n"
        b"How long is shipping?,Three to five days.\n"
        b"Do you ship abroad?,Yes, to the EU, and the UK\n"  # unquoted commas: extra fields
        b"Huge," + b"x" * 200_000 + b"\n"  # over the CSV reader's field limit
        b"Can I return an item?,Within 30 days.\n"
    )
