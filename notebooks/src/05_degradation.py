# %% [markdown]
# # 05 · The degradation problem, in miniature on a laptop CPU
#
# **What you will learn**
# - the claim that started ResNet, precisely: a deeper *plain* network reaches a **higher
#   training error** than a shallower one, so the cause is not overfitting (退化, the
#   *degradation* problem);
# - to watch a small version of it: plain and residual networks of depth 8 and 32, same data,
#   same optimizer, same seed, trained here in seconds, and the ordering asserted in code; and
#   what a run this short shows (how many epochs each network needs to reach a low training
#   error, measured) and what it cannot;
# - why vanishing gradients do not explain it (with BatchNorm they do not vanish: we measure
#   them layer by layer and find them *growing* towards the input), and the paper's
#   conjecture that deep plain nets are hard to optimize;
# - why a residual block can default to the identity, and a plain block cannot;
# - the paper's numbers (CIFAR-10 Table 6, ImageNet Table 2) beside ours, how much smaller our
#   experiment is, and why ResNet-1202 getting worse is overfitting, not degradation;
# - how to run the full-scale version on CIFAR-10 if you have it on disk and a GPU.
#
# **Time on a laptop CPU:** about 30 minutes to read; the cells run in about 60 seconds
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
# [He et al. (2015)](https://arxiv.org/abs/1512.03385) found the opposite when they trained **plain** networks (no shortcuts) on
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
# Two of the blog posts our readers know put it differently. Blog post 001 ("ResNet50算法")
# says that adding x itself to the output "保证了不会产生因为卷积层的加深而导致的梯度消失以及原有特征的消失的问题"
# (guarantees that the problem of vanishing gradients, and of vanishing original features,
# caused by deepening the conv layers does not arise). Blog post 003 says that as the network
# gets deeper its accuracy first saturates, then "毫无征兆的出现大幅度的降低" (drops sharply,
# without warning), without saying on which data, training or test. Keep both in mind: the
# measurements below tell a sharper story.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

from resnet_teach import BasicBlock, cifar_resnet, count_macs, count_parameters, digits
from resnet_teach.degradation import (CLAIM_MARGINS, SEEDS_CHECKED, DegradationSettings, epochs_to_reach,
                                      format_final_table, ordering_margins, run_degradation)
from resnet_teach.gradient_norms import gradient_norms_at_init
from resnet_teach.lessons import degradation_exercises as lesson
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
# the later digits of the losses differ. So the claims below are `assert`s with margins, and
# the cells that print trained numbers are marked for the tests as varying in their digits
# (`nbval-ignore-output`): their asserts are what is guaranteed, on every machine. This
# notebook runs seed 0; `tests/test_degradation.py` asserts the same claims for every seed
# in `SEEDS_CHECKED`, printed below.

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
print("seeds the tests check these claims on (SEEDS_CHECKED):", SEEDS_CHECKED)

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
# The margins are the size of each effect; the asserts demand at least `CLAIM_MARGINS`
# (printed below), here for seed 0 and in `tests/test_degradation.py` for every seed of
# `SEEDS_CHECKED`.

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
# **Loss and error are two different measures**, and the table shows how far apart they can
# be: plain-8 ends with a training error below 10%, yet its training loss is far from 0
# (both printed below). The training error counts the images whose *highest* score is on a wrong class. The
# training loss is the cross-entropy: the mean over the images of −ln p, where p is the
# probability the softmax gives the *right* class. It also charges a right answer given
# without confidence. So exp(−loss) is the geometric mean of p: how much probability the
# right class gets, on average, on the training images. The two are tied one way only: a
# wrongly classified image has p ≤ 1/2 (another class has at least as much), so it adds at
# least ln 2 to the loss, and the loss is at least ln 2 × the error. Measured on the last
# epoch of the run above:

