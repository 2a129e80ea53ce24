# %% [markdown]
# # 02 · Batch normalization, from scratch to nn.BatchNorm2d
#
# **What you will learn**
# - what batch normalization (批量归一化, also called 批量规范化 or 批标准化), `nn.BatchNorm2d`,
#   computes: a per-channel standardization over (N, H, W), then a learned scale γ and shift β;
#   a from-scratch version, short enough to read, that matches PyTorch to float rounding, in
#   outputs, gradients and training steps;
# - the running statistics: why the batch is normalized with the *biased* variance while
#   `running_var` gets the *unbiased* one, what `momentum` (and `momentum=None`) means, and
#   what `eps`, `affine`, `bias` and `track_running_stats` switch;
# - why training and evaluation give different outputs, and what forgetting `model.eval()`
#   does to a trained network's accuracy (measured);
# - when a batch of one fails ("Expected more than 1 value per channel when training") and
#   when it runs;
# - what BN does to training, measured: the signal's size layer by layer, the gradients, and
#   which learning rates work with and without BN;
# - what the blog posts say about BN, quoted, and which of it holds;
# - how to port a Keras Conv2D + BatchNormalization to PyTorch (layout, ε, momentum, padding).
# - BN's backward pass by hand, as a `torch.autograd.Function` checked against autograd, with
#   the one-line form of ∂L/∂x;
# - LayerNorm, InstanceNorm and GroupNorm as "normalize over other axes", their equivalences
#   asserted, BN against GroupNorm in batches of 16 and of two (measured, after Wu & He's
#   Figure 1), and why BN's statistics and parameters are per channel.
#
# **Time on a laptop CPU:** about 50 minutes to read; the cells run in about 25 seconds.
#
# **Before this:** [00 · Start here](00_start_here.ipynb);
# [01 · Convolution arithmetic](01_conv_arithmetic.ipynb) and
# [01b · What a convolution computes](01b_inside_a_convolution.ipynb) help with the shapes but
# are not required.

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import resnet_teach as rt
from resnet_teach import ScratchBatchNorm2d, cifar_resnet, digits, evaluate, train
from resnet_teach.lessons import batchnorm as lesson
from resnet_teach.lessons import batchnorm_exercises as exercises
from resnet_teach.plots.batchnorm import plot_momentum_trajectories, plot_value_histograms
from resnet_teach.plots.training import plot_histories


def show(t: torch.Tensor) -> str:
    """A tensor's values, rounded to 4 decimals, on one line (+ 0.0 turns a rounded -0.0 into 0.0)."""
    return "[" + ", ".join(f"{round(v, 4) + 0.0:+.4f}" for v in t.flatten().tolist()) + "]"


# %% [markdown]
# ## 1. What BatchNorm2d computes
#
# Inside a CNN, a batch of feature maps has shape (N, C, H, W). BatchNorm2d treats each
# **channel** separately: it pools the N·H·W values of that channel (every image of the batch,
# every position), and standardizes them to mean 0 and standard deviation 1. Then it applies
# a learned scale γ (`weight`) and shift β (`bias`) per channel:
#
# $$\hat x = \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \varepsilon}}, \qquad y = \gamma_c\,\hat x + \beta_c$$
#
# Here is a batch whose three channels have very different means and spreads.

# %%
gen = torch.Generator().manual_seed(0)
channel_mean = torch.tensor([2.0, -1.0, 0.5]).view(1, 3, 1, 1)  # (1, C, 1, 1)
channel_std = torch.tensor([3.0, 0.5, 1.0]).view(1, 3, 1, 1)
x = channel_mean + channel_std * torch.randn(4, 3, 5, 5, generator=gen)  # (N, C, H, W) = (4, 3, 5, 5)

print("values per channel, N*H*W:", x.shape[0] * x.shape[2] * x.shape[3])
print("mean of each channel:", show(x.mean(dim=(0, 2, 3))))
print("std of each channel: ", show(x.std(dim=(0, 2, 3), correction=0)))

# %% [markdown]
# By hand, in four lines. `keepdim=True` keeps the shape (1, C, 1, 1), so the statistics
# broadcast over the batch and the positions.

# %%
eps = 1e-5
mean = x.mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1): one mean per channel
var = x.var(dim=(0, 2, 3), keepdim=True, correction=0)  # (1, C, 1, 1): BIASED, divides by N*H*W
x_hat = (x - mean) / torch.sqrt(var + eps)  # (N, C, H, W)

gamma = torch.tensor([1.5, 0.5, 2.0]).view(1, 3, 1, 1)  # chosen by hand here; learned in a network
beta = torch.tensor([0.0, 1.0, -1.0]).view(1, 3, 1, 1)
y = gamma * x_hat + beta  # (N, C, H, W)

for name, t in (("x_hat", x_hat), ("y", y)):
    t_mean, t_std = t.mean(dim=(0, 2, 3)), t.std(dim=(0, 2, 3), correction=0)
    print(f"{name:<5} mean per channel {show(t_mean)}  std {show(t_std)}")
torch.testing.assert_close(t_mean, beta.flatten(), atol=1e-5, rtol=0)  # y's mean is beta ...
torch.testing.assert_close(t_std, gamma.flatten(), atol=1e-4, rtol=0)  # ... and its std is gamma

# %% [markdown]
# After standardizing, every channel has mean 0 and std 1 (up to ε); after the affine step,
# mean β and std γ. Because γ and β are learned, the network can undo the normalization
# where that helps: BN does not force the layer's output to stay standardized, it changes
# how the layer is parameterized.
#
# Now PyTorch. A freshly built module is in training mode, so it normalizes with the batch's
# own statistics, exactly as above. Its printout lists the constructor's settings: `eps`,
# `momentum`, `affine`, `bias` and `track_running_stats` are explained in sections 3, 4 and 6. (The
# keyword `bias=True` says that β exists; the tensor β itself is the attribute `bn.bias`.)

# %%
bn = nn.BatchNorm2d(3)
print(bn)
with torch.no_grad():
    bn.weight.copy_(gamma.flatten())  # gamma is called weight
    bn.bias.copy_(beta.flatten())  # beta is called bias
assert bn.training and bn.eps == eps
y_torch = bn(x)  # (N, C, H, W)
torch.testing.assert_close(y_torch, y)
print("nn.BatchNorm2d gives the by-hand output:", torch.allclose(y_torch, y, atol=1e-5))

# %% [markdown]
# ## 2. The same layer, from scratch
#
# `resnet_teach.ScratchBatchNorm2d` is the same layer in plain tensor operations. Its `forward`
# is this notebook's lesson in code, so here it is. In training mode (or without running
# statistics) it standardizes with the batch's mean and **biased** variance and updates the
# running statistics with the **unbiased** one; in evaluation mode it uses the running
# statistics. Sections 3 and 4 explain the two variances and the momentum; section 5 checks,
# step by step, that it computes what `nn.BatchNorm2d` computes, up to float rounding.

# %%
import inspect

print(inspect.getsource(ScratchBatchNorm2d.forward))

# %% [markdown]
# It has the same parameters and buffers as `nn.BatchNorm2d`, under the same names, so it can
# replace `nn.BatchNorm2d` in any network and load its `state_dict`:

# %%
ours, theirs = ScratchBatchNorm2d(3), nn.BatchNorm2d(3)
for kind, get in (("parameter", "named_parameters"), ("buffer", "named_buffers")):
    a = [(name, tuple(t.shape), t.dtype) for name, t in getattr(ours, get)()]
    b = [(name, tuple(t.shape), t.dtype) for name, t in getattr(theirs, get)()]
    assert a == b, (a, b)
    for name, shape, dtype in a:
        print(f"{kind:<9} {name:<20} shape {str(shape):<6} {str(dtype).replace('torch.', '')}")

# %% [markdown]
# ## 3. Biased variance to normalize, unbiased variance to remember
#
# In one training step the layer does two things with the batch's variance:
# - it **normalizes** the batch with the **biased** variance (divide by m = N·H·W), which is
#   exactly what makes this batch's channel have std 1;
# - it **remembers** the **unbiased** variance (divide by m − 1) in `running_var`, because
#   that is an unbiased estimate of the variance of the data the batch was drawn from
#   (treating the N·H·W values as independent samples), which evaluation will use.

# %%
bn = nn.BatchNorm2d(3)
m = x.shape[0] * x.shape[2] * x.shape[3]  # values per channel
biased = x.var(dim=(0, 2, 3), correction=0)  # divide by m
unbiased = x.var(dim=(0, 2, 3), correction=1)  # divide by m - 1
out = bn(x)

# the output was normalized with the BIASED variance ...
centred = x - x.mean(dim=(0, 2, 3), keepdim=True)
torch.testing.assert_close(out, centred / torch.sqrt(biased.view(1, 3, 1, 1) + bn.eps))
# ... and running_var received the UNBIASED one (start 1, momentum 0.1)
torch.testing.assert_close(bn.running_var, (1 - bn.momentum) * 1 + bn.momentum * unbiased)
print(f"m = {m}, unbiased / biased = m / (m - 1) = {m / (m - 1):.4f}")
print("biased variance:  ", show(biased))
print("unbiased variance:", show(unbiased))
print("running_var:      ", show(bn.running_var), f"= {1 - bn.momentum:g} * 1 + {bn.momentum:g} * unbiased")

# %% [markdown]
# With the m printed above the two variances differ by the factor m/(m − 1), about one percent.
# With few values per channel the factor grows; with two values it is the largest it gets. A
# layer with `momentum=1.0` stores exactly the last batch's unbiased variance, so it can show it:

