"""A real browser: JupyterLab, and then Jupyter Notebook 7, serves a lesson, headless
Chromium runs it, and a key press or a click on a slider moves the numbers in the graph to
what the engine computes. Every lesson test runs once per front-end (the ``jupyter`` fixture
is parametrized); both front-ends expose their app object as ``window.jupyterapp``, so the
same waits and commands drive both. The explorer is one anywidget (widgets/explorer.py,
static/explorer.js): its numbers are read from its SVG (``.bpx-frame``) and its table.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``), or any
Chromium named by the environment variable BPWIDGETS_CHROMIUM (on Ubuntu, where
chromium is a snap), and the ``playwright`` Python package (no browser download: we
pass ``executable_path``), and Notebook 7 (``notebook>=7``, in the ``test`` extra). Each
test starts its own server on 127.0.0.1 at a free port, in a temporary copy of the lessons
(so autosave never touches the real notebook), and stops it by PID.
Timeouts are generous: a 2-core machine takes a while to start a kernel and run a lesson.
No test sleeps and then looks: each waits for the condition it needs (a text in the page,
the element laid out and still, the kernel holding a value) and fails only when that has
not happened within SLOW.
"""

import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.render.dot import format_number

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_computational_graphs.ipynb"
CHROMIUM = os.environ.get("BPWIDGETS_CHROMIUM", "/usr/bin/chromium")
SLOW = 180_000          # ms: start-up and run-all on a busy 2-core machine
KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
                   && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def chromium_is_there():
    """Fail with what to do, not with a stack trace from deep inside playwright."""
    assert os.path.exists(CHROMIUM), (
        f"no Chromium at {CHROMIUM}: run 'sudo apt-get install -y chromium' (Debian), or "
        "set BPWIDGETS_CHROMIUM to a Chromium or Chrome executable")


class Frontend:
    """How to start one Jupyter front-end and where it opens a notebook."""

    def __init__(self, name, module, app, app_name, notebook_path):
        self.name, self.module, self.app = name, module, app
        self.app_name = app_name                  # window.jupyterapp.name in the page
        self.notebook_path = notebook_path        # format with the notebook's path


FRONTENDS = [
    Frontend("JupyterLab", "jupyterlab", "LabApp", "JupyterLab", "/lab/tree/{}?reset"),
    Frontend("Notebook 7", "notebook", "JupyterNotebookApp", "Jupyter Notebook",
             "/notebooks/{}"),
]


class Server:
    def __init__(self, url, frontend):
        self.url, self.frontend = url, frontend

    def notebook_url(self, notebook):
        return self.url + self.frontend.notebook_path.format(notebook)


@pytest.fixture(params=FRONTENDS, ids=[f.module for f in FRONTENDS])
def jupyter(request, tmp_path):
    """A JupyterLab or Notebook 7 server on a free port serving a copy of the lessons;
    yields a ``Server`` (its URL and how it opens a notebook)."""
    with server_running(request.param, tmp_path) as server:
        yield server