# %% tags=["nbval-ignore-output"]
for name, f in final.items():
    print(f"{name:9s} training error {f['train_error']:.3f}: right on {1 - f['train_error']:.1%} of the images; "
          f"loss {f['train_loss']:.3f}, so the right class gets p = {math.exp(-f['train_loss']):.2f} "
          f"(geometric mean); ln 2 x error = {math.log(2) * f['train_error']:.3f}")
    assert f["train_loss"] >= math.log(2) * f["train_error"] - 1e-6  # the one tie (float32 sums: 1e-6)
plain_shallow = final[f"plain-{shallow}"]
assert math.exp(-plain_shallow["train_loss"]) < (1 - plain_shallow["train_error"]) - 0.2  # right, but unsure
assert plain_shallow["train_loss"] > 5 * plain_shallow["train_error"] and plain_shallow["train_error"] < 0.1

# %% [markdown]
# Plain-8 puts the right digit first on more than 90% of the training images, but gives it,
# on average, only the probability printed above: its scores are right in their order and
# unsure in their size. The paper plots training *error*; the asserts before this
# explanation hold the degradation in both measures.

# %% [markdown]
# The curves, epoch by epoch: plain dashed, residual solid, shallow blue, deep red (the legend
# sits below the panels). Training
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
# Plain-32 *learns*: its loss falls every epoch, and it ends far better than guessing, but far
# behind plain-8. Is it stuck, or only slow? A training error after one fixed, short run cannot
# tell. A number that can is **how long each network needs**: the epochs it takes to bring its
# training error below 5%. The run for that: the same four networks, the same Adam, but a
# **constant** learning rate (a cosine schedule would tie the answer to the length we plan),
# and each network stops at the first epoch whose training error is below 5%, or after 25
# epochs.
#
# **Predict first.** Plain-8 gets there within a few epochs. How many will plain-32 need:
# about as many, two or three times as many, ten times as many, or will it never get there
# within 25 epochs? Put your guess in `prediction` (a number of epochs, or `"never"`). The
# cell after it trains the four networks and shows nothing; the one after that checks your
# guess; the numbers come only after it.

# %%
prediction = ...  # epochs plain-32 needs to reach 5% training error, or "never"

# %%
start = time.perf_counter()
reached = epochs_to_reach(settings.depths, error=0.05, max_epochs=25, seed=0)  # {name: epochs, or None}
reach_seconds = time.perf_counter() - start

# %%
lesson.check_reach_prediction(prediction, reached[f"plain-{deep}"])

# %% [markdown]
# The epochs each network needed (trained numbers: their digits vary between machines, the
# asserts below the print do not):

# %% tags=["nbval-ignore-output"]
for name, n in reached.items():
    print(f"{name:9s} below 5% training error after {n} epochs")
assert None not in reached.values()  # every network gets there: this data set can be memorized
assert reached[f"plain-{shallow}"] <= 8  # "within a few epochs"
assert reached[f"plain-{deep}"] >= 2 * reached[f"plain-{shallow}"]  # slower optimization
assert 3 * reached[f"resnet-{deep}"] <= reached[f"plain-{deep}"]  # the residual twin is fast
assert reached[f"resnet-{deep}"] <= reached[f"plain-{shallow}"]  # as fast as the shallow plain net

# %% [markdown]
# Both plain nets get below 5%, but plain-32 needs at least twice as many epochs as plain-8
# (each of which also costs more), while its residual twin, with exactly its parameters,
# needs at most a third of plain-32's epochs and no more than plain-8's. (The asserts hold
# here for seed 0, and `tests/test_degradation.py` asserts them for every seed of
# `SEEDS_CHECKED`.) So what our laptop shows is **slower optimization of the deep plain
# net under the same budget**, on a data set small enough to memorize: the deeper plain net
# has the higher training error *during* training, not at the end. The paper claims more: on
# CIFAR-10 its Figure 6 shows the deeper plain nets keeping the higher training error to the
# end of 64,000 steps (section 5 counts the difference in scale), and its conjecture is that
# deep plain nets "may have exponentially low convergence rates". Our run cannot test that;
# the widget in section 7 lets you run 30 epochs or more and watch the gap close.