# %%
pair = torch.tensor([1.0, 5.0]).view(2, 1, 1, 1)  # (N, C, H, W): two values in one channel
pair_bn = nn.BatchNorm2d(1, momentum=1.0)  # running_var := this batch's unbiased variance
pair_bn(pair)
pair_biased = pair.var(correction=0).item()
print(f"two values: biased variance {pair_biased:g}, running_var {pair_bn.running_var.item():g}, "
      f"factor {pair_bn.running_var.item() / pair_biased:g} = m / (m - 1) with m = 2")

# %% [markdown]
# Blog post 003 states this part correctly.
#
# ## 4. Momentum is the weight of the NEW batch
#
# After each training step:
#
# $$\text{running} \leftarrow (1 - \texttt{momentum})\cdot\text{running}
# + \texttt{momentum}\cdot\text{batch statistic}$$
#
# So PyTorch's default keeps most of the old value and mixes in a little of the new batch.

# %%
bn = nn.BatchNorm2d(3)
print("default momentum:", bn.momentum)
before = bn.running_mean.clone()
bn(x)
expected = (1 - bn.momentum) * before + bn.momentum * x.mean(dim=(0, 2, 3))
torch.testing.assert_close(bn.running_mean, expected)
print("running_mean after one step:", show(bn.running_mean),
      f"= {1 - bn.momentum:g} * 0 + {bn.momentum:g} * batch mean")

# %% [markdown]
# Keras uses the opposite convention: its `momentum` is the weight of the OLD value. So Keras's
# `momentum=k` is PyTorch's `momentum=1 - k`, and copying the number across unchanged is a
# classic porting bug (section 12 ports a whole Keras convolution + BN). One step on a batch
# whose mean is 3, starting from 0:

# %%
keras_momentum = 0.99  # as in keras BatchNormalization(momentum=0.99)
batch_of_mean_3 = torch.tensor([2.0, 4.0]).view(2, 1, 1, 1)  # (N, C, H, W)
keras_running_mean = keras_momentum * 0.0 + (1 - keras_momentum) * batch_of_mean_3.mean().item()
for torch_momentum in (1 - keras_momentum, keras_momentum):
    ported = nn.BatchNorm2d(1, momentum=torch_momentum)
    ported(batch_of_mean_3)
    print(f"Keras momentum={keras_momentum:g}: running_mean {keras_running_mean:.4f};  "
          f"PyTorch momentum={torch_momentum:.2f}: running_mean {ported.running_mean.item():.4f}")
    same = math.isclose(ported.running_mean.item(), keras_running_mean, rel_tol=1e-5)
    assert same == (torch_momentum != keras_momentum)

# %% [markdown]
# `momentum=None` switches to a **cumulative average**: the t-th batch gets weight 1/t, so
# after t steps the running mean is the plain average of all t batch means (and
# `num_batches_tracked` counts t).

# %%
bn = nn.BatchNorm2d(3, momentum=None)
batch_means = []
for _ in range(4):
    batch = channel_mean + channel_std * torch.randn(8, 3, 5, 5, generator=gen)
    bn(batch)
    batch_means.append(batch.mean(dim=(0, 2, 3)))
torch.testing.assert_close(bn.running_mean, torch.stack(batch_means).mean(dim=0))
print("num_batches_tracked:", bn.num_batches_tracked.item())
print("running_mean:          ", show(bn.running_mean))
print("average of batch means:", show(torch.stack(batch_means).mean(dim=0)))

# %% [markdown]
# How fast do the running statistics reach the data's? `lesson.momentum_trajectory` feeds
# batches drawn from a distribution with known mean and variance to a real `nn.BatchNorm2d(1)`
# and records what it stores after every step, next to the formula's values (the function
# reports the largest disagreement, which must be float32 rounding).

# %%
runs = [lesson.momentum_trajectory(momentum, steps=60) for momentum in (0.1, 0.02, None)]
for run in runs:
    assert run.max_difference < 1e-5, run.max_difference  # nn.BatchNorm2d follows the formula
    print(f"momentum={run.momentum!s:<5} after {run.steps} steps: "
          f"running_mean {run.running_mean[-1]:.3f}, running_var {run.running_var[-1]:.3f}; "
          f"the start still weighs {run.initial_weight():.3f}")
print(f"the data: mean {runs[0].data_mean:.3f}, variance {runs[0].data_var:.3f}")
print("last update of the first run:", *runs[0].formula_text(), sep="\n  ")
plot_momentum_trajectories(runs)
plt.show()

# %% [markdown]
# A large momentum follows the data quickly but jitters with every batch; a small one is
# smooth but slow, and its starting values (0 and 1) linger: a model evaluated after only a
# few steps would normalize with statistics that are still mostly the initial ones.
# `momentum=None` weighs all batches equally: fine for a fixed network, but the statistics of
# a layer's input keep changing while the weights train, so a moving average that forgets
# old batches is the usual choice.
#
# **Try it.** Move the sliders: momentum (tick `momentum=None` for the cumulative average),
# the number of steps, the batch size and the spatial size. The update formula below the
# sliders is filled in with the numbers of the last step. Try batch size 1 with H = W = 1.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.batchnorm import momentum_explorer

momentum_explorer()

# %% [markdown]
# ## 5. ScratchBatchNorm2d beside nn.BatchNorm2d, step by step
#
# Now that the running statistics are explained, the full check. Give `ScratchBatchNorm2d` and
# `nn.BatchNorm2d` the same γ and β and train both for three steps: at each step both get the same batch
# and the same loss, then one SGD step each. At every step the outputs, the gradients (of the loss with respect
# to γ, β **and the input**) and the updated parameters must agree; at the end the buffers
# too, and the outputs in evaluation mode. "Agree" means `torch.testing.assert_close`: equal
# up to float32 rounding, since the two add up the same numbers in a different order.

# %%
with torch.no_grad():
    for module in (ours, theirs):
        module.weight.copy_(gamma.flatten())
        module.bias.copy_(beta.flatten())
sgd_ours = torch.optim.SGD(ours.parameters(), lr=0.1)
sgd_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1)

for step in range(3):
    batch = channel_mean + channel_std * torch.randn(8, 3, 5, 5, generator=gen)  # (8, 3, 5, 5)
    input_ours, input_theirs = batch.clone().requires_grad_(), batch.clone().requires_grad_()
    sgd_ours.zero_grad()
    sgd_theirs.zero_grad()
    out_ours, out_theirs = ours(input_ours), theirs(input_theirs)
    torch.testing.assert_close(out_ours, out_theirs)
    (out_ours ** 3).mean().backward()  # any loss will do: the gradients must agree too
    (out_theirs ** 3).mean().backward()
    torch.testing.assert_close(input_ours.grad, input_theirs.grad)  # d loss / d input
    torch.testing.assert_close(ours.weight.grad, theirs.weight.grad)  # d loss / d gamma
    torch.testing.assert_close(ours.bias.grad, theirs.bias.grad)  # d loss / d beta
    sgd_ours.step()
    sgd_theirs.step()
    torch.testing.assert_close(ours.weight, theirs.weight)  # the step moved both the same way
    torch.testing.assert_close(ours.bias, theirs.bias)
    print(f"step {step + 1}: gamma after the SGD step {show(theirs.weight)}")

ours.eval()
theirs.eval()
with torch.no_grad():
    torch.testing.assert_close(ours(x), theirs(x))  # evaluation: the running statistics are used
for name, value in theirs.state_dict().items():
    torch.testing.assert_close(ours.state_dict()[name], value)
    print(f"{name:<20} {show(value) if value.dim() else value.item()}")
ours.load_state_dict(theirs.state_dict())  # the state_dicts are interchangeable
print("outputs, input and parameter gradients, SGD steps, buffers and eval outputs agree "
      "(assert_close: to float rounding)")

# %% [markdown]
# ## 6. eps, affine, bias, track_running_stats
#
# **`eps`** keeps the division safe. A channel whose values are all equal has variance 0; with
# ε its output is β (up to rounding) instead of 0/0 = NaN. ε also damps channels whose
# variance is not much larger than ε: their output std is √(σ²/(σ² + ε)) < 1.

# %%
flat = torch.zeros(4, 2, 3, 3)  # (N, C, H, W)
flat[:, 0] = 7.0  # channel 0: constant
flat[:, 1] = 1e-3 * torch.randn(4, 3, 3, generator=gen)  # channel 1: tiny spread
bn = nn.BatchNorm2d(2)
out = bn(flat)
by_hand_no_eps = (flat[:, 0] - flat[:, 0].mean()) / flat[:, 0].std(correction=0)  # eps = 0
print(f"channel 0 (constant): largest |output| {out[:, 0].abs().max().item():.4f}; "
      f"by hand without eps: {by_hand_no_eps.flatten()[0].item()}")
var1 = flat[:, 1].var(correction=0).item()
print(f"channel 1: variance {var1:.2e}, output std {out[:, 1].std(correction=0).item():.4f}, "
      f"predicted sqrt(var / (var + eps)) = {(var1 / (var1 + bn.eps)) ** 0.5:.4f}")
assert out[:, 0].abs().max() < 1e-3 and by_hand_no_eps.isnan().all()
assert abs(out[:, 1].std(correction=0).item() - (var1 / (var1 + bn.eps)) ** 0.5) < 1e-3

# %% [markdown]
# **`affine`** decides whether γ and β exist (`affine=False`: no parameters at all).
# **`bias=False`** (a keyword since PyTorch 2.12, which is why this project needs torch ≥ 2.12)
# keeps γ but drops β.
# **`track_running_stats`** decides whether the running statistics exist. Without them the
# layer normalizes with the batch's statistics even in eval mode, so its output for one image
# still depends on the other images in the batch.

