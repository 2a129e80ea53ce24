"""Notebook 02: the backward pass of batch normalization, by hand (CS231n assignment 2).

Forward, per channel c over the m = N·H·W values of the batch:

    mu = mean(x)     var = mean((x - mu)^2)     xhat = (x - mu) / sqrt(var + eps)
    y  = gamma * xhat + beta

Backward, with dy = dL/dy:

    dL/dbeta  = sum(dy)
    dL/dgamma = sum(dy * xhat)
    dL/dx     = gamma / sqrt(var + eps) / m * (m * dy - sum(dy) - xhat * sum(dy * xhat))

The last line is the simplified one-line form; ``backward_staged`` gets the same by walking
the graph node by node (mean, centre, variance, normalize, scale), as one would derive it.
``BatchNormFunction`` is a ``torch.autograd.Function`` whose backward is the one-line form,
so PyTorch's autograd can check it.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from .._checks import check_float, check_int, check_shape
from ..exercises import Feedback
from .mistakes import check_with_mistakes

__all__ = ["AXES", "BatchNormFunction", "batch_norm_by_hand", "backward_one_line",
           "backward_staged", "compare_with_autograd", "check_dx_all_ones", "check_dbeta"]

AXES = (0, 2, 3)  # N, H, W: everything but the channel


def _per_channel(t: Tensor) -> Tensor:
    """(C,) -> (1, C, 1, 1), to broadcast against (N, C, H, W)."""
    return t.view(1, -1, 1, 1)


class BatchNormFunction(torch.autograd.Function):
    """Training-mode BN on (N, C, H, W) with a hand-written backward."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
        mu = x.mean(dim=AXES, keepdim=True)  # (1, C, 1, 1)
        var = x.var(dim=AXES, unbiased=False, keepdim=True)  # biased, as BN normalizes with
        inv_std = torch.rsqrt(var + eps)  # (1, C, 1, 1)
        xhat = (x - mu) * inv_std  # (N, C, H, W)
        ctx.save_for_backward(xhat, inv_std, gamma)
        return _per_channel(gamma) * xhat + _per_channel(beta)

    @staticmethod
    def backward(ctx: Any, dy: Tensor) -> tuple[Tensor, Tensor, Tensor, None]:
        xhat, inv_std, gamma = ctx.saved_tensors
        dx, dgamma, dbeta = backward_one_line(dy, xhat, inv_std, gamma)
        return dx, dgamma, dbeta, None  # no gradient for eps


