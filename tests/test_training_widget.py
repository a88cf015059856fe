"""The training view, the activation explorer and the pictures they show.

Widgets are driven from Python as a notebook would drive them: set a control's
``.value`` or ``.click()`` a button, then read the widget's state.
"""

import re

import numpy as np
import pytest

from bpwidgets import datasets, nn, plots
from bpwidgets.widgets import ActivationExplorer, TrainingView


@pytest.fixture(scope="module")
def view():
    return TrainingView(width=30, activation="relu", lr=1.0, n_per_class=40, chunk=20,
                        run_epochs=60)


def test_step_trains_and_redraws_in_place(view):
    view.reset()
    picture, gradient = view.image.value, view.gradient_image.value
    assert view.epoch == 0 and picture[:8] == b"\x89PNG\r\n\x1a\n"
    view.step(40)
    assert view.epoch == 40 and len(view.history["accuracy"]) == 40
    assert view.image.value != picture and view.gradient_image.value != gradient
    assert view.status.value.startswith("epoch 40: loss ")
    assert repr(view) == "TrainingView(spiral, width=30, activation='relu', lr=1, epoch=40)"


def test_the_view_trains_like_fit(view):
    view.reset()
    view.step(40)
    X, y = datasets.spiral(n_per_class=40, seed=0)
    model = nn.MLP([2, 30, 3], activation="relu", seed=0)
    history = nn.fit(model, X, y, epochs=40, lr=1.0, reg=1e-3)
    assert np.allclose(view.history["loss"], history["loss"])
    assert np.allclose(view.model.parameters["W1"], model.parameters["W1"])


def test_the_step_button_and_the_learning_rate(view):
    view.reset()
    view.lr.value = 0.1
    view.step_button.click()
    assert view.epoch == view.chunk
    X, y = datasets.spiral(n_per_class=40, seed=0)
    model = nn.MLP([2, 30, 3], activation="relu", seed=0)
    history = nn.fit(model, X, y, epochs=view.chunk, lr=view.lr.value, reg=1e-3)
    assert np.allclose(view.history["loss"], history["loss"])
    view.lr.value = 1.0


def test_changing_width_or_activation_starts_a_fresh_model(view):
    view.step(20)
    view.width.value = 12
    assert view.epoch == 0 and view.model.sizes == [2, 12, 3]
    view.activation.value = "maxout"
    assert view.model.activation == "maxout"
    assert view.layer.options == ("W1", "b1", "U1", "c1", "W2", "b2")
    view.dataset.value = "moons"
    assert view.model.sizes == [2, 12, 2] and len(view.X) == 80
    view.dataset.value, view.activation.value, view.width.value = "spiral", "relu", 30


def test_gradient_view_shows_the_chosen_parameter(view):
    view.reset()
    view.step(5)
    view.layer.value = "W1"
    w1 = view.gradient_image.value
    view.layer.value = "b2"
    assert view.gradient_image.value != w1
    assert set(view.model.gradients) == set(view.model.parameters)
    assert view.model.gradients["W1"].shape == (2, 30)


def test_start_runs_in_the_background_and_shows_progress(view):
    view.reset()
    view.start()
    view.wait(timeout=60)
    assert not view.running
    assert view.epoch == view.run_epochs == view.progress.value
    assert not view.start_button.disabled and view.stop_button.disabled


def test_stop_ends_a_run_early():
    view = TrainingView(width=8, n_per_class=20, chunk=5, run_epochs=10**6)
    view.start()
    view.stop()
    assert not view.running and view.epoch < 10**6 and view.epoch % 5 == 0
    assert not view.start_button.disabled


def test_a_failing_callback_shows_in_the_widget_and_it_keeps_working(view, monkeypatch):
    view.reset()
    real = plots.training_figure

    def broken(*args):
        raise RuntimeError("the <picture> broke")

    monkeypatch.setattr(plots, "training_figure", broken)
    view.step_button.click()
    assert "RuntimeError" in view.status.value
    assert "the &lt;picture&gt; broke" in view.status.value          # escaped
    monkeypatch.setattr(plots, "training_figure", real)
    view.step_button.click()
    assert view.status.value.startswith("epoch ")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown data set 'iris'"):
        TrainingView(dataset="iris")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        TrainingView(activation="swish")
    with pytest.raises(ValueError, match=r"width \(hidden units\) must be between 1 and 200"):
        TrainingView(width=500)
    with pytest.raises(ValueError, match=r"lr \(the learning rate\) must be between"):
        TrainingView(lr=0.0)


