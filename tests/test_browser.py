"""A real browser: JupyterLab serves lesson 01, headless Chromium runs it, and a keyboard
press on a slider moves the numbers in the graph to what the engine computes.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``), or any
Chromium named by the environment variable BPWIDGETS_CHROMIUM (on Ubuntu, where
chromium is a snap), and the ``playwright`` Python package (no browser download: we
pass ``executable_path``). The
test starts its own JupyterLab on 127.0.0.1 at a free port, in a temporary copy of the
lessons (so JupyterLab's autosave never touches the real notebook), and stops it by PID.
Timeouts are generous: a 2-core machine takes a while to start a kernel and run a lesson.
"""

import contextlib
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


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a free port serving a copy of the lessons; yields its URL."""
    work = tmp_path / "lessons"
    shutil.copytree(ROOT / "lessons", work)
    env = dict(os.environ,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_PLATFORM_DIRS="1")
    port = free_port()
    log = open(tmp_path / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.token=", "--ServerApp.password=",
         "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={work}"],
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
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url
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


def expected_after_one_step_right():
    """What the first explorer of lesson 01 must show after x moves one slider step
    right (x = -2 -> -1.9, y = 5, z = -4), computed by the engine."""
    g = bp.parse("(x + y) * z")
    g.forward(x=-1.9, y=5, z=-4)
    grads = g.backward()
    return format_number(g.output.value), format_number(grads["z"])


@contextlib.contextmanager
def lesson_running(lab, notebook):
    """Headless Chromium with ``notebook`` open in JupyterLab and every cell started;
    yields the page, and shuts the kernel and the browser down afterwards."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            page.goto(f"{lab}/lab/tree/{notebook}?reset")
            page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            yield page
            page.evaluate("window.jupyterapp.serviceManager.sessions.shutdownAll()")
        finally:
            browser.close()


def test_slider_key_press_moves_the_numbers_in_the_graph(lab):
    value, z_grad = expected_after_one_step_right()
    assert (value, z_grad) == ("-12.40", "3.10")
    with lesson_running(lab, LESSON) as page:
        graph = page.locator(".widget-html .bp-graph").first
        out = graph.locator("g#out text")
        # the live widget is drawn (after run-all) with the lecture's numbers
        page.wait_for_function(
            """() => { const t = document.querySelectorAll(
                   '.widget-html .bp-graph g#out text');
                   return t.length == 2 && t[0].textContent == '-12.00'; }""",
            timeout=SLOW)
        page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
        handle = page.locator(".widget-slider .noUi-handle").first   # the x slider
        handle.focus()
        page.keyboard.press("ArrowRight")
        # wait for the kernel's answer: the final numbers, not just "changed"
        page.wait_for_function(
            """([value, grad]) => {
                   const out = document.querySelectorAll(
                       '.widget-html .bp-graph g#out text');
                   const z = document.querySelectorAll(
                       '.widget-html .bp-graph g#e4_1 text');
                   return out.length == 2 && out[0].textContent == value
                          && z.length == 2 && z[1].textContent == grad;
               }""", arg=[value, z_grad], timeout=SLOW)
        assert out.nth(0).text_content() == value
        readout = page.locator(".widget-slider .widget-readout").first
        assert readout.text_content().replace("\u2212", "-").strip() == "-1.90"


def test_lesson_04_matrix_keeps_its_values_when_its_sliders_are_drawn(lab):
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
    with lesson_running(lab, "04_vectorized_jacobians.ipynb") as page:
        page.wait_for_function(
            """(want) => {
                   const rows = {};
                   for (const tr of document.querySelectorAll('.widget-html table tr')) {
                       const cells = [...tr.querySelectorAll('td')].map(
                           td => td.innerText.replace(/\\s+/g, ' ').trim());
                       if (cells.length == 3) rows[cells[0]] = [cells[1], cells[2]];
                   }
                   return ['W', 'x'].every(name => rows[name]
                       && rows[name][0] == want[name][0] && rows[name][1] == want[name][1]);
               }""", arg=expected, timeout=SLOW)
        page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
        time.sleep(1)                      # any late message from the page would land now
        readouts = page.locator(".widget-slider .widget-readout").all_text_contents()
        assert [r.replace("\u2212", "-").strip() for r in readouts] == [
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


def test_lesson_02_explorer_fits_the_column_without_sideways_scrolling(lab):
    """At a 1400 px wide window the sigmoid graph, its table and every control fit the
    notebook column: nothing in the lesson's outputs scrolls sideways."""
    with lesson_running(lab, "02_sigmoid_gate.ipynb") as page:
        page.wait_for_function(
            "() => document.querySelectorAll('.widget-html .bp-graph g#out text').length == 2",
            timeout=SLOW)
        page.wait_for_function(KERNEL_IDLE, timeout=SLOW)
        explorer = page.locator(".widget-html .bp-graph").first
        explorer.scroll_into_view_if_needed()
        assert page.evaluate(NO_SIDEWAYS_SCROLL) == []
        box = explorer.bounding_box()
        assert box["width"] > 0.6 * 997 * 4 / 3 - 1     # shrunk at most to 60%: readable
