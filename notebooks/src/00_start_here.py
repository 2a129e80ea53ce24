# %% [markdown]
# # 00 · Start here
#
# **What you will learn**
# - how this collection works: short code cells, prose between them, sliders to play with,
#   exercises that tell you right or wrong;
# - which notebook teaches what, in which order, and how long each one takes;
# - whether your computer is ready (the cell below checks);
# - the Chinese terms of the blog posts you may have read, in English (术语对照表);
# - for instructors: how to use the widgets in class.
#
# **Time on a laptop CPU:** about 10 minutes to read; the cells run in about 10 seconds.
#
# **Before this:** nothing. Start here.
#
# ## How to use these notebooks
# * Run the cells from top to bottom (**Run ▸ Run All Cells**, or Shift+Enter cell by cell).
#   Everything runs on a CPU; nothing is downloaded.
# * Every number measured from code is computed beside it, usually checked against PyTorch
#   itself; facts about papers and versions (section numbers, "since PyTorch 1.9") are cited.
#   If you change a cell, the `assert`s tell you when a claim stops holding.
# * Sliders (widgets) show how a result follows from its formula. Move them; nothing can break:
#   a combination that makes no sense shows a message that says why.
#   Until its cell has run, a widget shows as one line of text such as
#   `OutputSizeExplorer(children=(HBox(...` — run the cell (or Run All) and the sliders appear.
# * Exercises end with a `check_...(answer)` call that says *Correct!* or *Not yet.* and why.
#   Solutions are folded under **Show solution**.
# * Cells that are *meant* to fail (to show you an error message worth knowing) are marked in
#   the text; Run All goes on past them.
# * The real blocks and networks live in the small package `resnet_teach`; the notebooks import
#   them instead of redefining them, so what you see is what is tested.

# %% [markdown]
# ## Is your environment ready?
# Each line should say `ok`. A `FAIL` on the torch/torchvision pair means torchvision was built
# for a different torch: reinstall with `pip install -r requirements.txt` (README explains).

# %%
from resnet_teach.lessons.start import check_environment

checks = check_environment()
for check in checks:
    print(check)
assert all(c.ok for c in checks), "fix the FAIL lines above before you go on"

# %% [markdown]
# The versions on this machine (they differ from one computer to the next, so the tests do not
# compare this cell's output):

# %% tags=["nbval-ignore-output"]
import platform

import torch
import torchvision

print(f"Python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}")
print("GPU available:", torch.cuda.is_available(), "(not needed: every notebook runs on a CPU)")
print("CPU threads PyTorch uses:", torch.get_num_threads())

