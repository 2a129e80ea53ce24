# %% [markdown]
# # 05 · The degradation problem, reproduced live on a laptop CPU
#
# **What you will learn**
# - the claim that started ResNet, precisely: a deeper *plain* network reaches a **higher
#   training error** than a shallower one, so the cause is not overfitting;
# - to watch it happen: plain and residual networks of depth 8 and 32, same data, same
#   optimizer, same seed, trained here in seconds, and the ordering asserted in code;
# - why vanishing gradients do not explain it (BatchNorm keeps them healthy: we measure them
#   layer by layer), and the paper's conjecture that deep plain nets are hard to optimize;
# - why a residual block can default to the identity, and a plain block cannot;
# - the paper's numbers (CIFAR-10 Table 6, ImageNet Table 2) beside ours, and how much
#   smaller our experiment is;
# - how to run the full-scale version on CIFAR-10 if you have it on disk and a GPU.
#
# **Time on a laptop CPU:** about 30 minutes to read; the cells run in about 25 seconds
# (longer while other programs keep the CPU busy).
#
# **Before this:** [00 · Start here](00_start_here.ipynb),
# [03 · Residual blocks](03_residual_blocks.ipynb) (the block and its shortcut options) and
# [04 · Building ResNets](04_building_resnets.ipynb) (the CIFAR networks of depth 6n+2).

# %% [markdown]
# ## The claim, precisely
#
# Stack more layers and a network can represent more functions. So a deeper network should do
# *at least as well* as a shallower one, at least on the data it is trained on: take the
# shallow network, add layers that compute the identity, and you have a deeper network with
# exactly the same outputs.
#
# He et al. (2015) found the opposite when they trained **plain** networks (no shortcuts) of
# 20 and 56 layers on CIFAR-10 (their Figure 1): the 56-layer net had the higher **training**
# error, not only the higher test error. They called this the *degradation problem*. Three
# points make it precise:
#
# 1. **It is not overfitting.** Overfitting means a low training error with a high test error.
#    Here the deeper net is worse on the very images it trains on.
# 2. **It is not (simply) vanishing gradients.** The plain nets use BatchNorm, which keeps the
#    signals' variances away from zero; the authors checked that the gradients have healthy
#    norms. We measure them below.
# 3. **The conjecture: deep plain nets are hard to optimize.** A solution at least as good as
#    the shallow net's exists (the identity construction above); the solver just does not find
#    it in reasonable time. The paper suggests deep plain nets "may have exponentially low
#    convergence rates".
#
# The fix: let each block learn a *residual*, `out = ReLU(F(x) + x)`. To act as the identity,
# a residual block only needs F(x) = 0, which is easy (all weights to zero); a plain block
# must learn the identity map itself through two convolutions, two BNs and two ReLUs.
#
# One of the blog posts our readers know says ResNet avoids "gradient vanishing caused by
# deeper layers"; another says accuracy "drops sharply" with depth without saying on which
# data. Keep both in mind: the measurements below tell a sharper story.

# %%
import time

import matplotlib.pyplot as plt
import torch

from resnet_teach import BasicBlock, cifar_resnet, count_macs, count_parameters, digits
from resnet_teach.degradation import (CIFAR10_TABLE6, CIFAR10_TABLE6_PARAMS_M, IMAGENET_TABLE2,
                                      PAPER_CIFAR10_TRAINING, PAPER_IMAGENET_TRAINING, DegradationSettings,
                                      format_final_table, gradient_norms_at_init, ordering_margins,
                                      run_degradation)
from resnet_teach.lessons import degradation as lesson
from resnet_teach.plots.degradation import plot_degradation, plot_gradient_norms

# %% [markdown]
# ## The live experiment
#
# **Data:** scikit-learn's handwritten digits, real scans shipped with the package (nothing to
# download): 8x8 grey images, 10 classes, split into a training and a test set.
#
# **Networks:** the paper's CIFAR networks (`cifar_resnet`, depth 6n+2: three stages of n
# BasicBlocks at 16, 32 and 64 channels) with one input channel. Each depth comes twice:
# *plain* (`residual=False`, no shortcuts) and *residual* with option-A shortcuts (zero-padded
# identity, no parameters), exactly as in the paper's CIFAR experiments.
#
# **Training:** the same for all four: Adam, cosine learning-rate decay, batch 128, one seed,
# a fixed thread count (so the numbers below come out the same on every run).

