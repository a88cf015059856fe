"""The floor under any engine that runs a graph gate by gate: the same gate objects
called in a plain Python loop, with nothing around them.

Everything that can be worked out once is worked out before the loop: each gate's
inputs as list positions, and which gradients must be summed back to an input's shape
(where forward broadcast it). Then forward calls each gate on its parents' values;
backward hands each gate its upstream gradient, sums away what forward broadcast, and
adds gradients where edges fan out. What this line costs above numpy by hand is the
price of running the lecture's gates one at a time (every intermediate kept, one Python
call per gate, each gate's own backward where the hand-written code folds steps).

``guarded=True`` adds what ``bp.Graph`` promises on top, and nothing else: the graph's
own copy of each input, inputs checked for NaN and inf, numpy's warnings silenced inside
each pass (the engine names a bad node instead), every node's value, gradient and
per-edge gradients kept for pictures, and the gradients checked for NaN and inf. What
``bp.Graph`` costs above the guarded line is its own bookkeeping.
"""

import math
from contextlib import nullcontext

import numpy as np

from bpwidgets.graph import all_finite, broadcast_axes


def bare_loop(graph, values, guarded=False):
    """A function ``run(values) -> (output, {input name: gradient})`` over ``graph``'s gates.

    ``values`` is one set of inputs, used once (through the graph itself) to learn every
    node's shape and which gradients need summing."""
    index = graph.index                              # node -> its topological position
    graph.forward(**values)
    graph.backward()
    forward_steps, backward_steps = [], []
    for node in graph.gates():
        parents = [index[p] for p in node.inputs]
        forward_steps.append((node.gate.forward, index[node], parents[0],
                              parents[1] if len(parents) > 1 else None))
        sums = [None if np.shape(grad) == np.shape(p.value)
                else (broadcast_axes(np.shape(p.value), np.shape(grad)), np.shape(p.value))
                for p, grad in zip(node.inputs, node.gate.backward(node.grad))]
        backward_steps.append((node.gate.backward, index[node], parents,
                               sums if any(sums) else None))
    backward_steps.reverse()
    inputs = [(name, index[node]) for name, node in graph.inputs.items()]
    constants = [(index[node], node.value) for node in graph.nodes
                 if node.gate is None and node.name is None]
    out, size, nodes = index[graph.output], len(graph.nodes), graph.nodes

    def run(values):
        value = [None] * size
        for i, constant in constants:
            value[i] = constant
        for name, i in inputs:
            value[i] = values[name].astype(float) if guarded else values[name]
        if guarded and not all_finite([value[i] for _, i in inputs]):
            raise ValueError("an input is not finite")
        with np.errstate(all="ignore") if guarded else nullcontext():
            for forward, i, a, b in forward_steps:
                value[i] = forward(value[a]) if b is None else forward(value[a], value[b])
        if guarded and not math.isfinite(value[out]):
            raise FloatingPointError("the output is not finite")
        grad = [None] * size
        sent = [None] * size
        grad[out] = 1.0
        with np.errstate(all="ignore") if guarded else nullcontext():
            for backward, i, parents, sums in backward_steps:
                grads = backward(grad[i])
                if sums is not None:
                    grads = [g if s is None else g.sum(axis=s[0]).reshape(s[1])
                             for g, s in zip(grads, sums)]
                sent[i] = grads
                for p, g in zip(parents, grads):
                    grad[p] = g if grad[p] is None else grad[p] + g
        result = {name: grad[i] for name, i in inputs}
        if guarded:
            for node, v, g, s in zip(nodes, value, grad, sent):
                node.value, node.grad, node._downstream = v, g, s
            if not all_finite(result.values()):
                raise FloatingPointError("a gradient is not finite")
        return value[out], result

    return run
