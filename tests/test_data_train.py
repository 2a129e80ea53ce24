"""Built-in data and the trainer: offline, deterministic, quiet under tests."""
import pytest
import torch
from torch import nn

import resnet_teach as rt
from resnet_teach.train import progress_enabled


def test_digits_splits_are_disjoint_fixed_and_complete():
    train, test = rt.digits("train"), rt.digits("test")
    assert len(train) + len(test) == 1797
    assert train.images.shape[1:] == (1, 8, 8) and train.labels.dtype == torch.long
    assert set(train.labels.tolist()) == set(range(10))
    raw_train, raw_test = rt.digits("train", normalize=False), rt.digits("test", normalize=False)
    # no image of the test split appears in the training split
    flat_train = {tuple(x.flatten().tolist()) for x in raw_train.images}
    duplicates = sum(tuple(x.flatten().tolist()) in flat_train for x in raw_test.images)
    assert duplicates <= 2  # the raw data itself has a couple of identical images
    assert torch.equal(rt.digits("train").images, train.images)
    assert abs(train.images.mean().item()) < 1e-4 and abs(train.images.std().item() - 1) < 1e-3
    assert rt.digits(size=32).images.shape[-2:] == (32, 32)


def test_placed_digits_boxes_hold_the_ink():
    data = rt.placed_digits(200, canvas=32, digit_size=12, seed=3)
    assert data.images.shape == (200, 1, 32, 32) and data.boxes.shape == (200, 4)
    for img, (x0, y0, x1, y1) in zip(data.images, data.boxes.tolist()):
        assert x1 - x0 == 12 and y1 - y0 == 12 and 0 <= x0 and x1 <= 32 and 0 <= y0 and y1 <= 32
        inside = img[0, y0:y1, x0:x1].abs().sum()
        assert inside > 0 and torch.isclose(inside, img.abs().sum())
    again = rt.placed_digits(200, canvas=32, digit_size=12, seed=3)
    assert torch.equal(again.images, data.images)
    assert not torch.equal(rt.placed_digits(200, seed=3, split="test").images[:5], data.images[:5])


def test_sample_photo_ships_offline():
    gray, color = rt.sample_photo(), rt.sample_photo(gray=False, size=64)
    assert gray.shape == (1, 1, 427, 640) and color.shape == (1, 3, 64, 96)
    assert 0 <= gray.min() and gray.max() <= 1 and gray.std() > 0.1


def test_cifar10_from_disk_never_downloads(tmp_path, monkeypatch):
    monkeypatch.delenv("RESNET_TEACH_CIFAR10", raising=False)
    with pytest.raises(ValueError, match="root=None"):
        rt.cifar10_from_disk()
    with pytest.raises(ValueError, match="cifar-10-batches-py"):
        rt.cifar10_from_disk(str(tmp_path))


def small_run(seed, **kw):
    torch.manual_seed(seed)
    model = rt.cifar_resnet(8, in_channels=1, shortcut="A")
    data = rt.digits()
    return rt.train(model, (data.images[:512], data.labels[:512]), epochs=2, seed=seed,
                    test_data=rt.digits("test"), **kw)


def test_train_is_deterministic_under_a_seed_and_learns(capsys):
    a, b = small_run(0), small_run(0)
    assert a == b
    assert set(a) == {"train_loss", "train_accuracy", "train_error", "test_loss", "test_accuracy", "test_error"}
    assert all(len(v) == 2 for v in a.values())
    assert a["train_loss"][1] < a["train_loss"][0]
    assert a != small_run(1)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""  # quiet under tests (RESNET_TEACH_PROGRESS=0)


def test_train_restores_the_thread_count_and_accepts_a_config():
    before = torch.get_num_threads()
    other = 2 if before == 1 else 1  # a count that differs from the caller's, so a leak would show
    seen = []

    class Spy(nn.Module):  # records the thread count in force while training runs
        def __init__(self):
            super().__init__()
            self.net = rt.cifar_resnet(8, in_channels=1)

        def forward(self, x):
            seen.append(torch.get_num_threads())
            return self.net(x)

    cfg = rt.TrainConfig(epochs=1, optimizer="sgd", lr=0.05, schedule="constant", num_threads=other)
    h = rt.train(Spy(), rt.digits(), config=cfg)
    assert len(h["train_loss"]) == 1 and seen and set(seen) == {other}
    assert torch.get_num_threads() == before


def test_progress_bar_is_off_under_ci_and_tests(monkeypatch):
    assert not progress_enabled()  # conftest sets RESNET_TEACH_PROGRESS=0
    monkeypatch.delenv("RESNET_TEACH_PROGRESS")
    monkeypatch.setenv("CI", "true")
    assert not progress_enabled()
    monkeypatch.setenv("CI", "")
    assert progress_enabled()
    assert not progress_enabled(False)


def test_evaluate_uses_eval_mode_and_restores_mode():
    torch.manual_seed(0)
    model = rt.cifar_resnet(8, in_channels=1)
    rt.train(model, rt.digits(), 1, progress=False)  # running statistics away from their start
    data = rt.digits("test")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    result = rt.evaluate(model, data, batch_size=100)
    assert model.training  # the mode is restored
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BN statistics untouched
    with torch.no_grad():
        model.eval()
        logits = model(data.images)  # eval mode by hand: the running statistics
        model.train()
        train_logits = model(data.images)  # train mode: the batch's statistics
    expected = (logits.argmax(1) == data.labels).double().mean().item()
    assert result["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert result["loss"] == pytest.approx(nn.functional.cross_entropy(logits, data.labels).item(), rel=1e-4)
    assert not torch.allclose(logits, train_logits, atol=1e-3)  # so the mode does matter here
