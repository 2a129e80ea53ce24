# %% [markdown]
# # 06 · Flatten versus global average pooling, and what GAP makes possible
#
# **What you will learn**
# - what the end of ResNet really is: global average pooling (GAP, 全局平均池化), then
#   flattening (展平层, the flatten layer) a 1x1 map, then the fc layer, traced on ResNet-18
#   and ResNet-50;
# - what a Flatten head would cost instead: `Linear(25088, 1000)` in ResNet-18 where GAP needs
#   `Linear(512, 1000)`, and the same for ResNet-50 (counted below);
# - why one GAP network takes 160x160, 224x224, 320x320 and non-square images, while a Flatten
#   head and blog post 001's fixed `AvgPool2d(7)` break: sometimes with an error, sometimes
#   silently;
# - class activation maps (CAMs): a GAP network shows where it found its evidence; we
#   measure how often it points at the right place, and what the class weights add to what
#   the features alone find;
# - whether a network that *runs* at any input size also *performs* at any size, measured.
#
# **Time on a laptop CPU:** about 30 minutes to read; the cells run in about 30 seconds.
#
# **Before this:** [04 · Building ResNet-18/34/50/101/152](04_building_resnets.ipynb) (the
# stem, the stages, the 224 → 7 shape table); [00 · Start here](00_start_here.ipynb) if you
# are new to the collection.

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from resnet_teach import (cifar_resnet, count_parameters, evaluate, resnet18, resnet50, train,
                          trace_shapes)
from resnet_teach.cam import CAM_SEEDS_CHECKED
from resnet_teach.lessons import heads as lesson
from resnet_teach.plots.heads import plot_cams, plot_digits_with_boxes, plot_head_support
from resnet_teach.train import fixed_threads

# %% [markdown]
# ## 1. The question from blog post 000: what does Flatten do at the end of ResNet-50?
#
# Blog post 000 ("ResNet50 Flatten层的作用", what the Flatten layer of ResNet50 does) asks
# exactly this, and gives two answers.
#
# - The first says the Flatten layer turns the last convolution's feature maps into a vector
#   for the fully connected layer ("展平成一维向量", flattens them into a one-dimensional vector): it
#   "将多个特征图中的所有特征点(或称为像素点)平铺成一个长向量" (lays out all the feature points, or pixels, of the feature maps as one long
#   vector). **Right:** `fc` needs one vector per image. **Wrong for ResNet-50:** its last
#   maps are 2048 x 7 x 7, and nothing lays those 7 x 7 positions out; global average pooling
#   averages them away first, so the flatten gets one number per channel.
# - The second says "它的最后一层不是Flatten层,而是一个全局平均池化层" (its last layer is not a Flatten layer but a global average
#   pooling layer), which turns the maps into a vector of fixed length for the fully
#   connected layer and cuts the number of parameters. **Right:** GAP is what removes the
#   positions, and it saves parameters (section 2 counts them). **Wrong in two details:**
#   the last layer is the fully connected `fc`, after GAP; and there is a flatten between
#   them, `torch.flatten`, a function call rather than a layer.
#
# The end of ResNet is three steps:
#
# 1. `avgpool`: **global average pooling**, one average per channel, `(N, C, h, w)` → `(N, C, 1, 1)`;
# 2. `torch.flatten(x, 1)`: drop the two dimensions of size 1, `(N, C, 1, 1)` → `(N, C)`;
# 3. `fc`: one `Linear(C, 1000)`, giving 1000 logits (scores, not yet probabilities).
#
# So there *is* a flatten, but it flattens a 1x1 map: it moves no number. Our tracer shows the
# last rows of ResNet-18 at 224x224 (`torch.flatten` is a function, not a module, so it has no
# row of its own):

# %%
torch.manual_seed(0)
net18 = resnet18().eval()
trace18 = trace_shapes(net18, (1, 3, 224, 224))
for name in ("layer4", "avgpool", "fc"):
    row = trace18.by_name(name)
    print(f"{name:8s} {row.type:20s} output {list(row.output_shape)}")

# %% [markdown]
# The network's `forward_features` (everything up to `layer4`) and `forward_head` (the rest)
# let us take the three steps one at a time and check what each does:

# %%
x = torch.randn(1, 3, 224, 224)  # one RGB image; random values, only the shapes matter here
with torch.no_grad():
    fmap = net18.forward_features(x)  # (1, 512, 7, 7): layer4's output
    pooled = net18.avgpool(fmap)  # (1, 512, 1, 1): one average per channel
    flat = torch.flatten(pooled, 1)  # (1, 512)
    logits = net18.fc(flat)  # (1, 1000)
    whole = net18(x)
