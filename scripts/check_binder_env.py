"""Build the Binder environment in a fresh virtual environment and check that everything imports.

    python3 scripts/check_binder_env.py            # build in a temporary folder, check, delete it
    python3 scripts/check_binder_env.py --keep DIR # build in DIR (reused if it already exists)

mybinder.org cannot be reached from every machine, and neither can PyTorch's CPU wheel index,
so this does what Binder does as closely as a laptop can:

1. a new ``python -m venv`` (no system site-packages), with pip upgraded;
2. ``pip install -r binder/requirements.txt`` with one change: the ``--extra-index-url`` line of
   PyTorch's CPU index is dropped, so torch and torchvision come from the ordinary index (the
   same versions, CUDA build: larger, same Python API);
3. ``binder/postBuild`` run from a copy of the repository, as repo2docker runs it;
4. in that environment: import torch, torchvision (and run ``torchvision.ops.nms``, which fails
   when the pair does not match), resnet_teach, ipywidgets, matplotlib, torchinfo, sklearn,
   tqdm, jupyterlab; the start notebook's environment check; JupyterLab must list the widget
   extension; and notebooks/00_start_here.ipynb must execute in the new environment's kernel.

It takes minutes and a few GB (pip's cache makes the second run faster). tests/test_binder.py
runs it when RESNET_TEACH_BINDER_CHECK=1.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CPU_INDEX = "download.pytorch.org/whl/cpu"

IMPORT_CHECK = r"""
import importlib, json, sys
for name in ["torch", "torchvision", "resnet_teach", "ipywidgets", "matplotlib", "torchinfo",
             "sklearn", "tqdm", "jupyterlab", "ipykernel"]:
    module = importlib.import_module(name)
    print(f"import {name:13s} {getattr(module, '__version__', '')}")
import torch, torchvision
keep = torchvision.ops.nms(torch.tensor([[0., 0., 1., 1.], [0., 0., 1., 1.]]), torch.tensor([0.9, 0.8]), 0.5)
assert keep.tolist() == [0], keep
print("torchvision.ops.nms runs: torch and torchvision are a matching pair")
import resnet_teach
assert resnet_teach.__file__.startswith(sys.argv[1]), f"resnet_teach from {resnet_teach.__file__}"
from resnet_teach.lessons.start import check_environment
checks = check_environment()
for check in checks:
    print(check)
assert all(c.ok for c in checks), "the start notebook's environment check fails"
"""

RUN_START_NOTEBOOK = r"""
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
assert not errors, errors
print(f"{len(nb.cells)} cells of {sys.argv[1].rsplit('/', 1)[-1]} ran without an error")
"""


def requirements_without_cpu_index(source: Path) -> tuple[str, int]:
    """binder/requirements.txt with the CPU-index line removed; also how many lines were removed."""
    kept, dropped = [], 0
    for line in source.read_text().splitlines():
        if CPU_INDEX in line and line.strip().startswith(("--extra-index-url", "--index-url", "-i")):
            dropped += 1
            continue
        kept.append(line)
    return "\n".join(kept) + "\n", dropped


def step(title: str, command: list[str], **kwargs) -> float:
    shown = " ".join("<script>" if "\n" in str(c) else str(c) for c in command)
    print(f"\n== {title}\n$ {shown}", flush=True)
    start = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)
    seconds = time.perf_counter() - start
    print(f"-- {seconds:.0f} s", flush=True)
    return seconds


def copy_repository(target: Path) -> None:
    """What Binder clones: the repository without git metadata, caches or local venvs."""
    ignore = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", ".ipynb_checkpoints",
                                    "artifacts", ".pytest_cache", "build", "dist")
    shutil.copytree(ROOT, target, ignore=ignore)


def check(workdir: Path) -> dict[str, float]:
    venv, repo = workdir / "venv", workdir / "repo"
    python = venv / "bin" / "python"
    times: dict[str, float] = {}
    requirements, dropped = requirements_without_cpu_index(BINDER / "requirements.txt")
    if dropped != 1:
        raise SystemExit(f"expected one CPU-index line in binder/requirements.txt, found {dropped}")
    (workdir / "requirements.txt").write_text(requirements)

    if not python.exists():
        times["venv"] = step("a fresh virtual environment", [sys.executable, "-m", "venv", str(venv)])
        times["pip"] = step("upgrade pip", [str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    times["requirements"] = step("binder/requirements.txt (ordinary index for torch/torchvision)",
                                 [str(python), "-m", "pip", "install", "-r", str(workdir / "requirements.txt")])

    if repo.exists():
        shutil.rmtree(repo)
    copy_repository(repo)
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               VIRTUAL_ENV=str(venv))
    env.pop("PYTHONPATH", None)
    times["postBuild"] = step("binder/postBuild, from the repository's root",
                              ["bash", "binder/postBuild"], cwd=repo, env=env)

    # Nothing from this user's own Python or Jupyter setup (user site, kernelspecs, config).
    jupyter_home = workdir / "jupyter-home"
    clean = dict(env, PYTHONNOUSERSITE="1", RESNET_TEACH_PROGRESS="0",
                 JUPYTER_DATA_DIR=str(jupyter_home / "data"), JUPYTER_CONFIG_DIR=str(jupyter_home / "config"),
                 JUPYTER_RUNTIME_DIR=str(jupyter_home / "runtime"), IPYTHONDIR=str(jupyter_home / "ipython"))
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        clean.pop(var, None)
    for sub in ("data", "config", "runtime", "ipython"):
        (jupyter_home / sub).mkdir(parents=True, exist_ok=True)
    times["imports"] = step("import everything", [str(python), "-c", IMPORT_CHECK, str(repo)], cwd=workdir, env=clean)
    listing = subprocess.run([str(python), "-m", "jupyter", "labextension", "list"], cwd=workdir, env=clean,
                             capture_output=True, text=True, check=True)
    if "@jupyter-widgets/jupyterlab-manager" not in listing.stdout + listing.stderr:
        raise SystemExit("JupyterLab in the Binder environment does not list the ipywidgets extension:\n"
                         + listing.stdout + listing.stderr)
    print("JupyterLab lists @jupyter-widgets/jupyterlab-manager")
    notebook = repo / "notebooks" / "00_start_here.ipynb"
    times["start notebook"] = step("execute notebooks/00_start_here.ipynb in the new environment",
                                   [str(python), "-c", RUN_START_NOTEBOOK, str(notebook), str(notebook.parent)],
                                   cwd=workdir, env=clean)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build in DIR and keep it (reused next time)")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        times = check(args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="resnet-teach-binder-") as tmp:
            times = check(Path(tmp))
    total = time.perf_counter() - start
    print("\nBinder environment check passed: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
          + f"; total {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
