"""The floor under any engine that runs a graph gate by gate: the same gate objects
called in a plain Python loop, with nothing around them.

No input copies, no NaN/inf checks, no shape checks, no per-edge numbers for pictures:
forward calls each gate on its parents' values; backward hands each gate its upstream
gradient, sums away what forward broadcast, and adds gradients where edges fan out. What
``bp.Graph`` costs above this line is the price of its checks and its copies; what this
line costs above numpy by hand is the price of running the lecture's gates one at a time
(every intermediate kept, one Python call per gate, broadcast sums the hand-written code
folds into its own lines).
"""

import numpy as np

from bpwidgets.graph import unbroadcast


def bare_loop(graph, values):
    """A function ``run(values) -> (output, {input name: gradient})`` over ``graph``'s gates.

    ``values`` is one set of inputs, used once to learn every node's shape."""
    index = graph.index                              # node -> its topological position
    gates = [(node, index[node], [index[p] for p in node.inputs]) for node in graph.gates()]
    inputs = [(name, index[node]) for name, node in graph.inputs.items()]
    out = index[graph.output]
    constants = [(index[node], node.value) for node in graph.nodes
                 if node.gate is None and node.name is None]
    graph.forward(**values)
    shapes = [np.shape(node.value) for node in graph.nodes]

    def run(values):
        value = [None] * len(shapes)
        for i, constant in constants:
            value[i] = constant
        for name, i in inputs:
            value[i] = values[name]
        for node, i, parents in gates:
            value[i] = node.gate.forward(*[value[p] for p in parents])
        grad = [None] * len(shapes)
        grad[out] = 1.0
        for node, i, parents in reversed(gates):
            for p, g in zip(parents, node.gate.backward(grad[i])):
                if np.shape(g) != shapes[p]:
                    g = unbroadcast(g, shapes[p])
                grad[p] = g if grad[p] is None else grad[p] + g
        return value[out], {name: grad[i] for name, i in inputs}

    return run
