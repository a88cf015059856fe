"""Predict, then check: the learner guesses a gradient (or its shape), the kit gives a verdict.

A guess is judged at the precision the student typed, the way a teacher marks it: for a
true gradient of 0.04518, "0.05", "0.045" and "0.0452" are all right, "0.0474" is not,
and a long number computed in Python (0.045176659730912) must agree to 1e-6. An exercise
that asks for so many places says so (``decimals=3``): every guess is then judged to
three places, the float 0.2 as 0.200 (Python drops the zeros a student typed) and a
number computed from rounded ones (0.1049913...) as what it rounds to. A verdict
never states the answer it has not accepted: hints point at the method, not the number.

    >>> check_prediction(parse("(x + y) * z"), "x", -4, x=-2, y=5, z=-4)
    RIGHT: you predicted df/dx = -4; the graph gives -4.

Core module: numpy only.
"""

import math
import weakref
from dataclasses import dataclass, replace

import numpy as np

from .labels import check_decimals, gate_symbol, node_text
from .parse import as_graph, refuse_own_words

LONG = 7            # a guess with this many significant digits or more was computed, not typed
RELATIVE = 1e-6     # ... and must then agree to this relative tolerance
SLACK = 1e-9        # float round-off allowed on top of "half a unit of the last typed digit"
NOT_WRITTEN = "write your prediction in place of None first, then run this cell again."


@dataclass(frozen=True)
class Verdict:
    """A verdict in the kit's own words: ``ok`` and a text that starts RIGHT or NOT YET."""
    ok: bool
    text: str

    def __repr__(self):
        return self.text

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class Prediction(Verdict):
    """The verdict on a guess of a gradient. The true value is in ``.actual``, kept out of
    the text until the guess is right, so the learner can try again."""
    name: str = ""
    guess: object = None
    actual: object = None
    hint: str = ""


# ---- a number as the student typed it ----------------------------------------------------

@dataclass(frozen=True)
class Typed:
    """A number and the precision it was written with: '0.045' -> (0.045, 3 decimals)."""
    value: float
    text: str
    decimals: int       # places after the point (negative for 1e3-style numbers)
    digits: int         # significant digits
    required: int = None    # the places the exercise asks for (check_prediction's decimals)

    @property
    def half_unit(self):
        """Half a unit of the last written digit: '0.045' means 0.0445 .. 0.0455. A whole
        number written without a point ('2', '-4') means exactly that number. With places
        required, half a unit of the last of them."""
        if self.required is not None:
            return 0.5 * 10.0 ** -self.required
        return 0.0 if self.whole else 0.5 * 10.0 ** -self.decimals

    @property
    def whole(self):
        return self.required is None and "." not in self.text and "e" not in self.text.lower()


