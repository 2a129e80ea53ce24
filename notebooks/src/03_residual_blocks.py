# %% [markdown]
# # 03 · Residual blocks
#
# **What you will learn**
# - what a residual block computes, `out = ReLU(F(x) + shortcut(x))`, and why the addition
#   comes *before* the last ReLU;
# - ResNet's two blocks, traced shape by shape and drawn: BasicBlock (two 3x3 convs,
#   ResNet-18/34) and Bottleneck (1x1 → 3x3 → 1x1 with expansion 4, ResNet-50/101/152);
# - the "identity block" and the "conv block" (projection shortcut) of the blog posts, and the
#   paper's shortcut options A, B and C, with their parameters counted for ResNet-34;
# - ResNet v1 vs v1.5: where the stride goes; same parameters, more multiply-adds for v1.5,
#   which NVIDIA's DeepLearningExamples describe as "slightly more accurate (~0.5% top1)";
# - `zero_init_residual`: every block starts out as ReLU(shortcut(x)), the identity in the
#   identity blocks;
# - two bugs from the blog posts, run in our own code: `run` instead of `forward`, and a ReLU
#   on the residual branch before the addition;
# - ResNeXt (grouped 3x3) and Wide ResNet, built exactly as torchvision builds them;
# - ResNet-C/D from the "bag of tricks" (Tong He et al. 2019): the deep stem, and the average-pool shortcut that
#   reads every pixel; the family tree of these variants.
#
# **Time on a laptop CPU:** about 40 minutes to read; the cells run in about 18 seconds.
#
# **Before this:** [00 · Start here](00_start_here.ipynb) and
# [02 · Batch normalization](02_batch_norm.ipynb); [01 · Convolution arithmetic](01_conv_arithmetic.ipynb)
# for the output-size formula. **Next:** [04 · Building ResNet-18/34/50/101/152](04_building_resnets.ipynb).

# %%
import inspect

import matplotlib.pyplot as plt
import torch
import torchvision
from torch import nn

from resnet_teach import (STAGES, BasicBlock, Bottleneck, ZeroPadShortcut, build_on_meta, conv_output_size,
                          count_macs, count_parameters, resnet18, resnet34, resnet50)
from resnet_teach.blocks import make_shortcut
from resnet_teach.lessons import blocks as lesson
from resnet_teach.stages import network_macs
from resnet_teach.text import format_table
from resnet_teach.plots.blocks import draw_blocks

# One image at a time: a single thread is fast enough, and on one machine it makes every
# rerun print the same numbers (the order of floating-point sums can depend on the thread
# count). Another CPU rounds differently in the last digits; the printed numbers are the ones
# exact arithmetic fixes, and float results are compared with tolerances.
torch.set_num_threads(1)

# %% [markdown]
# ## 1. The idea: learn a change, not a whole new picture
#
# A stack of layers in a deep network should compute some mapping H(x). A residual block does
# not ask its layers for H directly. Its layers compute a *residual* F(x), and the block adds
# its input back:
#
# $$\text{out} = \mathrm{ReLU}\big(F(x) + x\big)$$
#
# If the best thing a block can do is leave its input alone, its layers only have to output
# zero, which is easy to reach. A plain stack would have to build the identity map out of
# convolutions and ReLUs. [He et al. (2015)](https://arxiv.org/abs/1512.03385) argue this is why very deep plain networks are hard
# to optimize while residual ones are not ([notebook 05](05_degradation.ipynb) measures it).
#
# Here is the whole `forward` of the package's BasicBlock, printed from its source:

# %%
print(inspect.getsource(BasicBlock.forward))

# %% [markdown]
# Three things to notice. `identity = x` keeps the input before anything happens to it. There
# is **no ReLU after `bn2`**: the branch F(x) ends with BN, so it can be negative and can
# *subtract* from x. The last ReLU comes **after** the addition. (Section 9 shows what goes
# wrong when a blog post moves that ReLU.)
#
# ## 2. BasicBlock: two 3x3 convolutions
#
# ResNet-18 and ResNet-34 are built from BasicBlocks. `block_diagram` runs the block once
# and lists every layer with its output shape and parameter count; the formula column shows
# where each count comes from. To see inside the block it uses *hooks* (through
# `trace_shapes`): a forward hook is a function you attach to a module with
# `module.register_forward_hook(fn)`. Every time the module is *called*, as `module(x)`,
# PyTorch runs its `forward` and then calls `fn(module, inputs, output)`, so the tracer can
# note each output's shape. (Section 8 shows what happens when code skips that call.)

# %%
torch.manual_seed(0)
x64 = torch.randn(1, 64, 56, 56)  # (N, C, H, W): what layer1 of ResNet-18 sees at 224x224
basic = BasicBlock(64, 64)  # inplanes=64, planes=64
basic_diagram = lesson.block_diagram(basic, x64.shape)
print(basic_diagram)
assert basic_diagram.params == count_parameters(basic)

# %% [markdown]
# A 3x3 conv from 64 to 64 channels has 3·3·64·64 weights and **no bias**: the BN right after
# it subtracts the channel mean anyway and adds its own shift β, so a bias would be wasted.
# Each BN has two parameters per channel, γ and β (its running mean and variance are buffers,
# not parameters). Padding 1 keeps 56x56, so x and F(x) have the same shape and can be added.
#
# ## 3. Bottleneck: 1x1 → 3x3 → 1x1, expansion 4
#
# ResNet-50, 101 and 152 use the Bottleneck. The first 1x1 conv *reduces* the channels (256 →
# 64), the 3x3 conv works at the reduced width, and the last 1x1 conv *expands* them again by
# `expansion = 4` (64 → 256). The `planes` argument is the narrow width; the block outputs
# `planes · expansion` channels.

