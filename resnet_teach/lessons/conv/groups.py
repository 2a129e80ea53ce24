"""Notebook 01: grouped convolutions, from dense (groups=1) to depthwise: weight shape,
parameters and multiply-adds, read from PyTorch's own layer."""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..._checks import check_bool, check_int
from ...arithmetic import conv_output_size
from ...trace import count_macs, count_parameters
from ._common import first_line, quiet_torch

__all__ = ["GroupsFacts", "groups_facts", "groups_table", "divisors"]


@dataclass(frozen=True)
class GroupsFacts:
    """Weight shape, parameters and multiply-adds of one (grouped) nn.Conv2d, read from PyTorch."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: int
    size: int  # the input is (1, in_channels, size, size); padding k//2 keeps odd kernels 'same'
    weight_shape: tuple[int, int, int, int]  # nn.Conv2d(...).weight.shape
    parameters: int  # count_parameters: weight + bias
    macs: int  # count_macs: multiply-adds of one forward pass
    dense_parameters: int  # the same layer with groups=1
    dense_macs: int
    bias: bool = True  # ResNet's convolutions have none (bias=False: a BN follows)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @property
    def kind(self) -> str:
        if self.groups == 1:
            return "dense"
        if self.groups == self.in_channels:
            return "depthwise"
        return "grouped"

    @property
    def output_size(self) -> int:
        return conv_output_size(self.size, self.kernel_size, 1, self.kernel_size // 2)

    @property
    def formula_parameters(self) -> int:
        """out · (in/groups) · k · k weights, + out biases if the layer has them."""
        weights = self.out_channels * self.in_per_group * self.kernel_size ** 2
        return weights + (self.out_channels if self.bias else 0)


def _check_groups(in_channels: int, out_channels: int, groups: int) -> tuple[int, int, int]:
    in_channels = check_int("in_channels", in_channels, 1)
    out_channels = check_int("out_channels", out_channels, 1)
    groups = check_int("groups", groups, 1)
    problems = [f"groups={groups} must divide {name}={value} ({value}/{groups} is not a whole "
                f"number of channels per group)"
                for name, value in (("in_channels", in_channels), ("out_channels", out_channels))
                if value % groups]
    if problems:
        try:
            with quiet_torch():
                nn.Conv2d(in_channels, out_channels, 1, groups=groups)
            said = "(yet PyTorch accepted it)"
        except ValueError as exc:
            said = f"PyTorch refuses too: {first_line(exc)}"
        raise ValueError("; ".join(problems) + f". {said}")
    return in_channels, out_channels, groups


def groups_facts(in_channels: int, out_channels: int, groups: int, kernel_size: int = 3,
                 size: int = 16, bias: bool = True) -> GroupsFacts:
    """Build ``nn.Conv2d(in, out, k, padding=k//2, groups=groups, bias=bias)`` and read its facts.

    Channels that ``groups`` does not divide raise ``ValueError`` (PyTorch's rule, in words).
    """
    in_channels, out_channels, groups = _check_groups(in_channels, out_channels, groups)
    kernel_size = check_int("kernel_size", kernel_size, 1)
    size = check_int("size", size, 1)
    bias = check_bool("bias", bias)
    with quiet_torch():
        shape = (1, in_channels, size, size)
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups,
                         bias=bias)
        macs = count_macs(conv, shape)
        if groups == 1:  # it is the dense layer already
            dense, dense_macs = conv, macs
        else:
            dense = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
            dense_macs = count_macs(dense, shape)
    return GroupsFacts(in_channels, out_channels, groups, kernel_size, size,
                       tuple(conv.weight.shape), count_parameters(conv), macs,
                       count_parameters(dense), dense_macs, bias)


def divisors(n: int) -> list[int]:
    """Every g that divides n: the groups a conv with n in and n out channels accepts."""
    n = check_int("n", n, 1)
    return [g for g in range(1, n + 1) if n % g == 0]


def groups_table(channels: int, kernel_size: int = 3, size: int = 16, bias: bool = True
                 ) -> list[GroupsFacts]:
    """A ``channels -> channels`` convolution for every valid groups, dense (1) to depthwise."""
    channels = check_int("channels", channels, 1)
    return [groups_facts(channels, channels, g, kernel_size, size, bias) for g in divisors(channels)]
