"""One HTML file with the live graph and no kernel: for a course page or a slide.

    bp.write_page("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "sigmoid.html",
                  w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    # or:  bpwidgets render "..." w0=2 ... -o sigmoid.html

The page holds everything it needs: the laid-out SVG, the graph's plan, the explorer's
view and the browser's engine (bpwidgets/static), inlined. No network, no CDN, no
kernel: open it from disk and drag a slider; forward and backward run in the page. It
shows the picture, the sliders, the gradient table and the step-through of the backward
pass (its captions give the local gradients as numbers, computed in the page; Python's
also write them as formulas); the toggles and the nudge need Python, so they stay in the
notebook.
"""

import html
import json
import pathlib

from .browser import view_source, view_style
from .graph import Graph
from .parse import parse
from .render.limits import check_size
from .steps import backward_steps

SUFFIX = ".html"
"""A page's file name ends in .html, as ``bpwidgets render ... -o FILE.html`` asks."""

# The view is an ES module; the page imports it from a Blob, as anywidget does, and hands
# it a model with the five methods it uses. Setting a value calls the view's listeners,
# as a widget model does; there is no kernel to save to.
BOOT = """
const read = (id) => JSON.parse(document.getElementById(id).textContent);
const state = read("bpx-state");
const listeners = {};
const model = {
  get: (key) => state[key],
  set: (key, value) => {
    state[key] = value;
    for (const listener of listeners[`change:${key}`] ?? []) listener();
  },
  on: (event, listener) => { (listeners[event] ??= []).push(listener); },
  save_changes: () => {},
  send: () => {},
};
const source = new Blob([read("bpx-view")], {type: "text/javascript"});
const view = await import(URL.createObjectURL(source));
view.default.render({model, el: document.getElementById("bpx")});
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 16px; font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
       sans-serif; }}
h1 {{ font-size: 16px; font-weight: 600; font-family: monospace; }}
.bpx-note {{ color: #777; font-size: 12px; margin-top: 12px; }}
{style}
</style>
</head>
<body>
<h1>{title}</h1>
<div id="bpx"></div>
<p class="bpx-note">Drag a slider (or focus it and press the arrow keys): forward and
backward run in this page. Values above each edge (green), gradients below (red when
negative, orange when positive, grey at zero). Step through the backward pass gate by
gate with start and next. Made with bpwidgets.</p>
<script type="application/json" id="bpx-state">{state}</script>
<script type="application/json" id="bpx-view">{view}</script>
<script type="module">{boot}</script>
</body>
</html>
"""


def page_html(graph, show_local=False, decimals=2, **inputs):
    """The page's HTML text for ``graph`` (a Graph or an expression string), its inputs
    given as for ``bp.explore``; ``decimals`` (0 to 6) as the pictures'."""
    from .widgets.explorer import Explorer
    from .widgets.stepper import page_steps
    if isinstance(graph, str):
        graph = parse(graph)
    if isinstance(graph, Graph):
        check_size(graph)                 # too big to draw: GraphTooBig says so, at once
    explorer = Explorer(graph, decimals=decimals, **inputs)
    if explorer.error:
        # The explorer runs forward and backward, then draws; an error in either ends up
        # in explorer.error. If the numbers worked, the picture is what failed.
        if explorer.graph.backward_done:
            raise RuntimeError(f"the page's picture could not be drawn: {explorer.error}")
        raise ValueError(f"the starting values do not work: {explorer.error}")
    if explorer.plan is None:
        raise ValueError(f"a page with no kernel runs forward and backward in the browser, "
                         f"which cannot run this graph ({explorer.runs_in.removeprefix('the kernel: ')}); "
                         "write a picture (.svg or .png) instead, or explore it in a notebook")
    explorer.show_local = show_local
    state = explorer.page_state()
    state["kernel"] = False
    state["caption"] = ""                   # the page writes its own (explorer.js)
    state.update(page_steps(explorer.graph, backward_steps(explorer.graph), decimals))
    title = explorer.expanded.expression or f"a graph of {len(explorer.graph.nodes)} nodes"
    return PAGE.format(title=html.escape(title), style=view_style(),
                       state=_script_json(state), view=_script_json(view_source()),
                       boot=BOOT)


def write_page(graph, path, show_local=False, decimals=2, **inputs):
    """Write the page to ``path``, a name ending in .html (see ``page_html``); returns
    the path."""
    suffix = pathlib.Path(path).suffix.lower()
    if suffix != SUFFIX:
        raise ValueError(f"cannot write {str(path)!r}: a page's file name must end in "
                         f"{SUFFIX} (got {suffix or 'no extension'!r}); for a picture, "
                         f"bp.render.write(graph, 'name.svg') or 'name.png'")
    text = page_html(graph, show_local=show_local, decimals=decimals, **inputs)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def _script_json(value):
    """JSON that is safe inside a <script> element: no '</' can end it early."""
    return json.dumps(value).replace("</", "<\\/")
