"""Explicit Jacobians, for teaching: the matrix that backprop never builds.

With vector values, a gate's local gradient is a Jacobian matrix: entry (i, j) is
d out_i / d in_j. Backward never forms it. It computes the vector-Jacobian product
``upstream @ J`` straight from a rule (for max(0, x): ``dx = (x > 0) * upstream``).
To *see* J, we ask backward for one row at a time: a one-hot upstream gradient on
output entry i gives back row i::

    g = parse("relu(x)")
    jacobian(g, wrt="x", x=[1.0, -2.0, 3.0])
    # array([[1., 0., 0.],
    #        [0., 0., 0.],
    #        [0., 0., 1.]])        diagonal: relu is elementwise

Jacobians grow as (output size) x (input size), so ``jacobian`` refuses big ones and
says how much memory they would take; it also refuses one that would take too many
backward passes to finish in a few seconds (``BACKWARD_BUDGET``).
``compare_relu_jacobian`` measures the lecture's example: max(0, x) on a 4096-vector,
explicit (128 MiB) against implicit.
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from .datasets import check_seed, whole_number
from .graph import Graph
from .ops import OPS
from .parse import parse

MAX_ENTRIES = 10**7     # 76 MiB of float64: more than any picture needs
FLOAT64_BYTES = 8

BACKWARD_BUDGET = 10**9
"""How much work ``jacobian`` may do: backward passes times the work of one pass.

