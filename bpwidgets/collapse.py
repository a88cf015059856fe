"""Collapse a piece of a graph into one gate, and expand it back.

The lecture's sigmoid example computes 1 / (1 + exp(-u)) with four gates (*-1, exp, +1,
1/x). Because we know the derivative of the whole piece, d sigma / du = (1 - s) s, we may
draw it as one sigma gate: the gradients that reach every input are the same::

    g = parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    g.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3); g.backward()
    s = collapse(g, find_sigmoids(g)[0])       # a new Graph: ... -> sigma
    s.output.local_gradients                   # (0.1966...,) = (1 - s) s
    expand(s)                                  # the four gates again

The collapsed gate (``Collapsed``) runs its subgraph's forward and backward: it is a
gate like any other, so the engine, the renderer and the backward steps need nothing new.
Neither function changes the graph it is given: both build a new one (and, if the old one
had run forward/backward, run the new one at the same inputs).
"""

import copy

import numpy as np

from . import labels
from .graph import Graph, Node, formula
from .ops import OPS, Gate


class Collapsed(Gate):
    """A subgraph used as one gate. ``inner`` is a Graph whose inputs are the gate's inputs."""

    def __init__(self, inner, name, symbol=None, checked=False):
        self.inner = inner
        self.input_names = tuple(inner.inputs)
        self.arity = len(self.input_names)
        self._name = name
        known = OPS.get(name)
        if known is not None and not checked:    # (collapse's own choice needs no check)
            _check_is_op(inner, name, known)
        self.symbol = symbol or (known.symbol if known is not None else name)
        if not (isinstance(self.symbol, str) and len(self.symbol) <= labels.MAX_SYMBOL):
            raise ValueError(f"collapse: the gate would be drawn as {self.symbol!r}, but a "
                             f"gate's symbol is a string of at most {labels.MAX_SYMBOL} "
                             "characters: pass a shorter symbol='...' (or name=)")
        self.flow = known.flow if known is not None else "collapsed: runs its gates' backward"
        self.elementwise = all(node.gate.elementwise for node in inner.gates())
        self._local = None

    @property
    def name(self):
        return self._name

    def forward(self, *inputs):
        self.inner.forward(**dict(zip(self.input_names, inputs)))
        self._local = None
        return self.inner.output.value

    def backward(self, upstream):
        self.inner.backward(upstream)
        return [node.grad for node in self.inner.inputs.values()]

    def local_gradients(self):
        """d out / d input per input: the subgraph's backward from an upstream of ones.
        Only for elementwise subgraphs whose inputs all have the output's shape."""
        out = self.inner.output.value
        inputs = self.inner.inputs.values()
        if not self.elementwise or any(np.shape(n.value) != np.shape(out) for n in inputs):
            return None
        if self._local is None:
            self._local = tuple(self.backward(np.ones_like(out)[()]))
        return self._local

    def slips(self):
        """The σ gate made by collapsing has the sigmoid's classic slips ((1 - σ) or σ alone
        for (1 - σ)σ), read off its output."""
        if self._name != "sigmoid":
            return []
        sigmoid = OPS["sigmoid"]()
        sigmoid.out = self.inner.output.value
        return sigmoid.slips()

    def local_formula(self, i, inputs, out, number, texts):
        """The σ gate made by collapsing is captioned as the sigmoid gate: (1-s)*s."""
        if self._name != "sigmoid":
            return None
        return OPS["sigmoid"]().local_formula(i, inputs, out, number, texts)

    def __copy__(self):
        """A copy with its own subgraph, so two graphs never share one gate's state."""
        return Collapsed(clone_graph(self.inner), self._name, self.symbol, checked=True)

    def __repr__(self):
        return f"Collapsed({self._name!r}, {len(self.inner.gates())} gates)"


