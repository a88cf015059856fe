"""Matplotlib figures: Jacobians as pictures, and what explicit Jacobians cost.

Each function returns a ``matplotlib.figure.Figure`` (or, for a picture that waits for
an exercise, a ``Waiting`` note) and never calls ``plt.show()``.
Figures here are made with ``Figure()``, not ``pyplot``: no global state, nothing gets
shown twice, and they work on any backend (Agg in tests and scripts). A notebook shows
a returned figure as the cell's value; a script saves it with ``fig.savefig("j.png")``.
"""

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator, NullLocator

from .datasets import whole_number
from .jacobian import JacobianCost, format_bytes, jacobian_bytes


# ---- Jacobians --------------------------------------------------------------------

MAX_ANNOTATED = 400
"""The most cells ``jacobian_heatmap`` writes a number in: 20 x 20 still reads, and 150 x
150 took 7 s to draw numbers nobody could read."""


def jacobian_heatmap(J, title=None, wrt=None, annotate=None, figsize=None):
    """A Jacobian as a picture: entry (i, j) = d output_i / d input_j.

    Colors diverge around 0 (red positive, blue negative, white zero), so a diagonal
    Jacobian shows as a diagonal line. ``wrt`` names the input in the axis label;
    small matrices (up to 64 entries, or ``annotate=True``) show their numbers.

    >>> fig = jacobian_heatmap(jacobian("relu(x)", wrt="x", x=[1.0, -2.0, 3.0]), wrt="x")
    """
    from . import nn
    J = nn.real_array(J, "J")
    if J.ndim != 2:
        raise ValueError(f"jacobian_heatmap needs a 2-D array (output size x input size), "
                         f"got shape {J.shape}")
    n_out, n_in = J.shape
    if annotate is None:
        annotate = J.size <= 64
    elif annotate and J.size > MAX_ANNOTATED:
        raise ValueError(f"annotate=True writes one number per cell: at most "
                         f"{MAX_ANNOTATED} cells (MAX_ANNOTATED), and this Jacobian has "
                         f"{J.size:,} ({n_out} x {n_in}); leave annotate off for a picture "
                         f"of its pattern")
    small = max(n_out, n_in) <= 20
    if figsize is None:      # square cells of about half an inch, plus room for labels
        cell = 0.6 if max(n_out, n_in) <= 6 else 0.42
        figsize = (2.6 + cell * n_in, 1.6 + cell * n_out) if small else (6.4, 4.8)
        figsize = (min(max(figsize[0], 4.5), 9.0), min(max(figsize[1], 2.2), 7.0))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    limit = float(np.max(np.abs(J))) if J.size else 1.0
    limit = limit if limit > 0 else 1.0
    image = ax.imshow(J, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest",
                      aspect="equal" if small else "auto")
    fig.colorbar(image, ax=ax, label="d output i / d input j")
    ax.set_xlabel("input j" if wrt is None else f"input j (entry of {wrt})")
    ax.set_ylabel("output i")
    ax.set_title(title if title is not None else f"Jacobian, {n_out} x {n_in}")
    if small:
        ax.set_xticks(range(n_in))
        ax.set_yticks(range(n_out))
    else:
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    if annotate:
        for (i, j), value in np.ndenumerate(J):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                    color="white" if abs(value) > 0.6 * limit else "black")
    return fig


