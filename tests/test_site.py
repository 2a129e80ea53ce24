"""The web edition: Jupyter Book 2 builds it from a clean copy of the repository, and every page
works in a real (headless) Chromium.

The build runs the README's command (``python3 -m jupyter book build --html``) in a temporary
copy of the files git tracks, so nothing untracked (an old _build/, a local setting) can help it.
Then a local web server serves _build/html/ and Chromium opens the landing page and every page of
the table of contents. Each page must have the notebook's title, every image must load, every
link inside the site must lead to a page (and an anchor there) that exists, no page may show a
build error, and each explorer of a notebook must be a still with a "run it live" link.
Without Node.js, jupyter-book or Chromium this skips with the reason, except under CI (CI=true).
"""
from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser_support import browser_unavailable, chromium, find_chromium, running_under_ci
from voila_support import save_screenshot

ROOT = Path(__file__).resolve().parent.parent
BUILD_COMMAND = "python3 -m jupyter book build --html"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
BUILD_S = 600


def toc_notebooks() -> list[Path]:
    files = re.findall(r"^\s*- file: (\S+)", (ROOT / "myst.yml").read_text(), re.M)
    return [ROOT / f for f in files if f.endswith(".ipynb")]


def notebook_title(path: Path) -> str:
    first = "".join(json.loads(path.read_text())["cells"][0]["source"])
    return first.splitlines()[0].removeprefix("# ").strip()


def widget_outputs(path: Path) -> int:
    return sum(WIDGET_MIME in out.get("data", {}) for cell in json.loads(path.read_text())["cells"]
               for out in cell.get("outputs", []))


def why_no_build() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed (Jupyter Book 2 needs it: apt-get install nodejs)"
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        return "jupyter-book is not installed (pip install -r requirements.txt)"
    return browser_unavailable()


def clean_copy(target: Path) -> None:
    """The files git tracks (with their working-tree contents), as a fresh clone would have them."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:  # not a git checkout: everything but what the build makes
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns("_build", ".git", "artifacts"))
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    reason = why_no_build()
    if reason:
        if running_under_ci():
            pytest.fail(f"CI=true, so the web edition must build and be checked, but {reason}", pytrace=False)
        pytest.skip(reason)
    copy = tmp_path_factory.mktemp("clone")
    clean_copy(copy)
    start = time.perf_counter()
    built = subprocess.run(BUILD_COMMAND.split(), cwd=copy, capture_output=True, text=True, timeout=BUILD_S)
    seconds = time.perf_counter() - start
    log = built.stdout + built.stderr
    print(f"web edition built in {seconds:.1f} s")
    assert built.returncode == 0, f"{BUILD_COMMAND} failed:\n{log[-3000:]}"
    problems = [line for line in log.splitlines() if re.search(r"\berror\b|⛔|⚠️", line, re.I)]
    assert not problems, "the build reported problems:\n" + "\n".join(problems)
    html = copy / "_build" / "html"
    handler = functools.partial(QuietHandler, directory=str(html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"dir": html, "url": f"http://127.0.0.1:{server.server_address[1]}/", "seconds": seconds}
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def browser(site):
    with chromium(find_chromium()) as launched:
        yield launched


def pages(site) -> list[tuple[str, str]]:
    """(file, expected <h1>) for the landing page and every notebook of the table of contents."""
    landing = (ROOT / "site" / "index.md").read_text().splitlines()[0].removeprefix("# ")
    found = [("index.html", landing)]
    for path in toc_notebooks():
        title = notebook_title(path)
        matches = [p.name for p in site["dir"].glob("*.html")
                   if f"<h1>{_escape(title)}</h1>" in p.read_text()]
        assert len(matches) == 1, f"one page should have the title of {path.name}, found {matches}"
        found.append((matches[0], title))
    return found


def _escape(text: str) -> str:
    import html
    return html.escape(text)


def link_problems(site, page_file: str, hrefs: list[str]) -> list[str]:
    """Every link inside the site must reach a file, and its #anchor must exist there."""
    problems = []
    for href in sorted(set(hrefs)):
        parts = urllib.parse.urlsplit(href)
        if parts.scheme or href.startswith("//"):
            continue  # Binder, GitHub, papers: outside the site (and outside this offline machine)
        target = page_file if not parts.path else urllib.parse.unquote(parts.path)
        url = urllib.parse.urljoin(site["url"], target)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
        except OSError as exc:
            problems.append(f"{page_file}: {href} -> {exc}")
            continue
        if parts.fragment and f'id="{parts.fragment}"'.encode() not in body:
            problems.append(f"{page_file}: {href} -> no element with id {parts.fragment!r}")
    return problems


