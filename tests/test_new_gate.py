"""A new op, written in one place: a softplus gate registered into the op table.

This is how a contributor adds an op: write the gate class (forward and local gradient
side by side, plus how the kit writes it) and ``bp.ops.register`` it. Nothing else in
the kit changes, and the new op is parsed, drawn, captioned in the step-through,
labelled with its flow role and gradient-checked like a built-in one. (A built-in op
goes into ``OPS`` in ops.py instead, with its cases in tests/test_ops.py.)
"""

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.render import to_svg


class Softplus(bp.Gate):
    """softplus(a) = log(1 + e^a), a smooth relu. Local gradient: sigma(a)."""
    op_name, symbol, arity, flow = "softplus", "softplus", 1, "softplus scales by σ(input)"
    function = True             # written softplus(x)
    elementwise = True

    def forward(self, a):
        self.a = a
        return np.logaddexp(0.0, a)                   # log(1 + e^a), never overflows

    def local_gradients(self):
        return (np.exp(-np.logaddexp(0.0, -self.a)),)  # sigma(a) = 1 / (1 + e^-a)

    def local_formula(self, i, inputs, out, number, texts):
        return f"σ({number(inputs[0])})"


@pytest.fixture
def softplus():
    """The op table with softplus in it, for one test; the table as it was afterwards."""
    saved = dict(bp.OPS)
    bp.ops.register(Softplus)
    yield Softplus
    bp.OPS.clear()
    bp.OPS.update(saved)


def run(expression, **values):
    g = bp.parse(expression)
    g.forward(**values)
    g.backward()
    return g


def softplus_node(g):
    return next(node for node in g.gates() if isinstance(node.gate, Softplus))


def test_it_is_parsed_and_written_as_a_call(softplus):
    g = run("softplus(x) * y", x=0.5, y=-2.0)
    assert isinstance(g.output.inputs[0].gate, Softplus)
    assert g.output.value == pytest.approx(np.log1p(np.exp(0.5)) * -2.0)
    assert bp.node_text(g, g.output) == "softplus(x)*y"
    assert "softplus" in bp.ops.functions()
    with pytest.raises(ValueError, match="taken by the function softplus"):
        bp.inputs("softplus")


def test_it_is_drawn_with_its_symbol(softplus):
    g = run("softplus(x) * y", x=0.5, y=-2.0)
    svg = to_svg(g)
    assert ">softplus</text>" in svg
    assert ">0.50</text>" in svg           # its input's value on the edge into it


def test_its_step_shows_its_local_gradient_formula(softplus):
    g = run("softplus(x) * y", x=0.5, y=-2.0)
    step = next(s for s in bp.backward_steps(g) if isinstance(s.node.gate, Softplus))
    sigma = 1 / (1 + np.exp(-0.5))
    assert step.symbol == "softplus"
    assert step.caption == "softplus: local σ(0.5) = 0.62 × upstream -2.00 = -1.24"
    assert step.edges[0].local == pytest.approx(sigma)
    assert step.edges[0].downstream == pytest.approx(sigma * -2.0)


def test_it_is_labelled_with_its_flow_role(softplus):
    g = run("softplus(x) * y + softplus(y)", x=0.5, y=-2.0)
    roles = bp.flow_roles(g)
    assert [roles[node] for node in g.gates() if isinstance(node.gate, Softplus)] == \
        ["softplus scales by σ(input)"] * 2
    assert "softplus scales by σ(input)" in to_svg(g, show_flow=True)


@pytest.mark.parametrize("x", [-3.0, 0.5, 4.0])
def test_it_passes_the_gradient_check(softplus, x):
    result = bp.gradcheck(bp.parse("softplus(x) * y"), x=x, y=-2.0)
    assert result.ok, result.verdict
    assert result.verdict.startswith("PASS")
    assert bp.gradcheck(Softplus(), np.array([-1.0, 0.0, 2.0])).ok


def test_the_table_is_as_it_was_without_it():
    assert "softplus" not in bp.OPS
    with pytest.raises(bp.ParseError, match="the function softplus"):
        bp.parse("softplus(x)")


def test_register_refuses_what_is_not_a_new_op(softplus):
    with pytest.raises(ValueError, match="already has an op named 'softplus'"):
        bp.ops.register(Softplus)
    with pytest.raises(TypeError, match="Gate subclass"):
        bp.ops.register(Softplus())

    class Nameless(bp.Gate):
        def forward(self, a):
            return a
    with pytest.raises(ValueError, match="op_name"):
        bp.ops.register(Nameless)
