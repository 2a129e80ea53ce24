# %% [markdown]
# # 05 · The degradation problem, in miniature on a laptop CPU
#
# **What you will learn**
# - the claim that started ResNet, precisely: a deeper *plain* network reaches a **higher
#   training error** than a shallower one, so the cause is not overfitting (退化, the
#   *degradation* problem);
# - to watch a small version of it: plain and residual networks of depth 8 and 32, same data,
#   same optimizer, same seed, trained here in seconds, and the ordering asserted in code; and
#   what a run this short can and cannot show;
# - why vanishing gradients do not explain it (with BatchNorm they do not vanish: we measure
#   them layer by layer and find them *growing* towards the input), and the paper's
#   conjecture that deep plain nets are hard to optimize;
# - why a residual block can default to the identity, and a plain block cannot;
# - the paper's numbers (CIFAR-10 Table 6, ImageNet Table 2) beside ours, how much smaller our
#   experiment is, and why ResNet-1202 getting worse is overfitting, not degradation;
# - how to run the full-scale version on CIFAR-10 if you have it on disk and a GPU.
#
# **Time on a laptop CPU:** about 30 minutes to read; the cells run in about 30 seconds
# (longer while other programs keep the CPU busy).
#
# **Before this:** [00 · Start here](00_start_here.ipynb),
# [02 · Batch normalization](02_batch_norm.ipynb) (what BN does to a layer's output),
# [03 · Residual blocks](03_residual_blocks.ipynb) (the block and its shortcut options) and
# [04 · Building ResNet-18/34/50/101/152](04_building_resnets.ipynb) (the CIFAR networks of
# depth 6n+2).

# %% [markdown]
# ## 1. The claim, precisely
#
# Stack more layers and a network can represent more functions. So a deeper network should do
# *at least as well* as a shallower one, at least on the data it is trained on: take the
# shallow network, add layers that compute the identity, and you have a deeper network with
# exactly the same outputs.
#
# He et al. (2015) found the opposite when they trained **plain** networks (no shortcuts) on
# CIFAR-10: in the paper's Figure 1, the 56-layer plain net has a higher **training** error
# than the 20-layer one, not only a higher test error. They called this the *degradation
# problem*. Three points make it precise:
#
# 1. **It is not overfitting.** Overfitting means a low training error with a high test error.
#    Here the deeper net is worse on the very images it trains on.
# 2. **It is not (simply) vanishing gradients.** The plain nets use BatchNorm, which keeps the
#    signals' variances away from zero, and the authors report that the backward gradients
#    "exhibit healthy norms". We measure them below: they do not vanish; if anything they
#    grow towards the input.
# 3. **The conjecture: deep plain nets are hard to optimize.** A solution at least as good as
#    the shallow net's exists (the identity construction above); the solver just does not find
#    it in reasonable time. The paper suggests deep plain nets "may have exponentially low
#    convergence rates".
#
# The fix: let each block learn a *residual*, `out = ReLU(F(x) + x)`. To act as the identity,
# a residual block only needs F(x) = 0, which two numbers per channel give: the scale and
# shift (γ, β) of the branch's last BN at zero. A plain block must learn the identity map
# itself, through two convolutions, two BNs and two ReLUs (section 4).
#
# One of the blog posts our readers know says ResNet avoids "gradient vanishing caused by
# deeper layers"; another says accuracy "drops sharply" with depth without saying on which
# data. Keep both in mind: the measurements below tell a sharper story.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

from resnet_teach import BasicBlock, cifar_resnet, count_macs, count_parameters, digits
from resnet_teach.degradation import (CLAIM_MARGINS, DegradationSettings, format_final_table, gradient_norms_at_init,
                                      ordering_margins, run_degradation)
from resnet_teach.lessons import degradation as lesson
from resnet_teach.paper import (CIFAR10_TABLE6, CIFAR10_TABLE6_1202, CIFAR10_TABLE6_1202_PARAMS_M,
                                CIFAR10_TABLE6_PARAMS_M, IMAGENET_TABLE2, PAPER_CIFAR10_TRAINING,
                                PAPER_IMAGENET_TRAINING)
