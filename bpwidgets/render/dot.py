"""Graph -> Graphviz picture in the lecture's look.

Inputs sit on the left as plain names, the output on the right with an arrow to
nothing, and every gate is a small circle with its symbol. Each edge passes through
a small *label node*: the forward value above the line (green), the gradient sent
back along that edge below it (red)::

    x0 ──  -1.00  ──▶ (*)          value (green)
           ─────                   the edge runs through here
            0.39                   gradient (red)

Every text sits in a fixed-size cell (``text.py``), so the layout depends neither on
the digits nor on the fonts a machine has: the live widget lays a graph out once and
patches new numbers in (``template.py``). Both share ``layout``, which asks a function
``put(slot)`` what to write in each number or colour *slot* (``slots.py``: which number
a slot holds; ``slot_content`` here: how it looks).

    g = bp.parse("(x + y) * z"); g.forward(x=-2, y=5, z=-4); g.backward()
    bp.draw(g)          # a graphviz.Digraph; files.py runs Graphviz on it
"""

import html
from collections.abc import Iterable

import graphviz
import numpy as np

from .. import ops
from ..graph import Graph, Node
# Constants folded into gate symbols (+1, 1/x): one home, shared with the step captions.
# format_number lives in labels (a core module) so the step captions use it too.
from ..labels import (check_decimals, flow_roles, format_number, format_numbers, gate_label,
                      hidden_nodes)
from .engine import render
from .limits import measure
from .slots import Slot, Total, display_shape, slot_number, slot_value
from .text import cell, cell_width, line_height

# ---- the look ----------------------------------------------------------------------
FONT = "Helvetica"             # what Graphviz draws a PNG with (SVG: text.FONT_FAMILY)
VALUE_COLOUR = "#1a8a3a"        # forward values: green
NEGATIVE_COLOUR = "#d62728"     # gradients: red when negative ...
POSITIVE_COLOUR = "#e67300"     # ... orange-red when positive, so a sign change shows
ZERO_COLOUR = "#8c8c8c"         # ... grey when exactly zero (a blocked path)
LOCAL_COLOUR = "#5a6fa8"        # local gradients: muted blue
MUTED_COLOUR = "#777777"        # shapes, constants, captions
HIGHLIGHT_FILL = "#ffe066"      # the node the backward step-through is at
HIGHLIGHT_STROKE = "#b8860b"
NUMBER_SIZE = 12                # font sizes in points (1pt = 1.33px at 100% zoom)
NAME_SIZE = 14
SYMBOL_SIZE = 13                # gate symbols in their circles
SMALL_SIZE = 10
CELL_WIDTH = cell_width("-8.8e+88", NUMBER_SIZE)   # 61: any format_number text (8 chars)
CELL_HEIGHT = line_height(NUMBER_SIZE)             # 15
SIDE_WIDTH = 30                 # the "total" caption column of an input that fans out
MATRIX_LIMIT = 4                # arrays up to 4x4 are drawn entry by entry

TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"{}>'
LINE_END = '<TD WIDTH="1" HEIGHT="1" BGCOLOR="black"></TD>'    # see Cells.around_line
BESIDE_LINE = '<TD WIDTH="1" HEIGHT="1"></TD>'                  # the rest of its column

# A picture in a notebook page (``picture.py``; the explorer frames its SVG the same way):
PICTURE_MIN_SCALE = 0.6      # numbers stay >= 9.6 px; a narrower page scrolls instead
PICTURE_MARK = "<!-- bpwidgets picture -->"
PICTURE_END = "<!-- end of bpwidgets picture -->"
"""Around every Picture's HTML, so a notebook check can find (or leave out) the drawing."""


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that lays itself out with the kit's Graphviz (``engine.py``:
    the pygraphviz wheel, else ``dot`` on PATH) when a notebook shows it or ``pipe`` is
    called, so pip alone can show it, and a graph too big to draw is refused first.
    ``layout_size`` (``limits.measure``) is set by ``layout``; everything else is the
    graphviz package's own (``render`` and ``view`` still run ``dot`` by name)."""

    layout_size = None

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = render(self.source, format or self.format, self.layout_size)
        return data.decode(encoding) if encoding else data