# %%
for affine in (True, False):
    for track in (True, False):
        layer = nn.BatchNorm2d(64, affine=affine, track_running_stats=track)
        params = [f"{n}{tuple(p.shape)}" for n, p in layer.named_parameters()] or ["none"]
        buffers = [f"{n}{tuple(b.shape)}" for n, b in layer.named_buffers()] or ["none"]
        print(f"affine={affine!s:<5} track_running_stats={track!s:<5} "
              f"parameters: {', '.join(params):<28} buffers: {', '.join(buffers)}")
gamma_only = nn.BatchNorm2d(64, bias=False)
print("bias=False:", [f"{n}{tuple(p.shape)}" for n, p in gamma_only.named_parameters()], "(gamma only)")
assert gamma_only.bias is None and gamma_only.weight.shape == (64,)

no_stats = nn.BatchNorm2d(3, track_running_stats=False).eval()
image = x[:1]  # (1, 3, 5, 5)
others_a, others_b = x[1:], 5 * x[1:]  # two different sets of batch-mates
out_a = no_stats(torch.cat([image, others_a]))[0]
out_b = no_stats(torch.cat([image, others_b]))[0]
print("track_running_stats=False, eval mode: same image, different batch-mates -> same output?",
      torch.allclose(out_a, out_b))
assert not torch.allclose(out_a, out_b)

# %% [markdown]
# ## 7. Training mode and evaluation mode
#
# In training mode the layer uses the statistics of the batch in front of it (and updates the
# running ones); in evaluation mode it uses the running statistics, so one image's output no
# longer depends on its batch-mates, and nothing is updated. The same input gives different
# outputs:

# %%
bn = nn.BatchNorm2d(1)
for _ in range(100):  # let the running statistics settle on data with mean 3, std 2
    bn(3 + 2 * torch.randn(16, 1, 4, 4, generator=gen))
probe = 3 + 2 * torch.randn(2, 1, 4, 4, generator=gen)  # (2, 1, 4, 4)
probe[1] += 4  # the second image is brighter

out_train = bn(probe)  # probe's own statistics
bn.eval()
tracked = bn.num_batches_tracked.item()
out_eval = bn(probe)  # the running statistics
assert bn.num_batches_tracked.item() == tracked  # eval mode updates nothing
print(f"running_mean {bn.running_mean.item():.3f}, running_var {bn.running_var.item():.3f}; "
      f"this batch: mean {probe.mean().item():.3f}, biased var {probe.var(correction=0).item():.3f}")
print(f"train mode, output mean per image: {show(out_train.mean(dim=(1, 2, 3)))}")
print(f"eval mode,  output mean per image: {show(out_eval.mean(dim=(1, 2, 3)))}")
print(f"largest difference between the two outputs: {(out_train - out_eval).abs().max().item():.3f}")
torch.testing.assert_close(bn(probe[:1]), out_eval[:1])  # eval: alone or in a batch, same output
assert (out_train - out_eval).abs().max() > 0.1

# %% [markdown]
# ## 8. What BN does to training
#
# A small CNN with and without BN, on scikit-learn's handwritten digits (8×8, built in,
# nothing downloaded): a 3×3 convolution, then three stages of two 3×3 convolutions (the
# second and third stage halve the map with stride 2: 8×8, 4×4, 2×2), global average pooling
# and an fc layer. Every convolution is followed by BN and a ReLU. It comes from
# `resnet_teach.cifar_resnet`, a family of networks that
# [04 · Building ResNets](04_building_resnets.ipynb) introduces; `residual=False` leaves out
# the shortcut connections that [03 · Residual blocks](03_residual_blocks.ipynb) adds. Here we
# only need its `norm_layer` argument: "without BN" replaces every BatchNorm2d by
# `nn.Identity`. The cell prints what the network is:

# %%
train_set, test_set = digits("train"), digits("test")  # (N, 1, 8, 8), standardized


def no_norm(channels: int) -> nn.Module:
    return nn.Identity()


def small_net(norm_layer=None) -> nn.Module:
    torch.manual_seed(0)
    return cifar_resnet(8, residual=False, in_channels=1, widths=(8, 16, 32), norm_layer=norm_layer)


with_bn, without_bn = small_net(), small_net(no_norm)
convs = [mod for mod in with_bn.modules() if isinstance(mod, nn.Conv2d)]
fcs = [mod for mod in with_bn.modules() if isinstance(mod, nn.Linear)]
print(f"{len(convs)} conv layers + {len(fcs)} fc layer; channels "
      f"{[conv.out_channels for conv in convs]}")
print("BatchNorm2d layers:", sum(isinstance(mod, nn.BatchNorm2d) for mod in with_bn.modules()), "vs",
      sum(isinstance(mod, nn.BatchNorm2d) for mod in without_bn.modules()))
print(f"parameters: {rt.count_parameters(with_bn):,} vs {rt.count_parameters(without_bn):,} "
      f"(BN adds gamma and beta)")
assert (len(convs), len(fcs)) == (7, 1)
plain_convs = [mod for mod in without_bn.modules() if isinstance(mod, nn.Conv2d)]
assert all(torch.equal(a.weight, b.weight) for a, b in zip(convs, plain_convs))  # same seed, same weights

# %% [markdown]
# ### The signal at initialization
#
# Before any training, push one batch of 256 training images through both networks and
# measure the standard deviation of the signal: after the first convolution (and its ReLU),
# after each stage, after the global average pool, and of the logits.
# `lesson_bn.activation_stds` records them with forward hooks, in training mode (as in the
# first training step), on a copy of the network. (Long float sums: the later digits can differ
# from machine to machine, so the asserts carry the claims.)

# %% tags=["nbval-ignore-output"]
from resnet_teach.lessons import bn_training as lesson_bn

probe_images, probe_labels = train_set.images[:256], train_set.labels[:256]  # (256, 1, 8, 8), (256,)
std_bn = lesson_bn.activation_stds(with_bn, probe_images)
std_plain = lesson_bn.activation_stds(without_bn, probe_images)
print(f"input: std {probe_images.std().item():.3f}")
print(f"{'after':<22} {'with BN':>8} {'without BN':>11}")
for name in std_bn:
    print(f"{name:<22} {std_bn[name]:>8.3f} {std_plain[name]:>11.3f}")
stages = ["relu", "layer1.0", "layer2.0", "layer3.0"]
assert all(0.45 < std_bn[name] < 0.75 for name in stages)  # with BN: the same size at every stage
assert all(std_plain[a] > std_plain[b] for a, b in zip(stages, stages[1:]))  # without: shrinking
assert std_plain["avgpool"] < 0.25 * std_plain["relu"]

# %% [markdown]
# With BN, every stage's output has a std of about 0.6, whatever the weights are: that is the
# std of a standardized channel after a ReLU, √(1/2 − 1/(2π)) for normal values. A million
# standard normal samples, through a ReLU:

# %%
standard_normal = torch.randn(10**6, generator=torch.Generator().manual_seed(0))
relu_std = standard_normal.relu().std().item()
print(f"std after ReLU: {relu_std:.2f}   (formula: {(0.5 - 1 / (2 * math.pi)) ** 0.5:.2f})")
assert abs(relu_std - (0.5 - 1 / (2 * math.pi)) ** 0.5) < 0.005

# %% [markdown]
# Without BN nothing holds the scale, and it shrinks
# stage after stage: by the global average pool the signal is a small fraction of what the
# first layer produced (the asserts check: shrinking at every stage, less than a quarter at the
# pool). Why, when He initialization is meant to preserve the scale? Three reasons, all in this
# network: torchvision's initialization (which `cifar_resnet` uses) is He's `fan_out` mode, which
# keeps the scale of the gradients on the way back, not of the signal on the way forward; the
# first convolution reads 1 channel, so its fan-in is 9 but its fan-out 72, and its weights are
# sized for 72; and on the small maps zero padding fills a large part of each 3×3 window (about a
# third of it on average on the 4×4 maps, more than half on the 2×2 maps), so each output sums
# fewer real inputs. (Blog post 003's point 3, "减小参数初始化带来的影响", BN reduces
# the effect of the initialization, is exactly this: with BN none of the three matters.) At
# initialization both networks' logits are small, so both start near a uniform
# guess; what differs is how strongly the weights can move them.
#
# Does a small signal mean "vanishing gradients", the problem blog posts 001 and 003 say BN
# and ResNet solve? Measure the gradient of the loss for every weight, on the same batch:

# %% tags=["nbval-ignore-output"]
grad_bn = lesson_bn.gradient_norms(with_bn, probe_images, probe_labels)
grad_plain = lesson_bn.gradient_norms(without_bn, probe_images, probe_labels)
print(f"{'layer':<16} {'|grad| with BN':>15} {'without BN':>11} {'ratio':>6}")
for name in grad_bn:
    print(f"{name:<16} {grad_bn[name]:>15.4f} {grad_plain[name]:>11.4f} {grad_bn[name] / grad_plain[name]:>6.1f}")
assert all(grad_bn[name] > 3 * grad_plain[name] for name in grad_bn)  # without BN: small everywhere
assert max(grad_plain.values()) < 4 * min(grad_plain.values())  # ... but alike from first to last layer

