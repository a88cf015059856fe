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
    # 1 / exp(-800) = inf inside, a finite output (0), and a NaN gradient: named too
    h = bp.parse("sum(1 / (1 + 1 / exp(w * x)))")
    run = Runner(h)
    run(dict(w=np.ones(2), x=np.ones(2)))
    with pytest.raises(FloatingPointError, match=r"non-finite value .* at node n7 \(div\)"):
        run(dict(w=np.ones(2), x=np.array([1.0, -800.0])))
    # an inf output with finite gradients for what was asked: still refused, as forward does
    run = Runner(bp.parse("sum(exp(a)) + sum(b)"), wrt=["b"])
    run(dict(a=np.ones(2), b=np.ones(2)))
    with pytest.raises(FloatingPointError, match=r"non-finite value .*\(exp\)"):
        run(dict(a=np.array([1.0, 800.0]), b=np.ones(2)))


def test_gradients_are_the_nodes_own_and_not_shared_between_inputs():
    """add hands one upstream array to both inputs: dw and db must be two arrays (as
    backward gives them), and the nodes hold the run's gradients."""
    g = bp.parse("sum((w + b) * x)")
    run = Runner(g)
    run(dict(w=np.ones(3), b=np.zeros(3), x=np.full(3, 2.0)))
    values = dict(w=np.ones(3), b=np.zeros(3), x=np.array([1.0, 2.0, 3.0]))
    _, grads = run(values)
    np.testing.assert_array_equal(grads["w"], [1.0, 2.0, 3.0])
    assert grads["w"] is not grads["b"] and np.array_equal(grads["w"], grads["b"])
    for name, grad in grads.items():
        np.testing.assert_array_equal(g.inputs[name].grad, grad)


def test_what_is_not_a_float_array_by_the_graphs_names_goes_through_the_graph():
    g = bp.parse("sum(x * x)")
    run = Runner(g)
    run(dict(x=np.ones(3)))
    # int64 entries would wrap round in x * x; the graph makes floats of them
    output, _ = run(dict(x=np.array([2**32, 1, 1])))
    assert output == pytest.approx(2.0**64 + 2)
    with pytest.raises(ValueError, match="unknown input 'y'"):
        run(dict(x=np.ones(3), y=np.ones(3)))
    with pytest.raises(ValueError, match="missing a value for input 'x'"):
        run({})


def test_a_graph_with_a_gate_of_yours_or_a_compiled_plan_runs_through_the_graph():
    """fit of a net with an activation a learner wrote trained before the runner; the
    runner must run such a graph itself, every time, with its checks."""
    class Double(bp.Gate):
        def forward(self, a):
            return 2 * a

        def backward(self, upstream):
            return (2 * upstream,)

    x = bp.inputs("x")
    run = Runner(bp.Graph(bp.sum(Double()(x) * x)))
    for k in range(3):
        output, grads = run(dict(x=np.array([1.0, float(k)])))
        assert output == 2 * (1 + k * k) and list(grads["x"]) == [4.0, 4.0 * k]
    assert not run.plans
    chain = t = bp.inputs("t")
    for k in range(120):                    # a graph of numbers big enough to be compiled
        chain = bp.tanh(chain * 0.5 + k)
    compiled = bp.Graph(chain)
    assert compiled.plan is not None
    run = Runner(compiled)
    assert t is compiled.inputs["t"]
    assert run(dict(t=0.3)) == (compiled.forward(t=0.3), compiled.backward())


def test_what_it_cannot_run_is_refused_with_the_reason():
    with pytest.raises(TypeError, match="needs a bp.Graph"):
        Runner("x * y")
    with pytest.raises(ValueError, match="output is one number"):
        Runner(bp.parse("2 * x"))(dict(x=np.ones(3)))


def test_graphs_that_share_its_nodes_know_they_did_not_run_them():
    """After fit, the model's own graph must not hand out numbers from before it: its
    nodes now hold the runner's. The graph itself, run once to learn the plan, must know
    too."""
    X = np.random.default_rng(0).standard_normal((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    model = nn.MLP([2, 4, 3], seed=0)
    model.forward(X)
    assert model.graph.forward_done
    loss_graph = model.loss_graph()
    run = Runner(loss_graph, wrt=list(model.parameters))
    values = dict(model.parameters, X=X, Y=nn.one_hot(y, 3))
    run(values)                              # through the graph: it has run
    assert loss_graph.forward_done and model.graph.forward_done    # (the same numbers)
    run(dict(values, W1=values["W1"] + 0.5))     # the plain loop, other weights
    assert not model.graph.forward_done and not loss_graph.forward_done
    with pytest.raises(RuntimeError, match="call forward.*a training run"):
        loss_graph.backward(wrt=["W1"])


def test_a_run_stopped_half_way_leaves_no_graph_believing_its_numbers():
    """A kernel interrupt in the middle of a step: gates already called hold the step's
    numbers in their caches, so a graph sharing them must not report forward_done (its
    backward gave gradients from the other run's caches)."""
    X = np.random.default_rng(0).standard_normal((6, 2))
    model = nn.MLP([2, 4, 3], activation="tanh", seed=0)
    values = dict(model.parameters, X=X, Y=nn.one_hot([0, 1, 2, 0, 1, 2], 3))
    run = Runner(model.loss_graph(), wrt=list(model.parameters))
    run(values)
    (plan,) = run.plans.values()

    def stop(*args):
        raise KeyboardInterrupt

    forward, slot, parents = plan.forward[-2]           # a gate late in forward
    plan.forward[-2] = (stop, slot, parents)
    X_val = np.random.default_rng(1).standard_normal((6, 2))
    model.forward(X_val)                                 # a validation pass in between
    assert model.graph.forward_done
    with pytest.raises(KeyboardInterrupt):
        run(values)
    assert not model.graph.forward_done


def test_fit_after_fit_reuses_what_the_runner_learnt():
    """The training view trains a few epochs at a time: the runner of a model's loss graph
    is kept, so a second fit call runs the plain loop from its first step, with the same
    numbers as one call of all the epochs."""
    X = np.random.default_rng(0).standard_normal((12, 2))
    y = np.arange(12) % 3
    model, whole = nn.MLP([2, 6, 3], seed=0), nn.MLP([2, 6, 3], seed=0)
    first = nn.fit(model, X, y, epochs=3, lr=0.5)
    graph = model.loss_graph()
    graph.forward = None                      # the graph itself is not run again
    try:
        second = nn.fit(model, X, y, epochs=3, lr=0.5)
    finally:
        del graph.forward
    assert first["loss"] + second["loss"] == nn.fit(whole, X, y, epochs=6, lr=0.5)["loss"]
    for name, value in model.parameters.items():
        np.testing.assert_array_equal(value, whole.parameters[name])
