# %% [markdown]
# # 04 · Building ResNet-18/34/50/101/152
#
# **What you will learn**
# - how a ResNet is put together: the stem, four stages of blocks, the head; the stage table
#   of all five depths, read from the code;
# - every layer's output shape at 224x224, with our tracer and with torchinfo, and why the map
#   goes 224 → 112 → 56 → 28 → 14 → 7 → 1, from the output-size formula;
# - the exact parameter counts, the multiply-adds beside the paper's Table 1, and what the
#   "50" in ResNet-50 counts;
# - proof that our networks are torchvision's: same weights in, same outputs out;
# - what the last layer outputs: logits, not probabilities;
# - what the ImageNet stem does to a 32x32 image, and the CIFAR stem that avoids it;
# - a network explorer: any depth, input size and number of input channels;
# - the paper's Table 1 rendered from our modules and asserted against the paper; activation
#   memory per stage at batch 1 and 64, and why training needs far more memory than the weights;
# - the receptive field stage by stage, checked with autograd, and why TF-Slim's ResNet-50 sees
#   483 pixels where torchvision's sees fewer.
#
# **Time on a laptop CPU:** about 40 minutes to read; the cells run in about 22 seconds.
#
# **Before this:** [03 · Residual blocks](03_residual_blocks.ipynb) (the blocks this notebook
# stacks); [01 · Convolution arithmetic](01_conv_arithmetic.ipynb) for the output-size formula.

# %%
import math

import torch
import torch.nn.functional as F
import torchinfo
from torch import nn

from resnet_teach import (STAGES, BasicBlock, ShapeTrace, cifar_resnet, count_macs, count_parameters,
                          resnet18, trace_shapes)
from resnet_teach.lessons import networks as lesson
from resnet_teach.text import format_table

# One image at a time: a single thread is fast enough, and on one machine it makes every
# rerun print the same numbers (the order of floating-point sums can depend on the thread
# count). Another CPU rounds differently in the last digits; the printed numbers are the ones
# exact arithmetic fixes, and float results are compared with tolerances.
torch.set_num_threads(1)

# %% [markdown]
# ## 1. Stem, four stages, head
#
# Every ImageNet ResNet has the same skeleton:
#
# - **stem**: a 7x7 conv with stride 2 (64 channels), BN, ReLU, then a 3x3 max pool with
#   stride 2. Together they divide the height and width by 4.
# - **four stages** `layer1` to `layer4`, each a stack of residual blocks (notebook 03). The
#   first block of `layer2`, `layer3` and `layer4` has stride 2 and a projection shortcut.
#   The stages are 64, 128, 256 and 512 wide; Bottleneck blocks output 4 times that, so in
#   ResNet-50/101/152 `layer1.0` needs a projection too (64 → 256 channels at stride 1):
#   four projections in all, which section 6 counts.
# - **head**: global average pooling (one number per channel), flatten, and one fc layer.

# %%
model = resnet18()
print("stem:", model.conv1, model.bn1, model.relu, model.maxpool, sep="\n  ")
print("head:", model.avgpool, model.fc, sep="\n  ")

# %% [markdown]
# What changes between the five depths is only the block type and the number of blocks per
# stage. The package keeps them in one table, `STAGES`; the paper's Table 1 follows from it.
# Each block counts 2 conv layers (BasicBlock) or 3 (Bottleneck); add conv1 and the fc and
# you get the depth in the name:

# %%
table = lesson.stage_table()
print(format_table(table))
assert all(row["counted depth"] == depth for row, depth in zip(table, STAGES))

# %% [markdown]
# ## 2. Every layer's output shape at 224x224
#
# `trace_shapes` runs the network once with a hook on every module and records what comes
# out. Depth 1 shows the stem's layers, the four stages and the head:

# %%
trace = trace_shapes(model, (1, 3, 224, 224))  # (N, C, H, W)
print(trace.table(max_depth=1))

# %% [markdown]
# Inside `layer2`: its first block halves 56 to 28 and widens 64 to 128 channels, so its
# shortcut is a projection (`downsample`, a 1x1 conv `downsample.0` and its BN
# `downsample.1`); the second block is an identity block.

# %%
print(ShapeTrace(r for r in trace if r.name.startswith("layer2")).table(max_depth=4))

# %% [markdown]
# Two rows look odd. `relu` appears twice in each block: a block owns **one** `nn.ReLU`
# module (`self.relu`) and calls it twice, after `bn1` and after the addition, and the tracer
# records every call. And `downsample` comes after `bn2`: the rows are in the order the
# modules are *called*, and `forward` runs the shortcut only after the branch (notebook 03
# prints the whole `forward`).

# %% [markdown]
# Blog post 002 prints the shapes of a ResNet-18 for **one-channel** images and **10
# classes**. Its code is the one of the book *Dive into Deep Learning* (d2l), with other
# names than torchvision's:
#
# | post 002 (d2l) | torchvision / this package |
# |---|---|
# | `b1` (7x7 conv, BN, ReLU, max pool) | the stem: `conv1`, `bn1`, `relu`, `maxpool` |
# | `b2` … `b5` | `layer1` … `layer4` |
# | `Residual(..., use_1x1conv=True, strides=2)` | a `BasicBlock` with a `downsample` |
# | `Residual.conv3`: the 1x1 shortcut conv, **no BN** after it | `downsample.0` (1x1 conv) and `downsample.1` (its BN) |
# | every `nn.Conv2d` keeps `bias=True` | `bias=False`: the BN after each conv has its own shift |
#
# Careful with `conv3`: in a torchvision **Bottleneck**, `conv3` is the last 1x1 conv of the
# branch (the one that expands the channels), not a shortcut. So
# `resnet18(in_channels=1, num_classes=10)` gives post 002's shapes, though not quite its
# network. Our tracer first, then the difference in parameters, counted on our network:

