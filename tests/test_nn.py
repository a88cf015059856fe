"""Neural nets from the engine's gates: counts, forward, gradients, loss and training.

The truths here are independent of the engine: the lecture's counts, a forward pass
and a backward pass written by hand in numpy (as in CS231n's case study), and
numerical gradients.
"""

import itertools
import re

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


def test_fit_names_a_nan_or_inf_in_its_data_or_weights_where_it_is():
    """fit checks X and the weights once, before its loop (its steps then skip that
    scan): a NaN or inf is named with where it is, as a ValueError, not reported as a
    diverged training run, and the weights are left as they were."""
    X, y = np.zeros((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN entries \(the first at row 3, "
                                         r"column 1\)"):
        nn.fit(nn.MLP([2, 3, 3]), X, y, epochs=2)
    X[3, 1] = -np.inf
    with pytest.raises(ValueError, match="X contains infinite entries"):
        nn.fit(nn.MLP([2, 3, 3]), X, y, epochs=2)
    model = nn.MLP([2, 3, 3])
    model.parameters["b2"][1] = np.nan
    before = {name: value.copy() for name, value in model.parameters.items()}
    with pytest.raises(ValueError, match=r"parameter b2 contains NaN entries \(the first at "
                                         r"entry 1\)"):
        nn.fit(model, np.zeros((6, 2)), y, epochs=2)
    for name, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[name])


def test_fit_names_a_weight_it_cannot_step_in_place():
    """An int array for W1 gave numpy's UFuncTypeError at the first step, a list an
    AttributeError from inside check_work."""
    X, y = np.zeros((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    for bad, what in ((np.array([[1, 0, -1], [0, 1, 1]]), "an array of int64"),
                      ([[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]], "a list")):
        model = nn.MLP([2, 3, 3])
        model.parameters["W1"] = bad
        with pytest.raises(TypeError, match=rf"parameter W1 is {what}: fit steps the weights "
                                             r"in place, so each must be a float array"):
            nn.fit(model, X, y, epochs=2)


def test_fit_checks_the_weights_again_after_a_callback_that_changed_them():
    X, y = datasets.moons(n_per_class=10, seed=0)
    model = nn.MLP([2, 4, 2], seed=0)

    def callback(epoch, history):
        model.parameters["W1"][0, 2] = np.inf

    with pytest.raises(ValueError, match=r"parameter W1 \(after the callback\) contains "
                                         r"infinite entries \(the first at row 0, column 2\)"):
        nn.fit(model, X, y, epochs=5, lr=0.1, callback=callback)


def test_a_step_that_overflows_to_inf_is_divergence_and_the_weights_go_back():
    """A finite gradient times a finite lr can overflow; with a dead relu the loss and the
    gradients stayed finite, and fit returned W1 = -inf without a word."""
    X, y = np.array([[1.0], [2.0], [1.0], [2.0]]), np.array([0, 1, 0, 1])
    model = nn.MLP([1, 1, 2], activation="relu", seed=0)
    model.parameters["W1"][...], model.parameters["b1"][...] = 1e-307, 0.0
    model.parameters["W2"][...], model.parameters["b2"][...] = [[1e307, -1e307]], 0.0
    before = {name: value.copy() for name, value in model.parameters.items()}
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1 with lr=10: a step "
                                                 r"made W1 infinite.*weights are back"):
        nn.fit(model, X, y, epochs=5, lr=10)
    for name, value in model.parameters.items():
        np.testing.assert_array_equal(value, before[name])


def test_a_net_with_an_activation_you_wrote_trains_as_one_of_the_kits():
    """The runner runs the kit's gates only; a gate a learner wrote goes through the graph
    (fit refused such a model for a while). Softplus by hand against the kit's own
    softplus-free check: the loss falls and the gradients pass gradcheck."""
    class Softplus(bp.Gate):
        def forward(self, x):
            self.x = x
            return np.log1p(np.exp(x))

        def backward(self, upstream):
            return (upstream / (1 + np.exp(-self.x)),)

    from bpwidgets.nn.activations import ACTIVATIONS, Activation
    ACTIVATIONS["softplus"] = Activation("softplus", "log(1 + e^x)", lambda z: Softplus()(z))
    try:
        X, y = datasets.moons(n_per_class=20, seed=0)
        model = nn.MLP([2, 5, 2], activation="softplus", seed=0)
        history = nn.fit(model, X, y, epochs=30, lr=0.5)
        assert history["loss"][-1] < history["loss"][0]
        assert bp.gradcheck(model.loss_graph(), X=X, Y=nn.one_hot(y, 2),
                            **model.parameters).ok
    finally:
        del ACTIVATIONS["softplus"]


def test_fit_needs_one_score_per_class():
    with pytest.raises(ValueError, match="one score per class"):
        nn.fit(nn.MLP([2, 3, 1]), np.zeros((2, 2)), [0, 0], epochs=1, lr=0.1)


def test_divergence_is_reported_with_a_hint():
    X, y = datasets.spiral(n_per_class=10, seed=0)
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        nn.fit(nn.MLP([2, 8, 3], activation="relu"), X, y, epochs=50, lr=1e200)


def test_divergence_puts_the_weights_back_for_the_retry():
    """The error says "try a smaller learning rate": the retry must start from the weights
    fit was given, not from the runaway ones (1e6 and up), whose loss (1e11) was then
    taken as the new run's first and never stopped it."""
    X, y = datasets.spiral(n_per_class=100, seed=0)
    model = nn.MLP([2, 100, 3], activation="relu", seed=0)
    start = {name: value.copy() for name, value in model.parameters.items()}
    arrays = dict(model.parameters)
    with pytest.raises(FloatingPointError, match="weights are back"):
        nn.fit(model, X, y, epochs=200, lr=1000)
    for name, value in model.parameters.items():
        assert value is arrays[name]                 # the model's own arrays, refilled
        np.testing.assert_array_equal(value, start[name], err_msg=name)
    retry = nn.fit(model, X, y, epochs=300, lr=0.5)
    fresh = nn.fit(nn.MLP([2, 100, 3], activation="relu", seed=0), X, y, epochs=300, lr=0.5)
    assert retry == fresh                            # the same run as from a fresh model
    assert retry["loss"][0] < 2 and retry["accuracy"][-1] > 0.9


def test_divergence_counts_epochs_from_one_as_the_history_does():
    """The lessons and the history count epochs from 1 (history[0] is epoch 1); the error
    said 'diverged at epoch 3' for the 4th epoch."""
    X, y = datasets.spiral(n_per_class=20, seed=0)
    seen = []
    with pytest.raises(FloatingPointError) as caught:
        nn.fit(nn.MLP([2, 10, 3], activation="relu"), X, y, epochs=50, lr=1e3, reg=1.0,
               callback=lambda epoch, history: seen.append(len(history["loss"])))
    epoch = int(re.search(r"diverged at epoch (\d+) ", str(caught.value)).group(1))
    assert epoch == len(seen) + 1                # the epoch after the last one recorded


def test_a_loss_that_blows_up_is_divergence_too():
    X, y = datasets.spiral(n_per_class=20, seed=0)
    # lr * reg = 1000: the penalty's own step multiplies the weights by -999; the loss
    # stays finite for dozens of epochs (it reached 2e299) while the weights explode
    with pytest.raises(FloatingPointError) as caught:
        nn.fit(nn.MLP([2, 10, 3], activation="relu"), X, y, epochs=50, lr=1e3, reg=1.0)
    message = str(caught.value)
    assert message.startswith("training diverged at epoch ") and "with lr=1000" in message
    assert "try a smaller learning rate" in message
    assert "1 - lr * reg = -999" in message and "keep lr * reg below 2" in message
    # no reg: a loss a million times its first epoch's (1.06 -> 4e9 in one step)
    with pytest.raises(FloatingPointError, match=r"from 1\.06 to .*smaller learning rate\. "
                                                 r"The model's weights are back to what "
                                                 r"they were before this fit\(\) call$"):
        nn.fit(nn.MLP([2, 10, 3], activation="relu"), X, y, epochs=20, lr=1e6)
    # a learning rate big enough to make the loss jump sixtyfold (before it comes back
    # down) is not stopped: only runaway losses are
    history = nn.fit(nn.MLP([2, 20, 3], activation="tanh"), X, y, epochs=200, lr=10.0)
    assert max(history["loss"]) > 20 * history["loss"][0]
    assert history["loss"][-1] < max(history["loss"])


def test_training_needs_rows():
    model = nn.MLP([2, 3, 3])
    for call in (lambda: nn.fit(model, np.zeros((0, 2)), np.zeros(0, dtype=int), epochs=2),
                 lambda: nn.accuracy(model, np.zeros((0, 2)), []),
                 lambda: nn.loss_and_gradients(model, np.zeros((0, 2)), [])):
        with pytest.raises(ValueError) as caught:
            call()
        assert str(caught.value).startswith("X has no rows (shape (0, 2)): ")


def test_complex_X_is_refused_not_cast():
    X, y = datasets.spiral(n_per_class=5, seed=0)
    model = nn.MLP([2, 4, 3])
    words = r"X must hold real numbers, got complex values \(dtype complex128, shape \(15, 2\)\)"
    for call in (lambda: nn.fit(model, X + 1j, y, epochs=1),
                 lambda: model.forward(X + 0j),
                 lambda: nn.fit_each(X + 1j, y, [(3, 0.0)], epochs=1)):
        with pytest.raises(TypeError, match=words):
            call()


@pytest.mark.parametrize("labels, words", [
    ([0, -1], "labels must be 0..2 (one per output score), got labels from -1 to 0"),
    ([0, 3], "labels must be 0..2 (one per output score), got labels from 0 to 3"),
    ([0.0, 1.5], "y must hold whole-number class labels, got dtype float64"),
    (np.array(["0", "1"]), "y must hold whole-number class labels, got dtype <U1"),
    ([[0, 1]], "one_hot needs a 1-D list of labels, got shape (1, 2)"),
])
def test_one_hot_checks_its_labels(labels, words):
    with pytest.raises(ValueError) as caught:
        nn.one_hot(labels, 3)
    assert str(caught.value) == words
    np.testing.assert_array_equal(nn.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


# ---- checking counts (lesson 06's exercise) --------------------------------------------

@pytest.mark.parametrize("sizes, activation, expected", [
    # the lecture's nets, counted by hand: neurons, weights, biases, parameters
    ([3, 4, 4, 1], "relu", (4 + 4 + 1, 3 * 4 + 4 * 4 + 4 * 1, 4 + 4 + 1, 41)),
    ([3, 4, 2], "sigmoid", (6, 12 + 8, 6, 26)),
    ([2, 3], "relu", (3, 6, 3, 9)),                     # a linear score: no hidden layer
    # maxout: each hidden neuron has two pieces (two weight sets, two biases); the
    # output layer is linear, one piece
    ([3, 4, 1], "maxout", (5, 2 * 12 + 4, 2 * 4 + 1, 28 + 9)),
    ([2, 3], "maxout", (3, 6, 3, 9)),
])
def test_count_by_hand(sizes, activation, expected):
    assert tuple(nn.count(sizes, activation).values()) == expected


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@pytest.mark.parametrize("sizes", [[3, 4, 4, 1], [2, 5, 3], [4, 2], [1, 1, 1, 1]])
def test_count_agrees_with_the_arrays_mlp_makes(name, sizes):
    model = nn.MLP(sizes, activation=name)
    assert nn.count(sizes, name) == {"neurons": model.num_neurons,
                                     "weights": model.num_weights,
                                     "biases": model.num_biases,
                                     "parameters": model.num_parameters}


def verdict_lines(check):
    text = repr(check)
    return text.splitlines()[0], {line.split(" ")[0].rstrip(":"): line
                                  for line in text.splitlines()[1:]}


def test_right_counts_are_right():
    check = nn.check_counts([3, 4, 4, 1], neurons=9, weights=32, biases=9, parameters=41)
    head, lines = verdict_lines(check)
    assert check.ok and head.startswith("RIGHT: ")
    assert lines == {"neurons": "neurons = 9: RIGHT", "weights": "weights = 32: RIGHT",
                     "biases": "biases = 9: RIGHT", "parameters": "parameters = 41: RIGHT"}
    assert nn.check_counts([3, 4, 4, 1], weights=32.0).ok      # 32.0 is a whole number too


def test_counts_not_written_yet_give_nothing_away():
    stub = nn.check_counts([3, 4, 4, 1], "relu", neurons=None, weights=None, biases=None,
                           parameters=None)
    head, lines = verdict_lines(stub)
    assert not stub.ok and head.startswith("NOT YET: write your counts first")
    assert all(line.endswith("not written yet") for line in lines.values())
    assert not any(ch.isdigit() for ch in repr(stub))
    assert repr(nn.check_counts([3, 4, 4, 1])).startswith("NOT YET: write your counts first")
    # one right count and one not written yet: not yet
    partial = nn.check_counts([3, 4, 4, 1], neurons=9, biases=None)
    assert not partial.ok and repr(partial).startswith("NOT YET")


def test_counts_right_so_far_are_told_so_and_a_single_count_reads_right():
    """Filling my_counts in one at a time: right counts with others still None were told
    "2 of the 2 counts you wrote are right; the hints below say what to look at", with
    no hints below; one wrong count read "0 of the 1 counts"."""
    head, _ = verdict_lines(nn.check_counts([3, 4, 4, 1], neurons=9, weights=32, biases=None,
                                            parameters=None))
    assert head == ("NOT YET: the 2 counts you wrote are right so far; write the other 2 "
                    "(still None) and run this cell again.")
    head, _ = verdict_lines(nn.check_counts([3, 4, 4, 1], neurons=9, biases=None))
    assert head.startswith("NOT YET: the count you wrote is right so far; write the last one")
    head, lines = verdict_lines(nn.check_counts([2, 100, 3], parameters=600))
    assert head == ("NOT YET: the count you wrote is not right yet; the hint below says what "
                    "to look at.")
    head, _ = verdict_lines(nn.check_counts([3, 4, 4, 1], neurons=8, weights=32, biases=None))
    assert head == "NOT YET: 1 of the 2 counts you wrote is right; the hint below says what " \
                   "to look at."


@pytest.mark.parametrize("sizes, activation, name, guess, words", [
    ([3, 4, 4, 1], "relu", "neurons", 3 + 4 + 4 + 1, "input layer is not counted"),
    ([3, 4, 4, 1], "relu", "neurons", 4 + 4, "output layer's units are neurons too"),
    ([3, 4, 4, 1], "relu", "weights", 41, "counts the biases too"),
    ([3, 4, 4, 1], "relu", "weights", (3 + 4) + (4 + 4) + (4 + 1), "multiply the widths"),
    ([3, 4, 4, 1], "relu", "weights", 3 * 4 * 4 * 1 + 1, "Each line in the diagram"),
    ([3, 5, 4, 1], "relu", "weights", 3 * 5 * 4 * 1, "neighbouring layers only"),
    ([3, 4, 4, 1], "relu", "biases", 12, "Inputs have no bias"),
    ([3, 4, 4, 1], "relu", "biases", 8, "output neurons have biases too"),
    ([3, 4, 4, 1], "relu", "biases", 3, "not one per layer"),
    ([3, 4, 4, 1], "relu", "parameters", 32, "weights and the biases"),
    ([3, 4, 4, 1], "relu", "parameters", 40, "all the weights plus all the biases"),
    ([3, 4, 1], "maxout", "neurons", 5 + 4, "still one neuron"),
    ([3, 4, 1], "maxout", "weights", 3 * 4 + 4 * 1, "each with its own weights"),
    ([3, 4, 1], "maxout", "biases", 4 + 1, "a maxout hidden neuron has two"),
    # lesson 06's exercise 2: the count of the same net with one piece (relu's 21)
    ([3, 4, 1], "maxout", "parameters", (3 * 4 + 4) + (4 * 1 + 1), "own weights and bias"),
    ([3, 4, 1], "maxout", "weights", 1, "two sets in a maxout hidden layer"),
])
def test_each_classic_slip_gets_its_hint_and_not_the_number(sizes, activation, name,
                                                            guess, words):
    check = nn.check_counts(sizes, activation, **{name: guess})
    head, lines = verdict_lines(check)
    assert not check.ok and head.startswith("NOT YET: the count you wrote is not right yet")
    prefix = f"{name} = {guess}: NOT YET. "
    assert lines[name].startswith(prefix) and words in lines[name]
    hint = lines[name][len(prefix):]
    assert not any(ch.isdigit() for ch in hint), hint


def test_parameters_that_add_up_wrong_counts_point_back_to_them():
    check = nn.check_counts([3, 4, 4, 1], weights=30, biases=9, parameters=39)
    _, lines = verdict_lines(check)
    assert "your weights plus your biases" in lines["parameters"]
    assert lines["biases"] == "biases = 9: RIGHT"


@pytest.mark.parametrize("call, error, words", [
    (lambda: nn.check_counts([3, 4, 1], neuron=5), TypeError, "does not know 'neuron'"),
    (lambda: nn.check_counts([3, 4, 1], neurons="5"), TypeError, "neurons= must be a whole"),
    (lambda: nn.check_counts([3, 4, 1], weights=2.5), TypeError, "weights= must be a whole"),
    (lambda: nn.check_counts([3, 4, 1], biases=True), TypeError, "biases= must be a whole"),
    (lambda: nn.check_counts([3], neurons=1), ValueError, "at least an input and an output"),
    (lambda: nn.check_counts([3, 0, 1], neurons=1), ValueError, "sizes[1] must be a whole"),
    (lambda: nn.check_counts([3, 4, 1], "swish", neurons=5), ValueError, "unknown activation"),
])
def test_check_counts_names_bad_arguments(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)


# ---- capacity and regularization (lesson 07) -------------------------------------------

SMALL = datasets.spiral(n_per_class=20, seed=0)


def test_fit_each_trains_each_setting_like_fit():
    X, y = SMALL
    runs = nn.fit_each(X, y, [(4, 0.01), (8, 0.0), (4, 0.01)], epochs=30, lr=0.5, seed=2)
    assert [(r.hidden, r.reg) for r in runs] == [(4, 0.01), (8, 0.0), (4, 0.01)]
    assert [r.label for r in runs] == ["4 hidden, reg 0.01", "8 hidden, reg 0",
                                       "4 hidden, reg 0.01"]
    assert runs[0].model is runs[2].model               # a repeated setting trains once
    model = nn.MLP([2, 8, 3], activation="relu", seed=2)
    history = nn.fit(model, X, y, epochs=30, lr=0.5, reg=0.0)
    assert np.array_equal(runs[1].model.parameters["W1"], model.parameters["W1"])
    assert runs[1].history["loss"] == history["loss"]
    assert runs[1].train_accuracy == np.mean(model.predict(X) == y)


def test_fit_each_takes_labels_and_names_bad_settings():
    X, y = SMALL
    runs = nn.fit_each(X, y, {"small": (2, 0.0)}, epochs=1)
    assert runs[0].label == "small" and repr(runs[0]).startswith("Run('small': 2 hidden")
    for settings, words in [([], "settings is empty"), ([(3,)], "pair (hidden neurons, reg)"),
                            ([(0, 0.1)], "hidden (the number of hidden neurons)"),
                            ([(3, -1)], "reg (the L2 strength) must be a number >= 0")]:
        with pytest.raises(ValueError, match=re.escape(words)):
            nn.fit_each(X, y, settings, epochs=1)


def test_fit_each_checks_labels_and_X_as_fit_does():
    X, y = SMALL
    for labels in (y.astype(str), y + 0.5, np.where(y == 0, np.nan, y)):
        with pytest.raises(ValueError) as from_fit:
            nn.fit(nn.MLP([2, 3, 3]), X, labels, epochs=1)
        with pytest.raises(ValueError) as from_fit_each:
            nn.fit_each(X, labels, [(3, 0.0)], epochs=1)
        assert str(from_fit_each.value) == str(from_fit.value)
        assert "whole-number class labels" in str(from_fit.value)
    with pytest.raises(ValueError, match=r"labels must be 0, 1, 2, \.\.\. \(one per class\), "
                                         r"got labels from -1 to 1"):
        nn.fit_each(X, y - 1, [(3, 0.0)], epochs=1)
    with pytest.raises(ValueError, match=r"X must be a batch of rows \(N, features\), got an "
                                         r"array of shape \(60,\)"):
        nn.fit_each(X[:, 0], y, [(3, 0.0)], epochs=1)


RANKED = {"A": (8, 0.001), "B": (8, 0.3), "C": (1, 0.001)}


def measured_order(X, y, settings, **kwargs):
    """Train each setting with fit itself and rank by training accuracy, fewest first."""
    score = {}
    for label, (hidden, reg) in settings.items():
        model = nn.MLP([2, hidden, 3], activation="relu", seed=0)
        nn.fit(model, X, y, reg=reg, **kwargs)
        score[label] = np.mean(model.predict(X) == y)
    assert len(set(score.values())) == len(score), "a tie would make the test vacuous"
    return "".join(sorted(score, key=score.get))


def test_check_ranking_agrees_with_a_run_by_hand():
    X, y = SMALL
    truth = measured_order(X, y, RANKED, epochs=300, lr=1.0)
    check = nn.check_ranking(truth, RANKED, X, y, epochs=300, lr=1.0)
    assert check.ok and repr(check).startswith("RIGHT: the run ranks them as you did")
    assert [line.split(":")[0].strip() for line in repr(check).splitlines()[1:]] == list(truth)
    assert nn.check_ranking(list(truth.lower()), RANKED, X, y, epochs=300, lr=1.0).ok
    for other in itertools.permutations("ABC"):
        if "".join(other) != truth:
            wrong = nn.check_ranking(" < ".join(other), RANKED, X, y, epochs=300, lr=1.0)
            assert not wrong.ok and repr(wrong).startswith("NOT YET")
            # no measured number (and so no ranking) in a NOT YET: only the words "L2"
            assert not any(ch.isdigit() for ch in repr(wrong).replace("L2", "")), repr(wrong)


def test_ranking_hints_name_the_rule_broken_not_the_answer():
    X, y = SMALL
    truth = measured_order(X, y, RANKED, epochs=300, lr=1.0)
    assert truth == "BCA"      # the rules hold here: B (strong reg) < A; C (1 neuron) < A
    hint = lambda order: repr(nn.check_ranking(order, RANKED, X, y, epochs=300, lr=1.0))
    width, reg = "Compare nets with the same reg", "Compare nets with the same number"
    assert width in hint("BAC") and reg not in hint("BAC")     # says A (8) fits less than C (1)
    assert reg in hint("CAB") and width not in hint("CAB")     # says A (reg 0.001) < B (0.3)
    assert width in hint("ACB") and reg in hint("ACB")         # A first breaks both rules
    assert "how big each effect is" in hint("CBA")             # follows both rules, still wrong


def test_a_ranking_not_yet_written_or_malformed_trains_nothing(monkeypatch):
    X, y = SMALL
    monkeypatch.setattr(nn.capacity, "fit_each", lambda *a, **k: pytest.fail("trained"))
    stub = nn.check_ranking(None, RANKED, X, y)
    assert repr(stub) == ("NOT YET: write your ranking into my_order first: the labels A, "
                          "B, C in one order, the net that gets the fewest training points "
                          "right first.")
    for bad in ["AB", "ABCA", "ABD", 3, ["A", "B", "B"]]:
        assert repr(nn.check_ranking(bad, RANKED, X, y)).startswith(
            f"NOT YET: {bad!r} is not a ranking of these settings")
    with pytest.raises(TypeError, match="settings must be a dict"):
        nn.check_ranking("AB", [(3, 0.1), (4, 0.1)], X, y)


@pytest.mark.parametrize("seed", [1, 2])
def test_lesson_07s_ranking_holds_for_other_data_and_starts(seed):
    """Lesson 07 asks for this ranking on the spiral (seed 0); it is no seed's accident.

    Measured over 20 data/initialisation seeds at 1000 epochs (and at 500 and 2000):
    always in this order, with two ties between 6 and 20 neurons, which the check
    accepts either way.
    """
    X, y = datasets.spiral(n_per_class=100, n_classes=3, seed=seed)
    settings = {"A": (6, 0.001), "B": (20, 0.1), "C": (20, 0.001), "D": (3, 0.001)}
    assert nn.check_ranking("BDAC", settings, X, y, seed=seed).ok


def test_softmax_loss_backward_computes_only_the_wanted_gradients():
    rng = np.random.default_rng(0)
    gate = bp.nn.SoftmaxCrossEntropy()
    scores, targets = rng.standard_normal((5, 3)), np.eye(3)[[0, 2, 1, 1, 0]]
    gate.forward(scores, targets)
    d_scores, d_targets = gate.backward(2.0)
    only_scores = gate.backward(2.0, wanted=(True, False))
    assert only_scores[1] is None
    np.testing.assert_array_equal(only_scores[0], d_scores)
    assert gate.backward(2.0, wanted=(False, True))[0] is None


def test_fit_full_batch_steps_as_loss_and_gradients_says():
    X = np.random.default_rng(0).standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(int)
    a, b = bp.nn.MLP([2, 5, 2], activation="relu"), bp.nn.MLP([2, 5, 2], activation="relu")
    history = bp.nn.fit(a, X, y, epochs=5, lr=0.5, reg=0.01)
    losses = []
    for _ in range(5):
        loss, grads = bp.nn.loss_and_gradients(b, X, y, reg=0.01)
        losses.append(loss)
        for name in b.parameters:
            b.parameters[name] -= 0.5 * grads[name]
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-12)
    for name in a.parameters:
        np.testing.assert_allclose(a.parameters[name], b.parameters[name], rtol=1e-12)


def test_a_net_too_big_to_hold_is_refused_before_any_allocation():
    with pytest.raises(ValueError, match=r"1,000,001,000,000 parameters .* up to 50,000,000"):
        nn.MLP([10**6, 10**6])
    assert nn.MLP([784, 100, 10]).num_parameters == 79_510        # MNIST's net still fine


def test_the_docstring_examples_of_count_and_check_counts_say_what_they_give():
    """check_counts' example promised RIGHT for parameters=26; [3, 4, 1] has 21."""
    examples = [line.strip().split("#") for f in (nn.count, nn.check_counts)
                for line in f.__doc__.splitlines() if re.match(r"\s*(check_)?counts?\(", line)]
    assert len(examples) == 3
    for code, said in examples:
        result = eval(code, {"count": nn.count, "check_counts": nn.check_counts})
        said = said.strip()
        if said.startswith("{"):
            assert result == eval(said), code
        else:
            verdict = said.split(":")[0]
            assert repr(result).startswith(verdict + ":"), (code, repr(result))
    assert nn.count([3, 4, 1])["parameters"] == 3 * 4 + 4 * 1 + 5


def test_describe_forward_writes_maxout_as_the_max_of_its_two_pieces():
    """It wrote h1 = maxout(x W1 + b1), hiding the second piece U1, c1."""
    model = nn.MLP([2, 3, 2], activation="maxout", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    lines = model.describe_forward(X).splitlines()
    h1 = next(line for line in lines if line.startswith("h1 = "))
    assert h1.startswith("h1 = max(x W1 + b1, x U1 + c1) = [[")
    p = model.parameters
    assert np.allclose(model.activations[0], np.maximum(X @ p["W1"] + p["b1"],
                                                        X @ p["U1"] + p["c1"]))
    relu = nn.MLP([2, 3, 2], activation="relu").describe_forward(X)
    assert "h1 = relu(x W1 + b1) = " in relu and "out = h1 W2 + b2 = " in relu


@pytest.mark.parametrize("decimals", [-1, "2", 2.5, None, True])
def test_describe_forward_checks_decimals(decimals):
    """decimals=-1 gave numpy's "precision must be >= 0"; None silently wrote 8 places.
    The text has no cells to fill, so 8 places are fine."""
    model = nn.MLP([2, 3, 2], seed=0)
    with pytest.raises(ValueError) as caught:
        model.describe_forward(np.ones((1, 2)), decimals=decimals)
    assert str(caught.value).startswith("decimals (places after the point) must be a whole "
                                        "number >= 0, got")
    assert model.describe_forward(np.ones((1, 2)), decimals=1).startswith("x = [[1.0, 1.0]]")
    assert model.describe_forward(np.ones((1, 2)), decimals=8).startswith(
        "x = [[1.00000000, 1.00000000]]")


@pytest.mark.parametrize("call", [
    lambda seed: nn.MLP([2, 3, 2], seed=seed),
    lambda seed: nn.fit(nn.MLP([2, 3, 2]), np.ones((2, 2)), [0, 1], epochs=1, seed=seed),
    lambda seed: nn.fit_each(np.ones((2, 2)), [0, 1], [(3, 0.0)], epochs=1, seed=seed),
])
@pytest.mark.parametrize("seed", ["a", -1, 1.5])
def test_seed_must_be_a_whole_number(call, seed):
    """seed="a" gave numpy's "SeedSequence expects int or sequence of ints"."""
    with pytest.raises(ValueError) as caught:
        call(seed)
    assert str(caught.value) == f"seed must be a whole number >= 0, got {seed!r}"


def test_an_unhashable_activation_is_named_like_any_unknown_one():
    with pytest.raises(ValueError, match=r"unknown activation \['relu'\]; choose one of"):
        nn.MLP([2, 3, 2], activation=["relu"])


def test_seed_none_means_fresh_random_numbers_as_in_numpy():
    a, b = nn.MLP([2, 3, 2], seed=None), nn.MLP([2, 3, 2], seed=None)
    assert not np.array_equal(a.parameters["W1"], b.parameters["W1"])
    same = nn.MLP([2, 3, 2], seed=0).parameters["W1"]
    np.testing.assert_array_equal(same, nn.MLP([2, 3, 2], seed=0).parameters["W1"])


def test_a_training_run_of_many_minutes_or_gigabytes_is_refused_before_it_starts():
    """spiral(n_per_class=100_000) trained with the default 1,000 epochs ran for about
    45 minutes; a million per class took 26 s and 14.8 GB for one epoch. Counted by hand:
    300,000 rows x 603 parameters x 1,000 epochs = 1.809e11 multiply-adds."""
    model = nn.MLP([2, 100, 3], activation="relu", seed=0)
    assert model.num_parameters == 2 * 100 + 100 + 100 * 3 + 3 == 603
    X = np.zeros((300_000, 2))
    y = np.arange(300_000) % 3
    start = {name: value.copy() for name, value in model.parameters.items()}
    with pytest.raises(ValueError, match=r"^fit would take 300,000 rows x 603 parameters x "
                                         r"1,000 epochs = 1\.8e\+11 multiply-adds, over the "
                                         r"budget of 1e\+10 .*fewer epochs or on fewer rows"):
        nn.fit(model, X, y)
    for name, value in model.parameters.items():          # refused before any step
        np.testing.assert_array_equal(value, start[name])
    # 3 million rows, full batch: 4 x 8 bytes x 3e6 x (2 + 100 + 3) = 9.4 GiB
    X, y = np.zeros((3_000_000, 2)), np.arange(3_000_000) % 3
    with pytest.raises(ValueError, match=r"about 9\.4 GiB of activations.*batch_size="):
        nn.fit(model, X, y, epochs=1)
    with pytest.raises(TypeError, match=r"^callback must be a function .* got int$"):
        nn.fit(model, X[:30], y[:30], epochs=1, callback=5)


def test_real_array_takes_an_object_array_of_numbers_and_names_the_rest():
    """An object array of plain floats was refused as "got ndarray"; None became NaN
    before this evening, and "1" a number."""
    np.testing.assert_array_equal(nn.real_array(np.array([[1.0, 2]], dtype=object), "X"),
                                  [[1.0, 2.0]])
    for value, got in [(None, "None"), (np.array(["1"]), "ndarray of dtype <U1"),
                       (np.array([None, 1.0], dtype=object), "ndarray of dtype object")]:
        with pytest.raises(TypeError, match=rf"^X must be an array of numbers, got {got}$"):
            nn.real_array(value, "X")


@pytest.mark.parametrize("sizes, guess, hint", [
    ([3, 4, 1], dict(parameters=42), "The output layer stays linear"),      # every layer doubled
    ([3, 4, 1], dict(parameters=33), "Each linear piece of a maxout neuron has its own bias"),
    ([3, 4, 1], dict(parameters=32), "The output layer's weights and biases are learnable"),
    ([3, 4, 4, 1], dict(weights=64), "The output layer stays linear"),
    ([3, 4, 4, 1], dict(biases=18), "The output layer stays linear")])
def test_maxout_counts_name_the_slips_that_give_them(sizes, guess, hint):
    """By hand: [3, 4, 1] maxout has 2 (3*4 + 4) + (4*1 + 1) = 37 parameters; doubling the
    output layer too gives 42, doubling the weights only 33, leaving the output layer out
    32. [3, 4, 4, 1]: 2 (12 + 16) + 4 = 60 weights (64 doubled), 2 * 8 + 1 = 17 biases (18)."""
    said = bp.nn.check_counts(sizes, "maxout", **guess)
    assert not said.ok and hint in str(said), str(said)
    right = {"parameters": 37} if sizes == [3, 4, 1] else {"weights": 60, "biases": 17}
    assert bp.nn.check_counts(sizes, "maxout", **right).ok
    assert str(list(right.values())[0]) not in str(said).split("NOT YET")[-1]   # no answer


def test_the_model_given_after_the_data_is_named_not_an_attribute_error():
    X, y = bp.datasets.spiral(n_per_class=10, seed=0)
    model = bp.nn.MLP([2, 5, 3])
    with pytest.raises(TypeError, match=r"accuracy\(model, X, y\) needs a bp\.nn\.MLP first, "
                                        r"got ndarray: the model comes first"):
        bp.nn.accuracy(X, y, model)
    with pytest.raises(TypeError, match=r"fit\(model, X, y\) needs a bp\.nn\.MLP first"):
        bp.nn.fit(X, y, model)


def test_the_l2_penalty_is_one_gate_with_the_hand_computed_value_and_gradients():
    """0.5 reg (sum W1^2 + sum W2^2) and d/dW = reg W, by hand; the training graph holds
    it as one gate (it was seven: W ** 2, sum and the adds, an eighth of a fit step)."""
    model = nn.MLP([2, 5, 3], activation="relu", seed=1)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 3, size=8)
    inputs = dict(Y=nn.one_hot(y, 3), **model.graph_inputs(X))
    plain, penalised = model.loss_graph(0.0), model.loss_graph(reg=0.1)
    W1, W2 = model.parameters["W1"], model.parameters["W2"]
    data_loss = plain.forward(**inputs)
    data_grads = plain.backward()
    assert penalised.forward(**inputs) == pytest.approx(
        data_loss + 0.5 * 0.1 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)), rel=1e-12)
    grads = penalised.backward()
    for name, W in (("W1", W1), ("W2", W2)):
        np.testing.assert_allclose(grads[name], data_grads[name] + 0.1 * W, rtol=1e-12)
    for name in ("b1", "b2", "X"):
        np.testing.assert_allclose(grads[name], data_grads[name], rtol=1e-12)
    assert len(penalised.nodes) == len(plain.nodes) + 2       # the L2 gate, and the add
    assert [n.gate.name for n in penalised.gates()].count("l2_penalty") == 1
    assert "0.05*(sum(W1**2) + sum(W2**2))" in bp.graph.formula(penalised)
    assert bp.gradcheck(nn.L2Penalty(0.1), W1, W2).ok
    said = [str(step) for step in bp.backward_steps(penalised) if ": L2:" in str(step)]
    assert len(said) == 1 and "to W1: 0.1 * W1 * upstream 1.00" in said[0] \
        and "to W2: 0.1 * W2 * upstream 1.00" in said[0]
    with pytest.raises(ValueError, match=r"reg \(the L2 strength\) must be a finite number"):
        nn.L2Penalty(float("nan"))


def test_the_l2_gate_in_a_bigger_formula_keeps_its_brackets_and_refuses_nonsense():
    x, w = bp.inputs("x w")
    g = bp.Graph(x / nn.l2_penalty([w], 0.1))
    text = bp.graph.formula(g)
    assert text == "x/(0.05*(sum(w**2)))"
    assert bp.parse(text).forward(x=1.0, w=2.0) == g.forward(x=1.0, w=2.0) == 5.0
    inner = bp.Graph(nn.l2_penalty([x + w], 0.1))
    assert bp.graph.formula(inner) == "0.05*(sum((x + w)**2))"
    inner.forward(x=1.0, w=2.0)
    inner.backward()
    assert "0.1 * (x + w) * upstream 1.00 = 0.30" in str(bp.backward_steps(inner)[0])
    assert bp.graph.formula(bp.Graph(nn.l2_penalty(w, 0.1))) == "0.05*(sum(w**2))"
    with pytest.raises(ValueError, match="at least one weight"):
        nn.l2_penalty([], 0.1)
    with pytest.raises(ValueError, match=r"must be a number >= 0"):
        nn.L2Penalty(-1)
