"""`suite transcribe FILE...` and `suite transcripts search|show|correct|vocabulary`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from suite import clikit
from suite.errors import InvalidInput
from suite.progress import command_progress

transcripts = typer.Typer(no_args_is_help=True, help="Search and export past transcripts.")


@clikit.friendly
def transcribe(
    # str, not Path: click would stat each path itself and turn a bad name into a multi-line usage error
    files: list[str] = typer.Argument(..., help="Audio or video files (wav, mp3, m4a, ogg, flac, webm, mp4...)."),
    fmt: str = typer.Option("json", "--format", "-f", help="json (one object per line), txt, srt or vtt."),
    engine: str = typer.Option(None, "--engine", help="faster-whisper (default) or openai-whisper."),
    model: str = typer.Option(None, "--model", help="A model name or folder/file path (default: bundled tiny.en)."),
    language: str = typer.Option(None, "--language", help="Language code, e.g. en (default: detect)."),
    vocabulary: str = typer.Option(None, "--vocabulary", help='Names and jargon to listen for: "Northstar, KPI".'),
    redact: bool | None = typer.Option(
        None, "--redact/--no-redact", help="Hide personal data in the stored text (default: SUITE_REDACT_TRANSCRIPTS)."
    ),
) -> None:
    """Transcribe files into the history; print each result (a failed file prints its error, the rest go on)."""
    from suite.transcribe.service import FORMATS, export, transcribe_files

    if fmt not in FORMATS:
        clikit.fail(f"--format must be one of {', '.join(FORMATS)}")
    with command_progress("transcribing") as progress:
        batch = transcribe_files(
            clikit.store(),
            files,
            engine=engine,
            model=model,
            language=language,
            vocabulary=vocabulary,
            redact=redact,
            source="cli",
            progress=progress,
        )
    for transcript in batch.transcripts:
        if fmt == "json":
            clikit.emit(transcript.as_dict())
        else:
            if len(files) > 1:
                typer.echo(f"==> {transcript.file_name} <==")
            sys.stdout.write(export(transcript, fmt))
    for failure in batch.failures:
        typer.echo(f"error: {failure.sentence()}", err=True)
        if fmt == "json":
            clikit.emit(failure.as_dict())
    if batch.failures:
        raise typer.Exit(2 if not batch.transcripts else 1)


@transcripts.command("search")
@clikit.friendly
def search(
    query: str = typer.Argument("", help="Words that must all occur (empty: the newest transcripts)."),
    limit: int = typer.Option(20, help="How many to show."),
) -> None:
    """Full-text search over past transcripts and their corrections (one JSON line each)."""
    from suite.transcribe.service import search_history

    for transcript in search_history(clikit.store(), query, limit=limit):
        row = transcript.as_dict()
        del row["segments"]
        clikit.emit(row)


@transcripts.command("show")
@clikit.friendly
def show(
    transcript_id: str = typer.Argument(..., help="The transcript_id printed by `suite transcribe`."),
    fmt: str = typer.Option("txt", "--format", "-f", help="txt, srt, vtt or json."),
) -> None:
    """Print one stored transcript in any download format."""
    from suite.transcribe.service import export, get_transcript

    sys.stdout.write(export(get_transcript(clikit.store(), transcript_id), fmt))


def _read(path: Path) -> bytes:
    """A text file's bytes ("-": standard input); the service decodes them."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except (OSError, ValueError) as err:  # missing, a folder, no permission, a NUL in the name
        reason = getattr(err, "strerror", None) or type(err).__name__
        raise InvalidInput(f"Cannot read {path.name[:100]!r}: {reason}.") from err


@transcripts.command("correct")
@clikit.friendly
def correct(
    transcript_id: str = typer.Argument(..., help="The transcript_id printed by `suite transcribe`."),
    file: Path = typer.Argument(..., help="A text file with the corrected transcript (- reads standard input)."),
) -> None:
    """Save a corrected transcript (sent to the review queue); prints the feedback id."""
    from suite.transcribe.service import save_correction

    clikit.emit({"feedback_id": save_correction(clikit.store(), transcript_id, _read(file))})


@transcripts.command("vocabulary")
@clikit.friendly
def vocabulary(
    terms: str = typer.Argument(None, help='New list, e.g. "Northstar, ACME Cloud" (omit to show the current one).'),
    file: Path = typer.Option(None, "--file", help="Read the new list from a text file (one term per line)."),
) -> None:
    """Show or replace the workspace vocabulary (product names and jargon)."""
    from suite.transcribe.service import save_vocabulary, vocabulary

    settings = clikit.settings()
    if terms is not None and file is not None:
        clikit.fail("give the new list as an argument or with --file, not both")
    new = _read(file) if file is not None else terms
    current = save_vocabulary(settings, new) if new is not None else vocabulary(settings)
    clikit.emit({"vocabulary": current})


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe)
    app.add_typer(transcripts, name="transcripts")
