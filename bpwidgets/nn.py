"""Neural networks made of the engine's gates: activations, an MLP, softmax loss, fit.

A fully-connected layer is ``X @ W + b``: a batch of rows ``X`` (N, n_in) times a
weight matrix ``W`` (n_in, n_out), plus a bias ``b`` (n_out,) that broadcasts over the
rows. Put an activation between layers and you have the lecture's nets::

    linear score:  f = W x
    2-layer net:   f = W2 max(0, W1 x)
    3-layer net:   f = W3 max(0, W2 max(0, W1 x))

(Here the examples are rows, so ``x W`` rather than ``W x``: our ``W`` is the lecture's
transposed, one row per input.) ``MLP`` builds that once as a ``Graph`` whose inputs are
``X`` and the parameters; forward and backward are the engine's, gate by gate::

    model = MLP([3, 4, 4, 1], activation="sigmoid", seed=0)
    model.num_parameters          # 41
    model.forward(np.ones((2, 3))).shape    # (2, 1)

``fit`` trains a model with softmax cross-entropy and plain gradient descent, using the
gradients ``Graph.backward`` computes. This module needs numpy only.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import functions as F
from .datasets import check_seed, whole_number
from .graph import Graph, apply, inputs, is_number
from .ops import Gate


# ---- activations -----------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """An activation: a function on nodes, with the formula the lecture writes.

    ``pieces`` is how many linear pieces each neuron computes before the activation:
    1 for all but maxout, which takes the max of 2 (so its layers have two sets of weights).
    """
    name: str
    formula: str
    function: Callable
    pieces: int = 1

    def __call__(self, *pieces):
        if len(pieces) != self.pieces:
            raise TypeError(f"{self.name} takes {self.pieces} linear piece(s), got {len(pieces)}")
        return self.function(*pieces)

    def __repr__(self):
        return f"Activation({self.name!r}: {self.formula})"


ACTIVATIONS = {a.name: a for a in (
    Activation("sigmoid", "1 / (1 + e^-x)", F.sigmoid),
    Activation("tanh", "tanh(x)", F.tanh),
    Activation("relu", "max(0, x)", F.relu),
    Activation("leaky_relu", "max(0.01x, x)", lambda z: F.leaky_relu(z, 0.01)),
    Activation("elu", "x if x > 0, else e^x - 1", lambda z: F.elu(z, 1.0)),
    Activation("maxout", "max(w1 x + b1, w2 x + b2)", F.max, pieces=2),
)}
"""name -> Activation. The MLP reads this table; so do the plots and the widget."""

MAXOUT_PIECES = ((1.0, 0.0), (-0.5, 0.0))
"""Maxout has weights of its own. To draw it as a curve of one variable we fix its two
pieces at (slope, intercept) = (1, 0) and (-0.5, 0): max(x, -0.5 x). With pieces x and 0
it would be ReLU, with x and 0.01 x Leaky ReLU: maxout learns its shape."""


def get_activation(name):
    """The ``Activation`` called ``name``, or a clear error listing the choices."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of "
                         + ", ".join(map(repr, ACTIVATIONS)))
    return ACTIVATIONS[name]


def activation_curve(name, x):
    """The activation's value and gradient at each entry of ``x``, both from the engine.

    Builds the one-variable graph ``f(x)`` (maxout with ``MAXOUT_PIECES``), runs
    forward, then backward with upstream 1: the gradient is the gates' local gradients
    chained, the same numbers backprop uses inside a net.
    """
    act = get_activation(name)
    node = inputs("x")
    pieces = [slope * node + intercept for slope, intercept in MAXOUT_PIECES[:act.pieces]] \
        if act.pieces > 1 else [node]
    graph = Graph(act(*pieces))
    x = np.asarray(x, dtype=float)
    value = graph.forward(x=x)
    grad = graph.backward(None if np.ndim(value) == 0 else np.ones(np.shape(value)))["x"]
    return value, grad


# ---- the loss: one gate, forward and backward side by side -----------------------

