"""One slider move in the explorer vs drawing the graph again with Graphviz.

Run by hand:  python benchmarks/bench_slider.py

A slider move (setting ``w.sliders[name].value`` from Python, exactly what a drag in the
browser triggers in the kernel) reruns forward and backward and rebuilds the gradient
table; the picture's numbers are patched into the SVG laid out once, by the page itself
for scalar graphs (see bench_keypress.py), by the kernel for the others
(``SvgTemplate.fill``; this script adds that fill to every move, to time the worst case). The
alternative is ``bp.draw(g).pipe("svg")``: a fresh Graphviz layout per change. Both are
timed in the same run on the lecture's sigmoid graph and on a graph of about 1,100
nodes; the script prints the medians and their ratio. Target: at least 50x, set when a
re-render meant starting a ``dot`` process (about 20 ms for the sigmoid graph); with
Graphviz in-process (the pygraphviz wheel, about 5 ms) the small graph's ratio is lower
although the slider move itself is as fast as before.
"""


import numpy as np

import bpwidgets as bp
from timing import median_time

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


def big_graph(steps=180, seed=0):
    """A ladder: h_k = tanh(a_k h_(k-1) + b_k h_(k-2)), started from four inputs.
    Six nodes per rung (two constants, two *, +, tanh): about 1,100 nodes, near the largest
    picture bpwidgets draws (render/limits.py). (Graphviz lays
    out long ladders quickly; a graph where a few inputs feed hundreds of gates takes it
    minutes, for the template as much as for a redraw.)"""
    rng = np.random.default_rng(seed)
    x, y, z, w = bp.inputs("x y z w")
    before, last = x * y, z + w
    for _ in range(steps):
        a, b = np.round(rng.normal(0.0, 0.8, size=2), 2)
        before, last = last, bp.tanh(last * float(a) + before * float(b))
    return bp.Graph(last, expression=f"a ladder of {steps} tanh rungs")


def compare(label, graph, start, slider, moves, redraws):
    w = bp.explore(graph, **start)
    values = np.linspace(-0.9, 0.9, 7) + start[slider]

    def move(k):
        w.sliders[slider].value = float(values[k % len(values)])
        w.svg                                 # the fill a graph without a plan needs

    def redraw(k):
        bp.draw(w.graph).pipe("svg")

    move(1)                                   # warm up (first fill, caches)
    t_move = median_time(move, moves)
    t_draw = median_time(redraw, redraws)
    assert w.error == "", w.error
    print(f"{label:<28} {len(graph.nodes):>6} nodes   slider move {t_move * 1e3:8.3f} ms   "
          f"bp.draw(g).pipe('svg') {t_draw * 1e3:8.1f} ms   ratio {t_draw / t_move:7.0f}x")
    return t_draw / t_move


def main():
    print("Kernel-side cost of one slider move (forward + backward + table + SVG patch)")
    print("against a fresh Graphviz render, medians, same run. Target: ratio >= 50x.\n")
    ratios = [
        compare("lecture sigmoid graph", bp.parse(SIGMOID), LECTURE, "x0", moves=200,
                redraws=20),
        compare("ladder of 180 tanh rungs", big_graph(), dict(x=0.5, y=-1.0, z=0.3, w=2.0),
                "x", moves=30, redraws=3),
    ]
    verdict = "meets" if min(ratios) >= 50 else "MISSES"
    print(f"\nsmallest ratio {min(ratios):.0f}x: {verdict} the 50x target")
    return {"slider move vs re-render, smallest (x faster)": min(ratios)}


if __name__ == "__main__":
    main()