# %%
small = resnet18(in_channels=1, num_classes=10)
ours = trace_shapes(small, (1, 1, 224, 224))
print(ours.table(max_depth=1))

# %%
convs = [m for m in small.modules() if isinstance(m, nn.Conv2d)]
conv_biases = sum(conv.out_channels for conv in convs)  # one bias per output channel
shortcut_bns = [b.downsample[1] for b in small.modules()
                if isinstance(b, BasicBlock) and b.downsample is not None]  # BN after each 1x1
shortcut_bn_params = sum(count_parameters(bn) for bn in shortcut_bns)
theirs = count_parameters(small) + conv_biases - shortcut_bn_params
print(f"ours {count_parameters(small):,} + {conv_biases:,} biases of {len(convs)} convs "
      f"- {shortcut_bn_params:,} of {len(shortcut_bns)} shortcut BNs = post 002's {theirs:,} parameters")
post_002 = lesson.d2l_resnet18(in_channels=1, num_classes=10)  # post 002's network, d2l's code
print(f"post 002's network, built and counted: {count_parameters(post_002):,} parameters")
assert count_parameters(post_002) == theirs
assert trace_shapes(post_002, (1, 1, 224, 224))[0].output_shape == ours[0].output_shape == (1, 10)

# %% [markdown]
# The same table from torchinfo, a popular summary tool, agrees on every shape and on the
# total (the appendix compares the two tools further):

# %%
info = torchinfo.summary(small, input_size=(1, 1, 224, 224), depth=1, verbose=0,
                         col_names=("output_size", "num_params"))
text = str(info)
print(text[: text.index("Total mult-adds")].rstrip())  # the table and the parameter totals
torchinfo_rows = [(layer.var_name, layer.output_size) for layer in info.summary_list if layer.depth == 1]
assert torchinfo_rows == [(r.name, list(r.output_shape)) for r in ours if r.depth == 1]
assert info.total_params == count_parameters(small)

# %% [markdown]
# ## 3. 224 → 112 → 56 → 28 → 14 → 7 → 1, from the formula
#
# On the main path six layers change the size: five with stride 2 (conv1, the max pool, and
# the first 3x3 conv of layer2, layer3 and layer4; the projection shortcuts beside them have
# stride 2 too and land on the same size, notebook 03), and the global average pool at the
# end. The stride-2 modules of ResNet-18, read from the model:

# %%
stride_2 = [name for name, m in model.named_modules()
            if isinstance(m, (nn.Conv2d, nn.MaxPool2d)) and m.stride in (2, (2, 2))]
main_path_stride_2 = [name for name in stride_2 if "downsample" not in name]
print("stride 2 on the main path:", ", ".join(main_path_stride_2))
print("stride 2 in the shortcuts:", ", ".join(name for name in stride_2 if "downsample" in name))
assert len(main_path_stride_2) == 5

# %% [markdown]
# Notebook 01's formula with dilation d = 1, `out = floor((n + 2p - k) / s) + 1`, gives every
# step (blog post 002 garbles the pooling version as "/2Stride"; pooling uses the very same
# formula). Six steps lie between the input and layer4's output (conv1, the max pool, the four
# stages); five of them have stride 2, layer1 has stride 1:

# %%
steps = lesson.spatial_steps(224)
for step in steps:
    print(f"{step.layer:46s} {step.formula}")
sizes_in = [224] + [step.size for step in steps[:-1]]
changed = [step.layer.split()[0] for n, step in zip(sizes_in, steps) if step.size != n]
print("layers that change the size:", ", ".join(changed))
assert len(changed) == 6
traced = [trace.by_name(name).output_shape[-1]
          for name in ("conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool")]
assert [s.size for s in steps] == traced
assert all(lesson.spatial_steps(n)[-2].size == math.ceil(n / 32) for n in range(1, 513))

# %% [markdown]
# The padding is chosen so that each stride-2 layer computes `ceil(n / 2)`: 224 is halved five
# times, and for any input layer4 ends at `ceil(n / 32)` (the last assert checks every n up to
# 512). The last step is not a formula: `AdaptiveAvgPool2d(1)` averages
# whatever is left into 1x1, which is what lets the network accept other sizes (sections
# *The ImageNet stem on a 32x32 image* and *The network explorer* below, and
# [06 · Flatten vs global average pooling](06_flatten_vs_gap.ipynb)).
#
# ## 4. Parameters, exactly
#
# Parameter counts do not need a forward pass, and not even real weights: `meta_network`
# builds a network on PyTorch's *meta* device (shapes only, no memory, no initialisation) with
# `build_on_meta`, which notebook 03 introduced, and keeps it for the next question. torchvision ships the count
# for its ImageNet weights in their metadata, no download needed:

