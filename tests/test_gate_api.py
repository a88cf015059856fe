"""The modular forward/backward API (lesson 05): gates a learner writes, and the checks.

A learner subclasses bp.Gate, caches in forward, returns one gradient per input from
backward, and uses the gate in a graph like a built-in op. bp.gradcheck(gate, *inputs)
must pass a right gate and fail a wrong one with a verdict naming the input.
"""

import math
import re

import numpy as np
import pytest

import bpwidgets as bp


# ---- the learner's gates: right and wrong ----------------------------------------

class MultiplyGate(bp.Gate):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, upstream):
        return upstream * self.b, upstream * self.a


class SwappedMultiplyGate(MultiplyGate):
    def backward(self, upstream):            # the classic slip: each gets its own value
        return upstream * self.a, upstream * self.b


class HalfWrongMultiplyGate(MultiplyGate):
    def backward(self, upstream):            # a is right, b forgot the local gradient
        return upstream * self.b, upstream


class AddGate(bp.Gate):
    def forward(self, a, b):
        return a + b

    def backward(self, upstream):
        return upstream, upstream


class SigmoidGate(bp.Gate):
    def forward(self, x):
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, upstream):
        return ((1.0 - self.s) * self.s * upstream,)


class WrongSigmoidGate(SigmoidGate):
    def backward(self, upstream):            # s instead of (1 - s) s
        return (self.s * upstream,)


class WrongShapeGate(bp.Gate):
    def forward(self, x):
        return np.sum(x)

    def backward(self, upstream):            # should be np.full(x.shape, upstream)
        return (np.full(2, upstream),)


class NoTupleGate(bp.Gate):
    def forward(self, x):
        return 2 * x

    def backward(self, upstream):            # forgot the tuple around one gradient
        return 2 * upstream


class ForgotOneGate(bp.Gate):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, upstream):            # the second gradient never written
        return upstream * self.b, None


class ListGradientGate(bp.Gate):
    def forward(self, x):
        return 2.0 * x

    def backward(self, upstream):            # a list, not an array
        return ([2.0 * u for u in upstream],)


class InPlaceReLUGate(bp.Gate):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, upstream):            # CS231n's classic: dx is upstream, not a copy
        dx = upstream
        dx[self.x <= 0] = 0
        return (dx,)


class InPlaceForwardGate(bp.Gate):
    def forward(self, x):                     # clips the input itself
        x[x < 0] = 0
        self.x = x
        return x

    def backward(self, upstream):
        return (upstream * (self.x > 0),)


class IdentityGate(bp.Gate):
    def forward(self, x):
        return x

    def backward(self, upstream):
        return (upstream,)


# ---- gradcheck on one gate ---------------------------------------------------------

VECTOR_A = np.array([1.0, -2.0, 0.5])
VECTOR_B = np.array([3.0, 0.25, -1.5])


@pytest.mark.parametrize("args", [(3.0, -4.0), (VECTOR_A, VECTOR_B)])
def test_right_multiply_gate_passes(args):
    check = bp.gradcheck(MultiplyGate(), *args)
    assert check.ok and check.max_rel_error < 1e-8
    assert check.verdict.startswith("PASS: MultiplyGate gate: the gradients of a, b match")


@pytest.mark.parametrize("x", [1.0, -3.0, np.linspace(-4, 4, 7)])
def test_right_sigmoid_gate_passes(x):
    check = bp.gradcheck(SigmoidGate(), x)
    assert check.ok, check.verdict
    assert "gradient of x matches" in check.verdict


def test_swapped_multiply_gate_fails_naming_both_inputs():
    check = bp.gradcheck(SwappedMultiplyGate(), 3.0, -4.0)
    assert not check.ok
    assert check.max_rel_error == pytest.approx(1.0)   # |3 - (-4)| / (3 + 4)
    lines = check.verdict.splitlines()
    assert lines[0].startswith("FAIL: SwappedMultiplyGate gate: max relative error 1.0e+00")
    assert "    a: analytic 3, numerical -4, relative error 1.0e+00" in lines
    assert "    b: analytic -4, numerical 3, relative error 1.0e+00" in lines
    assert any("gradients of a and b look swapped" in line for line in lines)


