"""Regenerate the README pictures: the lecture's sigmoid example after forward and backward.

    python lessons/images/make_images.py

writes sigmoid.svg and sigmoid.png next to this file (needs Graphviz's dot).
"""

import pathlib

import bpwidgets as bp
from bpwidgets.render import write

HERE = pathlib.Path(__file__).parent


def main():
    graph = bp.parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    graph.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    graph.backward()
    for name in ("sigmoid.svg", "sigmoid.png"):
        print("wrote", write(graph, HERE / name))


if __name__ == "__main__":
    main()