def explicit_vs_implicit(cost, batch=100):
    """Side by side: memory and time of backward through max(0, x), explicit vs implicit.

    ``cost`` is a ``JacobianCost`` from ``compare_relu_jacobian``. The memory panel
    also shows the explicit Jacobian for a minibatch of ``batch`` vectors, computed
    from its size and never allocated (at n = 4096, batch 100: about 1.2 TiB).
    """
    if not isinstance(cost, JacobianCost):
        raise TypeError(f"explicit_vs_implicit needs the JacobianCost from "
                        f"compare_relu_jacobian(), got {type(cost).__name__}")
    n = cost.n
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    memory, timing = fig.subplots(1, 2, width_ratios=[3, 2])

    names = [f"explicit J\n{n:,} x {n:,}", "implicit rule\n(mask x > 0)",
             f"explicit J, batch {batch}\n(computed, not formed)"]
    sizes = [cost.explicit_bytes, cost.implicit_bytes, jacobian_bytes(batch * n, batch * n)]
    bars = memory.bar(names, sizes, color=["#c0392b", "#2e86c1", "#f5b7b1"],
                      edgecolor="#7b241c", hatch=[None, None, "//"])
    memory.set_yscale("log")
    memory.set_ylim(min(sizes) / 4, max(sizes) * 40)
    powers = [1024 ** k for k in range(6) if min(sizes) / 4 <= 1024 ** k <= max(sizes) * 40]
    memory.set_yticks(powers, [format_bytes(b) for b in powers])
    memory.yaxis.set_minor_locator(NullLocator())
    memory.bar_label(bars, labels=[format_bytes(s) for s in sizes], padding=3)
    memory.set_ylabel("memory (log scale)")
    memory.set_title("memory for the local gradient")

    seconds = [cost.explicit_seconds, cost.implicit_seconds]
    bars = timing.bar(names[:2], seconds, color=["#c0392b", "#2e86c1"], edgecolor="#7b241c")
    timing.set_yscale("log")
    timing.set_ylim(min(seconds) / 4, max(seconds) * 40)
    timing.bar_label(bars, labels=[f"{s * 1e3:.3g} ms" for s in seconds], padding=3)
    timing.set_ylabel("seconds (log scale)")
    timing.set_title("time of one backward (this machine)")
    fig.suptitle(f"Backward through max(0, x) on a {n:,}-vector: "
                 "explicit Jacobian vs the implicit rule dx = (x > 0) * upstream")
    return fig


# ---- neural networks: activations, architectures, training (lessons 06 and 07) ------

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
"""One color per class, shared by the data points and the decision regions."""

_ACTIVATION_TITLES = {"sigmoid": "Sigmoid", "tanh": "tanh", "relu": "ReLU",
                      "leaky_relu": "Leaky ReLU", "maxout": "Maxout", "elu": "ELU"}


def _activation_axes(ax, name, x):
    """Draw one activation and its derivative on ``ax`` (both computed by the engine)."""
    from . import nn
    value, grad = nn.activation_curve(name, x)
    if name == "maxout":     # the two linear pieces it takes the max of, faintly
        for slope, intercept in nn.MAXOUT_PIECES:
            ax.plot(x, slope * x + intercept, ":", color="0.6", lw=1)
    ax.axhline(0, color="0.75", lw=0.8)
    ax.axvline(0, color="0.75", lw=0.8)
    ax.plot(x, value, color="#1f4e79", lw=2.2, label="f(x)")
    ax.plot(x, grad, "--", color="#c0392b", lw=1.8, label="f'(x), from backward")
    ax.set_xlim(x[0], x[-1])
    ax.grid(alpha=0.25)
    return value, grad


