"""Inspect images: boxes from the serving detector, a verdict per image, each result kept in the store."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image

from suite.errors import InvalidInput, SuiteError
from suite.inspect.images import is_image_name, load_image
from suite.inspect.models import MODULE, get_detector
from suite.inspect.verdicts import Thresholds, box_status, verdict
from suite.progress import Progress, no_progress
from suite.store import Store, new_id, now, to_json
from suite.tracking import track

logger = logging.getLogger(__name__)


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
        return [d for d in self.defects if d.status != "PASS"]

    def as_json(self) -> dict:
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


def inspect_image(
    store: Store,
    source: str | Path | bytes,
    *,
    name: str | None = None,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    options=None,
) -> Inspection:
    """Check one image and record the result. Raises InvalidInput for unreadable images."""
    settings = store.settings
    thresholds = thresholds or Thresholds()
    name = name or (Path(source).name if not isinstance(source, bytes) else "upload")
    with track(store, module=MODULE, action="inspect", user=user, input_summary=name) as call:
        image = load_image(source, name)
        detector = get_detector(settings)
        result = detector.detect(image, options)
        call.record(result)
        result_id = new_id()
        path = _keep_copy(settings.module_dir(MODULE) / "images", result_id, image)
        defects = [
            Defect(
                i,
                d.class_name,
                d.confidence,
                [round(v, 1) for v in d.box],
                box_status(d.class_name, d.confidence, thresholds),
            )
            for i, d in enumerate(result.detections)
        ]
        outcome = verdict([(d.class_name, d.confidence) for d in defects], thresholds)
        inspection = Inspection(
            result_id=result_id,
            request_id=call.request_id,
            image_name=name,
            image_path=str(path),
            width=result.width,
            height=result.height,
            verdict=outcome,
            defects=defects,
            model_name=result.model_name,
            model_version=result.model_version,
            device=result.device,
            tiled=result.tiled,
            tiles=result.tiles,
            elapsed_ms=result.elapsed_ms,
            thresholds=thresholds.as_dict(),
        )
        call.output = {"verdict": outcome, "defects": len(inspection.shown_defects()), "tiled": result.tiled}
    store.journal_row(
        "inspect_results",
        {
            "result_id": result_id,
            "request_id": inspection.request_id,
            "ts": now().isoformat(),
            "user": user or settings.user,
            "image_name": name,
            "image_path": str(path),
            "width": inspection.width,
            "height": inspection.height,
            "verdict": outcome,
            "defects": to_json([asdict(d) for d in defects]),
            "thresholds": to_json(inspection.thresholds),
            "model_version": inspection.model_version,
            "tiled": inspection.tiled,
        },
    )
    return inspection


def _keep_copy(folder: Path, result_id: str, image: Image.Image) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if image.width * image.height <= 2_000_000:
        path = folder / f"{result_id}.png"
        image.save(path, compress_level=1)
    else:  # a lossless copy of a 100-megapixel photo would be hundreds of MB
        path = folder / f"{result_id}.jpg"
        image.save(path, quality=92)
    return path


def expand_uploads(items: Iterable[tuple[str, bytes | Path]]) -> Iterator[tuple[str, bytes | Path]]:
    """Images as (name, data), with zips opened; an empty zip or a zip of non-images raises InvalidInput."""
    for name, data in items:
        if not name.lower().endswith(".zip"):
            yield name, data
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        except zipfile.BadZipFile as err:
            raise InvalidInput(f"{name} is not a readable zip file.") from err
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir() and is_image_name(m.filename)]
            members = [m for m in members if not Path(m.filename).name.startswith(".")]
            if not members:
                raise InvalidInput(f"{name} contains no images (JPEG, PNG, TIFF, BMP or WebP).")
            for member in members:
                yield f"{name}/{member.filename}", archive.read(member)


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """Files, folders (their images, sorted) and zips given on the command line."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [(str(p), p) for p in sorted(path.rglob("*")) if p.is_file() and is_image_name(p.name)]
        elif path.exists():
            found.append((str(path), path))
        else:
            raise InvalidInput(f"{path} does not exist.")
    if not found:
        raise InvalidInput("No images found in what was given.")
    return found


def inspect_many(
    store: Store,
    items: Iterable[tuple[str, bytes | Path]],
    *,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    progress: Progress = no_progress,
) -> tuple[list[Inspection], list[tuple[str, str]]]:
    """Inspect uploads (zips expanded). One bad file does not stop the rest: returns (results, problems)."""
    files = list(expand_uploads(items))
    results, problems = [], []
    for done, (name, data) in enumerate(files):
        progress(done, len(files), name)
        try:
            results.append(inspect_image(store, data, name=name, thresholds=thresholds, user=user))
        except SuiteError as err:
            problems.append((name, str(err)))
    progress(len(files), len(files), "done")
    return results, problems


def get_result(store: Store, result_id: str) -> Inspection:
    """A stored inspection, as it was recorded."""
    rows = store.query("SELECT * FROM inspect_results WHERE result_id = ?", [result_id])
    if not rows:
        store.flush(wait_s=2.0)
        rows = store.query("SELECT * FROM inspect_results WHERE result_id = ?", [result_id])
    if not rows:
        from suite.errors import NotFound

        raise NotFound(f"There is no inspection {result_id!r}.")
    row = rows[0]
    defects = [Defect(**d) for d in json.loads(row["defects"] or "[]")]
    return Inspection(
        result_id=row["result_id"],
        request_id=row["request_id"],
        image_name=row["image_name"],
        image_path=row["image_path"],
        width=row["width"],
        height=row["height"],
        verdict=row["verdict"],
        defects=defects,
        model_name="",
        model_version=row["model_version"],
        device="",
        tiled=bool(row["tiled"]),
        thresholds=json.loads(row["thresholds"] or "{}"),
    )