def test_half_wrong_gate_names_only_the_wrong_input_and_its_entries():
    a = np.array([2.0, -2.0, 0.5])           # no entry of 1, or b's slip would be right there
    check = bp.gradcheck(HalfWrongMultiplyGate(), a, VECTOR_B)
    assert not check.ok
    lines = check.verdict.splitlines()
    assert "  a: ok" in lines
    assert "  b: 3 of 3 entries wrong" in lines
    for i in range(3):
        assert any(line.startswith(f"    b[{i}]: analytic ") and "numerical" in line
                   and "relative error" in line for line in lines)
    assert not any("swapped" in line for line in lines)
    # the numbers in the verdict are the real ones: numerical d/db = upstream * a
    np.testing.assert_allclose(check.numerical["b"], check.analytic["a"] / VECTOR_B * a)


def test_wrong_sigmoid_gate_fails_with_the_lectures_numbers():
    check = bp.gradcheck(WrongSigmoidGate(), 1.0)
    assert not check.ok
    s = 1 / (1 + math.exp(-1.0))
    assert check.analytic["x"] == pytest.approx(s)                  # 0.731059
    assert check.numerical["x"] == pytest.approx((1 - s) * s, rel=1e-8)   # 0.196612
    assert "    x: analytic 0.731059, numerical 0.196612, relative error 5.8e-01" \
        in check.verdict.splitlines()


def test_wrong_sigmoid_gate_fails_on_vectors_naming_entries():
    check = bp.gradcheck(WrongSigmoidGate(), np.array([-1.0, 0.0, 2.0]))
    assert not check.ok
    assert "  x: 3 of 3 entries wrong" in check.verdict.splitlines()
    assert "x[1]: analytic" in check.verdict


def test_gate_returning_the_wrong_shape_names_the_op_and_both_shapes():
    # gradcheck turns a learner's gate that cannot run into a FAIL verdict, not a traceback
    check = bp.gradcheck(WrongShapeGate(), np.ones(3))
    assert not check.ok and check.verdict.startswith("FAIL: WrongShapeGate gate")
    message = check.verdict
    assert "WrongShapeGate" in message
    assert "shape (2,)" in message and "shape (3,)" in message
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(WrongShapeGate()(x) * x))
    g.forward(x=np.ones(3))
    with pytest.raises(ValueError, match=r"WrongShapeGate.*\(2,\).*\(3,\)"):
        g.backward()


def test_gate_returning_a_bare_gradient_is_told_one_per_input():
    check = bp.gradcheck(NoTupleGate(), np.ones(3))
    assert not check.ok
    assert "one gradient per input" in check.verdict and "return a tuple" in check.verdict
    x = bp.inputs("x")
    g = bp.Graph(NoTupleGate()(x))          # the engine itself still raises, naming the rule
    g.forward(x=np.ones(3))
    with pytest.raises(TypeError, match="one gradient per input"):
        g.backward(np.ones(3))


def test_a_gradient_that_is_none_or_a_list_is_refused_by_name_not_taken_for_zero():
    x, y = bp.inputs("x y")
    g = bp.Graph(ForgotOneGate()(x, y))
    g.forward(x=3.0, y=-4.0)                 # dy = x = 3: a None must not read as 0
    with pytest.raises(TypeError, match=r"ForgotOneGate.*returned None as the gradient for "
                                        r"input 1.*forget"):
        g.backward()
    check = bp.gradcheck(ForgotOneGate(), 3.0, -4.0)
    assert not check.ok and "returned None" in check.verdict
    assert "hint: backward returns a number or a numpy array for every input" in check.verdict
    g = bp.Graph(bp.sum(ListGradientGate()(x)))
    g.forward(x=np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"ListGradientGate.*gradient for input 0.*np\.array"):
        g.backward()
    assert "np.array(...)" in bp.gradcheck(ListGradientGate(), np.ones(2)).verdict


