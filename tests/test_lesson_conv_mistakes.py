"""Notebook 01: every exercise names the likely mistakes behind its usual wrong answers, and the
plots no longer mislabel what they draw."""
import pytest

from resnet_teach.lessons import conv as lesson


@pytest.mark.parametrize("check, answer, words", [
    (lesson.check_stem_sizes, (51, 26), "rounded up"),
    (lesson.check_stem_sizes, (47, 23), "left out the padding"),
    (lesson.check_stem_sizes, (49, 24), "forgot the + 1"),
    (lesson.check_stem_sizes, (50, 13), "/2Stride"),
    (lesson.check_maxpool_padding, [0, -2, 0], "padded with zeros"),
    (lesson.check_maxpool_padding, [-3, -1], "left out the padding"),
    (lesson.check_ceil_mode_pool, 3, "check where the last one would start"),
    (lesson.check_ceil_mode_pool, 5, "jump by the stride"),
    (lesson.check_tf_same_padding, (2, 1), "wrong side"),
    (lesson.check_tf_same_padding, (2, 2), "symmetric padding=2"),
    (lesson.check_tf_same_padding, (0, 0), "would not fit"),
    (lesson.check_dilated_receptive_field, 7, "without dilation"),
    (lesson.check_dilated_receptive_field, 26, "Off by one"),
    (lesson.check_dilated_receptive_field, 29, "effective kernel sizes"),
    (lesson.check_groups_parameters, 73728, "groups ignored"),
    (lesson.check_groups_parameters, 18560, "bias"),
    (lesson.check_groups_parameters, 4608, "divided by groups twice"),
    (lesson.check_groups_parameters, 6144, "height and its width"),
])
def test_conv_exercises_name_the_mistake(check, answer, words):
    feedback = check(answer)
    assert not feedback.correct and words in feedback.message, feedback.message


def test_maxpool_prediction_right_answer_and_kinds():
    assert lesson.check_maxpool_padding([-4, -2, -1]).correct
    assert lesson.check_maxpool_padding((-4.0, -2.0, -1.0)).correct
    assert not lesson.check_maxpool_padding(4).correct  # not a list: wrong, no traceback
    assert "Replace the ..." in lesson.check_maxpool_padding(...).message


def test_ceil_mode_drawing_marks_taps_past_the_end(monkeypatch):
    """With padding=0, the ceil_mode window's overhang is past the end, not padding."""
    import numpy as np
    from matplotlib.colors import to_rgb

    from resnet_teach.plots import conv as plots

    seen = {}
    monkeypatch.setattr(plots, "render", lambda panels, caption: seen.update(panels=panels, caption=caption))
    layout = lesson.window_positions(7, 2, stride=2, layer="max pool", ceil_mode=True)
    assert layout.kind(7) == "beyond" and layout.padding == 0
    plots.draw_windows(layout, "1-D")
    assert "taps past the end" in seen["caption"] and "taps on padding" not in seen["caption"]
    grid = seen["panels"][0].colors  # (out, W, 3): row 3 is the last window, column 7 the overhang
    np.testing.assert_allclose(grid[3, 7], to_rgb(plots.COLORS["tap beyond"]))


def test_receptive_field_plot_names_identical_stacks_once():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_teach.plots.receptive_field import draw_receptive_fields

    fig = draw_receptive_fields({"a": [3, 7, 15], "b": [3, 5, 7], "c": [3, 7, 15]})
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a", "b", "c: the same values as a"]
    assert sum(1 for line in ax.get_lines() if len(line.get_xdata())) == 2  # one line per distinct stack
    plt.close(fig)


@pytest.mark.parametrize("check, answer, words", [
    (lesson.check_stem_sizes, (112, 56), "224 x 224"),
    (lesson.check_stem_sizes, (25, 50), "wrong order"),
    (lesson.check_stem_sizes, (50, 26), "pool size is rounded UP"),
    (lesson.check_stem_sizes, (51, 25), "conv size is rounded UP"),
    (lesson.check_stem_sizes, "50, 25", "string"),
    (lesson.check_tf_same_padding, (1, 1), "add up to 2"),
    (lesson.check_tf_same_padding, (0, 4), "add up to 4"),
    (lesson.check_ceil_mode_pool, "2", "Give an int"),
    (lesson.check_ceil_mode_pool, 2.5, "Give one int"),
    (lesson.check_dilated_receptive_field, 28, "one too many"),
    (lesson.check_dilated_receptive_field, 26, "one too few"),
])
def test_each_reviewed_wrong_answer_gets_its_own_message(check, answer, words):
    """Issue 12 review: each of these answers used to get a generic (or wrong-kind) message."""
    feedback = check(answer)
    assert not feedback.correct and words in feedback.message, feedback.message
    assert "Give a pair" not in feedback.message or not isinstance(answer, tuple), feedback.message
