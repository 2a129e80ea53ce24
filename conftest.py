"""Test-session settings shared by the unit tests and the nbval notebook runs.

nbval's kernels inherit this process's environment, so these reach the notebooks too.
"""
import os

os.environ["RESNET_TEACH_PROGRESS"] = "0"  # progress bars write to stderr, which strict nbval rejects