for name, t in [("layer4", fmap), ("avgpool", pooled), ("flatten", flat), ("fc", logits)]:
    print(f"{name:8s} {tuple(t.shape)}")
assert torch.allclose(pooled, fmap.mean(dim=(2, 3), keepdim=True))  # GAP is a plain mean
assert torch.equal(flat, pooled[:, :, 0, 0])  # flatten only dropped the two 1x1 dimensions
# the three steps are the whole head (the same float32 operations; rtol/atol allow for rounding)
assert torch.allclose(logits, whole, rtol=1e-5, atol=1e-5)

# %% [markdown]
# ResNet-50 ends the same way, with 2048 channels instead of 512 (its Bottleneck blocks widen
# by 4):

# %%
net50 = resnet50().eval()
trace50 = trace_shapes(net50, (1, 3, 224, 224))
for name in ("layer4", "avgpool", "fc"):
    row = trace50.by_name(name)
    print(f"{name:8s} {row.type:20s} output {list(row.output_shape)}")
assert trace50.by_name("layer4").output_shape == (1, 2048, 7, 7)
assert trace50.by_name("avgpool").output_shape == (1, 2048, 1, 1)
assert trace50.by_name("fc").output_shape == (1, 1000)

# %% [markdown]
# The answer to blog post 000, then: in ResNet-50 the flatten turns `(N, 2048, 1, 1)` into
# `(N, 2048)`. The work of squeezing the 7x7 positions away is done by the average before it.
# Global average pooling comes from [*Network in Network*](https://arxiv.org/abs/1312.4400)
# (Lin, Chen and Yan, 2013, section 3.2), which proposed it instead of big fully connected
# layers; the next section shows how big those would be.
#
# ## 2. What a Flatten head would cost
#
# Without the average, `fc` must take every number of the 512x7x7 map. `resnet18(head="flatten",
# input_size=224)` builds exactly that network: the same layers, `avgpool` replaced by
# nothing (`Identity`), and an fc as wide as the flattened map.

# %%
flat18 = resnet18(head="flatten", input_size=224).eval()
print("GAP head:    ", net18.avgpool, "->", net18.fc)
print("Flatten head:", flat18.avgpool, "->", flat18.fc)
gap_fc18, flat_fc18 = count_parameters(net18.fc), count_parameters(flat18.fc)
assert gap_fc18 == lesson.fc_parameters(512, 1000) == 513_000  # 512 x 1000 weights + 1000 biases
assert flat_fc18 == lesson.fc_parameters(512 * 7 * 7, 1000) == 25_089_000
print(f"ResNet-18 fc after GAP: {gap_fc18:>12,} parameters")
print(f"ResNet-18 Flatten fc:   {flat_fc18:>12,} parameters ({flat_fc18 / gap_fc18:.1f} times as many)")
print(f"whole network: {count_parameters(net18):,} (GAP) vs {count_parameters(flat18):,} (Flatten)")

# %% [markdown]
# The Flatten fc has one weight per class for every channel *at every one of the 7 x 7 = 49
# positions*; GAP shares one weight per channel across all positions.
#
# For ResNet-50 the Flatten fc would be `Linear(2048 * 7 * 7, 1000)`. We count it without
# allocating its 100 million numbers: on PyTorch's `meta` device a layer has shapes but no
# memory.

# %%
h, w = net50.feature_map_size((224, 224))
flat_fc50 = nn.Linear(net50.num_features * h * w, 1000, device="meta")  # shapes only
gap_fc50 = count_parameters(net50.fc)
n_flat_fc50 = count_parameters(flat_fc50)
assert gap_fc50 == lesson.fc_parameters(2048, 1000) == 2_049_000
assert n_flat_fc50 == lesson.fc_parameters(2048 * 7 * 7, 1000) == 2048 * 7 * 7 * 1000 + 1000
print(f"ResNet-50 fc after GAP: {gap_fc50:>12,} parameters")
print(f"ResNet-50 Flatten fc:   {n_flat_fc50:>12,} parameters")
print(f"the Flatten fc alone is {n_flat_fc50 / count_parameters(net50):.1f} times the whole GAP "
      f"ResNet-50 ({count_parameters(net50):,} parameters)")

# %% [markdown]
# ## 3. One GAP network, many input sizes
#
# Convolutions do not care how big their input is: each one slides its window over whatever
# it gets. Only the head can care. GAP averages whatever `h x w` map arrives, so `fc` always
# gets 512 numbers. The same ResNet-18 (built once, same weights) on four input sizes, one of
# them not square (the 224x224 map is the one from section 1):

