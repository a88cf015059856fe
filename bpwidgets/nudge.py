"""The gradient as sensitivity: nudge one input by h and watch the output move.

Before any chain rule, a gradient says how much the output moves when an input does:

    f(x + h) - f(x)  ~  df/dx * h        (for small h)

``nudge`` measures both sides, so a learner sees them agree for a small h, and part for a
large h on a curve, or when the nudge crosses a kink (relu at 0, a max tie)::

    >>> nudge(parse("(x + y) * z"), "x", 0.1, x=-2, y=5, z=-4)
    nudge x by h = 0.1: f moves from -12 to -12.4, by -0.4; df/dx × h = -4 × 0.1 = -0.4 (they agree)

Core module: numpy only.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from .parse import as_graph, refuse_own_words

AGREE = 1e-9        # relative gap below which the two sides count as equal (round-off)
ROUND_OFF = 1e-8    # an h below this fraction of x moves f by few of a float's 16 digits


@dataclass(frozen=True)
class Nudge:
    """One nudge: the output before and after, and the input's gradient at the start."""
    name: str           # 'x', or 'W[0,1]' for an entry of an array input
    h: float
    before: float
    after: float
    grad: float         # df/dx at the starting point (by backprop)
    x: float = None     # the input's value at the start (None: not known)

    @property
    def change(self):
        """Δf = f(x + h) - f(x): what really happened."""
        return self.after - self.before

    @property
    def predicted(self):
        """df/dx × h: what the gradient predicts."""
        return self.grad * self.h

    @property
    def gap(self):
        """How far the prediction is off: Δf - df/dx × h."""
        return self.change - self.predicted

    @property
    def relative_gap(self):
        """|gap| as a fraction of the size of the change (0 when they agree)."""
        scale = max(abs(self.change), abs(self.predicted))
        return 0.0 if scale == 0 else abs(self.gap) / scale

    def __repr__(self):
        n = _number
        text = (f"nudge {self.name} by h = {n(self.h)}: f moves from {n(self.before)} to "
                f"{n(self.after)}, by {n(self.change)}; df/d{self.name} × h = {n(self.grad)} × "
                f"{n(self.h)} = {n(self.predicted)}")
        if self.relative_gap <= AGREE:
            return text + " (they agree)"
        percent = 100 * self.relative_gap
        percent = f"{percent:.2g}" if percent < 10 else f"{percent:.0f}"
        text += f" (off by {n(self.gap)}, {percent}% of the change)"
        scale = None if self.x is None else max(1.0, abs(self.x))
        # round-off, when h is tiny and the gap is a few float steps of f (not the bend of
        # the curve: x*x at 0 is off by all of h^2, whatever the h)
        f_steps = 8 * np.finfo(float).eps * max(abs(self.before), abs(self.after))
        if scale is not None and abs(self.h) < ROUND_OFF * scale and abs(self.gap) <= f_steps:
            text += (f"; an h this small lets round-off show in f(x + h) - f(x). "
                     f"{_good_h(scale)}")
        return text

    __str__ = __repr__


