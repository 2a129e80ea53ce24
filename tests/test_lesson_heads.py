"""Notebook 06 (Flatten vs GAP): the input-size explorer against real forward passes, the
parameter counts, the decoy data, class activation maps, the exercise checkers, the widget."""
import copy
import itertools

import matplotlib
import pytest
import torch
from torch import nn

import resnet_teach as rt
from resnet_teach.cam import CAM_SEEDS_CHECKED
from resnet_teach.data import _scramble
from resnet_teach.exercises import NOT_ANSWERED
from resnet_teach.lessons import heads as H

matplotlib.use("Agg")

# (height, width) pairs run through the real network: below the 32-pixel note, around the 7x7
# map that a Flatten head built for 224 needs, where AvgPool2d(7) works/errs, non-square, and the
# slider maximum on one side.
REAL_SIZES = [(1, 1), (31, 31), (32, 32), (160, 160), (192, 192), (193, 193), (224, 224), (225, 225),
              (320, 320), (417, 417), (160, 320), (300, 224), (1, 1024), (1024, 1)]
NUM_CLASSES = 10  # small fc layers keep the flatten heads cheap; the shapes are what matter


@pytest.fixture(scope="module")
def nets():
    torch.manual_seed(0)
    gap = rt.resnet18(num_classes=NUM_CLASSES).eval()
    flat = rt.resnet18(head="flatten", input_size=224, num_classes=NUM_CLASSES).eval()
    seed_head = copy.deepcopy(gap)
    seed_head.avgpool = nn.AvgPool2d(7)  # seed 001's head, on the same weights
    return gap, flat, seed_head


@pytest.fixture(scope="module")
def real_maps(nets):
    gap = nets[0]
    with torch.no_grad():
        return {hw: gap.forward_features(torch.randn(1, 3, *hw)) for hw in REAL_SIZES}


def _run(fn):
    """(True, output) or (False, PyTorch's error message)."""
    try:
        with torch.no_grad():
            return True, fn()
    except RuntimeError as exc:
        return False, str(exc)


# ---------------------------------------------------------------- size arithmetic


def test_size_steps_at_224():
    assert [s for _, s in H.size_steps(224, 224)] == [(224, 224), (112, 112), (56, 56), (28, 28), (14, 14), (7, 7)]


def test_last_map_size_matches_resnet_feature_map_size():
    model = rt.resnet18(num_classes=1)
    for n in range(1, 700):
        assert H.last_map_size(n, n) == model.feature_map_size((n, n)), n
    for h, w in itertools.product([1, 5, 33, 97, 224, 513, 1024], repeat=2):
        assert H.last_map_size(h, w) == model.feature_map_size((h, w))


def test_last_map_size_matches_real_forward_passes(real_maps):
    for hw, fmap in real_maps.items():
        assert tuple(fmap.shape[-2:]) == H.last_map_size(*hw), hw
        assert fmap.shape[1] == H.feature_channels(18)


def test_feature_channels_and_fc_parameters():
    assert H.feature_channels(18) == rt.resnet18(num_classes=1).num_features
    assert H.feature_channels(50) == rt.resnet50(num_classes=1).num_features
    for i, o in [(512, 1000), (25088, 10), (1, 1)]:
        assert H.fc_parameters(i, o) == rt.count_parameters(nn.Linear(i, o, device="meta"))


def test_parameter_counts_of_the_syllabus():
    """The numbers the notebook states, from real modules (ResNet-50's flatten fc on 'meta')."""
    flat18 = rt.resnet18(head="flatten", input_size=224)
    gap18 = rt.resnet18()
    assert rt.count_parameters(flat18.fc) == 25_089_000
    assert rt.count_parameters(gap18.fc) == 513_000
    assert rt.count_parameters(flat18) == rt.count_parameters(gap18) - 513_000 + 25_089_000
    gap50 = rt.resnet50()
    h, w = gap50.feature_map_size((224, 224))
    flat50_fc = nn.Linear(gap50.num_features * h * w, 1000, device="meta")
    assert rt.count_parameters(flat50_fc) == 2048 * 7 * 7 * 1000 + 1000
    assert rt.count_parameters(gap50.fc) == 2_049_000
    report = H.explore_input_size(224, 224, depth=50)
    assert (report.flatten_fc_params, report.gap_fc_params) == (100_353_000, 2_049_000)