A pass's work is counted in numbers touched: every entry of every node's value, plus
``PASS_OVERHEAD`` for the pass itself and ``GATE_OVERHEAD`` per gate (the Python
around the numpy calls). At one to a few nanoseconds a number, the budget is a few
seconds. A tall output costs one pass per entry, so ``x * c`` with a million-entry
``c`` (a 1,000,000 x 1 Jacobian, small enough to keep) would take a million passes
over two million numbers each: hours, for a matrix the rule gives in one pass."""
PASS_OVERHEAD = 50_000      # about 50 us per backward pass, whatever its size
GATE_OVERHEAD = 5_000       # about 5 us per gate visited


def jacobian(g, wrt="x", max_entries=MAX_ENTRIES, **inputs):
    """d output / d ``wrt`` as a 2-D float64 array of shape (output size, input size).

    ``g`` is a Graph (or an expression string, which is parsed). Row i comes from one
    backward pass with upstream = one-hot on output entry i, so this costs one backward
    per output entry: fine for pictures, never how training works. Array entries are
    numbered in C order (row by row), as ``np.ravel`` does. Afterwards the graph holds the
    values at ``inputs`` and the gradients of the last row's backward (the other rows ask
    backward for ``wrt`` only; the last one runs in full, for pictures and steps).

    >>> jacobian("sum((W @ x) ** 2)", wrt="x", W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    array([[-0.112,  0.636]])
    """
    if isinstance(g, str):
        g = parse(g)
    if not isinstance(g, Graph):
        raise TypeError(f"jacobian needs a Graph or an expression string, got {type(g).__name__}")
    if not isinstance(wrt, str):
        raise TypeError(f"jacobian(wrt=...) takes one input's name, such as wrt='x' (a "
                        f"Jacobian is d output / d one input), got {wrt!r}")
    if wrt not in g.inputs:
        raise ValueError(f"jacobian(wrt={wrt!r}): the graph has no input {wrt!r}; "
                         f"its inputs are {', '.join(g.inputs) or 'none'}")
    if max_entries != math.inf:          # inf: no limit, as the refusal invites
        max_entries = whole_number(max_entries, "max_entries (the most entries J may have)")
    out = g.forward(**(inputs or g.last_inputs("jacobian")))
    n_out, n_in = int(np.size(out)), int(np.size(g.inputs[wrt].value))
    check_size(n_out, n_in, max_entries, what=f"the Jacobian d output / d {wrt}")
    check_work(g, n_out, wrt)
    J = np.zeros((n_out, n_in))
    for i in range(n_out):
        one_hot = np.zeros(np.shape(out))
        one_hot.flat[i] = 1.0
        last = i == n_out - 1               # the last row in full: pictures and steps need it
        grads = g.backward(one_hot, wrt=None if last else [wrt])
        J[i] = np.ravel(grads[wrt])
    return J


def check_size(n_out, n_in, max_entries=MAX_ENTRIES, what="the Jacobian"):
    """Refuse a Jacobian of more than ``max_entries`` entries, saying what it would cost."""
    entries = n_out * n_in
    if entries > max_entries:
        raise ValueError(
            f"{what} would be {n_out:,} x {n_in:,} = {entries:,} entries, "
            f"{format_bytes(entries * FLOAT64_BYTES)} as float64, over the limit of "
            f"{max_entries:,} entries ({format_bytes(max_entries * FLOAT64_BYTES)}). "
            "Nobody forms it: backward() applies the implicit rule, giving upstream @ J "
            "without building J. Pass max_entries= to raise the limit if you really "
            "want the matrix.")


def backward_work(g):
    """The work of one backward pass through ``g`` after a forward, in numbers touched
    (see ``BACKWARD_BUDGET``)."""
    entries = sum(int(np.size(node.value)) for node in g.nodes)
    return PASS_OVERHEAD + GATE_OVERHEAD * len(g.gates()) + entries


def check_work(g, n_out, wrt):
    """Refuse a Jacobian whose ``n_out`` backward passes would not finish in a few seconds."""
    per_pass = backward_work(g)
    work = n_out * per_pass
    if work > BACKWARD_BUDGET:
        gate = g.output.gate
        rule = "" if gate is None else f" (the output's gate: {gate.flow or gate.name})"
        raise ValueError(
            f"jacobian(wrt={wrt!r}) would take {n_out:,} backward passes (one per output "
            f"entry) of about {per_pass:,} numbers each: {work:.3g} in all, over the "
            f"budget of {BACKWARD_BUDGET:.3g} (BACKWARD_BUDGET, a few seconds' work). "
            f"Instead, ask for a smaller piece (fewer output entries: slice the inputs), "
            f"or use the lesson's rule for the op{rule}: one backward pass gives "
            f"upstream @ J without building J.")


def jacobian_bytes(n_out, n_in):
    """Memory of an explicit n_out x n_in float64 Jacobian, in bytes (computed, not allocated).

    >>> format_bytes(jacobian_bytes(409_600, 409_600))   # max(0, x), minibatch of 100 x 4096
    '1.22 TiB'
    """
    return int(n_out) * int(n_in) * FLOAT64_BYTES


def format_bytes(nbytes):
    """A byte count in binary units: 134217728 -> '128 MiB', 4096 -> '4 KiB'."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{value:.3g} {unit}"


@dataclass
class JacobianCost:
    """Explicit versus implicit backward through max(0, x) on an n-vector.

    ``explicit_bytes``: the n x n Jacobian; ``implicit_bytes``: what the rule
    dx = (x > 0) * upstream keeps instead (the gate's cached mask). Times are the best
    of a few runs of each backward, in seconds; they depend on the machine, so the repr
    shows only the memory (which does not).
    """
    n: int
    explicit_bytes: int
    implicit_bytes: int
    explicit_seconds: float
    implicit_seconds: float

    def __repr__(self):
        return (f"JacobianCost(max(0, x) on {self.n:,} entries: explicit "
                f"{format_bytes(self.explicit_bytes)}, implicit "
                f"{format_bytes(self.implicit_bytes)})")

    def timing(self):
        """The measured times as one line (machine-dependent)."""
        ratio = self.explicit_seconds / max(self.implicit_seconds, 1e-12)
        return (f"explicit {self.explicit_seconds * 1e3:.3g} ms, implicit "
                f"{self.implicit_seconds * 1e3:.3g} ms: the explicit Jacobian is "
                f"{ratio:,.0f}x slower")


def compare_relu_jacobian(n=4096, seed=0, repeats=3, max_entries=8192**2):
    """Backward through max(0, x) twice: with the explicit n x n Jacobian, and by the rule.

    Both use the kit's ReLU gate: explicit builds J = diag(local gradient) and computes
    J.T @ upstream; implicit is the gate's own backward, (x > 0) * upstream. The two
    answers are checked to be equal. Returns a ``JacobianCost``. This one does allocate
    the matrix (128 MiB at n = 4096), so its limit is higher: 8192 x 8192 (512 MiB).
    """
    n = whole_number(n, "n (the length of the vector)")
    repeats = whole_number(repeats, "repeats")
    check_size(n, n, max_entries, what=f"the Jacobian of max(0, x) on {n:,} entries")
    rng = np.random.default_rng(check_seed(seed))
    x, upstream = rng.standard_normal(n), rng.standard_normal(n)
    gate = OPS["relu"]()
    gate.forward(x)

    def explicit():
        J = np.diag(gate.local_gradients()[0])      # n x n, zeros off the diagonal
        return J.T @ upstream, J.nbytes

    def implicit():
        return gate.backward(upstream)[0]

    (dx_explicit, explicit_bytes), t_explicit = _best_time(explicit, repeats)
    dx_implicit, t_implicit = _best_time(implicit, repeats)
    if not np.array_equal(dx_explicit, dx_implicit):
        raise AssertionError("explicit and implicit backward disagree")   # cannot happen
    return JacobianCost(n, explicit_bytes, gate.passes.nbytes, t_explicit, t_implicit)


def _best_time(fn, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best
