"""Vectorized engine vs hand-written numpy: forward + backward of a 2-layer net, batch 256.

Run by hand:  python benchmarks/bench_vectorized.py

The net is the lecture's f = W2 max(0, W1 x) with biases, on a batch X of 256 rows:

    scores = relu(X @ W1 + b1) @ W2 + b2,     loss = sum((scores - Y) ** 2)

bpwidgets builds the graph once (inputs X, Y, W1, b1, W2, b2) and re-runs forward and
backward; the reference is the same maths written out by hand in numpy, forward and
backward, computing the same gradients (all six inputs, as the engine does). The
script checks that both agree, then prints the times and their ratio, measured in the
same run. Target: the engine at most 1.5x the hand-written numpy.
"""

import statistics
import time

import numpy as np

import bpwidgets as bp

BATCH, HIDDEN, CLASSES = 256, 100, 3
INPUT_SIZES = (2, 10, 100)        # the lecture's toy nets: 2-D points up to small features
TARGET = 1.5


def make_inputs(dim, seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        X=rng.standard_normal((BATCH, dim)),
        Y=np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)],      # one-hot targets
        W1=rng.standard_normal((dim, HIDDEN)) * np.sqrt(2.0 / dim),
        b1=rng.standard_normal(HIDDEN) * 0.1,
        W2=rng.standard_normal((HIDDEN, CLASSES)) * np.sqrt(2.0 / HIDDEN),
        b2=rng.standard_normal(CLASSES) * 0.1,
    )


def engine_graph():
    X, Y, W1, b1, W2, b2 = bp.inputs("X Y W1 b1 W2 b2")
    scores = bp.relu(X @ W1 + b1) @ W2 + b2
    return bp.Graph(bp.sum((scores - Y) ** 2))


def engine_step(g, values):
    loss = g.forward(**values)
    return loss, g.backward()


def numpy_step(X, Y, W1, b1, W2, b2):
    """The same forward and backward, by hand (CS231n style)."""
    hidden_in = X @ W1 + b1
    hidden = np.maximum(hidden_in, 0.0)
    scores = hidden @ W2 + b2
    diff = scores - Y
    loss = np.sum(diff ** 2)
    d_scores = 2.0 * diff                      # d loss / d scores
    d_hidden = d_scores @ W2.T
    d_hidden_in = d_hidden * (hidden_in > 0)   # relu routes
    grads = dict(X=d_hidden_in @ W1.T, Y=-d_scores,
                 W1=X.T @ d_hidden_in, b1=d_hidden_in.sum(axis=0),
                 W2=hidden.T @ d_scores, b2=d_scores.sum(axis=0))
    return loss, grads


def best_of(fns, rounds=9, per_round=100):
    """Per-call time of each function: the best of several rounds (the round least
    disturbed by other work on the machine) and the median. Rounds alternate between
    the functions so that both see the same machine."""
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, kept in zip(fns, times):
            start = time.perf_counter()
            for _ in range(per_round):
                fn()
            kept.append((time.perf_counter() - start) / per_round)
    return [(min(kept), statistics.median(kept)) for kept in times]


def run(dim):
    values = make_inputs(dim)
    g = engine_graph()
    loss_engine, grads_engine = engine_step(g, values)
    loss_numpy, grads_numpy = numpy_step(**values)
    assert np.isclose(loss_engine, loss_numpy, rtol=1e-12), (loss_engine, loss_numpy)
    for name in values:
        assert grads_engine[name].shape == values[name].shape, name
        np.testing.assert_allclose(grads_engine[name], grads_numpy[name], rtol=1e-10,
                                   atol=1e-12, err_msg=name)
    (t_engine, med_engine), (t_numpy, med_numpy) = best_of(
        [lambda: engine_step(g, values), lambda: numpy_step(**values)])
    return t_engine, t_numpy, med_engine, med_numpy


def main():
    print(f"2-layer net, batch {BATCH}, hidden {HIDDEN}, {CLASSES} classes; "
          "forward + backward per call (best of 9 rounds of 100; median in brackets)")
    print(f"{'D':>5} {'bpwidgets':>16} {'numpy by hand':>18} {'ratio':>7}")
    ratios = []
    for dim in INPUT_SIZES:
        t_engine, t_numpy, med_engine, med_numpy = run(dim)
        ratio = t_engine / t_numpy
        ratios.append(ratio)
        print(f"{dim:>5} {t_engine * 1e6:8.1f} us ({med_engine * 1e6:5.1f}) "
              f"{t_numpy * 1e6:8.1f} us ({med_numpy * 1e6:5.1f}) {ratio:6.2f}x")
    worst = max(ratios)
    verdict = "meets" if worst <= TARGET else "misses"
    print(f"worst ratio {worst:.2f}x: {verdict} the target of at most {TARGET}x "
          "(values and gradients agree to 1e-10)")


if __name__ == "__main__":
    main()