# ---------------------------------------------------------------- the explorer vs PyTorch


@pytest.mark.parametrize("hw", REAL_SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_explorer_matches_real_heads(nets, real_maps, hw):
    gap, flat, seed_head = nets
    fmap = real_maps[hw]
    report = H.explore_input_size(*hw, num_classes=NUM_CLASSES)

    ok, out = _run(lambda: gap.forward_head(fmap))
    assert ok and out.shape == (1, NUM_CLASSES) and report.head("gap").runs

    ok, out = _run(lambda: flat.forward_head(fmap))
    check = report.head("flatten")
    assert ok == check.runs, hw
    if not ok:
        assert out == check.error
        assert H.flatten_error(1, check.features, check.fc_in, NUM_CLASSES) == out

    ok, out = _run(lambda: seed_head.forward_head(fmap))
    check = report.head("avgpool")
    assert ok == check.runs, hw
    if ok:
        # Which positions does the fixed window average? Ask autograd.
        probe = fmap.clone().requires_grad_(True)
        seed_head.avgpool(probe).sum().backward()
        assert (probe.grad[0, 0] != 0).double().mean().item() == pytest.approx(check.covered)
        if check.covered == 1:
            # equal up to float32 rounding: the two pools sum in different orders, then fc adds 512 terms
            assert torch.allclose(out, gap.forward_head(fmap), rtol=1e-4, atol=1e-5)
    else:
        assert out == check.error


@pytest.mark.parametrize("hw", [(160, 160), (320, 320), (193, 224)])
def test_whole_models_raise_what_the_explorer_predicts(nets, hw):
    """Not only the heads: calling the full models gives the same messages."""
    _, flat, seed_head = nets
    report = H.explore_input_size(*hw, num_classes=NUM_CLASSES)
    x = torch.randn(1, 3, *hw)
    for model, name in ((flat, "flatten"), (seed_head, "avgpool")):
        ok, out = _run(lambda model=model: model(x))
        assert ok == report.head(name).runs
        if not ok:
            assert out == report.head(name).error


def test_explorer_resnet50_heads_on_real_sized_maps():
    torch.manual_seed(0)
    flat = rt.resnet50(head="flatten", input_size=224, num_classes=NUM_CLASSES).eval()
    seed_head = nn.Sequential(nn.AvgPool2d(7), nn.Flatten(), nn.Linear(2048, NUM_CLASSES))
    for hw in [(1, 1), (160, 160), (224, 224), (320, 320), (448, 448), (1024, 1024)]:
        report = H.explore_input_size(*hw, depth=50, num_classes=NUM_CLASSES)
        fmap = torch.randn(1, *report.map_shape)
        for head, name in ((flat.forward_head, "flatten"), (seed_head, "avgpool")):
            ok, out = _run(lambda head=head, fmap=fmap: head(fmap))
            assert ok == report.head(name).runs, (hw, name)
            if not ok:
                assert out == report.head(name).error


def test_flatten_head_runs_by_accident_when_positions_match():
    """A 4x16 map has as many positions as 8x8: PyTorch cannot tell, the explorer says so."""
    flat = rt.resnet18(head="flatten", input_size=256, num_classes=NUM_CLASSES).eval()
    report = H.explore_input_size(128, 512, num_classes=NUM_CLASSES, flatten_built_for=256)
    ok, _ = _run(lambda: flat.forward_head(torch.randn(1, *report.map_shape)))
    assert ok and report.head("flatten").runs and "by accident" in report.head("flatten").detail


def test_flatten_head_accepts_exactly_the_sides_with_its_map():
    sides = [n for n in range(1, 600) if H.explore_input_size(n, n).head("flatten").runs]
    assert (min(sides), max(sides)) == (193, 224) and sides == list(range(193, 225))


# ---------------------------------------------------------------- every slider position


SLIDER_VALUES = [1, 2, 31, 32, 33, 224, 1023, 1024]


@pytest.mark.parametrize("depth", [18, 50])
def test_explorer_at_every_slider_extreme(depth):
    from resnet_teach.widgets.heads import report_html

    for h, w in itertools.product(SLIDER_VALUES, repeat=2):
        report = H.explore_input_size(h, w, depth=depth)
        text = str(report)
        assert "last feature map" in text and len(report.heads) == 3
        assert report.head("gap").runs
        assert "rt-report" in report_html(report)
        if min(h, w) < 32:
            assert any("smaller than 32 pixels" in n for n in report.notes)


def test_explorer_sweeps_all_square_sizes_quickly():
    for n in range(1, 1025):
        report = H.explore_input_size(n, n)
        assert report.map_size == H.last_map_size(n, n)


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(height=0, width=224), ValueError, "height=0 must be >= 1"),
    (dict(height=224, width=-5), ValueError, "width=-5 must be >= 1"),
    (dict(height=2.5, width=224), TypeError, "height=2.5 must be an int"),
    (dict(height=224, width=224, depth=20), ValueError, "depth=20 must be one of"),
    (dict(height=224, width=224, num_classes=0), ValueError, "num_classes=0 must be >= 1"),
    (dict(height=224, width=224, flatten_built_for=0), ValueError, "flatten_built_for=0 must be >= 1"),
    (dict(height=224, width=224, pool_kernel=0), ValueError, "pool_kernel=0 must be >= 1"),
])
def test_explorer_rejects_nonsense_with_a_readable_message(kwargs, error, text):
    with pytest.raises(error) as info:
        H.explore_input_size(**kwargs)
    assert text in str(info.value)


