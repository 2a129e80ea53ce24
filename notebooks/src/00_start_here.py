# %% [markdown]
# # 00 · Start here
#
# **What you will learn**
# - how this collection works: short code cells, prose between them, sliders to play with,
#   exercises that tell you right or wrong;
# - which notebook teaches what, in which order;
# - whether your computer is ready (the cell below checks).
#
# **Time on a laptop CPU:** 5 minutes to read; the cells run in a few seconds.
#
# ## How to use these notebooks
# * Run the cells from top to bottom (**Run ▸ Run All Cells**, or Shift+Enter cell by cell).
#   Everything runs on a CPU; nothing is downloaded.
# * Every number the text states is computed by the code beside it, usually checked against
#   PyTorch itself. If you change a cell, the `assert`s tell you when a claim stops holding.
# * Sliders (widgets) show how a result follows from its formula. Move them; nothing can break.
# * Exercises end with a `check_...(answer)` call that says *Correct!* or *Not yet.* and why.
#   Solutions are folded under **Show solution**.
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
