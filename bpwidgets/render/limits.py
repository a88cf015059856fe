"""How big a picture Graphviz lays out in a few seconds, measured before any layout.

Graphviz's ``dot`` puts the nodes in columns (ranks) and spends its time ordering each
column to avoid crossings. An edge that skips columns is drawn through a hidden bend
point in every column it skips, and those bends count like nodes. They are what makes
a graph slow: an input used by many gates far apart, as in ``x*y + tanh(x*0.00 + y) +
tanh(x*0.01 + y) + ...``, sends a long edge to each of them. Layout times with the
pinned Graphviz (the pygraphviz wheel), measured on a 2-core machine (they vary about
twofold with its load):

    graph                                     nodes  layout size  layout
    a chain of 450 tanh(1.1 x + 0.1)           1351         2701   0.3 s
    a sum of 400 squares a_i * a_i             1199         2797   1.5 s
    x read by 400 gates, summed as a tree      1200         2894   1.3 s
    a scalar MLP 2-12-12-1                      542         2777   0.5 s
    x*y + tanh(x*0.00 + y) + ..., 35 terms      143         2741   0.3 s
    the same, 50 terms                          203         5411   1.6 s
    the same, 70 terms                          283        10371   6.3 s
    the same, 100 terms                         403        20811    30 s
    the same, 400 terms (issue 10)             1603       323211   not done in 100 s

(nodes as drawn: folded constants are not). So ``measure`` counts nodes, edges and
bends, and a picture of a layout size above ``DRAW_LIMIT`` is refused before layout,
with what to do instead.
"""

from collections import namedtuple

from ..labels import hidden_nodes

DRAW_LIMIT = 3000
"""The biggest layout size drawn: 1.5 s of layout at most in the table above. ``bp.show``
lays out twice, the SVG and the PNG side by side (``picture.py``), and a PNG is drawn at
most 4,000 px either way (``files.PNG_MAX_PIXELS``), so a graph of this size shows in a
few seconds."""

IN_PROCESS_LIMIT = 1000
"""Up to this size a layout takes well under a second (0.25 s measured at most), so it may
run in this process, where it cannot be stopped; bigger ones run in a child process
that is stopped after a time limit (``engine.py``)."""

LayoutSize = namedtuple("LayoutSize", "nodes edges bends busiest uses")
"""What Graphviz will have to place: drawn nodes, drawn edges, bend points of edges that
skip columns, and the node used most often (its name and how many times)."""


class GraphTooBig(ValueError):
    """A graph too big to lay out in a few seconds: refused before layout, or stopped
    when Graphviz ran past its time limit."""


def total(size):
    """One number for a LayoutSize: nodes + edges + bends."""
    return size.nodes + size.edges + size.bends


def measure(graph):
    """The LayoutSize of ``graph`` as ``draw`` lays it out (folded constants are not drawn).

    Columns are estimated as Graphviz would choose them: each node as late as it can be,
    one column before its first use, so only a node used by gates in different columns
    has edges that skip columns. Counting is linear in the graph's size.
    """
    hidden, folded = hidden_nodes(graph)
    drawn = [node for node in graph.nodes if node not in hidden]
    edges = [edge for edge in graph.edges
             if (edge.target, edge.index) not in folded and edge.source not in hidden]
    readers = {node: [] for node in drawn}
    for edge in edges:
        readers[edge.source].append(edge.target)
    column = {}
    for node in reversed(drawn):              # readers before the nodes they read
        column[node] = min((column[reader] for reader in readers[node]), default=1) - 1
    # Each edge is drawn through its label node (the numbers), so it spans two columns
    # per step: a step of k columns leaves 2k - 2 bends.
    bends = sum(2 * (column[edge.target] - column[edge.source] - 1) for edge in edges)
    busiest = max(drawn, key=lambda node: len(readers[node]))
    count = len(readers[busiest])
    return LayoutSize(len(drawn), len(edges), bends, _name(graph, busiest), count)


def refuse_if_too_big(size):
    """Raise GraphTooBig, with what to do instead, for a LayoutSize above DRAW_LIMIT."""
    if size is None or total(size) <= DRAW_LIMIT:
        return
    busiest = (f"; {size.busiest} alone is used {size.uses:,} times"
               if size.uses > 1 else "")
    raise GraphTooBig(
        f"this graph is too big to draw: {size.nodes:,} nodes and {size.edges:,} edges, "
        f"with {size.bends:,} bends where edges skip columns{busiest} (layout size "
        f"{total(size):,}; bpwidgets draws up to {DRAW_LIMIT:,}, which Graphviz lays out "
        f"in about 2 s). Draw a smaller piece (fewer terms or neurons), or write repeated "
        f"terms with arrays: sum(tanh(x * c + y)) with c an array is drawn as four gates "
        f"however long c is, and bp.nn.MLP draws a layer as one matrix multiply")


def check_size(graph):
    """Refuse a graph too big to draw before any DOT is written; returns its LayoutSize."""
    size = measure(graph)
    refuse_if_too_big(size)
    return size


def _name(graph, node):
    """How the message names a node: an input by its name, a gate by its id."""
    if node.kind == "input":
        return node.name
    return f"{graph.node_id(node)} ({node.gate.name if node.gate else 'a constant'})"
