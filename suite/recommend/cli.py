"""`suite recommend ...`: import logs and catalogs, top-k for a shopper, offline evaluation."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.progress import command_progress

sub = typer.Typer(no_args_is_help=True, help="Product recommendations for shoppers.")


@sub.command("import")
@clikit.friendly
def import_cmd(
    interactions: Path = typer.Option(
        None, "--interactions", help="CSV(.gz): user_id,item_id,timestamp[,event][,value]"
    ),
    catalog: Path = typer.Option(
        None, "--catalog", help="CSV(.gz): item_id,title,category[,description][,price][,in_stock]"
    ),
    encoding: str = typer.Option(
        None, "--encoding", help="The files' text encoding (e.g. cp1250) when detection guesses wrong."
    ),
) -> None:
    """Import a catalog and/or an interaction log as one batch: all good rows (bad ones reported), or nothing."""
    from suite.recommend.service import import_files

    if interactions is None and catalog is None:
        clikit.fail("Give --interactions CSV and/or --catalog CSV.")
    with command_progress("importing") as progress:
        reports = import_files(
            clikit.store(), catalog=catalog, interactions=interactions, encoding=encoding, progress=progress
        )
    for report in reports:
        clikit.emit(report.as_dict())


@sub.command("for-user")
@clikit.friendly
def for_user(
    user_id: str = typer.Argument(..., help="The shopper's id."),
    k: int = typer.Option(10, "--k", help="How many products."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """The top-k products for a shopper, each with a score and a reason."""
    from suite.recommend.service import recommend_for_user

    result = recommend_for_user(clikit.store(), user_id, k=k)
    if as_json:
        clikit.emit(result.as_dict())
        return
    if result.note:
        typer.echo(result.note)
    for rank, item in enumerate(result.items, start=1):
        typer.echo(f"{rank:>2}. {item.title} ({item.category})  {item.score:.3f}  {item.reason}")


@sub.command("evaluate")
@clikit.friendly
def evaluate_cmd(
    interactions: Path = typer.Option(..., "--interactions", help="Interaction log CSV(.gz)."),
    catalog: Path = typer.Option(None, "--catalog", help="Catalog CSV(.gz) (needed for content scores)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per model on stdout."),
) -> None:
    """Time-split evaluation (each shopper's last 20 % held out) of every model; one line per model."""
    from suite.recommend.service import evaluate_files

    with command_progress("evaluating") as progress:
        results = evaluate_files(clikit.settings(), interactions, catalog, progress=progress)
    for row in results:
        if as_json:
            clikit.emit(row.as_dict())
        else:
            typer.echo(
                f"{row.model:<13} recall@10 {row.recall_at_10:.4f}  ndcg@10 {row.ndcg_at_10:.4f}  "
                f"coverage {row.coverage:.3f}  train {row.train_s:.1f} s"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="recommend")
