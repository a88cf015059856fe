"""The live graph: move an input, watch every value and gradient move at once.

    w = bp.explore("(x + y) * z", x=-2, y=5, z=-4)
    w                              # in a notebook: the graph, the sliders, the controls
    w.sliders["x"].value = 1.5     # the same as dragging: the page's slider moves too
    w.svg                          # the SVG the page shows now

One anywidget (so it works in JupyterLab, Notebook 7, VS Code, Colab and marimo): the
view in ``bpwidgets/static/explorer.js`` owns the picture, the sliders, the step-through,
the toggles, the table and the caption. Graphviz lays the graph out once per display mode
(``SvgTemplate``); after that only numbers and colours change, so nodes never move.

Who computes: for a scalar graph of the kit's own gates the page runs forward and
backward itself (``browser.plan_for``, ``static/engine.js``) and paints at once; the
kernel is told each new value and runs ``Graph.forward``/``backward`` too, so Python's
graph, the captions and the nudge stay in step. Any other graph (arrays, a learner's own
gate) is computed by the kernel, which sends the numbers. A failing update (log of a
negative number, say) is shown in the widget, and the widget keeps working.
"""

import html
import math

import anywidget
import numpy as np
import traitlets as t

from .. import labels
from ..browser import plan_for, view_source, view_style
from ..collapse import clone_graph, collapse, find_sigmoids
from ..datasets import check_seed
from ..graph import Graph, is_number
from ..nudge import nudge
from ..parse import as_graph, parse
from ..render import SvgTemplate
from ..render import dot
from ..render.limits import GraphTooBig
from ..steps import backward_steps, stepped_gates
from . import live, slider_grid
from .guard import Guarded
from .stepper import at, done

SLIDER_LIMIT = 4        # arrays up to 4x4 get a slider per entry; bigger ones a button
TABLE_LIMIT = 16        # the table shows arrays of up to 16 entries number by number
PALETTE = {"negative": dot.NEGATIVE_COLOUR, "positive": dot.POSITIVE_COLOUR,
           "zero": dot.ZERO_COLOUR, "highlight_fill": dot.HIGHLIGHT_FILL,
           "highlight_stroke": dot.HIGHLIGHT_STROKE}


def explore(graph, seed=0, decimals=2, **inputs):
    """An Explorer of ``graph`` (a Graph or an expression string).

    Each input may be given as a starting value (``x=-2``, ``W=[[1, 2], [3, 4]]``), a
    slider range ``x=(-5, 5)``, or both ``x=(-5, 5, -2)``. Inputs not given start at
    their last forward value (or 1.0), with a range around it; a range alone starts at
    the last forward value if it lies inside (else at 0, or the end nearest it). ``seed`` seeds the
    "resample" button of big array inputs. ``decimals`` (0 to 6): the places of the
    numbers in the picture and the table (as ``bp.draw``'s) and in the step captions
    (which keep at least two). The explorer runs its own copy of the graph
    (``w.graph``): moving a slider leaves ``graph`` as it was. An array output has no one
    gradient: the explorer sends back 1 for each of its entries, so it shows the
    gradients of their sum, and says so.
    """
    return Explorer(graph, seed=seed, decimals=decimals, **inputs)


