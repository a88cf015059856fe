"""The backward pass step by step, checked against the lecture's arithmetic (lesson 02)."""

import html
import math

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.labels import format_number
from bpwidgets import labels, steps
from bpwidgets.check import numerical_gradient

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


def run(expression, **values):
    g = bp.parse(expression)
    g.forward(**values)
    g.backward()
    return g


def test_sigmoid_captions_are_the_lectures_steps():
    captions = [step.caption for step in bp.backward_steps(run(SIGMOID, **LECTURE))]
    assert captions == [
        "1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53",      # lecture step 1
        "+1: local 1 × upstream -0.53 = -0.53",                       # step 2
        "exp: local e^-1 = 0.37 × upstream -0.53 = -0.20",            # step 3
        "*-1: local -1 × upstream -0.20 = 0.20",                      # step 4
        # step 5, the lecture's three-input add, is two + gates here
        "+: local 1 × upstream 0.20 = 0.20 to both inputs (w0*x0 + w1*x1 and w2)",
        "+: local 1 × upstream 0.20 = 0.20 to both inputs (w0*x0 and w1*x1)",
        # step 6: the mul gates swap: x0 gets w0 x 0.2 = 0.39 (0.4 in the lecture). At two
        # decimals "2.00 × 0.20 = 0.39" would read as a slip: the operands get the digits
        # the arithmetic needs (2 × 0.197 = 0.394, which is 0.39), for every edge of a gate.
        "*: to w1: local x1 = -2.00 × upstream 0.197 = -0.39; "
        "to x1: local w1 = -3.00 × upstream 0.197 = -0.59",
        "*: to w0: local x0 = -1.00 × upstream 0.197 = -0.20; "
        "to x0: local w0 = 2.00 × upstream 0.197 = 0.39",
    ]


def test_sigmoid_step_numbers_match_hand_computation():
    s = 1 / (1 + math.exp(-1))            # the forward value, 0.731
    sig_local = (1 - s) * s                # 0.196612
    steps_ = bp.backward_steps(run(SIGMOID, **LECTURE))
    first = steps_[0].edges[0]
    assert first.local == pytest.approx(-1 / (1 + math.exp(-1)) ** 2)
    assert first.upstream == 1.0
    assert first.downstream == pytest.approx(-0.5344, abs=5e-5)
    exp_edge = steps_[2].edges[0]
    assert exp_edge.local == pytest.approx(math.exp(-1))
    assert exp_edge.downstream == pytest.approx(-sig_local)
    by_source = {edge.source_text: edge.downstream for step in steps_[-2:] for edge in step.edges}
    assert by_source == pytest.approx(
        {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836}, abs=1e-6)


def test_every_edge_step_is_local_times_upstream():
    g = run("max(x, y) * tanh(x) + log(y) / exp(x) - x ** 3", x=0.7, y=1.3)
    for step in bp.backward_steps(g):
        for edge in step.edges:
            assert edge.downstream == pytest.approx(edge.local * edge.upstream)
            assert edge.upstream == step.node.grad


def test_simple_example_steps():
    steps_ = bp.backward_steps(run("(x + y) * z", x=-2, y=5, z=-4))
    assert [s.symbol for s in steps_] == ["*", "+"]
    assert steps_[0].caption == ("*: to (x + y): local z = -4.00 × upstream 1.00 = -4.00; "
                                 "to z: local (x + y) = 3.00 × upstream 1.00 = 3.00")
    assert steps_[1].caption == "+: local 1 × upstream -4.00 = -4.00 to both inputs (x and y)"
    assert repr(steps_[1]).startswith("Step 2: +: ")


ELEMENTWISE = [name for name, gate in bp.OPS.items() if gate.elementwise]


def test_every_elementwise_op_has_a_local_gradient_formula():
    """Each elementwise op says how its local gradient is computed (a formula or words,
    on its gate in the op table), unless that local gradient is a constant, like add's 1,
    which says it all."""
    for name in ELEMENTWISE:
        gate = bp.OPS[name]
        if (gate.local_formula is not bp.Gate.local_formula
                or gate.local_words is not bp.Gate.local_words):
            continue
        g = _make(name)
        locals_at = []
        for point in (0.7, -1.3):
            g.forward(**{n: point * (k + 1) for k, n in enumerate(g.inputs)})
            g.backward()
            locals_at.append([float(v) for v in g.output.local_gradients])
        assert locals_at[0] == locals_at[1], f"{name}: a local gradient that varies needs a formula"


