"""Safe expressions: text like ``"(x + y) * z"`` -> a Graph, never eval or exec.

Python's own ``ast`` module reads the text; we then walk the tree and accept only an
allow-list: numbers, input names, ``+ - * / ** @``, unary minus, the ops of the op
table written as calls (``exp(x)``, ``max(a, b)``: ``Gate.function``), and parentheses.
Anything else is refused with a ``ParseError`` that says what was found and at which
column. Constants are never evaluated here: ``2 ** 3`` becomes a graph, not the number 8.
"""

import ast
import keyword
import math
import re
import sys

from . import ops
from .graph import Graph, Node, apply, check_name, constant

MAX_LENGTH = 200_000       # characters
MAX_PARENS = 64            # nesting depth of ( ) we accept
AST_RECURSION_LIMIT = 25_000   # lets ast read a sum of 5,000+ terms


def _column(expression, item):
    """Where ``item`` starts on its line, in characters. ast counts UTF-8 bytes, so a name
    like σ_in (σ is two bytes) would put the caret one place too far right."""
    offset = getattr(item, "col_offset", None)
    if offset is None:
        return None
    line = expression.splitlines()[getattr(item, "lineno", 1) - 1] if expression else ""
    return len(line.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))


class ParseError(ValueError):
    """An expression the kit will not read; the message says what and where."""

    def __init__(self, message, expression="", column=None):
        what = message
        if column is not None:
            # a caret under the spot, for one-line expressions that fit on a screen
            one_line = len(expression) <= 120 and "\n" not in expression
            pointer = f"\n    {expression}\n    {' ' * column}^" if one_line else ""
            message = f"{message} (column {column + 1}){pointer}"
        super().__init__(message)
        self.column = column
        self.what = what        # the message without where: to say it again on other text


BINARY = {ast.Add: ops.Add, ast.Sub: ops.Subtract, ast.Mult: ops.Multiply,
          ast.Div: ops.Divide, ast.MatMult: ops.MatMul}

# Friendly names for what we refuse (anything not listed gets its class name).
REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "a lambda",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment (:=)", ast.Compare: "a comparison",
    ast.BoolOp: "and/or", ast.IfExp: "an if-expression", ast.List: "a list",
    ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set", ast.JoinedStr: "an f-string",
    ast.Starred: "a starred argument", ast.Await: "await", ast.Yield: "yield",
    ast.Slice: "a slice", ast.FormattedValue: "an f-string",
}


def as_graph(graph, who):
    """``graph`` itself if it is a Graph, parsed if it is an expression string (as
    ``bp.explore`` takes one); else a TypeError that says what ``who`` takes."""
    if isinstance(graph, str):
        return parse(graph)
    if not isinstance(graph, Graph):
        raise TypeError(f"{who} needs a bp.Graph or an expression string, got "
                        f"{type(graph).__name__}")
    return graph


def refuse_own_words(graph, inputs, who, words, doing):
    """With ``inputs`` given, refuse a graph that has an input named like one of the
    keywords ``who`` takes for itself (``words``): ``who(..., upstream=...)`` could not tell
    the input from its own argument. ``doing``: what the inputs are for, for the message."""
    for own in words:
        if inputs and own in graph.inputs:
            raise ValueError(f"the graph has an input named {own!r}, and {who} takes {own}= "
                             f"for itself: rename the input (say {own}_) to {doing} at "
                             f"given inputs")


def parse(expression):
    """Read ``expression`` into a Graph; inputs are the names it uses.

    >>> g = parse("(x + y) * z")
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    """
    if not isinstance(expression, str):
        raise TypeError(f"parse() needs a string, got {type(expression).__name__}")
    typed = expression.strip()
    expression = typed.translate(AS_PYTHON)     # char for char: the columns stay the same
    try:
        return _graph_of(expression)
    except ParseError as error:
        if expression == typed:
            raise
        raise ParseError(error.what, typed, error.column) from None   # quoted as typed


def _graph_of(expression):
    tree = _read(expression)
    names = {}       # one input node per name, shared by every use
    built = {}       # ast node -> graph node
    stack = [(tree.body, False)]
    while stack:     # post-order walk with an explicit stack: no recursion
        item, children_done = stack.pop()
        if children_done:
            built[item] = _build(item, built, names, expression)
            continue
        stack.append((item, True))
        for child in reversed(_children(item, expression)):
            stack.append((child, False))
    return Graph(built[tree.body], expression=expression)


