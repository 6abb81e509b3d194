"""The one device policy: CUDA when present (or asked for), else CPU; decided and logged once."""

from __future__ import annotations

import functools
import logging

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
