"""Collapsing the sigmoid's gates into one sigma gate keeps every gradient (lesson 02)."""

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import labels

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
EXACT = {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836, "w2": 0.196612}


def lecture_graph():
    g = bp.parse(SIGMOID)
    g.forward(**LECTURE)
    g.backward()
    return g


def test_find_sigmoids_finds_the_four_gates():
    g = bp.parse(SIGMOID)
    (found,) = bp.find_sigmoids(g)
    assert [labels.gate_label(n)[0] for n in found] == ["*-1", "exp", "+1", "1/x"]
    u = bp.inputs("u")
    assert len(bp.find_sigmoids(bp.Graph((1 + bp.exp(-1 * u)) ** -1))) == 1
    written = bp.parse("1/(exp(u * -1) + 1)")          # -1 is neg(1): it goes inside too
    collapsed = bp.collapse(written, written.output)
    assert [n.kind for n in collapsed.nodes] == ["input", "gate"]
    assert bp.find_sigmoids(bp.parse("1/(2 + exp(-u))")) == []
    # exp(-u) is used twice: collapsing would hide a use, so it is not offered
    e = bp.exp(-u)
    assert bp.find_sigmoids(bp.Graph(1 / (1 + e) + e)) == []


def test_collapsed_sigmoid_keeps_gradients_and_has_local_one_minus_s_times_s():
    g = lecture_graph()
    before = g.backward()
    s = bp.collapse(g, bp.find_sigmoids(g)[0])
    gate = s.output
    assert gate.gate.symbol == "σ" and gate.gate.name == "sigmoid"
    assert s.input_grads() == pytest.approx(before, rel=1e-12)
    assert s.input_grads() == pytest.approx(EXACT, abs=1e-6)
    out = 1 / (1 + np.exp(-1.0))
    assert gate.value == pytest.approx(out, rel=1e-15)
    (local,) = gate.local_gradients
    assert local == pytest.approx((1 - out) * out, rel=1e-12)
    assert local == pytest.approx(0.196612, abs=1e-6)
    # the original graph is untouched
    assert len(g.nodes) == 15 and g.backward() == before
    assert len(s.nodes) == 10


@pytest.mark.parametrize("seed", range(5))
def test_collapse_keeps_gradients_at_random_points(seed):
    values = dict(zip(LECTURE, np.random.default_rng(seed).normal(0, 2, size=5)))
    g = bp.parse(SIGMOID)
    g.forward(**values)
    want = g.backward()
    s = bp.collapse(g, g.output)            # the output of a sigmoid pattern: that pattern
    assert s.input_grads() == pytest.approx(want, rel=1e-10, abs=1e-14)
    assert bp.gradcheck(s, **values).ok


def test_expand_gives_back_the_four_gates():
    g = lecture_graph()
    e = bp.expand(bp.collapse(g, g.output))
    assert [labels.gate_label(n)[0] for n in e.gates()] == \
        [labels.gate_label(n)[0] for n in g.gates()]
    assert e.input_grads() == pytest.approx(g.backward(), rel=1e-15)
    assert [s.caption for s in bp.backward_steps(e)] == \
        [s.caption for s in bp.backward_steps(g)]


def test_collapsed_step_caption_shows_the_sigmoid_local_gradient():
    s = bp.collapse(lecture_graph(), "n14")
    first = bp.backward_steps(s)[0]
    assert first.caption == "σ: local (1-0.73)*0.73 = 0.20 × upstream 1.00 = 0.20"


def test_collapse_any_piece_with_one_output():
    g = lecture_graph()
    ids = {labels.node_texts(g)[n]: g.node_id(n) for n in g.nodes}
    piece = [ids["w0*x0"], ids["w1*x1"], ids["w0*x0 + w1*x1"]]
    f = bp.collapse(g, piece, name="dot")
    assert f.input_grads() == pytest.approx(EXACT, abs=1e-6)
    dot = [n for n in f.gates() if isinstance(n.gate, bp.Collapsed)][0]
    assert dot.gate.symbol == "dot" and [p.name for p in dot.inputs] == ["w0", "x0", "w1", "x1"]
    # the dot gate's local gradients are the mul gates' swaps: d/dw0 = x0, d/dx0 = w0, ...
    assert dot.local_gradients == pytest.approx((-1, 2, -2, -3))


