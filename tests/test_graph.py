"""The graph engine against the lecture's numbers, hand computation and its error contract.

Lessons 01, 02 and 04 (shared/LESSONS.md): every number is asserted through the parser,
through Python operators, and (lesson 02) through the one sigmoid gate.
"""

import math
import warnings

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.graph import apply

# ---- helpers ---------------------------------------------------------------------


def lecture_round(value):
    """The lecture prints two decimals."""
    return round(float(value), 2)


def gate_names(graph):
    return [node.gate.name for node in graph.gates()]


# ---- lesson 01: (x + y) z --------------------------------------------------------

LESSON01 = dict(x=-2, y=5, z=-4)


def lesson01_graphs():
    parsed = bp.parse("(x + y) * z")
    x, y, z = bp.inputs("x y z")
    return {"parse": parsed, "operators": bp.Graph((x + y) * z)}


@pytest.mark.parametrize("path", ["parse", "operators"])
def test_lesson01_numbers(path):
    g = lesson01_graphs()[path]
    f = g.forward(**LESSON01)
    assert f == -12.0 and isinstance(f, float)
    grads = g.backward()
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert all(isinstance(v, float) for v in grads.values())

    # The intermediate node q = x + y holds 3, and df/dq = z = -4.
    mul = g.output
    assert mul.gate.name == "mul"
    q, z = mul.inputs
    assert q.gate.name == "add" and q.value == 3.0
    assert q.grad == -4.0
    assert z.kind == "input" and z.name == "z" and z.grad == 3.0  # df/dz = q
    assert g.output.grad == 1.0


@pytest.mark.parametrize("path", ["parse", "operators"])
def test_lesson01_edges_show_local_times_upstream(path):
    g = lesson01_graphs()[path]
    g.forward(**LESSON01)
    g.backward()
    by_pair = {(e.source.name or e.source.gate.name, e.target.gate.name): e for e in g.edges}
    # edge q -> mul: local dF/dq = z = -4, upstream 1, downstream -4
    e = by_pair[("add", "mul")]
    assert (e.value, e.local, e.upstream, e.downstream) == (3.0, -4.0, 1.0, -4.0)
    # edge z -> mul: local = q = 3
    e = by_pair[("z", "mul")]
    assert (e.value, e.local, e.upstream, e.downstream) == (-4.0, 3.0, 1.0, 3.0)
    # edges x -> add and y -> add: the add gate distributes -4 to both
    for name in "xy":
        e = by_pair[(name, "add")]
        assert (e.local, e.upstream, e.downstream) == (1.0, -4.0, -4.0)
    for e in g.edges:
        assert e.downstream == e.local * e.upstream
    assert len(g.edges) == 4


def test_lesson01_graph_structure_and_ids():
    g = bp.parse("(x + y) * z")
    assert list(g.inputs) == ["x", "y", "z"]
    assert g.output is g.nodes[-1]
    assert [g.node_id(n) for n in g.nodes] == [f"n{k}" for k in range(5)]
    # every node comes after its inputs
    for node in g.nodes:
        for parent in node.inputs:
            assert g.index[parent] < g.index[node]
    assert gate_names(g) == ["add", "mul"]
    assert g.expression == "(x + y) * z"
    assert repr(g) == "<Graph (x + y) * z: 5 nodes, inputs x, y, z>"
    assert "0x" not in repr(bp.Graph(bp.inputs("x") * 2))


# ---- lesson 02: the sigmoid example ---------------------------------------------

LESSON02 = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
LESSON02_GRADS = dict(w0=-0.196612, x0=0.393224, w1=-0.393224, x1=-0.589836, w2=0.196612)
SIGMOID_1 = 1 / (1 + math.exp(-1))          # sigma(1) = 0.7310585...


def lesson02_expanded():
    w0, x0, w1, x1, w2 = bp.inputs("w0 x0 w1 x1 w2")
    return {
        "parse": bp.parse("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"),
        "operators": bp.Graph(1 / (1 + bp.exp(-(w0 * x0 + w1 * x1 + w2)))),
    }


def lesson02_gate():
    w0, x0, w1, x1, w2 = bp.inputs("w0 x0 w1 x1 w2")
    return {
        "parse": bp.parse("sigmoid(w0*x0 + w1*x1 + w2)"),
        "operators": bp.Graph(bp.sigmoid(w0 * x0 + w1 * x1 + w2)),
    }


def assert_lesson02_grads(grads):
    assert set(grads) == set(LESSON02_GRADS)
    for name, want in LESSON02_GRADS.items():
        assert grads[name] == pytest.approx(want, abs=1e-6), name
    # and the lecture's two-decimal rounding
    assert {k: lecture_round(v) for k, v in grads.items()} == \
        dict(w0=-0.20, x0=0.39, w1=-0.39, x1=-0.59, w2=0.20)


@pytest.mark.parametrize("path", ["parse", "operators"])
def test_lesson02_expanded_forward_and_backward_gate_by_gate(path):
    g = lesson02_expanded()[path]
    f = g.forward(**LESSON02)
    assert f == pytest.approx(SIGMOID_1, abs=1e-12)
    assert lecture_round(f) == 0.73

    # Walk from the output back, as the lecture does.
    div = g.output
    assert div.gate.name == "div" and div.inputs[0].value == 1.0
    plus1 = div.inputs[1]
    assert plus1.gate.name == "add"
    exp = plus1.inputs[1]
    assert exp.gate.name == "exp"
    neg = exp.inputs[0]
    assert neg.gate.name == "neg"
    s = neg.inputs[0]
    assert s.gate.name == "add"

    # forward values: 1, -1, 0.368, 1.368, 0.731
    assert s.value == 1.0
    assert neg.value == -1.0
    assert exp.value == pytest.approx(math.exp(-1), abs=1e-12)
    assert round(float(exp.value), 3) == 0.368
    assert round(float(plus1.value), 3) == 1.368
    assert round(float(div.value), 3) == 0.731
    # the products and the first sum: w0 x0 = -2, w1 x1 = 6, -2 + 6 = 4
    first_sum, w2 = s.inputs
    assert w2.name == "w2" and first_sum.value == 4.0
    assert sorted(p.value for p in first_sum.inputs) == [-2.0, 6.0]

    grads = g.backward()
    # backward per gate, the lecture's rounding: 1/x -0.53, +1 -0.53, exp -0.20, *-1 0.20
    assert lecture_round(plus1.grad) == -0.53
    assert plus1.grad == pytest.approx(-1 / (1 + math.exp(-1)) ** 2, abs=1e-12)
    assert lecture_round(exp.grad) == -0.53
    assert lecture_round(neg.grad) == -0.20
    assert lecture_round(s.grad) == 0.20
    assert s.grad == pytest.approx(0.196612, abs=1e-6)
    # the add gates pass 0.20 to both inputs
    assert first_sum.grad == s.grad and w2.grad == s.grad
    assert_lesson02_grads(grads)


@pytest.mark.parametrize("path", ["parse", "operators"])
def test_lesson02_sigmoid_gate_gives_the_same_gradients(path):
    g = lesson02_gate()[path]
    assert gate_names(g) == ["mul", "mul", "add", "add", "sigmoid"]
    f = g.forward(**LESSON02)
    assert f == pytest.approx(SIGMOID_1, abs=1e-12)
    grads = g.backward()
    assert_lesson02_grads(grads)
    # The gate's local gradient is (1 - s) s = 0.196612 ~ (0.73)(0.27) = 0.2
    sig = g.output
    (local,) = sig.local_gradients
    assert local == pytest.approx((1 - SIGMOID_1) * SIGMOID_1, abs=1e-12)
    assert local == pytest.approx(0.196612, abs=1e-6)
    assert round(float(local), 1) == 0.2
    (edge,) = [e for e in g.edges if e.target is sig]
    assert edge.value == 1.0 and edge.upstream == 1.0
    assert edge.local == local and edge.downstream == local


