"""Running a big scalar graph fast: gates of one kind at one depth run as one numpy call.

Gates at the same depth (longest path from the inputs) never feed each other, so all the
``*`` gates at depth 3, say, can run as one elementwise multiply over vectors of their
inputs. Backward runs the same groups in reverse depth order. The maths is the gates'
own forward and backward from the op table: only the bookkeeping changes.

Used by ``Graph(output, batched=True)`` for graphs of scalar nodes and elementwise gates,
such as a scalar MLP with thousands of nodes. The per-node engine in ``graph.py`` is the
reference; the tests check that both give the same values and gradients.
"""

from dataclasses import dataclass

import numpy as np

from . import ops


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