class SoftmaxCrossEntropy(Gate):
    """The softmax loss averaged over a batch: L = -(1/N) sum_i sum_j Y_ij log p_ij.

    ``scores`` (N, C) are the net's class scores; ``targets`` (N, C) are one-hot rows
    (Y_ij = 1 if example i is of class j). p = softmax(scores) per row, computed after
    subtracting each row's max so that exp cannot overflow.

    Backward: dL/dscores = (p - Y) / N for one-hot rows (the famous "probabilities
    minus one at the right class"); in general (p * rowsum(Y) - Y) / N. The loss is
    linear in Y, so dL/dY = -log p / N.
    """
    op_name, symbol, arity, flow = "softmax_loss", "softmax loss", 2, "softmax loss: (p - y) / N"

    def forward(self, scores, targets):
        scores, targets = np.asarray(scores, dtype=float), np.asarray(targets, dtype=float)
        if scores.ndim != 2 or targets.shape != scores.shape:
            raise ValueError(f"softmax loss needs scores (N, C) and one-hot targets of the "
                             f"same shape, got {scores.shape} and {targets.shape}")
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.p = exp / total                         # softmax, kept for backward
        self.log_p = shifted - np.log(total)         # log p, without log(exp(...))
        self.targets = targets
        return -np.sum(targets * self.log_p) / len(scores)

    def backward(self, upstream, wanted=(True, True)):
        """``wanted``: which gradients to compute (training wants d scores, not d Y)."""
        scale = upstream / len(self.targets)         # upstream / N, a number
        d_scores = d_targets = None
        if wanted[0]:
            d_scores = (self.p * self.targets.sum(axis=1, keepdims=True) - self.targets) * scale
        if wanted[1]:
            d_targets = self.log_p * -scale
        return d_scores, d_targets


def softmax_loss(scores, targets):
    """The softmax loss node on top of a scores node (see ``SoftmaxCrossEntropy``)."""
    return apply(SoftmaxCrossEntropy(), scores, targets)


# ---- the multi-layer perceptron ----------------------------------------------------

MAX_PARAMETERS = 50_000_000
"""The biggest MLP made: 400 MB of weights, far above any lesson's (MNIST's 784-100-10
has 79,510), and well below what would exhaust a laptop's memory."""