# %%
maps = {}  # layer4's output per input size (height, width), reused below
with torch.no_grad():
    for hw in [(160, 160), (224, 224), (320, 320), (160, 320)]:
        # (1, 512, h, w); the 224x224 map is section 1's
        maps[hw] = fmap if hw == (224, 224) else net18.forward_features(torch.randn(1, 3, *hw))
        out = net18.forward_head(maps[hw])  # (1, 1000) at every size
        print(f"input {hw[0]:3d}x{hw[1]:<3d} -> layer4 {tuple(maps[hw].shape)} -> logits {tuple(out.shape)}")
        assert out.shape == (1, 1000)
        assert tuple(maps[hw].shape[-2:]) == lesson.last_map_size(*hw)  # the size formula agrees

# %% [markdown]
# The last map is the input divided by 32 and rounded up (five stride-2 layers, notebook 04):
# `lesson.size_steps` shows the chain with the output-size formula, and the `assert` above
# checks it against the real network.

# %%
for name, (a, b) in lesson.size_steps(160, 320):
    print(f"{name:22s} {a}x{b}")
# ceil(n / 32) on each side, for every size the explorer below offers
assert all(lesson.last_map_size(n, n) == (math.ceil(n / 32),) * 2 for n in range(1, 1025))

# %% [markdown]
# **Running is one thing, performing another.** GAP lets the network *run* at any size.
# Whether a trained network also *performs* at a size it was not trained at is a separate
# question. On ImageNet, Touvron et al. 2019
# ([*Fixing the train-test resolution discrepancy*](https://arxiv.org/abs/1906.06423)) show
# that accuracy depends on the test resolution, and that the best one depends on how large
# the objects looked during training. How much it matters for a small network, section 7
# measures (after asking you to predict it).
#
# ## 4. A Flatten head works only where its map is 7x7
#
# The Flatten network was built for 224x224, so its fc expects 512 x 7 x 7 = 25088 numbers. At
# 160x160 the map is 5x5 and the flattened vector has 512 x 5 x 5 = 12800. The matrix product
# inside `fc` cannot be done, and PyTorch says so:

# %% tags=["raises-exception"]
flat18(torch.randn(1, 3, 160, 160))  # a Flatten head built for 224, given a 160x160 image

# %% [markdown]
# `mat1` is the flattened input (1 x 12800), `mat2` is fc's weight, transposed (25088 x 1000).
# The message can be predicted from the size arithmetic alone; `lesson.explore_input_size`
# does that, and here we compare it with PyTorch for every size of section 3. (The
# network's trunk is the same with either head, so we reuse the maps computed above and
# try only the head.)

# %%
def try_head(head, feature_map):
    """'runs', or PyTorch's error message."""
    try:
        with torch.no_grad():
            head(feature_map)
        return "runs"
    except RuntimeError as error:
        return str(error)


for hw, layer4_map in maps.items():
    real = try_head(flat18.forward_head, layer4_map)
    predicted = lesson.explore_input_size(*hw).head("flatten")
    assert real == ("runs" if predicted.runs else predicted.error)
    print(f"{hw[0]:3d}x{hw[1]:<3d} map {layer4_map.shape[-2]}x{layer4_map.shape[-1]:<2d} Flatten head: {real}")

# %% [markdown]
# "Only at 224" is not quite true, though: any input whose map comes out 7x7 works, because
# each stride-2 layer rounds its size (up, for these padded layers), so a whole band of input
# sizes ends at 7x7 (section 5's plot shows the band; exercise 2 asks the
# same for a head built for another size). And a map with the same
# number of positions in another layout fools PyTorch completely. Take a Flatten head built
# for a 256x256 input and give it a 128x512 input, a wide image with as many pixels:

# %%
square_hw = lesson.last_map_size(256, 256)  # the map the head was built for
with torch.no_grad():
    wide_map = net18.forward_features(torch.randn(1, 3, 128, 512))  # (1, 512, h, w)
print(f"layer4's map at 256x256: {square_hw[0]}x{square_hw[1]}; at 128x512: "
      f"{wide_map.shape[-2]}x{wide_map.shape[-1]}")
head_for_square = nn.Linear(512 * square_hw[0] * square_hw[1], 10)  # that Flatten head's fc
print("runs:", tuple(head_for_square(torch.flatten(wide_map, 1)).shape))
assert wide_map.shape[-2:].numel() == square_hw[0] * square_hw[1] and tuple(wide_map.shape[-2:]) != square_hw
print(lesson.explore_input_size(128, 512, flatten_built_for=256).head("flatten").detail)

# %% [markdown]
# It runs, and the output has the right shape, although every weight now meets a different
# position than the one it was trained on.

