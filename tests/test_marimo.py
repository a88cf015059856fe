"""The explorer in marimo: ``marimo run examples/explorer_marimo.py`` serves the lecture's
sigmoid example; headless Chromium presses ArrowRight on x0's slider and reads the new
numbers in the graph (computed in the page), then the cell below it, which marimo runs
again with the explorer's Python graph (the kernel was told)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import bpwidgets as bp
from bpwidgets.render.dot import format_number
from test_browser import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "explorer_marimo.py"
SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
SLOW = 120_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def marimo_running(path):
    marimo = shutil.which("marimo", path=str(Path(sys.executable).parent))
    assert marimo, "marimo is not installed: pip install -e '.[test]' installs it"
    port = free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"marimo-{port}.log", "w")
    server = subprocess.Popen([marimo, "run", str(path), "--headless", "--host",
                               "127.0.0.1", "--port", str(port), "--no-token",
                               "--no-sandbox"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert server.poll() is None, f"marimo stopped: see {log.name}"
                assert time.time() < deadline, f"marimo did not answer in 60 s: {log.name}"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_marimo_runs_the_explorer_and_a_key_press_moves_the_numbers():
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: sudo apt-get install chromium"
    from playwright.sync_api import expect, sync_playwright
    step = bp.explore(SIGMOID, w0=2, x0=-1, w1=-3, x1=-2, w2=-3).sliders["x0"].step
    assert step == 0.04                                # range -2..2 around x0 = -1
    g = bp.parse(SIGMOID)
    g.forward(w0=2, x0=-0.96, w1=-3, x1=-2, w2=-3)     # x0 one step right of -1
    g.backward()
    want = format_number(g.output.value)
    w0_grad = g.inputs["w0"].grad
    with marimo_running(EXAMPLE) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.set_default_timeout(SLOW)
            page.goto(url)
            out = page.locator(".bpx-frame g#out text").first
            out.wait_for()
            assert out.text_content() == "0.73"
            page.get_by_text("In Python now: x0 = -1.00").wait_for()
            slider = page.locator(".bpx-slider").nth(1)
            assert slider.locator(".bpx-name").text_content() == "x0"
            slider.locator("input").focus()
            page.keyboard.press("ArrowRight")
            expect(out).to_have_text(want)        # the view is in marimo's shadow DOM
            assert slider.locator(".bpx-readout").text_content() == "-0.96"
            # marimo ran the next cell again, with the explorer's Python graph moved too
            page.get_by_text(f"In Python now: x0 = -0.96, output {g.output.value:.4f}, "
                             f"df/dw0 = {w0_grad:.4f}").wait_for()
        finally:
            browser.close()