# %%
params = {depth: count_parameters(lesson.meta_network(f"ResNet-{depth}"))
          for depth in lesson.IMAGENET_BUILDERS}
for depth, n in params.items():
    published = lesson.torchvision_reference(depth)["num_params"]
    print(f"ResNet-{depth:<3d} {n:>11,} parameters   torchvision publishes {published:>11,}")
    assert n == published
assert (params[18], params[34], params[50]) == (11_689_512, 21_797_672, 25_557_032)

# %% [markdown]
# Where do ResNet-18's parameters and multiply-adds sit, stage by stage?

# %%
report = lesson.explore_network("ResNet-18", 224)
for row in report.rows:
    print(f"{row.stage:7s} {row.params:>10,} parameters ({row.params / report.params:5.1%})"
          f"   {row.macs / 1e6:7.1f} M multiply-adds ({row.macs / report.macs:5.1%})")
stage_macs = {row.stage: row.macs for row in report.rows}
assert stage_macs["layer2"] == stage_macs["layer3"] == stage_macs["layer4"]
assert model.layer4[1].conv2.weight.numel() == 64 * model.layer1[1].conv2.weight.numel()
for conv in (model.layer1[1].conv2, model.layer4[1].conv2):
    print(f"a 3x3 conv, {conv.in_channels}→{conv.out_channels}: "
          f"{' x '.join(map(str, conv.weight.shape))} = {conv.weight.numel():,} weights")

# %% [markdown]
# The parameters pile up in layer4: each of its 3x3 convs has 3·3·512·512 weights, 64 times
# those of a layer1 conv (printed above). The multiply-adds do not follow them: layer2, layer3
# and layer4 cost *exactly* the same (the assert checks it). Each stage halves the height and
# the width, which leaves a quarter of the positions, and doubles the channels, which
# multiplies the work per position by 4 (the inputs and the outputs of each conv double).
# layer1 costs more than each of them. Its four 3x3 convs each cost what a full conv of any
# later stage costs; in layer2, layer3 and layer4 three convs are full, but the first 3x3
# reads only half the channels (64 of layer2's 128, say), so it costs half, and the 1x1
# projection adds a little back. The traced convs show it:

# %%
for stage in ("layer1", "layer2"):
    convs_macs = [f"{r.name.split('.', 1)[1]} {r.macs / 1e6:.1f}" for r in trace
                  if r.name.startswith(stage + ".") and r.type == "Conv2d"]
    print(f"{stage} (M multiply-adds):", ", ".join(convs_macs))
conv_macs = {r.name: r.macs for r in trace if r.type == "Conv2d"}
full = conv_macs["layer1.0.conv1"]
assert all(conv_macs[f"layer1.{b}.conv{c}"] == full for b in (0, 1) for c in (1, 2))
assert 2 * conv_macs["layer2.0.conv1"] == full == conv_macs["layer2.0.conv2"]
half_conv, projection = full - conv_macs["layer2.0.conv1"], conv_macs["layer2.0.downsample.0"]
print(f"layer1 - layer2 = {(stage_macs['layer1'] - stage_macs['layer2']) / 1e6:.1f} M = "
      f"half a conv {half_conv / 1e6:.1f} M - the projection {projection / 1e6:.1f} M")
assert stage_macs["layer1"] - stage_macs["layer2"] == half_conv - projection

# %% [markdown]
# ## 5. Multiply-adds beside the paper's Table 1
#
# The paper's Table 1 ([He et al. 2015](https://arxiv.org/abs/1512.03385)) lists "FLOPs", but counts **multiply-adds**. `count_macs` measures them
# with hooks on a real forward pass. Running ResNet-152 at 224x224 to count would be slow, so
# `network_macs` gets them by arithmetic: it walks the conv layers and applies the output-size
# formula to each. First, the two must agree:

# %%
measured = count_macs(model, (1, 3, 224, 224))
by_arithmetic = lesson.network_macs(model, 224)
print(f"ResNet-18 at 224x224: measured {measured:,}, by arithmetic {by_arithmetic:,}")
assert measured == by_arithmetic

# %% [markdown]
# (tests/test_lesson_networks.py repeats this check for every depth, both strides and several
# input sizes.) Now all five, for torchvision's v1.5 and the paper's v1 (notebook 03,
# section 6), beside the paper's numbers and torchvision's published ones. torchvision's
# model pages list theirs under the heading "GFLOPS", but they are multiply-adds as well (the
# first assert below checks that they equal ours); counting one multiply and one add as two
# floating-point operations would give about twice as many FLOPs. torchvision ships them with
# its weights' metadata, so nothing is downloaded (the appendix shows where).

# %%
rows = lesson.flops_table()
print(format_table([{
    "network": f"ResNet-{r['depth']}",
    "G mult-adds v1.5 (ours)": f"{r['v1.5 (torchvision)'] / 1e9:.3f}",
    "torchvision publishes": r["torchvision published"],
    "G mult-adds v1 (ours)": f"{r['v1 (paper)'] / 1e9:.3f}",
    "paper Table 1": r["paper Table 1"],
} for r in rows]))
for r in rows:
    assert round(r["v1.5 (torchvision)"] / 1e9, 3) == r["torchvision published"]
    assert abs(r["v1 (paper)"] / 1e9 - r["paper Table 1"]) / r["paper Table 1"] < 0.02
