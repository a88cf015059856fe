"""Vectorized gradients and explicit Jacobians (lesson 04 of shared/LESSONS.md).

The truths here are independent of backprop: the lecture's numbers for ||W x||^2, hand
formulas (2 q x^T, 2 W^T q), and Jacobians built column by column from centered
differences of the forward pass alone.
"""

import importlib

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import plots
from bpwidgets.ops import OPS

W_LECTURE = np.array([[0.1, 0.5], [-0.3, 0.8]])
X_LECTURE = np.array([0.2, 0.4])
H = 1e-6


def numerical_jacobian(g, wrt, **inputs):
    """Column j = (f(in + h e_j) - f(in - h e_j)) / 2h, from forward passes only."""
    base = {name: np.array(value, dtype=float) for name, value in inputs.items()}
    x = base[wrt]
    columns = []
    for j in range(x.size):
        bumped = []
        for sign in (1.0, -1.0):
            values = {name: value.copy() for name, value in base.items()}
            values[wrt].flat[j] += sign * H
            bumped.append(np.ravel(g.forward(**values)))
        columns.append((bumped[0] - bumped[1]) / (2 * H))
    return np.stack(columns, axis=1)


# ---- the lecture's ||W x||^2 ----------------------------------------------------

def lecture_graphs():
    W, x = bp.inputs("W x")
    return {"parse": bp.parse("sum((W @ x) ** 2)"), "operators": bp.Graph(bp.sum((W @ x) ** 2))}