# %% [markdown]
# ## 5. Blog post 001's fixed `AvgPool2d(7)`: an error, or a silent mistake
#
# Blog post 001 ends its ResNet-50 with `self.avgpool=nn.AvgPool2d(7)`, and the comment on the
# line that calls it reads `#对输出进行全局平均池化操作`: "apply global average pooling to the
# output". **Spot the bug:** a fixed 7x7 window is the *global* average only when the map is
# exactly 7x7; PyTorch's global average pooling is `AdaptiveAvgPool2d(1)`, which adapts its
# window to any map. At 224x224 the map is 7x7, so there the two agree. We give our ResNet-18
# the blog's head (a copy, same weights) and check:

# %%
seed_net = copy.deepcopy(net18)
seed_net.avgpool = nn.AvgPool2d(7)  # blog post 001's head; stride defaults to 7
with torch.no_grad():
    blog_logits, gap_logits = seed_net.forward_head(maps[(224, 224)]), net18.forward_head(maps[(224, 224)])
# Equal up to float32 rounding: the two pools add the 49 values in different orders, so the
# logits can differ in the 6th or 7th digit, by how much depends on the CPU's kernels.
assert torch.allclose(blog_logits, gap_logits, rtol=1e-4, atol=1e-5)
print("at 224x224 AvgPool2d(7) and GAP give the same logits")

# %% [markdown]
# At 160x160 the map is 5x5, smaller than the window. That is an error, though not the one of
# section 4:

# %% tags=["raises-exception"]
seed_net(torch.randn(1, 3, 160, 160))  # a 5x5 map, a 7x7 window

# %% [markdown]
# At 320x320 the map is 10x10. A 7x7 window with stride 7 fits once, so the output is 1x1 and
# everything runs. But the window covers only the top-left corner of the map. We ask autograd
# which positions reach the output at all:

# %%
fmap320 = maps[(320, 320)].clone().requires_grad_(True)  # (1, 512, 10, 10)
seed_net.avgpool(fmap320).sum().backward()
used = fmap320.grad[0, 0] != 0  # (10, 10): True where a position counts
print(used.int())
print(f"AvgPool2d(7) averages {int(used.sum())} of {used.numel()} positions; the others are ignored")
assert used[:7, :7].all() and used.sum() == 49
with torch.no_grad():
    gap_logits = net18.forward_head(maps[(320, 320)])
    seed_logits = seed_net.forward_head(maps[(320, 320)])
print(f"largest logit difference from GAP: {(seed_logits - gap_logits).abs().max().item():.2f}")
assert seed_logits.shape == gap_logits.shape and not torch.allclose(seed_logits, gap_logits)

# %% [markdown]
# No error, the right output shape, and wrong numbers: the worst kind of bug. At 448x448 the
# map is 14x14, two windows fit each way, the output is 2x2, and the flattened vector has
# 512 x 4 = 2048 numbers instead of 512. Now it is section 4's error again. (The head sees
# only the map, so we hand it a map of layer4's shape at 448x448 and skip the trunk's work.)

# %%
map448 = torch.randn(1, *lesson.explore_input_size(448, 448).map_shape)
print("layer4's output at 448x448:", tuple(map448.shape))

# %% tags=["raises-exception"]
seed_net.forward_head(map448)  # a 14x14 map pools to 2x2

# %% [markdown]
# The explorer predicts all three outcomes; the tests (`tests/test_lesson_heads.py`) compare
# its messages with PyTorch's at many sizes. Across square inputs from 1 to 640 pixels:

# %%
for side in (160, 224, 320, 448):
    print(f"{side}: {lesson.explore_input_size(side, side).head('avgpool').detail}")
reports = {n: lesson.explore_input_size(n, n) for n in range(1, 641)}
silent = [n for n, r in reports.items() if r.head("avgpool").runs and r.head("avgpool").covered < 1]
assert silent == list(range(silent[0], silent[-1] + 1))  # one unbroken band
print(f"AvgPool2d(7) runs but ignores part of the map for sides {silent[0]} to {silent[-1]}")
fig = plot_head_support(range(1, 641))
plt.show()

# %% [markdown]
# GAP runs everywhere. The Flatten head built for 224 runs on one narrow band. The fixed
# window runs on a wider band, but correctly only where the map is exactly 7x7; beyond that it
# quietly ignores part of the map until it fails.
#
# ## 6. Try it: the input-size explorer
#
# Move the sliders: the report shows the chain of sizes, the last map, what a Flatten head
# built for that size would cost, and what each head does. Even tiny inputs go through the
# network, as a 16x16 image shows; the explorer's note says why that is not a good idea:

# %%
with torch.no_grad():
    tiny_map = net18.forward_features(torch.randn(1, 3, 16, 16))  # (1, 512, 1, 1)
    tiny_logits = net18.forward_head(tiny_map)
print(f"16x16 input -> layer4 {tuple(tiny_map.shape)} -> logits {tuple(tiny_logits.shape)}")
assert tiny_logits.shape == (1, 1000) and tuple(tiny_map.shape[-2:]) == lesson.last_map_size(16, 16)
print("note:", lesson.explore_input_size(16, 16).notes[0])

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.heads import input_size_explorer

input_size_explorer()

# %% [markdown]
# ### Exercise 1 · A Flatten head for small images
#
# You build `resnet18(head="flatten", input_size=100, num_classes=10)`. How many parameters
# does its `fc` layer have (weights and biases)? Work it out by hand, then check.

# %%
from resnet_teach.lessons.heads import check_flatten_fc_params

answer = ...  # an int
check_flatten_fc_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 512 * 4 * 4 * 10 + 10  # = 81930
# ```
# 100 is halved five times, rounding up: 50, 25, 13, 7, 4 (the padded 3x3 convs round up:
# `floor((25 + 2 - 3) / 2) + 1 = 13`, not 12). The map is 512x4x4, so `fc` is
# `Linear(8192, 10)`: 81,920 weights and 10 biases. Check with
# `count_parameters(resnet18(head="flatten", input_size=100, num_classes=10).fc)`.
# </details>

# %% [markdown]
# ### Exercise 2 · Which sizes does a Flatten head accept?
#
# A Flatten ResNet-18 built for 224x224 runs whenever the last map is 7x7 (section 5's plot
# shows that band). Now build it for 160x160: `resnet18(head="flatten", input_size=160)`.
# What are the smallest and the largest square side it accepts? Answer with a pair
# `(smallest, largest)`.

# %%
from resnet_teach.lessons.heads import check_flatten_input_range