from resnet_teach.plots.degradation import plot_degradation, plot_gradient_norms

# %% [markdown]
# ## 2. The live experiment
#
# **Data:** scikit-learn's handwritten digits, real scans shipped with the package (nothing to
# download): small grey images of the digits 0 to 9, split into a training and a test set.
#
# **Networks:** the paper's CIFAR networks (`cifar_resnet`, depth 6n+2: three stages of n
# BasicBlocks, the channel counts printed below) with one input channel. Each depth comes
# twice: *plain* (`residual=False`, no shortcuts) and *residual* with option-A shortcuts
# (zero-padded identity, no parameters), exactly as in the paper's CIFAR experiments.
#
# **Training:** the same for all four: the settings printed below, one seed, a fixed thread
# count. On one machine a rerun gives exactly the same numbers. On another CPU, or with
# another thread count, PyTorch's kernels add in another order, and after hundreds of steps
# the later digits of the losses differ. So the claims below are `assert`s with margins that
# hold for every seed we tried, and the cells that print trained numbers are marked for the
# tests as varying in their digits (`nbval-ignore-output`): their asserts are what is
# guaranteed, on every machine.

# %%
train_split, test_split = digits("train"), digits("test")
settings = DegradationSettings()
shallow, deep = settings.depths
num_classes = len(train_split.labels.unique())
print(f"training images: {tuple(train_split.images.shape)}")  # (N, C, H, W)
print(f"test images: {tuple(test_split.images.shape)}; {num_classes} classes")
probe = cifar_resnet(shallow, in_channels=1)
stage_channels = [stage[-1].conv2.out_channels for stage in (probe.layer1, probe.layer2, probe.layer3)]
print(f"channels of the three stages: {stage_channels}")
print("settings:", settings.describe())

# %% [markdown]
# **Why Adam, and why no weight decay?** The paper trains with SGD (learning rate 0.1,
# momentum 0.9, weight decay 1e-4) for tens of thousands of steps (counted in section 5).
# We have a few dozen steps. Adam adapts each parameter's step size from the first step on,
# so the shallow nets learn something useful within seconds without a tuned learning rate
# or warm-up. Weight decay is a regularizer: it matters for the *test* error of long runs,
# and this experiment is about fitting the *training* set, so we switch it off and leave the
# wiring as the only difference. (To try SGD yourself:
# `run_degradation(settings=dataclasses.replace(settings, optimizer="sgd", lr=0.1))`.)
#
# A fair comparison needs more than the same data and optimizer. With option-A shortcuts a
# residual net has **exactly** its plain twin's parameters, and with the same seed they start
# from **the same weights**: the only difference is the wiring.

# %%
torch.manual_seed(0)
plain_deep = cifar_resnet(deep, residual=False, shortcut="A", in_channels=1)
torch.manual_seed(0)
resnet_deep = cifar_resnet(deep, residual=True, shortcut="A", in_channels=1)
plain_weights, resnet_weights = plain_deep.state_dict(), resnet_deep.state_dict()
assert count_parameters(plain_deep) == count_parameters(resnet_deep)
assert plain_weights.keys() == resnet_weights.keys()
assert all(torch.equal(plain_weights[k], resnet_weights[k]) for k in plain_weights)
print(f"plain-{deep} and resnet-{deep}: {count_parameters(plain_deep):,} parameters each, "
      f"identical at the start")

# %% [markdown]
# Now the four training runs (a few seconds each; in JupyterLab a progress bar shows each one).

# %% tags=["nbval-ignore-output"]
start = time.perf_counter()
results = run_degradation(settings.depths, seed=0, epochs=settings.epochs)
experiment_seconds = time.perf_counter() - start
print(format_final_table(results))  # the last epoch, rounded to 4 decimals

