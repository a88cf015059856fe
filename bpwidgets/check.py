"""Gradient checks: compare backprop's gradients with numerical ones.

The numerical gradient nudges one input entry by +-h and watches the output move
(centered differences, as in CS231n's ``gradient_check.py``)::

    df/dx ~ (f(x + h) - f(x - h)) / 2h

``gradcheck`` runs both and gives a verdict a student can act on. Where a numerical
gradient means nothing it says so: a forward that gives a new output each run (dropout
drawing a new mask), or an entry on a kink, where the two sides have different slopes.
"""

import copy
import inspect
import numbers
from dataclasses import dataclass, field

import numpy as np

from .datasets import check_seed
from .graph import Graph, Node, input_names, kits_own, to_value
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
LISTED = 20          # a verdict names up to this many inputs one by one, and sums up the rest

BUDGET = 100
"""The most input entries one ``gradcheck`` nudges. Each costs two forward passes (four if
it looks wrong), so a graph of a thousand gates, 10 ms a pass, is checked in a few seconds,
where all 78,400 entries of a 784 x 100 weight matrix would take minutes. Above the budget,
as in CS231n's ``grad_check_sparse``, a random sample of entries is checked (seeded by
``seed``), the budget shared between the inputs so that each one gets its turn."""

RUNS = 8
"""How many times gradcheck runs forward on the same inputs (once more after the numerical
gradient): a forward that draws something new each run (a dropout mask) makes every
numerical gradient a guess. A coin-flip mask on one number slips past all of these runs
once in 2^RUNS = 256 checks; a mask on a few numbers, practically never."""


