# %% [markdown]
# # 01 · Convolution arithmetic you can slide
#
# **What you will learn**
# - to predict the output size of a convolution or pooling layer,
#   `floor((n + 2p - d(k-1) - 1) / s) + 1`, and to check your prediction against PyTorch;
# - what `ceil_mode=True` changes in pooling, and the one window PyTorch then drops;
# - "valid" and "same" padding, and why a TensorFlow ResNet ported to PyTorch can be one pixel off;
# - the padding modes (填充模式) zeros, reflect, replicate and circular, and where each one stops working;
# - how stride (步幅) and dilation (空洞卷积) change what one output sees: the receptive field (感受野);
# - grouped convolutions (分组卷积), from dense to depthwise: weight shape, parameters, multiply-adds,
#   and the three ResNet arguments built on them (`groups`, `width_per_group`,
#   `replace_stride_with_dilation`).
#
# What a convolution computes inside each window (one value by hand, 1x1 and transposed
# convolutions, non-square kernels) is the next notebook,
# [01b · What a convolution computes](01b_inside_a_convolution.ipynb).
#
# **Time on a laptop CPU:** about 45 minutes to read; the cells run in about 15 seconds.
#
# **Before this:** [00 · Start here](00_start_here.ipynb). **Next:**
# [01b · What a convolution computes](01b_inside_a_convolution.ipynb).
#
# Every number below is computed by the cell beside it, and most cells check themselves against a
# real PyTorch layer with an `assert`. Sliders are marked **Try it**; they need a running kernel.

# %%
import html
import math
import textwrap

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from resnet_teach import (cifar_resnet, conv_output_size, effective_kernel_size, pool_output_size,
                          receptive_field, receptive_field_steps, resnet18, same_padding, scratch_pad)
from resnet_teach.lessons import conv as lesson
from resnet_teach.plots.conv import draw_padding, draw_windows
from resnet_teach.plots.conv_groups import draw_groups
from resnet_teach.plots.receptive_field import draw_receptive_fields

_ = torch.manual_seed(0)  # every random weight below is the same at every run

# %% [markdown]
# ## 1. Counting windows
#
# A convolution slides a small window (the kernel) over its input and produces one output per
# window position. So the output size is simply **the number of places the window fits**. Start in
# one dimension: an input of `n = 7` pixels and a kernel of `k = 3` pixels.

# %%
n, k = 7, 3
starts = list(range(0, n - k + 1))  # the first pixel of every window that fits
print("the window can start at", starts, "->", len(starts), "outputs")

conv = nn.Conv1d(in_channels=1, out_channels=1, kernel_size=k)
out = conv(torch.zeros(1, 1, n))  # (N, C, L) -> (N, C, L_out)
print("nn.Conv1d returns length", out.shape[-1])
assert out.shape[-1] == len(starts) == n - k + 1

# %% [markdown]
# Three knobs change that count:
#
# * **stride `s`**: the window jumps `s` pixels at a time, so only every `s`-th start is used;
# * **padding `p`**: `p` extra pixels on each side (zeros by default in a convolution; max pooling
#   pads differently, section 4), so the input is `n + 2p` long;
# * **dilation `d`**: the kernel's `k` taps are `d` pixels apart, so one window spans `d(k-1) + 1`
#   pixels (the *effective* kernel size).
#
# Counting by brute force, with all three. Beside the count: `conv_output_size`, the closed
# formula that the next section derives, and the length a real `nn.Conv1d` returns.