# %% [markdown]
# The claim, asserted: after the same training, the deeper **plain** net has the higher
# training loss *and* the higher training error, and its residual twin ends lower than it.
# The margins are the size of each effect; the asserts demand at least the smallest margin
# seen over eight seeds, with room to spare (`tests/test_degradation.py` checks other seeds).

# %% tags=["nbval-ignore-output"]
final = {name: {key: values[-1] for key, values in h.items()} for name, h in results.items()}
assert final[f"plain-{deep}"]["train_loss"] > final[f"plain-{shallow}"]["train_loss"]
assert final[f"plain-{deep}"]["train_error"] > final[f"plain-{shallow}"]["train_error"]
assert final[f"resnet-{deep}"]["train_loss"] < final[f"plain-{deep}"]["train_loss"]
assert min(final, key=lambda name: final[name]["train_loss"]) == f"resnet-{deep}"  # the best of all four
margins = ordering_margins(results)
print(f"plain-{deep} minus plain-{shallow}, final training loss: {margins['plain_gap']:+.4f}  (degradation)")
print(f"plain-{deep} minus resnet-{deep}, final training loss: {margins['residual_gain']:+.4f}  "
      f"(the residual fix)")
print("asserted: both above", {k: CLAIM_MARGINS[k] for k in margins})
assert all(margins[k] > CLAIM_MARGINS[k] for k in margins)

# %% [markdown]
# The curves, epoch by epoch: plain dashed, residual solid, shallow blue, deep red. Training
# loss and error are averaged over each epoch's batches while the weights change (so they lag
# a little behind the weights at the end of the epoch); test error is measured after each
# epoch, in eval mode.

# %%
plot_degradation(results, metrics=("train_loss", "train_error", "test_error"))
plt.show()

# %% [markdown]
# **Not overfitting.** Overfitting would show as a deep net with a *low* training error and a
# high test error. The deep plain net fails on its own training images:

# %% tags=["nbval-ignore-output"]
for name in (f"plain-{shallow}", f"plain-{deep}"):
    print(f"{name}: training error {final[name]['train_error']:.4f}, "
          f"test error {final[name]['test_error']:.4f}")
assert final[f"plain-{deep}"]["train_error"] > final[f"plain-{shallow}"]["test_error"] + CLAIM_MARGINS["error_gap"]
assert final[f"plain-{deep}"]["test_error"] > final[f"plain-{shallow}"]["test_error"]  # degradation: both worse

# %% [markdown]
# Its **training** error is even above the shallow net's **test** error. And the deep
# *residual* net, with the same parameters, trains to the lowest loss of all four: in this
# run depth is not what hurts, the plain wiring is.
#
# **What a run this short shows, and what it does not.** Our four nets take only a few dozen
# optimizer steps each. Is plain-32 stuck, or just slow? Its loss per epoch:

# %%
steps = settings.epochs * math.ceil(len(train_split) / settings.batch_size)  # the last batch is smaller
print(f"{steps} optimizer steps per network ({settings.epochs} epochs of "
      f"{math.ceil(len(train_split) / settings.batch_size)} batches)")

# %% tags=["nbval-ignore-output"]
plain_deep_losses = results[f"plain-{deep}"]["train_loss"]
print(f"plain-{deep} training loss per epoch: {[round(v, 3) for v in plain_deep_losses]}")
print(f"plain-{deep} final training error {final[f'plain-{deep}']['train_error']:.3f}; "
      f"guessing among {num_classes} classes: {1 - 1 / num_classes:.3f}")
assert all(b < a for a, b in zip(plain_deep_losses, plain_deep_losses[1:]))  # it learns every epoch
assert final[f"plain-{deep}"]["train_error"] < 1 - 1 / num_classes  # better than guessing

