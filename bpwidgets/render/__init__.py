"""Pictures of graphs: ``draw`` (a graphviz.Digraph in the lecture's look), ``show``
(a notebook Picture), ``to_svg``/``to_png``/``write``, and ``SvgTemplate`` (lay out
once, patch numbers in: what the live widgets use).

Needs the Python package ``graphviz``; only drawing needs Graphviz's ``dot`` program,
and a missing one raises ``GraphvizMissing`` with the install command.

The rooms: ``slots`` (which number each changing spot of a picture holds), ``dot`` (the
lecture's look: layout and HTML cells), ``files`` (running Graphviz: SVG, PNG, files),
``picture`` (the notebook Picture) and ``template`` (lay out once, patch numbers in).
"""

from .dot import draw, format_number
from .files import GraphvizMissing, to_png, to_svg, write
from .picture import Picture, show
from .template import SvgTemplate, dot_svg

__all__ = ["GraphvizMissing", "Picture", "SvgTemplate", "dot_svg", "draw", "format_number",
           "show", "to_png", "to_svg", "write"]
