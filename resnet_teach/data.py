"""Built-in data: nothing is downloaded.

* ``digits``: scikit-learn's 1,797 real handwritten digits (8x8, 10 classes), shipped inside
  the scikit-learn package; optionally upsampled.
* ``placed_digits``: a digit pasted at a random spot of a larger blank canvas, with its box,
  for checking where a network looks (class activation maps); ``digits_with_decoy`` adds a
  decoy (another digit, its pixels shuffled: the same ink, no digit shape).
* ``sample_photo``: a real photograph that ships with scikit-learn (``china.jpg``).
* ``cifar10_from_disk``: the optional full-scale path, only if the user already has CIFAR-10.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import Tensor

from ._checks import check_bool, check_choice, check_float, check_int

__all__ = ["Split", "digits", "placed_digits", "digits_with_decoy", "sample_photo", "cifar10_from_disk"]


@dataclass
class Split:
    """Images and labels of one split; ``boxes`` (x0, y0, x1, y1) only for placed_digits."""

    images: Tensor  # (N, C, H, W) float32
    labels: Tensor  # (N,) int64
    boxes: Tensor | None = None  # (N, 4) int64, pixel box [x0, x1) x [y0, y1)

    def __len__(self) -> int:
        return len(self.labels)


def _load_digits() -> tuple[Tensor, Tensor]:
    from sklearn.datasets import load_digits  # imported here: only the data needs it

    bunch = load_digits()
    images = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (1797, 1, 8, 8) in [0, 1]
    return images, torch.tensor(bunch.target, dtype=torch.long)


def _split_indices(n: int, test_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = int(round(n * test_fraction))
    return perm[n_test:], perm[:n_test]


def digits(split: str = "train", size: int = 8, test_fraction: float = 0.25, seed: int = 0,
           normalize: bool = True) -> Split:
    """scikit-learn's handwritten digits as a (N, 1, size, size) tensor split.

    ``size`` > 8 upsamples bilinearly. ``normalize`` standardizes with the training split's
    mean and std. The split is fixed by ``seed`` (train and test never overlap).
    """
    split = check_choice("split", split, ("train", "test"))
    size = check_int("size", size, 8)
    test_fraction = check_float("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    seed = check_int("seed", seed, 0)
    normalize = check_bool("normalize", normalize)
    images, labels = _load_digits()
    train_idx, test_idx = _split_indices(len(labels), test_fraction, seed)
    if size != 8:
        images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    if normalize:
        mean, std = images[train_idx].mean(), images[train_idx].std()
        images = (images - mean) / std
    idx = train_idx if split == "train" else test_idx
    return Split(images[idx].contiguous(), labels[idx])


def placed_digits(n: int = 2000, canvas: int = 32, digit_size: int = 12, seed: int = 0,
                  split: str = "train", test_fraction: float = 0.25) -> Split:
    """Each image: one digit (upsampled to ``digit_size``) at a random place on a blank canvas.

    ``boxes[i] = (x0, y0, x1, y1)`` is where digit i was pasted, so a class activation map can
    be checked against the truth. Train and test use disjoint source digits.
    """
    n = check_int("n", n, 1)
    canvas = check_int("canvas", canvas, 8)
    digit_size = check_int("digit_size", digit_size, 8)
    if digit_size > canvas:
        raise ValueError(f"digit_size={digit_size} must be <= canvas={canvas}")
    seed = check_int("seed", seed, 0)
    split = check_choice("split", split, ("train", "test"))
    images, labels = _load_digits()
    train_idx, test_idx = _split_indices(len(labels), test_fraction, 0)
    source = train_idx if split == "train" else test_idx
    g = torch.Generator().manual_seed(seed * 2 + (split == "test"))
    pick = source[torch.randint(len(source), (n,), generator=g)]
    small = torch.nn.functional.interpolate(images[pick], size=(digit_size, digit_size),
                                            mode="bilinear", align_corners=False)  # (n, 1, d, d)
    ys = torch.randint(canvas - digit_size + 1, (n,), generator=g)
    xs = torch.randint(canvas - digit_size + 1, (n,), generator=g)
    out = torch.zeros(n, 1, canvas, canvas)
    for i in range(n):
        y, x = int(ys[i]), int(xs[i])
        out[i, :, y:y + digit_size, x:x + digit_size] = small[i]
    boxes = torch.stack([xs, ys, xs + digit_size, ys + digit_size], dim=1)
    return Split(out, labels[pick], boxes)


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
    digit's box. ``tile`` > 1 shuffles tile x tile squares instead of single pixels. So a map
    that only finds ink lands on the decoy about half of the time; only a
    network that learned what digits look like can tell them apart. ``boxes`` is the real
    digit's box; the label is the real digit's class.
    """
    n = check_int("n", n, 1)
    digit_size = check_int("digit_size", digit_size, 8)
    canvas = check_int("canvas", canvas, 8)
    tile = check_int("tile", tile, 1)
    if digit_size % tile:
        raise ValueError(f"tile={tile} must divide digit_size={digit_size} to cut it into tiles")
    if canvas < 3 * digit_size - 1:
        raise ValueError(f"canvas={canvas} must be >= 3*digit_size-1 = {3 * digit_size - 1} so a decoy "
                         f"always fits beside the digit")
    seed = check_int("seed", seed, 0)
    split = check_choice("split", split, ("train", "test"))
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


def sample_photo(gray: bool = True, size: int | None = None) -> Tensor:
    """The photograph ``china.jpg`` that ships with scikit-learn, as a float tensor in [0, 1].

    Returns (1, 1, H, W) if ``gray`` else (1, 3, H, W); ``size`` resizes the shorter side
    (keeping the aspect ratio).
    """
    from sklearn.datasets import load_sample_image

    gray = check_bool("gray", gray)
    if size is not None:
        size = check_int("size", size, 4)
    img = torch.tensor(load_sample_image("china.jpg"), dtype=torch.float32) / 255.0  # (H, W, 3)
    img = img.permute(2, 0, 1).unsqueeze(0)  # (1, 3, H, W)
    if gray:
        img = (img * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    if size is not None:
        h, w = img.shape[-2:]
        scale = size / min(h, w)
        img = torch.nn.functional.interpolate(img, size=(round(h * scale), round(w * scale)),
                                              mode="bilinear", align_corners=False, antialias=True)
    return img.clamp(0, 1)


def cifar10_from_disk(root: str | None = None, split: str = "train") -> Split:
    """CIFAR-10 from a folder the user already has (never downloads).

    ``root`` defaults to the environment variable ``RESNET_TEACH_CIFAR10``; it must contain
    torchvision's ``cifar-10-batches-py`` folder.
    """
    split = check_choice("split", split, ("train", "test"))
    root = root or os.environ.get("RESNET_TEACH_CIFAR10")
    if not root:
        raise ValueError("root=None: set root= or the environment variable RESNET_TEACH_CIFAR10 to "
                         "the folder that holds cifar-10-batches-py (nothing is downloaded)")
    folder = os.path.join(root, "cifar-10-batches-py")
    if not os.path.isdir(folder):
        raise ValueError(f"root={root!r} has no cifar-10-batches-py folder; put CIFAR-10 there "
                         f"first (resnet_teach never downloads it)")
    from torchvision.datasets import CIFAR10

    ds = CIFAR10(root, train=(split == "train"), download=False)
    images = torch.tensor(ds.data, dtype=torch.float32).permute(0, 3, 1, 2) / 255.0  # (N, 3, 32, 32)
    mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
    std = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
    return Split((images - mean) / std, torch.tensor(ds.targets, dtype=torch.long))
