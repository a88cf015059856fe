"""The gradient as sensitivity: f(x + h) - f(x) against df/dx × h, by hand."""

import numpy as np
import pytest

import bpwidgets as bp


def test_a_linear_input_moves_the_output_by_exactly_gradient_times_h():
    g = bp.parse("(x + y) * z")
    n = bp.nudge(g, "x", 0.5, x=-2, y=5, z=-4)
    assert (n.before, n.after, n.grad) == (-12.0, -14.0, -4.0)     # (3.5)(-4) = -14
    assert n.change == pytest.approx(-2.0) and n.predicted == pytest.approx(-2.0)
    assert repr(n) == ("nudge x by h = 0.5: f moves from -12 to -14, by -2; "
                       "df/dx × h = -4 × 0.5 = -2 (they agree)")
    # the graph is left at the starting point, gradients included
    assert g.output.value == -12.0 and g.input_grads() == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_on_a_curve_the_two_part_by_h_squared():
    g = bp.parse("x * x")
    for h in (0.01, 0.1, 1.0):
        n = bp.nudge(g, "x", h, x=3)
        # (3 + h)^2 - 9 = 6h + h^2: the gradient predicts 6h, the gap is h^2
        assert n.change == pytest.approx(6 * h + h * h)
        assert n.gap == pytest.approx(h * h)
    assert "off by 1, 14% of the change" in repr(bp.nudge(g, "x", 1.0, x=3))


def test_across_a_kink_the_gradient_says_nothing_about_the_jump():
    g = bp.parse("max(x, y)")
    assert bp.nudge(g, "x", 0.5, x=1, y=2).gap == 0          # x still loses: no change
    crossed = bp.nudge(g, "x", 2, x=1, y=2)                  # x wins now: f moves by 1
    assert crossed.change == 1 and crossed.predicted == 0
    assert "100% of the change" in repr(crossed)


def test_an_entry_of_an_array_input():
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    g = bp.parse("sum((W @ x) ** 2)")
    n = bp.nudge(g, "W", 1e-4, entry=(0, 1), W=W, x=x)
    assert n.name == "W[0,1]" and n.grad == pytest.approx(0.176)    # the lecture's dW[0, 1]
    assert n.change == pytest.approx(0.176e-4, rel=1e-3)
    with pytest.raises(ValueError, match="say which entry"):
        bp.nudge(g, "W", 0.1)
    with pytest.raises(ValueError, match=r"entry \(2, 0\) is not an entry of 'W'"):
        bp.nudge(g, "W", 0.1, entry=(2, 0))


def test_bad_nudges_are_refused_clearly():
    g = bp.parse("x * y")
    with pytest.raises(ValueError, match="'z' is not an input"):
        bp.nudge(g, "z", 0.1, x=1, y=2)
    with pytest.raises(ValueError, match="nonzero finite"):
        bp.nudge(g, "x", 0, x=1, y=2)
    with pytest.raises(RuntimeError, match="needs the inputs"):
        bp.nudge(bp.parse("x * y"), "x", 0.1)
    with pytest.raises(ValueError, match="one output number"):
        bp.nudge(bp.parse("W @ x"), "x", 0.1, entry=0, W=np.eye(2), x=np.ones(2))


def test_a_bad_h_or_entry_is_refused_saying_what_was_expected():
    g = bp.parse("(x + y) * z")
    for h in ("0.1", 1j, True):
        with pytest.raises(ValueError, match=r"h must be a real number like 0\.1, got"):
            bp.nudge(g, "x", h, x=-2, y=5, z=-4)
    m = bp.parse("sum(W @ x)")
    W, x = np.ones((2, 3)), np.arange(3.0)
    for entry in (0, slice(None), (0, 1, 2), (0.0, 1)):
        with pytest.raises(ValueError, match=r"entry must be an index tuple like \(0, 1\) for "
                                             r"input 'W' of shape \(2, 3\)"):
            bp.nudge(m, "W", 0.1, entry=entry, W=W, x=x)
    # an int picks an entry of a vector: d sum(W @ x) / dx[1] = W[0, 1] + W[1, 1] = 2
    assert bp.nudge(m, "x", 0.1, entry=1, W=W, x=x).grad == 2.0
    with pytest.raises(ValueError, match=r"'x' is a number, not an array"):
        bp.nudge(g, "x", 0.1, entry=0, x=-2, y=5, z=-4)


def test_a_nudge_out_of_the_domain_says_so_and_leaves_the_graph_at_its_point():
    g = bp.parse("log(x)")
    with pytest.raises(ValueError, match=r"nudge: f is not defined at x \+ h = -1 \(h = -2\)"):
        bp.nudge(g, "x", -2, x=1.0)
    assert g.forward_done and g.output.value == 0.0           # log(1), where it started
    assert bp.nudge(g, "x", 0.5, x=1.0).after == pytest.approx(np.log(1.5))


