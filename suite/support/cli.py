"""`suite support ...`: ingest and remove help articles, ask questions (one or a batch), list tickets."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.progress import command_progress

support = typer.Typer(no_args_is_help=True, help="Support answers from your help articles.")


@support.command()
@clikit.friendly
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (.md .txt .html .pdf, FAQ .csv).")) -> None:
    """Add or replace articles; prints what was added, replaced and skipped (and why).

    Exits 2 with the first reason when no file could be used (nothing changed).
    """
    from suite.support.service import ingest_paths

    with command_progress("ingesting") as progress:
        report = ingest_paths(clikit.store(), paths, user=clikit.settings().user, progress=progress)
    refused = report.refused
    if refused and not (report.added or report.replaced):
        more = f" (and {len(refused) - 1} more file(s) refused)" if len(refused) > 1 else ""
        clikit.fail(f"nothing was added: {refused[0].reason}{more}")
    clikit.emit(report.as_dict())


@support.command()
@clikit.friendly
def remove(source: str = typer.Argument(..., help="The file name shown by `suite support docs`.")) -> None:
    """Remove a document and its passages from the knowledge base."""
    from suite.support.service import remove_document

    clikit.emit(remove_document(clikit.store(), source).as_dict())


@support.command()
@clikit.friendly
def docs() -> None:
    """List the documents in the knowledge base (one JSON line each)."""
    from suite.support.service import list_documents

    for document in list_documents(clikit.store()):
        clikit.emit(document.as_dict())


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
    from suite.errors import InvalidInput
    from suite.support.service import MODES, create_ticket, read_batch
    from suite.support.service import ask as ask_one

    if mode not in MODES:
        raise InvalidInput(f"--mode must be one of {', '.join(MODES)}.")
    if batch is not None:
        questions = read_batch(batch)
    elif question is not None:
        questions = [question]
    else:
        raise InvalidInput("Give a question, or --batch FILE with one question per line.")
    store = clikit.store()
    for text in questions:
        try:
            answer = ask_one(store, text, mode=mode)
        except InvalidInput as err:  # one bad line must not stop a batch
            if batch is None:
                raise
            clikit.emit({"question": text[:200], "error": str(err), "answered": False})
            continue
        ticket_id = create_ticket(store, answer) if handoff and not answer.answered else None
        if as_json:
            clikit.emit({**answer.as_dict(brief=True), **({"ticket_id": ticket_id} if ticket_id else {})})
            continue
        typer.echo(f"Q: {answer.question}\nA: {answer.answer}")
        for c in answer.citations:
            typer.echo(f"  [{c.number}] {c.title} ({c.link}, score {c.score:.2f})")
        typer.echo(f"  confidence {answer.confidence:.2f}{' - handed off' if ticket_id else ''}\n")


@support.command()
@clikit.friendly
def tickets(status: str = typer.Option(None, help="open, answered or closed")) -> None:
    """List handoff tickets (one JSON line each)."""
    from suite.support.service import list_tickets

    for ticket in list_tickets(clikit.store(), status):
        clikit.emit(ticket.as_dict())


def register(app: typer.Typer) -> None:
    app.add_typer(support, name="support")
