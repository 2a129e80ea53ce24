"""BatchNorm, convolution and padding written from scratch, each checked against PyTorch.

Nothing here is faster than PyTorch; it is here to be read. tests/test_scratch.py runs the
same inputs through these and through ``nn.BatchNorm2d``, ``F.conv2d`` and ``F.pad``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._checks import IntOrPair, check_bool, check_choice, check_float, check_int, check_pair
from .arithmetic import PADDING_MODES, conv_output_size

__all__ = ["ScratchBatchNorm2d", "scratch_conv2d", "scratch_pad"]


class ScratchBatchNorm2d(nn.Module):
    """``nn.BatchNorm2d`` in plain tensor operations; same arguments, parameters and buffers.

    Training:   y = (x - mean) / sqrt(var + eps) * weight + bias
                mean, var over (N, H, W) per channel; var is the BIASED variance (divide by m)
                running = (1 - momentum) * running + momentum * batch_stat
                (running_var gets the UNBIASED variance, divide by m - 1)
    momentum=None: a cumulative average, momentum = 1 / num_batches_tracked.
    Evaluation: the running statistics replace the batch's.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, 1)
        self.eps = check_float("eps", eps, low=0.0, low_inclusive=False)
        self.momentum = None if momentum is None else check_float("momentum", momentum, 0.0, 1.0)
        self.affine = check_bool("affine", affine)
        self.track_running_stats = check_bool("track_running_stats", track_running_stats)
        self.has_bias = check_bool("bias", bias) and self.affine  # PyTorch >= 2.x: bias=False keeps gamma only
        factory = {"device": device, "dtype": dtype}
        if self.affine:
            self.weight = nn.Parameter(torch.ones(num_features, **factory))  # gamma
            if self.has_bias:
                self.bias = nn.Parameter(torch.zeros(num_features, **factory))  # beta
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            nn.init.ones_(self.weight)
            if self.bias is not None:
                nn.init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 4:
            raise ValueError(f"expected 4D input (got {x.dim()}D input)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"x.shape={tuple(x.shape)} must have num_features={self.num_features} channels")

        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            values_per_channel = x.shape[0] * x.shape[2] * x.shape[3]  # m = N * H * W
            if values_per_channel == 1:
                # the same words as PyTorch: one value normalizes to beta, its unbiased variance is 0/0
                raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.size()}")
            mean = x.mean(dim=(0, 2, 3))  # (C,)
            var = x.var(dim=(0, 2, 3), correction=0)  # (C,) biased: divide by m
            if self.training and self.track_running_stats:
                self.num_batches_tracked.add_(1)
                factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                with torch.no_grad():
                    unbiased = var * values_per_channel / (values_per_channel - 1)
                    self.running_mean.mul_(1 - factor).add_(factor * mean.detach())
                    self.running_var.mul_(1 - factor).add_(factor * unbiased.detach())
        else:
            mean, var = self.running_mean, self.running_var

        shape = (1, -1, 1, 1)  # broadcast per channel over (N, C, H, W)
        y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        if self.weight is not None:
            y = y * self.weight.view(shape)
        if self.bias is not None:
            y = y + self.bias.view(shape)
        return y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


