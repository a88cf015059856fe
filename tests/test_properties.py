"""Properties over random expression graphs (hypothesis).

A random *program* is a list of steps over the inputs x, y, z: each step applies an op
from the table to earlier items (inputs or earlier steps), so items are used more than
once and fan-out happens both at inputs and at inner nodes. The last step is the output.
Every step is safe by construction (denominators 1 + b*b or exp(tanh(b)), logs of
positive things, fractional powers of positive bases); examples that land next to a
kink of relu / max / leaky_relu / elu, or that grow huge, are discarded with ``assume``,
because there the numerical gradient itself is not meaningful.

Each program is built twice, from generated text through ``bp.parse`` and through
Python operators and ``bp.`` functions, and checked against ``bp.gradcheck``, against
itself (repeatability, no stale state) and against the batched runner.
"""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bpwidgets as bp

NAMES = ("x", "y", "z")
EXPONENTS = (2, 3, 0.5, 1.5, -1, -0.5)
KINK_MARGIN = 1e-3      # relu / max inputs closer than this to their kink are skipped
HUGE = 1e3              # programs with a node bigger than this are skipped


def p(text):
    return f"({text})"


# name -> (number of arguments, text builder, node builder)
STEPS = {
    "add": (2, lambda a, b, k: f"{p(a)} + {p(b)}", lambda a, b, k: a + b),
    "sub": (2, lambda a, b, k: f"{p(a)} - {p(b)}", lambda a, b, k: a - b),
    "mul": (2, lambda a, b, k: f"{p(a)} * {p(b)}", lambda a, b, k: a * b),
    "div_square": (2, lambda a, b, k: f"{p(a)} / (1 + {p(b)} * {p(b)})",
                   lambda a, b, k: a / (1 + b * b)),
    "div_exp": (2, lambda a, b, k: f"{p(a)} / exp(tanh({b}))",
                lambda a, b, k: a / bp.exp(bp.tanh(b))),
    "max": (2, lambda a, b, k: f"max({a}, {b})", lambda a, b, k: bp.max(a, b)),
    "neg": (1, lambda a, b, k: f"-{p(a)}", lambda a, b, k: -a),
    "pow_positive": (1, lambda a, b, k: f"(1 + {p(a)} * {p(a)}) ** {k}",
                     lambda a, b, k: (1 + a * a) ** k),
    "pow_sigmoid": (1, lambda a, b, k: f"sigmoid({a}) ** {k}",
                    lambda a, b, k: bp.sigmoid(a) ** k),
    "square": (1, lambda a, b, k: f"{p(a)} ** 2", lambda a, b, k: a ** 2),
    "exp": (1, lambda a, b, k: f"exp({a})", lambda a, b, k: bp.exp(a)),
    "log_square": (1, lambda a, b, k: f"log(1 + {p(a)} * {p(a)})",
                   lambda a, b, k: bp.log(1 + a * a)),
    "log_tanh": (1, lambda a, b, k: f"log(2 + tanh({a}))", lambda a, b, k: bp.log(2 + bp.tanh(a))),
    "sigmoid": (1, lambda a, b, k: f"sigmoid({a})", lambda a, b, k: bp.sigmoid(a)),
    "tanh": (1, lambda a, b, k: f"tanh({a})", lambda a, b, k: bp.tanh(a)),
    "relu": (1, lambda a, b, k: f"relu({a})", lambda a, b, k: bp.relu(a)),
    "leaky_relu": (1, lambda a, b, k: f"leaky_relu({a})", lambda a, b, k: bp.leaky_relu(a)),
    "elu": (1, lambda a, b, k: f"elu({a})", lambda a, b, k: bp.elu(a)),
    "sum": (1, lambda a, b, k: f"sum({a})", lambda a, b, k: bp.sum(a)),
}
USES_EXPONENT = {"pow_positive", "pow_sigmoid"}
NOT_IN_RANDOM_GRAPHS = {"matmul": "needs arrays; checked per op in test_ops.py"}


@st.composite
def programs(draw, elementwise_only=False):
    """A list of steps (op, i, j, exponent); i, j index the items made so far."""
    kinds = sorted(k for k in STEPS if not (elementwise_only and k == "sum"))
    steps = []
    for k in range(draw(st.integers(1, 7))):
        available = len(NAMES) + k
        op = draw(st.sampled_from(kinds))
        # shrinks towards the newest item, so small examples are chains
        i = available - 1 - draw(st.integers(0, available - 1))
        j = available - 1 - draw(st.integers(0, available - 1))
        if op == "max" and j == i:
            j = (i + 1) % available       # max(a, a) is always at its kink
        exponent = draw(st.sampled_from(EXPONENTS)) if op in USES_EXPONENT else None
        steps.append((op, i, j, exponent))
    return steps


