"""Gradient checks: compare backprop's gradients with numerical ones.

The numerical gradient nudges one input entry by +-h and watches the output move
(centered differences, as in CS231n's ``gradient_check.py``)::

    df/dx ~ (f(x + h) - f(x - h)) / 2h

``gradcheck`` runs both and gives a verdict a student can act on.
"""

from dataclasses import dataclass, field

import numpy as np

from .graph import Graph, Node, input_names, kits_own
from .ops import Gate

STEP = 1e-5          # h: small enough for accuracy, big enough for float64 round-off
TOLERANCE = 1e-6     # a gradient passes if its relative error is below this
# Relative error is CS231n's |a - n| / max(|a| + |n|, floor), with a floor that size cannot
# hide behind: a gate wrong by 2x is 33% wrong whether its gradients are 1 or 1e-9. Only the
# numerical gradient's own error needs room: centered differences are off by about h^2 (x**3
# at 0 gives 1e-10 where the truth is 0) plus round-off. So where an entry looks wrong, the
# check measures that error bar (the same difference with 2h, and the size of f) and lets the
# floor be the error bar over the tolerance: a gap inside the error bar is no evidence.
TINY = np.finfo(float).tiny
ROUND_OFF = 10 * np.finfo(float).eps      # relative round-off allowed in each f(x +- h)


