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
from .datasets import whole_number
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
    if name not in ACTIVATIONS:
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
        self.log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.targets = targets
        return -np.sum(targets * self.log_p) / len(scores)

    def backward(self, upstream):
        n = len(self.targets)
        p = np.exp(self.log_p)
        d_scores = (p * self.targets.sum(axis=1, keepdims=True) - self.targets) / n
        return upstream * d_scores, upstream * (-self.log_p / n)


def softmax_loss(scores, targets):
    """The softmax loss node on top of a scores node (see ``SoftmaxCrossEntropy``)."""
    return apply(SoftmaxCrossEntropy(), scores, targets)


# ---- the multi-layer perceptron ----------------------------------------------------

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
        self.seed = seed
        rng = np.random.default_rng(seed)
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
        """The forward pass as text, layer by layer (the lecture's h1, h2, out)."""
        self.forward(X)
        act = "σ" if self.activation == "sigmoid" else self.activation
        rows = [f"x = {_fmt(X, decimals)}"]
        prev = "x"
        for k, value in enumerate(self.activations, start=1):
            last = k == len(self.activations)
            name = "out" if last else f"h{k}"
            rule = f"{prev} W{k} + b{k}" if last else f"{act}({prev} W{k} + b{k})"
            rows.append(f"{name} = {rule} = {_fmt(value, decimals)}")
            prev = name
        return "\n".join(rows)

    def check_X(self, X):
        """X as a float 2-D array of the right width, or a clear error."""
        try:
            X = np.array(X, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"X must be an array of numbers, got {type(X).__name__}") from None
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
        if not (is_number(reg) and np.isfinite(reg) and reg >= 0):
            raise ValueError(f"reg (the L2 strength) must be a number >= 0, got {reg!r}")
        reg = float(reg)
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


def _fmt(value, decimals):
    return np.array2string(np.asarray(value, dtype=float), precision=decimals,
                           suppress_small=True, floatmode="fixed", separator=", ")


# ---- training ----------------------------------------------------------------------

def one_hot(y, n_classes):
    """Labels (N,) -> rows (N, n_classes) with a single 1 at each label."""
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def check_labels(y, n, n_classes):
    """y as an int array (n,) of labels 0..n_classes-1, or a clear error."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per row of X: shape ({n},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))):
            raise ValueError(f"y must hold whole-number class labels, got dtype {y.dtype}")
        y = y.astype(int)
    if n and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must be 0..{n_classes - 1} (one per output score), "
                         f"got labels from {y.min()} to {y.max()}")
    return y


def fit(model, X, y, epochs=1000, lr=1.0, seed=0, reg=0.0, batch_size=None, callback=None):
    """Train ``model`` by gradient descent on the softmax loss; return the history.

    Each epoch runs the loss graph forward, gets every parameter's gradient from
    ``backward()``, and steps each parameter downhill: ``p -= lr * dL/dp``.
    Full batch by default; with ``batch_size`` the rows are shuffled each epoch with
    ``np.random.default_rng(seed)`` and the step is taken per minibatch. ``reg`` adds
    L2 regularisation ``0.5 reg sum(W^2)`` (weights only, not biases).

    Returns ``{"loss": [...], "accuracy": [...]}``, one entry per epoch, measured on
    the forward passes of that epoch (before its updates). ``callback(epoch, history)``
    runs after every epoch; return ``False`` from it to stop early.
    ``model.gradients`` keeps the last step's gradients.
    """
    X, y, Y = _training_data(model, X, y)
    epochs = whole_number(epochs, "epochs", least=0)
    lr = _positive_number(lr, "lr (the learning rate)")
    graph = model.loss_graph(reg)
    batch = len(X) if batch_size is None else whole_number(batch_size, "batch_size")
    params = model.parameters
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        order = np.arange(len(X)) if batch >= len(X) else rng.permutation(len(X))
        losses, correct = [], 0
        for start in range(0, len(X), batch):
            rows = order[start:start + batch]
            try:
                losses.append(graph.forward(X=X[rows], Y=Y[rows], **params) * len(rows))
            except FloatingPointError as error:
                raise FloatingPointError(
                    f"training diverged at epoch {epoch} with lr={lr:g}: try a smaller "
                    f"learning rate ({error})") from None
            correct += int(np.sum(model.scores.value.argmax(axis=1) == y[rows]))
            grads = graph.backward()
            for name in params:
                params[name] -= lr * grads[name]
        model.gradients = {name: grads[name] for name in params}
        history["loss"].append(float(np.sum(losses) / len(X)))
        history["accuracy"].append(correct / len(X))
        if callback is not None and callback(epoch, history) is False:
            break
    return history


def loss_and_gradients(model, X, y, reg=0.0):
    """The softmax loss on (X, y) and d loss / d parameter for every parameter.

    One forward and one backward through ``model.loss_graph(reg)``, no update; the
    gradients are also kept in ``model.gradients``.
    """
    X, y, Y = _training_data(model, X, y)
    graph = model.loss_graph(reg)
    loss = graph.forward(X=X, Y=Y, **model.parameters)
    grads = graph.backward()
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
    X = model.check_X(X)
    y = check_labels(y, len(X), n_classes)
    return X, y, one_hot(y, n_classes)


def accuracy(model, X, y):
    """The fraction of rows of X whose predicted class is y."""
    X = model.check_X(X)
    y = check_labels(y, len(X), max(model.sizes[-1], 2))
    return float(np.mean(model.predict(X) == y))


def _positive_number(value, name):
    if not is_number(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)