@pytest.mark.browser
def test_every_page_works_in_a_browser(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    site_title = re.search(r"^\s*title: (.+)$", (ROOT / "myst.yml").read_text().split("site:")[1], re.M).group(1)
    try:
        for page_file, title in pages(site):
            page.goto(site["url"] + page_file)
            page.wait_for_load_state("load")
            expected = title if page_file == "index.html" else f"{title} · {site_title}"
            assert page.title() == expected and page.locator("h1").inner_text() == title
            broken = page.eval_on_selector_all("img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
                                                      ".map(i => i.getAttribute('src'))")
            assert not broken, f"{page_file}: images that do not load: {broken}"
            assert page.locator(".build-error").count() == 0, f"{page_file} shows a build error"
            hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
            assert not link_problems(site, page_file, hrefs), link_problems(site, page_file, hrefs)
            if page_file == "index.html":
                save_screenshot(page, "site-index", readme=True)
    finally:
        context.close()


@pytest.mark.browser
def test_every_explorer_is_a_still_with_a_run_it_live_link(site, browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    shot = False
    try:
        for (page_file, _title), path in zip(pages(site)[1:], toc_notebooks()):
            page.goto(site["url"] + page_file)
            stills = page.locator("figure.still")
            assert stills.count() == widget_outputs(path), f"{page_file}: one still per widget of {path.name}"
            for i in range(stills.count()):
                still = stills.nth(i)
                live = still.locator("a.run-live").get_attribute("href")
                assert live.startswith("https://mybinder.org/v2/gh/") and live.endswith(f"/notebooks/{path.name}")
                # the controls' values, then what the explorer shows: its text, its drawing
                assert still.locator(":scope > div, :scope > img").count() >= 2, f"{page_file}: an empty still"
                if still.locator("img").count() and not shot:
                    still.scroll_into_view_if_needed()
                    box = still.bounding_box()
                    save_screenshot(page, "site-still", readme=True, clip=box)
                    shot = True
            download = page.locator(".actions a[download]")
            assert download.count() == 1 and download.get_attribute("download") == path.name
    finally:
        context.close()
    assert shot, "no still with a drawing was found"


def test_landing_map_has_every_notebook_with_its_header_times():
    from test_front_door import header_times, map_row

    text = (ROOT / "site" / "index.md").read_text()
    for path in toc_notebooks():
        minutes, seconds = header_times(path)
        row = map_row(text, f"../notebooks/{path.name}")
        assert f"| {minutes} min · {seconds} s |" in row, row


def test_the_toc_lists_every_numbered_notebook_and_the_readme_documents_the_build():
    numbered = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    assert toc_notebooks() == numbered
    assert BUILD_COMMAND in (ROOT / "README.md").read_text()
    assert "_build/" in (ROOT / ".gitignore").read_text().splitlines()
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert BUILD_COMMAND in workflow and "path: _build/html" in workflow
    assert "actions/deploy-pages@" in workflow and "pages: write" in workflow and "id-token: write" in workflow


def test_the_link_check_finds_missing_pages_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<h2 id="here">here</h2>')
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = {"url": f"http://127.0.0.1:{server.server_address[1]}/"}
        found = link_problems(site, "a.html", ["a.html#here", "#here", "a.html#gone", "b.html", "https://x.org/"])
    finally:
        server.shutdown()
        server.server_close()
    assert len(found) == 2 and "no element with id 'gone'" in found[0] and "b.html" in found[1], found