@pytest.mark.parametrize("h", [1e-300, -1e-300, 1e-17])
def test_an_h_too_small_to_move_the_input_is_refused(h):
    """h=1e-300 left x at 3 in floating point, and the nudge said the gradient was 100% off."""
    g = bp.parse("x * x")
    with pytest.raises(ValueError) as caught:
        bp.nudge(g, "x", h, x=3)
    assert str(caught.value) == (
        f"nudge: h = {h:g} is too small to move x = 3: in floating point 3 + h is 3 again "
        "(a float keeps about 16 significant digits), so f cannot change. Choose |h| from "
        "about 3e-08 to 0.3")
    assert g.output.value == 9.0 and g.input_grads() == {"x": 6.0}    # left where it started
    assert bp.nudge(g, "x", 3e-8, x=3).relative_gap < 1e-6       # the range's low end shows it


def test_an_entry_too_big_for_h_to_move_is_named():
    g = bp.parse("sum(x * x)")
    with pytest.raises(ValueError, match=r"^nudge: h = 1e-06 is too small to move x\[1\] = "
                                         r"1e\+12: .* Choose \|h\| from about 10000 to 1e\+11$"):
        bp.nudge(g, "x", 1e-6, entry=1, x=np.array([1.0, 1e12]))


def test_an_h_whose_change_of_f_is_lost_to_round_off_is_refused():
    """x moves from 0 to 1e-20, but 1 + 1e-20 is 1: f cannot change, and the nudge said
    100% off."""
    g = bp.parse("x + y")
    with pytest.raises(ValueError) as caught:
        bp.nudge(g, "x", 1e-20, x=0.0, y=1.0)
    assert str(caught.value) == (
        "nudge: h = 1e-20 is too small to change f = 1: df/dx × h = 1e-20 is lost to "
        "round-off, as 1 + 1e-20 is 1 again in floating point (a float keeps about 16 "
        "significant digits). Choose |h| from about 1e-08 to 0.1")
    assert g.output.value == 1.0 and g.input_grads() == {"x": 1.0, "y": 1.0}
    # a tiny h that f can show is fine, and so is a nudge the gradient says changes nothing
    assert "(they agree)" in repr(bp.nudge(g, "x", 1e-300, x=0.0, y=0.0))
    assert bp.nudge(bp.parse("max(x, y)"), "x", 1e-300, x=0.0, y=2.0).gap == 0


def test_an_h_small_enough_for_round_off_to_show_says_so():
    """h = 1.5e-16 moves x = 1 by one float step: f = x*x moves by 4.4e-16 where the
    gradient says 3e-16, and the nudge reported '32% off' with no word on why. The gap is
    round-off (the curve's own bend, h^2 = 2e-32, is far smaller): it now says so, with
    the range of h to use. A usual h gets no such note."""
    tiny = bp.nudge(bp.parse("x * x"), "x", 1.5e-16, x=1.0)
    assert tiny.change == 2 * np.finfo(float).eps and tiny.relative_gap > 0.3
    assert repr(tiny).endswith("% of the change); an h this small lets round-off show in "
                               "f(x + h) - f(x). Choose |h| from about 1e-08 to 0.1")
    usual = bp.nudge(bp.parse("x * x"), "x", 1e-3, x=1.0)
    assert "round-off" not in repr(usual) and "off by" in repr(usual)   # the bend shows
    assert "round-off" not in repr(bp.nudge(bp.parse("x * x"), "x", 1e-6, x=1.0))
    # at x = 0, x*x moves by exactly h^2 where the gradient says 0: the bend, not round-off
    bend = bp.nudge(bp.parse("x * x"), "x", 1e-12, x=0.0)
    assert bend.change == 1e-24 and bend.predicted == 0 and "round-off" not in repr(bend)


def test_an_input_may_be_named_h_and_one_named_entry_is_refused_by_name():
    """nudge's first three arguments are positional, so h=... after them is an input
    (it raised "got multiple values for argument 'h'"); entry= stays nudge's own word, and
    a graph with an input named entry is told to rename it, not that entry is missing."""
    g = bp.parse("h * x")
    n = bp.nudge(g, "x", 0.5, h=3, x=2)             # f = 3 x: moves by 3 * 0.5
    assert (n.before, n.after, n.grad) == (6.0, 7.5, 3.0)
    with pytest.raises(ValueError, match="input named 'entry'.*rename the input"):
        bp.nudge(bp.parse("entry * x"), "x", 0.5, entry=3, x=2)
