"""Neural nets from the engine's gates: counts, forward, gradients, loss and training.

The truths here are independent of the engine: the lecture's counts, a forward pass
and a backward pass written by hand in numpy (as in CS231n's case study), and
numerical gradients.
"""

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import datasets, nn

ACTIVATION_NAMES = list(nn.ACTIVATIONS)

NUMPY_ACTIVATIONS = {                     # written again by hand, on purpose
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(0.0, z),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0),
}


def numpy_forward(model, X):
    """The MLP's forward pass in plain numpy, from its parameters."""
    p, h, hidden = model.parameters, X, []
    last = len(model.sizes) - 1
    for k in range(1, last + 1):
        z = h @ p[f"W{k}"] + p[f"b{k}"]
        if k == last:
            return hidden, z
        if model.activation == "maxout":
            h = np.maximum(z, h @ p[f"U{k}"] + p[f"c{k}"])
        else:
            h = NUMPY_ACTIVATIONS[model.activation](z)
        hidden.append(h)


# ---- counting, as the lecture does -------------------------------------------------

@pytest.mark.parametrize("sizes, neurons, weights, biases", [
    ([3, 4, 4, 1], 9, 12 + 16 + 4, 9),     # the lecture's 3-layer net: 41 parameters
    ([3, 4, 2], 6, 12 + 8, 6),             # CS231n's 2-layer example: 26 parameters
    ([3, 4, 1], 5, 16, 5),
    ([2, 100, 3], 103, 500, 103),
])
def test_parameter_counts(sizes, neurons, weights, biases):
    model = nn.MLP(sizes)
    assert (model.num_neurons, model.num_weights, model.num_biases) == (neurons, weights, biases)
    assert model.num_parameters == weights + biases
    assert model.num_parameters == sum(v.size for v in model.parameters.values())


def test_the_lectures_net_has_41_parameters_with_the_right_shapes():
    model = nn.MLP([3, 4, 4, 1], activation="sigmoid", seed=0)
    assert model.num_parameters == 41
    shapes = {name: value.shape for name, value in model.parameters.items()}
    assert shapes == {"W1": (3, 4), "b1": (4,), "W2": (4, 4), "b2": (4,),
                      "W3": (4, 1), "b3": (1,)}
    assert repr(model) == "MLP([3, 4, 4, 1], activation='sigmoid', 41 parameters)"
    assert model.summary().splitlines()[-1] == \
        "9 neurons, 32 weights, 9 biases: 41 learnable parameters"


def test_maxout_layers_have_two_pieces():
    model = nn.MLP([2, 4, 3], activation="maxout")
    assert list(model.parameters) == ["W1", "b1", "U1", "c1", "W2", "b2"]
    assert model.num_weights == 2 * 8 + 12 and model.num_biases == 2 * 4 + 3


def test_initialisation_is_seeded():
    a, b, c = (nn.MLP([3, 5, 2], seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(a.parameters[n], b.parameters[n]) for n in a.parameters)
    assert not np.allclose(a.parameters["W1"], c.parameters["W1"])
    assert np.all(a.parameters["b1"] == 0)


# ---- forward -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_forward_matches_a_numpy_forward(name):
    model = nn.MLP([3, 5, 4, 2], activation=name, seed=1)
    X = np.random.default_rng(2).standard_normal((6, 3))
    out = model.forward(X)
    hidden, expected = numpy_forward(model, X)
    assert out.shape == (6, 2)
    assert np.allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert len(model.activations) == 3        # one per layer: two hidden, then the output
    for mine, theirs in zip(model.activations, hidden + [expected]):
        assert np.allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_the_lectures_forward_pass_of_a_3_layer_sigmoid_net():
    model = nn.MLP([3, 4, 4, 1], activation="sigmoid", seed=0)
    x = np.random.default_rng(1).standard_normal(3)
    out = model.forward(x)                    # one example: a 1-D row
    W1, b1, W2, b2, W3, b3 = model.parameters.values()
    f = lambda z: 1.0 / (1.0 + np.exp(-z))    # noqa: E731 (the lecture's own line)
    h1 = f(x @ W1 + b1)
    h2 = f(h1 @ W2 + b2)
    assert np.allclose(model.activations[0], h1) and np.allclose(model.activations[1], h2)
    assert np.allclose(out, h2 @ W3 + b3) and out.shape == (1,)
    text = model.describe_forward(x)
    assert "h1 = σ(x W1 + b1)" in text and "out = h2 W3 + b3" in text


def test_wrong_input_width_names_what_was_expected():
    model = nn.MLP([3, 4, 1])
    with pytest.raises(ValueError, match=r"X has 5 columns .* expects 3 inputs .*\(2, 5\)"):
        model.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"batch of rows \(N, 3\)"):
        model.forward(np.zeros((2, 3, 1)))


