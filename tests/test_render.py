"""Pictures: the lecture's numbers on the right edges, folding, escaping, the template.

Edges are found by their stable ids: the label node of the edge into input slot i of
node n<k> is ``e<k>_i``; the output's label is ``out``. The lecture's numbers come from
shared/LESSONS.md (two decimals, as the lecture prints them).
"""

import base64
import html
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.render import SvgTemplate, dot_svg, format_number, to_png, to_svg
from bpwidgets.render import dot as dotmod
from bpwidgets.render import engine

SVG = "{http://www.w3.org/2000/svg}"
SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
SIGMOID_AT = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


# ---- helpers ----------------------------------------------------------------------

def groups(svg):
    """{id: [(text, fill colour, y), ...]} for every node group of the SVG (parsed as
    XML, so entities such as &#45; are already unescaped)."""
    root = ET.fromstring(svg)
    found = {}
    for g in root.iter(SVG + "g"):
        if g.get("class", "").startswith("node"):
            found[g.get("id")] = [(t.text or "", t.get("fill"), float(t.get("y")))
                                  for t in g.iter(SVG + "text")]
    return found


def texts(svg, node_id):
    """The texts of one label node, top to bottom."""
    return [text for text, _, _ in sorted(groups(svg)[node_id], key=lambda t: t[2])]


def sigmoid(backward=True):
    g = bp.parse(SIGMOID)
    g.forward(**SIGMOID_AT)
    if backward:
        g.backward()
    return g


def gate(graph, name, nth=0):
    return [n for n in graph.gates() if n.gate.name == name][nth]


def into(graph, target, source):
    """The id of the label node on the edge source -> target."""
    for edge in graph.edges:
        if edge.target is target and edge.source is source:
            return f"e{graph.index[target]}_{edge.index}"
    raise AssertionError("no such edge")


# ---- the lecture's sigmoid example --------------------------------------------------

def test_sigmoid_edges_show_the_lecture_numbers():
    g = sigmoid()
    svg = to_svg(g)
    w = g.inputs
    mul0, mul1 = gate(g, "mul", 0), gate(g, "mul", 1)
    add0, add1 = gate(g, "add", 0), gate(g, "add", 1)
    neg, exp, plus1, div = gate(g, "neg"), gate(g, "exp"), gate(g, "add", 2), gate(g, "div")
    # (edge, value above the line, gradient below it), as on the lecture's slide
    lecture = [
        (into(g, mul0, w["w0"]), "2.00", "-0.20"), (into(g, mul0, w["x0"]), "-1.00", "0.39"),
        (into(g, mul1, w["w1"]), "-3.00", "-0.39"), (into(g, mul1, w["x1"]), "-2.00", "-0.59"),
        (into(g, add0, mul0), "-2.00", "0.20"), (into(g, add0, mul1), "6.00", "0.20"),
        (into(g, add1, add0), "4.00", "0.20"), (into(g, add1, w["w2"]), "-3.00", "0.20"),
        (into(g, neg, add1), "1.00", "0.20"), (into(g, exp, neg), "-1.00", "-0.20"),
        (into(g, plus1, exp), "0.37", "-0.53"), (into(g, div, plus1), "1.37", "-0.53"),
        ("out", "0.73", "1.00"),
    ]
    for edge_id, value, grad in lecture:
        assert texts(svg, edge_id) == [value, grad], edge_id


def test_values_are_green_and_gradients_red_or_orange_by_sign():
    g = sigmoid()
    found = groups(to_svg(g))
    exp, plus1 = gate(g, "exp"), gate(g, "add", 2)
    value, grad = sorted(found[into(g, plus1, exp)], key=lambda t: t[2])
    assert value[1] == dotmod.VALUE_COLOUR
    assert grad[0] == "-0.53" and grad[1] == dotmod.NEGATIVE_COLOUR
    x0_grad = sorted(found[into(g, gate(g, "mul"), g.inputs["x0"])], key=lambda t: t[2])[1]
    assert x0_grad[0] == "0.39" and x0_grad[1] == dotmod.POSITIVE_COLOUR


def test_sigmoid_gates_read_like_the_lecture_and_constants_are_folded():
    g = sigmoid()
    found = groups(to_svg(g))
    symbols = [found[g.node_id(n)][0][0] for n in g.gates() if g.node_id(n) in found]
    assert symbols == ["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"]
    constants = [n for n in g.nodes if n.kind == "constant"]
    assert constants and all(g.node_id(n) not in found for n in constants)
    # the names of the inputs, as plain text on the left
    assert [found[g.node_id(n)][0][0] for n in g.inputs.values()] == list(g.inputs)


