"""What the inspection module hands to pages, the CLI and the API: typed inputs, results and errors.

Every result has `as_dict()` (what `--json` prints). Nothing heavy is imported here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from suite.errors import InvalidInput
from suite.jobs.control import JobCancelled

MODULE = "inspect"
CLASSES = ("scratch", "pit", "crack", "stain")  # the defect types the default model knows
PASS, FAIL, REVIEW = "PASS", "FAIL", "REVIEW"
MIN_EPOCHS, MAX_EPOCHS = 1, 500  # what one training on uploaded data may ask for


class TrainingCancelledError(JobCancelled):
    """The user stopped the training; nothing was registered and the serving model is unchanged."""


class DatasetProblems(InvalidInput):
    """Training data that cannot be used as it is (the message lists the problems by file and line)."""


# ---- inputs ------------------------------------------------------------------------------------------------


def plural(class_name: str) -> str:
    return class_name + ("es" if class_name.endswith(("ch", "sh", "s")) else "s")


@dataclass(frozen=True)
class Thresholds:
    """`fail_at[class]`: flag that class when the model is at least this sure (0-1).

    Boxes between `fail_at - review_band` and `fail_at` send the image to a person (REVIEW) instead of
    passing it silently; below that they are ignored.
    """

    fail_at: dict[str, float] = field(default_factory=dict)
    # chosen on the sample val split by suite.inspect.thresholds.choose (escapes <= 2 %, false fails <= 10 %):
    # FAIL from 25 %, REVIEW from the detector's 10 % floor; was 50 % / 25 %, which let 10 % of defects PASS
    default_fail_at: float = 0.25
    review_band: float = 0.15

    def __post_init__(self) -> None:
        """Raises InvalidInput for a confidence outside 0-1 (or not a number), naming it."""
        for what, value in [("the fail-at confidence", self.default_fail_at), ("the review band", self.review_band)] + [
            (f"the {name} threshold", value) for name, value in self.fail_at.items()
        ]:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise InvalidInput(f"{what[0].upper()}{what[1:]} must be a number between 0 and 1, not {value!r}.")

    def fail_threshold(self, class_name: str) -> float:
        return self.fail_at.get(class_name, self.default_fail_at)

    def review_threshold(self, class_name: str) -> float:
        return max(0.05, self.fail_threshold(class_name) - self.review_band)

    def describe(self, class_name: str) -> str:
        return (
            f"Flag {plural(class_name)} when the model is at least {self.fail_threshold(class_name):.0%} sure; "
            f"ask a person between {self.review_threshold(class_name):.0%} and {self.fail_threshold(class_name):.0%}."
        )

    def as_dict(self) -> dict[str, Any]:
        return {"fail_at": dict(self.fail_at), "default_fail_at": self.default_fail_at, "review_band": self.review_band}


# ---- inspections -------------------------------------------------------------------------------------------


@dataclass
class Defect:
    index: int
    class_name: str
    confidence: float
    box: list[float]  # x1, y1, x2, y2 in pixels of the upright image
    status: str  # FAIL (counts as a defect), REVIEW (uncertain), PASS (below the review floor, shown greyed)

    @property
    def size(self) -> str:
        return f"{self.box[2] - self.box[0]:.0f} x {self.box[3] - self.box[1]:.0f} px"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Inspection:
    result_id: str
    request_id: str
    image_name: str
    image_path: str  # the upright RGB copy kept under SUITE_HOME (boxes refer to it)
    width: int
    height: int
    verdict: str
    defects: list[Defect]
    model_name: str
    model_version: str
    device: str
    tiled: bool = False
    tiles: int = 1
    elapsed_ms: float = 0.0
    thresholds: dict = field(default_factory=dict)

    def shown_defects(self) -> list[Defect]:
        """The boxes that matter for the verdict (sure or uncertain), most confident first."""
        return [d for d in self.defects if d.status != PASS]

    @property
    def top_confidence(self) -> float:
        """The most confident box of any status (0 when the model saw nothing): a drift signal."""
        return max((d.confidence for d in self.defects), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        """What `suite inspect predict --json` prints for the image."""
        return {
            "image": self.image_name,
            "verdict": self.verdict,
            "defects": [
                {"class": d.class_name, "confidence": round(d.confidence, 4), "box": [round(v, 1) for v in d.box]}
                for d in self.shown_defects()
            ],
            "model_version": self.model_version,
            "result_id": self.result_id,
        }


@dataclass(frozen=True)
class FileProblem:
    """One uploaded file that could not be checked, and why."""

    name: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Batch:
    """A batch of uploads: the inspections, and the files that could not be checked (one does not stop the rest)."""

    results: list[Inspection] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    def verdict_counts(self) -> VerdictCounts:
        verdicts = [r.verdict for r in self.results]
        return VerdictCounts(verdicts.count(PASS), verdicts.count(REVIEW), verdicts.count(FAIL))

    def as_dict(self) -> dict[str, Any]:
        return {"results": [r.as_dict() for r in self.results], "problems": [p.as_dict() for p in self.problems]}


@dataclass(frozen=True)
class VerdictCounts:
    passed: int = 0
    review: int = 0
    failed: int = 0

    def of(self, verdict: str) -> int:
        return {PASS: self.passed, REVIEW: self.review, FAIL: self.failed}.get(verdict, 0)

    def as_dict(self) -> dict[str, int]:
        return {PASS: self.passed, REVIEW: self.review, FAIL: self.failed}


# ---- training data -----------------------------------------------------------------------------------------


@dataclass
class Problem:
    file: str
    line: int | None
    message: str
    severity: str = "error"  # "error" blocks training; "warning" does not

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return " ".join(f"{self.severity.upper()} {where}: {self.message}".split())  # one line, always

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DatasetReport:
    data_yaml: Path | None
    classes: list[str] = field(default_factory=list)
    images: dict[str, int] = field(default_factory=dict)  # split -> count
    boxes: dict[str, int] = field(default_factory=dict)  # class -> count
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.data_yaml is not None and not self.errors

    def raise_if_bad(self) -> None:
        """Raises DatasetProblems naming the errors on one line, the first one first (at most 20 listed)."""
        if not self.ok:
            if self.data_yaml is None and not self.errors:
                raise DatasetProblems("No usable training data was found.")
            listed = "; ".join(str(p) for p in self.errors[:20])
            more = f"; ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
            raise DatasetProblems(f"Fix {len(self.errors)} problem(s) in the training data first: {listed}{more}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "data_yaml": str(self.data_yaml) if self.data_yaml else None,
            "classes": list(self.classes),
            "images": dict(self.images),
            "boxes": dict(self.boxes),
            "problems": [p.as_dict() for p in self.problems],
        }


# ---- training and evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Detection scores of one model on one split."""

    map50: float
    map50_95: float
    precision: float
    recall: float
    per_class_ap50: dict[str, float] = field(default_factory=dict)
    per_class_ap50_95: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, metrics: dict[str, Any]) -> Scores:
        return cls(
            map50=float(metrics["map50"]),
            map50_95=float(metrics["map50_95"]),
            precision=float(metrics["precision"]),
            recall=float(metrics["recall"]),
            per_class_ap50=dict(metrics.get("per_class_ap50") or {}),
            per_class_ap50_95=dict(metrics.get("per_class_ap50_95") or {}),
        )

    def flat(self) -> dict[str, float]:
        """The numbers the registry's gate compares (per-class AP50 as `ap50_<class>`)."""
        flat = {"map50": self.map50, "map50_95": self.map50_95, "precision": self.precision, "recall": self.recall}
        flat.update({f"ap50_{name}": float(v) for name, v in self.per_class_ap50.items()})
        return flat

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EpochRow:
    """One finished training epoch, as the page's chart shows it."""

    epoch: int
    epochs: int
    loss: float
    map50: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Miss:
    """A labelled defect on a test image that the new model did not box (same class, IoU >= 0.3)."""

    image: str
    class_name: str
    box: list[float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainingJob:
    """A training on uploaded data, as the jobs table has it now: where it is, and how it is going."""

    job_id: str
    state: str  # queued / running / succeeded / failed / cancelled
    stage: str | None  # queued, starting, preparing, training, evaluating, or the final state
    epoch: int | None  # the last finished epoch
    epochs: int | None
    progress: float
    history: list[EpochRow]
    requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested: bool
    error: str | None
    version: str | None  # the version it made, once it succeeded

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "history": [row.as_dict() for row in self.history]}