def test_lesson02_expanded_and_collapsed_agree_exactly_enough():
    expanded, collapsed = lesson02_expanded()["parse"], lesson02_gate()["parse"]
    assert expanded.forward(**LESSON02) == pytest.approx(collapsed.forward(**LESSON02), abs=1e-15)
    a, b = expanded.backward(), collapsed.backward()
    for name in a:
        assert a[name] == pytest.approx(b[name], abs=1e-15)
    assert len(expanded.gates()) == 8 and len(collapsed.gates()) == 5


# The lecture's ||W x||^2 (lesson 04) is tested in test_jacobian.py.


# ---- fan-out ---------------------------------------------------------------------


def test_fan_out_x_times_x_is_2x():
    x = bp.inputs("x")
    g = bp.Graph(x * x)
    assert g.forward(x=3.5) == 12.25
    assert g.backward() == {"x": 7.0}
    # two edges from x, each carrying 3.5
    edges = [e for e in g.edges if e.source is x]
    assert len(edges) == 2 and [e.downstream for e in edges] == [3.5, 3.5]


def test_fan_out_a_plus_a_is_2():
    g = bp.parse("a + a")
    g.forward(a=-1.25)
    assert g.backward() == {"a": 2.0}
    assert len(g.edges) == 2


def test_fan_out_three_gates_add_all_three():
    x, y, z = bp.inputs("x y z")
    g = bp.Graph(x * y + (x + z) + bp.exp(x))
    xv, yv, zv = 0.3, -1.7, 2.0
    g.forward(x=xv, y=yv, z=zv)
    grads = g.backward()
    assert grads["x"] == pytest.approx(yv + 1 + math.exp(xv), abs=1e-14)
    assert grads["y"] == pytest.approx(xv, abs=1e-15)
    assert grads["z"] == 1.0
    assert len([e for e in g.edges if e.source is x]) == 3


def test_fan_out_of_an_inner_node():
    x = bp.inputs("x")
    q = x * 3.0                   # q feeds two gates
    g = bp.Graph(q * q + q)       # f = 9x^2 + 3x, df/dx = 18x + 3
    g.forward(x=2.0)
    assert g.backward() == {"x": 39.0}
    assert q.grad == 2 * 6.0 + 1


def test_same_input_array_fan_out():
    g = bp.parse("sum(x * x + x)")
    g.forward(x=[1.0, -2.0, 0.5])
    np.testing.assert_array_equal(g.backward()["x"], [3.0, -3.0, 2.0])


# ---- a static graph: forward again and again -------------------------------------


def test_repeated_backward_gives_the_same_answer():
    g = bp.parse("(x + y) * z")
    g.forward(**LESSON01)
    first = g.backward()
    assert g.backward() == first
    assert g.backward() == first


def test_backward_after_new_forward_is_fresh():
    g = bp.parse("x * x * y")
    g.forward(x=1.0, y=2.0)
    assert g.backward() == {"x": 4.0, "y": 1.0}
    g.forward(x=3.0, y=-1.0)
    assert g.backward() == {"x": -6.0, "y": 9.0}   # not 4 - 6, not accumulated
    g.forward(x=1.0, y=2.0)
    assert g.backward() == {"x": 4.0, "y": 1.0}


def test_array_inputs_get_gradients_of_their_shape():
    g = bp.parse("sum(W @ x + b)")
    W = np.arange(6.0).reshape(2, 3)
    x = np.array([1.0, -1.0, 2.0])
    b = np.array([0.5, 0.25])
    assert g.forward(W=W, x=x, b=b) == pytest.approx(np.sum(W @ x + b))
    grads = g.backward()
    np.testing.assert_array_equal(grads["W"], np.tile(x, (2, 1)))
    np.testing.assert_array_equal(grads["x"], W.sum(axis=0))
    np.testing.assert_array_equal(grads["b"], [1.0, 1.0])


def test_array_output_with_upstream():
    g = bp.parse("x * y")
    out = g.forward(x=[1.0, 2.0, 3.0], y=2.0)
    np.testing.assert_array_equal(out, [2.0, 4.0, 6.0])
    grads = g.backward(upstream=[1.0, 0.0, -1.0])
    np.testing.assert_array_equal(grads["x"], [2.0, 0.0, -2.0])
    assert grads["y"] == 1.0 * 1 + 0.0 * 2 + -1.0 * 3     # the scalar y got the sum


def test_broadcast_column_plus_matrix():
    g = bp.parse("sum(c + M)")
    g.forward(c=[[1.0], [2.0]], M=np.ones((2, 3)))
    grads = g.backward()
    np.testing.assert_array_equal(grads["c"], [[3.0], [3.0]])
    np.testing.assert_array_equal(grads["M"], np.ones((2, 3)))


def test_graph_of_just_an_input_and_just_a_constant():
    x = bp.inputs("x")
    g = bp.Graph(x)
    assert g.forward(x=2.5) == 2.5
    assert g.backward() == {"x": 1.0}
    c = bp.parse("7")
    assert c.forward() == 7.0 and c.backward() == {}


def test_numpy_number_inputs_are_accepted():
    g = bp.parse("x * y")
    assert g.forward(x=np.int64(3), y=np.float32(0.5)) == 1.5


# ---- the 100,000-node chain --------------------------------------------------------


def test_100000_node_chain_of_add_and_subtract():
    x = bp.inputs("x")
    node = x
    for k in range(50_000):
        node = node + 1.0
        node = node - 1.0
    g = bp.Graph(node)
    assert len(g.gates()) == 100_000
    assert len(g.nodes) == 200_001      # plus one constant per gate, and x
    assert g.forward(x=0.75) == 0.75    # +1 -1 is exact for 0.75
    assert g.backward() == {"x": 1.0}


def test_100000_node_chain_of_multiplies():
    x = bp.inputs("x")
    node = x
    for k in range(100_000):
        node = node * 1.0000001
    g = bp.Graph(node)
    assert len(g.gates()) == 100_000
    expected = 1.0000001 ** 100_000       # = e^(0.01 - 5e-10 ...) ~ 1.01005
    assert g.forward(x=2.0) == pytest.approx(2.0 * expected, rel=1e-9)
    assert g.backward()["x"] == pytest.approx(expected, rel=1e-9)


# ---- errors: forward -------------------------------------------------------------


@pytest.fixture
def g01():
    return bp.parse("(x + y) * z")


def test_forward_names_the_missing_input(g01):
    with pytest.raises(ValueError, match=r"missing.*'z'"):
        g01.forward(x=1, y=2)


def test_forward_names_the_unknown_input(g01):
    with pytest.raises(ValueError, match=r"unknown input 'w'") as info:
        g01.forward(x=1, y=2, z=3, w=4)
    assert "x, y, z" in str(info.value)


