"""Predict, then check: verdicts judged at the precision the student typed.

The truths here are hand computations: sigma(3) = 1/(1 + e^-3), the lecture's (x + y) z,
and dW = dD X^T, dX = W^T dD for D = W X.
"""

import math

import numpy as np
import pytest

import bpwidgets as bp

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
W2_AT_MINUS_1 = dict(LECTURE, w2=-1)          # u = 3: the point of issue 8's example
S3 = 1 / (1 + math.exp(-3))                    # sigma(3) = 0.9526
LOCAL = (1 - S3) * S3                          # 0.04518: df/dw2 there


def verdict(guess, name="w2", point=W2_AT_MINUS_1):
    return bp.check_prediction(bp.parse(SIGMOID), name, guess, **point)


def test_the_lecture_graph_gives_a_clear_verdict():
    g = bp.parse("(x + y) * z")
    right = bp.check_prediction(g, "x", -4, x=-2, y=5, z=-4)
    assert right.ok
    assert repr(right) == "RIGHT: you predicted df/dx = -4; the graph gives -4."
    flipped = bp.check_prediction(g, "z", -3)
    assert not flipped.ok
    sign_hint = ("Hint: the sign is wrong: count the negative local gradients on the way "
                 "back from the output (each one flips the sign of what passes through).")
    assert repr(flipped) == f"NOT YET: you predicted df/dz = -3, which is not it. {sign_hint}"
    assert flipped.actual == 3.0                        # kept, but not in the text
    # the same hint for any size with the wrong sign: it must not confirm that 3 is right
    # in size ("the size is right, the sign is flipped" gave the answer away)
    for guess in (-1, -3, -7.5):
        assert repr(bp.check_prediction(g, "z", guess)).endswith(sign_hint), guess
    value = bp.check_prediction(g, "n4", -12)           # f itself: its value, not its gradient
    assert not value.ok and "value" in value.hint
    own = bp.check_prediction(g, "n2", 3)               # q's own value: the mul swap forgotten
    assert not own.ok and "mul swaps" in own.hint
    assert bp.check_prediction(g, "n2", -4).ok
    assert not bp.check_prediction(g, "y", -3.5).ok
    routed = bp.check_prediction(bp.parse("max(z, w)"), "z", 1.0, z=2, w=5)
    assert "max routes" in routed.hint                   # the slip: z lost the max
    assert "0" not in routed.hint                        # no give-away
    dead = bp.check_prediction(bp.parse("relu(x) * y"), "x", 0.5, x=-1, y=3)
    assert "does every gate on the way pass" in dead.hint   # a true zero: follow the path
    assert "max" not in dead.hint and "0" not in dead.hint  # no gate the graph lacks, no answer


def test_answers_at_the_precision_typed_are_right():
    assert abs(LOCAL - 0.0452) < 5e-5
    for guess in (0.05, 0.045, 0.0452, "0.045", "0.0452", LOCAL):
        assert verdict(guess).ok, guess
    # the lecture's own rounding: x0 gets 0.39, "0.4" to one decimal
    assert verdict(0.4, "x0", LECTURE).ok and verdict(0.39, "x0", LECTURE).ok
    assert verdict(2 * LOCAL, "x0").ok and verdict(0.09, "x0").ok


