"""The op table, one numerical-gradient check per op (STYLE principle 10).

Every op in ``bp.OPS`` has cases below: inputs away from kinks, including broadcasting
cases. Each case checks the graph's forward against plain numpy, its backward against
centered differences (``bpwidgets.check.numerical_gradient``), and, where the rule is
simple, against the hand-written formula. A new op without cases fails
``test_every_op_in_the_table_has_cases``.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import ops
from bpwidgets.check import numerical_gradient
from bpwidgets.graph import apply

rng = np.random.default_rng(20240)   # makes CASES once, at import, in table order


def random_upstream(shape):
    """A seeded upstream gradient: the same in every test, whatever runs before it."""
    return np.random.default_rng(7).standard_normal(shape)


def normal(*shape):
    return rng.standard_normal(shape)[()] if shape else float(rng.standard_normal())


def away(*shape, gap=0.2):
    """Random numbers at least ``gap`` away from 0 (away from relu's kink)."""
    v = normal(*shape)
    return np.sign(v) * (gap + np.abs(v)) if shape else float(np.sign(v) * (gap + abs(v)))


def positive(*shape):
    return np.abs(away(*shape)) if shape else abs(away())


def apart_from(a, gap=0.2):
    """b with |a - b| >= gap everywhere (away from max's kink)."""
    return a + away(*np.shape(a), gap=gap)


def reduce_to(grad, shape):
    """Sum a broadcast gradient back to ``shape`` (written here independently of the engine)."""
    grad = np.asarray(grad, dtype=float)
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def sigmoid_ref(a):
    return 1 / (1 + np.exp(-a))


@dataclass
class Case:
    label: str
    inputs: list                  # one value per gate input
    reference: object             # numpy forward: reference(*inputs)
    hand: object = None           # hand-written VJP: hand(upstream, *inputs) -> grads
    params: tuple = field(default=())


def both(f):
    """A hand VJP written for the broadcast output, reduced to each input's shape."""
    def vjp(up, *xs):
        return [reduce_to(g, np.shape(x)) for g, x in zip(f(up, *xs), xs)]
    return vjp


CASES = {
    "add": [
        Case("scalars", [normal(), normal()], np.add, both(lambda u, a, b: (u, u))),
        Case("arrays", [normal(3, 2), normal(3, 2)], np.add, both(lambda u, a, b: (u, u))),
        Case("column+matrix", [normal(3, 1), normal(3, 4)], np.add,
             both(lambda u, a, b: (u + 0 * b, u + 0 * a))),
        Case("row-vector+matrix", [normal(4), normal(3, 4)], np.add,
             both(lambda u, a, b: (u + 0 * b, u + 0 * a))),
        Case("scalar+array", [normal(), normal(5)], np.add,
             both(lambda u, a, b: (u + 0 * b, u))),
    ],
    "sub": [
        Case("scalars", [normal(), normal()], np.subtract, both(lambda u, a, b: (u, -u))),
        Case("matrix-column", [normal(3, 4), normal(3, 1)], np.subtract,
             both(lambda u, a, b: (u, -u + 0 * a))),
    ],
    "mul": [
        Case("scalars", [normal(), normal()], np.multiply, both(lambda u, a, b: (u * b, u * a))),
        Case("scalar*array", [normal(), normal(2, 3)], np.multiply,
             both(lambda u, a, b: (u * b, u * a))),
        Case("column*matrix", [normal(3, 1), normal(3, 4)], np.multiply,
             both(lambda u, a, b: (u * b, u * a))),
    ],
    "div": [
        Case("scalars", [normal(), away()], np.divide,
             both(lambda u, a, b: (u / b, -u * a / b ** 2))),
        Case("array/scalar", [normal(4), away()], np.divide,
             both(lambda u, a, b: (u / b, -u * a / b ** 2))),
        Case("scalar/array", [normal(), away(2, 2)], np.divide,
             both(lambda u, a, b: (u / b, -u * a / b ** 2))),
    ],
    "max": [
        Case("scalars", (lambda a: [a, apart_from(a)])(normal()), np.maximum,
             both(lambda u, a, b: (u * (a > b), u * (b > a)))),
        Case("arrays", (lambda a: [a, apart_from(a)])(normal(5)), np.maximum,
             both(lambda u, a, b: (u * (a > b), u * (b > a)))),
        Case("column,row", [normal(3, 1), np.array([[-3.0, 0.0, 3.0]])], np.maximum,
             both(lambda u, a, b: (u * (a > b), u * (b > a)))),
    ],
    "matmul": [
        Case("matrix@matrix", [normal(2, 3), normal(3, 4)], np.matmul,
             lambda u, a, b: (u @ b.T, a.T @ u)),
        Case("matrix@vector", [normal(2, 3), normal(3)], np.matmul,
             lambda u, a, b: (np.outer(u, b), a.T @ u)),
        Case("vector@matrix", [normal(3), normal(3, 2)], np.matmul,
             lambda u, a, b: (b @ u, np.outer(a, u))),
        Case("vector@vector", [normal(4), normal(4)], np.matmul,
             lambda u, a, b: (u * b, u * a)),
    ],
    "neg": [
        Case("scalar", [normal()], np.negative, lambda u, a: (-u,)),
        Case("array", [normal(2, 3)], np.negative, lambda u, a: (-u,)),
    ],
    "pow": [
        Case("square", [normal(3)], lambda a: a ** 2, lambda u, a: (u * 2 * a,), params=(2,)),
        Case("cube-negative-base", [-positive(3)], lambda a: a ** 3,
             lambda u, a: (u * 3 * a ** 2,), params=(3,)),
        Case("sqrt", [positive(4)], np.sqrt, lambda u, a: (u * 0.5 / np.sqrt(a),), params=(0.5,)),
        Case("reciprocal", [away()], lambda a: 1 / a, lambda u, a: (-u / a ** 2,), params=(-1,)),
        Case("power-1.5", [positive(2, 2)], lambda a: a ** -1.5,
             lambda u, a: (u * -1.5 * a ** -2.5,), params=(-1.5,)),
        Case("zero-exponent", [away(3)], np.ones_like, lambda u, a: (0 * u,), params=(0,)),
    ],
    "exp": [
        Case("scalar", [normal()], np.exp, lambda u, a: (u * np.exp(a),)),
        Case("array", [normal(3, 2)], np.exp, lambda u, a: (u * np.exp(a),)),
    ],
    "log": [
        Case("scalar", [positive()], np.log, lambda u, a: (u / a,)),
        Case("array", [positive(4)], np.log, lambda u, a: (u / a,)),
    ],
    "sigmoid": [
        Case("scalar", [normal()], sigmoid_ref,
             lambda u, a: (u * sigmoid_ref(a) * (1 - sigmoid_ref(a)),)),
        Case("array", [3 * normal(6)], sigmoid_ref,
             lambda u, a: (u * sigmoid_ref(a) * (1 - sigmoid_ref(a)),)),
    ],
    "tanh": [
        Case("scalar", [normal()], np.tanh, lambda u, a: (u * (1 - np.tanh(a) ** 2),)),
        Case("array", [normal(2, 3)], np.tanh, lambda u, a: (u / np.cosh(a) ** 2,)),
    ],
    "relu": [
        Case("scalar-positive", [positive()], lambda a: max(a, 0.0), lambda u, a: (u,)),
        Case("scalar-negative", [-positive()], lambda a: 0.0, lambda u, a: (0.0,)),
        Case("array", [away(7)], lambda a: np.where(a > 0, a, 0.0),
             lambda u, a: (u * (a > 0),)),
    ],
    "leaky_relu": [
        Case("default-alpha", [away(6)], lambda a: np.where(a > 0, a, 0.01 * a),
             lambda u, a: (u * np.where(a > 0, 1.0, 0.01),)),
        Case("alpha-0.2-scalar", [-positive()], lambda a: 0.2 * a,
             lambda u, a: (0.2 * u,), params=(0.2,)),
    ],
    "elu": [
        Case("default-alpha", [away(6)], lambda a: np.where(a > 0, a, np.exp(a) - 1),
             lambda u, a: (u * np.where(a > 0, 1.0, np.exp(a)),)),
        Case("alpha-0.5-scalar", [-positive()], lambda a: 0.5 * (np.exp(a) - 1),
             lambda u, a: (u * 0.5 * np.exp(a),), params=(0.5,)),
    ],
    "sum": [
        Case("matrix", [normal(3, 4)], np.sum, lambda u, a: (u * np.ones_like(a),)),
        Case("vector", [normal(5)], np.sum, lambda u, a: (u * np.ones_like(a),)),
        Case("scalar", [normal()], np.sum, lambda u, a: (u,)),
    ],
}

ALL_CASES = [(name, case) for name, cases in CASES.items() for case in cases]
IDS = [f"{name}-{case.label}" for name, case in ALL_CASES]


def build(name, case):
    """A one-gate graph for the op, its inputs named a, b."""
    gate = bp.OPS[name](*case.params)
    nodes = bp.inputs(["a", "b"])[:len(case.inputs)]
    return bp.Graph(apply(gate, *nodes)), dict(zip("ab", case.inputs))


# ---- the table is complete -------------------------------------------------------


def test_every_op_in_the_table_has_cases():
    missing = set(bp.OPS) - set(CASES)
    assert not missing, f"ops without a gradient check in tests/test_ops.py: {sorted(missing)}"
    assert set(CASES) == set(bp.OPS), f"cases for ops not in the table: {set(CASES) - set(bp.OPS)}"


def test_every_function_is_an_op_and_a_python_function():
    for name in ops.FUNCTIONS:
        assert name in bp.OPS
        assert callable(getattr(bp, name))


@pytest.mark.parametrize("name", sorted(bp.OPS))
def test_table_entries_describe_themselves(name):
    gate_class = bp.OPS[name]
    assert gate_class.op_name == name
    gate = gate_class(*CASES[name][0].params)
    assert gate.name == name
    assert isinstance(gate.symbol, str) and gate.symbol and gate.symbol != "?"
    assert isinstance(gate.flow, str) and gate.flow
    assert gate.arity == len(CASES[name][0].inputs)
    assert all(len(case.inputs) == gate.arity for case in CASES[name])
    assert "0x" not in repr(gate)


def test_symbols_from_the_lecture():
    assert ops.Power(2).symbol == "^2"
    assert ops.Power(0.5).symbol == "^0.5"
    assert ops.Power(-1).symbol == "^-1"
    assert ops.Negate.symbol == "*-1"
    assert ops.Sigmoid.symbol == "\u03c3"
    assert ops.Sum.symbol == "\u03a3"
    assert ops.MatMul.symbol == "@"
    assert (ops.Add.symbol, ops.Multiply.symbol, ops.Exp.symbol) == ("+", "*", "exp")
    assert (ops.Add.flow, ops.Max.flow, ops.Multiply.flow) == \
        ("add distributes", "max routes", "mul swaps")
    assert repr(ops.Power(2)) == "Power(2)"


@pytest.mark.parametrize("value,text", [(2.0, "2"), (0.5, "0.5"), (-1, "-1"), (3, "3"),
                                        (0.25, "0.25"), (1e-7, "1e-07")])
def test_format_constant(value, text):
    assert ops.format_constant(value) == text


# ---- one gradient check per op ----------------------------------------------------


@pytest.mark.parametrize("name,case", ALL_CASES, ids=IDS)
def test_forward_matches_numpy(name, case):
    g, values = build(name, case)
    out = g.forward(**values)
    want = case.reference(*case.inputs)
    assert np.shape(out) == np.shape(want)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-15)
    if np.ndim(want) == 0:
        assert isinstance(out, float)