class MLP:
    """A fully-connected net: ``sizes`` lists the width of every layer, inputs first.

    ``MLP([3, 4, 4, 1])`` is the lecture's 3-layer net: 3 inputs, two hidden layers of
    4 neurons, 1 output. Each hidden layer computes ``act(h @ W + b)``; the output layer
    is linear (``h @ W + b``: class scores). Weights start as normal noise scaled by
    sqrt(2 / n_in) from ``np.random.default_rng(seed)``, biases at zero.

    Parameters are named ``W1, b1, W2, b2, ...`` (layer k maps layer k-1 to layer k);
    maxout hidden layers have a second piece ``U1, c1, ...``:
    ``max(h @ W1 + b1, h @ U1 + c1)``.

    After ``forward(X)``, ``activations`` holds one array per layer after its
    activation: hidden layers, then the output scores (the input X is not included).
    """

    def __init__(self, sizes, activation="sigmoid", seed=0):
        self.sizes = _check_sizes(sizes)
        self.activation = get_activation(activation).name
        wanted = count(self.sizes, self.activation)["parameters"]
        if wanted > MAX_PARAMETERS:
            raise ValueError(f"MLP({self.sizes}) would have {wanted:,} parameters "
                             f"({8 * wanted / 2**30:.3g} GiB of float64); bpwidgets makes nets "
                             f"of up to {MAX_PARAMETERS:,}: use narrower layers")
        self.seed = check_seed(seed)
        rng = np.random.default_rng(self.seed)
        act = ACTIVATIONS[self.activation]
        self.parameters = {}
        h = inputs("X")
        self.layers = []        # each layer's output node (after its activation)
        for k, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:]), start=1):
            output_layer = k == len(self.sizes) - 1
            names = [("W", "b"), ("U", "c")][:1 if output_layer else act.pieces]
            pieces = []
            for w_name, b_name in names:
                W, b = inputs([f"{w_name}{k}", f"{b_name}{k}"])
                self.parameters[W.name] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
                self.parameters[b.name] = np.zeros(n_out)
                pieces.append(h @ W + b)
            h = pieces[0] if output_layer else act(*pieces)
            self.layers.append(h)
        self.scores = h
        self.graph = Graph(h)
        self.activations = []
        self.gradients = {}     # filled by fit: d loss / d parameter at the last step
        self._loss_graphs = {}

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation!r}, "
                f"{self.num_parameters} parameters)")

    # -- counting, as the lecture does: neurons exclude the inputs --
    @property
    def num_neurons(self):
        return sum(self.sizes[1:])

    @property
    def num_weights(self):
        return sum(v.size for name, v in self.parameters.items() if name[0] in "WU")

    @property
    def num_biases(self):
        return sum(v.size for name, v in self.parameters.items() if name[0] in "bc")

    @property
    def num_parameters(self):
        return self.num_weights + self.num_biases

    def summary(self):
        """A few lines: each layer's shapes and parameter count, then the totals."""
        kind = f"{self.activation} activations" if len(self.sizes) > 2 else \
            "no hidden layer: a linear score"
        lines = [f"MLP {self.sizes}, {kind}"]
        last = len(self.sizes) - 1
        for k in range(1, last + 1):
            names = [n for n in self.parameters if n[1:] == str(k)]
            shapes = ", ".join(f"{n} {self.parameters[n].shape}" for n in names)
            count = sum(self.parameters[n].size for n in names)
            role = "output" if k == last else f"hidden {k}"
            act = "linear" if k == last else self.activation
            lines.append(f"layer {k} ({role}): {self.sizes[k - 1]} -> {self.sizes[k]}, "
                         f"{act}; {shapes}: {count} parameters")
        lines.append(f"{self.num_neurons} neurons, {self.num_weights} weights, "
                     f"{self.num_biases} biases: {self.num_parameters} learnable parameters")
        return "\n".join(lines)

    # -- running the net --
    def graph_inputs(self, X):
        """The graph's input values for a batch X: {'X': X, 'W1': ..., 'b1': ...}."""
        return {"X": self.check_X(X), **self.parameters}

    def forward(self, X):
        """The output scores for a batch of rows X (N, n_in); a single row (n_in,) works too.

        Keeps ``activations``: one array per layer (hidden layers after their
        activation, then the output).
        """
        one_row = np.ndim(X) == 1
        out = self.graph.forward(**self.graph_inputs(X))
        self.activations = [np.array(node.value) for node in self.layers]
        if one_row:
            self.activations = [a[0] for a in self.activations]
            return out[0]
        return out

    def predict(self, X):
        """The predicted class of each row: the highest score (score > 0 for one output)."""
        scores = np.atleast_2d(self.forward(X))
        labels = scores.argmax(axis=1) if scores.shape[1] > 1 else (scores[:, 0] > 0).astype(int)
        return labels[0] if np.ndim(X) == 1 else labels

    def describe_forward(self, X, decimals=3):
        """The forward pass as text, layer by layer (the lecture's h1, h2, out), each
        value with ``decimals`` places::

            h1 = relu(x W1 + b1) = [0.599, 0.000, 0.000, 0.000]
            out = h1 W2 + b2 = [-0.298, -0.536, -0.264]

        A maxout layer writes its two pieces: ``h1 = max(x W1 + b1, x U1 + c1)``.
        """
        decimals = whole_number(decimals, "decimals (places after the point)", least=0)
        self.forward(X)
        rows = [f"x = {_fmt(X, decimals)}"]
        prev = "x"
        for k, value in enumerate(self.activations, start=1):
            last = k == len(self.activations)
            name = "out" if last else f"h{k}"
            rule = f"{prev} W{k} + b{k}" if last else self._hidden_rule(prev, k)
            rows.append(f"{name} = {rule} = {_fmt(value, decimals)}")
            prev = name
        return "\n".join(rows)

    def _hidden_rule(self, prev, k):
        """What hidden layer k computes from ``prev``, as describe_forward writes it."""
        if ACTIVATIONS[self.activation].pieces == 2:     # maxout: the max of two pieces
            return f"max({prev} W{k} + b{k}, {prev} U{k} + c{k})"
        act = "σ" if self.activation == "sigmoid" else self.activation
        return f"{act}({prev} W{k} + b{k})"

    def check_X(self, X):
        """X as a float 2-D array of the right width, or a clear error."""
        X = real_array(X, "X")
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2:
            raise ValueError(f"X must be a batch of rows (N, {self.sizes[0]}), "
                             f"got an array of shape {X.shape}")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} columns (features) but this MLP expects "
                             f"{self.sizes[0]} inputs (sizes[0]); X has shape {X.shape}")
        return X

    def loss_graph(self, reg=0.0):
        """The training graph: softmax loss on the scores, plus 0.5 reg sum(W^2) per weight.

        Its inputs are X, the one-hot targets Y and every parameter. Built once per reg.
        """
        reg = check_reg(reg)
        if reg not in self._loss_graphs:
            loss = softmax_loss(self.scores, inputs("Y"))
            if reg:
                weights = [n for n in self.graph.inputs.values() if n.name[0] in "WU"]
                penalty = F.sum(weights[0] ** 2)
                for W in weights[1:]:
                    penalty = penalty + F.sum(W ** 2)
                loss = loss + 0.5 * reg * penalty
            self._loss_graphs[reg] = Graph(loss)
        return self._loss_graphs[reg]


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [3, 4, 1], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {sizes}")
    for i, n in enumerate(sizes):
        whole_number(n, f"sizes[{i}]")
    return [int(n) for n in sizes]