# %%
bottleneck = Bottleneck(256, 64)  # inplanes=256, planes=64
print(f"expansion = {Bottleneck.expansion}: Bottleneck(256, 64) outputs {64 * Bottleneck.expansion} channels")
x256 = torch.randn(1, 256, 56, 56)  # (N, C, H, W): what layer1 of ResNet-50 passes along
bottleneck_diagram = lesson.block_diagram(bottleneck, x256.shape)
print(bottleneck_diagram)
assert bottleneck_diagram.params == count_parameters(bottleneck)
assert bottleneck_diagram.output_shape == (1, 64 * Bottleneck.expansion, 56, 56)

# %% [markdown]
# Why the detour through 64 channels? Compare a BasicBlock that keeps all 256 channels:

# %%
wide_basic = BasicBlock(256, 256)
for name, block in [("BasicBlock(256, 256)", wide_basic), ("Bottleneck(256, 64)", bottleneck)]:
    print(f"{name:21s} {count_parameters(block):>9,} parameters "
          f"{count_macs(block, (1, 256, 56, 56)):>14,} multiply-adds at 56x56")
ratio = count_parameters(wide_basic) / count_parameters(bottleneck)
print(f"the Bottleneck has {ratio:.1f}x fewer parameters at the same input and output width")
block_type, layers_50 = STAGES[50]  # the package's stage table: block type, blocks per stage
blocks_50 = sum(layers_50)
print(f"ResNet-50: {' + '.join(map(str, layers_50))} = {blocks_50} {block_type.__name__}s")
assert blocks_50 == 16

# %% [markdown]
# That is how ResNet-50 can have 16 blocks working on 256 to 2048 channels and still cost
# little more than ResNet-34. `network_macs` counts a whole network's multiply-adds by
# arithmetic on a shapes-only copy (`build_on_meta`, section 4 says more; [notebook
# 04](04_building_resnets.ipynb) explains both and checks them against a real forward pass):

# %%
macs_34, macs_50 = network_macs(build_on_meta(resnet34)), network_macs(build_on_meta(resnet50))
print(f"multiply-adds at 224x224: ResNet-34 {macs_34 / 1e9:.2f} G, ResNet-50 {macs_50 / 1e9:.2f} G "
      f"({macs_50 / macs_34 - 1:.0%} more for {50 - 34} more layers)")
assert macs_34 < macs_50 < 1.2 * macs_34

# %% [markdown]
# The two blocks, drawn from their traces (the shapes in the boxes are the traced output
# shapes):

# %%
fig = draw_blocks([basic_diagram, bottleneck_diagram])
plt.show()

# %% [markdown]
# ## 4. "Identity block" and "conv block": the projection shortcut
#
# The blog posts speak of "identity blocks" and "conv blocks". This notebook uses the terms as
# Keras' ResNet-50 code names its two block functions, `identity_block` and `conv_block` ("A
# block that has a conv layer at shortcut", in
# [keras-applications, `resnet50.py`](https://github.com/keras-team/keras-applications/blob/master/keras_applications/resnet50.py)):
# two kinds of *whole* residual block, told apart by their shortcut. In an **identity block**
# the shape stays the same and the shortcut is x itself. The first block of layer2, layer3 and
# layer4 changes the shape: its stride 2 halves H and W, and it outputs more channels. Then
# x cannot be added as it is. Here is a Bottleneck with stride 2 and no shortcut to fix that;
# `resnet_teach` refuses to build it, and says why:

# %% tags=["raises-exception"]
no_projection = Bottleneck(256, 128, stride=2)  # BUG on purpose: shape changes, shortcut doesn't

# %% [markdown]
# torchvision's own `Bottleneck` builds the same block and fails only at the addition, with
# PyTorch's size error:

# %% tags=["raises-exception"]
torchvision.models.resnet.Bottleneck(256, 128, stride=2).eval()(x256)

# %% [markdown]
# The error names the last dimension, the width. Run the residual branch on its own, as a
# `Sequential` of a plain block's layers (`residual=False`: no shortcut to match), to see both
# shapes:

# %%
no_projection = Bottleneck(256, 128, stride=2, residual=False)
branch_only = nn.Sequential(no_projection.conv1, no_projection.bn1, no_projection.relu,
                            no_projection.conv2, no_projection.bn2, no_projection.relu,
                            no_projection.conv3, no_projection.bn3).eval()
with torch.no_grad():
    f_x = branch_only(x256)
print("F(x):", tuple(f_x.shape), "  x:", tuple(x256.shape))  # (N, C, H, W) each

# %% [markdown]
# F(x) has twice the channels and half the height and width of x. The fix is a **projection shortcut**:
# a 1x1 conv with the block's stride and the new channel count, then BN. A block with one is
# the **conv block**. (`make_shortcut` builds it; the networks call it for every block.)
#
# **Careful: "conv block" has two unrelated meanings in the blog posts, and post 001 uses
# both.**
#
# 1. **A whole residual block whose shortcut is a projection** (Keras' `conv_block`; this
#    notebook). Post 001's code uses it: it builds the first block of a stage under the comment
#    "#Conv Block" and the others under "#Identity Block", and says at the shortcut:
#    "如果时Identity block就是直连;如果是Conv Block就需要对参差边进行卷积,改变通道数和size" ("if it
#    is an Identity block, it is a direct connection; if it is a Conv Block, the residual edge
#    needs a convolution that changes the channel count and the size").
# 2. **A part of every block: the convolutions (conv, BN, ReLU layers) of the residual
#    branch**, beside the shortcut. Post 001's introduction uses this one:
#    "Conv 块的目标是学习特征的非线性映射,从而提取图像的高级特征,Identify 块的目的是跳跃地将输入传递到输出口,方便和卷积后的结果线性相加"
#    ("the Conv block's goal is to learn a nonlinear mapping of the features ...; the Identify
#    block's purpose is to pass the input by a jump to the output, to be added linearly to the
#    result of the convolutions"). Post 004 means the same with "convblock" (the convolutions)
#    and "identityblock" (the shortcut). In this sense *every* block has a conv block and an
#    identity block.
#
# Post 000 adds a third use: `ConvBlock` is its class name for every Bottleneck, identity
# blocks included. When you read "conv block", check which one is meant.