def _make(name):
    x, y = bp.inputs("x y")
    gate = bp.OPS[name](2) if name == "pow" else bp.OPS[name]()
    return bp.Graph(bp.apply(gate, x, y) if gate.arity == 2 else bp.apply(gate, x))


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("point", [(0.8, 1.7), (-1.3, 0.4)])
def test_each_ops_step_shows_its_true_local_gradient(name, point):
    """The step's local gradient equals a numerical derivative of the op (independent)."""
    g = _make(name)
    values = dict(zip(g.inputs, point))
    if name == "log":
        values["x"] = abs(values["x"])
    g.forward(**values)
    g.backward()
    (step,) = bp.backward_steps(g)
    for edge in step.edges:
        input_name = edge.source.name

        def f(v, input_name=input_name):
            return g.forward(**{**values, input_name: float(v)})

        slope = float(numerical_gradient(f, values[input_name]))
        g.forward(**values)
        g.backward()
        assert edge.local == pytest.approx(slope, rel=1e-6, abs=1e-8)
        assert steps.fixed(edge.downstream) in step.caption


def test_formulas_bracket_negative_numbers_and_say_words():
    caption = bp.backward_steps(run("tanh(y)", y=-1.0))[0].caption
    assert caption == "tanh: local 1-(-0.76)^2 = 0.42 × upstream 1.00 = 0.42"
    caption = bp.backward_steps(run("max(x, y)", x=2.0, y=-1.0))[0].caption
    assert caption == ("max: to x: local 1 (wins the max) × upstream 1.00 = 1.00; "
                       "to y: local 0 (loses the max) × upstream 1.00 = 0.00")
    caption = bp.backward_steps(run("relu(x)", x=-0.5))[0].caption
    assert caption == "relu: local 0 (input <= 0) × upstream 1.00 = 0.00"


def test_matmul_and_sum_say_their_rule():
    g = run("sum(W @ x)", W=[[1, 2], [3, 4]], x=[1.0, 2.0])
    first, second = bp.backward_steps(g)
    assert first.caption == "Σ: upstream 1.00 copied to every entry = [1.00 1.00]"
    assert second.caption == ("@: to W: upstream @ x.T = [[1.00 2.00] [1.00 2.00]]; "
                              "to x: W.T @ upstream = [4.00 6.00]")
    assert second.edges[0].local is None


def test_steps_refuse_before_backward_and_on_batched_graphs():
    g = bp.parse("x * y")
    with pytest.raises(RuntimeError, match="forward"):
        bp.backward_steps(g)
    x, y = bp.inputs("x y")
    fast = bp.BatchedGraph(x * y)
    fast.forward(x=1, y=2)
    fast.backward()
    with pytest.raises(ValueError, match="batched"):
        bp.backward_steps(fast)


def test_numbers_are_written_like_the_lecture():
    assert steps.fixed(-0.5344) == "-0.53"
    assert steps.fixed(-0.001) == "-1.0e-03"          # as the picture writes it, not 0.00
    assert steps.fixed(np.array([0.02, 0.0067])) == "[2.0e-02 6.7e-03]"   # one format
    assert steps.short(-1.0) == "-1"
    assert steps.short(1.3679) == "1.37"
    assert steps.fixed(np.zeros((3, 3))) == "<array of shape (3, 3)>"


def test_captions_write_numbers_as_the_picture_does():
    """With w2 = 10 the sigmoid saturates: its local gradient (1 - σ)σ = 8.3e-07 (by hand:
    σ(14) = 1/(1 + e^-14)), which the edges show as 8.3e-07, so the caption must too."""
    g = run(SIGMOID, **dict(LECTURE, w2=10))
    sigma = 1 / (1 + np.exp(-14.0))
    assert f"{(1 - sigma) * sigma:.1e}" == "8.3e-07"
    captions = [step.caption for step in bp.backward_steps(g)]
    shown = html.unescape(bp.render.to_svg(g))
    for step in bp.backward_steps(g):
        for edge in step.edges:
            assert format_number(edge.downstream) in step.caption
            assert format_number(edge.downstream) in shown
    assert captions[2] == "exp: local e^-14 = 8.3e-07 × upstream -1.00 = -8.3e-07"
    assert not any(" = 0.00" in caption for caption in captions)


# ---- folding constants into symbols ---------------------------------------------------

def test_constants_fold_into_symbols_like_the_lecture():
    g = bp.parse(SIGMOID)
    assert [labels.gate_label(n)[0] for n in g.gates()] == \
        ["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"]
    hidden, folded = labels.hidden_nodes(g)
    assert sorted(n.kind for n in hidden) == ["constant", "constant"] and len(folded) == 2
    g = bp.parse("3 * x - 2 + x / 4 + 2 - x")
    assert [labels.gate_label(n)[0] for n in g.gates()] == ["*3", "-2", "/4", "+", "+2", "-"]
    assert labels.gate_label(bp.parse("1 + 2").output)[0] == "+"     # nothing to fold into


def test_a_negative_literal_folds_and_gets_no_step_of_its_own():
    g = run("x * -3 + -1", x=2.0)          # the parser reads -3 as neg(3)
    assert [step.caption for step in bp.backward_steps(g)] == [
        "-1: local 1 × upstream 1.00 = 1.00",
        "*-3: local -3 × upstream 1.00 = -3.00"]