def test_a_gate_that_writes_to_its_upstream_is_stopped_before_it_spoils_a_neighbour():
    # add hands the same upstream to both inputs: masking it in place would zero y's
    # gradient too (it came back [1, 0] instead of [1, 1]); gradcheck alone passed the gate
    x, y = bp.inputs("x y")
    g = bp.Graph(bp.sum(InPlaceReLUGate()(x) + y))
    g.forward(x=np.array([1.0, -2.0]), y=np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match=r"InPlaceReLUGate.*read-only.*backward must not "
                                         r"change upstream.*in place.*upstream\.copy\(\)"):
        g.backward()
    check = bp.gradcheck(InPlaceReLUGate(), np.array([1.0, -2.0]))
    assert not check.ok and "upstream.copy()" in check.verdict
    assert "hint: a gate leaves the arrays it is given" in check.verdict


def test_a_gate_that_writes_to_its_input_is_stopped_and_the_input_kept():
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(InPlaceForwardGate()(x) * x))
    given = np.array([1.0, -2.0])
    with pytest.raises(ValueError, match=r"InPlaceForwardGate.*forward must not change its "
                                         r"inputs in place.*x\.copy\(\)"):
        g.forward(x=given)
    assert g.inputs["x"].value[1] == -2.0 and given[1] == -2.0


def test_a_gate_may_hand_back_what_it_was_given_and_the_user_gets_ordinary_arrays():
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(IdentityGate()(x) * 3.0))
    g.forward(x=np.array([1.0, -2.0]))
    grads = g.backward()
    np.testing.assert_array_equal(grads["x"], [3.0, 3.0])     # d sum(3x) / dx = 3
    grads["x"] *= 0.5                                          # an ordinary, writable array
    inner = bp.Graph(IdentityGate()(x))
    out = inner.forward(x=np.array([1.0, -2.0]))
    out += 1.0
    np.testing.assert_array_equal(inner.backward(np.ones(2))["x"], [1.0, 1.0])


class ReusedCacheSigmoid(bp.Gate):
    """Lesson 05's slip: backward turns the cached s into the local gradient, in place or
    by rebinding. The first backward after forward is right; every later one is not."""
    how = "rebind"

    def __init__(self):
        self.cache = {}

    def forward(self, x):
        self.s = 1.0 / (1.0 + np.exp(-x))
        self.cache["s"] = self.s
        return self.s

    def backward(self, upstream):
        if self.how == "rebind":
            self.s = self.s * (1.0 - self.s)
        elif self.how == "in place":
            self.s *= 1.0 - self.s
        elif self.how == "dict entry":
            self.cache["s"] = self.cache["s"] * (1.0 - self.cache["s"])
            return (self.cache["s"] * upstream,)
        else:                                  # right: backward's numbers in names of its own
            self.local = self.s * (1.0 - self.s)
            self.cache["local"] = self.local
        return ((self.s if self.how != "right" else self.local) * upstream,)


@pytest.mark.parametrize("how, said", [
    ("rebind", r"ReusedCacheSigmoid\.backward replaced self\.s, which forward kept"),
    ("in place", r"read-only.*backward must not change upstream, its inputs or what its "
                 r"forward kept in place"),
    ("dict entry", r"replaced self\.cache\['s'\], which forward kept")])
