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


# ---- bad arguments: named, with what was expected -------------------------------------

@pytest.fixture(scope="module")
def model():
    return nn.MLP([2, 6, 3], activation="relu", seed=0)


@pytest.mark.parametrize("change, error, words", [
    (dict(y=Y[:5]), ValueError, "y must hold one label per row of X: shape (45,), got (5,)"),
    (dict(y=Y * 5), ValueError, "labels must be 0..2 (one per output score), got labels "
                                "from 0 to 10"),
    (dict(y=Y + 0.5), ValueError, "y must hold whole-number class labels, got dtype float64"),
    (dict(resolution=0), ValueError, "resolution must be a whole number >= 2, got 0"),
    (dict(resolution=2.5), ValueError, "resolution must be a whole number >= 2, got 2.5"),
    (dict(resolution=5000), ValueError, "resolution=5000 would predict 25,000,000 grid "
                                        "points; at most 500 (MAX_RESOLUTION) per side"),
    (dict(X=np.zeros((0, 2)), y=[]), ValueError, "X has no rows (shape (0, 2)): "
                                                 "decision_boundary needs at least one"),
    (dict(X="points"), TypeError, "X must be an array of numbers, got str"),
    (dict(model=nn.MLP([3, 4, 3])), ValueError, "the model must take 2 inputs, but this one "
                                                "takes 3 (sizes [3, 4, 3])"),
    (dict(model="net"), TypeError, "decision_boundary needs a trained nn.MLP, got str"),
])
def test_decision_boundary_names_bad_arguments(model, change, error, words):
    args = dict(model=model, X=X, y=Y, resolution=10)
    args.update(change)
    with pytest.raises(error) as caught:
        plots.decision_boundary(**args)
    assert words in str(caught.value)


def test_decision_boundaries_need_a_whole_number_of_columns(runs):
    for ncols in (0, -1, 1.5):
        with pytest.raises(ValueError, match=rf"ncols \(panels to a row\) must be a whole "
                                             rf"number >= 1, got {ncols}"):
            plots.decision_boundaries(runs, X, Y, ncols=ncols)


def test_activation_gallery_needs_a_name():
    with pytest.raises(ValueError, match="at least one activation name, got none; choose "
                                         "from 'sigmoid', 'tanh'"):
        plots.activation_gallery([])
    one = plots.activation_gallery("relu")          # a single name: a gallery of one
    assert [ax.get_title() for ax in one.axes] == ["ReLU: max(0, x)"]


def test_gradient_heatmap_draws_one_parameter_only():
    with pytest.raises(ValueError) as caught:
        plots.gradient_heatmap(np.ones((2, 3, 4)), "T")
    assert str(caught.value) == ("gradient_heatmap draws one parameter's gradient, a 1-D or "
                                 "2-D array with entries (a bias or a weight matrix); the "
                                 "gradient of T has shape (2, 3, 4)")
    with pytest.raises(ValueError, match=r"the gradient of b1 has shape \(0,\)"):
        plots.gradient_heatmap(np.ones(0), "b1")
    with pytest.raises(TypeError, match="the gradient of W1 must be an array of numbers"):
        plots.gradient_heatmap("big", "W1")


def test_pictures_name_inputs_that_are_not_numbers():
    with pytest.raises(TypeError, match="J must be an array of numbers, got str"):
        plots.jacobian_heatmap("J")
    with pytest.raises(TypeError, match=r"history must be the dict fit\(\) returns, .* got list"):
        plots.loss_curve([1.0, 0.5])


