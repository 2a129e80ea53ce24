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
# - a network explorer: any depth, input size and number of input channels.
#
# **Time on a laptop CPU:** about 30 minutes to read; the cells run in about 15 seconds.
#
# **Before this:** [03 · Residual blocks](03_residual_blocks.ipynb) (the blocks this notebook
# stacks); notebook 01 for the output-size formula.

# %%
import torch
import torch.nn.functional as F
import torchinfo
from torch import nn

from resnet_teach import (STAGES, ShapeTrace, cifar_resnet, count_macs, count_parameters, resnet18,
                          trace_shapes)
from resnet_teach.lessons import networks as lesson
from resnet_teach.lessons.networks import format_table

# One image at a time: a single thread is fast enough, and it makes every printed number
# reproducible (the order of floating-point sums can depend on the thread count).
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
#   The stages are 64, 128, 256 and 512 wide; Bottleneck blocks output 4 times that.
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
print({depth: (block.__name__, layers) for depth, (block, layers) in STAGES.items()})
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
# One level deeper, `layer2`: its first block halves 56 to 28 and widens 64 to 128 channels,
# so its shortcut is a projection (`downsample`); the second block is an identity block.

# %%
print(ShapeTrace(r for r in trace if r.name.startswith("layer2")).table(max_depth=3))

# %% [markdown]
# Blog post 002 prints the shapes of a ResNet-18 for **one-channel** images and **10
# classes**. Ours builds the same network with `in_channels=1, num_classes=10`. Our tracer
# and torchinfo, side by side:

# %%
small = resnet18(in_channels=1, num_classes=10)
ours = trace_shapes(small, (1, 1, 224, 224))
print(ours.table(max_depth=1))

# %%
info = torchinfo.summary(small, input_size=(1, 1, 224, 224), depth=1, verbose=0,
                         col_names=("output_size", "num_params"))
text = str(info)
print(text[: text.index("Total mult-adds")].rstrip())  # the table and the parameter totals
torchinfo_rows = [(layer.var_name, layer.output_size) for layer in info.summary_list if layer.depth == 1]
assert torchinfo_rows == [(r.name, list(r.output_shape)) for r in ours if r.depth == 1]
assert info.total_params == count_parameters(small)

# %% [markdown]
# Same shapes, same parameters. The tools disagree on multiply-adds, and the difference is
# instructive: torchinfo also counts one operation per BN parameter and per fc bias, while
# `count_macs` (like the paper) counts only the multiply-adds of the conv and fc weights.

# %%
our_macs = count_macs(small, (1, 1, 224, 224))
bn_params = sum(count_parameters(m) for m in small.modules() if isinstance(m, nn.BatchNorm2d))
print(f"torchinfo {info.total_mult_adds:,}  count_macs {our_macs:,}  "
      f"difference {info.total_mult_adds - our_macs:,}")
print(f"          = BN parameters {bn_params:,} + fc biases {small.fc.bias.numel()}")
assert info.total_mult_adds - our_macs == bn_params + small.fc.bias.numel()

# %% [markdown]
# ## 3. 224 → 112 → 56 → 28 → 14 → 7 → 1, from the formula
#
# On the main path only five layers change the size: conv1, the max pool, and the first 3x3
# conv of layer2, layer3 and layer4 (stride 2 each; the projection shortcuts beside them land
# on the same size, notebook 03). Notebook 01's formula,
# `out = floor((n + 2p - k) / s) + 1`, gives every step (blog post 002 garbles the pooling
# version as "/2Stride"; pooling uses the very same formula):

# %%
steps = lesson.spatial_steps(224)
for step in steps:
    print(f"{step.layer:46s} {step.formula}")
traced = [trace.by_name(name).output_shape[-1]
          for name in ("conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool")]