@pytest.mark.parametrize("expression, symbol", [
    ("x - 2", "-2"), ("2 * x", "*2"), ("x / 4", "/4"), ("3 - x", "3-x"),
    ("x * -1", "*-1"), ("1 / x", "1/x"), ("x + 0.5", "+0.5"), ("-x", "*-1"), ("x ** 2", "^2"),
])
def test_constants_fold_into_the_gate_symbol(expression, symbol):
    g = bp.parse(expression)
    g.forward(x=2.0)
    g.backward()
    found = groups(to_svg(g))
    assert found[g.node_id(g.output)][0][0] == symbol
    assert not any(g.node_id(n) in found for n in g.nodes if n.kind == "constant")


def test_a_constant_that_cannot_fold_is_a_small_node_with_its_number():
    g = bp.parse("max(x, 0)")
    g.forward(x=-2.0)
    g.backward()
    found = groups(to_svg(g))
    zero = next(n for n in g.nodes if n.kind == "constant")
    assert found[g.node_id(zero)][0][0] == "0"
    # max routes: the winner (the constant 0) gets the gradient, x gets 0.00 in grey
    x_label = sorted(found[into(g, g.output, g.inputs["x"])], key=lambda t: t[2])
    assert [t[0] for t in x_label] == ["-2.00", "0.00"]
    assert x_label[1][1] == dotmod.ZERO_COLOUR


# ---- fan-out, arrays --------------------------------------------------------------------

def test_fan_out_edges_show_their_own_share_and_the_input_its_total():
    g = bp.parse("x*x + x")
    g.forward(x=3)
    g.backward()
    svg = to_svg(g)
    mul, add = gate(g, "mul"), gate(g, "add")
    x = g.inputs["x"]
    # d(x*x)/dx splits into x and x along the two edges (3 each), d(+x)/dx = 1
    assert texts(svg, f"e{g.index[mul]}_0") == ["3.00", "3.00"]
    assert texts(svg, f"e{g.index[mul]}_1") == ["3.00", "3.00"]
    assert texts(svg, into(g, add, x)) == ["3.00", "1.00"]
    # the total near the name: 2x + 1 = 7 by hand
    assert texts(svg, g.node_id(x)) == ["x", "total", "7.00"]


def test_small_arrays_are_drawn_as_matrices_with_their_shape():
    g = bp.parse("sum((W @ x)**2)")
    g.forward(W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    g.backward()
    svg = to_svg(g)
    matmul = gate(g, "matmul")
    # lesson 04: grad W = 2 q x^T = [[0.088, 0.176], [0.104, 0.208]], grad x = [-0.112, 0.636]
    assert texts(svg, into(g, matmul, g.inputs["W"])) == [
        "(2, 2)", "0.10", "0.50", "-0.30", "0.80", "0.09", "0.18", "0.10", "0.21"]
    assert texts(svg, into(g, matmul, g.inputs["x"])) == [
        "(2,)", "0.20", "0.40", "-0.11", "0.64"]
    # q = W x = [0.22, 0.26], grad q = 2q = [0.44, 0.52]; f = 0.116
    assert texts(svg, into(g, gate(g, "pow"), matmul)) == ["(2,)", "0.22", "0.26", "0.44", "0.52"]
    assert texts(svg, "out") == ["0.12", "1.00"]


def line_and_ends(svg, label_id):
    """(leftmost x, rightmost x) of the black line drawn in a label, and where the edge
    coming in ends and the edge going out starts (x of the first/last path point)."""
    root = ET.fromstring(svg)
    by_id = {g.get("id"): g for g in root.iter(SVG + "g")}
    xs = [float(point.split(",")[0]) for polygon in by_id[label_id].iter(SVG + "polygon")
          if polygon.get("fill") == "black" for point in polygon.get("points").split()]
    numbers = [re.findall(r"-?[\d.]+", next(by_id[label_id + end].iter(SVG + "path")).get("d"))
               for end in ("_in", "_out")]
    return min(xs), max(xs), float(numbers[0][-2]), float(numbers[1][0])


@pytest.mark.parametrize("expression, values", [
    ("sum(relu(W @ x + b))", dict(W=np.ones((2, 3)), x=np.ones(3), b=np.ones(2))),
    ("sum(W @ x)", dict(W=np.ones((2, 2)), x=np.ones(2))),
    (SIGMOID, SIGMOID_AT)])
def test_every_edge_runs_unbroken_through_its_label(expression, values):
    """The edge comes into a label's line at its left end and leaves at its right end,
    with no gap: a vector's label beside a wider matrix's (x's beside W's) is narrower
    than its column of the picture, where Graphviz ends the edges a point further out."""
    g = bp.parse(expression)
    g.forward(**values)
    g.backward()
    svg = to_svg(g)
    labels = [into(g, edge.target, edge.source) for edge in g.edges]
    drawn = [label for label in labels if f'id="{label}"' in svg]   # (folded: no label)
    assert len(drawn) >= len(labels) - 2 and drawn
    for label in drawn + ["out"]:
        left, right, comes_in, goes_out = line_and_ends(svg, label)
        assert left <= comes_in + 0.01 and goes_out <= right + 0.01, (label, left, right,
                                                                       comes_in, goes_out)


def test_big_arrays_are_drawn_by_shape():
    g = bp.parse("sum(A * B)")
    g.forward(A=np.ones((64, 3)), B=np.full((64, 3), 2.0))
    g.backward()
    svg = to_svg(g)
    assert texts(svg, into(g, gate(g, "mul"), g.inputs["A"])) == ["(64, 3)"]
    assert texts(svg, "out") == ["384.00", "1.00"]


# ---- numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("number, text", [
    (0.7310585786, "0.73"), (-0.5344, "-0.53"), (0.0, "0.00"), (-0.0, "0.00"),
    (123456.0, "1.2e+05"), (0.00031, "3.1e-04"), (-1234.5678, "-1234.57"),
    (99999.0, "99999.00"), (100000.0, "1.0e+05"), (0.004, "4.0e-03"),
    (-2.5e-300, "-2e-300"), (1e100, "1.0e+100"),
])
def test_format_number(number, text):
    assert format_number(number) == text


