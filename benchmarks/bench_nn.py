"""MLP training speed: bp.nn.fit against the same training loop written in plain numpy.

Run by hand:  python benchmarks/bench_nn.py

(a) Training the lecture-sized problem: a 2-layer ReLU net, 100 hidden units, on the
    3-class spiral (300 points), full-batch gradient descent: time per epoch, and the
    wall time until train accuracy first reaches 95%.
(b) One training step (softmax loss forward + backward + update) of a 2-layer net at
    batch 256, through ``nn.fit`` (the loss graph's gates in a plain loop, ``Runner``,
    with the parameters' gradients only) and through CS231n's hand-written numpy step;
    printed as a ratio of the best of alternating rounds, measured in the same run, after
    checking that both reach the same weights. Target: fit at most 1.2x the hand-written
    loop. For comparison, the same steps through ``bp.Graph``'s own forward and
    ``backward(wrt=...)`` (what fit ran before the runner) are timed in the same rounds.

The raw graph forward+backward against numpy (no loss, no update) is in
``bench_vectorized.py``; this file is about the MLP and ``fit``.
"""

import time

import numpy as np

from bpwidgets import datasets, nn
from timing import interleaved

LR, REG = 1.0, 1e-3


def numpy_step(params, X, y, lr=LR, reg=REG):
    """CS231n's minimal case study: one full step of a 2-layer ReLU net, by hand."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    n = len(X)
    loss = -np.mean(np.log(probs[np.arange(n), y])) \
        + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs
    dscores[np.arange(n), y] -= 1
    dscores /= n
    dhidden = dscores @ W2.T
    dhidden[hidden <= 0] = 0
    params["W2"] -= lr * (hidden.T @ dscores + reg * W2)
    params["b2"] -= lr * dscores.sum(axis=0)
    params["W1"] -= lr * (X.T @ dhidden + reg * W1)
    params["b1"] -= lr * dhidden.sum(axis=0)
    return loss


def bench_spiral():
    X, y = datasets.spiral(n_per_class=100, n_classes=3, seed=0)
    model = nn.MLP([2, 100, 3], activation="relu", seed=0)
    reached = {}
    start = time.perf_counter()

    def note(epoch, history):
        if "95" not in reached and history["accuracy"][-1] >= 0.95:
            reached["95"] = (epoch + 1, time.perf_counter() - start)

    history = nn.fit(model, X, y, epochs=1000, lr=LR, reg=REG, callback=note)
    total = time.perf_counter() - start
    print("(a) spiral, 300 points, MLP [2, 100, 3] relu, full-batch GD, lr 1, reg 1e-3")
    print(f"    1000 epochs in {total:.2f} s ({1e3 * total / 1000:.2f} ms per epoch); "
          f"final accuracy {100 * history['accuracy'][-1]:.1f}%")
    if "95" in reached:
        epoch, seconds = reached["95"]
        print(f"    95% train accuracy first at epoch {epoch}, after {seconds:.2f} s")


def bench_step(batch=256, hidden=100, classes=3, repeats=15):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, 2))
    y = rng.integers(0, classes, size=batch)
    model = nn.MLP([2, hidden, classes], activation="relu", seed=0)
    params = {name: value.copy() for name, value in model.parameters.items()}

    # Same start, 5 steps each: the weights must agree before the times mean anything.
    nn.fit(model, X, y, epochs=5, lr=LR, reg=REG)
    for _ in range(5):
        numpy_step(params, X, y)
    worst = max(float(np.max(np.abs(model.parameters[n] - params[n]))) for n in params)
    assert worst < 1e-10, f"kit and numpy disagree after 5 steps: max difference {worst:.2e}"

    steps = 20         # per timed call, so fit's argument checks are spread over 20 steps
    other = nn.MLP([2, hidden, classes], activation="relu", seed=0)
    Y = nn.one_hot(y, classes)
    (kit, kit_median), (ref, ref_median), (graph, graph_median) = interleaved(
        [lambda: nn.fit(model, X, y, epochs=steps, lr=LR, reg=REG),
         lambda: [numpy_step(params, X, y) for _ in range(steps)],
         lambda: graph_steps(other, X, Y, steps)], rounds=repeats, per_round=1)
    kit, ref, graph, kit_median, ref_median, graph_median = (
        t / steps for t in (kit, ref, graph, kit_median, ref_median, graph_median))
    print(f"(b) one training step, 2-layer relu net [2, {hidden}, {classes}], batch {batch} "
          f"(weights agree to {worst:.0e}); best of {repeats} alternating rounds (median)")
    print(f"    hand-written numpy: {1e6 * ref:8.1f} us ({1e6 * ref_median:6.1f})")
    print(f"    bp.nn.fit:          {1e6 * kit:8.1f} us ({1e6 * kit_median:6.1f})")
    print(f"    ratio kit / numpy:  {kit / ref:8.2f}x (target at most 1.2x: "
          f"{'met' if kit / ref <= 1.2 else 'missed'})")
    print(f"    for comparison, bp.Graph forward + backward(wrt) + update, no history: "
          f"{1e6 * graph:.1f} us ({1e6 * graph_median:.1f}), {graph / ref:.2f}x numpy")
    return kit / ref


def graph_steps(model, X, Y, steps, lr=LR, reg=REG):
    """fit's steps through ``bp.Graph`` itself: forward, the parameters' gradients from
    ``backward(wrt=...)``, the update; no accuracy or history."""
    graph, params = model.loss_graph(reg), model.parameters
    for _ in range(steps):
        graph.forward(X=X, Y=Y, **params)
        grads = graph.backward(wrt=list(params))
        for name in params:
            params[name] -= lr * grads[name]


def main():
    bench_spiral()
    print()
    return {"fit vs CS231n loop (x slower)": bench_step()}


if __name__ == "__main__":
    main()
