"""Mistake-aware exercise feedback (issue 12) for notebooks 03-06: each likely wrong answer gets
a message naming its mistake, never the answer itself; and the generic helper behaves."""
import pytest

from resnet_teach.exercises import NOT_ANSWERED, compare, matches
from resnet_teach.lessons import blocks, degradation_exercises, heads, networks


def test_matches_compares_like_an_answer():
    import numpy as np
    import torch

    assert matches(5, 5) and matches(np.int64(5), 5) and matches(torch.tensor(5), 5)
    assert matches([1, 2], (1, 2)) and matches(0.1 + 0.2, 0.3)
    assert not matches(True, 1) and not matches(1, True)  # a bool is not a count
    assert matches(7, lambda a: a > 6) and not matches("x", lambda a: a > 6)  # a wrong kind: no match


def test_compare_names_the_mistake_and_keeps_the_rest():
    mistakes = [(20480, "Biases forgotten.")]
    assert compare(20490, 20490, "why", "hint", mistakes=mistakes).correct
    assert (str(compare(20480, 20490, "why", "hint", mistakes=mistakes))
            == "Not yet. You answered 20480. Biases forgotten.")
    assert "hint" in str(compare(1, 20490, "why", "hint", mistakes=mistakes))
    assert compare(..., 20490, "why", "hint", mistakes=mistakes).message == NOT_ANSWERED
    # the one feedback path: answers compare like mistakes (a bool is no count, numpy/torch
    # scalars are numbers, lists are tuples), a rule is a mistake, ``shown`` hides a long repr
    import numpy as np
    import torch

    assert not compare(True, 1, "why").correct and compare(np.int64(3), 3, "why").correct
    assert compare(torch.tensor(3), 3, "why").correct and compare([1, 2], (1, 2), "why").correct
    rule = [(lambda a: a > 100, "Too big.")]
    assert compare(500, 3, "why", "hint", mistakes=rule).message == "You answered 500. Too big."
    assert compare(4, 3, "why", "hint", mistakes=rule, shown="a four").message == "You answered a four. hint"


# (checker, right answer, [(wrong answer, a phrase its message must contain), ...])
CASES = [
    (blocks.check_bottleneck_params, 1_117_184,
     [(1_114_112, "convs only"), (1_115_648, "two parameters per channel"), (1_120_256, "buffers"),
      (1_118_720, "bias=False"), (592_896, "3x3")]),
    (blocks.check_conv_block_shape, (1, 2048, 5, 5),
     [((1, 512, 5, 5), "`planes` channels"), ((1, 1024, 5, 5), "input's channels"),
      ((1, 2048, 10, 10), "stride 2 is missing"), ((1, 2048, 2, 2), "once too often"),
      ((2048, 5, 5), "Four numbers")]),
    (blocks.check_option_c_extra_params, 919_168,
     [(913_408, "1x1 convs only")]),
    (blocks.check_zero_gammas, 33,
     [(34, "stem's BN"), (37, "projection shortcuts' BNs"), (99, "last* BN"), (16, "ResNet-50"), (8, "ResNet-18")]),
    (blocks.check_v1_wipe_prediction, False, [(True, "Follow the pixels")]),
    (degradation_exercises.check_identity_block, {"b", "c", "e"},
     [({"a", "b", "c", "e"}, "(a) shrinks"), ({"b", "c", "d", "e"}, "(d) leaves"), ({"c", "e"}, "(b)"),
      ({"b", "c"}, "(e)"), ({"x"}, "Use the letters")]),
    (degradation_exercises.check_shortcut_parameters, (0, 2752),
     [((0, 2560), "1x1 convs only"), ((0, 2944), "buffers"), ((0, 2848), "bias=False"),
      ((64, 2752), "nothing to learn"), (2752, "a pair")]),
    (degradation_exercises.check_valid_depths, [8, 20, 44, 50, 56, 110],
     [([8, 18, 20, 34, 44, 50, 56, 110], "ImageNet depths"), ([8, 20, 44, 56, 110], "50 is missing"),
      ([8, 16, 20, 44, 50, 56, 110], "(16 - 2)"), ([8, 20, 44, 50, 56, 110, 200], "list given")]),
    (networks.check_layer4_size, 5,
     [(10, "max pool"), (20, "Two halvings short"), (3, "One halving too many"), (1, "global average pooling")]),
    (networks.check_fc_params, 20_490,
     [(20_480, "Biases forgotten"), (5_130, "ResNet-18's width"), (5_120, "no biases"), (2_049_000, "1000")]),
    (networks.check_main_path_convs, 199,
     [(200, "fc is not a conv"), (203, "projection convs"), (198, "conv1"), (133, "three convs")]),
    (networks.check_smallest_input, 33, [(32, "*larger*"), (64, "floor"), (65, "floor")]),
    (networks.check_macs_ratio, 3.9992, [(2, "both double"), (1, "larger maps"), (16, "weights do not change")]),
    (heads.check_flatten_fc_params, 81_930,
     [(81_920, "Biases forgotten"), (250_890, "built for 224"), (5_130, "GAP head"), (8_193_000, "1000"),
      (46_090, "round *up*")]),
    (heads.check_flatten_input_range, (129, 160),
     [((128, 160), "bottom"), ((129, 161), "top"), ((160, 160), "More than one side"),
      ((193, 224), "built for 224"), ((160, 191), "rounding *up*"), (160, "a pair")]),
    (heads.check_avgpool_fraction, 49 / 169,
     [(1.0, "global average pooling"), (120 / 169, "ignores"), (196 / 169, "Only one window"),
      (2.5, "at most 1")]),
]