def _check_is_op(inner, name, known):
    """A collapsed gate named after an op of the table is drawn and captioned as that op
    (its symbol, its local gradient (1-s)*s for the sigmoid): so it must be that op."""
    gates = inner.gates()
    if len(gates) == 1 and gates[0].gate.name == name:
        return                               # one gate of that very op
    pattern = _sigmoid_at(inner.output) if name == "sigmoid" else None
    if pattern and all(g in pattern or labels.constant_number(g) is not None for g in gates):
        return             # the four gates of 1/(1 + exp(-u)), and constants such as -(1)
    if _computes(inner, known):
        return             # another way to write it, such as exp(x) / (1 + exp(x))
    what = "1/(1 + exp(-u))" if name == "sigmoid" else f"{name}(u)"
    raise ValueError(f"collapse: name={name!r} would draw this piece as the {name} gate "
                     f"({known.symbol}) and caption it with that gate's local gradient, but "
                     f"it computes {formula(inner)}, not {what}: pass a name of your own, "
                     "such as name='f'")


CHECK_POINTS = (-1.7, -0.6, 0.3, 1.1, 2.4)
"""Where a one-input piece is compared with the op it is named after."""


def _computes(inner, known):
    """Does this one-input piece give the op's outputs at CHECK_POINTS (to round-off)?"""
    try:
        op = known()
    except TypeError:                        # an op with constants (leaky_relu's alpha)
        return False
    if len(inner.inputs) != 1 or op.arity != 1:
        return False
    (name,) = inner.inputs
    try:
        return all(np.isclose(inner.forward(**{name: x}), op.forward(x), rtol=1e-9, atol=1e-12)
                   for x in CHECK_POINTS)
    except (ArithmeticError, ValueError):     # not defined at a point: not the same function
        return False


def _check_graph(graph, what):
    """A Graph, or a TypeError. An expression string is not parsed here: the nodes and ids
    these functions take and return belong to one Graph, so parse it once and keep it."""
    if isinstance(graph, Graph):
        return graph
    if isinstance(graph, str):
        text = graph if len(graph) <= 40 else graph[:37] + "..."
        raise TypeError(f"{what} needs a Graph, got the string {text!r}: parse it first, "
                        f"g = bp.parse({text!r}), and pass g")
    raise TypeError(f"{what} needs a Graph (from bp.parse), got {type(graph).__name__}")


# ---- finding the sigmoid ------------------------------------------------------------

def find_sigmoids(graph):
    """Every 1 / (1 + exp(-u)) in the graph, as the list of its gate nodes in
    topological order ([*-1, exp, +1, 1/x]); ``(1 + exp(-u)) ** -1`` counts too."""
    graph = _check_graph(graph, "find_sigmoids")
    found = []
    for top in graph.gates():
        pattern = _sigmoid_at(top)
        # the inner gates must feed nothing else, or collapsing would hide a value
        if pattern and all(len(graph.consumers[node]) == 1 for node in pattern[:-1]):
            found.append(pattern)
    return found


def _sigmoid_at(top):
    name = top.gate.name
    if name == "div" and _is_const(top.inputs[0], 1):
        plus = top.inputs[1]
    elif name == "pow" and top.gate.exponent == -1:
        plus = top.inputs[0]
    else:
        return None
    if plus.gate is None or plus.gate.name != "add":
        return None
    ones = [_is_const(node, 1) for node in plus.inputs]
    if ones not in ([True, False], [False, True]):
        return None
    exp = plus.inputs[ones.index(False)]
    if exp.gate is None or exp.gate.name != "exp":
        return None
    minus = exp.inputs[0]
    if minus.gate is None:
        return None
    if minus.gate.name == "neg" or (
            minus.gate.name == "mul" and any(_is_const(node, -1) for node in minus.inputs)
            and not all(node.kind == "constant" for node in minus.inputs)):
        return [minus, exp, plus, top]
    return None


def _is_const(node, number):
    return labels.constant_number(node) == number


# ---- collapse and expand ------------------------------------------------------------

