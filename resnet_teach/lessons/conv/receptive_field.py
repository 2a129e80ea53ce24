"""Notebook 01: the receptive field measured by PyTorch's autograd, to set beside the formula
``resnet_teach.receptive_field``."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..._checks import check_int
from ...train import fixed_threads
from ._common import quiet_torch

__all__ = ["measured_receptive_field"]


def measured_receptive_field(layers: Sequence[tuple[int, ...]]) -> int:
    """Receptive field of one output of a stack of 1-D convolutions, measured with gradients.

    ``layers``: (kernel_size, stride) or (kernel_size, stride, dilation) tuples. The stack
    gets all-ones weights; the span of input positions with a nonzero gradient of output 0
    is the receptive field. Compare with ``resnet_teach.receptive_field``, a formula.
    """
    specs = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(f"layers[{i}]={layer!r} must be (kernel_size, stride[, dilation])")
        k, s, d = (list(layer) + [1])[:3]
        specs.append((check_int(f"layers[{i}][0]", k, 1), check_int(f"layers[{i}][1]", s, 1),
                      check_int(f"layers[{i}][2]", d, 1)))
    if not specs:
        raise ValueError("layers=[] must contain at least one layer")
    length = 1  # the shortest input that still gives one output, plus room
    for k, s, d in reversed(specs):
        length = (length - 1) * s + d * (k - 1) + 1
    length += 8
    with quiet_torch():
        stack = nn.Sequential(*[nn.Conv1d(1, 1, k, s, dilation=d, bias=False) for k, s, d in specs])
        for conv in stack:
            conv.weight.fill_(1.0)
    x = torch.zeros(1, 1, length, requires_grad=True)
    with fixed_threads(1):
        stack(x)[0, 0, 0].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    return int(touched.max() - touched.min() + 1)