@pytest.mark.parametrize("sizes, words", [
    ([3], "at least an input and an output"),
    ([3, 0, 1], "sizes[1] must be a whole number >= 1"),
    ([3, 2.5, 1], "sizes[1]"),
    ("3, 4", "list of layer widths"),
])
def test_bad_sizes_are_named(sizes, words):
    with pytest.raises((TypeError, ValueError)) as error:
        nn.MLP(sizes)
    assert words in str(error.value)


def test_unknown_activation_lists_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*'relu'"):
        nn.MLP([2, 3, 2], activation="swish")


# ---- gradients -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_mlp_gradients_match_finite_differences(name):
    model = nn.MLP([3, 4, 3, 2], activation=name, seed=3)
    X = np.random.default_rng(4).standard_normal((5, 3))
    check = bp.gradcheck(model.graph, **model.graph_inputs(X))
    assert check.ok, check.verdict
    assert set(check.analytic) == {"X", *model.parameters}


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_loss_gradients_with_l2_match_finite_differences(name):
    model = nn.MLP([2, 5, 3], activation=name, seed=5)
    rng = np.random.default_rng(6)      # random points: none sits exactly on a ReLU kink
    X, y = rng.standard_normal((12, 2)), rng.integers(0, 3, size=12)
    graph = model.loss_graph(reg=0.1)
    check = bp.gradcheck(graph, Y=nn.one_hot(y, 3), **model.graph_inputs(X))
    assert check.ok, check.verdict


def test_softmax_loss_gate_value_and_gradients():
    gate = nn.SoftmaxCrossEntropy()
    scores = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    targets = nn.one_hot([2, 0], 3)
    expected = -np.mean([np.log(np.exp(3) / np.exp([1, 2, 3]).sum()),
                         np.log(np.exp(0.5) / np.exp([0.5, -1, 0]).sum())])
    assert np.isclose(gate.forward(scores, targets), expected, rtol=1e-12)
    check = bp.gradcheck(nn.SoftmaxCrossEntropy(), scores, targets)
    assert check.ok, check.verdict
    # Huge scores: the max is subtracted first, so nothing overflows.
    assert np.isclose(gate.forward(np.array([[1000.0, 0.0]]), nn.one_hot([0], 2)), 0.0)
    assert np.isclose(gate.forward(np.array([[1000.0, 0.0]]), nn.one_hot([1], 2)), 1000.0)


def test_gradients_match_cs231n_hand_written_backprop():
    model = nn.MLP([2, 20, 3], activation="relu", seed=0)
    X, y = datasets.spiral(n_per_class=10, n_classes=3, seed=0)
    reg = 1e-2
    loss, grads = nn.loss_and_gradients(model, X, y, reg=reg)

    W1, b1, W2, b2 = (model.parameters[n] for n in ("W1", "b1", "W2", "b2"))
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    n = len(X)
    data_loss = -np.mean(np.log(probs[np.arange(n), y]))
    assert np.isclose(loss, data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2)))
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    dscores /= n
    dhidden = dscores @ W2.T
    dhidden[hidden <= 0] = 0
    expected = {"W2": hidden.T @ dscores + reg * W2, "b2": dscores.sum(axis=0),
                "W1": X.T @ dhidden + reg * W1, "b1": dhidden.sum(axis=0)}
    for name, value in expected.items():
        assert np.allclose(grads[name], value, rtol=1e-10, atol=1e-12), name


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_curve_gradient_is_the_slope_of_its_value(name):
    x = np.array([-3.0, -1.2, -0.4, 0.3, 0.9, 2.5])      # away from the kinks at 0
    value, grad = nn.activation_curve(name, x)
    h = 1e-6
    slope = (nn.activation_curve(name, x + h)[0] - nn.activation_curve(name, x - h)[0]) / (2 * h)
    assert np.allclose(grad, slope, atol=1e-7)
    if name in NUMPY_ACTIVATIONS:
        assert np.allclose(value, NUMPY_ACTIVATIONS[name](x))


