"""The figures of lessons 06 and 07 that plots.py draws from trained nets and sizes.

Figures are checked through what they hold (axes, titles, the image arrays), not pixels.
"""

import numpy as np
import pytest

from bpwidgets import datasets, nn, plots

X, Y = datasets.spiral(n_per_class=15, seed=0)


@pytest.fixture(scope="module")
def runs():
    return nn.fit_each(X, Y, [(2, 0.0), (5, 0.0), (5, 0.0), (5, 0.1)], epochs=20, lr=1.0)


def test_decision_boundaries_draws_each_run_in_order(runs):
    fig = plots.decision_boundaries(runs[:3], X, Y, resolution=30)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3
    for ax, run in zip(axes, runs):
        assert ax.get_title() == (f"{run.hidden} hidden neurons, reg {run.reg:g}\n"
                                  f"{100 * run.train_accuracy:.1f}% of training points right")
        # the panel's regions are the ones decision_boundary draws for that model alone
        alone = plots.decision_boundary(run.model, X, Y, resolution=30).axes[0]
        assert np.array_equal(ax.images[0].get_array(), alone.images[0].get_array())
    assert axes[0].get_title().startswith("2 hidden neurons, reg 0\n")


def test_decision_boundaries_in_rows_with_titles(runs):
    fig = plots.decision_boundaries(runs, X, Y, ncols=2, resolution=20,
                                    row_titles=["more hidden neurons", "more regularization"])
    assert [[t.get_text() for t in sub.texts] for sub in fig.subfigs] == \
        [["more hidden neurons"], ["more regularization"]]
    assert [len(sub.axes) for sub in fig.subfigs] == [2, 2]
    assert fig.subfigs[1].axes[1].get_title().startswith("5 hidden neurons, reg 0.1\n")
    three = plots.decision_boundaries(runs[:3], X, Y, ncols=2, resolution=20)
    assert [ax.get_visible() for ax in three.axes] == [True, True, True, False]


def test_decision_boundaries_names_bad_arguments(runs):
    with pytest.raises(ValueError, match="at least one run"):
        plots.decision_boundaries([], X, Y)
    with pytest.raises(ValueError, match="make 2 rows, but 1 row titles"):
        plots.decision_boundaries(runs, X, Y, ncols=2, row_titles=["one"])


def test_network_diagram_can_leave_the_counting_to_the_student():
    counted = plots.network_diagram([3, 4, 4, 1]).axes[0].get_title()
    blank = plots.network_diagram([3, 4, 4, 1], counts=False).axes[0].get_title()
    assert "41 learnable parameters" in counted
    assert blank == ("3-layer net (2 hidden layers) [3, 4, 4, 1]:\n"
                     "how many neurons, weights and biases?")
    drawn = plots.network_diagram([3, 4, 4, 1], counts=False).axes[0]
    assert len(drawn.patches) == 3 + 4 + 4 + 1
    assert len(drawn.lines) == 3 * 4 + 4 * 4 + 4 * 1         # one line per weight