# %% [markdown]
# ## The notebooks, in order
#
# One concept each. The times are the ones each notebook states in its header: reading at a
# student's pace, and running every cell on a laptop CPU (a test keeps this table equal to the
# headers).
#
# | Notebook | What it teaches | Time: read · run |
# |---|---|---|
# | [01 · Convolution arithmetic you can slide](01_conv_arithmetic.ipynb) | The output size of convolution and pooling, `floor((n + 2p - d(k-1) - 1) / s) + 1`, checked against PyTorch; `ceil_mode`; valid/same padding and the one-pixel TensorFlow shift; padding modes; stride, dilation and the receptive field; grouped and depthwise convolutions. Widgets: output size, padding modes, groups. | 45 min · 15 s |
# | [01b · What a convolution computes](01b_inside_a_convolution.ipynb) | What a convolution computes, value by value: one output by hand, a layer as a bank of 3-D filters; 1x1 conv = Linear per pixel; transposed convolution, "full" padding, and why it is the gradient of a convolution; non-square kernels, strides and paddings. Widgets: the stepping convolution, non-square sizes. | 25 min · 5 s |
# | [02 · Batch normalization, from scratch to nn.BatchNorm2d](02_batch_norm.ipynb) | Per-channel standardization and γ/β; biased vs unbiased variance in the running statistics; `momentum`; train vs eval mode and what forgetting `eval()` costs; the batch-of-one error; BN's backward pass by hand against autograd; LayerNorm, InstanceNorm and GroupNorm as other axes, and BN vs GroupNorm in batches of 16 and of two; why the statistics are per channel; what BN does to the signal, the gradients and the usable learning rates, measured; porting a Keras conv + BN. Widget: momentum and the running statistics. | 50 min · 25 s |
# | [03 · Residual blocks](03_residual_blocks.ipynb) | BasicBlock and Bottleneck, shape by shape; identity and projection shortcuts (options A, B, C); ResNet v1 vs v1.5; `zero_init_residual`; two bugs from the blog posts; ResNeXt and Wide ResNet, built as torchvision builds them; ResNet-C/D and the pixels a projection sees; the family tree. | 40 min · 18 s |
# | [04 · Building ResNet-18/34/50/101/152](04_building_resnets.ipynb) | Stem, four stages, head; every layer's output shape at 224x224; exact parameter counts and multiply-adds; what the "50" counts; our networks give torchvision's outputs; the CIFAR stem; the paper's Table 1 from the code; activation memory per stage; the receptive field stage by stage. Widget: network explorer. | 40 min · 22 s |
# | [05 · The degradation problem, in miniature on a laptop CPU](05_degradation.ipynb) | Deeper plain networks train worse (higher training error after the same training), so it is not overfitting: plain and residual networks of two depths trained live, the ordering asserted; gradient norms layer by layer at initialization; why a residual block can default to the identity; the paper's numbers beside ours. | 30 min · 60 s |
# | [06 · Flatten versus global average pooling, and what GAP makes possible](06_flatten_vs_gap.ipynb) | What ends a ResNet (GAP, flatten, fc); what a Flatten head costs; why GAP accepts any input size while Flatten and a fixed `AvgPool2d(7)` break; class activation maps. Widget: one network, any input size. | 30 min · 30 s |
# | [07 · Why residual networks train: shattered gradients, lesions, loss landscapes, pre-activation](07_why_residual_networks_train.ipynb) | Why shortcuts help, measured: the gradient of a deep plain net along a line between two images is white noise, a ResNet's is smooth; deleting one block of a trained ResNet barely hurts, of a plain net it breaks it; 2^n paths of binomial lengths; filter-normalized loss slices; pre-activation ResNet v2 and the paper's ResNet-164/1001 counts. Widgets: the gradient signal of any network, delete any block. | 40 min · 60 s |
#
# A good order is the table's. If you already know convolutions and BatchNorm, start at 03;
# 04 needs the blocks of 03, 05 and 06 build on 04, and 07 explains what 05 shows.

