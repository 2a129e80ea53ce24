"""JupyterLab in headless Chromium, driven by Playwright: the machinery behind tests/test_browser.py.

Four pieces:

* ``LocalServer`` is what JupyterLab's and Voilà's servers share (tests/voila_support.py has
  the other): a free port on 127.0.0.1, temporary config, runtime and IPython directories, the
  server's log, a retry when the port was taken meanwhile, and the stop.
* ``LabServer`` starts JupyterLab on 127.0.0.1 with a random token and a free port, on a
  temporary copy of the notebooks with their stored outputs removed (so what the browser shows
  comes from this run, and autosave can never touch the committed files). Its config, settings
  and workspace directories are temporary too: no news pop-up, no saved layout, no autosave.
* ``KernelErrors`` listens to the kernel's websocket. An exception inside a widget callback
  (an ``observe`` handler) is not shown in any cell; the kernel reports it as an ``error``
  message whose parent is the ``comm_msg`` that moved the control. This is where we see it.
* ``LabPage`` is one browser tab on one notebook: open it, Run All, wait for the kernel, read
  and move widgets, list the cells that show an error.

Facts this relies on (JupyterLab 4, ipywidgets 8): "Run All" is the menu item with
``data-command="runmenu:run-all"``; a slider is ``.widget-hslider`` with a ``.noUi-handle`` that
takes arrow keys and a ``.widget-readout``; errors and stderr render as outputs with
``data-mime-type="application/vnd.jupyter.stderr"``.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
# Another folder of notebooks can be checked the same way (used while developing this test).
NOTEBOOKS = Path(os.environ.get("RESNET_TEACH_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    # Offline, as the collection promises: every host but this machine fails at once. A CI network
    # that holds a connection to a CDN open (Voilà's template links Font Awesome from jsDelivr)
    # would otherwise hold the page's load event for minutes.
    "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# The notebook in the tab on show (a restored layout could hold others, hidden).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
STDERR_MIME = "application/vnd.jupyter.stderr"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# Generous limits: the CPU may be shared, and the degradation notebook trains for a minute.
SERVER_START_S = 120
OPEN_S = 180
RUN_ALL_S = 900
WIDGET_UPDATE_S = 90

T = TypeVar("T")


# --------------------------------------------------------------------------- what to test


def browser_unavailable() -> str | None:
    """Why the browser test cannot run here (one line), or None if it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    if find_chromium() is None:
        explicit = os.environ.get("RESNET_TEACH_CHROMIUM")
        if explicit:
            return f"RESNET_TEACH_CHROMIUM={explicit} does not exist"
        return ("no Chromium found (apt-get install chromium, or python3 -m playwright install chromium, "
                "or set RESNET_TEACH_CHROMIUM)")
    return None


def require_browser(what: str = "the browser test must run") -> None:
    """Skip the calling test with the reason when no browser can run here; under CI (CI=true),
    where the browser tests must run, fail instead."""
    reason = browser_unavailable()
    if reason:
        import pytest

        if running_under_ci():
            pytest.fail(f"CI=true, so {what}, but {reason}", pytrace=False)
        pytest.skip(reason)