print("largest gap to Table 1:",
      f"{max(abs(r['v1 (paper)'] / 1e9 - r['paper Table 1']) / r['paper Table 1'] for r in rows):.1%}")
by_depth = {r["depth"]: r for r in rows}
r34, r50 = by_depth[34], by_depth[50]
print(f"ResNet-50 has {r50['depth'] - r34['depth']} more layers than ResNet-34 and costs "
      f"{r50['v1.5 (torchvision)'] / r34['v1.5 (torchvision)'] - 1:.0%} more multiply-adds (v1.5)")

# %% [markdown]
# Our v1.5 numbers are torchvision's to the last digit it publishes. Note how little more
# ResNet-50 costs than ResNet-34 despite its extra layers (last line): the Bottleneck at work.
#
# The paper's v1 numbers agree with ours within 2%, but not to their one decimal: ResNet-34's
# 3.664 G rounds to 3.7, not the paper's 3.6. Rounding, and truncating, ours to one decimal:

# %%
for r in rows:
    ours = r["v1 (paper)"] / 1e9
    print(f"ResNet-{r['depth']:<3d} ours {ours:6.3f}   rounded {round(ours, 1):4}   "
          f"truncated {math.floor(ours * 10) / 10:4}   paper Table 1 {r['paper Table 1']}")
rounding_misses = [r["depth"] for r in rows if round(r["v1 (paper)"] / 1e9, 1) != r["paper Table 1"]]
truncating_misses = [r["depth"] for r in rows if math.floor(r["v1 (paper)"] / 1e8) / 10 != r["paper Table 1"]]
print("rounding misses:", ", ".join(f"ResNet-{d}" for d in rounding_misses),
      "; truncating misses:", ", ".join(f"ResNet-{d}" for d in truncating_misses))
assert rounding_misses == [34, 50] and truncating_misses == [101, 152]

# %% [markdown]
# Neither rule gives all five: rounding misses ResNet-34 and ResNet-50 (3.7 and 3.9 instead
# of 3.6 and 3.8), truncating misses ResNet-101 and ResNet-152. The paper does not say what
# its count includes (the fc? the projection shortcuts? BN?), so the honest statement is the
# one the asserts make: within 2% of ours.
#
# ## 6. Why "50"? Counting the layers
#
# Blog post 001 says: "ResNet50 是指包含了50个卷积层(包括卷积层、池化层、全连接层等)的 ResNet 网络。"
# ("ResNet50 is the ResNet network that contains 50 convolutional layers (including
# convolutional layers, pooling layers, fully connected layers, etc.).") Count the modules:

# %%
counts = [{"network": f"ResNet-{depth}", **lesson.layer_counts(lesson.meta_network(f"ResNet-{depth}"))}
          for depth in lesson.IMAGENET_BUILDERS]
print(format_table(counts))
for row, depth in zip(counts, lesson.IMAGENET_BUILDERS):
    assert row["main-path convs + fc"] == depth

# %% [markdown]
# ResNet-50 has 53 conv layers: 49 on the main path (conv1 + 16 blocks x 3) and the 4 1x1
# projection convs of the shortcuts. The name counts the 49 main-path convs **plus the fc
# layer**, which is not a convolution; the projections are not counted, nor are BN, ReLU and
# pooling. The same rule gives 18, 34, 101 and 152. So the post's parenthesis is half right:
# the fc layer is among the 50, but the pooling layers are not, as counting them shows:

# %%
resnet50_meta = lesson.meta_network("ResNet-50")
pools = [name for name, m in resnet50_meta.named_modules() if isinstance(m, (nn.MaxPool2d, nn.AdaptiveAvgPool2d))]
row_50 = counts[list(lesson.IMAGENET_BUILDERS).index(50)]
print(f"pooling layers: {', '.join(pools)}; main-path convs + fc + pooling = "
      f"{row_50['main-path convs + fc'] + len(pools)}")
assert row_50["main-path convs + fc"] == 50 and row_50["main-path convs + fc"] + len(pools) != 50

# %% [markdown]
# ## 7. Our networks are torchvision's
#
# For each depth: build `torchvision.models.resnetXX()` with random weights (nothing is
# downloaded), load its `state_dict` into ours with `strict=True` (any missing, extra or
# misshapen entry would raise), and compare the outputs on the same input. To stay fast we use
# one 64x64 image (layer4 still works on more than one pixel, so every weight of every 3x3
# kernel matters), and build ours on the meta device so that `load_state_dict(...,
# assign=True)` simply hands it torchvision's tensors.

# %%
layer4_at_64 = lesson.spatial_steps(64)[-2].size
print(f"at 64x64, layer4 outputs {layer4_at_64}x{layer4_at_64}")
assert layer4_at_64 > 1
results = [lesson.compare_with_torchvision(depth, input_size=64) for depth in lesson.IMAGENET_BUILDERS]
for r in results:
    print(f"ResNet-{r['depth']:<3d} {r['state_dict entries']:>3d} entries loaded, "
          f"{r['missing']} missing, {r['unexpected']} unexpected; outputs {r['output shape']} "
          f"equal (max difference < 1e-6): {r['max difference'] < 1e-6}")
assert all(r["max difference"] < 1e-6 for r in results)