def collapse(graph, nodes, name=None, symbol=None):
    """A new graph with ``nodes`` (gate nodes, or their ids 'n5') replaced by one gate.

    ``nodes`` may also be a single node: the output of a sigmoid pattern. Constants used
    only inside the piece go inside it. The piece must have one output (only its last
    node may be used outside it). ``name`` defaults to 'sigmoid' for the sigmoid pattern
    (drawn as sigma), else 'f'. A name from the op table ('sigmoid', 'tanh', ...) is
    drawn and captioned as that op, so the piece must be that op.
    """
    graph = _check_graph(graph, "collapse")
    chosen = _resolve(graph, nodes)
    checked = name is None                   # the name collapse picks fits the piece
    if name is None:
        name = "sigmoid" if _sigmoid_at(chosen[-1]) == chosen else "f"
    piece, top, boundary = _piece(graph, chosen)
    inner_inputs = _inner_inputs(boundary)
    mapping = dict(zip(boundary, inner_inputs))
    for node in graph.nodes:
        if node in piece:
            mapping[node] = _clone(node, mapping)
    inner = Graph(mapping[top])
    gate = Collapsed(inner, name, symbol, checked=checked)

    new = {}
    for node in graph.nodes:
        if node is top:
            new[node] = Node(gate, [new[b] for b in boundary])
        elif node not in piece or node.kind == "constant":    # (a shared constant: both)
            new[node] = _clone(node, new)
    # No expression text: the repr then writes the new structure, sigmoid(w0*x0 + ...).
    return _rerun(graph, Graph(new[graph.output]))


def expand(graph, nodes=None):
    """A new graph with collapsed gates (all, or the given ones) replaced by their gates."""
    graph = _check_graph(graph, "expand")
    if nodes is None:
        chosen = [n for n in graph.gates() if isinstance(n.gate, Collapsed)]
    else:
        chosen = _resolve(graph, nodes if isinstance(nodes, (list, tuple)) else [nodes])
    for node in chosen:
        if not isinstance(node.gate, Collapsed):
            raise ValueError(f"{graph.describe(node)} is not a collapsed gate: nothing to expand")
    new = {}
    for node in graph.nodes:
        if node in chosen:
            inner = node.gate.inner
            inside = dict(zip(inner.inputs.values(), (new[p] for p in node.inputs)))
            for part in inner.nodes:
                if part not in inside:
                    inside[part] = _clone(part, inside)
            new[node] = inside[inner.output]
        else:
            new[node] = _clone(node, new)
    return _rerun(graph, Graph(new[graph.output], expression=graph.expression))


def _resolve(graph, nodes):
    """Node objects or ids -> gate nodes of ``graph``, in topological order."""
    single = isinstance(nodes, (Node, str))
    try:
        items = [nodes] if single else list(nodes)
    except TypeError:
        raise TypeError(f"nodes must be a gate node, its id such as 'n4', or a list of "
                        f"them, got {nodes!r}") from None
    ids = {graph.node_id(node): node for node in graph.nodes}
    resolved = []
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            raise ValueError(_number_for_id(item, items, len(graph.nodes)))
        node = ids.get(item) if isinstance(item, str) else item
        if node is None or node not in graph.index:
            raise ValueError(f"{item!r} is not a node of this graph (ids are n0..n{len(graph.nodes) - 1})")
        if node.gate is None:
            raise ValueError(f"{graph.describe(node)} is not a gate: only gates can be collapsed")
        resolved.append(node)
    if single:
        pattern = _sigmoid_at(resolved[0])
        if pattern is None:
            raise ValueError(f"{graph.describe(resolved[0])} is not the output of a sigmoid "
                             "1/(1 + exp(-u)): pass the list of gate nodes to collapse")
        return pattern
    if not resolved:
        raise ValueError("collapse needs at least one gate node")
    return sorted(set(resolved), key=graph.index.__getitem__)


