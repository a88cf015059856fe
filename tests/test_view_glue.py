"""The explorer's view against a live Explorer, in Chromium, without Jupyter: the page's
model saves through ipywidgets' own ``set_state`` (as a comm message from the page would),
and what the kernel sends back is applied as a widget model applies it. After every
move, step, toggle and error, the numbers and colours the page shows must be those of
Python's picture (``w.svg``). Fast (no server, no kernel start), so the view's glue code
(slot placement, paint, kernel fallback) is checked on every run, not only through the
slower JupyterLab and marimo tests."""

import html
import json
import re
import types
from pathlib import Path

import pytest

import bpwidgets as bp
from bpwidgets.browser import view_source, view_style
from bpwidgets.page import _script_json
from test_browser import CHROMIUM

# The page: the state as Python has it, a model whose save_changes calls Python
# (py_save, exposed by playwright) and applies the traits Python sent back.
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head>
<body><div id="bpx"></div>
<script type="application/json" id="state">{state}</script>
<script type="application/json" id="view">{view}</script>
<script type="module">
const read = (id) => JSON.parse(document.getElementById(id).textContent);
const state = read("state");
const listeners = {{}};
let changed = {{}};
const fire = (key) => {{ for (const l of listeners[`change:${{key}}`] ?? []) l(); }};
window.kernelSent = (traits) => {{       // a widget model: set them all, then the events
  Object.assign(state, traits);
  Object.keys(traits).forEach(fire);
}};
window.waiting = 0;
const model = {{
  get: (key) => state[key],
  set: (key, value) => {{ state[key] = value; changed[key] = value; fire(key); }},
  on: (event, listener) => {{ (listeners[event] ??= []).push(listener); }},
  save_changes: async () => {{
    const sent = changed;
    changed = {{}};
    window.waiting += 1;
    window.kernelSent(JSON.parse(await window.py_save(JSON.stringify(sent))));
    window.waiting -= 1;
  }},
  send: () => {{}},
}};
const view = await import(URL.createObjectURL(new Blob([read("view")], {{type: "text/javascript"}})));
view.default.render({{model, el: document.getElementById("bpx")}});
window.ready = true;
</script></body></html>"""

TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")
FILL = re.compile(r'<text[^>]*?fill="([^"]+)"')


class Kernel:
    """Stands in for the comm: keeps the state updates Python sends."""

    def __init__(self, explorer):
        self.sent = []
        self.names = set(explorer.page_state())
        explorer.comm = types.SimpleNamespace(
            kernel=object(), comm_id="test", send=lambda data=None, buffers=None:
            self.sent.append(data), on_msg=lambda *a: None, close=lambda *a, **k: None)

    def updates(self):
        traits = {}
        for message in self.sent:
            if message.get("method") == "update":
                traits.update(message["state"])
        self.sent = []
        return {key: value for key, value in traits.items() if key in self.names}


class Page:
    def __init__(self, browser, explorer, folder):
        self.w = explorer
        self.kernel = Kernel(explorer)
        self.page = browser.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.expose_function("py_save", self.save)
        state = explorer.page_state()
        path = folder / "view.html"
        path.write_text(PAGE.format(style=view_style(), state=_script_json(state),
                                    view=_script_json(view_source())), encoding="utf-8")
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => window.ready")

    def save(self, text):
        self.w.set_state(json.loads(text))         # as ipywidgets does with a comm message
        return json.dumps(self.kernel.updates())

    def python(self, action):
        """Change something from Python; the page gets what the kernel sends."""
        action()
        self.page.evaluate("(t) => window.kernelSent(JSON.parse(t))",
                           json.dumps(self.kernel.updates()))

    def slide(self, k, positions):
        self.page.evaluate("""([k, d]) => {
            const s = document.querySelectorAll('.bpx-slider input')[k];
            s.value = String(Number(s.value) + d);
            s.dispatchEvent(new Event('input'));
        }""", [k, positions])
        self.settle()

    def click(self, text):
        self.page.locator(".bpx-button", has_text=text).click()
        self.settle()

    def settle(self):
        self.page.wait_for_function("() => window.waiting === 0")

    def shown(self):
        """(texts, fills) of the page's SVG, and its message."""
        svg = self.page.locator(".bpx-frame").inner_html()
        return [html.unescape(t) for t in TEXT.findall(svg)], FILL.findall(svg), \
            self.page.locator(".bpx-message").text_content()

    def agrees(self):
        texts, fills, _ = self.shown()
        svg = self.w.svg
        return texts == [html.unescape(t) for t in TEXT.findall(svg)] and \
            fills == FILL.findall(svg)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: sudo apt-get install chromium"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def test_moves_steps_and_toggles_show_what_python_draws(browser, tmp_path):
    w = bp.explore("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    page = Page(browser, w, tmp_path)
    assert page.agrees() and "0.73" in page.shown()[0]
    page.slide(1, 3)                               # x0: three steps right, in the page
    assert w.values["x0"] == pytest.approx(-1 + 3 * w.sliders["x0"].step)
    assert page.agrees()
    page.click("start")
    page.click("next")
    page.click("next")
    assert w.step == 2 and page.agrees()           # gradients only on visited gates
    page.slide(0, -5)                              # a move while stepping
    assert page.agrees()
    page.click("local gradients")
    assert w.show_local and page.agrees()
    page.click("σ gate")
    assert w.sigma and "σ" in page.shown()[0] and page.agrees()
    page.slide(3, 2)
    assert page.agrees()
    page.python(lambda: setattr(w.sliders["w2"], "value", 1.0))   # set from Python
    assert page.agrees()
    assert page.page.locator(".bpx-readout").nth(4).text_content() == "1.00"
    assert page.errors == []


def test_a_graph_the_kernel_computes_shows_the_kernels_numbers(browser, tmp_path):
    w = bp.explore("sum((W @ x) ** 2)", W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    assert w.plan is None
    page = Page(browser, w, tmp_path)
    assert page.agrees()
    page.slide(4, 7)                               # x[0]
    assert w.values["x"][0] == pytest.approx(0.2 + 7 * w.sliders["x[0]"].step)
    assert page.agrees()
    page.click("start")
    page.click("next")
    assert page.agrees() and page.errors == []


def test_after_an_error_the_page_keeps_the_last_picture_until_the_input_works(browser,
                                                                              tmp_path):
    w = bp.explore("log(x) * y", x=(-5, 5, 2), y=3)
    page = Page(browser, w, tmp_path)
    good = page.shown()[0]
    page.slide(0, -30)                             # x = -1: log of a negative number
    texts, _, message = page.shown()
    assert "Could not update" in message and texts == good and page.agrees()
    page.slide(1, 10)                              # y moves, x still bad: still the error
    texts, _, message = page.shown()
    assert "Could not update" in message and texts == good and page.agrees()
    page.slide(0, 40)                              # x = 3: everything works again
    texts, _, message = page.shown()
    assert message == "" and texts != good and page.agrees()
    assert page.errors == []
