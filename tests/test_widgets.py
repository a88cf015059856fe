"""The explorer, checked in Python: the numbers in its SVG against a fresh forward/backward,
its layout against itself, the step-through, the sigma toggle and the error path."""

import html
import math
import re
import subprocess
import sys

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import render
from bpwidgets.render import dot, template
from bpwidgets.render.dot import format_number

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)

GROUP = re.compile(r'<g id="([^"]+)" class="node">(.*?)</g>', re.S)
TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


def texts(svg):
    """{node id: [its texts]}: what the page shows, read by the SVG's stable ids."""
    return {key: [html.unescape(t) for t in TEXT.findall(body)]
            for key, body in GROUP.findall(svg)}


def edge_numbers(svg):
    """{edge label id: [value, gradient]} (the ids are e<target>_<slot>, and 'out')."""
    return {key: found for key, found in texts(svg).items()
            if re.fullmatch(r"e\d+_\d+|out", key)}


def expected_numbers(expression, **values):
    """The same numbers from a graph built afresh: what the SVG must show."""
    g = bp.parse(expression)
    g.forward(**values)
    g.backward()
    hidden, folded = bp.render.dot.hidden_nodes(g)
    want = {"out": [format_number(g.output.value), format_number(g.output.grad)]}
    for edge in g.edges:
        if (edge.target, edge.index) in folded or edge.source in hidden:
            continue
        want[f"e{g.index[edge.target]}_{edge.index}"] = [format_number(edge.value),
                                                          format_number(edge.downstream)]
    return want


def layout_only(svg):
    """The SVG without what may change: text contents and colours."""
    svg = re.sub(r">[^<]*</text>", "></text>", svg)
    return re.sub(r'(fill|stroke)="#[0-9a-f]{6}"', r'\1=""', svg)


def test_explorer_shows_the_lecture_numbers_and_a_short_repr():
    w = bp.explore(SIGMOID, **LECTURE)
    assert repr(w) == f"<Explorer {SIGMOID}: sliders w0, x0, w1, x1, w2>"
    shown = edge_numbers(w.svg)
    assert shown == expected_numbers(SIGMOID, **LECTURE)
    assert shown["out"] == ["0.73", "1.00"]
    # the lecture's picture: w0 edge 2.00 / -0.20, x1 edge -2.00 / -0.59
    assert ["2.00", "-0.20"] in shown.values() and ["-2.00", "-0.59"] in shown.values()
    assert "-0.59" in w.table and "0.73" in w.table


def test_slider_move_gives_fresh_numbers_and_keeps_every_coordinate():
    w = bp.explore(SIGMOID, **LECTURE)
    before = w.svg
    w.sliders["x0"].value = 1.5             # as a drag in the browser would
    after = w.svg
    moved = dict(LECTURE, x0=1.5)
    assert edge_numbers(after) == expected_numbers(SIGMOID, **moved)
    assert edge_numbers(after) != edge_numbers(before)
    assert layout_only(after) == layout_only(before)
    # w0's gradient is x0 x 0.2-ish: it changed sign, and its colour changed with it
    w0_edge = next(f"e{w.graph.index[e.target]}_{e.index}" for e in w.graph.edges
                   if e.source.name == "w0")
    assert grad_colour(before, w0_edge) == dot.NEGATIVE_COLOUR       # -0.20
    assert grad_colour(after, w0_edge) == dot.POSITIVE_COLOUR        # +0.xx
    w.sliders["x0"].value = 0.0
    assert grad_colour(w.svg, w0_edge) == dot.ZERO_COLOUR
    assert layout_only(w.svg) == layout_only(before)


def grad_colour(svg, key):
    """The fill colour of the gradient (second number) in an edge label."""
    body = dict(GROUP.findall(svg))[key]
    return re.findall(r'<text[^>]*fill="(#[0-9a-f]{6})"', body)[1]


def test_the_explorer_runs_its_own_copy_of_the_graph():
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)
    w = bp.explore(g)                            # starts at g's last forward values
    assert [s.value for s in w.sliders.values()] == [-2, 5, -4]
    w.sliders["z"].value = 2.0
    assert g.output.value == -12.0 and w.graph.output.value == 6.0