@pytest.mark.parametrize("kind", ["small", "compiled", "batched"])
def test_a_misspelt_input_is_named_even_when_the_count_is_right(kind):
    """As many values as inputs, one of them misspelt: the error names the stranger
    (forward counts the names first and finds the misspelt one as it reads the values),
    and no KeyError from inside the kit hangs on it."""
    if kind == "small":
        g, values = bp.parse("(x + y) * z"), dict(x=1, y=2, z=3)
    else:
        output, values = scalar_mlp()
        g = bp.Graph(output) if kind == "compiled" else bp.BatchedGraph(output)
        assert kind == "batched" or g.plan is not None
    values["wrong"] = values.pop("x0" if "x0" in values else "y")
    with pytest.raises(ValueError, match=r"unknown input 'wrong'") as info:
        g.forward(**values)
    assert info.value.__context__ is None


@pytest.mark.parametrize("bad", ["abc", None, object(), True, 1 + 2j, [[1, 2], [3]], {"a": 1}],
                         ids=["str", "None", "object", "bool", "complex", "ragged", "dict"])
def test_forward_names_a_non_numeric_input(g01, bad):
    with pytest.raises(TypeError, match=r"input 'y'.*number"):
        g01.forward(x=1, y=bad, z=3)


@pytest.mark.parametrize("bad", [["1", "2"], np.array(["1.5"]), np.array([1 + 2j])],
                         ids=["list-of-str", "str-array", "complex-array"])
def test_forward_refuses_arrays_that_are_not_numbers(g01, bad):
    # Strings that look like numbers and complex arrays are not numbers either: they
    # must not be converted silently (complex loses its imaginary part).
    with pytest.raises(TypeError, match=r"input 'y'"):
        g01.forward(x=1, y=bad, z=3)


def test_forward_names_a_too_big_integer(g01):
    with pytest.raises((TypeError, ValueError), match=r"input 'x'"):
        g01.forward(x=10 ** 400, y=1, z=1)


@pytest.mark.parametrize("bad,word", [(float("nan"), "NaN"), (np.nan, "NaN"),
                                      (float("inf"), "infinite"), (-np.inf, "infinite"),
                                      (np.float32("nan"), "NaN")])
def test_forward_names_nan_and_inf_inputs(g01, bad, word):
    with pytest.raises(ValueError, match=rf"input 'z' is {word}"):
        g01.forward(x=1, y=2, z=bad)


def test_forward_names_nan_entries_in_an_array(g01):
    with pytest.raises(ValueError, match=r"input 'x' contains NaN"):
        g01.forward(x=[1.0, np.nan], y=2, z=3)
    with pytest.raises(ValueError, match=r"input 'x' contains infinite"):
        g01.forward(x=[1.0, np.inf], y=2, z=3)


def test_forward_names_the_node_that_overflows():
    g = bp.parse("exp(x) * 2")
    with pytest.raises(FloatingPointError, match=r"n1 \(exp\)") as info:
        g.forward(x=1000)
    assert "1000" in str(info.value)
    with pytest.raises(FloatingPointError, match=r"\(log\)"):
        bp.parse("log(x)").forward(x=-1)


def test_no_silent_nan_gradient_from_an_infinite_intermediate():
    # exp(1000) is inf, 1/inf = 0 is finite: the output looks fine, but backward would
    # multiply inf by 0. The engine must say so (in forward or backward), not return NaN.
    g = bp.parse("1 / exp(x)")
    with pytest.raises((FloatingPointError, ValueError), match=r"exp"):
        g.forward(x=1000)
        g.backward()


def test_no_silent_nan_gradient_in_the_batched_runner_either():
    g = bp.BatchedGraph(bp.parse("1 / exp(x)").output)
    with pytest.raises((FloatingPointError, ValueError), match=r"exp"):
        g.forward(x=1000)
        g.backward()


def test_the_batched_runner_refuses_a_non_finite_gradient_as_graph_does():
    """1/x at x = 1e-200 is 1e200, finite; its gradient -1/x^2 = -1e400 is not. Graph
    raised, the batched runner returned {'x': -inf}."""
    for run in (bp.parse("1/x"), bp.BatchedGraph(bp.parse("1/x").output)):
        assert run.forward(x=1e-200) == 1e200
        with pytest.raises(FloatingPointError, match=r"non-finite gradient for x$"):
            run.backward()


def test_big_finite_gradients_pass_and_an_infinite_one_is_named():
    """Backward checks the gradients with one quick sum of squares, which overflows for
    entries near 1e200 though every entry is finite: then each is checked on its own.
    Here dx = W.T (by hand) holds 1e200, and d(sum(1/x))/dx = -1/x^2 is -inf at 1e-200."""
    g = bp.parse("sum(W @ x)")
    g.forward(W=np.array([[1e200, 1.0]]), x=np.array([1.0, 1.0]))
    grads = g.backward()
    np.testing.assert_array_equal(grads["x"], [1e200, 1.0])
    np.testing.assert_array_equal(grads["W"], [[1.0, 1.0]])
    g = bp.parse("sum(1 / x) + y")
    g.forward(x=np.array([1e-200, 1.0]), y=1.0)
    with pytest.raises(FloatingPointError, match=r"non-finite gradient for x$"):
        g.backward()