def test_report_head_rejects_unknown_names():
    with pytest.raises(ValueError, match="name='fc' must be one of"):
        H.explore_input_size(224, 224).head("fc")


# ---------------------------------------------------------------- widget


def test_widget_builds_and_updates_without_tracebacks(monkeypatch):
    pytest.importorskip("ipywidgets")
    from resnet_teach.widgets import heads as W

    box = W.input_size_explorer()
    height, width, network = (box.controls[k] for k in ("height", "width", "network"))
    assert "(512, 7, 7)" in box.report.value and "25,089,000" in box.report.value
    for h, w in itertools.product([height.min, 224, height.max], [width.min, 224, width.max]):
        for depth in (18, 50):
            network.value = depth
            height.value, width.value = h, w
            assert "last feature map" in box.report.value
            assert ("rt-message" in box.report.value) == (min(h, w) < 32)
    network.value = 50
    height.value = width.value = 224
    assert "(2048, 7, 7)" in box.report.value and "100,353,000" in box.report.value

    def broken(*args, **kwargs):
        raise ValueError("height=3 is a test message")

    monkeypatch.setattr(W, "explore_input_size", broken)
    height.value = 100
    assert "rt-message" in box.report.value and "height=3 is a test message" in box.report.value


# ---------------------------------------------------------------- data with a decoy