# %% [markdown]
# Without BN every gradient is many times smaller (the ratio column), at the first layer as
# much as at the last: the gradients do not die out on their way back to the input. What is small is the
# signal that reaches the loss, so every weight has little effect on it. (In much deeper
# plain networks gradients can also vanish or explode layer by layer; notebook
# [05](05_degradation.ipynb) measures them in a 32-layer net.) So "BN solves vanishing
# gradients" is, for this network, "BN keeps the signal at a usable size in every layer, and
# with it the gradients".
#
# %% [markdown]
# Both train with the same settings, written out in full: SGD with momentum 0.9, a learning rate
# of 0.1 that decays to zero along a cosine over the run, batches of 64, three epochs, the same
# seed. Before any learning, a classifier that spreads its guess evenly over the 10 digits has a
# cross-entropy loss of ln 10; the cell prints it as the reference. (Trained numbers: on
# another CPU or thread count their later digits differ, so the tests do not compare this
# cell's printout digit by digit; its asserts carry the claims, on every machine.)

# %% tags=["nbval-ignore-output"]
settings = dict(epochs=3, batch_size=64, optimizer="sgd", lr=0.1, momentum=0.9, schedule="cosine", seed=0)
histories = {"with BN": train(with_bn, train_set, test_data=test_set, **settings),
             "without BN": train(without_bn, train_set, test_data=test_set, **settings)}
guess_loss = math.log(10)  # cross-entropy of a uniform guess over 10 classes
print(f"uniform guess: loss ln 10 = {guess_loss:.3f}")
for name, h in histories.items():
    print(f"{name:<11} training loss per epoch {[round(v, 3) for v in h['train_loss']]}, "
          f"final test accuracy {h['test_accuracy'][-1]:.1%}")
final_loss = {name: h["train_loss"][-1] for name, h in histories.items()}
print(f"final training loss, without BN / with BN: {final_loss['without BN'] / final_loss['with BN']:.1f}")
plain_loss = histories["without BN"]["train_loss"]
assert histories["with BN"]["train_loss"][0] < guess_loss - 0.5  # learning in the first epoch
assert abs(plain_loss[0] - guess_loss) < 0.05  # without BN: about a uniform guess for a whole epoch
assert final_loss["without BN"] > 3 * final_loss["with BN"]

# %%
plot_histories(histories, metrics=("train_loss", "test_error"))
plt.show()

# %% [markdown]
# With BN the loss drops far below the guessing level within the first epoch. Without BN the
# same network with the same settings spends the whole first epoch at the loss of a uniform
# guess: its signal and its gradients start small (above), and it takes many steps to grow
# out of that (with this seed it has begun to by the last epoch; with other seeds it may not
# have). It ends the run with a training loss several times higher (the ratio is printed
# above; `benchmarks/bn_claims.py`, not this notebook, checks this section's claims for seeds 0 to 3). One run at one learning rate, though. Is 0.1 simply the wrong rate for the network
# without BN?
#
# ### Predict, then run: which learning rates work?
#
# Six runs of the same two networks, three epochs each, at learning rates 0.01, 0.1 and 1.0.
# The learning rate stays constant (no cosine schedule), so each run really uses the rate it
# names; everything else is as above. Before you run the sweep, predict: **which runs end with
# a training loss above 2**, hardly better than the uniform guess (ln 10 ≈ 2.30), or diverge
# (the loss becomes `nan`)? Answer with a list of run numbers.

# %%
sweep_lrs = (0.01, 0.1, 1.0)
sweep_plan = [(norm, lr) for norm in ("with BN", "without BN") for lr in sweep_lrs]  # lr_sweep's order
for i, (norm, lr) in enumerate(sweep_plan):
    print(f"run {i}: {norm + ',':<11} lr {lr:g}")

# %%
prediction = ...  # a list of run numbers, e.g. [0, 1]

# %% [markdown]
# Now run it (a few seconds on a laptop):

# %% tags=["nbval-ignore-output"]
sweep = lesson_bn.lr_sweep(lambda bn: small_net(None if bn else no_norm), train_set, sweep_lrs,
                           epochs=3, batch_size=64, optimizer="sgd", momentum=0.9,
                           schedule="constant", seed=0)
assert [(run.norm, run.lr) for run in sweep] == sweep_plan
for i, run in enumerate(sweep):
    print(f"run {i}: {run.label:<22} training loss per epoch {[round(v, 3) for v in run.history['train_loss']]}")
failed_runs = [i for i, run in enumerate(sweep) if lesson_bn.failed(run)]
print("runs that end above 2 (or nan):", failed_runs)
by_norm = {norm: {run.lr: run.final_loss for run in sweep if run.norm == norm} for norm in ("with BN", "without BN")}
assert failed_runs == [3, 5] and by_norm["with BN"][1.0] < 1.2  # without BN: 0.01 and 1.0 fail
assert all(by_norm["with BN"][lr] < by_norm["without BN"][lr] for lr in sweep_lrs)

# %%
lesson_bn.check_failed_runs(prediction, sweep)

# %% [markdown]
# Without BN there is a narrow window. At 0.01 the network never leaves the guessing plateau in
# three epochs: a small step is not "safe", it is too small for gradients that are small
# already (the small signal explains this plateau). At 1.0 the unnormalized steps overshoot:
# the first steps throw the weights far off and the loss jumps up (or becomes `nan`). With BN
# all three rates learn, even 1.0: this is blog post 003's point 2, "可以应用更大的学习率" (a
# larger learning rate can be used), measured. BN makes each layer's output independent of
# the scale of the weights before it, so a large step cannot blow the signal up, and a small
# signal is scaled back up. This is the effect Ioffe & Szegedy (2015, section 3.3, "Batch
# Normalization enables higher learning rates") describe. (Three rates, one seed, one small
# network and three epochs: a sketch of the effect, not a tuned comparison. The asserts held
# for seeds 0 to 3 in `benchmarks/bn_claims.py`.)
#
# ## 9. Forgetting `model.eval()`, measured
#
# `evaluate` switches the model to eval mode. Now the classic bug: test the trained network
# while it is still in training mode. Each BN layer then normalizes with the statistics of
# whatever batch it is given. `lesson.accuracy_without_eval` does exactly that (on a copy of
# the model), with batches of different sizes, and with batches sorted by digit, as a data
# loader without shuffling would deliver them. (Accuracies of a trained network: the asserts
# hold on every machine, the last digit of a percentage may not.)

# %% tags=["nbval-ignore-output"]
results = {"eval() (running statistics)": evaluate(with_bn, test_set)["accuracy"]}
for batch_size in (len(test_set), 64, 8, 2, 1):
    accuracy = lesson.accuracy_without_eval(with_bn, test_set, batch_size)
    results[f"train mode, batches of {batch_size}"] = accuracy
results["train mode, batches of 32 sorted by digit"] = lesson.accuracy_without_eval(
    with_bn, test_set, 32, sort_by_label=True)
for name, accuracy in results.items():
    print(f"{name:<42} test accuracy {accuracy:6.1%}")

correct = results["eval() (running statistics)"]
assert results["train mode, batches of 1"] < 0.2  # chance is 1 in 10 digits
assert results["train mode, batches of 32 sorted by digit"] < correct - 0.3
assert abs(results[f"train mode, batches of {len(test_set)}"] - correct) < 0.05

# %% [markdown]
# One big shuffled batch has statistics close to the running ones, so forgetting `eval()`
# hardly shows (that is why the bug survives). Small batches are noisy, a batch of one image
# normalizes every image against itself, and a batch of a single digit shifts the statistics
# towards that digit: the accuracy falls, with batches of one image to about chance level
# (one in ten).
#
# There is a second, silent effect: forward passes in training mode **update the running
# statistics**, even inside `torch.no_grad()`. A validation pass that forgot `eval()`
# damages the model for every later, correct evaluation. The cell below makes that mistake
# once, on a copy of the trained network, with batches of one image. It counts the updates
# with `num_batches_tracked` (every training-mode forward pass adds 1), and compares each BN
# layer's `running_var` before and after, beside the size of the map the layer sees.
# `rt.trace_shapes` gives those sizes: it runs the model once on a dummy input and records
# every module's output shape (section 10 uses it again). A layer's name says where it sits:
# `bn1` follows the first convolution, `layer2.0.bn1` is the first BN of block 0 of stage 2
# (the same names as torchvision's ResNets, which notebook 04 builds).

# %%
victim = copy.deepcopy(with_bn)
map_size = {row.name: row.output_shape[2:] for row in rt.trace_shapes(victim, (1, 1, 8, 8))}
bn_layers = {name: mod for name, mod in victim.named_modules() if isinstance(mod, nn.BatchNorm2d)}
var_before = {name: mod.running_var.clone() for name, mod in bn_layers.items()}
tracked_before = victim.bn1.num_batches_tracked.item()
before = evaluate(victim, test_set)["accuracy"]

lesson.accuracy_without_eval(victim, test_set, batch_size=1, in_place=True)  # the forgotten eval()

after = evaluate(victim, test_set)["accuracy"]
tracked_after = victim.bn1.num_batches_tracked.item()
batches_per_epoch = math.ceil(len(train_set) / settings["batch_size"])
print(f"num_batches_tracked of bn1: {tracked_before} after training ({settings['epochs']} epochs x "
      f"{batches_per_epoch} batches),")
print(f"  {tracked_after} after the forgotten eval() (+ {len(test_set)} test images, one per batch)")
assert tracked_before == settings["epochs"] * batches_per_epoch
assert tracked_after == tracked_before + len(test_set)

# %% [markdown]
# The running variances, before and after, and the accuracy the damage costs (trained numbers,
# so the asserts say what holds everywhere):

