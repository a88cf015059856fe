"""A thin runner for big scalar graphs: numbers in two arrays, never on the nodes.

``bp.Graph`` already compiles a big graph of built-in elementwise gates on scalars into a
``LevelPlan`` (``plan.py``), and keeps every node's value and gradient for pictures. This
runner runs the same plan and only that: its numbers stay in ``values`` and ``grads``
(read them with ``value_of(node)`` / ``grad_of(node)``). It is not a Graph, so it cannot
be drawn or stepped through.
"""

import math

import numpy as np

from .graph import Graph, plain
from .plan import LevelPlan, why_not


class BatchedGraph:
    """``BatchedGraph(output)``: forward and backward of a scalar graph, level by level."""

    def __init__(self, output, expression=None):
        self.graph = Graph(output, expression)
        reason = why_not(self.graph.nodes, self.graph.describe)
        if reason:
            raise ValueError(f"this graph cannot run batched: {reason}")
        self.nodes, self.index = self.graph.nodes, self.graph.index
        self.inputs, self.output = self.graph.inputs, self.graph.output
        self.plan = self.graph.plan or LevelPlan(self.nodes, self.index)
        self.values = self.grads = None

    def __repr__(self):
        return f"<BatchedGraph of {len(self.nodes)} nodes, inputs {', '.join(self.inputs)}>"

    def value_of(self, node):
        return plain(self.values[self.index[node]])

    def grad_of(self, node):
        return plain(self.grads[self.index[node]])

    def forward(self, **values):
        if len(values) != len(self.inputs):
            self.graph.check_input_names(values)
        self.grads = None
        self.values = self.plan.forward(self.graph.scalar_inputs(values))
        if not np.isfinite(self.values).all():
            Graph.runs += 1                   # the nodes change: graphs holding them notice
            for node, value in zip(self.nodes, self.values.tolist()):
                node.value = value            # so the error can name the first bad node
            self.graph.check_finite()
        return float(self.values[-1])

    def backward(self, upstream=None):
        if self.values is None:
            raise RuntimeError("call forward(...) before backward(): backward needs the "
                               "values of the last forward pass")
        upstream = 1.0 if upstream is None else float(upstream)
        self.grads = self.plan.backward(upstream)
        slots = [self.index[node] for node in self.inputs.values()]
        grads = self.grads[slots]
        result = dict(zip(self.inputs, grads.tolist()))
        if not np.isfinite(grads).all():         # one check; names only when one fails
            bad = [name for name, grad in result.items() if not math.isfinite(grad)]
            raise FloatingPointError(f"backward produced a non-finite gradient for "
                                     f"{', '.join(bad)}")          # as Graph.backward says
        return result