def test_the_finite_check_reads_any_iterable_and_complex_numbers_quietly():
    """all_finite walks its values twice when the quick sum fails (a generator was spent
    by then, and a NaN passed), and a complex array's squares are not cast with a warning."""
    from bpwidgets.graph import all_finite
    assert not all_finite(v for v in [np.array([1.0, np.nan]), 2.0])
    assert all_finite(v for v in [np.array([1e200, 1.0]), 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all_finite([np.array([1 + 2j, 3.0])])
        assert not all_finite([np.array([complex(np.inf, 0)])])


def test_forward_refuses_shapes_that_do_not_fit():
    g = bp.parse("W @ x")
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2,\)"):
        g.forward(W=np.ones((2, 3)), x=np.ones(2))


# ---- errors: names -----------------------------------------------------------------


@pytest.mark.parametrize("names,bad", [("x y-1", "y-1"), ("x 1y", "1y"), ("x lambda", "lambda"),
                                       ("if", "if"), ("x.y", "x.y")])
def test_input_names_must_be_identifiers(names, bad):
    with pytest.raises(ValueError, match=rf"input name '{bad}' is not a valid name"):
        bp.inputs(names)


@pytest.mark.parametrize("name", ["exp", "sigmoid", "max", "sum", "relu"])
def test_input_names_cannot_be_function_names(name):
    with pytest.raises(ValueError, match=rf"'{name}' is taken by the function {name}\(\)"):
        bp.inputs(name)


def test_input_names_non_string():
    with pytest.raises(ValueError, match=r"input name 3 is not a valid name"):
        bp.inputs([3])


def test_inputs_returns_one_node_or_a_tuple():
    x = bp.inputs("x")
    assert isinstance(x, bp.Node) and x.name == "x" and x.kind == "input"
    a, b = bp.inputs(["a", "b"])
    assert (a.name, b.name) == ("a", "b")
    c, d = bp.inputs("c, d")
    assert (c.name, d.name) == ("c", "d")


def test_two_inputs_with_the_same_name_are_refused():
    x1, x2 = bp.inputs("x x")
    with pytest.raises(ValueError, match=r"two different input nodes are named 'x'"):
        bp.Graph(x1 + x2)


# ---- errors: building with operators ----------------------------------------------


def test_operator_errors():
    x = bp.inputs("x")
    with pytest.raises(TypeError, match=r"exponent.*constant number.*Node"):
        x ** x
    with pytest.raises(TypeError, match=r"exponent.*str"):
        x ** "2"
    with pytest.raises(TypeError, match=r"cannot use str 'a'"):
        x + "a"
    with pytest.raises(TypeError, match=r"Graph needs the output node, got int"):
        bp.Graph(3)
    with pytest.raises(TypeError, match=r"add takes 2 input\(s\), got 1"):
        apply(bp.OPS["add"](), x)


def test_numbers_become_constants():
    x = bp.inputs("x")
    g = bp.Graph(2 * x - 1)
    kinds = [n.kind for n in g.nodes]
    assert kinds.count("constant") == 2 and kinds.count("input") == 1
    assert g.forward(x=4) == 7.0
    assert repr(bp.constant(0.5)) == "Constant(0.5)"
    assert repr(x) == "Input('x')"


# ---- errors: backward --------------------------------------------------------------


def test_backward_before_forward():
    g = bp.parse("x * 2")
    with pytest.raises(RuntimeError, match=r"forward\(.*\) before backward"):
        g.backward()


def test_array_output_needs_upstream():
    g = bp.parse("x * 2")
    g.forward(x=np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(3,\).*upstream"):
        g.backward()


def test_upstream_of_the_wrong_shape():
    g = bp.parse("x * 2")
    g.forward(x=np.ones(3))
    with pytest.raises(ValueError, match=r"upstream has shape \(2,\).*output has shape \(3,\)"):
        g.backward(upstream=np.ones(2))
    with pytest.raises(ValueError, match=r"upstream has shape \(3, 1\)"):
        g.backward(upstream=np.ones((3, 1)))


def test_upstream_must_be_numbers():
    g = bp.parse("x * 2")
    g.forward(x=np.ones(2))
    with pytest.raises(TypeError, match=r"upstream"):
        g.backward(upstream="ab")
    with pytest.raises(ValueError, match=r"upstream contains NaN"):
        g.backward(upstream=[1.0, np.nan])


class WrongShape(bp.Gate):
    """A learner's gate whose backward forgets the input's shape."""
    symbol, arity = "w", 1

    def forward(self, a):
        return 2 * a

    def backward(self, upstream):
        return (np.ones(2),)


class TwoGradients(bp.Gate):
    symbol, arity = "t", 1

    def forward(self, a):
        return 2 * a

    def backward(self, upstream):
        return upstream, upstream


class BareGradient(bp.Gate):
    symbol, arity = "b", 1

    def forward(self, a):
        return 2 * a

    def backward(self, upstream):
        return 2 * upstream       # forgot the tuple


def test_learner_gate_with_wrong_gradient_shape():
    x = bp.inputs("x")
    g = bp.Graph(apply(WrongShape(), x))
    g.forward(x=np.ones(3))
    with pytest.raises(ValueError) as info:
        g.backward(upstream=np.ones(3))
    message = str(info.value)
    assert "WrongShape" in message and "(2,)" in message and "(3,)" in message


def test_learner_gate_with_wrong_number_of_gradients():
    x = bp.inputs("x")
    for gate in (TwoGradients(), BareGradient()):
        g = bp.Graph(apply(gate, x))
        g.forward(x=1.0)
        with pytest.raises(TypeError, match=rf"{type(gate).__name__}.*one gradient per input \(1\)"):
            g.backward()


def test_learner_gate_that_works_takes_part_like_a_built_in():
    class Square(bp.Gate):
        symbol, arity = "sq", 1

        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, upstream):
            return (2 * self.a * upstream,)

    x = bp.inputs("x")
    g = bp.Graph(apply(Square(), x * 3.0) + x)      # 9x^2 + x
    assert g.forward(x=2.0) == 38.0
    assert g.backward() == {"x": 37.0}
    assert g.output.inputs[0].gate.name == "Square"


# ---- batched (level-by-level) runner ------------------------------------------------


@pytest.mark.parametrize("text,values", [
    ("(x + y) * z", LESSON01),
    ("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", LESSON02),
    ("sigmoid(w0*x0 + w1*x1 + w2)", LESSON02),
    ("a*b + a*a + b*a + a*2", dict(a=1.3, b=-0.7)),
    ("max(x, y) * x + relu(y) - leaky_relu(x) + elu(x) + x ** 3 - tanh(y) / y", dict(x=-0.5, y=0.7)),
    ("x", dict(x=2.0)),
])
def test_batched_matches_per_node(text, values):
    g = bp.parse(text)
    gb = bp.BatchedGraph(bp.parse(text).output)
    assert gb.forward(**values) == pytest.approx(g.forward(**values), rel=1e-14, abs=1e-14)
    a, b = g.backward(), gb.backward()
    assert a.keys() == b.keys()
    for name in a:
        assert b[name] == pytest.approx(a[name], rel=1e-12, abs=1e-14), name
    # A batched graph keeps its numbers in arrays: read them with value_of / grad_of.
    for node_g, node_b in zip(g.nodes, gb.nodes):
        assert gb.value_of(node_b) == pytest.approx(g.value_of(node_g), rel=1e-14, abs=1e-14)
        assert gb.grad_of(node_b) == pytest.approx(g.grad_of(node_g), rel=1e-12, abs=1e-14)


def test_batched_lesson_numbers():
    g = bp.BatchedGraph(bp.parse("(x + y) * z").output)
    assert g.forward(**LESSON01) == -12.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}
    g.forward(x=1, y=1, z=1)
    assert g.backward() == {"x": 1.0, "y": 1.0, "z": 2.0}   # fresh, not accumulated


