"""Class activation maps (Zhou et al. 2016, "Learning Deep Features for Discriminative
Localization", https://arxiv.org/abs/1512.04150): ``CAM_c = sum_k w_ck A_k`` from a GAP
network's fc weights, and how often a map's peak lands inside the object's box.

Works with any model that has ``forward_features``, a global-average-pooling ``avgpool`` and an
``fc`` Linear layer: resnet_teach's ``ResNet`` and ``CifarResNet``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_int, check_pair
from .data import Split

__all__ = ["CamResult", "class_activation_maps", "upsample_maps", "peak_positions", "peaks_inside",
           "chance_share", "ink_peaks", "CamEvaluation", "evaluate_cams", "peak_share", "cam_baselines",
           "CAM_SEEDS_CHECKED"]

# The seeds on which tests/test_lesson_heads.py reruns notebook 06's CAM experiment (its network's
# initial weights and training order) and asserts the notebook's claims; the notebook runs seed 0.
CAM_SEEDS_CHECKED = (0, 1, 2, 3, 4)


@dataclass
class CamResult:
    maps: Tensor  # (N, h, w) one class activation map per image, at the last feature map's size
    logits: Tensor  # (N, num_classes)
    classes: Tensor  # (N,) the class each map is for


def _check_gap_model(model: nn.Module) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not (hasattr(model, "forward_features") and isinstance(getattr(model, "fc", None), nn.Linear)):
        raise TypeError(f"model={type(model).__name__} must have forward_features and an fc Linear layer "
                        f"(resnet_teach's ResNet and CifarResNet do)")
    pool = getattr(model, "avgpool", None)
    if not (isinstance(pool, nn.AdaptiveAvgPool2d) and pool.output_size in (1, (1, 1))):
        raise ValueError(f"model.avgpool={pool!r} must be global average pooling "
                         f"(AdaptiveAvgPool2d((1, 1))): a class activation map needs a GAP head")


@torch.no_grad()
def class_activation_maps(model: nn.Module, images: Tensor, classes: Tensor | None = None) -> CamResult:
    """``CAM_c = sum_k w_ck A_k``: the fc weights of class c applied at every position of the
    last feature map A (Zhou et al. 2016). ``classes`` defaults to the predicted class.

    Because GAP is a mean, ``logit_c = mean(CAM_c) + b_c`` exactly: the map shows where the
    evidence for the class sits before the average throws the positions away. The fc bias
    ``b_c`` is left out, as in Zhou et al. (section 2, "we ignore the bias term"): it is the
    same number at every position, so it would shift the map without moving its peak.
    """
    _check_gap_model(model)
    if not isinstance(images, Tensor) or images.dim() != 4:
        raise ValueError(f"images must be a (N, C, H, W) tensor, got "
                         f"{tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__}")
    was_training = model.training
    model.eval()
    try:
        features = model.forward_features(images)  # (N, K, h, w)
        logits = model.forward_head(features)  # (N, num_classes)
    finally:
        model.train(was_training)
    if classes is None:
        classes = logits.argmax(1)
    classes = torch.as_tensor(classes, dtype=torch.long).reshape(-1)
    if len(classes) != len(images):
        raise ValueError(f"classes has {len(classes)} entries, images has {len(images)}")
    if len(classes) and (classes.min() < 0 or classes.max() >= logits.shape[1]):
        raise ValueError(f"classes must be in 0..{logits.shape[1] - 1}, got {classes.tolist()}")
    weights = model.fc.weight[classes]  # (N, K): one row of fc per image
    maps = torch.einsum("nk,nkhw->nhw", weights, features)  # (N, h, w)
    return CamResult(maps, logits, classes)


def upsample_maps(maps: Tensor, size: tuple[int, int]) -> Tensor:
    """(N, h, w) maps stretched to the image size (bilinear), for overlays and peaks."""
    if not isinstance(maps, Tensor) or maps.dim() != 3:
        raise ValueError(f"maps must be a (N, h, w) tensor, got "
                         f"{tuple(maps.shape) if isinstance(maps, Tensor) else type(maps).__name__}")
    size = check_pair("size", size, 1)
    return F.interpolate(maps[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]


def peak_positions(maps: Tensor) -> Tensor:
    """(N, 2) pixel (x, y) of each map's largest value (the first one if tied)."""
    if not isinstance(maps, Tensor) or maps.dim() != 3:
        raise ValueError("maps must be a (N, H, W) tensor")
    width = maps.shape[-1]
    flat = maps.flatten(1).argmax(1)
    return torch.stack([flat % width, flat // width], dim=1)


def peaks_inside(peaks: Tensor, boxes: Tensor) -> Tensor:
    """(N,) bool: peak (x, y) inside box [x0, x1) x [y0, y1)."""
    if peaks.shape[0] != boxes.shape[0] or peaks.shape[-1] != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"peaks {tuple(peaks.shape)} must be (N, 2) and boxes {tuple(boxes.shape)} (N, 4)")
    x, y = peaks[:, 0], peaks[:, 1]
    return (x >= boxes[:, 0]) & (x < boxes[:, 2]) & (y >= boxes[:, 1]) & (y < boxes[:, 3])


def chance_share(boxes: Tensor, canvas: tuple[int, int]) -> float:
    """How often a peak put at a uniformly random pixel falls inside the box: mean box area
    over canvas area."""
    h, w = check_pair("canvas", canvas, 1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return float(area.double().mean()) / (h * w)


def ink_peaks(images: Tensor, window: int) -> Tensor:
    """A map-free baseline: the centre (x, y) of the window x window square holding most ink."""
    window = check_int("window", window, 1)
    if images.dim() != 4 or window > min(images.shape[-2:]):
        raise ValueError(f"window={window} must fit in the images of shape {tuple(images.shape)}")
    density = F.avg_pool2d(images.sum(1, keepdim=True), window, stride=1)[:, 0]  # (N, H-w+1, W-w+1)
    return peak_positions(density) + window // 2


@dataclass
class CamEvaluation:
    share: float  # share of images whose CAM peak is inside the digit's box
    chance: float  # the same for a peak at a random pixel
    accuracy: float  # classification accuracy on the same images
    inside: Tensor  # (N,) bool
    peaks: Tensor  # (N, 2) (x, y)
    maps: Tensor  # (N, H, W) CAMs upsampled to the image size
    predicted: Tensor  # (N,)


def evaluate_cams(model: nn.Module, data: Split) -> CamEvaluation:
    """Where does the CAM of the predicted class peak, compared with the true boxes?"""
    if not isinstance(data, Split) or data.boxes is None:
        raise TypeError("data must be a Split with boxes (from placed_digits or digits_with_decoy)")
    size = tuple(data.images.shape[-2:])
    cam = class_activation_maps(model, data.images)
    maps = upsample_maps(cam.maps, size)
    peaks = peak_positions(maps)
    inside = peaks_inside(peaks, data.boxes)
    accuracy = float((cam.classes == data.labels).double().mean())
    return CamEvaluation(float(inside.double().mean()), chance_share(data.boxes, size), accuracy,
                         inside, peaks, maps, cam.classes)


def peak_share(maps: Tensor, boxes: Tensor, size: tuple[int, int]) -> float:
    """Share of (N, h, w) maps whose peak, after upsampling to ``size``, lies inside its box."""
    return float(peaks_inside(peak_positions(upsample_maps(maps, size)), boxes).double().mean())


@torch.no_grad()
def cam_baselines(model: nn.Module, data: Split, seed: int = 0) -> dict[str, float]:
    """How often the peak lands in the digit's box for the CAM of the predicted class, and for
    three baselines that show what the class weights add:

    - ``"class-agnostic"``: the plain sum of the last map's channels, no class weights at all;
    - ``"runner-up class"``: the CAM of the class with the second-highest logit;
    - ``"random other class"``: the CAM of a class drawn at random among the nine others
      (``seed`` fixes the draw).
    """
    if not isinstance(data, Split) or data.boxes is None:
        raise TypeError("data must be a Split with boxes (from placed_digits or digits_with_decoy)")
    seed = check_int("seed", seed, 0)
    _check_gap_model(model)
    size = tuple(data.images.shape[-2:])
    was_training = model.training
    model.eval()
    try:
        features = model.forward_features(data.images)  # (N, K, h, w)
        logits = model.forward_head(features)  # (N, classes)
    finally:
        model.train(was_training)
    top2 = logits.topk(2, dim=1).indices  # (N, 2)
    num_classes = logits.shape[1]
    g = torch.Generator().manual_seed(seed)
    other = (top2[:, 0] + torch.randint(1, num_classes, (len(logits),), generator=g)) % num_classes

    def cam_of(classes: Tensor) -> Tensor:
        return torch.einsum("nk,nkhw->nhw", model.fc.weight[classes], features)  # (N, h, w)

    return {"CAM of the predicted class": peak_share(cam_of(top2[:, 0]), data.boxes, size),
            "class-agnostic (sum of channels)": peak_share(features.sum(1), data.boxes, size),
            "CAM of the runner-up class": peak_share(cam_of(top2[:, 1]), data.boxes, size),
            "CAM of a random other class": peak_share(cam_of(other), data.boxes, size)}