@pytest.mark.parametrize("name,case", ALL_CASES, ids=IDS)
def test_backward_matches_numerical_gradient(name, case):
    g, values = build(name, case)
    out = g.forward(**values)
    upstream = None if np.ndim(out) == 0 else random_upstream(np.shape(out))
    grads = g.backward(upstream)
    u = 1.0 if upstream is None else upstream

    for input_name, x in values.items():
        def loss(v, input_name=input_name):
            return float(np.sum(u * g.forward(**{**values, input_name: v})))

        numerical = numerical_gradient(loss, x)
        analytic = grads[input_name]
        assert np.shape(analytic) == np.shape(x), f"{name}: gradient of {input_name} has the wrong shape"
        np.testing.assert_allclose(analytic, numerical, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name} ({case.label}): d/d{input_name}")


@pytest.mark.parametrize("name,case", ALL_CASES, ids=IDS)
def test_backward_matches_the_hand_formula(name, case):
    g, values = build(name, case)
    out = g.forward(**values)
    upstream = 1.0 if np.ndim(out) == 0 else random_upstream(np.shape(out))
    grads = g.backward(None if np.ndim(out) == 0 else upstream)
    want = case.hand(upstream, *case.inputs)
    for input_name, expected in zip(values, want):
        np.testing.assert_allclose(grads[input_name], np.broadcast_to(expected, np.shape(values[input_name])),
                                   rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name} ({case.label}): d/d{input_name}")


