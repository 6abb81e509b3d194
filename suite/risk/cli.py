"""`suite risk ...`: classify headlines, ingest files, list alerts."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.errors import InvalidInput

risk = typer.Typer(no_args_is_help=True, help="Market-sentiment risk alerts.")


@risk.command()
@clikit.friendly
def classify(
    texts: list[str] = typer.Argument(None, help="Headlines to classify."),
    batch: Path = typer.Option(None, "--batch", help="A file with one headline per line."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per headline on stdout."),
) -> None:
    """Tone of each headline: label (negative, neutral, positive), confidence 0-1, score -1..1."""
    from suite.risk.service import classify as classify_headlines

    headlines = list(texts or [])
    if batch is not None:
        if not batch.is_file():
            raise InvalidInput(f"There is no file at {batch}.")
        headlines += [line for line in batch.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if not headlines:
        raise InvalidInput("Give one or more headlines, or --batch FILE with one headline per line.")
    for result in classify_headlines(clikit.store(), headlines):
        if as_json:
            clikit.emit(result.as_dict())
        else:
            flag = "  (unsure)" if result.low_confidence else ""
            typer.echo(f"{result.label:<8} {result.confidence:.2f} {result.score:+.2f}  {result.text}{flag}")


@risk.command()
@clikit.friendly
def ingest(
    file: Path = typer.Argument(
        ..., help="CSV, JSON or JSON Lines with timestamp, source, headline[, url][, ticker]; or a watched folder."
    ),
) -> None:
    """Store, score and link a file of headlines (or every new file in a folder); reports every row."""
    from suite.risk.service import ingest_file, ingest_folder

    reports = ingest_folder(clikit.store(), file) if file.is_dir() else [ingest_file(clikit.store(), file)]
    for report in reports:
        typer.echo(report.summary(), err=True)
        clikit.emit(report.as_dict())


@risk.command()
@clikit.friendly
def alerts(
    since: str = typer.Option(None, "--since", help="Only alerts on or after this date (YYYY-MM-DD)."),
    all_states: bool = typer.Option(False, "--all", help="Include acknowledged, snoozed and false alarms."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per alert on stdout."),
) -> None:
    """Alerts, newest first, with the headlines behind them."""
    from datetime import date

    from suite.risk.service import list_alerts

    if since:
        try:
            date.fromisoformat(since)
        except ValueError as err:
            raise InvalidInput(f"--since must be a date like 2025-03-01, not {since!r}.") from err
    for alert in list_alerts(clikit.store(), since=since, states=None if all_states else ("open",)):
        if as_json:
            clikit.emit(alert.as_dict())
        else:
            typer.echo(f"{alert.day} {alert.ticker:<6} {alert.severity:<6} {alert.status:<12} {alert.reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(risk, name="risk")