def nudge(graph, name, h, /, entry=None, **inputs):
    """Move input ``name`` (or one ``entry`` of an array input) by ``h``; compare the change
    of the output with gradient × h. With ``inputs``, start from them; otherwise from the
    graph's last forward. The graph is left at the starting point, gradients included.

    An h too small to move the input, or f, in floating point (x + h == x) is refused:
    the nudge would show round-off, a 100% gap, not the gradient. ``graph`` may be an
    expression string. (The first three are positional: an input may be named h.)"""
    graph = as_graph(graph, "nudge")
    refuse_own_words(graph, inputs, "nudge", ("entry",), "nudge this graph")
    if name not in graph.inputs:
        raise ValueError(f"nudge: {name!r} is not an input of the graph (its inputs are "
                         f"{', '.join(graph.inputs) or 'none'})")
    h = _step(h)
    if graph.forward_done and np.ndim(graph.output.value) != 0:    # before touching it
        raise ValueError(f"nudge compares one output number; this graph's output has shape "
                         f"{np.shape(graph.output.value)}")
    if inputs:
        start = dict(inputs)
    elif graph.forward_done:
        start = {n: node.value for n, node in graph.inputs.items()}
    else:
        raise RuntimeError("nudge needs the inputs (x=..., y=...) or a graph after forward()")
    before = graph.forward(**start)
    if np.ndim(before) != 0:
        raise ValueError(f"nudge compares one output number; this graph's output has shape "
                         f"{np.shape(before)}")
    value = np.array(graph.inputs[name].value, dtype=float)    # as forward read it
    index = _index(entry, name, value.shape)
    grad = np.asarray(graph.backward()[name])[index]
    moved = dict(start)
    label = name if index == () else f"{name}[{','.join(map(str, index))}]"
    x = float(value[index])
    if x + h == x:
        raise ValueError(f"nudge: h = {_number(h)} is too small to move {label} = "
                         f"{_number(x)}: in floating point {_number(x)} + h is {_number(x)} "
                         f"again (a float keeps about 16 significant digits), so f cannot "
                         f"change. {_good_h(max(1.0, abs(x)))}")
    value[index] += h
    moved[name] = value if value.ndim else float(value)
    try:
        after = graph.forward(**moved)
    except FloatingPointError as error:
        raise ValueError(f"nudge: f is not defined at {label} + h = {value[index]:g} "
                         f"(h = {h:g}): {error}. Choose a smaller h, or one that stays "
                         "inside f's domain") from None
    finally:
        graph.forward(**start)
        graph.backward()
    result = Nudge(label, h, float(before), float(after), float(grad), x)
    lost = result.predicted != 0 and result.before + result.predicted == result.before
    if result.change == 0 and lost:
        raise ValueError(f"nudge: h = {_number(h)} is too small to change f = "
                         f"{_number(result.before)}: df/d{label} × h = "
                         f"{_number(result.predicted)} is lost to round-off, as "
                         f"{_number(result.before)} + {_number(result.predicted)} is "
                         f"{_number(result.before)} again in floating point (a float keeps "
                         f"about 16 significant digits). "
                         f"{_good_h(abs(result.before) / abs(result.grad))}")
    return result


def _step(h):
    """h as a float: a real, finite, nonzero number (a string, bool or complex is refused)."""
    if not isinstance(h, numbers.Real) or isinstance(h, (bool, np.bool_)):
        raise ValueError(f"nudge: h must be a real number like 0.1, got "
                         f"{type(h).__name__} {h!r}")
    if not np.isfinite(h) or h == 0:
        raise ValueError(f"nudge: h must be a nonzero finite number, got {h!r}")
    return float(h)


def _good_h(scale):
    """Advice on h, given ``scale``: the size of the input, or |f| / |df/dx| (the h that
    would move f by its own size). From 1e-8 of it, where about half of a float's 16
    digits still show the change, to a tenth of it, where the curve is still close to
    its tangent."""
    return f"Choose |h| from about {_number(ROUND_OFF * scale)} to {_number(0.1 * scale)}"


def _index(entry, name, shape):
    """``entry`` as an index tuple into an input of ``shape``: () for a number, an int or a
    1-tuple for a vector, (row, column) for a matrix. Refuse anything else, saying which."""
    if not shape:
        if entry is None or (isinstance(entry, tuple) and entry == ()):
            return ()
        raise ValueError(f"nudge: input {name!r} is a number, not an array: leave out "
                         f"entry (got entry={entry!r})")
    example = "1" if len(shape) == 1 else f"({', '.join(['0'] * (len(shape) - 1))}, 1)"
    if entry is None:
        raise ValueError(f"nudge: input {name!r} is an array of shape {shape}: say which "
                         f"entry to nudge, e.g. entry={example}")
    index = (entry,) if len(shape) == 1 and _integer(entry) else entry
    if not (isinstance(index, tuple) and len(index) == len(shape)
            and all(_integer(i) for i in index)):
        raise ValueError(f"nudge: entry must be an index {'' if len(shape) == 1 else 'tuple '}"
                         f"like {example} for input {name!r} of shape {shape}, got {entry!r}")
    if not all(-n <= i < n for i, n in zip(index, shape)):
        raise ValueError(f"nudge: entry {entry!r} is not an entry of {name!r}, whose shape is "
                         f"{shape}")
    return tuple(int(i) for i in index)


def _integer(i):
    """Is ``i`` a whole-number index (an int or numpy integer, not a bool)?"""
    return isinstance(i, numbers.Integral) and not isinstance(i, (bool, np.bool_))


def _number(x):
    """Up to 6 significant digits, no trailing zeros: -12.4, 0.0025, 1e-06."""
    text = f"{x:.6g}"
    return "0" if text in ("-0", "0") else text
