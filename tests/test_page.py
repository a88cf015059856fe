"""A page with no kernel: ``bpwidgets render EXPR ... -o graph.html`` writes one file that
a browser opens from disk, with no network, and whose sliders run forward and backward
in the page. Checked in headless Chromium against the engine's own numbers."""

import contextlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.page import _script_json, page_html
from bpwidgets.render import engine
from bpwidgets.render.dot import format_number
from test_browser import CHROMIUM

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = ["w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]


@contextlib.contextmanager
def browser_page():
    """A fresh page in headless Chromium, and the list its page errors go to."""
    assert Path(CHROMIUM).exists(), (
        f"no Chromium at {CHROMIUM}: run 'sudo apt-get install -y chromium' (Debian), or "
        "set BPWIDGETS_CHROMIUM to a Chromium or Chrome executable")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            browser.close()


def engine_numbers(**values):
    """Output value and input gradients as the page must show them, from bp.Graph."""
    g = bp.parse(SIGMOID)
    g.forward(**values)
    grads = g.backward()
    return format_number(g.output.value), {n: format_number(d) for n, d in grads.items()}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "sigmoid.html"
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "render", SIGMOID, *LECTURE,
                           "-o", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {path}"
    return path


def test_the_page_holds_everything_and_loads_nothing(page_file):
    text = page_file.read_text(encoding="utf-8")
    assert "<svg" in text and "class Engine" in text and "export default" in text
    # nothing from the network: no src= or href= at all, no http(s) address in a tag
    assert not re.search(r"""\b(src|href)\s*=""", text)
    assert not re.search(r"<[^>]*https?://", text.replace("http://www.w3.org", ""))


def test_a_key_press_on_the_page_gives_the_engines_numbers(page_file):
    """Open the file from disk with every network request refused, press ArrowRight on
    w0's slider (step 0.1 of its range -5..5) and read the output and the gradients."""
    value, grads = engine_numbers(w0=2.1, x0=-1, w1=-3, x1=-2, w2=-3)
    assert value == "0.71" and grads["x0"] == "0.43"
    asked = []
    with browser_page() as (page, errors):
        page.route(re.compile(r"^(https?|wss?)://"),
                   lambda route: (asked.append(route.request.url), route.abort()))
        page.goto(page_file.as_uri())
        page.wait_for_function("() => document.querySelectorAll("
                               "'.bpx-frame g#out text').length == 2", timeout=10_000)
        assert table(page)["output"] == "0.73"                 # the lecture's 0.73
        slider = page.locator(".bpx-slider").first
        assert slider.locator(".bpx-name").text_content() == "w0"
        slider.locator("input").focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(v) => document.querySelector('.bpx-frame g#out text')"
                               ".textContent == v", arg=value, timeout=5_000)
        shown = table(page)
        assert shown["output"] == value
        assert {n: shown[n][1] for n in grads} == grads
        assert slider.locator(".bpx-readout").text_content() == "2.10"
        assert errors == [] and asked == []


def table(page):
    """The gradient table as {"output": text, input: [value, gradient]}."""
    rows = page.evaluate("""() => [...document.querySelectorAll('.bpx-table tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => td.textContent))""")
    shown = {row[0]: row[1:] for row in rows if len(row) == 3}
    shown["output"] = page.locator(".bpx-table b").first.text_content()
    return shown


def test_a_graph_the_browser_cannot_run_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"input 'W' is an array: the browser runs "
                                         r"scalars only.*\.svg"):
        page_html("sum(W @ x)", W=[[1.0, 2.0], [3.0, 4.0]], x=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"input 'x' is an array"):   # elementwise, too
        page_html("x * y", x=[1.0, 2.0], y=2.0)

    class Twice(bp.Gate):                    # a learner's gate has no JavaScript
        def forward(self, a):
            return 2 * a

        def backward(self, upstream):
            return (2 * upstream,)
    x = bp.inputs("x")
    with pytest.raises(ValueError, match="is not an op of the table"):
        page_html(bp.Graph(Twice()(x)), x=1.0)
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "render", "W @ x", "W=[[1]]",
                           "x=[1]", "-o", str(tmp_path / "m.html")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "scalar output" in done.stderr
    assert not (tmp_path / "m.html").exists()
    with pytest.raises(ValueError, match="starting values do not work.*log"):
        page_html("log(x)", x=-1.0)


