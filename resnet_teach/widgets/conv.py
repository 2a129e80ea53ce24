"""The three widgets of notebook 01: output size, padding modes, groups.

Each one only wraps functions from ``resnet_teach.lessons.conv`` and a drawing from
``resnet_teach.plots.conv``. The text is an ``ipywidgets.HTML`` with fixed class names
(rt-formula, rt-result, rt-torch, rt-message) that the browser test reads; the picture is an
``ipywidgets.Image`` holding PNG bytes, redrawn at every change. A slider combination that makes
no sense shows the logic's ValueError message (``message_html``), never a traceback.
With ``predict=True`` the parts marked ``answer(...)`` and the drawing wait for the Reveal button.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..arithmetic import PADDING_MODES
from ..lessons import conv as lesson
from ..plots.conv import Drawing, draw_padding, draw_windows
from ..plots.conv_groups import draw_groups
from ._common import Reveal, answer, message_html

__all__ = ["OutputSizeExplorer", "PaddingModeExplorer", "GroupsExplorer",
           "output_size_explorer", "padding_mode_explorer", "groups_explorer",
           "MATRIX", "PHOTO"]

MATRIX, PHOTO = "matrix 1..16", "photo"
PAD_MAX = {MATRIX: 6, PHOTO: 60}  # the matrix is 4x4, the photo 48x72: both ranges cross the limits

_STYLE = {"description_width": "70px"}
_CHECK, _CROSS = '<b style="color:#1a7f37">✓</b>', '<b style="color:#b42318">✗</b>'


def _slider(description: str, low: int, high: int, value: int, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             style=_STYLE, layout=widgets.Layout(width="330px"))


def _toggles(description: str, options: list[str], value: str) -> widgets.ToggleButtons:
    return widgets.ToggleButtons(options=options, value=value, description=description, style={
        "description_width": "70px", "button_width": "88px"})


def _code(text: str, css_class: str = "") -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<code{attribute}>{html.escape(text)}</code>"


def _code_answer(question: str, result: str, css_class: str = "") -> str:
    """``_code(question + result)`` with ``result`` marked as the answer."""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<code{attribute}>{html.escape(question)}{answer(html.escape(result))}</code>"


class _Explorer(widgets.VBox):
    """Controls on top, then the text (HTML), then the drawing (PNG image).
    With ``predict=True`` a Reveal button sits between the controls and the text."""

    def __init__(self, controls: dict[str, widgets.ValueWidget], rows: list[widgets.Widget],
                 predict: bool = False) -> None:
        self.controls = controls
        self.reveal = Reveal(predict, refresh=self.show)
        self.text = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._text, self._drawing = "", None
        super().__init__(children=rows + ([self.reveal.button] if predict else []) + [self.text, self.image])
        for control in controls.values():
            control.observe(self.update, names="value")
        self.update()

    def values(self) -> dict[str, object]:
        return {name: c.value for name, c in self.controls.items()}

    def compute(self) -> tuple[str, Drawing | None]:
        """HTML text and drawing for the current values; may raise ValueError/TypeError."""
        raise NotImplementedError

    def update(self, change: dict | None = None) -> None:
        if change is not None:
            self.reveal.hide()  # a new question: the class predicts again
        try:
            text, drawing = self.compute()
        except (ValueError, TypeError) as exc:  # a combination that makes no sense
            text, drawing = message_html(str(exc)), None
        self._text, self._drawing = text, drawing
        if drawing is not None:
            self.image.value = drawing.png()
            self.image.width = str(drawing.size[0])  # natural size: no blurry up-scaling
        self.show()

    def show(self) -> None:
        """Draw what was last computed, with or without the answer (see ``Reveal``)."""
        self.text.value = self.reveal.html(self._text)
        shown = self._drawing is not None and self.reveal.shows_answer
        self.image.layout.display = None if shown else "none"


class OutputSizeExplorer(_Explorer):
    """Sliders n, k, p, s, d; conv / max pool / avg pool; ceil_mode; a 1-D or 2-D drawing."""

    def __init__(self, size: int = 7, kernel_size: int = 3, padding: int = 1, stride: int = 2,
                 dilation: int = 1, layer: str = "conv", ceil_mode: bool = False, view: str = "2-D",
                 predict: bool = False) -> None:
        controls = {
            "n": _slider("n", 1, 20, size),
            "k": _slider("k", 1, 7, kernel_size),
            "p": _slider("p", 0, 4, padding),
            "s": _slider("s", 1, 4, stride),
            "d": _slider("d", 1, 3, dilation),
            "layer": _toggles("layer", list(lesson.LAYERS), layer),
            "ceil_mode": widgets.Checkbox(value=ceil_mode, description="ceil_mode", indent=False),
            "view": _toggles("view", ["2-D", "1-D"], view),
        }
        sliders = widgets.VBox([controls[name] for name in "nkpsd"])
        choices = widgets.VBox([controls["layer"], widgets.HBox([controls["ceil_mode"]],
                                layout=widgets.Layout(padding="0 0 0 76px")), controls["view"]])
        super().__init__(controls, [widgets.HBox([sliders, choices])], predict)

    def compute(self) -> tuple[str, Drawing | None]:
        v = self.values()
        args = dict(size=v["n"], kernel_size=v["k"], stride=v["s"], padding=v["p"], dilation=v["d"],
                    layer=v["layer"], ceil_mode=v["ceil_mode"])
        e = lesson.explain_output_size(**args)
        drawing = draw_windows(lesson.window_positions(**args), v["view"])
        torch_said = (html.escape(str(e.torch.size)) if e.torch.error is None
                      else html.escape(e.torch.error))
        verdict = _CHECK + " they agree" if e.agrees else _CROSS + " they disagree"
        shape = "refused" if e.torch.shape is None else str(e.torch.shape)
        notes = "".join(f'<div class="rt-note">{html.escape(n)}</div>' for n in e.notes)
        worked = "".join(" = " + step for step in e.steps[1:])  # the inputs filled in show, not these
        result = answer(f'<span class="rt-result">{e.result}</span>')
        torch_answer = answer(f'<span class="rt-torch">{torch_said}</span>')
        text = (
            f'<div class="rt-explain" style="line-height:1.7">'
            f"<div>out = {_code(e.formula)}</div>"
            f'<div>{_code_answer("out = " + e.steps[0], worked, "rt-formula")}</div>'
            f"<div>our formula: <b>{result}</b> &nbsp;·&nbsp; "
            f"PyTorch: <b>{torch_answer}</b> &nbsp;{answer(verdict)}</div>"
            f"<div>{_code(e.torch.call)} on {_code(f'torch.zeros(1, 1, {e.size}, {e.size})')} "
            f"returns shape {answer(_code(shape))}</div>{answer(notes) if notes else ''}</div>")
        return text, drawing


class PaddingModeExplorer(_Explorer):
    """Padding mode and width, on the 4x4 matrix 1..16 or on a photograph."""

    WHAT = {
        "zeros": "fills the border with 0 (F.pad calls it 'constant').",
        "reflect": "mirrors around the edge pixel, without repeating it: needs pad < size.",
        "replicate": "repeats the edge pixel outwards.",
        "circular": "wraps around, as if the image tiled the plane: needs pad <= size.",
    }

    def __init__(self, mode: str = "reflect", pad: int = 1, source: str = MATRIX,
                 predict: bool = False) -> None:
        controls = {
            "mode": _toggles("mode", list(PADDING_MODES), mode),
            "pad": _slider("pad", 0, PAD_MAX[source], pad),
            "input": _toggles("input", [MATRIX, PHOTO], source),
        }
        controls["input"].style.button_width = "110px"
        super().__init__(controls, [controls["input"], controls["mode"], controls["pad"]], predict)

    def update(self, change: dict | None = None) -> None:
        if change is not None and change.get("owner") is self.controls["input"]:
            # the photo is bigger, so its slider goes further; this may move pad (one more update)
            self.controls["pad"].max = PAD_MAX[self.controls["input"].value]
        super().update(change)

    def compute(self) -> tuple[str, Drawing | None]:
        v = self.values()
        photo = v["input"] == PHOTO
        x = lesson.small_photo() if photo else lesson.matrix_1_to_16()
        res = lesson.pad_with_mode(x, v["pad"], v["mode"])
        n, c, h, w = x.shape
        p = res.pad
        expected = (n, c, h + 2 * p, w + 2 * p)  # every mode adds pad on each side
        text = (
            f'<div class="rt-explain" style="line-height:1.7">'
            f"<div>{_code(f'x.shape = {tuple(x.shape)}')} &nbsp; {_code(res.call)}</div>"
            f"<div>size after padding: {_code(f'(H + 2·pad, W + 2·pad) = ({h} + 2·{p}, {w} + 2·{p})', 'rt-formula')}"
            f' → <b>{answer(f"""<span class="rt-result">{expected}</span>""")}</b> &nbsp;·&nbsp; PyTorch: '
            f'<b>{answer(f"""<span class="rt-torch">{tuple(res.padded.shape)}</span>""")}</b></div>'
            f"<div><b>{html.escape(res.mode)}</b> {html.escape(self.WHAT[res.mode])}</div>"
            f"<div>{_code(f'nn.Conv2d(..., padding={p}, padding_mode={res.mode!r})')} pads the same way: "
            f"{answer(_CHECK if res.conv_matches else _CROSS)} &nbsp;·&nbsp; "
            f"{_code('resnet_teach.scratch_pad')} gives the same tensor: "
            f"{answer(_CHECK if res.scratch_matches else _CROSS)}</div></div>")
        return text, draw_padding([res], photo=photo)


class GroupsExplorer(_Explorer):
    """in_channels, out_channels, groups, kernel size: weight shape, parameters, multiply-adds."""

    def __init__(self, in_channels: int = 16, out_channels: int = 32, groups: int = 4,
                 kernel_size: int = 3, size: int = 8, predict: bool = False) -> None:
        self.size = size
        controls = {
            "in_channels": _slider("in_channels", 1, 64, in_channels),
            "out_channels": _slider("out_channels", 1, 64, out_channels),
            "groups": _slider("groups", 1, 64, groups),
            "k": _slider("k", 1, 7, kernel_size, step=2),
        }
        super().__init__(controls, [widgets.VBox(list(controls.values()))], predict)

    def compute(self) -> tuple[str, Drawing | None]:
        v = self.values()
        f = lesson.groups_facts(v["in_channels"], v["out_channels"], v["groups"], v["k"], self.size)
        o, i, g, k, m = f.out_channels, f.in_channels, f.groups, f.kernel_size, f.output_size
        call = f"nn.Conv2d({i}, {o}, kernel_size={k}, padding={k // 2}, groups={g})"
        params = (f"{o}·{f.in_per_group}·{k}·{k} + {o}", f" = {f.formula_parameters:,}")
        macs = (f"{m}·{m}·{o}·{f.in_per_group}·{k}·{k}", f" = {f.macs:,}")
        result = answer(f'<span class="rt-result">{f.formula_parameters}</span>')
        torch_answer = answer(f'<span class="rt-torch">{f.parameters}</span>')
        dense = f"(dense: {f.dense_parameters:,}, {f.dense_parameters / f.parameters:.1f}x more)"
        counted = f"(count_macs: {f.macs:,}; dense: {f.dense_macs:,}, {f.dense_macs / f.macs:.1f}x more)"
        text = (
            f'<div class="rt-explain" style="line-height:1.7">'
            f"<div>{_code(call)}: a <b>{f.kind}</b> convolution, {g} group(s) of "
            f"{f.in_per_group} input → {f.out_per_group} output channels</div>"
            f"<div>weight [out, in/groups, k, k] = {_code(f'[{o}, {i}/{g}, {k}, {k}]')} "
            f"= {answer(_code(str(list(f.weight_shape)), 'rt-formula'))} (PyTorch's conv.weight.shape)</div>"
            f"<div>parameters (weights + biases): {_code_answer(*params)} → "
            f"<b>{result}</b> &nbsp;·&nbsp; PyTorch counts <b>{torch_answer}</b> "
            f"{answer(_CHECK if f.parameters == f.formula_parameters else _CROSS)} "
            f"&nbsp;{answer(dense)}</div>"
            f"<div>multiply-adds on a {self.size}x{self.size} input: {_code_answer(*macs)} "
            f"{answer(counted)}</div>"
            f"</div>")
        return text, draw_groups([f])


def output_size_explorer(**kwargs) -> OutputSizeExplorer:
    """The output-size explorer (see OutputSizeExplorer for the keyword arguments)."""
    return OutputSizeExplorer(**kwargs)


def padding_mode_explorer(**kwargs) -> PaddingModeExplorer:
    """The padding-mode explorer (see PaddingModeExplorer for the keyword arguments)."""
    return PaddingModeExplorer(**kwargs)


def groups_explorer(**kwargs) -> GroupsExplorer:
    """The groups explorer (see GroupsExplorer for the keyword arguments)."""
    return GroupsExplorer(**kwargs)