def find_chromium() -> str | None:
    """A Chromium executable: $RESNET_TEACH_CHROMIUM, the system's, or one Playwright installed."""
    explicit = os.environ.get("RESNET_TEACH_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    try:  # `playwright install chromium` puts its own build in a cache folder
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            bundled = playwright.chromium.executable_path
        return bundled if Path(bundled).exists() else None
    except Exception:  # no playwright, or no driver: no browser either way
        return None


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def has_widgets(nb: dict) -> bool:
    """Whether a notebook shows widgets: a stored widget view, or code that builds one."""
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "ipywidgets" in source or "resnet_teach.widgets" in source:
            return True
        if any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", [])):
            return True
    return False


def raises_exception_cells(nb: dict) -> list[int]:
    """Indices (among all cells) of the cells tagged raises-exception: their errors are expected."""
    return [i for i, cell in enumerate(nb["cells"])
            if "raises-exception" in cell.get("metadata", {}).get("tags", [])]


def retry(action: Callable[[], T], attempts: int = 2, what: str = "") -> T:
    """Run ``action`` again if a *wait* times out. Only for waits, never around assertions."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (PlaywrightTimeout, WaitTimeout):
            if attempt == attempts:
                raise
            print(f"retrying after a timeout: {what}", file=sys.stderr)
    raise AssertionError("unreachable")


class WaitTimeout(Exception):
    """A wait of our own (not Playwright's) ran out of time."""


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A Jupyter server process on 127.0.0.1 in a temporary folder (see the module docstring).

    A subclass names itself (``NAME``), adds directories to ``ENV_DIRS``, and gives its command,
    its working directory and ``_ping`` (a request that answers once the server is up)."""

    NAME = "the server"
    # (environment variable, folder in the temporary directory): no setting of the machine leaks in
    ENV_DIRS: tuple[tuple[str, str], ...] = (
        ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"))

    def __init__(self, prefix: str, log_name: str) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self.log_path = self._tmp / log_name

    def _prepare(self) -> None:
        """Files the server needs before it starts (none by default)."""

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _cwd(self) -> Path:
        raise NotImplementedError

    def _ping(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        try:
            self._prepare()
            for attempt in range(3):  # a port taken between choosing and binding it: try another
                try:
                    self._start()
                    break
                except (WaitTimeout, RuntimeError):
                    self._stop()
                    if attempt == 2:
                        raise
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _environment(self) -> dict:
        env = dict(os.environ)
        for var, sub in self.ENV_DIRS:
            (self._tmp / sub).mkdir(exist_ok=True)
            env[var] = str(self._tmp / sub)
        env.pop("JUPYTER_CONFIG_PATH", None)
        return env

    def _start(self) -> None:
        self.port = _free_port()
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(self._command(), cwd=self._cwd(), env=self._environment(),
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, SERVER_START_S, f"{self.NAME} to answer")

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.NAME} exited with code {self.process.returncode}:\n{self.log_tail()}")
        try:
            self._ping()
            return True
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return f"(no {self.NAME} log)"

    def _stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # JupyterLab and Voilà shut their kernels down on SIGTERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self._stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


# Settings a fresh JupyterLab reads from JUPYTERLAB_SETTINGS_DIR: no news or update pop-ups,
# no autosave, and every cell kept in the DOM (windowing off), so DOM cell i is notebook cell i.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def copy_without_outputs(source: Path, target: Path) -> None:
    """A notebook with every output and execution count removed, as a student's fresh run sees it."""
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    target.write_text(json.dumps(nb, indent=1))


class LabServer(LocalServer):
    """JupyterLab serving a temporary copy of notebooks/ (see the module docstring)."""

    NAME = "JupyterLab"
    ENV_DIRS = LocalServer.ENV_DIRS + (("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                                       ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"))

    def __init__(self, notebooks_dir: Path = NOTEBOOKS) -> None:
        super().__init__("resnet-teach-lab-", "jupyterlab.log")
        self.notebooks_dir = notebooks_dir
        self.token = secrets.token_hex(16)
        self.root = self._tmp / "notebooks"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        # reset: start from an empty layout, not with the tabs of the previous test reopened
        return f"{self.base_url}/lab/tree/{name}?reset&token={self.token}"

    def _prepare(self) -> None:
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "src", "*.ipynb")
        shutil.copytree(self.notebooks_dir, self.root, ignore=ignore)
        for nb in sorted(self.notebooks_dir.glob("*.ipynb")):
            copy_without_outputs(nb, self.root / nb.name)
        for relative, values in LAB_SETTINGS.items():
            path = self._tmp / "lab-settings" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def _command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
        ]

    def _cwd(self) -> Path:
        return self.root

    def _ping(self) -> None:
        self.api("GET", "/api/status")

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down the kernels of the notebooks open now, to free their memory.

        Jupyter Server answers the DELETE only once the kernel has exited (about 2 s), so that
        happens in the background while the next notebook opens. The sessions to end are read
        first: a notebook opened meanwhile keeps its kernel."""
        try:
            ids = [session["id"] for session in self.api("GET", "/api/sessions")]
        except Exception:  # a server that no longer answers has no kernels to free
            return

        def end() -> None:
            for session_id in ids:
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"/api/sessions/{session_id}")

        threading.Thread(target=end, name="shutdown-kernels", daemon=True).start()


# --------------------------------------------------------------------------- kernel messages


def parse_kernel_frame(frame: Any) -> dict | None:
    """One websocket frame of the kernel channels as {channel, header, parent_header, content}.

    JupyterLab 4 speaks the binary ``v1.kernel.websocket.jupyter.org`` protocol when the server
    offers it: a little-endian uint64 count of offsets, the offsets, then the channel name and
    the JSON parts. Older servers send one JSON text frame per message.
    """
    try:
        if isinstance(frame, str):
            return json.loads(frame)
        data = bytes(frame)
        count = int.from_bytes(data[:8], "little")
        if not 6 <= count <= 64 or len(data) < 8 * (count + 1):  # not a kernel message
            return None
        offsets = [int.from_bytes(data[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
        parts = [data[offsets[i]:offsets[i + 1]] for i in range(count - 1)]
        return {"channel": parts[0].decode(), "header": json.loads(parts[1]),
                "parent_header": json.loads(parts[2]), "content": json.loads(parts[4])}
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


@dataclass
class KernelErrors:
    """Exceptions raised in widget callbacks, which no cell displays (see module docstring)."""

    found: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame)
                if "/api/kernels/" in ws.url else None)

    def _on_frame(self, frame: Any) -> None:
        msg = parse_kernel_frame(frame)
        if not msg or msg.get("header", {}).get("msg_type") != "error":
            return
        if msg.get("parent_header", {}).get("msg_type") == "execute_request":
            return  # shown in its cell; the DOM check decides whether it was expected
        content = msg.get("content", {})
        self.found.append(f"{content.get('ename')}: {content.get('evalue')}")


class PageEvents:
    """What a page did, with times: console messages, failed requests, load states. When a page
    does not show what a test waits for, ``report()`` says how far it got."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.start = time.monotonic()
        self.lines: list[str] = []
        page.on("console", lambda m: self.add(f"console {m.type}: {m.text[:200]}"))
        page.on("requestfailed", lambda r: self.add(f"request failed: {r.url[:120]} ({r.failure})"))
        page.on("domcontentloaded", lambda _: self.add("DOMContentLoaded"))
        page.on("load", lambda _: self.add("load"))
        page.on("websocket", lambda ws: self.add(f"websocket opened: {ws.url[:120]}"))
        page.on("crash", lambda _: self.add("the page crashed"))

    def add(self, line: str) -> None:
        self.lines.append(f"{time.monotonic() - self.start:7.1f} s  {line}")

    def report(self, last: int = 40) -> str:
        try:
            state = self.page.evaluate(
                "() => [document.readyState, document.querySelectorAll('.jp-Cell, .jp-OutputArea').length,"
                " document.body ? document.body.innerText.slice(0, 600) : '']")
        except Exception as exc:  # a crashed or closed page still gets its events reported
            state = ["?", "?", f"(could not read the page: {exc})"]
        kept = [line for line in self.lines if "Federation Runtime" not in line and "Unsatisfied version" not in line]
        return (f"the page after {time.monotonic() - self.start:.0f} s: readyState {state[0]}, "
                f"{state[1]} cells and output areas; its text begins {state[2]!r}\n"
                "what the page did:\n" + "\n".join(kept[-last:]))


