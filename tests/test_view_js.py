"""The explorer's view computes its numbers in the browser: its JavaScript must fill every
slot of the picture exactly as Python fills it (``render.dot.slot_content``), for the
lessons' graphs, in every display mode and at every step of the step-through, at random
values. Run in ``node`` (bpwidgets/static/explorer.js after engine.js, as the widget
loads them); the slider grid too."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.browser import view_source
from bpwidgets.render import dot
from bpwidgets.widgets import live
from bpwidgets.widgets.explorer import PALETTE

RUNNER = Path(__file__).with_name("run_view.mjs")
LESSON_GRAPHS = [                  # scalar explorers of the lessons, and a few more ops
    ("(x + y) * z", dict(x=-2, y=5, z=-4)),
    ("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)),
    ("max(x*y, z) + 2*x", dict(x=3, y=-4, z=2)),
    ("tanh(a) * relu(b - a) + log(c) / a", dict(a=0.5, b=1.5, c=2.0)),
]


@pytest.fixture(scope="module")
def run_view(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail("the view's tests run its JavaScript in Node.js, and `node` is not on "
                    "PATH: install Node.js 18 or newer (sudo apt-get install nodejs)")
    folder = tmp_path_factory.mktemp("view")
    view = folder / "view.mjs"
    view.write_text(view_source(), encoding="utf-8")

    def run(fills=(), sliders=()):
        jobs = folder / "jobs.json"
        jobs.write_text(json.dumps({"fills": list(fills), "sliders": list(sliders)}))
        done = subprocess.run([node, str(RUNNER), str(view), str(jobs)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run


def page_jobs(w):
    """One fill job per step position of the explorer's current graph and mode, with
    Python's own contents for each slot."""
    jobs, want = [], []
    template = w._template()
    for position in range(w.step_count + 2):
        w.go(position)
        view = w._view()
        jobs.append({"plan": w.plan, "slots": w.picture["slots"],
                     "values": dict(w.slider_values),      # what the page computes from
                     "view": w.step_view, "decimals": w.picture["decimals"],
                     "palette": PALETTE})
        want.append([dot.slot_content(w.graph, slot, template.decimals, view.visited,
                                      view.highlight) for slot in template.slots])
    return jobs, want


@pytest.mark.parametrize("expression, values", LESSON_GRAPHS)
def test_the_browser_fills_every_slot_as_python_does(run_view, expression, values):
    rng = np.random.default_rng(7)
    w = bp.explore(expression, **values)
    assert w.runs_in == "the browser"
    jobs, want = [], []
    modes = [dict(show_local=False, show_flow=False), dict(show_local=True),
             dict(show_flow=True)]
    if w.has_sigma:
        modes.append(dict(sigma=True, show_local=True))
    for mode in modes:
        for key, on in mode.items():
            setattr(w, key, on)
        for _ in range(3):                     # the starting values, then random ones
            more_jobs, more_want = page_jobs(w)
            jobs += more_jobs
            want += more_want
            for label, slider in w.sliders.items():
                slider.value = round(float(rng.uniform(0.3, 3.0)) * rng.choice([-1, 1]), 3)
            if w.error:                        # log of a negative: Python refuses it
                w.sliders["c"].value = 1.7
            assert not w.error
    got = run_view(fills=jobs)["fills"]
    assert len(got) == len(want) > 20
    for k, (mine, theirs) in enumerate(zip(got, want)):
        assert mine == theirs, f"job {k}: slots differ"


def test_slots_name_what_they_show():
    w = bp.explore("(x + y) * z", x=-2, y=5, z=-4)
    slots = w.picture["slots"]
    values = [s for s in slots if s[0] == "value"]
    # three edges into the gates: x and y into add (node n2), (x + y) and z into mul (n4)
    assert sorted((s[2], s[3]) for s in values) == [(0, 2), (1, 2), (2, 4), (3, 4)]
    assert ["out_value", 4] in slots and ["out_grad", 4] in slots
    svg = w.picture["svg"]
    assert svg.startswith("<svg") and all(f"~{k}~" in svg for k, s in enumerate(slots)
                                          if s[0] in ("value", "grad", "out_value"))
    assert len(w.picture["colours"]) == sum(s[0].endswith("colour") or s[0] in
                                            ("fill", "stroke") for s in slots)


def test_slider_positions_and_numbers(run_view):
    w = bp.explore("x * y", x=0.1, y=0.7310585786300049)
    x_spec, y_spec = w.slider_specs
    got = run_view(sliders=[
        {"spec": x_spec, "positions": [x_spec["k0"], x_spec["k0"] + 2, x_spec["k0"] - 5, 0,
                                       x_spec["positions"]],
         "numbers": [0.1, 0.14, 0.123, -5.0, 7.0]},
        {"spec": y_spec, "positions": [y_spec["k0"], y_spec["k0"] + 1], "numbers": [0.75]},
    ])["sliders"]
    # the starting number itself at its position; grid numbers without float dust
    assert got[0]["numbers"] == [0.1, 0.14, 0.0, x_spec["min"], x_spec["max"]]
    assert (x_spec["min"], x_spec["max"], x_spec["step"]) == (-1.0, 1.0, 0.02)
    # a number between positions shows at the nearest; beyond the ends, at the end
    assert got[0]["positions"] == [x_spec["k0"], x_spec["k0"] + 2, x_spec["k0"] + 1, 0,
                                   x_spec["positions"]]
    assert got[1]["numbers"][0] == 0.7310585786300049
    assert got[1]["numbers"][1] == pytest.approx(0.7310585786300049 + y_spec["step"], abs=1e-11)


def test_a_graph_the_browser_cannot_run_is_filled_by_the_kernel():
    w = bp.explore("sum(W @ x)", W=[[1.0, 2.0], [3.0, 4.0]], x=[1.0, -1.0])
    assert w.plan is None and w.runs_in == ("the kernel: input 'W' is an array: the browser "
                                            "runs scalars only")
    template = w._template()
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in template.slots]
    before = w.filled
    w.sliders["x[1]"].value = 0.5                  # W @ x = [1 + 1, 3 + 2]: output 7
    assert w.graph.output.value == pytest.approx(7.0)
    assert "7.00" in w.filled and "7.00" not in before
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in template.slots]


def test_live_picture_refuses_nothing_it_cannot_name():
    g = bp.parse("x * y")
    g.forward(x=1, y=2)
    g.backward()
    template = bp.render.SvgTemplate.from_graph(g)
    picture = live.picture(g, template)
    assert picture["width"] > 50 and picture["decimals"] == 2


class Twice(bp.Gate):
    """A learner's own gate: the browser has no JavaScript for it."""

    def forward(self, a):
        return 2 * a

    def backward(self, upstream):
        return (2 * upstream,)


def test_a_learners_gate_runs_in_the_kernel_with_the_same_picture():
    x, y = bp.inputs("x y")
    g = bp.Graph(Twice()(x) * y)
    w = bp.explore(g, x=1.5, y=-2.0)
    assert w.plan is None and "is not an op of the table" in w.runs_in
    w.sliders["y"].value = 3.0
    template = w._template()
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in template.slots]
    assert w.graph.output.value == 9.0 and "9.00" in w.filled
    assert w.graph.inputs["x"].grad == 6.0
