"""Shattered gradients (Balduzzi et al. 2017, "The shattered gradients problem"), measured.

Walk a straight line between two input images, x(t) = (1 - t) a + t b, and take the derivative
of one logit with respect to t at ``steps`` points. In a shallow network, or a residual one,
neighbouring points get similar derivatives: the signal is smooth. In a deep plain network
the derivative jumps from point to point like white noise: the gradient is "shattered", and a
gradient step says little about what happens a short way off.

Smoothness is measured by the autocorrelation of the signal at lag k,

    r(k) = sum_i (g_i - mean)(g_{i+k} - mean) / sum_i (g_i - mean)^2

about 1 for a smooth curve, about 0 for white noise.

BatchNorm needs care: in train mode it mixes the samples of a batch (each sample's output
depends on the others), so the derivative of one point would depend on the whole line. We
first estimate each BN's statistics from real data (a few batches in train mode with
``momentum=None``, a plain average), then evaluate in eval mode, where samples do not mix.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_choice, check_int
from .cifar import cifar_resnet
from .data import Split
from .train import fixed_threads

__all__ = [
    "KINDS",
    "make_network",
    "calibrate_batchnorm",
    "line_gradient",
    "autocorrelation",
    "layer_gradient_norms",
    "shattering",
]

KINDS = ("plain", "residual", "preact")


def make_network(
    depth: int, kind: str = "residual", seed: int = 0, in_channels: int = 1, num_classes: int = 10
) -> nn.Module:
    """A CIFAR network at initialization, built from ``seed`` without touching the global RNG.

    ``kind``: "plain" (no shortcuts), "residual" (v1, option-A shortcuts, the plain net's
    twin) or "preact" (v2, pre-activation blocks, option-A shortcuts).
    """
    check_choice("kind", kind, KINDS)
    check_int("seed", seed, 0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return cifar_resnet(
            depth,
            residual=(kind != "plain"),
            num_classes=num_classes,
            shortcut="A",
            in_channels=in_channels,
            preact=(kind == "preact"),
        )


@torch.no_grad()
def calibrate_batchnorm(model: nn.Module, images: Tensor, batch_size: int = 128) -> nn.Module:
    """Set every BN's running statistics to the plain average over ``images`` (in batches), then eval().

    Changes ``model`` in place (pass a copy to keep the original) and returns it.
    """
    if not isinstance(images, Tensor) or images.dim() != 4:
        raise TypeError(f"images must be a (N, C, H, W) tensor, got {type(images).__name__}")
    check_int("batch_size", batch_size, 1)
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all batches seen
    model.train()
    for i in range(0, len(images), batch_size):
        model(images[i : i + batch_size])
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    return model.eval()


def line_gradient(model: nn.Module, a: Tensor, b: Tensor, steps: int = 256, logit: int = 0) -> Tensor:
    """d logit / dt along x(t) = (1 - t) a + t b for ``steps`` values of t in [0, 1]: a (steps,) tensor.

    One forward and one backward pass over the whole batch of points. Use the model in eval
    mode (see the module docstring); in train mode BN would mix the points.
    """
    check_int("steps", steps, 2)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.shape != b.shape or a.dim() != 3:
        raise ValueError(
            f"a and b must be two images of the same shape (C, H, W), got "
            f"{tuple(getattr(a, 'shape', ()))} and {tuple(getattr(b, 'shape', ()))}"
        )
    t = torch.linspace(0, 1, steps).requires_grad_(True)  # (steps,)
    x = a + t.view(-1, 1, 1, 1) * (b - a)  # (steps, C, H, W)
    out = model(x)  # (steps, num_classes)
    check_int("logit", logit, 0)
    if logit >= out.shape[1]:
        raise ValueError(f"logit={logit} must be < num_classes={out.shape[1]}")
    # In eval mode point i's logit depends only on t_i, so the gradient of the sum is each derivative.
    (grad,) = torch.autograd.grad(out[:, logit].sum(), t)
    return grad.detach()  # (steps,)


def autocorrelation(signal: Tensor, max_lag: int = 20) -> Tensor:
    """r(0), r(1), ..., r(max_lag) of a 1-D signal (r(0) = 1); see the module docstring."""
    if not isinstance(signal, Tensor) or signal.dim() != 1:
        raise TypeError(
            f"signal must be a 1-D tensor, got {type(signal).__name__} "
            f"of shape {tuple(getattr(signal, 'shape', ()))}"
        )
    check_int("max_lag", max_lag, 0)
    if max_lag >= len(signal):
        raise ValueError(f"max_lag={max_lag} must be < len(signal)={len(signal)}")
    s = signal.double() - signal.double().mean()
    energy = (s * s).sum()
    if energy == 0:
        raise ValueError("signal is constant: its autocorrelation is undefined")
    return torch.stack([(s[: len(s) - k] * s[k:]).sum() / energy for k in range(max_lag + 1)]).float()


def shattering(
    depth: int,
    kind: str,
    data: Split,
    seed: int = 0,
    pair: tuple = (0, 1),
    steps: int = 256,
    logit: int | None = None,
    calibration: int = 512,
    max_lag: int = 20,
    num_threads: int | None = 1,
) -> dict[str, object]:
    """The whole measurement for one network at initialization.

    Builds ``make_network(depth, kind, seed)``, calibrates its BNs on the first ``calibration``
    images of ``data``, walks from image ``pair[0]`` to image ``pair[1]`` and returns
    ``{"t", "signal", "autocorrelation", "lag1"}``. ``logit`` defaults to the class of the
    second image. The global RNG and the model are left alone.
    """
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    check_int("calibration", calibration, 1)
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"pair={pair!r} must be two image indices (i, j)")
    i, j = (check_int(f"pair[{k}]", v, 0) for k, v in enumerate(pair))
    if max(i, j) >= len(data) or i == j:
        raise ValueError(f"pair={tuple(pair)!r} must name two different images of the {len(data)} in data")
    logit = int(data.labels[j]) if logit is None else logit
    with fixed_threads(num_threads):
        model = make_network(
            depth, kind, seed, in_channels=data.images.shape[1], num_classes=int(data.labels.max()) + 1
        )
        calibrate_batchnorm(model, data.images[:calibration])
        signal = line_gradient(model, data.images[i], data.images[j], steps, logit)
    r = autocorrelation(signal, max_lag)
    return {"t": torch.linspace(0, 1, steps), "signal": signal, "autocorrelation": r, "lag1": float(r[1])}


def layer_gradient_norms(
    depth: int, kind: str, data: Split, seed: int = 0, batch_size: int = 128, num_threads: int | None = 1
) -> dict[str, float]:
    """The loss gradient's norm for every weighted layer of ``make_network(depth, kind, seed)``,
    input to output, at initialization: one batch of ``data`` in train mode, as in the first step
    of training (``gradient_norms.gradient_norms_at_init`` for any of the three wirings).
    Projection shortcuts are skipped (they are not counted in the depth)."""
    if not isinstance(data, Split):
        raise TypeError(f"data must be a resnet_teach.Split, got {type(data).__name__}")
    check_int("batch_size", batch_size, 1)
    x, y = data.images[:batch_size], data.labels[:batch_size]  # (B, C, H, W), (B,)
    with fixed_threads(num_threads):
        model = make_network(
            depth, kind, seed, in_channels=x.shape[1], num_classes=int(data.labels.max()) + 1
        )
        model.train()
        nn.functional.cross_entropy(model(x), y).backward()
    return {
        name: module.weight.grad.norm().item()
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear)) and "downsample" not in name
    }