def _read(expression):
    if not expression:
        raise ParseError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise ParseError(f"the expression is {len(expression):,} characters long; "
                         f"the limit is {MAX_LENGTH:,}")
    depth = 0
    for column, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if depth > MAX_PARENS:
            raise ParseError(f"parentheses are nested more than {MAX_PARENS} deep",
                             expression, column)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, AST_RECURSION_LIMIT))
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError as error:
        column = (error.offset - 1) if error.offset else None
        if "=" in expression.replace("==", "").replace("<=", "").replace(">=", ""):
            raise ParseError("an assignment (=) is not allowed: write only the expression, "
                             "like (x + y) * z", expression, expression.index("=")) from None
        word = _keyword_in(expression)
        if word is not None:
            raise ParseError(f"{word[0]!r} is a Python keyword, so it cannot be an input "
                             f"name: choose another, such as {word[0]}_", expression,
                             word[1]) from None
        hint = MISSING_TIMES if _missing_times(expression, column, error.msg) else ""
        raise ParseError(f"not a valid expression: {error.msg}{hint}",
                         expression, column) from None
    except (RecursionError, MemoryError):
        raise ParseError("the expression is nested too deeply to read") from None
    finally:
        sys.setrecursionlimit(old_limit)


AS_PYTHON = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*",
                           "\u22c5": "*", "\u2217": "*", "\u00f7": "/"})
"""The signs of slides and lecture notes (− – × · ⋅ ∗ ÷) as Python writes them: pasted
'max(x, y) · z' reads as max(x, y) * z (and 'x·y' as x * y, not one name)."""

MISSING_TIMES = (" (is a * missing? The kit multiplies only where * says so: 2 * x, "
                 "(x + y) * z)")

def _missing_times(expression, column, message):
    """Does the error look like a product written without its *: '2x', or two operands
    side by side ('(x + y) z', 'x y')?"""
    if message == "invalid decimal literal":        # 2x, not 1e (an exponent left out)
        return column is not None and re.match(r"[\d.]*(\d[^\W\deE]|\d[eE][^\W\d])",
                                               expression[column:]) is not None
    if not message.startswith("invalid syntax") or column is None or \
            column >= len(expression):
        return False
    before = expression[:column].rstrip()
    here = expression[column]
    return bool(before) and (before[-1].isalnum() or before[-1] in "_)") and \
        (here.isalnum() or here in "_(")


NAME = re.compile(r"[^\W\d]\w*")
"""A word that could be a name: letters (any alphabet), digits and _, not starting with
a digit."""


def _keyword_in(expression):
    """The first Python keyword used as a name ('lambda' in lambda*2), with its column,
    or None: the expression would read if that word were a name ('import os' would not,
    so it is no name). True, False and None are values, not names."""
    for match in NAME.finditer(expression):
        word = match.group()
        if not keyword.iskeyword(word) or word in ("True", "False", "None"):
            continue
        as_name = expression[:match.start()] + "_" * len(word) + expression[match.end():]
        try:
            ast.parse(as_name, mode="eval")
        except SyntaxError:
            return None
        return word, match.start()
    return None


def _children(item, expression):
    """The sub-expressions to build first; refuses anything not on the allow-list."""
    if isinstance(item, ast.BinOp):
        if isinstance(item.op, ast.Pow):
            _exponent(item.right, expression)   # checked now, read in _build
            return [item.left]
        if type(item.op) not in BINARY:
            hint = "write ** for a power: x ** 2" if isinstance(item.op, ast.BitXor) else None
            _refuse(f"the operator {_op_text(item.op)}", item, expression, hint,
                    column=_operator_column(item, expression))
        return [item.left, item.right]
    if isinstance(item, ast.UnaryOp):
        if not isinstance(item.op, (ast.USub, ast.UAdd)):
            _refuse(f"the operator {_op_text(item.op)}", item, expression)
        return [item.operand]
    if isinstance(item, ast.Call):
        name = item.func.id if isinstance(item.func, ast.Name) else None
        number = isinstance(item.func, ast.Constant) and \
            isinstance(item.func.value, (int, float)) and not isinstance(item.func.value, bool)
        if number or isinstance(item.func, (ast.BinOp, ast.UnaryOp, ast.Call)) or \
                _in_brackets(item.func, expression):
            # 3 (x + y), (x + y)(z), exp(x)(y): a number or a bracket, then a bracket
            raise ParseError("a bracket right after a number or a bracket is not a product "
                             "here: write * between them, as in 3 * (x + y)", expression,
                             _operator_column(item, expression, after=item.func))
        if not ops.is_function(name):
            what = f"the function {name}()" if name else "calling this"
            _refuse(what, item, expression,
                    hint=f"known functions: {', '.join(ops.functions())}"
                    + (f"; to multiply, write {name} * (...)"
                       if name and not name.startswith("_") else ""))
        if item.keywords:
            _refuse("a keyword argument", item.keywords[0], expression)
        arity = ops.OPS[name].arity
        if len(item.args) != arity:
            raise ParseError(f"{name}() takes {arity} argument{'s' * (arity != 1)}, "
                             f"got {len(item.args)}", expression, _column(expression, item))
        return list(item.args)
    if isinstance(item, ast.Name):
        if ops.is_function(item.id):
            raise ParseError(f"{item.id} is a function: call it, as in {item.id}(x)",
                             expression, _column(expression, item))
        return []
    if isinstance(item, ast.Constant):
        _number(item, expression)
        return []
    _refuse(REFUSED.get(type(item), type(item).__name__), item, expression)


