"""Mistake-aware exercise feedback (issue 12) for notebooks 03-06: each likely wrong answer gets
a message naming its mistake, never the answer itself; and the generic helper behaves."""
import pytest

from resnet_teach.exercises import NOT_ANSWERED
from resnet_teach.lessons import blocks, degradation
from resnet_teach.mistakes import check, matches


def test_matches_compares_like_an_answer():
    import numpy as np
    import torch

    assert matches(5, 5) and matches(np.int64(5), 5) and matches(torch.tensor(5), 5)
    assert matches([1, 2], (1, 2)) and matches(0.1 + 0.2, 0.3)
    assert not matches(True, 1) and not matches(1, True)  # a bool is not a count
    assert matches(7, lambda a: a > 6) and not matches("x", lambda a: a > 6)  # a wrong kind: no match


def test_check_names_the_mistake_and_keeps_the_rest():
    mistakes = [(20480, "Biases forgotten.")]
    assert check(20490, 20490, "why", "hint", mistakes).correct
    assert str(check(20480, 20490, "why", "hint", mistakes)) == "Not yet. You answered 20480. Biases forgotten."
    assert "hint" in str(check(1, 20490, "why", "hint", mistakes))
    assert check(..., 20490, "why", "hint", mistakes).message == NOT_ANSWERED


# (checker, right answer, [(wrong answer, a phrase its message must contain), ...])
CASES = [
    (blocks.check_bottleneck_params, 1_117_184,
     [(1_114_112, "convs only"), (1_115_648, "two parameters per channel"), (1_120_256, "buffers"),
      (1_118_720, "bias=False"), (592_896, "3x3")]),
    (blocks.check_conv_block_shape, (1, 1024, 14, 14),
     [((1, 256, 14, 14), "`planes` channels"), ((1, 512, 14, 14), "input's channels"),
      ((1, 1024, 28, 28), "stride 2 is missing"), ((1, 1024, 7, 7), "once too often"),
      ((1024, 14, 14), "Four numbers")]),
    (blocks.check_option_c_extra_params, 919_168,
     [(913_408, "1x1 convs only")]),
    (blocks.check_zero_gammas, 16,
     [(17, "stem's BN"), (20, "projection shortcuts' BNs"), (48, "last* BN"), (8, "ResNet-18")]),
    (blocks.check_v1_wipe_prediction, False, [(True, "Follow the pixels")]),
    (degradation.check_identity_block, {"b", "c", "e"},
     [({"a", "b", "c", "e"}, "(a) shrinks"), ({"b", "c", "d", "e"}, "(d) leaves"), ({"c", "e"}, "(b)"),
      ({"b", "c"}, "(e)"), ({"x"}, "Use the letters")]),
    (degradation.check_shortcut_parameters, (0, 2752),
     [((0, 2560), "1x1 convs only"), ((0, 2944), "buffers"), ((0, 2848), "bias=False"),
      ((64, 2752), "nothing to learn"), (2752, "a pair")]),
    (degradation.check_valid_depths, [8, 20, 44, 50, 56, 110],
     [([8, 18, 20, 34, 44, 50, 56, 110], "ImageNet depths"), ([8, 20, 44, 56, 110], "50 is missing"),
      ([8, 16, 20, 44, 50, 56, 110], "(16 - 2)"), ([8, 20, 44, 50, 56, 110, 200], "list given")]),
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
    from resnet_teach.degradation import gradient_norms_at_init

    def ratio(depth, residual=False, last="conv"):
        norms = gradient_norms_at_init(depth, residual=residual)
        convs = [v for k, v in norms.items() if k != "fc"]
        return convs[0] / (convs[-1] if last == "conv" else norms["fc"])

    right = ratio(56)
    assert degradation.check_largest_gradient_ratio(right).correct
    assert "Upside down" in str(degradation.check_largest_gradient_ratio(1 / right))
    assert "plain-32's ratio" in str(degradation.check_largest_gradient_ratio(ratio(32)))
    assert "residual net" in str(degradation.check_largest_gradient_ratio(ratio(56, residual=True)))
    assert "fc is not a conv" in str(degradation.check_largest_gradient_ratio(ratio(56, last="fc")))
