"""The multi-layer perceptron: layers of ``X @ W + b`` with an activation between, built
once as a ``Graph`` whose inputs are X and the parameters."""

import numpy as np

from ..datasets import check_seed, whole_number
from ..graph import Graph, inputs, is_number
from .activations import ACTIVATIONS, get_activation
from .loss import l2_penalty, softmax_loss


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
        self.sizes = check_sizes(sizes)
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
        """The training graph: softmax loss on the scores, plus the L2 penalty 0.5 reg
        sum(W^2) over every weight (one gate, ``L2Penalty``).

        Its inputs are X, the one-hot targets Y and every parameter. Built once per reg.
        """
        reg = check_reg(reg)
        if reg not in self._loss_graphs:
            loss = softmax_loss(self.scores, inputs("Y"))
            if reg:
                weights = [n for n in self.graph.inputs.values() if n.name[0] in "WU"]
                loss = loss + l2_penalty(weights, reg)
            self._loss_graphs[reg] = Graph(loss)
        return self._loss_graphs[reg]


def check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [3, 4, 1], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {sizes}")
    for i, n in enumerate(sizes):
        whole_number(n, f"sizes[{i}]")
    return [int(n) for n in sizes]


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
    sizes = check_sizes(sizes)
    pieces = get_activation(activation).pieces
    last = len(sizes) - 1
    copies = [pieces if k < last else 1 for k in range(1, last + 1)]
    weights = sum(c * m * n for c, m, n in zip(copies, sizes, sizes[1:]))
    biases = sum(c * n for c, n in zip(copies, sizes[1:]))
    return {"neurons": sum(sizes[1:]), "weights": weights, "biases": biases,
            "parameters": weights + biases}


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
    except (TypeError, ValueError):          # ragged lists
        array = None
    if array is not None and array.dtype.kind == "O" and value is not None \
            and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                    for v in array.flat):
        array = array.astype(float)          # an object array that holds numbers only
    if array is None or array.dtype.kind not in "biufc":
        # None, strings and ragged lists: numpy would make NaN of None, and read "1" as 1
        got = "None" if value is None else (
            f"{type(value).__name__}" + ("" if array is None else f" of dtype {array.dtype}"))
        raise TypeError(f"{name} must be an array of numbers, got {got}")
    if array.dtype.kind != "c":
        return np.array(array, dtype=float)
    raise TypeError(f"{name} must hold real numbers, got complex values "
                    f"(dtype {array.dtype}, shape {array.shape})")


def _fmt(value, decimals):
    return np.array2string(np.asarray(value, dtype=float), precision=decimals,
                           suppress_small=True, floatmode="fixed", separator=", ")
