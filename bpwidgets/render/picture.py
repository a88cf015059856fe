"""A drawing to show in a notebook: ``show(graph)`` returns a ``Picture``.

The Picture holds the SVG for the eye and a short, deterministic text (output value,
input gradients) for ``repr``. The SVG's bytes do not depend on the machine's fonts
(``text.py``), so nbval compares the lessons' pictures too (with the pinned Graphviz).
"""

import base64
import html
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..graph import formula
from ..labels import format_array
from .dot import PICTURE_END, PICTURE_MARK, PICTURE_MIN_SCALE
from .files import drawing, png_bytes, svg_text

PICTURE_DPI = 96             # the PNG copy: 1 px per CSS px, small in a stored notebook


def natural_width(svg):
    """An SVG's width in CSS pixels, as Graphviz writes it (in points: 1pt = 4/3 px)."""
    match = re.search(r'<svg width="([\d.]+)(pt|px)?"', svg)
    return float(match.group(1)) * (4 / 3 if match.group(2) == "pt" else 1)


class Picture:
    """A drawing to show in a notebook: the picture for the eye, and a short,
    deterministic text (output value, input gradients) for ``repr`` and nbval.

    In a notebook it is HTML: the SVG as an image that shrinks to the page's width, down
    to 60% of its size, and scrolls on a narrower page. JupyterLab shows that HTML even
    in a notebook opened without running it (untrusted), where it shows no inline SVG.
    A PNG copy goes along for viewers that show no HTML. ``svg`` is the SVG text.
    """

    def __init__(self, svg, text, png=None, note=""):
        self.svg = svg
        self.text = text
        self.png = png
        self.note = note        # why numbers are missing, under the picture ("": none are)

    def html(self):
        width = natural_width(self.svg)
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        note = (f"<div style='font-size:smaller;color:#555'>{html.escape(self.note)}</div>"
                if self.note else "")
        return (f"{PICTURE_MARK}\n<div style='overflow-x:auto'>"
                f"<div style='max-width:{width:.0f}px;min-width:{PICTURE_MIN_SCALE * width:.0f}px'>"
                f"<img alt='{html.escape(self.text, quote=True)}' "
                f"style='width:100%;height:auto;display:block' "
                f"src='data:image/svg+xml;base64,{data}'></div></div>{note}\n{PICTURE_END}")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text, "text/html": self.html()}
        if self.png is not None:
            bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle

    def __repr__(self):
        return self.text


def show(graph, **draw_kwargs):
    """A Picture of the graph with its current numbers (``bp.draw``'s keywords apply).

    >>> bp.show(g)
    <Picture of (x + y) * z: 5 nodes, output -12.00; grads x -4.00, y -4.00, z 3.00>
    """
    dot = drawing(graph, **draw_kwargs)
    # Graphviz lays the drawing out twice, for the SVG and for the PNG. A big graph's
    # layouts run in child processes (engine.py), so the PNG's runs beside the SVG's:
    # for 1,199 nodes (2 cores), 2.7-4.0 s side by side against 5.4-8.2 s one after the other.
    with ThreadPoolExecutor(max_workers=1) as beside:
        png = beside.submit(png_bytes, dot, PICTURE_DPI)
        svg = svg_text(dot)
        png = png.result()
    note = missing_numbers(graph)
    return Picture(svg[svg.index("<svg"):], describe(graph, draw_kwargs.get("decimals", 2), note),
                   png, note)


def missing_numbers(graph):
    """Why a picture of ``graph`` shows no values, or no gradients, and what to run; "" if it
    shows both. (A '?' on every edge said nothing of why.)"""
    if not graph.forward_done:
        return "no numbers" + (graph.overwritten() or " yet (run forward(...) to see them)")
    if not graph.backward_done:
        return "no gradients" + (graph.gradients_gone() or " yet (run backward() to see them)")
    return ""


def describe(graph, decimals=2, note=""):
    """'<Picture of (x + y) * z: 5 nodes, output -12.00; grads x -4.00, ...>', and the
    ``note`` on missing numbers last."""
    what = graph.expression if graph.expression is not None else formula(graph)
    if len(what) > 50:
        what = what[:47] + "..."
    text = f"<Picture of {what}: {len(graph.nodes)} nodes"

    def brief(value):
        return format_array(value, decimals, flat=True) or f"array {np.shape(value)}"
    if graph.forward_done:
        text += f", output {brief(graph.output.value)}"
    if graph.backward_done:
        grads = [f"{name} {brief(node.grad)}" for name, node in list(graph.inputs.items())[:6]]
        more = ", ..." if len(graph.inputs) > 6 else ""
        text += "; grads " + ", ".join(grads) + more
    return text + (f"; {note}" if note else "") + ">"
