"""Notebook 06: the end of ResNet. Flatten versus global average pooling (GAP), and CAMs.

Three parts, each a plain function the notebook, the widget and the tests share:

* input-size arithmetic: which last feature map an input gives, and whether each of three
  heads runs on it (GAP, a Flatten head built for one size, the fixed ``AvgPool2d(7)`` of
  seed 001), with the exact error PyTorch raises when it does not;
* class activation maps (Zhou et al. 2016): ``CAM_c = sum_k w_ck A_k`` from a GAP network's fc
  weights, and how often the map's peak lands inside the object's box;
* a digits data set with a decoy (a digit with its pixels shuffled: the same ink), so that finding
  "where the ink is" is not enough to find the digit.

No matplotlib or ipywidgets here (see ``resnet_teach.plots.heads`` / ``widgets.heads``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._checks import check_choice, check_int, check_pair
from ..arithmetic import conv_output_size, pool_output_size
from ..data import Split, placed_digits
from ..exercises import Feedback, compare, is_unanswered
from ..mistakes import check
from ..resnet import STAGES, resnet18
from ..trace import count_parameters

__all__ = [
    "DOWNSAMPLING", "size_steps", "last_map_size", "feature_channels", "fc_parameters",
    "HeadCheck", "InputSizeReport", "explore_input_size", "flatten_error", "avgpool_too_small_error",
    "digits_with_decoy", "CamResult", "class_activation_maps", "upsample_maps", "peak_positions",
    "peaks_inside", "chance_share", "ink_peaks", "CamEvaluation", "evaluate_cams",
    "peak_share", "cam_baselines",
    "check_flatten_fc_params", "check_flatten_input_range", "check_avgpool_fraction", "check_cam",
    "check_size_prediction",
]

# The five layers of ResNet-18/34/50/101/152 that change the spatial size; every other layer
# keeps it (3x3 convs with padding 1 and stride 1, 1x1 convs). (name, kind, kernel, stride, padding)
DOWNSAMPLING: Tuple[Tuple[str, str, int, int, int], ...] = (
    ("conv1", "conv", 7, 2, 3),
    ("maxpool", "pool", 3, 2, 1),
    ("layer2 (first block)", "conv", 3, 2, 1),
    ("layer3 (first block)", "conv", 3, 2, 1),
    ("layer4 (first block)", "conv", 3, 2, 1),
)

HEADS = ("gap", "flatten", "avgpool")
HEAD_NAMES = {"gap": "GAP: AdaptiveAvgPool2d(1)", "flatten": "Flatten head",
              "avgpool": "fixed AvgPool2d"}


def _check_size(height: int, width: int) -> Tuple[int, int]:
    return check_int("height", height, 1), check_int("width", width, 1)


def size_steps(height: int, width: int) -> List[Tuple[str, Tuple[int, int]]]:
    """The spatial size after each size-changing layer, starting with ("input", (H, W)).

    >>> [s for _, s in size_steps(224, 224)]
    [(224, 224), (112, 112), (56, 56), (28, 28), (14, 14), (7, 7)]
    """
    size = _check_size(height, width)
    steps = [("input", size)]
    for name, kind, k, s, p in DOWNSAMPLING:
        size = (conv_output_size(size, k, s, p) if kind == "conv" else pool_output_size(size, k, s, p))
        steps.append((name, size))
    return steps


def last_map_size(height: int, width: int) -> Tuple[int, int]:
    """(h, w) of layer4's output for an H x W input: about H/32 x W/32, rounded up."""
    return size_steps(height, width)[-1][1]


def feature_channels(depth: int) -> int:
    """Channels of layer4's output: 512 for ResNet-18/34, 2048 (512 x 4) for 50/101/152."""
    check_choice("depth", depth, tuple(STAGES))
    return 512 * STAGES[depth][0].expansion


