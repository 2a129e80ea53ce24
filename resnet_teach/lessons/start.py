"""Notebook 00: check that the environment can run the collection."""
from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["Check", "check_environment"]


@dataclass
class Check:
    item: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"[{'ok' if self.ok else 'FAIL'}] {self.item}: {self.detail}"


def _imports(module: str) -> Check:
    try:
        importlib.import_module(module)
    except Exception as exc:  # report, don't crash: this is a diagnosis
        return Check(f"import {module}", False, f"{type(exc).__name__}: {exc}")
    return Check(f"import {module}", True, "imports")


def check_environment() -> list[Check]:
    """What the notebooks need, each with ok / FAIL and a reason.

    The details are worded so they do not depend on versions or hardware: the notebook stores
    this output and the tests compare it.
    """
    checks = [_imports(m) for m in ("torch", "torchvision", "matplotlib", "ipywidgets", "torchinfo", "sklearn")]
    try:
        import torch
        import torchvision

        # The CPU/CUDA trap shows up here: torchvision's compiled operators fail to register.
        boxes = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
        torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
        checks.append(Check("torch/torchvision pair", True, "torchvision's compiled operators run"))
    except Exception as exc:
        checks.append(Check("torch/torchvision pair", False,
                            f"{type(exc).__name__}: {exc} (reinstall with: pip install -r requirements.txt)"))
    try:
        import torch

        import resnet_teach

        x = torch.randn(2, 3, 32, 32)
        resnet_teach.resnet18(num_classes=10).eval()(x)
        checks.append(Check("resnet_teach", True, "a ResNet-18 forward pass runs"))
    except Exception as exc:
        checks.append(Check("resnet_teach", False, f"{type(exc).__name__}: {exc}"))
    return checks
