"""The package's layers: the op table stands alone, and the engine needs numpy alone.

STYLE.md: imports flow one way. ops.py imports nothing from the kit (graph asks the gates,
never the reverse); the core needs numpy only, and pictures (graphviz), widgets
(ipywidgets) and plots (matplotlib) load when first used.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import bpwidgets

PACKAGE = Path(bpwidgets.__file__).parent
DISPLAY_PACKAGES = ("graphviz", "matplotlib", "ipywidgets")


def imported_modules(path):
    """Every module a file imports, at the top or inside a function ('.graph' if relative)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_ops_imports_nothing_from_the_kit():
    imports = imported_modules(PACKAGE / "ops.py")
    assert imports, "the check found no imports at all: is it reading ops.py?"
    assert [name for name in imports if name.startswith(".") or name.startswith("bpwidgets")] == []


def test_ops_loads_on_its_own_outside_the_package():
    code = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("ops_alone", {str(PACKAGE / "ops.py")!r})
ops = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ops)
print(sorted(name for name in sys.modules if name.startswith("bpwidgets")), sorted(ops.OPS)[:3])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] ['add', 'div', 'elu']"


def test_the_core_imports_no_pictures_widgets_or_plots():
    core = ["ops", "graph", "plan", "parse", "check", "jacobian", "nn", "datasets", "labels",
            "steps", "predict", "nudge", "collapse", "functions", "batch", "browser"]
    for module in core:
        for name in imported_modules(PACKAGE / f"{module}.py"):
            assert name.partition(".")[0] not in DISPLAY_PACKAGES, (module, name)
            assert not name.lstrip(".").startswith(("render", "widgets", "plots")), (module, name)


ENGINE_ALONE = """
import json, sys
for name in ("graphviz", "matplotlib", "ipywidgets"):
    sys.modules[name] = None            # as if not installed: importing it fails
import bpwidgets as bp
g = bp.parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
lecture = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
out = {"forward": round(g.forward(**lecture), 2),
       "backward": {name: round(grad, 2) for name, grad in g.backward().items()},
       "gradcheck": bp.gradcheck(g, **lecture).ok,
       "prediction": repr(bp.check_prediction(g, "x0", 0.39, **lecture)),
       "step": repr(bp.backward_steps(g)[0])}
for name in ("show", "explore", "plots"):
    try:
        getattr(bp, name)
    except ImportError as error:
        out[name] = str(error)
print(json.dumps(out))
"""


def test_the_engine_works_with_numpy_alone_and_pictures_say_what_is_missing():
    done = subprocess.run([sys.executable, "-c", ENGINE_ALONE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["forward"] == 0.73
    assert out["backward"] == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}
    assert out["gradcheck"] is True
    assert out["prediction"].startswith("RIGHT")
    assert out["step"] == "Step 1: 1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53"
    assert out["show"] == ("bp.show needs the Python package 'graphviz', which is not "
                           "installed (the engine does not): pip install graphviz")
    assert "'ipywidgets'" in out["explore"] and "pip install ipywidgets" in out["explore"]
    assert "'matplotlib'" in out["plots"] and "pip install matplotlib" in out["plots"]
