"""Notebook 01: convolution arithmetic, one module per topic.

* ``output_size``: the output-size formula filled in, beside a real layer; where the windows are;
* ``padding``: padding modes, three ways;
* ``groups``: grouped and depthwise convolutions;
* ``receptive_field``: the receptive field measured with autograd;
* ``exercises``: the checkers.
Where a formula gives the answer, a real PyTorch layer gives it too, so a student and the tests
see the two agree. Nothing here imports matplotlib or ipywidgets.
"""
from ...arithmetic import PADDING_MODES
from .exercises import (
                        CEIL_EXERCISE,
                        DILATED_STACK,
                        GROUPS_EXERCISE,
                        STEM_INPUT,
                        TF_EXERCISE,
                        check_ceil_mode_pool,
                        check_dilated_receptive_field,
                        check_groups_parameters,
                        check_maxpool_padding,
                        check_stem_sizes,
                        check_tf_same_padding,
)
from .groups import GroupsFacts, divisors, groups_facts, groups_table
from .output_size import (
                        CEIL_FORMULA,
                        DROPPED_FORMULA,
                        FORMULA,
                        LAYERS,
                        OutputSizeExplanation,
                        TorchAnswer,
                        Window,
                        WindowLayout,
                        explain_output_size,
                        torch_output_size,
                        window_positions,
)
from .padding import PaddedInput, matrix_1_to_16, pad_with_mode, small_photo, torch_pad_mode
from .receptive_field import measured_receptive_field

__all__ = [
    "LAYERS", "FORMULA", "CEIL_FORMULA", "DROPPED_FORMULA", "PADDING_MODES",
    "TorchAnswer", "OutputSizeExplanation", "explain_output_size", "torch_output_size",
    "Window", "WindowLayout", "window_positions",
    "PaddedInput", "matrix_1_to_16", "small_photo", "pad_with_mode", "torch_pad_mode",
    "GroupsFacts", "groups_facts", "groups_table", "divisors",
    "measured_receptive_field",
    "check_stem_sizes", "check_ceil_mode_pool", "check_tf_same_padding",
    "check_dilated_receptive_field", "check_groups_parameters", "check_maxpool_padding",
    "STEM_INPUT", "CEIL_EXERCISE", "TF_EXERCISE", "DILATED_STACK", "GROUPS_EXERCISE",
]