def test_classic_slips_get_a_hint_that_names_what_to_check():
    """Each slip replayed by hand gives the guess; the hint says where to look, not what."""
    s2 = 1 / (1 + math.exp(-2))                     # w2 = -2: u = 2, sigma = 0.881
    point = dict(LECTURE, w2=-2)
    forgot_square = verdict(round(1 - s2, 3), "w2", point)          # 0.119: (1 - s) alone
    assert "1/x gate" in forgot_square.hint and "keep the square" in forgot_square.hint
    g = bp.parse(SIGMOID)
    sigma_gate = bp.collapse(g, bp.find_sigmoids(g)[0])
    for slip in (1 - s2, s2):
        hint = bp.check_prediction(sigma_gate, "w2", round(slip, 3), **point).hint
        assert "(1 - σ)σ has two factors" in hint
    fork = bp.parse("x*y + x")
    for one_path in (-4, 1):                        # y alone, or 1 alone: df/dx = y + 1 = -3
        assert "used 2 times" in bp.check_prediction(fork, "x", one_path, x=3, y=-4).hint
    routed = bp.parse("2 * (x*y + max(z, w))")
    assert "max routes" in bp.check_prediction(routed, "w", 0, x=3, y=-4, z=2, w=5).hint
    assert "mul swaps" in bp.check_prediction(routed, "y", -8, x=3, y=-4, z=2, w=-1).hint
    skipped = bp.check_prediction(routed, "y", 3, x=3, y=-4, z=2, w=-1)   # the *2 left out
    assert "missing from your product" in skipped.hint
    square = bp.parse("x ** 2")
    assert "bring the exponent down" in bp.check_prediction(square, "x", 3, x=3).hint
    for wrong in (0.119, 0.238, 3, -8, 1):
        for text in (forgot_square, skipped):
            assert str(round(text.actual, 2)) not in text.hint


def test_the_classic_sigmoid_slips_are_not_yet():
    one_minus_s = 1 - S3                                 # (1 - s) without the s: 0.0474
    assert not verdict(0.0474).ok
    assert not verdict(one_minus_s).ok                   # the slip computed in Python
    assert not verdict(round(2 * one_minus_s, 4), "x0").ok    # 0.0949 for df/dx0 = 0.0903
    assert not verdict(2 * one_minus_s, "x0").ok
    assert not verdict(S3).ok                            # s itself


def test_more_digits_than_are_right_is_not_yet():
    assert not verdict("0.0450").ok           # claims 0.04495 .. 0.04505; the truth is 0.04518
    assert not verdict(0.04).ok
    assert not verdict(LOCAL * (1 + 1e-4)).ok             # a long number must agree to 1e-6
    assert verdict(LOCAL * (1 + 1e-8)).ok


def test_a_guess_too_coarse_to_show_the_answer_is_not_yet():
    zero = verdict(0)                       # 0.045 rounds to 0, but "0" does not say it
    assert not zero.ok and "not zero" in zero.hint
    coarse = bp.check_prediction(bp.parse("x * y"), "x", 0.1, x=1, y=0.07)
    assert not coarse.ok and "too coarse" in coarse.hint
    assert bp.check_prediction(bp.parse("x * y"), "x", 0.07, x=1, y=0.07).ok
    # a true zero is right as 0, and a number near it is not
    assert bp.check_prediction(bp.parse("max(z, w)"), "z", 0, z=2, w=5).ok
    assert not bp.check_prediction(bp.parse("max(z, w)"), "z", 0.001, z=2, w=5).ok


def test_the_guess_is_echoed_as_typed_and_the_answer_stays_hidden():
    for guess, text in ((0.0474, "0.0474"), ("0.0450", "0.0450"), (0.1, "0.1"), (-2, "-2")):
        wrong = verdict(guess)
        assert not wrong.ok
        assert f"df/dw2 = {text}," in repr(wrong)
        for answer in ("0.045", "0.0452", "0.04518", "0.05"):
            assert answer not in repr(wrong).replace(f"= {text},", ""), (guess, answer)
    right = verdict("0.045")
    assert repr(right) == "RIGHT: you predicted df/dw2 = 0.045; the graph gives 0.04518."


def test_an_unwritten_guess_asks_for_one_and_reveals_nothing():
    stub = verdict(None)
    assert not stub.ok
    assert repr(stub).startswith("NOT YET: write your prediction")
    assert not any(ch.isdigit() for ch in repr(stub))


