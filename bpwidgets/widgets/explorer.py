"""The live graph: move an input, watch every value and gradient move at once.

    w = bp.explore("(x + y) * z", x=-2, y=5, z=-4)
    w                              # in a notebook: the graph, the sliders, the controls
    w.sliders["x"].value = 1.5     # the same as dragging: forward, backward, new picture
    w.view.value                   # the SVG now shown

The explorer only composes: the engine computes (``Graph.forward``/``backward``), the
renderer draws (``SvgTemplate``: Graphviz lays the graph out once per structure and
display mode, then each change only patches numbers and colours into that SVG, so
nodes never move), ``backward_steps`` words each step, ``collapse`` makes the sigma
gate. A failing update (log of a negative number, say) is shown in the widget, and the
widget keeps working.
"""

import html
import math
import re

import ipywidgets as widgets
import numpy as np

from .. import labels
from ..collapse import clone_graph, collapse, find_sigmoids
from ..graph import Graph
from ..nudge import nudge
from ..parse import parse
from ..render import SvgTemplate
from ..render.dot import PICTURE_MIN_SCALE, gradient_colour
from ..steps import backward_steps, stepped_gates
from . import slider_grid
from .guard import Guarded, error_html
from .stepper import StepControls, at, done

SLIDER_LIMIT = 4        # arrays up to 4x4 get a slider per entry; bigger ones a button
TABLE_LIMIT = 16        # the table shows arrays of up to 16 entries number by number
SVG_WIDTH = re.compile(r'<svg width="([\d.]+)(pt|px)?"')


def explore(graph, seed=0, **inputs):
    """An Explorer of ``graph`` (a Graph or an expression string).

    Each input may be given as a starting value (``x=-2``, ``W=[[1, 2], [3, 4]]``), a
    slider range ``x=(-5, 5)``, or both ``x=(-5, 5, -2)``. Inputs not given start at
    their last forward value (or 1.0), with a range around it. ``seed`` seeds the
    "resample" button of big array inputs. The explorer runs its own copy of the
    graph (``w.graph``): moving a slider leaves ``graph`` as it was.
    """
    return Explorer(graph, seed=seed, **inputs)