def fc_parameters(in_features: int, num_classes: int) -> int:
    """Weights plus biases of ``nn.Linear(in_features, num_classes)``."""
    check_int("in_features", in_features, 1)
    check_int("num_classes", num_classes, 1)
    return in_features * num_classes + num_classes


def flatten_error(batch: int, got_features: int, fc_in: int, num_classes: int) -> str:
    """The message of PyTorch's RuntimeError when a Linear layer gets the wrong width."""
    return (f"mat1 and mat2 shapes cannot be multiplied ({batch}x{got_features} and "
            f"{fc_in}x{num_classes})")


def avgpool_too_small_error(channels: int, size: Tuple[int, int], out: Tuple[int, int]) -> str:
    """The message of PyTorch's RuntimeError when a pooling window is larger than its input."""
    return (f"Given input size: ({channels}x{size[0]}x{size[1]}). Calculated output size: "
            f"({channels}x{out[0]}x{out[1]}). Output size is too small")


@dataclass(frozen=True)
class HeadCheck:
    """Whether one head runs on a feature map, and what it does."""

    head: str  # "gap", "flatten" or "avgpool"
    label: str  # e.g. "Flatten head built for 224x224"
    runs: bool
    fc_in: int  # the width fc was built for
    features: Optional[int]  # the width that reaches fc (None: the head failed before fc)
    detail: str  # what happens, or PyTorch's error message
    error: Optional[str] = None  # PyTorch's exact error message if it does not run
    covered: float = 1.0  # share of the feature map's positions the pooling averages


@dataclass(frozen=True)
class InputSizeReport:
    depth: int
    height: int
    width: int
    channels: int
    steps: Tuple[Tuple[str, Tuple[int, int]], ...]
    num_classes: int
    flatten_built_for: Tuple[int, int]
    heads: Tuple[HeadCheck, ...]
    notes: Tuple[str, ...]

    @property
    def map_size(self) -> Tuple[int, int]:
        return self.steps[-1][1]

    @property
    def map_shape(self) -> Tuple[int, int, int]:
        """(C, h, w) of the last feature map."""
        return (self.channels, *self.map_size)

    @property
    def gap_fc_params(self) -> int:
        return fc_parameters(self.channels, self.num_classes)

    @property
    def flatten_fc_params(self) -> int:
        """Parameters of a Flatten head's fc built for *this* input size."""
        h, w = self.map_size
        return fc_parameters(self.channels * h * w, self.num_classes)

    def head(self, name: str) -> HeadCheck:
        check_choice("name", name, HEADS)
        return next(h for h in self.heads if h.head == name)

    def lines(self) -> List[str]:
        c, h, w = self.map_shape
        chain = " -> ".join(f"{a}x{b}" for _, (a, b) in self.steps)
        out = [f"ResNet-{self.depth}, input {self.height}x{self.width}: {chain}",
               f"last feature map (C, h, w): ({c}, {h}, {w})",
               f"fc after GAP: Linear({c}, {self.num_classes}) = {self.gap_fc_params:,} parameters",
               f"fc of a Flatten head built for this size: Linear({c * h * w}, {self.num_classes}) = "
               f"{self.flatten_fc_params:,} parameters"]
        for check in self.heads:
            out.append(f"  [{'runs' if check.runs else 'FAILS'}] {check.label}: {check.detail}")
        return out + [f"note: {n}" for n in self.notes]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _gap_check(channels: int) -> HeadCheck:
    return HeadCheck("gap", HEAD_NAMES["gap"], True, channels, channels,
                     f"averages every position of each channel; fc gets {channels} features")