def test_format_number_is_short_and_close_for_any_magnitude():
    rng = np.random.default_rng(0)
    for x in rng.standard_normal(2000) * 10.0 ** rng.integers(-12, 12, 2000):
        text = format_number(x)
        assert len(text) <= 8, text
        assert abs(float(text) - x) <= max(0.005, 0.06 * abs(x)), (x, text)


def test_before_forward_no_numbers_before_backward_values_only():
    g = bp.parse(SIGMOID)
    svg = to_svg(g)
    assert texts(svg, "out") == ["?"]
    g.forward(**SIGMOID_AT)
    svg = to_svg(g)
    assert texts(svg, "out") == ["0.73"]
    assert texts(svg, into(g, gate(g, "exp"), gate(g, "neg"))) == ["-1.00"]


def test_step_through_shows_gradients_only_into_visited_gates_and_highlights():
    g = sigmoid()
    div, plus1, exp = gate(g, "div"), gate(g, "add", 2), gate(g, "exp")
    svg = to_svg(g, visited={div}, highlight=plus1)
    assert texts(svg, into(g, div, plus1)) == ["1.37", "-0.53"]     # 1/x visited
    assert texts(svg, into(g, plus1, exp)) == ["0.37"]              # +1 not yet
    root = ET.fromstring(svg)
    fills = {g_.get("id"): e.get("fill") for g_ in root.iter(SVG + "g")
             for e in g_.iter(SVG + "ellipse")}
    assert fills[g.node_id(plus1)] == dotmod.HIGHLIGHT_FILL
    assert fills[g.node_id(div)] == "white"


def test_show_local_adds_the_local_gradient():
    g = sigmoid()
    svg = to_svg(g, show_local=True)
    exp, neg, plus1, div = gate(g, "exp"), gate(g, "neg"), gate(g, "add", 2), gate(g, "div")
    # exp: local e^-1 = 0.37; 1/x: local -1/1.37^2 = -0.53; *-1: local -1
    assert texts(svg, into(g, exp, neg)) == ["-1.00", "-0.20", "local", "0.37"]
    assert texts(svg, into(g, div, plus1)) == ["1.37", "-0.53", "local", "-0.53"]
    assert texts(svg, into(g, neg, gate(g, "add", 1))) == ["1.00", "0.20", "local", "-1.00"]
    # mul swaps: the local gradient of x0 is w0 = 2
    assert texts(svg, into(g, gate(g, "mul"), g.inputs["x0"])) == ["-1.00", "0.39", "local", "2.00"]


def test_local_gradients_sit_under_the_edge_and_keep_the_picture_as_wide():
    """A notebook column is narrow: the local gradient goes under its edge's gradient,
    with its caption on a row of its own, not in columns beside it (which made the
    sigmoid graph half as wide again and the explorer scroll sideways)."""
    g = sigmoid()
    size = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
    plain = [float(n) for n in size.search(to_svg(g)).groups()]
    local = [float(n) for n in size.search(to_svg(g, show_local=True)).groups()]
    assert local[0] == plain[0] and local[1] > plain[1]
    # in each edge label, the caption and the local gradient are centred under the
    # gradient: the same x for all three
    exp, neg = gate(g, "exp"), gate(g, "neg")
    label = re.search(r'<g id="%s" class="node">(.*?)</g>' % into(g, exp, neg),
                      to_svg(g, show_local=True), re.S).group(1)
    xs = {float(x) for x in re.findall(r'<text[^>]* x="([\d.]+)"', label)}
    assert len(xs) == 1