# %% [markdown]
# ## 3. Why? Gradients at initialization
#
# If vanishing gradients were the cause, the first layers of the deep plain net would receive
# almost no gradient. We can look: one batch of training digits, one forward and backward
# pass at initialization (train mode, as in the first step of training), and the norm of the
# gradient of every weighted layer's weights, from the first conv (left) to the fc layer
# (right). Fixed seed, one thread; the norms come out of 32 layers of float32 sums, so their
# later digits vary between CPUs (the asserts below do not).
#
# One subtlety first. With a BN right after a conv, multiplying the conv's weights by a
# changes nothing downstream (BN divides the scale out), and so it divides their gradient by
# a: a layer with small weights gets a large gradient. Our layers differ in size (conv1 has
# one input channel, the last convs 64), so we also plot the **relative gradient**
# ‖g‖ / ‖W‖, the relative change a plain SGD step would make to each layer's weights.

# %% tags=["nbval-ignore-output"]
norms = {f"plain-{deep}": gradient_norms_at_init(deep, residual=False, seed=0, batch_size=settings.batch_size),
         f"resnet-{deep}": gradient_norms_at_init(deep, residual=True, seed=0, batch_size=settings.batch_size)}
relative = {name: gradient_norms_at_init(deep, residual=name.startswith("resnet"), seed=0,
                                         batch_size=settings.batch_size, relative=True) for name in norms}
print(f"one batch of {settings.batch_size} training digits")
for name, per_layer in norms.items():
    assert len(per_layer) == deep  # one entry per weighted layer: conv1, 30 block convs, fc
    convs = [v for k, v in per_layer.items() if k != "fc"]
    print(f"{name}: first conv {convs[0]:.3g}, last conv {convs[-1]:.3g}, "
          f"first/last {convs[0] / convs[-1]:.1f}; smallest {min(per_layer.values()):.3g}, "
          f"largest {max(per_layer.values()):.3g}")
    rel_convs = [v for k, v in relative[name].items() if k != "fc"]
    print(f"{' ' * len(name)}  relative ||g||/||W||: first conv {rel_convs[0]:.3g}, last conv {rel_convs[-1]:.3g}, "
          f"first/last {rel_convs[0] / rel_convs[-1]:.1f}")

# %%
# the weight norms the relative panel divides by: ||g|| / (||g|| / ||W||)
weight_norms = {name: {k: norms[name][k] / relative[name][k] for k in norms[name]} for name in norms}
plot_gradient_norms(norms, title=f"Gradients per layer at initialization (depth {deep}); "
                    f"dotted lines: where a stage starts", weight_norms=weight_norms)
plt.show()

# %% [markdown]
# What the measurement says:
#
# * In the plain net the gradients do **not** vanish. If anything they **explode**: they grow
#   towards the input, in raw norm and even more steeply in relative norm (both first/last
#   ratios are printed above). Part of conv1's large raw gradient comes from its small
#   weights (BN makes the gradient scale as 1/‖W‖), but that is also why its relative step
#   is large: an SGD step changes conv1's weights, in proportion, far more than the last
#   conv's. The paper calls the norms "healthy", and by the standard of vanishing gradients
#   they are; but the early layers are pushed far harder than the late ones. A mean-field theory of BN
#   networks ([Yang et al. 2019](https://arxiv.org/abs/1902.08129)) predicts, qualitatively,
#   the same: gradients that explode with depth at initialization. (Their theory is for fully
#   connected BN networks of great width, not for our small conv nets, so it predicts the
#   trend, not our numbers.)
# * In the residual net the norms stay within a much narrower band. A residual block computes
#   `out = ReLU(F(x) + x)` (the ReLU comes after the addition), so its Jacobian is
#   `diag(ReLU'(F(x) + x)) · (dF/dx + I)`: wherever the block's output is positive, the
#   gradient arriving at the output reaches the input once unchanged (the `I`) and once
#   through the branch; where the output is 0, neither path passes anything. A plain block,
#   `out = ReLU(F(x))`, has only `diag(ReLU'(F(x))) · dF/dx`: every gradient must pass through
#   both convolutions and both BNs. So in the residual net each layer has a path to the loss
#   that skips the blocks after it. The next cell checks the formula with autograd on a small
#   block.

