# %% [markdown]
# # ResNet in class: predict, then reveal
#
# Every explorer of the lessons, one per section, for an instructor at a projector. Each one
# shows its controls and the formula with their numbers filled in; the result, PyTorch's own
# answer and the drawing stay hidden behind **Reveal**. Ask the question, let the class predict
# (a show of hands, a shout, a note on paper), then click **Reveal**. Moving any control hides
# the answer again: ask again.
#
# **Start-up on a laptop CPU:** the cells run in about 7 seconds; nothing trains until you
# press **Run** (section 9) or **Train** (section 11).
#
# **Show it:** `python3 -m voila notebooks/classroom.ipynb` opens it as a page without code
# (the README's instructor section). **Large font** below enlarges everything for a projector.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.classroom import large_font_switch

large_font_switch()

# %% [markdown]
# ## 1. How big is the output? *(notebook 01)*
#
# **Ask:** a 3x3 convolution with stride 2 and padding 1 reads a 7x7 input. What size is its
# output? Then: press → on `n` once (an 8x8 input). Does the answer change?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import output_size_explorer

output_size_explorer(size=7, kernel_size=3, stride=2, padding=1, predict=True)

# %% [markdown]
# ## 2. What does the padding put at the border? *(notebook 01)*
#
# **Ask:** the 4x4 matrix 1..16 gets one pixel of **reflect** padding. What lands in the
# top-left corner? And with **replicate**? With **circular**? Which modes refuse a pad of 4?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import padding_mode_explorer

padding_mode_explorer(mode="reflect", pad=1, predict=True)

# %% [markdown]
# ## 3. How many parameters does a grouped convolution have? *(notebook 01)*
#
# **Ask:** a 3x3 convolution from 16 to 32 channels with `groups=4`. What is its weight's
# shape, and how many parameters does it have? How many times more would `groups=1` have?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.conv import groups_explorer

groups_explorer(in_channels=16, out_channels=32, groups=4, kernel_size=3, predict=True)

# %% [markdown]
# ## 4. What number does this window make? *(notebook 01b)*
#
# **Ask:** the 3x3 kernel sits on one window of the input; the products are written out. What
# is their sum, the output value at that position? What does `F.conv2d` give there? Then: press
# → on `step` (or play): where does the window go next, and what comes out?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.stepping import stepping_explorer

stepping_explorer(size=5, kernel_size=3, stride=2, padding=1, predict=True)

# %% [markdown]
# ## 5. What if height and width differ? *(notebook 01b)*
#
# **Ask:** a (3, 5) kernel with stride (1, 2) and padding (1, 2) reads a 32x48 input. What
# are the output's height and width? Then: set `sW` to 3. Which one changes, and to what?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.nonsquare import non_square_explorer

non_square_explorer(H=32, W=48, kH=3, kW=5, sH=1, sW=2, pH=1, pW=2, predict=True)

# %% [markdown]
# ## 6. How fast do BatchNorm's running statistics forget? *(notebook 02)*
#
# **Ask:** with `momentum=0.1`, after 60 batches, how much do the starting values (mean 0,
# variance 1) still weigh? And with `momentum=0`? With `momentum=1`?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.batchnorm import momentum_explorer

momentum_explorer(momentum=0.1, steps=60, predict=True)

# %% [markdown]
# ## 7. What shape leaves each stage of a ResNet? *(notebook 04)*
#
# **Ask:** ResNet-18 reads a 3x224x224 image. What shape leaves `layer4`? How many parameters
# does the whole network have, roughly? And ResNet-50?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.network import network_explorer

network_explorer(network="ResNet-18", input_size=224, predict=True)

# %% [markdown]
# ## 8. Which heads survive another input size? *(notebook 06)*
#
# **Ask:** ResNet-18 was built for 224x224 images. Set both sliders to 160: what size is the
# last feature map now, and which heads still run: global average pooling, Flatten, `AvgPool2d(7)`?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.heads import input_size_explorer

input_size_explorer(depth=18, predict=True)

# %% [markdown]
# ## 9. Which network trains worst? *(notebook 05)*
#
# **Ask:** plain and residual networks of 8 and 32 layers train for the same few epochs.
# Which ends with the highest training loss? Press **Run** (the four networks of notebook 05:
# about 15 seconds at 6 epochs on a 2-core laptop CPU; a progress bar shows each one), let the
# class predict while they train, then **Reveal**.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.degradation import degradation_rerun

degradation_rerun(shallow=8, deep=32, predict=True)

# %% [markdown]
# ## 10. Does the gradient survive depth? *(notebook 07)*
#
# **Ask:** at initialization, walk a straight line between two digits and measure how fast one
# logit changes, d logit / dt, at 256 points. In a plain network of 32 layers, is that signal
# smooth (lag-1 autocorrelation near 1) or close to white noise (near 0)? And in its residual
# twin (wiring **resnet (v1)**)? Then: at what depth does the plain network lose its smoothness?

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.why import signal_explorer

signal_explorer(depth=32, kind="plain", predict=True)

# %% [markdown]
# ## 11. What does deleting one block cost? *(notebook 07)*
#
# **Ask:** delete one block of a trained resnet-32 (replace it by the identity). Does the test
# accuracy fall a little, or collapse? And the same block of its plain twin? Which block would
# you miss most? Press **Train** (resnet-32 and plain-32, 6 epochs each as in notebook 07: about
# 30 seconds on a 2-core laptop CPU; a progress bar shows each), let the class predict while they
# train, then pick a block and **Reveal**.

# %% tags=["nbval-ignore-output"]
from resnet_teach.widgets.why import lesion_explorer

lesion_explorer(predict=True)