@pytest.mark.parametrize("path", ["parse", "operators"])
def test_lecture_norm_of_Wx(path):
    g = lecture_graphs()[path]
    f = g.forward(W=W_LECTURE, x=X_LECTURE)
    grads = g.backward()
    assert isinstance(f, float) and f == pytest.approx(0.116, abs=1e-12)
    assert grads["W"].shape == (2, 2) and grads["x"].shape == (2,)
    np.testing.assert_allclose(grads["W"], [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    np.testing.assert_allclose(grads["x"], [-0.112, 0.636], atol=1e-12)
    # the intermediate q = W x and its gradient 2q, read off the matmul node
    (q_node,) = [node for node in g.gates() if node.gate.name == "matmul"]
    np.testing.assert_allclose(q_node.value, [0.22, 0.26], atol=1e-12)
    np.testing.assert_allclose(q_node.grad, [0.44, 0.52], atol=1e-12)
    # @ and sum are not elementwise: no local gradient on their edges
    assert q_node.local_gradients is None and g.output.local_gradients is None
    assert all(e.local is None for e in g.edges if e.target.gate.name in ("matmul", "sum"))


def test_lecture_gradients_match_hand_formulas_for_random_W_and_x():
    rng = np.random.default_rng(4)
    g = bp.parse("sum((W @ x) ** 2)")
    for n, m in [(2, 2), (3, 5), (6, 1)]:
        W, x = rng.standard_normal((n, m)), rng.standard_normal(m)
        g.forward(W=W, x=x)
        grads = g.backward()
        q = W @ x
        np.testing.assert_allclose(grads["W"], 2 * np.outer(q, x), rtol=1e-12)
        np.testing.assert_allclose(grads["x"], 2 * W.T @ q, rtol=1e-12)


# ---- bp.jacobian against finite differences -------------------------------------

def random_cases(rng):
    """(expression, wrt, inputs) with shapes drawn at random."""
    n, m, k = rng.integers(1, 5, size=3)
    A, B = rng.standard_normal((n, m)), rng.standard_normal((m, k))
    v, bias = rng.standard_normal(m), rng.standard_normal((n, 1))
    return [
        ("A @ B", "A", dict(A=A, B=B)),
        ("A @ B", "B", dict(A=A, B=B)),
        ("A @ v", "v", dict(A=A, v=v)),
        ("A @ v", "A", dict(A=A, v=v)),
        ("A + b", "b", dict(A=A, b=bias)),          # (n, 1) bias broadcast over m columns
        ("A + b", "A", dict(A=A, b=bias)),
        ("sum(A)", "A", dict(A=A)),
        ("tanh(A) * sigmoid(A)", "A", dict(A=A)),
        ("exp(A @ v) / (1 + sum(v * v))", "v", dict(A=A, v=v)),
        ("relu(A @ B + c) * 2", "c", dict(A=A, B=B, c=rng.standard_normal(k))),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_jacobian_matches_finite_differences_on_random_shapes(seed):
    rng = np.random.default_rng(seed)
    for text, wrt, inputs in random_cases(rng):
        g = bp.parse(text)
        J = bp.jacobian(g, wrt=wrt, **inputs)
        out = g.forward(**inputs)
        assert J.shape == (np.size(out), np.size(inputs[wrt])), text
        assert J.dtype == np.float64
        np.testing.assert_allclose(J, numerical_jacobian(g, wrt, **inputs),
                                   rtol=1e-6, atol=1e-8, err_msg=f"{text} wrt {wrt}")


def test_jacobian_of_matmul_is_W_and_of_the_lecture_f_is_its_gradient():
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    np.testing.assert_allclose(bp.jacobian("W @ x", wrt="x", W=W, x=x), W, rtol=1e-12)
    J = bp.jacobian("sum((W @ x) ** 2)", wrt="W", W=W_LECTURE, x=X_LECTURE)
    np.testing.assert_allclose(J, [[0.088, 0.176, 0.104, 0.208]], atol=1e-12)


def make_gate(cls):
    """A gate from the op table, with a parameter for the ones that need one."""
    return cls(3.0) if cls is OPS["pow"] else cls()


ELEMENTWISE = sorted(name for name, cls in OPS.items() if cls.elementwise)


def test_the_op_table_has_unary_and_binary_elementwise_ops():
    arities = {OPS[name].arity for name in ELEMENTWISE}
    assert arities == {1, 2}
    assert {"add", "mul", "max", "relu", "sigmoid", "exp"} <= set(ELEMENTWISE)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_ops_have_diagonal_jacobians(name):
    rng = np.random.default_rng(1)
    gate = make_gate(OPS[name])
    names = ["a", "b"][:gate.arity]
    nodes = bp.inputs(names) if gate.arity == 2 else (bp.inputs(names),)
    g = bp.Graph(gate(*nodes))
    n = 5
    # away from kinks (relu at 0, ties in max) and inside log's domain
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    values = {name_: rng.uniform(0.5, 2.0, n) * (1.0 if name == "log" else signs)
              for name_ in names}
    for wrt in names:
        J = bp.jacobian(g, wrt=wrt, **values)
        assert J.shape == (n, n)
        off_diagonal = J - np.diag(np.diag(J))
        assert np.all(off_diagonal == 0.0), f"{name}: d out_i / d {wrt}_j != 0 for i != j"
        np.testing.assert_allclose(J, numerical_jacobian(g, wrt, **values),
                                   rtol=1e-6, atol=1e-8, err_msg=f"{name} wrt {wrt}")


def test_jacobian_of_a_scalar_output_is_one_row():
    J = bp.jacobian("sum(x * x)", wrt="x", x=[1.0, -2.0, 3.0])
    np.testing.assert_allclose(J, [[2.0, -4.0, 6.0]])


def test_jacobian_refuses_a_huge_matrix_and_says_what_it_would_cost():
    g = bp.parse("relu(x)")
    with pytest.raises(ValueError) as caught:
        bp.jacobian(g, wrt="x", x=np.ones(4096))
    message = str(caught.value)
    assert "4,096 x 4,096" in message
    assert "128 MiB" in message
    assert "implicit" in message and "max_entries" in message
    J = bp.jacobian(g, wrt="x", max_entries=64, x=[1.0, -1.0, 2.0])
    np.testing.assert_array_equal(J, np.diag([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="3 x 3 = 9 entries"):
        bp.jacobian(g, wrt="x", max_entries=8, x=[1.0, -1.0, 2.0])


def test_jacobian_asks_backward_for_wrt_only():
    """Every row but the last asks backward for wrt only; the last runs in full, so the
    graph is left with every gradient (pictures and steps need them all)."""
    g = bp.parse("x * c")
    asked = []
    backward = g.backward

    def spy(upstream=None, wrt=None):
        asked.append(wrt)
        return backward(upstream, wrt=wrt)
    g.backward = spy
    J = bp.jacobian(g, wrt="x", x=2.0, c=[1.0, -2.0, 3.0])
    np.testing.assert_array_equal(J, [[1.0], [-2.0], [3.0]])
    assert asked == [["x"], ["x"], None]
    assert g.inputs["x"].grad == 3.0            # the last row's backward: upstream e_2
    np.testing.assert_array_equal(g.inputs["c"].grad, [0.0, 0.0, 2.0])
    assert g.backward_done


JACOBIAN_MODULE = importlib.import_module("bpwidgets.jacobian")   # bp.jacobian: the function


def test_jacobian_refuses_more_backward_passes_than_its_budget(monkeypatch):
    # relu on 10 entries: 10 passes, each 50,000 (the pass) + 5,000 (one gate) + 20
    # (the values of x and of relu(x)) = 55,020 numbers: 550,200 in all
    g = bp.parse("relu(x)")
    monkeypatch.setattr(JACOBIAN_MODULE, "BACKWARD_BUDGET", 550_199)
    with pytest.raises(ValueError) as caught:
        bp.jacobian(g, wrt="x", x=np.ones(10))
    message = str(caught.value)
    assert "10 backward passes (one per output entry) of about 55,020 numbers each" in message
    assert "5.5e+05 in all, over the budget of 5.5e+05" in message
    assert "smaller piece" in message and "relu routes" in message
    monkeypatch.setattr(JACOBIAN_MODULE, "BACKWARD_BUDGET", 550_200)
    np.testing.assert_array_equal(bp.jacobian(g, wrt="x", x=np.ones(10)), np.eye(10))


def test_jacobian_refuses_tall_outputs_it_could_store_but_not_compute_in_time():
    # Both Jacobians fit under max_entries (10**6 entries each), but each would take a
    # backward pass per output entry over a million-number graph: refused before any.
    with pytest.raises(ValueError) as caught:
        bp.jacobian("x * c", wrt="x", x=1.0, c=np.ones(10**6))
    message = str(caught.value)
    assert "1,000,000 backward passes" in message and "BACKWARD_BUDGET" in message
    assert "mul swaps" in message and "upstream @ J without building J" in message
    with pytest.raises(ValueError) as caught:
        bp.jacobian("W @ x", wrt="x", W=np.ones((20_000, 50)), x=np.ones(50))
    message = str(caught.value)
    assert "20,000 backward passes" in message
    assert "matmul: dA = up @ B.T, dB = A.T @ up" in message


def test_jacobian_names_a_wrong_input():
    with pytest.raises(ValueError, match="no input 'y'; its inputs are W, x"):
        bp.jacobian("W @ x", wrt="y", W=W_LECTURE, x=X_LECTURE)
    with pytest.raises(TypeError, match="Graph or an expression"):
        bp.jacobian(42, wrt="x", x=1.0)


# ---- broadcasting and the shape rule --------------------------------------------

def broadcasting_graphs():
    A, b, r, s = bp.inputs("A b r s")
    return [
        (bp.Graph(bp.sum(bp.tanh(A + b) * A)), "column bias (n, 1) + (n, m)"),
        (bp.Graph(bp.sum(bp.sigmoid(A * r - b) ** 2)), "row (m,) and column (n, 1)"),
        (bp.Graph(bp.sum(bp.exp(s * A) + s)), "scalar times array"),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_broadcasting_gradients_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 5, size=2)
    values = dict(A=rng.standard_normal((n, m)), b=rng.standard_normal((n, 1)),
                  r=rng.standard_normal(m), s=float(rng.standard_normal()))
    for g, what in broadcasting_graphs():
        inputs = {name: values[name] for name in g.inputs}
        g.forward(**inputs)
        grads = g.backward()
        for name, value in inputs.items():
            numerical = numerical_jacobian(g, name, **inputs).reshape(np.shape(value))
            np.testing.assert_allclose(grads[name], numerical, rtol=1e-6, atol=1e-8,
                                       err_msg=f"{what}: d/d{name}")
        check = bp.gradcheck(g, **inputs)
        assert check.ok, check.verdict


def test_every_gradient_has_its_variables_shape():
    rng = np.random.default_rng(7)
    values = dict(A=rng.standard_normal((3, 4)), b=rng.standard_normal((3, 1)),
                  r=rng.standard_normal(4), s=0.5)
    graphs = [g for g, _ in broadcasting_graphs()] + [bp.parse("sum((W @ x) ** 2)")]
    values.update(W=W_LECTURE, x=X_LECTURE)
    for g in graphs:
        inputs = {name: values[name] for name in g.inputs}
        g.forward(**inputs)
        grads = g.backward()
        for name, value in inputs.items():
            assert np.shape(grads[name]) == np.shape(value), name
        for node in g.nodes:             # every node, not only the inputs
            assert np.shape(node.grad) == np.shape(node.value), g.describe(node)


# ---- explicit versus implicit ---------------------------------------------------

def test_relu_jacobian_cost_on_the_lectures_4096_vector():
    cost = bp.compare_relu_jacobian(4096, repeats=1)
    assert cost.explicit_bytes == 4096 * 4096 * 8 == 128 * 2**20
    assert cost.implicit_bytes == 4096            # one bool per entry: the mask x > 0
    assert cost.explicit_seconds > 0 and cost.implicit_seconds > 0
    assert repr(cost) == ("JacobianCost(max(0, x) on 4,096 entries: explicit 128 MiB, "
                          "implicit 4 KiB)")
    assert "ms" in cost.timing()


def test_relu_rule_equals_the_explicit_jacobian_product():
    rng = np.random.default_rng(3)
    x, upstream = rng.standard_normal(50), rng.standard_normal(50)
    g = bp.parse("relu(x)")
    J = bp.jacobian(g, wrt="x", x=x)
    np.testing.assert_array_equal(J, np.diag((x > 0).astype(float)))
    g.forward(x=x)
    np.testing.assert_allclose(g.backward(upstream)["x"], upstream @ J, rtol=0, atol=0)


def test_memory_of_the_minibatch_jacobian_is_computed_not_allocated():
    nbytes = bp.jacobian_bytes(409_600, 409_600)
    assert nbytes == 409_600**2 * 8
    assert bp.format_bytes(nbytes) == "1.22 TiB"
    with pytest.raises(ValueError, match="1.22 TiB"):
        bp.compare_relu_jacobian(409_600)


@pytest.mark.parametrize("kwargs, words", [
    (dict(n=-1), "n (the length of the vector) must be a whole number >= 1, got -1"),
    (dict(n=1.5), "n (the length of the vector) must be a whole number >= 1, got 1.5"),
    (dict(n=0), "n (the length of the vector) must be a whole number >= 1, got 0"),
    (dict(n=8, repeats=0), "repeats must be a whole number >= 1, got 0"),
])
def test_compare_relu_jacobian_names_a_bad_argument(kwargs, words):
    with pytest.raises(ValueError) as caught:
        bp.compare_relu_jacobian(**kwargs)
    assert str(caught.value) == words


@pytest.mark.parametrize("nbytes, text", [
    (0, "0 B"), (1000, "1e+03 B"), (1024, "1 KiB"), (4096, "4 KiB"),
    (128 * 2**20, "128 MiB"), (3 * 2**30 // 2, "1.5 GiB"), (2**50, "1.02e+03 TiB")])
def test_format_bytes(nbytes, text):
    assert bp.format_bytes(nbytes) == text


# ---- pictures -------------------------------------------------------------------

def test_jacobian_heatmap_is_a_labelled_diverging_picture():
    J = bp.jacobian("W @ x", wrt="x", W=[[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]], x=[1.0, 1.0])
    fig = plots.jacobian_heatmap(J, wrt="x")
    ax, colorbar = fig.axes
    assert ax.get_xlabel() == "input j (entry of x)" and ax.get_ylabel() == "output i"
    assert ax.get_title() == "Jacobian, 3 x 2"
    image = ax.get_images()[0]
    assert image.get_cmap().name == "RdBu_r"
    assert image.norm.vmin == -3.0 and image.norm.vmax == 3.0     # centered at 0
    np.testing.assert_array_equal(image.get_array(), J)
    assert [t.get_text() for t in ax.texts] == ["1", "-2", "0.5", "0", "0", "3"]
    fig.savefig(__import__("io").BytesIO(), format="png")          # it draws


def test_jacobian_heatmap_refuses_a_vector():
    with pytest.raises(ValueError, match=r"2-D array .* got shape \(3,\)"):
        plots.jacobian_heatmap(np.ones(3))


def test_explicit_vs_implicit_figure_shows_memory_on_a_log_scale():
    cost = bp.JacobianCost(4096, 4096 * 4096 * 8, 4096, 0.02, 1e-5)
    fig = plots.explicit_vs_implicit(cost)
    memory, timing = fig.axes
    assert memory.get_yscale() == "log" and timing.get_yscale() == "log"
    labels = [t.get_text() for t in memory.texts]
    assert labels == ["128 MiB", "4 KiB", "1.22 TiB"]
    assert [t.get_text() for t in timing.texts] == ["20 ms", "0.01 ms"]
    with pytest.raises(TypeError, match="JacobianCost"):
        plots.explicit_vs_implicit({"n": 4096})