# %%
torch.manual_seed(0)
small = BasicBlock(2, 2)  # train mode, as at the first training step
x_small = torch.relu(torch.randn(1, 2, 4, 4))  # (N, C, H, W): 32 numbers, non-negative like a block's input


def branch(t):  # F: the block without its shortcut and without its last ReLU
    return small.bn2(small.conv2(small.relu(small.bn1(small.conv1(t)))))


jac_block = torch.autograd.functional.jacobian(small, x_small).reshape(32, 32)  # d out / d x
jac_branch = torch.autograd.functional.jacobian(branch, x_small).reshape(32, 32)  # dF/dx
with torch.no_grad():
    relu_open = ((branch(x_small) + x_small) > 0).flatten().float()  # ReLU'(F(x) + x): 1 or 0
formula = torch.diag(relu_open) @ (jac_branch + torch.eye(32))
# the same float32 operations in another grouping: equal to rounding (entries are of order 1)
assert torch.allclose(jac_block, formula, atol=1e-5)
assert not torch.allclose(jac_block, torch.diag(relu_open) @ jac_branch, atol=1e-2)  # the I matters
assert not torch.allclose(jac_block, jac_branch + torch.eye(32), atol=1e-2)  # and so does the last ReLU
print("autograd's Jacobian of ReLU(F(x) + x) == diag(ReLU'(F(x) + x)) · (dF/dx + I):",
      torch.allclose(jac_block, formula, atol=1e-5))
print("without the I, or without the ReLU's diag, it would not match")

# %% [markdown]
# Gradients that do not vanish, and still a worse fit: that is why the paper speaks of an
# optimization difficulty rather than vanishing gradients.
#
# One caveat for *our* run: Adam divides each parameter's step by a running estimate of its
# gradient's size, so a layer whose gradient is many times larger does not take a step that
# many times larger. The gradient-norm picture describes the loss surface at the start; how
# it turns into steps depends on the optimizer, and with Adam only loosely.