def check_reg(reg):
    """The L2 strength ``reg`` as a float, if it is a number >= 0 (0: no penalty)."""
    if not (is_number(reg) and np.isfinite(reg) and reg >= 0):
        raise ValueError(f"reg (the L2 strength) must be a number >= 0, got {reg!r}")
    return float(reg)


def real_array(value, name):
    """``value`` as a float array, or a clear error: numbers only, and no complex ones
    (numpy would drop their imaginary parts with only a warning)."""
    try:
        array = np.asarray(value)
        if array.dtype.kind != "c":
            return np.array(array, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got "
                        f"{type(value).__name__}") from None
    raise TypeError(f"{name} must hold real numbers, got complex values "
                    f"(dtype {array.dtype}, shape {array.shape})")


def _fmt(value, decimals):
    return np.array2string(np.asarray(value, dtype=float), precision=decimals,
                           suppress_small=True, floatmode="fixed", separator=", ")


# ---- training ----------------------------------------------------------------------

def one_hot(y, n_classes):
    """Labels (N,) -> rows (N, n_classes) with a single 1 at each label.

    >>> one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    n_classes = whole_number(n_classes, "n_classes")
    if np.ndim(y) != 1:
        raise ValueError(f"one_hot needs a 1-D list of labels, got shape {np.shape(y)}")
    y = check_labels(y, len(y), n_classes)
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def check_labels(y, n, n_classes=None):
    """y as an int array (n,) of labels 0..n_classes-1, or a clear error.

    ``n_classes=None``: any labels 0, 1, 2, ... (for callers that count the classes)."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per row of X: shape ({n},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y))
                and np.all(y == np.round(y))):
            raise ValueError(f"y must hold whole-number class labels, got dtype {y.dtype}")
        y = y.astype(int)
    if n and (y.min() < 0 or (n_classes is not None and y.max() >= n_classes)):
        expected = "0, 1, 2, ... (one per class)" if n_classes is None else \
            f"0..{n_classes - 1} (one per output score)"
        raise ValueError(f"labels must be {expected}, got labels from {y.min()} to {y.max()}")
    return y


DIVERGED_LOSS = 1e100
"""A loss above this stops ``fit`` as NaN and inf do: "training diverged". The softmax
loss starts near log(classes) and working gradient descent brings it down; a loss this
big means the weights are blowing up (inf is a few steps away)."""

DIVERGED_GROWTH = 1e6
"""...and so does a loss a million times its first epoch's (or 1, if that was smaller).
Too big a learning rate can make the loss jump a few thousandfold and still come back
down (measured on the toy data sets); a millionfold is runaway weights."""


def fit(model, X, y, epochs=1000, lr=1.0, seed=0, reg=0.0, batch_size=None, callback=None):
    """Train ``model`` by gradient descent on the softmax loss; return the history.

    Each epoch runs the loss graph forward, gets every parameter's gradient from
    ``backward(wrt=...)`` (the parameters only: nobody steps X), and steps each
    parameter downhill: ``p -= lr * dL/dp``.
    Full batch by default; with ``batch_size`` the rows are shuffled each epoch with
    ``np.random.default_rng(seed)`` and the step is taken per minibatch. ``reg`` adds
    L2 regularisation ``0.5 reg sum(W^2)`` (weights only, not biases).

    Returns ``{"loss": [...], "accuracy": [...]}``, one entry per epoch, measured on
    the forward passes of that epoch (before its updates). ``callback(epoch, history)``
    runs after every epoch; return ``False`` from it to stop early.
    ``model.gradients`` keeps the last step's gradients. A loss that turns NaN or inf,
    or grows past ``DIVERGED_LOSS`` or ``DIVERGED_GROWTH`` times its first epoch's,
    stops training with a FloatingPointError that suggests a smaller learning rate.
    """
    X, y, Y = _training_data(model, X, y)
    epochs = whole_number(epochs, "epochs", least=0)
    lr = _positive_number(lr, "lr (the learning rate)")
    graph = model.loss_graph(reg)
    batch = len(X) if batch_size is None else whole_number(batch_size, "batch_size")
    params = model.parameters
    names = list(params)
    rng = np.random.default_rng(check_seed(seed))
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        # full batch: the rows in order, as a slice (no copy); else a shuffled minibatch
        order = None if batch >= len(X) else rng.permutation(len(X))
        losses, correct = [], 0
        for start in range(0, len(X), batch):
            rows = slice(None) if order is None else order[start:start + batch]
            X_rows, Y_rows, y_rows = X[rows], Y[rows], y[rows]
            try:
                losses.append(graph.forward(X=X_rows, Y=Y_rows, **params) * len(y_rows))
            except FloatingPointError as error:
                raise FloatingPointError(
                    f"training diverged at epoch {epoch} with lr={lr:g}: try a smaller "
                    f"learning rate ({error})") from None
            correct += int(np.count_nonzero(model.scores.value.argmax(axis=1) == y_rows))
            grads = graph.backward(wrt=names)        # the parameters only, not X or Y
            for name in params:
                params[name] -= lr * grads[name]
        model.gradients = {name: grads[name] for name in params}
        loss = float(np.sum(losses) / len(X))
        _check_growth(loss, history["loss"][0] if history["loss"] else loss, epoch, lr,
                      float(reg))
        history["loss"].append(loss)
        history["accuracy"].append(correct / len(X))
        if callback is not None and callback(epoch, history) is False:
            break
    return history


