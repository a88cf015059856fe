"""Gradient checking: rel_error, numerical_gradient, gradcheck and its verdict."""

import re

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.graph import apply

# ---- rel_error and numerical_gradient ------------------------------------------------


def test_rel_error_by_hand():
    assert bp.rel_error(1.0, 1.0) == 0.0
    assert bp.rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert bp.rel_error(-2.0, 2.0) == pytest.approx(1.0)
    assert bp.rel_error(0.0, 0.0) == 0.0
    # below the floor the error is absolute / floor, not 100 %
    assert bp.rel_error(0.0, 1e-9, floor=1e-6) == pytest.approx(1e-3)
    # with no floor given, size cannot hide an error: 0 against 1e-9 is 100 % wrong
    assert bp.rel_error(0.0, 1e-9) == pytest.approx(1.0)
    assert bp.rel_error(2e-9, 1e-9) == pytest.approx(1 / 3)
    np.testing.assert_allclose(bp.rel_error([1.0, 2.0], [1.0, 2.2]), [0.0, 0.2 / 4.2])


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    grad = bp.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    assert grad.shape == x.shape
    g = bp.numerical_gradient(lambda v: float(np.sin(v)), 0.3)
    assert np.ndim(g) == 0 and float(g) == pytest.approx(np.cos(0.3), rel=1e-9)


def test_numerical_gradient_leaves_its_input_alone():
    x = np.array([1.0, 2.0, 3.0])
    seen = []
    bp.numerical_gradient(lambda v: seen.append(v.copy()) or float(np.sum(v)), x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert len(seen) == 6      # two evaluations per entry: centered differences
    for k, v in enumerate(seen):
        changed = np.flatnonzero(v != x)
        assert list(changed) == [k // 2]


def test_numerical_gradient_is_centered():
    # For f(x) = x^2, centered differences are exact up to round-off; forward
    # differences would be off by h.
    assert float(bp.numerical_gradient(lambda v: float(v * v), 3.0)) == pytest.approx(6.0, abs=1e-9)


# ---- gradcheck on graphs ------------------------------------------------------------


def test_gradcheck_passes_on_the_lecture_graph():
    g = bp.parse("(x + y) * z")
    result = bp.gradcheck(g, x=-2, y=5, z=-4)
    assert result.ok is True
    assert 0 <= result.max_rel_error < 1e-6
    assert result.analytic == {"x": -4.0, "y": -4.0, "z": 3.0}
    for name, want in result.analytic.items():
        assert result.numerical[name] == pytest.approx(want, abs=1e-8)
    assert result.verdict.startswith("PASS")
    assert "x, y, z" in result.verdict
    assert str(result) == result.verdict
    # it leaves the graph at the checked point
    assert g.output.value == -12.0 and g.inputs["z"].grad == 3.0


@pytest.mark.parametrize("text", ["x ** 3", "x * x * x", "tanh(x) - x", "sigmoid(x) * x ** 2"])
def test_gradcheck_passes_where_the_true_gradient_is_zero(text):
    # Centered differences give ~1e-10 instead of 0 here (the h^2 term); that is the
    # method's noise, not a wrong gradient, so a correct graph must pass.
    g = bp.parse(text)
    result = bp.gradcheck(g, x=0.0)
    assert result.analytic["x"] == 0.0
    assert 0 < abs(result.numerical["x"]) < 1e-9
    assert result.ok, result.verdict


def test_a_wrong_small_gradient_still_fails():
    class TinyScaleWrong(bp.Gate):
        """out = 1e-3 a, but backward claims twice that."""
        arity = 1

        def forward(self, a):
            return 1e-3 * a

        def backward(self, upstream):
            return (2e-3 * upstream,)

    result = bp.gradcheck(TinyScaleWrong(), 0.7)
    assert not result.ok and result.max_rel_error > 1e-2


def test_gradcheck_on_the_sigmoid_example():
    g = bp.parse("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    result = bp.gradcheck(g, w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    assert result.ok and result.max_rel_error < 1e-6
    assert result.analytic["x1"] == pytest.approx(-0.589836, abs=1e-6)


def test_gradcheck_on_an_array_output_uses_a_projection():
    g = bp.parse("tanh(W @ x)")
    W = np.array([[0.1, 0.5], [-0.3, 0.8], [0.2, -0.1]])
    result = bp.gradcheck(g, W=W, x=[0.2, 0.4])
    assert result.ok, result.verdict
    assert result.analytic["W"].shape == (3, 2) and result.numerical["W"].shape == (3, 2)


def test_gradcheck_repr_is_short_and_deterministic():
    result = bp.gradcheck(bp.parse("x * y"), x=2.0, y=3.0)
    text = repr(result)
    assert text.startswith("GradCheck(ok=True, max_rel_error=") and text.endswith(")")
    assert len(text) < 60 and "0x" not in text
    assert repr(bp.gradcheck(bp.parse("x * y"), x=2.0, y=3.0)) == text


# ---- a learner's wrong gate ---------------------------------------------------------


class SwappedMultiply(bp.Gate):
    """The classic bug: each input gets upstream x itself instead of the other input."""
    symbol, arity = "*", 2

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, upstream):
        return upstream * self.a, upstream * self.b


class Multiply(SwappedMultiply):
    def backward(self, upstream):
        return upstream * self.b, upstream * self.a


class HalfWrongSquare(bp.Gate):
    """Right for the first input only."""
    arity = 2

    def forward(self, u, v):
        self.u, self.v = u, v
        return u * u + v * v

    def backward(self, upstream):
        return 2 * self.u * upstream, 3 * self.v * upstream


def test_correct_learner_gate_passes():
    result = bp.gradcheck(Multiply(), np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0]))
    assert result.ok, result.verdict
    assert list(result.analytic) == ["a", "b"]     # named after forward's parameters