# %% [markdown]
# ## 8. The output is logits, not probabilities
#
# Blog post 002 says the final Linear layer outputs "a probability distribution" over the 10
# classes. It outputs **logits**: any real numbers, negative ones included, that need not sum
# to 1. Softmax turns them into probabilities, and `nn.CrossEntropyLoss` applies (log-)softmax
# itself, so the network must *not* end with one.

# %%
torch.manual_seed(0)
net10 = resnet18(num_classes=10).eval()
x = torch.randn(2, 3, 64, 64)  # (N, C, H, W)
with torch.no_grad():
    logits = net10(x)  # (N, 10)
probs = logits.softmax(dim=1)
print("logits, first image:", " ".join(f"{v:+.3f}" for v in logits[0].tolist()))
print("row sums of the logits:", [round(v, 3) for v in logits.sum(dim=1).tolist()])
print("row sums after softmax:", [round(v, 3) for v in probs.sum(dim=1).tolist()])
assert (logits < 0).any() and torch.allclose(probs.sum(dim=1), torch.ones(2))

# %%
target = torch.tensor([3, 7])
loss = F.cross_entropy(logits, target)
by_hand = -logits.log_softmax(dim=1)[torch.arange(2), target].mean()
softmax_twice = F.cross_entropy(probs, target)  # the bug: probabilities fed to the loss
print(f"cross_entropy(logits) = {loss:.4f}, -mean log softmax by hand = {by_hand:.4f}")
print(f"cross_entropy(probabilities) = {softmax_twice:.4f}  (softmax applied twice: wrong)")
assert torch.allclose(loss, by_hand)

# %% [markdown]
# ## 9. The ImageNet stem on a 32x32 image, and the CIFAR stem
#
# The stem divides the size by 4 and the stages by another 8. Feed a ResNet-18 a 32x32
# CIFAR-sized image and layer4 works on a single pixel:

# %%
imagenet_net = resnet18(num_classes=10)
print(trace_shapes(imagenet_net, (1, 3, 32, 32)).table(max_depth=1))
for step in lesson.spatial_steps(32):
    print(f"{step.layer:46s} {step.formula}")

# %% [markdown]
# layer3 outputs 2x2 and layer4 1x1: the 3x3 convs of layer4 see mostly zero padding.
# The paper's CIFAR-10 networks use a different stem: one 3x3 conv with stride 1, no max pool,
# three stages of 16, 32 and 64 channels, depth 6n + 2 (`cifar_resnet`). Where the shape
# changes they use shortcut option A (zero-padding, no parameters; notebook 03, section 5).
# The package defaults to option B, torchvision's choice, so we ask for A:

# %%
cifar_net = cifar_resnet(20, shortcut="A")  # the paper's CIFAR-10 ResNet-20
print(trace_shapes(cifar_net, (1, 3, 32, 32)).table(max_depth=1))
for step in lesson.spatial_steps(32, stem="cifar"):
    print(f"{step.layer:46s} {step.formula}")
n_a, n_b = count_parameters(cifar_net), count_parameters(cifar_resnet(20))  # A, default B
print(f"parameters: ResNet-18 (10 classes) {count_parameters(imagenet_net):,}; CIFAR ResNet-20 "
      f"{n_a:,} with option A (the paper), {n_b:,} with the default option B")
assert round(n_a / 1e6, 2) == 0.27  # the paper's Table 6: 0.27M parameters

# %% [markdown]
# Blog post 001 also ends its ResNet with `nn.AvgPool2d(7)` instead of global average pooling.
# At 224x224 layer4 gives 7x7 and the two agree; on the 1x1 map of a 32x32 image the fixed
# 7x7 window does not fit ([notebook 06](06_flatten_vs_gap.ipynb) goes further). To get
# layer4's map we call `forward_features`: our networks split `forward` into
# `forward_features` (stem and stages) and `forward_head` (pooling, flatten, fc), the names
# the timm library uses. torchvision's ResNet has no such methods; there you would call the
# layers one by one.

# %%
torch.manual_seed(0)
layer4_224 = torch.randn(trace.by_name("layer4").output_shape)  # (1, 512, 7, 7) at 224x224
# equal up to float32 rounding: the two poolings sum the 49 values in different orders
assert torch.allclose(nn.AvgPool2d(7)(layer4_224), nn.AdaptiveAvgPool2d(1)(layer4_224), rtol=1e-5, atol=1e-5)
with torch.no_grad():
    layer4_32 = imagenet_net.eval().forward_features(torch.randn(1, 3, 32, 32))
print("layer4 at 32x32:", tuple(layer4_32.shape))

# %% tags=["raises-exception"]
nn.AvgPool2d(7)(layer4_32)  # blog post 001's head on a 32x32 image

# %% [markdown]
# ## 10. The network explorer
#
# Pick a network, an input size and the number of input channels. The table shows each
# stage's output shape, parameters and multiply-adds (by arithmetic, so even ResNet-152
# answers at once), and a note when the input is too small. The CIFAR networks are the
# paper's, with shortcut option A. In text form, for two sizes:

# %%
print(lesson.explore_network("ResNet-50", 64), end="\n\n")
print(lesson.explore_network("CIFAR ResNet-56", 4))

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.network import network_explorer

network_explorer()

# %% [markdown]
# Things to try: ResNet-152 at 224 (where do its multiply-adds go?), any network at 16
# or at 1, channels 1 vs 4 (only conv1 changes), and a CIFAR network at 224 (cheap in
# parameters, expensive in multiply-adds: nothing shrinks the image early).