# %% tags=["nbval-ignore-output"]
ratio = {name: (mod.running_var / var_before[name]).mean().item() for name, mod in bn_layers.items()}
for name, r in ratio.items():
    height, width = map_size[name]
    print(f"{name:<13} map {height}x{width}: running_var after / before {r:.2f} (channel average)")
print(f"accuracy in eval mode before {before:.1%}, after the forgotten eval() {after:.1%}")
last = list(bn_layers)[-1]
assert ratio[last] < 0.8 and abs(ratio["bn1"] - 1) < 0.1 and after < before

# %% [markdown]
# Where the feature maps are 8×8, one image's pixels vary about as much as the data set does,
# and the running variance barely moved. In the last stage, with 2×2 maps, the variance within
# one image is much smaller than across images, and the running variance shrank: the layer now
# divides by too small a number. How much accuracy that costs depends on the model and the
# data; here it is the drop printed above.
#
# The rule: `model.eval()` before evaluating or predicting, `model.train()` before training
# again (`torch.no_grad()` saves memory but does not switch BN). `resnet_teach.evaluate`
# does both for you.
#
# ## 10. A batch of one
#
# In training mode a channel needs more than one value. A single value would normalize to β
# whatever it was (its biased variance is 0, so x − mean = 0), and its unbiased variance, the
# one `running_var` remembers, would be 0/0 (divide by m − 1 = 0): post 003's own reasoning,
# "使用无偏样本方差 … 因此如果batch_size=1,会报错" (the unbiased variance is used … therefore
# batch_size=1 raises an error). A batch of one image whose feature map is 1×1 has exactly one
# value per channel, and PyTorch refuses (a check in its Python code, before any arithmetic):

# %% tags=["raises-exception"]
bn = nn.BatchNorm2d(3)  # training mode
bn(torch.randn(1, 3, 1, 1))  # (N, C, H, W) = (1, 3, 1, 1): N*H*W = 1 value per channel

# %% [markdown]
# `ScratchBatchNorm2d` refuses with the same words. The condition is N·H·W = 1, not N = 1:
# blog post 003's "batch_size=1 raises an error" is only true for 1×1 maps (or for
# `BatchNorm1d` after a flatten, the usual place to meet this error, e.g. when the last batch
# of an epoch holds one sample: `DataLoader(..., drop_last=True)` avoids it).

# %%
try:
    ScratchBatchNorm2d(3)(torch.randn(1, 3, 1, 1))
except ValueError as err:
    print("ScratchBatchNorm2d:", err)
try:
    nn.BatchNorm1d(10)(torch.randn(1, 10))  # (N, features) after a flatten, N = 1
except ValueError as err:
    print("BatchNorm1d, one flattened sample:", err)

single = 3 + 2 * torch.randn(1, 3, 4, 4, generator=gen)  # (1, 3, 4, 4): one image, 16 values a channel
out = nn.BatchNorm2d(3)(single)
print("one 4x4 image in training mode runs; output shape", tuple(out.shape))
torch.testing.assert_close(out, nn.InstanceNorm2d(3)(single))
print("and equals InstanceNorm2d: each channel is standardized over this image's own pixels")

# %% [markdown]
# So a single image with H·W > 1 runs, but its "batch statistics" are the statistics of its
# own pixels. Every image is normalized against itself: its overall brightness and contrast
# per channel are erased, and the running statistics are updated with single-image values.
# That is why "train mode, batches of 1" above collapsed.
#
# Does a ResNet ever give BN a 1×1 map? Its BN layers all sit inside the convolutional stages,
# so it depends on the input size. `rt.trace_shapes` lists their outputs for the 224×224 images
# ResNet-18 was designed for, and for a 32×32 image (the size of CIFAR-10):

# %%
resnet18 = rt.resnet18()
smallest_pixels = {}
for side in (224, 32):
    bn_rows = [row for row in rt.trace_shapes(resnet18, (1, 3, side, side)) if row.type == "BatchNorm2d"]
    smallest = min(bn_rows, key=lambda row: row.output_shape[2] * row.output_shape[3])
    height, width = smallest.output_shape[2:]
    smallest_pixels[side] = height * width
    print(f"{side}x{side} input: of ResNet-18's {len(bn_rows)} BatchNorm2d layers, the smallest map "
          f"is {height}x{width} ({smallest.name})")
assert smallest_pixels[224] > 1 and smallest_pixels[32] == 1

# %% [markdown]
# At 224×224 every BN layer sees several pixels per channel, so even a single image runs in
# training mode. At 32×32 the last stage works on 1×1 maps, and a batch of one image in
# training mode fails there, deep inside the network:

# %%
try:
    resnet18.train()(torch.zeros(1, 3, 32, 32))  # (N, C, H, W): one 32x32 image
except ValueError as err:
    print("ResNet-18, one 32x32 image, training mode:", err)
_ = resnet18.eval()  # back to evaluation mode (below we only count its parameters)

# %% [markdown]
# ## 11. What the blog posts say about BN
#
# **归一化 or 标准化?** Blog post 003 describes BatchNorm2d in these words: "以一个batch为统计单位,
# 在C(channel)维度上进行归一化 … BatchNorm2d会计算其均值和方差,并使用这两个参数对数据进行归一化"
# (it takes the batch as the unit of statistics and 归一化s along the channel dimension, which
# means per channel, over (N, H, W), not across channels: it
# computes the mean and the variance and uses them to 归一化 the data). Further down, the same
# post defines the two words it uses:
#
# - "归一化输出范围在0-1之间 … 仅仅与该变量的最大值和最小值这两个极端值有关" (归一化: the output lies
#   between 0 and 1, and depends only on the two extreme values, the maximum and the minimum);
# - "标准化输出范围是负无穷到正无穷,将数据变换为均值为0,标准差为1的分布" (标准化: the output ranges
#   from −∞ to +∞; the data become a distribution with mean 0 and standard deviation 1).
#
# By the post's own definitions, what BN computes, with a mean and a variance, is **标准化**.
# Yet the layer's usual Chinese name, 批量**归一化**, says 归一化, and so does the post's first
# sentence. That is the trap: read the name with the post's definition and you expect outputs
# in [0, 1], min-max scaling (x − min)/(max − min). BN standardizes: mean 0 and std 1 per
# channel (then γ and β), and its outputs are not confined to [0, 1]. Here is channel 0 of our
# batch both ways:

# %%
channel = x[:, 0]  # (N, H, W), channel 0
min_max = (channel - channel.min()) / (channel.max() - channel.min())
bn_out = nn.BatchNorm2d(3)(x)[:, 0]  # fresh layer: gamma = 1, beta = 0
for name, t in (("min-max scaling", min_max), ("BatchNorm2d", bn_out)):
    print(f"{name:<16} min {t.min().item():+.3f}, max {t.max().item():+.3f}, mean {t.mean().item():+.3f}")
print(f"BN outputs outside [0, 1]: {((bn_out < 0) | (bn_out > 1)).float().mean().item():.0%}")
assert bn_out.min() < 0 and bn_out.max() > 1 and ((bn_out < 0) | (bn_out > 1)).float().mean() > 0.5
plot_value_histograms({"raw channel": channel, "min-max scaling": min_max, "BatchNorm2d": bn_out},
                      band=(0, 1))
plt.show()

# %% [markdown]
# Both are affine maps of the same numbers, so the three histograms have the same shape; what
# differs is where they sit. Min-max pins the extremes to 0 and 1 (shaded); BN centres the
# values at 0 with unit spread, and more than half of them fall outside [0, 1].
#
# **"It regularizes by adding γ and β."** Post 003 lists a regularizing effect and explains
# it: "它通过引入额外的参数γ和β,增加了模型的复杂度,从而在一定程度上避免了过拟合" (by introducing the
# extra parameters γ and β it increases the model's complexity, and so avoids overfitting to
# some extent). Adding parameters adds capacity, the opposite of regularization; and there are
# few of them anyway:

# %%
bn_params = sum(p.numel() for mod in resnet18.modules() if isinstance(mod, nn.BatchNorm2d)
                for p in mod.parameters())
total = rt.count_parameters(resnet18)
print(f"ResNet-18: {bn_params:,} BN parameters of {total:,} ({bn_params / total:.2%})")

# %% [markdown]
# The post's next sentence is closer to the mark: BN "还具有数据增强的效果" (also has the effect of
# data augmentation), because normalizing by the mini-batch transforms the data a little. In
# training, an image's output depends on which other images share its batch, so the network
# sees a slightly different version of each image every epoch. Ioffe & Szegedy, who introduced
# BN, make this argument (2015, section 3.4): the network is "no longer producing deterministic
# values for a given training example", which they found helps generalization, enough to drop
# Dropout from their BN-Inception (section 4.2.1). What we can measure here is the noise
# itself (its effect on test accuracy would take many longer runs): one test image in five
# random batches, through our trained network, in training mode and in eval mode.

# %% tags=["nbval-ignore-output"]
index, label = 0, test_set.labels[0].item()
image = test_set.images[index:index + 1]  # (1, 1, 8, 8)
noise_gen = torch.Generator().manual_seed(1)
net = copy.deepcopy(with_bn)  # a copy: training-mode passes would change the running statistics
with torch.no_grad():
    for mode in ("train", "eval"):
        net.train(mode == "train")
        probabilities = []
        for _ in range(5):
            picks = torch.randint(1, len(test_set), (15,), generator=noise_gen)
            mates = test_set.images[picks]  # (15, 1, 8, 8)
            logits = net(torch.cat([image, mates]))  # (16, 10), the image is row 0
            probabilities.append(logits.softmax(dim=1)[0, label].item())
        print(f"{mode} mode: probability of the true digit {label} in 5 batches:",
              ", ".join(f"{p:.3f}" for p in probabilities))
        spread = max(probabilities) - min(probabilities)
        assert (spread > 1e-3) if mode == "train" else (spread < 1e-6)