# %%
projection = make_shortcut(256, 128 * Bottleneck.expansion, stride=2, shortcut="B",
                           norm_layer=nn.BatchNorm2d)
print(projection)
conv_block = Bottleneck(256, 128, stride=2, downsample=projection)
conv_diagram = lesson.block_diagram(conv_block, x256.shape)
print(conv_diagram)

# %% [markdown]
# Both paths must land on the same size. The branch's 3x3 conv (padding 1) and the shortcut's
# 1x1 conv (padding 0), both with stride 2, give `floor((n - 1) / 2) + 1` for every n, as the
# output-size formula of [notebook 01](01_conv_arithmetic.ipynb) confirms for all sizes up to 512:

# %%
branch = conv_output_size(56, kernel_size=3, stride=2, padding=1)
shortcut = conv_output_size(56, kernel_size=1, stride=2, padding=0)
print(f"56 → branch {branch}, shortcut {shortcut}")
assert all(conv_output_size(n, kernel_size=3, stride=2, padding=1) == conv_output_size(n, kernel_size=1, stride=2)
           for n in range(1, 513))

# %%
fig = draw_blocks([conv_diagram])
plt.show()

# %% [markdown]
# Where are the conv blocks in a real network? One per stage, the first. In ResNet-50 even
# layer1 starts with one: its stride is 1, but the channels go from 64 to 256. In ResNet-34
# layer1 keeps 64 channels, so all its blocks are identity blocks. (`build_on_meta` builds a
# network on PyTorch's *meta* device: every layer has its real shape but no memory and no
# initialisation, which is all counting needs; notebook 04 uses it a lot.)

# %%
for name, builder in [("ResNet-34", resnet34), ("ResNet-50", resnet50)]:
    print(name)
    print(format_table(lesson.block_kinds(build_on_meta(builder))), end="\n\n")

# %% [markdown]
# ## 5. The paper's shortcut options A, B and C
#
# He et al. (2015) give two options for the blocks that change shape in Section 3.3, and add a
# third when they compare them in Section 4.1 (Table 3):
#
# - **A**: zero-padding. Take every second pixel and append zero channels: no parameters.
# - **B**: projection (1x1 conv + BN) where the shape changes, identity everywhere else. This
#   is torchvision's ResNet and this package's default.
# - **C**: projection on every block, even where the identity would do.
#
# Option A on a tiny tensor: two channels of 4x4 become four channels of 2x2.

# %%
tiny = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(1, 2, 4, 4)  # (N, C, H, W)
padded = ZeroPadShortcut(2, 4, stride=2)(tiny)
print("in", tuple(tiny.shape), "→ out", tuple(padded.shape))
print("channel 0, every second pixel:\n", padded[0, 0])
print("channel 2, appended zeros:\n", padded[0, 2])
assert torch.equal(padded[:, :2], tiny[:, :, ::2, ::2]) and not padded[:, 2:].any()

# %% [markdown]
# Options A and B for ResNet-34 (16 BasicBlocks, three of which change shape). Option C's row
# is left out on purpose: what C costs is exercise 3.

# %%
options = lesson.shortcut_options(34)
by_option = {row["option"]: row for row in options}
print(format_table([by_option["A"], by_option["B"]]))
assert by_option["B"]["total params"] == count_parameters(build_on_meta(resnet34))  # B is the default
assert by_option["B"]["total params"] - by_option["A"]["total params"] == by_option["B"]["shortcut params"]
assert by_option["C"]["total params"] > by_option["B"]["total params"]  # C adds parameters (how many: exercise 3)

# %% [markdown]
# In the paper's ImageNet comparison ([He et al. 2015](https://arxiv.org/abs/1512.03385),
# Table 3: ResNet-34, top-1 error with 10-crop testing) A gave 25.03%, B 24.52% and C 24.19%:
# B slightly better than A, whose zero-padded channels learn nothing, and C marginally better
# than B. The authors judged C's extra parameters not worth the small gain and used B for the
# deeper networks; their CIFAR-10 networks use A. Exercise 3 asks how many parameters C adds.
#
# ## 6. ResNet v1 vs v1.5: where the stride goes
#
# The paper's text does not say which conv of a downsampling Bottleneck carries the stride 2.
# The models its authors released (the Caffe prototxt files of
# [KaimingHe/deep-residual-networks](https://github.com/KaimingHe/deep-residual-networks))
# put it on the **first 1x1 conv**: that is "v1", and blog post 001 does the same.
# torchvision puts it on the **3x3 conv** ("v1.5"). The weights are the same shapes, so the
# parameter counts agree; the cost does not.

# %%
placement = lesson.stride_placement(256, 128, size=56)
for version, info in placement.items():
    print(f"{version}: {info['params']:,} parameters, {info['macs']:,} multiply-adds")
    for name, what, shape, macs in info["convs"]:
        print(f"    {name:13s} {what:29s} → {list(shape)!s:18s} {macs:>12,}")
assert placement["v1"]["params"] == placement["v1.5"]["params"]

# %% [markdown]
# In v1 the first 1x1 conv already works at 28x28, a quarter of the positions. But a 1x1
# conv with stride 2 simply **skips** three pixels out of four: it never looks at them. Wipe
# every odd row and column of an input and its output does not change; the 3x3 conv with
# stride 2 does see the change:

# %%
x_small = torch.randn(1, 256, 8, 8)  # (N, C, H, W)
wiped = x_small.clone()
wiped[:, :, 1::2, :] = 0  # every odd row
wiped[:, :, :, 1::2] = 0  # every odd column
conv_v1 = nn.Conv2d(256, 128, kernel_size=1, stride=2, bias=False)
conv_v15 = nn.Conv2d(256, 128, kernel_size=3, stride=2, padding=1, bias=False)
with torch.no_grad():
    print("1x1 conv, stride 2: output changed?", not torch.equal(conv_v1(x_small), conv_v1(wiped)))
    print("3x3 conv, stride 2: output changed?", not torch.equal(conv_v15(x_small), conv_v15(wiped)))
print(f"values wiped: {(wiped == 0).float().mean():.0%}")