def rel_error(analytic, numerical, floor=TINY):
    """|a - n| / max(|a| + |n|, floor), entry by entry (CS231n's relative error)."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numerical, dtype=float)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


def numerical_gradient(f, x, h=STEP):
    """d f / d x by centered differences; ``f`` takes an array shaped like ``x``."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        up = f(x)
        x[index] = saved - h
        down = f(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def error_bar(f, x, index, h, estimate):
    """How far the centered difference at ``index`` may be from the truth: the change
    when h doubles (truncation error grows as h^2, so this bounds it) plus round-off."""
    x = np.array(x, dtype=float)
    saved = x[index]
    x[index] = saved + 2 * h
    up = f(x)
    x[index] = saved - 2 * h
    down = f(x)
    wide = (up - down) / (4 * h)
    return abs(wide - estimate) + ROUND_OFF * max(abs(up), abs(down)) / h


@dataclass
class GradCheck:
    """The result of a gradient check: ``.ok``, ``.max_rel_error`` and a ``.verdict``."""
    ok: bool
    max_rel_error: float
    analytic: dict = field(repr=False)
    numerical: dict = field(repr=False)
    errors: dict = field(repr=False)
    tolerance: float = TOLERANCE
    subject: str = ""       # what was checked, e.g. "MyMultiply gate" (named in the verdict)
    kinks: list = field(default_factory=list, repr=False)   # notes on gates at a kink
    failure: str = field(default="", repr=False)   # why a learner's gate could not be run
    ignores_upstream: bool = field(default=False, repr=False)   # backward not linear in it

    def __repr__(self):
        return f"GradCheck(ok={self.ok}, max_rel_error={self.max_rel_error:.1e})"

    def __str__(self):
        return self.verdict

    def _repr_markdown_(self):
        return self.verdict.replace("\n", "  \n")

    @property
    def verdict(self):
        """One line if it passes; which input and entries are wrong if it does not."""
        who = f"{self.subject}: " if self.subject else ""
        if self.ok:
            names = ", ".join(self.analytic)
            these = "the gradient of" if len(self.analytic) == 1 else "the gradients of"
            return (f"PASS: {who}{these} {names} match{'es' if len(self.analytic) == 1 else ''} "
                    "the numerical gradient "
                    f"(max relative error {self.max_rel_error:.1e} < {self.tolerance:.0e})")
        if self.failure:
            return (f"FAIL: {who or 'the graph: '}it could not be run, so nothing was compared.\n"
                    f"  {self.failure}\n  hint: {_failure_hint(self.failure)}")
        lines = [f"FAIL: {who}max relative error {self.max_rel_error:.1e} "
                 f"(tolerance {self.tolerance:.0e}); analytic = backprop, "
                 "numerical = centered differences"]
        for name, err in self.errors.items():
            bad = np.argwhere(np.atleast_1d(err) > self.tolerance)
            if len(bad) == 0:
                lines.append(f"  {name}: ok")
                continue
            a = np.atleast_1d(self.analytic[name])
            n = np.atleast_1d(self.numerical[name])
            e = np.atleast_1d(err)
            scalar = np.ndim(self.analytic[name]) == 0
            lines.append(f"  {name}: {len(bad)} of {e.size} entr{'y' if e.size == 1 else 'ies'} wrong")
            for index in bad[:5]:
                i = tuple(index)
                where = name if scalar else f"{name}[{', '.join(map(str, i))}]"
                lines.append(f"    {where}: analytic {a[i]:.6g}, numerical {n[i]:.6g}, "
                             f"relative error {e[i]:.1e}")
            if len(bad) > 5:
                lines.append(f"    ... and {len(bad) - 5} more")
        if self.ignores_upstream and self.max_rel_error < self.tolerance:
            return (f"FAIL: {who}backward ignores its upstream gradient: its numbers match "
                    "at upstream 1, but with the upstream gradient doubled, backprop's "
                    "gradients did not double.\n  hint: backward must multiply each local "
                    "gradient by upstream (downstream = local gradient × upstream)")
        if self.ignores_upstream:
            lines.append("  hint: with the upstream gradient doubled, backprop's gradients did "
                         "not double: backward must multiply each local gradient by upstream")
        lines.extend(self._swap_hints() or self._factor_hints())
        lines.extend(f"  note: {kink}" for kink in self.kinks)
        return "\n".join(lines)

    def _factor_hints(self):
        """A rule off by a constant factor (x**2 without its 2): every wrong entry of an input
        has the same ratio backprop / numerical."""
        hints = []
        for name, err in self.errors.items():
            bad = np.atleast_1d(err) > self.tolerance
            a = np.atleast_1d(self.analytic[name])[bad]
            n = np.atleast_1d(self.numerical[name])[bad]
            if len(a) == 0 or np.any(n == 0) or np.any(a == 0):
                continue
            ratio = a / n
            # one wrong entry always has "one" ratio: then only a telling one (2, 1/3, ...)
            telling = len(ratio) > 1 or any(abs(abs(ratio[0]) - k) < 1e-6 * k
                                            for k in (2, 3, 4, 1 / 2, 1 / 3, 1 / 4))
            if telling and np.allclose(ratio, ratio[0], rtol=1e-4) and abs(ratio[0] - 1) > 1e-3:
                hints.append(f"  hint: backprop's {name} is {ratio[0]:.3g} times the numerical "
                             "one in every wrong entry: a constant factor is off")
        return hints

    def _swap_hints(self):
        """The classic mistake in a multiply gate: each input gets the other's gradient."""
        wrong = [name for name, err in self.errors.items() if np.max(err) > self.tolerance]
        hints = []
        for i, a in enumerate(wrong):
            for b in wrong[i + 1:]:
                if (np.shape(self.analytic[a]) == np.shape(self.numerical[b])
                        and np.shape(self.analytic[b]) == np.shape(self.numerical[a])
                        and np.max(rel_error(self.analytic[a], self.numerical[b])) < self.tolerance
                        and np.max(rel_error(self.analytic[b], self.numerical[a])) < self.tolerance):
                    hints.append(f"  hint: the gradients of {a} and {b} look swapped "
                                 f"(backprop's {a} matches the numerical {b}, and back)")
        return hints


def gradcheck(target, *args, tolerance=TOLERANCE, h=STEP, seed=0, **inputs):
    """Check backprop against numerical gradients, for a graph or a single gate.

    >>> g = parse("(x + y) * z")
    >>> gradcheck(g, x=-2, y=5, z=-4).ok
    True

    ``gradcheck(gate, a, b)`` checks one gate (a learner's ``Gate`` subclass): it
    feeds the inputs, sends a random upstream gradient back, and compares.
    An array output is checked through a seeded random projection sum(u * out).
    """
    if isinstance(target, type) and issubclass(target, Gate):
        raise TypeError(f"gradcheck needs a gate instance: write {target.__name__}(), "
                        "not the class")
    if isinstance(target, Gate):
        if inputs:
            raise TypeError("give a gate's inputs by position: gradcheck(gate, a, b)")
        graph, inputs = _graph_of_gate(target, args)
        subject = f"{type(target).__name__} gate"
    elif isinstance(target, Graph):
        if args:
            raise TypeError("give a graph's inputs by name: gradcheck(g, x=1.0, y=2.0)")
        graph, subject = target, ""
    else:
        raise TypeError(f"gradcheck checks a Graph or a Gate, got {type(target).__name__}")

    if inputs.keys() != graph.inputs.keys():
        graph.check_input_names(inputs)     # the caller's slip, not the gate's: raise
    try:
        out = graph.forward(**inputs)
        upstream = None
        if np.ndim(out) != 0:
            upstream = np.random.default_rng(seed).standard_normal(np.shape(out))
        analytic = graph.backward(upstream)
    except Exception as error:
        if not _learners_gates(graph):
            raise
        return GradCheck(False, float("inf"), {}, {}, {}, tolerance, subject,
                         failure=f"{error}")     # the learner's own gate did not run

    def f(values):
        value = graph.forward(**values)
        return float(value) if upstream is None else float(np.sum(upstream * value))

    numerical, errors = {}, {}
    for name in graph.inputs:
        values = dict(inputs)

        def f_of(x, name=name, values=values):
            values[name] = x
            return f(values)

        numerical[name] = numerical_gradient(f_of, inputs[name], h)
        errors[name] = _errors(f_of, inputs[name], analytic[name], numerical[name], h,
                               tolerance)
        if np.ndim(analytic[name]) == 0:
            numerical[name], errors[name] = float(numerical[name]), float(errors[name])
    graph.forward(**inputs)          # leave the graph at the checked point
    doubled = graph.backward(2.0 * (1.0 if upstream is None else upstream))
    ignores_upstream = not all(np.allclose(doubled[name], 2.0 * np.asarray(analytic[name]),
                                           rtol=1e-9, atol=0.0) for name in analytic)
    graph.backward(upstream)
    worst = max((float(np.max(e)) for e in errors.values()), default=0.0)
    return GradCheck(worst < tolerance and not ignores_upstream, worst, analytic, numerical,
                     errors, tolerance, subject, _kinks(graph),
                     ignores_upstream=ignores_upstream)


def _errors(f, x, analytic, numerical, h, tolerance):
    """Relative errors; an entry that looks wrong gets the floor of its error bar."""
    errors = np.atleast_1d(rel_error(analytic, numerical)).astype(float)
    a, n = np.atleast_1d(analytic), np.atleast_1d(numerical)
    for index in np.argwhere(errors > tolerance):
        i = tuple(index)
        where = i if np.ndim(x) else ()
        bar = error_bar(f, x, where, h, n[i])
        errors[i] = rel_error(a[i], n[i], floor=2 * bar / tolerance)
    return errors.reshape(np.shape(analytic))


def _failure_hint(message):
    """What to do next when a learner's gate fails to run (the message says where)."""
    if "forward returned None" in message:
        return "forward must end with return: the gate's output."
    if "backward must return" in message:
        return ("backward must return one gradient per input, in the order of forward's "
                "parameters, as a tuple.")
    if "read-only" in message:
        return ("a gate leaves the arrays it is given as they are: it computes new ones, "
                "or changes a copy.")
    if "True/False is a mask" in message:
        return "backward returns local gradient × upstream, for every input."
    if "as the gradient for input" in message:
        return "backward returns a number or a numpy array for every input, none left out."
    if "a gradient has the shape" in message:
        return "each gradient has the shape of the input it belongs to."
    return "read the error above: it names the gate, the pass (forward or backward) and the cause."


def _learners_gates(graph):
    """The gates in ``graph`` that a learner wrote (not from the kit's own modules)."""
    return [node.gate for node in graph.gates() if not kits_own(node.gate)]


def _kinks(graph):
    """Where a gate sits on a kink (relu at 0, a max tie), the derivative does not exist
    and the two gradients may disagree without a bug: say so in the verdict."""
    notes = []
    for node in graph.gates():
        count = node.gate.kinks(*[p.value for p in node.inputs])
        if count:
            notes.append(f"{graph.describe(node)} has {count} input entr"
                         f"{'y' if count == 1 else 'ies'} at (or within 1e-4 of) its kink, "
                         "where it has no derivative and the numerical gradient averages "
                         "both sides; check at a point away from the kink")
    return notes


def _graph_of_gate(gate, args):
    """A one-gate graph whose inputs are named after the gate's forward parameters."""
    names = input_names(gate, len(args))
    nodes = [Node(name=name) for name in names]
    return Graph(Node(gate, nodes), expression=f"{gate.name}({', '.join(names)})"), \
        dict(zip(names, args))