def test_digits_with_decoy_keeps_the_digit_and_adds_equal_ink_outside_its_box():
    data = H.digits_with_decoy(200, canvas=24, digit_size=8, seed=0, split="test")
    plain = rt.placed_digits(200, canvas=24, digit_size=8, seed=0, split="test")
    assert torch.equal(data.labels, plain.labels) and torch.equal(data.boxes, plain.boxes)
    inside = torch.zeros_like(data.images, dtype=torch.bool)
    for i, (x0, y0, x1, y1) in enumerate(data.boxes.tolist()):
        inside[i, :, y0:y1, x0:x1] = True
    assert torch.equal(data.images[inside], plain.images[inside])  # the digit is untouched
    outside_ink = (data.images * ~inside).sum((1, 2, 3))
    assert (outside_ink > 0).all()  # every image has a decoy
    # The decoys are shuffled digits: on average as much ink as the real digits.
    digit_ink = (plain.images * inside).sum((1, 2, 3))
    assert outside_ink.mean().item() == pytest.approx(digit_ink.mean().item(), rel=0.15)


def test_digits_with_decoy_is_deterministic_and_seeded():
    a = H.digits_with_decoy(50, seed=3)
    b = H.digits_with_decoy(50, seed=3)
    c = H.digits_with_decoy(50, seed=4)
    assert torch.equal(a.images, b.images) and not torch.equal(a.images, c.images)


def test_scramble_keeps_the_ink():
    pixels = _scramble(torch.arange(128.0).reshape(2, 8, 8), 1, torch.Generator().manual_seed(0))
    assert all(sorted(p.flatten().tolist()) == list(range(64 * i, 64 * (i + 1))) for i, p in enumerate(pixels))
    g = torch.Generator().manual_seed(0)
    patch = torch.arange(64.0).reshape(8, 8)
    out = _scramble(patch[None], 2, g)[0]
    assert sorted(out.flatten().tolist()) == sorted(patch.flatten().tolist())
    assert not torch.equal(out, patch)
    # tiles move whole: each 2x2 tile of the output is a 2x2 tile of the input
    tiles_in = {tuple(patch[i:i + 2, j:j + 2].flatten().tolist()) for i in range(0, 8, 2) for j in range(0, 8, 2)}
    tiles_out = {tuple(out[i:i + 2, j:j + 2].flatten().tolist()) for i in range(0, 8, 2) for j in range(0, 8, 2)}
    assert tiles_in == tiles_out


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(canvas=20, digit_size=8), ValueError, "canvas=20 must be >= 3*digit_size-1 = 23"),
    (dict(tile=3), ValueError, "tile=3 must divide digit_size=8"),
    (dict(n=0), ValueError, "n=0 must be >= 1"),
    (dict(split="val"), ValueError, "split='val' must be one of"),
])
def test_digits_with_decoy_rejects_bad_arguments(kwargs, error, text):
    with pytest.raises(error) as info:
        H.digits_with_decoy(**kwargs)
    assert text in str(info.value)


# ---------------------------------------------------------------- class activation maps


def test_cam_mean_plus_bias_is_the_logit():
    torch.manual_seed(0)
    model = rt.cifar_resnet(8, in_channels=1, widths=(8, 16, 32))
    x = torch.randn(5, 1, 24, 24)
    for classes in (None, torch.tensor([0, 1, 2, 3, 9])):
        cam = H.class_activation_maps(model, x, classes)
        assert cam.maps.shape == (5, 6, 6)
        picked = cam.logits.gather(1, cam.classes[:, None])[:, 0]
        assert torch.allclose(cam.maps.mean((1, 2)) + model.fc.bias[cam.classes], picked, atol=1e-5)
    assert torch.equal(H.class_activation_maps(model, x).classes, cam.logits.argmax(1))
    assert model.training  # restored


def test_cam_of_a_resnet18_matches_the_definition():
    torch.manual_seed(0)
    model = rt.resnet18(num_classes=10)
    x = torch.randn(1, 3, 64, 96)
    cam = H.class_activation_maps(model, x, torch.tensor([4]))
    model.eval()
    with torch.no_grad():
        a = model.forward_features(x)[0]  # (512, 2, 3)
    expected = sum(model.fc.weight[4, k] * a[k] for k in range(512))
    assert torch.allclose(cam.maps[0], expected, atol=1e-5)


