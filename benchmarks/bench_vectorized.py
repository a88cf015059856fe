"""Vectorized engine vs hand-written numpy: forward + backward of small nets.

Run by hand:  python benchmarks/bench_vectorized.py

(a) A small net with column examples, W1 64x2, X 2x256, W2 3x64:

        f = sum(tanh(W2 @ relu(W1 @ X + b1) + b2))

    Target: the engine at most 1.2x the same forward and backward by hand (dX included).
(b) The lecture's f = W2 max(0, W1 x) with biases, on a batch X of 256 rows:

        scores = relu(X @ W1 + b1) @ W2 + b2,     loss = sum((scores - Y) ** 2)

    at input sizes 2, 10, 100. Target: at most 1.5x (what it was before the engine was
    compiled: 1.6x to 1.9x, so also "no worse than before").

bpwidgets builds each graph once and re-runs forward and backward; the reference is the
same maths written out by hand in numpy, computing the same gradients (every input, as
the engine does). A third line runs the same gates in a bare loop (``bare.py``: no
checks, no copies), the floor under any engine that runs the lecture's gates one by one.
The script checks that all three agree, then prints the best of alternating rounds
(medians in brackets) and their ratios, measured in the same run.
"""

import numpy as np

import bpwidgets as bp
from bare import bare_loop
from timing import interleaved

BATCH, HIDDEN, CLASSES = 256, 100, 3
INPUT_SIZES = (2, 10, 100)        # the lecture's toy nets: 2-D points up to small features
TARGET = 1.5
SMALL_TARGET = 1.2


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


def small_net(seed=0):
    rng = np.random.default_rng(seed)
    values = dict(W1=rng.standard_normal((64, 2)), X=rng.standard_normal((2, 256)),
                  b1=rng.standard_normal((64, 1)), W2=rng.standard_normal((3, 64)),
                  b2=rng.standard_normal((3, 1)))
    return bp.parse("sum(tanh(W2 @ relu(W1 @ X + b1) + b2))"), values


def small_by_hand(W1, X, b1, W2, b2):
    hidden_in = W1 @ X + b1
    hidden = np.maximum(hidden_in, 0.0)
    t = np.tanh(W2 @ hidden + b2)
    f = np.sum(t)
    d_s = 1.0 - t * t                          # d f / d (W2 h + b2), upstream 1
    d_hidden_in = (W2.T @ d_s) * (hidden_in > 0)
    grads = dict(W1=d_hidden_in @ X.T, X=W1.T @ d_hidden_in,
                 b1=d_hidden_in.sum(axis=1, keepdims=True),
                 W2=d_s @ hidden.T, b2=d_s.sum(axis=1, keepdims=True))
    return f, grads


def agree(results, reference, names):
    """Every (value, gradients) in ``results`` matches the hand-written ``reference``."""
    for value, grads in results:
        assert np.isclose(value, reference[0], rtol=1e-12), (value, reference[0])
        for name in names:
            assert np.shape(grads[name]) == np.shape(reference[1][name]), name
            np.testing.assert_allclose(grads[name], reference[1][name], rtol=1e-10,
                                       atol=1e-12, err_msg=name)


def run_small():
    """(kit, hand, bare loop): each (best, median) seconds per forward + backward."""
    g, values = small_net()
    bare = bare_loop(g, values)
    agree([engine_step(g, values), bare(values)], small_by_hand(**values), values)
    return interleaved([lambda: engine_step(g, values), lambda: small_by_hand(**values),
                        lambda: bare(values)], rounds=15, per_round=50)


def run(dim):
    """(kit, hand, bare loop): each (best, median) seconds per forward + backward."""
    values = make_inputs(dim)
    g = engine_graph()
    bare = bare_loop(g, values)
    agree([engine_step(g, values), bare(values)], numpy_step(**values), values)
    return interleaved([lambda: engine_step(g, values), lambda: numpy_step(**values),
                        lambda: bare(values)], rounds=9, per_round=100)


def line(label, kit, hand, bare):
    """One row: the three times (best and median) and the kit's ratios to hand and bare."""
    (t_kit, m_kit), (t_hand, m_hand), (t_bare, m_bare) = kit, hand, bare
    return (f"{label:>5} {t_kit * 1e6:7.1f} us ({m_kit * 1e6:5.1f}) "
            f"{t_hand * 1e6:7.1f} us ({m_hand * 1e6:5.1f}) "
            f"{t_bare * 1e6:7.1f} us ({m_bare * 1e6:5.1f}) "
            f"{t_kit / t_hand:6.2f}x {t_bare / t_hand:6.2f}x {t_kit / t_bare:6.2f}x")


HEADER = (f"{'':>5} {'bpwidgets':>19} {'numpy by hand':>19} {'bare loop':>19} "
          f"{'kit/hand':>7} {'bare/hand':>7} {'kit/bare':>7}")


def main():
    kit, hand, bare = run_small()
    small = kit[0] / hand[0]
    print("(a) sum(tanh(W2 @ relu(W1 @ X + b1) + b2)), W1 64x2, X 2x256, W2 3x64; "
          "forward + backward, best of 15 alternating rounds (median)")
    print(HEADER)
    print(line("", kit, hand, bare))
    print(f"    kit / hand {small:.2f}x: target of at most {SMALL_TARGET}x "
          f"{'met' if small <= SMALL_TARGET else 'missed'}")
    print(f"(b) 2-layer net, batch {BATCH}, hidden {HIDDEN}, {CLASSES} classes; forward + "
          "backward, best of 9 alternating rounds of 100 (median)")
    print(HEADER.replace("     ", "    D", 1))
    ratios = []
    for dim in INPUT_SIZES:
        kit, hand, bare = run(dim)
        ratios.append(kit[0] / hand[0])
        print(line(dim, kit, hand, bare))
    worst = max(ratios)
    verdict = "met" if worst <= TARGET else "missed"
    print(f"    worst ratio {worst:.2f}x: target of at most {TARGET}x {verdict} "
          "(values and gradients agree to 1e-10)")
    return {"small net vs numpy (x slower)": small, "2-layer nets vs numpy, worst": worst}


if __name__ == "__main__":
    main()