def _flatten_check(channels: int, map_size: Tuple[int, int], built_for: Tuple[int, int],
                   num_classes: int) -> HeadCheck:
    bh, bw = last_map_size(*built_for)
    h, w = map_size
    fc_in, got = channels * bh * bw, channels * h * w
    label = f"Flatten head built for {built_for[0]}x{built_for[1]}"
    if (h, w) == (bh, bw):
        return HeadCheck("flatten", label, True, fc_in, got,
                         f"the map is {h}x{w} as at {built_for[0]}x{built_for[1]}; fc gets {got} features")
    if got == fc_in:  # same number of positions, other layout: PyTorch cannot notice
        return HeadCheck("flatten", label, True, fc_in, got,
                         f"runs, but only by accident: the {h}x{w} map has as many positions as the "
                         f"{bh}x{bw} one fc was built for, so each weight now multiplies a different "
                         f"position than the one it was trained on")
    error = flatten_error(1, got, fc_in, num_classes)
    return HeadCheck("flatten", label, False, fc_in, got,
                     f"flattening {channels}x{h}x{w} gives {got} features, fc expects {fc_in}: "
                     f"RuntimeError: {error}", error)


def _avgpool_check(channels: int, map_size: Tuple[int, int], kernel: int,
                   num_classes: int) -> HeadCheck:
    label = f"fixed AvgPool2d({kernel}) (seed 001)"
    # PyTorch's pooling arithmetic (stride = kernel, no padding); a negative floor gives 0.
    out = tuple(max((n - kernel) // kernel + 1, 0) for n in map_size)
    if min(out) < 1:
        error = avgpool_too_small_error(channels, map_size, out)
        return HeadCheck("avgpool", label, False, channels, None,
                         f"the {map_size[0]}x{map_size[1]} map is smaller than the {kernel}x{kernel} "
                         f"window: RuntimeError: {error}", error, 0.0)
    covered = (out[0] * kernel) * (out[1] * kernel) / (map_size[0] * map_size[1])
    got = channels * out[0] * out[1]
    if got != channels:
        error = flatten_error(1, got, channels, num_classes)
        return HeadCheck("avgpool", label, False, channels, got,
                         f"pools {map_size[0]}x{map_size[1]} to {out[0]}x{out[1]}, so fc gets {got} "
                         f"features instead of {channels}: RuntimeError: {error}", error, covered)
    if covered < 1:
        detail = (f"runs, but silently: one {kernel}x{kernel} window averages only the top-left "
                  f"{kernel}x{kernel} of the {map_size[0]}x{map_size[1]} map "
                  f"({covered:.0%} of its positions); the rest is ignored")
    else:
        detail = f"the map is exactly {kernel}x{kernel}, so this equals GAP"
    return HeadCheck("avgpool", label, True, channels, got, detail, None, covered)


def explore_input_size(height: int, width: int, depth: int = 18, num_classes: int = 1000,
                       flatten_built_for: int | Tuple[int, int] = 224, pool_kernel: int = 7
                       ) -> InputSizeReport:
    """What happens at the end of ResNet-``depth`` for an ``height`` x ``width`` input.

    Computed from the size arithmetic, not by running the network (the tests compare it with
    real forward passes). The network itself runs at any size >= 1 in eval mode: zero padding
    keeps every layer's output at least 1x1.
    """
    height, width = _check_size(height, width)
    channels = feature_channels(depth)
    check_int("num_classes", num_classes, 1)
    built_for = check_pair("flatten_built_for", flatten_built_for, 1)
    check_int("pool_kernel", pool_kernel, 1)
    steps = tuple(size_steps(height, width))
    map_size = steps[-1][1]
    heads = (_gap_check(channels), _flatten_check(channels, map_size, built_for, num_classes),
             _avgpool_check(channels, map_size, pool_kernel, num_classes))
    notes = []
    if min(height, width) < 32:
        notes.append(f"an input of {height}x{width} is smaller than 32 pixels on one side: the network still "
                     f"runs (zero padding keeps every map at least 1 pixel), but it was designed for "
                     f"images around 224 pixels; layer4 sees little but padding there. For small images "
                     f"use the CIFAR stem (notebook 04).")
    if max(height, width) >= 8 * min(height, width):
        notes.append(f"the input is {max(height, width) // min(height, width)} times longer than it "
                     f"is wide: GAP still gives {channels} features, but it averages a "
                     f"{map_size[0]}x{map_size[1]} strip.")
    return InputSizeReport(depth, height, width, channels, steps, num_classes, built_for, heads, tuple(notes))


# ---------------------------------------------------------------- data with a decoy


def _scramble(patches: Tensor, tile: int, generator: torch.Generator) -> Tensor:
    """Cut each (d, d) patch of (N, d, d) into tile x tile squares and shuffle them (each patch
    its own order): the same ink, but no digit shape."""
    n, d = patches.shape[0], patches.shape[-1]
    t, blocks = tile, d // tile
    tiles = patches.reshape(n, blocks, t, blocks, t).permute(0, 1, 3, 2, 4).reshape(n, blocks * blocks, t, t)
    order = torch.rand(n, blocks * blocks, generator=generator).argsort(dim=1)  # a permutation per patch
    tiles = tiles[torch.arange(n)[:, None], order]
    return tiles.reshape(n, blocks, blocks, t, t).permute(0, 1, 3, 2, 4).reshape(n, d, d)


def digits_with_decoy(n: int = 1000, canvas: int = 24, digit_size: int = 8, seed: int = 0,
                      split: str = "train", tile: int = 1) -> Split:
    """``placed_digits`` plus a decoy: another digit, its pixels shuffled, placed beside it.

    The decoy has the same amount of ink as a digit but no digit shape, and never overlaps the
    digit's box. ``tile`` > 1 shuffles tile x tile squares instead of single pixels. So a map that only finds ink lands on the decoy about half of the time; only a
    network that learned what digits look like can tell them apart. ``boxes`` is the real
    digit's box; the label is the real digit's class.
    """
    check_int("n", n, 1)
    check_int("digit_size", digit_size, 8)
    check_int("canvas", canvas, 8)
    check_int("tile", tile, 1)
    if digit_size % tile:
        raise ValueError(f"tile={tile} must divide digit_size={digit_size} to cut it into tiles")
    if canvas < 3 * digit_size - 1:
        raise ValueError(f"canvas={canvas} must be >= 3*digit_size-1 = {3 * digit_size - 1} so a decoy "
                         f"always fits beside the digit")
    check_int("seed", seed, 0)
    check_choice("split", split, ("train", "test"))
    d = digit_size
    base = placed_digits(n, canvas=canvas, digit_size=d, seed=seed, split=split)
    # Other digits of the same split (train and test stay disjoint), used as the decoys' ink.
    ink = placed_digits(n, canvas=canvas, digit_size=d, seed=seed + 1_000_003, split=split)
    g = torch.Generator().manual_seed(2 * seed + (split == "test") + 77)
    rows = torch.arange(d)
    ys = (ink.boxes[:, 1, None] + rows)[:, :, None]  # (n, d, 1)
    xs = (ink.boxes[:, 0, None] + rows)[:, None, :]  # (n, 1, d)
    decoys = _scramble(ink.images[torch.arange(n)[:, None, None], 0, ys, xs], tile, g)  # (n, d, d)
    # Every top-left corner (x, y) whose d x d square does not overlap the digit's box.
    spots = canvas - d + 1
    cy, cx = torch.meshgrid(torch.arange(spots), torch.arange(spots), indexing="ij")
    cy, cx = cy.flatten()[None], cx.flatten()[None]  # (1, spots^2)
    x0, y0, x1, y1 = (base.boxes[:, i, None] for i in range(4))  # each (n, 1)
    free = (cx + d <= x0) | (cx >= x1) | (cy + d <= y0) | (cy >= y1)  # (n, spots^2)
    pick = torch.multinomial(free.double(), 1, generator=g)[:, 0]  # one free corner per image
    images = base.images.clone()
    for i, (y, x) in enumerate(zip(cy[0, pick].tolist(), cx[0, pick].tolist())):
        images[i, 0, y:y + d, x:x + d] = decoys[i]
    return Split(images, base.labels, base.boxes)


# ---------------------------------------------------------------- class activation maps


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
def class_activation_maps(model: nn.Module, images: Tensor, classes: Optional[Tensor] = None) -> CamResult:
    """``CAM_c = sum_k w_ck A_k``: the fc weights of class c applied at every position of the
    last feature map A (Zhou et al. 2016). ``classes`` defaults to the predicted class.

    Because GAP is a mean, ``logit_c = mean(CAM_c) + b_c`` exactly: the map shows where the
    evidence for the class sits before the average throws the positions away.
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


def upsample_maps(maps: Tensor, size: Tuple[int, int]) -> Tensor:
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


def chance_share(boxes: Tensor, canvas: Tuple[int, int]) -> float:
    """How often a peak put at a uniformly random pixel falls inside the box: mean box area
    over canvas area."""
    h, w = check_pair("canvas", canvas, 1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return float(area.double().mean()) / (h * w)


def ink_peaks(images: Tensor, window: int) -> Tensor:
    """A map-free baseline: the centre (x, y) of the window x window square holding most ink."""
    check_int("window", window, 1)
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


def peak_share(maps: Tensor, boxes: Tensor, size: Tuple[int, int]) -> float:
    """Share of (N, h, w) maps whose peak, after upsampling to ``size``, lies inside its box."""
    return float(peaks_inside(peak_positions(upsample_maps(maps, size)), boxes).double().mean())


@torch.no_grad()
def cam_baselines(model: nn.Module, data: Split, seed: int = 0) -> dict:
    """How often the peak lands in the digit's box for the CAM of the predicted class, and for
    three baselines that show what the class weights add:

    - ``"class-agnostic"``: the plain sum of the last map's channels, no class weights at all;
    - ``"runner-up class"``: the CAM of the class with the second-highest logit;
    - ``"random other class"``: the CAM of a class drawn at random among the nine others
      (``seed`` fixes the draw).
    """
    if not isinstance(data, Split) or data.boxes is None:
        raise TypeError("data must be a Split with boxes (from placed_digits or digits_with_decoy)")
    check_int("seed", seed, 0)
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


# ---------------------------------------------------------------- exercises


def check_flatten_fc_params(answer: int) -> Feedback:
    """Exercise: parameters of the fc layer of a ResNet-18 Flatten head built for 160x160, 10 classes."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = resnet18(head="flatten", input_size=160, num_classes=10)
    expected = count_parameters(model.fc)
    c, (h, w) = model.num_features, model.feature_map_size((160, 160))
    at_224 = resnet18(head="flatten", input_size=224, num_classes=10).fc
    return check(answer, expected,
                 f"At 160x160 the last map is {c}x{h}x{w}, so fc is Linear({c * h * w}, 10): "
                 f"{c * h * w} x 10 weights + 10 biases = {expected:,}.",
                 hint="Find the last map's size (160 is divided by 2 five times, rounding up), "
                      "multiply channels x h x w, then count weights and biases.",
                 mistakes=[(expected - 10, "Biases forgotten: fc has one per class."),
                           (count_parameters(at_224), "That is the head built for 224x224 (a 7x7 map); at "
                                                      "160 the map is smaller."),
                           (c * 10 + 10, "That is the GAP head: the Flatten head takes every position "
                                         "of the map, not one average per channel."),
                           (c * h * w * 1000 + 1000, "That is for 1000 classes; the question asks for 10.")])


def check_flatten_input_range(answer: Tuple[int, int], built_for: int = 160) -> Feedback:
    """Exercise: (smallest, largest) square side a Flatten head built for ``built_for`` accepts."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    check_int("built_for", built_for, 1)
    model = resnet18(num_classes=1)

    def band(side: int) -> Tuple[int, int]:
        target = model.feature_map_size((side, side))
        sides = [n for n in range(1, 4 * side + 1) if model.feature_map_size((n, n)) == target]
        return min(sides), max(sides)

    expected = band(built_for)
    target = model.feature_map_size((built_for, built_for))
    pair = tuple(answer) if isinstance(answer, (list, tuple)) else answer

    def shifted(lo: int, hi: int):
        return lambda a: tuple(int(v) for v in a) == (lo, hi)

    return check(pair, expected,
                 f"Every side from {expected[0]} to {expected[1]} gives a {target[0]}x{target[1]} "
                 f"last map, so the flattened width matches fc; one pixel more or less and it does not.",
                 hint="Give a pair (smallest, largest). Try size_steps(n, n) for sides near "
                      f"{built_for}, or model.feature_map_size((n, n)).",
                 mistakes=[(lambda a: not isinstance(a, tuple) or len(a) != 2, "Answer a pair (smallest, largest)."),
                           (shifted(expected[0] - 1, expected[1]), f"Off by one at the bottom: at "
                                                                   f"{expected[0] - 1} the map is one smaller."),
                           (shifted(expected[0], expected[1] + 1), f"Off by one at the top: at "
                                                                   f"{expected[1] + 1} the map is one larger."),
                           (shifted(built_for, built_for), "More than one side works: each stride-2 layer "
                                                           "rounds up, so nearby sides give the same map."),
                           (shifted(*band(224)), "That is the band of the head built for 224 (section 5); "
                                                 f"this one is built for {built_for}."),
                           (shifted(expected[1], expected[1] + 31), "The sides that work end at the size it "
                                                                    "was built for: rounding *up* maps "
                                                                    "smaller sides onto the same map.")])


def check_avgpool_fraction(answer: float) -> Feedback:
    """Exercise: the share of the last feature map AvgPool2d(7) averages at a 416x416 input."""
    if is_unanswered(answer):
        return compare(answer, None, "")
    model = resnet18(num_classes=1)
    h, w = model.feature_map_size((416, 416))
    next_h, next_w = model.feature_map_size((417, 417))
    next_report = explore_input_size(417, 417).head("avgpool")
    # Ask autograd which positions of the map reach the pooled output at all.
    fmap = torch.ones(1, 1, h, w, requires_grad=True)
    nn.AvgPool2d(7)(fmap).sum().backward()
    used = int((fmap.grad != 0).sum())
    expected = used / (h * w)

    def near(target: float):
        return lambda a: not isinstance(a, bool) and abs(float(a) - target) < 0.005

    return check(answer, expected,
                 f"At 416x416 the map is {h}x{w}; AvgPool2d(7) has stride 7, so one 7x7 window fits "
                 f"and it averages {used} of {h * w} positions = {expected:.2f}. The output is still "
                 f"1x1, so nothing complains. One pixel more (417x417) and the map is {next_h}x{next_w}: "
                 f"the head {'runs' if next_report.runs else 'fails'}"
                 f"{'' if next_report.runs else ', because ' + next_report.detail.split(':')[0]}.",
                 hint="A share between 0 and 1. How big is the last map at 416? How many 7x7 "
                      "windows with stride 7 fit in it?",
                 equal=lambda a, e: not isinstance(a, bool) and abs(float(a) - e) < 0.005,
                 mistakes=[(near(1.0), "That would be global average pooling; a fixed 7x7 window with "
                                       "stride 7 covers only part of a larger map."),
                           (near(1 - expected), "That is the share it ignores; the question asks for the "
                                                "share it averages."),
                           (near(4 * used / (h * w)), "Only one window fits: the second would start at 7 "
                                                      f"and end at 14, past the map's {h} positions."),
                           (lambda a: not isinstance(a, bool) and float(a) > 1,
                            "A share is at most 1: averaged positions / all positions.")])


def check_size_prediction(prediction: object, accuracy_at_train_size: float, accuracy_larger: float) -> Feedback:
    """Predict-then-run (notebook 06): shown the same test images twice as large, does the
    trained network keep an accuracy within 10 points of what it has at the training size?"""
    if is_unanswered(prediction):
        return Feedback(False, "Write your prediction in `prediction` first (True or False), then run "
                               "this cell again.")
    for name, value in (("accuracy_at_train_size", accuracy_at_train_size), ("accuracy_larger", accuracy_larger)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{name}={value!r} must be an accuracy between 0 and 1")
    kept = accuracy_larger >= accuracy_at_train_size - 0.10
    measured = (f"measured {accuracy_larger:.0%} at twice the size against "
                f"{accuracy_at_train_size:.0%} at the training size")
    if not isinstance(prediction, bool):
        return Feedback(False, f"You predicted {prediction!r}: answer True (it keeps its accuracy) or False.")
    if prediction == kept:
        return Feedback(True, f"As you predicted: {measured}. The network runs at any size; it "
                              f"{'also' if kept else 'does not'} perform at this one.")
    return Feedback(False, f"You predicted {prediction}; {measured}. "
                           + ("Running at a size is not performing at it: the features were learned "
                              "for digits 8 pixels tall." if not kept else
                              "Convolutions slide over any map, and here they still recognised the digits."))


def check_cam(answer: Tensor, features: Tensor, fc: nn.Linear, cls: int) -> Feedback:
    """Exercise: the class activation map of class ``cls`` for a (1, K, h, w) feature map."""
    if not isinstance(fc, nn.Linear):
        raise TypeError(f"fc must be an nn.Linear, got {type(fc).__name__}")
    expected = (fc.weight[cls][:, None, None] * features[0]).sum(0).detach()  # (h, w)
    shape = tuple(expected.shape)

    def as_map(a: object) -> Tensor:
        a = torch.as_tensor(a).detach()
        if a.shape != expected.shape and a.squeeze().shape == expected.shape:
            a = a.squeeze()  # a (1, h, w) map, e.g. computed on the whole batch, is the same map
        return a

    def close(a: object, target: Tensor) -> bool:
        a = as_map(a)
        return a.shape == target.shape and torch.allclose(a, target, atol=1e-5, rtol=1e-4)

    weights = fc.weight.detach()
    other = (cls + 1) % weights.shape[0]
    shown = (f"a tensor of shape {tuple(answer.shape)}" if isinstance(answer, Tensor)
             else f"{answer!r}" if isinstance(answer, (int, float, str)) else f"a {type(answer).__name__}")
    return check(answer, expected,
                 f"Weighting each of the {features.shape[1]} channels by fc.weight[{cls}] and adding "
                 f"them gives a {shape} tensor; its mean plus fc.bias[{cls}] is the class's logit.",
                 hint=f"The shape is right, the values are not. The map is the sum over k of "
                      f"fc.weight[{cls}, k] * features[0, k].",
                 equal=lambda a, e: close(a, e),
                 shown=shown,
                 mistakes=[(lambda a: not isinstance(a, (Tensor, list, tuple)),
                            f"Answer a tensor: the map, one value per position, shape {shape}."),
                           (lambda a: as_map(a).shape != expected.shape,
                            f"The map has shape {shape}, one value per position: weight the channels, "
                            f"then sum over them."),
                           (lambda a: close(a, expected + fc.bias[cls].detach()),
                            "The bias belongs to the logit, not to the map: the logit is the map's mean plus "
                            "the bias."),
                           (lambda a: close(a, features[0].sum(0)), "That is the plain sum of the channels: "
                                                                    "each channel must be weighted by its "
                                                                    "fc weight for the class."),
                           (lambda a: close(a, expected.T), "Transposed: keep features' (h, w) order."),
                           (lambda a: close(a, (weights[other][:, None, None] * features[0]).sum(0)),
                            "Another class's weights: use row {cls} of fc.weight.".replace("{cls}", str(cls)))])