# %% [markdown]
# (The softmax here is only to read the network's confidence; the network itself outputs
# logits.) In eval mode the batch noise is gone, which is what we want at test time.
#
# The noise needs no parameters at all. A BatchNorm2d with `affine=False` has none, and in
# training mode its output for one image still changes with the images beside it:

# %%
no_params = nn.BatchNorm2d(3, affine=False)
print("BatchNorm2d(affine=False) parameters:", rt.count_parameters(no_params))
out_a = no_params(torch.cat([x[:1], x[1:]]))[0]  # image 0 with its batch-mates
out_b = no_params(torch.cat([x[:1], 5 * x[1:]]))[0]  # image 0 with other batch-mates
print("its output for the same image depends on the batch:", not torch.allclose(out_a, out_b))
assert rt.count_parameters(no_params) == 0 and not torch.allclose(out_a, out_b)

# %% [markdown]
# **"Every layer's input gets the same distribution."** Post 003 says the normalization
# "可以保证每一层的输入数据都具有相同的分布特征" (guarantees that every layer's input data have the
# same distribution). Two things are true: in training mode BN fixes the mean (0) and the std
# (1) of each channel, for each batch, before γ and β; and section 8 showed that this keeps the
# signal at one size through the network. But γ and β are learned precisely so that they can
# move these again, and only the mean and the std are ever controlled, not the shape of the
# distribution (post 003 says so itself of 标准化: "切记:并非一定是正态的", remember: not
# necessarily normal). The BN layers of our trained network, in eval mode on the test images:

# %% tags=["nbval-ignore-output"]
bn_stats = lesson_bn.bn_output_stats(with_bn, test_set.images)
for name, (mean_c, std_c) in bn_stats.items():
    print(f"{name:<14} per-channel mean {mean_c.min().item():+.2f} to {mean_c.max().item():+.2f}, "
          f"std {std_c.min().item():.2f} to {std_c.max().item():.2f}")
all_means = torch.cat([m for m, _ in bn_stats.values()])
all_stds = torch.cat([sd for _, sd in bn_stats.values()])
assert all_stds.max() > 1.4 * all_stds.min() and all_means.max() - all_means.min() > 0.3

# %% [markdown]
# Even after three epochs, the channels' means and stds have moved apart, most in the last
# layer. ("Internal covariate shift", the motivation of the original paper, is a debated
# explanation: Santurkar et al., 2018, "How Does Batch Normalization Help Optimization?",
# trained networks with random noise injected after every BN layer, so that the
# distributions kept shifting, and found them training about as well as networks with ordinary
# BN, and better than networks without BN: their Figure 2.)
#
# **"BN suppresses vanishing gradients"** (post 003, point 1; post 001 says the same of the
# residual connection). Section 8 measured what happens in our small network: without BN the
# gradients are small at every layer alike, because the signal is small. BN keeps the signal
# at a usable size, and the gradients with it.

# %% [markdown]
# ## 12. Porting a Keras block to PyTorch
#
# Blog post 004 builds its ResNet in TensorFlow/Keras: each "weight layer" is a convolution
# followed by 批标准化 (batch normalization), with `padding='same'`, the first one of a block
# with stride 2 when it downsamples, and feature maps of shape `[b, w, h, c]`, channels last.
# The post never mentions PyTorch, but students port such models. Six conventions differ; the
# first five must be converted by hand:
#
# | | Keras | PyTorch |
# |---|---|---|
# | image layout | (N, H, W, C), channels last | (N, C, H, W) |
# | conv kernel | (kH, kW, in, out), "HWIO" | (out, in, kH, kW), "OIHW" |
# | BN ε | `epsilon=1e-3` | `eps=1e-5` |
# | BN momentum | `momentum=0.99`, the weight of the OLD value | `momentum=0.1`, the weight of the NEW batch |
# | `'same'` at stride 2 | pads the odd pixel at the end | integer `padding` is symmetric |
# | moving variance update (training only) | the **biased** batch variance (Keras 3 takes it from `keras.ops.moments`) | the **unbiased** one (divide by m − 1, section 3) |
#
# The last row cannot be converted by a setting, and does not matter for inference: it only
# makes the running variance drift slightly differently if you go on training after the port
# (by the factor m/(m − 1), tiny for large batches).
#
# `resnet_teach.lessons.keras_port` holds random weights stored as Keras stores them (half of
# the channels with a moving variance of about 10⁻³, the case where ε matters),
# `keras_forward`, which computes Keras's inference output in channels-last tensor operations
# written out by hand, and `port_to_torch`, which builds the PyTorch twin. The faithful port
# first:

# %%
from resnet_teach.lessons import keras_port

block = keras_port.random_keras_conv_bn(in_channels=3, out_channels=4, kernel_size=3, stride=2)
print("Keras kernel (kH, kW, in, out):", tuple(block.kernel.shape),
      f"; epsilon {block.epsilon:g}, momentum {block.momentum:g}")
images_nhwc = torch.randn(2, 8, 8, 3, generator=gen)  # (N, H, W, C): Keras's layout
keras_out = keras_port.keras_forward(block, images_nhwc)  # (N, H_out, W_out, out)
ported = keras_port.port_to_torch(block, size=8)
print(ported)
torch_out = ported(images_nhwc.permute(0, 3, 1, 2))  # (N, H, W, C) -> (N, C, H, W)
torch.testing.assert_close(torch_out.permute(0, 2, 3, 1), keras_out, atol=1e-5, rtol=1e-5)
print("the port gives keras_forward's output (our hand-written Keras arithmetic):",
      tuple(torch_out.shape), "(N, C, H, W)")

# %% [markdown]
# (No Keras runs here: `keras_forward` is our hand-written model of Keras's inference
# arithmetic.) Now each conversion left out, one at a time. Feeding the channels-last
# tensor as it is fails loudly: PyTorch reads (N, H, W, C) = (2, 8, 8, 3) as (N, C, H, W), 8
# channels of 8×3; the `ZeroPad2d` in front of the convolution pads the last two axes (really
# the width, 8 → 9, and the channels, 3 → 4), so the error names `input[2, 8, 9, 4]` and "8
# channels". It fails only because the height (8) differs from in_channels (3): an image 3
# pixels high would pass silently, with a wrong output. A kernel reshaped instead of permuted has the right shape and silently computes
# something else; PyTorch's ε changes exactly the channels with a small variance; symmetric
# padding shifts every window by a pixel (notebook 01, section 5):

# %%
try:
    ported(images_nhwc)  # (N, H, W, C) handed over as if it were (N, C, H, W)
except RuntimeError as err:
    print("no permute of the input:", str(err).splitlines()[0])
three_high = torch.randn(2, 3, 8, 3, generator=torch.Generator().manual_seed(1))  # (N, H, W, C), H = 3
quiet = ported(three_high)  # read as (N, C, H, W) = (2, 3, 8, 3): no error
right_shape = tuple(ported(three_high.permute(0, 3, 1, 2)).shape)  # (N, C, H, W) = (2, 3, 3, 8) in
print("no permute, an image 3 pixels high: no error, output", tuple(quiet.shape), "instead of", right_shape)
assert tuple(quiet.shape) != right_shape

small_var = block.moving_variance < 1e-2  # the channels with a small variance
mistakes = {"kernel reshaped, not permuted": dict(permute_kernel=False),
            "eps=1e-5 (PyTorch's default)": dict(eps=1e-5),
            "integer padding=1": dict(explicit_padding=False)}
for name, change in mistakes.items():
    wrong = keras_port.port_to_torch(block, size=8, **change)(images_nhwc.permute(0, 3, 1, 2))
    gap = (wrong.permute(0, 2, 3, 1) - keras_out).abs().amax(dim=(0, 1, 2))  # per channel
    print(f"{name:<30} largest error per channel {[round(v, 1) for v in gap.tolist()]}")
    assert gap.max() > 0.1
    if "eps" in name:  # only the small-variance channels suffer
        assert gap[~small_var].max() < 1e-2 < gap[small_var].min()
print("moving variance per channel:", [f"{v:.1e}" for v in block.moving_variance.tolist()])

# %% [markdown]
# The ε error is invisible on channels with a variance far above 10⁻³ and large on the others:
# √(σ² + 10⁻³) and √(σ² + 10⁻⁵) differ most when σ² is about 10⁻³ or less.
#
# Momentum matters once the ported model trains (fine-tuning updates the running statistics).
# Keras updates `moving = momentum · moving + (1 − momentum) · batch`; PyTorch
# `running = (1 − momentum) · running + momentum · batch` (section 4). So Keras's 0.99 is
# PyTorch's 0.01, and `port_to_torch` converts it. One training step on a batch:

# %%
batch_nchw = torch.randn(16, 4, 4, 4, generator=gen) + 2  # (N, C, H, W), mean about 2
keras_moving = keras_port.keras_moving_mean(block.moving_mean, batch_nchw.mean(dim=(0, 2, 3)))
bn_port = ported[-1]  # the BatchNorm2d of the port
print(f"PyTorch momentum of the port: {bn_port.momentum:.2f} = 1 - {block.momentum:g}")
for torch_momentum in (bn_port.momentum, block.momentum):
    layer = copy.deepcopy(bn_port).train()
    layer.momentum = torch_momentum
    layer(batch_nchw)
    # float32 rounding of these values (all below 0.1) is about 1e-8 (measured 7e-9 on default and
    # AVX2 kernels); the wrong momentum misses by about 2: 1e-5 of the largest value separates them
    matches = torch.allclose(layer.running_mean, keras_moving, rtol=0,
                             atol=1e-5 * keras_moving.abs().max().item())
    print(f"momentum={torch_momentum:.2f}: running_mean follows Keras's update: {matches}")
    assert matches == math.isclose(torch_momentum, 1 - block.momentum)