def test_a_page_is_written_only_to_a_name_ending_in_html_as_on_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "render", "x * y", "x=1", "y=2",
                           "-o", str(tmp_path / "q.txt")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "must end in" in done.stderr      # the command line
    for name in ("q.txt", "q.svg", "q"):
        with pytest.raises(ValueError, match=r"must end in \.html \(got '(\.txt|\.svg|no "
                                             r"extension)'\)"):
            bp.write_page("x * y", tmp_path / name, x=1.0, y=2.0)
        assert not (tmp_path / name).exists()
    path = bp.write_page("x * y", tmp_path / "Q.HTML", x=1.0, y=2.0)   # as the CLI: any case
    assert (tmp_path / "Q.HTML").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert path == tmp_path / "Q.HTML"


def test_a_graph_too_big_to_draw_is_not_blamed_on_the_starting_values(tmp_path, monkeypatch):
    big = "x*y + " + " + ".join(f"tanh(x*{0.01 * i:.2f} + y)" for i in range(400))
    with pytest.raises(bp.GraphTooBig, match="^this graph is too big to draw") as refused:
        bp.write_page(big, tmp_path / "big.html", x=0.5, y=-0.3)
    assert "starting values" not in str(refused.value)
    # under the limit, but Graphviz is stopped (a layout that hangs): the picture failed
    monkeypatch.setattr(engine, "LAYOUT_TIMEOUT", 1.0)
    monkeypatch.setattr(engine, "CHILD", "import time; time.sleep(60)")
    mid = "x*y + " + " + ".join(f"tanh(x*{0.01 * i:.2f} + y)" for i in range(25))
    with pytest.raises(RuntimeError, match=r"^the page's picture could not be drawn: "
                                           r"GraphTooBig: Graphviz did not finish") as failed:
        bp.write_page(mid, tmp_path / "mid.html", x=0.5, y=-0.3)
    assert "starting values" not in str(failed.value)
    assert not (tmp_path / "big.html").exists() and not (tmp_path / "mid.html").exists()


def test_script_json_cannot_close_its_script():
    text = _script_json({"name": "</script><script>alert(1)</script>"})
    assert "</" not in text and json.loads(text)["name"].startswith("</script>")


def test_a_page_says_when_the_graph_is_not_finite_and_keeps_the_last_picture(tmp_path):
    """No kernel to explain: the page names the node itself. log(x) * y with x in
    (-1, 1): Home puts x at -1, where log is not finite; End brings it back to 1."""
    from playwright.sync_api import expect
    path = tmp_path / "log.html"
    path.write_text(page_html("log(x) * y", x=(-1, 1, 0.5), y=2.0), encoding="utf-8")
    with browser_page() as (page, errors):
        page.goto(path.as_uri())
        out = page.locator(".bpx-frame g#out text").first
        expect(out).to_have_text(format_number(2 * np.log(0.5)))      # -1.39
        x = page.locator(".bpx-slider input").first
        x.focus()
        page.keyboard.press("Home")
        message = page.locator(".bpx-message")
        expect(message).to_contain_text("node n1 (log) is not finite")
        expect(out).to_have_text("-1.39")                  # the last picture that worked
        page.keyboard.press("End")
        expect(out).to_have_text("0.00")                   # log(1) * 2
        expect(message).to_have_text("")