# %% [markdown]
# So v1.5 costs more, and the 3x3 of the downsampling block's branch sees every pixel.
# torchvision's documentation says its Bottleneck variant "is known as ResNet V1.5" and links to
# NVIDIA's NGC catalogue entry for it. NVIDIA's README for the same model, [NVIDIA
# DeepLearningExamples, "ResNet50 v1.5 For
# PyTorch"](https://github.com/NVIDIA/DeepLearningExamples/tree/master/PyTorch/Classification/ConvNets/resnet50v1.5),
# calls it "a modified version of the original ResNet50 v1 model" and says: "This
# difference makes ResNet50 v1.5 slightly more accurate (~0.5% top1) than v1", at about 5% fewer
# images per second. That is their training recipe's measurement, which a laptop cannot repeat
# (neither page says who coined the name). For the whole ResNet-50 the
# difference sits in the three blocks with stride 2 (layer2.0, layer3.0, layer4.0).
# `network_macs` counts a whole network by arithmetic (notebook 04 explains it and checks it
# against a real forward pass); the difference must equal what the three traced blocks give:

# %%
v1_net, v15_net = build_on_meta(resnet50, stride_in_1x1=True), build_on_meta(resnet50)
macs_v1, macs_v15 = network_macs(v1_net), network_macs(v15_net)
params_v1, params_v15 = count_parameters(v1_net), count_parameters(v15_net)
print(f"ResNet-50 v1  : {params_v1:,} parameters, {macs_v1 / 1e9:.2f} G multiply-adds")
print(f"ResNet-50 v1.5: {params_v15:,} parameters, {macs_v15 / 1e9:.2f} G multiply-adds")
strided_blocks = [(256, 128, 56), (512, 256, 28), (1024, 512, 14)]  # (inplanes, planes, input size)
per_block = [lesson.stride_placement(i, p, size=s) for i, p, s in strided_blocks]
traced_difference = sum(b["v1.5"]["macs"] - b["v1"]["macs"] for b in per_block)
print(f"difference {macs_v15 - macs_v1:,} = sum over the three traced stride-2 blocks {traced_difference:,}")
assert params_v1 == params_v15 and macs_v15 - macs_v1 == traced_difference

# %% [markdown]
# ## 7. `zero_init_residual`: every block starts as ReLU(shortcut(x))
#
# With `zero_init_residual=True`, the **last BN of every residual branch** (`bn2` in a
# BasicBlock, `bn3` in a Bottleneck) starts with γ = 0. Its β is 0 too, so the branch outputs
# exactly zero, whatever the convs do, in training mode as well as in eval mode. A block then
# computes ReLU(0 + shortcut(x)):
#
# - an identity block gives ReLU(x), and ReLU(x) = x because x came out of a ReLU (x ≥ 0):
#   the block **is the identity**;
# - a conv block gives ReLU(projection(x)), which is **not** projection(x): the projection's
#   BN outputs negative values too, and the block's last ReLU zeroes them (the last column
#   below measures what it removes).

# %%
torch.manual_seed(0)
model = resnet18(zero_init_residual=True)
zero = [name for name, m in model.named_modules()
        if isinstance(m, nn.BatchNorm2d) and bool((m.weight == 0).all())]
print(f"{len(zero)} BN layers start with gamma = 0:", ", ".join(zero))

x_batch = torch.rand(4, 3, 64, 64)  # (N, C, H, W): a small batch, in training mode
report = lesson.zero_init_report(model.train(), x_batch)
for r in report:
    same = r.returns_input if r.shortcut == "identity" else "- (the shape changes)"
    print(f"{r.name:9s} {r.shortcut:10s} max |block(x) - ReLU(shortcut(x))| = {r.max_error:.1e}"
          f"   block(x) == x: {same!s:21s}  max |block(x) - shortcut(x)| > 0.1: {r.shortcut_gap > 0.1}")
assert all(r.max_error == 0 for r in report)
assert all(r.returns_input for r in report if r.shortcut == "identity")
assert all(r.shortcut_gap > 0.1 for r in report if r.shortcut == "projection")  # the ReLU matters there

# %% [markdown]
# With the default initialisation (γ = 1) the blocks are far from their shortcuts:

# %%
torch.manual_seed(0)
default_report = lesson.zero_init_report(resnet18().train(), x_batch)
print(", ".join(f"{r.name} {r.max_error:.2f}" for r in default_report))
assert all(r.max_error > 0.1 for r in default_report)

# %% [markdown]
# At the start of training a zero-initialised ResNet-18 is effectively a shallow network
# (the stem, three projections and the fc), and the signal and the gradients pass through the
# shortcuts untouched; each branch then grows from zero as it learns. Goyal et al. (2017)
# used this to train ResNet-50 with very large batches; torchvision exposes it as
# `resnet50(zero_init_residual=True)`.
#
# ## 8. Spot the bug: `run` instead of `forward` (blog post 000)
#
# Blog post 000 writes a complete ResNet-50 class, but names its forward method `run`. A
# shortened version of that mistake:

