"""A big scalar graph, run fast: gates of one kind at one depth run as one numpy call.

Gates at the same depth (longest path from the inputs) never feed each other, so all the
``*`` gates at depth 3, say, can run as one elementwise multiply over vectors of their
inputs. Backward runs the same groups in reverse depth order. The maths is the gates'
own forward and backward from the op table: only the bookkeeping changes.

``Graph`` compiles itself into a ``LevelPlan`` when it is big and every gate is a built-in
elementwise one on scalars (a scalar MLP with thousands of nodes); small graphs, arrays
and learners' gates run node by node. Core module: numpy and the op table only.
"""

from dataclasses import dataclass

import numpy as np

from .ops import OPS


@dataclass
class Group:
    """Gates of one kind at one depth: where their inputs and outputs live."""
    gate: object           # one gate instance, run on vectors
    outputs: object        # positions of the group's nodes in the graph (an int if one)
    inputs: list           # per input slot, the positions of the nodes feeding it
    unique: list           # per input slot: no position repeats in it


def why_not(nodes, describe):
    """Why these nodes cannot run level by level, or None if they can."""
    for node in nodes:
        if node.gate is not None and not (node.gate.elementwise
                                          and OPS.get(node.gate.name) is type(node.gate)):
            return f"{describe(node)} is not an elementwise built-in gate"
        if node.kind == "constant" and np.ndim(node.value) != 0:    # (an input's value is
            return f"{describe(node)} is an array constant"        # the next forward's)
    return None


class LevelPlan:
    """The compiled graph: groups in increasing depth, and one array slot per node."""

    def __init__(self, nodes, index):
        self.size = len(nodes)
        self.groups = make_groups(nodes, index)
        self.constants = np.array([node.value if node.kind == "constant" else 0.0
                                   for node in nodes], dtype=float)
        self.input_slots = np.array([k for k, node in enumerate(nodes) if node.kind == "input"],
                                    dtype=np.intp)

    def forward(self, input_values):
        """All node values, given the inputs' values (in the order of ``input_slots``)."""
        values = self.constants.copy()
        values[self.input_slots] = input_values
        with np.errstate(all="ignore"):
            for group in self.groups:
                values[group.outputs] = group.gate.forward(
                    *[values[slot] for slot in group.inputs])
        return values

    def backward(self, upstream):
        """All node gradients, from the output's (the last node); fan-out gradients add."""
        grads = np.zeros(self.size)
        grads[-1] = upstream
        with np.errstate(all="ignore"):
            for group in reversed(self.groups):
                downstream = group.gate.backward(grads[group.outputs])
                for slot, unique, grad in zip(group.inputs, group.unique, downstream):
                    if unique:
                        grads[slot] += grad
                    else:                             # fan-out inside the group: add up
                        grads += np.bincount(slot, weights=grad, minlength=self.size)
        return grads


def make_groups(nodes, index):
    """Group gate nodes by (depth, kind of gate, its constants), in increasing depth."""
    depth = {}
    groups = {}
    for k, node in enumerate(nodes):
        depth[node] = 1 + max((depth[p] for p in node.inputs), default=-1)
        if node.gate is not None:
            key = (depth[node], type(node.gate), node.gate.params())
            groups.setdefault(key, []).append(k)
    made = []
    for (_, kind, params), members in sorted(groups.items(), key=lambda item: item[0][0]):
        first = nodes[members[0]]
        slots = [[index[nodes[k].inputs[i]] for k in members] for i in range(len(first.inputs))]
        if len(members) == 1:
            # A group of one: plain integer positions, so numpy reads and writes
            # single numbers instead of making tiny arrays.
            made.append(Group(kind(*params), members[0], [s[0] for s in slots],
                              [True] * len(slots)))
        else:
            made.append(Group(kind(*params), np.array(members), [np.array(s) for s in slots],
                              [len(set(s)) == len(s) for s in slots]))
    return made