def test_batched_refusals():
    x = bp.inputs("x")
    with pytest.raises(ValueError, match=r"cannot run batched.*matmul"):
        bp.BatchedGraph(x @ x)
    with pytest.raises(ValueError, match=r"cannot run batched.*sum"):
        bp.BatchedGraph(bp.sum(x))
    with pytest.raises(ValueError, match=r"cannot run batched.*array constant"):
        bp.BatchedGraph(x * [1.0, 2.0])
    g = bp.BatchedGraph(x * 2)
    with pytest.raises(ValueError, match=r"scalar inputs only.*'x'.*\(2,\)"):
        g.forward(x=[1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"before backward"):
        bp.BatchedGraph(x * 2).backward()
    with pytest.raises(ValueError, match=r"input 'x' is NaN"):
        g.forward(x=np.nan)
    with pytest.raises(FloatingPointError, match=r"\(exp\)"):
        bp.BatchedGraph(bp.exp(x)).forward(x=1000)


@pytest.mark.parametrize("bad", ["abc", "3", None, True, object(), np.nan],
                         ids=["str", "numeric-str", "None", "bool", "object", "nan"])
def test_batched_forward_names_a_non_numeric_input(bad):
    # the same contract as the per-node engine: no silent conversion of '3' or True
    x, y = bp.inputs("x y")
    g = bp.BatchedGraph(x * y)
    with pytest.raises((TypeError, ValueError), match=r"input 'y'"):
        g.forward(x=1.0, y=bad)


# ---- a learner's gate that goes wrong: the error says where and why -----------------

class _Forgetful(bp.Gate):
    """Multiplies, but forgets to return (forward) or to cache (backward)."""

    def __init__(self, returns=True, caches=True):
        self.returns, self.caches = returns, caches

    def forward(self, a, b):
        if self.caches:
            self.a, self.b = a, b
        if self.returns:
            return a * b

    def backward(self, upstream):
        return upstream * self.b, upstream * self.a


def test_a_forward_that_returns_nothing_is_named():
    x, y = bp.inputs("x y")
    g = bp.Graph(_Forgetful(returns=False)(x, y))
    with pytest.raises(TypeError, match=r"n2 \(_Forgetful\).*forward returned None.*forget the return"):
        g.forward(x=2.0, y=3.0)


def test_a_backward_that_reads_an_uncached_value_is_named_with_a_hint():
    x, y = bp.inputs("x y")
    g = bp.Graph(_Forgetful(caches=False)(x, y))
    assert g.forward(x=2.0, y=3.0) == 6.0
    with pytest.raises(AttributeError, match=r"backward failed at node n2.*did forward store it"):
        g.backward()


def test_a_unary_gate_returning_a_bare_gradient_is_told_to_return_a_tuple():
    class Double(bp.Gate):
        def forward(self, a):
            return 2 * a

        def backward(self, upstream):
            return 2 * upstream            # should be (2 * upstream,)

    x = bp.inputs("x")
    g = bp.Graph(Double()(x))
    g.forward(x=1.5)
    with pytest.raises(TypeError, match=r"return a tuple: \(grad,\)"):
        g.backward()


def test_numpy_operators_on_nodes_build_gates_and_numpy_functions_say_what_to_use():
    x = bp.inputs("x")
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = bp.Graph(bp.sum(W @ x + np.ones(2) * x))
    # f = sum(W x) + sum(x) = (1+3+1) x0 + (2+4+1) x1, by hand
    assert g.forward(x=[1.0, 1.0]) == pytest.approx(12.0)
    assert np.allclose(g.backward()["x"], [5.0, 7.0])
    with pytest.raises(TypeError, match=r"np|numpy.*exp.*bp\.exp"):
        np.exp(x)


def test_star_import_leaves_python_max_and_sum_alone():
    names = {}
    exec("from bpwidgets import *", names)      # noqa: S102 (a fixed string, our own)
    assert "sum" not in names and "max" not in names
    assert names["parse"] is bp.parse and names["jacobian"] is bp.jacobian


# ---- the compiled plan: a big scalar graph runs level by level ------------------------

def scalar_mlp(sizes=(2, 8, 8, 1), seed=0):
    """A scalar MLP as a graph of + * relu gates (hundreds of nodes), with its values."""
    rng = np.random.default_rng(seed)
    acts = list(bp.inputs([f"x{i}" for i in range(sizes[0])]))
    values = {a.name: float(v) for a, v in zip(acts, rng.standard_normal(sizes[0]))}
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        outs = []
        for j in range(n_out):
            b = bp.inputs(f"b{k}_{j}")
            values[b.name] = float(rng.standard_normal())
            act = b
            for i, a in enumerate(acts):
                w = bp.inputs(f"w{k}_{j}_{i}")
                values[w.name] = float(rng.standard_normal())
                act = act + w * a
            outs.append(bp.relu(act) if k < len(sizes) - 2 else act)
        acts = outs
    return acts[0], values


def test_a_big_scalar_graph_compiles_and_agrees_with_running_node_by_node():
    output, values = scalar_mlp()
    fast = bp.Graph(output)
    assert fast.plan is not None                       # 200+ gates of + * relu
    small = bp.Graph(output)
    small.plan = None                                  # the same graph, node by node
    f_node, g_node = small.forward(**values), small.backward()
    nodes_by_node = [(n.value, n.grad, n.downstream) for n in small.nodes]
    f_fast, g_fast = fast.forward(**values), fast.backward()
    assert f_fast == pytest.approx(f_node, rel=1e-13)
    for name in g_node:
        assert g_fast[name] == pytest.approx(g_node[name], rel=1e-12, abs=1e-15)
    # every node's value and gradient, and every edge's downstream (made when asked for)
    for node, (value, grad, downstream) in zip(fast.nodes, nodes_by_node):
        assert node.value == pytest.approx(value, rel=1e-13, abs=1e-15)
        assert node.grad == pytest.approx(grad, rel=1e-12, abs=1e-15)
        assert np.allclose(node.downstream, downstream, rtol=1e-12, atol=1e-15)
    # after a new point, the per-edge numbers follow (no stale gate caches)
    moved = {name: v + 0.25 for name, v in values.items()}
    small.forward(**moved)
    small.backward()
    want = [n.downstream for n in small.nodes]
    fast.forward(**moved)
    fast.backward()
    for node, downstream in zip(fast.nodes, want):
        assert np.allclose(node.downstream, downstream, rtol=1e-12, atol=1e-15)
    local = [e.local for e in fast.edges if e.target.gate is not None]
    assert all(v is not None for v in local)


def test_a_compiled_graph_gives_what_wrt_asks_for_in_that_order():
    output, values = scalar_mlp()
    fast = bp.Graph(output)
    assert fast.plan is not None
    small = bp.Graph(output)
    small.plan = None                                  # node by node: the reference
    small.forward(**values)
    truth = small.backward()
    fast.forward(**values)
    names = list(values)
    picked = [names[-1], names[0], names[len(names) // 2]]
    for wrt in (picked, names[::-1], None, picked):    # each set of names, then again
        got = fast.backward(wrt=wrt)
        assert list(got) == (list(fast.inputs) if wrt is None else wrt)
        for name in got:
            assert got[name] == pytest.approx(truth[name], rel=1e-12, abs=1e-15), name


def test_a_compiled_graph_names_bad_inputs_and_hidden_infinities():
    output, values = scalar_mlp()
    g = bp.Graph(output)
    with pytest.raises(ValueError, match=r"input 'x0' is NaN"):
        g.forward(**dict(values, x0=float("nan")))
    with pytest.raises(TypeError, match=r"input 'x1'"):
        g.forward(**dict(values, x1=True))
    x = bp.inputs("x")
    chain = x
    for _ in range(150):
        chain = chain * 1.0 + 0.0
    g = bp.Graph(1 / bp.exp(chain))
    assert g.plan is not None
    with pytest.raises(FloatingPointError, match=r"\(exp\)"):
        g.forward(x=1000)
        g.backward()


def test_a_compiled_graph_given_an_array_runs_node_by_node_like_a_small_one():
    """Whether a graph is compiled is the kit's business: big or small, it takes what the
    engine takes. Given an array for x, a compiled scalar graph runs node by node, and
    then level by level again when the inputs are scalars."""
    output, values = scalar_mlp()
    g = bp.Graph(output)
    assert g.plan is not None
    xs = np.array([0.3, -1.2, 2.0])
    got = g.forward(**dict(values, x0=xs))
    grads = g.backward(upstream=np.ones(3))
    for k, x0 in enumerate(xs):                    # the truth: one scalar run per entry
        assert got[k] == pytest.approx(g.forward(**dict(values, x0=x0)), rel=1e-12)
        truth = g.backward()
        for name in ("x0", "x1", "w0_0_0", "b1_3"):
            assert np.ndim(grads[name]) == (1 if name == "x0" else 0), name
        assert grads["x0"][k] == pytest.approx(truth["x0"], rel=1e-12, abs=1e-15)
    # the pictures' per-edge numbers come from the array run that happened last: at a
    # w * x0 gate, x0's downstream gradient is w times the gate's upstream
    g.forward(**dict(values, x0=xs))
    g.backward(upstream=np.ones(3))
    x0 = g.inputs["x0"]
    gate = next(edge.target for edge in g.consumers[x0])
    w = next(p for p in gate.inputs if p is not x0)
    assert np.shape(gate.grad) == (3,)
    np.testing.assert_allclose(gate.downstream[gate.inputs.index(x0)], values[w.name] * gate.grad,
                               rtol=1e-12)


def test_an_input_that_once_held_an_array_does_not_stop_a_new_graph_compiling():
    """An input's value is whatever the next forward gives it: a big scalar graph built on
    an input that another graph had run with an array was refused its plan ("input 'x0'
    is an array constant") and ran node by node."""
    output, values = scalar_mlp()
    x0 = next(node for node in bp.Graph(output).nodes if node.name == "x0")
    small = bp.Graph(x0 * 2.0)
    small.forward(x0=np.array([1.0, 2.0]))
    g = bp.Graph(output)
    assert g.plan is not None
    assert g.forward(**values) == pytest.approx(bp.Graph(output).forward(**values))


def test_a_compiled_graph_back_on_scalars_after_an_array_run_draws_the_scalar_run():
    """Per-edge numbers after scalar, array, then scalar runs again belong to the last
    run: the level-by-level run takes its gates back from the node-by-node one."""
    output, values = scalar_mlp()
    g = bp.Graph(output)
    x0 = g.inputs["x0"]
    gate = next(edge.target for edge in g.consumers[x0])
    w = next(p for p in gate.inputs if p is not x0)
    for given in (values, dict(values, x0=np.array([0.3, -1.2])), dict(values, x0=0.7)):
        g.forward(**given)
        g.backward(upstream=None if np.ndim(given["x0"]) == 0 else np.ones(2))
    assert np.ndim(gate.grad) == 0 and x0.value == 0.7
    assert gate.local_gradients[gate.inputs.index(x0)] == values[w.name]
    assert gate.local_gradients[gate.inputs.index(w)] == 0.7     # x0 of the last run
    assert gate.downstream[gate.inputs.index(x0)] == pytest.approx(values[w.name] * gate.grad,
                                                                   rel=1e-12)


def test_backward_wrt_gives_only_what_is_asked_and_the_same_numbers():
    g = bp.parse("sum((W @ x) ** 2) + 3 * c")
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    g.forward(W=W, x=x, c=2.0)
    everything = g.backward()
    only_w = g.backward(wrt=["W"])
    assert list(only_w) == ["W"]
    np.testing.assert_array_equal(only_w["W"], everything["W"])
    assert g.inputs["x"].grad is None and g.inputs["c"].grad is None     # not computed
    assert g.backward(wrt="c") == {"c": 3.0}
    with pytest.raises(ValueError, match=r"wrt=.*'q', which is not an input"):
        g.backward(wrt=["q"])


def test_batched_graph_is_a_thin_runner_not_a_graph():
    g = bp.BatchedGraph(bp.parse("(x + y) * z").output)
    assert not isinstance(g, bp.Graph)
    assert g.forward(x=-2, y=5, z=-4) == -12.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_broadcasting_is_undone_on_every_backward_whatever_the_shapes():
    """The engine learns once per set of input shapes which edges to un-broadcast; a
    second run, and a run with other shapes, must give the same gradients as by hand."""
    rng = np.random.default_rng(0)
    A, v = rng.standard_normal((1, 3)), rng.standard_normal(3)
    g = bp.parse("exp(A @ v) / (1 + sum(v * v))")        # (1,) over a scalar: -> ()
    for _ in range(2):
        g.forward(A=A, v=v)
        grads = g.backward(np.ones(1))
        d = 1 + v @ v
        np.testing.assert_allclose(grads["A"], np.exp(A @ v)[:, None] * v / d)
        np.testing.assert_allclose(grads["v"], np.exp(A @ v)[0] * (A[0] / d - 2 * v / d ** 2))
    g = bp.parse("sum(A + b)")
    for b_shape in ((2, 1), (2, 3), (3,), (2, 1)):
        b = rng.standard_normal(b_shape)
        g.forward(A=np.ones((2, 3)), b=b)
        grads = g.backward()
        assert grads["b"].shape == b_shape
        np.testing.assert_allclose(grads["b"], np.full(b_shape, 6 / b.size))


def test_a_learners_gate_is_checked_on_every_backward():
    class SometimesWrong(bp.Gate):
        calls = 0

        def forward(self, a):
            self.n = len(a)
            return np.sum(a)

        def backward(self, upstream):
            SometimesWrong.calls += 1
            n = self.n if SometimesWrong.calls == 1 else self.n - 1
            return (np.full(n, upstream),)
    x = bp.inputs("x")
    g = bp.Graph(SometimesWrong()(x))
    g.forward(x=np.ones(3))
    g.backward()
    g.forward(x=np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(2,\) for input 0 of shape \(3,\)"):
        g.backward()


def test_backward_wrt_leaves_no_half_done_graph_behind():
    g = bp.parse("(x + y) * z + 2")
    g.forward(x=-2, y=5, z=-4)
    g.backward(wrt=["x"])
    assert not g.backward_done                 # pictures and steps need every gradient
    assert "grads" not in bp.show(g).text      # drawn without gradients, no crash
    g.backward(wrt=["z", "y", "x"])            # every input, in another order: complete
    assert g.backward_done
    assert all(node.grad is not None for node in g.nodes)


def test_two_compiled_graphs_sharing_nodes_keep_their_edges_right():
    x, y = bp.inputs("x y")
    inner = x * y
    for _ in range(120):
        inner = inner * 0.99 + 0.01
    shared = bp.tanh(inner)
    g1, g2 = bp.Graph(shared), bp.Graph(shared * 2.0)
    assert g1.plan is not None and g2.plan is not None
    g2.forward(x=0.3, y=0.5)
    g2.backward()
    g1.forward(x=0.6, y=0.9)
    g1.backward()
    assert shared.downstream and shared.local_gradients        # made for g1's run
    g2.forward(x=0.3, y=0.5)
    g2.backward()
    t = float(np.tanh(shared.inputs[0].value))
    assert shared.local_gradients[0] == pytest.approx(1 - t * t, rel=1e-12)
    assert shared.downstream[0] == pytest.approx(2 * (1 - t * t), rel=1e-12)


def test_array_inputs_are_checked_together_and_the_bad_one_is_named():
    g = bp.parse("sum(W @ x + b)")
    good = dict(W=np.ones((2, 3)), x=np.ones(3), b=np.ones(2))
    assert g.forward(**good) == 8.0
    for name, word in (("x", "NaN"), ("b", "infinite")):
        bad = dict(good)
        bad[name] = good[name].copy()
        bad[name][1] = np.nan if word == "NaN" else -np.inf
        with pytest.raises(ValueError, match=rf"input '{name}' contains {word}"):
            g.forward(**bad)
    given = np.ones(3)
    g.forward(**dict(good, x=given))
    given[0] = 100.0                              # the graph keeps its own copy
    assert g.backward()["W"][0, 0] == 1.0


def test_backward_wrt_tells_matmul_which_gradient_to_compute():
    X, W = bp.inputs("X W")
    g = bp.Graph(bp.sum(bp.relu(X @ W)))
    rng = np.random.default_rng(1)
    values = dict(X=rng.standard_normal((4, 3)), W=rng.standard_normal((3, 2)))
    g.forward(**values)
    full = g.backward()
    only_w = g.backward(wrt=["W"])
    np.testing.assert_array_equal(only_w["W"], full["W"])
    matmul = next(node for node in g.nodes if node.gate is not None and node.gate.name == "matmul")
    assert matmul.downstream[0] is None           # dX was not wanted, so not computed
    g.backward()
    np.testing.assert_array_equal(matmul.downstream[0], full["X"])


def test_unbroadcast_sums_added_and_stretched_axes():
    from bpwidgets.graph import unbroadcast
    grad = np.arange(24.0).reshape(2, 3, 4)
    for shape in [(3, 1), (4,), (1, 4), (3, 4), (1, 3, 1), ()]:
        expected = grad.sum(axis=0) if len(shape) < 3 else grad
        if len(shape) < 2:
            expected = expected.sum(axis=0)
        if len(shape) < 1:
            expected = expected.sum()
        expected = np.sum(expected, axis=tuple(i for i, n in enumerate(shape) if n == 1),
                          keepdims=True) if shape else expected
        got = unbroadcast(grad, shape)
        assert np.shape(got) == shape
        np.testing.assert_allclose(got, expected)


def test_unbroadcast_of_a_matrix_is_its_column_or_row_sums_nan_and_inf_included():
    """A bias's gradient: the column or row sums of the upstream matrix, an inf staying
    inf and inf - inf giving NaN, as numpy's sum gives them."""
    from bpwidgets.graph import unbroadcast
    grad = np.random.default_rng(0).standard_normal((256, 100))
    np.testing.assert_allclose(unbroadcast(grad, (100,)), grad.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(unbroadcast(grad, (1, 100)), grad.sum(axis=0, keepdims=True),
                               rtol=1e-12)
    np.testing.assert_allclose(unbroadcast(grad, (256, 1)), grad.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    grad[3, 5], grad[7, 6], grad[8, 6] = np.inf, np.inf, -np.inf
    for shape, axis in [((100,), 0), ((256, 1), 1)]:
        with np.errstate(invalid="ignore"):          # as backward runs it (inf - inf)
            expected = grad.sum(axis=axis).reshape(shape)
            got = unbroadcast(grad, shape)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(expected))


def test_a_graph_whose_shared_nodes_another_graph_overwrote_says_so():
    """Graph(q) and Graph(q * z) hold the same nodes q, x and y. After the bigger one
    runs, the smaller one's numbers are gone: its backward, its gradients, its steps
    and a prediction checked against it must say so, never give the other's numbers."""
    x, y, z = bp.inputs("x y z")
    q = x + y
    inner, whole = bp.Graph(q), bp.Graph(q * z)
    inner.forward(x=1.0, y=2.0)
    assert inner.backward() == {"x": 1.0, "y": 1.0}
    whole.forward(x=-2.0, y=5.0, z=-4.0)
    assert whole.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}    # the lecture's numbers
    assert not inner.forward_done and not inner.backward_done
    for call in (inner.backward, inner.input_grads, lambda: bp.backward_steps(inner),
                 lambda: bp.check_prediction(inner, "x", 1)):
        with pytest.raises(RuntimeError, match="another graph that shares nodes with it"):
            call()
    inner.forward(x=1.0, y=2.0)                   # run again: its own numbers are back
    assert inner.backward() == {"x": 1.0, "y": 1.0}
    assert bp.check_prediction(inner, "x", 1).ok
    assert not whole.forward_done                 # and now the other one is out of date
    # graphs that share only an input overwrite each other's too
    f, g = bp.Graph(x * y), bp.Graph(x + z)
    f.forward(x=3.0, y=4.0)
    f.backward()
    g.forward(x=10.0, z=1.0)
    g.backward()
    with pytest.raises(RuntimeError, match="run forward"):
        f.input_grads()


def test_a_model_graph_after_training_steps_asks_for_a_new_forward():
    """An MLP's graph shares X, the weights and the scores with its loss graph:
    loss_and_gradients on other rows must not leave net.graph with their numbers."""
    net = bp.nn.MLP([3, 4, 2], activation="relu", seed=0)
    rng = np.random.default_rng(0)
    X1, X2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    net.forward(X1)
    bp.nn.loss_and_gradients(net, X2, np.array([0, 1, 0, 1, 1]))
    with pytest.raises(RuntimeError, match="another graph that shares nodes"):
        net.graph.backward(upstream=np.ones((5, 2)))


def test_an_infinity_no_gradient_needs_is_no_error_in_a_big_graph_or_a_small_one():
    """x / exp(1000): exp(1000) is inf, but the output (0) and d output / dx (0) are
    finite, and nothing else is asked for. A compiled graph answers as a small one."""
    for terms in (1, 120):                        # node by node, and compiled
        x = bp.inputs("x")
        chain = x
        for _ in range(terms):
            chain = chain * 1.0
        g = bp.Graph(chain / bp.exp(bp.constant(1000.0)))
        assert (g.plan is not None) == (terms > 100)
        assert g.forward(x=3.0) == 0.0
        assert g.backward() == {"x": 0.0}


@pytest.mark.parametrize("wrt", [3, ["x", 3], [None]])
def test_backward_wrt_that_is_not_names_is_refused_clearly(wrt):
    g = bp.parse("x * y")
    g.forward(x=1.0, y=2.0)
    with pytest.raises(TypeError, match=r"wrt=\.\.\.\) takes an input's name or a list of names"):
        g.backward(wrt=wrt)
    assert g.backward(wrt={"x": 0}.keys()) == {"x": 2.0}       # any collection of names


def test_a_graph_expression_must_be_text():
    x = bp.inputs("x")
    with pytest.raises(TypeError, match="expression .* must be a string, got int"):
        bp.Graph(x * 2, expression=5)


def test_a_missing_input_of_a_big_graph_is_named_in_a_short_message():
    """A scalar MLP has hundreds of inputs: the message names the missing one and a few
    of the rest, not all of them."""
    output, values = scalar_mlp()
    g = bp.Graph(output)
    del values["x0"], values["w0_3_1"]
    with pytest.raises(ValueError) as error:
        g.forward(**values)
    message = str(error.value)
    assert "missing a value for input 'x0' and 1 more" in message
    assert f"({len(g.inputs):,} in all)" in message and len(message) < 400


def test_backward_after_another_graph_ran_a_shared_gate_is_refused_not_wrong():
    """A = Graph(q * z) and B = Graph(q) share q = x*y. After B ran at other inputs, q's
    cache holds B's numbers: A's backward gave x 28 and y 20 (right: 12, 8)."""
    x, y, z = bp.inputs("x y z")
    q = x * y
    A, B = bp.Graph(q * z), bp.Graph(q)
    A.forward(x=2.0, y=3.0, z=4.0)
    B.forward(x=5.0, y=7.0)
    with pytest.raises(RuntimeError, match="another graph that shares nodes"):
        A.backward()
    A.forward(x=2.0, y=3.0, z=4.0)
    assert A.backward() == {"x": 12.0, "y": 8.0, "z": 6.0}


def test_the_same_numbers_from_another_graph_are_no_overwrite():
    """B ran with A's very inputs: every shared node holds what A computed."""
    x, y, z = bp.inputs("x y z")
    q = x + y
    A, B = bp.Graph(q), bp.Graph(q * z)
    A.forward(x=1.0, y=2.0)
    B.forward(x=1.0, y=2.0, z=5.0)
    assert A.forward_done and A.backward() == {"x": 1.0, "y": 1.0}
    model = bp.nn.MLP([2, 3, 2], activation="relu", seed=0)
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    model.forward(X)
    bp.nn.loss_and_gradients(model, X, [0, 1])     # the loss graph, at the same X
    assert model.graph.forward_done


def test_a_student_changing_the_gradients_they_got_is_not_another_graph():
    g = bp.parse("sum(w + b)")
    g.forward(w=np.ones(3), b=np.ones(3))
    grads = g.backward()
    grads["b"] += 1.0                   # their own copy (b and w would share one array)
    grads.pop("w")
    assert g.backward_done and g.forward_done
    np.testing.assert_array_equal(g.input_grads()["b"], np.ones(3))
    assert "grads" in bp.show(g).text


def test_a_failed_backward_of_another_graph_is_noticed():
    """B's backward fails half way (sqrt at 0), after writing gradients on shared x."""
    x, y = bp.inputs("x y")
    A, B = bp.Graph(x * y), bp.Graph(x ** 0.5 + y)
    A.forward(x=0.0, y=3.0)
    B.forward(x=0.0, y=3.0)                        # the same inputs: no harm to A
    A.backward()
    assert A.backward_done                         # checked, and the answer cached
    with pytest.raises(FloatingPointError):
        B.backward()                               # writes on x and y, then fails
    assert not A.backward_done
    with pytest.raises(RuntimeError, match="another graph"):
        A.input_grads()


def test_a_shared_dead_relu_that_keeps_the_inputs_gradients_is_still_noticed():
    """relu(x + y) at x + y < 0 passes no gradient: both graphs leave x and y at 0, but
    the relu node's own gradient is the other graph's (its steps would contradict)."""
    x, y, z = bp.inputs("x y z")
    r = bp.relu(x + y)
    A, B = bp.Graph(r * z), bp.Graph(r)
    A.forward(x=-2.0, y=1.0, z=-4.0)
    A.backward()
    B.forward(x=-2.0, y=1.0)
    B.backward()
    assert r.grad == 1.0 and A.forward_done        # same values: no harm there
    assert not A.backward_done                     # but r's gradient is B's
    with pytest.raises(RuntimeError, match="another graph"):
        bp.backward_steps(A)


def test_inputs_named_like_cache_keys_do_not_collide():
    """Inputs named 'slots' and 'x': the compiled path's cache of positions and the node
    by node cache of needed nodes once shared one dict (an IndexError)."""
    x, slots = bp.inputs("x slots")
    out = x * slots
    for _ in range(60):
        out = bp.tanh(out * 0.5 + x)
    g = bp.Graph(out)
    assert g.plan is not None
    g.forward(x=np.array([0.1, 0.2]), slots=np.array([0.3, 0.4]))
    g.backward(np.ones(2), wrt=["slots", "x"])
    g.forward(x=0.1, slots=0.3)
    small = g.backward(wrt=["x"])
    g.forward(x=0.1, slots=0.3)
    assert small == {"x": g.backward()["x"]}


@pytest.mark.parametrize("use, said", [
    (lambda x, y: max(x, y), r"the max gate is bp\.max\(a, b\)"),
    (lambda x, y: min(x, y), r"min\(a, b\) is -bp\.max\(-a, -b\)"),
    (lambda x, y: x < 0, r"no values to compare until forward runs"),
    (lambda x, y: abs(x), r"no abs gate: \|x\| is bp\.max\(x, -x\)"),
    (lambda x, y: math.exp(x), r"not a number until forward runs .* bp\.exp\(x\)"),
    (lambda x, y: 2 ** x, r"^2 \*\* node: the power gate takes a constant exponent"),
])
def test_pythons_own_functions_on_a_node_say_which_gate_to_use(use, said):
    """max(x, y) said only "'>' not supported between instances of 'Node' and 'Node'";
    lesson 03's max gate makes it the likeliest of these to type."""
    x, y = bp.inputs("x y")
    with pytest.raises(TypeError, match=said):
        use(x, y)
    g = bp.Graph(bp.max(x, y) + abs(-3.0) * x ** 2)    # the kit's ways still build gates
    assert g.forward(x=2.0, y=5.0) == 17.0


def test_after_backward_with_wrt_the_follow_ups_say_why_gradients_are_missing():
    """After backward(wrt='x'), input_grads() failed with "float() argument must be ...
    not 'NoneType'", and backward_steps and check_prediction told the user to call
    backward(), which they had. By hand, d(xy)/dx = y = 2 and d/dy = x = 1."""
    h = bp.parse("x*y")
    with pytest.raises(RuntimeError, match=r"^call forward\(\.\.\.\) and backward\(\) first"):
        h.input_grads()
    h.forward(x=1.0, y=2.0)
    assert h.backward(wrt="x") == {"x": 2.0}
    said = r"\(the last backward ran with wrt=\['x'\] only, .*run backward\(\) for every"
    for follow_up in (h.input_grads, lambda: bp.backward_steps(h),
                      lambda: bp.check_prediction(h, "x", 2)):
        with pytest.raises(RuntimeError, match=said):
            follow_up()
    h.backward()
    assert h.input_grads() == {"x": 2.0, "y": 1.0}
    assert bp.check_prediction(h, "y", 1).ok
    h.forward(x=3.0, y=4.0)                  # a new forward: the note goes with the old run
    with pytest.raises(RuntimeError) as caught:
        h.input_grads()
    assert "wrt" not in str(caught.value)


def test_node_text_and_gate_symbol_take_what_check_prediction_takes():
    """node_text(g, 'x') raised KeyError: 'x', and gate_symbol(an input) "'NoneType' object
    has no attribute 'symbol'"; check_prediction takes names and ids, so these do too."""
    g = bp.parse("(x + y) * z")            # n0 x, n1 y, n2 x + y, n3 z, n4 the product
    assert bp.node_text(g, "x") == "x"
    assert bp.node_text(g, "n2") == bp.node_text(g, g.nodes[2]) == "x + y"
    with pytest.raises(ValueError, match=r"no input or node named 'q': inputs are x, y, z"):
        bp.node_text(g, "q")
    assert bp.gate_symbol(g.nodes[4]) == "*"
    with pytest.raises(ValueError, match=r"^gate_symbol takes a gate node .* got input 'x'$"):
        bp.gate_symbol(g.inputs["x"])
    with pytest.raises(ValueError, match=r"got 'x'$"):
        bp.gate_symbol("x")


@pytest.mark.parametrize("call, error, said", [
    (lambda x: bp.leaky_relu(x, "a"), TypeError, r"^LeakyReLU's alpha must be a number, got 'a'$"),
    (lambda x: bp.elu(x, True), TypeError, r"^ELU's alpha must be a number, got True$"),
    (lambda x: x ** 10**400, ValueError, r"^the exponent of x \*\* p must be a finite number"),
    (lambda x: x ** float("nan"), ValueError, r"exponent .* finite number, got nan$"),
    (lambda x: bp.Graph("x*y"), TypeError, r"got str: to build one from text, bp\.parse\('x\*y'\)$"),
    (lambda x: bp.inputs(3), TypeError, r"^inputs takes names: inputs\('x y'\) or a list"),
    (lambda x: bp.explore(bp.Graph(x * 2), x="3"), TypeError, r"explore takes for x a number"),
    (lambda x: bp.check_prediction(bp.Graph(x * 2), "x", 10**400, x=1.0), ValueError,
     r"\(401 digits\) is too big for a float"),
])
def test_odd_constants_and_arguments_are_named(call, error, said):
    """Each of these failed deep inside Python or numpy ("could not convert string to
    float: 'a'", OverflowError, "'int' object is not iterable"), or, for explore(x='3'),
    quietly read the string as 3.0."""
    x = bp.inputs("x")
    with pytest.raises(error, match=said):
        call(x)


def test_a_minus_sign_pasted_from_slides_reads_as_minus():
    g = bp.parse("x*y")                      # df/dx = y = -4
    assert bp.check_prediction(g, "x", "\u22124", x=1.0, y=-4.0).ok
    assert bp.check_prediction(g, "x", "\u22124.0").ok


def test_inputs_takes_any_iterable_of_names():
    assert [n.name for n in bp.inputs(f"w{i}" for i in range(3))] == ["w0", "w1", "w2"]
    assert [n.name for n in bp.inputs({"x": 1, "y": 2}.keys())] == ["x", "y"]
