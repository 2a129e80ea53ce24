"""Write the web edition's static pages from MyST's content server (Jupyter Book 2's `render` hook).

`jupyter book build --html` parses the notebooks (their stored outputs; nothing executes), serves
the result as JSON at $CONTENT_CDN, and runs this script with $BUILD_DIRECTORY, where it writes:

    index.html, <slug>.html   one page per entry of the table of contents in myst.yml
    build/                    the notebooks' figures and the .ipynb downloads
    stills/                   each explorer's starting drawing (widgets cannot run on a static page)
    style.css

Links are relative, so the site works from any folder of a web server (GitHub Pages) and from
the disk. A widget output becomes a still of its starting state, made by the explorer itself
(its text and the drawing from the notebook's drawing functions), with a "run it live" link to
Binder. Anything this script cannot render is a build error: it is reported and the build fails.
"""
from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
import sys
import urllib.request
from pathlib import Path
from typing import Any

THEME = Path(__file__).resolve().parent
ROOT = THEME.parent.parent  # the repository: its resnet_teach makes the stills
CDN = os.environ.get("CONTENT_CDN", "").rstrip("/")
OUT = Path(os.environ.get("BUILD_DIRECTORY", ROOT / "_build" / "html"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MATHML = re.compile(r"<math\b.*?</math>", re.S)
esc = html.escape
errors: list[str] = []


def fetch(path: str) -> bytes:
    with urllib.request.urlopen(f"{CDN}{path}", timeout=60) as response:
        return response.read()


def public_file(path: str) -> str:
    """Copy a file the content server publishes (a figure, a notebook) to build/; its link."""
    name = Path(path).name
    target = OUT / "build" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fetch(path))
    return f"build/{name}"


class Page:
    """One page: its MyST content, and what rendering it needs to know."""

    def __init__(self, slug: str, content: dict, binder: str | None) -> None:
        self.slug, self.content, self.binder = slug, content, binder
        self.stills = 0

    # ------------------------------------------------------------------ nodes

    def render(self, node: dict) -> str:
        kind = node.get("type")
        inner = lambda: "".join(self.render(c) for c in node.get("children", []))  # noqa: E731
        if kind in ("root", "block"):
            if node.get("kind") == "notebook-code":
                return f'<div class="cell">{inner()}</div>'
            return inner()
        if kind == "text":
            return esc(node["value"])
        if kind == "heading":
            anchor = node.get("html_id") or node.get("identifier") or ""
            return f'<h{node["depth"]} id="{esc(anchor)}">{inner()}</h{node["depth"]}>'
        simple = {"paragraph": "p", "strong": "strong", "emphasis": "em", "listItem": "li", "tableRow": "tr",
                  "blockquote": "blockquote", "details": "details", "summary": "summary",
                  "delete": "del", "subscript": "sub", "superscript": "sup", "underline": "u"}
        if kind in simple:
            return f"<{simple[kind]}>{inner()}</{simple[kind]}>"
        if kind == "inlineCode":
            return f"<code>{esc(node['value'])}</code>"
        if kind == "code":
            lang = esc(node.get("lang") or "text")
            return f'<pre><code class="language-{lang}">{esc(node["value"])}</code></pre>'
        if kind == "list":
            tag = "ol" if node.get("ordered") else "ul"
            start = f' start="{node["start"]}"' if node.get("ordered") and node.get("start", 1) != 1 else ""
            return f"<{tag}{start}>{inner()}</{tag}>"
        if kind == "table":
            return f"<table>{inner()}</table>"
        if kind == "tableCell":
            tag = "th" if node.get("header") else "td"
            return f"<{tag}>{inner()}</{tag}>"
        if kind == "link":
            return f'<a href="{esc(self.href(node))}">{inner()}</a>'
        if kind == "crossReference":  # a heading, figure, ... here or on another page
            page = f"{node['url'][1:] or 'index'}.html" if node.get("remote") and node.get("url") else ""
            anchor = node.get("html_id") or node.get("identifier", "")
            return f'<a href="{esc(page)}#{esc(anchor)}">{inner()}</a>'
        if kind in ("math", "inlineMath"):
            found = MATHML.search(node.get("html", ""))
            if found:
                return found.group(0)
            return f"<code>{esc(node.get('value', ''))}</code>"
        if kind == "image":
            url = node.get("url", "")
            src = public_file(url) if url.startswith("/") else url
            return f'<img src="{esc(src)}" alt="{esc(node.get("alt", ""))}">'
        if kind == "thematicBreak":
            return "<hr>"
        if kind == "break":
            return "<br>"
        if kind == "html":
            return node["value"]
        if kind == "outputs":
            return f'<div class="outputs">{inner()}</div>'
        if kind == "output":
            return self.output(node)
        if kind in ("admonition", "aside", "div", "span", "container", "caption", "legend", "mystDirective",
                    "mystRole", "footnoteDefinition", "abbreviation", "definitionList"):
            return f'<div class="{esc(kind)}">{inner()}</div>'
        if kind in ("comment", "mystComment"):
            return ""
        errors.append(f"{self.slug}: cannot render a MyST node of type {kind!r}")
        return f'<div class="build-error">cannot render {esc(str(kind))}</div>'

    def href(self, link: dict) -> str:
        url = link.get("url", "")
        if link.get("internal") and url.startswith("/"):  # another page of the book
            path, _, anchor = url[1:].partition("#")
            return f"{path or 'index'}.html" + (f"#{anchor}" if anchor else "")
        if url.startswith("#"):
            return url
        if url.startswith("/"):  # a file the content server publishes
            return public_file(url)
        return url

    # ------------------------------------------------------------------ notebook outputs

    def output(self, node: dict) -> str:
        out = node.get("jupyter_data", {})
        kind = out.get("output_type")
        if kind == "stream":
            text = ANSI.sub("", out.get("text", ""))
            return f'<pre class="{esc(out.get("name", "stdout"))}">{esc(text)}</pre>'
        if kind == "error":  # cells tagged raises-exception show the error they teach
            text = out.get("traceback") or f"{out.get('ename')}: {out.get('evalue')}"
            text = "\n".join(text) if isinstance(text, list) else text
            return f'<pre class="error">{esc(ANSI.sub("", text))}</pre>'
        data = out.get("data") or {}
        if WIDGET_MIME in data:
            return self.still(node)
        if "image/png" in data:
            alt = data.get("text/plain", {}).get("content", "figure")
            return f'<img src="{esc(public_file(data["image/png"]["path"]))}" alt="{esc(alt)}">'
        if "text/html" in data:
            return f'<div class="html-output">{data["text/html"]["content"]}</div>'
        if "text/plain" in data:
            return f"<pre>{esc(data['text/plain']['content'])}</pre>"
        errors.append(f"{self.slug}: an output with nothing to show ({sorted(data)})")
        return '<div class="build-error">an output with nothing to show</div>'

    def still(self, output_node: dict) -> str:
        """The explorer's starting state, made by the explorer itself, and a link to run it live."""
        code = self._cell_code(output_node)
        live = (f' <a class="run-live" href="{esc(self.binder)}">Run it live on Binder</a>' if self.binder
                else "")
        try:
            parts = widget_parts(build_widget(code))
        except Exception as exc:  # noqa: BLE001 - reported as a build error, never hidden
            errors.append(f"{self.slug}: the still of `{code.strip().splitlines()[-1]}` failed: {exc!r}")
            return '<div class="build-error">a widget still failed</div>'
        self.stills += 1
        body = []
        controls = [p for kind, p in parts if kind == "control"]
        if controls:
            body.append(f'<div class="controls">{esc(" · ".join(controls))}</div>')
        for kind, part in parts:
            if kind == "html":
                body.append(f"<div>{part}</div>")
            elif kind == "png":
                name = f"{self.slug}-{self.stills}.png"
                (OUT / "stills").mkdir(parents=True, exist_ok=True)
                (OUT / "stills" / name).write_bytes(part)
                alt = "the explorer's drawing at its starting position"
                body.append(f'<img src="stills/{name}" alt="{esc(alt)}">')
        caption = ("An interactive explorer, shown here at its starting position (its sliders need a "
                   f"running Python kernel).{live}")
        return f'<figure class="still"><figcaption>{caption}</figcaption>{"".join(body)}</figure>'

    def _cell_code(self, output_node: dict) -> str:
        def find(node: dict, parent: dict | None) -> dict | None:
            if node is output_node:
                return parent
            for child in node.get("children", []):
                found = find(child, node if node.get("type") == "block" else parent)
                if found is not None:
                    return found
            return None
        block = find(self.content["mdast"], None) or {}
        return next((c["value"] for c in block.get("children", []) if c.get("type") == "code"), "")


def build_widget(code: str) -> Any:
    """Run a widget cell's code (its imports and the call that makes the widget) and return the widget.

    Notebook variables a cell may pass in are left out, and each explorer starts without them:
    05's stored run (``results=None``), 07's data and trained networks (the explorer loads the
    digits itself, and offers to train the networks)."""
    tree = ast.parse(code)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError("the cell does not end with the widget")
    namespace: dict = {"results": None, "train_split": None, "test_split": None, "models": None}
    exec(compile(ast.Module(tree.body[:-1], type_ignores=[]), "<widget cell>", "exec"), namespace)  # noqa: S102
    return eval(compile(ast.Expression(tree.body[-1].value), "<widget cell>", "eval"), namespace)  # noqa: S307


def widget_parts(widget: Any) -> list[tuple[str, Any]]:
    """What a widget shows, in order: its controls' values, its HTML, its PNG drawings."""
    import ipywidgets as widgets

    from resnet_teach.widgets._common import strip_answer_marks

    parts: list[tuple[str, Any]] = []

    def walk(w: Any) -> None:
        if getattr(w, "layout", None) is not None and w.layout.display == "none":
            return
        if isinstance(w, widgets.Image) and w.value:
            parts.append(("png", bytes(w.value)))
        elif isinstance(w, (widgets.HTML, widgets.HTMLMath)) and w.value:
            parts.append(("html", strip_answer_marks(w.value)))
        elif isinstance(w, widgets.ValueWidget) and getattr(w, "description", ""):
            parts.append(("control", f"{w.description} = {w.value}"))
        elif isinstance(w, widgets.Button) and w.description:  # e.g. 07's lesion explorer: "Train"
            parts.append(("control", f"button: {w.description}"))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(widget)
    return parts


def page_html(site_title: str, nav: list[tuple[str, str]], slug: str, title: str, body: str,
              actions: str) -> str:
    items = "".join(f'<li><a href="{s}.html"{" aria-current=page" if s == slug else ""}>{esc(t)}</a></li>'
                    for s, t in nav)
    slugs = [s for s, _ in nav]
    i = slugs.index(slug)
    prev = f'<a href="{slugs[i - 1]}.html">← {esc(nav[i - 1][1])}</a>' if i > 0 else "<span></span>"
    nxt = f'<a href="{slugs[i + 1]}.html">{esc(nav[i + 1][1])} →</a>' if i + 1 < len(nav) else "<span></span>"
    full_title = title if slug == "index" else f"{title} · {site_title}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(full_title)}</title>
<link rel="stylesheet" href="style.css"></head>
<body><header class="site"><a href="index.html">{esc(site_title)}</a></header>
<div class="layout"><nav class="toc" aria-label="Contents"><ol>{items}</ol></nav>
<main><h1>{esc(title)}</h1>{actions}{body}<nav class="pager">{prev}{nxt}</nav></main></div>
</body></html>
"""


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    config = json.loads(fetch("/config.json"))
    project = config["projects"][0]
    site_title = config.get("title") or project.get("title", "")
    github = (project.get("github") or "").rstrip("/")
    slugs = [project["index"]] + [p["slug"] for p in project["pages"]]
    contents = {slug: json.loads(fetch(f"/content/{slug}.json")) for slug in slugs}
    nav = [("index" if s == project["index"] else s, contents[s]["frontmatter"].get("title", s))
           for s in slugs]
    for (slug, title), source in zip(nav, slugs):
        content = contents[source]
        location = content.get("location", "")
        binder = None
        actions = ""
        if location.endswith(".ipynb"):
            if github.startswith("https://github.com/"):
                repo = github.removeprefix("https://github.com/")
                binder = f"https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree{location}"
                actions += f'<a href="{esc(binder)}">Open on Binder</a>'
            for export in content["frontmatter"].get("exports", []):
                if export.get("format") == "ipynb" and export.get("url"):
                    name, href = esc(export["filename"]), esc(public_file(export["url"]))
                    actions += f'<a href="{href}" download="{name}">Download {name}</a>'
        page = Page(slug, content, binder)
        body = page.render(content["mdast"])
        actions = f'<div class="actions">{actions}</div>' if actions else ""
        (OUT / f"{slug}.html").write_text(page_html(site_title, nav, slug, title, body, actions))
    shutil.copy(THEME / "style.css", OUT / "style.css")
    (OUT / ".nojekyll").write_text("")  # GitHub Pages: serve the files as they are
    for problem in errors:
        print(f"render.py: ERROR {problem}", file=sys.stderr)
    print(f"render.py: wrote {len(nav)} pages to {OUT}" + (f", {len(errors)} error(s)" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
