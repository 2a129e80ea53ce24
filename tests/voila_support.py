"""Voilà in a real browser: the server behind tests/test_classroom_browser.py.

``VoilaServer`` starts ``python3 -m voila NOTEBOOK`` (what the README's instructor command runs)
on 127.0.0.1 with a free port and temporary Jupyter config, runtime and IPython directories, so
no setting of the machine leaks in. Voilà executes the notebook in a fresh kernel when the page
is requested, shows the outputs without the code, and keeps the kernel for the widgets.
The browser side (Chromium, Playwright, slider helpers) comes from ``browser_support``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from browser_support import ARTIFACTS, WaitTimeout, wait_until

ROOT = Path(__file__).resolve().parent.parent
# README images, rewritten by the browser tests when RESNET_TEACH_UPDATE_SCREENSHOTS=1
README_IMAGES = ROOT / "docs" / "images"
SERVER_START_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VoilaServer:
    """``python3 -m voila notebook`` on 127.0.0.1 (see the module docstring)."""

    def __init__(self, notebook: Path) -> None:
        self.notebook = notebook
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="resnet-teach-voila-"))
        self.log_path = self._tmp / "voila.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _environment(self) -> dict:
        env = dict(os.environ)
        for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("IPYTHONDIR", "ipython")]:
            (self._tmp / sub).mkdir(exist_ok=True)
            env[var] = str(self._tmp / sub)
        env.pop("JUPYTER_CONFIG_PATH", None)
        return env

    def __enter__(self) -> VoilaServer:
        for attempt in range(3):  # a port taken between choosing and binding it: try another
            try:
                self._start()
                return self
            except (WaitTimeout, RuntimeError):
                self._stop()
                if attempt == 2:
                    shutil.rmtree(self._tmp, ignore_errors=True)
                    raise
        raise AssertionError("unreachable")

    def _start(self) -> None:
        self.port = _free_port()
        command = [sys.executable, "-m", "voila", str(self.notebook), "--no-browser",
                   f"--port={self.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self._environment(),
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, SERVER_START_S, "Voilà to answer")

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"Voilà exited with code {self.process.returncode}:\n{self.log_tail()}")
        try:  # the static files answer without starting a kernel
            with urllib.request.urlopen(f"{self.url}voila/static/favicon.ico", timeout=10):
                return True
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no Voilà log)"

    def _stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # Voilà shuts its kernels down on SIGTERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self._stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


def save_screenshot(page, name: str, readme: bool = False, **options) -> Path:
    """Screenshot to tests/artifacts/NAME.png; also to docs/images/ (small, palette PNG) when
    ``readme`` and RESNET_TEACH_UPDATE_SCREENSHOTS=1, so a normal test run never dirties git."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    if readme and os.environ.get("RESNET_TEACH_UPDATE_SCREENSHOTS") == "1":
        from PIL import Image

        README_IMAGES.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=64).save(README_IMAGES / f"{name}.png", optimize=True)
    return path