# %%
def count_windows(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Slide the window over the padded input and count the positions, one by one."""
    span = d * (k - 1) + 1  # pixels one window covers
    padded = n + 2 * p
    return len(range(0, padded - span + 1, s))  # starts 0, s, 2s, ... while the window fits


print(" n  k  s  p  d | counted  formula  PyTorch")
for n, k, s, p, d in [(7, 3, 1, 0, 1), (7, 3, 2, 0, 1), (7, 3, 2, 1, 1), (8, 3, 2, 1, 1),
                      (9, 3, 1, 0, 2), (224, 7, 2, 3, 1), (10, 4, 3, 2, 2)]:
    counted = count_windows(n, k, s, p, d)
    formula = conv_output_size(n, k, stride=s, padding=p, dilation=d)
    layer = nn.Conv1d(1, 1, kernel_size=k, stride=s, padding=p, dilation=d)
    pytorch = layer(torch.zeros(1, 1, n)).shape[-1]
    print(f"{n:>3} {k:>2} {s:>2} {p:>2} {d:>2} | {counted:>7} {formula:>8} {pytorch:>8}")
    assert counted == formula == pytorch

# %% [markdown]
# The count has a closed form. The last window must start at or before `n + 2p - (d(k-1) + 1)`,
# starts are `s` apart, and the first one is at 0:
#
# $$\text{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1$$
#
# The floor matters: when the stride does not divide evenly, the last few pixels are simply never
# covered by a window. `resnet_teach.lessons.conv.explain_output_size` fills the numbers in step by
# step and runs the real `nn.Conv2d` beside it:

# %%
print(lesson.explain_output_size(8, 3, stride=2, padding=1))

# %% [markdown]
# ## 2. Try it: the output-size explorer
#
# Move the sliders: `n` input size, `k` kernel size, `p` padding, `s` stride, `d` dilation. The
# widget shows the formula with your numbers, its result, and what a real PyTorch layer returns for
# the same settings. The drawing shows the padded input (white = padding, red box = the real
# input): in **2-D** the first window (orange) and the last (purple), with a dot where every window
# starts; in **1-D** one row per output, each with its window.
#
# Things to try: set `d = 2` and watch the window spread out; make the window wider than the
# padded input (a message appears, not a crash: see below); choose **max pool** and tick
# **ceil_mode**.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import output_size_explorer

explorer = output_size_explorer()
explorer

# %% [markdown]
# Without a running kernel the sliders above do not move, so here is the same drawing for their
# starting position, read from the widget itself: first one window per row, then in 2-D.

# %%
start = {name: explorer.controls[name].value for name in ("n", "k", "p", "s", "d", "layer", "ceil_mode")}
print("the explorer starts at", start)
layout = lesson.window_positions(start["n"], start["k"], stride=start["s"], padding=start["p"],
                                 dilation=start["d"], layer=start["layer"], ceil_mode=start["ceil_mode"])
print("window starts:", [w.start for w in layout.windows])  # position -1 is the left padding
draw_windows(layout, "1-D")

# %%
draw_windows(layout, "2-D")

# %% [markdown]
# A kernel wider than the padded input has nowhere to fit. The explorer does not crash on such
# a combination: it shows, as a message, the `ValueError` that `explain_output_size` raises, and
# that message quotes PyTorch refusing the same settings. Here it is for `n = 3, k = 7, p = 0`
# (the other sliders at their starting values):

# %%
too_wide = output_size_explorer(size=3, kernel_size=7, padding=0)
v = too_wide.values()
try:
    lesson.explain_output_size(v["n"], v["k"], stride=v["s"], padding=v["p"], dilation=v["d"],
                               layer=v["layer"], ceil_mode=v["ceil_mode"])
except ValueError as err:
    print(textwrap.fill(str(err), 100))
    assert html.escape(str(err)) in too_wide.text.value  # what the widget shows
assert 'class="rt-message"' in too_wide.text.value and 'class="rt-result"' not in too_wide.text.value

# %% [markdown]
# ## 3. ResNet's stem, and a garbled formula
#
# The ImageNet ResNets (ResNet-18 to ResNet-152, in the paper and in torchvision) start with a
# "stem": a 7×7 convolution with stride 2 and padding 3, then a 3×3 max pool with stride 2 and
# padding 1. The paper's CIFAR networks, made for 32×32 images, start with a single 3×3
# convolution and no max pool (notebook 04 compares the two). Both, read from resnet_teach's
# networks:

# %%
imagenet_net, cifar_net = resnet18(), cifar_resnet(20)
stem_conv, stem_pool = imagenet_net.conv1, imagenet_net.maxpool
print("ResNet-18 (ImageNet):", stem_conv)
print("                then", stem_pool)
print("ResNet-20 (CIFAR):   ", cifar_net.conv1)
print("     and max pools:", sum(isinstance(m, nn.MaxPool2d) for m in cifar_net.modules()))
assert stem_conv.kernel_size == (7, 7) and cifar_net.conv1.kernel_size == (3, 3)

# %% [markdown]
# For a 224×224 image, the ImageNet stem:

# %%
image = torch.zeros(1, 3, 224, 224)  # (N, C, H, W)
after_conv = stem_conv(image)  # (1, 64, 112, 112)
after_pool = stem_pool(after_conv)  # (1, 64, 56, 56)
print("after the conv:", tuple(after_conv.shape), "  after the pool:", tuple(after_pool.shape))
print(lesson.explain_output_size(224, 7, stride=2, padding=3).filled)
print(lesson.explain_output_size(112, 3, stride=2, padding=1, layer="max pool").filled)
assert after_conv.shape[-1] == conv_output_size(224, 7, 2, 3)
assert after_pool.shape[-1] == pool_output_size(after_conv.shape[-1], 3, 2, 1)

# %% [markdown]
# ### Spot the bug: the missing floor
#
# Blog post 002 gives the max-pooling size as `(Input Size − Kernel Size + 2×Padding)/2Stride + 1`,
# with the worked example `(112−3+2×1)/2+1=56`. Its own example divides by the stride once, so
# "2Stride" is almost certainly a typo for "/Stride": pooling windows are counted exactly like
# convolution windows. The real error is elsewhere: the post writes both formulas without the
# floor, and then neither of its own examples gives the number it states:

# %%
n, k, s, p = 112, 3, 2, 1
pool_example = (n - k + 2 * p) / s + 1  # the post's pooling example, computed as written
right = pool_output_size(n, k, stride=s, padding=p)
print(f"(112 - 3 + 2*1)/2 + 1 = {pool_example}; with the floor: {math.floor(pool_example)}; "
      f"MaxPool2d gives {right}")
assert math.floor(pool_example) == right == nn.MaxPool2d(k, s, p)(torch.zeros(1, 1, n, n)).shape[-1] != pool_example

no_floor = (224 - 7 + 2 * 3) / 2 + 1  # the post's convolution example, computed as written
print(f"(224 - 7 + 2*3)/2 + 1 = {no_floor}; with the floor: {math.floor(no_floor)}")
assert math.floor(no_floor) == conv_output_size(224, 7, stride=2, padding=3) != no_floor

# %% [markdown]
# Both examples leave a remainder (56.5 and 112.5), and PyTorch rounds **down**: a window that
# does not fit is not counted. The floor is the lesson.

# %% [markdown]
# ### Exercise 1 · The stem at 100×100
#
# A 100×100 image goes through the same stem (`Conv2d(3, 64, 7, stride=2, padding=3)`, then
# `MaxPool2d(3, stride=2, padding=1)`). What is the height after the convolution, and after the
# pool? Answer with a pair `(after_conv, after_pool)`, worked out by hand with the formula.

# %%
from resnet_teach.lessons.conv import check_stem_sizes

answer = ...  # (after_conv, after_pool)
check_stem_sizes(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = (50, 25)
# ```
# Put `n = 100, k = 7, p = 3, s = 2, d = 1` into the formula, then the conv's result with
# `k = 3, p = 1, s = 2` for the pool. Both divisions by the stride leave a remainder of 1 that the
# floor drops. `print(lesson.explain_output_size(100, 7, stride=2, padding=3))` shows every step.
# </details>

# %% [markdown]
# ## 4. Pooling and `ceil_mode`
#
# `nn.MaxPool2d` and `nn.AvgPool2d` count windows with the same formula (their `stride` defaults to
# the kernel size). With `ceil_mode=True` the division rounds **up** instead, so a last, partial
# window that hangs over the end is kept rather than dropped:

# %%
print(" n | floor  ceil   (MaxPool2d(2), measured)")
for n in range(4, 10):
    floor_out = nn.MaxPool2d(2)(torch.zeros(1, 1, n, n)).shape[-1]
    ceil_out = nn.MaxPool2d(2, ceil_mode=True)(torch.zeros(1, 1, n, n)).shape[-1]
    print(f"{n:>2} | {floor_out:>5} {ceil_out:>5}")
    assert (floor_out, ceil_out) == (pool_output_size(n, 2), pool_output_size(n, 2, ceil_mode=True))

# %% [markdown]
# The window that `ceil_mode` adds for `n = 7` hangs past the input (pink: nothing there at all;
# its tap there is dark red).
# Max pooling ignores those positions. Average pooling divides by the number of positions that lie
# inside the input *or its padding*; here there is no padding, so it divides by the one real pixel:

# %%
values_1_to_7 = torch.arange(1.0, 8.0).view(1, 1, 7)  # (N, C, L)
max_out = nn.MaxPool1d(2, ceil_mode=True)(values_1_to_7)
avg_out = nn.AvgPool1d(2, ceil_mode=True)(values_1_to_7)
print("max pool:", max_out.flatten().tolist(), "  avg pool:", avg_out.flatten().tolist())
assert max_out[0, 0, -1] == avg_out[0, 0, -1] == values_1_to_7[0, 0, -1]  # one real pixel in the last window
draw_windows(lesson.window_positions(7, 2, stride=2, layer="max pool", ceil_mode=True), "1-D")

# %% [markdown]
# With padding, average pooling counts the padded zeros too (`count_include_pad=True` is the
# default), so a window at the border is pulled towards 0. `count_include_pad=False` divides by
# the real pixels only:

# %%
counted = nn.AvgPool1d(3, stride=2, padding=1)(values_1_to_7)  # first window: [pad, 1, 2]
real_only = nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)(values_1_to_7)
print("count_include_pad=True: ", [round(v, 3) for v in counted.flatten().tolist()])
print("count_include_pad=False:", [round(v, 3) for v in real_only.flatten().tolist()])
assert counted[0, 0, 0] == (0 + 1 + 2) / 3 and real_only[0, 0, 0] == (1 + 2) / 2

# %% [markdown]
# ### Exercise 2 · Predict, then run: max pooling with padding
#
# Convolution pads with zeros by default. What does max pooling pad with? Predict the output of
# `nn.MaxPool1d(kernel_size=3, stride=2, padding=1)` on the five values
# `[-5, -4, -3, -2, -1]`, as a list; then run the cell after the checker and see.

# %%
from resnet_teach.lessons.conv import check_maxpool_padding

answer = ...  # a list of numbers
check_maxpool_padding(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = [-4, -2, -1]
# ```
# Three windows, starting at positions −1, 1 and 3: `[pad, -5, -4]`, `[-4, -3, -2]`,
# `[-2, -1, pad]`. The padding never wins the maximum.
# </details>
#
# Now run it. Max pooling pads with **−∞**, so a padded position can never win the maximum, and
# negative inputs stay negative. (With zero padding, the first window `[0, -5, -4]` would return
# 0, a value that is not in the input.) Average pooling pads with zeros, as the cell above
# showed. And pooling padding may be **at most half the kernel**, `p ≤ k // 2`: with more, the
# first window would sit more than half in the padding (and, for odd k, `k // 2` is already
# enough to keep the size at stride 1). PyTorch checks:

# %%
negatives = torch.tensor([[[-5.0, -4.0, -3.0, -2.0, -1.0]]])  # (N, C, L)
pooled = nn.MaxPool1d(kernel_size=3, stride=2, padding=1)(negatives)
print("MaxPool1d(3, stride=2, padding=1):", pooled.flatten().tolist())
as_if_minus_inf = F.max_pool1d(F.pad(negatives, (1, 1), value=-math.inf), 3, stride=2)
as_if_zeros = F.max_pool1d(F.pad(negatives, (1, 1), value=0.0), 3, stride=2)
print("padded with -inf by hand:", as_if_minus_inf.flatten().tolist(),
      "  padded with zeros by hand:", as_if_zeros.flatten().tolist())
assert torch.equal(pooled, as_if_minus_inf) and not torch.equal(pooled, as_if_zeros)
for k, p in [(3, 1), (3, 2), (4, 2)]:
    try:
        nn.MaxPool1d(k, stride=1, padding=p)(negatives)
        print(f"kernel {k}, padding {p}: fine (k // 2 = {k // 2})")
    except RuntimeError as err:
        print(f"kernel {k}, padding {p}:", str(err).splitlines()[0])
        assert p > k // 2

# %% [markdown]
# There is one more rule, and it is easy to miss: PyTorch **drops a last window that would start
# in the right padding**, since it would see no real pixel. Then `ceil_mode=True` gives one window
# fewer than the rounded-up formula:

# %%
e = lesson.explain_output_size(8, 3, stride=3, padding=1, layer="max pool", ceil_mode=True)
print(e)
assert e.agrees and e.result < math.ceil((8 + 2 * 1 - 3) / 3) + 1

# %% [markdown]
# ### Exercise 3 · A window that would start in the padding
#
# `nn.MaxPool2d(kernel_size=3, stride=3, padding=1, ceil_mode=True)` on an input 5 pixels wide:
# how wide is the output?

# %%
from resnet_teach.lessons.conv import check_ceil_mode_pool

answer = ...  # an int
check_ceil_mode_pool(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 2
# ```
# Rounding up gives one window more, but that last window would start at position `2·3 - 1`, past
# the last real pixel, inside the right padding, so PyTorch drops it.
# `print(lesson.explain_output_size(5, 3, stride=3, padding=1, layer="max pool", ceil_mode=True))`
# shows the steps.
# </details>

# %% [markdown]
# ## 5. "Valid", "same", and TensorFlow's "same"
#
# PyTorch accepts two padding words. `padding="valid"` means no padding. `padding="same"` pads so
# that the output has the input's size, which only works with stride 1. (Blog post 003 says that
# TensorFlow offers padding modes like same and valid while PyTorch "需要手动输入", needs the
# padding typed in by hand. That was true before PyTorch 1.9, which added both words to
# `nn.Conv1d/2d/3d`; the cell below runs them.)

# %%
zeros_10x10 = torch.zeros(1, 1, 10, 10)  # (N, C, H, W)
for k, d in [(3, 1), (5, 1), (3, 2)]:
    valid = nn.Conv2d(1, 1, k, padding="valid", dilation=d)(zeros_10x10).shape[-1]
    same = nn.Conv2d(1, 1, k, padding="same", dilation=d)(zeros_10x10).shape[-1]
    print(f"k={k}, d={d}: valid -> {valid}, same -> {same}")
    assert valid == conv_output_size(10, k, dilation=d) and same == 10

try:
    nn.Conv2d(1, 1, 3, stride=2, padding="same")
except ValueError as err:
    print("stride 2 with padding='same':", err)

# %% [markdown]
# `padding="same"` pads `d(k-1)` pixels in total. When that total is even it splits evenly.
# When `d(k-1)` is odd (an even kernel with an odd dilation) it cannot, and PyTorch puts the
# extra pixel at the end (right, bottom), as TensorFlow does. A 4-tap kernel needs 3 pixels
# of padding; with dilation 2 the same kernel needs 6, and gets 3 on each side. (With the default zeros, PyTorch
# also prints a warning that it must make a padded copy of the input; to keep this page free of
# warnings we watch it with `padding_mode="replicate"`, which PyTorch pads the same way, and
# `tests/test_lesson_conv.py` checks the zeros case.)

# %%
signal_1_to_8 = torch.arange(1.0, 9.0).view(1, 1, 8)  # (N, C, L)
even = nn.Conv1d(1, 1, kernel_size=4, padding="same", padding_mode="replicate", bias=False)
with torch.no_grad():
    same_out = even(signal_1_to_8)
    right_heavy = F.conv1d(F.pad(signal_1_to_8, (1, 2), mode="replicate"), even.weight)  # 1 left, 2 right
    left_heavy = F.conv1d(F.pad(signal_1_to_8, (2, 1), mode="replicate"), even.weight)  # 2 left, 1 right
print("k=4, padding='same' pads (1, 2):", torch.allclose(same_out, right_heavy),
      "  pads (2, 1):", torch.allclose(same_out, left_heavy))
assert torch.allclose(same_out, right_heavy) and not torch.allclose(same_out, left_heavy)
dilated_even = nn.Conv1d(1, 1, kernel_size=4, dilation=2, padding="same", padding_mode="replicate", bias=False)
with torch.no_grad():
    even_split = F.conv1d(F.pad(signal_1_to_8, (3, 3), mode="replicate"), dilated_even.weight, dilation=2)
    dilated_ok = torch.allclose(dilated_even(signal_1_to_8), even_split)
print("k=4, d=2, padding='same' pads (3, 3):", dilated_ok)
assert dilated_ok

# %% [markdown]
# TensorFlow/Keras also has `padding='same'`, and it **does** work with stride 2: it aims for
# `ceil(n / s)` outputs and pads whatever that needs. When the total is odd, TensorFlow puts the
# extra pixel at the **end** (bottom/right). A PyTorch integer `padding` is always the same on both
# sides, and ResNet's layers use integer padding. `resnet_teach.same_padding` computes
# TensorFlow's `(before, after)`:

# %%
print("  n  k  s | TF (before, after)   PyTorch's usual padding")
for n, k, s, torch_pad in [(224, 7, 2, 3), (112, 3, 2, 1), (56, 1, 2, 0), (7, 3, 2, 1), (32, 3, 1, 1)]:
    tf_pad = same_padding(n, k, s)
    tf_out = conv_output_size(n + sum(tf_pad), k, s)
    print(f"{n:>3} {k:>2} {s:>2} | {str(tf_pad):>18}   {(torch_pad, torch_pad)}"
          f"   outputs: TF {tf_out}, PyTorch {conv_output_size(n, k, s, torch_pad)}")
    assert tf_out == math.ceil(n / s)

# %% [markdown]
# Both give the same output *size* for ResNet's stem, yet not the same output. Blog post 004
# builds a ResNet in Keras with `padding='same'`, and with stride 2 in the first convolution of
# a downsampling block ("通过padding='same'自动填充输入图像,让输出size等于一半的输入size": 'same'
# pads the input automatically so that the output is half the input). The post never mentions
# PyTorch. But port its model to PyTorch with the usual integer `padding`, and for even input
# sizes (which is every ResNet stage at 224×224) every stride-2 window of a 3×3 or 7×7 kernel
# moves by a pixel; the 1×1 stride-2 shortcuts need no padding and are unaffected (the table
# above shows both, and an odd size such as 7 where the two agree). A kernel `[0, 1, 0]` copies the pixel under its centre, so the output
# says exactly where each window sits. The input holds the values 1 to 8:

# %%
copy_centre = torch.tensor([[[0.0, 1.0, 0.0]]])  # (out, in, k)
before, after = same_padding(8, 3, 2)
tf_result = F.conv1d(F.pad(signal_1_to_8, (before, after)), copy_centre, stride=2)
torch_result = F.conv1d(signal_1_to_8, copy_centre, stride=2, padding=1)
print(f"TensorFlow 'same', pads {(before, after)}:", tf_result.flatten().tolist())
print("PyTorch padding=1,  pads (1, 1):", torch_result.flatten().tolist())
assert torch.equal(tf_result, torch_result + 1)  # every TF window sits one pixel further right

# %% [markdown]
# In 2-D the same happens along both axes. Take the stem's 7×7 stride-2 kernel on a real photograph
# (`china.jpg`, shipped with scikit-learn: `sklearn.datasets.load_sample_image`): the TensorFlow result equals PyTorch's
# symmetric padding applied to the image **shifted by one pixel**, not to the image itself. To port
# TF weights faithfully, pad explicitly with `F.pad` and use `padding=0`. (Padding is one of
# several things a port must convert: notebook [02](02_batch_norm.ipynb), section 12, ports a
# Keras convolution + BatchNormalization completely, checked against `keras_forward`, our
# hand-written model of Keras's inference arithmetic; no Keras is run.)

# %%
photo = lesson.small_photo()  # (1, 1, 48, 72), gray, in [0, 1]
weight = torch.randn(4, 1, 7, 7, generator=torch.Generator().manual_seed(0))  # (out, in, kH, kW)
(top, bottom), (left, right) = same_padding(tuple(photo.shape[-2:]), 7, 2)
tf_out = F.conv2d(F.pad(photo, (left, right, top, bottom)), weight, stride=2)
torch_out = F.conv2d(photo, weight, stride=2, padding=3)
shifted = F.conv2d(F.pad(photo, (3, 3, 3, 3))[..., 1:, 1:], weight, stride=2)  # drop a row and a column
print("TF pads (top, bottom, left, right) =", (top, bottom, left, right), "; PyTorch pads 3 everywhere")
print("shapes:", tuple(tf_out.shape), tuple(torch_out.shape))
print(f"largest difference TF vs PyTorch padding=3:  {(tf_out - torch_out).abs().max():.2f}")
print(f"largest difference TF vs shifted by a pixel: {(tf_out - shifted).abs().max():.2f}")
assert tf_out.shape == torch_out.shape and not torch.allclose(tf_out, torch_out)
assert torch.allclose(tf_out, shifted, atol=1e-5)

# %% [markdown]
# ### Exercise 4 · TensorFlow's padding
#
# A 5×5 convolution with stride 2 and `padding='same'` in TensorFlow, on an input 8 pixels wide.
# How many pixels does TensorFlow pad on the left and on the right? Answer `(left, right)`.

# %%
from resnet_teach.lessons.conv import check_tf_same_padding

answer = ...  # (left, right)
check_tf_same_padding(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = (1, 2)
# ```
# TensorFlow wants `ceil(8 / 2) = 4` outputs. Four windows of 5 pixels, 2 apart, span
# `3·2 + 5 = 11` pixels, three more than the input has: three pixels of padding in total, and
# TensorFlow puts the odd pixel on the right. PyTorch's `padding=2` would pad (2, 2).
# `same_padding(8, 5, 2)` computes it.
# </details>

# %% [markdown]
# ## 6. Padding modes
#
# Padding need not be zeros. `nn.Conv2d(..., padding_mode=...)` offers four modes; the function
# `F.pad` offers the same under slightly different names (`'constant'` for zeros). On the 4×4
# matrix 1..16, where every border value is different, each mode shows what it copies:

# %%
matrix = lesson.matrix_1_to_16()  # (1, 1, 4, 4)
modes = ["zeros", "reflect", "replicate", "circular"]
padded = [lesson.pad_with_mode(matrix, 1, mode) for mode in modes]
for r in padded:
    print(f"{r.mode:>9}: {r.call}")
    assert r.scratch_matches and r.conv_matches  # F.pad == resnet_teach.scratch_pad == nn.Conv2d's padding
print(padded[1].padded[0, 0].int())  # reflect
draw_padding(padded)

# %% [markdown]
# * **zeros** puts 0 all around.
# * **reflect** mirrors around the edge pixel *without repeating it*: above row 0 comes row 1.
# * **replicate** repeats the edge pixel: above row 0 comes row 0 again.
# * **circular** wraps around as if the image tiled the plane: above row 0 comes the last row.
#
# The checks, row above the matrix against the matrix's own rows:

# %%
above = {r.mode: r.padded[0, 0, 0, 1:5] for r in padded}  # the padded row above row 0
assert torch.equal(above["zeros"], torch.zeros(4))
assert torch.equal(above["reflect"], matrix[0, 0, 1])
assert torch.equal(above["replicate"], matrix[0, 0, 0])
assert torch.equal(above["circular"], matrix[0, 0, 3])
print("reflect copies row 1, replicate row 0, circular row 3:", above["reflect"].tolist(),
      above["replicate"].tolist(), above["circular"].tolist())

# %% [markdown]
# Reflection needs `pad + 1` pixels to mirror, so it requires `pad < size`; circular wraps at most
# once, so `pad <= size`. Both resnet_teach and PyTorch refuse beyond that:

# %%
for mode, pad in [("reflect", 3), ("reflect", 4), ("circular", 4), ("circular", 5), ("replicate", 9)]:
    try:
        shape = tuple(lesson.pad_with_mode(matrix, pad, mode).padded.shape)
        print(f"{mode}, pad {pad}: fine, shape {shape}")
    except ValueError as err:  # wrapped to a readable width
        print(textwrap.fill(f"{mode}, pad {pad}: {err}", 100, subsequent_indent="    "))

# %% [markdown]
# On a photograph the modes look quite different at the border. Zeros draw a black frame (a
# network sees a strong edge there); reflect and circular continue the picture; replicate smears
# the edge pixels outwards. The photo is 48 pixels high, so reflection stops at a pad of 48:

# %%
print("photo:", tuple(photo.shape))
photo_padded = [lesson.pad_with_mode(photo, 24, mode) for mode in modes]
assert all(r.scratch_matches and r.conv_matches for r in photo_padded)
try:
    F.pad(photo, (48, 48, 48, 48), mode="reflect")
except RuntimeError as err:
    print(textwrap.fill(f"F.pad with reflect, pad 48: {str(err).splitlines()[0]}", 100,
                        subsequent_indent="    "))
draw_padding(photo_padded, photo=True, cell=2)

# %% [markdown]
# ### Spot the bug: the layer that was never defined
#
# Blog post 003 demonstrates the padding modes by copying one cell three times. It builds the
# replicate and circular layers under the name of the *reflect* layer, then calls layers named
# after replicate and circular, which were never defined (and the input it pads is never defined in
# the post either). Python stops at once. Here is the pattern in two lines of our own:

# %% tags=["raises-exception"]
layer_reflect = nn.Conv2d(1, 1, kernel_size=1, padding=1, padding_mode="replicate", bias=False)
layer_replicate(matrix)  # NameError: this name was never assigned

# %% [markdown]
# Copy-pasted names drift apart. A dictionary keyed by the mode builds each layer once, and the
# name of the layer *is* its mode. A 1×1 kernel of weight 1 copies its input, so each output is
# exactly the padded input:

# %%
layers = {mode: nn.Conv2d(1, 1, kernel_size=1, padding=1, padding_mode=mode, bias=False) for mode in modes}
for layer in layers.values():
    nn.init.ones_(layer.weight)
with torch.no_grad():
    outputs = {mode: layer(matrix) for mode, layer in layers.items()}  # each (1, 1, 6, 6)
for mode, out in outputs.items():
    same = torch.equal(out, F.pad(matrix, (1, 1, 1, 1), mode=lesson.torch_pad_mode(mode)))
    print(f"{mode:>9}: same as F.pad: {same}")
    assert same and torch.equal(out, scratch_pad(matrix, 1, mode))

# %% [markdown]
# ### Try it: the padding-mode explorer
#
# Pick a mode and a pad width, on the matrix or on the photo. Push the pad past the input's size
# with reflect or circular to see the limit.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import padding_mode_explorer

padding_mode_explorer()

# %% [markdown]
# ## 7. Stride, dilation and the receptive field
#
# A dilated kernel has `k` taps spread over `d(k-1) + 1` pixels: it sees as wide as a bigger kernel,
# with the weights of a small one. A dilated 3-tap kernel gives the same output size as a dense
# kernel of its effective size:

# %%
zeros_15x15 = torch.zeros(1, 1, 15, 15)  # (N, C, H, W)
for d in range(1, 5):
    span = effective_kernel_size(3, dilation=d)
    dilated = nn.Conv2d(1, 1, 3, dilation=d)
    wide = nn.Conv2d(1, 1, span)
    print(f"d={d}: effective kernel {span}, output {dilated(zeros_15x15).shape[-1]}, "
          f"weights {dilated.weight.numel()} (a dense {span}x{span} kernel has {wide.weight.numel()})")
    assert dilated(zeros_15x15).shape == wide(zeros_15x15).shape
draw_windows(lesson.window_positions(9, 3, dilation=2), "1-D")

# %% [markdown]
# The **receptive field** of an output is the stretch of input pixels it depends on. Each layer adds
# `d(k-1)` times the current *jump*, the distance in input pixels between neighbouring outputs, and
# a stride multiplies the jump. Three stacks of six 3×3 layers:
#
# * plain, stride 1: the field grows by 2 per layer;
# * stride 2 in every layer: it grows fast, but the map halves each time;
# * stride 1 with dilation 1, 2, 4, 8, ...: exactly as fast as striding (the same numbers, so the
#   plot draws one line for both and says so in its legend), at full resolution.
#
# `receptive_field_steps` computes the field with the formula; `measured_receptive_field` builds the
# stack in PyTorch and finds which input pixels get a gradient from one output.

# %%
stacks = {
    "3x3, stride 1": [(3, 1, 1)] * 6,
    "3x3, stride 2": [(3, 2, 1)] * 6,
    "3x3, dilation 1, 2, 4, ...": [(3, 1, 2 ** i) for i in range(6)],
}
fields = {}
for name, stack in stacks.items():
    fields[name] = [row["receptive_field"] for row in receptive_field_steps(stack)]
    measured = [lesson.measured_receptive_field(stack[:i + 1]) for i in range(len(stack))]
    assert measured == fields[name]
    # the map size after the stack, on a 64-pixel input ('same'-style padding of d per layer)
    size = 64
    for k, s, d in stack:
        size = conv_output_size(size, k, stride=s, padding=d, dilation=d)
    print(f"{name:<28} fields {fields[name]}, a 64-pixel map ends at {size}")
assert fields["3x3, stride 2"] == fields["3x3, dilation 1, 2, 4, ..."]
draw_receptive_fields(fields)
plt.show()

# %% [markdown]
# ResNet's stem alone already sees a patch wider than its 7×7 kernel, because the max pool looks at
# several neighbouring conv outputs, and the conv's stride puts those outputs apart in the image:

# %%
stem_layers = [stem_conv, stem_pool]
conv_step, stem_step = receptive_field_steps(stem_layers)
print(f"the max pool reads {stem_pool.kernel_size} conv outputs in a row, "
      f"{conv_step['jump']} input pixels apart")
print(f"stem receptive field: {stem_step['receptive_field']} pixels "
      f"(the conv's {conv_step['receptive_field']} + {stem_pool.kernel_size - 1}·{conv_step['jump']}); "
      f"jump after the stem: {stem_step['jump']} pixels")
assert stem_step["receptive_field"] == receptive_field(stem_layers)
assert receptive_field(stem_layers) == lesson.measured_receptive_field([(7, 2), (3, 2)])

# %% [markdown]
# ### Exercise 5 · A dilated stack
#
# Three 3×3 convolutions with stride 1 and dilations 1, 3 and 9, one after the other. How many
# input pixels wide is the receptive field of one output?

# %%
from resnet_teach.lessons.conv import check_dilated_receptive_field

answer = ...  # an int
check_dilated_receptive_field(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 27
# ```
# Start from one pixel; with stride 1 the jump stays 1, and each layer adds `d·(k-1)`:
# `1 + 1·2 + 3·2 + 9·2`.
# </details>

# %% [markdown]
# ## 8. Groups: from dense to depthwise
#
# Normally every output channel looks at every input channel. With `groups=g`, the input channels
# and the output channels are split into `g` groups, and each output channel only sees the
# `in/g` input channels of its own group. The weight shrinks to `[out, in/g, kH, kW]`. Here are
# the four possible groupings of a 6-in, 6-out, 1×1 convolution:

# %%
for g in lesson.divisors(6):
    conv = nn.Conv2d(in_channels=6, out_channels=6, kernel_size=1, groups=g)
    print(f"groups={g}: weight {tuple(conv.weight.shape)}")
    assert tuple(conv.weight.shape) == (6, 6 // g, 1, 1)

# %% [markdown]
# Now a convolution of ResNet-18's first stage: 64 channels in and out, 3×3, on the 56×56 map the
# stem leaves, and no bias (`bias=False`: the BatchNorm that follows has its own shift). For every
# valid `groups`, from dense (1) to depthwise (64), the parameters and the multiply-adds divide
# by `g`.
#
# A multiply-add is one multiplication plus one addition, the basic step of a convolution: each
# weight is used once per output position. Papers often give a network's cost in "FLOPs"; what
# the ResNet paper counts under that name are these multiply-adds (notebook 04 sets our counts
# beside its table).

# %%
first_stage_conv = imagenet_net.layer1[0].conv1
stage1_size = after_pool.shape[-1]  # the map after the stem, from section 3
print("ResNet-18's layer1[0].conv1:", first_stage_conv, f"on a {stage1_size}x{stage1_size} map")
print("groups  kind        weight              params   multiply-adds")
table = lesson.groups_table(64, kernel_size=3, size=stage1_size, bias=False)
for f in table:
    print(f"{f.groups:>6}  {f.kind:<10}  {str(f.weight_shape):<18} {f.parameters:>7,} {f.macs:>15,}")
    assert f.parameters == f.formula_parameters
    assert f.macs == stage1_size ** 2 * f.parameters  # one multiply-add per weight per output position
    assert f.parameters * f.groups == f.dense_parameters and f.macs * f.groups == f.dense_macs
assert table[0].parameters == sum(p.numel() for p in first_stage_conv.parameters())  # the real layer

# %% [markdown]
# The picture: a coloured cell means "this output channel reads this input channel", one colour per
# group (16 channels, so the cells are big enough to see):

# %%
draw_groups([lesson.groups_facts(16, 16, g) for g in (1, 2, 4, 16)])

# %% [markdown]
# Both channel counts must divide by `groups`, or the channels cannot be split evenly. PyTorch checks
# in_channels first, then out_channels:

# %%
for i, o, g in [(64, 64, 3), (6, 4, 3)]:
    try:
        nn.Conv2d(i, o, 3, groups=g)
    except ValueError as err:
        print(f"nn.Conv2d({i}, {o}, 3, groups={g}): {err}")
    try:
        lesson.groups_facts(i, o, g)
    except ValueError as err:
        print(textwrap.fill("resnet_teach says: " + str(err).split(". PyTorch")[0], 100,
                            initial_indent="  ", subsequent_indent="    "))

# %% [markdown]
# ### Try it: the groups explorer
#
# Things to try: set in_channels = 6, out_channels = 4, groups = 3: 4 channels cannot be split
# into 3 groups, and the explorer says so; then set out_channels = 6 (two input channels per
# group). Set groups = in_channels = out_channels (depthwise: each output channel reads one input
# channel) and compare the parameter count with groups = 1.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import groups_explorer

groups_explorer()

# %% [markdown]
# ### groups, width_per_group, replace_stride_with_dilation: three ResNet arguments
#
# Blog post 003 prints torchvision's `ResNet.__init__` with a docstring of its own, in Chinese
# (torchvision's `__init__` has none), and that docstring leaves out four of the signature's
# arguments: `groups`, `width_per_group`, `replace_stride_with_dilation` and `norm_layer`. The
# first three are this section's groups and section 7's dilation (`norm_layer` picks the
# normalization layer, `nn.BatchNorm2d` by default). resnet_teach's ResNet takes the same
# arguments. `groups=32, width_per_group=4` turns ResNet-50 into ResNeXt-50 (32×4d): every
# Bottleneck's 3×3 convolution becomes a grouped one, and the bottleneck's inner width becomes
# 128 in `layer1` instead of 64 (the 1×1 convolutions around the 3×3 one follow it). `replace_stride_with_dilation` removes a stage's stride 2 and gives the 3×3
# convolutions of its later blocks dilation 2 instead, so the map stops shrinking while the
# receptive field keeps growing (torchvision's segmentation models use it):

# %%
import torchvision

from resnet_teach import resnet50

resnext = resnet50(groups=32, width_per_group=4)
print("ResNeXt-50 32x4d, layer1[0].conv2:", resnext.layer1[0].conv2)
reference = torchvision.models.resnext50_32x4d()
print(f"parameters: ours {sum(p.numel() for p in resnext.parameters()):,}, "
      f"torchvision's resnext50_32x4d {sum(p.numel() for p in reference.parameters()):,}")
assert resnext.layer1[0].conv2.groups == 32
assert sum(p.numel() for p in resnext.parameters()) == sum(p.numel() for p in reference.parameters())

dilated = resnet50(replace_stride_with_dilation=[False, False, True])
print("layer4[1].conv2 with replace_stride_with_dilation:", dilated.layer4[1].conv2)
with torch.no_grad():
    x64 = torch.zeros(1, 3, 64, 64)  # (N, C, H, W): a small input keeps this cell fast
    plain_map = resnext.eval().forward_features(x64).shape[-1]  # ResNeXt keeps ResNet-50's strides
    dilated_map = dilated.eval().forward_features(x64).shape[-1]
print(f"layer4's map for a 64x64 input: {plain_map}x{plain_map} with stride 2, "
      f"{dilated_map}x{dilated_map} with dilation 2")
assert dilated_map == 2 * plain_map
assert dilated.layer4[1].conv2.padding == dilated.layer4[1].conv2.dilation == (2, 2)  # 'same' size

# %% [markdown]
# ### Exercise 6 · Parameters of a grouped convolution
#
# How many parameters does `nn.Conv2d(64, 128, kernel_size=3, groups=4, bias=False)` have?

# %%
from resnet_teach.lessons.conv import check_groups_parameters

answer = ...  # an int
check_groups_parameters(answer)

# %% [markdown]
# <details><summary>Show solution</summary>
#
# ```python
# answer = 128 * (64 // 4) * 3 * 3
# ```
# The weight is `[out, in/groups, k, k] = [128, 16, 3, 3]`, and there is no bias.
# </details>

# %% [markdown]
# ## Summary
#
# * Output size = number of window positions: `floor((n + 2p - d(k-1) - 1) / s) + 1`, for
#   convolution and pooling alike. The floor drops pixels no window reaches.
# * Pooling with `ceil_mode=True` rounds up, but PyTorch drops a last window that would start in the
#   right padding. Max pooling pads with −∞ (average pooling with zeros), and pooling padding
#   must be at most `k // 2`.
# * An integer `padding` pads both sides equally. `padding="same"` only works with stride 1, and
#   when its total `d(k-1)` is odd (an even kernel) PyTorch puts the extra pixel at the end.
#   TensorFlow's `'same'` also works at stride 2 and then puts the odd pixel at the end too, so a
#   ported model with ResNet's integer padding must pad explicitly with `F.pad` or be one pixel
#   off.
# * Padding modes: zeros, reflect (mirror, `pad < size`), replicate (repeat the edge), circular
#   (wrap, `pad <= size`). `F.pad`, `nn.Conv2d(padding_mode=...)` and `scratch_pad` agree.
# * Dilation spreads `k` taps over `d(k-1) + 1` pixels; stacking dilations 1, 2, 4, ... grows the
#   receptive field as fast as striding, without shrinking the map.
# * `groups=g` splits the channels: weight `[out, in/g, k, k]`, parameters and multiply-adds divided
#   by `g`; depthwise is `groups = in_channels`. Both channel counts must divide by `g`. The
#   ResNet paper's "FLOPs" are multiply-adds. torchvision's ResNet arguments `groups` and
#   `width_per_group` make a ResNeXt; `replace_stride_with_dilation` trades a stage's stride for
#   dilation.
#
# ## References
#
# - V. Dumoulin, F. Visin, [A guide to convolution arithmetic for deep
#   learning](https://arxiv.org/abs/1603.07285), 2016: the output-size relationships (chapter 2
#   for convolutions, chapter 3 for pooling, section 5.1 for dilated convolutions) and the
#   window drawings this notebook imitates.
# - K. He, X. Zhang, S. Ren, J. Sun, [Deep Residual Learning for Image
#   Recognition](https://arxiv.org/abs/1512.03385), 2015: Table 1 (the stem: 7×7 conv, stride 2;
#   3×3 max pool, stride 2); section 4.2 (the CIFAR networks' 3×3 first convolution).
# - F. Yu, V. Koltun, [Multi-Scale Context Aggregation by Dilated
#   Convolutions](https://arxiv.org/abs/1511.07122), ICLR 2016: dilations 1, 2, 4, ... grow the
#   receptive field exponentially without losing resolution.
# - S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He, [Aggregated Residual Transformations for
#   Deep Neural Networks](https://arxiv.org/abs/1611.05431), CVPR 2017: ResNeXt, grouped 3×3
#   convolutions (Table 1: ResNeXt-50 32×4d).
# - PyTorch, [`nn.Conv2d`](https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html)
#   (`padding='same'`, `padding_mode`, `groups`) and
#   [`nn.MaxPool2d`](https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html)
#   (padding with −∞, `ceil_mode`).
#
# **Next:** [01b · What a convolution computes](01b_inside_a_convolution.ipynb): what one
# window computes, 1x1 and transposed convolutions, non-square kernels.