def test_bad_guesses_get_clear_errors():
    with pytest.raises(ValueError, match="'abc' is not a number"):
        verdict("abc")
    with pytest.raises(TypeError, match="yes/no"):
        verdict(True)
    with pytest.raises(ValueError, match="finite"):
        verdict(float("nan"))
    with pytest.raises(ValueError, match="no input or node named 'q'"):
        bp.check_prediction(bp.parse("sum(W @ x)"), "q", 1, W=[[1, 2]], x=[1, 1])
    with pytest.raises(RuntimeError, match="needs the inputs"):
        bp.check_prediction(bp.parse("x * y"), "x", 1.0)


def test_matrix_gradients_by_dimension_analysis():
    """D = W X: dW = dD X^T and dX = W^T dD (the lecture's matrix-matrix case)."""
    rng = np.random.default_rng(0)
    W, X, dD = rng.standard_normal((5, 10)), rng.standard_normal((10, 3)), rng.standard_normal((5, 3))
    g = bp.parse("W @ X")
    assert bp.check_prediction(g, "W", dD @ X.T, upstream=dD, W=W, X=X).ok
    assert bp.check_prediction(g, "X", W.T @ dD, upstream=dD, W=W, X=X).ok
    transposed = bp.check_prediction(g, "W", X @ dD.T, upstream=dD, W=W, X=X)   # (10, 5)
    assert not transposed.ok and "shape (10, 5)" in repr(transposed)
    assert "shape of W itself" in transposed.hint
    off = bp.check_prediction(g, "W", dD @ X.T * 1.01, upstream=dD, W=W, X=X)
    assert not off.ok and "50 of 50 entries" in repr(off)
    rounded = np.round(dD @ X.T, 2)                       # two decimals typed: right
    assert bp.check_prediction(g, "W", rounded, upstream=dD, W=W, X=X).ok
    with pytest.raises(ValueError, match="upstream= needs the inputs"):
        bp.check_prediction(g, "W", rounded, upstream=dD)


def test_check_shape():
    W, X = np.zeros((5, 10)), np.zeros((10, 3))
    g = bp.parse("W @ X")
    assert bp.check_shape(g, "W", (5, 10), W=W, X=X).ok
    assert bp.check_shape(g, "X", [10, 3]).ok
    wrong = bp.check_shape(g, "X", (3, 10))
    assert not wrong.ok and repr(wrong).startswith("NOT YET")
    assert "(10, 3)" not in repr(wrong)
    assert repr(bp.check_shape(g, "W", None)).startswith("NOT YET: write your prediction")
    assert bp.check_shape(bp.parse("sum(x)"), "x", 4, x=np.ones(4)).ok
    with pytest.raises(TypeError, match="tuple of whole numbers"):
        bp.check_shape(g, "W", (5.5, 10))


def test_a_guess_off_in_its_last_digit_or_a_forward_value_says_so():
    point = dict(LECTURE, w2=-2)                    # df/dx0 = 0.209987, sigma = 0.880797
    close = verdict(0.20998, "x0", point)           # computed from the printed sigma 0.8808
    assert not close.ok and "close, but not to the last digit" in close.hint
    far = verdict(0.25, "x0", point)
    assert "close" not in far.hint
    sigma = verdict(0.8808, "w2", point)            # the output's value, not a gradient
    assert "value of 1/(1 + exp(-(w0*x0 + w1*x1 + w2))) from the forward pass" in sigma.hint


def test_a_whole_number_means_exactly_that_number():
    g = bp.parse("x * y")
    assert not bp.check_prediction(g, "x", 2, x=1, y=1.6).ok        # 1.6 is not 2
    assert not bp.check_prediction(g, "x", "2", x=1, y=1.6).ok
    assert bp.check_prediction(g, "x", 1.6, x=1, y=1.6).ok
    assert bp.check_prediction(g, "x", 2, x=1, y=2.0).ok
    assert bp.check_prediction(g, "x", -4, x=1, y=-4.0).ok