def test_collapse_refuses_pieces_with_two_outputs_or_non_gates():
    g = lecture_graph()
    ids = {labels.node_texts(g)[n]: g.node_id(n) for n in g.nodes}
    with pytest.raises(ValueError, match="used outside"):
        bp.collapse(g, [ids["w0*x0"], ids["w1*x1"]])
    with pytest.raises(ValueError, match="not a gate"):
        bp.collapse(g, [ids["w0"]])
    with pytest.raises(ValueError, match="not the output of a sigmoid"):
        bp.collapse(g, ids["w0*x0"])
    with pytest.raises(ValueError, match="not a node of this graph"):
        bp.collapse(g, ["n99"])
    with pytest.raises(ValueError, match="not a collapsed gate"):
        bp.expand(g, g.output)


def test_collapsed_gate_works_on_arrays_and_two_sigmoids_stay_independent():
    u, v = bp.inputs("u v")
    graph = bp.Graph(1 / (1 + bp.exp(-u)) * (1 / (1 + bp.exp(-v))))
    first, second = bp.find_sigmoids(graph)
    once = bp.collapse(graph, first)
    twice = bp.collapse(once, bp.find_sigmoids(once)[0])
    values = dict(u=np.array([-1.0, 0.5, 3.0]), v=np.array([0.2, -2.0, 1.0]))
    out = twice.forward(**values)
    su, sv = 1 / (1 + np.exp(-values["u"])), 1 / (1 + np.exp(-values["v"]))
    np.testing.assert_allclose(out, su * sv)
    grads = twice.backward(upstream=np.ones(3))
    np.testing.assert_allclose(grads["u"], sv * su * (1 - su))
    np.testing.assert_allclose(grads["v"], su * sv * (1 - sv))
    # running the new graph did not touch the one it was made from
    once.forward(u=0.0, v=0.0)
    twice.backward(upstream=np.ones(3))
    np.testing.assert_allclose(twice.output.value, su * sv)
    assert len(bp.expand(twice).gates()) == len(graph.gates())


def test_a_collapsed_gate_too_long_to_draw_asks_for_a_short_symbol():
    """The name is drawn when no symbol is given; a long one cannot be a gate's label."""
    g = bp.parse("1/(1 + exp(-x))")
    g.forward(x=1.0)
    g.backward()
    nodes = bp.find_sigmoids(g)[0]
    with pytest.raises(ValueError, match=r"collapse: .* at most 20 characters: pass a shorter symbol="):
        bp.collapse(g, nodes, name="a_really_long_collapsed_gate_name")
    short = bp.collapse(g, nodes, name="a_really_long_collapsed_gate_name", symbol="σ2")
    assert "σ2" in bp.show(short).svg


@pytest.mark.parametrize("nodes", [3, None, 2.5])
def test_collapse_names_what_nodes_may_be(nodes):
    """collapse(g, 3) said "'int' object is not iterable"."""
    with pytest.raises(TypeError) as caught:
        bp.collapse(bp.parse("x*y + z"), nodes)
    assert str(caught.value) == ("nodes must be a gate node, its id such as 'n4', or a list "
                                 f"of them, got {nodes!r}")


@pytest.mark.parametrize("call, what", [
    (lambda: bp.find_sigmoids("1/(1 + exp(-x))"), "find_sigmoids"),
    (lambda: bp.collapse("1/(1 + exp(-x))", ["n6"]), "collapse"),
    (lambda: bp.expand("1/(1 + exp(-x))"), "expand"),
])
def test_an_expression_string_is_sent_to_parse_first(call, what):
    """The nodes these take and give belong to one Graph: a string gave an AttributeError."""
    with pytest.raises(TypeError) as caught:
        call()
    assert str(caught.value) == (f"{what} needs a Graph, got the string '1/(1 + exp(-x))': "
                                 "parse it first, g = bp.parse('1/(1 + exp(-x))'), and pass g")
    with pytest.raises(TypeError, match="expand needs a Graph .from bp.parse., got int"):
        bp.expand(3)