def input_heights(graph, svg):
    """{input name: y of its name in the SVG}: smaller is higher up."""
    found = groups(svg)
    return {name: found[graph.node_id(node)][0][2] for name, node in graph.inputs.items()}


@pytest.mark.parametrize("expression, values, order", [
    (SIGMOID, SIGMOID_AT, ["w0", "x0", "w1", "x1"]),      # as the lecture draws it
    ("2*(x*y + max(z, w))", dict(x=3, y=-4, z=2, w=-1), ["x", "y", "z", "w"]),
    ("a - b*c", dict(a=1, b=2, c=3), ["b", "c"]),
])
def test_a_gates_named_inputs_are_drawn_in_the_formulas_order(expression, values, order):
    """Graphviz drew w1*x1 with x1 above w1 and max(z, w) with w above z; lesson 03 says
    the gradient at a tie goes to z, "the first input of max"."""
    g = bp.parse(expression)
    g.forward(**values)
    g.backward()
    heights = input_heights(g, to_svg(g))
    assert sorted(order, key=heights.get) == order


def test_inputs_used_twice_are_left_for_the_layout_to_order():
    """Forcing the formula's order where an input forks (x*y + x) makes edges cross: there
    the order is the layout's."""
    g = bp.parse("x*y + x")
    source = bp.draw(g).source
    assert "ordering" not in source
    assert 'ordering=in' in bp.draw(bp.parse("x*y + z")).source


# ---- escaping, ids, errors ------------------------------------------------------------------

class Tagged(bp.Gate):
    """A learner's gate whose symbol is hostile markup."""
    symbol, arity, elementwise = '<b>&"x\'</b>', 1, True

    def forward(self, a):
        return 2.0 * a

    def local_gradients(self):
        return (2.0,)


def test_labels_are_escaped_and_the_svg_is_valid_xml():
    name = 'a<b>&"c'
    x = bp.Node(name=name)            # bypasses the name check on purpose
    g = bp.Graph(bp.apply(Tagged(), x) * 3)
    g.forward(**{name: 1.5})
    g.backward()
    svg = to_svg(g, show_local=True)
    found = groups(svg)              # parses: no injected element broke the XML
    assert found[g.node_id(x)][0][0] == name
    assert found[g.node_id(g.nodes[1])][0][0] == '<b>&"x\'</b>'
    assert not list(ET.fromstring(svg).iter(SVG + "b")) and not list(ET.fromstring(svg).iter("b"))
    assert texts(svg, "out") == ["9.00", "1.00"]


def test_ids_are_stable_and_renders_are_deterministic():
    first = to_svg(sigmoid())
    again = to_svg(sigmoid())              # new Graph objects, same expression
    assert first == again
    g = sigmoid()
    ids = set(groups(first))
    drawn = {g.node_id(n) for n in g.nodes if n.kind != "constant"}
    assert drawn <= ids
    assert all(re.fullmatch(r"n\d+|e\d+_\d+|out|end", i) for i in ids)


def test_draw_returns_a_digraph_and_checks_its_arguments():
    import graphviz
    g = sigmoid()
    assert isinstance(bp.draw(g), graphviz.Digraph)
    with pytest.raises(TypeError, match="bp.Graph"):
        bp.draw("x + y")
    with pytest.raises(ValueError, match="highlight"):
        bp.draw(g, highlight=bp.parse("x").output)


def test_with_neither_pygraphviz_nor_dot_one_clear_error_says_what_to_install(monkeypatch,
                                                                             tmp_path):
    g = sigmoid()
    monkeypatch.setitem(sys.modules, "pygraphviz", None)    # import pygraphviz fails
    monkeypatch.setenv("PATH", str(tmp_path))                # no dot anywhere on PATH
    assert engine.describe() == "none"
    for attempt in (lambda: to_svg(g), lambda: to_png(g), lambda: bp.show(g),
                    lambda: SvgTemplate.from_graph(g), lambda: dot_svg(g),
                    lambda: bp.draw(g).pipe("svg")):
        with pytest.raises(bp.GraphvizMissing) as error:
            attempt()
        message = str(error.value)
        assert "\n" not in message
        for command in ('pip install "pygraphviz==2.0.4"', "sudo apt-get install graphviz",
                        "brew install graphviz", "conda install -c conda-forge graphviz"):
            assert command in message
    assert issubclass(bp.GraphvizMissing, RuntimeError)