def test_flow_roles_name_the_lectures_patterns():
    g = bp.parse("x * y + max(x, z)")
    roles = {labels.node_texts(g)[n]: role for n, role in labels.flow_roles(g).items()}
    assert roles == {"x": "copy: gradients add", "x*y": "mul swaps",
                     "max(x, z)": "max routes", "x*y + max(x, z)": "add distributes"}
    g = bp.parse("2 * x")                      # a constant "other input" just scales
    assert list(labels.flow_roles(g).values()) == ["scales by 2"]


def test_every_caption_checks_out_as_printed():
    """local × upstream = downstream with the printed numbers, to the printed last digit,
    over random points of graphs with every kind of scalar gate."""
    import re
    from bpwidgets.predict import typed
    rng = np.random.default_rng(0)
    number = r"(-?\d\.\d+e[-+]\d+|-?\d+\.\d+)"
    product = re.compile(rf"× upstream {number} = {number}")
    for expression in (SIGMOID, "tanh(x*y) * exp(-y) + x/y", "2 * (x*y + max(x, y))"):
        for _ in range(30):
            x, y = rng.uniform(-2, 2, size=2)
            visited = bp.backward_steps(run(expression, **({"w0": x, "x0": y, "w1": -3, "x1": -2,
                                                            "w2": x * y} if expression == SIGMOID
                                                         else {"x": x, "y": y})))
            for step in visited:
                for edge in step.edges:
                    up, down = product.search(edge.text).groups()
                    local = edge.text.split("local ", 1)[1].split(" × ")[0].split(" = ")[-1]
                    local = local.split(" (")[0]
                    assert steps.checks_out([local, up, down], lambda ops: ops[0] * ops[1]), \
                        edge.text
                    exact = float(local) * float(up)        # and by hand, to the last digit
                    assert abs(exact - float(down)) < typed(down).half_unit


def test_gradients_add_at_a_fork_and_the_caption_shows_the_sum():
    steps = bp.backward_steps(run("x*y + x", x=3, y=-4))
    # backward visits + first (x gets 1 along its direct edge), then * (x gets y = -4)
    assert steps[1].caption.endswith("; x gets 1.00 - 4.00 = -3.00 in all: gradients add at a fork")
    assert "gets" not in steps[0].caption                # x's sum is not complete yet
    square = bp.backward_steps(run("x*x", x=3))
    assert square[0].caption.endswith("x gets 3.00 + 3.00 = 6.00 in all: gradients add at a fork")


def test_a_broadcast_input_s_step_says_its_gradient_was_summed():
    """b of shape (3,) added to x of shape (2, 3): 1 × upstream has shape (2, 3), but
    b's gradient has shape (3,): the column sums. The caption says where the sum came
    from instead of an arithmetic that does not add up as written."""
    g = bp.parse("sum(x + b)")
    g.forward(x=np.ones((2, 3)), b=np.ones(3))
    g.backward()
    add = bp.backward_steps(g)[1]
    to_b = next(edge for edge in add.edges if edge.source_text == "b")
    assert np.array_equal(to_b.downstream, [2.0, 2.0, 2.0])          # 1 + 1 per column
    assert to_b.text.endswith("= [2.00 2.00 2.00] (summed over axis 0, where forward "
                              "broadcast b)")
    to_x = next(edge for edge in add.edges if edge.source_text == "x")
    assert "summed" not in to_x.text


def test_captions_give_the_places_asked_for():
    """decimals=4: the lecture's first step to four places, worked out by hand:
    1/x at x = 1 + e^-1 has local gradient -1/x^2."""
    g = bp.parse(SIGMOID)
    g.forward(**LECTURE)
    g.backward()
    x = 1 + math.exp(-1)
    local = -1 / x ** 2
    for places in (4, 6):
        first, _, third = bp.backward_steps(g, decimals=places)[:3]
        assert first.caption == (f"1/x: local -1/{x:.{places}f}^2 = {local:.{places}f} × "
                                 f"upstream {1:.{places}f} = {local:.{places}f}")
        assert third.caption == (f"exp: local e^-1 = {math.exp(-1):.{places}f} × upstream "
                                 f"{local:.{places}f} = {math.exp(-1) * local:.{places}f}")
    # fewer than the lecture's two places: captions keep two, the arithmetic needs them
    assert [s.caption for s in bp.backward_steps(g, decimals=0)] == \
        [s.caption for s in bp.backward_steps(g)]
    for wrong, error in ((7, ValueError), (-1, ValueError), (2.5, TypeError), ("4", TypeError)):
        with pytest.raises(error, match="decimals must be a whole number from 0 to 6"):
            bp.backward_steps(g, decimals=wrong)
