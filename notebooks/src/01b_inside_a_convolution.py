# %% [markdown]
# # 01b · What a convolution computes
#
# **What you will learn**
# - what one output value of a convolution is: the window times the kernel, added up, worked
#   out by hand and checked against `F.conv2d`;
# - why a layer's weight is `[out, in, k, k]`: a bank of `out_channels` 3-D filters, each
#   spanning every input channel, plus one bias per output channel;
# - a widget that steps the window across the input and shows each sum as it is made;
# - why a 1x1 convolution is an `nn.Linear` applied at every pixel;
# - transposed convolution: its output size, "full" padding, and why it is the gradient of a
#   convolution;
# - non-square kernels, strides and paddings: the size formula once per axis, with an explorer.
#
# **Time on a laptop CPU:** about 25 minutes to read; the cells run in about 5 seconds.
#
# **Before this:** [01 · Convolution arithmetic you can slide](01_conv_arithmetic.ipynb) (the
# output-size formula `floor((n + 2p - d(k-1) - 1) / s) + 1`, which this notebook uses
# throughout). **Next:** [02 · Batch normalization](02_batch_norm.ipynb).
#
# Notebook 01 counted *where* a window fits; this one looks at *what* it computes there. Every
# number below is computed by the cell beside it and checked against a real PyTorch layer with an
# `assert`. Sliders are marked **Try it**; they need a running kernel.

# %%
import torch
import torch.nn.functional as F
from torch import nn

from resnet_teach import conv_output_size, conv_transpose_output_size
from resnet_teach.lessons import conv_compute, transposed
from resnet_teach.plots.stepping import draw_step
from resnet_teach.text import format_table

_ = torch.manual_seed(0)  # every random weight below is the same at every run

# %% [markdown]
# ## 1. What a convolution computes, not only its shape
#
# Notebook 01 counted windows. What goes *into* one output value? For one channel,
# stride 1 and no padding, it is d2l's `corr2d` (Zhang et al., *Dive into Deep Learning*,
# [section 7.2](https://d2l.ai/chapter_convolutional-neural-networks/conv-layer.html)): lay
# the kernel on the window, multiply elementwise, add up. (Strictly this is a
# cross-correlation; a convolution in the mathematical sense flips the kernel first. Deep
# learning libraries, PyTorch included, do not flip, and call it convolution anyway.)

# %%
x_small = conv_compute.small_input(5)  # (5, 5) small integers
edge = conv_compute.edge_kernel(3)  # (3, 3): -1, 0, 1 in every row
by_hand = conv_compute.corr2d(x_small, edge)  # (3, 3)
print(by_hand)
assert torch.equal(by_hand, F.conv2d(x_small.view(1, 1, 5, 5), edge.view(1, 1, 3, 3))[0, 0])

# %% [markdown]
# With several input channels, each output channel has one **3-D filter** spanning *all* input
# channels: `weight[o]` has shape `(in_channels, k, k)`. One output value is the sum over input
# channels of each channel's window times that channel's slice of the filter, **plus the bias**
# (one number per output channel). So a conv layer is a bank of `out_channels` 3-D filters,
# which is why its weight is `[out, in, k, k]`. One value worked out, for a layer of 3 input
# and 2 output channels with stride 2 and padding 1 (`formula` lists the three channels' sums):

# %%
small_ints = torch.Generator().manual_seed(0)  # small integers keep every sum exact
bank = nn.Conv2d(3, 2, kernel_size=3, stride=2, padding=1)
with torch.no_grad():
    bank.weight.copy_(torch.randint(-2, 3, (2, 3, 3, 3), generator=small_ints))  # (out, in, k, k)
    bank.bias.copy_(torch.tensor([1.0, -1.0]))
x_rgb = torch.randint(0, 5, (1, 3, 6, 6), generator=small_ints).float()  # (N, C, H, W)
one = conv_compute.output_value(bank, x_rgb, out_channel=1, row=1, col=2)
print("weight:", tuple(bank.weight.shape), "= 2 filters, each", tuple(bank.weight.shape[1:]))
print("output[1, 1, 2] =", one.formula(), "  nn.Conv2d says", one.torch_value)
assert len(one.per_channel) == bank.in_channels and one.value == one.torch_value
full = conv_compute.conv2d_by_hand(x_rgb[0], bank.weight.detach(), bank.bias.detach(), stride=2, padding=1)
assert torch.equal(full, bank(x_rgb)[0].detach())  # every value of every channel

# %% [markdown]
# ### Try it: the stepping convolution
#
# The view CNN Explainer ([Wang et al. 2020](https://poloclub.github.io/cnn-explainer/)) is
# loved for: move **step** (or press play) and the window walks across the input, row by row;
# the products of the window and the kernel appear, then their sum, which is the next output
# value. `n`, `k`, `s`, `p` change the input size, kernel size, stride and padding; every value
# is checked against `F.conv2d`.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.stepping import stepping_explorer

