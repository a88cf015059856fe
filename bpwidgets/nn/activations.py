"""The activations a net can use, each a function on nodes with the formula the lecture
writes (sigmoid, tanh, ReLU, Leaky ReLU, ELU, maxout), and their curves from the engine."""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import functions as F
from ..graph import Graph, inputs


@dataclass(frozen=True)
class Activation:
    """An activation: a function on nodes, with the formula the lecture writes.

    ``pieces`` is how many linear pieces each neuron computes before the activation:
    1 for all but maxout, which takes the max of 2 (so its layers have two sets of weights).
    """
    name: str
    formula: str
    function: Callable
    pieces: int = 1

    def __call__(self, *pieces):
        if len(pieces) != self.pieces:
            raise TypeError(f"{self.name} takes {self.pieces} linear piece(s), got {len(pieces)}")
        return self.function(*pieces)

    def __repr__(self):
        return f"Activation({self.name!r}: {self.formula})"


ACTIVATIONS = {a.name: a for a in (
    Activation("sigmoid", "1 / (1 + e^-x)", F.sigmoid),
    Activation("tanh", "tanh(x)", F.tanh),
    Activation("relu", "max(0, x)", F.relu),
    Activation("leaky_relu", "max(0.01x, x)", lambda z: F.leaky_relu(z, 0.01)),
    Activation("elu", "x if x > 0, else e^x - 1", lambda z: F.elu(z, 1.0)),
    Activation("maxout", "max(w1 x + b1, w2 x + b2)", F.max, pieces=2),
)}
"""name -> Activation. The MLP reads this table; so do the plots and the widget."""

MAXOUT_PIECES = ((1.0, 0.0), (-0.5, 0.0))
"""Maxout has weights of its own. To draw it as a curve of one variable we fix its two
pieces at (slope, intercept) = (1, 0) and (-0.5, 0): max(x, -0.5 x). With pieces x and 0
it would be ReLU, with x and 0.01 x Leaky ReLU: maxout learns its shape."""


def get_activation(name):
    """The ``Activation`` called ``name``, or a clear error listing the choices."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of "
                         + ", ".join(map(repr, ACTIVATIONS)))
    return ACTIVATIONS[name]


def activation_curve(name, x):
    """The activation's value and gradient at each entry of ``x``, both from the engine.

    Builds the one-variable graph ``f(x)`` (maxout with ``MAXOUT_PIECES``), runs
    forward, then backward with upstream 1: the gradient is the gates' local gradients
    chained, the same numbers backprop uses inside a net.
    """
    act = get_activation(name)
    node = inputs("x")
    pieces = [slope * node + intercept for slope, intercept in MAXOUT_PIECES[:act.pieces]] \
        if act.pieces > 1 else [node]
    graph = Graph(act(*pieces))
    x = np.asarray(x, dtype=float)
    value = graph.forward(x=x)
    grad = graph.backward(None if np.ndim(value) == 0 else np.ones(np.shape(value)))["x"]
    return value, grad
