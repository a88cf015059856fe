"""The backward pass one gate at a time, in the lecture's words.

After ``forward`` and ``backward``, ``backward_steps(graph)`` lists the gates in the order
backward visits them (reverse topological order). Each step holds, per input edge, the
local gradient, the upstream gradient that met it there and their product, the downstream
gradient, and a caption with the arithmetic::

    g = parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    g.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3); g.backward()
    backward_steps(g)[0].caption   # '1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53'
    backward_steps(g)[2].caption   # 'exp: local e^-1 = 0.37 × upstream -0.53 = -0.20'

Also ``check_prediction``: the learner guesses a gradient, the kit says whether it is right.
Core module: numpy only. The steps only read what ``Graph.backward`` left on the nodes.
"""

from dataclasses import dataclass

import numpy as np

from . import labels


# ---- numbers as the lecture writes them -----------------------------------------------

def fixed(value):
    """A number as the pictures write it (``labels.format_number``): -0.5344 -> '-0.53',
    8.3e-07 stays 8.3e-07; small arrays in brackets, their entries in one format."""
    if np.ndim(value) == 0:
        return labels.format_number(value)
    if np.size(value) <= 4:
        texts = labels.format_numbers(value)
        if np.ndim(value) == 1:
            return "[" + " ".join(texts) + "]"
        return "[" + " ".join("[" + " ".join(row) + "]" for row in texts) + "]"
    return f"<array of shape {np.shape(value)}>"


def short(value):
    """A number inside a formula, trailing zeros dropped: -1.0 -> '-1', 1.3679 -> '1.37'."""
    if np.ndim(value) != 0:
        return fixed(value)
    text = fixed(value)
    if "e" in text or "." not in text:
        return text
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---- one formula per op: how its local gradient is computed ---------------------------
# Each takes (node, i): gate node and input slot. It returns the formula for the local
# gradient, or None when the local gradient is a plain constant (1, -1) that says it all.
# Only scalars get formulas; arrays show their local gradient's numbers.

def par(value):
    """``short`` in brackets when negative, for a base or a factor: (-0.76)^2."""
    text = short(value)
    return f"({text})" if text.startswith("-") else text


def _other(node, i, texts):
    other = node.inputs[1 - i]
    text = texts.get(other, "")
    if not text or text.startswith("the ") or labels.constant_number(other) is not None:
        return None
    return f"({text})" if " " in text else text


def _value(node, i):
    return node.inputs[i].value


LOCAL_FORMULAS = {
    "add": lambda node, i, texts: None,
    "sub": lambda node, i, texts: None,
    "neg": lambda node, i, texts: None,
    "mul": lambda node, i, texts: _other(node, i, texts),
    "div": lambda node, i, texts: (f"1/{short(_value(node, 1))}" if i == 0 else
                                   f"-{par(_value(node, 0))}/{par(_value(node, 1))}^2"),
    "max": lambda node, i, texts: ("wins the max" if node.gate.local_gradients()[i] else
                                   "loses the max"),
    "pow": lambda node, i, texts: (f"{short(node.gate.exponent)}*{par(_value(node, 0))}"
                                   + ("" if node.gate.exponent == 2 else
                                      f"^{short(node.gate.exponent - 1)}")),
    "exp": lambda node, i, texts: f"e^{short(_value(node, 0))}",
    "log": lambda node, i, texts: f"1/{short(_value(node, 0))}",
    "sigmoid": lambda node, i, texts: f"(1-{short(node.value)})*{short(node.value)}",
    "tanh": lambda node, i, texts: f"1-{par(node.value)}^2",
    "relu": lambda node, i, texts: "input > 0" if _value(node, 0) > 0 else "input <= 0",
    "leaky_relu": lambda node, i, texts: "input > 0" if _value(node, 0) > 0 else "input <= 0",
    "elu": lambda node, i, texts: ("input > 0" if _value(node, 0) > 0 else
                                   f"{short(node.gate.alpha)}*e^{short(_value(node, 0))}"),
}
"""op name -> formula of its local gradient. Every elementwise op of ``OPS`` is here (a test
checks it); a learner's own gate, or a collapsed one, shows its local gradient's value."""

# Words, not formulas: said after the value ("1 (input > 0)").
WORDED = ("max", "relu", "leaky_relu")


def local_text(node, i, texts):
    """'e^-1 = 0.37', '1', '-1/1.37^2 = -0.53', '1 (input > 0)': the local gradient, said."""
    local = node.gate.local_gradients()[i]
    formula = None
    rule = LOCAL_FORMULAS.get(node.gate.name)
    if rule is not None and np.ndim(local) == 0 and np.ndim(node.value) == 0:
        formula = rule(node, i, texts)
    if formula is None:
        return short(local)
    if node.gate.name in WORDED or (node.gate.name == "elu" and formula == "input > 0"):
        return f"{short(local)} ({formula})"
    return f"{formula} = {fixed(local)}"


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