stepping_explorer()

# %% [markdown]
# Without a running kernel, here is one position of it: a 5x5 input, padding 1, stride 2, the
# fifth window.

# %%
state = conv_compute.stepping_state(size=5, kernel_size=3, stride=2, padding=1, step=4)
print(state.sum_text())
assert state.value == state.torch_output[state.row, state.col].item()
draw_step(state)

# %% [markdown]
# ### Exercise 1 · One output value by hand
#
# A layer with 2 input channels, one 2x2 filter and bias 1. Work out `out[0, 0, 0, 1]` (the
# window at row 0, column 1) by hand from the numbers below, then check.

# %%
from resnet_teach.lessons.conv_compute import check_filter_bank_params, check_one_output

exercise_conv, exercise_x = conv_compute.exercise_layer()
print("x, channel 0:\n", exercise_x[0, 0], "\nx, channel 1:\n", exercise_x[0, 1])
print("filter, channel 0:\n", exercise_conv.weight[0, 0].detach(), "\nfilter, channel 1:\n",
      exercise_conv.weight[0, 1].detach(), "\nbias:", exercise_conv.bias.item())
answer = ...  # a number
check_one_output(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = -1
# ```
# Channel 0's window is `[[2, 3], [5, 6]]`, times `[[1, 0], [0, -1]]`: `2 - 6 = -4`. Channel 1's
# window is `[[1, 0], [0, 2]]`, times `[[2, 1], [0, 0]]`: `2`. Then `-4 + 2 + 1 = -1`.
# `conv_compute.output_value(exercise_conv, exercise_x, 0, 0, 1)` shows the same steps.
# </details>
#
# ### Exercise 2 · A bank of filters
#
# How many weights (without the bias) does `nn.Conv2d(16, 32, kernel_size=3)` have?

# %%
answer = ...  # an int
check_filter_bank_params(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 32 * 16 * 3 * 3
# ```
# 32 filters, one per output channel, each spanning all 16 input channels with a 3x3 kernel.
# </details>
#
# ## 2. A 1x1 convolution is a Linear layer at every pixel
#
# With `k = 1` the window is a single pixel, so one output pixel is a weighted sum of the input
# channels *at that pixel*: exactly `nn.Linear(in_channels, out_channels)`, applied to every
# pixel with the same weights. Move the channels last, apply the Linear, move them back:

# %%
pointwise = nn.Conv2d(64, 16, kernel_size=1)
as_linear = conv_compute.pointwise_as_linear(pointwise)  # weight (16, 64, 1, 1) -> (16, 64)
features = torch.randn(2, 64, 7, 7)  # (N, C, H, W)
per_pixel = as_linear(features.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # (N, H, W, C) -> back
print("Linear:", as_linear, " weight", tuple(as_linear.weight.shape))
assert torch.allclose(per_pixel, pointwise(features), atol=1e-5)
print("1x1 conv == the same Linear at each of the", 7 * 7, "pixels: True")

# %% [markdown]
# It mixes channels and never looks at neighbours, so it costs `in · out` multiply-adds per
# pixel, a ninth of a 3x3 conv's. That is what makes the Bottleneck of notebook 03 cheap: its
# first 1x1 conv shrinks the channels 4-fold for the one 3x3, and its last 1x1 restores them.
#
# ## 3. Transposed convolution and "full" padding
#
# A transposed convolution (Dumoulin & Visin,
# [*A guide to convolution arithmetic for deep learning*](https://arxiv.org/abs/1603.07285),
# chapter 4) goes the other way: from a small map to a larger one, as in a segmentation
# network's decoder. Its output size is the convolution formula solved for the input:
#
# $$\mathrm{out} = (n-1)s - 2p + d(k-1) + \mathrm{output\_padding} + 1$$
#
# `conv_transpose_output_size` computes it; beside it, a real `nn.ConvTranspose2d`:

# %%
rows = transposed.transpose_size_rows([(5, 3, 2, 0, 0), (4, 3, 1, 0, 0), (4, 3, 2, 1, 1), (14, 3, 2, 1, 1)])
print(format_table(rows))
assert all(r["ours"] == r["nn.ConvTranspose2d"] for r in rows)
assert conv_transpose_output_size(conv_output_size(28, 3, 2, 1), 3, 2, 1, output_padding=1) == 28

# %% [markdown]
# Padding works backwards too: in a transposed conv `p` *crops* the output. With stride 1 and
# no padding, a transposed conv is an ordinary conv with **"full" padding** `k - 1` (every
# position where the kernel overlaps the input at all) and the kernel flipped:

# %%
full_pad = transposed.full_padding_equivalence(size=4, kernel_size=3)
print(full_pad["transposed"])
assert full_pad["equal"]

# %% [markdown]
# Where does the name come from? A convolution is a linear map `y = C x`; the transposed
# convolution is `Cᵀ`. And `Cᵀ` is exactly what backpropagation applies to the output's
# gradient to get the input's gradient. So **a transposed conv is the gradient of a conv**, with
# the same weight, stride and padding (and the `output_padding` that recovers the input's size,
# since a stride-2 conv maps both 7 and 8 pixels to 4). Asked of autograd:

# %%
for size in (7, 8):
    g = transposed.transpose_is_conv_gradient(size=size, kernel_size=3, stride=2, padding=1)
    print(f"x {g['x']} -> conv -> y {g['y']};  conv_transpose2d(grad, output_padding={g['output_padding']})"
          f" -> {g['transposed']}")
    assert g["transposed"] == g["x"] and g["max |difference|"] <= 1e-5 * max(1.0, g["scale"])
print("x.grad == conv_transpose2d(upstream gradient): True")

# %% [markdown]
# ### Exercise 3 · Upsampling by two
#
# `nn.ConvTranspose2d(c, c, kernel_size=4, stride=2, padding=1)` on a 7x7 map: how wide is
# the output?

# %%
answer = ...  # an int
transposed.check_transpose_size(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 14
# ```
# `(7-1)·2 - 2·1 + (4-1) + 0 + 1 = 14`: this kernel/stride/padding doubles any size.
# </details>
#
# ## 4. Non-square kernels, strides and paddings
#
# Every argument can be a pair `(height, width)`; the formula then runs once per axis, each
# with its own numbers. Blog post 003 uses a `(3, 5)` kernel; with padding `(1, 2)` it keeps the
# size, and a stride of `(1, 2)` halves only the width:

# %%
cases = [dict(kernel_size=(3, 5), padding=(1, 2)),
         dict(kernel_size=(3, 5), stride=(1, 2), padding=(1, 2)),
         dict(kernel_size=(1, 7), padding=(0, 3)), dict(kernel_size=(7, 1), stride=(2, 1))]
rows = transposed.non_square_rows((32, 48), cases)
print(format_table(rows))
assert all(r["ours (H, W)"] == r["PyTorch (H, W)"] for r in rows)
print(transposed.non_square_text((32, 48), (3, 5), stride=(1, 2), padding=(1, 2)))

# %% [markdown]
# ### Try it: the non-square explorer
#
# Height on the left, width on the right; the formula per axis beside PyTorch's answer.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.nonsquare import non_square_explorer

non_square_explorer()

# %% [markdown]
# ### Exercise 4 · A non-square layer
#
# `nn.Conv2d(c, c, kernel_size=(5, 3), stride=(2, 1), padding=(1, 1))` on a 40x30 input (height
# 40, width 30). What is the output's `(height, width)`?

# %%
answer = ...  # (height, width)
transposed.check_non_square_size(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = (19, 30)
# ```
# Height: `floor((40 + 2·1 - 5) / 2) + 1 = 19`. Width: `floor((30 + 2·1 - 3) / 1) + 1 = 30`.
# </details>

# %% [markdown]
# ## Summary
#
# * One output value = the sum over input channels of window × filter slice, plus the bias. A
#   conv layer is a bank of `out_channels` 3-D filters, so its weight is `[out, in, k, k]`.
#   (Deep learning's "convolution" is a cross-correlation: the kernel is not flipped.)
# * A 1x1 conv is a Linear at every pixel: it mixes channels and never looks at neighbours.
# * A transposed conv's size is `(n-1)s - 2p + d(k-1) + output_padding + 1`; it is the gradient
#   of a conv with the same weight, and at stride 1 a conv with "full" padding `k - 1` and the
#   kernel flipped.
# * Pairs `(height, width)` give a kernel, stride and padding per axis; the formula runs per axis.
#
# ## References
#
# - A. Zhang, Z. C. Lipton, M. Li, A. J. Smola, [*Dive into Deep
#   Learning*](https://d2l.ai/chapter_convolutional-neural-networks/conv-layer.html), section
#   7.2: `corr2d`, the cross-correlation a convolution layer computes.
# - Z. J. Wang et al., [CNN Explainer](https://poloclub.github.io/cnn-explainer/), 2020: the
#   stepping view this notebook's widget imitates.
# - V. Dumoulin, F. Visin, [A guide to convolution arithmetic for deep
#   learning](https://arxiv.org/abs/1603.07285), 2016: chapter 4, transposed convolution, its
#   output size and "full" padding.
# - K. He, X. Zhang, S. Ren, J. Sun, [Deep Residual Learning for Image
#   Recognition](https://arxiv.org/abs/1512.03385), 2015: the bottleneck block's 1x1
#   convolutions (section 4.1, "Deeper Bottleneck Architectures"; Figure 5).
# - PyTorch, [`nn.Conv2d`](https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html)
#   (the weight `[out, in/groups, kH, kW]`, pairs for every size argument) and
#   [`nn.ConvTranspose2d`](https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html)
#   (its output size, `output_padding`).
#
# **Next:** [02 · Batch normalization](02_batch_norm.ipynb).
