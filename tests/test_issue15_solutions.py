"""Every exercise that issue 15 added, and notebook 07's: the revealable solution passes its checker.

Each exercise cell ends with ``<module>.check_<name>(answer)`` (or ``check_<name>(answer)``); the
first ``answer = ...`` line of the <details> block after it is the solution.
"""
import math
import re
from pathlib import Path

import pytest

from resnet_teach.lessons import bn_backward, conv_compute, norms, table1, transposed, variants, why_exercises

SRC = Path(__file__).resolve().parent.parent / "notebooks" / "src"
MODULES = {"01b_inside_a_convolution.py": (conv_compute, transposed), "02_batch_norm.py": (bn_backward, norms),
           "03_residual_blocks.py": (variants,), "04_building_resnets.py": (table1,),
           "07_why_residual_networks_train.py": (why_exercises,)}
PAIR = re.compile(r"^(?:\w+\.)?(check_\w+)\(answer\)$.*?<details><summary>Show solution</summary>.*?"
                  r"^# answer = (.+?)$", flags=re.M | re.S)


@pytest.mark.parametrize("source", list(MODULES))
def test_new_solutions_pass_their_checkers(source):
    found = 0
    for name, solution in PAIR.findall((SRC / source).read_text()):
        modules = [m for m in MODULES[source] if hasattr(m, name)]
        if not modules:
            continue  # an exercise of the notebook's older sections
        feedback = getattr(modules[0], name)(eval(solution, {"math": math}))
        assert feedback.correct, (source, name, solution, str(feedback))
        found += 1
    assert found >= 2, f"{source}: expected at least two exercises with solutions, found {found}"