# %% [markdown]
# ## Coming from the Chinese blog posts? 术语对照表
#
# Many students read Chinese-language posts about ResNet before these notebooks. The terms
# they use, in English, and where each one is taught here:
#
# | 中文 | English | Notebook |
# |---|---|---|
# | 残差块 | residual block | 03 |
# | 瓶颈块 | bottleneck block | 03 |
# | 恒等映射 | identity mapping | 03, 05, 07 |
# | 捷径 / 短接 / 跳跃连接 | shortcut (skip connection) | 03 |
# | 下采样 | downsampling | 03, 04 |
# | 退化 | degradation | 05 |
# | 批量归一化 / 批量规范化 (d2l) / 批标准化 | batch normalization | 02 |
# | 归一化 / 标准化 | min-max scaling into [0, 1] / standardization (mean 0, std 1): see the note below | 02 |
# | 有偏 / 无偏样本方差 | biased / unbiased sample variance (divide by m / by m − 1) | 02 |
# | 动量 | momentum (of BN's running statistics; not the optimizer's) | 02 |
# | 全局平均池化 | global average pooling | 06 |
# | 展平层 | flatten layer | 06 |
# | 预激活 | pre-activation (ResNet v2) | 07 |
# | 损失曲面 | loss landscape | 07 |
# | 感受野 | receptive field | 01 |
# | 空洞(扩张)卷积 | dilated convolution | 01 |
# | 分组卷积 | grouped convolution | 01 |
# | 填充模式 | padding mode | 01 |
# | 步幅 / 步长 | stride | 01 |
# | 池化 / 汇聚层 (d2l) | pooling / pooling layer | 01 |
# | 特征图 | feature map | 01, 04 |
#
# **归一化 vs 标准化.** Post 003 defines 归一化 as scaling into 0–1 by the minimum and maximum,
# and 标准化 as mean 0, standard deviation 1. What BatchNorm computes is 标准化, although its
# usual Chinese name, 批量归一化, says 归一化; notebook 02 quotes the post and shows the
# difference.
#
# **Post 002 is d2l's code** (Dive into Deep Learning, whose Chinese edition says 批量规范化 and
# 汇聚层). Its names, beside torchvision's (notebook 03 explains the blocks):
#
# | post 002 (d2l) | torchvision |
# |---|---|
# | `b1` | the stem: `conv1`, `bn1`, `relu`, `maxpool` |
# | `b2` … `b5` | `layer1` … `layer4` |
# | `Residual` | `BasicBlock` |
# | `use_1x1conv=True` | a `downsample` (projection shortcut) |
# | `conv3`: the shortcut's 1x1 convolution, with no BN after it | `downsample` = 1x1 conv **and** BN; a Bottleneck's `conv3` is its expanding 1x1 |
# | every convolution keeps its bias | `bias=False` (the BN after it has a shift) |
#
# Those posts also contain a few **mistakes**, which the notebooks run and correct ("spot the
# bug"): a model with `run` instead of `forward` (03); a ReLU on the residual branch before
# the addition (03); "ResNet-50 has 50 convolutional layers" (04); the last Linear layer
# "outputs probabilities" — it outputs logits (04); a fixed `AvgPool2d(7)` that only works at
# 224x224 (06).
#
# And a few **pitfalls and naming traps**, which are right where they stand but catch you when
# you carry them elsewhere: post 004's Keras model with `padding='same'` at stride 2 is correct
# Keras, but shifts by a pixel when ported with PyTorch's symmetric padding (01, 02); the
# stride on the first 1x1 convolution is the paper's own ResNet v1, not torchvision's v1.5
# (03); BatchNorm's standard Chinese name 批量归一化 says 归一化, which post 003 itself defines
# as scaling into 0–1 (02).

# %% [markdown]
# ## For instructors: the widgets in class
#
# * **Run All before the lesson starts.** Widgets need a running kernel; a notebook opened
#   without running shows their one-line text instead. On a projector, use
#   **View ▸ Appearance ▸ Presentation Mode** (larger text) and
#   **View ▸ Appearance ▸ Simple Interface** (one notebook, no side panels); Ctrl and + zooms the page further.
# * **Ask for a prediction first, then move the slider.** "n = 7, k = 3, p = 1, s = 2: what
#   size comes out?" — let the class commit to an answer, then show the formula filled in with
#   their numbers and PyTorch's own answer beside it.
# * **Drive the sliders from the keyboard**: click a slider's handle, then the arrow keys move it
#   one step at a time, which is easy to follow on a projector. You can also click the number
#   beside a slider and type a value.
# * **Break it on purpose.** Each widget's "Things to try" includes combinations that make no
#   sense (a kernel wider than its input, reflect padding wider than the image). The widget
#   answers with the rule that was broken, in words — a good moment to read the message
#   together.
# * **Exercises as checkpoints.** Every lesson notebook (01 to 07) has at least three
#   `answer = ...` cells with a checker; students can work alone and get immediate feedback, the solution is folded under
#   each one.
# * **Training takes a moment.** The degradation notebook (05) trains small networks while you
#   watch: start its Run All at the beginning of that part of the lesson. Its widget's **Run**
#   button trains four networks again, with the depths, epochs and seed you chose.
# * **No installation for students**: the README's *Launch Binder* link opens these notebooks
#   in the browser, on a free temporary server (it can take a few minutes to start; work is
#   not kept after the session ends, so download anything worth keeping).
# * **Reset**: **Kernel ▸ Restart Kernel and Run All Cells** brings a notebook back to its
#   starting state.

# %% [markdown]
# ## Summary
# - Run the cells in order; sliders need their cell to have run.
# - Every number measured from code is computed and checked beside it, mostly against PyTorch;
#   facts about papers and versions are cited.
# - Next: [01 · Convolution arithmetic you can slide](01_conv_arithmetic.ipynb).
