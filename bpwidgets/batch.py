"""Running a big scalar graph fast: gates of one kind at one depth run as one numpy call.

Gates at the same depth (longest path from the inputs) never feed each other, so all the
``*`` gates at depth 3, say, can run as one elementwise multiply over vectors of their
inputs. Backward runs the same groups in reverse depth order. The maths is the gates'
own forward and backward from the op table: only the bookkeeping changes.

``BatchedGraph(output)`` works for graphs of scalar nodes and elementwise gates, such as
a scalar MLP with thousands of nodes. The per-node engine in ``graph.py`` is the
reference; the tests check that both give the same values and gradients.
"""

from dataclasses import dataclass

import numpy as np

from . import ops
from .graph import Graph, plain, to_value


@dataclass
class Group:
    """Gates of one kind at one depth: where their inputs and outputs live."""
    gate: object           # one gate instance, run on vectors
    outputs: np.ndarray    # positions of the group's nodes in the graph
    inputs: list           # per input slot, the positions of the nodes feeding it
    unique: list           # per input slot: no position repeats in it


def can_batch(graph):
    """Why the graph cannot run batched, or None if it can."""
    for node in graph.nodes:
        if node.gate is not None and not (node.gate.elementwise
                                          and ops.OPS.get(node.gate.name) is type(node.gate)):
            return f"{graph.describe(node)} is not an elementwise built-in gate"
        if node.kind == "constant" and np.ndim(node.value) != 0:
            return f"{graph.describe(node)} is an array constant"
    return None


def make_groups(graph):
    """Group gate nodes by (depth, kind of gate), in increasing depth."""
    depth = {}
    groups = {}
    for k, node in enumerate(graph.nodes):
        depth[node] = 1 + max((depth[p] for p in node.inputs), default=-1)
        if node.gate is not None:
            key = (depth[node], type(node.gate), node.gate.params())
            groups.setdefault(key, []).append(k)
    made = []
    for (_, kind, params), members in sorted(groups.items(), key=lambda item: item[0][0]):
        first = graph.nodes[members[0]]
        slots = [[graph.index[graph.nodes[k].inputs[i]] for k in members]
                 for i in range(len(first.inputs))]
        if len(members) == 1:
            # A group of one: plain integer positions, so numpy reads and writes
            # single numbers instead of making tiny arrays.
            made.append(Group(kind(*params), members[0], [s[0] for s in slots],
                              [True] * len(slots)))
        else:
            made.append(Group(kind(*params), np.array(members), [np.array(s) for s in slots],
                              [len(set(s)) == len(s) for s in slots]))
    return made


def forward(groups, values):
    """Fill ``values`` (one float per node, inputs and constants already set)."""
    for group in groups:
        values[group.outputs] = group.gate.forward(*[values[slot] for slot in group.inputs])


def backward(groups, grads):
    """Fill ``grads`` (zeros, the output's entry set to 1); fan-out gradients add."""
    for group in reversed(groups):
        downstream = group.gate.backward(grads[group.outputs])
        for slot, unique, grad in zip(group.inputs, group.unique, downstream):
            if unique:
                grads[slot] += grad
            else:                                 # fan-out inside the group: add up
                grads += np.bincount(slot, weights=grad, minlength=len(grads))


class BatchedGraph(Graph):
    """A Graph that runs gates of one kind at one depth as one numpy call.

    Same ``forward``/``backward`` as ``Graph``, several times faster on big scalar
    graphs. It keeps its numbers in two arrays, ``values`` and ``grads`` (one entry per
    node, at ``index[node]``; read them with ``value_of(node)``/``grad_of(node)``):
    updating thousands of nodes one by one would cost as much as the maths. So it
    cannot be drawn or stepped through: draw ``Graph(output)`` for that.
    """

    batched = True

    def __init__(self, output, expression=None):
        super().__init__(output, expression)
        reason = can_batch(self)
        if reason:
            raise ValueError(f"this graph cannot run batched: {reason}")
        self.groups = make_groups(self)
        self.constants = np.array([node.value if node.kind == "constant" else 0.0
                                   for node in self.nodes])
        self.input_slots = [self.index[node] for node in self.inputs.values()]

    def value_of(self, node):
        return plain(self.values[self.index[node]])

    def grad_of(self, node):
        return plain(self.grads[self.index[node]])

    def forward(self, **values):
        if values.keys() != self.inputs.keys():
            self._name_problem(values)
        self.forward_done = self.backward_done = False
        self.values = self.constants.copy()
        self.values[self.input_slots] = self._scalar_inputs(values)
        with np.errstate(all="ignore"):
            forward(self.groups, self.values)
        self.output.value = float(self.values[-1])
        if not np.isfinite(self.values).all():
            for node, value in zip(self.nodes, self.values.tolist()):
                node.value = value          # so the error can name the first bad node
            self._check_finite()
        self.forward_done = True
        return self.output.value

    def _scalar_inputs(self, values):
        """All inputs as one float array, checked at once; one by one only to name a
        bad input in the error."""
        given = [values[name] for name in self.inputs]
        if all(type(v) is float or type(v) is int for v in given):
            try:
                given = np.array(given, dtype=float)
                if np.isfinite(given).all():
                    return given
            except OverflowError:
                pass
        for name in self.inputs:
            if np.ndim(to_value(values[name], self._labels[name])) != 0:
                raise ValueError(f"a batched graph takes scalar inputs only: "
                                 f"input {name!r} has shape {np.shape(values[name])}")
        return np.array([float(values[name]) for name in self.inputs])

    def backward(self, upstream=None):
        self.grads = np.zeros(len(self.nodes))
        self.grads[-1] = self._first_upstream(upstream)
        with np.errstate(all="ignore"):
            backward(self.groups, self.grads)
        self.backward_done = True
        return dict(zip(self.inputs, self.grads[self.input_slots].tolist()))
