"""The toy data sets: shapes, classes, geometry, and the same arrays for the same seed."""

import re

import numpy as np
import pytest

from bpwidgets import datasets

MAKERS = [datasets.spiral, datasets.moons, datasets.circles]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_shapes_and_types(make):
    X, y = make(n_per_class=25, seed=0)
    n_classes = 3 if make is datasets.spiral else 2
    assert X.shape == (25 * n_classes, 2) and X.dtype == np.float64
    assert y.shape == (25 * n_classes,) and np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == [25] * n_classes
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_same_seed_same_arrays_different_seed_different(make):
    X1, y1 = make(n_per_class=40, seed=7)
    X2, y2 = make(n_per_class=40, seed=7)
    X3, _ = make(n_per_class=40, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_spiral_geometry_matches_cs231n():
    # Radius runs 0..1 along each arm; the noise is on the angle only, so the radii are exact.
    X, y = datasets.spiral(n_per_class=50, n_classes=4, seed=3)
    for arm in range(4):
        radius = np.hypot(*X[y == arm].T)
        assert np.allclose(radius, np.linspace(0, 1, 50))
    # Without noise, arm k's angle (measured as atan2(x, y)) is linspace(4k, 4k + 4).
    X, y = datasets.spiral(n_per_class=30, n_classes=2, seed=0, noise=0.0)
    theta = np.linspace(4.0, 8.0, 30)[1:]
    assert np.allclose(X[y == 1][1:], np.column_stack([np.sin(theta), np.cos(theta)])
                       * np.linspace(0, 1, 30)[1:, None])


def test_circles_without_noise_lie_on_two_rings():
    X, y = datasets.circles(n_per_class=20, seed=0, noise=0.0, factor=0.3)
    radius = np.hypot(*X.T)
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_moons_without_noise_are_two_half_circles():
    X, y = datasets.moons(n_per_class=20, seed=0, noise=0.0)
    assert np.allclose(np.hypot(*X[y == 0].T), 1.0)
    assert np.allclose(np.hypot(X[y == 1, 0] - 1.0, X[y == 1, 1] - 0.5), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)


@pytest.mark.parametrize("call, words", [
    (lambda: datasets.moons(n_per_class=0), "n_per_class must be a whole number >= 1"),
    (lambda: datasets.spiral(n_per_class=2.5), "n_per_class"),
    (lambda: datasets.spiral(n_per_class=True), "n_per_class"),
    (lambda: datasets.spiral(n_classes=1), "n_classes must be a whole number >= 2"),
    (lambda: datasets.spiral(noise=-0.1), "noise must be a number from 0 to 10"),
    (lambda: datasets.moons(noise=float("nan")), "noise"),
    (lambda: datasets.circles(factor=1.5), "factor (the inner ring's radius)"),
    (lambda: datasets.circles(n_per_class="10"), "n_per_class"),
])
def test_bad_arguments_are_named(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value)


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", ["a", -1, 1.5, True])
def test_seed_must_be_a_whole_number(make, seed):
    """seed="a" gave numpy's "SeedSequence expects int..." and seed=-1 "expected
    non-negative integer", from deep inside numpy."""
    with pytest.raises(ValueError) as error:
        make(seed=seed)
    assert str(error.value) == f"seed must be a whole number >= 0, got {seed!r}"
    assert datasets.check_seed(np.int64(3)) == 3


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("noise", [1e308, 11.0, float("inf")])
def test_noise_beyond_any_use_is_refused(make, noise):
    """spiral(noise=1e308) returned NaN points, with RuntimeWarnings."""
    with pytest.raises(ValueError) as error:
        make(noise=noise)
    assert str(error.value) == (
        "noise must be a number from 0 to 10 (the points lie within about 1 of the origin: "
        f"0.1 blurs them a little, 1 hides the shape), got {noise!r}")
    X, _ = make(noise=datasets.MAX_NOISE)            # the largest noise still makes points
    assert np.all(np.isfinite(X))


def test_a_spiral_needs_two_points_per_arm():
    """Every arm starts at the centre: spiral(1) put every class on the origin."""
    with pytest.raises(ValueError) as error:
        datasets.spiral(n_per_class=1)
    assert str(error.value) == ("n_per_class (points per arm; each arm starts at the centre) "
                                "must be a whole number >= 2, got 1")
    X, y = datasets.spiral(n_per_class=2, noise=0.0)
    assert np.allclose(np.hypot(*X.T), [0, 1] * 3)     # each arm reaches out to radius 1
    assert len({tuple(np.round(p, 9)) for p in X[1::2]}) == 3


@pytest.mark.parametrize("call, n_classes, most", [
    (lambda: datasets.spiral(n_per_class=10**12), 3, "3,333,333"),
    (lambda: datasets.spiral(n_per_class=3_333_334), 3, "3,333,333"),
    (lambda: datasets.spiral(n_per_class=2_000_001, n_classes=5), 5, "2,000,000"),
    (lambda: datasets.moons(n_per_class=10**12), 2, "5,000,000"),
    (lambda: datasets.circles(n_per_class=5_000_001), 2, "5,000,000"),
])
def test_sizes_beyond_max_points_are_refused(call, n_classes, most):
    """spiral(10**12) and moons(10**12) ended in numpy's bare MemoryError (or a long
    wait) instead of saying which argument was too big."""
    with pytest.raises(ValueError) as error:
        call()
    message = str(error.value)
    assert message.startswith("n_per_class")
    assert (f"must be at most {most} with {n_classes} classes (a data set has at most "
            "MAX_POINTS = 10,000,000 points), got ") in message
    assert datasets.MAX_POINTS == 10_000_000


def test_a_spiral_of_too_many_arms_is_refused_before_any_point_is_made():
    """A million arms of 2 points is within MAX_POINTS, but took minutes, arm by arm."""
    for many in (10**12, 10**6, 1001):
        with pytest.raises(ValueError) as error:
            datasets.spiral(n_per_class=2, n_classes=many)
        assert str(error.value) == ("n_classes must be at most MAX_ARMS = 1,000 (one arm a "
                                    f"class, made one by one), got {many}")
    X, y = datasets.spiral(n_per_class=2, n_classes=1000)        # the cap itself is fine
    assert X.shape == (2000, 2) and set(y) == set(range(1000))


def test_the_size_check_lets_the_cap_itself_through():
    assert datasets.check_n_per_class(5_000_000, 2) == 5_000_000
    assert datasets.check_n_per_class(np.int64(3_333_333), 3) == 3_333_333
    X, y = datasets.moons(n_per_class=1000, noise=0.0)       # ordinary sizes are untouched
    assert X.shape == (2000, 2) and y.shape == (2000,)


def test_the_menu_check_takes_what_every_data_set_takes():
    """The training widget's menu may switch to any data set: n_per_class must suit them
    all (the spiral needs 2 a class, and 3 classes within MAX_POINTS)."""
    assert datasets.check_menu_n_per_class(2) == 2
    for name, classes in (("spiral", 3), ("moons", 2), ("circles", 2)):
        X, y = datasets.DATASETS[name](n_per_class=2)
        assert X.shape == (2 * classes, 2) and sorted(set(y)) == list(range(classes))
    with pytest.raises(ValueError, match=r"must be a whole number >= 2, got 1"):
        datasets.check_menu_n_per_class(1)
    with pytest.raises(ValueError, match=r"must be at most 3,333,333 with 3 classes"):
        datasets.check_menu_n_per_class(3_333_334)


def test_a_whole_float_is_the_whole_number_it_says():
    """spiral(n_per_class=1e3) and MLP([2, 200 / 2, 3]) said "must be a whole number,
    got 1000.0": it is one. 2.5, inf, NaN and True are still refused."""
    X, y = datasets.spiral(n_per_class=1e2, seed=0)
    X_int, y_int = datasets.spiral(n_per_class=100, seed=0)
    np.testing.assert_array_equal(X, X_int)
    np.testing.assert_array_equal(y, y_int)
    assert datasets.whole_number(np.float32(7.0), "n") == 7
    assert type(datasets.whole_number(7.0, "n")) is int
    for bad in (2.5, float("inf"), float("nan"), True, -1.0):
        with pytest.raises(ValueError, match=rf"^n must be a whole number >= 1, got "
                                             rf"{re.escape(repr(bad))}$"):
            datasets.whole_number(bad, "n")