assert [s.size for s in steps] == traced
assert all(lesson.spatial_steps(n)[-2].size == -(-n // 32) for n in range(1, 513))  # ceil(n / 32)

# %% [markdown]
# The padding is chosen so that each stride-2 layer computes `ceil(n / 2)`: 224 is halved five
# times, and for any input layer4 ends at `ceil(n / 32)` (the last assert checks every n up to
# 512). The last step is not a formula: `AdaptiveAvgPool2d(1)` averages
# whatever is left into 1x1, which is what lets the network accept other sizes (section 8 and
# notebook 06).
#
# ## 4. Parameters, exactly
#
# Parameter counts do not need a forward pass, and not even real weights: `meta_network`
# builds a network on PyTorch's *meta* device (shapes only, no memory, no initialisation;
# notebook 03 introduced it) and keeps it for the next question. torchvision ships the count
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
# Where do ResNet-18's parameters sit? Mostly in the last stage: 3x3 convs with 512 channels
# have 3·3·512·512 weights each, while all the spatial work happens early.

# %%
report = lesson.explore_network("ResNet-18", 224)
for row in report.rows:
    print(f"{row.stage:7s} {row.params:>10,} parameters ({row.params / report.params:5.1%})"
          f"   {row.macs / 1e6:7.1f} M multiply-adds ({row.macs / report.macs:5.1%})")

# %% [markdown]
# ## 5. Multiply-adds beside the paper's Table 1
#
# The paper's Table 1 lists "FLOPs", but counts **multiply-adds**. `count_macs` measures them
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
# section 6), beside the paper's numbers and torchvision's published ones:

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

# %% [markdown]
# Our v1.5 numbers are torchvision's to the last digit it publishes. The paper's v1 numbers
# are rounded loosely (compare the rows of ResNet-34 and ResNet-50) but agree within 2%. Note
# how ResNet-50 costs only a little more than ResNet-34 despite 16 extra layers: the
# Bottleneck at work.
#
# ## 6. Why "50"? Counting the layers
#
# Blog post 001 says ResNet-50 "is made of 50 convolutional layers". Count the modules:

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
# pooling. The same rule gives 18, 34, 101 and 152.
#
# ## 7. Our networks are torchvision's
#
# For each depth: build `torchvision.models.resnetXX()` with random weights (nothing is
# downloaded), load its `state_dict` into ours with `strict=True` (any missing, extra or
# misshapen entry would raise), and compare the outputs on the same input. To stay fast we use
# one 64x64 image (layer4 still sees 2x2, so every weight of every 3x3 kernel matters), and
# build ours on the meta device so that `load_state_dict(..., assign=True)` simply hands it
# torchvision's tensors.

# %%
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
# three stages of 16, 32 and 64 channels, depth 6n + 2 (`cifar_resnet`):

# %%
cifar_net = cifar_resnet(20)
print(trace_shapes(cifar_net, (1, 3, 32, 32)).table(max_depth=1))
for step in lesson.spatial_steps(32, stem="cifar"):
    print(f"{step.layer:46s} {step.formula}")
print(f"parameters: ResNet-18 (10 classes) {count_parameters(imagenet_net):,}, "
      f"CIFAR ResNet-20 {count_parameters(cifar_net):,}")

# %% [markdown]
# Blog post 001 also ends its ResNet with `nn.AvgPool2d(7)` instead of global average pooling.
# At 224x224 layer4 gives 7x7 and the two agree; on the 1x1 map of a 32x32 image the fixed
# 7x7 window does not fit (notebook 06 goes further):

# %%
layer4_224 = torch.randn(trace.by_name("layer4").output_shape)  # (1, 512, 7, 7) at 224x224
assert torch.allclose(nn.AvgPool2d(7)(layer4_224), nn.AdaptiveAvgPool2d(1)(layer4_224))
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
# answers at once), and a note when the input is too small. In text form, for two sizes:

# %%
print(lesson.explore_network("ResNet-50", 64), end="\n\n")
print(lesson.explore_network("CIFAR ResNet-56", 4))

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.network import network_explorer

network_explorer()

# %% [markdown]
# Things to try: ResNet-152 at 224 (where do its 11.5 G multiply-adds go?), any network at 16
# or at 1, channels 1 vs 4 (only conv1 changes), and a CIFAR network at 224 (cheap in
# parameters, expensive in multiply-adds: nothing shrinks the image early).
#
# ## Exercises
#
# Replace the `...` with your answer and run the cell; the checker computes the right answer
# with PyTorch.
#
# **Exercise 1.** What is the height (= width) of ResNet-50's layer4 output for a 160x160
# input?

# %%
answer = ...
lesson.check_layer4_size(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Each of the five stride-2 layers maps n to ceil(n / 2): 160 → 80 → 40 → 40 → 20 → 10 → 5.
#
# ```python
# answer = 5
# ```
# </details>
#
# **Exercise 2.** How many parameters does ResNet-50's fc layer have with 10 classes?

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
# **Exercise 3.** How many conv layers does ResNet-101 have on its main path (projection
# convs not counted)?

# %%
answer = ...
lesson.check_main_path_convs(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# conv1 plus 3 convs in each of 3 + 4 + 23 + 3 = 33 Bottlenecks; with the fc, 101.
#
# ```python
# answer = 1 + 3 * (3 + 4 + 23 + 3)
# ```
# </details>
#
# **Exercise 4.** What is the smallest square input size for which ResNet-18's layer4 output
# is larger than 1x1? (The explorer or `lesson.spatial_steps(n)` can help.)

# %%
answer = ...
lesson.check_smallest_input(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# Five stride-2 layers map n to ceil(n / 32), which exceeds 1 from n = 33 on
# (33 → 17 → 9 → 9 → 5 → 3 → 2).
#
# ```python
# answer = 33
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
#   (v1.5) and the paper's Table 1 (v1) within 2%. Tools differ in what they count.
# - "50" counts the 49 main-path convs plus the fc; the 4 projection convs are not counted.
# - Our networks load torchvision's `state_dict` strictly and give the same outputs.
# - The fc outputs logits; softmax belongs to the loss (or to reading probabilities).
# - On 32x32 images the ImageNet stem leaves layer4 a single pixel; the CIFAR networks use a
#   3x3 stem without max pool instead.