def test_graphviz_runs_once_per_structure_and_mode_not_per_slider_move(monkeypatch):
    w = bp.explore(SIGMOID, **LECTURE)
    calls = []
    real = template.pipe
    monkeypatch.setattr(template, "pipe", lambda *a, **k: calls.append(1) or real(*a, **k))
    for value in (0.5, 1.0, 1.5, -0.5):
        w.sliders["w2"].value = value
    w.go(3)
    w.go(5)
    assert calls == []
    w.show_local = True              # a new display mode: one layout
    w.sliders["w2"].value = 0.0
    w.show_local = False             # back to a mode already laid out
    w.sliders["w2"].value = 0.3
    assert calls == [1]


def test_step_through_shows_gradients_only_on_visited_gates():
    w = bp.explore(SIGMOID, **LECTURE)
    steps = bp.backward_steps(w.graph)
    assert w.step_count == len(steps) == 8
    w.go(0)
    shown = edge_numbers(w.svg)
    assert shown["out"] == ["0.73", "1.00"]                    # df/df = 1 is known
    assert all(grad == "" for key, (value, grad) in shown.items() if key != "out")
    assert "Backward starts at the output" in w.caption
    assert w.table.count("?") == 5
    for k in range(1, 9):
        w.go(k)
        visited = {w.graph.index[s.node] for s in steps[:k]}
        for key, (value, grad) in edge_numbers(w.svg).items():
            if key != "out":
                target = int(key[1:].split("_")[0])
                assert (grad != "") == (target in visited), (k, key)
        assert html.unescape(w.caption).count(f"Step {k} of 8: {steps[k - 1].caption}") == 1
        # the current gate, and only it, is filled with the highlight colour
        body = dict(GROUP.findall(w.svg))[w.graph.node_id(steps[k - 1].node)]
        assert dot.HIGHLIGHT_FILL in body and w.svg.count(dot.HIGHLIGHT_FILL) == 1
    assert "exp: local e^-1 = 0.37 × upstream -0.53 = -0.20" in html.unescape(
        (w.go(3), w.caption)[1])
    w.go(8)
    assert w.table.count("?") == 0
    w.go(9)                                 # past the last gate: the full picture
    assert "All 8 gates visited" in w.caption
    assert dot.HIGHLIGHT_FILL not in w.svg


def test_step_positions_are_clamped_and_captioned():
    w = bp.explore("(x + y) * z", x=-2, y=5, z=-4)
    w.go(-3)                                       # clamped at the start
    assert w.step == 0
    w.go(10)                                       # clamped past the end: the full picture
    assert w.step == 3 and "All 2 gates visited" in w.caption
    w.go(2)
    assert "Step 2 of 2: +:" in w.caption
    w.go(1)
    assert "Step 1 of 2: *:" in w.caption
    assert w.step_view == {"visited": [4], "highlight": 4}     # the mul gate is node n4
    w.step = 3                                     # what the page's buttons set
    assert w.step_view == {"visited": None, "highlight": None}


def test_local_gradient_and_flow_toggles():
    w = bp.explore(SIGMOID, **LECTURE)
    w.show_local = True
    found = texts(w.svg)
    assert any("local" in t and "0.37" in t for t in found.values())   # exp's local e^-1
    w.show_local = False
    w.show_flow = True
    shown = html.unescape(w.svg)
    for role in ("mul swaps", "add distributes", "exp scales by its output"):
        assert role in shown
    w.sliders["w0"].value = 1.0                    # numbers still patched in this mode
    moved = expected_numbers(SIGMOID, **dict(LECTURE, w0=1.0))
    assert edge_numbers(w.svg) == moved


