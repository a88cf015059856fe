"""A scalar graph as a plan the browser runs: forward and backward without the kernel.

The kernel sends the plan once, as JSON; ``bpwidgets/static/engine.js`` then runs forward
and backward on every slider move, giving every node its value and gradient and every
edge its local and downstream gradient, as ``Graph`` does node by node::

    plan, reason = plan_for(parse("(x + y) * z"))
    plan["nodes"]          # [{'input': 'x'}, {'input': 'y'}, {'op': 'add', 'inputs': [0, 1],
                           #   'params': []}, {'input': 'z'}, {'op': 'mul', 'inputs': [2, 3], ...}]
    plan["ops"]["mul"]     # {'inputs': ['a', 'b'], 'params': [], 'forward': 'a * b',
                           #  'local': ['b', 'a']}

Nodes come in topological order (a node's id is its position, as in ``Graph.node_id``),
the output last. The only code in a plan is each op's two rules from the op table
(``js_forward``, ``js_local``), read from its gate class; input names and numbers are
data, which the engine never turns into code. A collapsed gate carries its own graph's
plan. A gate without JavaScript (matmul, sum, a learner's own Gate) gives no plan but the
reason, and the kernel runs the graph. Core module: the op table and numpy.
"""

import inspect
from pathlib import Path

import numpy as np

from .collapse import Collapsed
from .ops import OPS

STATIC = Path(__file__).with_name("static")
ENGINE = STATIC / "engine.js"
"""The browser's engine: an ES module, no dependencies, no build step."""
VIEW = STATIC / "explorer.js"
"""The explorer's view (widgets/explorer.py), which runs the engine."""

PLAN_VERSION = 1
"""The plan's format, checked by engine.js."""


def engine_source():
    """engine.js as text, to put into a widget or a page."""
    return ENGINE.read_text(encoding="utf-8")


def view_source():
    """The explorer's view with the engine before it, as one ES module (what anywidget
    and a page with no kernel load)."""
    return engine_source() + "\n" + VIEW.read_text(encoding="utf-8")


def view_style():
    """The explorer's CSS."""
    return (STATIC / "explorer.css").read_text(encoding="utf-8")


def plan_for(graph):
    """``(plan, None)``: the JSON-able plan of a scalar graph of gates the browser can run;
    ``(None, reason)`` when it cannot, the reason naming the first node in the way."""
    reason = why_not(graph)
    if reason is not None:
        return None, reason
    return _plan(graph), None


def why_not(graph):
    """Why the browser cannot run this graph, or None if it can."""
    for node in graph.nodes:
        if node.gate is None:
            if node.value is not None and np.ndim(node.value) != 0:
                return (f"{graph.describe(node)} holds an array of shape "
                        f"{np.shape(node.value)}: the browser runs scalars only")
        elif isinstance(node.gate, Collapsed):
            inside = why_not(node.gate.inner)
            if inside is not None:
                return f"{graph.describe(node)} is a collapsed gate, and inside it {inside}"
        else:
            reason = _why_not_gate(node.gate)
            if reason is not None:
                return f"{graph.describe(node)}: {reason}"
    return None


def js_rule(gate_class):
    """An op's rules as the plan sends them: the names its expressions use (forward's
    inputs; the gate's constants, named as ``__init__`` names them) and the expressions.

    >>> js_rule(OPS["leaky_relu"])
    {'inputs': ['a'], 'params': ['alpha'], 'forward': 'a > 0 ? a : alpha * a', 'local': ['a > 0 ? 1 : alpha']}
    """
    inputs = list(inspect.signature(gate_class.forward).parameters)[1:]     # after self
    params = list(inspect.signature(gate_class).parameters)
    return {"inputs": inputs, "params": params,
            "forward": gate_class.js_forward, "local": list(gate_class.js_local)}


def _why_not_gate(gate):
    """Why the browser cannot run this gate (a built-in or registered op, with its rules
    in JavaScript), or None."""
    kind = type(gate)
    if OPS.get(gate.name) is not kind:
        return (f"{kind.__name__} is not an op of the table (a learner's own gate runs in "
                "Python only)")
    if not isinstance(kind.js_forward, str) or kind.js_local is None:
        return (f"the {gate.name} gate has no rules in JavaScript (js_forward, js_local), "
                "so the kernel runs it")
    forward = inspect.signature(kind.forward).parameters.values()
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in forward):
        return f"the {gate.name} gate's forward must name its inputs for js_forward to use"
    rule = js_rule(kind)
    names = rule["inputs"] + rule["params"]
    if len(rule["local"]) != len(rule["inputs"]) or \
            not all(isinstance(text, str) for text in rule["local"]):
        return (f"the {gate.name} gate's js_local must give one expression per input "
                f"({len(rule['inputs'])}), got {kind.js_local!r}")
    if len(rule["params"]) != len(gate.params()):
        return (f"the {gate.name} gate has {len(gate.params())} constant(s) but its __init__ "
                f"names {len(rule['params'])}: js_forward reads them by those names")
    if len(set(names)) != len(names) or "out" in names:
        return f"the {gate.name} gate's names {names} must differ from each other and from out"
    return None


def _plan(graph):
    """The plan of a graph that ``why_not`` accepts."""
    ops = {}
    nodes = []
    for node in graph.nodes:
        if node.kind == "input":
            nodes.append({"input": node.name})
        elif node.kind == "constant":
            nodes.append({"constant": float(node.value)})
        else:
            step = {"op": node.gate.name, "inputs": [graph.index[p] for p in node.inputs]}
            if isinstance(node.gate, Collapsed):
                step["inner"] = _plan(node.gate.inner)   # its inputs in the gate's order
            else:
                step["params"] = [float(p) for p in node.gate.params()]
                ops.setdefault(node.gate.name, js_rule(type(node.gate)))
            nodes.append(step)
    return {"version": PLAN_VERSION, "ops": ops, "nodes": nodes}