def test_wrong_learner_gate_fails_with_a_verdict_naming_input_and_entry():
    result = bp.gradcheck(SwappedMultiply(), 2.0, 3.0)
    assert result.ok is False
    # analytic d/da = a = 2, numerical = b = 3: rel error 1/5
    assert result.max_rel_error == pytest.approx(0.2, rel=1e-6)
    assert result.analytic == {"a": 2.0, "b": 3.0}
    assert result.numerical["a"] == pytest.approx(3.0) and result.numerical["b"] == pytest.approx(2.0)
    verdict = result.verdict
    assert verdict.startswith("FAIL")
    assert "a: analytic 2, numerical 3" in verdict
    assert "b: analytic 3, numerical 2" in verdict
    assert repr(result) == "GradCheck(ok=False, max_rel_error=2.0e-01)"


def test_wrong_gate_on_arrays_names_the_wrong_entries():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 2.0, 3.5])        # entries 0 and 1 equal: the swap is harmless there
    result = bp.gradcheck(SwappedMultiply(), a, b)
    assert not result.ok
    verdict = result.verdict
    assert "a: 1 of 3 entries wrong" in verdict and "b: 1 of 3 entries wrong" in verdict
    assert "a[2]: analytic" in verdict and "b[2]: analytic" in verdict
    assert "a[0]" not in verdict and "a[1]" not in verdict


def test_only_the_wrong_input_is_blamed():
    result = bp.gradcheck(HalfWrongSquare(), 1.5, -2.0)
    assert not result.ok
    assert "u: ok" in result.verdict
    assert "v: 1 of 1 entry wrong" in result.verdict
    assert "v: analytic -6, numerical -4" in result.verdict


def test_many_wrong_entries_are_summarised():
    a = np.arange(1.0, 9.0)
    result = bp.gradcheck(SwappedMultiply(), a, a + 1.0)
    assert "a: 8 of 8 entries wrong" in result.verdict
    assert "... and 3 more" in result.verdict
    assert len(result.verdict.splitlines()) < 20


def test_wrong_gate_inside_a_graph_is_caught_by_the_graph_check():
    x, y = bp.inputs("x y")
    g = bp.Graph(apply(SwappedMultiply(), x + 1.0, y) * 2.0)
    result = bp.gradcheck(g, x=0.5, y=-1.25)
    assert not result.ok
    assert result.analytic["x"] == pytest.approx(2 * 1.5)        # the wrong rule
    assert result.numerical["x"] == pytest.approx(2 * -1.25)      # the truth
    assert "x: analytic 3, numerical -2.5" in result.verdict


def test_tolerance_is_a_parameter():
    class SlightlyOff(Multiply):
        def backward(self, upstream):
            da, db = super().backward(upstream)
            return da * (1 + 1e-4), db

    assert not bp.gradcheck(SlightlyOff(), 2.0, 3.0).ok
    loose = bp.gradcheck(SlightlyOff(), 2.0, 3.0, tolerance=1e-3)
    assert loose.ok and loose.max_rel_error == pytest.approx(5e-5, rel=1e-3)


# ---- misuse -------------------------------------------------------------------------


def test_gradcheck_misuse_is_explained():
    with pytest.raises(TypeError, match=r"gate instance.*Multiply\(\)"):
        bp.gradcheck(Multiply, 1.0, 2.0)
    with pytest.raises(TypeError, match=r"by name"):
        bp.gradcheck(bp.parse("x"), 1.0)
    with pytest.raises(TypeError, match=r"by position"):
        bp.gradcheck(Multiply(), a=1.0, b=2.0)
    with pytest.raises(TypeError, match=r"Graph or a Gate, got int"):
        bp.gradcheck(3)
    with pytest.raises(ValueError, match=r"missing a value for input 'y'"):
        bp.gradcheck(bp.parse("x * y"), x=1.0)