coordinates = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
points = st.fixed_dictionaries({name: coordinates for name in NAMES})


def as_text(program):
    items = list(NAMES)
    for op, i, j, k in program:
        items.append(STEPS[op][1](items[i], items[j], k))
    return items[-1]


def as_nodes(program):
    items = list(bp.inputs(" ".join(NAMES)))
    for op, i, j, k in program:
        items.append(STEPS[op][2](items[i], items[j], k))   # inner nodes are shared
    return items[-1]


def build(program, path, batched=False):
    if path == "parse":
        output = bp.parse(as_text(program)).output
    else:
        output = as_nodes(program)
    return bp.BatchedGraph(output) if batched else bp.Graph(output)


def values_for(graph, point):
    return {name: point[name] for name in graph.inputs}


def usable(graph, point):
    """Run forward; False where the numerical gradient is not meaningful."""
    try:
        graph.forward(**values_for(graph, point))
    except FloatingPointError:           # e.g. exp overflowed: refused, and named
        return False
    for node in graph.nodes:
        if abs(graph.value_of(node)) > HUGE:
            return False
        if node.gate is None:
            continue
        args = [graph.value_of(parent) for parent in node.inputs]
        if node.gate.name in ("relu", "leaky_relu", "elu") and abs(args[0]) < KINK_MARGIN:
            return False
        if node.gate.name == "max" and abs(args[0] - args[1]) < KINK_MARGIN:
            return False
    return True


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.filter_too_much])


def test_random_graphs_cover_the_op_table():
    """A new op must be added to the random programs (or excused here with a reason)."""
    x, y = bp.inputs("x y")
    used = set()
    for name, (arity, _, make) in STEPS.items():
        node = make(x, y, 2)
        used |= {n.gate.name for n in bp.Graph(node).gates()}
    assert used | set(NOT_IN_RANDOM_GRAPHS) == set(bp.OPS)


@PROPERTY_SETTINGS
@given(program=programs(), point=points)
def test_every_gradient_matches_gradcheck(program, point):
    for path in ("parse", "operators"):
        g = build(program, path)
        assume(usable(g, point))
        result = bp.gradcheck(g, **values_for(g, point))
        assert result.ok, f"{as_text(program)}\n{result.verdict}"
        assert result.max_rel_error < 1e-6


@PROPERTY_SETTINGS
@given(program=programs(), point=points)
def test_parse_and_operators_agree(program, point):
    parsed, built = build(program, "parse"), build(program, "operators")
    assume(usable(parsed, point))
    assert parsed.forward(**values_for(parsed, point)) == built.forward(**values_for(built, point))
    a, b = parsed.backward(), built.backward()
    assert a.keys() == b.keys()
    for name in a:
        # the operator graph shares inner nodes that the text repeats: the same
        # gradient, summed in a different order
        assert np.isclose(a[name], b[name], rtol=1e-12, atol=1e-14), (name, a[name], b[name])


@PROPERTY_SETTINGS
@given(program=programs(), point=points, other=points)
def test_repeated_and_fresh_passes_give_the_same_answer(program, point, other):
    for path in ("parse", "operators"):
        g = build(program, path)
        assume(usable(g, point) and usable(build(program, path), other))
        here, there = values_for(g, point), values_for(g, other)

        value = g.forward(**here)
        grads = g.backward()
        assert g.backward() == grads              # backward twice: no accumulation
        assert g.forward(**here) == value         # forward again: same value
        assert g.backward() == grads

        # a new point: the same answer as a graph built fresh for that point
        fresh = build(program, path)
        assert g.forward(**there) == fresh.forward(**there)
        assert g.backward() == fresh.backward()

        # and back again: nothing stale from the other point
        assert g.forward(**here) == value
        assert g.backward() == grads


@PROPERTY_SETTINGS
@given(program=programs(elementwise_only=True), point=points)
def test_batched_runner_matches_the_per_node_engine(program, point):
    for path in ("parse", "operators"):
        g = build(program, path)
        assume(usable(g, point))
        values = values_for(g, point)
        gb = build(program, path, batched=True)
        assert np.isclose(gb.forward(**values), g.forward(**values), rtol=1e-13, atol=1e-15)
        a, b = g.backward(), gb.backward()
        assert a.keys() == b.keys()
        for name in a:
            assert np.isclose(b[name], a[name], rtol=1e-12, atol=1e-14), (name, a[name], b[name])
        for node_g, node_b in zip(g.nodes, gb.nodes):
            assert np.isclose(gb.value_of(node_b), g.value_of(node_g), rtol=1e-13, atol=1e-15)
            assert np.isclose(gb.grad_of(node_b), g.grad_of(node_g), rtol=1e-12, atol=1e-14)
        # and a second point, for stale state in the batched arrays
        gb.forward(**values)
        assert gb.backward() == b
