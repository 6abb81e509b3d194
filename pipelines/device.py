"""The one device policy: CUDA when present (or asked for), else CPU; decided and logged once."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Iterator

logger = logging.getLogger(__name__)


@functools.cache
def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # torch is a hard dependency, but keep the policy importable without it
        return False
    return bool(torch.cuda.is_available())


@functools.cache
def resolve_device(preference: str | None = None) -> str:
    """Return "cuda" or "cpu".

    Args:
        preference: "auto", "cpu" or "cuda" (the caller passes `Settings.device`); None means "auto".

    A "cuda" preference on a machine without a GPU falls back to CPU with a warning rather than failing,
    so a settings file copied from a GPU host still works on a laptop.
    """
    wanted = (preference or "auto").lower()
    has_cuda = cuda_available()
    if wanted == "cpu":
        device = "cpu"
    elif wanted == "cuda" and not has_cuda:
        logger.warning("SUITE_DEVICE=cuda but no CUDA device is visible; using the CPU")
        device = "cpu"
    else:
        device = "cuda" if has_cuda else "cpu"
    logger.info("inference device: %s (asked for %s)", device, wanted)
    return device


def half_precision(device: str) -> bool:
    """fp16 only pays off (and is only supported everywhere) on CUDA."""
    return device == "cuda"


@contextlib.contextmanager
def torch_threads_kept() -> Iterator[None]:
    """Keep torch's intra-op thread count as it was across a block that loads another runtime's model.

    CTranslate2 (faster-whisper's engine) sets the process's OpenMP thread count to its `cpu_threads` when a
    model loads, and torch reads its own count from OpenMP: after the speech model loaded, torch went from 1
    thread to 2 in a warm dashboard and inspection ran 10x slower on the shared cores. Torch's count is this
    policy's to set, not a side effect of loading a model; a block that changes it gets it back. Nothing is done
    when torch is not imported yet (its count is then read fresh when it is).
    """
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        if before is not None and torch.get_num_threads() != before:
            logger.info("torch threads %d -> %d while loading a model; set back to %d", before,
                        torch.get_num_threads(), before)  # fmt: skip
            torch.set_num_threads(before)
