"""`suite risk ...`: classify headlines, ingest files, list and act on alerts, send the webhook outbox."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.errors import InvalidInput

risk = typer.Typer(no_args_is_help=True, help="Market-sentiment risk alerts.")


@risk.callback()
@clikit.friendly
def _check_settings() -> None:
    """Refuse a bad SUITE_ALERT_WEBHOOK (a file:// URL, ...) before any command runs."""
    from suite.risk.service import check_webhook

    check_webhook(clikit.settings())


@risk.command()
@clikit.friendly
def classify(
    texts: list[str] = typer.Argument(None, help="Headlines to classify."),
    batch: Path = typer.Option(None, "--batch", help="A file with one headline per line."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per headline on stdout."),
) -> None:
    """Tone of each headline: label (negative, neutral, positive), confidence 0-1, score -1..1."""
    from suite.risk.service import classify as classify_headlines
    from suite.risk.service import read_headlines

    headlines = list(texts or [])
    if batch is not None:
        headlines += read_headlines(batch)
    if not headlines:
        raise InvalidInput("Give one or more headlines, or --batch FILE with one headline per line.")
    results = classify_headlines(clikit.store(), headlines)
    for result in results:
        if as_json:
            clikit.emit(result.as_dict())
        else:
            flag = "  (unsure)" if result.low_confidence else ""
            typer.echo(f"{result.label:<8} {result.confidence:.2f} {result.score:+.2f}  {result.text}{flag}")


@risk.command()
@clikit.friendly
def ingest(
    file: Path = typer.Argument(
        ...,
        help="CSV, JSON or JSON Lines (also gzipped) with timestamp, source, headline[, url][, ticker]; "
        "or a watched folder (bad files go to its rejected/ folder).",
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
    ticker: str = typer.Option(None, "--ticker", help="Only this company's alerts."),
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
            raise InvalidInput(f"--since must be a date like 2025-03-01, not {since[:40]!r}.") from err
    for alert in list_alerts(clikit.store(), since=since, ticker=ticker, states=None if all_states else ("open",)):
        if as_json:
            clikit.emit(alert.as_dict())
        else:
            typer.echo(f"{alert.day} {alert.ticker:<6} {alert.severity:<6} {alert.status:<12} {alert.reason}")


@risk.command()
@clikit.friendly
def act(
    alert_id: str = typer.Argument(..., help="The alert, e.g. FNWK-2025-03-11."),
    action: str = typer.Argument(..., help="acknowledge, snooze, false_alarm or reopen."),
    note: str = typer.Option("", "--note", help="Why (kept with a false alarm or acknowledgement)."),
    snooze_days: int = typer.Option(None, "--days", help="How long a snooze lasts (default: a week)."),
    as_json: bool = typer.Option(False, "--json", help="The alert as JSON on stdout."),
) -> None:
    """Acknowledge, snooze, mark as false alarm or reopen an alert."""
    from suite.risk.service import SNOOZE_DAYS, act_on_alert

    days = SNOOZE_DAYS if snooze_days is None else snooze_days
    alert = act_on_alert(clikit.store(), alert_id, action, snooze_days=days, note=note)
    if as_json:
        clikit.emit(alert.as_dict())
    else:
        typer.echo(f"{alert.alert_id} is now {alert.status}")


@risk.command()
@clikit.friendly
def deliver() -> None:
    """Send the alert messages the webhook outbox holds that are due (the worker does this on every pass)."""
    from suite.risk.service import deliver_pending

    for delivery in deliver_pending(clikit.store()):
        clikit.emit(delivery.as_dict())


def register(app: typer.Typer) -> None:
    app.add_typer(risk, name="risk")