# %%
train_split, test_split = digits("train"), digits("test")
settings = DegradationSettings()
shallow, deep = settings.depths
print(f"training images: {tuple(train_split.images.shape)}")  # (N, C, H, W)
print(f"test images: {tuple(test_split.images.shape)}")
print(settings)

# %% [markdown]
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

# %%
start = time.perf_counter()
results = run_degradation(settings.depths, seed=0, epochs=settings.epochs)
experiment_seconds = time.perf_counter() - start
print(format_final_table(results))  # the last epoch, rounded to 4 decimals

# %% [markdown]
# The claim, asserted: the deeper **plain** net ends with the higher training loss *and* the
# higher training error, and its residual twin ends lower than it.

# %%
final = {name: {key: values[-1] for key, values in h.items()} for name, h in results.items()}
assert final[f"plain-{deep}"]["train_loss"] > final[f"plain-{shallow}"]["train_loss"]
assert final[f"plain-{deep}"]["train_error"] > final[f"plain-{shallow}"]["train_error"]
assert final[f"resnet-{deep}"]["train_loss"] < final[f"plain-{deep}"]["train_loss"]
assert min(final, key=lambda name: final[name]["train_loss"]) == f"resnet-{deep}"  # the best of all four
margins = ordering_margins(results)
print(f"plain-{deep} minus plain-{shallow}, final training loss: {margins['plain_gap']:+.4f}  (degradation)")
print(f"plain-{deep} minus resnet-{deep}, final training loss: {margins['residual_gain']:+.4f}  "
      f"(the residual fix)")

# %% [markdown]
# The curves, epoch by epoch: plain dashed, residual solid, shallow blue, deep red. Training
# loss and error are averaged over each epoch's batches, as the paper reports them; test error
# is measured after each epoch.

# %%
plot_degradation(results, metrics=("train_loss", "train_error", "test_error"))
plt.show()

# %% [markdown]
# **Not overfitting.** Overfitting would show as a deep net with a *low* training error and a
# high test error. The deep plain net fails on its own training images:

# %%
for name in (f"plain-{shallow}", f"plain-{deep}"):
    print(f"{name}: training error {final[name]['train_error']:.4f}, "
          f"test error {final[name]['test_error']:.4f}")
assert final[f"plain-{deep}"]["train_error"] > final[f"plain-{shallow}"]["test_error"]

# %% [markdown]
# Its **training** error is even above the shallow net's **test** error. And the deep
# *residual* net, with the same parameters, trains to the lowest loss of all four: depth is
# not the problem, the plain wiring is.
#
# A short run exaggerates the gap: we train for a few dozen steps, the paper for tens of
# thousands (both counted below). The paper's plain nets keep the ordering to the end of
# training (its Figure 6). Try more epochs with the widget further down.

# %% [markdown]
# ## Why? Gradients at initialization
#
# If vanishing gradients were the cause, the first layers of the deep plain net would receive
# almost no gradient. We can look: one batch of 128 training digits, one forward and backward
# pass at initialization (train mode, as in the first step of training), and the norm of the
# gradient of every weighted layer's weights, from the first conv (left) to the fc layer
# (right). Deterministic: fixed seed, one thread.

# %%
norms = {f"plain-{deep}": gradient_norms_at_init(deep, residual=False, seed=0),
         f"resnet-{deep}": gradient_norms_at_init(deep, residual=True, seed=0)}
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
# * In the plain net the gradients do **not** vanish; they **grow** towards the input: the
#   first conv gets the largest gradient of all. With BatchNorm the backward signal is not
#   starved (the paper: "healthy norms"); if anything it is uneven, the early layers being
#   pushed far harder than the late ones. (Mean-field analyses of BN networks, e.g. Yang et al.
#   2019, predict exactly this growth with depth.)
# * In the residual net the norms stay within a much narrower band: each block's gradient also
#   flows through the shortcut, `d(F(x) + x)/dx = dF/dx + 1`, so no layer is far from the loss.
#
# Healthy-sized gradients and still a worse fit: that is why the paper speaks of an
# optimization difficulty rather than vanishing gradients.