def test_slips_are_replayed_from_the_upstream_backward_began_with():
    g = bp.parse("x * x")                        # with upstream 2: df/dx = 2 * 2x = 12
    right = bp.check_prediction(g, "x", 12, upstream=2.0, x=3)
    assert right.ok
    one_use = bp.check_prediction(g, "x", 6, upstream=2.0, x=3)      # one use of x only
    assert "used 2 times" in one_use.hint


@pytest.mark.parametrize("guess", [0, "0", 0.0, "0.0", "0.00"])
def test_a_gradient_that_is_zero_up_to_round_off_takes_zero_at_any_precision(guess):
    """d/dx of x*0.1 + x*0.2 - x*0.3 is 0 by hand; floats give 2.8e-17. '0.00' says 0
    as well as '0' does (before, only the whole-number 0 was RIGHT)."""
    g = bp.parse("x*0.1 + x*0.2 - x*0.3")
    g.forward(x=1.0)
    actual = g.backward()["x"]
    assert actual != 0 and abs(actual) < 1e-15          # the round-off this is about
    assert bp.check_prediction(g, "x", guess).ok


def test_a_small_true_gradient_still_needs_its_digits():
    """Round-off is far below any gradient a lesson shows: 0.00 is not 0.0045."""
    coarse = bp.check_prediction(bp.parse("x * y"), "x", "0.00", x=1, y=0.0045)
    assert not coarse.ok


def test_an_input_named_like_another_nodes_id_is_ambiguous():
    """parse("n1*x + n0"): input 'n1' is node n0 and node n1 is x. check_prediction(g,
    "n1", ...) took the input without a word, though 'n1' is also x's id."""
    g = bp.parse("n1*x + n0")
    point = dict(n1=2.0, x=3.0, n0=1.0)         # df/dn1 = x = 3, df/dx = n1 = 2
    with pytest.raises(ValueError) as caught:
        bp.check_prediction(g, "n1", 3, **point)
    assert str(caught.value) == (
        "'n1' is ambiguous here: it is the name of input 'n1' (node n0) and the id of "
        "another node, node n1 (input 'x'). Pass the node you mean: graph.inputs['n1'] "
        "for the input, graph.nodes[1] for node n1")
    with pytest.raises(ValueError, match=r"^'n0' is ambiguous here: .* node n0 \(input 'n1'\)"):
        bp.check_shape(g, "n0", ())
    # passing the node says which, and each gets its own gradient
    assert repr(bp.check_prediction(g, g.inputs["n1"], 3)) == (
        "RIGHT: you predicted df/dn1 = 3; the graph gives 3.")
    assert bp.check_prediction(g, g.nodes[1], 2).ok and bp.check_prediction(g, "x", 2).ok
    assert bp.check_prediction(g, g.nodes[2], 1).ok          # the mul gate, as 'n2'
    assert bp.check_shape(g, g.inputs["n0"], ()).ok
    with pytest.raises(ValueError, match=r"^Input\('x'\) is not a node of this graph$"):
        bp.check_prediction(g, bp.parse("x * y").inputs["x"], 1)


def test_an_input_named_like_its_own_id_is_not_ambiguous():
    g = bp.parse("x * n1")                       # input 'n1' is node n1 itself
    assert bp.check_prediction(g, "n1", 2, x=2.0, n1=5.0).ok
    assert bp.check_prediction(g, "n2", 1).ok


def test_keeping_only_the_last_use_of_a_fork_is_caught():
    """Lesson 05's staged backprop: writing '=' where '+=' belongs on every line that
    gives x its gradient keeps only the last share, dnum = 1/den (by hand below). The
    verdict said only the generic hint; it now names the fork."""
    import math
    staged = bp.parse("(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)")
    x, y = 3.0, -4.0
    den = 1 / (1 + math.exp(-x)) + (x + y) ** 2
    verdict = bp.check_prediction(staged, "x", 1 / den, x=x, y=y)
    assert not verdict.ok
    assert verdict.hint == "x is used 3 times: the gradients from every use add up."