# %% [markdown]
# ## 11. From the code to the paper's Table 1
#
# Table 1 of He et al. ([*Deep Residual Learning*](https://arxiv.org/abs/1512.03385)) describes
# all five networks on one page. Here it is rendered from our modules: each cell is read from
# the built network (kernel sizes and filters of the first block of each stage, the number of
# blocks, the output size by the formula, multiply-adds by arithmetic). The paper's network
# is v1, so the FLOPs row counts v1. The paper's head row says "average pool, 1000-d fc,
# softmax"; ours says where the softmax is, because our network has no softmax module: it
# ends with the fc, and `nn.CrossEntropyLoss` applies log-softmax itself (section 8). The last
# assert below checks it:

# %%
from resnet_teach.lessons import table1 as t1

rendered = t1.table1()
print(format_table(rendered["rows"]))
assert not any(isinstance(m, (nn.Softmax, nn.LogSoftmax)) for m in model.modules())
assert list(model.children())[-1] is model.fc  # the network's last module is the fc

# %% [markdown]
# Then every number is asserted against the paper's, quoted in `t1.PAPER_TABLE1`: output sizes,
# blocks per stage, the filters of each block, and the FLOPs (within 2%, as in section 5; not
# to the paper's one decimal, which, section 5 showed, our counts do not all round to):

# %%
paper = t1.PAPER_TABLE1
assert rendered["output size"] == paper["output size"]
assert rendered["blocks"] == paper["blocks"]
for depth, filters in rendered["filters"].items():
    assert filters == paper["bottleneck filters" if depth >= 50 else "basic filters"], depth
for depth, gmacs in rendered["GMACs"].items():
    assert abs(gmacs - paper["GFLOPs"][depth]) / paper["GFLOPs"][depth] < 0.02, depth
print("output sizes, blocks and filters: as in the paper's Table 1; multiply-adds: within 2% of its FLOPs")

# %% [markdown]
# ## 12. Memory, not only parameters
#
# ResNet-50's weights are 25.6 million float32 numbers, about 100 MB. Why then does a batch
# of 256 not fit in a laptop's memory for training? Because training keeps every layer's
# output for the backward pass, and those scale with the batch (CS231n's
# [memory arithmetic](https://cs231n.github.io/convolutional-networks/#case)). Per stage,
# the values output by the conv, BN, pooling and fc layers (ReLUs and the additions work in
# place), at 224x224, in float32, traced on the meta device (shapes only, no memory). This is
# an **estimate**: it counts the float32 output of each of those modules, not what autograd
# really saves for the backward pass (a conv's input, BN's input and statistics, the max
# pool's indices, ...). The end of this section measures the real thing.

# %%
mem_1, mem_64 = t1.activation_memory(50, batch_size=1), t1.activation_memory(50, batch_size=64)
print(format_table([{"stage": a["stage"], "values, batch 1": a["values"], "MB, batch 1": a["MB"],
                     "MB, batch 64": b["MB"]} for a, b in zip(mem_1, mem_64)]))
assert all(b["values"] == 64 * a["values"] for a, b in zip(mem_1, mem_64))
per_image = sum(a["values"] for a in mem_1) * 4
weights = count_parameters(lesson.meta_network("ResNet-50")) * 4
print(f"weights: {weights / 1e6:.0f} MB;  outputs kept per image: {per_image / 1e6:.0f} MB;  "
      f"for a batch of 256: {256 * per_image / 1e9:.1f} GB")

# %% [markdown]
# The numbers come from shapes. The check: a real forward pass of ResNet-18 (smaller, so fast)
# with hooks that add up `output.numel()` of the real tensors, stage by stage:

# %%
real_counts = t1.counted_output_values(resnet18().eval(), torch.zeros(1, 3, 224, 224))
from_shapes = {r["stage"]: r["values"] for r in t1.activation_memory(18, batch_size=1)}
print(real_counts)
assert real_counts == from_shapes

# %% [markdown]
# Those are the outputs the estimate counts. What autograd actually keeps for the backward
# pass, measured with `torch.autograd.graph.saved_tensors_hooks` (each saved storage once, the
# weights left out), for ResNet-18 on one image in training mode:

# %%
torch.manual_seed(0)
saved = t1.autograd_saved_bytes(resnet18().train(), torch.zeros(1, 3, 224, 224))
estimated = sum(from_shapes.values()) * 4  # float32
print(f"ResNet-18, one 224x224 image: estimate {estimated / 1e6:.1f} MB, autograd saves {saved / 1e6:.1f} MB")
assert estimated < saved < 1.2 * estimated

# %% [markdown]
# Autograd keeps a little more than the estimate counts (among others the input image and the
# max pool's indices, stored as int64): the estimate has the right size, not the exact bytes.

# %% [markdown]
# By the estimate, one image's layer outputs take nearly as much memory as all of ResNet-50's
# weights, and a batch of 256 needs over 20 GB for them, 200 times the weights, before
# counting the gradients (as large as the weights) and Adam's two running averages (twice
# that). Most of it sits in
# the early stages, where the maps are large: layer1 alone holds more than layer3 and layer4
# together.

