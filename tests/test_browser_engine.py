"""The browser's engine (bpwidgets/static/engine.js) against Python's Graph, under Node.js.

The plan of a graph (``bpwidgets.browser.plan_for``) goes to engine.js, which runs forward
and backward in ``node`` as it will in the browser. First the lecture's numbers; then
random graphs over every scalar op of the table, at many points: every node's value and
gradient and every edge's local and downstream gradient agree with Python's to 1e-12
relative (see ``assert_same`` for the few numbers that are all cancellation), and the
kit's number format, ported (``formatNumber``), writes the same strings. Each op's
expressions become functions once, when the plan is loaded. A new op with its rules in
JavaScript runs in the browser too; a gate without them gives no plan, but the reason.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_new_gate import Softplus          # tests/test_new_gate.py's new op: Python only

import bpwidgets as bp
from bpwidgets import browser, labels
from bpwidgets.graph import apply

RUNNER = Path(__file__).with_name("run_engine.mjs")
NODE_MISSING = ("tests/test_browser_engine.py runs bpwidgets/static/engine.js under Node.js, "
                "and `node` is not on PATH: install Node.js 18 or newer (sudo apt-get install "
                "-y nodejs, or https://nodejs.org/en/download)")
RTOL = 1e-12
KINDS = {"values": "value", "nodeGrads": "gradient", "local": "local gradient",
         "downstream": "downstream gradient"}
"""What engine.js gives per node (values, nodeGrads) and per edge (local, downstream)."""


@pytest.fixture(scope="module")
def node_run(tmp_path_factory):
    """run(cases, numbers=()) -> engine.js's results, from one ``node`` process."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(NODE_MISSING)
    folder = tmp_path_factory.mktemp("engine")
    # .mjs: an ES module for every Node version, with no package.json to say so
    engine = folder / "engine.mjs"
    shutil.copyfile(browser.ENGINE, engine)

    def run(cases, numbers=()):
        jobs = folder / "jobs.json"
        jobs.write_text(json.dumps({"cases": cases, "numbers": list(numbers)}))
        done = subprocess.run([node, str(RUNNER), str(engine), str(jobs)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run


def case(graph, points, upstream=None):
    """A job for engine.js: the graph's plan, and the points to run it at."""
    plan, reason = browser.plan_for(graph)
    assert reason is None, reason
    return {"plan": plan, "points": points, "upstream": upstream}


def python_numbers(graph, point, upstream=None):
    """Python's numbers at the point: the node-by-node engine (or its level plan)."""
    graph.forward(**point)
    graph.backward(upstream)
    with np.errstate(all="ignore"):     # as the engine runs: an inf inside may be fine
        return {"values": [float(graph.value_of(n)) for n in graph.nodes],
                "nodeGrads": [float(graph.grad_of(n)) for n in graph.nodes],
                "local": [float(e.local) for e in graph.edges],
                "downstream": [float(e.downstream) for e in graph.edges]}


def assert_same(graph, point, run, py, where=""):
    """engine.js's numbers (a ``run``) are Python's to RTOL, and it writes each as the kit does.

    Two libms' exp, log and tanh may differ in the last bit: V8's and numpy's do, and one
    number in sixteen of the random graphs' differs somewhere. A number that is mostly what
    a cancellation left, like the 0 of exp(z)/exp(z)'s gradient, or 1 - t² of a saturated
    tanh and every gradient it scales, keeps only those last bits of the numbers it came
    from: it must agree to RTOL of the largest number in the graph (at least 1), as
    ``np.isclose``'s atol does (28 numbers of 126,000 here)."""
    biggest = max([abs(b) for key in KINDS for b in py[key] if np.isfinite(b)] + [1.0])
    for key, kind in KINDS.items():
        for k, (text, a, b) in enumerate(zip(run["texts"][key], run[key], py[key])):
            a = float(a)                  # a non-finite number came as a string
            close = a == b or np.isclose(a, b, rtol=RTOL, atol=0, equal_nan=True)
            if (close or abs(a - b) <= RTOL * biggest) and text == labels.format_number(a) \
                    and (not close or text == labels.format_number(b)):
                continue
            what = (graph.describe(graph.nodes[k]) if key in ("values", "nodeGrads")
                    else f"edge {k} into {graph.describe(graph.edges[k].target)}")
            pytest.fail(f"{kind} of {what} at {point}{where}: browser {a!r} written {text!r}, "
                        f"Python {b!r} written {labels.format_number(b)!r}")


# ---- the lecture's numbers -----------------------------------------------------------

LECTURE_SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
LECTURE_POINT = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def test_the_first_example_gives_the_lecture_numbers(node_run):
    g = bp.parse("(x + y) * z")
    point = {"x": -2.0, "y": 5.0, "z": -4.0}
    run = node_run([case(g, [point])])["cases"][0]["runs"][0]
    assert run["output"] == -12.0
    assert run["grads"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    # the add gate distributes, the mul gate swaps: edges x, y -> +, then + and z -> *
    assert run["local"] == [1.0, 1.0, -4.0, 3.0]
    assert run["downstream"] == [-4.0, -4.0, -4.0, 3.0]
    assert run["texts"]["values"] == ["-2.00", "5.00", "3.00", "-4.00", "-12.00"]
    assert_same(g, point, run, python_numbers(g, point))


@pytest.mark.parametrize("collapsed", [False, True], ids=["four-gates", "sigma-gate"])
def test_the_sigmoid_example_gives_the_lecture_numbers(node_run, collapsed):
    g = bp.parse(LECTURE_SIGMOID)
    if collapsed:                 # the σ gate: the collapsed gate runs its own small plan
        g = bp.collapse(g, bp.find_sigmoids(g)[0])
        assert "inner" in browser.plan_for(g)[0]["nodes"][-1]
    run = node_run([case(g, [LECTURE_POINT])])["cases"][0]["runs"][0]
    s = 1 / (1 + np.exp(-1.0))                  # the neuron's input is 1 at this point
    local = (1 - s) * s                           # 0.1966...: (1 - σ)σ
    assert run["output"] == pytest.approx(s, rel=RTOL)
    want = {"w0": -local, "x0": 2 * local, "w1": -2 * local, "x1": -3 * local, "w2": local}
    for name, grad in want.items():
        assert run["grads"][name] == pytest.approx(grad, rel=RTOL), name
    texts = run["texts"]          # as the page will write them
    assert texts["values"][-1] == "0.73"
    assert [texts["nodeGrads"][g.index[g.inputs[name]]] for name in want] == \
        ["-0.20", "0.39", "-0.39", "-0.59", "0.20"]
    assert_same(g, LECTURE_POINT, run, python_numbers(g, LECTURE_POINT))


# ---- random graphs over every scalar op ----------------------------------------------

BROWSER_OPS = sorted(name for name, kind in bp.OPS.items() if kind.js_forward is not None)
REFUSED = {"matmul", "sum"}          # on arrays: the kernel runs them
CONSTANTS = {                                 # random constants for the ops that take them
    "pow": (2, 3, 0.5, -1, -1.5, 0, 1, 2.5),
    "leaky_relu": (0.01, 0.2, 1.0, -0.5),
    "elu": (1.0, 0.5, 2.0),
}
KINKS = {"max", "relu", "leaky_relu", "elu"}
NEAR_KINK = 1e-9       # points this close to a kink (but not on it) are not compared: there
# an ulp between two libms' exp may pick the other side; exactly on it both follow the table


def random_graph(rng, output_op, gates):
    """Up to ``gates`` random gates over x, y, z and a few constants, ending in
    ``output_op``. An input is mostly the newest item nothing uses yet, so that nearly
    every gate reaches the output; the rest reuse any item, so fan-out happens at inputs
    and inside."""
    items = list(bp.inputs("x y z"))
    unused = list(items)
    count = int(rng.integers(1, gates + 1))
    for k in range(count):
        name = output_op if k == count - 1 else str(rng.choice(BROWSER_OPS))
        gate = bp.OPS[name](*[rng.choice(CONSTANTS[name])] if name in CONSTANTS else [])
        args = []
        for _ in range(gate.arity):
            if rng.random() < 0.1:
                args.append(bp.constant(float(rng.choice([-1.0, 0.5, 1.0, 2.0, 3.0]))))
            elif unused and rng.random() < 0.7:
                args.append(unused.pop())
            else:
                args.append(items[int(rng.integers(len(items)))])
        items.append(apply(gate, *args))
        unused.append(items[-1])
    return bp.Graph(items[-1])


def random_point(rng, graph):
    point = {name: float(rng.uniform(-2.0, 2.0)) for name in graph.inputs}
    names = list(point)
    if rng.random() < 0.3 and names:             # on a kink: an input at 0, or two equal
        point[str(rng.choice(names))] = 0.0
    if rng.random() < 0.3 and len(names) > 1:
        a, b = rng.choice(names, size=2, replace=False)
        point[str(a)] = point[str(b)]
    return point


def near_a_kink(graph):
    for node in graph.gates():
        if node.gate.name in KINKS:
            ins = [graph.value_of(p) for p in node.inputs]
            gap = abs(ins[0] - ins[1]) if len(ins) == 2 else abs(ins[0])
            if 0 < gap < NEAR_KINK * (1 + max(abs(v) for v in ins)):
                return True
    return False


def python_or_none(graph, point):
    """Python's numbers, or None where Python refuses (a non-finite value or gradient)."""
    try:
        return python_numbers(graph, point)
    except FloatingPointError:
        return None


def check_random_graphs(node_run, seed, graphs, gates, points):
    """Random graphs at random points, in engine.js and in Python: the numbers agree.
    Returns the graphs, and how many points were compared and how many Python refused."""
    rng = np.random.default_rng(seed)
    made = [random_graph(rng, BROWSER_OPS[i % len(BROWSER_OPS)], gates) for i in range(graphs)]
    spots = [[random_point(rng, g) for _ in range(points)] for g in made]
    out = node_run([case(g, p) for g, p in zip(made, spots)])["cases"]
    compared = refused = 0
    for g, here, result in zip(made, spots, out):
        for point, run in zip(here, result["runs"]):
            assert "error" not in run, run
            py = python_or_none(g, point)
            if py is None:                        # Python refused: the browser sees it too
                assert run["nonFinite"] >= 0, (browser.plan_for(g)[0], point)
                refused += 1
                continue
            if near_a_kink(g):
                continue
            assert_same(g, point, run, py, f" in {bp.node_text(g, g.output, 200)}")
            all_finite = np.isfinite(py["values"] + py["nodeGrads"]).all()
            assert (run["nonFinite"] == -1) == all_finite
            compared += 1
    return made, compared, refused


def test_random_graphs_over_every_scalar_op_match_python(node_run):
    made, compared, refused = check_random_graphs(node_run, seed=11, graphs=420, gates=16,
                                                  points=12)
    assert {node.gate.name for g in made for node in g.gates()} == set(BROWSER_OPS)
    assert compared > 2500 and refused < compared, (compared, refused)


def mlp(rng, sizes=(2, 8, 8, 1)):
    """A scalar MLP as one graph, its weights inputs: each neuron act(sum w x + b), with
    the activations of the table in turn (the kind of graph Python runs level by level)."""
    acts = [bp.tanh, bp.relu, bp.sigmoid, lambda v: bp.leaky_relu(v, 0.1), bp.elu]
    layer = list(bp.inputs("x0 x1"))
    weights = {}
    for depth, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        made = []
        for j in range(fan_out):
            total = bp.inputs(f"b{depth}_{j}")
            weights[total.name] = 0.1 * float(rng.standard_normal())
            for i, x in enumerate(layer):
                w = bp.inputs(f"w{depth}_{j}_{i}")
                weights[w.name] = float(rng.standard_normal()) / np.sqrt(fan_in)
                total = total + w * x
            last = depth == len(sizes) - 2
            made.append(total if last else acts[(depth + j) % len(acts)](total))
        layer = made
    return bp.Graph(layer[0]), weights


def test_a_scalar_mlp_matches_python_run_level_by_level(node_run):
    """From Graph.FAST_FROM gates on, Python runs a compiled level plan: the same numbers."""
    rng = np.random.default_rng(12)
    g, weights = mlp(rng)
    assert g.plan is not None and len(g.gates()) >= bp.Graph.FAST_FROM
    points = [{**weights, "x0": float(rng.uniform(-2, 2)), "x1": float(rng.uniform(-2, 2))}
              for _ in range(20)]
    for point, run in zip(points, node_run([case(g, points)])["cases"][0]["runs"]):
        assert "error" not in run, run
        assert_same(g, point, run, python_numbers(g, point))


def test_every_op_runs_in_the_browser_or_is_refused_with_a_reason():
    assert set(BROWSER_OPS) | set(REFUSED) == set(bp.OPS)
    x = bp.inputs("x")
    for name in REFUSED:
        gate = bp.OPS[name]()
        plan, reason = browser.plan_for(bp.Graph(apply(gate, *[x] * gate.arity)))
        assert plan is None
        assert reason == (f"node n1 ({name}): the {name} gate has no rules in JavaScript "
                          "(js_forward, js_local), so the kernel runs it")


def test_each_op_is_compiled_once_at_plan_load_never_per_step(node_run):
    g = bp.parse(LECTURE_SIGMOID)
    collapsed = bp.collapse(g, bp.find_sigmoids(g)[0])
    big = random_graph(np.random.default_rng(3), "mul", 60)
    graphs = [g, collapsed, big]
    rng = np.random.default_rng(4)
    cases = [case(h, [random_point(rng, h) for _ in range(50)]) for h in graphs]
    for h, result in zip(graphs, node_run(cases)["cases"]):
        ops = {node.gate.name for node in h.gates()
               if not isinstance(node.gate, bp.Collapsed)}
        ops |= {node.gate.name for node in h.gates() if isinstance(node.gate, bp.Collapsed)
                for node in node.gate.inner.gates()}
        assert result["madeAtLoad"] == sum(1 + bp.OPS[op].arity for op in ops)
        assert result["madeInRuns"] == 0          # 50 forward and backward passes


# ---- a plan is data, and only the op table is code ------------------------------------

def test_a_plan_is_json_and_its_only_code_is_the_op_table():
    g = bp.parse("leaky_relu(x * 2) ** 3 + elu(y) - max(x, y)")
    plan, _ = browser.plan_for(g)
    assert json.loads(json.dumps(plan)) == plan
    for name, rule in plan["ops"].items():
        assert rule == browser.js_rule(bp.OPS[name])
    assert [node.get("input") for node in plan["nodes"] if "input" in node] == ["x", "y"]
    assert plan["nodes"][:5] == [{"input": "x"}, {"constant": 2.0},
                                 {"op": "mul", "inputs": [0, 1], "params": []},
                                 {"op": "leaky_relu", "inputs": [2], "params": [0.01]},
                                 {"op": "pow", "inputs": [3], "params": [3.0]}]


def test_input_names_are_data_even_when_they_look_like_code(node_run):
    names = "constructor __proto__ toString out a alpha Math hasOwnProperty"
    c, p, t, o, a, al, m, h = bp.inputs(names)
    g = bp.Graph(bp.leaky_relu(p, 0.2) * c + t / (1 + o * o) - a ** 2 * al
                 + bp.exp(m) * bp.sigmoid(h))
    rng = np.random.default_rng(6)
    points = [{name: float(rng.uniform(-2, 2)) for name in names.split()} for _ in range(20)]
    for point, run in zip(points, node_run([case(g, points)])["cases"][0]["runs"]):
        assert "error" not in run, run
        assert_same(g, point, run, python_numbers(g, point))
        assert list(run["grads"]) == list(g.inputs)      # in the graph's order


def test_the_engine_refuses_a_missing_or_non_finite_input(node_run):
    g = bp.parse("x * y")
    points = [{"x": 1.0}, {"x": 1.0, "y": "NaN"}, {"x": "-Infinity", "y": 1.0}]
    assert node_run([case(g, points)])["cases"][0]["runs"] == [
        {"error": "forward() is missing a number for input 'y'"},
        {"error": "input 'y' is NaN"},
        {"error": "input 'x' is infinite"}]


def test_backward_from_another_upstream(node_run):
    g = bp.parse("(x + y) * exp(z)")
    point = {"x": -2.0, "y": 5.0, "z": -0.5}
    run = node_run([case(g, [point], upstream=-2.5)])["cases"][0]["runs"][0]
    assert_same(g, point, run, python_numbers(g, point, upstream=-2.5))
    assert run["grads"]["x"] == -2.5 * np.exp(-0.5)


def test_a_non_finite_value_is_found_and_named(node_run):
    g = bp.parse("1 / exp(x) + y")        # exp(1000) = inf hides behind 1 / inf = 0
    run = node_run([case(g, [{"x": 1000.0, "y": 1.0}])])["cases"][0]["runs"][0]
    assert run["output"] == 1.0
    assert run["nonFinite"] == 2 and run["described"] == "node n2 (exp)"
    g.forward(x=1000.0, y=1.0)            # the kernel, asked, says the same
    with pytest.raises(FloatingPointError, match=r"non-finite value \(inf\) at node n2 \(exp\)"):
        g.backward()


# ---- a new op -------------------------------------------------------------------------

class BrowserSoftplus(Softplus):
    """tests/test_new_gate.py's softplus with its two rules in JavaScript as well: all a
    new op needs to run in the browser (log(1 + e^a) and σ(a), neither overflowing)."""
    js_forward = "a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))"
    js_local = ("a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))",)


@pytest.fixture
def registered():
    """register(gate) for one test; the op table as it was afterwards."""
    saved = dict(bp.OPS)
    yield bp.ops.register
    bp.OPS.clear()
    bp.OPS.update(saved)


def test_a_registered_op_with_rules_in_javascript_runs_in_the_browser(node_run, registered):
    registered(BrowserSoftplus)
    g = bp.parse("softplus(x) * y + softplus(y)")
    points = [{"x": x, "y": y} for x in (-800.0, -3.0, 0.0, 0.5, 4.0, 800.0)
              for y in (-2.0, 1.5)]
    plan, reason = browser.plan_for(g)
    assert reason is None and plan["ops"]["softplus"]["forward"] == BrowserSoftplus.js_forward
    for point, run in zip(points, node_run([case(g, points)])["cases"][0]["runs"]):
        assert_same(g, point, run, python_numbers(g, point))


def test_a_registered_op_without_them_is_refused_with_the_reason(registered):
    registered(Softplus)
    plan, reason = browser.plan_for(bp.parse("softplus(x) * y"))
    assert plan is None
    assert reason == ("node n1 (softplus): the softplus gate has no rules in JavaScript "
                      "(js_forward, js_local), so the kernel runs it")


class Cube(bp.Gate):
    """A learner's own gate: Python only, even with JavaScript on it."""
    arity, elementwise = 1, True
    js_forward, js_local = "a * a * a", ("3 * a * a",)

    def forward(self, a):
        self.a = a
        return a ** 3

    def local_gradients(self):
        return (3 * self.a ** 2,)


class Doubled(bp.ops.Multiply):
    """A learner's change to a built-in gate: its rules are no longer the table's."""

    def forward(self, a, b):
        return 2 * super().forward(a, b)


@pytest.mark.parametrize("make,reason", [
    (lambda: bp.Graph(apply(Cube(), bp.inputs("x")) * 2),
     "node n1 (Cube): Cube is not an op of the table (a learner's own gate runs in Python only)"),
    (lambda: bp.Graph(apply(Doubled(), *bp.inputs("x y"))),
     "node n2 (mul): Doubled is not an op of the table (a learner's own gate runs in Python "
     "only)"),
    (lambda: bp.parse("sum(W @ x)"),
     "node n2 (matmul): the matmul gate has no rules in JavaScript (js_forward, js_local), "
     "so the kernel runs it"),
    (lambda: bp.Graph(bp.constant([1.0, 2.0]) * bp.inputs("x")),
     "node n0 (constant) holds an array of shape (2,): the browser runs scalars only"),
    (lambda: ran(bp.parse("x * 2"), x=np.ones(3)),
     "node n0 (input 'x') holds an array of shape (3,): the browser runs scalars only"),
    (lambda: collapsed_sum(),
     "node n1 (f) is a collapsed gate, and inside it node n1 (sum): the sum gate has no "
     "rules in JavaScript (js_forward, js_local), so the kernel runs it"),
], ids=["learners-gate", "changed-built-in", "matmul", "array-constant", "array-input",
        "collapsed-sum"])
def test_a_graph_the_browser_cannot_run_gives_the_reason(make, reason):
    assert browser.plan_for(make()) == (None, reason)


def ran(graph, **values):
    graph.forward(**values)
    return graph


def collapsed_sum():
    g = bp.parse("exp(sum(x))")
    return bp.collapse(g, [node for node in g.gates()])


# ---- the kit's number format, ported ------------------------------------------------

def test_format_number_writes_what_the_kit_writes(node_run):
    rng = np.random.default_rng(8)
    ties = [0.125, -0.375, 0.625, 2.5, -3.5, 1.5, 0.5, 115000.0, 125000.0, -0.0625,
            9999.995, 99999.995, 0.005, 0.015, 0.01, -0.01, 1e5, -1e4, 9.995, 99.5]
    specials = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                -1.7976931348623157e308, 1e-7, 8.3e-07, 1e100, -1e-100, 123456789.0,
                float("inf"), float("-inf"), float("nan")]
    magnitudes = 10.0 ** rng.uniform(-12, 12, 3000) * rng.choice([-1, 1], 3000)
    rounded = np.round(rng.uniform(-50, 50, 1000), 3)         # x.xx5 rounding boundaries
    numbers = [float(x) for x in [*ties, *specials, *magnitudes, *rounded]]
    jobs = [(x, d) for x in numbers for d in (0, 1, 2, 3)]
    texts = node_run([], [[x if np.isfinite(x) else str(x).replace("inf", "Infinity")
                          .replace("nan", "NaN"), d] for x, d in jobs])["formatted"]
    for (x, d), text in zip(jobs, texts):
        assert text == labels.format_number(x, d), (x, d)