def test_boundaries_that_would_answer_a_ranking_wait_until_it_is_tried(monkeypatch):
    """Lesson 07 showed the ranked nets' boundaries, titled with their accuracies, right
    under the ranking exercise: its answer in sight before the learner tried. Now the
    picture waits: a note (and no training) until a ranking is written, then the panels."""
    X, y = datasets.spiral(n_per_class=20, n_classes=3, seed=0)
    settings = {"A": (3, 0.001), "B": (8, 0.001)}
    pairs = list(settings.values())
    untried = [nn.check_ranking(None, settings, X, y),
               nn.check_ranking("AX", settings, X, y)]          # not a ranking of A, B
    with monkeypatch.context() as patch:
        patch.setattr(nn, "fit_each", lambda *a, **k: pytest.fail("trained"))
        for check in untried:
            assert not check.tried
            waiting = plots.decision_boundaries_after(check, pairs, X, y)
            assert isinstance(waiting, plots.Waiting)
            assert repr(waiting).startswith("Rank the nets in the exercise above first")
    tried = nn.check_ranking("AB", settings, X, y, epochs=200)
    assert tried.tried
    fig = plots.decision_boundaries_after(tried, pairs, X, y, ncols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    accuracy = [run.train_accuracy for run in nn.fit_each(X, y, pairs)]
    assert titles == [f"{h} hidden neurons, reg 0.001\n{100 * a:.1f}% of training points right"
                      for (h, _), a in zip(pairs, accuracy)]
    with pytest.raises(TypeError, match="needs the verdict of nn.check_ranking"):
        plots.decision_boundaries_after("BA", pairs, X, y)


def test_plots_name_what_is_wrong_with_their_arguments():
    """Each of these failed inside matplotlib or with an AttributeError/IndexError, drew a
    NaN heatmap without complaint, called an inf point NaN, or took minutes (150 x 150
    numbers written one by one)."""
    X, y = datasets.spiral(n_per_class=10, seed=0)
    model = nn.MLP([2, 5, 3], seed=0)
    cases = [
        (lambda: plots.loss_curve({"loss": [1.0, 0.5], "accuracy": [0.1]}), ValueError,
         r"^history has 2 losses but 1 accuracies: one of each per epoch$"),
        (lambda: plots.loss_curve({"loss": ["a"]}), TypeError, r"history\['loss'\] must be"),
        (lambda: plots.decision_boundaries([model], X, y), TypeError,
         r"takes the runs nn\.fit_each returns, got MLP; for one model, decision_boundary"),
        (lambda: plots.network_diagram(model, max_drawn=0), ValueError,
         r"^max_drawn \(neurons drawn per layer\) must be a whole number >= 1, got 0$"),
        (lambda: plots.jacobian_heatmap(np.ones((150, 150)), annotate=True), ValueError,
         r"at most 400 cells .* has 22,500 \(150 x 150\)"),
        (lambda: plots.decision_boundary(model, np.vstack([X, [np.inf, 0.0]]),
                                         np.append(y, 0)), ValueError,
         r"^X holds a point that is not finite, row 30: \[inf, 0\.0\]$"),
        (lambda: plots.gradient_heatmap(None, "W"), TypeError,
         r"^the gradient of W must be an array of numbers, got None$"),
    ]
    for call, error, said in cases:
        with pytest.raises(error, match=said):
            call()


def test_a_short_history_has_whole_epochs_on_its_axis():
    """Three epochs were ticked 1.00, 1.25, 1.50, ...: there is no epoch 1.25."""
    fig = plots.loss_curve({"loss": [1.0, 0.5, 0.25], "accuracy": [0.3, 0.5, 0.9]})
    ax = fig.axes[0]
    fig.canvas.draw()
    low, high = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert len(ticks) >= 2 and all(t == round(t) for t in ticks), ticks
    labels = [label.get_text() for label in ax.get_xticklabels() if label.get_text()]
    assert all("." not in text for text in labels), labels


def test_a_history_of_losses_alone_draws_them_alone():
    """A hand-made {'loss': [...]} (no accuracies) failed inside matplotlib."""
    fig = plots.loss_curve({"loss": [1.0, 0.5, 0.25]})
    (ax,) = fig.axes                              # no accuracy axis
    assert list(ax.lines[0].get_ydata()) == [1.0, 0.5, 0.25]
    assert ax.get_title() == "epoch 3: loss 0.250"
    both = plots.loss_curve({"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]})
    assert len(both.axes) == 2 and both.axes[0].get_title() == "epoch 2: loss 0.500, accuracy 75.0%"


def test_an_empty_loss_curve_counts_epochs_from_zero():
    """The training view's panel before any epoch had epoch ticks from -0.04 to 0.04."""
    fig = plots.loss_curve({"loss": [], "accuracy": []})
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 10.0)
    assert ax.get_title() == "no training yet"
    assert min(ax.get_xticks()) >= 0
