"""A drawing as SVG text, PNG bytes, or a file.

``engine.py`` runs Graphviz (the pygraphviz wheel, else ``dot`` on PATH); a graph too
big to lay out in a few seconds raises ``GraphTooBig`` before layout (``limits.py``).
"""

import math
import numbers
import pathlib

from .dot import check_drawable, draw
from .engine import render
from .limits import check_size

PNG_MAX_PIXELS = (4000, 4000)
"""The biggest PNG drawn, in pixels either way (16 megapixels at most): a bigger picture
is scaled down to fit, and a smaller one is left exactly as it was (the lessons' are
2,136 px wide at most, at 144 dpi). A PNG is a bitmap. The README's 400 squares a_i * a_i
(1,199 nodes, under ``limits.DRAW_LIMIT``) measure 85,645 x 15,654 points: 171,290 x
31,308 px at 144 dpi. Cairo shrank that to its own limit, 32,767 px wide, and still drew
196 megapixels (800 MB of memory, 12.5 s of Graphviz's time against 2.8 s for the SVG),
so ``to_png`` was stopped at its 10 s time limit and ``bp.show`` failed after 13 s.
Capped, the PNG is 4,000 x 731 px (67 kB); measured on a 2-core machine, to_png takes
3.0-4.3 s and bp.show 2.7-4.0 s. Its texts are too small to read either way: the SVG is
the picture to read, the PNG shows the graph's shape. The cap also drew the 35-term
tanh graph of ``limits.py`` in 1.5 s instead of 2.4 s (4,000 x 2,051 px, not 7,455 x
3,822)."""


def pipe(dot, fmt):
    """Lay out a drawing from ``draw``/``layout`` and render it: bytes in format ``fmt``."""
    return render(dot.source, fmt, getattr(dot, "layout_size", None))


def drawing(graph, **draw_kwargs):
    """``draw(graph)``, once the graph is known to be drawable and small enough: a graph
    too big is refused before any DOT is written."""
    check_drawable(graph)
    check_size(graph)
    return draw(graph, **draw_kwargs)


def svg_text(dot):
    """A drawing from ``draw`` laid out as SVG text."""
    return pipe(dot, "svg").decode("utf-8")


def png_bytes(dot, dpi=144):
    """A drawing from ``draw`` laid out as a PNG at ``dpi``, within PNG_MAX_PIXELS (the
    drawing itself is not changed)."""
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not dpi > 0:
        raise ValueError(f"dpi must be a positive number (dots per inch), got {dpi!r}")
    png = dot.copy()
    png.layout_size = getattr(dot, "layout_size", None)
    png.graph_attr["dpi"] = str(dpi)
    # Graphviz's size (inches) shrinks a bigger drawing to fit and leaves a smaller one
    # as it is; rounded down, so that size x dpi stays within the pixels.
    width, height = (math.floor(pixels / dpi * 1000) / 1000 for pixels in PNG_MAX_PIXELS)
    png.graph_attr["size"] = f"{width:g},{height:g}"
    return pipe(png, "png")


def to_svg(graph, **draw_kwargs):
    """The drawing as SVG text."""
    return svg_text(drawing(graph, **draw_kwargs))


def to_png(graph, dpi=144, **draw_kwargs):
    """The drawing as PNG bytes (``dpi`` 144: sharp on most screens), at most
    PNG_MAX_PIXELS: a bigger picture is scaled down to fit."""
    return png_bytes(drawing(graph, **draw_kwargs), dpi)


def to_pdf(graph, **draw_kwargs):
    """The drawing as PDF bytes (vector, for slides and handouts), the size of the SVG:
    without the half-inch page margin Graphviz gives a PDF by default."""
    pdf = drawing(graph, **draw_kwargs)
    pdf.graph_attr["margin"] = "0"
    pdf.graph_attr["size"] = PDF_MAX_INCHES         # shrinks a bigger drawing to fit
    return pipe(pdf, "pdf")


PDF_MAX_INCHES = "200,200"
"""The biggest PDF page, in inches either way: 14,400 points, what PDF viewers accept
(the README's 400 squares a_i * a_i measure 85,646 x 15,660 points)."""


WRITERS = {".svg": lambda graph, kw: to_svg(graph, **kw).encode("utf-8"),
           ".png": lambda graph, kw: to_png(graph, **kw),
           ".pdf": lambda graph, kw: to_pdf(graph, **kw)}


def one_of(suffixes):
    """'.svg, .png or .pdf': the endings a file name may have, for a message."""
    suffixes = list(suffixes)
    return ", ".join(suffixes[:-1]) + " or " + suffixes[-1]


def write(graph, path, **draw_kwargs):
    """Write the drawing to ``path``; the extension (.svg, .png or .pdf) picks the
    format. ``draw_kwargs`` are ``bp.draw``'s (show_local, show_flow, decimals, ...)."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise ValueError(f"cannot write {str(path)!r}: the file name must end in "
                         f"{one_of(WRITERS)} (got {suffix or 'no extension'!r})")
    data = WRITERS[suffix](graph, draw_kwargs)
    path.write_bytes(data)
    return path