def _check_growth(loss, first, epoch, lr, reg):
    """Stop a run whose loss blows up (see ``DIVERGED_LOSS``), with a hint."""
    if loss <= DIVERGED_LOSS and loss <= DIVERGED_GROWTH * max(first, 1.0):
        return
    hint = ""
    if reg and lr * reg > 2:         # the penalty's own step: W -= lr * reg * W
        hint = (f"; the L2 penalty alone multiplies the weights by 1 - lr * reg = "
                f"{1 - lr * reg:g} each step, so they grow whatever the data: keep "
                f"lr * reg below 2")
    raise FloatingPointError(
        f"training diverged at epoch {epoch} with lr={lr:g}: the loss grew from "
        f"{first:.3g} to {loss:.3g}; try a smaller learning rate{hint}")


def loss_and_gradients(model, X, y, reg=0.0):
    """The softmax loss on (X, y) and d loss / d parameter for every parameter.

    One forward and one backward through ``model.loss_graph(reg)``, no update; the
    gradients are also kept in ``model.gradients``.
    """
    X, y, Y = _training_data(model, X, y)
    graph = model.loss_graph(reg)
    loss = graph.forward(X=X, Y=Y, **model.parameters)
    grads = graph.backward(wrt=list(model.parameters))
    model.gradients = {name: grads[name] for name in model.parameters}
    return loss, model.gradients


def _training_data(model, X, y):
    """Checked X, labels y and their one-hot rows Y for training ``model``."""
    if not isinstance(model, MLP):
        raise TypeError(f"expected an MLP to train, got {type(model).__name__}")
    n_classes = model.sizes[-1]
    if n_classes < 2:
        raise ValueError("training uses a softmax over the output scores, so the last layer "
                         f"needs one score per class (at least 2); this model has {n_classes}")
    X = check_rows(model.check_X(X), "training")
    y = check_labels(y, len(X), n_classes)
    return X, y, one_hot(y, n_classes)


def check_rows(X, what):
    """X, if it has at least one row; else a clear error."""
    if len(X) == 0:
        raise ValueError(f"X has no rows (shape {X.shape}): {what} needs at least one "
                         f"example")
    return X


def accuracy(model, X, y):
    """The fraction of rows of X whose predicted class is y."""
    X = check_rows(model.check_X(X), "accuracy")
    y = check_labels(y, len(X), max(model.sizes[-1], 2))
    return float(np.mean(model.predict(X) == y))