def typed(guess, what="the guess"):
    """Read a guess (a number, or its text such as '0.0450') with its written precision.
    A float's text is Python's shortest repr, which is what the student typed."""
    if isinstance(guess, str):
        text = guess.strip().replace("\u2212", "-")    # a minus sign pasted from slides
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{what} {guess!r} is not a number: write it like -0.53 "
                             "or 2e-3") from None
    elif isinstance(guess, (bool, np.bool_)):
        raise TypeError(f"{what} is {guess}, a yes/no value: write a number")
    elif isinstance(guess, (int, np.integer)):
        text = str(int(guess))
        try:
            value = float(guess)
        except OverflowError:
            raise ValueError(f"{what} {text[:12]}... ({len(text)} digits) is too big for a "
                             "float: write a finite number") from None
    else:
        try:
            value = float(guess)
        except (TypeError, ValueError):
            raise TypeError(f"{what} must be a number, got {type(guess).__name__}") from None
        text = repr(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} is {text}: write a finite number")
    mantissa, _, exponent = text.lower().lstrip("+-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    decimals = len(fraction) - (int(exponent) if exponent else 0)
    digits = len((whole + fraction).lstrip("0")) or 1
    return Typed(value, text, decimals, digits)


def agrees(guess, actual):
    """Is ``actual`` what the student meant by ``guess`` (a Typed), at its precision?"""
    gap = abs(guess.value - actual)
    if guess.required is not None:      # to the places the exercise asks for: what it rounds to
        return abs(round(guess.value, guess.required) - actual) <= \
            guess.half_unit * (1 + SLACK) + 1e-300
    if guess.digits >= LONG:
        return gap <= RELATIVE * max(abs(actual), abs(guess.value)) + 1e-300
    if guess.whole:                                  # '2' means 2, not 1.5 .. 2.5
        return gap <= SLACK * max(1.0, abs(actual))
    return gap <= guess.half_unit * (1 + SLACK) + 1e-300 and not too_coarse(guess, actual)


ROUND_OFF = 1e-12
"""Below this, a gradient is zero up to round-off (x*0.1 + x*0.2 - x*0.3 gives 2.8e-17
for d/dx): '0.00' says it as well as '0' does."""


def too_coarse(guess, actual):
    """Written with fewer decimals than the answer's first significant digit needs: '0'
    or '0.1' cannot say 0.0452 (the right digits would not even show)."""
    if abs(actual) < ROUND_OFF or guess.digits >= LONG or guess.whole or \
            guess.required is not None:
        return False
    return guess.decimals < -math.floor(math.log10(abs(actual)))


def shown(actual, guess=None):
    """The true value with a digit more than the guess had (at least 4 significant)."""
    digits = 4 if guess is None else min(max(4, guess.digits + 1), 12)
    text = f"{actual:.{digits}g}"
    return "0" if float(text) == 0 else text


# ---- check a gradient ----------------------------------------------------------------------

def check_prediction(graph, name, guess, /, upstream=None, decimals=None, **inputs):
    """Is ``guess`` the gradient of the output with respect to ``name``?

    ``name`` is an input name, a node id ('n4'), or a node of the graph itself
    (``g.inputs['x']``, ``g.nodes[4]``): a name that is both an input's name and the id
    of another node is refused as ambiguous. With ``inputs``, the graph runs forward
    and backward at them first (``upstream`` is handed to backward, for an array output);
    otherwise it uses the last backward. ``guess`` may be a number, its text ('0.0450'),
    a list or an array (each entry judged at its own written precision), or None (not
    written yet). ``decimals``: the places the exercise asks for, if it does; every guess
    is then judged to that many (0.2 as 0.200). ``graph`` may be an expression string.
    Returns a ``Prediction``: RIGHT, or NOT YET with a hint.

    >>> check_prediction(parse("(x + y) * z"), "z", "3.0", x=-2, y=5, z=-4)
    RIGHT: you predicted df/dz = 3.0; the graph gives 3.
    """
    graph = as_graph(graph, "check_prediction")
    refuse_own_words(graph, inputs, "check_prediction", ("upstream", "decimals"),
                     "check this graph")
    required = None if decimals is None else check_decimals(decimals)
    if inputs:
        _remember(graph)
    _run(graph, upstream, inputs, "check_prediction")
    node, name = graph.find(name)
    actual = node.grad
    said = f"you predicted df/d{name}"
    if guess is None:
        return Prediction(False, f"NOT YET: {NOT_WRITTEN}", name, guess, actual)
    if np.ndim(actual) == 0 and np.ndim(guess) == 0:
        return _judge_number(name, guess, float(actual), node, said, graph, required)
    return _judge_array(name, guess, np.asarray(actual, dtype=float), node, said, required)


EARLIER = weakref.WeakKeyDictionary()
"""graph -> the points check_prediction has seen it backward at before (up to ``KEPT``):
(the inputs' values, every node's gradient), for the hint on a guess worked out at the
wrong point (the lecture's numbers, where the exercise changed one input)."""
KEPT = 4


def _remember(graph):
    """Keep the graph's current point (its inputs and gradients), if it has a scalar one."""
    if not graph.backward_done or any(node.grad is None or np.ndim(node.grad)
                                      for node in graph.nodes):
        return
    values = {key: float(node.value) for key, node in graph.inputs.items()}
    points = [point for point in EARLIER.get(graph, []) if point[0] != values]
    EARLIER[graph] = (points + [(values, [float(node.grad) for node in graph.nodes])])[-KEPT:]


def _judge_number(name, guess, actual, node, said, graph=None, required=None):
    typed_guess = replace(typed(guess), required=required)
    said = f"{said} = {typed_guess.text}"
    if agrees(typed_guess, actual):
        return Prediction(True, f"RIGHT: {said}; the graph gives {shown(actual, typed_guess)}.",
                          name, guess, actual)
    hint = _hint(typed_guess, actual, node, graph)
    return Prediction(False, f"NOT YET: {said}, which is not it. Hint: {hint}",
                      name, guess, actual, hint)


def _judge_array(name, guess, actual, node, said, required=None):
    uneven = _uneven_rows(guess)
    if uneven:
        hint = f"{uneven}: write every row in full, one entry per column."
        return Prediction(False, f"NOT YET: {said} has rows of different lengths, so it is "
                                 f"no matrix yet. Hint: {hint}", name, guess, actual, hint)
    entries = np.asarray(guess, dtype=object)
    if entries.shape != actual.shape:
        hint = (f"your guess has shape {entries.shape}; a gradient has the shape of what it "
                f"is the gradient of, so compare it with the shape of {name} itself.")
        return Prediction(False, f"NOT YET: {said} is an array of shape {entries.shape}, "
                                 f"which cannot be it. Hint: {hint}", name, guess, actual, hint)
    wrong = []
    for index in np.ndindex(actual.shape):
        entry = replace(typed(entries[index], f"entry {list(index)} of the guess"),
                        required=required)
        if not agrees(entry, float(actual[index])):
            wrong.append(index)
    if not wrong:
        graph_gives = (f"the graph's {_array_text(actual)}" if actual.size <= 6 else
                       f"all {actual.size} entries of the graph's gradient")
        return Prediction(True, f"RIGHT: {said}; every entry agrees with {graph_gives}.",
                          name, guess, actual)
    where = ", ".join(str(list(index)) for index in wrong[:4]) + (" ..." if len(wrong) > 4 else "")
    count = f"{len(wrong)} of {actual.size} entries"
    hint = ("check each entry's chain of local gradients × upstream; with matrices, let the "
            "shapes tell you which factor is transposed and on which side it goes.")
    return Prediction(False, f"NOT YET: {said}; {count} are not it ({where}). Hint: {hint}",
                      name, guess, actual, hint)


def _uneven_rows(guess):
    """'row 1 has 2 entries where row 0 has 3' for a matrix typed with an entry missing
    ([[4, 4, 4], [4, 4]]), or '' (numpy would make it a vector of two lists)."""
    if not isinstance(guess, (list, tuple)) or \
            not all(isinstance(row, (list, tuple, np.ndarray)) for row in guess):
        return ""
    lengths = [len(row) for row in guess]
    for k, length in enumerate(lengths[1:], start=1):
        if length != lengths[0]:
            return f"row {k} has {length} entries where row 0 has {lengths[0]}"
    return ""


def _array_text(values):
    return np.array2string(np.asarray(values), precision=4, separator=", ",
                           suppress_small=True).replace("\n", "")


def _elsewhere(graph, node, guess):
    """The hint for a guess that is this node's gradient at another point the graph was
    checked at (the lecture's numbers, say), or None. It names the inputs that differ, not
    the answer."""
    if graph is None or any(np.ndim(n.value) for n in [node, *graph.inputs.values()]):
        return None                      # (points are kept for scalar graphs only)
    now = {key: float(n.value) for key, n in graph.inputs.items()}
    k = graph.index[node]
    for values, grads in reversed(EARLIER.get(graph, [])):
        moved = [key for key in now if values[key] != now[key]]
        if moved and agrees(guess, grads[k]):
            then = ", ".join(f"{key} = {values[key]:g}" for key in moved)
            _, name = graph.find(node)          # as the verdict writes it: df/dx, df/dn4
            return (f"that is df/d{name} at another point, where {then}. A gradient depends "
                    f"on the point where it is taken: work it out at this check's inputs.")
    return None


def _negated(guess):
    text = guess.text[1:] if guess.text.startswith("-") else "-" + guess.text.lstrip("+")
    return replace(guess, value=-guess.value, text=text)


def _hint(guess, actual, node, graph=None):
    """What to look at, without the number: a gradient from another point, a classic
    slip, a value taken for a gradient, the sign, a dead path, the precision."""
    elsewhere = _elsewhere(graph, node, guess)
    if elsewhere:
        return elsewhere
    slip = classic_slip(graph, node, guess, actual) if graph is not None else None
    if slip:
        return slip
    if np.ndim(node.value) == 0 and agrees(guess, float(node.value)):
        return "that is the node's value from the forward pass, not its gradient."
    for other in (graph.gates() if graph is not None else ()):
        if np.ndim(other.value) == 0 and agrees(guess, float(other.value)):
            return (f"that is the value of {node_text(graph, other)} from the forward pass, "
                    "not a gradient.")
    # Said whenever the signs differ, whatever the size: said only for -guess, it would
    # give the answer away.
    if guess.value * actual < 0:
        return ("the sign is wrong: count the negative local gradients on the way back from "
                "the output (each one flips the sign of what passes through).")
    if actual == 0:
        return ("follow the path back from the output gate by gate, and look at each "
                "local gradient at these inputs: does every gate on the way pass some of "
                "the gradient on?")
    if guess.value == 0:
        return "the gradient is not zero here: some of the output flows back to it."
    if too_coarse(guess, actual) and abs(guess.value - actual) <= guess.half_unit:
        return f"{guess.text} is too coarse to judge: write more digits."
    if guess.required is not None and abs(guess.value - actual) <= 3 * guess.half_unit:
        places = "place" if guess.required == 1 else "places"
        return (f"close, but not to {guess.required} {places}: carry more digits through "
                "your computation (rounded numbers add up).")
    if guess.digits < LONG and guess.decimals > 0 and \
            abs(guess.value - actual) <= 3 * guess.half_unit:
        return ("close, but not to the last digit you wrote: carry more digits through "
                "your computation (rounded numbers add up), or write fewer.")
    return ("multiply local gradient × upstream gradient at each gate on the way back "
            "from the output, and add over every path.")


# ---- the classic slips -------------------------------------------------------------------

def classic_slip(graph, target, guess, actual):
    """Which classic slip gives exactly ``guess``, said as what to check (or None): a gate's
    wrong local gradient (its ``slips()``, from the op table), one use of a fan-out left
    out (or only one kept), or a local gradient skipped. Scalar graphs of the kit's gates, up to 200 nodes."""
    if len(graph.nodes) > 200 or any(np.ndim(n.value) for n in graph.nodes):
        return None
    gates = graph.gates()
    if any(node.local_gradients is None for node in gates):
        return None
    local = {node: [float(v) for v in node.local_gradients] for node in gates}

    def replay(change=None, drop=()):
        """Backward by hand over the local gradients, with one of them changed (or the
        edges in ``drop`` left out): the gradient of ``target`` that slip would give."""
        grad = {graph.output: float(graph.output.grad)}     # the upstream backward began with
        for node in reversed(gates):
            if node not in grad:
                continue
            for i, parent in enumerate(node.inputs):
                if (node, i) in drop:
                    continue
                factor = change[2] if change and change[:2] == (node, i) else local[node][i]
                grad[parent] = grad.get(parent, 0.0) + factor * grad[node]
        return grad.get(target, 0.0)

    def fits(value):
        return agrees(guess, value) and not agrees(guess, actual)

    for node in gates:
        for i, wrong, check in node.gate.slips():
            if fits(replay(change=(node, i, float(wrong)))):
                return f"look again at the local gradient of the {gate_symbol(node)} gate: {check}."
    for source, edges in graph.consumers.items():
        uses = [(e.target, e.index) for e in edges]
        # one use left out, or (with three or more) only one kept: '=' where '+=' belongs
        slips = [{use} for use in uses] + \
            ([set(uses) - {use} for use in uses] if len(uses) > 2 else [])
        if len(uses) > 1 and any(fits(replay(drop=dropped)) for dropped in slips):
            return (f"{node_text(graph, source)} is used {len(edges)} times: the gradients "
                    "from every use add up.")
    for node in gates:
        for i, factor in enumerate(local[node]):
            if factor != 1 and fits(replay(change=(node, i, 1.0))):
                return ("one local gradient is missing from your product: multiply by the "
                        "local gradient of every gate on the way back.")
    return None


# ---- check a shape -------------------------------------------------------------------------

def check_shape(graph, name, guess, /, **inputs):
    """Is ``guess`` (a tuple such as (5, 10)) the shape of d output / d ``name``?

    ``name`` is taken as by ``check_prediction``. With ``inputs`` the graph runs forward
    first (the shapes come from the values). ``graph`` may be an expression string.
    (The three arguments are positional: an input may be named guess or name.)
    """
    graph = as_graph(graph, "check_shape")
    if inputs:
        graph.forward(**inputs)
    elif not graph.forward_done:
        raise RuntimeError("check_shape needs the inputs (W=..., X=...) or a graph after "
                           "forward()" + graph.overwritten())
    node, name = graph.find(name)
    actual = tuple(np.shape(node.value))
    if guess is None:
        return Verdict(False, f"NOT YET: {NOT_WRITTEN}")
    shape = _as_shape(guess)
    said = f"you predicted that df/d{name} has shape {shape}"
    if shape == actual:
        return Verdict(True, f"RIGHT: {said}; so it does.")
    return Verdict(False, f"NOT YET: {said}, which is not it. Hint: the shape rule: a gradient "
                          "has the shape of what it is the gradient of.")


def _as_shape(guess):
    if isinstance(guess, (int, np.integer)) and not isinstance(guess, bool):
        return (int(guess),)
    try:
        shape = tuple(guess)
    except TypeError:
        raise TypeError(f"a shape is a tuple of whole numbers such as (5, 10), got "
                        f"{guess!r}") from None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
               for n in shape):
        raise TypeError(f"a shape is a tuple of whole numbers such as (5, 10), got {guess!r}")
    return tuple(int(n) for n in shape)


# ---- shared ----------------------------------------------------------------------------------

def _run(graph, upstream, inputs, who):
    if inputs:
        graph.forward(**inputs)
        graph.backward(upstream)
    elif upstream is not None:
        raise ValueError(f"{who}: upstream= needs the inputs too (x=..., y=...)")
    elif not graph.backward_done:
        raise RuntimeError(f"{who} needs the inputs (x=..., y=...) or a graph after "
                           "forward() and backward()" + graph.gradients_gone())
