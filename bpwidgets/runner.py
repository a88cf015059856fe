"""A plain loop over a graph's gates, for training: forward and backward as ``bp.Graph``
runs them, without the graph's record of its runs.

A ``Graph`` keeps a record of every run (which forward its nodes' numbers came from, which
inputs the last backward was for), so that pictures, steps and checks can tell its numbers
from another graph's. A training loop runs one graph thousands of times and draws none of
it. ``Runner`` calls the same gate objects in the same order, from plain lists, as
``benchmarks/bare.py`` does. What it needs to know it learns from one run of the graph
itself, per shape of the inputs: which gradients each gate must compute (``wrt``), and
which must be summed back to an input that forward broadcast.

It checks what the graph checks at the two ends, the output and the gradients it returns,
and only when one is not finite does it run the graph itself again, which names the node.
The inputs it does not check: its caller vouches for them (``nn.fit`` checks its data and
the weights once, and steps them by finite gradients). The nodes get the run's values and
gradients, as after a graph's run; the graph itself has no record of the run, so a picture
of it asks for a forward of its own first.
"""

import math

import numpy as np

from .graph import Graph, all_finite, kits_own, plain, unbroadcast, unshare


class Runner:
    """``Runner(graph, wrt)``: ``run(values) -> (output, {name: gradient})`` for the inputs
    named in ``wrt`` (default: all), as ``graph.forward(**values)`` then
    ``graph.backward(wrt=wrt)`` give them. The output must be a number; the gates the
    kit's own (a gate you wrote is checked on every run: run the graph itself)."""

    def __init__(self, graph, wrt=None):
        if not isinstance(graph, Graph):
            raise TypeError(f"Runner needs a bp.Graph, got {type(graph).__name__}")
        for node in graph.gates():
            if not kits_own(node.gate):
                raise ValueError(f"Runner runs the kit's own gates only, and "
                                 f"{graph.describe(node)} is one you wrote: bp.Graph checks "
                                 f"it on every run, so run the graph itself")
        if graph.plan is not None:
            raise ValueError("this graph of numbers runs level by level (Graph.plan): run "
                             "the graph itself, or BatchedGraph")
        self.graph = graph
        self.wrt = wrt
        self.plans = {}         # the inputs' shapes -> a Plan, learnt from one graph run

    def __call__(self, values):
        graph = self.graph
        try:
            shapes = tuple(np.shape(values[name]) for name in graph.inputs)
            plan = self.plans.get(shapes)
        except KeyError:                     # a name missing: the graph's run names it
            plan = shapes = None
        if plan is None:
            return self._graph_run(values, shapes)
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
                    grads = [g if u is None else unbroadcast(g, u[1], u[0])
                             for g, u in zip(grads, undo)]
                for parent, g in zip(parents, grads):
                    if parent is not None:
                        grad[parent] = g if grad[parent] is None else grad[parent] + g
        result = {name: plain(grad[slot]) if grad[slot] is not None else
                  np.zeros_like(value[slot]) for name, slot in plan.wanted}
        unshare(result)
        if not all_finite(result.values()):
            return self._graph_run(values)             # which names the gradient
        for node, node_value, node_grad in zip(graph.nodes, value, grad):
            node.value, node.grad = node_value, node_grad
        Graph.runs += 1            # the nodes changed: graphs that hold them notice
        return plain(output), result

    def _graph_run(self, values, shapes=None):
        """Run the graph itself, with every check; learn the plan for these shapes."""
        graph = self.graph
        output = graph.forward(**values)
        if np.ndim(output) != 0:
            raise ValueError(f"Runner needs a graph whose output is one number; this one "
                             f"has shape {np.shape(output)}")
        result = graph.backward(wrt=self.wrt)
        if shapes is not None:
            self.plans[shapes] = Plan(graph, graph.backward_plan(self.wrt), list(result))
        return output, result


class Plan:
    """What ``Runner`` runs, as lists of positions in the graph's topological order."""

    def __init__(self, graph, steps, wanted):
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
        self.backward = [(step.node.gate.backward, step.wanted_args, index[step.node],
                          [None if p is None else index[p] for p in step.parents], step.undo)
                         for step in steps]
        self.wanted = [(name, index[graph.inputs[name]]) for name in wanted]
