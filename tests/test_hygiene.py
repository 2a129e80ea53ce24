"""The tree's hygiene: ruff passes, the import layers hold, every direct import is a declared
dependency, and no module of resnet_teach outgrows one topic's size.

The layers (README, "Architecture"): core -> lessons -> plots -> widgets -> notebooks. A layer
imports only the layers before it; core needs only torch, torchvision, numpy, scikit-learn and
tqdm, so ``import resnet_teach`` pulls in neither matplotlib nor ipywidgets.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "resnet_teach"

LAYERS = ["core", "lessons", "plots", "widgets"]
# third-party packages each layer may import (import name -> distribution name in pyproject.toml)
THIRD_PARTY = {
    "core": {"torch": "torch", "torchvision": "torchvision", "numpy": "numpy", "sklearn": "scikit-learn",
             "tqdm": "tqdm"},
    "plots": {"matplotlib": "matplotlib", "PIL": "Pillow"},
    "widgets": {"ipywidgets": "ipywidgets", "IPython": "ipython"},
}
MAX_LINES = 300


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "core"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield ".".join(parts), path, is_package


def imports(module: str, path: Path, is_package: bool) -> list[str]:
    """Every module ``path`` imports, relative imports resolved (function-level ones included)."""
    found = []
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append(target)
            found += [f"{target}.{alias.name}" for alias in node.names]  # `from . import conv`
    return found


def allowed_layers(layer: str) -> list[str]:
    return LAYERS[:LAYERS.index(layer) + 1]


def test_ruff_passes():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module, path, is_package", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_import_layers(module, path, is_package):
    layer = layer_of(module)
    for target in imports(module, path, is_package):
        if target.split(".")[0] == "resnet_teach":
            assert layer_of(target) in allowed_layers(layer), f"{module} ({layer}) imports {target}"
        else:
            top = target.split(".")[0]
            forbidden = {name for later in LAYERS[LAYERS.index(layer) + 1:] for name in THIRD_PARTY.get(later, {})}
            assert top not in forbidden, f"{module} ({layer}) imports {top}, which belongs to a later layer"


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return {re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].lower() for spec in specs}


def test_every_direct_import_is_declared():
    stdlib = set(sys.stdlib_module_names)
    known = {name: dist for table in THIRD_PARTY.values() for name, dist in table.items()}
    declared = _declared()
    for module, path, is_package in modules():
        for target in imports(module, path, is_package):
            top = target.split(".")[0]
            if top in stdlib or top in ("resnet_teach", "__future__"):
                continue
            assert top in known, f"{module} imports {top}: add it to THIRD_PARTY and pyproject.toml"
            assert known[top].lower() in declared, f"{module} imports {top}, not declared in pyproject.toml"
    requirements = (ROOT / "requirements.txt").read_text().lower()
    for dist in known.values():
        assert re.search(rf"^{re.escape(dist.lower())}\b", requirements, re.M), f"{dist} missing in requirements.txt"


@pytest.mark.parametrize("module, path, is_package", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_modules_fit_one_topic(module, path, is_package):
    assert len(path.read_text().splitlines()) <= MAX_LINES, f"{module}: split it by topic"


def test_one_style_of_type_hints():
    for module, path, _ in modules():
        text = path.read_text()
        assert not re.search(r"\b(Optional|Union|List|Dict|Tuple)\[", text), f"{module}: use X | None, list[...]"
        if re.search(r"->|: [a-z]", text) and "def " in text:
            assert "from __future__ import annotations" in text, module