def activation_gallery(names=None, x_range=(-5.0, 5.0)):
    """Each activation (solid) beside its derivative (dashed), as the lecture lists them.

    The derivatives are not written out again here: each curve is a graph run forward
    and then backward with upstream 1, so they are the local gradients backprop uses.
    Maxout is drawn with fixed pieces max(x, -0.5 x) (see ``nn.MAXOUT_PIECES``).
    """
    from . import nn
    if isinstance(names, str):           # one name: a gallery of one
        names = [names]
    names = list(nn.ACTIVATIONS) if names is None else [nn.get_activation(n).name for n in names]
    if not names:
        raise ValueError("activation_gallery needs at least one activation name, got none; "
                         "choose from " + ", ".join(map(repr, nn.ACTIVATIONS)))
    order = ["sigmoid", "tanh", "relu", "leaky_relu", "maxout", "elu"]
    names = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(4.0 * cols, 3.3 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    x = np.linspace(*x_range, 801)
    for ax, name in zip(axes, names):
        _activation_axes(ax, name, x)
        formula = nn.ACTIVATIONS[name].formula if name != "maxout" else "max(x, -0.5x) here"
        ax.set_title(f"{_ACTIVATION_TITLES.get(name, name)}: {formula}", fontsize=10)
        ax.set_ylim(-1.5, 2.5) if name not in ("sigmoid", "tanh") else ax.set_ylim(-1.2, 1.2)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Activation functions (solid) and their local gradients (dashed)")
    return fig


def gradient_note(name, grad):
    """A short comment on a local gradient: where it vanishes or is exactly zero."""
    if grad == 0:
        return "exactly 0: nothing flows back through this neuron"
    if abs(grad) < 0.01:
        return "it has almost vanished: little flows back"
    if abs(grad) < 0.1:
        return "small: the signal shrinks on the way back"
    return "the upstream gradient is multiplied by this"


def activation_point(name, x, x_range=(-8.0, 8.0)):
    """One activation with a point at ``x``: its value, its local gradient and tangent.

    Move ``x`` (the lesson's slider does) to see sigmoid's gradient vanish for large
    |x| and ReLU's gradient be exactly zero for x < 0.
    """
    from . import nn
    x = float(x)
    if not x_range[0] <= x <= x_range[1]:
        raise ValueError(f"x = {x:g} is outside the plotted range {x_range}")
    xs = np.linspace(*x_range, 801)
    fig = Figure(figsize=(7.0, 3.6))      # fixed margins: the axes stay put as x moves
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.86)
    ax = fig.add_subplot()
    values, _ = _activation_axes(ax, name, xs)
    value, grad = (float(v) for v in nn.activation_curve(name, x))
    span = 1.5
    ax.plot([x - span, x + span], [value - span * grad, value + span * grad],
            color="#f39c12", lw=2.5, alpha=0.9, label="tangent (slope = local gradient)")
    ax.plot([x], [value], "o", color="#f39c12", markeredgecolor="black", ms=9, zorder=5)
    low, high = min(values.min(), -1.0), max(values.max(), 1.0)
    ax.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
    ax.legend(loc="upper left", fontsize=8)
    ax.set_xlabel("x")
    ax.set_title(f"{_ACTIVATION_TITLES.get(name, name)} at x = {x:.2f}: value {value:.4f}, "
                 f"local gradient {grad:.4f}\n({gradient_note(name, grad)})", fontsize=10)
    return fig


