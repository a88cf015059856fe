"""Lay a graph out once, then patch fresh numbers into the SVG: no Graphviz per change.

``SvgTemplate.from_graph`` draws the graph with a unique placeholder in every slot
(``~0~``, ``~1~``, ... for numbers, ``#fe0000``, ``#fe0001``, ... for colours), runs
Graphviz once and cuts the SVG at the placeholders. ``fill`` joins the pieces with the
current numbers and colours. Every number cell has a fixed size, and each number is
centred on its cell with ``text-anchor="middle"`` (``text.py`` places every text), so
the filled SVG has exactly the template's coordinates whatever the values are::

    t = SvgTemplate.from_graph(g)      # ~5 ms: one layout by Graphviz
    g.forward(x=1, y=2, z=3); g.backward()
    svg = t.fill(g)                    # ~20 us for the sigmoid graph: string joins

Colours: forward values are green; gradients are red when negative, orange-red when
positive and grey when exactly zero, so a gradient crossing zero changes colour as
well as sign. ``fill(graph, visited=..., highlight=...)`` draws the backward
step-through (gradients only on edges into visited gates, one node highlighted)
without a new layout.
"""

import re

from ..labels import check_decimals
from .dot import add_flow_labels, check_drawable, check_visited, layout, slot_content
from .files import pipe, to_svg
from .limits import check_size
from .slots import display_shape

COLOUR_KINDS = {"grad_colour", "out_grad_colour", "total_colour", "fill", "stroke"}
MAX_COLOURS = 0x10000
PLACEHOLDER = re.compile(r'~([0-9a-z]+)~|"#fe([0-9a-f]{4})"')


def _base36(k):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        k, r = divmod(k, 36)
        text = digits[r] + text
        if k == 0:
            return text


class SvgTemplate:
    """The laid-out SVG of one graph, cut at its numbers and colours.

    ``parts`` (literal SVG text) and ``slots`` (what goes between them) alternate:
    parts[0] slot[0] parts[1] slot[1] ... parts[-1].
    """

    def __init__(self, graph, parts, slots, decimals, show_local, signature):
        self.graph = graph
        self.parts = parts
        self.slots = slots
        self.decimals = decimals
        self.show_local = show_local
        self.signature = signature

    def __repr__(self):
        return (f"<SvgTemplate: {len(self.slots)} slots, {len(self.graph.nodes)} nodes"
                f"{', show_local' if self.show_local else ''}>")

    @classmethod
    def from_graph(cls, graph, *, show_local=False, decimals=2, show_flow=False):
        """Run Graphviz once with placeholders in every slot (the graph's current
        shapes decide how many cells each edge gets)."""
        check_drawable(graph)
        decimals = check_decimals(decimals)
        check_size(graph)               # refused before any DOT is written
        order = []
        colours = []

        def put(slot):
            if slot.kind in COLOUR_KINDS:
                if len(colours) >= MAX_COLOURS:
                    raise ValueError(f"the graph is too big for an SvgTemplate "
                                     f"({len(graph.nodes)} nodes)")
                colours.append(slot)
                return f"#fe{len(colours) - 1:04x}"
            order.append(slot)
            return f"~{_base36(len(order) - 1)}~"

        dot = layout(graph, put, show_local=show_local, decimals=decimals)
        if show_flow:
            add_flow_labels(dot, graph)
        svg = pipe(dot, "svg").decode()
        parts, slots = _cut(svg, order, colours)
        return cls(graph, parts, slots, decimals, show_local, _signature(graph))

    def fits(self, graph):
        """Can ``fill`` draw this graph now (same graph, arrays of the same shapes)?"""
        return graph is self.graph and _signature(graph) == self.signature

    def fill(self, graph, *, visited=None, highlight=None):
        """The SVG with the graph's current numbers; no Graphviz call."""
        if graph is not self.graph:
            raise ValueError("this SvgTemplate was made for another graph; "
                             "make one with SvgTemplate.from_graph(graph)")
        if _signature(graph) != self.signature:
            raise ValueError("the graph's values changed shape since this SvgTemplate was "
                             "made; make a new one with SvgTemplate.from_graph(graph)")
        pieces = [self.parts[0]]
        # No escaping needed: slot_content gives colours from our palette and numbers
        # from format_number (digits, '.', '-', '+', 'e', '?', 'nan', 'inf').
        for content, part in zip(self.contents(graph, visited=visited, highlight=highlight),
                                 self.parts[1:]):
            pieces.append(content)
            pieces.append(part)
        return "".join(pieces)

    def contents(self, graph, *, visited=None, highlight=None):
        """What each slot shows now, in order: the texts and colours ``fill`` puts
        between the parts (the explorer sends them to a page that cannot compute)."""
        check_visited(visited)
        visited = None if visited is None else set(visited)
        return [slot_content(graph, slot, self.decimals, visited, highlight)
                for slot in self.slots]


def _cut(svg, order, colours):
    """Split the SVG at the placeholders; each must occur exactly once."""
    parts, slots, seen = [], [], set()
    start = 0
    for match in PLACEHOLDER.finditer(svg):
        number, colour = match.group(1), match.group(2)
        key = ("n", int(number, 36)) if number is not None else ("c", int(colour, 16))
        table = order if number is not None else colours
        if key in seen or key[1] >= len(table):
            raise RuntimeError(f"unexpected placeholder {match.group(0)} in Graphviz's SVG")
        seen.add(key)
        if colour is not None:      # keep the quotes in the literal parts
            parts.append(svg[start:match.start() + 1])
            start = match.end() - 1
        else:
            parts.append(svg[start:match.start()])
            start = match.end()
        slots.append(table[key[1]])
    parts.append(svg[start:])
    if len(seen) != len(order) + len(colours):
        raise RuntimeError(f"Graphviz's SVG holds {len(seen)} of the "
                           f"{len(order) + len(colours)} placeholders")
    return parts, slots


def _signature(graph):
    return tuple(display_shape(node.value) for node in graph.nodes)


def dot_svg(graph, **draw_kwargs):
    """SVG text of a normal render (``bp.draw``'s keywords apply)."""
    return to_svg(graph, **draw_kwargs)