def test_sigma_toggle_collapses_and_keeps_input_gradients():
    w = bp.explore(SIGMOID, **LECTURE)
    table_before = w.table
    w.sigma = True
    assert "σ" in w.svg
    assert len(w.graph.nodes) == 10 and w.step_count == 5
    assert w.table == table_before              # every input gradient unchanged
    assert w.graph.input_grads() == pytest.approx(w.expanded.input_grads(), rel=1e-12)
    w.go(1)
    assert "σ: local (1-0.73)*0.73 = 0.20 × upstream 1.00 = 0.20" in w.caption
    w.sliders["x1"].value = 0.0
    assert w.graph.input_grads() == pytest.approx(_grads(SIGMOID, **dict(LECTURE, x1=0.0)),
                                                  rel=1e-12)
    w.sigma = False
    assert w.step_count == 8 and "1/x" in w.svg
    assert edge_numbers(w.svg) == expected_numbers(SIGMOID, **dict(LECTURE, x1=0.0))


def _grads(expression, **values):
    g = bp.parse(expression)
    g.forward(**values)
    return g.backward()


def test_sigma_toggle_is_hidden_without_a_sigmoid():
    assert bp.explore("x * y", x=1, y=2).has_sigma is False
    assert bp.explore(SIGMOID, **LECTURE).has_sigma is True


def test_an_error_is_shown_and_the_widget_keeps_working():
    w = bp.explore("log(x) * y", x=1.0, y=2.0)
    good = w.svg
    w.sliders["x"].value = -1.0                     # log of a negative number
    assert "log" in w.error and "non-finite" in w.error
    assert "Could not update" in w.message
    assert w.svg == good                     # the last picture that worked
    w.go(0)                                 # other controls do not crash either
    w.go(2)
    w.sliders["x"].value = 2.0
    assert w.error == "" and w.message == ""
    assert edge_numbers(w.svg) == expected_numbers("log(x) * y", x=2.0, y=2.0)


def test_small_arrays_get_a_slider_per_entry_and_big_ones_a_seeded_button():
    w = bp.explore("sum(W @ x)", W=[[1.0, 2.0], [3.0, 4.0]], x=[1.0, -1.0])
    assert list(w.sliders) == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]"]
    w.sliders["W[0,1]"].value = 0.5
    assert w.graph.output.value == pytest.approx(1.0 - 0.5 + 3.0 - 4.0)
    np.testing.assert_allclose(w.graph.inputs["x"].grad, [4.0, 4.5])

    def big():
        return bp.explore("sum(A * B)", A=np.ones((5, 5)), B=np.full((5, 5), 2.0), seed=3)
    first, second = big(), big()
    assert list(first.resample) == ["A", "B"] and first.sliders == {}
    assert repr(first) == "<Explorer sum(A * B): resample A, B>"
    first.resample["A"].click()
    second._message(second, {"resample": "A"}, [])     # the page's button sends this
    a = first.graph.inputs["A"].value
    np.testing.assert_array_equal(a, second.graph.inputs["A"].value)   # seeded
    assert not np.allclose(a, 1.0)
    assert first.graph.output.value == pytest.approx(2.0 * a.sum())


def test_default_ranges_surround_the_value_and_given_ranges_are_kept():
    w = bp.explore("(x + y) * z", x=-2, y=5, z=(-3, 3))
    x, y, z = (w.sliders[name] for name in "xyz")
    assert (x.min, x.max, x.value) == (-5, 5, -2)
    assert (y.min, y.max, y.value) == (-10, 10, 5)
    assert (z.min, z.max, z.value) == (-3, 3, 0)
    assert x.step == 0.1
    w2 = bp.explore("x * y", x=(-1, 1, 0.5))
    assert w2.sliders["x"].value == 0.5 and w2.sliders["y"].value == 1.0


LESSON_EXPLORERS = [                  # the explorers the lessons build, with their values
    ("(x + y) * z", dict(x=-2, y=5, z=-4)),                                  # lesson 01
    (SIGMOID, LECTURE),                                                      # lesson 02
    ("2 * (x*y + max(z, w))", dict(x=3, y=-4, z=2, w=-1)),                   # lesson 03
    ("sum((W @ x) ** 2)", dict(W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])),   # lesson 04
]


