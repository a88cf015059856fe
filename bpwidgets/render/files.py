"""Run Graphviz: a drawing as SVG text, PNG bytes, or a file.

Only here does the ``dot`` program run; a missing one raises ``GraphvizMissing`` with
the install command, so the engine and ``bp.draw`` work without it.
"""

import pathlib

import graphviz

from .dot import draw


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` program is not installed (the Python package alone cannot draw)."""


INSTALL_HELP = ("Graphviz's 'dot' program was not found on PATH; bpwidgets needs it to draw "
                "graphs. Install it with one of: "
                "sudo apt-get install graphviz (Debian/Ubuntu) | "
                "brew install graphviz (macOS) | "
                "conda install -c conda-forge graphviz (conda)")


def pipe(dot, fmt):
    """Run Graphviz; a missing ``dot`` becomes one clear GraphvizMissing error."""
    try:
        return dot.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(INSTALL_HELP) from None


def to_svg(graph, **draw_kwargs):
    """The drawing as SVG text."""
    return pipe(draw(graph, **draw_kwargs), "svg").decode("utf-8")


def to_png(graph, dpi=144, **draw_kwargs):
    """The drawing as PNG bytes (``dpi`` 144: sharp on most screens)."""
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