# %%
class SeedResNet50(nn.Module):
    """Blog post 000's mistake, kept short: the computation lives in `run`, not `forward`."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body  # the post writes out the stem and stages; a ResNet-50 stands in here

    def run(self, x: torch.Tensor) -> torch.Tensor:  # BUG: nn.Module calls forward, not run
        return self.body(x)


seed_model = SeedResNet50(resnet50(num_classes=10)).eval()

# %% tags=["raises-exception"]
seed_model(torch.randn(1, 3, 64, 64))

# %% [markdown]
# `model(x)` goes through `nn.Module.__call__`, which runs the module's forward pre-hooks,
# calls `self.forward(x)`, then runs its forward hooks. A class without `forward` inherits
# `nn.Module`'s placeholder, which raises this error. Calling `seed_model.run(x)` does
# compute the network, but as a plain method call: it bypasses `__call__` of `seed_model`, so
# hooks registered on `seed_model` itself never run, while the layers inside (called as
# `self.body(x)`) still run theirs. Tools that call the model, torchinfo among them, hit the
# error above; a tracer that hooks every module misses the top-level one. Both, counted:

# %%
calls = {"seed_model": 0, "seed_model.body": 0}
handles = [seed_model.register_forward_hook(lambda m, i, o: calls.__setitem__("seed_model", calls["seed_model"] + 1)),
           seed_model.body.register_forward_hook(
               lambda m, i, o: calls.__setitem__("seed_model.body", calls["seed_model.body"] + 1))]
with torch.no_grad():
    out_run = seed_model.run(torch.randn(1, 3, 64, 64))  # (1, 10): run() computes the network
for h in handles:
    h.remove()
print("output of run():", tuple(out_run.shape), " forward hooks that ran:", calls)
assert calls == {"seed_model": 0, "seed_model.body": 1}

# %% [markdown]
# The fix is the name:

# %%
class FixedSeedResNet50(SeedResNet50):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # the fix: nn.Module calls forward
        return self.body(x)


fixed_model = FixedSeedResNet50(seed_model.body).eval()  # the same network, now callable
with torch.no_grad():
    print("output shape:", tuple(fixed_model(torch.randn(1, 3, 64, 64)).shape))  # (N, classes)

# %% [markdown]
# ## 9. Spot the bug: a ReLU on the branch before the addition (blog post 001)
#
# Blog post 001's Bottleneck applies a ReLU after `bn3`, then adds the shortcut, then applies
# ReLU again. Our copy of that mistake, clearly labelled and used only here:

# %%
class ReluBeforeAddBottleneck(Bottleneck):
    """Blog post 001's block, BUG kept on purpose: ReLU on the branch *before* the addition."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.relu(self.bn3(self.conv3(out)))  # BUG: now F(x) >= 0, it can never subtract
        return self.relu(out + identity)


# %% [markdown]
# Give torchvision's own Bottleneck, ours and the buggy one **the same weights** and the same
# input. The input of a block is the output of a ReLU, so it is non-negative.

# %%
torch.manual_seed(0)
reference = torchvision.models.resnet.Bottleneck(256, 64).eval()  # torchvision's block
ours = Bottleneck(256, 64).eval()
buggy = ReluBeforeAddBottleneck(256, 64).eval()
ours.load_state_dict(reference.state_dict())
buggy.load_state_dict(reference.state_dict())
x_in = torch.relu(torch.randn(2, 256, 14, 14))  # (N, C, H, W), x >= 0
with torch.no_grad():
    out_reference, out_ours, out_buggy = reference(x_in), ours(x_in), buggy(x_in)
print("ours  == torchvision:", torch.equal(out_ours, out_reference))
print("buggy == torchvision:", torch.equal(out_buggy, out_reference))
print(f"max |buggy - torchvision| = {(out_buggy - out_reference).abs().max():.2f}")
print(f"outputs smaller than their input: ours {(out_ours < x_in).float().mean():.1%}, "
      f"buggy {(out_buggy < x_in).float().mean():.1%}")
assert torch.equal(out_ours, out_reference) and (out_buggy >= x_in).all()

# %% [markdown]
# With the extra ReLU, F(x) ≥ 0, and x ≥ 0, so in an identity block the output F(x) + x is
# never below the input: the block can only **add**, and can no longer learn to damp a
# feature. Our block (like torchvision's) lowers a good share of its inputs. This needs the
# shortcut to be x itself: a conv block's projection (1x1 conv + BN) can output less than its
# input, so only the identity blocks are locked into growing. How many of ResNet-50's blocks
# is that? Counted from the model:

# %%
bottlenecks_50 = [m for m in build_on_meta(resnet50).modules() if isinstance(m, Bottleneck)]
identity_50 = sum(b.downsample is None for b in bottlenecks_50)
print(f"ResNet-50: {identity_50} identity blocks of {len(bottlenecks_50)} "
      f"({len(bottlenecks_50) - identity_50} conv blocks, one per stage)")
assert (identity_50, len(bottlenecks_50)) == (12, 16)

# %% [markdown]
# So with this bug the activations can only grow through 12 of ResNet-50's 16 blocks, with
# only the four conv blocks able to lower them.
#
# He et al.'s follow-up paper, [*Identity Mappings in Deep Residual
# Networks*](https://arxiv.org/abs/1603.05027) (2016), tested essentially this block: its
# "ReLU before addition" unit (Fig. 4(c)) moves the ReLU from after the addition onto the
# branch, `x + ReLU(BN(conv(...)))`. Post 001 keeps a ReLU after the addition as well, but in
# an identity block that ReLU changes nothing, since F(x) + x ≥ 0 already. There the two are
# the same function; they differ only in the conv blocks, where the projection can be
# negative. Checked on the identity block above:

# %%
with torch.no_grad():
    branch = buggy.relu(buggy.bn1(buggy.conv1(x_in)))
    branch = buggy.relu(buggy.bn3(buggy.conv3(buggy.relu(buggy.bn2(buggy.conv2(branch))))))
fig_4c = branch + x_in  # Fig. 4(c): ReLU on the branch, nothing after the addition
print("post 001's identity block == Fig. 4(c)'s unit:", torch.equal(out_buggy, fig_4c))
assert torch.equal(out_buggy, fig_4c)

# %% [markdown]
# The paper trained its units on CIFAR-10. Its Table 2, as quoted in `resnet_teach.paper`
# (test error in %; lower is better):

# %%
from resnet_teach.paper import IDENTITY_MAPPINGS, IDENTITY_MAPPINGS_TABLE2

print(IDENTITY_MAPPINGS)
print(format_table([{"Residual Unit": unit, **errors} for unit, errors in IDENTITY_MAPPINGS_TABLE2.items()]))
original = IDENTITY_MAPPINGS_TABLE2["original (Fig. 4a)"]
relu_first = IDENTITY_MAPPINGS_TABLE2["ReLU before addition (Fig. 4c)"]
for net in original:
    print(f"{net}: ReLU before addition {relu_first[net] - original[net]:+.2f} points of test error")