def _build(item, built, names, expression):
    if isinstance(item, ast.BinOp):
        if isinstance(item.op, ast.Pow):
            return apply(ops.Power(_exponent(item.right, expression)), built[item.left])
        return apply(BINARY[type(item.op)](), built[item.left], built[item.right])
    if isinstance(item, ast.UnaryOp):
        operand = built[item.operand]
        return apply(ops.Negate(), operand) if isinstance(item.op, ast.USub) else operand
    if isinstance(item, ast.Call):
        return apply(ops.OPS[item.func.id](), *[built[arg] for arg in item.args])
    if isinstance(item, ast.Name):
        if item.id not in names:
            try:
                names[item.id] = Node(name=check_name(item.id))
            except ValueError as error:
                raise ParseError(str(error), expression, _column(expression, item)) from None
        return names[item.id]
    return constant(item.value)


def _number(item, expression):
    value = item.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        what = "a string" if isinstance(value, (str, bytes)) else repr(value)
        _refuse(what, item, expression, hint="only numbers and input names are allowed")
    _check_float(value, item, expression)
    return value


def _check_float(value, item, expression):
    """Refuse literals a float cannot hold (1e400, a 400-digit integer): never infinite."""
    try:
        finite = math.isfinite(value)
    except OverflowError:          # an int too big to become a float
        finite = False
    if not finite:
        raise ParseError("this number is too big for a float", expression,
                         _column(expression, item))


def _exponent(item, expression):
    """The p in a ** p: a number literal, maybe negative (2, 0.5, -1)."""
    sign = 1
    if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
        sign, item = -1, item.operand
    if isinstance(item, ast.Constant) and not isinstance(item.value, (bool, str, bytes, complex)) \
            and isinstance(item.value, (int, float)):
        _check_float(item.value, item, expression)
        return sign * item.value
    raise ParseError("the exponent in a ** p must be a number, like 2 or -1",
                     expression, _column(expression, item))


def _refuse(what, item, expression, hint=None, column=None):
    message = f"{what} is not allowed in an expression"
    if hint:
        message += f" ({hint})"
    raise ParseError(message, expression,
                     _column(expression, item) if column is None else column)


def _in_brackets(item, expression):
    """Is ``item`` written in brackets of its own, as x is in (x)(y)?"""
    end = getattr(item, "end_col_offset", None)
    if end is None or "\n" in expression:
        return False
    return expression.encode("utf-8")[end:].decode("utf-8", errors="ignore").lstrip() \
        .startswith(")")


def _operator_column(item, expression, after=None):
    """Where the operator of a binary expression is (or the bracket after ``after``): the
    first character that is not a space or a closing bracket after its left side, for the
    caret to point at it rather than at the start of the left side."""
    left = item.left if after is None else after
    end = getattr(left, "end_col_offset", None)
    if end is None or getattr(left, "end_lineno", 1) != 1 or "\n" in expression:
        return _column(expression, item)
    line = expression.encode("utf-8")[end:].decode("utf-8", errors="ignore")
    start = len(expression.encode("utf-8")[:end].decode("utf-8", errors="ignore"))
    skipped = len(line) - len(line.lstrip(" )"))
    return start + skipped


def _op_text(op):
    return {ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not",
            ast.Invert: "~"}.get(type(op), type(op).__name__)
