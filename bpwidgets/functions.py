"""The ops as Python functions: ``bp.exp(x)``, ``bp.sigmoid(x)``, ``bp.max(a, b)``, ...

Each builds a new node; arguments may be nodes or numbers. (``max`` and ``sum`` are the
lecture's gates, not Python's builtins: this module shadows them on purpose.)
"""

from . import ops
from .graph import apply


def exp(x): return apply(ops.Exp(), x)
def log(x): return apply(ops.Log(), x)
def sigmoid(x): return apply(ops.Sigmoid(), x)
def tanh(x): return apply(ops.Tanh(), x)
def relu(x): return apply(ops.ReLU(), x)
def leaky_relu(x, alpha=0.01): return apply(ops.LeakyReLU(alpha), x)
def elu(x, alpha=1.0): return apply(ops.ELU(alpha), x)
def max(a, b): return apply(ops.Max(), a, b)        # noqa: A001 (the lecture's max gate)
def sum(x): return apply(ops.Sum(), x)              # noqa: A001


