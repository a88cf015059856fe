"""The op table: every gate's forward and its local gradient, side by side.

This is the lecture's modular API made real. A gate's ``forward`` computes its output
and keeps (caches) what backward will need; its ``backward`` turns the *upstream*
gradient (d loss / d output) into one *downstream* gradient per input::

    downstream = local gradient x upstream

Most gates are elementwise, so they only state their local gradients and the base
class does the multiplication. Gates that are not elementwise (``@``, ``sum``)
write ``backward`` themselves. Broadcasting is undone once, in the graph engine,
not in every rule.

``OPS`` maps each op's name to its gate class. The parser, the renderer, the labels
and the gradient-check tests all read this one table.
"""

import inspect

import numpy as np


class Gate:
    """A node's computation: subclass it, write ``forward`` and ``backward``.

    >>> class Multiply(Gate):
    ...     def forward(self, a, b):
    ...         self.a, self.b = a, b      # keep what backward needs
    ...         return a * b
    ...     def backward(self, upstream):
    ...         return upstream * self.b, upstream * self.a
    >>> x, y = inputs("x y"); node = Multiply()(x, y)   # a node, like x * y

    Elementwise gates may instead define ``local_gradients()`` (one d out / d input
    per input) and let the base ``backward`` multiply each by the upstream gradient.
    """

    symbol = "?"   # what the rendered circle shows
    arity = None   # number of inputs, or None for "any"
    flow = ""      # the gate's role in backward flow (lesson 03)
    elementwise = False   # True: output entry i depends on input entries i only

    @property
    def name(self):
        """The gate's name in the op table (its class name for a learner's gate)."""
        return getattr(type(self), "op_name", type(self).__name__)

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *inputs)")

    def params(self):
        """The constants the gate was made with (an exponent, a slope); () for most."""
        return ()

    def kinks(self, *inputs, near=1e-4):
        """How many input entries sit (within ``near``) on a kink, where the gate has
        no derivative and a numerical gradient averages the two sides. 0 for smooth gates."""
        return 0

    def local_gradients(self):
        """d output / d input for each input, or None if the gate is not elementwise."""
        return None

    def slips(self):
        """The classic wrong local gradients, for a verdict's hint: a list of (input index,
        the wrong local gradient, what to check). A hint names what to check, never the
        answer. [] for most gates."""
        return []

    def backward(self, upstream):
        locals_ = self.local_gradients()
        if locals_ is None:
            raise NotImplementedError(
                f"{type(self).__name__} must define backward(self, upstream) "
                "or local_gradients(self)")
        return [local * upstream for local in locals_]

    def __call__(self, *args):
        """Use the gate in a graph like a built-in op: ``MyMultiply()(x, y)`` -> a Node.

        At least one argument must be a node (numbers become constants). One gate
        instance makes one node, because its cache holds that node's values. To run the
        gate on numbers, call ``forward`` instead.
        """
        from .graph import Node, apply      # here, not at the top: graph imports ops
        label = type(self).__name__
        if not any(isinstance(a, Node) for a in args):
            raise TypeError(f"{label}()(...) builds a graph node and needs at least one node "
                            f"(from bp.inputs); to compute on numbers, call .forward(...)")
        if getattr(self, "_in_graph", False):
            raise ValueError(f"this {label} gate is already a node in a graph, and its cache "
                             f"belongs to that node: make a new one, {label}()(...)")
        try:
            inspect.signature(self.forward).bind(*args)
        except TypeError:
            raise TypeError(f"{label}.forward{inspect.signature(self.forward)} cannot take "
                            f"{len(args)} input(s)") from None
        node = apply(self, *args)
        self._in_graph = True
        return node

    def __repr__(self):
        return f"{type(self).__name__}()"


# ---- binary gates ---------------------------------------------------------------

class Add(Gate):
    op_name, symbol, arity, flow = "add", "+", 2, "add distributes"
    elementwise = True

    def forward(self, a, b):
        return a + b

    def local_gradients(self):
        return 1.0, 1.0


class Subtract(Gate):
    op_name, symbol, arity, flow = "sub", "-", 2, "sub distributes (negated)"
    elementwise = True

    def forward(self, a, b):
        return a - b

    def local_gradients(self):
        return 1.0, -1.0