# %% [markdown]
# Plain-32 *learns*, epoch after epoch, far better than guessing; it is just much slower than
# plain-8. So what we see is **slower optimization and a higher training error after the
# same budget**: consistent with the paper's conjecture of "exponentially low convergence
# rates", but not proof that plain-32 would end higher after full training. That is the
# paper's claim, made at convergence: its Figure 6 shows the deeper plain CIFAR nets keeping
# the higher training error to the end of 64,000 steps (section 5 counts the difference in
# scale). Try more epochs with the widget in section 7 and watch the gap shrink or stay.

# %% [markdown]
# ## 3. Why? Gradients at initialization
#
# If vanishing gradients were the cause, the first layers of the deep plain net would receive
# almost no gradient. We can look: one batch of training digits, one forward and backward
# pass at initialization (train mode, as in the first step of training), and the norm of the
# gradient of every weighted layer's weights, from the first conv (left) to the fc layer
# (right). Fixed seed, one thread; the norms come out of 32 layers of float32 sums, so their
# later digits vary between CPUs (the asserts below do not).

# %% tags=["nbval-ignore-output"]
norms = {f"plain-{deep}": gradient_norms_at_init(deep, residual=False, seed=0, batch_size=settings.batch_size),
         f"resnet-{deep}": gradient_norms_at_init(deep, residual=True, seed=0, batch_size=settings.batch_size)}
print(f"one batch of {settings.batch_size} training digits")
for name, per_layer in norms.items():
    assert len(per_layer) == deep  # one entry per weighted layer: conv1, 30 block convs, fc
    convs = [v for k, v in per_layer.items() if k != "fc"]
    print(f"{name}: first conv {convs[0]:.3g}, last conv {convs[-1]:.3g}, "
          f"first/last {convs[0] / convs[-1]:.1f}; smallest {min(per_layer.values()):.3g}, "
          f"largest {max(per_layer.values()):.3g} at {max(per_layer, key=per_layer.get)!r}")

# %%
plot_gradient_norms(norms, title=f"Gradient norm per layer at initialization (depth {deep})")
plt.show()

# %% [markdown]
# What the measurement says:
#
# * In the plain net the gradients do **not** vanish. If anything they **explode**: they grow
#   towards the input, and the first conv gets the largest gradient of all (the first/last
#   ratio is printed above). The paper calls the norms "healthy", and by the standard of
#   vanishing gradients they are; but the early layers are pushed far harder than the late
#   ones. Mean-field analyses of BN networks (Yang et al. 2019, "A Mean Field Theory of Batch
#   Normalization") predict exactly this: gradient explosion with depth at initialization.
# * In the residual net the norms stay within a much narrower band: each block's gradient also
#   flows through the shortcut, `d(F(x) + x)/dx = dF/dx + 1`, so no layer is far from the loss.
#
# Gradients that do not vanish, and still a worse fit: that is why the paper speaks of an
# optimization difficulty rather than vanishing gradients.
#
# One caveat for *our* run: Adam divides each parameter's step by a running estimate of its
# gradient's size, so a layer whose gradient is many times larger does not take a step that
# many times larger. The gradient-norm picture describes the loss surface at the start; how
# it turns into steps depends on the optimizer, and with Adam only loosely.

# %% tags=["nbval-ignore-output"]
plain_norms, resnet_norms = norms[f"plain-{deep}"], norms[f"resnet-{deep}"]
plain_convs = [v for k, v in plain_norms.items() if k != "fc"]
assert plain_convs[0] > 10 * plain_convs[-1]  # growing towards the input, the opposite of vanishing
spread = {name: max(n.values()) / min(n.values()) for name, n in norms.items()}
assert spread[f"resnet-{deep}"] < spread[f"plain-{deep}"] / 3  # margins that hold for seeds 0-3 (tests)
print(f"largest / smallest gradient norm: plain {spread[f'plain-{deep}']:.1f}, "
      f"residual {spread[f'resnet-{deep}']:.1f}")

