# The sigmoid example of the lecture, live, in marimo:
#     pip install bpwidgets marimo
#     marimo edit examples/explorer_marimo.py      (or: marimo run examples/explorer_marimo.py)
# Drag a slider: forward and backward run in the page, and every value (green, above each
# edge) and gradient (red or orange, below) moves at once. The last cell reads the
# explorer's Python graph, which follows the sliders.

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    import bpwidgets as bp
    return bp, mo


@app.cell
def _(mo):
    mo.md(r"""
    # The sigmoid neuron, forward and backward

    $f(w, x) = \dfrac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}$ at the lecture's point
    $w = (2, -3, -3)$, $x = (-1, -2)$: the output is 0.73 and the gradient on $x_0$ is
    0.39. Move $x_0$ and watch $w_0$'s gradient follow it: a multiply gate swaps.
    """)
    return


@app.cell
def _(bp, mo):
    explorer = mo.ui.anywidget(
        bp.explore("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    )
    explorer
    return (explorer,)


@app.cell
def _(explorer, mo):
    values = explorer.slider_values       # marimo runs this cell again on every move
    graph = explorer.widget.graph
    mo.md(
        f"In Python now: x0 = {values['x0']:.2f}, output {graph.output.value:.4f}, "
        f"df/dw0 = {graph.inputs['w0'].grad:.4f}"
    )
    return


if __name__ == "__main__":
    app.run()