def test_the_lectures_points_on_the_curves():
    s, ds = nn.activation_curve("sigmoid", 0.0)
    assert (s, ds) == (0.5, 0.25)
    assert nn.activation_curve("sigmoid", 10.0)[1] < 1e-4        # it vanishes
    assert nn.activation_curve("relu", -2.0) == (0.0, 0.0)      # a dead zone
    assert nn.activation_curve("leaky_relu", -2.0)[1] == 0.01
    assert nn.activation_curve("maxout", -2.0) == (1.0, -0.5)   # max(x, -0.5x) at x = -2


# ---- training -------------------------------------------------------------------------

def test_two_layer_relu_net_learns_the_spiral():
    X, y = datasets.spiral(n_per_class=100, n_classes=3, seed=0)
    model = nn.MLP([2, 100, 3], activation="relu", seed=0)
    history = nn.fit(model, X, y, epochs=300, lr=1.0, reg=1e-3)
    assert len(history["loss"]) == len(history["accuracy"]) == 300
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.95
    assert nn.accuracy(model, X, y) >= 0.95
    # A linear classifier cannot: the same training with no hidden layer stays far lower.
    linear = nn.MLP([2, 3], seed=0)
    nn.fit(linear, X, y, epochs=300, lr=1.0, reg=1e-3)
    assert nn.accuracy(linear, X, y) < 0.6


def test_history_is_measured_before_each_update():
    X, y = datasets.moons(n_per_class=20, seed=0)
    model = nn.MLP([2, 6, 2], activation="tanh", seed=1)
    start_loss, _ = nn.loss_and_gradients(model, X, y)
    start_accuracy = nn.accuracy(model, X, y)
    history = nn.fit(model, X, y, epochs=3, lr=0.5)
    assert np.isclose(history["loss"][0], start_loss)
    assert history["accuracy"][0] == start_accuracy


def test_one_step_is_gradient_descent():
    X, y = datasets.circles(n_per_class=10, seed=0)
    model = nn.MLP([2, 5, 2], activation="elu", seed=0)
    before = {n: v.copy() for n, v in model.parameters.items()}
    _, grads = nn.loss_and_gradients(model, X, y, reg=0.01)
    grads = {n: g.copy() for n, g in grads.items()}
    nn.fit(model, X, y, epochs=1, lr=0.3, reg=0.01)
    for name in before:
        assert np.allclose(model.parameters[name], before[name] - 0.3 * grads[name])


def test_callback_sees_each_epoch_and_can_stop():
    X, y = datasets.moons(n_per_class=10, seed=0)
    seen = []

    def callback(epoch, history):
        seen.append((epoch, len(history["loss"])))
        return epoch < 4

    history = nn.fit(nn.MLP([2, 4, 2]), X, y, epochs=50, lr=0.1, callback=callback)
    assert seen == [(k, k + 1) for k in range(5)]
    assert len(history["loss"]) == 5


def test_minibatches_are_seeded():
    X, y = datasets.spiral(n_per_class=20, seed=0)

    def train(seed):
        model = nn.MLP([2, 8, 3], activation="relu", seed=0)
        nn.fit(model, X, y, epochs=3, lr=0.5, batch_size=16, seed=seed)
        return model.parameters["W1"]

    assert np.array_equal(train(1), train(1))
    assert not np.allclose(train(1), train(2))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(y=np.zeros(5, dtype=int)), ValueError, "one label per row of X"),
    (dict(y=np.full(6, 3)), ValueError, "labels must be 0..2"),
    (dict(y=np.full(6, 0.5)), ValueError, "whole-number class labels"),
    (dict(lr=0.0), ValueError, "lr (the learning rate) must be a number > 0"),
    (dict(epochs=-1), ValueError, "epochs must be a whole number >= 0"),
    (dict(reg=-1.0), ValueError, "reg (the L2 strength) must be a number >= 0"),
    (dict(X=np.zeros((6, 3))), ValueError, "expects 2 inputs"),
])
def test_fit_names_bad_arguments(kwargs, error, words):
    args = dict(X=np.zeros((6, 2)), y=np.array([0, 1, 2, 0, 1, 2]), epochs=2, lr=0.1)
    args.update(kwargs)
    with pytest.raises(error) as caught:
        nn.fit(nn.MLP([2, 3, 3]), **args)
    assert words in str(caught.value)


def test_fit_needs_one_score_per_class():
    with pytest.raises(ValueError, match="one score per class"):
        nn.fit(nn.MLP([2, 3, 1]), np.zeros((2, 2)), [0, 0], epochs=1, lr=0.1)


def test_divergence_is_reported_with_a_hint():
    X, y = datasets.spiral(n_per_class=10, seed=0)
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        nn.fit(nn.MLP([2, 8, 3], activation="relu"), X, y, epochs=50, lr=1e200)