def test_a_failure_at_a_kink_says_so_and_a_smooth_point_has_no_note():
    g = bp.parse("relu(x) * y + max(x, y)")
    at_kink = bp.gradcheck(g, x=0.0, y=2.0)
    # relu(x) * y at x = 0: backprop says 0 (x > 0 is false), centered differences
    # average the two sides: (relu(h) - relu(-h)) / 2h * y = y / 2 = 1, plus max's 0.
    assert not at_kink.ok
    assert at_kink.numerical["x"] == pytest.approx(1.0)
    assert "relu" in at_kink.verdict and "kink" in at_kink.verdict
    tie = bp.gradcheck(g, x=1.0, y=1.0)
    assert not tie.ok and "(max)" in tie.verdict and "kink" in tie.verdict
    smooth = bp.gradcheck(g, x=0.5, y=2.0)
    assert smooth.ok and "kink" not in smooth.verdict


# ---- verdicts that catch the classic mistakes (issue 8) -------------------------------

class Scaled(bp.Gate):
    """f(x) = k x^2 with backward scaled by `wrong` (1 is right)."""
    def __init__(self, k=1.0, wrong=1.0):
        self.k, self.wrong = k, wrong

    def forward(self, x):
        self.x = x
        return self.k * x * x

    def backward(self, upstream):
        return (self.wrong * 2 * self.k * self.x * upstream,)


class RightMultiply(bp.Gate):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, upstream):
        return upstream * self.b, upstream * self.a


class UnswappedMultiply(RightMultiply):
    def backward(self, upstream):
        return upstream * self.a, upstream * self.b


class SquareWithoutItsTwo(bp.Gate):
    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, upstream):
        return (self.x * upstream,)


class RightMax(bp.Gate):
    def forward(self, a, b):
        self.a_wins = a > b
        return max(a, b)

    def backward(self, upstream):
        return (upstream, 0.0) if self.a_wins else (0.0, upstream)


class MaxToTheSmaller(RightMax):
    def backward(self, upstream):
        return (0.0, upstream) if self.a_wins else (upstream, 0.0)


class Stub(bp.Gate):
    def forward(self, a, b):
        ...

    def backward(self, upstream):
        ...


def test_size_cannot_hide_a_wrong_gradient():
    # gradients near 1e-9: a factor of 2 is a 33 % relative error, whatever the scale
    wrong = bp.gradcheck(Scaled(k=1e-9, wrong=2.0), 0.5)
    assert not wrong.ok and wrong.max_rel_error == pytest.approx(1 / 3, rel=1e-3)
    assert "2 times the numerical one" in wrong.verdict
    right = bp.gradcheck(Scaled(k=1e-9), 0.5)
    assert right.ok, right.verdict
    assert bp.gradcheck(Scaled(k=1e-9, wrong=2.0), np.array([0.5, -1.0, 2.0])).ok is False


def test_the_classic_gate_mistakes_fail_and_the_right_gates_pass():
    swapped = bp.gradcheck(UnswappedMultiply(), 3.0, -4.0)
    assert not swapped.ok and "look swapped" in swapped.verdict
    no_two = bp.gradcheck(SquareWithoutItsTwo(), 3.0)
    assert not no_two.ok and "0.5 times the numerical one" in no_two.verdict
    to_smaller = bp.gradcheck(MaxToTheSmaller(), 1.0, 2.0)
    assert not to_smaller.ok
    for gate, args in ((RightMultiply(), (3.0, -4.0)), (Scaled(), (3.0,)),
                       (RightMax(), (1.0, 2.0)), (RightMax(), (2.0, 1.0))):
        check = bp.gradcheck(gate, *args)
        assert check.ok and check.verdict.startswith("PASS"), check.verdict


def test_true_zero_gradients_pass_within_the_numerical_error_bar():
    # centered differences give h^2 = 1e-10 for d(x^3)/dx at 0, where the truth is 0
    assert bp.gradcheck(bp.parse("x ** 3"), x=0.0).ok
    # f ~ 1000: round-off in f(x +- h) is about 1e-13, so 0 vs ~1e-8 is no evidence
    assert bp.gradcheck(bp.parse("x*y + 1000*z"), x=1.0, y=0.0, z=3.0).ok
    # but a kink still fails, with its note
    kink = bp.gradcheck(bp.parse("relu(x)"), x=0.0)
    assert not kink.ok and "kink" in kink.verdict


