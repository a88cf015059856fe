"""The op table: every gate's forward and its local gradient, side by side.

This is the lecture's modular API made real. A gate's ``forward`` computes its output
and keeps (caches) what backward will need; its ``backward`` turns the *upstream*
gradient (d loss / d output) into one *downstream* gradient per input::

    downstream = local gradient x upstream

Most gates are elementwise, so they only state their local gradients and the base
class does the multiplication. Gates that are not elementwise (``@``, ``sum``)
write ``backward`` themselves. Broadcasting is undone once, in the graph engine,
not in every rule.

Each gate also says how the kit writes it: its symbol in a picture, its spelling in a
formula (``infix``, ``precedence``, or a call such as ``exp(x)``), a constant folded into
its symbol (``+1``, ``1/x``), its role in backward flow, and its local gradient in a
step's caption (``local_formula``). Nothing about an op is written anywhere else.
Beside its Python rules a scalar gate writes the same two rules in JavaScript
(``js_forward``, ``js_local``), so that the browser can run a graph without the kernel
(``bpwidgets/browser.py``).

``OPS`` maps each op's name to its gate class. The parser, the renderer, the labels,
the step captions and the gradient-check tests all read this one table. To add an op,
write its gate class and ``register`` it: from then on ``parse`` reads it, pictures draw
it and captions explain it. This module imports nothing from the rest of the kit.
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
    # How formulas and the parser write the gate ('w0*x0 + w1*x1', 'exp(x)'):
    infix = None          # between its two inputs (" + "), or None: as a call, name(x, y)
    precedence = 5        # how tightly it binds: + - 1, * / @ 2, unary - 3, ** 4, a call 5
    associative = True    # False for - and /: a - (b - c) keeps its brackets
    function = False      # True: the parser reads name(...) as this gate, as in exp(x)
    reads_as_number = False   # True for neg: the parser reads -1 as neg(1), and the
    # labels write neg of a number back as that number
    # The same two rules in JavaScript, for the browser (bpwidgets/static/engine.js): each
    # an expression over forward's inputs (a, b), the gate's constants by their __init__
    # names (alpha, exponent) and, in js_local, the gate's output (out). On scalars only.
    # None: the browser cannot run the gate, and the kernel does.
    js_forward = None     # Multiply: "a * b"
    js_local = None       # one expression per input; Multiply: ("b", "a")

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
        # a local gradient of exactly 1 (add's) passes the upstream on as it is: the
        # product would only copy the array
        return [upstream if isinstance(local, float) and local == 1.0 else local * upstream
                for local in locals_]

    # ---- how the kit writes the gate: formulas, pictures, captions ----------------

    def formula(self, inputs):
        """The gate in a formula over its inputs (``Operand``s): 'x + y', 'a - (b - c)',
        'exp(x + y)'. An input that binds less tightly than the gate gets brackets."""
        if self.infix is None:
            return f"{self.name}({', '.join(operand.text for operand in inputs)})"
        left, right = inputs
        right_needs = self.precedence if self.associative else self.precedence + 1
        return left.within(self.precedence) + self.infix + right.within(right_needs)

    def fold(self, c, on_left):
        """The symbol with the scalar constant ``c`` written in (``on_left``: c is the
        first input), as the lecture draws x + 1 as one gate '+1'; None: draw c as a node."""
        return None

    def flow_role(self, folded=None):
        """The gate's role in backward flow; ``folded`` is the constant folded into its
        symbol, if any (a gate '*2' scales by 2)."""
        return self.flow

    def local_formula(self, i, inputs, out, number, texts):
        """How a step's caption computes input i's local gradient: 'e^-1', '1/1.37'. Given
        the input values, the output, ``number`` (writes a value as the caption does) and
        the inputs' formula texts (None where there is none worth writing). None: the
        local gradient's value says it all (add's 1)."""
        return None

    def local_words(self, i, inputs):
        """Words said after the local gradient's value instead of a formula: '1 (input > 0)'."""
        return None

    def backward_rule(self, i, texts, upstream):
        """What backward does for input i, when there is no elementwise local gradient:
        'upstream @ B.T'. ``upstream`` is the upstream gradient's text."""
        return f"backward(upstream {upstream})"

    # ---- a gate in a graph ------------------------------------------------------

    def __call__(self, *args):
        """Use the gate in a graph like a built-in op: ``MyMultiply()(x, y)`` -> a Node.

        At least one argument must be a node (numbers become constants). One gate
        instance makes one node, because its cache holds that node's values. To run the
        gate on numbers, call ``forward`` instead.
        """
        label = type(self).__name__
        # A graph node can make nodes (graph.Node.make_node): so ops need not import graph.
        node = next((a for a in args if hasattr(a, "make_node")), None)
        if node is None:
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
        return node.make_node(self, args)        # (which marks the gate as used)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Operand:
    """An input's text in a formula, and how tightly it binds (``Gate.precedence``)."""

    def __init__(self, text, precedence):
        self.text = text
        self.precedence = precedence

    def within(self, precedence):
        """The text, in brackets if it binds less tightly than ``precedence`` asks."""
        return self.text if self.precedence >= precedence else f"({self.text})"


