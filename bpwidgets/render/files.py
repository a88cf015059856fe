"""A drawing as SVG text, PNG bytes, or a file.

``engine.py`` runs Graphviz (the pygraphviz wheel, else ``dot`` on PATH); a graph too
big to lay out in a few seconds raises ``GraphTooBig`` before layout (``limits.py``).
"""

import pathlib

from .dot import check_drawable, draw
from .engine import render
from .limits import check_size


def pipe(dot, fmt):
    """Lay out a drawing from ``draw``/``layout`` and render it: bytes in format ``fmt``."""
    return render(dot.source, fmt, getattr(dot, "layout_size", None))


def to_svg(graph, **draw_kwargs):
    """The drawing as SVG text."""
    check_drawable(graph)
    check_size(graph)                   # refused before any DOT is written
    return pipe(draw(graph, **draw_kwargs), "svg").decode("utf-8")


def to_png(graph, dpi=144, **draw_kwargs):
    """The drawing as PNG bytes (``dpi`` 144: sharp on most screens)."""
    check_drawable(graph)
    check_size(graph)
    dot = draw(graph, **draw_kwargs)
    dot.graph_attr["dpi"] = str(dpi)
    return pipe(dot, "png")


WRITERS = {".svg": lambda graph, kw: to_svg(graph, **kw).encode("utf-8"),
           ".png": lambda graph, kw: to_png(graph, **kw)}


def write(graph, path, **draw_kwargs):
    """Write the drawing to ``path``; the extension (.svg or .png) picks the format."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise ValueError(f"cannot write {str(path)!r}: the file name must end in "
                         f"{' or '.join(WRITERS)} (got {suffix or 'no extension'!r})")
    data = WRITERS[suffix](graph, draw_kwargs)
    path.write_bytes(data)
    return path
