"""Notebook 02, section 12: porting a Keras Conv2D + BatchNormalization (blog post 004's
residual block) to PyTorch, one convention at a time.

Keras keeps images channels-last, (N, H, W, C), and a Conv2D kernel as (kH, kW, in, out)
("HWIO"); PyTorch keeps (N, C, H, W) and (out, in, kH, kW) ("OIHW"). Keras's
BatchNormalization defaults to ``epsilon=1e-3`` and ``momentum=0.99`` (the weight of the OLD
moving average); PyTorch's to ``eps=1e-5`` and ``momentum=0.1`` (the weight of the NEW batch).
Keras's ``padding='same'`` at stride 2 pads the odd pixel at the bottom/right.

``keras_forward`` computes what Keras computes in inference, written out in channels-last
tensor operations (no PyTorch conv or BN layer), so the port can be checked against it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .._checks import check_bool, check_float, check_int
from ..arithmetic import same_padding

__all__ = ["KERAS_EPSILON", "KERAS_MOMENTUM", "KerasConvBN", "random_keras_conv_bn", "keras_forward",
           "keras_moving_mean", "port_to_torch"]

KERAS_EPSILON = 1e-3  # keras.layers.BatchNormalization(epsilon=1e-3)
KERAS_MOMENTUM = 0.99  # keras.layers.BatchNormalization(momentum=0.99): the weight of the OLD value


@dataclass
class KerasConvBN:
    """The weights of ``Conv2D(out, k, strides, padding='same', use_bias=False)`` followed by
    ``BatchNormalization()``, stored as Keras stores them."""
    kernel: Tensor  # (kH, kW, in, out): HWIO
    gamma: Tensor  # (out,)
    beta: Tensor  # (out,)
    moving_mean: Tensor  # (out,)
    moving_variance: Tensor  # (out,)
    stride: int = 2
    epsilon: float = KERAS_EPSILON
    momentum: float = KERAS_MOMENTUM


def random_keras_conv_bn(in_channels: int = 3, out_channels: int = 4, kernel_size: int = 3,
                         stride: int = 2, seed: int = 0) -> KerasConvBN:
    """Random trained-looking weights. Half of the channels get a small moving variance (about
    1e-3), as channels that rarely fire do in a trained network: there epsilon matters."""
    in_channels, out_channels, kernel_size, stride = (
        check_int(name, value, 1) for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                                                       ("kernel_size", kernel_size), ("stride", stride)))
    seed = check_int("seed", seed, 0)
    gen = torch.Generator().manual_seed(seed)
    variance = 0.5 + torch.rand(out_channels, generator=gen)
    variance[::2] = 1e-3 * (0.5 + torch.rand(len(variance[::2]), generator=gen))
    kernel = torch.randn(kernel_size, kernel_size, in_channels, out_channels, generator=gen)  # HWIO
    kernel = kernel * (variance / (kernel_size * kernel_size * in_channels)).sqrt()  # outputs of about that variance
    return KerasConvBN(
        kernel=kernel,
        gamma=1 + 0.1 * torch.randn(out_channels, generator=gen),
        beta=0.1 * torch.randn(out_channels, generator=gen),
        moving_mean=0.1 * torch.randn(out_channels, generator=gen),
        moving_variance=variance, stride=stride)


def keras_forward(block: KerasConvBN, x: Tensor) -> Tensor:
    """Keras's inference output for channels-last ``x`` (N, H, W, C): 'same' padding (odd pixel
    at the end), the convolution tap by tap, then (x - moving_mean) / sqrt(moving_variance +
    epsilon) * gamma + beta. Returns (N, H_out, W_out, out)."""
    if not isinstance(x, Tensor) or x.dim() != 4 or x.shape[-1] != block.kernel.shape[2]:
        raise ValueError(f"x must be channels-last (N, H, W, C) with C={block.kernel.shape[2]}, "
                         f"got shape {tuple(getattr(x, 'shape', ()))}")
    k_h, k_w, _, out_channels = block.kernel.shape
    s = block.stride
    (top, bottom), (left, right) = same_padding(tuple(x.shape[1:3]), (k_h, k_w), s)
    padded = F.pad(x, (0, 0, left, right, top, bottom))  # (N, H + pads, W + pads, C); last dim first
    out_h, out_w = -(-x.shape[1] // s), -(-x.shape[2] // s)  # ceil(n / s)
    y = x.new_zeros(x.shape[0], out_h, out_w, out_channels)  # (N, H_out, W_out, out)
    for i in range(k_h):
        for j in range(k_w):
            window = padded[:, i:i + s * (out_h - 1) + 1:s, j:j + s * (out_w - 1) + 1:s, :]  # (N, Ho, Wo, in)
            y = y + window @ block.kernel[i, j]  # (in, out): one tap of every filter
    return (y - block.moving_mean) / torch.sqrt(block.moving_variance + block.epsilon) * block.gamma + block.beta


def keras_moving_mean(moving_mean: Tensor, batch_mean: Tensor, momentum: float = KERAS_MOMENTUM) -> Tensor:
    """Keras's training update: ``moving = momentum * moving + (1 - momentum) * batch``."""
    momentum = check_float("momentum", momentum, 0.0, 1.0)
    return momentum * moving_mean + (1 - momentum) * batch_mean


def port_to_torch(block: KerasConvBN, size: int, *, permute_kernel: bool = True,
                  eps: float | None = None, momentum: float | None = None,
                  explicit_padding: bool = True) -> nn.Sequential:
    """The PyTorch twin of ``block`` for a ``size`` x ``size`` input in (N, C, H, W).

    The defaults are the faithful port: kernel HWIO -> OIHW with ``permute(3, 2, 0, 1)``,
    ``eps = epsilon``, ``momentum = 1 - Keras momentum``, and TensorFlow's asymmetric 'same'
    padding as an explicit ``nn.ZeroPad2d``. Each keyword turns one step into the usual mistake:
    ``permute_kernel=False`` reshapes the kernel instead, ``eps=`` / ``momentum=`` override the
    converted values, ``explicit_padding=False`` uses PyTorch's symmetric integer padding.
    """
    size = check_int("size", size, 1)
    permute_kernel = check_bool("permute_kernel", permute_kernel)
    explicit_padding = check_bool("explicit_padding", explicit_padding)
    eps = check_float("eps", eps, 0.0) if eps is not None else None
    momentum = check_float("momentum", momentum, 0.0, 1.0) if momentum is not None else None
    k_h, k_w, in_channels, out_channels = block.kernel.shape
    if permute_kernel:
        weight = block.kernel.permute(3, 2, 0, 1)  # (kH, kW, in, out) -> (out, in, kH, kW)
    else:
        weight = block.kernel.reshape(out_channels, in_channels, k_h, k_w)  # same numbers, wrong places
    (top, bottom), (left, right) = same_padding((size, size), (k_h, k_w), block.stride)
    conv = nn.Conv2d(in_channels, out_channels, (k_h, k_w), stride=block.stride,
                     padding=0 if explicit_padding else k_h // 2, bias=False)
    bn = nn.BatchNorm2d(out_channels, eps=block.epsilon if eps is None else eps,
                        momentum=round(1 - block.momentum, 12) if momentum is None else momentum)
    with torch.no_grad():
        conv.weight.copy_(weight)
        bn.weight.copy_(block.gamma)
        bn.bias.copy_(block.beta)
        bn.running_mean.copy_(block.moving_mean)
        bn.running_var.copy_(block.moving_variance)
    layers = [nn.ZeroPad2d((left, right, top, bottom))] if explicit_padding else []
    return nn.Sequential(*layers, conv, bn).eval()