class Multiply(Gate):
    op_name, symbol, arity, flow = "mul", "*", 2, "mul swaps"
    elementwise = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def local_gradients(self):
        return self.b, self.a

    def slips(self):
        check = "mul swaps: each input's local gradient is the *other* input"
        return [(0, self.a, check), (1, self.b, check)]


class Divide(Gate):
    op_name, symbol, arity, flow = "div", "/", 2, "div scales"
    elementwise = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def local_gradients(self):
        return 1.0 / self.b, -self.a / (self.b * self.b)

    def slips(self):
        return [(1, -self.a / self.b, "d(a/b)/db = -a/b²: keep the square"),
                (1, self.a / (self.b * self.b), "d(a/b)/db = -a/b²: keep the minus sign")]


class Max(Gate):
    op_name, symbol, arity, flow = "max", "max", 2, "max routes"
    elementwise = True

    def forward(self, a, b):
        self.a_wins = np.greater_equal(a, b)   # a tie goes to the first input
        return np.maximum(a, b)

    def kinks(self, a, b, near=1e-4):
        return int(np.count_nonzero(np.abs(np.subtract(a, b)) < near))   # a tie

    def local_gradients(self):
        return 1.0 * self.a_wins, 1.0 - self.a_wins

    def slips(self):
        check = "max routes all of the gradient to the input that won, none to the other"
        return [(0, 1.0 - self.a_wins, check), (1, 1.0 * self.a_wins, check)]


class MatMul(Gate):
    """Matrix product of 1-D or 2-D arrays. Not elementwise: its local gradient is a
    Jacobian nobody forms, so backward is written directly (lesson 04)."""
    op_name, symbol, arity, flow = "matmul", "@", 2, "matmul: dA = up @ B.T, dB = A.T @ up"

    def forward(self, a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.ndim not in (1, 2) or b.ndim not in (1, 2):
            raise ValueError(f"@ needs 1-D or 2-D arrays, got shapes {a.shape} and {b.shape}")
        if a.shape[-1] != b.shape[0]:
            raise ValueError(f"@ cannot multiply shapes {a.shape} and {b.shape}: "
                             f"{a.shape[-1]} columns against {b.shape[0]} rows")
        self.a, self.b = a, b
        return a @ b

    def backward(self, upstream):
        # Treat a vector on the left as a row and on the right as a column, so that
        # the two matrix rules dA = up @ B.T and dB = A.T @ up cover every case.
        a = self.a.reshape(1, -1) if self.a.ndim == 1 else self.a
        b = self.b.reshape(-1, 1) if self.b.ndim == 1 else self.b
        up = np.reshape(upstream, (a.shape[0], b.shape[1]))
        return (up @ b.T).reshape(self.a.shape), (a.T @ up).reshape(self.b.shape)


# ---- unary gates ----------------------------------------------------------------

class Negate(Gate):
    op_name, symbol, arity, flow = "neg", "*-1", 1, "neg flips the sign"
    elementwise = True

    def forward(self, a):
        return -a

    def local_gradients(self):
        return (-1.0,)


class Power(Gate):
    """a ** p for a constant exponent p."""
    op_name, arity, flow = "pow", 1, "pow scales"
    elementwise = True

    def __init__(self, exponent):
        self.exponent = float(exponent)

    def params(self):
        return (self.exponent,)

    @property
    def symbol(self):
        return f"^{format_constant(self.exponent)}"

    def forward(self, a):
        self.a = a
        return a ** self.exponent

    def local_gradients(self):
        p = self.exponent
        return (p * self.a ** (p - 1.0) if p != 0 else 0.0 * self.a,)   # x**0: 0, not 0 * inf

    def __repr__(self):
        return f"Power({format_constant(self.exponent)})"

    def slips(self):
        p = self.exponent
        return [(0, self.a ** (p - 1.0), "d(x^p)/dx = p x^(p-1): bring the exponent down"),
                (0, p * self.a ** p, "d(x^p)/dx = p x^(p-1): lower the power by one")]


class Exp(Gate):
    op_name, symbol, arity, flow = "exp", "exp", 1, "exp scales by its output"
    elementwise = True

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def local_gradients(self):
        return (self.out,)


class Log(Gate):
    op_name, symbol, arity, flow = "log", "log", 1, "log scales by 1/input"
    elementwise = True

    def forward(self, a):
        self.a = a
        return np.log(a)

    def local_gradients(self):
        return (1.0 / self.a,)

    def slips(self):
        return [(0, self.a, "d(log x)/dx = 1/x")]


class Sigmoid(Gate):
    """sigma(a) = 1 / (1 + e^-a), computed without overflow for any a.

    e^-|a| is at most 1, so neither branch can overflow; at a = +-800 it underflows
    to 0 and sigma is exactly 1 or 0. Local gradient: (1 - s) s.
    """
    op_name, symbol, arity, flow = "sigmoid", "\u03c3", 1, "sigmoid scales by (1-s)s"
    elementwise = True

    def forward(self, a):
        z = np.exp(-np.abs(a))
        self.out = np.where(np.greater_equal(a, 0), 1.0 / (1.0 + z), z / (1.0 + z))
        if self.out.ndim == 0:
            self.out = self.out[()]          # a scalar stays a scalar
        return self.out

    def local_gradients(self):
        s = self.out
        return ((1.0 - s) * s,)

    def slips(self):
        s = self.out
        check = "the σ gate's local gradient (1 - σ)σ has two factors"
        return [(0, 1.0 - s, check), (0, s, check)]


class Tanh(Gate):
    op_name, symbol, arity, flow = "tanh", "tanh", 1, "tanh scales by 1-t^2"
    elementwise = True

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def local_gradients(self):
        return (1.0 - self.out * self.out,)

    def slips(self):
        return [(0, 1.0 - self.out, "tanh's local gradient is 1 - t², with t squared")]


class ReLU(Gate):
    op_name, symbol, arity, flow = "relu", "relu", 1, "relu routes: passes or blocks"
    elementwise = True

    def forward(self, a):
        self.passes = np.greater(a, 0)
        return np.maximum(a, 0.0)

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near))

    def local_gradients(self):
        return (1.0 * self.passes,)


