"""Nodes and graphs: build once, then run forward and backward as often as you like.

A *node* is an input, a constant, or a gate applied to other nodes. A *graph* is
built from its output node once: it sorts the nodes topologically (inputs first,
output last). ``forward`` runs the gates in that order; ``backward`` runs them in
reverse, each turning its upstream gradient into downstream gradients::

    x, y, z = inputs("x y z")
    g = Graph((x + y) * z)
    g.forward(x=-2, y=5, z=-4)   # -12.0
    g.backward()                 # {'x': -4.0, 'y': -4.0, 'z': 3.0}

Both passes are loops, not recursion, so a chain of 100,000 nodes is fine.
"""

import keyword
import math
from dataclasses import dataclass

import numpy as np

from . import batch, ops



class Node:
    """One value in the graph: an input, a constant, or the output of a gate.

    After ``Graph.forward`` a node holds its ``value``; after ``Graph.backward`` its
    ``grad`` (d output / d this node) and, per incoming edge, the ``downstream``
    gradient it sent back along that edge.
    """

    def __init__(self, gate=None, inputs=(), name=None, value=None):
        self.gate = gate            # None for inputs and constants
        self.inputs = tuple(inputs)
        self.name = name            # inputs only
        self.value = value          # constants get theirs now, the rest in forward
        self.grad = None
        self.downstream = ()

    @property
    def kind(self):
        """'input', 'constant' or 'gate'."""
        if self.gate is not None:
            return "gate"
        return "input" if self.name is not None else "constant"

    @property
    def local_gradients(self):
        """The gate's local gradient per input edge, or None (inputs, non-elementwise gates)."""
        return None if self.gate is None else self.gate.local_gradients()

    def __repr__(self):
        if self.kind == "input":
            return f"Input({self.name!r})"
        if self.kind == "constant":
            return f"Constant({ops.format_constant(self.value)})"
        return f"Node({self.gate.name}, {len(self.inputs)} inputs)"

    # Python operators build new nodes; numbers become constants.
    def __add__(self, other): return apply(ops.Add(), self, other)
    def __radd__(self, other): return apply(ops.Add(), other, self)
    def __sub__(self, other): return apply(ops.Subtract(), self, other)
    def __rsub__(self, other): return apply(ops.Subtract(), other, self)
    def __mul__(self, other): return apply(ops.Multiply(), self, other)
    def __rmul__(self, other): return apply(ops.Multiply(), other, self)
    def __truediv__(self, other): return apply(ops.Divide(), self, other)
    def __rtruediv__(self, other): return apply(ops.Divide(), other, self)
    def __matmul__(self, other): return apply(ops.MatMul(), self, other)
    def __rmatmul__(self, other): return apply(ops.MatMul(), other, self)
    def __neg__(self): return apply(ops.Negate(), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Node) or not is_number(exponent):
            raise TypeError("the exponent in a ** p must be a constant number, "
                            f"got {type(exponent).__name__}")
        return apply(ops.Power(exponent), self)

    __hash__ = object.__hash__   # nodes are compared by identity