def test_whole_number_arguments_are_not_rounded():
    for kwargs, words in [(dict(width=2.5), "width (hidden units) must be a whole number >= 1, "
                                            "got 2.5"),
                          (dict(chunk=2.5), "chunk (epochs per step) must be a whole number "
                                            ">= 1, got 2.5"),
                          (dict(run_epochs=0), "run_epochs must be a whole number >= 1, got 0"),
                          (dict(lr="1"), "lr (the learning rate) must be between 0.001 and 10, "
                                         "got '1'")]:
        with pytest.raises(ValueError) as caught:
            TrainingView(**kwargs)
        assert str(caught.value) == words


# ---- the activation explorer -----------------------------------------------------------

def test_activation_explorer_shows_value_and_local_gradient():
    explorer = ActivationExplorer("sigmoid", x=0.0)
    assert (explorer.value, explorer.gradient) == (0.5, 0.25)
    picture = explorer.image.value
    explorer.x.value = 6.0
    s = 1 / (1 + np.exp(-6.0))
    assert np.isclose(explorer.value, s) and np.isclose(explorer.gradient, s * (1 - s))
    assert "almost vanished" in explorer.status.value
    assert explorer.image.value != picture
    explorer.activation.value = "relu"
    explorer.x.value = -2.0
    assert (explorer.value, explorer.gradient) == (0.0, 0.0)
    assert "exactly 0" in explorer.status.value
    assert repr(explorer) == "ActivationExplorer('relu', x=-2)"


@pytest.mark.parametrize("kwargs,error,words", [
    (dict(x=12.0), ValueError, "x must be a number within x_range (-8.0, 8.0)"),
    (dict(x=float("nan")), ValueError, "x must be a number within x_range"),
    (dict(x="0"), TypeError, "x must be a number (the point on the activation), got '0'"),
    (dict(x_range=(8, -8)), ValueError, "x_range must be (low, high) with low < high"),
    (dict(x_range=8), TypeError, "x_range must be (low, high), two numbers, got 8"),
])
def test_activation_explorer_refuses_what_its_slider_cannot_show(kwargs, error, words):
    """x=12 on a slider from -8 to 8 was silently shown as sigmoid(8.0)."""
    with pytest.raises(error) as caught:
        ActivationExplorer("sigmoid", **kwargs)
    assert words in str(caught.value)
    wide = ActivationExplorer("sigmoid", x=12.0, x_range=(-15, 15))   # the advice works
    assert wide.value == pytest.approx(1 / (1 + np.exp(-12.0)))


def test_activation_explorer_refuses_an_x_set_from_code_beyond_its_slider():
    """probe.x.value = 10 on a slider to 8 was moved to 8 without a word, and the
    student's loop printed x = 10 beside sigmoid's numbers at 8 (lesson 06)."""
    import traitlets
    probe = ActivationExplorer("sigmoid", x=0.0)
    with pytest.raises(traitlets.TraitError, match=r"x = 10 is outside this explorer's "
                                                   r"x_range \(-8, 8\).*x_range=\(-15, 15\)"):
        probe.x.value = 10.0
    assert probe.x.value == 0.0 and probe.gradient == pytest.approx(0.25)
    probe.x.value = -8.0                             # the ends are on the slider
    assert probe.gradient == pytest.approx(np.exp(-8.0) / (1 + np.exp(-8.0)) ** 2)


def test_activation_explorer_names_the_activations_when_code_picks_another():
    import traitlets
    probe = ActivationExplorer("relu", x=-2.0)
    with pytest.raises(traitlets.TraitError, match="activation 'Tanh' is not one of "
                                                   "'sigmoid', 'tanh', 'relu'"):
        probe.activation.value = "Tanh"
    probe.activation.value = "tanh"
    assert probe.activation.index == list(nn.ACTIVATIONS).index("tanh")
    assert probe.gradient == pytest.approx(1 - np.tanh(-2.0) ** 2)


