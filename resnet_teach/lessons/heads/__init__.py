"""Notebook 06: the end of ResNet. Flatten versus global average pooling (GAP), and CAMs.

* ``input_size``: which last feature map an input gives, and whether each head runs on it;
* class activation maps and the digits with a decoy are core tools (``resnet_teach.cam``,
  ``resnet_teach.data``), re-exported here for the notebook;
* ``exercises``: the checkers.
"""
from ...cam import (
                    CamEvaluation,
                    CamResult,
                    cam_baselines,
                    chance_share,
                    class_activation_maps,
                    evaluate_cams,
                    ink_peaks,
                    peak_positions,
                    peak_share,
                    peaks_inside,
                    upsample_maps,
)
from ...data import digits_with_decoy
from .exercises import (
                    check_avgpool_fraction,
                    check_cam,
                    check_flatten_fc_params,
                    check_flatten_input_range,
                    check_size_prediction,
)
from .input_size import (
                    HEAD_NAMES,
                    HEADS,
                    HeadCheck,
                    InputSizeReport,
                    avgpool_too_small_error,
                    explore_input_size,
                    fc_parameters,
                    feature_channels,
                    flatten_error,
                    last_map_size,
                    size_steps,
)

__all__ = [
    "size_steps", "last_map_size", "feature_channels", "fc_parameters",
    "HeadCheck", "InputSizeReport", "explore_input_size", "flatten_error", "avgpool_too_small_error",
    "HEADS", "HEAD_NAMES",
    "digits_with_decoy", "CamResult", "class_activation_maps", "upsample_maps", "peak_positions",
    "peaks_inside", "chance_share", "ink_peaks", "CamEvaluation", "evaluate_cams", "peak_share", "cam_baselines",
    "check_flatten_fc_params", "check_flatten_input_range", "check_avgpool_fraction", "check_cam",
    "check_size_prediction",
]
