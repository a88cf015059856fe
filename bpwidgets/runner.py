"""A plain loop over a graph's gates, for training: forward and backward as ``bp.Graph``
runs them, without the graph's record of its runs.

A ``Graph`` keeps a record of every run (which forward its nodes' numbers came from, which
inputs the last backward was for, every edge's gradient), so that pictures, steps and
checks can tell its numbers from another graph's. A training loop runs one graph
thousands of times and draws none of it. ``Runner`` calls the same gate objects in the
same order, from plain lists. What it needs to know it learns from one run of the graph
itself, per shape of the inputs: which gradients each gate must compute (``wrt``), and
which must be summed back to an input that forward broadcast.

It checks what the graph checks at the two ends, the output and the gradients it returns,
and only when one is not finite does it run the graph itself again, which names the node.
It neither copies nor scans its inputs: its caller vouches that they are finite float
arrays (``nn.fit`` checks its data and the weights). Anything else (another dtype, a
missing or unknown name), and any graph it cannot run in a plain loop (a gate you wrote,
which the graph checks on every run; a graph of numbers compiled level by level), goes
through the graph itself, every check included.

The nodes get the run's values and gradients (not the per-edge gradients), and every
graph that holds them, this one included, knows that it did not make them: a picture
asks for a forward of its own first.
"""

import math

import numpy as np

from .graph import Graph, all_finite, kits_own, plain, unbroadcast, unshare


class Runner:
    """``Runner(graph, wrt)``: ``run(values) -> (output, {name: gradient})`` for the inputs
    named in ``wrt`` (default: all), as ``graph.forward(**values)`` then
    ``graph.backward(wrt=wrt)`` give them. The output must be a number."""

    def __init__(self, graph, wrt=None):
        if not isinstance(graph, Graph):
            raise TypeError(f"Runner needs a bp.Graph, got {type(graph).__name__}")
        self.graph = graph
        self.wrt = wrt
        # a plain loop calls the kit's own gates only, on arrays
        self.plain = graph.plan is None and all(kits_own(node.gate) for node in graph.gates())
        self.plans = {}         # the inputs' shapes -> a Plan, learnt from one graph run

    def __call__(self, values):
        graph = self.graph
        shapes = self._shapes(values) if self.plain else None
        plan = self.plans.get(shapes)
        if plan is None:                         # through the graph itself, checked
            result = self._graph_run(values)
            if shapes is not None:               # the first run at these shapes: learn
                self.plans[shapes] = Plan(graph, graph.backward_plan(self.wrt), self.wrt)
            return result
        for name, node in graph.inputs.items():    # first of all, so that every graph
            node.value = values[name]                # that holds these nodes sees them
        Graph.runs += 1                              # change, even if this run stops
        value, grad = [None] * plan.size, [None] * plan.size
        for slot, number in plan.constants:
            value[slot] = number
        for name, slot in plan.inputs:
            value[slot] = values[name]
        with np.errstate(all="ignore"):      # a NaN or inf is found at the ends, and named
            for forward, slot, parents in plan.forward:
                if len(parents) == 2:
                    value[slot] = forward(value[parents[0]], value[parents[1]])
                elif len(parents) == 1:
                    value[slot] = forward(value[parents[0]])
                else:
                    value[slot] = forward(*[value[p] for p in parents])
            output = value[plan.output]
            if not math.isfinite(output):
                return self._graph_run(values)         # which names the first bad node
            grad[plan.output] = np.float64(1.0)
            for backward, wanted, slot, parents, undo in plan.backward:
                grads = backward(grad[slot], *wanted)
                if undo is not None:             # sum away what forward broadcast
                    grads = [g if u is None else unbroadcast(g, shape=u[1], axes=u[0])
                             for g, u in zip(grads, undo)]
                for parent, g in zip(parents, grads):
                    if parent is not None:
                        grad[parent] = g if grad[parent] is None else grad[parent] + g
        result = {name: plain(grad[slot]) if grad[slot] is not None else
                  np.zeros_like(value[slot]) for name, slot in plan.results}
        unshare(result)
        if not all_finite(result.values()):
            return self._graph_run(values)             # which names the gradient
        for node, node_value, node_grad in zip(graph.nodes, value, grad):
            node.value, node.grad = node_value, node_grad
        return plain(output), result

    def _shapes(self, values):
        """The inputs' shapes, if ``values`` holds exactly the graph's inputs, each a float
        array; else None, and the graph runs them itself (and names what is wrong)."""
        if len(values) != len(self.graph.inputs):
            return None
        shapes = []
        for name in self.graph.inputs:
            value = values.get(name)
            if type(value) is not np.ndarray or value.dtype != np.float64:
                return None
            shapes.append(value.shape)
        return tuple(shapes)

    def _graph_run(self, values):
        """Run the graph itself, with every check."""
        output = self.graph.forward(**values)
        if np.ndim(output) != 0:
            raise ValueError(f"Runner needs a graph whose output is one number; this one "
                             f"has shape {np.shape(output)}")
        return output, self.graph.backward(wrt=self.wrt)


class Plan:
    """What ``Runner`` runs, as lists of positions in the graph's topological order: made
    from the graph's own forward order and its backward steps (``Graph.backward_plan``)."""

    def __init__(self, graph, steps, wrt):
        index = graph.index
        self.size = len(graph.nodes)
        self.output = index[graph.output]
        self.inputs = [(name, index[node]) for name, node in graph.inputs.items()]
        self.constants = [(index[node], node.value) for node in graph.nodes
                          if node.kind == "constant"]
        self.forward = [(node.gate.forward, index[node], [index[p] for p in node.inputs])
                        for node in graph.gates()]
        if not all(step.trusted for step in steps):
            raise RuntimeError("Runner: backward's steps were not all checked")
        # per gate: its backward, which gradients it is asked for, its node, where each
        # gradient goes (None: nowhere), and per input (axes, shape) to sum back to or None
        self.backward = [(step.node.gate.backward, step.wanted_args, index[step.node],
                          [None if p is None else index[p] for p in step.parents], step.undo)
                         for step in steps]
        names = list(graph.inputs) if wrt is None else [wrt] if isinstance(wrt, str) else wrt
        self.results = [(name, index[graph.inputs[name]]) for name in names]