def test_a_piece_named_after_an_op_must_be_that_op():
    """name='sigmoid' on x*y + z captioned it with sigmoid's (1-5)*5, which is false."""
    g = bp.parse("x*y + z")
    g.forward(x=1, y=2, z=3)
    g.backward()
    with pytest.raises(ValueError) as caught:
        bp.collapse(g, g.gates(), name="sigmoid")
    assert str(caught.value) == (
        "collapse: name='sigmoid' would draw this piece as the sigmoid gate (σ) and caption "
        "it with that gate's local gradient, but it computes x*y + z, not 1/(1 + exp(-u)): "
        "pass a name of your own, such as name='f'")
    with pytest.raises(ValueError, match="it computes x\\*y, not tanh\\(u\\)"):
        bp.collapse(g, g.gates()[:1], name="tanh")
    with pytest.raises(ValueError, match="not 1/\\(1 \\+ exp\\(-u\\)\\)"):
        bp.Collapsed(bp.parse("x*y"), "sigmoid")          # the gate itself checks too
    # a name of its own is captioned with numbers only; the real things keep the op's name
    f = bp.collapse(g, g.gates(), name="f")
    assert "(1-" not in bp.backward_steps(f)[0].caption
    assert f.input_grads() == g.backward()
    one_mul = bp.collapse(g, g.gates()[:1], name="mul")
    assert one_mul.gates()[0].gate.symbol == "*"
    s = lecture_graph()
    named = bp.collapse(s, bp.find_sigmoids(s)[0], name="sigmoid")
    assert bp.backward_steps(named)[0].caption.startswith("σ: local (1-0.73)*0.73")


def test_another_way_to_write_an_op_may_take_its_name():
    """exp(x) / (1 + exp(x)) is the sigmoid: it computes sigma at every point checked, so
    it may be drawn and captioned as the sigma gate (the captions' (1-s)*s is true)."""
    g = bp.parse("exp(x) / (1 + exp(x))")
    g.forward(x=0.5)
    g.backward()
    s = bp.collapse(g, g.gates(), name="sigmoid")
    assert s.gates()[0].gate.symbol == "σ"
    assert s.backward() == pytest.approx(g.backward())


def test_a_sigmoid_whose_1_is_shared_outside_keeps_one_input_and_the_right_gradient():
    """One constant node 1 used by the sigmoid and by '+ 1' outside it: the piece used
    to take that 1 as a second input, and sigmoid's rule then gave d/dx = -1.33 (the
    truth: sigma'(0.5) = 0.235). The constant goes inside; the outside keeps its own."""
    x, one = bp.inputs("x"), bp.constant(1.0)
    g = bp.Graph(1 / (one + bp.exp(-x)) + one)
    g.forward(x=0.5)
    truth = g.backward()
    assert truth["x"] == pytest.approx(0.25 - 0.25 * np.tanh(0.25) ** 2)   # sigma'(0.5)
    c = bp.collapse(g, bp.find_sigmoids(g)[0])
    sigma = next(n for n in c.gates() if n.gate.name == "sigmoid")
    assert len(sigma.inputs) == 1
    assert c.forward(x=0.5) == pytest.approx(g.forward(x=0.5))
    assert c.backward() == pytest.approx(truth)


@pytest.mark.parametrize("nodes, write", [
    ([11, 12, 13, 14], ", so write ['n11', 'n12', 'n13', 'n14']"),
    ((np.int64(14),), ", so write ['n14']"),
    (["n11", 12, "n13", "n14"], ", so write 'n12' for 12"),
    ([-1], ""),                                      # no id is spelled n-1: no suggestion
    ([11, 99], ""),                                  # nor is there an n99 to suggest
])
def test_numbers_for_node_ids_are_told_ids_are_strings(nodes, write):
    """collapse(g, [2, 4]) said "2 is not a node of this graph", though node n2 is."""
    g = lecture_graph()
    number = next(n for n in nodes if not isinstance(n, str))
    with pytest.raises(ValueError) as caught:
        bp.collapse(g, nodes)
    assert str(caught.value) == (f"{number} is a number, not a node id: ids are strings like "
                                 f"'n2' (this graph's are 'n0'..'n14'){write}")
    with pytest.raises(ValueError, match="is a number, not a node id"):
        bp.expand(g, nodes)
    # spelled the suggested way, the same nodes collapse
    assert bp.collapse(g, ["n11", "n12", "n13", "n14"]).output.gate.name == "sigmoid"
