"""What the notebook 01 lessons share: a quiet PyTorch for tiny layers, PyTorch's first line of an error."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from ...train import fixed_threads

__all__ = ["quiet_torch", "first_line"]


@contextmanager
def quiet_torch() -> Iterator[None]:
    """No autograd, one thread (tiny tensors: extra threads only cost time), and the caller's
    random stream left as it was (building a layer draws its initial weights)."""
    with torch.no_grad(), fixed_threads(1), torch.random.fork_rng(devices=[]):
        yield


def first_line(exc: BaseException) -> str:
    """PyTorch's own words, without the C++ stack some of its errors carry."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