# ---- numbers and colours: how a slot looks --------------------------------------------

def gradient_colour(number):
    """Gradients are red; positive ones lean orange and zero is grey, so a sign
    change is visible as a colour change, not only in the digits."""
    if number is None or number < 0:
        return NEGATIVE_COLOUR
    return POSITIVE_COLOUR if number > 0 else ZERO_COLOUR


def is_small(shape, max_entries=None):
    """Drawn entry by entry (scalars, vectors and matrices up to 4x4, and at most
    ``max_entries`` entries if given)? Bigger arrays show only their shape."""
    fits = len(shape) <= 2 and all(n <= MATRIX_LIMIT for n in shape)
    return fits and (max_entries is None or int(np.prod(shape)) <= max_entries)


def slot_content(graph, slot, decimals=2, visited=None, highlight=None):
    """What a slot shows: number text ('' or '?' when unknown) or a colour."""
    if slot.kind == "fill":
        return HIGHLIGHT_FILL if slot.ref is highlight else "white"
    if slot.kind == "stroke":
        return HIGHLIGHT_STROKE if slot.ref is highlight else "black"
    number = slot_number(graph, slot, visited)
    if slot.kind.endswith("_colour"):
        return gradient_colour(number)
    if number is None:
        return "?" if slot.kind in ("value", "out_value") else ""
    if slot.entry is not None:          # a matrix's cells share one format
        return format_numbers(slot_value(graph, slot, visited), decimals)[slot.entry]
    return format_number(number, decimals)


# ---- layout: the one function that draws ------------------------------------------------

def layout(graph, put, show_local=False, align="CENTER", max_entries=None, decimals=2):
    """Build the Drawing (a graphviz.Digraph). ``put(slot)`` returns the text or colour
    for each slot, its numbers written with ``decimals`` places (which sets the width of
    the number cells).

    ``align`` is how Graphviz sets numbers in their cells where it draws the texts (a
    PNG, or the Drawing's DOT run elsewhere); in an SVG ``text.place`` centres every
    text on its cell. Cell sizes depend neither on the numbers nor on the fonts, so
    node positions are the same for any values on any machine.
    """
    dot = Drawing(graph_attr={
        "rankdir": "LR", "ranksep": "0.22", "nodesep": "0.12", "bgcolor": "white",
        "fontname": FONT}, node_attr={"fontname": FONT}, edge_attr={"color": "black"})
    hidden, folded_edges = hidden_nodes(graph)
    cells = Cells(put, align, max_entries, decimals)
    for node in graph.nodes:
        if node in hidden:
            continue
        node_id = graph.node_id(node)
        if node.kind == "input":
            uses = [edge.target for edge in graph.consumers[node]]
            total = Total(node, tuple(uses)) if len(uses) > 1 else None
            dot.node(node_id, id=node_id, shape="plaintext", margin="0",
                     label=cells.input_label(node, total))
        elif node.kind == "constant":
            dot.node(node_id, id=node_id, shape="plaintext", margin="0.04",
                     label=_one_cell(_constant_text(node), MUTED_COLOUR, NUMBER_SIZE))
        else:
            symbol, _ = gate_label(node)
            dot.node(node_id, id=node_id, shape="circle", width="0.45", margin="0.02",
                     style="filled", fillcolor=put(Slot("fill", node, None)),
                     color=put(Slot("stroke", node, None)),
                     label=_one_cell(symbol, "black", SYMBOL_SIZE),
                     **in_order(graph, node))
    for edge in graph.edges:
        if (edge.target, edge.index) in folded_edges or edge.source in hidden:
            continue
        edge_id = f"e{graph.index[edge.target]}_{edge.index}"
        dot.node(edge_id, id=edge_id, shape="plaintext", margin="0", width="0", height="0",
                 label=cells.edge_label(edge, show_local))
        dot.edge(graph.node_id(edge.source), edge_id, id=f"{edge_id}_in",
                 arrowhead="none", headport="mid:w", headclip="false")
        dot.edge(edge_id, graph.node_id(edge.target), id=f"{edge_id}_out",
                 tailport="mid:e", tailclip="false")
    out = graph.output
    dot.node("out", id="out", shape="plaintext", margin="0", width="0", height="0",
             label=cells.output_label(out))
    dot.node("end", id="end", shape="point", width="0.01", style="invis")
    dot.edge(graph.node_id(out), "out", id="out_in", arrowhead="none", headport="mid:w",
             headclip="false")
    dot.edge("out", "end", id="out_out", tailport="mid:e", tailclip="false")
    dot.layout_size = measure(graph)
    return dot


def in_order(graph, node):
    """Graphviz's ``ordering="in"`` for a gate fed by named inputs that feed nothing
    else: they are drawn top to bottom in the formula's order (w1 above x1 for w1*x1, z
    above w for max(z, w)), as the lecture draws them. Everywhere else the layout is
    free to order a gate's inputs so that fewer edges cross (forcing the order at a fork,
    or between gates, makes them cross)."""
    if len(node.inputs) > 1 and all(source.kind == "input"
                                    and len(graph.consumers[source]) == 1
                                    for source in node.inputs):
        return {"ordering": "in"}
    return {}


def add_flow_labels(dot, graph):
    """Write each node's role in backward flow (``labels.flow_roles``: add distributes,
    mul swaps, max routes, copy adds) in small text just below it, in the same column."""
    hidden, _ = hidden_nodes(graph)
    for node, role in flow_roles(graph).items():
        if node in hidden:
            continue
        node_id = graph.node_id(node)
        dot.node(f"{node_id}_flow", id=f"{node_id}_flow", shape="plaintext", margin="0",
                 width="0", height="0", label=_one_cell(role, LOCAL_COLOUR, SMALL_SIZE))
        dot.edge(node_id, f"{node_id}_flow", style="invis", weight="10")
        with dot.subgraph() as column:
            column.attr(rank="same")
            column.node(node_id)
            column.node(f"{node_id}_flow")
    return dot


def _constant_text(node):
    shape = np.shape(node.value)
    return ops.format_constant(node.value) if not shape else f"const {shape}"


def _one_cell(text, colour, size):
    """A label that is one text in a cell of its own size (``text.cell``)."""
    return f"<{TABLE.format('')}<TR>{cell(text, colour, size)}</TR></TABLE>>"


def number_width(decimals):
    """A number cell's width: CELL_WIDTH, or wider for the longer numbers of more than
    two places (``labels.number_chars``: '-8888.888888' at 6)."""
    return max(CELL_WIDTH, cell_width("-8888." + "8" * decimals, NUMBER_SIZE))


class Cells:
    """Writes the HTML-like tables of the labels: fixed-size cells holding slots."""

    def __init__(self, put, align, max_entries=None, decimals=2):
        self.put = put
        self.max_entries = max_entries
        self.align = align
        self.width = number_width(decimals)

    def number(self, slot, colour, size=NUMBER_SIZE):
        return cell(self.put(slot), colour, size, self.width, CELL_HEIGHT, self.align)

    def text(self, text, colour=MUTED_COLOUR, span=1, width=None, size=SMALL_SIZE):
        """A caption cell (``width`` wide, else as wide as its text); without a text and
        a width, an empty cell spanning ``span`` columns."""
        if not text and not width:
            return f'<TD COLSPAN="{span}" HEIGHT="{CELL_HEIGHT}"></TD>'
        return cell(text, colour, size, width, CELL_HEIGHT, span=span)

    def block(self, kind, ref, shape, colour, caption="", sides=False):
        """Rows of number cells for a value of ``shape`` (a column for a vector),
        between side columns (the first row's left one holding ``caption``) if
        ``sides`` (an input's 'total')."""
        grid = [[None]] if shape == () else (
            [[(i,)] for i in range(shape[0])] if len(shape) == 1 else
            [[(i, j) for j in range(shape[1])] for i in range(shape[0])])
        rows = []
        for r, entries in enumerate(grid):
            cells = "".join(self.number(Slot(kind, ref, entry), colour(entry))
                            for entry in entries)
            rows.append(self.row(cells, caption if r == 0 else "", sides))
        return rows

    def row(self, cells, caption, sides):
        if not sides:
            return f"<TR>{cells}</TR>"
        left = self.text(caption, MUTED_COLOUR, width=SIDE_WIDTH)
        return f"<TR>{left}{cells}{self.text('', width=SIDE_WIDTH)}</TR>"

    def spacer(self, columns):
        return f"<TR>{self.text('', span=columns)}</TR>"

    def shape_row(self, shape, columns):
        return f"<TR>{self.text(str(tuple(shape)), span=columns)}</TR>"

    def gradient_colour(self, kind, ref):
        return lambda entry: self.put(Slot(kind + "_colour", ref, entry))

    def around_line(self, above, below, columns):
        """A table whose middle row is a line (the cell ``mid``): the edge comes in at
        its left end and leaves at its right end (ports mid:w and mid:e).

        The line runs on for one point past each end of ``mid``, in a column of its own:
        on a label narrower than the widest in its column of the picture, Graphviz ends
        the edges one point outside ``mid``, which left a gap in the line either side."""
        line = (f'<TR>{LINE_END}<TD PORT="mid" COLSPAN="{columns}" HEIGHT="1" '
                f'FIXEDSIZE="FALSE" BGCOLOR="black"></TD>{LINE_END}</TR>')
        rows = [beside_line(row) for row in above] + [line] + [beside_line(row) for row in below]
        return f"<{TABLE.format('')}{''.join(rows)}</TABLE>>"

    def edge_label(self, edge, show_local):
        return self._value_label("value", "grad", edge, display_shape(edge.source.value),
                                 show_local)

    def output_label(self, node):
        return self._value_label("out_value", "out_grad", node, display_shape(node.value),
                                 False)

    def _value_label(self, value_kind, grad_kind, ref, shape, show_local):
        """Value rows above the line, gradient rows below, balanced so the line is in
        the middle; arrays get their shape on top, big arrays only their shape."""
        columns = 1 if len(shape) < 2 else shape[1]
        if not is_small(shape, self.max_entries):
            return self.around_line([self.shape_row(shape, 1)], [self.spacer(1)], 1)
        above = self.block(value_kind, ref, shape, lambda entry: VALUE_COLOUR)
        below = self.block(grad_kind, ref, shape, self.gradient_colour(grad_kind, ref))
        if shape:                        # the shape right above the numbers it describes
            above = [self.shape_row(shape, columns)] + above
        if show_local and has_drawn_local(ref):
            # the caption on a row of its own, above the local gradients: no wider than
            # the numbers, so the picture keeps its width (a notebook column is narrow)
            below += [f"<TR>{self.text('local', LOCAL_COLOUR, span=columns)}</TR>"]
            below += self.block("local", ref, shape, lambda entry: LOCAL_COLOUR)
        # as many rows above the line as below, so that the line (the edge) is central
        above = [self.spacer(columns)] * (len(below) - len(above)) + above
        below = below + [self.spacer(columns)] * (len(above) - len(below))
        return self.around_line(above, below, columns)

    def input_label(self, node, total):
        """The input's name; if it fans out (``total`` a Total), its summed gradient."""
        shape = display_shape(node.value)
        columns = 1 if len(shape) < 2 else shape[1]
        name = f'<TR>{cell(node.name, "black", NAME_SIZE, span=columns + 2)}</TR>'
        rows = [name]
        if total and is_small(shape, self.max_entries):
            rows += self.block("total", total, shape, self.gradient_colour("total", total),
                               "total", sides=True)
        fill = ' BGCOLOR="' + html.escape(self.put(Slot("fill", node, None))) + '"'
        return f"<{TABLE.format(fill)}{''.join(rows)}</TABLE>>"


def beside_line(row):
    """A row of a label, '<TR>cells</TR>', with the one-point column of the line's ends
    (see Cells.around_line) on either side, left empty."""
    if not (row.startswith("<TR>") and row.endswith("</TR>")):
        raise ValueError(f"a label row must be one <TR>...</TR>, got {row[:40]!r}")
    cells = row[len("<TR>"):-len("</TR>")]
    return f"<TR>{BESIDE_LINE}{cells}{BESIDE_LINE}</TR>"


def has_drawn_local(edge):
    """Does the edge get a row of local gradients: one number per entry of its value? An
    elementwise gate's (one that has ``local_gradients``) does, where the input has the
    output's shape; a matmul's or a sum's local gradient is a Jacobian nobody draws, and so
    is a broadcast input's (b's in b * W is all of W), so those edges get no 'local' row."""
    gate = edge.target.gate
    return (type(gate).local_gradients is not ops.Gate.local_gradients
            and display_shape(edge.source.value) == display_shape(edge.target.value))


# ---- the public drawing functions --------------------------------------------------------

def draw(graph, *, show_local=False, highlight=None, visited=None, decimals=2,
         show_flow=False, max_entries=None):
    """The graph as a ``graphviz.Digraph`` in the lecture's look, with the numbers of
    the last forward (green) and backward (red) pass.

    show_local: add each edge's local gradient (elementwise gates) in a third row.
    highlight: a node to highlight (the backward step-through's current node).
    visited: show gradients only on edges into these gates (backward step-through).
    decimals: places after the point, 0 to 6 (``labels.MAX_DECIMALS``); a number that
    would not fit its cell switches to e.g. 1.2e+05.
    show_flow: write each gate's role in backward flow under it (lesson 03).
    max_entries: draw arrays of at most this many entries number by number, bigger ones
    by their shape only (a net's weight matrices: ``max_entries=4`` keeps it narrow).

    >>> g = bp.parse("(x + y) * z"); g.forward(x=-2, y=5, z=-4); g.backward()
    >>> svg = bp.draw(g).pipe("svg")      # or bp.show(g) in a notebook
    """
    check_drawable(graph, highlight, visited)
    decimals = check_decimals(decimals)
    visited = None if visited is None else set(visited)

    def put(slot):
        return slot_content(graph, slot, decimals, visited, highlight)
    dot = layout(graph, put, show_local=show_local, max_entries=max_entries,
                 decimals=decimals)
    return add_flow_labels(dot, graph) if show_flow else dot


def check_drawable(graph, highlight=None, visited=None):
    """Refuse, with the reason, what cannot be drawn: not a Graph, or a highlight or
    visited node from another graph."""
    if not isinstance(graph, Graph):
        raise TypeError(f"draw needs a bp.Graph, got {type(graph).__name__}")
    if highlight is not None and (not isinstance(highlight, Node) or highlight not in graph.index):
        raise ValueError(f"highlight must be a node of this graph, got {highlight!r}")
    check_visited(visited)
    for node in visited or ():
        if node not in graph.index:
            raise ValueError(f"visited contains {node!r}, which is not a node of this graph")


def check_visited(visited):
    """Refuse a ``visited`` that is not a collection of nodes: a string would be read
    letter by letter, a single node is not a collection."""
    if visited is None:
        return
    if isinstance(visited, (str, bytes, Node)) or not isinstance(visited, Iterable):
        raise TypeError(f"visited must be a collection of nodes of this graph, such as "
                        f"{{g.output}} or a list of nodes (not a string or one node), "
                        f"got {visited!r}")