def _pad_tuple(x: Tensor, pad: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(pad, (tuple, list)):
        if len(pad) not in (2, 4):
            raise ValueError(f"pad={tuple(pad)} must have 2 values (left, right) or 4 "
                             f"(left, right, top, bottom)")
        pads = tuple(check_int(f"pad[{i}]", p, 0) for i, p in enumerate(pad))
        if len(pad) == 4 and x.dim() < 2:
            raise ValueError(f"pad={tuple(pad)} pads 2 dimensions but x has {x.dim()}")
        return pads
    p = check_int("pad", pad, 0)
    if x.dim() < 2:
        raise ValueError(f"x must have at least 2 dimensions to pad H and W, got {x.dim()}")
    return (p, p, p, p)


def _source_index(n: int, before: int, after: int, mode: str, dim_name: str) -> Tensor:
    """For each output position along one dimension, the input position it copies."""
    if mode == "reflect" and max(before, after) >= n:
        raise ValueError(f"{dim_name}: pad={max(before, after)} must be < size={n} for mode='reflect' "
                         f"(reflection mirrors around the edge pixel, so it needs pad + 1 pixels)")
    if mode == "circular" and max(before, after) > n:
        raise ValueError(f"{dim_name}: pad={max(before, after)} must be <= size={n} for mode='circular' "
                         f"(it would wrap around more than once)")
    i = torch.arange(-before, n + after)  # positions in input coordinates
    if mode == "reflect":  # mirror without repeating the edge: -1 -> 1, n -> n-2
        i = i.abs()
        i = torch.where(i > n - 1, 2 * (n - 1) - i, i)
    elif mode == "replicate":  # repeat the edge pixel
        i = i.clamp(0, n - 1)
    elif mode == "circular":  # wrap around, as if the image tiled the plane
        i = i.remainder(n)
    return i


def scratch_pad(x: Tensor, pad: int | Sequence[int], mode: str = "zeros", value: float = 0.0) -> Tensor:
    """Pad the last two dimensions of ``x`` like ``F.pad``, by gathering input pixels.

    ``pad``: an int (all four sides), ``(left, right)`` for the last dimension only, or
    ``(left, right, top, bottom)`` as ``F.pad`` takes it. ``mode``: "zeros" (or "constant",
    filled with ``value``), "reflect", "replicate", "circular".
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    mode = check_choice("mode", mode, PADDING_MODES + ("constant",))
    value = check_float("value", value)
    pads = _pad_tuple(x, pad)
    dims = [(-1, "width", pads[0], pads[1])]
    if len(pads) == 4:
        dims.append((-2, "height", pads[2], pads[3]))
    for dim, name, before, after in dims:
        n = x.shape[dim]
        if mode in ("zeros", "constant"):
            shape = list(x.shape)
            shape[dim] = n + before + after
            out = x.new_full(shape, value)
            out.narrow(dim, before, n).copy_(x)
            x = out
        else:
            x = x.index_select(dim, _source_index(n, before, after, mode, name).to(x.device))
    return x


def scratch_conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Tensor:
    """2-D convolution (cross-correlation, as in deep learning) built on ``F.unfold``.

    unfold cuts every kernel window into a column; the convolution is then one matrix
    multiplication per group: (out/groups, in/groups*kH*kW) @ (in/groups*kH*kW, windows).
    """
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("x and weight must be torch.Tensors")
    if x.dim() != 4:
        raise ValueError(f"x.shape={tuple(x.shape)} must be (N, C, H, W)")
    if weight.dim() != 4:
        raise ValueError(f"weight.shape={tuple(weight.shape)} must be (out_channels, in_channels/groups, kH, kW)")
    groups = check_int("groups", groups, 1)
    padding_mode = check_choice("padding_mode", padding_mode, PADDING_MODES)
    n, c_in, h, w = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    if c_in % groups:
        raise ValueError(f"groups={groups} must divide in_channels={c_in}")
    if c_out % groups:
        raise ValueError(f"groups={groups} must divide out_channels={c_out}")
    if c_per_group != c_in // groups:
        raise ValueError(f"weight.shape[1]={c_per_group} must be in_channels/groups = {c_in}/{groups} = "
                         f"{c_in // groups}")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"bias.shape={tuple(bias.shape)} must be (out_channels,) = ({c_out},)")
    sh, sw = check_pair("stride", stride, 1)
    dh, dw = check_pair("dilation", dilation, 1)
    if isinstance(padding, str):
        padding = check_choice("padding", padding, ("valid", "same"))
        if padding == "same" and (sh, sw) != (1, 1):
            raise ValueError(f"padding='same' needs stride=1, got stride={stride}")
        # 'same' pads d(k-1) in total; the odd pixel goes to the end, as PyTorch does
        totals = (dh * (kh - 1), dw * (kw - 1)) if padding == "same" else (0, 0)
        pads = (totals[1] // 2, totals[1] - totals[1] // 2, totals[0] // 2, totals[0] - totals[0] // 2)
    else:
        ph, pw = check_pair("padding", padding, 0)
        pads = (pw, pw, ph, ph)
    # sizes first: a readable error before unfold could fail
    out_h = conv_output_size(h + pads[2] + pads[3], kh, sh, 0, dh)
    out_w = conv_output_size(w + pads[0] + pads[1], kw, sw, 0, dw)

    x = scratch_pad(x, pads, padding_mode)  # (N, C, H + pads, W + pads)
    cols = nn.functional.unfold(x, (kh, kw), dilation=(dh, dw), stride=(sh, sw))  # (N, C*kH*kW, L)
    cols = cols.view(n, groups, c_per_group * kh * kw, out_h * out_w)  # (N, G, C/G*kH*kW, L)
    w_mat = weight.reshape(groups, c_out // groups, c_per_group * kh * kw)  # (G, O/G, C/G*kH*kW)
    out = torch.matmul(w_mat.unsqueeze(0), cols)  # (N, G, O/G, L)
    out = out.reshape(n, c_out, out_h, out_w)  # (N, O, outH, outW)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out
