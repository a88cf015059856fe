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

import inspect
import keyword
import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from . import labels, ops
from .plan import LevelPlan, why_not


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
        self._downstream = ()
        self._fast = None           # the Graph that runs this node level by level, if any
        self._ran = self._sent = -1     # which of its runs this node's gate has seen
        self._marks = None              # a learner's gate: what its cache held (cache_marks)
        self._kept = None               # ... what its forward set (see _check_cache_kept)

    @property
    def kind(self):
        """'input', 'constant' or 'gate'."""
        if self.gate is not None:
            return "gate"
        return "input" if self.name is not None else "constant"

    @property
    def local_gradients(self):
        """The gate's local gradient per input edge, or None (inputs, non-elementwise gates)."""
        if self.gate is None:
            return None
        self._run_gate()
        fresh = self._marks is not None and cache_marks(self.gate) == self._marks
        local = self.gate.local_gradients()
        if fresh:                # what local_gradients keeps on the gate is no hand-run
            self._marks = cache_marks(self.gate)
        return local

    @property
    def downstream(self):
        """Per input edge, the gradient backward sent along it: local x upstream."""
        fast = self._fast
        if fast is not None and fast._backward_done and self._sent != fast.backward_runs \
                and self.gate is not None:
            self._run_gate()                  # after a level-by-level run: made when asked
            self._downstream = tuple(self.gate.backward(self.grad))
            self._sent = fast.backward_runs
        return self._downstream

    def _run_gate(self):
        """A graph run level by level (``plan.py``) sets values without calling this node's
        own gate: run it now on the node's inputs, so its cache (what backward and the
        local gradients read) belongs to this node's values."""
        fast = self._fast
        if fast is not None and self._ran != fast.forward_runs:
            self.gate.forward(*[p.value for p in self.inputs])
            self._ran = fast.forward_runs

    def __repr__(self):
        if self.kind == "input":
            return f"Input({self.name!r})"
        if self.kind == "constant":
            return f"Constant({ops.format_constant(self.value)})"
        return f"Node({self.gate.name}, {len(self.inputs)} inputs)"

    def make_node(self, gate, args):
        """A new node: ``gate`` applied to ``args``, this node among them. A gate called on
        nodes, ``MyGate()(x, y)``, asks a node for this, so ops.py needs no graph import."""
        return apply(gate, *args)

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

    # Python's own functions on a node: a node has no number until forward runs, so they
    # cannot work; say which of the kit's gates does the job.
    def _compared(self, other):
        raise TypeError("graph nodes have no values to compare until forward runs (<, >, "
                        "and Python's max(), min() and sorted() compare): the max gate is "
                        "bp.max(a, b), and min(a, b) is -bp.max(-a, -b)")

    __lt__ = __le__ = __gt__ = __ge__ = _compared

    def __abs__(self):
        raise TypeError("the kit has no abs gate: |x| is bp.max(x, -x), a max gate that "
                        "routes the gradient to whichever of x and -x is larger")

    def __rpow__(self, base):
        raise TypeError(f"{_short(base)} ** node: the power gate takes a constant exponent "
                        "(node ** 2); for e to a node, use bp.exp(node)")

    def __float__(self):
        raise TypeError("a graph node is not a number until forward runs (math.exp and "
                        "float() need one): build the graph with the kit's functions, "
                        "bp.exp(x), bp.log(x), bp.tanh(x), ...")

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        """numpy meets a node. ``array + node`` (and -, *, /, @) builds a gate as usual;
        numpy functions like np.exp cannot work on nodes, so say which kit function to use."""
        operator = NUMPY_OPERATORS.get(ufunc.__name__)
        if operator is not None and method == "__call__" and len(args) == 2 and not kwargs:
            return apply(operator(), *args)
        name = ufunc.__name__
        kit = {"maximum": "max", "add": "+"}.get(name, name)
        use = f"bp.{kit}(...)" if kit in ops.FUNCTIONS else "the kit's functions (bp.exp, bp.log, bp.max, ...) and operators"
        raise TypeError(f"numpy's {name} cannot work on a graph node: use {use}")


NUMPY_OPERATORS = {"add": ops.Add, "subtract": ops.Subtract, "multiply": ops.Multiply,
                   "divide": ops.Divide, "matmul": ops.MatMul}
"""numpy's versions of the Python operators, so that ``array @ node`` builds a gate."""