def rel_error(analytic, numerical, floor=TINY):
    """|a - n| / max(|a| + |n|, floor), entry by entry (CS231n's relative error)."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numerical, dtype=float)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


def numerical_gradient(f, x, h=STEP):
    """d f / d x by centered differences; ``f`` takes an array shaped like ``x``."""
    h = _positive(h, "h", "1e-5")
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        grad[index] = (_moved(f, x, index, h) - _moved(f, x, index, -h)) / (2 * h)
    return grad


def _moved(f, x, index, step):
    """f with entry ``index`` of ``x`` moved by ``step``, and put back after."""
    saved = x[index]
    x[index] = saved + step
    try:
        return f(x)
    finally:
        x[index] = saved


@dataclass
class GradCheck:
    """The result of a gradient check: ``.ok``, ``.max_rel_error`` and a ``.verdict``.

    ``numerical`` and ``errors`` hold NaN at the entries that were not checked (an input
    too big to check in full, see ``BUDGET``)."""
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
    ignoring: list = field(default_factory=list, repr=False)   # ... at these gates of a graph
    varies: str = field(default="", repr=False)    # forward gave two outputs for one input
    checked: dict = field(default_factory=dict, repr=False)   # name: (entries checked, all)
    seed: int = field(default=0, repr=False)       # chose the entries checked, if not all
    on_kink: dict = field(default_factory=dict, repr=False)
    summed: list = field(default_factory=list, repr=False)   # notes: see _summed_notes
    narrow: list = field(default_factory=list, repr=False)   # notes: see _narrow_notes
    round_off: bool = field(default=False, repr=False)   # float32 round-off explains it all
    # name: {entry: (slope on the left, slope on the right, backprop's value between them)}

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
        if self.varies:
            return (f"FAIL: {who or 'the graph: '}forward is not deterministic: run twice on "
                    f"the same inputs, it gave different outputs ({self.varies}), so a "
                    "numerical gradient means nothing.\n  hint: make forward give the same "
                    "output for the same inputs (draw the random part, a mask or noise, once "
                    "outside forward, or seed it), then check.")
        if self.failure:
            return (f"FAIL: {who or 'the graph: '}it could not be run, so nothing was compared.\n"
                    f"  {self.failure}\n  hint: {_failure_hint(self.failure)}")
        sampled = self._sample_note()
        if self.ok:
            names = list(self.analytic)
            shown = ", ".join(names[:LISTED]) + (f", ... ({len(names):,} inputs)"
                                                  if len(names) > LISTED else "")
            these = "the gradient of" if len(names) == 1 else "the gradients of"
            return (f"PASS: {who}{these} {shown} match{'es' if len(names) == 1 else ''} "
                    "the numerical gradient "
                    f"(max relative error {self.max_rel_error:.1e} < {self.tolerance:.0e})"
                    + "".join(f"\n  note: {note}" for note in self.summed)
                    + (f"\n  note: {sampled}" if sampled else ""))
        if self.ignores_upstream and self.max_rel_error < self.tolerance:
            return (f"FAIL: {who}backward ignores its upstream gradient{self._at_gates()}: "
                    "its numbers match at upstream 1, but with the upstream gradient doubled, "
                    "backprop's gradients did not double.\n  hint: backward must multiply each "
                    "local gradient by upstream (downstream = local gradient × upstream)")
        error = (f"max relative error {self.max_rel_error:.1e} (tolerance "
                 f"{self.tolerance:.0e}); analytic = backprop, numerical = centered differences")
        if not self.ignores_upstream and self._only_kinks_differ():
            lines = [f"NO VERDICT: {who}every mismatch sits on a kink, where this check "
                     f"cannot tell right from wrong: {error}"]
        else:
            lines = [f"FAIL: {who}{error}"]
        lines.extend(f"  note: {note}" for note in self.narrow)
        if len(self.errors) <= LISTED:
            for name in self.errors:
                lines.extend(self._input_lines(name))
        else:
            lines.extend(self._many_inputs_lines())
        if self.ignores_upstream:
            lines.append(f"  hint: with the upstream gradient doubled, backprop's gradients did "
                         f"not double{self._at_gates()}: backward must multiply each local "
                         f"gradient by upstream")
        if not self.round_off:          # float32 round-off looks like a wrong factor
            lines.extend((self._swap_hints() or self._factor_hints())[:3])
        lines.extend(f"  note: {kink}" for kink in self.kinks)
        if not self.kinks:
            lines.extend(self._kink_note())
        lines.extend(f"  note: {note}" for note in self.summed)
        if sampled:
            lines.append(f"  note: {sampled}")
        return "\n".join(lines)

    def _many_inputs_lines(self):
        """With many inputs (a big graph of scalars): the first few wrong ones, then counts."""
        wrong = [name for name, err in self.errors.items() if _largest(err) > self.tolerance]
        lines = [line for name in wrong[:5] for line in self._input_lines(name)]
        if len(wrong) > 5:
            lines.append(f"  ... and {len(wrong) - 5:,} more inputs with wrong entries")
        return lines + [f"  the other {len(self.errors) - len(wrong):,} inputs: ok"]

    def _input_lines(self, name):
        """'  x: ok', or how many of x's entries are wrong and the first few of them."""
        e = np.atleast_1d(self.errors[name])
        bad = np.argwhere(e > self.tolerance)
        if len(bad) == 0:
            return [f"  {name}: ok"]
        a = np.atleast_1d(self.analytic[name])
        n = np.atleast_1d(self.numerical[name])
        scalar = np.ndim(self.analytic[name]) == 0
        count, size = self.checked.get(name, (e.size, e.size))
        of = f"{count:,} checked" if count < size else f"{e.size}"
        lines = [f"  {name}: {len(bad)} of {of} entr{'y' if count == 1 else 'ies'} wrong"]
        for index in bad[:5]:
            i = tuple(index)
            where = name if scalar else f"{name}[{', '.join(map(str, i))}]"
            line = (f"    {where}: analytic {a[i]:.6g}, numerical {n[i]:.6g}, "
                    f"relative error {e[i]:.1e}")
            kink = self.on_kink.get(name, {}).get(() if scalar else i)
            if kink:
                slopes = f"slope {kink[0]:.6g} on the left, {kink[1]:.6g} on the right"
                line += f" ({'on a kink' if kink[2] else 'the two sides differ'}: {slopes})"
            lines.append(line)
        if len(bad) > 5:
            lines.append(f"    ... and {len(bad) - 5} more")
        return lines

    def _at_gates(self):
        """' (at node n3 (SigmoidGate))': where in a graph backward ignored upstream."""
        return f" (at {' and '.join(self.ignoring)})" if self.ignoring else ""

    def _only_kinks_differ(self):
        """Is every wrong entry on a kink, with backprop's value between the slopes on the
        two sides? Then the check cannot tell right from wrong at this point (a correct
        relu at 0 looks wrong), and the verdict says so instead of FAIL."""
        for name, err in self.errors.items():
            kinks = self.on_kink.get(name, {})
            scalar = np.ndim(err) == 0
            for index in np.argwhere(np.atleast_1d(err) > self.tolerance):
                kink = kinks.get(() if scalar else tuple(index))
                if not (kink and kink[2]):
                    return False
        return True

    def _kink_note(self):
        """Why a mismatch on a kink is no evidence of a bug (for gates the kit cannot ask)."""
        where = [name if entry == () else f"{name}[{', '.join(map(str, entry))}]"
                 for name, entries in self.on_kink.items()
                 for entry, (_, _, between) in entries.items() if between]
        if not where:
            return []
        what = ", ".join(where) if len(where) <= 3 else f"{len(where)} entries"
        return [f"  note: {what} {'sits' if len(where) == 1 else 'sit'} on a kink, where the "
                "slopes on the two sides differ and the numerical gradient averages them: "
                "backprop's value lies between them, so this mismatch is no evidence of a "
                "bug; check at a point away from the kink"]

    def _sample_note(self):
        """'checked 48 of 78,400 entries of W1, ..., chosen at random (seed 0)', or ''."""
        partial = [(name, k, n) for name, (k, n) in self.checked.items() if k < n]
        if not partial:
            return ""
        if len(partial) <= 4:
            which = ", ".join(f"{k:,} of {n:,} entries of {name}" for name, k, n in partial)
            rest = " (the other inputs in full)" if len(partial) < len(self.checked) else ""
        else:
            k = sum(k for k, _ in self.checked.values())
            n = sum(n for _, n in self.checked.values())
            skipped = sum(1 for _, k, _ in partial if k == 0)
            which = f"{k:,} of {n:,} entries"
            rest = (f" ({skipped:,} of the {len(self.checked):,} inputs not at all)"
                    if skipped else "")
        return (f"checked {which}{rest}, chosen at random (seed {self.seed}): a check "
                f"nudges at most {BUDGET} entries, to stay quick")

    def _factor_hints(self):
        """A rule off by a constant factor (x**2 without its 2): every wrong entry of an input
        has the same ratio backprop / numerical. Entries on a kink do not count: there the
        numerical gradient averages two slopes, whatever backprop says."""
        hints = []
        for name, err in self.errors.items():
            bad = np.atleast_1d(err) > self.tolerance
            for entry, (_, _, between) in self.on_kink.get(name, {}).items():
                if between:
                    bad[entry if entry != () else 0] = False
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
        wrong = [name for name, err in self.errors.items() if _largest(err) > self.tolerance]
        hints = []
        if len(wrong) > LISTED:
            return hints                # a gate's mistake; a big graph has other ones
        for i, a in enumerate(wrong):
            for b in wrong[i + 1:]:
                if (np.shape(self.analytic[a]) == np.shape(self.numerical[b])
                        and np.shape(self.analytic[b]) == np.shape(self.numerical[a])
                        and self._matches(self.analytic[a], self.numerical[b])
                        and self._matches(self.analytic[b], self.numerical[a])):
                    hints.append(f"  hint: the gradients of {a} and {b} look swapped "
                                 f"(backprop's {a} matches the numerical {b}, and back)")
        return hints

    def _matches(self, analytic, numerical):
        return _largest(rel_error(analytic, numerical)) < self.tolerance


