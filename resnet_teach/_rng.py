"""Seeded blocks that leave the caller's random stream alone."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["seeded"]


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block from ``torch.manual_seed(seed)`` on a fork of PyTorch's global random state:
    afterwards the caller's stream continues as if the block had never run."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield
