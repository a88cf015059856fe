"""What a gate is called on the page: its symbol, with small constants folded in.

The lecture draws ``1 + exp(...)`` as one circle labelled ``+1`` and ``1 / x`` as ``1/x``:
a scalar constant feeding a gate is written into the gate's symbol instead of being drawn
as a node of its own. The renderer, the backward captions and the explorer all ask this
module, so the picture and the words always agree::

    g = parse("1 / (1 + exp(-x))")
    [gate_label(node)[0] for node in g.gates()]    # ['*-1', 'exp', '+1', '1/x']

Also here: a short text for any node (``w0*x0 + w1*x1``) and each node's role in the
backward flow (lesson 03). Core module: numpy only.
"""

import math
import numbers

import numpy as np

from . import ops

FANOUT_FLOW = "copy: gradients add"
"""The flow role of a node used more than once: its gradients from every use are summed."""

MAX_SYMBOL = 20
"""The longest gate symbol drawn, in characters. A symbol is the short label in a gate's
circle ('exp', '+', 'softplus'); the circle grows around it, and Graphviz's layout
slows with it: a symbol of 1,000 characters took 10 s to show, 2,000 took 32 s."""


def constant_number(node):
    """A scalar constant's value (a negated constant counts: the parser reads -1 as
    neg(1)), or None."""
    if node.kind == "constant" and np.ndim(node.value) == 0:
        return float(node.value)
    if node.gate is not None and node.gate.reads_as_number:
        inner = constant_number(node.inputs[0])
        return None if inner is None else float(node.gate.forward(inner))
    return None


def gate_label(node):
    """(symbol, folded input index or None): add(x, 1) -> ('+1', 1), div(1, x) -> ('1/x', 0).

    A scalar constant on one side of a gate that folds constants (``Gate.fold``: + - * /)
    is written into the symbol, as the lecture draws it, instead of being drawn as its
    own node.
    """
    symbol = own_symbol(node.gate)
    if len(node.inputs) != 2:
        return symbol, None
    left, right = (constant_number(p) for p in node.inputs)
    if (left is None) == (right is None):
        return symbol, None
    on_left = left is not None
    folded = node.gate.fold(left if on_left else right, on_left)
    return (symbol, None) if folded is None else (folded, 0 if on_left else 1)


def own_symbol(gate):
    """The gate's ``symbol``, checked: a learner's gate may set it to anything."""
    symbol = gate.symbol
    if isinstance(symbol, str) and len(symbol) <= MAX_SYMBOL:
        return symbol
    what = (f"{len(symbol):,} characters long" if isinstance(symbol, str)
            else f"{symbol!r} ({type(symbol).__name__})")
    error = ValueError if isinstance(symbol, str) else TypeError
    raise error(f"the gate {type(gate).__name__} has a symbol {what}; a gate's symbol is "
                f"the short text drawn in its circle, a string of at most {MAX_SYMBOL} "
                f"characters such as 'exp' or '+': set symbol = '...' in the class")


def hidden_nodes(graph):
    """Nodes not drawn: constants folded into every gate that uses them (and the
    neg of a constant, as in -1). Returns (hidden nodes, folded (gate, index) edges)."""
    folded_edges = set()
    for node in graph.gates():
        _, index = gate_label(node)
        if index is not None:
            folded_edges.add((node, index))
    hidden = set()
    for node in reversed(graph.nodes):     # consumers first, so neg(1) hides its 1 too
        if node is graph.output or constant_number(node) is None:
            continue
        if all((e.target, e.index) in folded_edges or e.target in hidden
               for e in graph.consumers[node]):
            hidden.add(node)
    return hidden, folded_edges


def symbol(node):
    """The label of a node's circle (gates) or its name (inputs, constants)."""
    if node.gate is not None:
        return gate_label(node)[0]
    if node.kind == "input":
        return node.name
    return ops.format_constant(node.value) if np.ndim(node.value) == 0 \
        else f"const {np.shape(node.value)}"


def flow_roles(graph):
    """{node: its role in backward flow}: what its gate says (``Gate.flow_role``: ``add
    distributes``, ``max routes``, ``mul swaps``, ``scales by 2``...), and ``copy:
    gradients add`` for every node used twice or more (a fan-out), gate or not. A gate
    that also fans out gets both, joined by ``; ``."""
    roles = {}
    for node in graph.nodes:
        parts = []
        if node.gate is not None:
            _, index = gate_label(node)
            folded = None if index is None else constant_number(node.inputs[index])
            role = node.gate.flow_role(folded)
            parts = [role] if role else []
        if len(graph.consumers[node]) > 1:
            parts.append(FANOUT_FLOW)
        if parts:
            roles[node] = "; ".join(parts)
    return roles


# ---- numbers: one format for pictures and captions ----------------------------------

MAX_CHARS = 8
"""The most characters a number takes at the lecture's two places: '-123.45', '1.2e+05'."""

MAX_DECIMALS = 6
"""The most places after the point a picture or caption writes: a number then takes up
to 12 characters ('-1234.567890', see ``number_chars``), about as wide as an edge label
should grow."""


def number_chars(decimals):
    """The most characters a number takes with ``decimals`` places: room for a sign,
    four digits and the point besides them, as MAX_CHARS has at two places ('-1234.50').
    So more places never mean fewer digits: at 6, -0.2 is '-0.200000', not '-2.0e-01'."""
    return max(MAX_CHARS, decimals + 6)


def check_decimals(decimals):
    """``decimals`` as an int, or an error that says what it may be (0 to MAX_DECIMALS).
    A float with nothing after the point counts, as it does for epochs and seeds (3.0)."""
    if isinstance(decimals, (float, np.floating)) and float(decimals).is_integer():
        decimals = int(decimals)
    whole = isinstance(decimals, numbers.Integral) and not isinstance(decimals, bool)
    if whole and 0 <= decimals <= MAX_DECIMALS:
        return int(decimals)
    raise (ValueError if whole else TypeError)(
        f"decimals must be a whole number from 0 to {MAX_DECIMALS} (places after the "
        f"point), got {decimals!r}")


def format_number(x, decimals=2):
    """A number in at most 8 characters: '0.73', '-0.53', '1.2e+05', '3.1e-04' (more
    for more than three places: ``number_chars``).

    Fixed-point with ``decimals`` places when that fits and shows a digit; compact
    scientific notation otherwise (8.3e-07, not 0.00). The pictures and the backward
    captions both use it, so the words say what the edges show.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{decimals}f}"
    fixed = f"{x:.{decimals}f}"
    if abs(x) >= 10.0 ** -decimals and len(fixed) <= number_chars(decimals):
        return fixed
    return _scientific(x)


def _scientific(x):
    short = f"{x:.1e}"
    return short if len(short) <= MAX_CHARS else f"{x:.0e}"


def format_numbers(values, decimals=2):
    """``format_number`` for every entry of an array, in one shared format: if any
    entry needs scientific notation, every nonzero entry is written that way
    ([2.0e-02, 6.7e-03], not [0.02, 6.7e-03]). Returns an array of strings."""
    flat = [float(v) for v in np.ravel(values)]
    texts = [format_number(v, decimals) for v in flat]
    if any("e" in t for t in texts):
        texts = [_scientific(v) if math.isfinite(v) and v != 0 else t
                 for v, t in zip(flat, texts)]
    return np.array(texts, dtype=object).reshape(np.shape(values))


def format_array(values, decimals=2, most=4, flat=False):
    """A value as text: a number as ``format_number`` writes it, a small array entry by
    entry in one shared format (``format_numbers``), a row in brackets: '[0.50 -1.00]',
    '[[1.00 2.00] [3.00 4.00]]'; ``flat``: one list, '[1.00, 2.00, 3.00, 4.00]'. None
    for an array of more than ``most`` entries: say its shape instead."""
    if np.ndim(values) == 0:
        return format_number(values, decimals)
    if np.size(values) > most:
        return None
    texts = format_numbers(values, decimals)
    if flat:
        return "[" + ", ".join(np.ravel(texts)) + "]"
    return _rows(texts)


def _rows(texts):
    if np.ndim(texts) == 1:
        return "[" + " ".join(texts) + "]"
    return "[" + " ".join(_rows(row) for row in texts) + "]"


# ---- a short text for a node ------------------------------------------------------

def node_text(graph, node, limit=40):
    """A node written as a formula, the way the step captions write it: 'w0*x0 + w1*x1'.
    (A formula longer than ``limit`` characters is named instead: 'the exp node n7'.)
    ``node``: a node of the graph, an input's name or a node id ('n4')."""
    node, _ = graph.find(node)
    return node_texts(graph, limit)[node]


def gate_symbol(node):
    """What a gate's circle shows, constants folded in: '*', 'exp', '+1', '1/x', '*-1'."""
    if getattr(node, "gate", None) is None:
        what = (f"input {node.name!r}" if getattr(node, "name", None) else
                "a constant" if hasattr(node, "gate") else _short_text(node))
        raise ValueError(f"gate_symbol takes a gate node (g.gates() lists them), got {what}")
    return gate_label(node)[0]


def _short_text(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def node_texts(graph, limit=28, name_long=True):
    """{node: a short expression for it}, e.g. ``w0*x0 + w1*x1``; anything longer than
    ``limit`` characters (or built on such) is named by its symbol and id: ``the exp node n7``.
    With ``name_long=False`` a text that long gives up instead: the result is None."""
    texts, strength, named = {}, {}, set()
    for node in graph.nodes:           # topological order: inputs are done first
        if node.gate is None:
            texts[node], strength[node] = symbol(node), 5
            if node.kind == "constant" and np.ndim(node.value) == 0 and node.value < 0:
                strength[node] = 0
            continue
        number = constant_number(node)       # -1 (neg of 1) reads as a number
        if number is not None:
            texts[node], strength[node] = ops.format_constant(number), 5 if number >= 0 else 0
            continue
        texts[node], strength[node] = _compose(node, texts, strength)
        if len(texts[node]) > limit or any(arg in named for arg in node.inputs):
            if not name_long:
                return None
            texts[node], strength[node] = f"the {symbol(node)} node {graph.node_id(node)}", 5
            named.add(node)
    return texts


def _compose(node, texts, strength):
    """(the gate written over its inputs' texts, how tightly that binds): its gate says how."""
    inputs = [ops.Operand(texts[p], strength[p]) for p in node.inputs]
    return node.gate.formula(inputs), node.gate.precedence