# %% [markdown]
# ## 4. A residual block can default to the identity; a plain block cannot
#
# The identity construction says the deep net *could* copy the shallow one. Which wiring makes
# the copy easy? Zero the last BN's scale and shift (γ = β = 0) of a block: its branch F then
# outputs zeros. A block's input comes out of a ReLU, so it is never negative.

# %%
torch.manual_seed(0)
x = torch.relu(torch.randn(2, 16, 8, 8))  # (N, C, H, W), non-negative like every block input
residual_block, plain_block = BasicBlock(16, 16), BasicBlock(16, 16, residual=False)
for block in (residual_block, plain_block):
    with torch.no_grad():
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()
with torch.no_grad():
    out_residual, out_plain = residual_block(x), plain_block(x)
assert torch.equal(out_residual, x)  # relu(0 + x) = x exactly
assert torch.count_nonzero(out_plain) == 0  # relu(0) = 0: the signal is gone
print("residual block with a zeroed branch returns its input:", torch.equal(out_residual, x))
print("plain block with the same weights returns all zeros:", torch.count_nonzero(out_plain).item() == 0)

# %% [markdown]
# Why the BN's γ and β, and not the conv weights? Because a BN right after a conv divides out
# whatever scale the conv has: shrink the second conv's weights tenfold and the branch's
# output hardly changes.

# %%
torch.manual_seed(0)
block = BasicBlock(16, 16)  # train mode: its BNs normalize with the batch's statistics
with torch.no_grad():
    hidden = torch.relu(block.bn1(block.conv1(x)))  # (2, 16, 8, 8): the branch before conv2
    conv_before, branch_before = block.conv2(hidden), block.bn2(block.conv2(hidden))
    block.conv2.weight.mul_(0.1)
    conv_after, branch_after = block.conv2(hidden), block.bn2(block.conv2(hidden))
conv_ratio = (conv_after.std() / conv_before.std()).item()
branch_change = ((branch_after - branch_before).abs().max() / branch_before.abs().max()).item()
print(f"conv2 weights x 0.1: conv2's output scales by {conv_ratio:.3f}; "
      f"after bn2 the branch changes by at most {branch_change:.2%} of its largest value")
assert abs(conv_ratio - 0.1) < 1e-4 and branch_change < 0.01

# %% [markdown]
# So for the residual block "do nothing" is two numbers per channel at zero (γ and β of the
# last BN), and notebook 03's `zero_init_residual=True` starts every residual block exactly
# there. For the plain block "do nothing" is a precise arrangement: each conv an identity
# kernel, each BN undoing its own normalization. In train mode even that is only
# approximate: BN normalizes with each batch's own mean and variance, which change from
# batch to batch, while γ and β are fixed numbers.

# %% [markdown]
# ## 5. The paper's numbers beside ours
#
# The paper quotes test errors at full scale. On CIFAR-10 it gives numbers for ResNets only;
# for plain CIFAR nets it shows curves (Figure 6; the table's note quotes its caption).

# %%
for table in (CIFAR10_TABLE6, IMAGENET_TABLE2):
    print("\n".join(table.lines()))
    print("  note:", table.note)
t2 = IMAGENET_TABLE2.rows
print(f"\nImageNet, 34 minus 18 layers (top-1 error, points): plain {t2['plain-34'] - t2['plain-18']:+.2f}, "
      f"ResNet {t2['ResNet-34'] - t2['ResNet-18']:+.2f}")

# %% [markdown]
# And ours, from the run above (trained numbers, so the cell's digits vary between machines;
# its asserts do not):

# %% tags=["nbval-ignore-output"]
deeper_plain = final[f"plain-{deep}"]["train_loss"] - final[f"plain-{shallow}"]["train_loss"]
deeper_resnet = final[f"resnet-{deep}"]["train_loss"] - final[f"resnet-{shallow}"]["train_loss"]
print(f"Digits here, {deep} minus {shallow} layers (final training loss): "
      f"plain {deeper_plain:+.4f}, ResNet {deeper_resnet:+.4f}")
