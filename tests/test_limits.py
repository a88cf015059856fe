"""No graph hangs: a picture too big to lay out in a few seconds is refused before layout,
and a layout that still runs long is stopped.

The graph of issue 10, x*y + sum over i < 400 of tanh(x * 0.01 i + y), has about 2,000
nodes; Graphviz had not laid it out after 100 s.
"""

import re
import struct
import subprocess
import sys
import time

import pytest

import bpwidgets as bp
from bpwidgets.render import engine, files, limits

TERMS = 400
BIG = "x*y + " + " + ".join(f"tanh(x*{0.01 * i:.2f} + y)" for i in range(TERMS))


def issue_graph(terms=TERMS):
    x, y = bp.inputs("x y")
    f = x * y
    for i in range(terms):
        f = f + bp.tanh(x * (0.01 * i) + y)
    graph = bp.Graph(f)
    graph.forward(x=0.5, y=-0.3)
    graph.backward()
    return graph


@pytest.fixture
def no_layout(monkeypatch):
    """Fail the test if Graphviz is asked to lay anything out."""
    def refuse(*args, **kwargs):
        raise AssertionError("Graphviz was asked to lay out the graph")
    monkeypatch.setattr(engine, "_in_process", refuse)
    monkeypatch.setattr(engine, "_child", refuse)


# ---- the size, counted by hand on small graphs --------------------------------------------

def test_a_chain_has_no_bends_and_counts_its_nodes_and_edges():
    x = bp.inputs("x")
    graph = bp.Graph(bp.tanh(bp.exp(x)))          # x -> exp -> tanh
    assert limits.measure(graph) == limits.LayoutSize(nodes=3, edges=2, bends=0,
                                                      busiest="x", uses=1)


def test_an_input_read_by_gates_in_different_columns_bends_its_long_edges():
    # f = x + exp(exp(x)): x feeds the add (column -1) and the first exp (column -3).
    # Its edge to the add skips two columns, each drawn as two (value label node in
    # between), so it bends 2 * (3 - 1) = 4 times.
    x = bp.inputs("x")
    graph = bp.Graph(x + bp.exp(bp.exp(x)))
    size = limits.measure(graph)
    assert (size.nodes, size.edges, size.bends, size.busiest, size.uses) == (4, 4, 4, "x", 2)


def test_folded_constants_are_not_counted():
    x = bp.inputs("x")
    graph = bp.Graph(1 / (1 + bp.exp(-x)))       # drawn: x, *-1, exp, +1, 1/x
    assert limits.measure(graph)[:3] == (5, 4, 0)


def test_the_issue_graph_is_far_above_the_limit_and_the_lessons_graphs_far_below():
    size = limits.measure(issue_graph())
    assert (size.busiest, size.uses) == ("x", TERMS + 1)
    assert limits.total(size) > 50 * limits.DRAW_LIMIT
    sigmoid = bp.parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    assert limits.total(limits.measure(sigmoid)) < limits.IN_PROCESS_LIMIT / 10


# ---- refused before layout, in seconds -------------------------------------------------------

def test_show_refuses_the_issue_graph_before_layout_and_says_what_to_do(no_layout):
    graph = issue_graph()
    start = time.perf_counter()
    with pytest.raises(bp.GraphTooBig) as error:
        bp.show(graph)
    assert time.perf_counter() - start < 5
    message = str(error.value)
    assert "too big to draw: 1,603 nodes and 2,402 edges" in message
    assert "x alone is used 401 times" in message
    assert f"draws up to {limits.DRAW_LIMIT:,}" in message
    assert "Draw a smaller piece" in message and "with arrays" in message
    assert "\n" not in message


def test_every_way_to_a_picture_refuses_it_before_layout(no_layout):
    graph = issue_graph()
    start = time.perf_counter()
    for attempt in (lambda: bp.render.to_svg(graph), lambda: bp.render.to_png(graph),
                    lambda: bp.SvgTemplate.from_graph(graph),
                    lambda: bp.draw(graph).pipe("svg"),
                    lambda: bp.draw(graph)._repr_mimebundle_()):   # a notebook showing it
        with pytest.raises(bp.GraphTooBig, match="too big to draw"):
            attempt()
    assert time.perf_counter() - start < 10
    assert isinstance(bp.draw(graph), __import__("graphviz").Digraph)   # draw itself answers


def test_explore_answers_with_the_refusal_in_the_widget(no_layout):
    start = time.perf_counter()
    explorer = bp.explore(issue_graph())
    assert time.perf_counter() - start < 10
    assert explorer.error.startswith("GraphTooBig: this graph is too big to draw")
    explorer.sliders["x"].value = 1.0                 # moving a slider says it again
    assert explorer.error.startswith("GraphTooBig: this graph is too big to draw")