# %% [markdown]
# ## 13. The backward pass, by hand
#
# Autograd differentiates BN for us, but the derivation is worth doing once (it is the core of
# CS231n's [assignment 2](https://cs231n.github.io/assignments2024/assignment2/)). Per channel,
# over its m = N·H·W values, the forward pass is
# `μ = mean(x)`, `σ² = mean((x − μ)²)`, `x̂ = (x − μ)/√(σ² + ε)`, `y = γ·x̂ + β`.
# Going backwards with `dy = ∂L/∂y`:
#
# * `∂L/∂β = Σ dy`: β is added to all m values;
# * `∂L/∂γ = Σ dy·x̂`: γ multiplies each x̂;
# * `∂L/∂x` flows three ways, through x̂ directly, through σ² and through μ. Walking the graph
#   node by node (`backward_staged` does exactly that) and collecting terms gives the one-line form
#
# $$\frac{\partial L}{\partial x} = \frac{\gamma}{m\sqrt{\sigma^2+\varepsilon}}\Big(m\,dy - \sum dy - \hat{x}\sum dy\,\hat{x}\Big)$$
#
# `bn_backward.BatchNormFunction` is a `torch.autograd.Function` whose `backward` is that one line:

# %%
import inspect
import textwrap

from resnet_teach.lessons import bn_backward

print(textwrap.dedent(inspect.getsource(bn_backward.backward_one_line).split('"""')[-1]).strip())

# %% [markdown]
# Checked against autograd through `F.batch_norm(training=True)`, for the output and all three
# gradients; `backward_staged` (the node-by-node derivation) must agree too, and
# `torch.autograd.gradcheck` compares our backward with finite differences in float64:

# %%
check = bn_backward.compare_with_autograd(shape=(4, 3, 5, 5))
for name in ("y", "dx", "dgamma", "dbeta", "staged dx"):
    r = check[name]
    assert r["max |difference|"] <= 1e-4 * max(1.0, r["scale"]), name  # float32 sums of 100 values
    print(f"{name:>9}: ours == autograd to float32 rounding")
print("gradcheck (float64, finite differences):", check["gradcheck"])
assert check["gradcheck"]

# %% [markdown]
# The one-line form is the one to reason with: exercise 5 below asks you to use it.
#
# ## 14. When batch statistics fail: LayerNorm, GroupNorm, InstanceNorm
#
# BN's statistics come from the batch, which is why a batch of one fails on 1x1 maps (section 10) and why
# small batches make them noisy. The alternatives normalize the same way over a *different set
# of axes*, none of which is the batch (Wu & He 2018,
# [*Group Normalization*](https://arxiv.org/abs/1803.08494), Figure 2):

# %%
from resnet_teach.lessons import norms
from resnet_teach.plots.norms import draw_norm_axes

for name, (axes, what) in norms.NORMS.items():
    print(f"{name:>12}: over {axes:<12} one mean and variance for {what}")
draw_norm_axes()

# %% [markdown]
# Each claim, asserted against PyTorch's own layers on conv features (fresh layers, so γ = 1
# and β = 0). In particular **GroupNorm with 1 group is LayerNorm** over (C, H, W), and
# **GroupNorm with C groups is InstanceNorm**:

# %%
for name, r in norms.norm_equivalences(shape=(3, 6, 5, 5)).items():
    assert r["max |difference|"] <= 1e-5 * max(1.0, r["scale"]), name
    print(f"{name}: equal to float32 rounding")

# %% [markdown]
# None of them depends on the batch, so they behave the same in training and evaluation and
# with a batch of one. Our ResNets take any of them through `norm_layer`, as torchvision's do
# (GroupNorm needs the group count fixed first):

# %%
import functools

gn_net = rt.resnet18(norm_layer=functools.partial(nn.GroupNorm, 32))
print(gn_net.layer1[0].bn1, "  <- still named bn1, so the block code is unchanged")
one_image = torch.randn(1, 3, 64, 64)
gn_net.train()
assert gn_net(one_image).shape == (1, 1000)  # a batch of one trains with GroupNorm
print("a batch of one in training mode: fine with GroupNorm")

# %% [markdown]
# Measured: a network smaller than section 8's (`norms.small_net`, three 3x3 convs), trained on
# the first 600 training digits (section 8 used all of them) for three epochs, once with BatchNorm and once with GroupNorm (4 groups), then
# tested in eval mode. First in **batches of two**. (Accuracies of a trained network: the
# asserts hold over seeds and CPU kernels, the last digit printed may not.)

# %% tags=["nbval-ignore-output"]
two = norms.norm_accuracies(batch_size=2, seed=0)
for name, accuracy in two.items():
    print(f"{name:>9}, batches of 2: test accuracy {accuracy:.1%}")
assert two["GroupNorm"] > two["BatchNorm"] + 0.01  # seeds 0-4: GN ahead by 2.9 to 8.9 points

# %% [markdown]
# Is that BN degrading, or GN simply suiting this network better? Wu & He's Figure 1 answers
# it for ResNet-50 on ImageNet by training both at every batch size from 32 down to 2 images
# per GPU, the learning rate scaled with the batch (0.1·N/32) and the epochs fixed. Their
# Table 2 holds the numbers the figure plots (top-1 validation error, %):

# %%
from resnet_teach.paper import GN_PAPER, GN_TABLE2_ERROR

print(GN_PAPER, "Table 2, ResNet-50 top-1 error (%) by images per GPU")
print("     " + "".join(f"{n:>7}" for n in GN_TABLE2_ERROR["BN"]))
for name, errors in GN_TABLE2_ERROR.items():
    print(f"{name:<5}" + "".join(f"{e:>7.1f}" for e in errors.values()))
for start in (32, 16):
    rise = {name: errors[2] - errors[start] for name, errors in GN_TABLE2_ERROR.items()}
    print(f"from {start} to 2 images: BN's error rises {rise['BN']:.1f} points, GN's {rise['GN']:+.1f}")

# %% [markdown]
# The same experiment in miniature: `norms.small_net` again, now in batches of 16, with the
# learning rate scaled linearly with the batch as Wu & He scale SGD's (`norms.LR_PER_IMAGE`
# times the batch; we train with Adam, for which this rule is only a rough guide)
# and the same three epochs, so every image is seen three times at both sizes. The batch of 16
# takes far fewer steps, which is why it costs little:

# %%
for batch in (2, 16):
    print(f"batches of {batch:>2}: Adam's learning rate {norms.LR_PER_IMAGE * batch:g}, "
          f"{math.ceil(600 / batch)} steps per epoch")

# %% tags=["nbval-ignore-output"]
sixteen = norms.norm_accuracies(batch_size=16, seed=0)
drop = {name: sixteen[name] - two[name] for name in two}  # accuracy lost going from 16 to 2
for name in two:
    print(f"{name:>9}: batches of 16 {sixteen[name]:.1%}, of 2 {two[name]:.1%}, "
          f"change from 16 to 2: {-100 * drop[name]:+.1f} points")
assert sixteen["BatchNorm"] > sixteen["GroupNorm"]  # seeds 0-4: BN ahead by 1.3 to 3.1 points
assert drop["BatchNorm"] > 0.03  # seeds 0-4: BN lost 4.7 to 10.0 points
assert abs(drop["GroupNorm"]) < 0.04  # seeds 0-4: GN moved by -2.2 to +2.7 points
assert drop["BatchNorm"] > drop["GroupNorm"] + 0.02  # seeds 0-4: 4.2 to 10.9 points more

# %% [markdown]
# Both halves of Wu & He's point, at toy scale: at a batch of 16 BatchNorm is as good as
# GroupNorm or slightly better (in their table, 23.7% against 24.2%), and at a batch of two
# BatchNorm loses several points while GroupNorm stays within a few points of where it was.
# Our sizes are far from theirs (600 digits of 8x8 pixels, three epochs), so only the
# direction carries over, not the size of the effect.
#
# ## 15. Why the statistics are per channel
#
# A conv layer applies the same filter at every position, so one channel is one "feature" seen
# everywhere. BN keeps it that way: one mean, one variance, one γ and one β per channel, shared
# by all H·W positions (and all N images). A layer's BN therefore has `2·C` parameters, whatever
# the map's size. For ResNet-18 as a check, every BN layer counted by PyTorch against `2·C`:

# %%
bn_rows = norms.bn_parameter_table(rt.resnet18())
total = sum(r["parameters"] for r in bn_rows)
assert all(r["parameters"] == r["2·channels"] for r in bn_rows)
print(f"{len(bn_rows)} BatchNorm2d layers, {total:,} parameters "
      f"= 2 x {sum(r['channels'] for r in bn_rows):,} channels "
      f"({total / rt.count_parameters(rt.resnet18()):.2%} of ResNet-18's parameters)")
first = bn_rows[0]
print(f"per position instead, the stem's BN alone would need 2 x {first['channels']} x 112 x 112 "
      f"= {2 * first['channels'] * 112 * 112:,}")