class Explorer(widgets.VBox, Guarded):
    """The graph picture, a table of input gradients, one slider per scalar input,
    the backward step-through and three toggles (local gradients, sigma gate, flow)."""

    def __init__(self, graph, seed=0, **inputs):
        if isinstance(graph, str):
            graph = parse(graph)
        if not isinstance(graph, Graph):
            raise TypeError(f"explore needs a bp.Graph or an expression string, "
                            f"got {type(graph).__name__}")
        unknown = [name for name in inputs if name not in graph.inputs]
        if unknown:
            raise ValueError(f"explore got {unknown[0]!r}, which is not an input of the "
                             f"graph (its inputs are {', '.join(graph.inputs) or 'none'})")
        # The explorer runs its own copy, so moving a slider never changes ``graph``.
        self.expanded = node_by_node(clone_graph(graph))
        self.graph = self.expanded
        self.collapsed = None               # the sigma version, made when first asked for
        self._templates = {}
        self._steps = None
        self._quiet = False
        self._rng = np.random.default_rng(seed)

        self.values, ranges = {}, {}
        for name, node in graph.inputs.items():
            self.values[name], ranges[name] = _start(name, node, inputs.get(name), graph)
        self.sliders, self.resample = {}, {}
        self._targets = {}                  # slider label -> (input name, entry or None)
        controls = []
        for name, value in self.values.items():
            controls.extend(self._controls_for(name, value, ranges[name]))

        # The picture keeps its size (readable at 100% zoom) and scrolls if the page is
        # narrower; the table sits beside it, or wraps below when there is no room.
        self.view = widgets.HTML(layout=widgets.Layout(overflow="auto", flex="0 1 auto",
                                                       max_width="100%"))
        self.table = widgets.HTML(layout=widgets.Layout(flex="0 0 auto", padding="0 8px 0 0"))
        self.caption = widgets.HTML()
        self.message = widgets.HTML()
        self.show_local = _toggle("local gradients", "show each gate's local gradient "
                                  "under every edge")
        self.show_flow = _toggle("flow roles", "label each gate with its role in backward "
                                 "flow: add distributes, max routes, mul swaps, copy adds")
        self.sigma = _toggle("σ gate", "collapse 1/(1 + exp(-u)) into one sigmoid gate "
                             "(and expand it back)")
        self.sigma.layout.display = None if find_sigmoids(graph) else "none"
        self.stepper = StepControls(self._step_count())
        self.nudge_row = self._nudge_controls()

        for toggle in (self.show_local, self.show_flow):
            toggle.observe(lambda change: self._guard(self._draw), names="value")
        self.sigma.observe(lambda change: self._guard(self._switch_graph), names="value")
        self.stepper.observe_position(lambda: self._quiet or self._guard(self._draw))

        sliders = widgets.Box(controls, layout=widgets.Layout(
            display="flex", flex_flow="row wrap", align_items="center"))
        toggles = widgets.HBox([widgets.HTML("<b>show:</b>"), self.show_local,
                                self.show_flow, self.sigma, self.nudge_on],
                               layout=widgets.Layout(align_items="center",
                                                     flex_flow="row wrap"))
        super().__init__([
            widgets.Box([self.view, self.table], layout=widgets.Layout(
                display="flex", flex_flow="row wrap", align_items="flex-start", width="100%")),
            self.caption, sliders, self.stepper, toggles, self.nudge_row, self.message])
        self._guard(self._recompute)

    def __repr__(self):
        what = self.expanded.expression or f"a graph of {len(self.expanded.nodes)} nodes"
        parts = [f"sliders {', '.join(self.sliders)}"] if self.sliders else []
        if self.resample:
            parts.append(f"resample {', '.join(self.resample)}")
        return f"<Explorer {what}: {'; '.join(parts) or 'no inputs'}>"

    # ---- controls ---------------------------------------------------------------------

    def _controls_for(self, name, value, bounds):
        if np.ndim(value) == 0:
            return [self._slider(name, name, None, value, slider_grid.grid(value, bounds))]
        if _small(value):
            grids = slider_grid.grids_for(value, bounds)
            return [self._slider(f"{name}[{','.join(map(str, index))}]", name, index,
                                 value[index], grids[index])
                    for index in np.ndindex(value.shape)]
        button = widgets.Button(description=f"resample {name}", icon="random",
                                tooltip=f"draw new random entries for {name} "
                                        f"{value.shape} (seeded)")
        scale = float(np.std(value)) or 1.0
        button.on_click(lambda _: self._guard(self._resample, name, scale))
        self.resample[name] = button
        return [button]

    def _nudge_controls(self):
        """The gradient as sensitivity: nudge one input by h, compare the output's change
        with gradient × h (``bp.nudge``). Computed only while the nudge toggle is on."""
        self.nudge_on = _toggle("nudge", "nudge one input by h and compare how far the "
                                         "output moves with gradient × h")
        self.nudge_input = widgets.Dropdown(options=list(self._targets), description="nudge",
                                            layout=widgets.Layout(width="11em"))
        self.nudge_h = widgets.FloatText(value=0.1, description="by h =",
                                         style={"description_width": "initial"},
                                         layout=widgets.Layout(width="9em"))
        self.nudge_text = widgets.HTML()
        if not self._targets:
            self.nudge_on.layout.display = "none"
        for control in (self.nudge_on, self.nudge_input, self.nudge_h):
            control.observe(lambda change: self._guard(self._nudge), names="value")
        return widgets.HBox([self.nudge_input, self.nudge_h, self.nudge_text],
                            layout=widgets.Layout(display="none", align_items="center",
                                                  flex_flow="row wrap"))

    def _nudge(self):
        if not self.graph.backward_done:
            return
        if np.ndim(self.graph.output.value) != 0:     # nudge compares one output number
            self.nudge_on.layout.display = self.nudge_row.layout.display = "none"
            return
        self.nudge_row.layout.display = "flex" if self.nudge_on.value else "none"
        if not self.nudge_on.value:
            return
        h = self.nudge_h.value
        if h == 0 or not math.isfinite(h):
            self.nudge_text.value = "choose a nonzero h"
            return
        name, index = self._targets[self.nudge_input.value]
        result = nudge(self.graph, name, h, entry=index, **self.values)
        self.nudge_text.value = (f"<span style='font-family:monospace'>"
                                 f"{html.escape(repr(result))}</span>")

    def _slider(self, label, name, index, value, bounds):
        low, high, step = bounds
        places = max(2, slider_grid.places(step))
        origin = float(value)
        # the slider holds the number the page will show, so the page has nothing to send
        # back when it draws (an echo could overwrite a value set from Python meanwhile)
        shown = slider_grid.page_value(origin, low, high, step)
        shown = shown if slider_grid.unround(shown, origin, step) == origin else origin
        slider = widgets.FloatSlider(value=shown, min=low, max=high, step=step,
                                     description=label, readout_format=f".{places}f",
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="19em"))

        def moved(change):
            self._guard(self._set, name, index,
                        slider_grid.unround(change["new"], origin, step))
        slider.observe(moved, names="value")
        self.sliders[label] = slider
        self._targets[label] = (name, index)
        return slider

    def _set(self, name, index, number):
        if index is None:
            self.values[name] = float(number)
        else:
            self.values[name] = self.values[name].copy()
            self.values[name][index] = number
        self._recompute()

    def _resample(self, name, scale):
        self.values[name] = self._rng.normal(0.0, scale, size=self.values[name].shape)
        self._recompute()

    # ---- the update: engine, then picture ----------------------------------------------

    def _show_error(self, error):
        self.message.value = error_html(error, "The picture keeps the last values that "
                                               "worked; change an input to go on.")

    def _clear_error(self):
        self.message.value = ""

    def _recompute(self):
        out = self.graph.forward(**self.values)
        self.graph.backward(None if np.ndim(out) == 0 else np.ones_like(out))
        self._steps = None
        self._nudge()
        self._draw()

    def _switch_graph(self):
        if self.sigma.value and self.collapsed is None:
            self.collapsed = self.expanded
            for _ in find_sigmoids(self.expanded):
                self.collapsed = node_by_node(
                    collapse(self.collapsed, find_sigmoids(self.collapsed)[0]))
        self.graph = self.collapsed if self.sigma.value else self.expanded
        self._quiet = True
        try:
            self.stepper.reset(self._step_count())
        finally:
            self._quiet = False
        self._recompute()

    def _step_count(self):
        return len(stepped_gates(self.graph))

    def _draw(self):
        if not self.graph.backward_done:
            return                       # a failed forward: keep the last picture
        position, count = self.stepper.position, self.stepper.count
        if position > count:
            view = done(count)
        else:
            if self._steps is None:
                self._steps = backward_steps(self.graph)
            view = at(self._steps, position)
        visited, highlight, caption = view.visited, view.highlight, view.caption
        template, frame, start = self._template()
        svg = template.fill(self.graph, visited=visited, highlight=highlight)
        self.view.value = frame + svg[start:] + "</div>"      # without the XML prolog
        self.table.value = _table(self.graph, visited)
        self.caption.value = (f"<div style='font-family:monospace;padding:2px 0'>"
                              f"{html.escape(caption)}</div>")

    def _template(self):
        """(SvgTemplate, the box around its SVG, where the <svg> tag starts), made once
        per graph and display mode: the only place Graphviz runs. (No input's shape can
        change in the explorer, so a template made for a graph always fits it;
        ``SvgTemplate.fill`` checks that anyway.)"""
        key = (self.graph, self.show_local.value, self.show_flow.value)
        made = self._templates.get(key)
        if made is None:
            template = SvgTemplate.from_graph(self.graph, show_local=self.show_local.value,
                                              show_flow=self.show_flow.value)
            made = template, _frame(template.parts[0]), template.parts[0].index("<svg")
            self._templates[key] = made
        return made