def bracketed(text):
    """A number written as a base or a factor: in brackets when negative, (-0.76)^2."""
    return f"({text})" if text.startswith("-") else text


def sign_words(x):
    """Which side of a kink at 0 the input is on, said in words."""
    return "input > 0" if x > 0 else "input <= 0"


def gate_constant(value, what):
    """A gate's constant (an exponent, a slope) as a float: a finite number, or a clear
    error naming it (float('a') or float(10**400) said nothing of which constant)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = float("inf")
    if not np.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {str(value)[:20]}")
    return number


# ---- binary gates ---------------------------------------------------------------

class Add(Gate):
    op_name, symbol, arity, flow = "add", "+", 2, "add distributes"
    infix, precedence = " + ", 1
    elementwise = True
    js_forward, js_local = "a + b", ("1", "1")

    def forward(self, a, b):
        return a + b

    def local_gradients(self):
        return 1.0, 1.0

    def fold(self, c, on_left):                  # x + 1: '+1'; x + -2: '-2'
        return f"+{format_constant(c)}" if c >= 0 else format_constant(c)


class Subtract(Gate):
    op_name, symbol, arity, flow = "sub", "-", 2, "sub distributes (negated)"
    infix, precedence, associative = " - ", 1, False
    elementwise = True
    js_forward, js_local = "a - b", ("1", "-1")

    def forward(self, a, b):
        return a - b

    def local_gradients(self):
        return 1.0, -1.0

    def fold(self, c, on_left):                  # 1 - x: '1-x'; x - 2: '-2'; x - -2: '+2'
        if on_left:
            return f"{format_constant(c)}-x"
        return f"-{format_constant(c)}" if c >= 0 else f"+{format_constant(-c)}"


class Multiply(Gate):
    op_name, symbol, arity, flow = "mul", "*", 2, "mul swaps"
    infix, precedence = "*", 2
    elementwise = True
    js_forward, js_local = "a * b", ("b", "a")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def local_gradients(self):
        return self.b, self.a

    def local_formula(self, i, inputs, out, number, texts):
        other = texts[1 - i]                     # each input's local gradient: the other
        if other is None:
            return None
        return f"({other})" if " " in other else other

    def slips(self):
        check = ("mul swaps (the switcher): each input's local gradient is the *other* "
                 "input, the constant in a gate drawn as *2")
        return [(0, self.a, check), (1, self.b, check)]

    def fold(self, c, on_left):                  # 2 * x: '*2'
        return f"*{format_constant(c)}"

    def flow_role(self, folded=None):            # '*2': the other input is a constant
        return self.flow if folded is None else f"scales by {format_constant(folded)}"


class Divide(Gate):
    op_name, symbol, arity, flow = "div", "/", 2, "div scales"
    infix, precedence, associative = "/", 2, False
    elementwise = True
    js_forward, js_local = "a / b", ("1 / b", "-a / (b * b)")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def local_gradients(self):
        return 1.0 / self.b, -self.a / (self.b * self.b)

    def local_formula(self, i, inputs, out, number, texts):
        a, b = inputs
        return f"1/{number(b)}" if i == 0 else f"-{bracketed(number(a))}/{bracketed(number(b))}^2"

    def slips(self):
        return [(1, -self.a / self.b, "d(a/b)/db = -a/b²: keep the square"),
                (1, self.a / (self.b * self.b), "d(a/b)/db = -a/b²: keep the minus sign")]

    def fold(self, c, on_left):                  # 1 / x: '1/x'; x / 2: '/2'
        return f"{format_constant(c)}/x" if on_left else f"/{format_constant(c)}"


class Max(Gate):
    op_name, symbol, arity, flow = "max", "max", 2, "max routes"
    function = True
    elementwise = True
    js_forward = "a >= b ? a : b"                      # a tie goes to the first input
    js_local = ("a >= b ? 1 : 0", "a >= b ? 0 : 1")

    def forward(self, a, b):
        self.a_wins = np.greater_equal(a, b)   # a tie goes to the first input
        return np.maximum(a, b)

    def kinks(self, a, b, near=1e-4):
        return int(np.count_nonzero(np.abs(np.subtract(a, b)) < near))   # a tie

    def local_gradients(self):
        return 1.0 * self.a_wins, 1.0 - self.a_wins

    def local_words(self, i, inputs):
        return "wins the max" if self.local_gradients()[i] else "loses the max"

    def slips(self):
        check = "max routes all of the gradient to the input that won, none to the other"
        return [(0, 1.0 - self.a_wins, check), (1, 1.0 * self.a_wins, check)]


class MatMul(Gate):
    """Matrix product of 1-D or 2-D arrays. Not elementwise: its local gradient is a
    Jacobian nobody forms, so backward is written directly (lesson 04)."""
    op_name, symbol, arity, flow = "matmul", "@", 2, "matmul: dA = up @ B.T, dB = A.T @ up"
    infix, precedence = " @ ", 2
    js_forward = js_local = None         # arrays: the kernel runs it

    def forward(self, a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.ndim not in (1, 2) or b.ndim not in (1, 2):
            raise ValueError(f"@ needs 1-D or 2-D arrays, got shapes {a.shape} and {b.shape}")
        if a.shape[-1] != b.shape[0]:
            raise ValueError(f"@ cannot multiply shapes {a.shape} and {b.shape}: "
                             f"{a.shape[-1]} columns against {b.shape[0]} rows")
        self.a, self.b = a, b
        return a @ b

    def backward(self, upstream, wanted=(True, True)):
        """dA = up @ B.T and dB = A.T @ up. ``wanted`` says which of the two to compute:
        the engine leaves out one that leads to no input it was asked about (training
        wants dW, not dX) and gets None for it."""
        want_a, want_b = wanted
        if self.a.ndim == 2 and self.b.ndim == 2:
            return (upstream @ self.b.T if want_a else None,
                    self.a.T @ upstream if want_b else None)
        # Treat a vector on the left as a row and on the right as a column, so that
        # the two matrix rules cover every case.
        a = self.a.reshape(1, -1) if self.a.ndim == 1 else self.a
        b = self.b.reshape(-1, 1) if self.b.ndim == 1 else self.b
        up = np.reshape(upstream, (a.shape[0], b.shape[1]))
        return ((up @ b.T).reshape(self.a.shape) if want_a else None,
                (a.T @ up).reshape(self.b.shape) if want_b else None)

    def backward_rule(self, i, texts, upstream):
        a, b = (text if text is not None and len(text) < 8 else "AB"[k]   # short names only
                for k, text in enumerate(texts))
        return f"upstream @ {b}.T" if i == 0 else f"{a}.T @ upstream"


# ---- unary gates ----------------------------------------------------------------

class Negate(Gate):
    op_name, symbol, arity, flow = "neg", "*-1", 1, "neg flips the sign"
    precedence, reads_as_number = 3, True
    elementwise = True
    js_forward, js_local = "-a", ("-1",)

    def forward(self, a):
        return -a

    def local_gradients(self):
        return (-1.0,)

    def formula(self, inputs):
        return "-" + inputs[0].within(self.precedence + 1)


class Power(Gate):
    """a ** p for a constant exponent p."""
    op_name, arity, flow = "pow", 1, "pow scales"
    precedence = 4
    elementwise = True
    js_forward = "a ** exponent"
    js_local = ("exponent === 0 ? 0 * a : exponent * a ** (exponent - 1)",)   # x**0: 0

    def __init__(self, exponent):
        self.exponent = gate_constant(exponent, "the exponent of x ** p")

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
        if p == 2:
            return (2.0 * self.a,)                       # x**2: 2x, without a power
        return (p * self.a ** (p - 1.0) if p != 0 else 0.0 * self.a,)   # x**0: 0, not 0 * inf

    def local_formula(self, i, inputs, out, number, texts):
        p = self.exponent
        power = "" if p == 2 else f"^{number(p - 1)}"          # 2*x, or 3*x^2
        return f"{number(p)}*{bracketed(number(inputs[0]))}{power}"

    def formula(self, inputs):
        return inputs[0].within(self.precedence + 1) + "**" + format_constant(self.exponent)

    def __repr__(self):
        return f"Power({format_constant(self.exponent)})"

    def slips(self):
        p = self.exponent
        return [(0, self.a ** (p - 1.0), "d(x^p)/dx = p x^(p-1): bring the exponent down"),
                (0, p * self.a ** p, "d(x^p)/dx = p x^(p-1): lower the power by one")]


class Exp(Gate):
    op_name, symbol, arity, flow = "exp", "exp", 1, "exp scales by its output"
    function = True
    elementwise = True
    js_forward, js_local = "Math.exp(a)", ("out",)

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def local_gradients(self):
        return (self.out,)

    def local_formula(self, i, inputs, out, number, texts):
        return f"e^{number(inputs[0])}"


class Log(Gate):
    op_name, symbol, arity, flow = "log", "log", 1, "log scales by 1/input"
    function = True
    elementwise = True
    js_forward, js_local = "Math.log(a)", ("1 / a",)

    def forward(self, a):
        self.a = a
        return np.log(a)

    def local_gradients(self):
        return (1.0 / self.a,)

    def local_formula(self, i, inputs, out, number, texts):
        return f"1/{number(inputs[0])}"

    def slips(self):
        return [(0, self.a, "d(log x)/dx = 1/x")]


class Sigmoid(Gate):
    """sigma(a) = 1 / (1 + e^-a), computed without overflow for any a.

    e^-|a| is at most 1, so neither branch can overflow; at a = +-800 it underflows
    to 0 and sigma is exactly 1 or 0. Local gradient: (1 - s) s.
    """
    op_name, symbol, arity, flow = "sigmoid", "\u03c3", 1, "sigmoid scales by (1-s)s"
    function = True
    elementwise = True
    js_forward = "a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))"  # e^-|a|
    js_local = ("(1 - out) * out",)

    def forward(self, a):
        z = np.exp(-np.abs(a))
        self.out = np.where(np.greater_equal(a, 0), 1.0 / (1.0 + z), z / (1.0 + z))
        if self.out.ndim == 0:
            self.out = self.out[()]          # a scalar stays a scalar
        return self.out

    def local_gradients(self):
        s = self.out
        return ((1.0 - s) * s,)

    def local_formula(self, i, inputs, out, number, texts):
        return f"(1-{number(out)})*{number(out)}"

    def slips(self):
        s = self.out
        check = "the σ gate's local gradient (1 - σ)σ has two factors"
        return [(0, 1.0 - s, check), (0, s, check)]


class Tanh(Gate):
    op_name, symbol, arity, flow = "tanh", "tanh", 1, "tanh scales by 1-t^2"
    function = True
    elementwise = True
    js_forward, js_local = "Math.tanh(a)", ("1 - out * out",)

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def local_gradients(self):
        return (1.0 - self.out * self.out,)

    def local_formula(self, i, inputs, out, number, texts):
        return f"1-{bracketed(number(out))}^2"

    def slips(self):
        return [(0, 1.0 - self.out, "tanh's local gradient is 1 - t², with t squared")]


class ReLU(Gate):
    op_name, symbol, arity, flow = "relu", "relu", 1, "relu routes: passes or blocks"
    function = True
    elementwise = True
    js_forward, js_local = "Math.max(a, 0)", ("a > 0 ? 1 : 0",)     # at 0: gradient 0

    def forward(self, a):
        self.passes = np.greater(a, 0.0)
        return np.maximum(a, 0.0)

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near))

    def local_gradients(self):
        return (1.0 * self.passes,)

    def backward(self, upstream):                # the same as local x upstream, in one step
        return (upstream * self.passes,)

    def local_words(self, i, inputs):
        return sign_words(inputs[0])


class LeakyReLU(Gate):
    """max(alpha a, a): like ReLU, but a small slope alpha below zero keeps gradients alive."""
    op_name, arity, flow = "leaky_relu", 1, "leaky relu: 1 or alpha"
    function = True
    elementwise = True
    symbol = "leaky"
    js_forward, js_local = "a > 0 ? a : alpha * a", ("a > 0 ? 1 : alpha",)

    def __init__(self, alpha=0.01):
        self.alpha = gate_constant(alpha, f"{type(self).__name__}'s alpha")

    def params(self):
        return (self.alpha,)

    def forward(self, a):
        self.passes = np.greater(a, 0)
        return np.where(self.passes, a, self.alpha * a)[()]

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near)) if self.alpha != 1 else 0

    def local_gradients(self):
        return (np.where(self.passes, 1.0, self.alpha)[()],)

    def local_words(self, i, inputs):
        return sign_words(inputs[0])

    def __repr__(self):
        return f"LeakyReLU({format_constant(self.alpha)})"


class ELU(Gate):
    """a for a > 0, alpha (e^a - 1) below: smooth, with negative outputs."""
    op_name, arity, flow = "elu", 1, "elu: 1 or alpha e^a"
    function = True
    elementwise = True
    symbol = "elu"
    js_forward = "a > 0 ? a : alpha * Math.expm1(a)"     # e^a only for a <= 0: no overflow
    js_local = ("a > 0 ? 1 : alpha * Math.expm1(a) + alpha",)

    def __init__(self, alpha=1.0):
        self.alpha = gate_constant(alpha, f"{type(self).__name__}'s alpha")

    def params(self):
        return (self.alpha,)

    def forward(self, a):
        self.passes = np.greater(a, 0)
        self.below = self.alpha * np.expm1(np.minimum(a, 0.0))   # never overflows
        return np.where(self.passes, a, self.below)[()]

    def local_gradients(self):
        return (np.where(self.passes, 1.0, self.below + self.alpha)[()],)

    def local_words(self, i, inputs):            # above 0: 1, said in words
        return "input > 0" if inputs[0] > 0 else None

    def local_formula(self, i, inputs, out, number, texts):     # below: alpha e^a
        return f"{number(self.alpha)}*e^{number(inputs[0])}"

    def kinks(self, a, near=1e-4):
        return int(np.count_nonzero(np.abs(a) < near)) if self.alpha != 1 else 0

    def __repr__(self):
        return f"ELU({format_constant(self.alpha)})"


class Sum(Gate):
    """Sum of all entries. Backward copies the upstream gradient to every entry."""
    op_name, symbol, arity, flow = "sum", "\u03a3", 1, "sum distributes to every entry"
    function = True
    js_forward = js_local = None         # arrays: the kernel runs it

    def forward(self, a):
        self.shape = np.shape(a)
        return np.sum(a)

    def backward(self, upstream):
        if self.shape == ():
            return (upstream,)
        grad = np.empty(self.shape)
        grad.fill(upstream)
        return (grad,)

    def backward_rule(self, i, texts, upstream):
        return f"upstream {upstream} copied to every entry"


OPS = {gate.op_name: gate for gate in (
    Add, Subtract, Multiply, Divide, Max, MatMul,
    Negate, Power, Exp, Log, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Sum)}
"""The op table: name -> gate class. Everything that needs to know the ops reads it."""


def register(gate):
    """Add an op to the table: a Gate subclass with ``op_name``, ``symbol``, ``arity`` and
    ``flow``, and ``function = True`` if formulas write it as a call. From then on the
    parser reads it (``softplus(x)``), and pictures, captions and flow roles ask it; with
    ``js_forward`` and ``js_local`` the browser runs it too.
    Returns the class, so ``@register`` can decorate it.

    >>> @register
    ... class Softplus(Gate):
    ...     op_name, symbol, arity, flow = "softplus", "softplus", 1, "softplus scales by σ"
    ...     function, elementwise = True, True
    ...     def forward(self, a): ...
    """
    if not (isinstance(gate, type) and issubclass(gate, Gate)):
        raise TypeError(f"register needs a Gate subclass, got {gate!r}")
    name = getattr(gate, "op_name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"{gate.__name__} needs an op_name, a name like 'softplus'")
    if name in OPS:
        raise ValueError(f"the op table already has an op named {name!r} ({OPS[name].__name__})")
    if gate.function and not isinstance(gate.arity, int):
        raise ValueError(f"{gate.__name__} is written as a call, {name}(...): give it an arity")
    OPS[name] = gate
    return gate


def functions():
    """The ops written as function calls, ``exp(x)``, ``max(a, b)``, read from the table
    now: an op added with ``register`` is one too."""
    return tuple(name for name, gate in OPS.items() if gate.function)


def is_function(name):
    """Is ``name`` an op written as a call, like exp in exp(x)?"""
    gate = OPS.get(name)
    return gate is not None and gate.function


FUNCTIONS = functions()
"""The kit's own ops written as calls; each is also a Python function, ``bp.exp(x)``."""


def format_constant(c):
    """A constant as a short label: 2.0 -> '2', 0.5 -> '0.5'."""
    return f"{float(c):g}"