@pytest.mark.parametrize("expression, values", LESSON_EXPLORERS)
def test_every_starting_value_lies_on_its_sliders_grid(expression, values):
    w = bp.explore(expression, **values)
    for label, slider in w.sliders.items():
        k = (slider.value - slider.min) / slider.step
        assert abs(k - round(k)) < 1e-9, (label, slider.value, slider.min, slider.step)
        # the page's slider sits at position k0, where it shows the starting value itself
        spec = next(s for s in w.slider_specs if s["label"] == label)
        assert spec["k0"] == round(k) and spec["origin"] == slider.value
        assert spec["positions"] == round((slider.max - slider.min) / slider.step)
    # the explorer computes with the lesson's exact numbers, not the page's round-off
    for name, value in values.items():
        np.testing.assert_array_equal(w.values[name], np.array(value, dtype=float))
        np.testing.assert_array_equal(w.graph.inputs[name].value, np.array(value, dtype=float))


def test_lesson_04_matrix_keeps_its_entries_when_drawn():
    """The review's case: W[0,0] = 0.1 with min -2, step 0.04 was snapped to 0.12."""
    w = bp.explore("sum((W @ x) ** 2)", W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    steps = {slider.step for label, slider in w.sliders.items() if label.startswith("W")}
    assert steps == {0.02}                        # one finer step for the whole matrix
    for slider in w.sliders.values():             # the page sends back what it shows
        slider.value = slider.value
    np.testing.assert_array_equal(w.graph.inputs["W"].value, [[0.1, 0.5], [-0.3, 0.8]])
    np.testing.assert_allclose(w.graph.inputs["x"].grad, [-0.112, 0.636])   # 2 W^T W x


def test_a_value_no_decimal_step_fits_gets_a_grid_through_itself():
    start = 0.7310585786300049
    w = bp.explore("x * y", x=start, y=1.0)
    x = w.sliders["x"]
    assert x.min <= start <= x.max and x.step == 0.04
    assert abs((start - x.min) / x.step - round((start - x.min) / x.step)) < 1e-9
    assert w.values["x"] == start
    x.value = 0.123                     # set from Python, off the grid: kept as given
    assert w.values["x"] == 0.123


def test_explore_refuses_bad_input_clearly():
    with pytest.raises(ValueError, match="'q', which is not an input"):
        bp.explore("x * y", q=1)
    with pytest.raises(ValueError, match="min < max"):
        bp.explore("x * y", x=(2, 1))
    with pytest.raises(ValueError, match="outside its range"):
        bp.explore("x * y", x=(0, 1, 5))
    with pytest.raises(TypeError, match="bp.Graph or an expression"):
        bp.explore(42)


def test_import_bpwidgets_does_not_load_ipywidgets():
    code = "import sys, bpwidgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_the_nudge_control_compares_the_change_with_gradient_times_h():
    w = bp.explore("x * x", x=3)
    assert w.nudge_on is False and w.nudge_text == ""    # off: nothing computed or shown
    w.nudge_on = True
    text = w.nudge_text
    assert "f moves from 9 to 9.61, by 0.61; df/dx × h = 6 × 0.1 = 0.6" in text
    w.nudge_h = 1.0
    assert "off by 1, 14% of the change" in w.nudge_text
    w.sliders["x"].value = 1.0                            # the nudge follows the sliders
    assert "f moves from 1 to 4, by 3; df/dx × h = 2 × 1 = 2" in w.nudge_text
    assert w.graph.output.value == 1.0 and w.graph.inputs["x"].grad == 2.0   # left in place
    w.nudge_h = 0.0
    assert "nonzero h" in w.nudge_text
    arrays = bp.explore("W @ x", W=np.eye(2), x=np.ones(2))
    assert arrays.nudge_labels == [] and arrays.nudge_on is False   # an array output


def test_a_compiled_graph_draws_and_steps_like_one_run_node_by_node():
    """A graph big enough to run level by level makes its per-edge numbers when asked:
    the picture and the step captions are the same as node by node."""
    x, y = bp.inputs("x y")
    last = x * y
    for _ in range(60):                              # 60 rungs, 180 gates: compiled
        last = bp.tanh(last * 0.9 + 0.1)
    fast = bp.Graph(last)
    slow = bp.Graph(last)
    slow.plan = None
    assert fast.plan is not None
    pictures, captions = [], []
    for g in (slow, fast):                           # the same nodes: slow first, then fast
        g.forward(x=0.3, y=-0.7)
        g.backward()
        pictures.append(render.to_svg(g))
        captions.append([step.caption for step in bp.backward_steps(g)])
    assert pictures[0] == pictures[1]
    assert captions[0] == captions[1]
    w = bp.explore(fast, x=0.3, y=-0.7)
    w.sliders["x"].value = 0.5
    slow.forward(x=0.5, y=-0.7)
    slow.backward()
    want = html.unescape(render.to_svg(slow))
    texts = re.findall(r">([^<>]+)</text>", html.unescape(w.svg))
    assert texts and all(t in want for t in texts)


def test_an_error_keeps_the_sliders_and_the_page_in_step_until_the_input_works():
    """The review's case: after x fails, moving another slider must not hide the error or
    run Python on other values than the page's sliders show."""
    w = bp.explore("log(x) * y", x=(-5, 5, 2), y=3)
    good = w.svg
    w.sliders["x"].value = -1.0
    assert "Could not update" in w.message
    w.sliders["y"].value = 5.0                     # still x = -1: still an error
    assert "Could not update" in w.message and w.svg == good
    assert w.values == {"x": -1.0, "y": 5.0} == w.slider_values
    assert w.graph.output.value == pytest.approx(np.log(2) * 3)   # the picture's values
    w.sliders["x"].value = 1.0                     # x works again: y = 5 is used
    assert w.message == "" and w.graph.output.value == 0.0
    assert w.graph.inputs["x"].grad == pytest.approx(5.0)


def test_starting_values_that_fail_can_be_moved_to_ones_that_work():
    w = bp.explore("log(x) * y", x=(-5, 5, -1), y=3)
    assert "Could not update" in w.message and w.picture == {}
    w.sliders["x"].value = 2.0
    assert w.message == "" and w.graph.output.value == pytest.approx(3 * np.log(2))
    assert edge_numbers(w.svg) == expected_numbers("log(x) * y", x=2.0, y=3.0)
    assert w.picture["svg"].startswith("<svg")


def test_an_elementwise_array_graph_is_computed_by_the_kernel():
    w = bp.explore("tanh(x) * y", x=[0.5, -1.0], y=2)
    assert w.plan is None and "input 'x' is an array" in w.runs_in
    template = w._template()
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in template.slots]
    w.sliders["x[1]"].value = 0.0
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in template.slots]
    assert w.graph.output.value.tolist() == pytest.approx([2 * np.tanh(0.5), 0.0])


