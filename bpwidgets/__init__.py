"""bpwidgets: learn backpropagation by watching it happen.

The engine (numpy only)::

    import bpwidgets as bp
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)      # -12.0
    g.backward()                    # {'x': -4.0, 'y': -4.0, 'z': 3.0}

The engine needs numpy alone. Pictures (``bp.draw``, ``bp.show``: the graphviz package,
and Graphviz to draw: the pygraphviz wheel, or a ``dot`` program), widgets
(``bp.explore``, ``bp.TrainingView``: ipywidgets) and matplotlib figures (``bp.plots``)
load on first use.
"""

from . import datasets, nn
from .batch import BatchedGraph
from .check import GradCheck, gradcheck, numerical_gradient, rel_error
from .collapse import Collapsed, collapse, expand, find_sigmoids
from .functions import elu, exp, leaky_relu, log, max, relu, sigmoid, sum, tanh
from .graph import Edge, Graph, Node, apply, constant, inputs
from .jacobian import JacobianCost, compare_relu_jacobian, format_bytes, jacobian, jacobian_bytes
from .labels import flow_roles, gate_symbol, node_text
from .nudge import Nudge, nudge
from .ops import OPS, Gate
from .parse import ParseError, parse
from .predict import Prediction, Verdict, check_prediction, check_shape
from .steps import Step, backward_steps

__version__ = "0.1.0"

# What ``from bpwidgets import *`` brings: everything public but max and sum, which would
# hide Python's own max() and sum() (use them as bp.max and bp.sum).
__all__ = [
    "BatchedGraph", "Collapsed", "Edge", "Gate", "GradCheck", "Graph", "GraphTooBig",
    "GraphvizMissing", "JacobianCost", "Node", "Nudge", "OPS", "ParseError", "Picture", "Prediction", "Step", "Verdict",
    "SvgTemplate", "apply", "backward_steps", "check_prediction", "check_shape", "collapse",
    "compare_relu_jacobian", "constant", "datasets", "draw", "elu", "exp", "expand",
    "explore", "find_sigmoids", "flow_roles", "format_bytes", "gate_symbol", "gradcheck", "inputs",
    "jacobian", "jacobian_bytes", "leaky_relu", "log", "nn", "node_text", "nudge",
    "numerical_gradient", "parse",
    "rel_error", "relu", "show", "sigmoid", "tanh", "write_page",
]

# Pictures (graphviz), widgets (ipywidgets) and plots (matplotlib) load on first use, so
# the engine needs numpy alone: name -> the module that defines it.
LAZY = {"draw": ".render", "show": ".render", "Picture": ".render", "SvgTemplate": ".render",
        "GraphvizMissing": ".render", "GraphTooBig": ".render",
        "explore": ".widgets.explorer", "Explorer": ".widgets.explorer",
        "TrainingView": ".widgets.training", "ActivationExplorer": ".widgets.training",
        "write_page": ".page"}
MODULES = (".render", ".widgets", ".plots")      # bp.render, bp.widgets, bp.plots
DISPLAY_PACKAGES = {"graphviz", "ipywidgets", "anywidget", "matplotlib"}


def __getattr__(name):
    if name in LAZY:
        return getattr(_load(LAZY[name], name), name)
    if f".{name}" in MODULES:
        return _load(f".{name}", name)
    raise AttributeError(f"module 'bpwidgets' has no attribute {name!r}")


def _load(module, name):
    """Import a module of pictures, widgets or plots; a missing display package is named."""
    from importlib import import_module
    try:
        return import_module(module, __name__)
    except ImportError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in DISPLAY_PACKAGES:
            raise
        raise ImportError(f"bp.{name} needs the Python package {missing!r}, which is not "
                          f"installed (the engine does not): pip install {missing}",
                          name=missing) from error