def network_diagram(model, max_drawn=10, counts=True):
    """The familiar neuron diagram: layers of circles, every weight a line.

    ``model`` is an ``MLP`` or a list of layer sizes. Layers wider than ``max_drawn``
    show their first neurons and a count. The title counts neurons (inputs excluded),
    weights and biases, as the lecture does; ``counts=False`` leaves the counting to
    you (a picture to count on before you check your counts).
    """
    from . import nn
    if not isinstance(model, nn.MLP):
        model = nn.MLP(model, activation="relu")
    max_drawn = whole_number(max_drawn, "max_drawn (neurons drawn per layer)", least=1)
    sizes = model.sizes
    depth = len(sizes) - 1
    tallest = min(max(sizes), max_drawn)
    step = max(2.2, 0.5 * tallest)            # room between layers for the lines and labels
    below = 1.1 if max(sizes) > max_drawn else 0.5    # room for "(10 of 100 drawn)"
    width, height = step * depth + 2.4, tallest + 1.6 + below
    scale = min(0.55, 9.0 / width)
    fig = Figure(figsize=(max(width * scale, 5.5), height * scale + 0.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    positions = []
    for k, n in enumerate(sizes):
        shown = min(n, max_drawn)
        ys = (np.arange(shown) - (shown - 1) / 2.0)[::-1]
        positions.append([(step * k, y) for y in ys])
    for left, right in zip(positions, positions[1:]):
        for (x0, y0) in left:
            for (x1, y1) in right:
                ax.plot([x0, x1], [y0, y1], color="0.55", lw=0.7, zorder=1)
    for k, layer in enumerate(positions):
        color = "#aed6f1" if k == 0 else "#f5b7b1" if k == depth else "#abebc6"
        for (x, y) in layer:
            ax.add_patch(Circle((x, y), 0.3, facecolor=color, edgecolor="black", zorder=2))
        if sizes[k] > max_drawn:
            ax.text(layer[0][0], layer[-1][1] - 0.5, f"({max_drawn} of {sizes[k]} drawn)",
                    ha="center", va="top", fontsize=8)
        role = "input layer" if k == 0 else "output layer" if k == depth else f"hidden layer {k}"
        count = _plural(sizes[k], "input" if k == 0 else "neuron")
        ax.text(step * k, tallest / 2.0 + 0.1, f"{role}\n{count}", ha="center",
                va="bottom", fontsize=9)
    ax.set_xlim(-1.2, step * depth + 1.2)
    ax.set_ylim(-tallest / 2.0 - below, tallest / 2.0 + 1.6)
    hidden = "no hidden layer" if depth == 1 else _plural(depth - 1, "hidden layer")
    if not counts:
        ax.set_title(f"{depth}-layer net ({hidden}) {sizes}:\n"
                     "how many neurons, weights and biases?", fontsize=10)
        return fig
    ax.set_title(f"{depth}-layer net ({hidden}): {_plural(model.num_neurons, 'neuron')}, "
                 f"{_plural(model.num_weights, 'weight')},\n"
                 f"{_plural(model.num_biases, 'bias', 'biases')} = "
                 f"{_plural(model.num_parameters, 'learnable parameter')}", fontsize=10)
    return fig


def _plural(count, word, words=None):
    return f"{count} {word if count == 1 else words or word + 's'}"


def loss_curve(history, ax=None):
    """Loss per epoch (left axis) and training accuracy in % (right axis)."""
    if not isinstance(history, dict):
        raise TypeError(f"history must be the dict fit() returns, {{'loss': [...], "
                        f"'accuracy': [...]}}, got {type(history).__name__}")
    losses = _series(history, "loss")
    accs = _series(history, "accuracy") if "accuracy" in history else None
    if accs is not None and len(accs) != len(losses):
        raise ValueError(f"history has {len(losses)} losses but {len(accs)} accuracies: "
                         f"one of each per epoch")
    if ax is None:
        fig = Figure(figsize=(5.0, 3.4), layout="constrained")
        ax = fig.add_subplot()
    epochs = np.arange(1, len(losses) + 1)
    ax.plot(epochs, losses, color="#1f4e79", lw=1.8, label="loss")
    ax.set_xlabel("epoch")
    # whole epochs (no epoch 1.5), at round steps as matplotlib would choose (0, 200, ...)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.set_ylabel("loss", color="#1f4e79")
    ax.set_ylim(bottom=0)
    if not len(losses):           # an empty panel: epochs from 0 (not -0.04 to 0.04), and
        ax.set_xlim(0, 10)        # a loss from 0 to 1 (not 0 to 0.055)
        ax.set_ylim(0, 1)
    ax.grid(alpha=0.25)
    if accs is not None:                 # a history of losses alone draws them alone
        right = ax.twinx()
        right.plot(epochs, accs * 100, color="#27ae60", lw=1.4)
        right.set_ylim(0, 102)
        right.set_ylabel("train accuracy %", color="#27ae60")
    title = "no training yet" if not len(losses) else f"epoch {len(losses)}: loss {losses[-1]:.3f}"
    if len(losses) and accs is not None:
        title += f", accuracy {100 * accs[-1]:.1f}%"
    ax.set_title(title, fontsize=10)
    return ax.figure


def _series(history, key):
    """history[key] as a 1-D float array, or a clear error naming the key."""
    from . import nn
    values = nn.real_array(history.get(key, []), f"history[{key!r}]")
    if values.ndim != 1:
        raise ValueError(f"history[{key!r}] must be a list of numbers, one per epoch; "
                         f"got shape {values.shape}")
    return values


MAX_RESOLUTION = 500
"""decision_boundary's largest grid: 500 x 500 points through a 200-neuron net take about
three seconds; the default 150 looks as smooth at the size the pictures are drawn."""


def decision_boundary(model, X, y, resolution=150, ax=None):
    """The plane colored by the class the model predicts, with the data points on top.

    ``resolution``: grid points per side, from 2 to ``MAX_RESOLUTION``. ``y`` holds one
    label per row of X, each one of the model's classes.
    """
    from . import nn
    if not isinstance(model, nn.MLP):
        raise TypeError(f"decision_boundary needs a trained nn.MLP, got {type(model).__name__}")
    if model.sizes[0] != 2:
        raise ValueError(f"decision_boundary draws the plane: the model must take 2 inputs, "
                         f"but this one takes {model.sizes[0]} (sizes {model.sizes})")
    X = nn.real_array(X, "X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary draws 2-D data: X must have shape (N, 2), "
                         f"got {X.shape}")
    if not np.isfinite(X).all():          # the plane spans X: an inf point has no place
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise ValueError(f"X holds a point that is not finite, row {row}: {X[row].tolist()}")
    nn.check_rows(X, "decision_boundary")
    y = nn.check_labels(y, len(X), max(model.sizes[-1], 2))
    resolution = whole_number(resolution, "resolution", least=2)
    if resolution > MAX_RESOLUTION:
        raise ValueError(f"resolution={resolution} would predict {resolution ** 2:,} grid "
                         f"points; at most {MAX_RESOLUTION} (MAX_RESOLUTION) per side, "
                         f"the default 150 is smooth enough")
    if ax is None:
        fig = Figure(figsize=(4.2, 4.0), layout="constrained")
        ax = fig.add_subplot()
    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (high - low) + 1e-9
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(gx, gy)])
    classes = model.predict(grid).reshape(resolution, resolution)
    n_classes = max(model.sizes[-1], 2)        # y was checked against these
    colors = ListedColormap([CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(n_classes)])
    ax.imshow(classes, origin="lower", extent=(gx[0], gx[-1], gy[0], gy[-1]), cmap=colors,
              vmin=-0.5, vmax=n_classes - 0.5, alpha=0.25, interpolation="nearest",
              aspect="auto")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=colors, vmin=-0.5, vmax=n_classes - 0.5, s=14,
               edgecolors="black", linewidths=0.4)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    accuracy = float(np.mean(model.predict(X) == y))
    ax.set_title(f"decision regions: {100 * accuracy:.1f}% of points right", fontsize=10)
    return ax.figure