assert t2["plain-34"] > t2["plain-18"] and deeper_plain > 0  # deeper plain: worse, in both
assert t2["ResNet-34"] < t2["ResNet-18"] and deeper_resnet < 0  # deeper ResNet: better, in both

# %% [markdown]
# The same sign pattern: going deeper hurts the plain net and helps the residual one. (The
# paper compares test errors at convergence, we compare training losses after a short run:
# the signs agree, the sizes are not comparable.) Our nets are the paper's CIFAR nets; Table
# 6 also lists their parameter counts, and ours (RGB input, option A) match:

# %%
for depth_, millions in CIFAR10_TABLE6_PARAMS_M.items():
    ours = count_parameters(cifar_resnet(depth_, shortcut="A", in_channels=3))
    places = len(str(millions).split(".")[1])
    assert round(ours / 1e6, places) == millions
    print(f"ResNet-{depth_}: {ours:,} parameters (Table 6: {millions}M)")

# %% [markdown]
# **Degradation is not overfitting, and Table 6 has an example of each.** Its last row is a
# ResNet of 1202 layers. It trains as well as ResNet-110 (the paper reports a training error
# below 0.1% for both), yet it tests *worse*:

# %%
print("\n".join(CIFAR10_TABLE6_1202.lines()))
print("  note:", CIFAR10_TABLE6_1202.note)
net1202 = cifar_resnet(1202, shortcut="A", in_channels=3)  # 200 blocks per stage
params1202 = count_parameters(net1202)
assert round(params1202 / 1e6, 1) == CIFAR10_TABLE6_1202_PARAMS_M
rows = CIFAR10_TABLE6_1202.rows
assert rows["ResNet-1202"] > rows["ResNet-110"]
print(f"ResNet-1202: {params1202:,} parameters (Table 6: {CIFAR10_TABLE6_1202_PARAMS_M}M), "
      f"{params1202 / count_parameters(cifar_resnet(110, shortcut='A', in_channels=3)):.1f} times ResNet-110's")
del net1202

# %% [markdown]
# Two ways for a deeper net to end worse, with opposite signatures:
#
# | | training error | test error | cause |
# |---|---|---|---|
# | degradation (plain-56 vs plain-20, our plain-32 vs plain-8) | higher | higher | optimization |
# | overfitting (ResNet-1202 vs ResNet-110) | as low | higher | too many parameters for 50,000 images |
#
# The honest difference between the paper and us is the scale of the *data and training*,
# not of the network:

# %%
paper = PAPER_CIFAR10_TRAINING
ours_seen = settings.epochs * len(train_split)
paper_seen = paper["iterations"] * paper["batch_size"]
macs_ours = count_macs(cifar_resnet(deep, shortcut="A", in_channels=1), (1, 1, 8, 8))
macs_paper = count_macs(cifar_resnet(deep, shortcut="A", in_channels=3), (1, 3, 32, 32))
print(f"training images: CIFAR-10 {paper['train_images']:,} vs digits {len(train_split):,} "
      f"({paper['train_images'] / len(train_split):.0f}x)")
print(f"values per image: {3 * 32 * 32:,} vs {train_split.images[0].numel()} "
      f"({3 * 32 * 32 / train_split.images[0].numel():.0f}x)")
print(f"training steps: {paper['iterations']:,} vs {steps} ({paper['iterations'] / steps:,.0f}x); epochs: "
      f"{paper_seen / paper['train_images']:.1f} vs {settings.epochs}")
print(f"images processed in training: {paper_seen:,} vs {ours_seen:,} ({paper_seen / ours_seen:,.0f}x)")
print(f"multiply-adds per image, depth {deep}: {macs_paper:,} vs {macs_ours:,} "
      f"({macs_paper / macs_ours:.0f}x)")
