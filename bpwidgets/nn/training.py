"""Training by gradient descent on the softmax loss: ``fit``, one loss and its gradients,
accuracy, and the checks on the data they are given."""

import math
import weakref

import numpy as np

from ..datasets import check_seed, whole_number
from ..graph import all_finite, is_number
from ..runner import Runner
from .mlp import MLP


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

    Each epoch runs the loss graph forward, gets every parameter's gradient as
    ``backward(wrt=...)`` gives it (the parameters only: nobody steps X), and steps each
    parameter downhill: ``p -= lr * dL/dp``. The graph's gates run in a plain loop
    (``bpwidgets.runner``), which keeps no record for pictures: after training, a picture
    of ``model.loss_graph(reg)`` needs a forward of its own. X and the weights must be
    finite: a NaN or inf is named with where it is.
    Full batch by default; with ``batch_size`` the rows are shuffled each epoch with
    ``np.random.default_rng(seed)`` and the step is taken per minibatch. ``reg`` adds
    L2 regularisation ``0.5 reg sum(W^2)`` (weights only, not biases).

    Returns ``{"loss": [...], "accuracy": [...]}``, one entry per epoch, measured on
    the forward passes of that epoch (before its updates). ``callback(epoch, history)``
    runs after every epoch; return ``False`` from it to stop early.
    ``model.gradients`` keeps the last step's gradients. A loss that turns NaN or inf,
    or grows past ``DIVERGED_LOSS`` or ``DIVERGED_GROWTH`` times its first epoch's,
    stops training with a FloatingPointError that suggests a smaller learning rate, and
    puts the weights back as they were before this call: a retry with a smaller rate
    starts from there, not from the weights that blew up.
    """
    X, y, Y = _training_data(model, X, y, "fit(model, X, y)")
    epochs = whole_number(epochs, "epochs", least=0)
    lr = _positive_number(lr, "lr (the learning rate)")
    graph = model.loss_graph(reg)
    batch = len(X) if batch_size is None else whole_number(batch_size, "batch_size")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function callback(epoch, history), got "
                        f"{type(callback).__name__}")
    for name, value in model.parameters.items():   # from here on, fit keeps them finite
        check_parameter(value, name)
    check_work(model, len(X), min(batch, len(X)), epochs)
    rng = np.random.default_rng(check_seed(seed))
    before = {name: value.copy() for name, value in model.parameters.items()}
    try:
        return _descend(model, graph, X, y, Y, epochs, lr, rng, reg, batch, callback)
    except FloatingPointError as error:
        for name, value in model.parameters.items():
            value[...] = before[name]            # in place: the model's arrays stay its own
        raise Diverged(error) from None


class Diverging(FloatingPointError):
    """Training blew up in ``epoch`` (counted from 0 inside fit's loop): how, in
    ``detail``. Its text counts epochs from 1, as the lessons and the history do."""

    def __init__(self, epoch, lr, detail):
        self.epoch, self.lr, self.detail = epoch + 1, lr, detail
        super().__init__(self.counted_from(0))

    def counted_from(self, start):
        """The text, with this call's epochs counted after ``start`` earlier ones."""
        return (f"training diverged at epoch {start + self.epoch} with lr={self.lr:g}: "
                f"{self.detail}")


class Diverged(FloatingPointError):
    """fit's error when training blows up; ``reason`` says how (the message adds that the
    weights are back as they were before the call). ``counted_from(start)``: the reason
    with epochs counted after ``start`` earlier ones (a view that trains a few at a time)."""

    def __init__(self, error):
        self.reason = str(error)
        self.error = error
        super().__init__(f"{self.reason}. The model's weights are back to what they were "
                         "before this fit() call")

    def counted_from(self, start):
        return (self.error.counted_from(start) if isinstance(self.error, Diverging)
                else self.reason)


WORK_BUDGET = 1e10
"""The most multiply-adds one ``fit`` call may ask for, counted as rows x parameters x
epochs (each row meets every weight once forward and twice backward). The lecture's
spiral (300 rows, 603 parameters, 1,000 epochs) is 1.8e8, half a second here. A laptop
does one such row-parameter step in 3-15 ns, more per row for big data than small, so
the budget is one to three minutes of training: more would look like a hung kernel."""

MEMORY_BUDGET = 2 * 2**30
"""The most bytes the activations of one step may take (a batch's rows x every layer's
width x 8 bytes, about four times over: values, gradients, masks): 2 GiB. The full batch
of a 3-million-point data set through 100 hidden units took 14.8 GB."""


def check_work(model, rows, batch, epochs):
    """Refuse a training run that would take many minutes, or a step too big for memory,
    before it starts, saying what it would cost and what to change."""
    work = rows * model.num_parameters * epochs
    if work > WORK_BUDGET:
        raise ValueError(
            f"fit would take {rows:,} rows x {model.num_parameters:,} parameters x "
            f"{epochs:,} epochs = {work:.1e} multiply-adds, over the budget of "
            f"{WORK_BUDGET:.0e} (minutes of training on a laptop): train for fewer epochs "
            f"or on fewer rows (bpwidgets.nn.training.WORK_BUDGET sets the limit)")
    memory = 4 * 8 * batch * sum(model.sizes)
    if memory > MEMORY_BUDGET:
        raise ValueError(
            f"one step over {batch:,} rows would hold about {memory / 2**30:.1f} GiB of "
            f"activations, over the budget of {MEMORY_BUDGET / 2**30:.0f} GiB: pass "
            f"batch_size= (say 256) to train on minibatches")


def _descend(model, graph, X, y, Y, epochs, lr, rng, reg, batch, callback):
    """fit's loop: ``epochs`` passes of gradient descent over (X, Y), checked."""
    params = model.parameters
    # the graph's gates in a plain loop (see runner.py): training draws none of its runs.
    # It does not scan its inputs: X, Y and the weights were checked before the loop, and
    # the weights are checked again after every step
    if graph not in RUNNERS:                       # learnt once, for fit after fit
        RUNNERS[graph] = Runner(graph, wrt=list(params))   # the parameters' gradients only
    run = RUNNERS[graph]
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        # full batch: every row, in order; else shuffled minibatches
        order = None if batch >= len(X) else rng.permutation(len(X))
        losses, correct = [], 0
        for start in range(0, len(X), batch):
            if order is None:
                X_rows, Y_rows, y_rows = X, Y, y
            else:
                rows = order[start:start + batch]
                X_rows, Y_rows, y_rows = X[rows], Y[rows], y[rows]
            try:
                loss, grads = run(dict(params, X=X_rows, Y=Y_rows))
            except FloatingPointError as error:
                raise Diverging(epoch, lr, f"try a smaller learning rate ({error})") from None
            losses.append(loss * len(y_rows))
            correct += int(np.count_nonzero(model.scores.value.argmax(axis=1) == y_rows))
            with np.errstate(over="ignore", invalid="ignore"):   # checked just below
                for name in params:
                    params[name] -= lr * grads[name]
            if not all_finite(params.values()):    # a finite step can still overflow
                bad = next(name for name, value in params.items() if not all_finite([value]))
                raise Diverging(epoch, lr, f"a step made {bad} infinite; try a smaller "
                                           f"learning rate")
        model.gradients = {name: grads[name] for name in params}
        loss = math.fsum(losses) / len(X)
        _check_growth(loss, history["loss"][0] if history["loss"] else loss, epoch, lr,
                      float(reg))
        history["loss"].append(loss)
        history["accuracy"].append(correct / len(X))
        if callback is not None:
            if callback(epoch, history) is False:
                break
            for name, value in params.items():   # the callback may have changed them
                check_parameter(value, name, " (after the callback)")
    return history


RUNNERS = weakref.WeakKeyDictionary()
"""A model's loss graph -> its Runner: what the runner learns (one graph run per input
shape) is kept for the next fit call (the training view trains a few epochs at a time)."""


def _check_growth(loss, first, epoch, lr, reg):
    """Stop a run whose loss blows up (see ``DIVERGED_LOSS``), with a hint."""
    if loss <= DIVERGED_LOSS and loss <= DIVERGED_GROWTH * max(first, 1.0):
        return
    hint = ""
    if reg and lr * reg > 2:         # the penalty's own step: W -= lr * reg * W
        hint = (f"; the L2 penalty alone multiplies the weights by 1 - lr * reg = "
                f"{1 - lr * reg:g} each step, so they grow whatever the data: keep "
                f"lr * reg below 2")
    raise Diverging(epoch, lr, f"the loss grew from {first:.3g} to {loss:.3g}; try a smaller "
                               f"learning rate{hint}")


def loss_and_gradients(model, X, y, reg=0.0):
    """The softmax loss on (X, y) and d loss / d parameter for every parameter.

    One forward and one backward through ``model.loss_graph(reg)``, no update; the
    gradients are also kept in ``model.gradients``. The backward is a full one, so the
    loss graph can then be drawn and stepped through with every gradient.
    """
    X, y, Y = _training_data(model, X, y, "loss_and_gradients(model, X, y)")
    graph = model.loss_graph(reg)
    loss = graph.forward(X=X, Y=Y, **model.parameters)
    grads = graph.backward()       # every input's (X's and Y's too), so it can be drawn
    model.gradients = {name: grads[name] for name in model.parameters}
    return loss, model.gradients


def _training_data(model, X, y, who):
    """Checked X, labels y and their one-hot rows Y for training ``model`` (``who``: the
    call, for a message)."""
    _check_model(model, who)
    n_classes = model.sizes[-1]
    if n_classes < 2:
        raise ValueError("training uses a softmax over the output scores, so the last layer "
                         f"needs one score per class (at least 2); this model has {n_classes}")
    X = check_finite(check_rows(model.check_X(X), "training"), "X")
    y = check_labels(y, len(X), n_classes)
    return X, y, one_hot(y, n_classes)


def check_parameter(value, name, when=""):
    """A weight fit can step: a float array (stepped in place, ``W -= lr * dW``, so an int
    array or a list cannot be), every entry finite."""
    if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
        what = (f"an array of {value.dtype}" if isinstance(value, np.ndarray)
                else f"a {type(value).__name__}")
        raise TypeError(f"the model's parameter {name}{when} is {what}: fit steps the "
                        f"weights in place, so each must be a float array, e.g. "
                        f"model.parameters[{name!r}] = np.asarray(W, dtype=float)")
    check_finite(value, f"the model's parameter {name}{when}")


def check_finite(array, name):
    """``array``, if every entry is a finite number; else an error that says where the
    first NaN or inf is (training on it would only report a diverged loss)."""
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        value = array[where]
        kind = "NaN" if np.isnan(value) else "infinite"
        at = (f"at row {where[0]}, column {where[1]}" if len(where) == 2 else
              f"at entry {where[0]}" if len(where) == 1 else f"at index {where}")
        raise ValueError(f"{name} contains {kind} entries (the first {at}): training needs "
                         f"finite numbers")
    return array


def _check_model(model, what):
    if not isinstance(model, MLP):
        raise TypeError(f"{what} needs a bp.nn.MLP first, got {type(model).__name__}"
                        + (": the model comes first, then X and y" if isinstance(
                            model, (np.ndarray, list)) else ""))


def check_rows(X, what):
    """X, if it has at least one row; else a clear error."""
    if len(X) == 0:
        raise ValueError(f"X has no rows (shape {X.shape}): {what} needs at least one "
                         f"example")
    return X


def accuracy(model, X, y):
    """The fraction of rows of X whose predicted class is y."""
    _check_model(model, "accuracy(model, X, y)")
    X = check_rows(model.check_X(X), "accuracy")
    y = check_labels(y, len(X), max(model.sizes[-1], 2))
    return float(np.mean(model.predict(X) == y))


def _positive_number(value, name):
    if not is_number(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)