@dataclass(frozen=True)
class TrainingResult:
    """A finished training on uploaded data: the version it made and how it scored against the serving model."""

    job_id: str
    version: str
    status: str  # registry status: challenger / rejected / champion
    metrics: Scores
    champion_metrics: Scores | None  # None when the classes differ from the serving model's
    champion_version: str | None
    history: list[EpochRow] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)  # test images where a labelled defect was not found
    seconds: float = 0.0
    gate_reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "metrics": self.metrics.as_dict(),
            "champion_metrics": self.champion_metrics.as_dict() if self.champion_metrics else None,
        }


@dataclass(frozen=True)
class TrainingRun:
    """One row of the "recent training runs" table."""

    run_id: str
    started_at: datetime | None
    finished_at: datetime | None
    state: str
    epochs: int | None
    version: str | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    """The serving model scored on a labelled split."""

    version: str
    split: str
    metrics: Scores

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "split": self.split, "metrics": self.metrics.as_dict()}


@dataclass(frozen=True)
class WaitingInspection:
    """A photo the model sent to a person (verdict REVIEW) whose boxes nobody has reviewed yet."""

    result_id: str
    ts: datetime
    image_name: str
    user: str | None
    uncertain: int  # boxes between sure and ignored, for a person to decide
    image_path: str = ""  # the kept copy the boxes refer to
    boxes: list[Defect] = field(default_factory=list)  # the uncertain ones

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
