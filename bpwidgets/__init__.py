"""bpwidgets: learn backpropagation by watching it happen.

The engine (numpy only)::

    import bpwidgets as bp
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)      # -12.0
    g.backward()                    # {'x': -4.0, 'y': -4.0, 'z': 3.0}

Pictures (``bp.draw``) need Graphviz; widgets (``bp.explore``) need ipywidgets.
They are imported only when first used, so the engine works without them.
"""

from .check import GradCheck, gradcheck, numerical_gradient, rel_error
from .functions import elu, exp, leaky_relu, log, max, relu, sigmoid, sum, tanh
from .graph import Edge, Graph, Node, constant, inputs
from .ops import OPS, Gate
from .parse import ParseError, parse

__version__ = "0.1.0"
