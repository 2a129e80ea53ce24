"""Voilà in a real browser: the server behind tests/test_classroom_browser.py.

``VoilaServer`` starts ``python3 -m voila NOTEBOOK`` (what the README's instructor command runs)
on 127.0.0.1 with a free port and temporary Jupyter config, runtime and IPython directories, so
no setting of the machine leaks in (``browser_support.LocalServer``, which JupyterLab's server
shares). Voilà executes the notebook in a fresh kernel when the page is requested, shows the
outputs without the code, and keeps the kernel for the widgets.
The browser side (Chromium, Playwright, slider helpers) comes from ``browser_support``.
"""
from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

from browser_support import ARTIFACTS, LocalServer

ROOT = Path(__file__).resolve().parent.parent
# README images, rewritten by the browser tests when RESNET_TEACH_UPDATE_SCREENSHOTS=1
README_IMAGES = ROOT / "docs" / "images"


class VoilaServer(LocalServer):
    """``python3 -m voila notebook`` on 127.0.0.1 (see the module docstring)."""

    NAME = "Voilà"

    def __init__(self, notebook: Path) -> None:
        super().__init__("resnet-teach-voila-", "voila.log")
        self.notebook = notebook

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _command(self) -> list[str]:
        return [sys.executable, "-m", "voila", str(self.notebook), "--no-browser",
                f"--port={self.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"]

    def _cwd(self) -> Path:
        return ROOT

    def _ping(self) -> None:
        # the static files answer without starting a kernel
        with urllib.request.urlopen(f"{self.url}voila/static/favicon.ico", timeout=10):
            pass


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