def training_figure(model, X, y, history):
    """The training view's picture: the loss curve beside the decision regions."""
    # Fixed margins, not a layout engine: the axes stay put from frame to frame as the
    # tick labels change (no jumping while it trains), and drawing is twice as fast.
    fig = Figure(figsize=(9.0, 3.8))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.32)
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    loss_curve(history, ax=left)
    decision_boundary(model, X, y, ax=right)
    return fig


def decision_boundaries(runs, X, y, ncols=3, row_titles=None, resolution=100):
    """Decision regions of several trained nets side by side, ``ncols`` to a row.

    ``runs`` come from ``nn.fit_each`` (the same data, one setting each). Each panel is
    titled with its setting and its training accuracy; ``row_titles`` (one per row)
    say what changes along the row, e.g. "more hidden neurons".
    """
    runs = list(runs)
    if not runs:
        raise ValueError("decision_boundaries needs at least one run from nn.fit_each")
    for run in runs:
        if not all(hasattr(run, key) for key in ("model", "hidden", "reg", "train_accuracy")):
            raise TypeError(f"decision_boundaries takes the runs nn.fit_each returns, got "
                            f"{type(run).__name__}; for one model, decision_boundary(model, "
                            f"X, y)")
    ncols = min(whole_number(ncols, "ncols (panels to a row)"), len(runs))
    nrows = -(-len(runs) // ncols)
    if row_titles is not None and len(row_titles) != nrows:
        raise ValueError(f"{len(runs)} runs, {ncols} to a row, make {nrows} rows, but "
                         f"{len(row_titles)} row titles were given")
    fig = Figure(figsize=(3.3 * ncols, 3.55 * nrows + (0.3 * nrows if row_titles else 0)),
                 layout="constrained")
    if row_titles:               # one subfigure per row, so that each row has a title
        grid = []
        for row, title in zip(fig.subfigures(nrows, 1, squeeze=False)[:, 0], row_titles):
            row.suptitle(title, fontsize=11, fontweight="bold")
            grid.append(np.atleast_1d(row.subplots(1, ncols)))
    else:
        grid = fig.subplots(nrows, ncols, squeeze=False)
    axes = np.concatenate(list(grid))
    for ax in axes[len(runs):]:
        ax.set_visible(False)
    for ax, run in zip(axes, runs):
        decision_boundary(run.model, X, y, resolution=resolution, ax=ax)
        ax.set_title(f"{_plural(run.hidden, 'hidden neuron')}, reg {run.reg:g}\n"
                     f"{100 * run.train_accuracy:.1f}% of training points right", fontsize=10)
        ax.tick_params(labelsize=8)
    return fig


@dataclass(frozen=True)
class Waiting:
    """Shown in place of a picture that would give an exercise's answer away, until the
    learner has tried the exercise: it says what to do first."""
    text: str

    def __repr__(self):
        return self.text


def decision_boundaries_after(ranking, settings, X, y, **options):
    """``decision_boundaries`` of the nets in ``settings`` (a list of (hidden, reg)
    pairs, trained with ``nn.fit_each``), once the learner has ranked the nets of
    ``ranking`` (from ``nn.check_ranking``). Before that, pictures titled with how many
    training points each net gets right would give the ranking away: a ``Waiting`` note
    says so instead, and nothing is trained. ``options`` go to ``decision_boundaries``."""
    from . import nn
    if not isinstance(ranking, nn.RankingCheck):
        raise TypeError(f"decision_boundaries_after needs the verdict of nn.check_ranking, "
                        f"got {type(ranking).__name__}")
    if not ranking.tried:
        return Waiting("Rank the nets in the exercise above first (my_order): these "
                       "pictures, titled with how many training points each net gets "
                       "right, would give your answer away.")
    return decision_boundaries(nn.fit_each(X, y, settings), X, y, **options)


def gradient_heatmap(grad, name):
    """One parameter's gradient (e.g. dL/dW1) as a heatmap, with its size in the title."""
    from . import nn
    grad = nn.real_array(grad, f"the gradient of {name}")
    if grad.ndim > 2 or grad.size == 0:
        raise ValueError(f"gradient_heatmap draws one parameter's gradient, a 1-D or 2-D "
                         f"array with entries (a bias or a weight matrix); the gradient of "
                         f"{name} has shape {grad.shape}")
    g = np.atleast_2d(grad)
    transposed = g.shape[0] > g.shape[1]
    if transposed:
        g = g.T          # wide rather than tall: fits beside the controls
    height = 2.0 + min(2.0, 0.25 * g.shape[0])
    fig = Figure(figsize=(6.0, height))           # fixed margins: steady while training
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.6 / height, top=1 - 0.35 / height)
    ax = fig.add_subplot()
    limit = float(np.max(np.abs(g))) or 1.0
    image = ax.imshow(g, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest")
    fig.colorbar(image, ax=ax)
    flipped = " (transposed)" if transposed else ""
    ax.set_title(f"dL/d{name}{flipped}, shape {np.shape(grad)}: mean |g| "
                 f"{np.mean(np.abs(grad)):.2e}, max |g| {np.max(np.abs(grad)):.2e}",
                 fontsize=9)
    if np.ndim(grad) < 2:
        ax.set_yticks([])
        ax.set_xlabel("entry (one per neuron)")
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        rows, cols = ("neuron", "input") if transposed else ("input", "neuron")
        ax.set_ylabel(f"row ({rows})")
        ax.set_xlabel(f"column ({cols})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def figure_png(fig, dpi=90):
    """A figure as PNG bytes (for an ``ipywidgets.Image``), rendered with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