def test_a_stub_gate_gets_a_fail_verdict_with_a_hint_not_a_traceback():
    stub = bp.gradcheck(Stub(), 3.0, -4.0)
    assert not stub.ok
    lines = stub.verdict.splitlines()
    assert lines[0] == "FAIL: Stub gate: it could not be run, so nothing was compared."
    assert "did you forget the return?" in stub.verdict
    assert lines[-1] == "  hint: forward must end with return: the gate's output."
    a, b = bp.inputs("a b")
    in_a_graph = bp.gradcheck(bp.Graph(Stub()(a + b, b)), a=1.0, b=2.0)
    assert in_a_graph.verdict.startswith("FAIL")
    # the kit's own gates still raise on bad input: the mistake is the caller's
    with pytest.raises(ValueError, match="missing a value"):
        bp.gradcheck(bp.parse("x * y"), x=1.0)


class IgnoresUpstream(RightMultiply):
    def backward(self, upstream):
        return self.b, self.a                    # the local gradients alone


def test_a_backward_that_ignores_its_upstream_fails():
    # at upstream 1 its numbers are right, so only the doubled upstream shows the slip
    check = bp.gradcheck(IgnoresUpstream(), 3.0, -4.0)
    assert not check.ok
    assert "backward must multiply each local gradient by upstream" in check.verdict
    assert bp.gradcheck(RightMultiply(), 3.0, -4.0).ok


def test_one_wrong_entry_gets_a_factor_hint_only_when_the_factor_tells():
    class OwnValue(bp.Gate):                     # s instead of (1 - s) s: no constant factor
        def forward(self, x):
            self.s = 1 / (1 + np.exp(-x))
            return self.s

        def backward(self, upstream):
            return (self.s * upstream,)
    assert "times the numerical" not in bp.gradcheck(OwnValue(), 1.0).verdict
    assert "0.5 times the numerical" in bp.gradcheck(SquareWithoutItsTwo(), 3.0).verdict


def test_a_callers_missing_input_is_an_error_even_with_a_learners_gate():
    x, y = bp.inputs("x y")
    with pytest.raises(ValueError, match="missing a value for input 'y'"):
        bp.gradcheck(bp.Graph(Scaled()(x) + y), x=3.0)


def test_the_ignored_upstream_verdict_says_so_first():
    check = bp.gradcheck(IgnoresUpstream(), 3.0, -4.0)
    assert check.verdict.startswith("FAIL: IgnoresUpstream gate: backward ignores its upstream")


# ---- a gate in use, a random forward, a domain edge, kinks, big inputs, bad settings --

class CachedMultiply(bp.Gate):
    """A right multiply gate that keeps its inputs in a dict it fills in place."""
    def __init__(self):
        self.cache = {}

    def forward(self, a, b):
        self.cache["a"], self.cache["b"] = a, b
        return a * b

    def backward(self, upstream):
        return upstream * self.cache["b"], upstream * self.cache["a"]


@pytest.mark.parametrize("gate_class", [RightMultiply, CachedMultiply])
def test_gradcheck_leaves_the_cache_of_a_gate_in_a_graph_alone(gate_class):
    x, y = bp.inputs("x y")
    gate = gate_class()
    g = bp.Graph(gate(x, y) + x)
    g.forward(x=3.0, y=4.0)
    assert bp.gradcheck(gate, 10.0, 20.0).ok
    # d(xy + x)/dx = y + 1 = 5 and d(xy + x)/dy = x = 3, at x = 3, y = 4: not at 10, 20
    assert g.backward() == {"x": 5.0, "y": 3.0}


class Dropout(bp.Gate):
    """A right dropout gate that draws a new mask on every forward (seeded, for the test)."""
    def __init__(self):
        self.rng = np.random.default_rng(1)

    def forward(self, x):
        self.mask = (self.rng.random(np.shape(x)) < 0.5) / 0.5
        return x * self.mask

    def backward(self, upstream):
        return (upstream * self.mask,)


class FixedMaskDropout(Dropout):
    """The same gate with its mask drawn once, outside forward."""
    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        return x * self.mask


def test_a_forward_that_draws_a_new_mask_each_run_is_not_judged_by_its_numbers():
    x = np.linspace(-1.0, 1.0, 6)
    for args in ((x,), (1.5,)):
        check = bp.gradcheck(Dropout(), *args)
        assert not check.ok
        assert check.verdict.startswith("FAIL: Dropout gate: forward is not deterministic")
        assert "numerical gradient means nothing" in check.verdict
        assert "upstream" not in check.verdict       # the backward is right: no hint about it
    mask = np.array([2.0, 0.0, 2.0, 2.0, 0.0, 0.0])
    assert bp.gradcheck(FixedMaskDropout(mask), x).ok
    v = bp.inputs("v")
    fixed = bp.gradcheck(bp.Graph(bp.sum(FixedMaskDropout(mask)(v))), v=x)
    assert fixed.ok, fixed.verdict
    np.testing.assert_allclose(fixed.numerical["v"], mask, rtol=1e-9)   # d sum(v * mask) / dv


class Sqrt(bp.Gate):
    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, upstream):
        return (upstream * 0.5 / self.out,)