answer = ...  # (smallest, largest)
check_flatten_input_range(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = (129, 160)
# ```
# Each stride-2 layer computes `ceil(n / 2)`, so the map is `ceil(n / 32)`: at 160 it is 5x5,
# and 5 for every side from 4 x 32 + 1 = 129 to 5 x 32 = 160. One way to find it:
# `[n for n in range(100, 200) if lesson.last_map_size(n, n) == (5, 5)]`.
# </details>

# %% [markdown]
# ### Exercise 3 · How much does the fixed window see?
#
# At 416x416, the last side of the silent band of section 5, blog post 001's `AvgPool2d(7)`
# head still runs. What share of the last feature map's positions does it average (a number
# between 0 and 1)? Work out the size of the last map first (section 3's rule), then how many
# 7x7 windows with stride 7 fit in it.

# %%
from resnet_teach.lessons.heads import check_avgpool_fraction

answer = ...  # a share between 0 and 1
check_avgpool_fraction(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 49 / 169  # about 0.29
# ```
# At 416 the map is `ceil(416 / 32) = 13`, so 13x13 = 169 positions. One 7x7 window fits
# (stride 7: the next would start at 7 and end at 14 > 13), so 49 positions are averaged and
# 120 ignored. The checker's answer says what happens one pixel later.
# </details>

# %% [markdown]
# ## 7. What GAP makes possible: class activation maps
#
# GAP has a second gift. Write `A_k(x, y)` for channel `k` of the last map and `w_ck` for the
# fc weight from channel `k` to class `c`. The logit of class `c` is
#
# `logit_c = b_c + sum_k w_ck * mean_xy A_k(x, y) = b_c + mean_xy [ sum_k w_ck * A_k(x, y) ]`
#
# because a mean and a weighted sum can be swapped. The map inside the brackets is the
# **class activation map** `CAM_c(x, y) = sum_k w_ck * A_k(x, y)` ([Zhou et al.,
# 2016](https://arxiv.org/abs/1512.04150), section 2): how
# much the features at position `(x, y)` speak for class `c`. The logit is its average plus the
# bias, so the map shows where the evidence was before GAP averaged the positions away. Every
# position is scored with the *same* weights, which is what makes the map comparable across
# positions.
#
# **The bias is not part of the map.** `b_c` is one number, the same for every position:
# adding it would shift the whole map up or down without changing its shape or where it
# peaks. Zhou et al. leave it out ("Here we ignore the bias term: we explicitly set the input
# bias of the softmax to 0 as it has little to no impact on the classification
# performance"). Our network keeps its fc bias; `lesson.class_activation_maps` (from
# `resnet_teach.cam`) uses the weights alone, as the paper does, and the bias comes back only
# in the identity `logit_c = mean(CAM_c) + b_c`, checked below.
#
# To test it we need images where we know where the object is. `lesson.digits_with_decoy`
# pastes a real handwritten digit (scikit-learn's 8x8 digits, through
# `resnet_teach.placed_digits`) at a random spot of a 24x24 canvas and records its box. It
# also pastes a **decoy** beside it: another digit with its 64 pixels shuffled, so the same ink
# but no digit shape. A method that only finds ink can land on the decoy as easily as on the
# digit; the ink finder below measures how often it finds the digit.

# %%
train_set = lesson.digits_with_decoy(3000, canvas=24, digit_size=8, seed=0, split="train")
test_set = lesson.digits_with_decoy(500, canvas=24, digit_size=8, seed=0, split="test")
print("train", tuple(train_set.images.shape), "test", tuple(test_set.images.shape))  # (N, 1, 24, 24)
fig = plot_digits_with_boxes(test_set.images, test_set.boxes, test_set.labels)
plt.show()

# %% [markdown]
# Before any network, two yardsticks on the 500 held-out images. **Chance**: a peak at a random
# pixel falls inside the 8x8 box with probability box area / canvas area. **Ink**: the centre
# of the 8x8 square with the most ink (no learning at all).

# %%
canvas = tuple(test_set.images.shape[-2:])
chance = lesson.chance_share(test_set.boxes, canvas)
ink_share = lesson.peaks_inside(lesson.ink_peaks(test_set.images, 8), test_set.boxes).double().mean().item()
print(f"chance (mean box area / canvas area): {chance:.3f}")
print(f"densest ink square inside the box:    {ink_share:.3f}")

# %% [markdown]
# The network: the smallest CIFAR-style ResNet from `resnet_teach` (depth 8, one BasicBlock
# per stage, narrowed to 8/16/32 channels, one input channel), which ends with GAP and fc.
# First the CAM of the untrained network, then five epochs of training. Everything is seeded
# and runs on one thread (`train` does that itself; `fixed_threads(1)` for the rest), so on
# one machine a rerun gives the same numbers. On another CPU the later digits of trained
# numbers can differ, so the cells that print them are not compared digit by digit by the
# tests; their asserts carry the claims, with margins. This notebook trains with seed 0;
# `tests/test_lesson_heads.py` reruns this section with every seed of `CAM_SEEDS_CHECKED`
# (printed below) and asserts the same claims.

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
cam_net = cifar_resnet(8, in_channels=1, num_classes=10, widths=(8, 16, 32))
with fixed_threads(1):
    untrained = lesson.evaluate_cams(cam_net, test_set)
print(f"untrained network: CAM peak inside the box {untrained.share:.3f}, accuracy {untrained.accuracy:.3f}")

history = train(cam_net, train_set, epochs=5, batch_size=32, lr=0.01, seed=0)
with fixed_threads(1):
    test_accuracy = evaluate(cam_net, test_set)["accuracy"]
print("training accuracy per epoch:", [round(a, 3) for a in history["train_accuracy"]])
print(f"held-out accuracy: {test_accuracy:.3f}")
assert untrained.accuracy < 0.2 and test_accuracy > 0.9
print("the tests assert this section's claims for the seeds", CAM_SEEDS_CHECKED)

# %% [markdown]
# First the identity from above, on the trained network: the mean of each CAM plus the bias is
# the logit.

# %%
with fixed_threads(1):
    cams = lesson.class_activation_maps(cam_net, test_set.images)  # maps (500, 6, 6), predicted class
picked = cams.logits.gather(1, cams.classes[:, None])[:, 0]  # (500,) the predicted class's logit
assert torch.allclose(cams.maps.mean(dim=(1, 2)) + cam_net.fc.bias[cams.classes].detach(), picked, atol=1e-4)
print(f"last feature map for a {canvas[0]}x{canvas[1]} image: {tuple(cams.maps.shape[1:])}")
print("CAM maps:", tuple(cams.maps.shape), f"- mean(CAM) + bias == logit for all {len(test_set)} images")
# the bias shifts a map by one number: its peak stays where it was (up to a float32 tie, hence <= 1%)
with_bias = cams.maps + cam_net.fc.bias[cams.classes].detach()[:, None, None]
same_peak = (lesson.peak_positions(with_bias) == lesson.peak_positions(cams.maps)).all(dim=1)
assert same_peak.double().mean() >= 0.99
print("adding the bias to a map leaves its peak where it was (asserted for at least 99% of the maps; only "
      "a float32 tie could move one)")

# %% [markdown]
# Now the claim. For each held-out image we take the CAM of the class the network predicts,
# stretch it to 24x24 (bilinear) and ask whether its peak lies inside the digit's box:

# %% tags=["nbval-ignore-output"]
with fixed_threads(1):
    result = lesson.evaluate_cams(cam_net, test_set)
print(f"CAM peak inside the digit's box: {result.share:.3f} of {len(test_set)} held-out images")
print(f"  vs chance {chance:.3f}, densest ink {ink_share:.3f}, untrained network {untrained.share:.3f}")
assert result.share >= 0.8, "the CAM should find the digit on at least 80% of the images"
assert result.share >= 5 * chance and result.share >= ink_share + 0.25

# %% [markdown]
# The CAM's peak lands inside the digit's box on at least 80% of the held-out images (the
# exact share is printed above): more than five times chance, and far more often than the
# ink finder, which the decoy fools (its share is printed above too). The network was only
# told *which* digit each image shows, never *where* it is.
#
# **What do the class weights add?** A CAM has two ingredients: the features `A_k` and the
# class's weights `w_ck`. To see what each contributes, compare the CAM of the predicted class
# with three other maps from the same features: the **class-agnostic** map (the plain sum of
# the channels, no class weights), the CAM of the **runner-up** class (second-highest logit)
# and the CAM of a **random other** class.

# %% tags=["nbval-ignore-output"]
with fixed_threads(1):
    baselines = lesson.cam_baselines(cam_net, test_set, seed=0)
for name, share in baselines.items():
    print(f"{name:34s} peak inside the box: {share:.3f}")
cam_share = baselines["CAM of the predicted class"]
assert abs(cam_share - result.share) < 1e-9  # the same maps as above
assert baselines["class-agnostic (sum of channels)"] > cam_share - 0.15  # the features alone find the digit
assert cam_share > baselines["CAM of the runner-up class"] + 0.05
assert cam_share > baselines["CAM of a random other class"] + 0.5
assert baselines["CAM of the runner-up class"] > 0.5 > baselines["CAM of a random other class"]

# %% [markdown]
# Measured, the answer is more modest than "the location comes for free from the GAP head":
#
# - The **class-agnostic** map finds the digit nearly as often as the CAM, or more often
#   (printed above; the assert allows it at most 0.15 below the CAM). So the location
#   comes from the trained **features**: the network learned what digits look like, and its
#   channels respond most strongly on the digit, not on the decoy.
# - The **class weights** decide *whose* evidence the map shows. The CAM of the predicted class
#   peaks on the digit far more often than the CAM of a random other class, whose evidence
#   mostly sits outside the digit's box, and somewhat more often than the runner-up's, which
#   still peaks inside the box on most images (both asserted in the cell above).
#
# So on this task a CAM shows where the evidence *for the predicted class* sits, and that
# place is the digit; the features, not the class weights, do most of the finding. (Try a
# decoy that looks more like a digit, shuffled in 4x4 tiles instead of single pixels,
# `lesson.digits_with_decoy(..., tile=4)`, and compare the two maps again.)
#
# Each map is the CAM of the class the network *predicts*, right or wrong. Below, for each
# image the raw digit on top and the CAM over it underneath, green the true box and the cross
# the CAM's peak. The first four are hits on images the network classifies correctly; the last
# two are misses of the map on images the network *still classifies correctly*: the
# prediction is right, but the map's peak falls outside the box (look where).

# %% tags=["nbval-ignore-output"]
correct = result.predicted == test_set.labels
print(f"hits: {int(result.inside.sum())}, of which classified correctly: {int((result.inside & correct).sum())}; "
      f"misses: {int((~result.inside).sum())}, of which classified correctly: {int((~result.inside & correct).sum())}")
hits = (result.inside & correct).nonzero().flatten()[:4].tolist()
misses = (~result.inside & correct).nonzero().flatten()[:2].tolist()
assert len(hits) == 4 and len(misses) == 2  # enough of each to draw
fig = plot_cams(test_set.images, result.maps, test_set.boxes, result.peaks, test_set.labels,
                result.predicted, indices=hits + misses)
plt.show()

# %% [markdown]
# ### The same digits, larger
#
# Section 3 promised a measurement. Our network was trained on digits 8 pixels tall on a
# 24x24 canvas. GAP lets it run on any size, so show it the **same test images at twice the
# size** (48x48, upsampled), and **more canvas around digits of the same
# size** (new 32x32 images from `digits_with_decoy(..., canvas=32)`).
#
# **Predict first:** at twice the size, will the accuracy stay within 10 points of the
# held-out accuracy above? Write `True` or `False`. The cell after yours computes the
# accuracies without showing them; the one after that checks your prediction; the numbers
# come last.

# %%
prediction = ...  # True: it keeps its accuracy at twice the size; False: it does not

# %%
larger = F.interpolate(test_set.images, scale_factor=2, mode="bilinear", align_corners=False)  # (500, 1, 48, 48)
wider = lesson.digits_with_decoy(500, canvas=32, digit_size=8, seed=0, split="test")  # (500, 1, 32, 32)
with fixed_threads(1):
    accuracy_larger = evaluate(cam_net, (larger, test_set.labels))["accuracy"]
    accuracy_wider = evaluate(cam_net, wider)["accuracy"]

# %%
lesson.check_size_prediction(prediction, test_accuracy, accuracy_larger)

# %% [markdown]
# The accuracies:

# %% tags=["nbval-ignore-output"]
print(f"held-out accuracy, 24x24 canvas:           {test_accuracy:.3f}")
print(f"the same images at twice the size (48x48): {accuracy_larger:.3f}  (chance: {1 / 10:.2f})")
print(f"digits of the same size, 32x32 canvas:     {accuracy_wider:.3f}")
assert accuracy_larger < 0.3 and accuracy_wider > 0.9  # near chance (0.1) at twice the size

# %% [markdown]
# Every shape is right at 48x48, and the network answers close to chance level: its features
# were learned for strokes and digits of one scale. More canvas around digits of the trained
# size costs little (printed above): convolutions slide over any map, and GAP averages
# whatever comes out.
# So GAP makes a network *run* at any size, and it *performs* where the objects have the scale
# it was trained on. ImageNet networks depend on scale more mildly, but they do (Touvron et
# al. 2019, cited in section 3).
#
# ### Exercise 4 · Compute a class activation map yourself
#
# `features` is the last feature map of one held-out image, `(1, 32, 6, 6)`. Compute the CAM
# of class 3: a `(6, 6)` tensor, the sum over the 32 channels of `cam_net.fc.weight[3, k]`
# times channel `k`.

# %%
from resnet_teach.lessons.heads import check_cam

with torch.no_grad():
    features = cam_net.eval().forward_features(test_set.images[:1])  # (1, 32, 6, 6)
answer = ...  # a (6, 6) tensor
check_cam(answer, features, cam_net.fc, 3)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = torch.einsum("k,khw->hw", cam_net.fc.weight[3], features[0]).detach()
# ```
# Or without `einsum`: `(cam_net.fc.weight[3][:, None, None] * features[0]).sum(0)`. Its mean
# plus `cam_net.fc.bias[3]` is the network's logit for class 3 on this image.
# </details>

# %% [markdown]
# ## Summary
#
# - ResNet ends with global average pooling, a flatten of the 1x1 map, and fc: in ResNet-50,
#   `(N, 2048, 7, 7)` → `(N, 2048, 1, 1)` → `(N, 2048)` → `(N, 1000)`. The flatten moves no
#   number; the average does the work (blog post 000's question).
# - A Flatten head would need `Linear(512 * 7 * 7, 1000)`: 25,089,000 parameters in ResNet-18
#   against 513,000, and 100,353,000 against 2,049,000 in ResNet-50 (more than the whole
#   GAP network).
# - GAP lets the network *run* at any size: 160, 224, 320 and non-square inputs all give 1000
#   logits. Running is not performing: our digit network, shown its test images at twice the
#   size, falls close to chance (section 7). A Flatten head works only where the map has the
#   size it was built for (a narrow band of sides, exercise 2) and fails elsewhere with `mat1 and mat2 shapes cannot be
#   multiplied`; a map with the same number of positions in another layout even passes
#   silently. Blog post 001's fixed `AvgPool2d(7)` fails on maps smaller than 7x7 ("Output
#   size is too small"), runs on maps from 8x8 to 13x13 but averages only their top-left 7x7,
#   and fails again with the `mat1 and mat2` error once two windows fit.
# - Because GAP is a mean, `logit_c = mean(CAM_c) + b_c` with `CAM_c = sum_k w_ck A_k`: a
#   classifier trained only on labels shows where its evidence is. On digits with a decoy,
#   the CAM's peak fell inside the digit's box on at least 80% of held-out images, far above
#   chance and above a plain ink finder. A class-agnostic map (the plain sum of channels)
#   does nearly as well or better: the trained features find the digit, and the class weights choose
#   whose evidence the map shows (a random other class's CAM peaks on the digit far less
#   often).
#   Section 7 prints and asserts the numbers.
#
# **Next:** [07 · Why residual networks train](07_why_residual_networks_train.ipynb): shattered
# gradients, lesion studies, loss landscapes and pre-activation, measured. Or back to
# [00 · Start here](00_start_here.ipynb) for the map of the collection and the glossary, or
# [05 · The degradation problem](05_degradation.ipynb) to see why the blocks before this head
# are residual at all.