def test_a_nudge_that_fails_says_so_and_the_picture_keeps_moving():
    w = bp.explore("sum(log(x) * y)", x=[2.0, 2.0], y=[2.0, 1.0])
    w.nudge_on = True
    w.nudge_label = "x[0]"
    w.nudge_h = -3.0                               # log(2 - 3): outside log's domain
    assert "cannot nudge x[0] by -3" in w.nudge_text and w.message == ""
    before = list(w.filled)
    w.sliders["y[0]"].value = 4.0
    assert w.message == "" and w.filled != before
    assert w.filled == [dot.slot_content(w.graph, s, 2) for s in w._template().slots]


@pytest.mark.parametrize("given, error, words", [
    ([], ValueError, "x is an empty array"),
    ((0, float("inf")), ValueError, "must be finite"),
    ((-1e308, 1e308), ValueError, "too wide for a slider"),
    ("abc", TypeError, "explore takes for x a number"),
    ((0, 1, "a"), TypeError, "explore takes for x a number"),
    ({"a": 1}, TypeError, "explore takes for x a number"),
    ([[1, 2], [3]], TypeError, "x must be a number or an array"),
])
def test_bad_starting_values_and_ranges_are_named(given, error, words):
    with pytest.raises(error, match=words):
        bp.explore("x * 2", x=given)