def is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_name(name):
    """Input names must be Python identifiers (not keywords, not function names)."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"input name {name!r} is not a valid name: use letters, digits "
                         "and _, starting with a letter (like x, w0, bias)")
    if ops.is_function(name):
        raise ValueError(f"input name {name!r} is taken by the function {name}(); "
                         "choose another name")
    return name


def inputs(names):
    """Make input nodes: ``x, y = inputs("x y")`` (or a list of names)."""
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    else:
        try:
            names = list(names)
        except TypeError:
            raise TypeError(f"inputs takes names: inputs('x y') or a list of names, got "
                            f"{_short(names)}") from None
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
    """A new node: ``gate`` applied to ``args`` (nodes or numbers).

    One gate instance makes one node: its forward keeps what its backward needs (a
    multiply gate's inputs), so a gate shared by two nodes would hand one of them the
    other's numbers."""
    if isinstance(gate, type) and issubclass(gate, ops.Gate):
        raise TypeError(f"apply needs a gate, not the class: apply({gate.__name__}(), ...)")
    if not isinstance(gate, ops.Gate):
        raise TypeError(f"apply needs a gate (a bp.Gate, such as bp.OPS['mul']()), got "
                        f"{_short(gate)}")
    if getattr(gate, "_in_graph", False):
        label = type(gate).__name__
        raise ValueError(f"this {label} gate is already a node in a graph, and its cache "
                         f"belongs to that node: make a new one, {label}()")
    if gate.arity is not None and len(args) != gate.arity:
        raise TypeError(f"{gate.name} takes {gate.arity} input(s), got {len(args)}")
    node = Node(gate, [as_node(a) for a in args])
    gate._in_graph = True
    return node


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
    if type(value) is np.ndarray and value.dtype.kind == "f" and value.ndim:
        v = value.astype(float)                 # the graph keeps its own copy
        if np.isfinite(v).all():                # the common array case, kept quick
            return v
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
    if isinstance(value, np.generic):
        value = value.item()            # 1000.0, not np.float64(1000.0)
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def topological_order(output):
    """Every node the output depends on, each after its inputs (iterative DFS)."""
    order, done = [], set()
    stack = [(output, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            done.add(node)
            order.append(node)
            continue
        if node in done:
            continue
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

    Each node keeps its value and its gradient, and per edge what backward sent along it,
    so the graph can be drawn and stepped through. A big graph of built-in elementwise
    gates on scalars (a scalar MLP) is compiled into a ``LevelPlan`` that runs all gates of
    one kind at one depth as one numpy call; its per-edge numbers are made when asked for.
    """

    FAST_FROM = 100     # gates: from this many on, a graph that can run level by level does
    runs = 0            # forward and backward runs of every graph: see forward_done
    marks = 0           # times a graph marked nodes as run by its plan (node._fast)

    def __init__(self, output, expression=None):
        if not isinstance(output, Node):
            hint = f": to build one from text, bp.parse({output!r})" if isinstance(output, str) \
                else ""
            raise TypeError(f"Graph needs the output node, got {type(output).__name__}{hint}")
        if expression is not None and not isinstance(expression, str):
            raise TypeError(f"Graph's expression (the formula it shows) must be a string, "
                            f"got {type(expression).__name__}")
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
        self._names = tuple(self.inputs)       # backward's default: every input
        self._labels = {name: f"input {name!r}" for name in self.inputs}
        self.edges = [Edge(source, node, i)
                      for node in self.nodes for i, source in enumerate(node.inputs)]
        # node -> the edges leaving it (more than one: a fan-out, whose gradients add)
        self.consumers = {node: [] for node in self.nodes}
        for edge in self.edges:
            self.consumers[edge.source].append(edge)
        self._gates = [node for node in self.nodes if node.gate is not None]
        # gates a learner wrote: they get read-only inputs and upstream (see read_only)
        self._learners = {node for node in self._gates if not kits_own(node.gate)}
        # forward's list: (node, how to call its gate, its first and second input)
        self._forward_plan = [
            (node, LEARNERS if node in self._learners else len(node.inputs),
             *(node.inputs + (None, None))[:2]) for node in self._gates]
        self.plan = None
        if len(self._gates) >= self.FAST_FROM and why_not(self.nodes, self.describe) is None:
            self.plan = LevelPlan(self.nodes, self.index)
        self.forward_runs = self.backward_runs = 0   # the nodes' per-edge numbers follow these
        self.learner_sums = []       # see _backward_node_by_node
        self._forward_done = self._backward_done = self._by_levels = False
        self._only = None                       # the wrt= of a backward that ran for a few
        self._out = self._given = self._result = None   # what the last runs gave (forward_done)
        self._checked_at = -1                   # Graph.runs when the two below were found
        self._forward_ok = self._backward_ok = False    # forward_done, backward_done then
        self._forward_at = -1                   # Graph.runs when forward last finished
        self._marked = -1                       # Graph.marks when this graph last marked

    def __repr__(self):
        what = self.expression if self.expression is not None else formula(self)
        if len(what) > 60:
            what = what[:57] + "..."
        names = list(self.inputs)
        shown = ", ".join(names[:6]) + (f", ... ({len(names)} in all)" if len(names) > 6 else "")
        return f"<Graph {what}: {len(self.nodes)} nodes, inputs {shown or 'none'}>"

    def formula(self, limit=200):
        """The graph as one formula: the text it was parsed from, else written from its
        gates as ``bp.parse`` reads them (cut at ``limit`` characters; ``repr`` cuts at 60).

        >>> bp.nn.MLP([2, 3, 2]).loss_graph(reg=0.1).formula()
        'softmax_loss(sigmoid(X @ W1 + b1) @ W2 + b2, Y) + 0.05*(sum(W1**2) + sum(W2**2))'
        """
        return self.expression if self.expression is not None else formula(self, limit)

    def value_of(self, node):
        """The node's value from the last forward."""
        return plain(node.value)

    def grad_of(self, node):
        """The node's gradient from the last backward."""
        return plain(node.grad)

    def node_id(self, node):
        """A stable id from topological position: 'n0', 'n1', ..."""
        return f"n{self.index[node]}"

    def forward(self, **values):
        """Set the inputs, run every gate in topological order, return the output value.

        The inputs are checked on the way in; the output on the way out (a non-finite
        value inside the graph is found by backward, whose gradients it spoils)."""
        if len(values) != len(self._names):         # (a name misspelt: see given_values)
            self.check_input_names(values)
        self._forward_done = self._backward_done = False
        self._only = None
        Graph.runs += 1
        numbers = None if self.plan is None else self.scalar_inputs(values, or_none=True)
        self._by_levels = numbers is not None
        if self._by_levels:
            self._forward_by_levels(numbers)
        else:
            if self.plan is not None:           # a compiled graph given arrays this time
                for node in self._gates:
                    node._fast = None           # its gates' caches are their own again
                Graph.marks += 1
            self._set_inputs(values)
            self._forward_node_by_node()
        if not _finite(self.output.value):
            self.check_finite()             # walks the graph to name the first bad node
        self._out = self.output.value
        if not self._by_levels:                 # (_forward_by_levels keeps its own list)
            self._given = ([node.value for node in self.inputs.values()], range(len(self.inputs)))
        self._forward_done, self._forward_at = True, Graph.runs
        self._checked_at = -1                   # work forward_done out afresh
        return self.output_value()

    def _forward_node_by_node(self):
        """Each gate in topological order, on its inputs' values. The kit's own gates with
        one or two inputs (most of them) are called directly; a learner's gate gets
        read-only inputs, and what its cache holds is noted (see cache_marks), and what
        its forward kept, which its backward must leave as it is (set_by_forward)."""
        node = None
        try:
            with np.errstate(all="ignore"):
                for node, kind, a, b in self._forward_plan:
                    if kind == 2:
                        value = node.gate.forward(a.value, b.value)
                    elif kind == 1:
                        value = node.gate.forward(a.value)
                    elif kind == LEARNERS:
                        before = cache_snapshot(node.gate)
                        value = writable(node.gate.forward(
                            *[read_only(p.value) for p in node.inputs]))
                        node._kept = set_by_forward(before, node.gate)
                        node._marks = cache_marks(node.gate)
                    else:
                        value = node.gate.forward(*[p.value for p in node.inputs])
                    node.value = value
                    if not isinstance(value, (float, np.ndarray)):
                        node.value = _gate_output(node)
        except Exception as error:
            raise _wrapped(error, f"forward failed at {self.describe(node)}",
                           _read_only_hint(error, "forward")) from error

    @property
    def forward_done(self):
        """Has this graph run forward, and do its nodes still hold that run's numbers?
        Nodes can be shared: ``Graph(q)`` and ``Graph(q * z)`` hold the same q, x and y,
        and running one writes over the other's values. Another graph that shares a node
        with this one shares an input, so it gave that input a value of its own (the same
        numbers do no harm: gates are deterministic), and so changed every node it
        shares, this graph's output among them if it holds it."""
        if self._checked_at != Graph.runs:         # (pictures ask once per number shown)
            self._check_ours()
        return self._forward_ok

    @property
    def backward_done(self):
        """Has backward run (for every input) after the last forward, and do the nodes
        still hold its gradients? (Another graph's backward gives the nodes it shares its
        own: all of them are compared, since a shared relu that passes nothing leaves the
        inputs' gradients as they were.)"""
        if self._checked_at != Graph.runs:
            self._check_ours()
        return self._backward_ok

    def _check_ours(self):
        """Work out forward_done and backward_done, once per run of any graph."""
        self._forward_ok = (self._forward_done
                            and _all_same([self.output.value], [self._out], range(1))
                            and _all_same([n.value for n in self.inputs.values()], *self._given))
        self._backward_ok = (self._forward_ok and self._backward_done and _all_same(
            [n.grad for n in self.nodes], self._result, range(len(self.nodes))))
        self._checked_at = Graph.runs

    def overwritten(self):
        """Why this graph's numbers are gone though it ran, or "": another graph that shares
        nodes with it ran since (see forward_done). Error messages add it."""
        if self._forward_done and not (self.forward_done and (
                not self._backward_done or self.backward_done)):
            return (" (this graph did run, but another graph that shares nodes with it, or "
                    "a training run (nn.fit), has run since and written its own numbers on "
                    "them: run forward(...) on this graph again)")
        return ""

    def gradients_gone(self):
        """Why the nodes lack this graph's gradients though backward ran, or "": another
        graph wrote over them (``overwritten``), or the last backward was asked for a few
        inputs only (``wrt=``). Error messages add it."""
        if self._only is not None and self.forward_done:
            return (f" (the last backward ran with wrt={self._only} only, so the other "
                    f"gradients were not computed: run backward() for every input's "
                    f"gradient)")
        return self.overwritten()

    def _set_inputs(self, values):
        """Give each input its value, checked. A float array is copied as it is, and all of
        them are checked for NaN and inf together (``all_finite``); only if that finds one
        are they checked one by one, to name the input. Anything else (numbers, lists)
        goes through ``to_value``, which checks it on its own."""
        arrays = []
        for (name, node), value in zip(self.inputs.items(), self.given_values(values)):
            if type(value) is np.ndarray and value.dtype.kind == "f" and value.ndim:
                node.value = value.astype(float)          # the graph keeps its own copy
                arrays.append(node.value)
            else:
                node.value = to_value(value, self._labels[name])
        if arrays and not all_finite(arrays):
            for name, node in self.inputs.items():
                to_value(node.value, self._labels[name])     # raises, naming the input

    def _forward_by_levels(self, numbers):
        """The compiled plan: the inputs, checked as one vector of numbers, then one numpy
        call per group; every node gets its value (its gate's cache is filled when
        someone asks)."""
        all_values = self.plan.forward(numbers)
        self.forward_runs += 1
        values = all_values.tolist()
        for node, value in zip(self.nodes, values):
            node.value = value
        if self._marked != Graph.marks:             # another graph marked nodes since
            for node in self._gates:
                node._fast = self                    # this graph ran these gates last
            Graph.marks += 1
            self._marked = Graph.marks
        self._given = (values, self._slots(self._names))     # see forward_done

    def scalar_inputs(self, values, or_none=False):
        """The inputs' values as one vector of floats, checked at once; one by one only to
        name a bad input (a graph compiled level by level takes scalars only: with
        ``or_none``, an array input gives None, and forward runs node by node)."""
        given = self.given_values(values)
        kinds = set(map(type, given))
        try:
            numbers = None if bool in kinds or np.bool_ in kinds else np.array(given)
        except (ValueError, TypeError, OverflowError):      # ragged lists and the like
            numbers = None
        if numbers is not None and numbers.shape == (len(given),) and \
                numbers.dtype.kind in "iuf":                # no bools, strings or objects
            numbers = numbers.astype(float, copy=False)
            if np.isfinite(numbers).all():
                return numbers
        numbers = []
        for name in self.inputs:
            value = to_value(values[name], self._labels[name])
            if np.ndim(value) != 0:
                if or_none:
                    return None
                raise ValueError(f"a graph compiled level by level takes scalar inputs only: "
                                 f"input {name!r} has shape {np.shape(value)}")
            numbers.append(float(value))
        return np.array(numbers)

    def given_values(self, values):
        """The inputs' values in the graph's order. Forward has checked that there are as
        many as inputs, so a missing name means a misspelt one: an error names it."""
        try:
            return [values[name] for name in self._names]
        except KeyError:
            pass
        self.check_input_names(values)               # (outside except: one clear error)

    def check_input_names(self, values):
        """Raise naming the first unknown or missing input."""
        names = self.input_list()
        unknown = [name for name in values if name not in self.inputs]
        if unknown:
            raise ValueError(f"forward() got unknown input {unknown[0]!r}; "
                             f"the graph's inputs are {names}")
        missing = [name for name in self.inputs if name not in values]
        more = f" and {len(missing) - 1:,} more" if len(missing) > 1 else ""
        raise ValueError(f"forward() is missing a value for input {missing[0]!r}{more} "
                         f"(the graph's inputs are {names})")

    def last_inputs(self, who):
        """The inputs of the last forward, copied, for ``who`` ('gradcheck', 'jacobian')
        called on the graph without any: ``gradcheck(g)`` after ``g.forward(x=...)``
        checks at that point. A clear error where there is no such forward."""
        if not self.forward_done:
            raise RuntimeError(f"{who} needs the point to work at: {who}(g, x=..., ...) with "
                               f"a value for every input ({self.input_list()}), or run "
                               f"g.forward(...) first" + self.overwritten())
        return {name: np.copy(node.value) for name, node in self.inputs.items()}

    def input_list(self, limit=12):
        """The inputs' names for a message: 'x, y, z', or the first ``limit`` and a count."""
        names = list(self.inputs)
        if len(names) > limit:
            return ", ".join(names[:limit]) + f", ... ({len(names):,} in all)"
        return ", ".join(names) or "none"

    def output_value(self):
        return plain(self.output.value)

    def backward(self, upstream=None, wrt=None):
        """Run the gates in reverse order; return d output / d input for every input.

        Each gate gets its upstream gradient (the sum over its outgoing edges, so
        fan-out gradients add) and returns local gradient x upstream per input.
        For an array output, pass ``upstream`` (the gradient of something w.r.t. it).
        ``wrt``: the names of the inputs whose gradients you want (default: all); gates
        that lead to none of them are skipped (training asks for the weights only).
        """
        upstream = self.first_upstream(upstream)
        wanted = self._wanted(wrt)
        Graph.runs += 1                             # gradients change now, even if it fails
        self._backward_done, self._result, self._only = False, None, None
        if self._by_levels:
            grads = self.plan.backward(upstream)
            self.backward_runs += 1                 # per-edge numbers: made when asked for
            all_grads = grads.tolist()
            for node, grad in zip(self.nodes, all_grads):
                node.grad = grad
            wanted_grads = grads[self._slots(wanted)]
            result = dict(zip(wanted, wanted_grads.tolist()))
            finite = bool(np.isfinite(wanted_grads).all())    # the result, as node by node
        else:
            for node in self.nodes:
                node.grad = None
                node._downstream = ()
            self.output.grad = upstream
            self._backward_node_by_node(wanted)
            result = {name: plain(self.inputs[name].grad) for name in wanted}
            unshare(result)
            finite = all_finite(result.values())
        if not finite:
            self.check_finite()                      # an inf inside the graph: name it
            raise FloatingPointError(f"backward produced a non-finite gradient for "
                                     f"{', '.join(n for n, g in result.items() if not _finite(g))}")
        # with wrt, only part of the graph has gradients: pictures and steps need them all
        self._backward_done = wanted is self._names or set(wanted) == set(self.inputs)
        self._only = None if self._backward_done else list(wanted)     # see gradients_gone
        if self._backward_done:                     # every node's gradient: see backward_done
            self._result = all_grads if self._by_levels else [n.grad for n in self.nodes]
        Graph.runs += 1                             # (so forward_done is worked out afresh)
        return result

    def _backward_node_by_node(self, wanted):
        steps = self._backward_steps(wanted)
        self.learner_sums = []       # (node, input index, shape given, shape summed to)
        node = None
        try:
            with np.errstate(all="ignore"):
                for step in steps:
                    node = step.node
                    if step.trusted:                 # the kit's gate, on shapes seen before
                        grads = node.gate.backward(node.grad, *step.wanted_args)
                    else:
                        grads = self._checked_backward(step)
                    if step.undo is not None:        # sum away what forward broadcast
                        grads = [g if undo is None else unbroadcast(g, undo[1], undo[0])
                                 for g, undo in zip(grads, step.undo)]
                    node._downstream = grads
                    for parent, grad in zip(step.parents, grads):
                        if parent is not None:
                            parent.grad = grad if parent.grad is None else parent.grad + grad
        except GradientShapeError:
            raise
        except Exception as error:
            raise _wrapped(error, f"backward failed at {self.describe(node)}",
                           _backward_hint(error)) from error
        for name in wanted:                       # an input no path reaches: gradient 0
            node = self.inputs[name]
            if node.grad is None:
                node.grad = np.zeros_like(node.value) if np.ndim(node.value) else np.float64(0.0)

    def _checked_backward(self, step):
        """One gate's backward, with its gradients checked: a learner's gate every time
        (read-only upstream, its cache unchanged since forward, one gradient per input of
        the right shape), the kit's own the first time on these shapes."""
        node = step.node
        if step.kits_own:
            grads = node.gate.backward(node.grad, *step.wanted_args)
        else:
            _check_cache(node)
            with kept_read_only(node._kept):
                grads = node.gate.backward(read_only(node.grad))
            _check_cache_kept(node)
            node._marks = cache_marks(node.gate)
        step.undo = self._gradient_shapes(node, grads, step.kits_own, step.parents)
        step.trusted = step.kits_own
        if not step.kits_own:
            grads = [writable(grad) for grad in grads]
            if step.undo is not None:                # gradcheck tells the learner
                self.learner_sums += [(node, i, np.shape(g), undo[1])
                                      for i, (g, undo) in enumerate(zip(grads, step.undo))
                                      if undo]
        return grads

    def _backward_steps(self, wanted):
        """The gates backward runs, output first, each with where its gradients go: a
        plain list, made once per set of wanted inputs and per shape of the inputs.

        A gate that leads to no wanted input is left out, and so is an edge from a node
        that leads to none (its gradient is computed but not sent). Which edges must
        undo broadcasting is learnt on the first run (``step.undo``); from then on the
        kit's own gates are trusted, and a learner's gate is checked every time."""
        shapes = tuple(node.value.shape for node in self.inputs.values())
        key = (tuple(wanted), shapes)
        cache = self.__dict__.setdefault("_steps", {})
        if key not in cache:
            needed = self._needed(wanted)
            cache[key] = [Step(node, [p if p in needed else None for p in node.inputs],
                               node not in self._learners)
                          for node in reversed(self._gates) if node in needed]
        return cache[key]

    def backward_plan(self, wrt=None):
        """The steps backward runs for the inputs in ``wrt`` (default: all) at the inputs'
        present shapes (see ``Step``), as the last backward for them left them: after one
        run, each knows which gradients forward broadcast (``nn.fit``'s ``Runner`` runs
        them in a plain loop)."""
        return self._backward_steps(self._wanted(wrt))

    def _slots(self, wanted):
        """Where the wanted inputs sit in the plan's arrays, as an index array (cached per
        set of names; all of them, the usual case, found without hashing the names)."""
        key = "all" if wanted is self._names else tuple(wanted)
        cache = self.__dict__.setdefault("_slots_cache", {})
        if key not in cache:
            cache[key] = np.array([self.index[self.inputs[name]] for name in wanted],
                                  dtype=np.intp)
        return cache[key]

    def _wanted(self, wrt):
        if wrt is None:
            return self._names
        wrt_given = wrt
        try:
            wrt = [wrt] if isinstance(wrt, str) else list(wrt)
        except TypeError:                        # not a name, not a collection of names
            wrt = None
        if wrt is None or not all(isinstance(name, str) for name in wrt):
            raise TypeError(f"backward(wrt=...) takes an input's name or a list of names, "
                            f"e.g. wrt=['W1', 'b1']; got {_short(wrt_given)}")
        unknown = [name for name in wrt if name not in self.inputs]
        if unknown:
            raise ValueError(f"backward(wrt=...) got {unknown[0]!r}, which is not an input "
                             f"(the graph's inputs are {self.input_list()})")
        return wrt

    def _needed(self, wanted):
        """The nodes backward must visit: those that lead from a wanted input (cached per
        set of names, since a graph is static)."""
        key = tuple(wanted)
        cache = self.__dict__.setdefault("_needed_cache", {})
        if key not in cache:
            needed = {self.inputs[name] for name in wanted}
            if set(key) == set(self.inputs):
                needed = set(self.nodes)       # all: constants get their gradients too
            for node in self.nodes:
                if any(p in needed for p in node.inputs):
                    needed.add(node)
            cache[key] = needed
        return cache[key]

    def first_upstream(self, upstream):
        """d output / d output: 1 for a scalar output, or the array the caller gives."""
        # nobody ran since this graph's forward (training's loop): nothing to compare
        if not (self._forward_done and (Graph.runs == self._forward_at or self.forward_done)):
            raise RuntimeError("call forward(...) before backward(): backward needs the "
                               "values of the last forward pass" + self.overwritten())
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
        return upstream

    def input_grads(self):
        """{input name: gradient}, floats for scalar inputs, arrays for array inputs."""
        if not self.backward_done:
            raise RuntimeError("call forward(...) and backward() first: no gradient for "
                               "every input yet" + self.gradients_gone())
        return {name: plain(node.grad) for name, node in self.inputs.items()}

    def _gradient_shapes(self, node, grads, kits_own=False, parents=None):
        """Check that backward gave one gradient per input, each with its input's shape or,
        where forward broadcast the input, the output's shape. Returns, per input, the
        axes to sum that gradient over and the shape that leaves (None: it fits), or None
        if all fit. ``parents``: backward's list, None where a gradient goes nowhere (then
        a gate may return None for it, as the kit's own gates do)."""
        if not kits_own and (not isinstance(grads, (tuple, list))
                             or len(grads) != len(node.inputs)):
            hint = (" (for one input, return a tuple: (grad,))"
                    if len(node.inputs) == 1 and not isinstance(grads, (tuple, list)) else "")
            raise GradientShapeError(
                f"{self.describe(node)}: backward must return one gradient per input "
                f"({len(node.inputs)}), got {_short(grads)}{hint}")
        undo = []
        for i, (parent, grad) in enumerate(zip(node.inputs, grads)):
            if grad is None and (kits_own or parents is not None and parents[i] is None):
                undo.append(None)                     # not wanted, so not computed
                continue
            if not kits_own and not (isinstance(grad, np.ndarray) and grad.dtype.kind != "b"
                                     or is_number(grad)):
                raise GradientShapeError(
                    f"{self.describe(node)}: backward returned {_short(grad)} as the "
                    f"gradient for input {i} ({input_names(node.gate, len(node.inputs))[i]}):"
                    f" a gradient is a number or a numpy array" + _not_a_gradient_hint(grad))
            want = np.shape(parent.value)
            have = np.shape(grad)
            if have == want:
                undo.append(None)
            elif have == np.shape(node.value) and _broadcasts(want, have):
                undo.append((broadcast_axes(want, have), want))   # forward broadcast it
            else:
                raise GradientShapeError(
                    f"{self.describe(node)}: backward returned a gradient of shape "
                    f"{have} for input {i} of shape {want}: a gradient has the "
                    "shape of what it is the gradient of")
        return undo if any(shape is not None for shape in undo) else None

    def check_finite(self):
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

    def find(self, name):
        """The node ``name`` means, and the name to write in df/d...: an input's name, a node
        id ('n4'), or a node itself (check_prediction, node_text). parse("n1 * x") has an
        input named 'n1' that is node n0, while id n1 is x: such a name is refused, saying
        how to pass the one that is meant."""
        if isinstance(name, Node):
            if name not in self.index:
                raise ValueError(f"{name!r} is not a node of this graph")
            return name, name.name if name.kind == "input" else self.node_id(name)
        by_id = next((node for node in self.nodes if self.node_id(node) == name), None)
        if name in self.inputs:
            node = self.inputs[name]
            if by_id is not None and by_id is not node:
                raise ValueError(
                    f"{name!r} is ambiguous here: it is the name of input {name!r} (node "
                    f"{self.node_id(node)}) and the id of another node, "
                    f"{self.describe(by_id)}. "
                    f"Pass the node you mean: graph.inputs[{name!r}] for the input, "
                    f"graph.nodes[{self.index[by_id]}] for node {name}")
            return node, name
        if by_id is not None:
            return by_id, name
        raise ValueError(f"no input or node named {name!r}: inputs are "
                         f"{', '.join(self.inputs) or 'none'}, node ids "
                         f"n0..n{len(self.nodes) - 1}")

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
        return list(self._gates)


def formula(graph, limit=200):
    """The graph written as an expression, like '(x + y)*z' (for its repr); '<N nodes>'
    when that would pass ``limit`` characters. The same text the step captions use."""
    texts = labels.node_texts(graph, limit, name_long=False)
    return texts[graph.output] if texts else f"<{len(graph.nodes)} nodes>"


LEARNERS = -1
"""In forward's list: a learner's gate, called with read-only inputs."""


class Step:
    """One gate in backward's list: its node, the parent each gradient goes to (None: a
    parent that leads to no wanted input), and which gradients must undo broadcasting.

    A kit's gate whose backward takes ``wanted`` (``MatMul``'s does) is told which
    gradients are wanted, when some are not: it need not compute the others."""

    def __init__(self, node, parents, kits_own):
        self.node = node
        self.parents = parents
        self.kits_own = kits_own      # the kit's own gate: checked once, then trusted
        self.undo = None              # per input, (axes, shape) to sum down to; None: all fit
        self.trusted = False          # the kit's gate, once its gradient shapes are checked
        self.wanted_args = ()         # (wanted,) to pass backward after upstream, or nothing
        if kits_own and None in parents \
                and "wanted" in inspect.signature(node.gate.backward).parameters:
            self.wanted_args = (tuple(parent is not None for parent in parents),)


class GradientShapeError(ValueError, TypeError):
    """A gate's backward gave the wrong number of gradients, one of the wrong shape, or
    something that is not a gradient (None, a list)."""


def kits_own(gate):
    """Is this gate one of the kit's own (not a learner's Gate subclass)?"""
    return type(gate).__module__.startswith("bpwidgets.")


def _all_same(now, given, positions):
    """Do the numbers ``now`` on the nodes match ``given[k]`` for k in ``positions``: the
    same objects, or the same numbers (another graph may set a shared input to its own
    copy of the same values)?"""
    for value, k in zip(now, positions):
        other = given[k]
        if value is other:
            continue
        if isinstance(value, np.ndarray) or isinstance(other, np.ndarray):
            if not (np.shape(value) == np.shape(other) and np.array_equal(value, other)):
                return False
        elif value != other:                     # two numbers: a float and its np.float64
            return False
    return True


def _finite(value):
    """Is every entry finite? (A float is checked without numpy's overhead.)"""
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.isfinite(value).all())


def all_finite(values):
    """Are all entries of all these numbers and arrays finite? One quick sum first: the
    sum of the squares of every entry is NaN or inf if any entry is, and finite otherwise,
    unless the entries are so big that the squares overflow: only then is each array
    checked entry by entry."""
    values = list(values)           # walked twice if the quick sum fails
    total = 0.0                     # a Python float: it overflows to inf without a warning
    for value in values:
        if isinstance(value, np.ndarray):
            total += float(np.vdot(value, value).real)
        elif not math.isfinite(value):
            return False
    return math.isfinite(total) or all(_finite(value) for value in values)


def _gate_output(node):
    """A gate's forward returned something other than a float or an array: accept
    plain numbers, refuse the rest (a forgotten ``return`` gives None)."""
    value = node.value
    if is_number(value):
        return np.float64(value)
    raise TypeError(f"{type(node.gate).__name__}.forward returned {_short(value)}: it must "
                    "return the gate's output, a number or an array"
                    + (" (did you forget the return?)" if value is None else ""))


def _wrapped(error, where, hint=""):
    """The same kind of error, with where it happened (and a hint) in front."""
    message = f"{where}: {type(error).__name__}: {error}{hint}"
    try:
        return type(error)(message)
    except Exception:                   # an error class that can't take one message
        return RuntimeError(message)


def unshare(result):
    """Give every input its own gradient array: add hands one upstream to both of its
    inputs, so after w + b, dw and db can be one array, and ``grads["w"] += reg * w``
    would change grads["b"] too. The second one gets a copy."""
    seen = set()
    for name, grad in result.items():
        if isinstance(grad, np.ndarray):
            if id(grad) in seen:
                result[name] = grad.copy()
            seen.add(id(grad))


def _not_a_gradient_hint(grad):
    if isinstance(grad, (bool, np.bool_)) or getattr(grad, "dtype", None) == bool:
        return (" (True/False is a mask, not a gradient: did you forget to multiply it by "
                "upstream?)")
    if grad is None:
        return (" (did you forget to compute it? Where it is zero everywhere, return "
                "np.zeros_like(the input))")
    if isinstance(grad, tuple):
        return " (a tuple inside the tuple of gradients: give one array per input)"
    if isinstance(grad, list):
        return " (np.array(...) makes one from a list)"
    return ""


def input_names(gate, count):
    """The names of a gate's ``count`` inputs, as its forward calls them ('a', 'b'), or
    'input0', 'input1', ... where forward does not say (``*inputs``)."""
    try:
        params = list(inspect.signature(gate.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) == count and all(n.isidentifier() for n in names):
        return names
    return [f"input{i}" for i in range(count)]


def cache_marks(gate):
    """Which objects a learner's gate holds (its cache), by identity, and one level into a
    dict it keeps (``self.cache["x"] = x``): taken after the graph runs the gate, and
    compared before backward reads the cache."""
    return tuple((key, id(value), tuple((k, id(v)) for k, v in value.items())
                  if isinstance(value, dict) else ())
                 for key, value in vars(gate).items())


def cache_snapshot(gate):
    """What a learner's gate holds, attribute by attribute, and entry by entry in a dict it
    keeps: the objects themselves, kept alive, so that a new one cannot take an old one's
    id and identity tells a replaced one."""
    return {key: (value, dict(value) if isinstance(value, dict) else None)
            for key, value in vars(gate).items()}


KEPT_KINDS = (np.ndarray, float, int, np.generic, tuple, list)
"""What backward reads from forward's cache: arrays and numbers, and tuples or lists of
them (``self.cache = (x, s)``). A placeholder forward sets (``self.dw = None``) is no
cache."""


def set_by_forward(before, gate):
    """What forward set or replaced on ``gate`` (``before``: its cache_snapshot): a list of
    (attribute, dict key or None, the object), what backward must leave alone."""
    kept = []
    for key, value in vars(gate).items():
        old, old_entries = before.get(key, (None, None))
        if isinstance(value, KEPT_KINDS) and (key not in before or value is not old):
            kept.append((key, None, value))
        if isinstance(value, dict):
            old_entries = old_entries if value is old else {}
            kept += [(key, k, v) for k, v in value.items() if isinstance(v, KEPT_KINDS)
                     and (k not in old_entries or old_entries[k] is not v)]
    return kept


@contextmanager
def kept_read_only(kept):
    """While a learner's backward runs, the arrays its forward kept (``set_by_forward``, and
    those in a tuple or list it kept) are read-only, so a backward that changes one in
    place (``self.s *= 1 - self.s``) stops at once with a clear error instead of giving
    the next backward (pictures and checks run it more than once) other numbers. They
    are writable again afterwards: a parameter forward made is the learner's to step."""
    arrays = {}
    for _, _, value in kept or ():
        for array in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(array, np.ndarray) and array.flags.writeable:
                arrays[id(array)] = array
    for array in arrays.values():
        array.flags.writeable = False
    try:
        yield
    finally:
        for array in arrays.values():
            array.flags.writeable = True


MISSING = object()


def _check_cache_kept(node):
    """Refuse a learner's backward that replaced what forward kept (``self.s = self.s * (1
    - self.s)``): it gave the right gradients once, and every later backward after the
    same forward (a picture's, a gradient check's) would read the new ``self.s``. What
    backward adds beside it is its own."""
    gate = node.gate
    for key, entry, kept in node._kept or ():
        now = getattr(gate, key, MISSING)
        if entry is not None:
            now = now.get(entry, MISSING) if isinstance(now, dict) else MISSING
        if now is not kept:
            what = f"self.{key}" if entry is None else f"self.{key}[{entry!r}]"
            raise RuntimeError(
                f"{type(gate).__name__}.backward replaced {what}, which forward kept for "
                f"it: backward may run more than once after one forward (pictures and "
                f"gradient checks run it again), and the next run would read the new "
                f"{what}. Leave what forward kept as it is, and give backward's numbers "
                f"names of their own (e.g. local = ...)")


def _check_cache(node):
    """Refuse to run backward on a cache that another call has refilled: ``mul.forward(3,
    -4)`` tried by hand on a gate that is a node in a graph gave that graph's backward the
    hand-tried numbers, and silently wrong gradients."""
    if node._marks is not None and cache_marks(node.gate) != node._marks:
        name = type(node.gate).__name__
        raise RuntimeError(
            f"this {name} gate has run outside the graph since the graph's forward "
            f"(its cache now holds other numbers), so its backward would use them: run the "
            f"graph's forward(...) again before backward(), and try a gate by hand on a new "
            f"one, {name}().forward(...)")


def read_only(value):
    """An array as a learner's gate gets it: a view it cannot write to. Its inputs are
    other nodes' values, and its upstream gradient may be another node's gradient too
    (add hands the same one to both inputs), so ``dx = upstream; dx[x <= 0] = 0`` would
    silently change numbers elsewhere in the graph. Numbers pass as they are."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
    return value


def writable(value):
    """What a learner's gate returned, as an array anyone may change: a gate that hands
    back a read-only view it was given (an identity gate's ``return x``) gets a copy."""
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        return value.copy()
    return value


def _read_only_hint(error, pass_):
    """The hint for a learner's gate that wrote to an array it was given (see read_only)."""
    if not (isinstance(error, ValueError) and "read-only" in str(error)):
        return ""
    if pass_ == "forward":
        return (" (forward must not change its inputs in place: they are other nodes' "
                "values. Work on a copy, e.g. x = x.copy())")
    return (" (backward must not change upstream, its inputs or what its forward kept in "
            "place: they are other nodes' numbers, or what the next backward reads. Work on "
            "a copy or a new name, e.g. dx = upstream.copy(), local = s * (1 - s))")


def _backward_hint(error):
    read_only_hint = _read_only_hint(error, "backward")
    if read_only_hint:
        return read_only_hint
    if isinstance(error, AttributeError):
        return (" (backward reads what forward kept: did forward store it, "
                "e.g. self.a = a?)")
    if isinstance(error, TypeError) and "positional argument" in str(error):
        return " (backward takes one argument besides self: backward(self, upstream))"
    return ""


def plain(value):
    """What users get back: a Python float for a scalar, the array otherwise."""
    if isinstance(value, np.ndarray) and value.ndim:  # the common array case, kept quick
        return value
    return float(value)


def _broadcasts(shape, to_shape):
    try:
        return np.broadcast_shapes(shape, to_shape) == to_shape
    except ValueError:
        return False


def unbroadcast(grad, shape, axes=None):
    """Sum a gradient over the axes that broadcasting added or stretched (autograd's rule):
    a bias b of shape (3, 1) added to Z of shape (3, 256) gets the row sums of dZ.
    ``axes``: those axes, if already known (``broadcast_axes``); backward learns them once."""
    if axes is None:
        axes = broadcast_axes(shape, np.shape(grad))
    return np.add.reduce(grad, axis=axes).reshape(shape)


def broadcast_axes(shape, grown):
    """The axes of ``grown`` that broadcasting made from ``shape``: the leading axes it
    added, and the axes where ``shape`` had size 1 and ``grown`` has more.
    (3, 1) -> (3, 256): axis 1;  (100,) -> (256, 100): axis 0."""
    added = len(grown) - len(shape)
    stretched = [added + axis for axis, size in enumerate(shape)
                 if size == 1 and grown[added + axis] != 1]
    return tuple(range(added)) + tuple(stretched)
