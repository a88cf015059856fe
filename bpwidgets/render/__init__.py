"""Pictures of graphs: ``draw`` (a graphviz.Digraph in the lecture's look), ``show``
(a notebook Picture), ``to_svg``/``to_png``/``to_pdf``/``write``, and ``SvgTemplate`` (lay out
once, patch numbers in: what the live widgets use).

Needs the Python package ``graphviz`` to write DOT, and Graphviz to lay it out: the
pygraphviz wheel (pip brings Graphviz along), else ``dot`` on PATH; with neither,
``GraphvizMissing`` says what to install. A graph too big to lay out in a few seconds
raises ``GraphTooBig`` instead of blocking the kernel.

The rooms: ``slots`` (which number each changing spot of a picture holds), ``dot`` (the
lecture's look: layout and HTML cells), ``text`` (every text in a fixed-size cell, put
into an SVG by bpwidgets rather than measured by Graphviz, so the fonts a machine has
move nothing), ``limits`` (how big a picture can be, measured before layout), ``engine``
(running Graphviz, in this process or a child one that can be stopped), ``files`` (SVG,
PNG, files), ``picture`` (the notebook Picture) and ``template`` (lay out once, patch
numbers in).
"""

from .dot import draw, format_number
from .engine import GraphvizMissing
from .files import to_pdf, to_png, to_svg, write
from .limits import GraphTooBig
from .picture import Picture, show
from .template import SvgTemplate, dot_svg

__all__ = ["GraphTooBig", "GraphvizMissing", "Picture", "SvgTemplate", "dot_svg", "draw",
           "format_number", "show", "to_pdf", "to_png", "to_svg", "write"]
