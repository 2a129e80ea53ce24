"""The environment: the torch/torchvision pair works on this CPU, and imports stay lazy."""
import subprocess
import sys

import torch
import torchvision


def test_torchvision_imports_and_its_compiled_operators_run():
    boxes = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    assert torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5).tolist() == [0]


def test_import_resnet_teach_imports_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, resnet_teach; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_start_notebook_environment_check_passes():
    from resnet_teach.lessons.start import check_environment

    failed = [str(c) for c in check_environment() if not c.ok]
    assert not failed, failed