@pytest.mark.parametrize("name,case", ALL_CASES, ids=IDS)
def test_edges_show_local_times_upstream_equals_downstream(name, case):
    g, values = build(name, case)
    out = g.forward(**values)
    upstream = None if np.ndim(out) == 0 else random_upstream(np.shape(out))
    g.backward(upstream)
    gate_node = g.output
    edges = [e for e in g.edges if e.target is gate_node]
    assert [e.index for e in edges] == list(range(len(case.inputs)))
    for e in edges:
        assert np.shape(e.downstream) == np.shape(e.value)
        np.testing.assert_array_equal(e.downstream, g.inputs["ab"[e.index]].grad)
        if gate_node.gate.elementwise:
            product = reduce_to(np.asarray(e.local) * e.upstream, np.shape(e.value))
            np.testing.assert_allclose(e.downstream, product, rtol=1e-15, atol=0)
        else:
            assert e.local is None


@pytest.mark.parametrize("name,case", ALL_CASES, ids=IDS)
def test_gradcheck_passes_on_every_op(name, case):
    g, values = build(name, case)
    result = bp.gradcheck(g, **values)
    assert result.ok, result.verdict
    assert result.max_rel_error < 1e-6


@pytest.mark.parametrize("name", sorted(ops.FUNCTIONS))
def test_functions_build_the_op(name):
    case = CASES[name][0]
    nodes = bp.inputs(["a", "b"])[:len(case.inputs)]
    node = getattr(bp, name)(*nodes, *case.params)
    assert type(node.gate) is bp.OPS[name]
    g = bp.Graph(node)
    np.testing.assert_allclose(g.forward(**dict(zip("ab", case.inputs))),
                               case.reference(*case.inputs), rtol=1e-13)