assert all(relu_first[net] > original[net] for net in original)

# %% [markdown]
# The ReLU before the addition is worse than the original unit at both depths, by the
# differences printed above. The last row, *full pre-activation*, moves BN and ReLU in front
# of the convs instead; [notebook 07](07_why_residual_networks_train.ipynb) builds it.
#
# ## 10. ResNeXt: groups inside the Bottleneck
#
# Notebook 01 split a convolution's channels into `groups`. ResNeXt (Xie et al. 2017,
# [*Aggregated Residual Transformations*](https://arxiv.org/abs/1611.05431), Table 1) puts a
# grouped 3x3 into the same Bottleneck network: `resnext50_32x4d` has 32 groups ("cardinality")
# of 4 channels each in layer1's 3x3. torchvision's `ResNet` (and ours) builds it with two
# arguments, `groups` and `width_per_group`, which set the inner width of every Bottleneck:
# `width = int(planes · width_per_group / 64) · groups`. Wide ResNet (Zagoruyko & Komodakis
# 2016, [*Wide Residual Networks*](https://arxiv.org/abs/1605.07146)) keeps one group and
# doubles `width_per_group` to 128. Counted on the meta device, with multiply-adds at 224x224:

# %%
from resnet_teach.lessons import variants
from resnet_teach.resnet import resnext50_32x4d, wide_resnet50_2

print(format_table(variants.variant_table()))
rows = {r["network"]: r for r in variants.variant_table()}
assert rows["resnext50_32x4d"]["params"] == 25_028_904 and rows["resnet50"]["params"] == 25_557_032
assert rows["wide_resnet50_2"]["params"] == 68_883_240
assert rows["resnext50_32x4d"]["layer1 3x3 width"] == int(64 * 4 / 64) * 32

# %% [markdown]
# ResNeXt-50's 3x3 is twice as wide as ResNet-50's, yet the network has slightly *fewer*
# parameters. The first block of layer1, conv by conv: with 32 groups each output channel of
# the 3x3 reads only 4 input channels, so the 3x3's weight shrinks 8-fold, while the two 1x1s,
# which are dense, double:

# %%
for name in ("resnet50", "resnext50_32x4d"):
    print(name)
    print(format_table(variants.bottleneck_convs(name)))
