"""Toy 2-D data sets for classification, made with numpy (no download).

Each returns ``(X, y)``: ``X`` a float array of shape (N, 2), one point per row, and
``y`` an int array of shape (N,), the class of each point (0, 1, ...). The same
``seed`` always gives the same arrays::

    X, y = spiral(n_per_class=100, n_classes=3, seed=0)
    X.shape, y.shape          # ((300, 2), (300,))

``spiral`` is the one from CS231n's "minimal neural network case study": a linear
classifier cannot separate its arms, a small net can.
"""

import numpy as np

from .graph import is_number


def spiral(n_per_class=100, n_classes=3, seed=0, noise=0.2):
    """Interleaved spiral arms, one per class (CS231n's data set).

    Arm ``k`` runs outward from the centre (radius 0 to 1) while its angle turns
    from ``4k`` to ``4(k + 1)`` radians, with normal noise of std ``noise`` on the angle.
    Every arm starts at the centre, so each class needs at least 2 points: with one,
    all the classes would sit on the same spot.
    """
    k = whole_number(n_classes, "n_classes", least=2)
    if k > MAX_ARMS:
        raise ValueError(f"n_classes must be at most MAX_ARMS = {MAX_ARMS:,} (one arm a "
                         f"class, made one by one), got {_show(n_classes)}")
    n = check_n_per_class(n_per_class, k, least=2,
                          name="n_per_class (points per arm; each arm starts at the centre)")
    noise = check_noise(noise)
    rng = np.random.default_rng(check_seed(seed))
    X = np.zeros((n * k, 2))
    y = np.zeros(n * k, dtype=int)
    radius = np.linspace(0.0, 1.0, n)
    for arm in range(k):
        rows = slice(n * arm, n * (arm + 1))
        theta = np.linspace(4.0 * arm, 4.0 * (arm + 1), n) + rng.standard_normal(n) * noise
        X[rows] = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
        y[rows] = arm
    return X, y


def moons(n_per_class=100, seed=0, noise=0.1):
    """Two interleaving half circles (class 0 on top, class 1 below), plus normal noise."""
    n = check_n_per_class(n_per_class, 2)
    noise = check_noise(noise)
    rng = np.random.default_rng(check_seed(seed))
    angle = np.linspace(0.0, np.pi, n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    X = np.vstack([upper, lower]) + rng.standard_normal((2 * n, 2)) * noise
    y = np.repeat([0, 1], n)
    return X, y


def circles(n_per_class=100, seed=0, noise=0.05, factor=0.5):
    """A ring (class 0, radius 1) around a smaller ring (class 1, radius ``factor``)."""
    n = check_n_per_class(n_per_class, 2)
    noise = check_noise(noise)
    if not is_number(factor) or not 0.0 < factor < 1.0:
        raise ValueError("factor (the inner ring's radius) must be a number between 0 and 1, "
                         f"got {_show(factor)}")
    factor = float(factor)
    rng = np.random.default_rng(check_seed(seed))
    angle = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    ring = np.column_stack([np.cos(angle), np.sin(angle)])
    X = np.vstack([ring, factor * ring]) + rng.standard_normal((2 * n, 2)) * noise
    y = np.repeat([0, 1], n)
    return X, y


DATASETS = {"spiral": spiral, "moons": moons, "circles": circles}
"""name -> function, for menus (the training widget's data set choice)."""


MENU_CLASSES = 3
"""The most classes a data set of ``DATASETS`` has at its defaults: the spiral's 3 arms."""


def check_menu_n_per_class(n_per_class):
    """``n_per_class`` checked for every data set of ``DATASETS`` at its default classes,
    for a menu that may switch from one to another (the training widget): the spiral's
    arms need 2 points each, and its 3 classes must stay within ``MAX_POINTS``."""
    return check_n_per_class(n_per_class, MENU_CLASSES, least=2,
                             name="n_per_class (points per class; the spiral's arms start "
                                  "at the centre, so 2 at least)")


# ---- argument checks: errors name the argument and what was expected ---------------

def _show(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole_number(value, name, least=1):
    """``value`` as an int if it is a whole number >= ``least``; else a clear error.

    A float with nothing after the point counts (``epochs=1e3``, ``width / 2``): it is
    the number the learner meant. True and False do not, nor does 2.5."""
    given = value
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value):
        value = int(value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {_show(given)}")
    return int(value)


MAX_POINTS = 10_000_000
"""The most points a data set may have, all classes together. The lessons use a few
hundred; 10 million already take 240 MB (16 bytes of X and 8 of y a point) and make one
epoch of training slow. Far bigger sizes only end in numpy's MemoryError, or a long
wait: spiral(10**12), 3 arms of 10**12 points, would need 72 TB."""


MAX_ARMS = 1000
"""The most arms (classes) a spiral may have. The lessons use 3; each arm is made by its
own numpy calls, so a million arms would take minutes, and no plot could tell them apart."""


def check_n_per_class(n_per_class, n_classes, least=1, name="n_per_class"):
    """``n_per_class`` as an int: a whole number >= ``least`` such that ``n_classes``
    classes of it make at most ``MAX_POINTS`` points; else a clear error."""
    n = whole_number(n_per_class, name, least=least)
    most = MAX_POINTS // n_classes
    if n > most:
        raise ValueError(f"{name} must be at most {most:,} with {n_classes} classes (a data "
                         f"set has at most MAX_POINTS = {MAX_POINTS:,} points), got "
                         f"{_show(n_per_class)}")
    return n


def check_seed(seed):
    """``seed`` as an int: the same seed gives the same random numbers, run after run;
    or None: new random numbers each time (numpy's fresh entropy).

    Numpy takes any whole number >= 0 (``np.random.default_rng(seed)``); anything else
    is refused here, naming the argument, rather than deep inside numpy."""
    return None if seed is None else whole_number(seed, "seed", least=0)


MAX_NOISE = 10.0
"""The largest ``noise`` the data sets take. Their points lie within about 1 of the
origin (2 for moons), so a noise of 1 already blurs the shape away and 10 scatters it
far beyond; far bigger values only overflow (1e308 * a normal sample is inf)."""


def check_noise(noise):
    """``noise`` (a standard deviation) as a float from 0 to ``MAX_NOISE``, or a clear error."""
    if not is_number(noise) or not 0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must be a number from 0 to {MAX_NOISE:g} (the points lie "
                         f"within about 1 of the origin: 0.1 blurs them a little, 1 hides "
                         f"the shape), got {_show(noise)}")
    return float(noise)