@contextlib.contextmanager
def server_running(frontend, tmp_path, user_settings=None):
    """Start ``frontend`` in a temporary copy of the lessons with its own config dir;
    ``user_settings`` maps a settings path (e.g. "@jupyterlab/shortcuts-extension/
    shortcuts") to the JSON the user would have saved there. Stops it by PID."""
    if frontend.module == "notebook":    # fail with what to do, as for Chromium
        try:
            version = importlib.metadata.version("notebook")
        except importlib.metadata.PackageNotFoundError:
            version = "none"
        assert version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 7, (
            f"Notebook 7 is not installed (found: {version}): "
            "pip install -e '.[test]' or pip install 'notebook>=7'")
    work = tmp_path / "lessons"
    shutil.copytree(ROOT / "lessons", work)
    env = dict(os.environ,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_PLATFORM_DIRS="1")
    for name, settings in (user_settings or {}).items():
        path = tmp_path / "config" / "lab" / "user-settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    port = free_port()
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", frontend.module, "--allow-root", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.token=", "--ServerApp.password=",
         f"--{frontend.app}.expose_app_in_browser=True", f"--ServerApp.root_dir={work}"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + SLOW / 1000
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{frontend.name} did not start:\n"
                                       + (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield Server(url, frontend)
    finally:
        # stop the server we started (and the kernels it started), by its process group
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
        log.close()


def expected_for(x):
    """What the first explorer of lesson 01 must show at x (y = 5, z = -4): the output's
    value and z's gradient, computed by the engine."""
    g = bp.parse("(x + y) * z")
    g.forward(x=x, y=5, z=-4)
    grads = g.backward()
    return format_number(g.output.value), format_number(grads["z"])


# The command's promise settles once every cell has run (NotebookActions.runAll), and
# page.evaluate waits for it. page.evaluate has no timeout of its own, so here and in
# RUN_IN_KERNEL a promise that never settles (a kernel that died) fails after SLOW ms
# instead of hanging the test run.
RUN_ALL = """async (ms) => {
    let timer;
    const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`run-all took more than ${ms} ms`)), ms);
    });
    try {
        return await Promise.race(
            [window.jupyterapp.commands.execute('notebook:run-all-cells'), late]);
    } finally { clearTimeout(timer); }
}"""


@contextlib.contextmanager
def lesson_running(jupyter, notebook):
    """Headless Chromium with ``notebook`` open in the server's front-end and every cell
    started; yields the page, and shuts the kernel and the browser down afterwards."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            page.goto(jupyter.notebook_url(notebook))
            page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
            # the page is the front-end we meant (Notebook 7 is not JupyterLab in disguise)
            assert page.evaluate("window.jupyterapp.name") == jupyter.frontend.app_name
            page.evaluate(RUN_ALL, SLOW)
            yield page
            page.evaluate("window.jupyterapp.serviceManager.sessions.shutdownAll()")
        finally:
            browser.close()


GRAPH_SHOWS = """([value, grad]) => {
    const out = document.querySelectorAll('.bpx-frame g#out text');
    const z = document.querySelectorAll('.bpx-frame g#e4_1 text');
    return out.length == 2 && out[0].textContent == value
           && z.length == 2 && z[1].textContent == grad;
}"""


RUN_IN_KERNEL = """async ([code, ms]) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let text = '';
    let error = '';
    const future = kernel.requestExecute({code, store_history: false});
    future.onIOPub = (msg) => {
        if (msg.header.msg_type === 'stream') text += msg.content.text;
        if (msg.header.msg_type === 'error') error = `${msg.content.ename}: ${msg.content.evalue}`;
    };
    let timer;
    const late = new Promise((_, reject) => {
        timer = setTimeout(
            () => reject(new Error(`the kernel did not answer within ${ms} ms`)), ms);
    });
    try { await Promise.race([future.done, late]); } finally { clearTimeout(timer); }
    if (error) throw new Error(`the kernel raised ${error}`);
    return text.trim();
}"""


def run_in_kernel(page, code):
    """What ``code`` prints, run in the notebook's kernel (as a cell would, unseen)."""
    return page.evaluate(RUN_IN_KERNEL, [code, SLOW])


def kernel_caught_up(page):
    """Return once the kernel has handled every message the page sent before this call,
    and its answers (widget updates) have reached the page.

    The kernel handles shell messages in order, and an execute request is done only after
    the kernel's outputs for earlier requests went out on iopub. One round trip is not
    quite enough: ipywidgets holds a model's change back while an earlier change of that
    model is unanswered (its message throttle), and sends it when that answer arrives,
    i.e. after our request; a second round trip comes after that one too."""
    for _ in range(2):
        assert run_in_kernel(page, "print('caught up')") == "caught up"


def kernel_prints(page, code, want):
    """Run ``code`` in the kernel until it prints ``want`` (the kernel follows the page
    through messages that may still be on their way); fail after SLOW with what it last
    printed."""
    deadline = time.monotonic() + SLOW / 1000
    while True:
        got = run_in_kernel(page, code)
        if got == want:
            return
        assert time.monotonic() < deadline, (
            f"the kernel still prints {got!r} for {code!r} after {SLOW // 1000} s, "
            f"not {want!r}")
        page.wait_for_timeout(200)       # poll interval: the condition is the kernel's answer


def lesson_01_drawn(page):
    """Wait until the live explorer is drawn (after run-all) with the lecture's numbers
    and the kernel is idle; return the x slider (the first on the page)."""
    page.wait_for_function(GRAPH_SHOWS, arg=list(expected_for(-2)), timeout=SLOW)
    page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
    return page.locator(".bpx-slider").first


def readout(slider):
    return float(slider.locator(".bpx-readout").text_content())