# ---- the special points ----------------------------------------------------------


def test_sigmoid_at_plus_minus_800_is_exact_and_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate():                        # numpy's defaults
            g = bp.parse("sigmoid(x)")
            assert g.forward(x=800) == 1.0
            assert g.backward() == {"x": 0.0}
            assert g.forward(x=-800) == 0.0
            assert g.backward() == {"x": 0.0}
            out = g.forward(x=np.array([-800.0, 0.0, 800.0]))
            np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])
            grads = g.backward(upstream=np.ones(3))
            np.testing.assert_array_equal(grads["x"], [0.0, 0.25, 0.0])
            # the gate alone, without the graph's errstate
            gate = ops.Sigmoid()
            assert gate.forward(np.float64(800.0)) == 1.0
            assert gate.local_gradients() == (0.0,)
            assert gate.forward(np.float64(-800.0)) == 0.0
            assert gate.local_gradients() == (0.0,)
            s = gate.forward(np.array([-800.0, -30.0, 30.0, 800.0]))
            assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0
            assert 0 < s[1] < 1e-12 and 1 - 1e-12 < s[2] <= 1.0


def test_sigmoid_gate_scalar_stays_scalar():
    s = ops.Sigmoid().forward(np.float64(1.0))
    assert np.ndim(s) == 0 and not isinstance(s, np.ndarray)