def test_the_pygraphviz_wheel_draws_in_this_process_without_dot_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert engine.describe().startswith("pygraphviz 2.0.4 (Graphviz ")
    calls = []
    monkeypatch.setattr(engine.subprocess, "run", lambda *a, **k: calls.append(a))
    svg = to_svg(sigmoid())
    assert calls == []                           # no child process for a small graph
    assert texts(svg, "out") == ["0.73", "1.00"]


def test_a_drawing_shown_in_a_notebook_needs_no_dot_on_path(monkeypatch, tmp_path):
    """bp.draw returns a graphviz.Digraph; a notebook shows one through _repr_mimebundle_,
    which would run 'dot' by name: the kit's Digraph lays out with the wheel instead."""
    monkeypatch.setenv("PATH", str(tmp_path))
    drawing = bp.draw(sigmoid())
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert texts(bundle["image/svg+xml"], "out") == ["0.73", "1.00"]
    assert drawing.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawing.pipe(format="svg", encoding="utf-8") == bundle["image/svg+xml"]


def fake_dot(folder, body):
    """A program called ``dot`` in ``folder`` whose Python ``body`` gets the format in
    ``fmt`` and the DOT text in ``source``."""
    path = folder / "dot"
    path.write_text(f"#!{sys.executable}\nimport sys\nfmt = sys.argv[1][2:]\n"
                    f"source = sys.stdin.read()\n{body}\n")
    path.chmod(0o755)
    return path


def test_without_pygraphviz_the_dot_program_on_path_draws(monkeypatch, tmp_path):
    """The fallback runs ``dot -Tsvg`` with the DOT text on stdin and uses what it prints.
    The stand-in ``dot`` lays out with pygraphviz in its own process, so this runs where
    no Graphviz is installed (CI); the real one is tried below where it exists."""
    fake_dot(tmp_path, "import pygraphviz\n"
             "sys.stdout.buffer.write(pygraphviz.AGraph(string=source).draw(format=fmt, "
             "prog='dot'))")
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert engine.describe() == f"dot ({tmp_path / 'dot'})"
    g = sigmoid()
    assert texts(to_svg(g), "out") == ["0.73", "1.00"]
    assert to_png(g)[:8] == b"\x89PNG\r\n\x1a\n"
    assert label_texts(SvgTemplate.from_graph(g).fill(g)) == label_texts(to_svg(g))


@pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz dot program installed")
def test_a_system_graphviz_draws_the_same_numbers(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    g = sigmoid()
    from_dot = to_svg(g)
    monkeypatch.delitem(sys.modules, "pygraphviz")
    assert label_texts(from_dot) == label_texts(to_svg(g))
    assert label_texts(SvgTemplate.from_graph(g).fill(g)) == label_texts(from_dot)


def test_a_failing_dot_program_is_reported(monkeypatch, tmp_path):
    fake_dot(tmp_path, "sys.stderr.write('Error: syntax error in line 1\\n'); sys.exit(1)")
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"Graphviz \(dot\) failed: Error: syntax error"):
        to_svg(sigmoid())


def test_import_and_engine_work_without_the_dot_program(tmp_path):
    code = "import bpwidgets as bp; g = bp.parse('x*y'); g.forward(x=2, y=3); print(g.backward())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'x': 3.0, 'y': 2.0}"


def test_png_is_a_png():
    assert to_png(sigmoid())[:8] == b"\x89PNG\r\n\x1a\n"


# ---- notebook pictures ------------------------------------------------------------------------

def test_picture_repr_is_short_and_holds_the_lecture_numbers():
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)
    g.backward()
    picture = bp.show(g)
    assert repr(picture) == ("<Picture of (x + y) * z: 5 nodes, output -12.00; "
                             "grads x -4.00, y -4.00, z 3.00>")
    assert texts(picture.svg, "out") == ["-12.00", "1.00"]
    bundle = picture._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/png"}
    assert bundle["text/plain"] == repr(picture)
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    page = bundle["text/html"]
    assert page.startswith(dotmod.PICTURE_MARK) and page.endswith(dotmod.PICTURE_END)
    # the image in the HTML is the same SVG, which holds the lecture's numbers
    data = re.search(r"src='data:image/svg\+xml;base64,([^']+)'", page).group(1)
    assert base64.b64decode(data).decode() == picture.svg


def test_a_wide_picture_shrinks_to_the_page_then_scrolls():
    picture = bp.show(sigmoid())
    width = float(re.search(r'<svg width="([\d.]+)pt"', picture.svg).group(1)) * 4 / 3
    assert width > 1000                       # wider than a notebook's output area
    page = picture.html()
    assert "overflow-x:auto" in page
    assert f"max-width:{width:.0f}px" in page
    assert f"min-width:{0.6 * width:.0f}px" in page
    assert "width:100%" in page