def backward_steps(graph):
    """Every gate in the order backward visits it, each with its edges and caption."""
    if graph.batched:
        raise ValueError("backward_steps needs per-edge details, which a batched graph does "
                         "not keep: build the graph with Graph(output) (batched=False)")
    if not graph.backward_done:
        raise RuntimeError("call forward(...) and backward() first: the steps read the "
                           "values and gradients they left on the nodes")
    texts = labels.node_texts(graph)
    hidden, folded = labels.hidden_nodes(graph)    # drawn inside a gate: no step of their own
    steps = []
    for node in reversed(graph.nodes):
        if node.gate is None or node in hidden:
            continue
        symbol = labels.gate_label(node)[0]
        edges = tuple(_edge_step(node, i, texts) for i, source in enumerate(node.inputs)
                      if (node, i) not in folded and source not in hidden)
        caption = f"{symbol}: {_say(node, edges)}"
        steps.append(Step(len(steps) + 1, node, graph.node_id(node), symbol, edges, caption))
    return steps


def _edge_step(node, i, texts):
    source = node.inputs[i]
    upstream, downstream = node.grad, node.downstream[i]
    local = node.local_gradients[i] if node.local_gradients is not None else None
    if local is not None:
        text = f"local {local_text(node, i, texts)} × upstream {fixed(upstream)} = {fixed(downstream)}"
    else:
        text = f"{_non_elementwise(node, i, texts)} = {fixed(downstream)}"
    return EdgeStep(source, i, texts[source], local, upstream, downstream, text)


def _non_elementwise(node, i, texts):
    """@ and sum have no elementwise local gradient: say the rule backward used."""
    name = node.gate.name
    if name == "matmul":
        a, b = (texts[p] if len(texts[p]) < 8 else "AB"[k] for k, p in enumerate(node.inputs))
        return f"upstream @ {b}.T" if i == 0 else f"{a}.T @ upstream"
    if name == "sum":
        return f"upstream {fixed(node.grad)} copied to every entry"
    return f"backward(upstream {fixed(node.grad)})"


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


# ---- predict, then check ---------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    """The verdict on a learner's guess of a gradient: ``ok``, the guess, the true value."""
    name: str
    guess: object
    actual: object
    ok: bool
    hint: str = ""

    def __repr__(self):
        said = f"you predicted df/d{self.name} = {short(self.guess)}"
        if self.ok:
            return f"RIGHT: {said}; the graph gives {fixed(self.actual)}."
        # the answer stays hidden (it is in .actual), so the learner can try again
        return f"NOT YET: {said}, which is not it. Hint: {self.hint}"

    __str__ = __repr__


def check_prediction(graph, name, guess, tolerance=0.01, **inputs):
    """Is ``guess`` the gradient of the output with respect to ``name``?

    ``name`` is an input name or a node id ('n4'). With ``inputs``, the graph runs forward
    and backward at them first; otherwise it uses the last backward. A guess counts as
    right within ``tolerance`` (or 2% of the answer): the lecture rounds to two decimals.

    >>> check_prediction(parse("(x + y) * z"), "x", -4, x=-2, y=5, z=-4)
    RIGHT: you predicted df/dx = -4; the graph gives -4.00.
    """
    if inputs:
        graph.forward(**inputs)
        graph.backward()
    elif not graph.backward_done:
        raise RuntimeError("check_prediction needs the inputs (x=..., y=...) or a graph "
                           "after forward() and backward()")
    node = _find(graph, name)
    actual = node.grad
    guess_array = np.asarray(guess, dtype=float)
    if guess_array.shape != np.shape(actual):
        raise ValueError(f"the gradient of {name} has shape {np.shape(actual)}, but the "
                         f"guess has shape {guess_array.shape}")
    ok = _close(guess_array, actual, tolerance)
    hint = "" if ok else _hint(guess_array, node, tolerance)
    return Prediction(name, guess, actual, bool(ok), hint)


def _find(graph, name):
    if name in graph.inputs:
        return graph.inputs[name]
    for node in graph.nodes:
        if graph.node_id(node) == name:
            return node
    raise ValueError(f"no input or node named {name!r}: inputs are "
                     f"{', '.join(graph.inputs) or 'none'}, node ids n0..n{len(graph.nodes) - 1}")


def _close(guess, actual, tolerance):
    return bool(np.all(np.abs(guess - actual) <= np.maximum(tolerance, 0.02 * np.abs(actual))))


def _hint(guess, node, tolerance):
    actual = node.grad
    if _close(-guess, actual, tolerance):
        return "the size is right, the sign is flipped."
    if np.all(actual == 0):
        return ("follow the path back from the output gate by gate: which input did "
                "each max pass the gradient on to, and is each relu on the way on?")
    if _close(guess, node.value, tolerance) and not _close(node.value, actual, tolerance):
        return "that is the node's value from the forward pass, not its gradient."
    if np.all(guess == 0):
        return "the gradient is not zero here: some of the output flows back to it."
    return ("multiply local gradient × upstream gradient at each gate on the way back "
            "from the output, and add over every path.")