class Explorer(anywidget.AnyWidget, Guarded):
    """The graph picture, a table of input gradients, one slider per scalar input (or
    array entry), the backward step-through and the toggles: local gradients, flow
    roles, the sigma gate and the nudge.

    From Python: ``w.sliders[label].value`` (read or set: the page follows),
    ``w.go(position)`` for the step-through, ``w.show_local``, ``w.show_flow``,
    ``w.sigma`` and ``w.nudge_on`` (True/False), ``w.svg``, ``w.table``, ``w.caption``.
    """

    _esm = view_source()
    _css = view_style()

    # the page's state; explorer.js reads these names
    kernel = t.Bool(True).tag(sync=True)            # False on a page with no kernel
    picture = t.Dict().tag(sync=True)               # live.picture: SVG and slots
    plan = t.Any(None, allow_none=True).tag(sync=True)   # None: the kernel computes
    palette = t.Dict(PALETTE).tag(sync=True)
    slider_specs = t.List().tag(sync=True)
    slider_values = t.Dict().tag(sync=True)         # slider label -> number
    resample_names = t.List().tag(sync=True)
    table_inputs = t.List().tag(sync=True)          # [name, node, [its gates]]
    step = t.Int(0).tag(sync=True)                  # the step-through's position
    step_count = t.Int(0).tag(sync=True)
    step_view = t.Dict({"visited": None, "highlight": None}).tag(sync=True)
    caption = t.Unicode("").tag(sync=True)
    message = t.Unicode("").tag(sync=True)
    filled = t.List().tag(sync=True)                # kernel-computed slot contents ...
    filled_table = t.Unicode("").tag(sync=True)     # ... and gradient table (HTML)
    show_local = t.Bool(False).tag(sync=True)
    show_flow = t.Bool(False).tag(sync=True)
    sigma = t.Bool(False).tag(sync=True)
    has_sigma = t.Bool(False).tag(sync=True)
    nudge_on = t.Bool(False).tag(sync=True)
    nudge_labels = t.List().tag(sync=True)
    nudge_label = t.Unicode("").tag(sync=True)
    nudge_h = t.Float(0.1).tag(sync=True)
    nudge_text = t.Unicode("").tag(sync=True)

    def __init__(self, graph, seed=0, decimals=2, **inputs):
        decimals = labels.check_decimals(decimals)
        graph = as_graph(graph, "explore")
        unknown = [name for name in inputs if name not in graph.inputs]
        if unknown:
            raise ValueError(f"explore got {unknown[0]!r}, which is not an input of the "
                             f"graph (its inputs are {', '.join(graph.inputs) or 'none'})")
        super().__init__()
        self.decimals = decimals            # places of every number shown
        # The explorer runs its own copy, so moving a slider never changes ``graph``.
        self.expanded = node_by_node(clone_graph(graph))
        self.graph = self.expanded
        self.collapsed = None               # the sigma version, made when first asked for
        self._templates = {}
        self._shown = None                  # the template whose SVG the page has
        self._steps = None
        self._rng = np.random.default_rng(check_seed(seed))
        self._good = {}                     # the last input values that worked

        self.values, ranges = {}, {}
        # inputs given as (min, max): a slider range, not a vector (see _range_hint)
        self._ranges_given = {name: given for name, given in inputs.items() if _is_range(given)}
        for name, node in graph.inputs.items():
            self.values[name], ranges[name] = _start(name, node, inputs.get(name), graph)
        self.sliders, self.resample = {}, {}
        self._targets = {}                  # slider label -> (input name, entry or None)
        specs = []
        for name, value in self.values.items():
            specs.extend(self._controls_for(name, value, ranges[name]))
        self.slider_specs = specs
        self.slider_values = {spec["label"]: spec["origin"] for spec in specs}
        self.resample_names = list(self.resample)
        self.has_sigma = bool(find_sigmoids(graph))
        self.nudge_labels = list(self._targets)
        self.nudge_label = next(iter(self._targets), "")
        self._use(self.expanded)

        self.observe(lambda change: self._guard(self._moved, change), names="slider_values")
        self.observe(lambda change: self._guard(self._relayout),
                     names=["show_local", "show_flow"])
        self.observe(lambda change: self._guard(self._switch_graph), names="sigma")
        self.observe(lambda change: self._guard(self._draw), names="step")
        self.observe(lambda change: self._guard(self._nudge),
                     names=["nudge_on", "nudge_label", "nudge_h"])
        self.on_msg(self._message)
        self._guard(self._recompute)

    def __repr__(self):
        what = self.expanded.expression or f"a graph of {len(self.expanded.nodes)} nodes"
        parts = [f"sliders {', '.join(self.sliders)}"] if self.sliders else []
        if self.resample:
            parts.append(f"resample {', '.join(self.resample)}")
        return f"<Explorer {what}: {'; '.join(parts) or 'no inputs'}>"

    # ---- what the page reads from Python ------------------------------------------------

    @property
    def svg(self):
        """The SVG the page shows now (numbers and colours filled in by Python)."""
        template = self._template()
        view = self._view()
        svg = template.fill(self.graph, visited=view.visited, highlight=view.highlight)
        return svg[svg.index("<svg"):]

    @property
    def table(self):
        """The gradient table the page shows now, as HTML (made by Python)."""
        view = self._view()
        return _table(self.graph, view.visited, self.decimals)

    def page_state(self):
        """The state the view reads: every public synced trait the Explorer declares
        (not anywidget's own, nor its code), by name. A page with no kernel starts
        from it."""
        names = set(self.trait_names(sync=True)) - set(
            anywidget.AnyWidget.class_trait_names(sync=True))
        return {name: getattr(self, name) for name in sorted(names)
                if not name.startswith("_")}

    @property
    def runs_in(self):
        """Who computes the numbers on a slider move: 'the browser', or 'the kernel'
        with the reason the browser cannot."""
        reason = self._reason
        return "the browser" if reason is None else f"the kernel: {reason}"

    def go(self, position):
        """Move the step-through to ``position`` (0: only the output's gradient is known;
        ``step_count``: every gate visited; ``step_count + 1``: the full picture)."""
        if not is_number(position) or position != int(position):
            raise TypeError(f"go(position) takes a whole number of gates (0: the start, "
                            f"{self.step_count + 1}: the full picture), got {position!r}")
        self.step = int(position)            # _valid_step keeps it in range

    @t.validate("step")
    def _valid_step(self, proposal):
        """Set from Python or the page, the position stays between the start (0) and the
        full picture (step_count + 1), as the buttons keep it."""
        return min(max(proposal["value"], 0), self.step_count + 1)

    # ---- controls ---------------------------------------------------------------------

    def _controls_for(self, name, value, bounds):
        if np.ndim(value) == 0:
            grids = {None: slider_grid.grid(value, bounds)}
        elif _small(value):
            grids = slider_grid.grids_for(value, bounds)
        else:
            self.resample[name] = Resample(self, name, float(np.std(value)) or 1.0)
            return []
        specs = []
        for label, index in live.entries(name, value):
            spec = live.slider_spec(label, value if index is None else value[index],
                                    tuple(grids[index]))
            self.sliders[label] = Slider(self, spec)
            self._targets[label] = (name, index)
            specs.append(spec)
        return specs

    def _moved(self, change):
        """The page (or ``Slider.value``) moved sliders: set those inputs, recompute."""
        old, new = change["old"], change["new"]
        for label, number in new.items():
            if old.get(label) != number:
                name, index = self._targets[label]
                if index is None:
                    self.values[name] = float(number)
                else:
                    self.values[name] = self.values[name].copy()
                    self.values[name][index] = number
        self._recompute()

    def _message(self, widget, content, buffers):
        name = content.get("resample") if isinstance(content, dict) else None
        if name in self.resample:
            self._guard(self.resample[name].click)

    def _resample(self, name, scale):
        self.values[name] = self._rng.normal(0.0, scale, size=self.values[name].shape)
        self._recompute()

    def _nudge(self):
        """The gradient as sensitivity: nudge one input by h, compare the output's change
        with gradient × h (``bp.nudge``). Computed only while the nudge toggle is on."""
        if not self.nudge_on or not self.graph.backward_done:
            return
        h = self.nudge_h
        if self.nudge_label not in self._targets:
            self.nudge_text = "choose an input to nudge"
        elif h == 0 or not math.isfinite(h):
            self.nudge_text = "choose a nonzero h"
        else:
            name, index = self._targets[self.nudge_label]
            try:
                self.nudge_text = repr(nudge(self.graph, name, h, entry=index,
                                             **self._good))
            except Exception as error:        # noqa: BLE001 (x + h may leave the domain)
                self.nudge_text = (f"cannot nudge {self.nudge_label} by {h:g}: "
                                   f"{type(error).__name__}: {error}")

    # ---- the update: engine, then picture ----------------------------------------------

    def _show_error(self, error):
        if isinstance(error, GraphTooBig):  # no values would help: say only that
            self.message = f"Could not draw: {error}"
            return
        if not self._good:                  # nothing has worked yet: no picture to keep
            self.message = (f"Could not update: at the starting values, "
                            f"{type(error).__name__}: {error}{self._range_hint()}\n"
                            "There is no picture yet: move a slider to values where the "
                            "graph works.")
            return
        self.message = (f"Could not update: {type(error).__name__}: {error}\n"
                        "The picture keeps the last values that worked; change an input "
                        "to go on.")

    def _range_hint(self):
        """A graph that fails at its first values, with an input given as a tuple: the
        tuple was read as a slider range, perhaps where a vector was meant."""
        if not self._ranges_given:
            return ""
        name, given = next(iter(self._ranges_given.items()))
        return f" ({_range_words(name, given, self.values.get(name))})"

    def _clear_error(self):
        self.message = ""

    def _recompute(self):
        try:
            self._run(self.values)
        except Exception:
            # The sliders keep what was asked for (so does the page, whose own engine
            # fails there too) and the error shows until the inputs work again; the
            # graph goes back to the last values that worked, which the picture shows.
            if self._good:
                self._run(self._good)
            raise
        self._good = dict(self.values)
        self._steps = None
        if np.ndim(self.graph.output.value) != 0:      # nudge compares one output number
            self.nudge_labels = []
            self.nudge_on = False
        self._draw()
        self._nudge()

    def _run(self, values):
        out = self.graph.forward(**values)
        self.graph.backward(None if np.ndim(out) == 0 else np.ones_like(out))

    def _use(self, graph):
        """Show ``graph`` (expanded or collapsed): its plan, its table rows, its steps."""
        self.graph = graph
        arrays = [name for name, value in self.values.items() if np.ndim(value) != 0]
        if arrays:
            plan, self._reason = None, (f"input {arrays[0]!r} is an array: the browser "
                                        "runs scalars only")
        else:
            plan, self._reason = plan_for(graph)
        with self.hold_sync():
            self.plan = plan
            self.table_inputs = [[name, graph.index[node],
                                  [graph.index[e.target] for e in graph.consumers[node]]]
                                 for name, node in graph.inputs.items()]
            self.step_count = len(stepped_gates(graph))
            self.step = self.step_count + 1

    def _relayout(self):
        self._draw()                     # the toggles are part of the template's key

    def _switch_graph(self):
        if self.sigma and self.collapsed is None:
            self.collapsed = self.expanded
            for _ in find_sigmoids(self.expanded):
                self.collapsed = node_by_node(
                    collapse(self.collapsed, find_sigmoids(self.collapsed)[0]))
        with self.hold_sync():
            self._use(self.collapsed if self.sigma else self.expanded)
            self._recompute()

    def _view(self):
        """Where the step-through is: visited gates, the highlighted one, the caption."""
        if self.step > self.step_count:
            return done(self.step_count)
        if self._steps is None:
            self._steps = backward_steps(self.graph, self.decimals)
        return at(self._steps, self.step, self.decimals)

    def _draw(self):
        if not self.graph.backward_done:
            return                       # a failed forward: keep the last picture
        view = self._view()
        index = self.graph.index
        template = self._template()
        with self.hold_sync():
            if template is not self._shown:          # a new layout: send it once
                self.picture = live.picture(self.graph, template)
                self._shown = template
            self.step_view = {
                "visited": None if view.visited is None else sorted(index[n] for n in view.visited),
                "highlight": None if view.highlight is None else index[view.highlight]}
            self.caption = view.caption
            if self.plan is None:        # the page cannot compute: send the numbers
                self.filled = template.contents(self.graph, visited=view.visited,
                                                highlight=view.highlight)
                self.filled_table = _table(self.graph, view.visited, self.decimals)

    def _template(self):
        """The SvgTemplate of the graph shown, in the display mode chosen: made once per
        graph and mode, the only place Graphviz runs."""
        key = (self.graph, self.show_local, self.show_flow)
        template = self._templates.get(key)
        if template is None or not template.fits(self.graph):    # new, or new shapes
            template = SvgTemplate.from_graph(self.graph, show_local=self.show_local,
                                              show_flow=self.show_flow, decimals=self.decimals)
            self._templates[key] = template
        return template