def gradcheck(target, *args, tolerance=TOLERANCE, h=STEP, seed=0, **inputs):
    """Check backprop against numerical gradients, for a graph or a single gate.

    >>> g = parse("(x + y) * z")
    >>> gradcheck(g, x=-2, y=5, z=-4).ok
    True

    ``gradcheck(gate, a, b)`` checks one gate (a learner's ``Gate`` subclass): it
    feeds the inputs to a copy of the gate (the gate itself may be a node in a graph,
    whose backward reads its cache), sends a random upstream gradient back, and compares.
    An array output is checked through a seeded random projection sum(u * out); more than
    ``BUDGET`` input entries, through a seeded random sample of them.
    """
    h = _positive(h, "h", "1e-5")
    tolerance = _positive(tolerance, "tolerance", "1e-6")
    graph, inputs, subject = _graph_to_check(target, args, inputs)
    rng = np.random.default_rng(check_seed(seed))
    try:
        out, varies = _run_repeatedly(graph, inputs, RUNS)
        upstream = None
        if np.ndim(out) != 0 and not varies:
            upstream = rng.standard_normal(np.shape(out))
        analytic = {} if varies else graph.backward(upstream)
    except Exception as error:
        if not _learners_gates(graph):
            raise
        return GradCheck(False, float("inf"), {}, {}, {}, tolerance, subject,
                         failure=f"{error}")     # the learner's own gate did not run
    if not varies:
        start = float(out) if upstream is None else float(np.sum(upstream * out))
        picked = _pick_entries(inputs, BUDGET, rng)
        numerical, errors, on_kink = {}, {}, {}
        for name in graph.inputs:
            numerical[name], errors[name], on_kink[name] = _check_input(
                _one_input(graph, inputs, name, upstream), inputs[name], analytic[name],
                picked[name], start, h, tolerance, name)
        # once more, which also leaves the graph at the checked point
        varies = _varies(out, graph.forward(**inputs))
    if varies:
        return GradCheck(False, float("inf"), {}, {}, {}, tolerance, subject, varies=varies)
    doubled = graph.backward(2.0 * (1.0 if upstream is None else upstream))
    sent_doubled = _sent_by_learners(graph)
    ignores_upstream = not all(np.allclose(doubled[name], 2.0 * np.asarray(analytic[name]),
                                           rtol=1e-9, atol=0.0) for name in analytic)
    graph.backward(upstream)
    ignoring = _not_doubled(graph, sent_doubled) if ignores_upstream and not subject else []
    summed = _summed_notes(graph)
    worst = max((_largest(e) for e in errors.values()), default=0.0)
    narrow, round_off = _narrow_notes(graph, h, worst)
    worst = max((_largest(e) for e in errors.values()), default=0.0)
    checked = {name: (len(picked[name]), int(np.size(inputs[name]))) for name in inputs}
    return GradCheck(worst < tolerance and not ignores_upstream, worst, analytic, numerical,
                     errors, tolerance, subject, _kinks(graph),
                     ignores_upstream=ignores_upstream, ignoring=ignoring, checked=checked,
                     seed=seed,
                     on_kink={name: kinks for name, kinks in on_kink.items() if kinks},
                     summed=summed, narrow=narrow, round_off=round_off)


