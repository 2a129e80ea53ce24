"""Numbers quoted from the papers, each with the table or section it comes from.

He, Zhang, Ren, Sun: "Deep Residual Learning for Image Recognition", CVPR 2016,
https://arxiv.org/abs/1512.03385 (Table 1: architectures and FLOPs; Table 2: ImageNet plain vs
ResNet; Table 6: CIFAR-10; sections 3.4 and 4.2: the training recipes).

Three later papers are quoted too, each under its own name below: He et al. 2016, "Identity
Mappings in Deep Residual Networks" (Table 2); Tong He et al. 2019, "Bag of Tricks for Image
Classification with Convolutional Neural Networks" (Table 5); and Wu & He 2018, "Group
Normalization" (Table 2: ResNet-50's ImageNet error against the batch size, what Figure 1 plots).

Nothing else in the package types a number from a paper: the notebooks and the tests compare
these with what our code computes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .text import text_table

__all__ = ["PAPER", "PaperTable", "CIFAR10_TABLE6", "CIFAR10_TABLE6_PARAMS_M", "CIFAR10_TABLE6_1202",
           "CIFAR10_TABLE6_1202_PARAMS_M", "IMAGENET_TABLE2", "PAPER_TABLE1_GFLOPS",
           "PAPER_CIFAR10_TRAINING", "PAPER_IMAGENET_TRAINING", "PAPER_TABLE1_ARCHITECTURE",
           "IDENTITY_MAPPINGS", "IDENTITY_MAPPINGS_TABLE2", "BAG_OF_TRICKS", "BAG_OF_TRICKS_TABLE5",
           "GN_PAPER", "GN_TABLE2_ERROR"]

PAPER = "He et al. 2015, https://arxiv.org/abs/1512.03385"


@dataclass(frozen=True)
class PaperTable:
    """Numbers quoted from one table of the paper, with what they measure."""

    table: str
    dataset: str
    metric: str
    rows: Mapping[str, float]
    note: str = ""

    def lines(self) -> list[str]:
        head = f"{self.table} ({self.dataset}, {self.metric})"
        body = [(name, f"{value:.2f}") for name, value in self.rows.items()]
        return [head] + ["  " + line for line in text_table(("network", "value"), body, right={1})]


CIFAR10_TABLE6 = PaperTable(
    table="Table 6", dataset="CIFAR-10", metric="test error %",
    rows={"ResNet-20": 8.75, "ResNet-32": 7.51, "ResNet-44": 7.17, "ResNet-56": 6.97, "ResNet-110": 6.43},
    note="ResNet-110: best of 5 runs. The paper gives no numbers for plain CIFAR nets, only the "
         "curves of Figure 6, whose caption says: \"The error of plain-110 is higher than 60% and "
         "not displayed.\"")

# Table 6's "# params" column, in millions, for the same networks (option-A shortcuts, RGB input).
CIFAR10_TABLE6_PARAMS_M: Mapping[int, float] = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7}

# Table 6's last row, kept apart because it goes the other way: ResNet-1202 trains about as well
# as ResNet-110 (its training error is below 0.1%, section 4.2 and Figure 6 right) but tests worse.
# That is overfitting, the opposite signature of degradation (where the training error itself is worse).
CIFAR10_TABLE6_1202 = PaperTable(
    table="Table 6", dataset="CIFAR-10", metric="test error %",
    rows={"ResNet-110": 6.43, "ResNet-1202": 7.93},
    note="ResNet-1202 reaches a training error below 0.1% (section 4.2, Figure 6 right), similar to "
         "ResNet-110's; the paper on the 1202-layer net: \"We argue that this is because of overfitting.\"")
# Table 6, "# params" of ResNet-1202, in millions.
CIFAR10_TABLE6_1202_PARAMS_M = 19.4

IMAGENET_TABLE2 = PaperTable(
    table="Table 2", dataset="ImageNet validation", metric="top-1 error %, 10-crop testing",
    rows={"plain-18": 27.94, "plain-34": 28.54, "ResNet-18": 27.88, "ResNet-34": 25.03},
    note="The 34-layer plain net is worse than the 18-layer one; with shortcuts it is the reverse.")

# Table 1, last row: "FLOPs" (multiply-adds) / 1e9 at 224x224.
PAPER_TABLE1_GFLOPS: Mapping[int, float] = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}

# Table 1, the rest: output size of each stage at 224x224, blocks per stage, and the (kernel,
# filters) of each conv in a stage's block, for the BasicBlock (18, 34) and Bottleneck networks.
PAPER_TABLE1_ARCHITECTURE = {
    "output size": {"conv1": 112, "conv2_x": 56, "conv3_x": 28, "conv4_x": 14, "conv5_x": 7, "head": 1},
    "blocks": {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]},
    "basic filters": [[(3, 64), (3, 64)], [(3, 128), (3, 128)], [(3, 256), (3, 256)], [(3, 512), (3, 512)]],
    "bottleneck filters": [[(1, 64), (3, 64), (1, 256)], [(1, 128), (3, 128), (1, 512)],
                           [(1, 256), (3, 256), (1, 1024)], [(1, 512), (3, 512), (1, 2048)]],
}

# How much the paper trained (section 4.2 for CIFAR-10, section 3.4 for ImageNet).
PAPER_CIFAR10_TRAINING = {"train_images": 50_000, "image_shape": (3, 32, 32), "iterations": 64_000,
                          "batch_size": 128}
PAPER_IMAGENET_TRAINING = {"train_images": 1_280_000, "image_shape": (3, 224, 224), "iterations": 600_000,
                           "batch_size": 256}


IDENTITY_MAPPINGS = ("He, Zhang, Ren, Sun 2016, Identity Mappings in Deep Residual Networks, "
                     "https://arxiv.org/abs/1603.05027")
# Its Table 2, "Classification error (%) on the CIFAR-10 test set using different activation
# functions": the Residual Units of its Fig. 4, in ResNet-110 and ResNet-164. (Table 3 repeats
# the "original" and "full pre-activation" rows and adds ResNet-1001; preact.py reads these.)
IDENTITY_MAPPINGS_TABLE2: Mapping[str, Mapping[str, float]] = {
    "original (Fig. 4a)": {"ResNet-110": 6.61, "ResNet-164": 5.93},
    "ReLU before addition (Fig. 4c)": {"ResNet-110": 7.84, "ResNet-164": 6.14},
    "full pre-activation (Fig. 4e)": {"ResNet-110": 6.37, "ResNet-164": 5.46},
}

BAG_OF_TRICKS = ("Tong He, Zhi Zhang, Hang Zhang, Zhongyue Zhang, Junyuan Xie, Mu Li 2019, Bag of Tricks "
                 "for Image Classification with Convolutional Neural Networks, https://arxiv.org/abs/1812.01187")
BAG_OF_TRICKS_TABLE5 = PaperTable(
    table="Table 5", dataset="ImageNet validation", metric="top-1 accuracy %",
    rows={"ResNet-50": 76.21, "ResNet-50-B": 76.66, "ResNet-50-C": 76.87, "ResNet-50-D": 77.16},
    note="ResNet-50-B moves the stride to the 3x3 (torchvision's v1.5); C adds the deep stem; D adds "
         "the average-pool shortcut to C. Accuracy, not error: higher is better.")

GN_PAPER = "Wu & He 2018, Group Normalization, https://arxiv.org/abs/1803.08494"

# Wu & He 2018, Table 2 ("Sensitivity to batch sizes", "This table is visualized in Figure 1"):
# ResNet-50's validation error (%) on ImageNet, trained with BN or with GN (32 groups) at N
# images per GPU on 8 GPUs ("the BN mean and variance are computed within each GPU"), learning
# rate 0.1N/32, "the same number of training epochs for all cases" (section 4.1). Section 4.1:
# "In the case of a batch size of 2, GN has 10.6% lower error rate than its BN counterpart
# (24.1% vs. 34.7%)."
GN_TABLE2_ERROR: Mapping[str, Mapping[int, float]] = {
    "BN": {32: 23.6, 16: 23.7, 8: 24.8, 4: 27.3, 2: 34.7},
    "GN": {32: 24.1, 16: 24.2, 8: 24.0, 4: 24.2, 2: 24.1},
}