class Slider:
    """One slider of the page, seen from Python: read or set ``value`` (the page's slider
    moves, and the graph runs forward and backward); ``min``, ``max``, ``step``."""

    def __init__(self, explorer, spec):
        self._explorer = explorer
        self.description = spec["label"]
        self.min, self.max, self.step = spec["min"], spec["max"], spec["step"]

    def __repr__(self):
        return f"<Slider {self.description} = {self.value} in [{self.min}, {self.max}]>"

    @property
    def value(self):
        return self._explorer.slider_values[self.description]

    @value.setter
    def value(self, number):
        if not is_number(number):
            raise TypeError(f"slider {self.description} takes a number, got "
                            f"{type(number).__name__} {number!r}")
        number = float(number)
        if not math.isfinite(number):
            raise ValueError(f"slider {self.description} needs a finite number, got {number}")
        number = min(max(number, self.min), self.max)        # as a slider clamps
        self._explorer.slider_values = {**self._explorer.slider_values,
                                        self.description: number}


class Resample:
    """The button of a big array input: ``click()`` draws new entries (seeded)."""

    def __init__(self, explorer, name, scale):
        self._explorer, self.name, self.scale = explorer, name, scale

    def __repr__(self):
        return f"<Resample {self.name}>"

    def click(self):
        self._explorer._guard(self._explorer._resample, self.name, self.scale)


