"""The Runner (nn.fit's loop): the graph's gates in a plain loop must give exactly what the
graph gives, find a NaN or inf at the ends and name it as the graph does, and leave every
graph that shares its nodes knowing that it has not run them."""

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import nn
from bpwidgets.runner import Runner


def small_net(seed):
    """The issue's small net, with its broadcast biases (b1 is 64x1 against 64x256)."""
    rng = np.random.default_rng(seed)
    return dict(W1=rng.standard_normal((64, 2)), X=rng.standard_normal((2, 256)),
                b1=rng.standard_normal((64, 1)), W2=rng.standard_normal((3, 64)),
                b2=rng.standard_normal((3, 1)))


def by_hand(W1, X, b1, W2, b2):
    """sum(tanh(W2 @ relu(W1 @ X + b1) + b2)) and its gradients, written out in numpy."""
    hidden_in = W1 @ X + b1
    hidden = np.maximum(hidden_in, 0.0)
    t = np.tanh(W2 @ hidden + b2)
    d_s = 1.0 - t * t
    d_hidden_in = (W2.T @ d_s) * (hidden_in > 0)
    return np.sum(t), dict(W1=d_hidden_in @ X.T, X=W1.T @ d_hidden_in,
                           b1=d_hidden_in.sum(axis=1, keepdims=True), W2=d_s @ hidden.T,
                           b2=d_s.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("wrt", [None, ["W1", "b1", "W2", "b2"], "b2"])
def test_runs_after_the_first_give_the_hand_computed_numbers_without_the_graph(wrt):
    g = bp.parse("sum(tanh(W2 @ relu(W1 @ X + b1) + b2))")
    run = Runner(g, wrt=wrt)
    run(small_net(0))                          # through the graph: learns the plan
    g.forward = g.backward = None              # from now on the graph is not called
    for seed in (1, 2, 3):
        values = small_net(seed)
        output, grads = run(values)
        f, expected = by_hand(**values)
        assert output == pytest.approx(f, rel=1e-12)
        names = list(expected) if wrt is None else [wrt] if isinstance(wrt, str) else wrt
        assert list(grads) == names if wrt is not None else sorted(grads) == sorted(names)
        for name in names:
            np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-12)
            assert grads[name].shape == values[name].shape


def test_a_new_shape_is_learnt_from_the_graph_and_agrees_with_it():
    """A last minibatch of other size: one more run of the graph itself, then plain."""
    model = nn.MLP([2, 5, 3], activation="relu", seed=0)
    g = model.loss_graph(reg=0.01)
    run = Runner(g, wrt=list(model.parameters))
    rng = np.random.default_rng(0)
    for rows in (8, 3, 8, 3):
        y = rng.integers(0, 3, rows)
        values = dict(model.parameters, X=rng.standard_normal((rows, 2)),
                      Y=nn.one_hot(y, 3))
        loss, grads = run(values)
        expected_loss = g.forward(**values)
        expected = g.backward(wrt=list(model.parameters))
        assert loss == expected_loss
        for name, grad in expected.items():
            np.testing.assert_array_equal(grads[name], grad, err_msg=name)
    assert len(run.plans) == 2


def test_a_nan_or_inf_is_named_as_the_graph_names_it():
    g = bp.parse("sum(exp(w * x))")
    run = Runner(g)
    run(dict(w=np.ones(3), x=np.ones(3)))
    with pytest.raises(FloatingPointError, match=r"non-finite value .* at node n3 \(exp\)"):
        run(dict(w=np.ones(3), x=np.array([1.0, 800.0, 2.0])))    # exp(800) = inf
    # 1 / exp(-800) = inf inside, a finite output, and a NaN gradient: named too
    h = bp.parse("sum(log(1 + 1 / exp(w * x)))")
    run = Runner(h)
    run(dict(w=np.ones(2), x=np.ones(2)))
    with pytest.raises(FloatingPointError, match="non-finite"):
        run(dict(w=np.ones(2), x=np.array([1.0, -800.0])))


def test_graphs_that_share_its_nodes_know_they_did_not_run_them():
    """After fit, the model's own graph must not hand out numbers from before it: its
    nodes now hold the runner's."""
    X = np.random.default_rng(0).standard_normal((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    model = nn.MLP([2, 4, 3], seed=0)
    model.forward(X)
    assert model.graph.forward_done
    run = Runner(model.loss_graph(), wrt=list(model.parameters))
    values = dict(model.parameters, X=X, Y=nn.one_hot(y, 3))
    run(values)
    model.parameters["W1"] += 0.5           # as a step would
    run(values)
    assert not model.graph.forward_done and not model.loss_graph().forward_done
    with pytest.raises(RuntimeError, match="call forward"):
        model.graph.backward(np.ones((6, 3)))
    np.testing.assert_array_equal(model.scores.value, model.forward(X))   # the runner's


def test_what_it_cannot_run_is_refused_with_the_reason():
    class Double(bp.Gate):
        def forward(self, a):
            return 2 * a

        def backward(self, upstream):
            return (2 * upstream,)

    x = bp.inputs("x")
    with pytest.raises(ValueError, match="kit's own gates only.*run the graph itself"):
        Runner(bp.Graph(Double()(x)))
    with pytest.raises(TypeError, match="needs a bp.Graph"):
        Runner("x * y")
    chain = x
    for k in range(120):                    # a graph of numbers big enough to be compiled
        chain = bp.tanh(chain * 0.5 + k)
    with pytest.raises(ValueError, match="runs level by level"):
        Runner(bp.Graph(chain))
    with pytest.raises(ValueError, match="output is one number"):
        Runner(bp.parse("2 * x"))(dict(x=np.ones(3)))