def node_by_node(graph):
    """The explorer draws every edge's numbers on every move, so its graph runs node by
    node: a graph compiled level by level would make them again, gate by gate, for the
    picture (measured: 1.5 ms against 2.5 ms a move on 121 gates)."""
    graph.plan = None
    return graph


def _frame(head):
    """A box that shrinks the picture to the page's width, down to 60% of its size (numbers
    stay about 10 px, as in ``bp.show``); on a narrower page it scrolls instead."""
    match = SVG_WIDTH.search(head)
    width = float(match.group(1)) * (4 / 3 if match.group(2) == "pt" else 1)    # in px
    return ("<style>.bp-graph svg {width: 100%; height: auto;}</style>"
            f"<div class='bp-graph' style='max-width:{width:.0f}px;"
            f"min-width:{PICTURE_MIN_SCALE * width:.0f}px'>")


# ---- helpers: starting values, ranges, the gradient table ---------------------------------

def _start(name, node, given, graph):
    """(starting value, (min, max, step)) for one input."""
    current = node.value if graph.forward_done else None
    bounds = None
    if isinstance(given, tuple) and len(given) in (2, 3) and all(np.ndim(v) == 0 for v in given):
        low, high = float(given[0]), float(given[1])
        if not low < high:
            raise ValueError(f"the range for {name} must be (min, max) with min < max, "
                             f"got {given}")
        bounds = (low, high, slider_grid.nice_step(high - low))
        given = given[2] if len(given) == 3 else min(max(0.0, low), high)
    value = given if given is not None else current if current is not None else 1.0
    value = float(value) if np.ndim(value) == 0 else np.array(value, dtype=float)
    if not np.all(np.isfinite(value)):
        raise ValueError(f"the starting value of {name} must be finite, got {value}")
    if bounds is None:
        bounds = slider_grid.default_range(value)
    elif np.ndim(value) == 0 and not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"the starting value {value} of {name} is outside its range "
                         f"({bounds[0]}, {bounds[1]})")
    return value, bounds