# %% [markdown]
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch. Give decimals to three significant digits (e.g. 2.45, 0.0123): the checker accepts
# answers within 1% of the exact value, and two digits can be further off than that. (The
# predict-then-run exercise on learning rates is in section 8.)
#
# ### Exercise 1 · Running statistics after one step
#
# A fresh `nn.BatchNorm2d(1)` (default momentum) runs one training step on the batch below.
# What are `running_mean` and `running_var` afterwards? Answer with a pair
# `(running_mean, running_var)`.

# %%
print(exercises.exercise_batch().flatten().tolist(), "shape", tuple(exercises.exercise_batch().shape))
answer = ...
exercises.check_running_stats(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# The mean is 3, so `running_mean = 0.9 * 0 + 0.1 * 3 = 0.3`. The unbiased variance divides
# the squared deviations 4 + 1 + 0 + 9 = 14 by m − 1 = 3, so
# `running_var = 0.9 * 1 + 0.1 * 14/3 ≈ 1.367`.
#
# ```python
# answer = (0.3, 0.9 + 0.1 * 14 / 3)
# ```
# </details>

# %% [markdown]
# ### Exercise 2 · Which inputs raise?
#
# Which of these input shapes (N, C, H, W) make a BatchNorm2d in training mode raise? Answer
# with a list of indices (0-based).

# %%
for i, shape in enumerate(exercises.RAISE_SHAPES):
    print(i, shape)
answer = ...
exercises.check_which_raise(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Count the values per channel, N·H·W: only shape 0 has a single one. Shape 1 is one image
# with four pixels, shape 2 two images of one pixel, shape 3 one image of seven pixels, shape 4
# eight images of one pixel, shape 5 one image of 49 pixels.
#
# ```python
# answer = [0]
# ```
# </details>

# %% [markdown]
# ### Exercise 3 · How long the first batch is remembered
#
# A fresh `nn.BatchNorm2d(1, momentum=0.1)` runs five training steps, on batches 1, 2, 3, 4
# and 5 in that order. Afterwards, `running_mean` is a weighted sum of the five batch means
# (and of its start value 0). What is the weight of batch 1's mean in that sum?

# %%
answer = ...
exercises.check_first_batch_weight(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Batch 1 enters with weight 0.1; each of the 4 later steps multiplies the old value by 0.9.
#
# ```python
# answer = 0.1 * 0.9 ** 4
# ```
# </details>

# %% [markdown]
# ### Exercise 4 · A batch of two
#
# A fresh `nn.BatchNorm2d(1)` in training mode gets a batch of two 1×1 images with values 7
# and 3 (in that order). What are its two outputs? Answer with a pair.

# %%
answer = ...
exercises.check_two_value_batch(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Mean 5, biased variance ((7 − 5)² + (3 − 5)²)/2 = 4, std 2: the outputs are
# (7 − 5)/√(4 + ε) and (3 − 5)/√(4 + ε), about +1 and −1 (a hair less, because of ε).
#
# ```python
# answer = (1.0, -1.0)
# ```
# In general two values a and b come out as ±((a − b)/2) / √(((a − b)/2)² + ε): about +1 and
# −1 whenever the half-difference (a − b)/2 is much larger than √ε, whatever the two values
# were. (When you answer correctly, the checker shows two examples.) With 1×1 maps, a batch of
# two keeps, per channel, only which of the two values is larger. Section 9's network never
# gets that low: even its smallest (2×2) maps give a batch of two 8 values per channel, but 8
# values are still a crude estimate.
# </details>

# %% [markdown]
# ### Exercise 5 · A gradient that is the same everywhere
#
# BN with γ = 2, β = 0 in training mode on one channel with the four values 1, 2, 4, 9.
# The loss's gradient `∂L/∂y` is 1 at every output. What is `∂L/∂x` for the first value?

# %%
answer = ...
bn_backward.check_dx_all_ones(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Read the one-line form term by term: the gradient that reaches x is `dy` with its per-channel
# mean removed, and with its component along x̂ removed too. Here `m·dy − Σ dy = 4·1 − 4 = 0`
# and `Σ dy·x̂ = Σ x̂ = 0` (x̂ has mean 0), so the one-line form gives 0. Adding the same number to every value of a channel only moves its mean, and BN
# subtracts the mean: the output cannot change, so the loss cannot either.
#
# ```python
# answer = 0.0
# ```
# </details>
#
# ### Exercise 6 · The gradient of β
#
# `nn.BatchNorm2d(1)` gets a batch of shape (2, 1, 2, 2), and `∂L/∂y` is 0.5 at every value.
# What is `∂L/∂β`?

# %%
answer = ...
bn_backward.check_dbeta(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# β is added to all N·H·W = 8 values of the channel: the gradient sums 0.5 eight times.
#
# ```python
# answer = 4.0
# ```
# </details>
#
# ### Exercise 7 · How many statistics does GroupNorm compute?
#
# `nn.GroupNorm(8, 64)` on a batch of shape (16, 64, 28, 28): how many (mean, variance) pairs
# does it compute?

# %%
answer = ...
norms.check_groupnorm_statistics(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# One pair per sample and group: 16 · 8.
#
# ```python
# answer = 128
# ```
# </details>
#
# ### Exercise 8 · BN's parameters
#
# How many parameters does `nn.BatchNorm2d(256)` have?

# %%
answer = ...
norms.check_bn_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# γ and β, 256 each. `running_mean`, `running_var` and `num_batches_tracked` are buffers.
#
# ```python
# answer = 512
# ```
# </details>

# %% [markdown]
# ## Summary
#
# - BatchNorm2d standardizes each channel over (N, H, W) with the batch's mean and **biased**
#   variance, then scales by γ (`weight`) and shifts by β (`bias`). `ScratchBatchNorm2d`
#   does the same in a few lines and matches `nn.BatchNorm2d` to float rounding in outputs,
#   input and parameter gradients, SGD steps, buffers and evaluation outputs.
# - Training also updates `running_mean` and `running_var` (with the **unbiased** variance):
#   `running = (1 − momentum)·running + momentum·batch`; momentum is the weight of the new
#   batch (Keras's is the weight of the old value); `momentum=None` is a cumulative average.
# - `eps` keeps the division safe; `affine=False` removes γ and β, `bias=False` only β;
#   `track_running_stats=False` removes the running statistics, so even eval mode uses the
#   batch's.
# - Evaluation uses the running statistics. Forgetting `model.eval()` makes predictions depend
#   on the batch (small or sorted batches wreck accuracy) and silently overwrites the running
#   statistics.
# - Training mode needs more than one value per channel: N·H·W > 1. A single image with a
#   larger map runs, but is normalized against itself; a ResNet-18 on 32×32 images has 1×1
#   maps in its last stage, so there a single image fails.
# - At initialization, BN keeps the signal at the same size through the network; without it the
#   signal shrinks stage by stage, and every gradient is small. In our small CNN that is why
#   the network without BN starts at the guessing loss and stays on that plateau at learning
#   rate 0.01; at 1.0 its unnormalized steps overshoot; with BN all three rates learn.
# - BN is 标准化 (mean 0, std 1), not 归一化 in post 003's sense (min-max into [0, 1]), whatever
#   its Chinese name 批量归一化 says. It fixes a channel's mean and std, not its distribution,
#   and γ and β move them again. Its batch noise, not its few parameters, is what Ioffe &
#   Szegedy credit for its regularizing effect.
# - Porting a Keras conv + BN: permute the images (N, H, W, C) → (N, C, H, W) and the kernel
#   (kH, kW, in, out) → (out, in, kH, kW), set `eps=1e-3`, `momentum = 1 − 0.99`, and pad
#   `'same'` at stride 2 explicitly.
# - Backward by hand: `∂L/∂β = Σ dy`, `∂L/∂γ = Σ dy·x̂`, and
#   `∂L/∂x = γ/(m√(σ²+ε)) · (m·dy − Σ dy − x̂·Σ dy·x̂)`, equal to autograd's.
# - LayerNorm, InstanceNorm and GroupNorm normalize over (C, H, W), (H, W) and (C/G, H, W):
#   never over the batch. GroupNorm(1) is LayerNorm, GroupNorm(C) is InstanceNorm. Trained
#   for the same epochs, a small network with BatchNorm is as good as with GroupNorm in batches
#   of 16 and loses several points in batches of two; with GroupNorm it barely moves (Wu & He
#   2018, Figure 1, at toy scale).
# - Statistics, γ and β are per channel because a conv's filter is shared by every position:
#   ResNet-18's BN layers hold 2 x (their channels) parameters.
#
# ## References
#
# - S. Ioffe, C. Szegedy, [Batch Normalization: Accelerating Deep Network Training by Reducing
#   Internal Covariate Shift](https://arxiv.org/abs/1502.03167), ICML 2015. Algorithm 1 (the
#   batch transform, biased variance); Algorithm 2 (the unbiased variance, factor m/(m − 1),
#   for inference); section 3.3 (higher learning rates); section 3.4 (the regularizing
#   effect); section 4.2.1 (Dropout removed).
# - S. Santurkar, D. Tsipras, A. Ilyas, A. Madry, [How Does Batch Normalization Help
#   Optimization?](https://arxiv.org/abs/1805.11604), NeurIPS 2018. Figure 2 (noise injected
#   after BN).
# - PyTorch, [`nn.BatchNorm2d`](https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html)
#   (the momentum formula, `momentum=None`); Keras,
#   [`BatchNormalization`](https://keras.io/api/layers/normalization_layers/batch_normalization/)
#   (`momentum=0.99`, `epsilon=1e-3`).
#
# **Next:** [03 · Residual blocks](03_residual_blocks.ipynb).