def test_a_point_within_h_of_the_domain_edge_is_explained_not_blamed_on_an_input():
    # log and sqrt are defined at 1e-6, but the numerical gradient also needs f at
    # 1e-6 - h = -9e-06, where they are not
    for target, args, kwargs, where in ((bp.parse("log(x)"), (), {"x": 1e-6}, "x"),
                                        (bp.parse("x ** 0.5"), (), {"x": 1e-6}, "x"),
                                        (Sqrt(), (1e-6,), {}, "a")):
        with pytest.raises(ValueError, match=rf"(?s)f is not defined at {where} - h = -9e-06 "
                                             r"\(h = 1e-05\).*further than h from the edge"):
            bp.gradcheck(target, *args, **kwargs)
    # 1.5e-5 - h is fine, but the error bar also needs 1.5e-5 - 2h = -5e-06
    with pytest.raises(ValueError, match=r"(?s)x - 2h = -5e-06.*further than 2h"):
        bp.gradcheck(bp.parse("log(x)"), x=1.5e-5)
    with pytest.raises(ValueError, match=r"x\[1\] - h = -9e-06"):
        bp.gradcheck(bp.parse("sum(log(x))"), x=np.array([1.0, 1e-6]))
    assert bp.gradcheck(bp.parse("log(x)"), x=1e-6, h=1e-8).ok       # a smaller h: checked


class ReLU(bp.Gate):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, upstream):
        return (upstream * (self.x > 0),)


class ReLUTimesThree(ReLU):
    def backward(self, upstream):
        return (3.0 * upstream * (self.x >= 0),)


def test_a_learners_gate_on_a_kink_gets_both_slopes_and_no_factor_hint():
    # relu at 0: f(0 - h) = 0, f(0) = 0, f(0 + h) = h: slope 0 on the left, 1 on the right,
    # and the centered difference (h - 0) / 2h = 0.5 averages them
    relu = bp.gradcheck(ReLU(), 0.0)
    assert not relu.ok and relu.numerical["x"] == pytest.approx(0.5)
    assert "x: analytic 0, numerical 0.5, relative error 1.0e+00 (on a kink: slope 0 on the " \
           "left, 1 on the right)" in relu.verdict
    assert "no evidence of a bug" in relu.verdict
    # max at a tie: b wins (a > b is false), so backprop says (0, 1); the numerical (0.5, 0.5)
    # is off by a factor 2 in b, but that is the kink, not a constant factor
    tie = bp.gradcheck(RightMax(), 1.0, 1.0)
    assert not tie.ok and tie.analytic == {"a": 0.0, "b": 1.0}
    assert "times the numerical" not in tie.verdict
    assert "a, b sit on a kink" in tie.verdict
    kit_tie = bp.gradcheck(bp.parse("max(x, y)"), x=1.0, y=1.0)
    assert "times the numerical" not in kit_tie.verdict and "kink" in kit_tie.verdict
    # a backward that is wrong on the kink too (3 is outside [0, 1]) is not excused
    wrong = bp.gradcheck(ReLUTimesThree(), 0.0)
    assert "the two sides differ: slope 0 on the left, 1 on the right" in wrong.verdict
    assert "no evidence" not in wrong.verdict
    # away from the kink: nothing about kinks
    assert "kink" not in bp.gradcheck(ReLU(), np.array([-1.0, 2.0])).verdict


class SumOfSquares(bp.Gate):
    """f(x) = sum(x^2), one number; backward scaled by `wrong` (1 is right). Counts its runs."""
    runs = 0

    def __init__(self, wrong=1.0):
        self.wrong = wrong

    def forward(self, x):
        type(self).runs += 1
        self.x = x
        return float(np.sum(x * x))

    def backward(self, upstream):
        return (self.wrong * 2.0 * self.x * upstream,)


def test_a_big_input_is_checked_on_a_seeded_sample_that_still_catches_a_wrong_gradient():
    from bpwidgets.check import BUDGET
    x = np.random.default_rng(3).standard_normal(5000)
    SumOfSquares.runs = 0
    right = bp.gradcheck(SumOfSquares(), x)
    assert right.ok, right.verdict
    assert "checked 100 of 5,000 entries of x, chosen at random (seed 0)" in right.verdict
    assert SumOfSquares.runs < 2 * BUDGET + 20          # two per checked entry, not 10,000
    checked = ~np.isnan(right.numerical["x"])
    assert checked.sum() == BUDGET == 100
    # d sum(x^2) / dx = 2x, up to round-off in f ~ 5000 over 2h
    np.testing.assert_allclose(right.numerical["x"][checked], 2 * x[checked], atol=1e-6)
    # the same seed checks the same entries; another seed, others
    assert np.array_equal(~np.isnan(bp.gradcheck(SumOfSquares(), x).numerical["x"]), checked)
    assert not np.array_equal(~np.isnan(bp.gradcheck(SumOfSquares(), x, seed=1)
                                        .numerical["x"]), checked)
    # backward twice too big in every entry: every sampled entry shows it
    wrong = bp.gradcheck(SumOfSquares(wrong=2.0), x)
    assert not wrong.ok
    assert "  x: 100 of 100 checked entries wrong" in wrong.verdict.splitlines()
    assert "backprop's x is 2 times the numerical one" in wrong.verdict
    assert "checked 100 of 5,000 entries of x" in wrong.verdict


