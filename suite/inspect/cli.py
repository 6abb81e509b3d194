"""`suite inspect predict|train|evaluate|validate`: what the inspection page does, for scripts."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.inspect.models import Thresholds
from suite.progress import terminal_progress

app = typer.Typer(no_args_is_help=True, help="Visual defect inspection: check images, train and evaluate the model.")
DEFAULT = Thresholds()


def _thresholds(fail_at: float, review_band: float, per_class: list[str]) -> Thresholds:
    classes = {}
    for item in per_class:
        name, _, value = item.partition("=")
        try:
            if not name.strip():
                raise ValueError(item)
            classes[name.strip()] = float(value)
        except ValueError:
            clikit.fail(f"--flag takes CLASS=CONFIDENCE (e.g. scratch=0.6), not {item!r}")
    return Thresholds(fail_at=classes, default_fail_at=fail_at, review_band=review_band)  # InvalidInput: 0-1


@app.command()
@clikit.friendly
def predict(
    images: list[Path] = typer.Argument(..., help="Image files, folders or zips."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per image on stdout."),
    fail_at: float = typer.Option(DEFAULT.default_fail_at, help="Flag a defect when the model is this sure (0-1)."),
    review_band: float = typer.Option(DEFAULT.review_band, help="Send images this far below fail-at to a person."),
    flag: list[str] = typer.Option([], help="Per-class threshold, e.g. --flag scratch=0.6 (repeatable)."),
) -> None:
    """Check images: verdict PASS/FAIL/REVIEW and defect boxes in pixels (exit 2 if any file could not be checked)."""
    from suite.inspect.images import expand_paths
    from suite.inspect.models import FileProblem
    from suite.inspect.service import inspect_files

    thresholds = _thresholds(fail_at, review_band, flag)
    store = clikit.store()
    checked = failures = 0
    first = ""
    for item in inspect_files(store, expand_paths(images), thresholds=thresholds):
        if isinstance(item, FileProblem):
            failures += 1
            first = first or f"{item.name}: {item.message}"
            if as_json:
                clikit.emit({"image": item.name, "error": item.message})
            else:
                typer.echo(f"ERROR  {item.name}: {item.message}")
            continue
        checked += 1
        if as_json:
            clikit.emit(item.as_dict())
        else:
            found = ", ".join(f"{d.class_name} {d.confidence:.0%}" for d in item.shown_defects()) or "no defects"
            typer.echo(f"{item.verdict:<6} {item.image_name}: {found}")
    if failures:
        clikit.fail(f"{failures} of {checked + failures} file(s) could not be checked; the first: {first}")


@app.command()
@clikit.friendly
def train(
    data: Path = typer.Option(..., "--data", help="data.yaml of a YOLO data set (or a folder/zip to import)."),
    epochs: int | None = typer.Option(
        None, help="A fixed number of epochs (default: stop at the time budget or when mAP50 stops improving)."
    ),
    imgsz: int | None = typer.Option(
        None, help="Training image size in pixels (default: the photos' median side, a multiple of 32, up to 640)."
    ),
    time_budget_min: float | None = typer.Option(
        None, "--time-budget-min", help="Stop training after this many minutes (default 20 without --epochs)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the new version and its metrics as JSON."),
) -> None:
    """Train a new model version on labelled images (a job, under the same lock as the worker), starting from the
    serving model's weights; it serves only if the promotion rule lets it (never under mAP50 0.30)."""
    from suite.inspect.service import check_dataset, check_training_sizes, train_now, training_advice, training_plan

    check_training_sizes(epochs, imgsz, time_budget_min)  # before a folder or zip is copied in
    store = clikit.store()
    report = check_dataset(store.settings, data)
    report.raise_if_bad()
    plan = training_plan(report.data_yaml, epochs=epochs, imgsz=imgsz, time_budget_min=time_budget_min)
    typer.echo(plan.describe(), err=as_json)
    with terminal_progress("training") as progress:
        result = train_now(
            store,
            report.data_yaml,
            epochs=epochs,
            imgsz=imgsz,
            time_budget_min=time_budget_min,
            progress=progress,
        )
    refusal = next((reason for reason in result.gate_reasons if reason.startswith("not good enough")), None)
    if as_json:
        clikit.emit({**result.as_dict(), "good_enough": refusal is None})
    else:
        typer.echo(f"{result.version} ({result.status}): mAP50 {result.metrics.map50:.3f}")
    if refusal is not None:  # the serving model stays; say so plainly, and what would help
        typer.echo(
            f"Not good enough to serve: {refusal.split(': ', 1)[-1]}. {training_advice(result, report.data_yaml)}",
            err=as_json,
        )


@app.command()
@clikit.friendly
def evaluate(
    data: Path = typer.Option(..., "--data", help="data.yaml of a YOLO data set."),
    split: str = typer.Option("test", help="Which split to score."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """Score the serving model on a labelled split (mAP50, mAP50-95, precision, recall, per-class AP)."""
    from suite.inspect.service import evaluate_model

    result = evaluate_model(clikit.settings(), data, split=split)
    if as_json:
        clikit.emit(result.as_dict())
    else:
        typer.echo(f"{result.version} on {split}: mAP50 {result.metrics.map50:.3f}")


@app.command("validate")
@clikit.friendly
def validate_cmd(data: Path = typer.Argument(..., help="data.yaml, a folder or a zip.")) -> None:
    """List the problems of a training set by file and line (exit 2 if any blocks training)."""
    from suite.inspect.service import check_dataset

    report = check_dataset(clikit.settings(), data)
    for problem in report.problems:
        clikit.emit(problem.as_dict())
    clikit.emit({"ok": report.ok, "images": report.images, "boxes": report.boxes, "data_yaml": report.data_yaml})
    if not report.ok:
        first = report.errors[0] if report.errors else "no usable training data was found"
        clikit.fail(f"{len(report.errors)} problem(s) block training; the first: {first}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="inspect")
