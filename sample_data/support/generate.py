"""Write the sample help center (kb/) and the evaluation sets (eval*.jsonl) from articles.py and questions.py.

Deterministic: re-running reproduces every file byte for byte.  Run: python sample_data/support/generate.py
"""

from __future__ import annotations

import csv
import html
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from articles import ARTICLES, FAQ, PDF_ARTICLE, ZH_ARTICLES  # noqa: E402
from questions import EN, OUT_OF_SCOPE, SECTIONS, UNANSWERABLE, ZH, ZH_MORE  # noqa: E402


def markdown(title: str, sections: list[tuple[str, str]]) -> str:
    parts = [f"# {title}\n"] + [f"## {heading}\n\n{text}\n" for heading, text in sections]
    return "\n".join(parts)


def html_page(title: str, sections: list[tuple[str, str]]) -> str:
    body = "".join(f"<h2>{html.escape(h)}</h2>\n<p>{html.escape(t)}</p>\n" for h, t in sections)
    return (
        f"<!doctype html>\n<html><head><title>{html.escape(title)}</title>"
        "<script>console.log('analytics');</script></head>\n"
        f"<body><nav>Brightwave Help Center</nav>\n<h1>{html.escape(title)}</h1>\n{body}</body></html>\n"
    )


def text_page(title: str, sections: list[tuple[str, str]]) -> str:
    return title + "\n\n" + "\n\n".join(f"{h}\n{t}" for h, t in sections) + "\n"


def pdf_bytes(title: str, sections: list[tuple[str, str]]) -> bytes:
    """A one-page text PDF written by hand (Helvetica, no compression), readable by pypdf."""
    lines = [(16, title)]
    for heading, text in sections:
        lines.append((12, heading))
        words, line = text.split(), ""
        for word in words:
            if len(line) + len(word) > 90:
                lines.append((10, line))
                line = ""
            line = f"{line} {word}".strip()
        lines.append((10, line))
    ops, y = ["BT"], 800
    for size, text in lines:
        y -= size + 8
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"/F1 {size} Tf 1 0 0 1 50 {y} Tm ({safe}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def main() -> None:
    kb = HERE / "kb"
    kb.mkdir(exist_ok=True)
    writers = {".md": markdown, ".html": html_page, ".txt": text_page}
    for name, title, sections in ARTICLES:
        (kb / name).write_text(writers[Path(name).suffix](title, sections), encoding="utf-8")
    name, title, sections = PDF_ARTICLE
    (kb / name).write_bytes(pdf_bytes(title, sections))
    with (kb / "faq.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["question", "answer"])
        writer.writerows(FAQ)
    rows = [{"question": q, "source": s, "language": "en", "in_scope": True} for q, s in EN]
    rows += [{"question": q, "source": s, "language": "zh", "in_scope": True} for q, s in ZH]
    rows += [{"question": q, "source": None, "language": lang, "in_scope": False} for q, lang in OUT_OF_SCOPE]
    with (HERE / "eval.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    # Chinese translations, kept beside (not in) kb/: the demo help center stays English-only; tests and the
    # benchmark add kb_zh/ to measure answers from Chinese passages.
    kb_zh = HERE / "kb_zh"
    kb_zh.mkdir(exist_ok=True)
    for name, title, sections in ZH_ARTICLES:
        (kb_zh / name).write_text(markdown(title, sections), encoding="utf-8")
    with (HERE / "eval_unanswerable.jsonl").open("w", encoding="utf-8") as handle:
        for question, language in UNANSWERABLE:
            row = {"question": question, "source": None, "language": language, "in_scope": False}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (HERE / "eval_zh_more.jsonl").open("w", encoding="utf-8") as handle:
        for question, source in ZH_MORE:
            row = {"question": question, "source": source, "language": "zh", "in_scope": True}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (HERE / "eval_sections.jsonl").open("w", encoding="utf-8") as handle:
        for question, source, heading, language in SECTIONS:
            row = {"question": question, "source": source, "heading": heading, "language": language}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