# %%
stage_values = {r["stage"]: r["values"] for r in mem_1}
assert 0.8 * weights < per_image and 256 * per_image > 20e9 and 256 * per_image > 200 * weights
assert stage_values["layer1"] > stage_values["layer3"] + stage_values["layer4"]

# %% [markdown]
# ## 13. The receptive field, stage by stage
#
# Notebook 01 computed the receptive field of a stack with `receptive_field_steps` and measured
# it with autograd. The same for the main path of ResNet-18 and ResNet-50 (each block's
# branch; the shortcut sees less), read from the modules:

# %%
rf_18 = t1.stage_receptive_fields(lesson.meta_network("ResNet-18"))
rf_50 = t1.stage_receptive_fields(lesson.meta_network("ResNet-50"))
print(format_table([{"stage": a["stage"], "jump": a["jump"], "ResNet-18": a["receptive field"],
                     "ResNet-50": b["receptive field"]} for a, b in zip(rf_18, rf_50)]))
assert all(r["receptive field"] == r["measured"] for r in rf_18 + rf_50)  # autograd agrees

# %% [markdown]
# Araujo et al. ([*Computing Receptive Fields of Convolutional Neural
# Networks*](https://distill.pub/2019/computing-receptive-fields/), Distill 2019, Table 1)
# list **483** pixels for TF-Slim's `resnet_v1_50`; ours (torchvision's v1.5) is smaller. The
# difference is where the stride sits. A 3x3 conv adds `2 · jump` pixels, so a 3x3 that runs
# *after* a stride-2 layer adds twice as much as one before it. torchvision puts the stride on
# the first block's 3x3; the paper's v1 puts it on the first block's 1x1, one layer earlier,
# so that block's 3x3 already runs at the doubled jump; TF-Slim puts the stride on the last
# block of the previous stage, with the same effect. Both give 483, from the formula and from
# autograd:

# %%
from resnet_teach import receptive_field, resnet50

rf_v1 = t1.stage_receptive_fields(lesson.build_on_meta(resnet50, stride_in_1x1=True))
slim = t1.tf_slim_v1_layers()
print(f"ResNet-50 v1.5 (torchvision): {rf_50[-1]['receptive field']}")
print(f"ResNet-50 v1 (stride_in_1x1=True): {rf_v1[-1]['receptive field']}")
print(f"TF-Slim resnet_v1_50 (stride at the end of each stage): {receptive_field(slim)}")
assert rf_v1[-1]["receptive field"] == receptive_field(slim) == 483 == rf_v1[-1]["measured"]
# in v1, the first 3x3 of layer2, layer3, layer4 runs at jump 2j instead of j (j = 4, 8, 16):
# each adds 2·2j instead of 2·j pixels
assert 483 - rf_50[-1]["receptive field"] == sum(2 * (2 * j) - 2 * j for j in (4, 8, 16))

# %% [markdown]
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# ### Exercise 1 · layer4 at 160x160
#
# What is the height (= width) of ResNet-50's layer4 output for a 160x160
# input?