def _positive_number(value, name):
    if not is_number(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


# ---- counting, checked: lesson 06's exercise ---------------------------------------

COUNTS = ("neurons", "weights", "biases", "parameters")
"""What ``count`` and ``check_counts`` count, in the lecture's order."""


def count(sizes, activation="relu"):
    """Neurons, weights, biases and learnable parameters of ``MLP(sizes, activation)``.

    Worked out from the sizes alone (no arrays are made), by the rule ``MLP`` follows:
    neurons are the units after the input layer; layer k has ``sizes[k-1] * sizes[k]``
    weights and ``sizes[k]`` biases, twice over in a maxout hidden layer (two linear
    pieces per neuron); parameters are weights plus biases::

        count([3, 4, 4, 1])   # {'neurons': 9, 'weights': 32, 'biases': 9, 'parameters': 41}
    """
    sizes = _check_sizes(sizes)
    pieces = get_activation(activation).pieces
    last = len(sizes) - 1
    copies = [pieces if k < last else 1 for k in range(1, last + 1)]
    weights = sum(c * m * n for c, m, n in zip(copies, sizes, sizes[1:]))
    biases = sum(c * n for c, n in zip(copies, sizes[1:]))
    return {"neurons": sum(sizes[1:]), "weights": weights, "biases": biases,
            "parameters": weights + biases}


@dataclass(frozen=True)
class CountCheck:
    """The verdict on counts of a net: RIGHT when every count written is right.

    Its text has a first line with the verdict, then one line per count: right, not
    yet (with a hint about the idea, never the number), or not written yet.
    """
    sizes: tuple
    activation: str
    guesses: dict       # name -> the student's count (None: not written yet)
    lines: tuple        # one line per count, in COUNTS order
    ok: bool

    def __repr__(self):
        return "\n".join((self.headline, *self.lines))

    @property
    def headline(self):
        written = [g for g in self.guesses.values() if g is not None]
        if not written:
            return ("NOT YET: write your counts first (replace each None in my_counts "
                    "with a number), then run this cell.")
        if self.ok:
            return (f"RIGHT: every count is right for the net {list(self.sizes)} with "
                    f"{self.activation} activations.")
        right = sum(line.endswith(": RIGHT") for line in self.lines)
        return (f"NOT YET: {right} of the {len(written)} counts you wrote "
                f"{'is' if right == 1 else 'are'} right; the hints below say what to look at.")


def check_counts(sizes, activation="relu", **guesses):
    """Check counts of neurons, weights, biases and parameters of the net ``sizes``.

    Pass the counts you worked out as ``neurons=``, ``weights=``, ``biases=``,
    ``parameters=`` (any of them; ``None`` means not written yet). The verdict is
    RIGHT when every count you passed is right; otherwise NOT YET, with a hint per
    wrong count that names the usual slip (counting the inputs as neurons, biases
    counted as weights, maxout's second set of weights) without giving the number::

        check_counts([3, 4, 1], neurons=5, parameters=21)     # RIGHT: ...
        check_counts([3, 4, 1], neurons=8)                    # NOT YET: ... (the inputs)
    """
    unknown = sorted(set(guesses) - set(COUNTS))
    if unknown:
        raise TypeError(f"check_counts counts {', '.join(COUNTS)}; it does not know "
                        f"{', '.join(map(repr, unknown))}")
    sizes = _check_sizes(sizes)
    activation = get_activation(activation).name
    guesses = {name: _count_guess(guesses[name], name) for name in COUNTS if name in guesses}
    answers = count(sizes, activation)
    lines = []
    for name, guess in guesses.items():
        if guess is None:
            lines.append(f"{name}: not written yet")
        elif guess == answers[name]:
            lines.append(f"{name} = {guess}: RIGHT")
        else:
            hint = _count_hint(name, guess, sizes, activation, guesses, answers)
            lines.append(f"{name} = {guess}: NOT YET. {hint}")
    ok = bool(guesses) and all(guesses[n] == answers[n] for n in guesses)
    return CountCheck(tuple(sizes), activation, guesses, tuple(lines), ok)


def _count_guess(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not is_number(value) or not float(value).is_integer():
        raise TypeError(f"{name}= must be a whole number (or None while you have not "
                        f"counted yet), got {value!r}")
    return int(value)


def _count_hint(name, guess, sizes, activation, guesses, answers):
    """The idea behind the usual slip that gives ``guess``; never the right number."""
    pieces = ACTIVATIONS[activation].pieces
    hidden, pairs = sizes[1:-1], list(zip(sizes, sizes[1:]))
    maxout = pieces > 1 and hidden
    slips = {
        "neurons": [
            (sum(sizes), "The input layer is not counted: its units hold the data and "
                         "compute nothing."),
            (sum(hidden), "The output layer's units are neurons too: each computes a "
                          "weighted sum plus a bias."),
            (maxout and answers["neurons"] + sum(hidden),
             "A maxout neuron takes the max of two linear pieces, but it is still one "
             "neuron."),
        ],
        "weights": [
            (answers["parameters"], "That counts the biases too: weights are the lines "
                                    "between layers, biases come on top."),
            (maxout and sum(m * n for m, n in pairs),
             "A maxout hidden neuron computes two linear pieces, each with its own "
             "weights."),
            (sum(m + n for m, n in pairs), "Between two layers every unit connects to "
                                           "every neuron of the next: multiply the widths."),
            (int(np.prod(sizes)), "Weights connect neighbouring layers only: count each "
                                  "pair of neighbouring layers, then add the pairs up."),
        ],
        "biases": [
            (sum(sizes), "Inputs have no bias: only neurons do."),
            (maxout and answers["neurons"], "Each linear piece has its own bias: a maxout "
                                            "hidden neuron has two."),
            (sum(hidden), "The output neurons have biases too."),
            (len(pairs), "Each neuron has its own bias, not one per layer."),
        ],
        "parameters": [
            (answers["weights"], "The learnable parameters are the weights and the "
                                 "biases."),
        ],
    }[name]
    for slip, hint in slips:
        if slip and slip == guess and slip != answers[name]:
            return hint
    if name == "parameters":
        w, b = guesses.get("weights"), guesses.get("biases")
        if w is not None and b is not None and guess == w + b:
            return ("That is your weights plus your biases, the right rule: fix those "
                    "counts first.")
        return "The learnable parameters are all the weights plus all the biases."
    general = {
        "neurons": "Neurons are the units of every layer after the input layer.",
        "weights": "Each line in the diagram is one weight: a layer of m units feeding n "
                   "neurons has m × n of them",
        "biases": "Each neuron has one bias",
    }[name]
    if name != "neurons":
        general += " (two sets in a maxout hidden layer)." if maxout else "."
    return general


# ---- capacity and regularization: lesson 07 ----------------------------------------

@dataclass(frozen=True)
class Run:
    """One net trained by ``fit_each``: its setting, the model and how well it fits."""
    label: str
    hidden: int
    reg: float
    model: MLP
    history: dict
    train_accuracy: float       # measured after the last step, on the training data

    def __repr__(self):
        return (f"Run({self.label!r}: {self.hidden} hidden, reg={self.reg:g}, "
                f"{len(self.history['loss'])} epochs, train accuracy "
                f"{100 * self.train_accuracy:.1f}%)")


def fit_each(X, y, settings, epochs=1000, lr=1.0, activation="relu", seed=0):
    """Train one 2-layer net per setting on the same data; return the ``Run`` s in order.

    ``settings`` is a list of ``(hidden, reg)`` pairs (hidden neurons, L2 strength),
    or a dict ``{label: (hidden, reg)}``. Every net starts from ``seed`` and trains
    ``epochs`` epochs of full-batch gradient descent with ``fit``; a setting that
    appears twice is trained once. On the 300-point spiral, 1000 epochs take about
    half a second per net::

        runs = fit_each(X, y, [(3, 1e-3), (20, 1e-3), (20, 0.1)])
        [round(r.train_accuracy, 2) for r in runs]
    """
    labelled = _labelled_settings(settings)
    seed = check_seed(seed)
    X = real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be a batch of rows (N, features), got an array of shape "
                         f"{X.shape}")
    y = check_labels(y, len(X))                  # the nets get one score per class seen
    n_classes = max(int(y.max()) + 1 if y.size else 2, 2)
    n_inputs = X.shape[1]
    trained, runs = {}, []
    for label, (hidden, reg) in labelled:
        if (hidden, reg) not in trained:
            model = MLP([n_inputs, hidden, n_classes], activation=activation, seed=seed)
            history = fit(model, X, y, epochs=epochs, lr=lr, reg=reg, seed=seed)
            trained[hidden, reg] = (model, history, accuracy(model, X, y))
        runs.append(Run(label, hidden, reg, *trained[hidden, reg]))
    return runs


def _labelled_settings(settings):
    """[(label, (hidden, reg)), ...] from a dict or a list of pairs, checked."""
    items = list(settings.items()) if isinstance(settings, dict) else \
        [(None, s) for s in settings]
    if not items:
        raise ValueError("settings is empty: give at least one (hidden, reg) pair")
    checked = []
    for label, setting in items:
        try:
            hidden, reg = setting
        except (TypeError, ValueError):
            raise ValueError(f"each setting is a pair (hidden neurons, reg), got "
                             f"{setting!r}") from None
        hidden = whole_number(hidden, "hidden (the number of hidden neurons)")
        reg = check_reg(reg)
        label = f"{hidden} hidden, reg {reg:g}" if label is None else str(label)
        checked.append((label, (hidden, reg)))
    return checked


@dataclass(frozen=True)
class RankingCheck:
    """The verdict on a predicted ranking of settings, checked by training them."""
    text: str
    ok: bool
    runs: tuple = ()    # the trained nets, once the ranking was well formed

    def __repr__(self):
        return self.text


def check_ranking(order, settings, X, y, epochs=1000, lr=1.0, activation="relu", seed=0):
    """Is ``order`` the ranking of ``settings`` by training accuracy, fewest right first?

    ``settings`` is a dict ``{label: (hidden, reg)}``; ``order`` lists the labels,
    the net that gets the fewest training points right first (a string such as
    ``"BDAC"`` when the labels are single letters, or a list). The kit trains each
    net (``fit_each``) and ranks them by measured training accuracy; nets with equal
    accuracy may come in either order. NOT YET comes with a hint about the rule of
    thumb the order breaks, when the run bears it out (more hidden neurons fit at
    least as well at the same reg; a stronger reg fits worse with the same neurons),
    never with the measured ranking.
    """
    if not isinstance(settings, dict):
        raise TypeError("settings must be a dict {label: (hidden, reg)} so that the "
                        "ranking can name them")
    labelled = dict(_labelled_settings(settings))
    labels = list(labelled)
    task = (f"the labels {', '.join(labels)} in one order, the net that gets the fewest "
            f"training points right first")
    if order is None:
        return RankingCheck(f"NOT YET: write your ranking into my_order first: {task}.",
                            False)
    ranked = _parse_order(order, labels)
    if ranked is None:
        return RankingCheck(f"NOT YET: {order!r} is not a ranking of these settings. "
                            f"Write {task} (each label once).", False)
    runs = fit_each(X, y, settings, epochs=epochs, lr=lr, activation=activation, seed=seed)
    score = {run.label: run.train_accuracy for run in runs}
    measured = sorted(labels, key=lambda label: score[label])
    ok = all(score[a] <= score[b] for a, b in zip(ranked, ranked[1:]))
    table = "\n".join(f"  {label}: {labelled[label][0]:>3} hidden, reg "
                      f"{labelled[label][1]:<6g} {100 * score[label]:5.1f}% of training "
                      f"points right" for label in measured)
    if ok:
        return RankingCheck(f"RIGHT: the run ranks them as you did, fewest training points "
                            f"right first ({epochs} epochs each):\n{table}", True, tuple(runs))
    hints = _ranking_hints(ranked, labelled, score)
    text = (f"NOT YET: the run ranks these nets differently (the net that gets the fewest "
            f"training points right comes first).\n" + "\n".join(f"Hint: {h}" for h in hints))
    return RankingCheck(text, False, tuple(runs))


def _parse_order(order, labels):
    """``order`` as a list of labels (each exactly once), or None."""
    by_key = {label.upper(): label for label in labels}
    if isinstance(order, str):
        if all(len(label) == 1 for label in labels):
            tokens = [c for c in order if c.isalnum()]
        else:
            tokens = [t.strip() for t in order.replace("<", ",").split(",")]
    elif isinstance(order, (list, tuple)):
        tokens = [str(t).strip() for t in order]
    else:
        return None
    ranked = [by_key.get(t.upper()) for t in tokens]
    if None in ranked or sorted(ranked) != sorted(labels):
        return None
    return ranked


def _ranking_hints(ranked, labelled, score):
    """Rules of thumb the student's order breaks (when the run agrees with them)."""
    place = {label: k for k, label in enumerate(ranked)}
    width_rule = reg_rule = False
    for a in ranked:
        for b in ranked:
            (ha, ra), (hb, rb) = labelled[a], labelled[b]
            if place[a] < place[b] and score[a] > score[b]:     # a placed below b, wrongly
                width_rule |= ra == rb and ha > hb
                reg_rule |= ha == hb and ra < rb
    hints = []
    if width_rule:
        hints.append("Compare nets with the same reg. More hidden neurons give the boundary "
                     "more kinks to bend with, so a wider net fits at least as many "
                     "training points.")
    if reg_rule:
        hints.append("Compare nets with the same number of hidden neurons. The L2 penalty "
                     "(reg times the sum of the squared weights) grows with reg and keeps "
                     "the weights small; small weights bend the boundary less, so it fits "
                     "fewer training points.")
    if not hints:
        hints.append("Your order keeps to both rules of thumb wherever the run bears them "
                     "out (more hidden neurons fit more; a stronger reg fits less). What is "
                     "left is how big each effect is: where does a change of one kind "
                     "outweigh a change of the other?")
    return hints