def test_a_gradient_from_another_point_says_so_without_the_answer():
    """Lesson 01's exercise moves z from the lecture's -4 to 2; a student who writes the
    lecture's df/dx = -4 (by hand: df/dx = z) is told that the guess belongs to the other
    point, every time the cell runs, and not what the answer is (2)."""
    g = bp.parse("(x + y) * z")
    g.forward(x=-2, y=5, z=-4)
    g.backward()
    hint = ("that is df/dx at another point, where z = -4. A gradient depends on the point "
            "where it is taken: work it out at this check's inputs.")
    for _ in range(2):                               # running the cell again: the same hint
        verdict = bp.check_prediction(g, "x", -4, x=-2, y=5, z=2)
        assert not verdict.ok and verdict.hint == hint
        assert "2" not in verdict.text.replace("z = -4", "")
    assert bp.check_prediction(g, "x", "-4.0", x=-2, y=5, z=2).hint == hint
    # df/dz = x + y = 3 at both points: no other point to blame, so the usual hints
    assert "another point" not in bp.check_prediction(g, "z", -3, x=-2, y=5, z=2).hint
    assert "another point" not in bp.check_prediction(g, "x", 7, x=-2, y=5, z=2).hint
    assert bp.check_prediction(g, "x", 2, x=-2, y=5, z=2).ok
    # a graph never run before a check has no other point
    fresh = bp.check_prediction(bp.parse("(x + y) * z"), "x", -4, x=-2, y=5, z=2)
    assert "another point" not in fresh.hint


def test_a_matrix_typed_with_an_entry_missing_says_which_row():
    """[[4, 4, 4], [4, 4]] was judged "an array of shape (2,)", sending the student to the
    shape rule; by hand, d sum(W X)/dW = ones(2, 4) @ X.T = 4 everywhere for X = ones."""
    g = bp.parse("sum(W @ X)")
    verdict = bp.check_prediction(g, "W", [[4, 4, 4], [4, 4]], W=np.ones((2, 3)),
                                  X=np.ones((3, 4)))
    assert not verdict.ok
    assert verdict.hint == ("row 1 has 2 entries where row 0 has 3: write every row in "
                            "full, one entry per column.")
    assert bp.check_prediction(g, "W", [[4, 4, 4], [4, 4, 4]]).ok
    assert "shape (2, 2)" in bp.check_prediction(g, "W", [[4, 4], [4, 4]]).hint