def test_the_lessons_sanitize_rules_leave_the_pictures_to_compare():
    """The SVG no longer depends on the machine's fonts (tests/test_fonts.py), so nbval
    compares each picture in full: no rule of lessons/sanitize.cfg touches it."""
    from nbval.plugin import get_sanitize_patterns
    rules = get_sanitize_patterns((Path(__file__).parent.parent / "lessons" / "sanitize.cfg")
                                  .read_text())
    assert rules
    g = sigmoid()
    page = "<p>before</p>\n" + bp.show(g)._repr_mimebundle_()["text/html"] + "\n<p>after</p>"
    out = page
    for regex, replace in rules:
        out = re.sub(regex, replace, out)
    assert out == page


# ---- the template: lay out once, patch numbers in ------------------------------------------------

def strip_numbers(svg):
    """The SVG without its texts and colours: what must not move."""
    svg = re.sub(r">[^<]*</text>", "></text>", svg)
    return re.sub(r'(fill|stroke)="[^"]*"', "", svg)


def label_texts(svg):
    """{id: its non-blank texts, top to bottom} (the template keeps an empty text element
    where a normal render has none)."""
    return {i: [t for t, _, _ in sorted(v, key=lambda t: t[2]) if t]
            for i, v in groups(svg).items()}


def test_template_fill_keeps_every_coordinate_for_any_values():
    g = sigmoid()
    template = SvgTemplate.from_graph(g, show_local=True)
    first = template.fill(g)
    g.forward(w0=-123456.0, x0=0.001, w1=3, x1=2.5, w2=0)
    g.backward()
    second = template.fill(g)
    assert first != second
    assert strip_numbers(first) == strip_numbers(second)


def test_template_fill_shows_what_a_fresh_forward_backward_gives():
    g = sigmoid()
    template = SvgTemplate.from_graph(g)
    g.forward(w0=1, x0=2, w1=-1, x1=0.5, w2=0.25)
    g.backward()
    filled = template.fill(g)
    fresh = dot_svg(g)                         # a normal render of the new numbers
    assert label_texts(filled) == label_texts(fresh)
    # by hand: s = sigmoid(1*2 - 1*0.5 + 0.25) = sigmoid(1.75); ds/dx0 = s(1-s) w0
    s = 1 / (1 + np.exp(-1.75))
    assert label_texts(filled)["out"] == [format_number(s), "1.00"]
    assert label_texts(filled)[into(g, gate(g, "mul"), g.inputs["x0"])] == [
        "2.00", format_number(s * (1 - s) * 1)]


def test_template_lays_out_exactly_like_a_normal_render():
    g = sigmoid()
    shapes = re.compile(r'(?:points|d|cx|cy|rx|ry)="[^"]*"')
    assert shapes.findall(SvgTemplate.from_graph(g).fill(g)) == shapes.findall(dot_svg(g))


def test_template_step_through_and_sign_colours():
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)
    g.backward()
    template = SvgTemplate.from_graph(g)
    mul, add = gate(g, "mul"), gate(g, "add")
    for visited, highlight in [(None, None), ({mul}, add), (set(), mul)]:
        assert label_texts(template.fill(g, visited=visited, highlight=highlight)) == \
            label_texts(dot_svg(g, visited=visited, highlight=highlight))
    x_edge = into(g, add, g.inputs["x"])
    colour = lambda svg: sorted(groups(svg)[x_edge], key=lambda t: t[2])[1][1]
    assert colour(template.fill(g)) == dotmod.NEGATIVE_COLOUR      # dx = z = -4
    g.forward(x=-2, y=5, z=4)
    g.backward()
    assert colour(template.fill(g)) == dotmod.POSITIVE_COLOUR      # dx = z = 4


def test_template_fill_runs_no_graphviz(monkeypatch, tmp_path):
    g = sigmoid()
    template = SvgTemplate.from_graph(g)
    monkeypatch.setenv("PATH", str(tmp_path))     # dot is gone: fill must not need it
    g.forward(w0=1, x0=1, w1=1, x1=1, w2=1)
    g.backward()
    assert label_texts(template.fill(g))["out"] == [format_number(1 / (1 + np.exp(-3))), "1.00"]


def test_template_refuses_changed_shapes_and_other_graphs():
    g = bp.parse("sum(x * 2)")
    g.forward(x=[1.0, 2.0])
    g.backward()
    template = SvgTemplate.from_graph(g)
    assert template.fits(g)
    g.forward(x=[1.0, 2.0, 3.0])
    g.backward()
    assert not template.fits(g)
    with pytest.raises(ValueError, match="changed shape"):
        template.fill(g)
    with pytest.raises(ValueError, match="another graph"):
        template.fill(bp.parse("sum(x * 2)"))


