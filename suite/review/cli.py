"""`suite review list|accept|reject|undo`: the review queue from the command line, for scripts and tests.

    suite review list --module risk --state new --since 7d --json
    suite review accept 3f2a... 9b1c... --reviewer alice
    suite review reject --all-matching --module support --kind thumbs --yes --reviewer alice
    suite review undo 3f2a... --reviewer alice
    suite review undo --last --reviewer alice      # the reviewer's latest batch, as the review page's Undo

Decisions by id are all or nothing: an unknown id, or an item already decided the other way (undo it first),
refuses the whole command with exit 2 and changes nothing. `--all-matching` decides on every item the filters
select and needs `--yes`; without it the command says how many items it would change, and changes none.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer

from suite import clikit
from suite.errors import InvalidInput
from suite.modules import MODULE_KEYS
from suite.review.models import STATES, Filters
from suite.store import FEEDBACK_KINDS

review_app = typer.Typer(no_args_is_help=True, help="The review queue: list feedback, accept, reject, undo.")

MAX_LIMIT = 10_000
_DAYS = re.compile(r"(\d{1,5})d")


def _filters(module: str | None, kind: str | None, state: str, since: str | None) -> Filters:
    if module is not None and module not in MODULE_KEYS:
        raise InvalidInput(f"Unknown module {module!r}; the modules are {', '.join(MODULE_KEYS)}.")
    if kind is not None and kind not in FEEDBACK_KINDS:
        raise InvalidInput(f"Unknown feedback kind {kind!r}; the kinds are {', '.join(FEEDBACK_KINDS)}.")
    if state != "all" and state not in STATES:
        raise InvalidInput(f"Unknown review state {state!r}; use one of {', '.join(STATES)} or all.")
    return Filters(module=module, kind=kind, state=None if state == "all" else state, since=_since(since))


def _since(text: str | None) -> datetime | None:
    """A date or time (ISO 8601, no zone = UTC), or "7d" for the last seven days."""
    if text is None:
        return None
    text = text.strip()
    days = _DAYS.fullmatch(text)
    if days:
        return datetime.now(UTC) - timedelta(days=int(days.group(1)))
    from suite.timestamps import parse_timestamp

    try:
        return parse_timestamp(text)[0]
    except ValueError as err:
        problem = "is outside 1970-2199" if "outside" in str(err) else "is not a date or time"
        raise InvalidInput(
            f"--since {text[:40]!r} {problem}: give a date such as 2025-01-31, a time such as 2025-01-31T09:00, "
            "or 7d for the last week."
        ) from err


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LIMIT:,}, not {limit}.")
    return limit


def _reviewer(reviewer: str | None) -> str:
    name = clikit.settings().user if reviewer is None else reviewer.strip()
    if not name:
        raise InvalidInput("--reviewer is empty: say who is reviewing.")
    return name


# Options shared by list, accept and reject (Typer needs them spelled out on each command).
_MODULE = typer.Option(None, "--module", "-m", help="Only this module's feedback.")
_KIND = typer.Option(None, "--kind", help=f"Only this kind ({', '.join(FEEDBACK_KINDS)}).")
_SINCE = typer.Option(None, "--since", help="Only feedback given since a date or time (2025-01-31), or 7d.")
_REVIEWER = typer.Option(None, "--reviewer", help="Who decides (default: SUITE_USER).")
_NOTE = typer.Option(None, "--note", help="Why, kept in the review log.")


@review_app.command("list")
@clikit.friendly
def list_(
    module: str | None = _MODULE,
    kind: str | None = _KIND,
    state: str = typer.Option("new", "--state", help=f"{', '.join(STATES)} or all."),
    since: str | None = _SINCE,
    limit: int = typer.Option(50, "--limit", help=f"At most this many items, oldest first (1-{MAX_LIMIT:,})."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per item."),
) -> None:
    """Feedback items matching the filters (default: new ones), oldest first."""
    from suite.review.queue import list_feedback

    filters, limit = _filters(module, kind, state, since), _limit(limit)
    items = list_feedback(clikit.store(), filters, limit=limit)
    for item in items:
        if as_json:
            clikit.emit(item.as_dict())
        else:
            summary = " ".join(item.summary().split())
            typer.echo(f"{item.feedback_id}  {item.module:<10} {item.kind:<11} {item.review_state:<8} "
                       f"{item.ts:%Y-%m-%d %H:%M}  {summary[:80]}")  # fmt: skip
    if not as_json:
        typer.echo(f"{len(items)} item(s)", err=True)


def _decide(
    decision: str,
    ids: list[str] | None,
    all_matching: bool,
    yes: bool,
    filters: Filters,
    reviewer: str | None,
    note: str | None,
) -> None:
    from suite.review.queue import decide, list_feedback

    name = _reviewer(reviewer)
    if ids and all_matching:
        raise InvalidInput("Give feedback ids or --all-matching, not both.")
    if not ids and not all_matching:
        raise InvalidInput(f"Name the feedback ids to {decision}, or use --all-matching with filters.")
    store = clikit.store()
    if all_matching:
        ids = [item.feedback_id for item in list_feedback(store, filters, limit=MAX_LIMIT)]
        if ids and not yes:
            raise InvalidInput(
                f"This would {decision} {len(ids)} feedback item(s); add --yes to go ahead "
                "(suite review list with the same filters shows them)."
            )
    wanted = list(dict.fromkeys(ids or []))
    changed = decide(store, wanted, decision, reviewer=name, note=note, strict=True)
    clikit.emit({"decision": decision, "changed": changed, "unchanged": len(wanted) - changed, "reviewer": name})


@review_app.command()
@clikit.friendly
def accept(
    ids: list[str] | None = typer.Argument(None, help="Feedback ids (from `suite review list`)."),
    all_matching: bool = typer.Option(False, "--all-matching", help="Every item the filters select."),
    yes: bool = typer.Option(False, "--yes", help="Confirm --all-matching."),
    module: str | None = _MODULE,
    kind: str | None = _KIND,
    since: str | None = _SINCE,
    reviewer: str | None = _REVIEWER,
    note: str | None = _NOTE,
) -> None:
    """Accept feedback for retraining (only accepted feedback is ever trained on)."""
    _decide("accept", ids, all_matching, yes, _filters(module, kind, "new", since), reviewer, note)


@review_app.command()
@clikit.friendly
def reject(
    ids: list[str] | None = typer.Argument(None, help="Feedback ids (from `suite review list`)."),
    all_matching: bool = typer.Option(False, "--all-matching", help="Every item the filters select."),
    yes: bool = typer.Option(False, "--yes", help="Confirm --all-matching."),
    module: str | None = _MODULE,
    kind: str | None = _KIND,
    since: str | None = _SINCE,
    reviewer: str | None = _REVIEWER,
    note: str | None = _NOTE,
) -> None:
    """Reject feedback: it is kept, but never trained on."""
    _decide("reject", ids, all_matching, yes, _filters(module, kind, "new", since), reviewer, note)


@review_app.command()
@clikit.friendly
def undo(
    ids: list[str] | None = typer.Argument(None, help="Feedback ids whose last decision to revert."),
    last: bool = typer.Option(False, "--last", help="Your latest batch instead (what the review page's Undo does)."),
    reviewer: str | None = _REVIEWER,
    note: str | None = _NOTE,
) -> None:
    """Revert the last decision on each item (state, reviewer and, for an edit, the value); again to go further back."""
    from suite.review.queue import undo as do_undo

    if bool(ids) == last:
        raise InvalidInput("Name the feedback ids to undo, or use --last for your latest batch (not both).")
    if last:
        from suite.review.history import undo_last

        batch = undo_last(clikit.store(), _reviewer(reviewer))
        clikit.emit({"undone": len(batch.feedback_ids), "decision": batch.decision, "ids": list(batch.feedback_ids)})
        return
    wanted = list(dict.fromkeys(ids or []))
    undone = do_undo(clikit.store(), wanted, reviewer=_reviewer(reviewer), note=note)
    clikit.emit({"undone": undone})


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