def explorer_at(x):
    """What the kernel prints for KERNEL_X once its explorer has x (and y = 5, z = -4)."""
    return f"{float(x)!r} {expected_for(x)[0]}"


# the kernel's x slider (a float: JSON may bring 3.0 as 3) and output value, the output
# formatted as the graph shows it
KERNEL_X = ("from bpwidgets.render.dot import format_number as _f\n"
            "print(repr(float(explorer.sliders['x'].value)), _f(explorer.graph.output.value))")


# Notebook 7 (up to 7.6 at least) handles keyboard shortcuts in the capture phase, before
# the focused widget sees the key; JupyterLab lets the widget go first (its app is built
# with bubblingKeydown). So in Notebook 7, ArrowRight on a focused ipywidgets slider ran the
# notebook's "move-cursor-heading-below-or-expand" command: jupyter/notebook#7716. The
# explorer's own sliders carry data-lm-suppress-shortcuts, which Lumino honours, so the
# key press is tested in both front ends as they come.


def test_slider_key_press_moves_the_numbers_in_the_graph(jupyter):
    """Focus the x slider of lesson 01, press ArrowRight, and the graph shows the engine's
    numbers for x one step right, computed in the page; the kernel follows."""
    value, z_grad = expected_for(-1.9)           # one step (0.1) right of x = -2
    assert (value, z_grad) == ("-12.40", "3.10")
    with lesson_running(jupyter, LESSON) as page:
        slider = lesson_01_drawn(page)
        # focus and key press in one action: the key goes to the slider itself
        slider.locator("input").press("ArrowRight")
        # the numbers, or the sign that the front-end took the key itself: focus left
        page.wait_for_function(
            """([value, grad]) => (""" + GRAPH_SHOWS + """)([value, grad])
                   || !document.activeElement.closest('.bpx-slider')""",
            arg=[value, z_grad], timeout=SLOW)
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert 'type="range"' in focused, f"the front end took the key press: {focused!r}"
        page.wait_for_function(GRAPH_SHOWS, arg=[value, z_grad], timeout=SLOW)
        assert readout(slider) == -1.9
        # the kernel was told: Python's copy of the graph is at x = -1.9 too (the page's
        # message may still be on its way: ask until it has landed)
        kernel_prints(page, "print(explorer.graph.output.value)", "-12.4")
        # ... and its answer did not move the page back
        kernel_caught_up(page)
        assert readout(slider) == -1.9
        assert page.evaluate(GRAPH_SHOWS, [value, z_grad])


def test_slider_mouse_press_moves_the_numbers_in_the_graph(jupyter):
    """A click on the slider's track (ipywidgets' sliders jump to where you tap) moves x
    there, and the graph shows what the engine computes for the new x: the round trip page
    -> kernel -> page works with the mouse in every front-end, Notebook 7 included."""
    with lesson_running(jupyter, LESSON) as page:
        slider = lesson_01_drawn(page)
        assert readout(slider) == -2.0
        track = slider.locator("input")
        box = track.bounding_box()
        # Locator.click, not page.mouse.click at a box measured earlier: it scrolls the
        # track into view, waits until it is visible and has stopped moving (cells above
        # may still be growing), and checks that the press lands on the track itself;
        # ``position`` is relative to the track where it is at that moment
        track.click(position={"x": 0.75 * box["width"], "y": box["height"] / 2})
        page.wait_for_function(
            """() => {
                   const r = document.querySelector('.bpx-slider .bpx-readout');
                   return r && r.textContent.trim() != '-2.00';
               }""", timeout=SLOW)
        x = readout(slider)
        assert 1.5 <= x <= 3.5, f"a click at 75% of [-5, 5] gave x = {x}"
        page.wait_for_function(GRAPH_SHOWS, arg=list(expected_for(x)), timeout=SLOW)
        # the kernel follows: its slider and its graph are at the new x
        kernel_prints(page, KERNEL_X, explorer_at(x))
        # ... and its answers did not move the page back
        kernel_caught_up(page)
        assert readout(slider) == x                 # the kernel did not move it back
        assert page.evaluate(GRAPH_SHOWS, list(expected_for(x)))