def node_by_node(graph):
    """The explorer draws every edge's numbers on every move, so its graph runs node by
    node: a graph compiled level by level would make them again, gate by gate, for the
    picture (measured: 1.5 ms against 2.5 ms a move on 121 gates)."""
    graph.plan = None
    return graph


# ---- helpers: starting values, ranges, the gradient table ---------------------------------

def _is_range(given):
    """Is an input given as (min, max) or (min, max, start)? A list is a vector."""
    return (isinstance(given, tuple) and len(given) in (2, 3)
            and all(np.ndim(v) == 0 for v in given))


def _range_words(name, given, start):
    """How a tuple given for an input was read, and how to say the other things it may
    have meant: a start inside the range, or a vector."""
    low, high = given[:2]
    return (f"{name}={given!r} is read as a slider range from {low:g} to {high:g}, "
            f"starting at {start:g}; give the start as a third number, "
            f"{name}=({low:g}, {high:g}, start), or, for a vector, a list: "
            f"{name}={list(given)!r}")


def _start(name, node, given, graph):
    """(starting value, (min, max, step)) for one input."""
    given_as = given
    current = node.value if graph.forward_done else None
    bounds = None
    if _is_range(given):
        low, high = (_number(name, v, given) for v in given[:2])
        if not low < high:
            raise ValueError(f"the range for {name} must be (min, max) with min < max, "
                             f"got {given}")
        bounds = (low, high, slider_grid.nice_step(high - low))
        if len(given) == 3:
            given = given[2]
        elif current is not None and np.ndim(current) == 0 and low <= current <= high:
            given = float(current)            # the last forward's value, if in the range
        else:
            given = min(max(0.0, low), high)
    value = given if given is not None else current if current is not None else 1.0
    if not isinstance(value, (list, tuple, np.ndarray)):
        value = _number(name, value, value)
    else:
        try:
            value = np.array(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"the starting value of {name} must be a number or an array "
                            f"of numbers, got {value!r}") from None
        if value.size == 0:
            raise ValueError(f"the starting value of {name} is an empty array")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"the starting value of {name} must be finite, got {value}")
    if bounds is None:
        bounds = slider_grid.default_range(value)
    elif np.ndim(value) == 0 and not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"the starting value {value} of {name} is outside its range "
                         f"({bounds[0]}, {bounds[1]}): {_range_words(name, given_as, value)}")
    if not (math.isfinite(bounds[1] - bounds[0]) and bounds[2] > 0):
        raise ValueError(f"the slider range of {name} ({bounds[0]:g}, {bounds[1]:g}) is too "
                         "wide for a slider: give a finite (min, max)")
    return value, bounds