def test_a_backward_that_changes_what_forward_kept_fails_instead_of_passing(how, said):
    """It used to PASS: the gradient check compared the first backward after a forward,
    and the picture then showed the second one, w0 -0.16 for the lecture's -0.20."""
    gate = type("Slip", (ReusedCacheSigmoid,), {"how": how})
    gate.__name__ = "ReusedCacheSigmoid"
    for x in (0.5, np.array([0.5, -1.0])):
        if how == "in place" and np.ndim(x) == 0:
            continue                           # a float cannot change in place
        check = bp.gradcheck(gate(), x)
        assert not check.ok and re.search(said, check.verdict), check.verdict
        assert ("hint: backward reads what forward kept and leaves it as it is" if how !=
                "in place" else "hint: a gate leaves the arrays it is given, and those its "
                "forward kept, as they are") in check.verdict
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(gate()(x)))
    g.forward(x=np.array([0.5, -1.0]))
    with pytest.raises((RuntimeError, ValueError), match=said):
        g.backward()


def test_what_backward_adds_beside_forwards_cache_is_its_own_and_parameters_stay_writable():
    gate = type("Right", (ReusedCacheSigmoid,), {"how": "right"})
    x0 = np.array([0.5, -1.0])
    check = bp.gradcheck(gate(), x0)
    assert check.ok, check.verdict
    s = 1 / (1 + np.exp(-x0))
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(gate()(x)))
    for _ in range(2):                         # backward twice after one forward: the same
        g.forward(x=x0)
        np.testing.assert_allclose(g.backward()["x"], s * (1 - s), rtol=1e-12)
        np.testing.assert_allclose(g.backward()["x"], s * (1 - s), rtol=1e-12)

    class Scale(bp.Gate):                      # a parameter the learner keeps on the gate
        def __init__(self, w):
            self.w = w

        def forward(self, x):
            self.x = x
            return self.w * x

        def backward(self, upstream):
            return (self.w * upstream,)
    w = np.array([1.0, 2.0])
    g = bp.Graph(bp.sum(Scale(w)(x)))
    g.forward(x=x0)
    g.backward()
    w -= 0.5                                   # the learner's own array: still theirs to step
    assert g.forward(x=x0) == pytest.approx(float(np.sum((w) * x0)))


def test_forwards_placeholders_lazy_parameters_and_tuple_caches_are_judged_right():
    """From the review: a placeholder forward sets (self.dx = None) that backward fills is
    no cache; a parameter forward makes once stays the learner's to step; and the
    CS231n tuple cache (self.cache = (x, s)) changed in place is stopped too."""
    class Placeholder(bp.Gate):
        def forward(self, x):
            self.x, self.dx = x, None
            return 2.0 * x

        def backward(self, upstream):
            self.dx = 2.0 * upstream
            return (self.dx,)
    assert bp.gradcheck(Placeholder(), np.array([0.5, -1.0])).ok

    class Lazy(bp.Gate):
        w = None

        def forward(self, x):
            if self.w is None:
                self.w = np.ones(2)
            self.x = x
            return self.w * x

        def backward(self, upstream):
            return (self.w * upstream,)
    gate = Lazy()
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(gate(x)))
    g.forward(x=np.array([0.5, -1.0]))
    g.backward()
    gate.w -= 0.5                            # writable outside backward
    assert g.forward(x=np.array([0.5, -1.0])) == pytest.approx(-0.25)

    class TupleCache(bp.Gate):
        def forward(self, x):
            s = 1 / (1 + np.exp(-x))
            self.cache = (x, s)
            return s

        def backward(self, upstream):
            x, s = self.cache
            s *= 1 - s                        # the slip, inside the tuple
            return (s * upstream,)
    check = bp.gradcheck(TupleCache(), np.array([0.5, -1.0]))
    assert not check.ok and "read-only" in check.verdict


class SquaredErrorGate(bp.Gate):
    """A loss gate that, like many, leaves the target's gradient out."""
    def forward(self, s, t):
        self.d = s - t
        return float(np.sum(self.d ** 2))

    def backward(self, upstream):
        return 2.0 * self.d * upstream, None