def _small(value):
    return value.ndim <= 2 and all(n <= SLIDER_LIMIT for n in value.shape)


def _table(graph, visited):
    """The output value and each input's gradient, coloured by sign (HTML)."""
    rows = []
    for name, node in graph.inputs.items():
        # an input's gradient is complete once every gate reading it has been visited
        known = visited is None or all(e.target in visited for e in graph.consumers[node])
        rows.append(f"<tr><td style='padding:0 6px'><b>{html.escape(name)}</b></td>"
                    f"<td style='padding:0 6px;color:#1a8a3a'>{_numbers(node.value)}</td>"
                    f"<td style='padding:0 6px'>"
                    f"{_numbers(node.grad, coloured=True) if known else '?'}</td></tr>")
    return ("<div style='font-family:monospace;font-size:13px;padding:4px 8px'>"
            f"<div style='margin-bottom:4px'>output <b>{_numbers(graph.output.value)}</b></div>"
            "<table><tr><th style='text-align:left;padding:0 6px'>input</th>"
            "<th style='text-align:left;padding:0 6px'>value</th>"
            "<th style='text-align:left;padding:0 6px'>gradient</th></tr>"
            + "".join(rows) + "</table></div>")


def _numbers(value, coloured=False):
    """A value in the table: its entries in the picture's shared format, a row a line
    (gradients coloured by sign, entry by entry); an array of more than 16 by its shape."""
    if np.ndim(value) == 0:                          # the common case, on every move
        text = labels.format_number(value)
        return _coloured(text, value) if coloured else html.escape(text)
    if np.size(value) > TABLE_LIMIT:
        return f"shape {np.shape(value)}"
    values = np.atleast_2d(value)
    if values.ndim > 2:
        values = values.reshape(-1, values.shape[-1])
    texts = labels.format_numbers(values)
    return "<br>".join(" ".join(_coloured(text, v) if coloured else html.escape(text)
                                for text, v in zip(text_row, row))
                       for text_row, row in zip(texts, values))


def _coloured(text, number):
    return f"<span style='color:{gradient_colour(float(number))}'>{html.escape(text)}</span>"


def _toggle(text, tooltip):
    return widgets.ToggleButton(value=False, description=text, tooltip=tooltip,
                                layout=widgets.Layout(width="auto"))