def test_starting_values_that_fail_say_there_is_no_picture_yet():
    """Nothing has worked yet, so no 'last values that worked' to keep."""
    w = bp.explore("log(x) * y", x=(-5, 5, -1), y=3)
    assert "at the starting values" in w.message and "no picture yet" in w.message
    assert "keeps the last values" not in w.message


def test_a_tuple_read_as_a_range_where_a_vector_was_meant_gets_a_hint():
    """x=(0.2, 0.4) is a slider range for a scalar x; in W @ x a vector was meant."""
    g = bp.parse("sum((W @ x) ** 2)")
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    w = bp.explore(g, W=W, x=(0.2, 0.4))
    assert "x=(0.2, 0.4) is read as a slider range from 0.2 to 0.4" in w.message
    assert "for a vector, a list: x=[0.2, 0.4]" in w.message
    right = bp.explore(g, W=W, x=[0.2, 0.4])          # the hint's advice works
    assert right.message == ""
    assert right.graph.output.value == pytest.approx(np.sum((W @ [0.2, 0.4]) ** 2))


def test_a_tuple_of_three_for_a_vector_is_explained_as_min_max_start():
    with pytest.raises(ValueError, match=r"outside its range \(1.0, 2.0\): x=\(1, 2, 3\) is "
                       r"read as a slider range from 1 to 2, starting at 3.*a list: x=\[1, 2, 3\]"):
        bp.explore("sum(W @ x)", W=np.ones((2, 3)), x=(1, 2, 3))


def test_a_range_alone_starts_at_the_last_forward_value_inside_it():
    """The README's bp.explore(g, x=(-5, 5)) after g.forward(x=-2, ...) shows the
    lecture's -12, not x = 0's -20."""
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)
    w = bp.explore(g, x=(-5, 5))
    assert w.values["x"] == -2.0 and w.graph.output.value == -12.0
    outside = bp.explore(g, x=(1, 5))             # -2 is not in (1, 5): the end nearest 0
    assert outside.values["x"] == 1.0
    fresh = bp.explore("(x + y) * z", x=(-5, 5))   # no forward yet: 0, as before
    assert fresh.values["x"] == 0.0


def test_the_step_stays_between_start_and_full_picture_however_it_is_set():
    w = bp.explore("x*y + z", x=1, y=2, z=3)
    w.step = -1                                    # as the page could send it
    assert w.step == 0 and w.caption.startswith("Backward starts at the output")
    w.step = 99
    assert w.step == w.step_count + 1 == 3 and w.caption.startswith("All 2 gates visited")
    for bad in ("a", 1.5):
        with pytest.raises(TypeError, match=r"go\(position\) takes a whole number"):
            w.go(bad)
    with pytest.raises(TypeError, match="slider x takes a number, got str 'abc'"):
        w.sliders["x"].value = "abc"


def test_exploring_a_graph_too_big_to_draw_says_so_without_promising_a_picture():
    """The widget carries the refusal (tests/test_limits.py); its message must not say
    'the picture keeps the last values that worked' when there never was a picture."""
    big = " + ".join(f"x*{i}" for i in range(1, 200))
    w = bp.explore(big, x=1)
    assert w.message.startswith("Could not draw: this graph is too big to draw")
    assert "keeps the last values" not in w.message and "change an input" not in w.message


def test_the_nudge_of_an_array_output_says_why_and_keeps_the_step_through():
    W, x = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
    g = bp.parse("W @ x")
    g.forward(W=W, x=x)
    g.backward(np.ones(2))
    with pytest.raises(ValueError, match=r"one output number; this graph's output has shape \(2,\)"):
        bp.nudge(g, "W", 0.1, entry=(0, 0))
    assert g.backward_done                         # the gradients are still there
    w = bp.explore("W @ x", W=W, x=x)
    w.nudge_on = True
    assert "output has shape (2,)" in w.nudge_text
    w.go(0)
    assert w.caption.startswith("Backward starts at the output") and w.message == ""