def test_the_command_line_refuses_it_in_one_line(tmp_path):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "render", BIG, "x=0.5", "y=-0.3",
                           "-o", str(tmp_path / "big.svg")], capture_output=True, text=True,
                          timeout=60)
    assert time.perf_counter() - start < 30
    assert done.returncode == 1
    assert done.stderr.startswith("bpwidgets: error: this graph is too big to draw: 1,603 nodes")
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "big.svg").exists()


# ---- between the limits: a child process that is stopped if it runs long -------------------

def test_a_mid_sized_graph_is_laid_out_in_a_child_process(monkeypatch):
    graph = issue_graph(terms=25)               # 128 nodes, many long edges from x and y
    size = limits.total(limits.measure(graph))
    assert limits.IN_PROCESS_LIMIT < size <= limits.DRAW_LIMIT
    monkeypatch.setattr(engine, "_in_process", lambda *a: pytest.fail("laid out in process"))
    svg = bp.render.to_svg(graph)
    assert svg.count('class="node"') > 100


def test_a_layout_that_runs_long_is_stopped(monkeypatch):
    monkeypatch.setattr(engine, "LAYOUT_TIMEOUT", 1.0)
    monkeypatch.setattr(engine, "CHILD", "import time; time.sleep(60)")  # a layout that hangs
    start = time.perf_counter()
    with pytest.raises(bp.GraphTooBig, match="did not finish laying out this graph within 1 s"):
        bp.render.to_svg(issue_graph(terms=25))
    assert time.perf_counter() - start < 10


# ---- a PNG is a bitmap: a big picture is scaled down to a pixel cap --------------------------

def png_size(png):
    """(width, height) in pixels, read from the PNG's header (the IHDR chunk)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def svg_points(svg):
    """(width, height) of an SVG in points, as Graphviz writes them."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return float(match.group(1)), float(match.group(2))


def tanh_chain(length):
    """x -> tanh -> tanh -> ...: a long, low picture."""
    f = bp.inputs("x")
    for _ in range(length):
        f = bp.tanh(f)
    graph = bp.Graph(f)
    graph.forward(x=0.5)
    graph.backward()
    return graph


def sum_tree(count):
    """a0 + a1, a2 + a3, ... summed pairwise: a tall picture."""
    terms = list(bp.inputs(" ".join(f"a{i}" for i in range(count))))
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] for i in range(0, len(terms), 2)]
    graph = bp.Graph(terms[0])
    graph.forward(**{f"a{i}": 0.5 for i in range(count)})
    graph.backward()
    return graph


def sigmoid():
    graph = bp.parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    graph.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    graph.backward()
    return graph


PNG_WAYS = {"to_png at 144 dpi": (144, lambda graph: bp.render.to_png(graph)),
            "bp.show at 96 dpi": (96, lambda graph: bp.show(graph).png)}


@pytest.mark.parametrize("way", PNG_WAYS)
@pytest.mark.parametrize("big", [lambda: tanh_chain(60), lambda: sum_tree(128)],
                         ids=["wide", "tall"])
def test_a_png_bigger_than_the_pixel_cap_is_scaled_down_to_fit(way, big):
    """At 144 dpi the 400 squares a_i * a_i were 32,767 x 5,989 px (Cairo's own limit)
    and took longer than the layout time limit to draw. A picture bigger than
    PNG_MAX_PIXELS is scaled down, keeping its shape; a small one is the PNG Graphviz
    draws from the DOT with no cap at all, byte for byte."""
    dpi, make_png = PNG_WAYS[way]
    most_wide, most_high = files.PNG_MAX_PIXELS
    assert most_wide * most_high <= 16_000_000
    graph = big()
    width_pt, height_pt = svg_points(bp.render.to_svg(graph))
    natural = (width_pt * dpi / 72, height_pt * dpi / 72)      # pixels, were it not capped
    assert natural[0] > most_wide or natural[1] > most_high
    width, height = png_size(make_png(graph))
    assert width <= most_wide and height <= most_high
    scale = min(most_wide / natural[0], most_high / natural[1])
    assert abs(width - scale * natural[0]) <= 2 and abs(height - scale * natural[1]) <= 2

    small = sigmoid()
    dot = bp.draw(small)
    dot.graph_attr["dpi"] = str(dpi)
    uncapped = engine.render(dot.source, "png", dot.layout_size)
    assert make_png(small) == uncapped
    assert png_size(uncapped) == (round(svg_points(bp.render.to_svg(small))[0] * dpi / 72),
                                  round(svg_points(bp.render.to_svg(small))[1] * dpi / 72))
