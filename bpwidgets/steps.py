"""The backward pass one gate at a time, in the lecture's words.

After ``forward`` and ``backward``, ``backward_steps(graph)`` lists the gates in the order
backward visits them (reverse topological order). Each step holds, per input edge, the
local gradient, the upstream gradient that met it there and their product, the downstream
gradient, and a caption with the arithmetic::

    g = parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    g.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3); g.backward()
    backward_steps(g)[0].caption   # '1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53'
    backward_steps(g)[2].caption   # 'exp: local e^-1 = 0.37 × upstream -0.53 = -0.20'

Core module: numpy only. The steps only read what ``Graph.backward`` left on the nodes.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import labels
from .graph import Graph, broadcast_axes


# ---- numbers as the lecture writes them -----------------------------------------------

def fixed(value, decimals=2, least=2):
    """A number as the pictures write it at ``least`` places (``labels.format_number``):
    -0.5344 -> '-0.53', 8.3e-07 stays 8.3e-07; small arrays in brackets, their entries in
    one format (``labels.format_array``). Asked for more places than ``least``, it adds
    digits only where they show: fixed(2.0, 4) -> '2.00', fixed(0.19661, 4) -> '0.1966',
    fixed(8.312e-07, 4) -> '8.312e-07'; fixed(2.0, 4, least=4) -> '2.0000'."""
    if np.ndim(value) == 0:
        text = labels.format_number(value, least)
        if decimals <= least or not math.isfinite(value):
            return text
        if "e" in text:
            return f"{float(value):.{decimals - 1}e}"
        text = f"{float(value):.{decimals}f}"
        while text.endswith("0") and len(text.partition(".")[2]) > least:
            text = text[:-1]
        return text
    return labels.format_array(value, max(decimals, least)) or \
        f"<array of shape {np.shape(value)}>"


def short(value, decimals=2, least=2):
    """A number inside a formula, trailing zeros dropped: -1.0 -> '-1', 1.3679 -> '1.37'."""
    if np.ndim(value) != 0:
        return fixed(value, decimals, least)
    text = fixed(value, decimals, least)
    if "e" in text or "." not in text:
        return text
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---- the local gradient, said: each gate writes its own formula -----------------------

# The formulas live on each gate of the op table (``Gate.local_formula``,
# ``Gate.local_words``); this module only asks.


def local_text(node, i, texts, decimals=2, least=2):
    """'e^-1 = 0.37', '1', '-1/1.37^2 = -0.53', '1 (input > 0)': the local gradient, said.

    The gate says it: words after the value (``Gate.local_words``), or a formula before
    it (``Gate.local_formula``), or nothing where the value says it all (add's 1). Only
    scalars get words or a formula; arrays show their local gradient's numbers."""
    local = node.local_gradients[i]
    if np.ndim(local) != 0 or np.ndim(node.value) != 0:
        return short(local, decimals, least)
    values = [source.value for source in node.inputs]
    words = node.gate.local_words(i, values)
    if words is not None:
        return f"{short(local, decimals, least)} ({words})"
    formula = node.gate.local_formula(i, values, node.value, lambda v: short(v, decimals, least),
                                      input_texts(node, texts))
    if formula is None:
        return short(local, decimals, least)
    return f"{formula} = {fixed(local, decimals, least)}"


def input_texts(node, texts):
    """The texts a gate may write its inputs as in a caption: None for a constant, or
    for one too long to write (named 'the exp node n7')."""
    return [None if not texts.get(source) or texts[source].startswith("the ")
            or labels.constant_number(source) is not None else texts[source]
            for source in node.inputs]


# ---- the steps -------------------------------------------------------------------------

@dataclass(frozen=True)
class EdgeStep:
    """What backward does on one input edge of a gate: downstream = local × upstream."""
    source: object          # the Node the gradient flows back to
    index: int              # the input slot of the gate
    source_text: str        # 'w0', 'w0*x0 + w1*x1'
    local: object           # local gradient (None for @ and sum: no elementwise local)
    upstream: object
    downstream: object
    text: str               # 'local e^-1 = 0.37 × upstream -0.53 = -0.20'


@dataclass(frozen=True)
class Step:
    """One gate of the backward pass: ``number`` counts from 1 at the output."""
    number: int
    node: object
    node_id: str
    symbol: str
    edges: tuple
    caption: str

    def __repr__(self):
        return f"Step {self.number}: {self.caption}"


def stepped_gates(graph):
    """The gates that get a step, in the order backward visits them: every gate that is
    drawn (the neg of x * -1, drawn inside the gate *-1, has no step of its own). The
    step-through and the explorer's step count both ask this."""
    hidden, _ = labels.hidden_nodes(graph)
    return [node for node in reversed(graph.nodes) if node.gate is not None and node not in hidden]


def caption_places(decimals):
    """The places a caption writes its numbers with, given the pictures' ``decimals``:
    as many, but at least the lecture's two (with fewer, the arithmetic could not be
    checked by eye). The page's own captions read it too (``stepper.page_steps``)."""
    return max(labels.check_decimals(decimals), 2)


def backward_steps(graph, decimals=2):
    """Every gate in the order backward visits it, each with its edges and caption.

    ``decimals``: the places a caption gives its numbers, as the pictures' ``decimals``
    (0 to 6). Captions keep at least the lecture's two, and add digits where the
    arithmetic needs them to check out as printed (see PRECISIONS)."""
    least = caption_places(decimals)
    precisions = [(d, d_operands) for d, d_operands in PRECISIONS if d >= least]
    if not isinstance(graph, Graph):
        raise ValueError(f"backward_steps needs a bp.Graph, got {type(graph).__name__}: it reads "
                         "the values and gradients a Graph keeps on its nodes (a batched runner "
                         "keeps them in arrays)")
    if not graph.backward_done:
        raise RuntimeError("call forward(...) and backward() first: the steps read the "
                           "values and gradients they left on the nodes" + graph.gradients_gone())
    texts = labels.node_texts(graph)
    hidden, folded = labels.hidden_nodes(graph)    # drawn inside a gate: no step of their own
    arrived = {}        # node -> the gradients that reached it so far, in order (fan-outs add)
    steps = []
    for node in stepped_gates(graph):
        symbol = labels.gate_label(node)[0]
        slots = [i for i, source in enumerate(node.inputs)
                 if (node, i) not in folded and source not in hidden]
        edges = _edge_steps(node, slots, texts, precisions, least)
        caption = f"{symbol}: {_say(node, edges)}"
        for edge in edges:
            arrived.setdefault(edge.source, []).append(edge.downstream)
        for source in dict.fromkeys(edge.source for edge in edges):
            parts = arrived[source]
            if len(parts) > 1 and len(parts) == len(graph.consumers[source]):
                caption += f"; {_fork_sum(texts[source], parts, source.grad, precisions, least)}"
        steps.append(Step(len(steps) + 1, node, graph.node_id(node), symbol, edges, caption))
    return steps


# ---- arithmetic that checks out as printed ---------------------------------------------
# The lecture rounds everything to two decimals, and then 2 × 0.20 = 0.39 reads as a slip.
# A caption keeps the result at two decimals where it can and gives the operands the extra
# digits the arithmetic needs, as one would by hand: 2 × 0.197 = 0.39.
PRECISIONS = [(d, d + extra) for d in range(2, 9) for extra in range(0, 4)]
"""(decimals of the result, decimals of the operands), tried in this order."""


def checks_out(texts, combine):
    """Do the printed operands, combined exactly, give the printed result to its last
    digit? ``texts`` are the operands' texts, then the result's: ('2.00', '0.20', '0.39')
    does not check out (2 × 0.20 = 0.40); ('2.00', '0.197', '0.39') does."""
    from .predict import typed
    *operands, result = (typed(text) for text in texts)
    exact = combine([t.value for t in operands])
    return abs(exact - result.value) < result.half_unit * (1 - 1e-9)   # no tie: 0.315 is no 0.31


def _edge_steps(node, slots, texts, precisions=PRECISIONS, least=2):
    """The gate's edge steps, all at one precision: the first of ``precisions`` at which
    every edge's local × upstream = downstream checks out as printed (no number with
    fewer than ``least`` places)."""
    for precision in precisions:
        made = [_edge_step(node, i, texts, *precision, least) for i in slots]
        if all(ok for _, ok in made):
            break
    return tuple(edge for edge, _ in made)


def _edge_step(node, i, texts, d=2, d_operands=2, least=2):
    """(EdgeStep, does its arithmetic check out as printed)."""
    source = node.inputs[i]
    upstream, downstream = node.grad, node.downstream[i]
    local = node.local_gradients[i] if node.local_gradients is not None else None
    ok = True
    if local is None:
        text = f"{_non_elementwise(node, i, texts, d, least)} = {fixed(downstream, d, least)}"
    else:
        numbers = [short(local, d_operands, least), fixed(upstream, d_operands, least),
                   fixed(downstream, d, least)]
        text = (f"local {local_text(node, i, texts, d_operands, least)} × upstream {numbers[1]} = "
                f"{numbers[2]}{_summed(upstream, downstream, texts[source])}")
        if np.ndim(local) == 0 and np.ndim(upstream) == 0 and np.ndim(downstream) == 0:
            ok = checks_out(numbers, lambda ops: ops[0] * ops[1])
    return EdgeStep(source, i, texts[source], local, upstream, downstream, text), ok


def _summed(upstream, downstream, name):
    """Where forward broadcast an input (b in Z + b), its gradient is summed over the
    axes it was stretched along: ' summed over axis 0, where forward broadcast b'."""
    have, want = np.shape(upstream), np.shape(downstream)
    if have == want or not have:
        return ""
    axes = broadcast_axes(want, have)
    which = f"axis {axes[0]}" if len(axes) == 1 else f"axes {', '.join(map(str, axes))}"
    return f" (summed over {which}, where forward broadcast {_bracket(name)})"


def _fork_sum(name, parts, total, precisions=PRECISIONS, least=2):
    """'x gets 1.00 - 4.00 = -3.00 in all: gradients add at a fork'."""
    if any(np.ndim(part) != 0 for part in parts):
        return f"{_bracket(name)} gets the sum of its {len(parts)} gradients: they add at a fork"
    for d, d_operands in precisions:
        numbers = [fixed(part, d_operands, least) for part in parts] + [fixed(total, d, least)]
        if checks_out(numbers, sum):
            break
    terms = numbers[0] + "".join(f" - {n[1:]}" if n.startswith("-") else f" + {n}"
                                 for n in numbers[1:-1])
    return f"{_bracket(name)} gets {terms} = {numbers[-1]} in all: gradients add at a fork"


def _non_elementwise(node, i, texts, decimals=2, least=2):
    """@ and sum have no elementwise local gradient: say the rule backward used."""
    return node.gate.backward_rule(i, input_texts(node, texts), fixed(node.grad, decimals, least))


def _say(node, edges):
    if not edges:
        return "no gradient flows to an input (all its inputs are constants)"
    if len(edges) == 1:
        return edges[0].text
    same = len({edge.text for edge in edges}) == 1
    if same:
        who = " and ".join(edge.source_text for edge in edges)
        count = "both inputs" if len(edges) == 2 else f"all {len(edges)} inputs"
        return f"{edges[0].text} to {count} ({who})"
    return "; ".join(f"to {_bracket(edge.source_text)}: {edge.text}" for edge in edges)


def _bracket(text):
    return f"({text})" if " " in text and not text.startswith("the ") else text
