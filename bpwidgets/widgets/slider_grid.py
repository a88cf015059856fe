"""Slider grids that survive the browser: ipywidgets' FloatSlider draws with noUiSlider.

The browser's slider (noUiSlider 15, in ipywidgets 8) only takes the values
min + k*step: when it is drawn it snaps the starting value to that grid and sends the
snapped value back to the kernel. A starting value off the grid (0.1 with min -2 and
step 0.04) would become 0.12 the moment the widget appears. So every slider's grid is
chosen to pass through its starting value (``grid``), and the numbers the page sends
back are cleaned of its floating-point round-off (``unround``, ``page_value``). This
module mirrors noUiSlider's rounding, and picks the sliders' 'nice' ranges; the explorer
uses it.
"""

import math

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


def unround(number, origin, step):
    """The slider's number without the browser's round-off: the page computes grid values
    in floating point (0.1 comes back as 0.10000000000000009), so a number within
    1e-9 steps of the grid point origin + k*step is replaced by that point, written
    with at most 12 significant digits (the starting value itself when k = 0). Numbers
    off the grid (set from Python) are kept as they are."""
    number = float(number)
    k = round((number - origin) / step)
    point = origin + k * step
    if abs(number - point) > 1e-9 * step:
        return number
    return origin if k == 0 else float(f"{point:.12g}")


def page_value(value, low, high, step):
    """The number the page's slider shows for ``value``: noUiSlider 15 (in ipywidgets 8)
    turns it into a percentage of the range, rounds that to the step and turns it back,
    in floating point, so a grid value such as 0.1 (min -1, step 0.02) comes back as
    0.10000000000000009. That number is a fixed point: the page leaves it as it is."""
    width = high - low
    if value >= high:
        return high
    percent = 100 * (value + abs(low) if low < 0 else value - low) / width
    step_percent = 100 * step / width
    percent = min(max(math.floor(percent / step_percent + 0.5) * step_percent, 0), 100)
    return high if percent >= 100 else percent * width / 100 + low


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