def _run_repeatedly(graph, inputs, runs):
    """The output of forward, and '' if ``runs`` runs on the same inputs all gave it (else
    where they did not: see ``RUNS``)."""
    out = np.copy(graph.forward(**inputs))
    for _ in range(runs - 1):
        varies = _varies(out, graph.forward(**inputs))
        if varies:
            return out, varies
    return out, ""


def _positive(value, what, example):
    """``value`` as a float, if it is a positive finite number; else a clear ValueError."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive number like {example}, got "
                         f"{type(value).__name__} {value!r}")
    return float(value)


def _graph_to_check(target, args, inputs):
    """The graph to check, its inputs by name (checked), and what the verdict calls it."""
    if isinstance(target, type) and issubclass(target, Gate):
        raise TypeError(f"gradcheck needs a gate instance: write {target.__name__}(), "
                        "not the class")
    if isinstance(target, Gate):
        if inputs:
            raise TypeError("give a gate's inputs by position: gradcheck(gate, a, b)")
        if not args:
            raise TypeError(f"gradcheck needs the inputs to run {type(target).__name__}."
                            "forward on, by position: gradcheck(gate, a, b)")
        try:
            inspect.signature(target.forward).bind(*args)
        except TypeError:
            raise TypeError(f"{type(target).__name__}.forward{inspect.signature(target.forward)}"
                            f" cannot take the {len(args)} input(s) gradcheck was given: "
                            "give one value per input, by position") from None
        graph, inputs = _graph_of_gate(_own_copy(target), args)
        subject = f"{type(target).__name__} gate"
    elif isinstance(target, Graph):
        if args:
            raise TypeError("give a graph's inputs by name: gradcheck(g, x=1.0, y=2.0)")
        if not target.inputs:
            raise ValueError("gradcheck: the graph has no inputs, so it has no gradient to "
                             "check (use bp.inputs to make some)")
        graph, subject = target, ""
        if not inputs:
            inputs = graph.last_inputs("gradcheck")
    else:
        raise TypeError(f"gradcheck checks a Graph or a Gate, got {type(target).__name__}")
    if inputs.keys() != graph.inputs.keys():
        graph.check_input_names(inputs)     # the caller's slip, not the gate's: raise
    return graph, _input_values(inputs), subject


def _own_copy(gate):
    """A copy of the gate for gradcheck to run, so the gate itself is left as it was: it may
    be a node in a graph, whose backward reads the cache its forward filled. A deep copy,
    since forward may fill a cache in place (self.cache["x"] = x), which a shallow copy
    would share."""
    try:
        return copy.deepcopy(gate)
    except Exception as error:
        if not getattr(gate, "_in_graph", False):
            return gate                 # nobody else reads its cache: check it as it is
        name = type(gate).__name__
        raise ValueError(f"gradcheck: this {name} gate is a node in a graph and could not be "
                         f"copied ({error}); checking it would overwrite that node's cache: "
                         f"check a new one, gradcheck({name}(), ...)") from error


def _input_values(inputs):
    """The inputs as float numbers and arrays. A bad one (NaN, a bool, a string) or an empty
    one is the caller's slip, not the gate's: raise, naming it."""
    values = {}
    for name, value in inputs.items():
        values[name] = to_value(value, f"gradcheck: input {name!r}")
        if np.size(values[name]) == 0:
            raise ValueError(f"gradcheck: input {name!r} is empty (shape "
                             f"{np.shape(values[name])}): it has no entry to nudge")
    return values


def _varies(first, second):
    """'' if forward gave the same output twice (up to round-off); else where it did not."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.shape != second.shape:
        return f"the output had shape {first.shape}, then {second.shape}"
    same = np.abs(first - second) <= ROUND_OFF * np.abs(first)
    if same.all():
        return ""
    i = tuple(np.argwhere(~same)[0])
    where = "the output" if first.ndim == 0 else f"output[{', '.join(map(str, i))}]"
    return f"{where} was {first[i]:.6g}, then {second[i]:.6g}"