def test_explorer_writes_every_number_with_the_places_asked_for():
    """explore(..., decimals=4): the picture, the table and the captions all give four
    places (the page with no kernel reads the picture's decimals too). Numbers by hand:
    the output is sigmoid(1), and each gradient is sigmoid'(1) times the other input."""
    s = 1 / (1 + math.exp(-1))
    slope = s * (1 - s)
    w = bp.explore(SIGMOID, decimals=4, **LECTURE)
    assert w.error == "" and w.picture["decimals"] == 4
    table = w.table
    assert f"<b>{s:.4f}</b>" in table
    for name, other in (("w0", -1), ("x0", 2), ("w1", -2), ("x1", -3)):
        assert re.search(rf"<b>{name}</b>.*?>{slope * other:.4f}</span>", table), name
    assert edge_numbers(w.svg)["out"] == [f"{s:.4f}", "1.0000"]
    w.go(3)
    assert w.caption.endswith(f"exp: local e^-1 = {math.exp(-1):.4f} × upstream "
                              f"{-1 / (1 + math.exp(-1)) ** 2:.4f} = {-slope:.4f}")
    with pytest.raises(ValueError, match="decimals must be a whole number from 0 to 6"):
        bp.explore(SIGMOID, decimals=9, **LECTURE)


@pytest.mark.parametrize("places", [3, 5, 6])
def test_more_places_never_mean_fewer_digits(places):
    """At 5 and 6 places, -0.2 was written -2.0e-01 and the lecture's output -12.4
    -1.2e+01 (8 characters were the limit): less than the default 2 places show. Now
    the cells widen and every number keeps its places, in the picture, the table and
    the captions alike; the caption's numbers are the edges'."""
    for x in (-0.2, -12.4, -1234.5, 12345.6):      # as many digits as at 2 places, or more
        assert bp.render.dot.format_number(x, places) == f"{x:.{places}f}"
    w = bp.explore("(x + y) * z", decimals=places, x=-2, y=5, z=-4)
    numbers = edge_numbers(w.svg)
    assert numbers["out"] == [f"{-12:.{places}f}", f"{1:.{places}f}"]
    shown = {text for pair in numbers.values() for text in pair}
    assert {f"{v:.{places}f}" for v in (-2, 5, 3, -4)} <= shown      # x + y = 3, dz = 3
    assert f"<b>{-12:.{places}f}</b>" in w.table
    w.go(1)                              # the * gate: dz = x + y = 3, d(x + y) = z = -4
    assert f"upstream {1:.{places}f}" in w.caption
    for v in (3, -4):
        assert f"= {v:.{places}f}" in w.caption and f"{v:.{places}f}" in shown
    w.go(0)
    assert f"df/df = {1:.{places}f}." in w.caption


def test_few_places_keep_two_in_the_captions():
    """decimals=0: the picture writes whole numbers (and 0.73 as 7.3e-01, since '1'
    would hide it); the captions keep the lecture's two places, so their arithmetic
    can still be checked."""
    w = bp.explore(SIGMOID, decimals=0, **LECTURE)
    assert edge_numbers(w.svg)["out"] == ["7.3e-01", "1"]
    w.go(1)
    assert w.caption == ("Step 1 of 8: 1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53")
    w.go(0)
    assert "df/df = 1.00." in w.caption


def test_an_array_output_says_its_gradients_are_those_of_the_sum_of_its_entries():
    """w=[-5, 5, -1] (a list where lesson 03 writes a range tuple) makes the output an
    array; its gradients are d sum(output) / d input, and the table now says so."""
    g = bp.parse("2 * (x*y + max(z, w))")
    w = bp.explore(g, x=3, y=-4, z=2, w=[-5, 5, -1])
    assert "output shape (3,): the gradients below are of the sum of its entries" in w.table
    truth = bp.parse("sum(2 * (x*y + max(z, w)))")
    truth.forward(x=3, y=-4, z=2, w=np.array([-5.0, 5.0, -1.0]))
    assert truth.backward()["x"] == -24.0 and "-24.00" in w.table
    assert "sum of its entries" not in bp.explore(g, x=3, y=-4, z=2, w=(-5, 5, -1)).table