# %%
answer = ...
lesson.check_layer4_size(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Six steps, conv1, the max pool and layer1 to layer4: the five stride-2 ones map n to
# ceil(n / 2), layer1 (stride 1) keeps it: 160 → 80 → 40 → 40 → 20 → 10 → 5.
#
# ```python
# answer = 5
# ```
# </details>
#
# ### Exercise 2 · The fc layer for 10 classes
#
# How many parameters does ResNet-50's fc layer have with 10 classes?

# %%
answer = ...
lesson.check_fc_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# layer4 outputs 512 · 4 = 2048 channels; global average pooling keeps 2048 numbers.
#
# ```python
# answer = 2048 * 10 + 10
# ```
# </details>
#
# ### Exercise 3 · Counting a ResNet-200's convs
#
# He et al.'s follow-up paper ([Identity Mappings in Deep Residual
# Networks](https://arxiv.org/abs/1603.05027), 2016) trains a ResNet-200 on ImageNet. Its
# stages, as in Facebook's released training code
# ([fb.resnet.torch](https://github.com/facebookarchive/fb.resnet.torch/blob/master/models/resnet.lua)),
# hold Bottleneck blocks `[3, 24, 36, 3]`. How many conv layers does it have on its main
# path (projection convs not counted)? Section 6's rule then gives its name.

# %%
answer = ...
lesson.check_main_path_convs(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# conv1 plus 3 convs in each of 3 + 24 + 36 + 3 = 66 Bottlenecks: 199; with the fc, 200.
#
# ```python
# answer = 1 + 3 * (3 + 24 + 36 + 3)
# ```
# </details>
#
# ### Exercise 4 · The smallest input with a map larger than 1x1
#
# What is the smallest square input size for which ResNet-18's layer4 output
# is larger than 1x1? (The explorer or `lesson.spatial_steps(n)` can help.)

# %%
answer = ...
lesson.check_smallest_input(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Five stride-2 layers map n to ceil(n / 32), which exceeds 1 from n = 33 on (conv1, max
# pool, layer1 with stride 1, layer2, layer3, layer4: 33 → 17 → 9 → 9 → 5 → 3 → 2).
#
# ```python
# answer = 33
# ```
# </details>
#
# ### Exercise 5 · Predict, then run: twice the side
#
# First write down your prediction, *then* run the code. ResNet-18 at 448x448 instead of
# 224x224: how many times as many multiply-adds? Answer a number (the ratio).

# %%
answer = ...
lesson.check_macs_ratio(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Every map doubles its height and its width, so every conv does its work at 4 times as many
# positions; only the fc, after global pooling, costs the same. So a little under 4. Run it
# (`lesson.network_macs(model, size)` counts by arithmetic):
#
# ```python
# answer = lesson.network_macs(model, 448) / lesson.network_macs(model, 224)
# ```
# </details>
#
# ### Exercise 6 · One layer's output, in bytes
#
# A batch of 64 images of 224x224 goes through a ResNet's conv1. How many bytes does conv1's
# output take in float32?

# %%
answer = ...
t1.check_stem_activation_bytes(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# The output is (64, 64, 112, 112): 51,380,224 values of 4 bytes.
#
# ```python
# answer = 64 * 64 * 112 * 112 * 4
# ```
# </details>
#
# ### Exercise 7 · Across a stride
#
# At the end of layer3 of a ResNet the jump is 16 input pixels. Then come a 3x3 conv with
# stride 2 and, after it, a 3x3 conv with stride 1. By how many pixels does each one grow the
# receptive field? Answer a pair `(first, second)`.

# %%
answer = ...
t1.check_rf_growth(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# `r_out = r_in + (k - 1) · jump_in`: the stride-2 conv adds `2 · 16`, because its own taps are
# still 16 pixels apart; its stride doubles the jump to 32 for the conv after it, which adds
# `2 · 32`.
#
# ```python
# answer = (32, 64)
# ```
# </details>
#
# ## Summary
#
# - A ResNet is a stem (7x7/2 conv, BN, ReLU, 3x3/2 max pool), four stages of residual blocks
#   (`[2,2,2,2]`, `[3,4,6,3]` BasicBlocks for 18 and 34; `[3,4,6,3]`, `[3,4,23,3]`,
#   `[3,8,36,3]` Bottlenecks for 50, 101, 152) and a head (global average pooling, fc).
# - At 224x224 the map goes 224 → 112 → 56 → 28 → 14 → 7 → 1: five stride-2 layers, each
#   `ceil(n / 2)` by the output-size formula, then global pooling.
# - Parameters: ResNet-18 11,689,512; ResNet-34 21,797,672; ResNet-50 25,557,032, exactly
#   torchvision's. Multiply-adds ("FLOPs" in the paper) match torchvision's published numbers
#   (v1.5) and the paper's Table 1 (v1) within 2%. Tools differ in what they count (appendix).
# - "50" counts the 49 main-path convs plus the fc; the 4 projection convs are not counted.
# - Our networks load torchvision's `state_dict` strictly and give the same outputs.
# - The fc outputs logits; softmax belongs to the loss (or to reading probabilities).
# - On 32x32 images the ImageNet stem leaves layer4 a single pixel; the paper's CIFAR
#   networks use a 3x3 stem without max pool instead, and shortcut option A.
# - Table 1 rendered from our modules matches the paper's output sizes, blocks, filters and
#   FLOPs (within 2%; the paper's one decimal is neither our rounding nor our truncation).
#   Training memory is dominated by what is kept for the backward pass (estimated from the
#   layer outputs, measured with autograd's saved-tensor hooks), which grows with the batch:
#   far more than the weights.
# - The receptive field grows by `(k - 1) · jump` per layer: 435 pixels for ResNet-18 and 427
#   for ResNet-50 (v1.5). v1 (stride on the 1x1 just before that 3x3) and TF-Slim (stride in
#   the previous stage's last block) both let the first 3x3 of layer2-4 run at the doubled
#   jump, and reach 483.
#
# **Next:** [05 · The degradation problem](05_degradation.ipynb) trains plain and residual
# networks side by side to show why the shortcuts matter.

# %% [markdown]
# ## Appendix: two details for the curious
#
# **What torchinfo counts.** torchinfo and `count_macs` agree on every shape and every
# parameter (section 2), but not on multiply-adds. torchinfo also counts one operation per
# BN parameter and per fc bias, while `count_macs` (like the paper) counts only the
# multiply-adds of the conv and fc weights. The difference is exactly that:

# %%
our_macs = count_macs(small, (1, 1, 224, 224))
bn_params = sum(count_parameters(m) for m in small.modules() if isinstance(m, nn.BatchNorm2d))
print(f"torchinfo {info.total_mult_adds:,}  count_macs {our_macs:,}  "
      f"difference {info.total_mult_adds - our_macs:,}")
print(f"          = BN parameters {bn_params:,} + fc biases {small.fc.bias.numel()}")
assert info.total_mult_adds - our_macs == bn_params + small.fc.bias.numel()

# %% [markdown]
# **Where torchvision keeps its numbers.** Each weight enum carries metadata, downloaded
# weights or not. The parameter count is under `num_params`; the "GFLOPS" of the model pages
# are under the key `_ops`, whose leading underscore marks it private: torchvision may rename
# it, but keeps the number nowhere else. Section 5 read it through
# `lesson.torchvision_reference`:

# %%
import torchvision

meta = torchvision.models.ResNet50_Weights.IMAGENET1K_V1.meta
print({key: meta[key] for key in ("num_params", "_ops")})
assert meta["_ops"] == lesson.torchvision_reference(50)["gflops"]
