"""The safe parser: what it reads, what it refuses (and says so), and that it never evaluates."""

import builtins

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets import ParseError

# ---- what it reads ----------------------------------------------------------------


@pytest.mark.parametrize("text,values,value", [
    ("(x + y) * z", dict(x=-2, y=5, z=-4), -12.0),
    ("x - y - z", dict(x=1, y=2, z=3), -4.0),            # left to right
    ("x / y / z", dict(x=8, y=2, z=2), 2.0),
    ("-x ** 2", dict(x=3), -9.0),                         # Python's precedence: -(x**2)
    ("(-x) ** 2", dict(x=3), 9.0),
    ("x ** -1", dict(x=4), 0.25),
    ("x ** 0.5", dict(x=9), 3.0),
    ("x ** (2)", dict(x=3), 9.0),
    ("+x", dict(x=2.5), 2.5),
    ("2 * x + 1", dict(x=3), 7.0),
    ("1e-3 * x", dict(x=1000), 1.0),
    ("max(x, y) + relu(-x) + sum(x)", dict(x=2, y=1), 4.0),
    ("leaky_relu(x) + elu(x)", dict(x=-1.0), -0.01 + np.expm1(-1.0)),
    ("tanh(0 * x) + sigmoid(0 * x) + log(exp(x))", dict(x=1.5), 2.0),
    ("  x  ", dict(x=1), 1.0),
    ("(x\n+ y)", dict(x=1, y=2), 3.0),
])
def test_reads_numbers_names_operators_and_functions(text, values, value):
    g = bp.parse(text)
    assert g.forward(**values) == pytest.approx(value, rel=1e-15, abs=1e-15)
    assert set(g.inputs) == set(values)


def test_matmul_operator():
    g = bp.parse("sum(W @ x)")
    assert g.forward(W=[[1.0, 2.0], [3.0, 4.0]], x=[1.0, -1.0]) == -2.0


def test_one_input_node_per_name():
    g = bp.parse("x * x + x")
    assert list(g.inputs) == ["x"]
    x = g.inputs["x"]
    assert len([e for e in g.edges if e.source is x]) == 3
    g.forward(x=2.0)
    assert g.backward() == {"x": 5.0}


def test_inputs_in_order_of_first_use():
    assert list(bp.parse("b * a + c * a").inputs) == ["b", "a", "c"]


def test_expression_text_is_kept():
    assert bp.parse("  (x + y) * z ").expression == "(x + y) * z"


@pytest.mark.parametrize("text,build", [
    ("(x + y) * z", lambda x, y, z: (x + y) * z),
    ("1 / (1 + exp(-(x * y + z)))", lambda x, y, z: 1 / (1 + bp.exp(-(x * y + z)))),
    ("max(x, y) - z ** 2 / x", lambda x, y, z: bp.max(x, y) - z ** 2 / x),
    ("sigmoid(x) * tanh(y) + relu(z)", lambda x, y, z: bp.sigmoid(x) * bp.tanh(y) + bp.relu(z)),
])
def test_parse_and_operators_build_the_same_graph(text, build):
    parsed = bp.parse(text)
    x, y, z = bp.inputs("x y z")
    built = bp.Graph(build(x, y, z))
    assert [n.kind for n in parsed.nodes] == [n.kind for n in built.nodes]
    assert [n.gate.name for n in parsed.gates()] == [n.gate.name for n in built.gates()]
    assert [(parsed.index[e.source], parsed.index[e.target], e.index) for e in parsed.edges] == \
        [(built.index[e.source], built.index[e.target], e.index) for e in built.edges]
    values = dict(x=0.7, y=-1.3, z=0.4)
    assert parsed.forward(**values) == built.forward(**values)
    assert parsed.backward() == built.backward()


# ---- never evaluates --------------------------------------------------------------


def test_constants_are_not_folded():
    g = bp.parse("2 ** 3")
    assert [n.kind for n in g.nodes] == ["constant", "gate"]
    assert g.nodes[0].value == 2.0
    assert g.output.gate.name == "pow" and g.output.gate.exponent == 3.0
    assert g.output.value is None            # nothing computed until forward
    assert g.forward() == 8.0
    g = bp.parse("2 * 3 + 4")
    assert [n.gate.name for n in g.gates()] == ["mul", "add"]
    assert sorted(n.value for n in g.nodes if n.kind == "constant") == [2.0, 3.0, 4.0]


