"""Pictures of graphs: ``draw`` (a graphviz.Digraph in the lecture's look), ``show``
(a notebook Picture), ``to_svg``/``to_png``/``write``, and ``SvgTemplate`` (lay out
once, patch numbers in: what the live widgets use).

Needs the Python package ``graphviz``; only drawing needs Graphviz's ``dot`` program,
and a missing one raises ``GraphvizMissing`` with the install command.
"""

from .dot import (GraphvizMissing, Picture, draw, format_number, show, to_png, to_svg,
                  write)
from .template import SvgTemplate, dot_svg

__all__ = ["GraphvizMissing", "Picture", "SvgTemplate", "dot_svg", "draw", "format_number",
           "show", "to_png", "to_svg", "write"]
