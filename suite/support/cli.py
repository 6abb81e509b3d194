"""`suite support ...`: ingest and remove help articles, ask questions (one or a batch), list tickets."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.progress import terminal_progress

support = typer.Typer(no_args_is_help=True, help="Support answers from your help articles.")


@support.command()
@clikit.friendly
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (.md .txt .html .pdf, FAQ .csv).")) -> None:
    """Add or replace articles; prints what was added, replaced and skipped (and why)."""
    from suite.support.ingest import ingest_paths

    with terminal_progress("ingesting") as progress:
        report = ingest_paths(clikit.store(), paths, user=clikit.settings().user, progress=progress)
    clikit.emit(report.as_dict())


@support.command()
@clikit.friendly
def remove(source: str = typer.Argument(..., help="The file name shown by `suite support docs`.")) -> None:
    """Remove a document and its passages from the knowledge base."""
    from suite.support.ingest import remove_source

    clikit.emit({"removed": source, "chunks": remove_source(clikit.store(), source)})


@support.command()
@clikit.friendly
def docs() -> None:
    """List the documents in the knowledge base (one JSON line each)."""
    from suite.support.ingest import list_documents

    for row in list_documents(clikit.store()):
        clikit.emit(row)


@support.command()
@clikit.friendly
def ask(
    question: str = typer.Argument(None, help="The question (or use --batch)."),
    batch: Path = typer.Option(None, "--batch", help="A text file with one question per line."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per question."),
    handoff: bool = typer.Option(False, "--handoff", help="Open a ticket for every question the bot declines."),
    mode: str = typer.Option("hybrid", help="hybrid, dense or keyword."),
) -> None:
    """Answer questions from the knowledge base; the models load once for the whole batch."""
    from suite.errors import InvalidInput, SuiteError
    from suite.support.answers import ask as ask_one
    from suite.support.retrieval import MODES
    from suite.support.tickets import create_ticket

    if mode not in MODES:
        raise InvalidInput(f"--mode must be one of {', '.join(MODES)}.")
    if batch is not None:
        if not batch.is_file():
            raise InvalidInput(f"{batch} is not a file.")
        questions = [line for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
    elif question is not None:
        questions = [question]
    else:
        raise InvalidInput("Give a question, or --batch FILE with one question per line.")
    store = clikit.store()
    for text in questions:
        try:
            answer = ask_one(store, text, mode=mode).as_dict()
        except InvalidInput as err:  # one bad line must not stop a batch
            if batch is None:
                raise
            clikit.emit({"question": text[:200], "error": str(err), "answered": False})
            continue
        except SuiteError:
            raise
        if handoff and not answer["answered"]:
            answer["ticket_id"] = create_ticket(store, answer)
        if as_json:
            out = {
                k: answer[k] for k in ("question", "answer", "answered", "confidence", "language", "note", "request_id")
            }
            out["citations"] = [
                {"source": c["source"], "title": c["title"], "score": c["score"]} for c in answer["citations"]
            ]
            if "ticket_id" in answer:
                out["ticket_id"] = answer["ticket_id"]
            clikit.emit(out)
        else:
            typer.echo(f"Q: {answer['question']}\nA: {answer['answer']}")
            for c in answer["citations"]:
                typer.echo(f"  [{c['number']}] {c['title']} ({c['link']}, score {c['score']:.2f})")
            typer.echo(f"  confidence {answer['confidence']:.2f}{' - handed off' if 'ticket_id' in answer else ''}\n")


@support.command()
@clikit.friendly
def tickets(status: str = typer.Option(None, help="open, answered or closed")) -> None:
    """List handoff tickets (one JSON line each)."""
    from suite.support.tickets import list_tickets

    for row in list_tickets(clikit.store(), status):
        clikit.emit(row)


def register(app: typer.Typer) -> None:
    app.add_typer(support, name="support")