def test_the_page_steps_through_backward_with_pythons_steps_and_numbers(tmp_path):
    """No kernel, yet the step-through works: start, then next gate by gate. Each caption
    gives the numbers Python's backward_steps gives (local × upstream = downstream, and
    the sums at a fork), gradients show only on edges into visited gates, and moving a
    slider mid-step brings the caption's numbers along."""
    expression, start = "(x + y) * z + x * y", dict(x=-2, y=5, z=-4)
    path = bp.write_page(expression, tmp_path / "steps.html", **start)

    def python_steps(**values):
        g = bp.parse(expression)
        g.forward(**values)
        g.backward()
        return bp.backward_steps(g)

    steps = python_steps(**start)
    with browser_page() as (page, errors):
        page.goto(Path(path).as_uri())
        caption = page.locator(".bpx-caption")
        page.wait_for_function("() => document.querySelector('.bpx-caption')"
                               ".textContent.startsWith('All 4 gates')", timeout=10_000)
        # the page opens on the full picture; next begins the walk there (it did nothing)
        assert "Press next (or start)" in caption.text_content()
        page.get_by_role("button", name="next ▶").click()
        assert caption.text_content().startswith(f"Step 1 of 4: {steps[0].symbol}: ")
        page.get_by_role("button", name="|◀ start").click()
        assert caption.text_content().startswith("Backward starts at the output")
        assert table(page)["x"][1] == "?"                    # no gradient known yet
        for k, step in enumerate(steps, start=1):
            page.get_by_role("button", name="next ▶").click()
            text = caption.text_content()
            assert text.startswith(f"Step {k} of {len(steps)}: {step.symbol}: "), text
            for edge in step.edges:          # local x upstream = downstream, as numbers
                said = (f"local {format_number(edge.local)} × upstream "
                        f"{format_number(edge.upstream)} = {format_number(edge.downstream)}")
                assert said in text, (said, text)
        assert "x gets 5.00 - 4.00 = 1.00 in all: gradients add at a fork" in text
        assert table(page)["x"][1] == "1.00"                 # every gradient known now
        # a slider moved mid-step: the caption's numbers follow the engine
        page.get_by_role("button", name="|◀ start").click()
        page.get_by_role("button", name="next ▶").click()
        page.get_by_role("button", name="next ▶").click()
        y = page.locator(".bpx-slider", has_text="y")
        y.locator("input").focus()
        page.keyboard.press("ArrowRight")
        moved_to = float(y.locator(".bpx-readout").text_content())
        assert moved_to > 5
        moved = python_steps(x=-2, y=moved_to, z=-4)[1]
        for edge in moved.edges:
            said = (f"local {format_number(edge.local)} × upstream "
                    f"{format_number(edge.upstream)} = {format_number(edge.downstream)}")
            assert said in caption.text_content()
        assert caption.text_content().startswith("Step 2 of 4")
        page.get_by_role("button", name="all ▶|").click()
        assert caption.text_content().startswith("All 4 gates visited")
        assert errors == []


def hand_written(x, places):
    """x as the page must write it with ``places``: fixed-point, or at 0 places, a number
    below 1 in scientific notation (written by hand for the lecture's numbers)."""
    if places == 0 and abs(x) < 1:
        return f"{x:.1e}"
    return f"{x:.{places}f}"


@pytest.mark.parametrize("places", [0, 3, 6])
def test_a_page_writes_the_places_asked_for(tmp_path, places):
    """write_page(..., decimals=...): the picture and the table the page computes give
    those places; the step captions the page writes keep two at least, as Python's.
    Numbers by hand: the output is sigmoid(1), w0's gradient is sigmoid'(1) times
    x0 = -1, and the first step is 1/x at x = 1 + e^-1."""
    s = 1 / (1 + np.exp(-1))
    local = -1 / (1 + np.exp(-1)) ** 2
    path = bp.write_page(SIGMOID, tmp_path / "places.html", decimals=places,
                         w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    caption_places = max(places, 2)
    with browser_page() as (page, errors):
        page.goto(Path(path).as_uri())
        page.wait_for_function("() => document.querySelectorAll("
                               "'.bpx-frame g#out text').length == 2", timeout=10_000)
        out = page.locator(".bpx-frame g#out text").all_text_contents()
        assert out == [hand_written(s, places), hand_written(1, places)]
        shown = table(page)
        assert shown["output"] == hand_written(s, places)
        assert shown["w0"] == [hand_written(2, places), hand_written(-s * (1 - s), places)]
        page.get_by_role("button", name="|◀ start").click()
        start = page.locator(".bpx-caption").text_content()
        assert f"df/df = {1:.{caption_places}f}." in start
        page.get_by_role("button", name="next ▶").click()
        text = page.locator(".bpx-caption").text_content()
        said = (f"local {local:.{caption_places}f} × upstream {1:.{caption_places}f} = "
                f"{local:.{caption_places}f}")
        assert said in text, text
        assert errors == []