# %%
plain_norms, resnet_norms = norms[f"plain-{deep}"], norms[f"resnet-{deep}"]
plain_convs = [v for k, v in plain_norms.items() if k != "fc"]
assert plain_convs[0] > plain_convs[-1]  # growing towards the input, the opposite of vanishing
spread = {name: max(n.values()) / min(n.values()) for name, n in norms.items()}
assert spread[f"resnet-{deep}"] < spread[f"plain-{deep}"]
print(f"largest / smallest gradient norm: plain {spread[f'plain-{deep}']:.1f}, "
      f"residual {spread[f'resnet-{deep}']:.1f}")

# %% [markdown]
# ## A residual block can default to the identity; a plain block cannot
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
# For the residual block "do nothing" is the weights at zero, where weight decay pulls anyway.
# For the plain block "do nothing" is a precise arrangement: each conv an identity kernel,
# each BN undoing its normalization. Notebook 03's `zero_init_residual=True` starts every
# residual block at its shortcut for this reason.

# %% [markdown]
# ## The paper's numbers beside ours
#
# The paper quotes test errors at full scale. On CIFAR-10 it gives numbers for ResNets only;
# for plain CIFAR nets it shows curves (Figure 6: the training error of the plain nets rises
# with depth, plain-110 stays above 60% error).

# %%
for table in (CIFAR10_TABLE6, IMAGENET_TABLE2):
    print("\n".join(table.lines()))
    print("  note:", table.note)
t2 = IMAGENET_TABLE2.rows
print(f"\nImageNet, 34 minus 18 layers (top-1 error, points): plain {t2['plain-34'] - t2['plain-18']:+.2f}, "
      f"ResNet {t2['ResNet-34'] - t2['ResNet-18']:+.2f}")
deeper_plain = final[f"plain-{deep}"]["train_loss"] - final[f"plain-{shallow}"]["train_loss"]
deeper_resnet = final[f"resnet-{deep}"]["train_loss"] - final[f"resnet-{shallow}"]["train_loss"]
print(f"Digits here, {deep} minus {shallow} layers (final training loss): "
      f"plain {deeper_plain:+.4f}, ResNet {deeper_resnet:+.4f}")
assert t2["plain-34"] > t2["plain-18"] and deeper_plain > 0  # deeper plain: worse, in both
assert t2["ResNet-34"] < t2["ResNet-18"] and deeper_resnet < 0  # deeper ResNet: better, in both

# %% [markdown]
# The same sign pattern: going deeper hurts the plain net and helps the residual one. Our nets
# are the paper's CIFAR nets; Table 6 also lists their parameter counts, and ours (RGB input,
# option A) match:

# %%
for depth_, millions in CIFAR10_TABLE6_PARAMS_M.items():
    ours = count_parameters(cifar_resnet(depth_, shortcut="A", in_channels=3))
    places = len(str(millions).split(".")[1])
    assert round(ours / 1e6, places) == millions
    print(f"ResNet-{depth_}: {ours:,} parameters (Table 6: {millions}M)")