def test_activation_explorer_writes_x_as_it_was_given():
    """relu(0.0) = 0.0400 contradicted itself: x = 0.04 is written with its digits."""
    explorer = ActivationExplorer("relu", x=0.04)
    assert explorer.status.value.startswith("relu(0.04) = 0.0400")


# ---- pictures ------------------------------------------------------------------------

def test_gallery_draws_each_activation_with_its_derivative():
    fig = plots.activation_gallery()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 6
    assert [ax.get_title().split(":")[0] for ax in axes] == \
        ["Sigmoid", "tanh", "ReLU", "Leaky ReLU", "Maxout", "ELU"]
    for ax in axes:
        value_line, grad_line = ax.lines[-2], ax.lines[-1]
        x, f = value_line.get_data()
        _, df = grad_line.get_data()
        slope = np.gradient(f, x)
        smooth = np.abs(x) > 0.05          # away from the kinks at 0
        assert np.allclose(df[smooth], slope[smooth], atol=2e-3), ax.get_title()


def test_network_diagram_counts_like_the_lecture():
    fig = plots.network_diagram([3, 4, 4, 1])
    title = fig.axes[0].get_title()
    assert "3-layer net (2 hidden layers)" in title
    assert "9 neurons, 32 weights" in title and "9 biases = 41 learnable parameters" in title
    circles = [p for p in fig.axes[0].patches]
    assert len(circles) == 3 + 4 + 4 + 1


def test_decision_boundary_colors_the_predicted_class():
    X, y = datasets.moons(n_per_class=20, seed=0)
    model = nn.MLP([2, 8, 2], activation="tanh", seed=0)
    fig = plots.decision_boundary(model, X, y, resolution=20)
    regions = fig.axes[0].images[0].get_array()
    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (high - low)
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], 20)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], 20)
    assert regions[3, 7] == model.predict(np.array([gx[7], gy[3]]))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plots.decision_boundary(model, np.zeros((3, 3)), y[:3])


def test_a_step_that_diverges_is_undone_and_says_so():
    """reg=100 blew the weights up to 1e6 and kept them: epoch 0, "not trained yet", and
    the next step went on from the blown-up weights."""
    view = TrainingView(n_per_class=10, width=5, reg=100, chunk=5)
    before = {name: p.copy() for name, p in view.model.parameters.items()}
    gradients = {name: g.copy() for name, g in view.model.gradients.items()}
    with pytest.raises(FloatingPointError) as caught:
        view.step()
    message = str(caught.value)
    assert message.startswith("in this step of 5 epochs, training diverged at epoch ")
    assert "try a smaller learning rate" in message
    assert message.endswith("The step is undone: the weights are back to where they were "
                            "before it (epoch 0)")
    assert "fit()" not in message          # said once, in the view's words (no fit call shown)
    assert view.epoch == 0 and view.history == {"loss": [], "accuracy": []}
    for name, p in view.model.parameters.items():
        assert np.array_equal(p, before[name]), name
        assert np.array_equal(view.model.gradients[name], gradients[name]), name
    assert "diverged" in view.status.value and "The step is undone" in view.status.value
    # the button shows the same, and the next step starts from the restored weights
    view.step_button.click()
    assert message.split("grew from")[1][:20] in view.status.value
    view.lr.value = 0.01                        # lr * reg = 1 < 2: the penalty shrinks W
    view.step()
    model = nn.MLP([2, 5, 3], activation="relu", seed=0)
    X, y = datasets.spiral(n_per_class=10, seed=0)
    history = nn.fit(model, X, y, epochs=5, lr=view.lr.value, reg=100)
    assert view.epoch == 5 and np.allclose(view.history["loss"], history["loss"])
    assert view.status.value.startswith("epoch 5: loss ")


def test_a_background_run_that_diverges_is_undone_too():
    view = TrainingView(n_per_class=10, width=5, reg=100, chunk=5, run_epochs=20)
    before = {name: p.copy() for name, p in view.model.parameters.items()}
    view.start()
    view.wait(timeout=60)
    assert not view.running and view.epoch == 0
    assert "The step is undone" in view.status.value
    assert all(np.array_equal(p, before[n]) for n, p in view.model.parameters.items())
    assert not view.start_button.disabled and view.stop_button.disabled