@pytest.mark.parametrize("checker, right, mistakes", CASES, ids=[c[0].__name__ for c in CASES])
def test_each_likely_mistake_gets_its_own_message(checker, right, mistakes):
    assert checker(right).correct
    assert checker(...).message == NOT_ANSWERED
    generic = str(checker(-12345))  # an answer that matches no known mistake: the generic hint
    for wrong, phrase in mistakes:
        feedback = checker(wrong)
        assert not feedback.correct, wrong
        assert phrase in feedback.message, (wrong, feedback.message)
        assert feedback.message.split(". ", 1)[1] != generic.split(". ", 1)[1]


def test_c_minus_a_and_totals_get_their_own_message():
    rows = {r["option"]: r for r in blocks.shortcut_options(34)}
    assert "C's total" in str(blocks.check_option_c_extra_params(rows["C"]["total params"]))
    assert "compared with A" in str(blocks.check_option_c_extra_params(
        rows["C"]["total params"] - rows["A"]["total params"]))


def test_gradient_ratio_mistakes():
    from resnet_teach.gradient_norms import gradient_norms_at_init

    def ratio(depth, residual=False, last="conv"):
        norms = gradient_norms_at_init(depth, residual=residual)
        convs = [v for k, v in norms.items() if k != "fc"]
        return convs[0] / (convs[-1] if last == "conv" else norms["fc"])

    right = ratio(56)
    assert degradation_exercises.check_largest_gradient_ratio(right).correct
    assert "Upside down" in str(degradation_exercises.check_largest_gradient_ratio(1 / right))
    assert "plain-32's ratio" in str(degradation_exercises.check_largest_gradient_ratio(ratio(32)))
    assert "residual net" in str(degradation_exercises.check_largest_gradient_ratio(ratio(56, residual=True)))
    assert "fc is not a conv" in str(degradation_exercises.check_largest_gradient_ratio(ratio(56, last="fc")))


def test_predict_then_run_checkers():
    assert "prediction" in str(heads.check_size_prediction(..., 0.96, 0.11))
    assert heads.check_size_prediction(False, 0.96, 0.11).correct
    assert "Running at a size is not performing" in str(heads.check_size_prediction(True, 0.96, 0.11))
    assert heads.check_size_prediction(True, 0.96, 0.95).correct
    assert not heads.check_size_prediction("no", 0.96, 0.11).correct
    with pytest.raises(ValueError, match="accuracy_larger"):
        heads.check_size_prediction(True, 0.96, 11)


# --- every revealable solution of notebooks 03-06 passes its checker ----------------------------

import re  # noqa: E402
from pathlib import Path  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks" / "src"


def _exercises(name):
    """(checker name, solution code) for each exercise whose checker takes only the answer."""
    source = (NOTEBOOKS / name).read_text()
    pairs = []
    for match in re.finditer(r"^(?:lesson\.)?(check_\w+)\(answer\)\n.*?<details><summary>Show solution</summary>"
                             r"(.*?)</details>", source, flags=re.S | re.M):
        code = re.findall(r"# ```python\n(.*?)# ```", match.group(2), flags=re.S)
        pairs.append((match.group(1), "\n".join(line[2:] for line in code[0].splitlines())))
    return pairs


@pytest.mark.parametrize("notebook, module, count", [
    ("03_residual_blocks.py", blocks, 5), ("04_building_resnets.py", networks, 5),
    ("05_degradation.py", degradation_exercises, 4), ("06_flatten_vs_gap.py", heads, 3)])
def test_revealable_solutions_pass_their_checkers(notebook, module, count):
    import torch
    from torch import nn

    from resnet_teach import Bottleneck, resnet18
    from resnet_teach.blocks import make_shortcut
    from resnet_teach.gradient_norms import gradient_norms_at_init

    pairs = _exercises(notebook)
    assert len(pairs) == count
    for checker, code in pairs:
        namespace = {"lesson": module, "torch": torch, "nn": nn, "Bottleneck": Bottleneck,
                     "make_shortcut": make_shortcut, "gradient_norms_at_init": gradient_norms_at_init,
                     "model": resnet18()}
        exec(code, namespace)
        assert getattr(module, checker)(namespace["answer"]).correct, (notebook, checker)
