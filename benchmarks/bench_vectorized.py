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
the engine does). Two more lines run the same gates in a plain loop (``bare.py``): bare,
the floor under any engine that runs the lecture's gates one by one; and with the
kit's guarantees added (input copies, NaN/inf checks on the inputs and gradients,
numpy's warnings silenced, every node's numbers kept for pictures), the floor under any
engine that also keeps those promises. A fifth line runs the same graph through
``bpwidgets.runner.Runner``, ``nn.fit``'s plain loop: the graph's gates without its
record of runs (which pictures need), its inputs unchecked (fit checks them once), the
output and the gradients checked. The script checks that all five agree, then prints
the best of alternating rounds (medians in brackets) and each one's ratio to numpy by
hand, measured in the same run.
"""

import numpy as np

import bpwidgets as bp
from bare import bare_loop
from bpwidgets.runner import Runner
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
    """(kit, hand, bare loop, guarded loop): each (best, median) seconds per forward +
    backward."""
    g, values = small_net()
    return timed(g, values, small_by_hand, rounds=15, per_round=50)


def run(dim):
    """(kit, hand, bare loop, guarded loop): each (best, median) seconds per forward +
    backward."""
    return timed(engine_graph(), make_inputs(dim), numpy_step, rounds=9, per_round=100)


def timed(g, values, by_hand, rounds, per_round):
    """Check that the kit, both loops and the runner agree with ``by_hand``, then time all
    five."""
    bare, guarded = bare_loop(g, values), bare_loop(g, values, guarded=True)
    run = Runner(g)
    agree([engine_step(g, values), bare(values), guarded(values), run(values), run(values)],
          by_hand(**values), values)
    return interleaved([lambda: engine_step(g, values), lambda: by_hand(**values),
                        lambda: bare(values), lambda: guarded(values), lambda: run(values)],
                       rounds=rounds, per_round=per_round)


def line(label, *times):
    """One row: the five times (best and median), then the kit's, both loops' and the
    runner's ratios to numpy by hand."""
    cells = [f"{best * 1e6:7.1f} us ({median * 1e6:5.1f})" for best, median in times]
    hand = times[1][0]
    ratios = [f"{times[k][0] / hand:7.2f}x" for k in (0, 2, 3, 4)]
    return f"{label:>5} " + " ".join(cells) + " " + " ".join(ratios)


HEADER = (f"{'':>5} {'bpwidgets':>19} {'numpy by hand':>19} {'bare loop':>19} "
          f"{'loop + checks':>19} {'Runner':>19} {'kit':>8} {'bare':>8} {'checks':>8} "
          f"{'Runner':>8}")


def main():
    times = run_small()
    small, floor, runner = (times[k][0] / times[1][0] for k in (0, 3, 4))
    print("(a) sum(tanh(W2 @ relu(W1 @ X + b1) + b2)), W1 64x2, X 2x256, W2 3x64; "
          "forward + backward, best of 15 alternating rounds (median)")
    print(HEADER)
    print(line("", *times))
    print(f"    kit / hand {small:.2f}x: target of at most {SMALL_TARGET}x "
          f"{'met' if small <= SMALL_TARGET else 'missed'}")
    print(f"(b) 2-layer net, batch {BATCH}, hidden {HIDDEN}, {CLASSES} classes; forward + "
          "backward, best of 9 alternating rounds of 100 (median)")
    print(HEADER.replace("     ", "    D", 1))
    ratios = []
    for dim in INPUT_SIZES:
        times = run(dim)
        ratios.append(times[0][0] / times[1][0])
        print(line(dim, *times))
    worst = max(ratios)
    verdict = "met" if worst <= TARGET else "missed"
    print(f"    worst ratio {worst:.2f}x: target of at most {TARGET}x {verdict} "
          "(values and gradients agree to 1e-10)")
    return {"small net vs numpy (x slower)": small,
            "small net, loop + the kit's checks": floor,
            "small net, Runner (fit's loop)": runner,
            "2-layer nets vs numpy, worst": worst}


if __name__ == "__main__":
    main()