def _number_for_id(number, items, count):
    """The error for a number given where a node id goes: ids are strings, 'n2' not 2.
    When every item is a number, the message spells the whole list the right way."""
    text = (f"{int(number)!r} is a number, not a node id: ids are strings like 'n2' (this "
            f"graph's are 'n0'..'n{count - 1}')")
    numbers = [int(i) for i in items
               if isinstance(i, (int, np.integer)) and not isinstance(i, bool)]
    if any(not 0 <= n < count for n in numbers):      # no such id to suggest
        return text
    if len(numbers) == len(items):
        return text + f", so write {[f'n{n}' for n in numbers]!r}"
    return text + f", so write 'n{int(number)}' for {int(number)}"


def _piece(graph, chosen):
    """The nodes to put inside (gates + their constants), its top, its inputs. A constant
    the rest of the graph uses too goes inside as well (the outside keeps its own copy):
    as an input of the piece, the 1 of 1/(1 + exp(-u)) would make sigmoid a gate of two
    inputs, and the sigmoid's rule would be applied to the wrong one."""
    consumers = {node: [e.target for e in edges] for node, edges in graph.consumers.items()}
    piece = set(chosen)
    for node in reversed(graph.nodes):      # consumers first: neg(1) brings its 1 along
        if node in piece:
            for parent in node.inputs:
                if parent.kind == "constant" or (
                        labels.constant_number(parent) is not None
                        and all(c in piece for c in consumers[parent])):
                    piece.add(parent)
    exits = [n for n in chosen
             if n is graph.output or any(c not in piece for c in consumers[n])]
    top = chosen[-1]
    if exits != [top]:
        names = ", ".join(graph.describe(n) for n in exits if n is not top)
        raise ValueError(f"cannot collapse these nodes into one gate: {names} is used outside "
                         f"them; only the last, {graph.describe(top)}, may be")
    boundary = []
    for node in graph.nodes:
        if node in piece:
            for parent in node.inputs:
                if parent not in piece and parent not in boundary:
                    boundary.append(parent)
    # a gate of the piece that is not upstream of its top would dangle
    reached, stack = {top}, [top]
    while stack:
        for parent in stack.pop().inputs:
            if parent in piece and parent not in reached:
                reached.add(parent)
                stack.append(parent)
    loose = [n for n in chosen if n not in reached]
    if loose:
        raise ValueError(f"{graph.describe(loose[0])} does not feed {graph.describe(top)}: "
                         "a collapsed gate has one output")
    return piece, top, boundary


def _inner_inputs(boundary):
    """Input nodes for the collapsed gate's own graph: an input keeps its name, other
    nodes become u0, u1, ... (or u alone)."""
    taken = {node.name for node in boundary if node.kind == "input"}
    count = sum(node.kind != "input" for node in boundary)
    candidates = (["u"] if count == 1 else []) + [f"u{k}" for k in range(count + len(taken))]
    fresh = iter([name for name in candidates if name not in taken])
    return [Node(name=node.name if node.kind == "input" else next(fresh)) for node in boundary]


def clone_graph(graph):
    """An independent copy of ``graph``: new nodes, copies of the gates."""
    mapping = {}
    for node in graph.nodes:
        mapping[node] = _clone(node, mapping)
    return Graph(mapping[graph.output], expression=graph.expression)


def _clone(node, mapping):
    """A copy of ``node`` whose inputs are their copies in ``mapping``."""
    if node.kind == "input":
        return Node(name=node.name)
    if node.kind == "constant":
        return Node(value=node.value)
    return Node(_own_gate(node.gate), [mapping[p] for p in node.inputs])


def _own_gate(gate):
    """A copy of a gate with a cache of its own: deep, since a learner's gate may keep its
    cache in a dict (self.cache["x"] = x), which a shallow copy would share with the
    original, whose graph would then backward through the copy's numbers."""
    try:
        return copy.deepcopy(gate)
    except Exception:                 # a gate holding something that cannot be copied
        return copy.copy(gate)


def _rerun(old, new):
    """Bring the new graph to the old one's state: same inputs, forward and backward."""
    if old.forward_done:
        new.forward(**{name: node.value for name, node in old.inputs.items()})
        if old.backward_done:
            new.backward(None if np.ndim(new.output.value) == 0 else old.output.grad)
    return new