def test_show_local_with_broadcasting_shows_what_fits_the_edge():
    g = bp.parse("sum(b * W)")
    g.forward(b=2.0, W=[[1.0, -1.0], [0.5, 3.0]])
    g.backward()
    svg = to_svg(g, show_local=True)
    mul = gate(g, "mul")
    # W's local gradient is b (broadcast to every entry); b's is W itself, a 2x2 Jacobian
    # row that does not fit b's single cell, so b's label has no local row (it had a
    # 'local' caption over a blank cell).
    assert texts(svg, into(g, mul, g.inputs["W"])) == [
        "(2, 2)", "1.00", "-1.00", "0.50", "3.00", "2.00", "2.00", "2.00", "2.00",
        "local", "2.00", "2.00", "2.00", "2.00"]
    assert texts(svg, into(g, mul, g.inputs["b"])) == ["2.00", "3.50"]


def test_array_labels_keep_their_shape_over_their_numbers_and_local_rows_where_drawn():
    """sum(tanh(W @ x + b)) with show_local put b's '(3,)' about 250 px above its numbers,
    under another edge's local gradients, and wrote 'local' over nothing on the edges into
    @ and Σ, whose local gradients are Jacobians nobody draws. By hand: tanh's local
    gradient is 1 - tanh(u)^2, add's is 1."""
    W, x, b = np.array([[0.5, -1.0], [0.3, 0.8], [-0.2, 0.1]]), np.array([1.0, 2.0]), \
        np.array([0.1, -0.2, 0.4])
    g = bp.parse("sum(tanh(W @ x + b))")
    g.forward(W=W, x=x, b=b)
    g.backward()
    svg = to_svg(g, show_local=True)
    matmul, add, tanh, total = (gate(g, name) for name in ("matmul", "add", "tanh", "sum"))
    for edge in (into(g, matmul, g.inputs["W"]), into(g, matmul, g.inputs["x"]),
                 into(g, total, tanh)):
        assert "local" not in texts(svg, edge), edge
    u = W @ x + b
    local = [format_number(v) for v in 1 - np.tanh(u) ** 2]      # x upstream 1 from Σ
    assert texts(svg, into(g, tanh, add)) == (
        ["(3,)"] + [format_number(v) for v in u] + local + ["local"] + local)
    assert texts(svg, into(g, add, g.inputs["b"]))[-4:] == ["local", "1.00", "1.00", "1.00"]
    # the shape caption is the row right above the first value: one line apart
    for edge in (into(g, add, g.inputs["b"]), into(g, matmul, g.inputs["W"])):
        rows = sorted(groups(svg)[edge], key=lambda t: t[2])
        assert rows[0][0] in ("(3,)", "(3, 2)")
        top, first, second = sorted({y for _, _, y in rows})[:3]
        assert first - top < 1.5 * (second - first), edge


def test_a_matrix_column_shares_one_number_format():
    """0.02 next to 0.0067 (which needs 6.7e-03) is written 2.0e-02: one format per array,
    in the picture and the template alike."""
    g = bp.parse("sum(x * y)")
    g.forward(x=[0.02, 0.0067], y=[1.0, 2.0])
    g.backward()
    mul = next(node for node in g.gates() if node.gate.name == "mul")
    x_edge, y_edge = (f"e{g.index[mul]}_{i}" for i in (0, 1))
    for svg in (to_svg(g), SvgTemplate.from_graph(g).fill(g)):
        x_texts = [t for t in map(html.unescape, texts(svg, x_edge)) if t.strip()]
        y_texts = [t for t in map(html.unescape, texts(svg, y_edge)) if t.strip()]
        assert x_texts[-4:] == ["2.0e-02", "6.7e-03", "1.00", "2.00"]   # values, gradients
        assert y_texts[-4:] == ["1.00", "2.00", "2.0e-02", "6.7e-03"]


# ---- arguments: errors that say what to pass ---------------------------------------------------

@pytest.mark.parametrize("decimals, error", [
    (-1, ValueError), (7, ValueError), (20, ValueError),
    (None, TypeError), (2.5, TypeError), ("2", TypeError), (True, TypeError)])
def test_decimals_must_be_a_whole_number_from_0_to_6(decimals, error):
    g = sigmoid()
    message = rf"^decimals must be a whole number from 0 to 6 .*, got {re.escape(repr(decimals))}$"
    for attempt in (lambda: bp.show(g, decimals=decimals), lambda: to_svg(g, decimals=decimals),
                    lambda: to_png(g, decimals=decimals), lambda: bp.draw(g, decimals=decimals),
                    lambda: SvgTemplate.from_graph(g, decimals=decimals)):
        with pytest.raises(error, match=message):
            attempt()


