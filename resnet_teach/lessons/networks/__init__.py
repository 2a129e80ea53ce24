"""Notebook 04: ResNet-18/34/50/101/152 built, traced and counted; the network explorer's logic.

* ``building``: the networks, built on the meta device and counted; the torchvision comparison;
* ``spatial``: the map's size layer by layer, with the formula filled in;
* ``explorer``: the network explorer's report;
* ``exercises``: the checkers.
Shapes and multiply-adds by arithmetic (``stage_report``) and the table formatter are core,
re-exported here for the notebook.
"""
from ...paper import PAPER_TABLE1_GFLOPS
from ...stages import StageRow, network_macs, stage_report
from ...text import format_table
from ...trace import build_on_meta
from .building import (
                       CHANNEL_RANGE,
                       IMAGENET_BUILDERS,
                       NETWORKS,
                       SIZE_RANGE,
                       compare_with_torchvision,
                       d2l_resnet18,
                       flops_table,
                       layer_counts,
                       meta_network,
                       stage_table,
                       torchvision_reference,
)
from .exercises import (
                       RESNET200_LAYERS,
                       check_fc_params,
                       check_layer4_size,
                       check_macs_ratio,
                       check_main_path_convs,
                       check_smallest_input,
)
from .explorer import NetworkReport, explore_network
from .spatial import SpatialStep, spatial_steps

__all__ = [
    "IMAGENET_BUILDERS", "NETWORKS", "PAPER_TABLE1_GFLOPS", "SIZE_RANGE", "CHANNEL_RANGE",
    "build_on_meta", "meta_network", "format_table", "stage_table", "SpatialStep", "spatial_steps",
    "layer_counts", "StageRow", "stage_report", "network_macs", "torchvision_reference", "flops_table",
    "compare_with_torchvision", "d2l_resnet18", "NetworkReport", "explore_network",
    "check_layer4_size", "check_fc_params", "check_main_path_convs", "check_smallest_input",
    "check_macs_ratio", "RESNET200_LAYERS",
]