def _pick_entries(inputs, budget, rng):
    """Which entries of each input to nudge, as index tuples: all of them if they fit the
    budget; else a random sample, each input getting its share (``_shares``)."""
    sizes = {name: int(np.size(value)) for name, value in inputs.items()}
    counts = _shares(sizes, budget, rng)
    picked = {}
    for name, value in inputs.items():
        size, count = sizes[name], counts[name]
        flat = np.arange(size) if count == size else np.sort(rng.choice(size, count,
                                                                        replace=False))
        shape = np.shape(value)
        picked[name] = [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]
    return picked


def _shares(sizes, budget, rng):
    """How many entries of each input fit in the budget: an even share each, smallest input
    first, one smaller than its share checked in full and the rest passed on. With more
    inputs than the budget, a random few get one entry each."""
    if sum(sizes.values()) <= budget:
        return dict(sizes)
    names = list(sizes)
    order = sorted(rng.permutation(len(names)), key=lambda k: sizes[names[k]])
    counts, left = {}, budget
    for done, k in enumerate(order):
        counts[names[k]] = min(sizes[names[k]], left // (len(names) - done))
        left -= counts[names[k]]
    return counts


def _one_input(graph, inputs, name, upstream):
    """f as a function of input ``name`` alone: the output (or its projection sum(u * out))
    with the other inputs held where they are."""
    values = dict(inputs)

    def f(x):
        values[name] = x
        out = graph.forward(**values)
        return float(out) if upstream is None else float(np.sum(upstream * out))
    return f


def _check_input(f, x, analytic, entries, start, h, tolerance, name):
    """One input's numerical gradient and relative errors at ``entries`` (NaN at the others),
    and the wrong entries that sit on a kink. An entry that looks wrong gets the floor of
    its error bar (see ``TINY``), measured with 2h."""
    x = np.array(x, dtype=float)
    a = np.asarray(analytic, dtype=float)
    numerical, errors, on_kink = np.full(x.shape, np.nan), np.full(x.shape, np.nan), {}
    for i in entries:
        up, down = (_nudged(f, x, i, k, h, name) for k in (1, -1))
        numerical[i] = (up - down) / (2 * h)
        errors[i] = rel_error(a[i], numerical[i])
        if errors[i] <= tolerance:
            continue
        up2, down2 = (_nudged(f, x, i, k, h, name) for k in (2, -2))
        bar = _error_bar(numerical[i], up2, down2, h)
        errors[i] = rel_error(a[i], numerical[i], floor=2 * bar / tolerance)
        kink = errors[i] > tolerance and _kink(a[i], start, up, down, up2, down2, h,
                                               tolerance)
        if kink:
            on_kink[i] = kink
    if x.ndim == 0:
        return float(numerical), float(errors), on_kink
    return numerical, errors, on_kink


def _nudged(f, x, index, k, h, name):
    """f with entry ``index`` of input ``name`` moved by k h (and put back after). Where f
    is not defined there, say so: the caller never gave that point, the check made it."""
    try:
        return _moved(f, x, index, k * h)
    except Exception as error:
        where = name if index == () else f"{name}[{', '.join(map(str, index))}]"
        step = "h" if abs(k) == 1 else f"{abs(k)}h"
        uses = "" if abs(k) == 1 else " (and by ±2h, for its error bar)"
        raise ValueError(
            f"gradcheck: f is not defined at {where} {'+' if k > 0 else '-'} {step} = "
            f"{x[index] + k * h:.6g} (h = {h:g}): {error}\nThe numerical gradient moves each "
            f"input entry by ±h{uses}: check at a point further than {step} from the edge of "
            "f's domain, or pass a smaller h="
        ) from error


def _error_bar(estimate, up2, down2, h):
    """How far the centered difference may be from the truth: the change when h doubles
    (truncation error grows as h^2, so this bounds it) plus round-off."""
    wide = (up2 - down2) / (4 * h)
    return abs(wide - estimate) + ROUND_OFF * max(abs(up2), abs(down2)) / h


def _kink(analytic, start, up, down, up2, down2, h, tolerance):
    """If the entry sits on a kink: (slope on the left, slope on the right, whether
    backprop's value lies between them); else None.

    Across x ± h the slope changes by (up - 2 f(x) + down) / h. On a smooth f that change
    is f'' h, and doubles with h; on a kink it is the kink's jump, whatever h. So
    2 change(h) - change(2h), the change as h shrinks to 0, is round-off on a smooth f."""
    left, right = (start - down) / h, (up - start) / h
    jump = 2 * (right - left) - (up2 - 2 * start + down2) / (2 * h)
    noise = 100 * ROUND_OFF * max(abs(start), abs(up), abs(down), abs(up2), abs(down2)) / h
    if abs(jump) <= noise:
        return None
    slack = tolerance * (abs(left) + abs(right)) + noise
    between = min(left, right) - slack <= analytic <= max(left, right) + slack
    return float(left), float(right), bool(between)


def _summed_notes(graph):
    """Where a learner's backward gave a gradient the output's shape for an input forward
    broadcast (db = upstream for Z + b), the engine summed it to the input's shape, as it
    does for every gate. Right here; but a layer outside the kit must sum it itself."""
    notes = []
    for node, i, given, shape in graph.learner_sums:
        name = input_names(node.gate, len(node.inputs))[i]
        notes.append(f"{type(node.gate).__name__}.backward gave {name}'s gradient the "
                     f"output's shape {given}; the engine summed it to {name}'s shape "
                     f"{shape}, undoing numpy's broadcast (lesson 05). Outside this kit "
                     f"(CS231n's layers), backward must do that sum itself.")
    return notes


def _narrow_notes(graph, h, worst):
    """Where a gate computes in float32 (or float16), centered differences with a small h
    measure its round-off as well as its slope, off by about eps / h relative. Errors
    within a few times that cannot judge backward (the notes say so, and True); bigger
    ones still point at backward (the notes say that, and False)."""
    for node in graph.nodes:
        dtype = getattr(node.value, "dtype", None)
        if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
            eps = float(np.finfo(dtype).eps)
            said = (f"{graph.describe(node)} computes in {dtype} (round-off about {eps:.0e} "
                    f"of its values): with h = {h:g}, the numerical gradient is off by about "
                    f"{eps:.0e} / h = {eps / h:.0e} relative")
            fix = f"Compute forward in float64 (no .astype(np.{dtype}) or np.{dtype}(...))."
            if worst <= 10 * eps / h:
                return [f"{said}, so this check cannot judge backward. {fix}"], True
            return [f"{said}; the errors here are bigger than that, so look at backward "
                    f"too. {fix}"], False
    return [], False


def _largest(errors):
    """The largest relative error among the entries that were checked (0 if none)."""
    e = np.asarray(errors, dtype=float)
    return float(np.max(e[~np.isnan(e)], initial=0.0))


def _failure_hint(message):
    """What to do next when a learner's gate fails to run (the message says where)."""
    if "forward returned None" in message:
        return "forward must end with return: the gate's output."
    if "backward must return" in message:
        return ("backward must return one gradient per input, in the order of forward's "
                "parameters, as a tuple.")
    if "only 0-dimensional arrays" in message or "only length-1 arrays" in message:
        return ("math.exp, math.log and float() take one number; on an array, use numpy's "
                "np.exp, np.log, np.maximum.")
    if "which forward kept for it" in message:
        return ("backward reads what forward kept and leaves it as it is: work the local "
                "gradient out into a new name.")
    if "read-only" in message:
        return ("a gate leaves the arrays it is given, and those its forward kept, as they "
                "are: it computes new ones, or changes a copy.")
    if "True/False is a mask" in message:
        return "backward returns local gradient × upstream, for every input."
    if "as the gradient for input" in message:
        return "backward returns a number or a numpy array for every input, none left out."
    if "a gradient has the shape" in message:
        return "each gradient has the shape of the input it belongs to."
    return "read the error above: it names the gate, the pass (forward or backward) and the cause."


def _sent_by_learners(graph):
    """Per gate a learner wrote: the upstream gradient it got and what it sent back."""
    return {node: (np.copy(node.grad), [None if d is None else np.copy(d)
                                        for d in node.downstream])
            for node in graph.gates() if not kits_own(node.gate)}


def _not_doubled(graph, sent_doubled):
    """The learners' gates that got twice the upstream gradient (in the doubled backward,
    against the graph's last one) but did not send back twice as much: the ones whose
    backward ignores upstream (a gate below one of them gets a wrong upstream, not two)."""
    names = []
    for node, (upstream, sent) in sent_doubled.items():
        if not np.allclose(upstream, 2.0 * np.asarray(node.grad), rtol=1e-9, atol=0.0):
            continue
        if any(d is not None and n is not None and
               not np.allclose(d, 2.0 * np.asarray(n), rtol=1e-9, atol=0.0)
               for d, n in zip(sent, node.downstream)):
            names.append(graph.describe(node))
    return names


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