def test_max_tie_goes_to_the_first_input():
    g = bp.parse("max(x, y)")
    g.forward(x=1.5, y=1.5)
    assert g.backward() == {"x": 1.0, "y": 0.0}


def test_relu_at_its_kink_uses_a_subgradient():
    g = bp.parse("relu(x)")
    assert g.forward(x=0.0) == 0.0
    assert g.backward()["x"] in (0.0, 1.0)


def test_power_zero_at_zero_has_zero_gradient():
    # d/dx x**0 = 0 everywhere; 0 * 0**-1 = 0 * inf must not leak out as NaN
    g = bp.parse("x ** 0")
    assert g.forward(x=0.0) == 1.0
    assert g.backward() == {"x": 0.0}


def test_square_at_zero():
    g = bp.parse("x ** 2")
    g.forward(x=0.0)
    assert g.backward() == {"x": 0.0}


def test_elu_does_not_overflow_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = bp.parse("elu(x)")
        assert g.forward(x=800.0) == 800.0
        assert g.backward() == {"x": 1.0}
        assert g.forward(x=-800.0) == -1.0
        assert g.backward() == {"x": 0.0}


def test_matmul_refuses_bad_shapes_naming_them():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2,\)"):
        ops.MatMul().forward(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"1-D or 2-D.*\(2, 2, 2\)"):
        ops.MatMul().forward(np.ones((2, 2, 2)), np.ones(2))


# ---- the Gate base class (the learner's API) ---------------------------------------


def test_gate_base_class_says_what_to_write():
    class OnlyForward(bp.Gate):
        def forward(self, a):
            return a

    with pytest.raises(NotImplementedError, match=r"Gate must define forward"):
        bp.Gate().forward(1.0)
    with pytest.raises(NotImplementedError, match=r"OnlyForward must define backward"):
        OnlyForward().backward(1.0)


def test_a_learner_gate_with_local_gradients_only():
    class Cube(bp.Gate):
        arity, elementwise = 1, True

        def forward(self, a):
            self.a = a
            return a ** 3

        def local_gradients(self):
            return (3 * self.a ** 2,)

    x = bp.inputs("x")
    g = bp.Graph(apply(Cube(), x))
    assert g.forward(x=2.0) == 8.0
    assert g.backward() == {"x": 12.0}
    assert g.output.gate.name == "Cube"
    assert g.edges[0].local == 12.0


def test_matmul_backward_computes_only_the_wanted_gradients():
    rng = np.random.default_rng(0)
    for a_shape, b_shape in [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,))]:
        gate = ops.MatMul()
        a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
        up = rng.standard_normal(np.shape(gate.forward(a, b)))
        da, db = gate.backward(up)
        only_a = gate.backward(up, wanted=(True, False))
        only_b = gate.backward(up, wanted=(False, True))
        assert only_a[1] is None and only_b[0] is None
        np.testing.assert_array_equal(only_a[0], da)
        np.testing.assert_array_equal(only_b[1], db)


def test_relu_backward_is_local_times_upstream():
    gate = ops.ReLU()
    a = np.array([-1.0, 0.0, 2.0])
    gate.forward(a)
    up = np.array([3.0, 4.0, 5.0])
    np.testing.assert_array_equal(gate.backward(up)[0], gate.local_gradients()[0] * up)