def _number(name, value, given):
    """A finite float for input ``name``, or an error that says what the explorer takes
    (a string or True is not a number here, as the sliders' setter says too)."""
    if not is_number(value):
        raise TypeError(f"explore takes for {name} a number, an array, (min, max) or "
                        f"(min, max, start); got {given!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"explore takes for {name} a number, an array, (min, max) or "
                        f"(min, max, start); got {given!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"the range or starting value of {name} must be finite, "
                         f"got {given!r}")
    return number


def _small(value):
    return value.ndim <= 2 and all(n <= SLIDER_LIMIT for n in value.shape)


def _table(graph, visited, decimals=2):
    """The output value and each input's gradient, coloured by sign (HTML)."""
    rows = []
    for name, node in graph.inputs.items():
        # an input's gradient is complete once every gate reading it has been visited
        known = visited is None or all(e.target in visited for e in graph.consumers[node])
        rows.append(f"<tr><td style='padding:0 6px'><b>{html.escape(name)}</b></td>"
                    f"<td style='padding:0 6px;color:#1a8a3a'>{_numbers(node.value, decimals)}</td>"
                    f"<td style='padding:0 6px'>"
                    f"{_numbers(node.grad, decimals, coloured=True) if known else '?'}</td></tr>")
    out = graph.output.value
    # an array output has no one gradient: the explorer sends back 1 for every entry
    # (see Explorer._run), so the gradients are those of the sum of the output's entries
    of_sum = ("" if np.ndim(out) == 0 else
              f"<div style='margin-bottom:4px;color:#777777'>output shape {np.shape(out)}: "
              "the gradients below are of the sum of its entries (upstream 1 for each)</div>")
    return ("<div style='font-family:monospace;font-size:13px;padding:4px 8px'>"
            f"<div style='margin-bottom:4px'>output <b>{_numbers(out, decimals)}</b></div>"
            f"{of_sum}<table><tr><th style='text-align:left;padding:0 6px'>input</th>"
            "<th style='text-align:left;padding:0 6px'>value</th>"
            "<th style='text-align:left;padding:0 6px'>gradient</th></tr>"
            + "".join(rows) + "</table></div>")


def _numbers(value, decimals=2, coloured=False):
    """A value in the table: its entries in the picture's shared format, a row a line
    (gradients coloured by sign, entry by entry); an array of more than 16 by its shape."""
    if np.ndim(value) == 0:                          # the common case, on every move
        text = labels.format_number(value, decimals)
        return _coloured(text, value) if coloured else html.escape(text)
    if np.size(value) > TABLE_LIMIT:
        return f"shape {np.shape(value)}"
    values = np.atleast_2d(value)
    if values.ndim > 2:
        values = values.reshape(-1, values.shape[-1])
    texts = labels.format_numbers(values, decimals)
    return "<br>".join(" ".join(_coloured(text, v) if coloured else html.escape(text)
                                for text, v in zip(text_row, row))
                       for text_row, row in zip(texts, values))


def _coloured(text, number):
    return (f"<span style='color:{dot.gradient_colour(float(number))}'>"
            f"{html.escape(text)}</span>")