def test_a_gradient_left_out_is_fine_where_nobody_asked_for_it_and_named_where_they_did():
    s, t = bp.inputs("s t")
    g = bp.Graph(SquaredErrorGate()(s, t))
    g.forward(s=np.array([1.0, 3.0]), t=np.array([0.5, 4.0]))
    np.testing.assert_allclose(g.backward(wrt="s")["s"], [1.0, -2.0])   # 2 (s - t)
    with pytest.raises(TypeError, match=r"None as the gradient for input 1 \(t\).*"
                                        r"np\.zeros_like"):
        g.backward()


def test_a_mask_returned_for_a_gradient_is_caught_as_upstream_forgotten():
    class MaskOnlyReLU(bp.Gate):
        def forward(self, x):
            self.x = x
            return np.maximum(x, 0.0)

        def backward(self, upstream):
            return (self.x > 0,)             # the local gradient, never times upstream
    x = bp.inputs("x")
    g = bp.Graph(bp.sum(MaskOnlyReLU()(x) * 3.0))
    g.forward(x=np.array([1.0, -2.0]))
    with pytest.raises(TypeError, match=r"input 0 \(x\).*forget to multiply it by upstream"):
        g.backward()
    check = bp.gradcheck(MaskOnlyReLU(), np.array([1.0, -2.0]))
    assert "hint: backward returns local gradient × upstream" in check.verdict


def test_a_nested_tuple_of_gradients_is_told_apart_from_a_list():
    class Nested(bp.Gate):
        def forward(self, x):
            return 2.0 * x

        def backward(self, upstream):
            return ((2.0 * upstream,),)
    x = bp.inputs("x")
    g = bp.Graph(Nested()(x))
    g.forward(x=1.5)
    with pytest.raises(TypeError, match=r"input 0 \(x\).*a tuple inside the tuple"):
        g.backward()


def test_a_gate_whose_name_says_shape_gets_the_hint_for_its_slip():
    class ReshapeReLU(InPlaceReLUGate):
        pass
    check = bp.gradcheck(ReshapeReLU(), np.array([1.0, -2.0]))
    assert "hint: a gate leaves the arrays it is given" in check.verdict