def test_the_budget_is_shared_so_every_input_gets_checked():
    # a budget of 100 entries, half each: x's 30 entries fit in its half and are all
    # checked; W gets the other 100 - 30 = 70 of its 600
    g = bp.parse("sum(tanh(W @ x))")
    rng = np.random.default_rng(0)
    W, x = 0.1 * rng.standard_normal((20, 30)), rng.standard_normal(30)
    check = bp.gradcheck(g, W=W, x=x)
    assert check.ok, check.verdict
    assert "checked 70 of 600 entries of W (the other inputs in full)" in check.verdict
    assert not np.isnan(check.numerical["x"]).any()
    assert (~np.isnan(check.numerical["W"])).sum() == 70


def test_a_graph_of_many_scalar_inputs_checks_a_random_hundred_of_them():
    g = bp.parse(" + ".join(f"w{i}*x{i}" for i in range(150)))       # 300 scalar inputs
    values = {name: 0.5 for name in g.inputs}
    check = bp.gradcheck(g, **values)
    assert check.ok, check.verdict
    assert check.verdict.startswith("PASS: the gradients of w0, x0, w1, x1,")
    assert "... (300 inputs)" in check.verdict
    assert "checked 100 of 300 entries (200 of the 300 inputs not at all), chosen at random " \
           "(seed 0)" in check.verdict
    assert sum(not np.isnan(n) for n in check.numerical.values()) == 100


def test_bad_settings_and_inputs_are_refused_naming_what_is_wrong():
    g = bp.parse("x * y")
    for h in (0, -1e-5, "1e-5", float("nan")):
        with pytest.raises(ValueError, match="h must be a positive number"):
            bp.gradcheck(g, x=1.0, y=2.0, h=h)
    with pytest.raises(ValueError, match="tolerance must be a positive number"):
        bp.gradcheck(g, x=1.0, y=2.0, tolerance=0)
    with pytest.raises(ValueError, match=r"input 'x' is empty \(shape \(0,\)\)"):
        bp.gradcheck(bp.parse("sum(x)"), x=np.array([]))
    with pytest.raises(ValueError, match="the graph has no inputs"):
        bp.gradcheck(bp.parse("2 * 3"))
    # a bad argument is the caller's slip, not the gate's: named, not a FAIL of the gate
    with pytest.raises(ValueError, match="input 'a' is NaN"):
        bp.gradcheck(RightMultiply(), float("nan"), 2.0)
    with pytest.raises(TypeError, match="input 'b' must be a number.*got bool True"):
        bp.gradcheck(RightMultiply(), 2.0, True)


def test_a_learners_gate_whose_bias_gradient_the_engine_summed_is_told_so():
    """The engine sums a gradient of the output's shape to a broadcast input's shape, for
    every gate (lesson 05). A learner's Z + b gate returning db = upstream passes here,
    but as a CS231n layer it would be wrong: the verdict says so, naming b and shapes."""

    class BiasAdd(bp.Gate):
        def forward(self, Z, b):
            return Z + b

        def backward(self, upstream):
            return upstream, upstream

    class SummedBiasAdd(BiasAdd):
        def backward(self, upstream):
            return upstream, upstream.sum(axis=0)

    rng = np.random.default_rng(0)
    Z, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    check = bp.gradcheck(BiasAdd(), Z, b)
    assert check.ok
    assert ("note: BiasAdd.backward gave b's gradient the output's shape (4, 3); the engine "
            "summed it to b's shape (3,)") in check.verdict
    assert "backward must do that sum itself" in check.verdict
    summed = bp.gradcheck(SummedBiasAdd(), Z, b)
    assert summed.ok and "note" not in summed.verdict        # nothing to say


def test_a_gate_given_too_few_inputs_is_the_callers_slip_not_a_fail():
    """gradcheck(RightMultiply(), 1.0): the gate is fine; the call is short of an input."""
    with pytest.raises(TypeError,
                       match=r"RightMultiply.forward\(a, b\) cannot take the 1 input\(s\)"):
        bp.gradcheck(RightMultiply(), 1.0)
    assert bp.gradcheck(RightMultiply(), 1.0, 2.0).ok