TABLE_SHOWS = """(want) => {
    // the explorer's table shows want[name] = [value, gradient] for W and x
    const rows = {};
    for (const tr of document.querySelectorAll('.bpx-table table tr')) {
        const cells = [...tr.querySelectorAll('td')].map(
            td => td.innerText.replace(/\\s+/g, ' ').trim());
        if (cells.length == 3) rows[cells[0]] = [cells[1], cells[2]];
    }
    return ['W', 'x'].every(name => rows[name]
        && rows[name][0] == want[name][0] && rows[name][1] == want[name][1]);
}"""


def test_lesson_04_matrix_keeps_its_values_when_its_sliders_are_drawn(jupyter):
    """The page's sliders snap a value to their grid min + k*step when they are drawn. The
    explorer picks grids through every starting value, so after run-all the page (and the
    kernel) still hold W = [[0.1, 0.5], [-0.3, 0.8]], and the later cell's x[0] = 0.5 is
    not undone by the page sending its first values back."""
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    x = np.array([0.5, 0.4])                   # after the cell that sets x[0] = 0.5
    g = bp.parse("sum((W @ x) ** 2)")
    g.forward(W=W, x=x)
    grads = g.backward()
    expected = {"W": ("0.10 0.50 -0.30 0.80",
                      " ".join(format_number(v) for v in grads["W"].ravel())),
                "x": ("0.50 0.40", " ".join(format_number(v) for v in grads["x"]))}
    assert expected["x"][1] == "-0.05 0.52"        # 2 W^T W x, by hand: [-0.052, 0.522]
    with lesson_running(jupyter, "04_vectorized_jacobians.ipynb") as page:
        page.wait_for_function(TABLE_SHOWS, arg=expected, timeout=SLOW)
        page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
        # whatever the page sent when it drew its sliders has reached the kernel, and the
        # kernel's answers have reached the page (instead of sleeping and hoping)
        kernel_caught_up(page)
        assert run_in_kernel(page, (
            "import numpy as _np\n"
            "_live = explorer.graph.inputs\n"
            "print(_np.allclose(_live['W'].value, [[0.1, 0.5], [-0.3, 0.8]]),"
            " _np.allclose(_live['x'].value, [0.5, 0.4]))")) == "True True"
        assert page.evaluate(TABLE_SHOWS, expected)
        readouts = page.locator(".bpx-slider .bpx-readout").all_text_contents()
        assert [r.strip() for r in readouts] == [
            "0.10", "0.50", "-0.30", "0.80", "0.50", "0.40"]


NO_SIDEWAYS_SCROLL = """() => {
    // every element in the lesson's outputs that would scroll sideways, with its widths
    const offenders = [];
    for (const el of document.querySelectorAll('.jp-OutputArea-output, .jp-OutputArea-output *')) {
        const style = getComputedStyle(el);
        if (!['auto', 'scroll'].includes(style.overflowX)) continue;
        if (el.scrollWidth > el.clientWidth + 1)
            offenders.push(`${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const panel = document.querySelector('.jp-NotebookPanel-notebook, .jp-WindowedPanel-outer');
    if (panel && panel.scrollWidth > panel.clientWidth + 1)
        offenders.push(`notebook: ${panel.scrollWidth} > ${panel.clientWidth}`);
    return offenders;
}"""


def test_lesson_02_explorer_fits_the_column_without_sideways_scrolling(jupyter):
    """At a 1400 px wide window the sigmoid graph, its table and every control fit the
    notebook column: nothing in the lesson's outputs scrolls sideways."""
    with lesson_running(jupyter, "02_sigmoid_gate.ipynb") as page:
        page.wait_for_function(
            "() => document.querySelectorAll('.bpx-frame g#out text').length == 2"
            " && document.querySelectorAll('.bpx-table table tr').length > 1",
            timeout=SLOW)
        page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
        kernel_caught_up(page)
        # every picture in the outputs has its size (an image still loading is 0 wide)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-OutputArea-output img')]"
            ".every(img => img.complete)", timeout=SLOW)
        explorer = page.locator(".bpx-frame").first
        explorer.scroll_into_view_if_needed()
        # measure once the layout has settled: the frame keeps its box for two frames
        explorer.element_handle().wait_for_element_state("stable", timeout=SLOW)
        assert page.evaluate(NO_SIDEWAYS_SCROLL) == []
        box = explorer.bounding_box()
        assert box["width"] > 0.6 * 997 * 4 / 3 - 1     # shrunk at most to 60%: readable