# %% tags=["nbval-ignore-output"]
for measure in (norms, relative):
    plain_convs = [v for k, v in measure[f"plain-{deep}"].items() if k != "fc"]
    assert plain_convs[0] > 10 * plain_convs[-1]  # growing towards the input, the opposite of vanishing
    spread = {name: max(n.values()) / min(n.values()) for name, n in measure.items()}
    assert spread[f"resnet-{deep}"] < spread[f"plain-{deep}"] / 3  # tests: every seed of SEEDS_CHECKED
    print(f"{'relative' if measure is relative else 'raw':8s} largest / smallest: plain {spread[f'plain-{deep}']:.1f}, "
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
# Why the BN's γ and β, and not the conv weights? *Shrinking* the conv weights does not do it,
# because a BN right after a conv divides out whatever scale the conv has: shrink the second
# conv's weights tenfold and the branch's output hardly changes.

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
# *Exactly zero* weights are another matter. Set conv2's weights to 0 and keep γ = 1, β = 0:
# conv2 outputs an all-zero batch, BN normalizes it to (0 − 0)/√(0 + ε) · γ + β = β = 0, and
# the block returns its input, in train mode and, for a fresh block (running mean 0), in eval
# mode too:

# %%
torch.manual_seed(0)
zero_conv = BasicBlock(16, 16)
with torch.no_grad():
    zero_conv.conv2.weight.zero_()  # bn2 keeps gamma = 1, beta = 0
    same_train, same_eval = torch.equal(zero_conv.train()(x), x), torch.equal(zero_conv.eval()(x), x)
print(f"conv2 weights exactly 0: block(x) == x in train mode {same_train}, in eval mode {same_eval}")
assert same_train and same_eval

# %% [markdown]
# But gradient descent moves weights by small steps; it practically never lands on exact
# zeros for thousands of weights, and anything short of zero BN scales back up. γ and β of
# the last BN are only two numbers per channel, and at zero they silence the branch whatever
# the convs and the running statistics are. So for the residual block "do nothing" is easy to
# reach, and notebook 03's `zero_init_residual=True` starts every residual block exactly
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
# ResNet of 1202 layers. It trains about as well as ResNet-110 (the paper reports a training
# error below 0.1% for it, similar to ResNet-110's in its Figure 6), yet it tests *worse*:

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
# | degradation (the paper's plain-56 vs plain-20) | higher | higher | optimization |
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
assert compute_ratio > 10_000 and 900 < paper["iterations"] / steps < 1_000  # the prose below says so
imagenet = PAPER_IMAGENET_TRAINING
print(f"(ImageNet, Table 2: {imagenet['train_images']:,} training images of shape {imagenet['image_shape']}, "
      f"{imagenet['iterations']:,} steps of batch {imagenet['batch_size']})")

# %% [markdown]
# Our run has more than ten thousand times less training compute than the paper's CIFAR-10
# run (forward passes; the ratios are printed above) and nearly a thousand times fewer
# optimizer steps. So it can show only the *beginning* of the story. After the same short
# budget, plain-32 is far behind plain-8 in training error and resnet-32 ends with the lowest
# training loss of all four (section 2's asserts); with a constant learning rate, plain-32
# needs at least twice as many epochs as plain-8 to get below 5% training error (section 2,
# after your prediction). That is **slower optimization**. The paper's degradation is a claim
# about the *end* of training: its Figure 6 shows the deeper plain CIFAR-10 nets keeping the
# higher training error to the end of their 64,000 steps. On our small data set we cannot
# show that: within 25 epochs both plain nets get below 5% training error. So neither row of
# the table above describes our run: our deep plain net has the higher training error
# *during* training, and gets below 5% later. The full-scale path below lets you test the
# paper's claim on your own hardware, if you have CIFAR-10 on disk.
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
# train with the settings above (a progress bar shows each; 30 epochs take about five times as
# long as the 6-epoch runs above, whose time the last cell prints). Until then the widget shows the run from this notebook, and after a run
# it prints how many epochs each net needed to get below 5% training error. Things to try:
# 30 epochs or more (does plain-32 catch up, and how much later than plain-8?), 8 vs 56, other
# seeds. Do not expect every pair to show the effect on this small data set: try 8 vs 20 and
# see whether plain-20 ends above plain-8 at all. Equal depths or a depth that is not 6n+2
# give a message instead of a run.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.degradation import degradation_rerun

degradation_rerun(results=results)

# %% [markdown]
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# ### Exercise 1 · Which changes make a block do nothing?
#
# Section 4 zeroed γ and β of `bn2`, shrank conv2's weights and zeroed them. Here are five
# changes to a freshly built residual `BasicBlock(16, 16)`. Section 4 ran none of them as
# written, though one of them is a section 4 change in disguise. Which ones make it return
# its input **exactly**, in train mode *and* in eval mode?
# Answer a set of letters. Predict each one before you test it with
# `lesson.returns_input(letter)`.

# %%
for letter, change in lesson.IDENTITY_CHOICES.items():
    print(f"({letter}) {change}")

# %%
answer = ...  # a set of letters, e.g. {"a", "b"}
lesson.check_identity_block(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# (b), (c) and (e). (c): a freshly built BN has β = 0, so γ = 0 alone makes bn2 output 0,
# whatever the convs and the running statistics are; this is what `zero_init_residual=True`
# does. (b) and (e): zero conv1 weights, or a bn1 with γ = β = 0, give an all-zero batch
# after bn1 and the ReLU (bn1 normalizes zeros to its β = 0), so conv2 outputs zeros and bn2
# turns them into its β = 0. (a) shrinks γ, but bn2's γ comes *after* the normalization:
# nothing scales it back up, and 0.001 times the normalized branch is small, not zero.
# (d) adds β = 0.1 everywhere.
#
# ```python
# answer = {letter for letter in lesson.IDENTITY_CHOICES
#           if all(lesson.returns_input(letter).values())}  # {"b", "c", "e"}
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
# Blog post 001 says the shortcut stops the gradients of a deep network from vanishing
# (section 1 quotes it). That is a half-truth. Shortcuts do help the gradients flow (section
# 3: the residual net's norms stay in a much narrower band than the plain net's). The other half, that vanishing gradients
# are what holds the plain net back, section 3 tested on plain-32. Go deeper: in plain-56 at
# initialization, how many times larger is the first conv's gradient norm than the last
# conv's? Use `gradient_norms_at_init(56, residual=False)` and answer a number (5% either way
# counts as right: the norms come out of long float sums).

# %%
answer = ...
lesson.check_largest_gradient_ratio(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# norms_56 = gradient_norms_at_init(56, residual=False)
# convs_56 = [v for k, v in norms_56.items() if k != "fc"]
# answer = convs_56[0] / convs_56[-1]  # far larger than plain-32's ratio
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
# How long the training runs took on this machine (the goal for the four 6-epoch runs is 30 s
# on a 2-core laptop CPU, measured by `benchmarks/degradation.py`; the whole notebook's time
# is in the header):

# %% tags=["nbval-ignore-output"]
print(f"the four training runs took {experiment_seconds:.1f} s here, the runs to 5% training error "
      f"{reach_seconds:.1f} s (fixed at {settings.num_threads} thread)")

# %% [markdown]
# ## Summary
#
# - **Degradation:** a deeper plain network ends with a *higher training* error than a
#   shallower one. Not overfitting (the training error itself is worse), and not vanishing
#   gradients (with BN they do not vanish; they grow towards the input, if anything explode,
#   in raw and in relative norm). Blog post 001's claim that the shortcut prevents vanishing
#   gradients (梯度消失) does not describe what we measured in these BN networks.
# - **The conjecture:** deep plain networks are hard to optimize; a solution as good as the
#   shallow net's exists, the solver does not find it in reasonable time.
# - **Residual blocks** make "do nothing" the easy default (the last BN's γ = β = 0, where
#   `zero_init_residual=True` starts), so extra blocks cannot easily hurt: the deep ResNet
#   trains best of all four here.
# - **The evidence here:** plain-8/32 and ResNet-8/32 on small digit images, same weights at
#   the start, same optimizer and seed, a few dozen steps. After that same budget the deep
#   plain net is far behind in training error (it learns, only much more slowly); the
#   ordering is asserted above, and `tests/test_degradation.py` checks it for every seed of
#   `SEEDS_CHECKED` (printed in section 2). Given time, both plain nets reach under 5%
#   training error, plain-32 after at least twice as many epochs: what a laptop shows is
#   **slower optimization** on a data set small enough to memorize. The paper's claim is
#   about the end of training, with more than ten thousand times our compute (section 5).
# - **The paper:** ImageNet plain-34 worse than plain-18, ResNet-34 better than ResNet-18
#   (Table 2); CIFAR-10 ResNets improving from 20 to 110 layers, then ResNet-1202 worse on
#   the test set with an equally low training error: overfitting, not degradation (Table 6).
#
# **Next:** [06 · Flatten versus global average pooling](06_flatten_vs_gap.ipynb): what ends
# a ResNet, and what global average pooling makes possible.