compute_ratio = paper_seen * macs_paper / (ours_seen * macs_ours)
print(f"training compute, forward passes: {compute_ratio:,.0f}x more in the paper")
assert compute_ratio > 1_000 and paper["iterations"] > 100 * steps
imagenet = PAPER_IMAGENET_TRAINING
print(f"(ImageNet, Table 2: {imagenet['train_images']:,} training images of shape {imagenet['image_shape']}, "
      f"{imagenet['iterations']:,} steps of batch {imagenet['batch_size']})")

# %% [markdown]
# Our run uses thousands of times less training compute than the paper's (the ratios are
# printed above), and far fewer optimizer steps. What it can show is the *beginning* of the
# story: after the same short budget the deep plain net is far behind, in training error,
# while its residual twin is ahead. Whether the gap would stay at convergence our run cannot
# say; the paper's Figure 6 says it does at CIFAR-10 scale, and the full-scale path below
# lets you check on your own hardware.
#
# ## 6. The full-scale path (optional: CIFAR-10 from your disk, a GPU if you have one)
#
# If you already have CIFAR-10 in torchvision's format (a folder holding
# `cifar-10-batches-py`), set the environment variable `RESNET_TEACH_CIFAR10` to the folder
# above it, or pass `root=`. `run_degradation_cifar10` trains plain and residual nets of depth
# 20 and 56 (the pair of the paper's Figure 1) with `DegradationSettings.paper_cifar10()`,
# printed below: the paper's optimizer, but cosine decay over fewer epochs than the paper's
# schedule (counted above) and no random crops or flips. It uses `cuda` when PyTorch sees a
# GPU. Nothing is ever downloaded: a missing folder is a readable error.

# %%
print("full-scale settings:", DegradationSettings.paper_cifar10().describe())
try:
    from resnet_teach import cifar10_from_disk

    cifar10_from_disk("folder-without-cifar")
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# To run it, set `RUN_FULL_SCALE = True` (slow on a CPU: 50,000 images of 32x32 per epoch;
# a GPU helps a lot):

# %%
RUN_FULL_SCALE = False
if RUN_FULL_SCALE:
    from resnet_teach.degradation import run_degradation_cifar10

    full = run_degradation_cifar10()  # root from RESNET_TEACH_CIFAR10
    print(format_final_table(full))
    plot_degradation(full, metrics=("train_error", "test_error"))
    plt.show()
else:
    print("Full-scale run skipped (RUN_FULL_SCALE = False).")

# %% [markdown]
# ## 7. Try it yourself
#
# Pick two depths (6n+2), the number of epochs and a seed, then press **Run**: the four nets
# train with the settings above (a progress bar shows each). Until then the widget shows the
# run from this notebook. Things to try: depth 8 vs 20 (is the gap still clear?), 8 vs 56,
# the most epochs the slider allows (does plain-deep catch up, or only get closer?), other
# seeds. Equal depths or a depth that is not 6n+2 give a message instead of a run.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.degradation import degradation_rerun

degradation_rerun(results=results)

# %% [markdown]
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# ### Exercise 1 · A block that does nothing
#
# A `BasicBlock(16, 16)` (residual) should return its input exactly. Which values
# `(gamma, beta)` for every channel of its last BN (`bn2`) guarantee that, whatever the
# convolution weights, in train and in eval mode?

