"""Notebook 01: padding modes (zeros, reflect, replicate, circular), each done three ways:
``F.pad``, ``nn.Conv2d(padding_mode=...)`` and ``resnet_teach.scratch_pad``."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..._checks import check_choice, check_int
from ...arithmetic import PADDING_MODES
from ...data import sample_photo
from ...scratch import scratch_pad
from ...train import fixed_threads
from ._common import first_line, quiet_torch

__all__ = ["PaddedInput", "matrix_1_to_16", "small_photo", "pad_with_mode", "torch_pad_mode"]


def matrix_1_to_16() -> Tensor:
    """The 4x4 matrix 1..16 as a (1, 1, 4, 4) float tensor: every border value is different."""
    return torch.arange(1.0, 17.0).view(1, 1, 4, 4)


@lru_cache(maxsize=1)
def _small_photo() -> Tensor:
    with fixed_threads(1):
        return sample_photo(gray=True, size=48)


def small_photo() -> Tensor:
    """scikit-learn's china.jpg in gray, 48 pixels high: (1, 1, 48, 72) in [0, 1]."""
    return _small_photo().clone()


@dataclass(frozen=True)
class PaddedInput:
    """One input padded with one mode, by F.pad, and whether the other two routes agree."""

    mode: str  # nn.Conv2d's name for it: zeros, reflect, replicate, circular
    pad: int
    original: Tensor  # (1, C, H, W)
    padded: Tensor  # (1, C, H + 2 pad, W + 2 pad), from F.pad
    call: str  # the F.pad call that made it
    scratch_matches: bool  # resnet_teach.scratch_pad gives the same tensor
    conv_matches: bool  # an identity 1x1 nn.Conv2d(padding=pad, padding_mode=mode) gives the same


def torch_pad_mode(mode: str) -> str:
    """F.pad's name for a padding mode: nn.Conv2d says "zeros", F.pad says "constant"."""
    mode = check_choice("mode", mode, PADDING_MODES)
    return "constant" if mode == "zeros" else mode


def _identity_conv(channels: int, pad: int, mode: str) -> nn.Conv2d:
    """A 1x1 convolution that copies its input: its output is exactly the padded input."""
    conv = nn.Conv2d(channels, channels, 1, padding=pad, padding_mode=mode, groups=channels, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    return conv


def pad_with_mode(x: Tensor, pad: int, mode: str) -> PaddedInput:
    """Pad all four sides of ``x`` (N, C, H, W) by ``pad`` with ``mode``, three ways.

    A pad the mode cannot do (reflect needs pad < size, circular pad <= size) raises a
    ``ValueError`` that quotes PyTorch's refusal beside ours.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 4:
        raise ValueError(f"x.shape={tuple(x.shape)} must be (N, C, H, W)")
    pad = check_int("pad", pad, 0)
    torch_mode = torch_pad_mode(mode)
    call = (f"F.pad(x, ({pad}, {pad}, {pad}, {pad}))" if torch_mode == "constant"
            else f"F.pad(x, ({pad}, {pad}, {pad}, {pad}), mode={torch_mode!r})")
    with quiet_torch():
        try:
            ours = scratch_pad(x, pad, mode)
        except ValueError as exc:
            try:
                F.pad(x, (pad,) * 4, mode=torch_mode)
                said = "(yet PyTorch accepted it)"
            except (RuntimeError, ValueError, NotImplementedError) as torch_exc:
                said = f"PyTorch refuses too: {first_line(torch_exc)}"
            raise ValueError(f"{exc}. {said}") from None
        padded = F.pad(x, (pad,) * 4, mode=torch_mode)
        via_conv = _identity_conv(x.shape[1], pad, mode)(x)
    return PaddedInput(mode, pad, x, padded, call, bool(torch.equal(ours, padded)),
                       bool(torch.equal(via_conv, padded)))