def test_cam_needs_a_gap_head():
    flat = rt.resnet18(head="flatten", input_size=64, num_classes=3)
    with pytest.raises(ValueError, match="needs a GAP head"):
        H.class_activation_maps(flat, torch.randn(1, 3, 64, 64))
    with pytest.raises(TypeError, match="must have forward_features"):
        H.class_activation_maps(nn.Linear(3, 3), torch.randn(1, 3, 4, 4))
    model = rt.cifar_resnet(8, in_channels=1, widths=(8, 16, 32))
    with pytest.raises(ValueError, match="classes has 2 entries, images has 1"):
        H.class_activation_maps(model, torch.randn(1, 1, 24, 24), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="classes must be in 0..9"):
        H.class_activation_maps(model, torch.randn(1, 1, 24, 24), torch.tensor([10]))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        H.class_activation_maps(model, torch.randn(1, 24, 24))


def test_peaks_boxes_and_chance():
    maps = torch.zeros(3, 4, 5)
    maps[0, 1, 3] = 1  # (x=3, y=1)
    maps[1, 3, 0] = 2  # (x=0, y=3)
    maps[2, 0, 4] = 5  # (x=4, y=0)
    peaks = H.peak_positions(maps)
    assert peaks.tolist() == [[3, 1], [0, 3], [4, 0]]
    boxes = torch.tensor([[3, 1, 4, 2], [1, 0, 5, 4], [0, 0, 4, 1]])  # x1, y1 exclusive
    assert H.peaks_inside(peaks, boxes).tolist() == [True, False, False]
    assert H.chance_share(boxes, (4, 5)) == pytest.approx((1 + 16 + 4) / 3 / 20)
    up = H.upsample_maps(maps, (8, 10))
    assert up.shape == (3, 8, 10)
    with pytest.raises(ValueError):
        H.peaks_inside(peaks, boxes[:2])
    with pytest.raises(ValueError):
        H.upsample_maps(maps[0], (8, 10))


def test_ink_peaks_find_the_densest_window():
    images = torch.zeros(2, 1, 24, 24)
    images[0, 0, 2:10, 12:20] = 1  # box x 12..20, y 2..10
    images[1, 0, 14:22, 3:11] = 1
    images[1, 0, 0:3, 0:3] = 1  # a smaller blob elsewhere
    peaks = H.ink_peaks(images, 8)
    boxes = torch.tensor([[12, 2, 20, 10], [3, 14, 11, 22]])
    assert H.peaks_inside(peaks, boxes).all()
    with pytest.raises(ValueError, match="window=30 must fit"):
        H.ink_peaks(images, 30)


def test_evaluate_cams_reports_consistent_numbers():
    torch.manual_seed(0)
    model = rt.cifar_resnet(8, in_channels=1, widths=(8, 16, 32))
    data = H.digits_with_decoy(40, split="test")
    ev = H.evaluate_cams(model, data)
    assert ev.maps.shape == (40, 24, 24) and ev.peaks.shape == (40, 2)
    assert ev.share == pytest.approx(ev.inside.double().mean().item())
    assert ev.chance == pytest.approx(64 / 576)
    assert ev.accuracy == pytest.approx((ev.predicted == data.labels).double().mean().item())
    with pytest.raises(TypeError, match="Split with boxes"):
        H.evaluate_cams(model, rt.digits("test"))


# ---------------------------------------------------------------- exercises


def _trunk_downsampling_1ch():
    """The five size-changing layers as real 1-channel PyTorch modules (an independent oracle)."""
    return nn.Sequential(nn.Conv2d(1, 1, 7, 2, 3), nn.MaxPool2d(3, 2, 1),
                         nn.Conv2d(1, 1, 3, 2, 1), nn.Conv2d(1, 1, 3, 2, 1), nn.Conv2d(1, 1, 3, 2, 1))