# --------------------------------------------------------------------------- one notebook tab


@dataclass
class CellReport:
    index: int
    kind: str
    prompt: str
    stderr_texts: list[str]


class LabPage:
    """A Playwright page showing one notebook in JupyterLab."""

    def __init__(self, page: Any, server: LabServer, name: str) -> None:
        self.page = page
        self.server = server
        self.name = name
        self.kernel_errors = KernelErrors()
        self.kernel_errors.attach(page)
        self.first_problem_cell: int | None = None

    # -- opening and running

    def open(self) -> None:
        def load() -> None:
            self.page.goto(self.server.notebook_url(self.name), timeout=OPEN_S * 1000)
            self.page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=OPEN_S * 1000)
            self.wait_kernel_idle(OPEN_S)

        retry(load, attempts=2, what=f"opening {self.name}")

    def kernel_status(self) -> str:
        """The status bar's kernel item, e.g. 'Python 3 (ipykernel) | Idle'."""
        texts = self.page.eval_on_selector_all(
            "#jp-main-statusbar .jp-StatusBar-TextItem",
            "els => els.map(e => e.textContent || '')")
        return next((t for t in texts if " | " in t), "")

    def wait_kernel_idle(self, timeout: float, settle: float = 1.0) -> None:
        """Wait until the kernel says Idle and stays so for ``settle`` seconds."""
        deadline = time.monotonic() + timeout
        idle_since: float | None = None
        while True:
            now = time.monotonic()
            status = self.kernel_status()
            if status.endswith("| Dead"):
                raise RuntimeError(f"the kernel died (status bar: {status!r}):\n{self.server.log_tail()}")
            if status.endswith("| Idle") and not any("*" in p for p in self.prompts()):
                idle_since = idle_since or now
                if now - idle_since >= settle:
                    return
            else:
                idle_since = None
            if now > deadline:
                raise WaitTimeout(f"kernel not idle after {timeout:.0f} s (status bar: {status!r})")
            time.sleep(0.25)

    def prompts(self) -> list[str]:
        return self.page.eval_on_selector_all(
            f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())")

    def run_all(self) -> None:
        """Run ▸ Run All Cells, then wait until every queued cell has finished."""
        def click_run_all() -> None:
            self.page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=30_000)
            self.page.click("li.lm-Menu-item[data-command='runmenu:run-all']", timeout=30_000)
            # Started: some prompt is busy or numbered (the copies start with none numbered).
            wait_until(lambda: any(p not in ("[ ]:", "") for p in self.prompts()), 60, "Run All to start")

        retry(click_run_all, attempts=2, what="clicking Run All")
        # The kernel can look idle between queued cells, and cells still waiting can show "[ ]"
        # (seen in CI: the status bar said Busy when an earlier version of this wait returned).
        # Done means: every code cell numbered, or the prompts stopped changing for 15 s with the
        # kernel idle (an error stopped the run; problems() then names the cells that did not run).
        deadline = time.monotonic() + RUN_ALL_S
        last, unchanged_since = None, time.monotonic()
        while True:
            self.wait_kernel_idle(max(1.0, deadline - time.monotonic()), settle=2.0)
            prompts = self.prompts()
            if all(re.fullmatch(r"\[\d+\]:", p) for p in prompts) or time.monotonic() > deadline:
                return
            if prompts != last:
                last, unchanged_since = prompts, time.monotonic()
            elif time.monotonic() - unchanged_since > 15:
                return
            time.sleep(1.0)

    # -- reading the notebook

    def cell_reports(self) -> list[CellReport]:
        rows = self.page.eval_on_selector_all(f"{NOTEBOOK} .jp-Cell", """cells => cells.map(c => ({
            kind: c.classList.contains('jp-CodeCell') ? 'code' : 'other',
            prompt: (c.querySelector('.jp-InputPrompt') || {}).textContent || '',
            stderr: [...c.querySelectorAll('.jp-OutputArea-output[data-mime-type="STDERR_MIME"]')]
                .map(o => o.innerText.trim()),
            widgetFailure: [...c.querySelectorAll('.jp-OutputArea-output')]
                .map(o => o.innerText).filter(t => t.includes('Error displaying widget')),
        }))""".replace("STDERR_MIME", STDERR_MIME))
        return [CellReport(i, r["kind"], r["prompt"].strip(), r["stderr"] + r["widgetFailure"])
                for i, r in enumerate(rows)]

    def problems(self, expected_errors: Sequence[int], n_cells: int) -> list[str]:
        """Everything a student would see as broken: errors outside raises-exception cells,
        code cells Run All never reached, exceptions from widget callbacks.
        Sets ``first_problem_cell`` for the screenshot."""
        reports = self.cell_reports()
        found: list[str] = []
        self.first_problem_cell = None
        if len(reports) != n_cells:
            found.append(f"the page shows {len(reports)} cells, the notebook has {n_cells}")
        for r in reports:
            if r.kind != "code":
                continue
            before = len(found)
            if r.index not in expected_errors and r.stderr_texts:
                last_lines = r.stderr_texts[0].strip().splitlines()[-3:]
                found.append(f"cell {r.index} shows an error: {' | '.join(last_lines)[:500]}")
            if not r.prompt.strip("[]: ").isdigit():
                found.append(f"cell {r.index} did not run (prompt {r.prompt!r})")
            if len(found) > before and self.first_problem_cell is None:
                self.first_problem_cell = r.index
        found += [f"a widget callback raised {e}" for e in self.kernel_errors.found]
        return found

    def screenshot(self, label: str, cell_index: int | None = None) -> Path:
        """Save what the tab shows (scrolled to cell ``cell_index`` if given) in tests/artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"browser-{Path(self.name).stem}-{label}.png"
        with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
            if cell_index is not None:
                self.page.locator(f"{NOTEBOOK} .jp-Cell").nth(cell_index).scroll_into_view_if_needed(timeout=5000)
            self.page.screenshot(path=str(path))
        return path

    # -- widgets

    def output_fingerprint(self) -> str:
        """What the widgets display (HTML, output areas, images), to see a change arrive."""
        return self.page.eval_on_selector_all(
            ", ".join(f"{NOTEBOOK} {part}" for part in (
                ".widget-html-content", ".widget-htmlmath-content", ".widget-output", ".widget-image",
                ".jp-OutputArea-output img")),
            "els => els.map(e => e.innerHTML + (e.getAttribute('src') || '')).join('\\n')")


def first_output_cell(page: Any, selector: str) -> Any:
    """The first cell whose output area contains ``selector`` (e.g. the first slider)."""
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").filter(
        has=page.locator(f".jp-OutputArea {selector}")).first
    cell.wait_for(timeout=WIDGET_UPDATE_S * 1000)
    return cell


def slider(cell: Any, description: str) -> Any:
    """The IntSlider labelled ``description`` inside ``cell``."""
    return cell.locator(".widget-hslider").filter(
        has=cell.page.locator(".widget-label", has_text=_exact(description))).first


def _exact(text: str) -> Any:
    import re
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def readout(control: Any) -> str:
    return control.locator(".widget-readout").first.inner_text().strip()


def selected_option(cell: Any, description: str) -> str:
    """The selected value of a Dropdown / ToggleButtons / RadioButtons labelled ``description``."""
    box = cell.locator(".widget-dropdown, .widget-toggle-buttons, .widget-radio").filter(
        has=cell.page.locator(".widget-label", has_text=_exact(description))).first
    return box.evaluate("""b => {
        const s = b.querySelector('select'); if (s) return s.value;
        const t = b.querySelector('.mod-active'); if (t) return t.textContent;
        const r = b.querySelector('input:checked'); return r ? r.parentElement.textContent : '';
    }""").replace("\xa0", " ").strip()


def press_key_on_slider(control: Any, key: str) -> str:
    """Press ``key`` on the slider's handle and return the new readout.

    A key press can be lost while the page is busy (focus not yet on the handle): if the readout
    has not moved after a while, press once more. Returns the old readout if the key cannot
    move the slider (at its end)."""
    handle = control.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    before = readout(control)
    for _ in range(2):
        handle.focus()
        handle.press(key)
        with contextlib.suppress(WaitTimeout):
            return wait_until(lambda: readout(control) != before and readout(control), 10,
                              f"the slider to follow {key}")
    return before


def checkbox_value(cell: Any, description: str) -> bool:
    box = cell.locator(".widget-checkbox").filter(
        has=cell.page.locator(".widget-label-basic span", has_text=_exact(description))).first
    return bool(box.locator("input[type=checkbox]").is_checked())


def move_first_control(lab: LabPage) -> str:
    """Change the notebook's first slider or dropdown like a student would; describe what moved."""
    control = lab.page.locator(f"{NOTEBOOK} .jp-OutputArea .widget-hslider, "
                               f"{NOTEBOOK} .jp-OutputArea .widget-dropdown").first
    control.wait_for(timeout=WIDGET_UPDATE_S * 1000)
    control.scroll_into_view_if_needed()
    label = control.locator(".widget-label").first.inner_text().strip()
    if control.locator(".noUi-handle").count():
        before = readout(control)
        after = press_key_on_slider(control, "ArrowRight")
        if after == before:  # already at its maximum
            after = press_key_on_slider(control, "ArrowLeft")
        return f"slider {label!r} from {before} to {after}"
    select = control.locator("select").first
    options = select.evaluate("s => [...s.options].map(o => o.value)")
    current = select.input_value()
    new = next((o for o in options if o != current), current)
    select.select_option(new)
    return f"dropdown {label!r} from {current!r} to {new!r}"


@contextlib.contextmanager
def chromium(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