def is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_name(name):
    """Input names must be Python identifiers (not keywords, not function names)."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"input name {name!r} is not a valid name: use letters, digits "
                         "and _, starting with a letter (like x, w0, bias)")
    if name in ops.FUNCTIONS:
        raise ValueError(f"input name {name!r} is taken by the function {name}(); "
                         "choose another name")
    return name


def inputs(names):
    """Make input nodes: ``x, y = inputs("x y")`` (or a list of names)."""
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    made = tuple(Node(name=check_name(name)) for name in names)
    return made if len(made) != 1 else made[0]


def constant(value):
    """A constant node (numbers in expressions become these automatically)."""
    return Node(value=to_value(value, "constant"))


def as_node(x):
    if isinstance(x, Node):
        return x
    if is_number(x) or isinstance(x, (list, tuple, np.ndarray)):
        return constant(x)
    raise TypeError(f"cannot use {type(x).__name__} {x!r} in a graph: "
                    "expected a node or a number")


def apply(gate, *args):
    """A new node: ``gate`` applied to ``args`` (nodes or numbers)."""
    if gate.arity is not None and len(args) != gate.arity:
        raise TypeError(f"{gate.name} takes {gate.arity} input(s), got {len(args)}")
    return Node(gate, [as_node(a) for a in args])


def to_value(value, what):
    """A number -> float64 scalar; nested lists or arrays -> float ndarray. Refuse the rest."""
    if type(value) is float or type(value) is int:      # the common case, kept quick
        try:
            v = float(value)
        except OverflowError:
            raise ValueError(f"{what} is too big for a float: {_short(value)}") from None
        if math.isfinite(v):
            return np.float64(v)
        raise ValueError(f"{what} is {'NaN' if math.isnan(v) else 'infinite'}")
    if is_number(value):
        v = np.float64(value)
    elif isinstance(value, (list, tuple, np.ndarray)):
        try:
            raw = np.asarray(value)
        except ValueError:             # ragged lists: [[1, 2], [3]]
            raw = None
        if raw is None or raw.dtype.kind not in "iuf":
            raise TypeError(f"{what} must be a number or an array of numbers, "
                            f"got {_short(value)}")
        v = raw.astype(float)
        if v.ndim == 0:
            v = v[()]
    else:
        raise TypeError(f"{what} must be a number or an array of numbers, got "
                        f"{type(value).__name__} {_short(value)}")
    if not np.all(np.isfinite(v)):
        bad = "NaN" if np.any(np.isnan(v)) else "infinite"
        raise ValueError(f"{what} is {bad}" if np.ndim(v) == 0 else f"{what} contains {bad} entries")
    return v


def _short(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def topological_order(output):
    """Every node the output depends on, each after its inputs (iterative DFS)."""
    order, done, on_path = [], set(), set()
    stack = [(output, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            on_path.discard(node)
            done.add(node)
            order.append(node)
            continue
        if node in done:
            continue
        on_path.add(node)
        stack.append((node, True))
        for parent in reversed(node.inputs):
            if parent not in done:
                stack.append((parent, False))
    return order


@dataclass(frozen=True)
class Edge:
    """An edge from ``source`` into input slot ``index`` of ``target``.

    Where backward meets the edge: ``downstream = local x upstream``.
    """
    source: Node
    target: Node
    index: int

    @property
    def value(self):
        return self.source.value

    @property
    def upstream(self):
        return self.target.grad

    @property
    def local(self):
        local = self.target.local_gradients
        return None if local is None else local[self.index]

    @property
    def downstream(self):
        return self.target.downstream[self.index] if self.target.downstream else None


class Graph:
    """A static computational graph, built once from its output node.

    ``batched=True`` runs gates of one kind at one depth as one numpy call (see
    ``batch.py``): much faster for big scalar graphs. A batched graph keeps its
    numbers in two arrays, ``values`` and ``grads`` (one entry per node, at
    ``index[node]``); read them with ``value_of(node)`` and ``grad_of(node)``. Its
    nodes are not updated one by one (that would cost as much as the maths), so it
    cannot be drawn: draw ``Graph(output)`` instead.
    """

    def __init__(self, output, expression=None, batched=False):
        if not isinstance(output, Node):
            raise TypeError(f"Graph needs the output node, got {type(output).__name__}")
        self.output = output
        self.expression = expression
        self.nodes = topological_order(output)
        self.index = {node: k for k, node in enumerate(self.nodes)}
        self.inputs = {}
        for node in self.nodes:
            if node.kind == "input":
                if node.name in self.inputs:
                    raise ValueError(f"two different input nodes are named {node.name!r}")
                self.inputs[node.name] = node
        self._labels = {name: f"input {name!r}" for name in self.inputs}
        self.leaves = [node for node in self.nodes if node.gate is None]
        self.edges = [Edge(source, node, i)
                      for node in self.nodes for i, source in enumerate(node.inputs)]
        self.forward_done = False
        self.backward_done = False
        self.batched = bool(batched)
        if self.batched:
            reason = batch.can_batch(self)
            if reason:
                raise ValueError(f"this graph cannot run batched: {reason}")
            self.groups = batch.make_groups(self)
            self._constants = np.array([node.value if node.kind == "constant" else 0.0
                                        for node in self.nodes])
            self._input_slots = [self.index[node] for node in self.inputs.values()]

    def __repr__(self):
        what = self.expression if self.expression is not None else formula(self)
        if len(what) > 60:
            what = what[:57] + "..."
        names = list(self.inputs)
        shown = ", ".join(names[:6]) + (f", ... ({len(names)} in all)" if len(names) > 6 else "")
        return f"<Graph {what}: {len(self.nodes)} nodes, inputs {shown or 'none'}>"

    def value_of(self, node):
        """The node's value from the last forward (works for batched graphs too)."""
        return plain(self.values[self.index[node]]) if self.batched else node.value

    def grad_of(self, node):
        """The node's gradient from the last backward (works for batched graphs too)."""
        return plain(self.grads[self.index[node]]) if self.batched else node.grad

    def node_id(self, node):
        """A stable id from topological position: 'n0', 'n1', ..."""
        return f"n{self.index[node]}"

    def forward(self, **values):
        """Set the inputs, run every gate in topological order, return the output value."""
        if values.keys() != self.inputs.keys():
            self._name_problem(values)
        self.forward_done = self.backward_done = False
        if self.batched:
            self._batched_forward(values)
            self.forward_done = True
            return self.output_value()
        for name, node in self.inputs.items():
            node.value = to_value(values[name], self._labels[name])
        node = None
        try:
            with np.errstate(all="ignore"):
                for node in self.nodes:
                    if node.gate is not None:
                        node.value = node.gate.forward(*[p.value for p in node.inputs])
        except Exception as error:
            message = f"forward failed at {self.describe(node)}: {error}"
            try:
                wrapped = type(error)(message)     # keep the kind of error...
            except Exception:
                wrapped = RuntimeError(message)    # ...unless it can't take a message
            raise wrapped from error
        self._check_finite()
        self.forward_done = True
        return self.output_value()

    def _name_problem(self, values):
        names = ", ".join(self.inputs) or "none"
        unknown = [name for name in values if name not in self.inputs]
        if unknown:
            raise ValueError(f"forward() got unknown input {unknown[0]!r}; "
                             f"the graph's inputs are {names}")
        missing = [name for name in self.inputs if name not in values]
        raise ValueError(f"forward() is missing a value for input {missing[0]!r} "
                         f"(the graph's inputs are {names})")

    def output_value(self):
        return plain(self.output.value)

    def backward(self, upstream=None):
        """Run the gates in reverse order; return d output / d input for every input.

        Each gate gets its upstream gradient (the sum over its outgoing edges, so
        fan-out gradients add) and returns local gradient x upstream per input.
        For an array output, pass ``upstream`` (the gradient of something w.r.t. it).
        """
        if not self.forward_done:
            raise RuntimeError("call forward(...) before backward(): backward needs the "
                               "values of the last forward pass")
        out = self.output.value
        if upstream is None:
            if np.ndim(out) != 0:
                raise ValueError(f"the output has shape {np.shape(out)}: backward() starts from "
                                 "a scalar; pass upstream= an array of that shape")
            upstream = np.float64(1.0)
        else:
            upstream = to_value(upstream, "upstream")
            if np.shape(upstream) != np.shape(out):
                raise ValueError(f"upstream has shape {np.shape(upstream)}, "
                                 f"but the output has shape {np.shape(out)}")
        if self.batched:
            grads = self._batched_backward(upstream)
            self.backward_done = True
            return grads
        for node in self.nodes:
            node.grad = None
        self.output.grad = upstream
        with np.errstate(all="ignore"):
            for node in reversed(self.nodes):
                if node.gate is None:
                    continue
                grads = node.gate.backward(node.grad)
                node.downstream = self._check_grads(node, grads)
                for parent, grad in zip(node.inputs, node.downstream):
                    parent.grad = grad if parent.grad is None else parent.grad + grad
        self.backward_done = True
        return self.input_grads()

    def input_grads(self):
        """{input name: gradient}, floats for scalar inputs, arrays for array inputs."""
        return {name: plain(node.grad) for name, node in self.inputs.items()}

    def _batched_forward(self, values):
        # Check all inputs at once; only if that fails, look at them one by one to
        # find the input to name in the error.
        given = [values[name] for name in self.inputs]
        ok = all(type(v) is float or type(v) is int for v in given)
        if ok:
            try:
                given = np.array(given, dtype=float)
                ok = bool(np.isfinite(given).all())
            except OverflowError:
                ok = False
        if not ok:
            for name in self.inputs:
                if np.ndim(to_value(values[name], self._labels[name])) != 0:
                    raise ValueError(f"a batched graph takes scalar inputs only: "
                                     f"input {name!r} has shape {np.shape(values[name])}")
        self.values = self._constants.copy()
        self.values[self._input_slots] = given
        with np.errstate(all="ignore"):
            batch.forward(self.groups, self.values)
        self.output.value = float(self.values[-1])
        if not np.isfinite(self.values).all():
            for node, value in zip(self.nodes, self.values.tolist()):
                node.value = value          # so the error can name the first bad node
            self._check_finite()

    def _batched_backward(self, upstream):
        self.grads = np.zeros(len(self.nodes))
        self.grads[-1] = upstream
        with np.errstate(all="ignore"):
            batch.backward(self.groups, self.grads)
        return dict(zip(self.inputs, self.grads[self._input_slots].tolist()))

    def _check_grads(self, node, grads):
        """One gradient per input, each with its input's shape (undoing broadcasting)."""
        if not isinstance(grads, (tuple, list)) or len(grads) != len(node.inputs):
            raise TypeError(f"{self.describe(node)}: backward must return one gradient per "
                            f"input ({len(node.inputs)}), got {_short(grads)}")
        fixed = []
        for i, (parent, grad) in enumerate(zip(node.inputs, grads)):
            want = np.shape(parent.value)
            have = np.shape(grad)
            if have != want:
                if have == np.shape(node.value) and _broadcasts(want, have):
                    grad = unbroadcast(grad, want)   # the forward broadcast this input
                else:
                    raise ValueError(f"{self.describe(node)}: backward returned a gradient of "
                                     f"shape {have} for input {i} of shape {want}")
            fixed.append(grad)
        return tuple(fixed)

    def _check_finite(self):
        """Every value must be finite: an inf inside the graph (exp(1000)) can hide behind
        a finite output (1 / exp(1000) = 0) and turn the gradients into NaN."""
        for node in self.nodes:
            v = node.value
            if isinstance(v, float) and math.isfinite(v) or np.all(np.isfinite(v)):
                continue
            ins = ", ".join(_short(p.value, 20) for p in node.inputs)
            raise FloatingPointError(
                f"forward produced a non-finite value ({_short(v, 20)}) at "
                f"{self.describe(node)}" + (f" from input(s) {ins}" if ins else ""))

    def describe(self, node):
        """'node n3 (mul)': how error messages name a node."""
        if node is None:
            return "the start"
        what = node.gate.name if node.gate is not None else node.kind
        if node.name:
            what = f"input {node.name!r}"
        return f"node n{self.index[node]} ({what})"

    def gates(self):
        """The gate nodes in topological order (the lecture's nodes_topologically_sorted)."""
        return [node for node in self.nodes if node.gate is not None]


INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2), "matmul": ("@", 2)}


def formula(graph, limit=200):
    """The graph written as an expression, like '(x + y) * z' (for reprs and captions).

    Built node by node in topological order (no recursion); gives up with
    '<N nodes>' once the text passes ``limit`` characters.
    """
    text, level = {}, {}          # per node: its text, and how tightly it binds
    for node in graph.nodes:
        if node.kind == "input":
            text[node], level[node] = node.name, 9
            continue
        if node.kind == "constant":
            text[node], level[node] = ops.format_constant(node.value) if np.ndim(node.value) == 0 \
                else f"array{np.shape(node.value)}", 9
            continue
        name = node.gate.name
        args = node.inputs
        if name in INFIX:
            symbol, prec = INFIX[name]
            left = text[args[0]] if level[args[0]] >= prec else f"({text[args[0]]})"
            tight = prec + (name in ("sub", "div"))    # a - (b - c) keeps its parentheses
            right = text[args[1]] if level[args[1]] >= tight else f"({text[args[1]]})"
            text[node], level[node] = f"{left} {symbol} {right}", prec
        elif name == "neg":
            inner = text[args[0]] if level[args[0]] >= 3 else f"({text[args[0]]})"
            text[node], level[node] = f"-{inner}", 3
        elif name == "pow":
            inner = text[args[0]] if level[args[0]] >= 9 else f"({text[args[0]]})"
            text[node], level[node] = f"{inner} ** {ops.format_constant(node.gate.exponent)}", 4
        else:
            text[node], level[node] = f"{name}({', '.join(text[a] for a in args)})", 9
        if len(text[node]) > limit:
            return f"<{len(graph.nodes)} nodes>"
    return text[graph.output]


def plain(value):
    """What users get back: a Python float for a scalar, the array otherwise."""
    if isinstance(value, float):
        return float(value)
    return float(value) if np.ndim(value) == 0 else value


def _broadcasts(shape, to_shape):
    try:
        return np.broadcast_shapes(shape, to_shape) == to_shape
    except ValueError:
        return False


def unbroadcast(grad, shape):
    """Sum a gradient over the axes that broadcasting added or stretched (autograd's rule)."""
    while np.ndim(grad) > len(shape):
        grad = np.sum(grad, axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and np.shape(grad)[axis] != 1:
            grad = np.sum(grad, axis=axis, keepdims=True)
    return grad
