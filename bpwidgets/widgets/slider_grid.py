"""Slider ranges and grids: a 'nice' range around each input, and a grid through its value.

A slider stops at min + k*step. A starting value off that grid (0.1 with min -2 and
step 0.04) could not be shown, and the first move would lose it. So every slider's grid
is chosen to pass through its starting value (``grid``): the explorer's page
(static/explorer.js) puts the slider at that position and computes with the lesson's
exact number there.
"""

import numpy as np

NICE = (1, 2, 5)        # steps and ranges are 1, 2 or 5 times a power of ten


def grid(value, bounds, tolerance=1e-9):
    """(min, max, step) whose grid min + k*step passes through ``value``: the given step
    if it does, else the largest finer 'nice' step (1, 2, 5 x 10^n, down to step/100)
    that does, else the given step with min moved so that the grid starts from value."""
    return grids_for(np.array([value], dtype=float), bounds, tolerance)[0]


def grids_for(values, bounds, tolerance=1e-9):
    """``grid`` for every entry of an array (an array of (min, max, step) tuples, shaped
    like ``values``): one step for all entries when one fits them all."""
    low, high, step = bounds
    flat = np.ravel(values)
    for fine in _finer_steps(step):
        if all(_on_grid(v, low, fine, tolerance) for v in flat):
            found = [(float(low), float(high), float(fine))] * flat.size
            break
    else:
        found = [_anchored(float(v), low, high, step) for v in flat]
    out = np.empty(flat.size, dtype=object)
    out[:] = found
    return out.reshape(np.shape(values))


def _finer_steps(step):
    yield step
    power = 10.0 ** np.floor(np.log10(step))
    nice = sorted({float(f"{n * p:.1g}") for p in (power, power / 10, power / 100)
                   for n in NICE}, reverse=True)
    yield from (n for n in nice if step / 100 <= n < step)


def _on_grid(value, low, step, tolerance):
    k = (value - low) / step
    return abs(k - round(k)) <= tolerance


def _anchored(value, low, high, step):
    """A grid through ``value`` itself, inside (low, high), with the given step."""
    below = np.floor((value - low) / step + 1e-9)
    above = np.floor((high - value) / step + 1e-9)
    return (float(value - below * step), float(value + above * step), float(step))


def places(step):
    """Decimal places that show a step: 0.02 -> 2, 0.005 -> 3."""
    return max(0, -int(np.floor(np.log10(step) + 1e-9)))


# ---- ranges -------------------------------------------------------------------------------

def default_range(value):
    """A symmetric range, a 'nice' number (1, 2, 5, 10, ...) at least twice |value|."""
    need = max(2.0 * float(np.max(np.abs(value))), 1.0)
    power = 10.0 ** np.floor(np.log10(need))
    bound = next(n * power for n in NICE + (10,) if n * power >= need)
    return (-bound, bound, nice_step(2 * bound))


def nice_step(width):
    """A round step, about a hundredth of the width: 7 -> 0.07, 4 -> 0.04."""
    return float(f"{width / 100:.1g}")