@pytest.mark.parametrize("kwargs, words", [
    (dict(reg="abc"), "reg (the L2 strength) must be a number >= 0, got 'abc'"),
    (dict(reg=None), "reg (the L2 strength) must be a number >= 0, got None"),
    (dict(reg="0.1"), "reg (the L2 strength) must be a number >= 0, got '0.1'"),
    (dict(reg=-1), "reg (the L2 strength) must be a number >= 0, got -1"),
    (dict(dataset=["spiral"]), "unknown data set ['spiral']; choose one of 'spiral', "
                               "'moons', 'circles'"),
    (dict(seed="x"), "seed must be a whole number >= 0, got 'x'"),
    (dict(seed=-1), "seed must be a whole number >= 0, got -1"),
])
def test_reg_dataset_and_seed_are_checked_like_fit_checks_them(kwargs, words):
    """reg="abc" gave a bare float() error and reg="0.1" was taken; a list as dataset
    said "unhashable type"; seed="x" came from numpy's SeedSequence."""
    with pytest.raises(ValueError) as caught:
        TrainingView(**kwargs)
    assert str(caught.value) == words


@pytest.mark.parametrize("timeout", ["a", -1, float("inf"), float("nan")])
def test_wait_takes_seconds_or_none(view, timeout):
    """wait("a") failed inside threading with a comparison error."""
    with pytest.raises(ValueError) as caught:
        view.wait(timeout)
    assert str(caught.value) == ("timeout must be a number of seconds >= 0, or None to wait "
                                 f"until the run ends, got {timeout!r}")
    view.wait(0)
    view.wait(None)


def test_n_per_class_is_checked_at_construction_for_every_data_set_of_the_menu():
    """TrainingView(dataset="moons", n_per_class=1) was built, and choosing the spiral in
    its menu then failed late, in the status line; n_per_class=10**9 reached numpy."""
    spiral_words = ("n_per_class (points per class; the spiral's arms start at the centre, "
                    "so 2 at least) ")
    with pytest.raises(ValueError) as caught:
        TrainingView(dataset="moons", n_per_class=1)
    assert str(caught.value) == spiral_words + "must be a whole number >= 2, got 1"
    for bad in ("10", 2.5, None):
        with pytest.raises(ValueError) as caught:
            TrainingView(n_per_class=bad)
        assert str(caught.value) == spiral_words + f"must be a whole number >= 2, got {bad!r}"
    with pytest.raises(ValueError) as caught:
        TrainingView(dataset="circles", n_per_class=10**9)
    assert str(caught.value) == spiral_words + (
        "must be at most 3,333,333 with 3 classes (a data set has at most MAX_POINTS = "
        "10,000,000 points), got 1000000000")
    # within the data sets' cap, but 10 million rows a step would stall the live view
    for big in (2001, 3_333_333):
        with pytest.raises(ValueError) as caught:
            TrainingView(n_per_class=big)
        assert str(caught.value) == (f"n_per_class must be at most 2,000 in a live view (each "
                                     f"step trains on every point and draws them all), got "
                                     f"{big}; bp.nn.fit trains on more")
    # the smallest size it takes works for every data set of the menu
    view = TrainingView(dataset="moons", n_per_class=2, width=4)
    for name in datasets.DATASETS:
        view.dataset.value = name
        assert view.status.value == f"{view.model}: not trained yet", name
        assert len(view.X) == 2 * (int(view.y.max()) + 1)


def test_a_step_that_diverges_later_names_the_views_own_epoch():
    """The view trains a few epochs at a time; a step that blew up named its epoch within
    the step ('diverged at epoch 8 ... back to where they were before it (epoch 300)')."""
    view = TrainingView(n_per_class=10, width=5, reg=100, lr=0.001, chunk=5)
    view.step()
    view.step()                                  # 10 epochs, lr * reg = 0.1: fine
    view.lr.value = 10.0                         # lr * reg = 1000: blows up at once
    with pytest.raises(FloatingPointError) as caught:
        view.step()
    message = str(caught.value)
    epoch = int(re.search(r"diverged at epoch (\d+) ", message).group(1))
    assert 10 < epoch <= 15, message             # an epoch of this step, counted as the view
    assert message.endswith("before it (epoch 10)")