# %% [markdown]
# The honest difference is the scale of the *data and training*, not of the network:

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
steps_ours = settings.epochs * -(-len(train_split) // settings.batch_size)  # ceil: the last batch is smaller
print(f"training steps: {paper['iterations']:,} vs {steps_ours}; epochs: "
      f"{paper_seen / paper['train_images']:.1f} vs {settings.epochs}")
print(f"images processed in training: {paper_seen:,} vs {ours_seen:,} ({paper_seen / ours_seen:,.0f}x)")
print(f"multiply-adds per image, depth {deep}: {macs_paper:,} vs {macs_ours:,} "
      f"({macs_paper / macs_ours:.0f}x)")
compute_ratio = paper_seen * macs_paper / (ours_seen * macs_ours)
print(f"training compute, forward passes: {compute_ratio:,.0f}x more in the paper")
imagenet = PAPER_IMAGENET_TRAINING
print(f"(ImageNet, Table 2: {imagenet['train_images']:,} training images of shape {imagenet['image_shape']}, "
      f"{imagenet['iterations']:,} steps of batch {imagenet['batch_size']})")

# %% [markdown]
# Tens of thousands of times less compute, and the effect is still there: a sign that it
# belongs to the networks, not to CIFAR-10. What a run this short cannot tell you is where
# the nets end up after full training; that is what the paper's tables and the full-scale
# path below are for.
#
# ## The full-scale path (optional: CIFAR-10 from your disk, a GPU if you have one)
#
# If you already have CIFAR-10 in torchvision's format (a folder holding
# `cifar-10-batches-py`), set the environment variable `RESNET_TEACH_CIFAR10` to the folder
# above it, or pass `root=`. `run_degradation_cifar10` trains plain and residual nets of depth
# 20 and 56 (the paper's Figure 1 pair) with `DegradationSettings.paper_cifar10()`: SGD, lr
# 0.1, momentum 0.9, weight decay 1e-4, batch 128, cosine decay over 30 epochs (the paper's
# schedule is longer, as computed above, with step decay and random crops and flips). It uses
# `cuda` when PyTorch sees a GPU. Nothing is ever downloaded: a missing folder is a readable
# error.

# %%
print(DegradationSettings.paper_cifar10())
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
# ## Try it yourself
#
# Pick two depths (6n+2), the number of epochs and a seed, then press **Run**: the four nets
# train with the settings above (a progress bar shows each). Until then the widget shows the
# run from this notebook. Things to try: depth 8 vs 20 (is the gap still clear?), 8 vs 56,
# 5 epochs (does the plain-deep net catch up?), other seeds. Equal depths or a depth that is
# not 6n+2 give a message instead of a run.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.degradation import degradation_rerun

degradation_rerun(results=results)

# %% [markdown]
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# **Exercise 1.** A `BasicBlock(16, 16)` (residual) should return its input exactly. Which
# values `(gamma, beta)` for every channel of its last BN (`bn2`) guarantee that, whatever the
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
# **Exercise 2.** The experiment compares plain-32 with resnet-32 using option-A shortcuts.
# How many parameters do the shortcuts add to plain-32 (one input channel, 10 classes) with
# option A, and with option B (1x1 projection + BN where the shape changes)? Answer a pair
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
# **Exercise 3 (spot the bug in a blog post).** One of the blog posts says ResNet works
# because its shortcuts stop the gradients of a deep network from vanishing. Test that on
# our plain net with `gradient_norms_at_init(32, residual=False)`: which layer of plain-32
# receives the *largest* gradient at initialization? Answer its name.

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
# With BatchNorm the gradients grow towards the input. The plain net's trouble is harder to
# name than "vanishing gradients": it is an optimization difficulty.
# </details>
#
# **Exercise 4.** Which of these depths can a CIFAR network `cifar_resnet(depth)` have:
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
#
# ## Summary
#
# - **Degradation:** a deeper plain network ends with a *higher training* error than a
#   shallower one. Not overfitting (the training error itself is worse), not vanishing
#   gradients (with BN they are healthy, larger near the input if anything).
# - **The conjecture:** deep plain networks are hard to optimize; a solution as good as the
#   shallow net exists, the solver does not find it.
# - **Residual blocks** make "do nothing" the easy default (branch weights at zero), so extra
#   blocks cannot easily hurt: the deep ResNet trains best of all four here.
# - **The evidence here:** plain-8/32 and ResNet-8/32 on 8x8 digits, same weights at the
#   start, same optimizer and seed; the ordering is asserted above and tested on other seeds.
# - **The paper:** ImageNet plain-34 worse than plain-18, ResNet-34 better than ResNet-18
#   (Table 2); CIFAR-10 ResNets improving from 20 to 110 layers (Table 6); at tens of
#   thousands of times our compute.
#
# How long the experiment took on this machine (the goal on a 2-core laptop CPU is 30 s;
# `benchmarks/degradation.py` measures it):

# %% tags=["nbval-ignore-output"]
print(f"the four training runs took {experiment_seconds:.1f} s here ({torch.get_num_threads()} threads "
      f"available, runs fixed at {settings.num_threads})")