def test_decimals_as_a_whole_float_reads_as_that_number():
    """decimals=3.0 was refused while epochs=1e3 and seed=1.0 were taken: a whole float
    means its number everywhere."""
    g = sigmoid()
    assert to_svg(g, decimals=3.0) == to_svg(g, decimals=3) != to_svg(g)
    assert [s.caption for s in bp.backward_steps(g, decimals=np.float64(4.0))] == \
        [s.caption for s in bp.backward_steps(g, decimals=4)]


def test_six_decimals_is_the_most_an_eight_character_number_holds():
    """0.000000 is 8 characters, what a number cell holds (labels.MAX_CHARS): six places
    still show fixed-point numbers; a seventh would fit no number at all."""
    g = bp.parse("x * y")
    g.forward(x=0.5, y=0.0)
    g.backward()
    mul = g.output
    svg = to_svg(g, decimals=6)
    assert texts(svg, into(g, mul, g.inputs["x"])) == ["0.500000", "0.000000"]   # dx = y = 0
    assert texts(svg, "out") == ["0.000000", "1.000000"]
    with pytest.raises(ValueError, match="from 0 to 6"):
        to_svg(g, decimals=7)


def test_visited_must_be_a_collection_of_nodes_not_a_string():
    g = sigmoid()
    template = SvgTemplate.from_graph(g)
    for visited in ("n3", g.output, 5):
        for attempt in (lambda: bp.show(g, visited=visited), lambda: bp.draw(g, visited=visited),
                        lambda: template.fill(g, visited=visited)):
            with pytest.raises(TypeError, match=r"^visited must be a collection of nodes of "
                                                r"this graph.*not a string or one node"):
                attempt()
    div = gate(g, "div")                             # a list of nodes still works
    assert texts(to_svg(g, visited=[div]), into(g, div, gate(g, "add", 2))) == ["1.37", "-0.53"]


def odd_gate(symbol_):
    class Odd(bp.Gate):
        symbol, arity, elementwise = symbol_, 1, True

        def forward(self, a):
            return 2.0 * a

        def local_gradients(self):
            return (2.0,)
    x = bp.inputs("x")
    g = bp.Graph(bp.apply(Odd(), x) * 3)
    g.forward(x=1.5)
    g.backward()
    return g


@pytest.mark.parametrize("symbol, error, said", [
    (None, TypeError, "None (NoneType)"), (5, TypeError, "5 (int)"),
    ("s" * 21, ValueError, "21 characters long"),
    ("s" * 1000, ValueError, "1,000 characters long")])
def test_a_gate_symbol_must_be_a_short_string(symbol, error, said):
    """A learner's gate with symbol None crashed deep in the text measuring; one of 1,000
    characters took Graphviz 10 s. Both are refused, naming the gate's class."""
    g = odd_gate(symbol)
    message = (rf"^the gate Odd has a symbol {re.escape(said)}; .*a string of at most 20 "
               r"characters")
    for attempt in (lambda: to_svg(g), lambda: bp.show(g), lambda: bp.backward_steps(g)):
        with pytest.raises(error, match=message):
            attempt()
    if isinstance(symbol, str):                      # 20 characters are drawn, whole
        g = odd_gate(symbol[:20])
        assert groups(to_svg(g))[g.node_id(g.nodes[1])][0][0] == symbol[:20]


def test_a_picture_without_numbers_says_why_and_what_to_run():
    """A picture of a graph that has not run (or whose numbers another run overwrote, or
    whose last backward was for a few inputs) showed '?' or no gradients, and said nothing."""
    g = bp.parse("(x + y) * z")
    fresh = bp.show(g)
    assert repr(fresh).endswith("; no numbers yet (run forward(...) to see them)>")
    assert "no numbers yet (run forward(...) to see them)</div>" in fresh.html()
    g.forward(x=-2, y=5, z=-4)
    assert repr(bp.show(g)).endswith("; no gradients yet (run backward() to see them)>")
    g.backward(wrt=["x"])
    assert "no gradients (the last backward ran with wrt=['x'] only" in repr(bp.show(g))
    g.backward()
    drawn = bp.show(g)
    assert "no " not in repr(drawn) and drawn.note == "" and "color:#555" not in drawn.html()
    # after training, the loss graph's numbers are the runner's: it asks for a forward
    X, y = np.random.default_rng(0).standard_normal((6, 2)), np.arange(6) % 3
    model = bp.nn.MLP([2, 3, 3], seed=0)
    bp.nn.fit(model, X, y, epochs=2)
    assert "no numbers (this graph did run, but another graph that shares nodes with it, " \
           "or a training run (nn.fit), has run since" in repr(bp.show(model.loss_graph()))
    bp.nn.loss_and_gradients(model, X, y)           # a full backward: drawn with gradients
    assert "; grads X array (6, 2)" in repr(bp.show(model.loss_graph(), max_entries=1))