class LeakyReLU(Gate):
    """max(alpha a, a): like ReLU, but a small slope alpha below zero keeps gradients alive."""
    op_name, arity, flow = "leaky_relu", 1, "leaky relu: 1 or alpha"
    elementwise = True
    symbol = "leaky"

    def __init__(self, alpha=0.01):
        self.alpha = float(alpha)

    def params(self):
        return (self.alpha,)

    def forward(self, a):
        self.passes = np.greater(a, 0)
        return np.where(self.passes, a, self.alpha * a)[()]

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near)) if self.alpha != 1 else 0

    def local_gradients(self):
        return (np.where(self.passes, 1.0, self.alpha)[()],)

    def __repr__(self):
        return f"LeakyReLU({format_constant(self.alpha)})"


class ELU(Gate):
    """a for a > 0, alpha (e^a - 1) below: smooth, with negative outputs."""
    op_name, arity, flow = "elu", 1, "elu: 1 or alpha e^a"
    elementwise = True
    symbol = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = float(alpha)

    def params(self):
        return (self.alpha,)

    def forward(self, a):
        self.passes = np.greater(a, 0)
        self.below = self.alpha * np.expm1(np.minimum(a, 0.0))   # never overflows
        return np.where(self.passes, a, self.below)[()]

    def local_gradients(self):
        return (np.where(self.passes, 1.0, self.below + self.alpha)[()],)

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near)) if self.alpha != 1 else 0

    def __repr__(self):
        return f"ELU({format_constant(self.alpha)})"


class Sum(Gate):
    """Sum of all entries. Backward copies the upstream gradient to every entry."""
    op_name, symbol, arity, flow = "sum", "\u03a3", 1, "sum distributes to every entry"

    def forward(self, a):
        self.shape = np.shape(a)
        return np.sum(a)

    def backward(self, upstream):
        return (np.full(self.shape, float(upstream))[()],)


OPS = {gate.op_name: gate for gate in (
    Add, Subtract, Multiply, Divide, Max, MatMul,
    Negate, Power, Exp, Log, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Sum)}
"""The op table: name -> gate class. Everything that needs to know the ops reads it."""

FUNCTIONS = ("exp", "log", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "max", "sum")
"""Ops written as function calls, ``exp(x)``, ``max(a, b)``; the rest are operators."""


def format_constant(c):
    """A constant as a short label: 2.0 -> '2', 0.5 -> '0.5'."""
    return f"{float(c):g}"