def test_an_exercise_that_asks_for_three_places_judges_every_guess_to_three():
    """Lesson 02 asks for df/dx0 to three decimals at w2 = -2 (0.20999). Python writes the
    0.20 a student typed as 0.2, which was judged to one place, so it was RIGHT; and
    (1 - 0.8808) * 0.8808, worked out from the rounded sigma the lesson prints, was held
    to 1e-6 and got NOT YET with a hint that blamed the method."""
    g = bp.parse(SIGMOID)
    point = dict(LECTURE, w2=-2)
    s = 1 / (1 + math.exp(-2))
    assert bp.check_prediction(g, "x0", 0.20, **point).ok             # the old slip
    for guess, right in ((0.20, False), (0.200, False), ("0.2", False), (0.22, False),
                         (0.21, True), ("0.210", True), (2 * (1 - 0.8808) * 0.8808, True),
                         (round(2 * (1 - s) * s, 3), True), (2 * (1 - s) * s, True)):
        said = bp.check_prediction(g, "x0", guess, decimals=3, **point)
        assert said.ok is right and said.text.startswith("RIGHT" if right else "NOT YET"), \
            (guess, said)
        assert right or "0.21" not in said.text                     # no answer given away
    computed = (1 - 0.8808) * 0.8808                                 # df/dw2 = 0.104994
    assert not bp.check_prediction(g, "w2", computed, **point).ok     # held to 1e-6 ...
    assert bp.check_prediction(g, "w2", computed, decimals=3, **point).ok   # ... or 3 places
    close = bp.check_prediction(g, "w2", 0.106, decimals=3, **point)
    assert not close.ok and "close, but not to 3 places" in close.hint
    # a guess with more places than asked is judged as what it rounds to: 0.24 is 0.2,
    # not within half a unit of 0.28 (the review found it RIGHT, 'the graph gives 0.28')
    xy = bp.parse("x * y")
    assert not bp.check_prediction(xy, "x", 0.24, decimals=1, x=1, y=0.28).ok
    assert not bp.check_prediction(xy, "x", 2.2, decimals=0, x=1, y=2.6).ok
    assert bp.check_prediction(xy, "x", 0.31, decimals=1, x=1, y=0.28).ok     # 0.3
    near = bp.check_prediction(xy, "x", 0.2, decimals=1, x=1, y=0.28)
    assert "close, but not to 1 place:" in near.hint
    square = bp.parse("sum(W * W)")                                  # 2W = [[0.28, 4.08]]
    grid = bp.check_prediction(square, "W", [[0.3, 4.0]], decimals=1, W=[[0.14, 2.04]])
    assert not grid.ok and "1 of 2 entries" in grid.text and "[0, 1]" in grid.text
    assert bp.check_prediction(square, "W", [[0.28, 4.1]], decimals=1, W=[[0.14, 2.04]]).ok
    with pytest.raises(ValueError, match="decimals must be a whole number from 0 to 6"):
        bp.check_prediction(g, "x0", 0.21, decimals=9, **point)


def test_the_checks_take_an_expression_string_as_explore_does():
    assert bp.check_prediction("(x + y) * z", "x", 2, x=-2, y=5, z=2).ok
    assert bp.check_shape("W @ x", "W", (2, 3), W=np.ones((2, 3)), x=np.ones(3)).ok
    assert bp.nudge("x * x", "x", 0.1, x=3).predicted == pytest.approx(0.6)
    for check in (bp.check_prediction, bp.check_shape, bp.nudge):
        with pytest.raises(TypeError, match=r"needs a bp\.Graph or an expression string, "
                                            r"got int"):
            check(3, "x", 2)


def test_an_input_named_like_check_predictions_own_words_is_told_to_be_renamed():
    g = bp.parse("decimals * x")
    with pytest.raises(ValueError, match=r"an input named 'decimals'.*rename the input"):
        bp.check_prediction(g, "x", 2, decimals=2, x=3)
    g.forward(decimals=2, x=3)
    g.backward()
    assert bp.check_prediction(g, "x", 2).ok          # without inputs: nothing to confuse


def test_inputs_named_like_the_first_three_arguments_are_inputs():
    g = bp.parse("guess * name + graph")
    assert bp.check_prediction(g, "guess", 3, guess=2, name=3, graph=1).ok
    with pytest.raises(ValueError, match=r"an input named 'upstream'"):
        bp.check_prediction(bp.parse("upstream * x"), "x", 2, upstream=2, x=1)


def test_a_graph_with_an_input_named_decimals_is_checked_to_places_after_its_own_run():
    g = bp.parse("decimals * x")
    g.forward(decimals=2.0, x=3.0)
    g.backward()
    assert bp.check_prediction(g, "x", 2.0004, decimals=3).ok      # no inputs: no clash


def test_check_shape_takes_inputs_named_guess_and_name():
    g = bp.parse("sum(guess * name)")
    verdict = bp.check_shape(g, "guess", (2,), guess=[1.0, 2.0], name=[3.0, 4.0])
    assert verdict.ok, verdict
    assert not bp.check_shape(g, "name", (1, 2), guess=[1.0, 2.0], name=[3.0, 4.0]).ok