def test_gradcheck_and_jacobian_of_a_graph_after_forward_work_at_that_point():
    """gradcheck(g) after g.forward(...) said "forward() is missing a value for input 'x'",
    blaming a call the user never made; nudge(g, ...) already took the last forward's
    inputs. By hand at x=-2, y=5, z=-4: df/dx = z = -4."""
    g = bp.parse("(x + y) * z")
    with pytest.raises(RuntimeError, match=r"^gradcheck needs the point to work at: "
                                           r"gradcheck\(g, x=\.\.\., \.\.\.\) .*\(x, y, z\), "
                                           r"or run g\.forward\(\.\.\.\) first$"):
        bp.gradcheck(g)
    with pytest.raises(RuntimeError, match=r"^jacobian needs the point to work at"):
        bp.jacobian(g, wrt="x")
    g.forward(x=-2, y=5, z=-4)
    verdict = bp.gradcheck(g)
    assert verdict.ok and verdict.analytic == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert bp.jacobian(g, wrt="x").tolist() == [[-4.0]]
    assert g.forward_done and float(g.inputs["z"].value) == -4.0    # left at that point


@pytest.mark.parametrize("kwargs, error, said", [
    (dict(wrt=["x"]), TypeError, r"takes one input's name, such as wrt='x'"),
    (dict(wrt="x", max_entries="10"), ValueError, r"max_entries .* whole number >= 1, got '10'"),
    (dict(wrt="x", max_entries=-1), ValueError, r"max_entries .* whole number >= 1, got -1"),
])
def test_jacobian_names_a_bad_wrt_or_max_entries(kwargs, error, said):
    """wrt=['x'] gave "unhashable type: 'list'"; max_entries='10' "'>' not supported";
    max_entries=-1 a refusal "over the limit of -1 entries (-8 B)"."""
    with pytest.raises(error, match=said):
        bp.jacobian(bp.parse("relu(x)"), x=[1.0, -2.0], **kwargs)


@pytest.mark.parametrize("seed", ["a", -1, 1.5])
def test_every_seed_is_checked_naming_the_argument(seed):
    """gradcheck(seed='a'), explore(seed=-1) and compare_relu_jacobian(seed=1.5) failed
    inside numpy ("SeedSequence expects int", "expected non-negative integer")."""
    g = bp.parse("(x + y) * z")
    message = rf"^seed must be a whole number >= 0, got {re.escape(repr(seed))}$"
    for call in (lambda: bp.gradcheck(g, x=1.0, y=2.0, z=3.0, seed=seed),
                 lambda: bp.explore(g, x=1.0, y=2.0, z=3.0, seed=seed),
                 lambda: bp.compare_relu_jacobian(n=8, repeats=1, seed=seed)):
        with pytest.raises(ValueError, match=message):
            call()


def test_a_gate_that_computes_in_float32_is_named_and_not_blamed_for_a_wrong_factor():
    """3x in float32 has backward 3 * upstream, right; but with h = 1e-5, float32's
    round-off (eps 1.2e-7) makes the numerical slope off by about 1e-2 relative, and the
    verdict said "a constant factor is off"."""
    class Times3InFloat32(bp.Gate):
        def forward(self, x):
            return np.float32(3) * x.astype(np.float32)

        def backward(self, upstream):
            return (3 * upstream,)

    verdict = bp.gradcheck(Times3InFloat32(), np.ones(3)).verdict
    assert "computes in float32" in verdict and "cannot judge backward" in verdict
    assert "Compute forward in float64" in verdict
    assert "factor" not in verdict

    class Times3(bp.Gate):                         # the same gate in float64 passes
        def forward(self, x):
            return 3 * x

        def backward(self, upstream):
            return (3 * upstream,)

    assert bp.gradcheck(Times3(), np.ones(3)).ok


def test_a_float32_gate_with_a_real_bug_still_gets_the_factor_hint():
    """With backward 2 * upstream for 3x, the error (1/5 relative) is twenty times what
    float32's round-off explains (1.2e-7 / 1e-5): the verdict must not call it round-off."""
    class Times3InFloat32Wrong(bp.Gate):
        def forward(self, x):
            return np.float32(3) * x.astype(np.float32)

        def backward(self, upstream):
            return (2 * upstream,)

    verdict = bp.gradcheck(Times3InFloat32Wrong(), np.ones(3)).verdict
    assert "computes in float32" in verdict and "look at backward too" in verdict
    assert "cannot judge" not in verdict
    assert "factor" in verdict


def test_a_wrong_scalar_guess_in_a_graph_with_array_inputs_gets_a_hint():
    """The 'another point' hint converted every input to a float: sum(c * x) with an
    array x raised "only 0-dimensional arrays can be converted" on any wrong guess for c.
    By hand, d sum(c x)/dc = sum(x) = 3."""
    g = bp.parse("sum(c * x)")
    verdict = bp.check_prediction(g, "c", 5.0, c=2.0, x=np.array([1.0, 2.0]))
    assert not verdict.ok and verdict.hint
    assert bp.check_prediction(g, "c", 3.0).ok