@pytest.mark.parametrize("side", [100, 160, 224])
def test_check_flatten_fc_params(side):
    with torch.no_grad():
        h, w = _trunk_downsampling_1ch()(torch.zeros(1, 1, side, side)).shape[-2:]
    right = 512 * h * w * 10 + 10
    assert H.check_flatten_fc_params(right, built_for=side).correct
    assert not H.check_flatten_fc_params(512 * 10 + 10, built_for=side).correct
    assert H.check_flatten_fc_params(...).message == NOT_ANSWERED
    with pytest.raises(ValueError, match="built_for"):
        H.check_flatten_fc_params(right, built_for=0)


def test_check_flatten_input_range():
    trunk = _trunk_downsampling_1ch()
    with torch.no_grad():
        ok = [n for n in range(150, 260) if trunk(torch.zeros(1, 1, n, n)).shape[-1] == 7]
    right = (min(ok), max(ok))
    assert H.check_flatten_input_range(right, built_for=224).correct
    assert H.check_flatten_input_range(list(right), built_for=224).correct
    assert not H.check_flatten_input_range((224, 224), built_for=224).correct
    # the notebook's exercise: a head built for 160 (the band for 224 is on screen in section 5)
    assert H.check_flatten_input_range((129, 160)).correct
    assert "built for 224" in str(H.check_flatten_input_range(right))
    assert not H.check_flatten_input_range(224).correct
    assert H.check_flatten_input_range(...).message == NOT_ANSWERED


def test_check_avgpool_fraction():
    with torch.no_grad():
        h, w = _trunk_downsampling_1ch()(torch.zeros(1, 1, 416, 416)).shape[-2:]
    right = 49 / (h * w)
    assert H.check_avgpool_fraction(right).correct
    assert H.check_avgpool_fraction(round(right, 2)).correct
    assert not H.check_avgpool_fraction(1.0).correct
    assert not H.check_avgpool_fraction(49 / 100).correct  # the 320x320 case shown in the notebook
    assert not H.check_avgpool_fraction("half").correct
    # the explanation says what happens one pixel later, where two windows fit
    with torch.no_grad():
        h2, w2 = _trunk_downsampling_1ch()(torch.zeros(1, 1, 417, 417)).shape[-2:]
    assert f"(417x417) and the map is {h2}x{w2}: the head fails" in H.check_avgpool_fraction(right).message
    assert H.check_avgpool_fraction(...).message == NOT_ANSWERED


def test_check_cam():
    torch.manual_seed(0)
    features = torch.randn(1, 32, 6, 6)
    fc = nn.Linear(32, 10)
    right = torch.einsum("k,khw->hw", fc.weight[3], features[0])
    assert H.check_cam(right, features, fc, 3).correct
    wrong = torch.einsum("k,khw->hw", fc.weight[4], features[0])
    fb = H.check_cam(wrong, features, fc, 3)
    assert not fb.correct and "(6, 6)" in fb.message and "row 3" in fb.message
    # a wrong map of the right shape: the message must not contradict itself (issue 12)
    fb = H.check_cam(torch.zeros(6, 6), features, fc, 3)
    assert "shape (6, 6)" in fb.message and "shape is right, the values are not" in fb.message
    assert "shape (32, 6, 6)" in H.check_cam(features[0], features, fc, 3).message
    assert "bias belongs to the logit" in H.check_cam(right + fc.bias[3], features, fc, 3).message
    # A (1, 6, 6) map (e.g. computed on the whole batch of one) is the same map: accepted.
    assert H.check_cam(right[None], features, fc, 3).correct
    assert not H.check_cam(right.flatten(), features, fc, 3).correct  # 36 numbers, no layout
    assert not H.check_cam(wrong[None], features, fc, 3).correct
    assert H.check_cam(..., features, fc, 3).message == NOT_ANSWERED


# ---------------------------------------------------------------- plots