def backward_one_line(dy: Tensor, xhat: Tensor, inv_std: Tensor, gamma: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(dx, dgamma, dbeta) in the simplified form; inv_std = 1/sqrt(var + eps), (1, C, 1, 1)."""
    m = dy.numel() // dy.shape[1]  # values per channel: N·H·W
    dbeta = dy.sum(dim=AXES)  # (C,)
    dgamma = (dy * xhat).sum(dim=AXES)  # (C,)
    dx = _per_channel(gamma) * inv_std / m * (m * dy - _per_channel(dbeta) - xhat * _per_channel(dgamma))
    return dx, dgamma, dbeta


def backward_staged(x: Tensor, gamma: Tensor, dy: Tensor, eps: float = 1e-5) -> Tensor:
    """dL/dx node by node through mu, x - mu, var, 1/sqrt(var + eps), xhat (CS231n's graph)."""
    eps = check_float("eps", eps, 0.0, low_inclusive=False)
    m = x.numel() // x.shape[1]
    mu = x.mean(dim=AXES, keepdim=True)
    xc = x - mu  # centred
    var = (xc ** 2).mean(dim=AXES, keepdim=True)
    inv_std = (var + eps) ** -0.5
    dxhat = dy * _per_channel(gamma)  # y = gamma * xhat + beta
    dinv_std = (dxhat * xc).sum(dim=AXES, keepdim=True)  # xhat = xc * inv_std
    dxc = dxhat * inv_std
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5  # inv_std = (var + eps)^(-1/2)
    dxc = dxc + dvar * 2 * xc / m  # var = mean(xc^2)
    dmu = -dxc.sum(dim=AXES, keepdim=True)  # xc = x - mu
    return dxc + dmu / m  # mu = mean(x)


def batch_norm_by_hand(x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    """``BatchNormFunction.apply``, with its arguments checked."""
    for name, t in (("x", x), ("gamma", gamma), ("beta", beta)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dim() != 4:
        raise ValueError(f"x.shape={tuple(x.shape)} must be (N, C, H, W)")
    if gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"gamma.shape={tuple(gamma.shape)} and beta.shape={tuple(beta.shape)} "
                         f"must both be (C,) = ({x.shape[1]},)")
    if x.numel() // x.shape[1] < 2:
        raise ValueError(f"x.shape={tuple(x.shape)} has one value per channel (N·H·W = 1): "
                         f"its variance is 0 and BN is undefined, as in nn.BatchNorm2d")
    return BatchNormFunction.apply(x, gamma, beta, check_float("eps", eps, 0.0, low_inclusive=False))


def compare_with_autograd(shape: tuple[int, int, int, int] = (4, 3, 5, 5), seed: int = 0,
                          dtype: torch.dtype = torch.float32) -> dict[str, Any]:
    """Our hand-written gradients against autograd through ``F.batch_norm(training=True)``.

    Returns the largest |difference| of each gradient, the scale of each (its largest
    |value|), and whether ``torch.autograd.gradcheck`` (float64, finite differences) passes.
    """
    shape, seed = check_shape("shape", shape, 4), check_int("seed", seed, 0)
    g = torch.Generator().manual_seed(seed)
    x0 = 3 * torch.randn(shape, generator=g, dtype=dtype) + 1  # (N, C, H, W)
    gamma0 = torch.rand(shape[1], generator=g, dtype=dtype) + 0.5
    beta0 = torch.randn(shape[1], generator=g, dtype=dtype)
    dy = torch.randn(shape, generator=g, dtype=dtype)
    grads = {}
    for who in ("ours", "autograd"):
        x, gamma, beta = (t.clone().requires_grad_() for t in (x0, gamma0, beta0))
        if who == "ours":
            y = batch_norm_by_hand(x, gamma, beta)
        else:
            y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)
        y.backward(dy)
        grads[who] = {"dx": x.grad, "dgamma": gamma.grad, "dbeta": beta.grad, "y": y.detach()}
    staged = backward_staged(x0, gamma0, dy)
    out = {}
    for name in ("y", "dx", "dgamma", "dbeta"):
        a, b = grads["ours"][name], grads["autograd"][name]
        out[name] = {"max |difference|": float((a - b).abs().max()), "scale": float(b.abs().max())}
    out["staged dx"] = {"max |difference|": float((staged - grads["autograd"]["dx"]).abs().max()),
                        "scale": out["dx"]["scale"]}
    small = tuple(t[:2, :2, :2, :2].double().clone().requires_grad_() for t in (x0,))[0]
    out["gradcheck"] = bool(torch.autograd.gradcheck(
        lambda x, gm, bt: BatchNormFunction.apply(x, gm, bt, 1e-5),
        (small, gamma0[:2].double().clone().requires_grad_(), beta0[:2].double().clone().requires_grad_())))
    return out


# --- exercises --------------------------------------------------------------------------------

def exercise_x() -> Tensor:
    """One channel, four values: (4, 1, 1, 1)."""
    return torch.tensor([1.0, 2.0, 4.0, 9.0]).view(4, 1, 1, 1)


def check_dx_all_ones(answer: Any) -> Feedback:
    """BN (gamma = 2, beta = 0) on exercise_x(); dL/dy = 1 everywhere. What is dL/dx[0]?"""
    x = exercise_x().requires_grad_()
    gamma, beta = torch.tensor([2.0]), torch.tensor([0.0])
    F.batch_norm(x, None, None, gamma, beta, training=True).backward(torch.ones_like(x))
    expected = float(x.grad[0])  # 0 up to rounding: the sum(dy) term cancels m * dy
    inv_std = float(torch.rsqrt(x.detach().var(unbiased=False) + 1e-5))
    return check_with_mistakes(
        answer, expected,
        "0: adding the same amount to every value of a channel moves its mean by that much and "
        "leaves every normalized value unchanged, so a gradient that is the same everywhere "
        "passes nothing back (m·dy - sum(dy) = 0).",
        mistakes=[(1.0, "That treats BN as the identity; the batch mean depends on x too."),
                  (2.0, "That is gamma · dy: it forgets that the mean and variance depend on x."),
                  (2.0 * inv_std, "That is gamma / sqrt(var + eps) · dy: it forgets that the mean "
                                  "and variance depend on x.")],
        hint="Use the one-line form with dy = 1 everywhere: what is m·dy - sum(dy)?", tol=1e-4)


def check_dbeta(answer: Any) -> Feedback:
    """dL/dbeta of BatchNorm2d(1) when dL/dy is 0.5 at each value of a (2, 1, 2, 2) batch."""
    dy = torch.full((2, 1, 2, 2), 0.5)
    expected = float(dy.sum())
    return check_with_mistakes(
        answer, expected, f"{expected:g}: beta is added to all N·H·W = 8 values, so its gradient "
                          f"sums dy over them.",
        mistakes=[(0.5, "That averages dy; beta is added to every value, so the gradients add up."),
                  (2.0, "Sum over H and W *and* over the batch: beta is shared by both images."),
                  (1.0, "Sum over all N·H·W = 8 values of the channel.")],
        hint="y = gamma · xhat + beta: each of the channel's values depends on beta with slope 1.", tol=1e-9)
