"""torchvision as the oracle for our ImageNet networks: shared by tests/test_networks.py and
tests/test_variants.py."""
from __future__ import annotations

import torch
from torch import nn


def outputs_after_loading_both_ways(ours: nn.Module, theirs: nn.Module,
                                    input_shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Load torchvision's state_dict into ours, perturb ours (every parameter and every BN's
    running statistics, so nothing passes by staying at its initial value) and load it back into
    torchvision's, both with ``strict=True``: every key and shape must match, both ways. Returns
    both networks' outputs in eval mode for one random input of ``input_shape``."""
    ours.load_state_dict(theirs.state_dict(), strict=True)
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(0.01 * torch.randn_like(p))
        for m in ours.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    ours.eval(), theirs.eval()
    x = torch.randn(*input_shape)
    with torch.no_grad():
        return ours(x), theirs(x)