def test_an_array_subclass_from_a_learners_gate_comes_back_as_an_array():
    class Tagged(np.ndarray):
        pass

    class TaggedDouble(bp.Gate):
        def forward(self, x):
            return 2.0 * np.asarray(x).view(Tagged)

        def backward(self, upstream):
            return (2.0 * upstream,)
    x = bp.inputs("x")
    g = bp.Graph(TaggedDouble()(x))
    np.testing.assert_array_equal(g.forward(x=np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_array_equal(g.backward(np.ones(2))["x"], [2.0, 2.0])


def test_two_inputs_never_share_one_gradient_array():
    # add hands one upstream to both inputs: dw and db were one array, so changing
    # one (a weight decay, dw += reg * w) changed the other
    w, b = bp.inputs("w b")
    g = bp.Graph(bp.sum((w + b) * 3.0))
    g.forward(w=np.array([1.0, 2.0]), b=np.array([0.5, 0.5]))
    grads = g.backward()
    grads["w"] += 0.1 * np.array([1.0, 2.0])
    np.testing.assert_array_equal(grads["b"], [3.0, 3.0])    # d sum(3 (w + b)) / db = 3


def test_gradcheck_wants_an_instance_and_positional_inputs():
    with pytest.raises(TypeError, match=r"MultiplyGate\(\), not the class"):
        bp.gradcheck(MultiplyGate, 1.0, 2.0)
    with pytest.raises(TypeError, match="by position"):
        bp.gradcheck(MultiplyGate(), a=1.0, b=2.0)


# ---- learner gates inside graphs -----------------------------------------------------

def test_learner_gates_reproduce_lesson01():
    x, y, z = bp.inputs("x y z")
    g = bp.Graph(MultiplyGate()(AddGate()(x, y), z))
    assert g.forward(x=-2, y=5, z=-4) == -12.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_learner_gates_reproduce_the_lectures_sigmoid_example():
    w0, x0, w1, x1, w2 = bp.inputs("w0 x0 w1 x1 w2")
    dot = AddGate()(AddGate()(MultiplyGate()(w0, x0), MultiplyGate()(w1, x1)), w2)
    g = bp.Graph(SigmoidGate()(dot))
    assert g.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3) == pytest.approx(0.7310586, abs=1e-7)
    grads = g.backward()
    expected = dict(w0=-0.196612, x0=0.393224, w1=-0.393224, x1=-0.589836, w2=0.196612)
    for name, value in expected.items():
        assert grads[name] == pytest.approx(value, abs=1e-6), name


def test_learner_gates_mix_with_built_in_ops_and_broadcast():
    A, b = bp.inputs("A b")
    g = bp.Graph(bp.sum(bp.tanh(AddGate()(A, b)) ** 2))    # (3, 4) + (3, 1) bias
    rng = np.random.default_rng(0)
    inputs = dict(A=rng.standard_normal((3, 4)), b=rng.standard_normal((3, 1)))
    g.forward(**inputs)
    grads = g.backward()
    assert grads["b"].shape == (3, 1)        # the engine undid the broadcast
    check = bp.gradcheck(g, **inputs)
    assert check.ok, check.verdict


def test_learner_gate_matches_the_built_in_op():
    a, b = bp.inputs("a b")
    mine, builtin = bp.Graph(MultiplyGate()(a, b)), bp.Graph(a * b)
    values = dict(a=VECTOR_A, b=VECTOR_B)
    np.testing.assert_array_equal(mine.forward(**values), builtin.forward(**values))
    up = np.array([1.0, 2.0, -1.0])
    mine_grads, builtin_grads = mine.backward(up), builtin.backward(up)
    for name in values:
        np.testing.assert_array_equal(mine_grads[name], builtin_grads[name])


def test_apply_is_the_same_as_calling_the_gate():
    x, y = bp.inputs("x y")
    g = bp.Graph(bp.apply(MultiplyGate(), x, y))
    assert g.forward(x=3.0, y=-4.0) == -12.0
    assert g.backward() == {"x": -4.0, "y": 3.0}


def test_the_lectures_loop_over_gates_is_what_forward_and_backward_do():
    # for gate in graph.nodes_topologically_sorted(): gate.forward()
    # for gate in reversed(graph.nodes_topologically_sorted()): gate.backward()
    x, y, z = bp.inputs("x y z")
    g = bp.Graph(SigmoidGate()(MultiplyGate()(AddGate()(x, y), z)))
    values = dict(x=0.5, y=-1.0, z=2.0)
    out = g.forward(**values)
    grads = g.backward()
    for name, value in values.items():
        g.inputs[name].value = value
    for node in g.gates():
        node.value = node.gate.forward(*[p.value for p in node.inputs])
    assert node.value == out
    for node in g.nodes:
        node.grad = 0.0
    g.output.grad = 1.0
    for node in reversed(g.gates()):
        for parent, grad in zip(node.inputs, node.gate.backward(node.grad)):
            parent.grad += grad
    assert {name: g.inputs[name].grad for name in values} == grads


def test_calling_a_gate_needs_nodes_and_the_right_number_of_inputs():
    x, y = bp.inputs("x y")
    with pytest.raises(TypeError, match=r"needs at least one node .* call \.forward"):
        MultiplyGate()(2.0, 3.0)
    with pytest.raises(TypeError, match=r"MultiplyGate.forward\(a, b\) cannot take 1 input"):
        MultiplyGate()(x)
    node = MultiplyGate()(x, 2.0)            # numbers become constants
    assert bp.Graph(node).forward(x=4.0) == 8.0


def test_one_gate_instance_makes_one_node():
    x, y = bp.inputs("x y")
    gate = MultiplyGate()
    gate(x, y)
    with pytest.raises(ValueError, match=r"already a node .* make a new one, MultiplyGate\(\)"):
        gate(y, x)


def test_bp_apply_refuses_a_gate_that_is_already_a_node_or_not_a_gate():
    """bp.apply(mul, x, y) + bp.apply(mul, z, w) with one mul gave x the gradient 7 and
    y 5 at x=2, y=3, z=5, w=7 (by hand: 3 and 2): the second node's forward overwrote the
    first one's cache. A class or a name in place of a gate named '<property object>'."""
    x, y, z, w = bp.inputs("x y z w")
    mul = bp.OPS["mul"]()
    first = bp.apply(mul, x, y)
    with pytest.raises(ValueError, match=r"already a node .* make a new one, Multiply\(\)"):
        bp.apply(mul, z, w)
    g = bp.Graph(first + bp.apply(bp.OPS["mul"](), z, w))   # a gate per node: right
    g.forward(x=2.0, y=3.0, z=5.0, w=7.0)
    assert g.backward() == {"x": 3.0, "y": 2.0, "z": 7.0, "w": 5.0}
    with pytest.raises(ValueError, match="already a node"):
        mul(z, w)                              # the gate's own call says the same
    with pytest.raises(TypeError, match=r"^apply needs a gate, not the class: "
                                        r"apply\(Multiply\(\), \.\.\.\)$"):
        bp.apply(bp.OPS["mul"], x, y)
    with pytest.raises(TypeError, match=r"^apply needs a gate .* got 'mul'$"):
        bp.apply("mul", x, y)


def test_built_in_gates_are_the_same_kind_of_gate():
    for name, cls in bp.OPS.items():
        assert issubclass(cls, bp.Gate), name
        gate = cls(2.0) if name == "pow" else cls()
        assert callable(gate.forward) and callable(gate.backward)


def test_a_gate_tried_by_hand_after_the_graphs_forward_stops_backward():
    """mul.forward(10, 20) tried by hand (as lesson 05 tries a gate) on a gate that is a
    node of g refilled its cache, and g.backward() gave x 20 and y 10 where by hand
    d(xyz)/dx = yz = 3 and d/dy = xz = 2 at x=2, y=3, z=1."""
    class Multiply(bp.Gate):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, upstream):
            return upstream * self.b, upstream * self.a

    x, y, z = bp.inputs("x y z")
    mul = Multiply()
    g = bp.Graph(mul(x, y) * z)
    g.forward(x=2.0, y=3.0, z=1.0)
    assert g.backward() == g.backward() == {"x": 3.0, "y": 2.0, "z": 6.0}   # again: fine
    mul.forward(10.0, 20.0)
    with pytest.raises(RuntimeError, match=r"^backward failed at node n2 \(Multiply\): "
                                           r"RuntimeError: this Multiply gate has run outside "
                                           r"the graph since the graph's forward"):
        g.backward()
    g.forward(x=2.0, y=3.0, z=1.0)
    assert g.backward() == {"x": 3.0, "y": 2.0, "z": 6.0}
    assert bp.gradcheck(g, x=2.0, y=3.0, z=1.0).ok


def test_a_gate_written_with_math_exp_is_pointed_at_numpy_on_arrays():
    """Lesson 05's sigmoid with math.exp passes on a number, and on an array failed with
    numpy's 'only 0-dimensional arrays can be converted' and 'read the error above'."""
    class MathSigmoid(bp.Gate):
        def forward(self, x):
            self.s = 1 / (1 + math.exp(-x))
            return self.s

        def backward(self, upstream):
            return (self.s * (1 - self.s) * upstream,)
    assert bp.gradcheck(MathSigmoid(), 0.5).ok
    check = bp.gradcheck(MathSigmoid(), np.array([0.5, 1.0]))
    assert not check.ok and "hint: math.exp, math.log and float() take one number" \
        in check.verdict and "np.exp" in check.verdict