# %%
answer = ...
lesson.check_identity_block(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# γ = 0 and β = 0: the branch outputs zeros, so the block computes relu(0 + x) = x, and x is
# never negative (it comes out of a ReLU). Any β ≠ 0 shifts the output; γ ≠ 0 lets the branch
# through.
#
# ```python
# answer = (0.0, 0.0)
# ```
# </details>
#
# ### Exercise 2 · What the shortcuts cost
#
# The experiment compares plain-32 with resnet-32 using option-A shortcuts. How many
# parameters do the shortcuts add to plain-32 (one input channel, 10 classes) with option A,
# and with option B (1x1 projection + BN where the shape changes)? Answer a pair
# `(extra_A, extra_B)`.

# %%
answer = ...
lesson.check_shortcut_parameters(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Option A zero-pads: nothing to learn. Option B adds two projections, 16→32 and 32→64
# channels, each a 1x1 conv plus a BN (γ and β per channel).
#
# ```python
# answer = (0, (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64))
# ```
# </details>
#
# ### Exercise 3 · Test a blog post's explanation
#
# One of the blog posts says ResNet works because its shortcuts stop the gradients of a deep
# network from vanishing. That is a half-truth. Shortcuts do help the gradients flow (section
# 3: the residual net's norms stay in a narrow band). The other half, that vanishing gradients
# are what holds the plain net back, you can test on our plain net with
# `gradient_norms_at_init(32, residual=False)`: which layer of plain-32 receives the
# *largest* gradient at initialization? Answer its name.

# %%
answer = ...
lesson.check_largest_gradient_layer(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# norms_plain = gradient_norms_at_init(32, residual=False)
# answer = max(norms_plain, key=norms_plain.get)  # 'conv1': the first layer, not the last
# ```
# With BatchNorm the gradients grow towards the input. So in a plain BN network, vanishing
# gradients do not explain why it trains worse: the paper's answer is an optimization
# difficulty. What the shortcuts do is still real: they keep every layer's gradient in a
# similar range and let each block default to the identity.
# </details>
#
# ### Exercise 4 · Which depths exist?
#
# Which of these depths can a CIFAR network `cifar_resnet(depth)` have:
# 8, 16, 18, 20, 34, 44, 50, 56, 110? Answer a list.

# %%
answer = ...
lesson.check_valid_depths(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Depth = 6n + 2 (three stages of n blocks with two convs each, plus the first conv and fc),
# so (depth - 2) must divide by 6.
#
# ```python
# answer = [d for d in (8, 16, 18, 20, 34, 44, 50, 56, 110) if (d - 2) % 6 == 0]  # [8, 20, 44, 50, 56, 110]
# ```
# 50 qualifies (n = 8), but that CIFAR net is not ImageNet's ResNet-50 (bottleneck blocks,
# four stages); 18 and 34 are ImageNet depths only.
# </details>

# %% [markdown]
# How long the four training runs took on this machine (the goal for them is 30 s on a 2-core
# laptop CPU, measured by `benchmarks/degradation.py`; the whole notebook's time is in the
# header):

# %% tags=["nbval-ignore-output"]
print(f"the four training runs took {experiment_seconds:.1f} s here "
      f"(fixed at {settings.num_threads} thread)")

# %% [markdown]
# ## Summary
#
# - **Degradation:** a deeper plain network ends with a *higher training* error than a
#   shallower one. Not overfitting (the training error itself is worse), and not vanishing
#   gradients (with BN they do not vanish; they grow towards the input, if anything explode).
# - **The conjecture:** deep plain networks are hard to optimize; a solution as good as the
#   shallow net's exists, the solver does not find it in reasonable time.
# - **Residual blocks** make "do nothing" the easy default (the last BN's γ = β = 0, where
#   `zero_init_residual=True` starts), so extra blocks cannot easily hurt: the deep ResNet
#   trains best of all four here.
# - **The evidence here:** plain-8/32 and ResNet-8/32 on small digit images, same weights at
#   the start, same optimizer and seed, a few dozen steps. After that same budget the deep
#   plain net is far behind in training error (it learns, only much more slowly); the
#   ordering is asserted above, and `tests/test_degradation.py` checks it for seeds 1, 2 and
#   3. The paper's claim is at convergence, with thousands of times our compute.
# - **The paper:** ImageNet plain-34 worse than plain-18, ResNet-34 better than ResNet-18
#   (Table 2); CIFAR-10 ResNets improving from 20 to 110 layers, then ResNet-1202 worse on
#   the test set with an equally low training error: overfitting, not degradation (Table 6).
#
# **Next:** [06 · Flatten versus global average pooling](06_flatten_vs_gap.ipynb): what ends
# a ResNet, and what global average pooling makes possible.