def test_huge_powers_are_graphs_not_numbers():
    # Python would compute 2 ** 1000 ** ... ; the parser only builds nodes.
    g = bp.parse("(2 ** 1000) ** 1000")
    assert [n.gate.name for n in g.gates()] == ["pow", "pow"]
    with pytest.raises(FloatingPointError, match=r"pow"):
        g.forward()
    with pytest.raises(ParseError, match=r"exponent"):
        bp.parse("9 ** 9 ** 9 ** 9")           # 9 ** (9 ** ...): the exponent is not a number


def test_parse_never_calls_eval_or_exec(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("parse must not eval or exec")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    g = bp.parse("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    assert g.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3) == pytest.approx(0.7310585786300049)
    with pytest.raises(ParseError):
        bp.parse("__import__('os').system('echo hacked')")


# ---- refusals ---------------------------------------------------------------------

REFUSALS = [
    # text, what the message must say, 1-based column it points at (None: not checked)
    ("x.y", r"attribute access", 1),
    ("x.__class__", r"attribute access", 1),
    ("().__class__", r"attribute access", 1),
    ("foo(x)", r"the function foo\(\)", 1),
    ("x + foo(y)", r"the function foo\(\)", 5),
    ("__import__('os')", r"the function __import__\(\)", 1),
    ("__import__('os').system('ls')", r"attribute access|__import__", None),
    ("exp(x)(y)", r"a bracket right after a number or a bracket is not a product", 7),
    ("x[0]", r"indexing", 1),
    ("x[1:2]", r"indexing", 1),
    ("lambda: x", r"a lambda", 1),
    ("lambda x: x", r"a lambda", 1),
    ("[x for x in y]", r"a list comprehension", 1),
    ("{x for x in y}", r"a set comprehension", 1),
    ("{x: x for x in y}", r"a dict comprehension", 1),
    ("sum(x for x in y)", r"a generator expression", 4),
    ("'abc'", r"a string", 1),
    ("x + 'abc'", r"a string", 5),
    ("b'x'", r"a string", 1),
    ("f'{x}'", r"an f-string", 1),
    ("x = 1", r"assignment", 3),
    ("x += 1", r"assignment", None),
    ("(x := 1)", r"an assignment \(:=\)", 2),
    ("x < y", r"a comparison", 1),
    ("x == y", r"a comparison", 1),
    ("x and y", r"and/or", 1),
    ("not x", r"the operator not", 1),
    ("~x", r"the operator ~", 1),
    ("x % y", r"the operator %", 3),          # the caret at the operator
    ("x // y", r"the operator //", 3),
    ("x if y else z", r"an if-expression", 1),
    ("[x, y]", r"a list", 1),
    ("(x, y)", r"a tuple", 1),
    ("{x}", r"a set", 1),
    ("{x: y}", r"a dict", 1),
    ("exp(*x)", r"a starred argument", 5),
    ("exp(x=1)", r"a keyword argument", 5),
    ("exp(**x)", r"a keyword argument", 5),
    ("max(x)", r"max\(\) takes 2 arguments, got 1", 1),
    ("max(x, y, z)", r"max\(\) takes 2 arguments, got 3", 1),
    ("exp(x, y)", r"exp\(\) takes 1 argument, got 2", 1),
    ("sigmoid()", r"sigmoid\(\) takes 1 argument, got 0", 1),
    ("x ** y", r"exponent.*must be a number", 6),
    ("x ** (1 + 1)", r"exponent.*must be a number", None),
    ("x ** -y", r"exponent.*must be a number", None),
    ("x ** True", r"exponent.*must be a number", 6),
    ("x ** 1j", r"exponent.*must be a number", 6),
    ("True", r"True is not allowed", 1),
    ("None", r"None is not allowed", 1),
    ("x * ...", r"Ellipsis", 5),
    ("1j * x", r"1j is not allowed", 1),
    ("1e400", r"too big", 1),
    ("x ** 1e400", r"too big", 6),
    ("1" + "0" * 400, r"too big", 1),
    ("exp", r"exp is a function: call it", 1),
    ("sum + 1", r"sum is a function", 1),
    ("await x", r"await", 1),
    ("x +", r"not a valid expression", None),
    ("x y", r"not a valid expression", None),
    ("import os", r"not a valid expression", None),
    ("x; y", r"not a valid expression", None),
]


@pytest.mark.parametrize("text,message,column", REFUSALS, ids=[r[0][:30] for r in REFUSALS])
def test_refusals_say_what_and_where(text, message, column):
    with pytest.raises(ParseError, match=message) as info:
        bp.parse(text)
    if column is not None:
        assert info.value.column == column - 1
        assert f"(column {column})" in str(info.value)
        # a short text is shown with a caret under the column
        lines = str(info.value).splitlines()
        if len(text) <= 120:
            assert lines[1:] == ["    " + text, "    " + " " * (column - 1) + "^"]
        else:
            assert len(lines) == 1


def test_parse_error_is_a_value_error():
    assert issubclass(ParseError, ValueError)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text):
    with pytest.raises(ParseError, match=r"empty"):
        bp.parse(text)


@pytest.mark.parametrize("value", [3, None, b"x + y", ["x"], bp.inputs("q")])
def test_non_string(value):
    with pytest.raises(TypeError, match=r"parse\(\) needs a string, got"):
        bp.parse(value)


def test_deep_parentheses_are_refused_with_a_column():
    text = "(" * 500 + "x" + ")" * 500
    with pytest.raises(ParseError, match=r"nested") as info:
        bp.parse(text)
    assert info.value.column is not None and info.value.column < 500


def test_moderate_parentheses_are_fine():
    g = bp.parse("(" * 30 + "x" + ")" * 30 + " * 2")
    assert g.forward(x=1.5) == 3.0


def test_deep_unary_nesting_is_refused_not_a_crash():
    with pytest.raises(ParseError, match=r"nested too deeply"):
        bp.parse("-" * 100_000 + "x")


def test_long_but_shallow_unary_chain_works():
    g = bp.parse("-" * 2_001 + "x")
    assert g.forward(x=2.0) == -2.0
    assert g.backward() == {"x": -1.0}


def test_too_long_text_is_refused():
    with pytest.raises(ParseError, match=r"characters long"):
        bp.parse("x + " * 100_000 + "x")


# ---- long inputs: no RecursionError ---------------------------------------------


def test_sum_of_5000_terms():
    names = [f"x{i}" for i in range(5000)]
    g = bp.parse(" + ".join(names))
    assert len(g.inputs) == 5000 and len(g.gates()) == 4999
    values = {name: float(i) for i, name in enumerate(names)}
    assert g.forward(**values) == 4999 * 5000 / 2
    grads = g.backward()
    assert len(grads) == 5000 and set(grads.values()) == {1.0}


def test_sum_of_5000_products_and_constants():
    g = bp.parse(" + ".join(["2 * x"] * 5000))
    assert g.forward(x=0.5) == 5000.0
    assert g.backward() == {"x": 10000.0}


def test_long_difference_chain():
    g = bp.parse(" - ".join(["x"] * 20_000))      # x - x - x ... = x - 19999 x
    assert g.forward(x=1.0) == -19998.0
    assert g.backward() == {"x": -19998.0}


# ---- names -----------------------------------------------------------------------


def test_unicode_identifiers_are_names():
    g = bp.parse("\u03b1 * \u03b2")
    assert list(g.inputs) == ["\u03b1", "\u03b2"]


def test_dunder_names_are_only_input_names():
    g = bp.parse("__import__ + 1")             # a plain input name, never looked up
    assert list(g.inputs) == ["__import__"]
    assert g.forward(__import__=1.0) == 2.0


@pytest.mark.parametrize("text", ["σ_in * foo(x)", "αβγ + foo(x)", "x * foo(y)"])
def test_the_caret_points_at_the_spot_after_names_in_other_alphabets(text):
    """ast counts UTF-8 bytes (σ is two); the message counts characters."""
    with pytest.raises(bp.ParseError) as info:
        bp.parse(text)
    where = text.index("foo")
    assert info.value.column == where
    assert f"(column {where + 1})" in str(info.value)
    caret_line = str(info.value).splitlines()[-1]
    assert caret_line.index("^") - 4 == where          # under the f of foo


@pytest.mark.parametrize("text,word,column", [("lambda*2", "lambda", 0), ("x + in", "in", 4),
                                              ("if1 + lambda", "lambda", 6)])
def test_a_python_keyword_used_as_a_name_is_named(text, word, column):
    """'invalid syntax (column 8)' said nothing about why lambda*2 fails."""
    with pytest.raises(bp.ParseError) as info:
        bp.parse(text)
    assert str(info.value).startswith(f"{word!r} is a Python keyword, so it cannot be an "
                                      "input name")
    assert info.value.column == column


@pytest.mark.parametrize("text, said, column", [
    ("3 (x*y + max(z, w))", "write * between them, as in 3 * (x + y)", 3),
    ("2(x+y)", "write * between them", 2),
    ("(x+y)(z)", "write * between them", 6),
    ("(x)(y)", "write * between them", 4),
    ("(x + y) z", "is a * missing?", 9),
    ("x*y + 2x", "is a * missing?", 7),
    ("x y", "is a * missing?", 3),
    ("x^2", "write ** for a power: x ** 2", 2),
    ("(x + y) ^ 2", "write ** for a power", 9)])
def test_the_lessons_handwriting_is_told_how_to_write_it(text, said, column):
    """Lessons 01 and 03 write 2 (x y + max(z, w)) and x^2 in their text, as the lecture
    does; typed as they are, the messages said 'calling this is not allowed' (at column
    1), 'invalid syntax' or '^ is not allowed' (at x), and not what to write."""
    with pytest.raises(bp.ParseError) as error:
        bp.parse(text)
    assert said in str(error.value) and f"(column {column})" in str(error.value)


def test_a_name_before_a_bracket_is_told_how_to_multiply_and_calls_stay_refused():
    with pytest.raises(bp.ParseError, match=r"the function w\(\) is not allowed.*to multiply, "
                                            r"write w \* \(\.\.\.\)"):
        bp.parse("w(x + y)")
    with pytest.raises(bp.ParseError, match=r"calling this is not allowed"):
        bp.parse("os.system('true')")                   # not taken for a product
    with pytest.raises(bp.ParseError) as error:
        bp.parse("__import__('os')")
    assert "to multiply" not in str(error.value)


def test_an_error_that_is_no_missing_product_gets_no_such_hint():
    for text in ("x +", "x +* y", "(x + y"):
        with pytest.raises(bp.ParseError) as error:
            bp.parse(text)
        assert "is a * missing" not in str(error.value), text


@pytest.mark.parametrize("text, reads", [
    ("max(x, y) · z", "max(x, y) * z"), ("x·y", "x*y"), ("x × y", "x * y"),
    ("x − y", "x - y"), ("x – y", "x - y"), ("x ÷ y", "x / y"), ("w0⋅x0 + w1⋅x1", "w0*x0 + w1*x1")])
def test_the_signs_of_slides_read_as_python_writes_them(text, reads):
    """Pasted from slides: · × − ÷ were refused as invalid characters, and x·y was read
    as one input named 'x·y' (Python lets · into a name), unknown input 'y' later."""
    g = bp.parse(text)
    assert g.expression == reads
    assert bp.parse(reads).forward(**{n: 2.0 + k for k, n in enumerate(g.inputs)}) == \
        g.forward(**{n: 2.0 + k for k, n in enumerate(g.inputs)})


def test_messages_quote_the_expression_as_typed_and_an_exponent_left_out_is_no_product():
    with pytest.raises(bp.ParseError) as error:
        bp.parse("x ·· y")
    assert "x ·· y" in str(error.value)               # as typed, not as read (x ** y)
    for text in ("1e", "1e + x"):
        with pytest.raises(bp.ParseError) as error:
            bp.parse(text)
        assert "is a * missing" not in str(error.value), text
    with pytest.raises(bp.ParseError) as error:
        bp.parse("'a'(x)")
    assert "after a number" not in str(error.value)


@pytest.mark.parametrize("typed, column", [("x ·· y", 6), ("x − y + 'a'", 9),
                                            ("x × (y)(z)", 8), ("σ·x + (y)(z)", 10)])
def test_the_caret_stands_where_it_would_with_pythons_signs(typed, column):
    """The slide signs are 2-3 bytes in UTF-8 where Python's are one: the caret went
    astray on every error found on the read tree (x ·· y pointed at the second ·)."""
    with pytest.raises(bp.ParseError) as error:
        bp.parse(typed)
    assert error.value.column == column - 1 and typed in str(error.value)
    lines = str(error.value).splitlines()
    assert lines[-1] == "    " + " " * (column - 1) + "^"