def test_plots_draw():
    import matplotlib.pyplot as plt

    from resnet_teach.plots import heads as P

    fig = P.plot_head_support(range(32, 513, 32))
    assert len(fig.axes) == 1
    data = H.digits_with_decoy(6, split="test")
    fig2 = P.plot_digits_with_boxes(data.images, data.boxes, data.labels)
    model = rt.cifar_resnet(8, in_channels=1, widths=(8, 16, 32))
    ev = H.evaluate_cams(model, data)
    fig3 = P.plot_cams(data.images, ev.maps, data.boxes, ev.peaks, data.labels, ev.predicted)
    assert len(fig3.axes) == 12  # the raw image above each overlay
    with pytest.raises(ValueError):
        P.plot_head_support([])
    with pytest.raises(ValueError, match="indices=\\[\\] must name at least one image"):
        P.plot_cams(data.images, ev.maps, data.boxes, ev.peaks, data.labels, ev.predicted, indices=[])
    for f in (fig, fig2, fig3):
        plt.close(f)


# --- notebook 06's trained claims, on every seed it names -------------------------------------

@pytest.fixture(scope="module")
def decoy_data():
    return (H.digits_with_decoy(3000, canvas=24, digit_size=8, seed=0, split="train"),
            H.digits_with_decoy(500, canvas=24, digit_size=8, seed=0, split="test"))


# seed 0 is the notebook's own run: its asserts run under nbval and the portability variants
@pytest.mark.parametrize("seed", [s for s in CAM_SEEDS_CHECKED if s != 0])
def test_notebook_cam_claims_hold_for_the_checked_seeds(seed, decoy_data):
    """Section 7 of notebook 06 with another seed: the same calls, the same asserts."""
    import torch.nn.functional as F

    from resnet_teach.train import fixed_threads

    train_set, test_set = decoy_data
    chance = H.chance_share(test_set.boxes, tuple(test_set.images.shape[-2:]))
    ink_share = H.peaks_inside(H.ink_peaks(test_set.images, 8), test_set.boxes).double().mean().item()
    torch.manual_seed(seed)
    net = rt.cifar_resnet(8, in_channels=1, num_classes=10, widths=(8, 16, 32))
    with fixed_threads(1):
        untrained = H.evaluate_cams(net, test_set)
    rt.train(net, train_set, epochs=5, batch_size=32, lr=0.01, seed=seed, progress=False)
    with fixed_threads(1):
        accuracy = rt.evaluate(net, test_set)["accuracy"]
        result = H.evaluate_cams(net, test_set)
        baselines = H.cam_baselines(net, test_set, seed=0)
        larger = F.interpolate(test_set.images, scale_factor=2, mode="bilinear", align_corners=False)
        accuracy_larger = rt.evaluate(net, (larger, test_set.labels))["accuracy"]
        wider = H.digits_with_decoy(500, canvas=32, digit_size=8, seed=0, split="test")
        accuracy_wider = rt.evaluate(net, wider)["accuracy"]
    numbers = (seed, untrained.accuracy, accuracy, result.share, baselines, accuracy_larger, accuracy_wider)
    assert untrained.accuracy < 0.2 and accuracy > 0.9, numbers
    assert result.share >= 0.8 and result.share >= 5 * chance and result.share >= ink_share + 0.25, numbers
    cam_share = baselines["CAM of the predicted class"]
    assert abs(cam_share - result.share) < 1e-9
    assert baselines["class-agnostic (sum of channels)"] > cam_share - 0.15, numbers
    assert cam_share > baselines["CAM of the runner-up class"] + 0.05, numbers
    assert cam_share > baselines["CAM of a random other class"] + 0.5, numbers
    assert baselines["CAM of the runner-up class"] > 0.5 > baselines["CAM of a random other class"], numbers
    correct = result.predicted == test_set.labels
    assert int((result.inside & correct).sum()) >= 4 and int((~result.inside & correct).sum()) >= 2, numbers
    assert accuracy_larger < 0.3 and accuracy_wider > 0.9, numbers
