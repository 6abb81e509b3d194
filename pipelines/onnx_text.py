"""A sentence-transformers embedder exported once to ONNX and run on the CPU by OpenVINO / ONNX Runtime.

`export_embedder` writes `model.onnx` (the transformer, mean pooling and L2 normalisation in one graph; with
`quantize=True` also `model.int8.onnx`, dynamic int8 weights per channel, run by ONNX Runtime) and
the model's `tokenizer.json` into a folder, after checking that the exported graph gives the same vectors as
PyTorch (cosine >= `MIN_COSINE` on sentences of mixed lengths in one padded batch). `OnnxEmbedder` then
tokenises with the Rust `tokenizers` library, sorts texts by length so batches carry little padding, and
returns the same L2-normalised float32 vectors as `pipelines.embedder.TextEmbedder` (same `Embedder` protocol).

Example:
    >>> folder = export_dir(models_dir, bundled_model_path(), "bundled-0.1.0")  # the one folder for these weights
    >>> folder = export_embedder(bundled_model_path(), folder, version="bundled-0.1.0")
    >>> load_onnx_embedder(folder).embed(["Profit warning sends shares lower"]).shape
    (1, 384)
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.loading import load_once
from pipelines.onnx_runtime import OnnxModel

logger = logging.getLogger(__name__)

MIN_COSINE = 0.999  # an export whose vectors stray further from PyTorch's is not used
MIN_COSINE_INT8 = 0.97  # int8 weights move vectors more (0.986 worst case on headlines, 0.992 on average)
FP32_FILE, INT8_FILE = "model.onnx", "model.int8.onnx"
SMALL_CALL = 4  # batches of at most this many texts run on one thread
_CHECK_TEXTS = (
    "Profit warning sends shares to record low",
    "Regulator opens probe into accounting at the lender after a whistleblower complaint was filed last week",
    "Shares steady",
    "Board approves buyback; dividend raised 10% as quarterly revenue beats analyst estimates by a wide margin",
    "CEO resigns",
)
_export_lock = threading.Lock()


def export_name(name: str, version: str) -> str:
    """A folder name for the export of model `name` at `version` (letters, digits, dot, dash)."""
    raw = f"{name}-{version}"
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in raw)[:120]


def export_dir(models_dir: str | Path, model_path: str | Path, version: str) -> Path:
    """The one folder under `models_dir`/onnx/ for the export of the model in `model_path` at `version`.

    Every caller that exports the same weights gets the same folder (support's and risk's MiniLM share one
    export of ~90 MB): the name is the model's folder and version, plus a short hash of the resolved path and
    the weight files' sizes and times, so a retrained copy or reinstalled package under an old version name
    is exported again instead of being served the old graph.
    """
    path = Path(model_path).resolve()
    label = path.name if path.name not in ("model", "embedder") else f"{path.parent.name}-{path.name}"
    weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")) if path.is_dir() else []
    stamp = "|".join([str(path), *(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in weights)])
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:10]
    return Path(models_dir) / "onnx" / export_name(label, f"{version}-{digest}")


def _mean_pooling(model_path: Path) -> bool:
    """True when the sentence-transformers folder is a transformer + mean pooling (+ normalise): what we export."""
    modules_file = model_path / "modules.json"
    if not modules_file.exists():
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in json.loads(modules_file.read_text())]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
        return False
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    flags = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    return flags == ["pooling_mode_mean_tokens"]


def export_embedder(
    model_path: str | Path, out_dir: str | Path, *, version: str, name: str | None = None, quantize: bool = False
) -> Path | None:
    """Export the sentence-transformers model in `model_path` to `out_dir` (skipped when already there).

    Returns the folder, or None when this model cannot be exported faithfully (another pooling, no
    tokenizer.json, vectors that differ from PyTorch's): callers then keep the PyTorch embedder. With
    `quantize`, the folder also holds `model.int8.onnx` (checked against `MIN_COSINE_INT8`).
    """
    model_path, out_dir = Path(model_path), Path(out_dir)
    with _export_lock:
        if (out_dir / "export.json").exists() and (not quantize or (out_dir / INT8_FILE).exists()):
            return out_dir
        if not _mean_pooling(model_path) or not (model_path / "tokenizer.json").exists():
            logger.info("not exporting %s: only mean-pooled models with a tokenizer.json are exported", model_path)
            return None
        tmp = out_dir.with_name(f"{out_dir.name}.tmp{os.getpid()}")  # processes exporting at once stay apart
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            reference, max_length = _export_graph(model_path, tmp / FP32_FILE)
            shutil.copyfile(model_path / "tokenizer.json", tmp / "tokenizer.json")
            meta: dict = {
                "name": name or model_path.name,
                "source": str(model_path),
                "version": version,
                "max_length": max_length,
            }
            (tmp / "export.json").write_text(json.dumps(meta, indent=2))
            checks = [(False, MIN_COSINE)]
            if quantize:
                _quantize(tmp / FP32_FILE, tmp / INT8_FILE)
                checks.append((True, MIN_COSINE_INT8))
            for int8, floor in checks:
                embedder = OnnxEmbedder(tmp, model_name=model_path.name, model_version=version, int8=int8)
                cosine = float(np.min(np.sum(embedder.embed(list(_CHECK_TEXTS)) * reference, axis=1)))
                if cosine < floor:
                    logger.warning("ONNX export of %s differs from PyTorch (cosine %.5f); not used", model_path, cosine)
                    return None
                meta["check_cosine_int8" if int8 else "check_cosine"] = round(cosine, 6)
            (tmp / "export.json").write_text(json.dumps(meta, indent=2))
            shutil.rmtree(out_dir, ignore_errors=True)  # an earlier, incomplete export (no export.json)
            try:
                tmp.rename(out_dir)
            except OSError:  # another process finished first: keep its export
                if not (out_dir / "export.json").exists():
                    raise
            logger.info("exported %s to %s (%s)", model_path.name, out_dir, meta)
            return out_dir
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 weights, one scale per output channel (per tensor loses far more: cosine 0.94 vs 0.986)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.INFO)  # the quantizer logs every tensor on the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)


def _export_graph(model_path: Path, target: Path) -> tuple[np.ndarray, int]:
    """Trace transformer + mean pooling + normalise to ONNX; returns PyTorch's vectors of _CHECK_TEXTS."""
    import torch
    from sentence_transformers import SentenceTransformer

    st_model = SentenceTransformer(str(model_path), device="cpu")
    reference = st_model.encode(
        list(_CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    transformer = st_model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: D102
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {"batch": 0, "tokens": 1}
    dynamic = {
        name: {i: axis for axis, i in axes.items()} for name in ("input_ids", "attention_mask", "token_type_ids")
    }
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python control flow it fixed at trace time
        torch.onnx.export(
            Pooled(),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={**dynamic, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return np.asarray(reference, dtype=np.float32), int(st_model.max_seq_length or 256)


@dataclass
class OnnxEmbedder:
    """The exported embedder: same vectors as the PyTorch one, 3-4x faster on a CPU (see pipelines.onnx_runtime)."""

    folder: Path
    model_name: str = ""
    model_version: str = ""
    device: str = "cpu"
    runtime: str = "auto"
    int8: bool = False  # the int8 file, always on ONNX Runtime (OpenVINO runs the float graph in bf16 instead)
    _model: OnnxModel | None = field(default=None, init=False, repr=False)
    _single: OnnxModel | None = field(default=None, init=False, repr=False)  # one thread, for calls of a few texts
    _tokenizer: object = field(default=None, init=False, repr=False)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from tokenizers import Tokenizer

        meta = json.loads((Path(self.folder) / "export.json").read_text())
        tokenizer = Tokenizer.from_file(str(Path(self.folder) / "tokenizer.json"))
        tokenizer.enable_truncation(int(meta.get("max_length", 256)))
        tokenizer.no_padding()  # padded per batch below, to the batch's longest text
        self._tokenizer = tokenizer
        path, runtime = (INT8_FILE, "onnxruntime") if self.int8 else (FP32_FILE, self.runtime)
        self._model = OnnxModel(Path(self.folder) / path, runtime=runtime)
        self.runtime = self._model.runtime
        if self._model.threads > 1:
            # A headline or a question is too small to share between cores: a second thread only waits for the
            # first (2.6 ms CPU on one thread against 6-7 ms on two, measured on 2 cores).
            self._single = OnnxModel(Path(self.folder) / path, runtime=self.runtime, threads=1)

    @property
    def backend(self) -> str:
        self.warm_up()
        return "onnxruntime-int8" if self.int8 else self._model.name  # type: ignore[union-attr]

    @functools.cached_property
    def dimension(self) -> int:
        return int(self.embed(["a"]).shape[1])

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts, shortest first in batches of `batch_size`; (n, dimension) float32, unit-length rows."""
        self.warm_up()
        texts = [str(t).strip() for t in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)  # type: ignore[union-attr]
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(order), max(1, batch_size)):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            model = self._single if self._single is not None and len(rows) <= SMALL_CALL else self._model
            vectors = model.run(  # type: ignore[union-attr]
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out  # type: ignore[return-value]


def load_onnx_embedder(folder: str | Path, *, runtime: str = "auto", int8: bool = False) -> OnnxEmbedder:
    """The process-wide exported embedder in `folder` (see `export_embedder`)."""
    folder = Path(folder).resolve()
    meta = json.loads((folder / "export.json").read_text())
    name = str(meta.get("name") or folder.name)

    def build() -> OnnxEmbedder:
        version = f"{meta.get('version', '')}+onnx{'-int8' if int8 else ''}"
        embedder = OnnxEmbedder(folder, model_name=name, model_version=version, runtime=runtime, int8=int8)
        embedder.warm_up()
        return embedder

    return load_once(("onnx-embedder", str(folder), runtime, int8), build, slot=("onnx-embedder", str(folder), int8))


def load_fast_embedder(name_or_path: str | None, device: str | None, models_dir: str | Path):
    """The text embedder to serve with: on the CPU the ONNX export of the model, else the PyTorch model.

    The export is made once under `models_dir`/onnx/ (the same folder support and risk use for the same
    weights, see `export_dir`) and PyTorch is not even loaded once it is there. On a GPU, for a hub name, when
    no ONNX runtime is installed or when the export is not faithful, `pipelines.embedder.load_embedder` serves.
    Decided once per process and export name (weights and version, see `export_dir`), not per folder: another
    SUITE_HOME holding the same export (a copied home, a test's) is served by the model already compiled, and
    a failed export is not retried on every call.
    """
    from pipelines.device import resolve_device
    from pipelines.embedder import embedder_source, load_embedder
    from pipelines.onnx_runtime import available_runtime

    device = resolve_device(device)
    path, _, version = embedder_source(name_or_path)
    if device != "cpu" or path is None or available_runtime() is None:
        return load_embedder(name_or_path, device)
    folder = export_dir(models_dir, path, version)

    def build():
        try:
            exported = export_embedder(path, folder, version=version)
            return None if exported is None else load_onnx_embedder(exported)
        except Exception as err:  # noqa: BLE001 - a failed export or runtime leaves the PyTorch model serving
            logger.warning("the ONNX export of %s is not available (%s); using PyTorch", path, err)
            return None

    fast = load_once(("fast-embedder", folder.name), build)
    return fast if fast is not None else load_embedder(name_or_path, device)