def test_jacobian_takes_max_entries_inf_as_no_limit():
    """The size refusal says "pass max_entries= to raise the limit": inf is the natural
    way to lift it. By hand, relu's Jacobian at (1, -2) is diag(1, 0)."""
    J = bp.jacobian(bp.parse("relu(x)"), wrt="x", x=[1.0, -2.0], max_entries=float("inf"))
    assert J.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_the_cache_check_sees_a_dict_cache_and_not_the_kits_own_calls():
    """A cache kept in a dict (self.cache['a'] = a) was not seen: a hand-run forward gave
    backward x = -4, y = 3 (by hand: 3 and 2 at x=2, y=3). And local_gradients that keeps
    something on the gate, called by the kit to draw or caption, is no hand-run."""
    x, y = bp.inputs("x y")
    mul = CachedMultiply()
    g = bp.Graph(mul(x, y))
    g.forward(x=2.0, y=3.0)
    assert g.backward() == {"x": 3.0, "y": 2.0}
    explorer = bp.explore(g, x=2.0, y=3.0)          # its copy of the gate has its own cache
    explorer.sliders["x"].value = -1.0
    g.forward(x=2.0, y=3.0)
    assert g.backward() == {"x": 3.0, "y": 2.0}
    mul.forward(3.0, -4.0)
    with pytest.raises(RuntimeError, match="has run outside the graph"):
        g.backward()

    class Square(bp.Gate):
        def forward(self, a):
            self.a = a
            return a * a

        def local_gradients(self):
            self.local = 2 * self.a                  # kept on the gate: allowed
            return (self.local,)

    g = bp.Graph(Square()(x) * 3)
    g.forward(x=2.0)
    assert g.backward() == {"x": 12.0}
    bp.backward_steps(g)
    bp.render.to_svg(g, show_local=True)
    assert g.backward() == {"x": 12.0}


def test_a_mismatch_only_on_kinks_gets_no_verdict_and_a_real_bug_still_fails():
    """A correct relu checked at 0 was headed FAIL, and a note under it said the mismatch is
    no evidence of a bug: a student reads the first word. Where every mismatch sits on a
    kink with backprop's value between the two slopes, the check has no verdict."""
    relu = bp.gradcheck(ReLU(), np.array([0.0, 1.5, -2.0]))
    assert not relu.ok
    assert relu.verdict.startswith("NO VERDICT: ReLU gate: every mismatch sits on a kink, "
                                   "where this check cannot tell right from wrong")
    graph = bp.gradcheck(bp.parse("relu(x) * y + max(x, y)"), x=0.0, y=2.0)
    assert graph.verdict.startswith("NO VERDICT: every mismatch sits on a kink")
    # wrong on the kink too (3 lies outside the slopes 0 and 1): a bug, FAIL
    assert bp.gradcheck(ReLUTimesThree(), 0.0).verdict.startswith("FAIL: ")
    # right on the kink (0 lies between the slopes), wrong away from it: FAIL

    class ReLUTimesThreeAboveZero(ReLU):
        def backward(self, upstream):
            return (3.0 * upstream * (self.x > 0),)

    mixed = bp.gradcheck(ReLUTimesThreeAboveZero(), np.array([0.0, 1.5]))
    assert mixed.verdict.startswith("FAIL: ") and "3 times the numerical" in mixed.verdict


def test_a_graph_check_names_the_gate_whose_backward_ignores_upstream():
    """In lesson 05's neuron, a sigmoid gate that forgot upstream was reported as 'backward
    ignores its upstream gradient' with no word of which of five gates. The gates below it
    get a wrong upstream, not two: they are not named."""
    class SigmoidNoUpstream(bp.Gate):
        def forward(self, x):
            self.s = 1 / (1 + np.exp(-x))
            return self.s

        def backward(self, upstream):
            return ((1 - self.s) * self.s,)

    w0, x0, w1, x1, w2 = bp.inputs("w0 x0 w1 x1 w2")
    point = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    neuron = bp.Graph(SigmoidNoUpstream()(RightMultiply()(w0, x0) + RightMultiply()(w1, x1) + w2))
    check = bp.gradcheck(neuron, **point)
    assert not check.ok
    assert check.verdict.startswith("FAIL: backward ignores its upstream gradient (at node n9 "
                                    "(SigmoidNoUpstream)): ")
    scaled = bp.gradcheck(bp.Graph(SigmoidNoUpstream()(RightMultiply()(w0, x0) + RightMultiply()(w1, x1) + w2)
                                   * 3.0), **point)
    assert "did not double (at node n9 (SigmoidNoUpstream)): backward must" in scaled.verdict
    assert "Multiply" not in scaled.verdict