dense = {r["conv"]: r["params"] for r in variants.bottleneck_convs("resnet50")}
grouped = {r["conv"]: r["params"] for r in variants.bottleneck_convs("resnext50_32x4d")}
assert grouped["conv2"] == 128 * (128 // 32) * 3 * 3 == dense["conv2"] // 8
assert grouped["conv1"] == 2 * dense["conv1"] and grouped["conv3"] == 2 * dense["conv3"]
print("block total:", sum(dense.values()), "(ResNet-50) vs", sum(grouped.values()), "(ResNeXt-50)")
macs = {name: r["GMACs at 224"] for name, r in rows.items()}
assert abs(macs["resnext50_32x4d"] / macs["resnet50"] - 1) < 0.05  # "about the same"
print(f"Wide ResNet-50-2 / ResNet-50 parameters: {rows['wide_resnet50_2']['params'] / rows['resnet50']['params']:.1f}")

# %% [markdown]
# What does each 3x3 cost? A dense 3x3 of ResNeXt's width would cost 4 times ResNet-50's (twice
# the inputs, twice the outputs); 32 groups divide that by 32, so the grouped 3x3 costs an
# eighth of ResNet-50's 3x3. `count_macs` on the two convs of layer1.0, at layer1's 56x56:

# %%
conv3x3 = {name: variants.meta_variant(name).layer1[0].conv2 for name in ("resnet50", "resnext50_32x4d")}
conv3x3_macs = {name: count_macs(conv, (1, conv.in_channels, 56, 56)) for name, conv in conv3x3.items()}
for name, n in conv3x3_macs.items():
    print(f"{name:16s} layer1.0.conv2: {n:>11,} multiply-adds")
print(f"ratio: {conv3x3_macs['resnet50'] / conv3x3_macs['resnext50_32x4d']:g}")
assert conv3x3_macs["resnet50"] == 8 * conv3x3_macs["resnext50_32x4d"]
assert conv3x3_macs["resnext50_32x4d"] == 56 * 56 * 128 * (128 // 32) * 3 * 3  # outputs · inputs per group · 3 · 3

# %% [markdown]
# So ResNeXt's 3x3 is twice as wide and 8 times cheaper than ResNet-50's; what it saves there,
# its two dense 1x1s, twice as wide, spend again. The whole network stays within 5% of
# ResNet-50's multiply-adds (the table above): the paper chose 32x4d to match ResNet-50's
# complexity. Wide ResNet pays the full price, in parameters and in multiply-adds.
#
# Our builders are torchvision's: `resnext50_32x4d`, `resnext101_32x8d`, `resnext101_64x4d`,
# `wide_resnet50_2` and `wide_resnet101_2` load torchvision's state_dict with `strict=True`
# and give its outputs (tests/test_variants.py checks all five, both ways). One of them here:

# %%
parity = variants.torchvision_parity("resnext50_32x4d", size=64)
print({k: parity[k] for k in ("network", "missing keys", "unexpected keys", "params", "torchvision params")})
assert parity["missing keys"] == parity["unexpected keys"] == 0
assert parity["params"] == parity["torchvision params"]
assert parity["max |difference|"] <= 1e-5 * max(1.0, parity["output scale"])
print("outputs equal to float32 rounding: True")

# %% [markdown]
# ## 11. ResNet-C and ResNet-D: the "bag of tricks"
#
# Section 6 showed that a 1x1 conv with stride 2 never looks at three pixels in four. v1.5
# moved the stride off the branch's 1x1, but its projection shortcut is still such a conv.
# Tong He et al. 2019 ([*Bag of Tricks for Image Classification with Convolutional Neural
# Networks*](https://arxiv.org/abs/1812.01187), Figure 2 and Table 5; fastbook's chapter 14
# uses it too) fix it in **ResNet-D**: a 2x2 average pool
# with stride 2, then a 1x1 conv with stride 1. Every pixel goes into an average. Which input
# pixels reach the shortcut's output, asked of autograd on the package's two shortcuts
# (`make_shortcut` and `variants.make_shortcut_d`):

# %%
from resnet_teach.plots.variants import draw_projection_pixels

plain_mask = variants.projection_pixels(avg_down=False)
d_mask = variants.projection_pixels(avg_down=True)
assert int(plain_mask.sum()) == plain_mask.numel() // 4 and bool(d_mask.all())
draw_projection_pixels({"1x1 conv, stride 2 (v1.5)": plain_mask,
                        "2x2 avg pool, then 1x1 conv (ResNet-D)": d_mask})
plt.show()

# %% [markdown]
# **ResNet-C** replaces the 7x7 stem conv by three 3x3 convs (32, 32, 64 channels; the first
# with stride 2), which see the same 224 → 112. Both are options of our `ResNet`:
# `resnet50(deep_stem=True, avg_down=True)` is ResNet-50-D. What they cost (`count_macs`
# counts convs and fc; an average pool only adds):

# %%
print(format_table(variants.trick_table()))
tricks = variants.trick_table()
assert tricks[2]["params"] == tricks[0]["params"] and tricks[2]["MACs at 224"] == tricks[0]["MACs at 224"]
assert tricks[1]["MACs at 224"] > tricks[0]["MACs at 224"]
net_d = resnet50(deep_stem=True, avg_down=True)
print(net_d.layer2[0].downsample)
assert net_d(torch.zeros(1, 3, 64, 64)).shape == (1, 1000)
extra_params = tricks[1]["params"] - tricks[0]["params"]
extra_macs = tricks[1]["MACs at 224"] - tricks[0]["MACs at 224"]
print(f"the deep stem adds {extra_params:,} parameters and {extra_macs:,} multiply-adds")
assert 15_000 < extra_params < 25_000 and 0.2e9 < extra_macs < 0.3e9

# %% [markdown]
# The avg-pool shortcut is free: the same weights, the same multiply-adds, and every pixel
# seen. The deep stem adds about 19 thousand parameters and a quarter of a billion
# multiply-adds: at 112x112, three 3x3 convs do more work than one 7x7. What the paper
# measured with its training recipe, Table 5 (ImageNet top-1 *accuracy*, so higher is better),
# as quoted in `resnet_teach.paper`. Its ResNet-50-B is v1.5:

# %%
from resnet_teach.paper import BAG_OF_TRICKS, BAG_OF_TRICKS_TABLE5

print(BAG_OF_TRICKS)
print("\n".join(BAG_OF_TRICKS_TABLE5.lines()))
top1 = BAG_OF_TRICKS_TABLE5.rows
print(f"ResNet-50-D: {top1['ResNet-50-D'] - top1['ResNet-50-B']:+.2f} points over ResNet-50-B (v1.5), "
      f"{top1['ResNet-50-D'] - top1['ResNet-50']:+.2f} over the original ResNet-50")
print(f"ResNet-50-B (v1.5) over the original: {top1['ResNet-50-B'] - top1['ResNet-50']:+.2f} points")
assert top1["ResNet-50"] < top1["ResNet-50-B"] < top1["ResNet-50-C"] < top1["ResNet-50-D"]

# %% [markdown]
# Each tweak adds a little, and in the same table v1.5's gain over v1 is close to NVIDIA's
# "~0.5% top1" of section 6. These are ImageNet results on 1.28 million images: not something
# a laptop can check.
#
# ## 12. The family tree
#
# Each entry: what changes, the paper, the call, and the line of resnet_teach that makes the
# difference (read from the code by `inspect`, so it is the line that runs).

# %%
for e in variants.family_tree():
    print(f"{e.name}: {e.change}\n    paper: {e.paper}\n    build: {e.code}")
    if e.where:
        print(f"    the line: {e.where}")

# %% [markdown]
# * **v1** (He et al. 2015) → **v1.5** (torchvision, stride on the 3x3) → **ResNet-D**
#   (Tong He et al. 2019, avg-pool shortcut, often with the deep stem of ResNet-C).
# * **Pre-activation ResNet** (He et al. 2016): BN and ReLU move before each conv, the
#   addition is the block's last step
#   ([07 · Why residual networks train](07_why_residual_networks_train.ipynb)).
# * **ResNeXt** (Xie et al. 2017): the Bottleneck's 3x3 becomes grouped and wider.
# * **Wide ResNet** (Zagoruyko & Komodakis 2016): the Bottleneck's inner width doubles.
#
# All but pre-activation are the network of this notebook with different arguments;
# pre-activation moves the BN and ReLU inside the block (`resnet_teach.preact`).
#
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# ### Exercise 1 · Parameters of a Bottleneck
#
# How many parameters does `Bottleneck(1024, 256)` (an identity block of
# ResNet-50's layer3, no downsample) have? Count the convs and the BNs.

# %%
answer = ...
lesson.check_bottleneck_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# The block is 1024 → 256 → 256 → 1024. Convs: 1·1·1024·256 + 3·3·256·256 + 1·1·256·1024;
# BNs: 2·(256 + 256 + 1024).
#
# ```python
# answer = 1024 * 256 + 9 * 256 * 256 + 256 * 1024 + 2 * (256 + 256 + 1024)
# ```
# </details>
#
# ### Exercise 2 · The output of a conv block
#
# The first block of ResNet-50's **layer4** is a conv block:
# `Bottleneck(1024, 512, stride=2)` with a projection shortcut, built as in section 4. Feed
# ResNet-50 a 160x160 image, and layer4 gets an input of shape (1, 1024, 10, 10). What output
# shape does this block give? Answer with a tuple.

# %%
answer = ...
lesson.check_conv_block_shape(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# The block outputs planes · expansion = 512 · 4 = 2048 channels, and stride 2 takes 10 to 5
# (on the branch and on the projection alike).
#
# ```python
# answer = (1, 2048, 5, 5)
# ```
# </details>
#
# ### Exercise 3 · What option C costs
#
# How many parameters does shortcut option C add to ResNet-34 compared with
# option B? Count the 1x1 convs and BNs that C adds (section 5 lists B's shortcuts).

# %%
answer = ...
lesson.check_option_c_extra_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# C puts a projection on the 13 blocks that B leaves as identities. They keep their channel
# count: 3 blocks at 64 channels in layer1, 3 at 128, 5 at 256, 2 at 512, each adding a
# 1x1 conv (c·c) and a BN (2·c).
#
# ```python
# answer = sum(n * (c * c + 2 * c) for n, c in [(3, 64), (3, 128), (5, 256), (2, 512)])
# # or, from the package's table: by_option["C"]["total params"] - by_option["B"]["total params"]
# ```
# </details>
#
# ### Exercise 4 · Zero-initialized BN layers
#
# In `resnet101(zero_init_residual=True)`, how many BN layers start with all
# their γ equal to zero? (ResNet-101 has the stages [3, 4, 23, 3] of Bottlenecks.)

# %%
answer = ...
lesson.check_zero_gammas(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# One per block, the branch's last BN (`bn3`): 3 + 4 + 23 + 3 = 33. The projections' BNs and
# the stem's BN keep γ = 1.
#
# ```python
# answer = 33
# ```
# </details>
#
# ### Exercise 5 · Predict, then run: what v1 never sees
#
# Section 6 showed that a 1x1 conv with stride 2 never reads three pixels in four. Now the
# whole block. Take a **v1** Bottleneck that downsamples (stride 2 on its first 1x1 conv,
# with its 1x1 projection shortcut), and wipe every odd row and column of its input. Does the
# block's output change? Write `True` or `False` *before* you run anything, then check.

# %%
answer = ...  # True (the output changes) or False (it does not)
lesson.check_v1_wipe_prediction(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# `False`: both paths of a v1 downsampling block begin with a 1x1 conv of stride 2 (conv1 on
# the branch, the projection on the shortcut), so both read only the even rows and columns.
# The wiped pixels never reach the output. In v1.5 the branch's 3x3 conv reads them. Run it:
#
# ```python
# torch.manual_seed(0)
# shortcut = make_shortcut(256, 128 * Bottleneck.expansion, 2, "B", nn.BatchNorm2d)
# v1_block = Bottleneck(256, 128, stride=2, downsample=shortcut, stride_in_1x1=True).eval()
# x8 = torch.relu(torch.randn(1, 256, 8, 8))  # (N, C, H, W)
# x8_wiped = x8.clone()
# x8_wiped[:, :, 1::2, :] = 0
# x8_wiped[:, :, :, 1::2] = 0
# with torch.no_grad():
#     print("output changed?", not torch.equal(v1_block(x8), v1_block(x8_wiped)))
# answer = False
# ```
# </details>
#
# ### Exercise 6 · The 3x3 of ResNeXt's layer3
#
# In `resnext50_32x4d`, layer3's blocks have `planes = 256`. How many channels does their
# 3x3 conv have?

# %%
answer = ...
variants.check_resnext_width(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# `width = int(256 · 4 / 64) · 32 = 512`: 32 groups of 16 channels.
#
# ```python
# answer = 512
# ```
# </details>
#
# ### Exercise 7 · What a strided projection reads, on an odd map
#
# v1.5's projection shortcut is a 1x1 conv with stride 2 (no padding). Maps are not always
# even: what fraction of the pixels of a **25x25** input does it read? Answer with a number
# between 0 and 1 (a fraction such as `a / b` is fine).

# %%
answer = ...
variants.check_projection_fraction(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# The window lands on rows 0, 2, ..., 24: 13 rows of 25 (`floor((25 - 1) / 2) + 1`, the
# output-size formula), and on 13 columns. It reads 13 · 13 = 169 pixels of 625, a little more
# than the quarter of an even map.
#
# ```python
# answer = 13 * 13 / (25 * 25)
# ```
# </details>
#
# ## Summary
#
# - A residual block computes `ReLU(F(x) + shortcut(x))`. The branch F ends with BN and no
#   ReLU, so it can add to x or take away from it; the ReLU comes after the addition.
# - **BasicBlock**: two 3x3 convs (ResNet-18/34). **Bottleneck**: 1x1 reduce, 3x3, 1x1 expand
#   by 4 (ResNet-50/101/152); at the same width it has far fewer parameters.
# - An **identity block** keeps the shape and adds x itself. A **conv block** (the first of a
#   stage) changes it and needs a **projection shortcut**: 1x1 conv with the same stride + BN.
# - Shortcut options: **A** zero-pads (no parameters), **B** projects only where the shape
#   changes (torchvision, our default), **C** projects everywhere (more parameters, little gain).
# - **v1** puts the stride on the first 1x1 conv and skips three pixels in four; **v1.5**
#   (torchvision) puts it on the 3x3: same parameters, more multiply-adds.
# - `zero_init_residual=True` zeroes the last γ of every branch: each block starts as
#   ReLU(shortcut(x)), the identity for identity blocks.
# - Bugs to recognise: a method called `run` instead of `forward` (PyTorch raises
#   `NotImplementedError`; `run(x)` bypasses the model's own hooks), and a ReLU on the branch
#   before the addition (an identity block can then only add, and its outputs differ from
#   torchvision's with the same weights).
# - **ResNeXt** groups the Bottleneck's 3x3 (`groups=32, width_per_group=4`): twice as wide,
#   8 times fewer weights and multiply-adds in the 3x3, about ResNet-50's cost overall.
#   **Wide ResNet** doubles `width_per_group`. Our five builders load torchvision's weights.
# - **ResNet-D** (Tong He et al. 2019) averages 2x2 before the 1x1 projection, so the shortcut
#   reads every pixel at no cost; **ResNet-C**'s deep stem is three 3x3 convs.
#
# Next, [04 · Building ResNet-18/34/50/101/152](04_building_resnets.ipynb) stacks these blocks
# into whole networks.
