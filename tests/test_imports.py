"""The package's layers: the op table stands alone, and the engine needs numpy alone.

STYLE.md: imports flow one way. ops.py imports nothing from the kit (graph asks the gates,
never the reverse); the core needs numpy only, and pictures (graphviz), widgets
(ipywidgets) and plots (matplotlib) load when first used. The engine is run twice: here
with those packages hidden, and in a new virtual environment that holds numpy alone.
"""

import ast
import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import numpy
import pytest

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
        path = PACKAGE / f"{module}.py"          # a module, or a package of them (nn)
        files = [path] if path.exists() else sorted((PACKAGE / module).glob("*.py"))
        assert files, module
        for file in files:
            for name in imported_modules(file):
                assert name.partition(".")[0] not in DISPLAY_PACKAGES, (file, name)
                assert not name.lstrip(".").startswith(("render", "widgets", "plots")), (file, name)


BLOCK_DISPLAY_PACKAGES = """
import sys
for name in ("graphviz", "matplotlib", "ipywidgets"):
    sys.modules[name] = None            # as if not installed: importing it fails
"""

ENGINE_ALONE = """
import importlib.util, json, sys
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
out["installed"] = sorted(name for name in ("numpy", "graphviz", "matplotlib", "ipywidgets",
                                              "anywidget", "IPython", "traitlets", "pygraphviz")
                          if importlib.util.find_spec(name) is not None)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def numpy_only_python(tmp_path_factory):
    """The python of a new virtual environment that holds numpy and bpwidgets and
    nothing else: numpy and the kit's source linked in (so the test runs offline), no
    system site-packages."""
    tmp = tmp_path_factory.mktemp("numpy-only")
    venv.create(tmp / "env", with_pip=False)
    bin_dir = Path(sysconfig.get_path("scripts", vars={"base": str(tmp / "env")}))
    python = bin_dir / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    numpy_dir = Path(numpy.__file__).parent
    for package in (numpy_dir, numpy_dir.with_name("numpy.libs"), PACKAGE):
        if package.exists():               # numpy.libs: where a manylinux wheel keeps BLAS
            Path(site, package.name).symlink_to(package, target_is_directory=True)
    return str(python)


@pytest.mark.parametrize("where", ["blocked", "numpy-only venv"])
def test_the_engine_works_with_numpy_alone_and_pictures_say_what_is_missing(
        where, request):
    if where == "blocked":                 # this environment, the display packages hidden
        python, script = sys.executable, BLOCK_DISPLAY_PACKAGES + ENGINE_ALONE
    else:                                  # a venv where they were never installed
        python, script = request.getfixturevalue("numpy_only_python"), ENGINE_ALONE
    done = subprocess.run([python, "-c", script], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    if where == "numpy-only venv":
        assert out["installed"] == ["numpy"]
    assert out["forward"] == 0.73
    assert out["backward"] == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}
    assert out["gradcheck"] is True
    assert out["prediction"].startswith("RIGHT")
    assert out["step"] == "Step 1: 1/x: local -1/1.37^2 = -0.53 × upstream 1.00 = -0.53"
    assert out["show"] == ("bp.show needs the Python package 'graphviz', which is not "
                           "installed (the engine does not): pip install graphviz")
    # the explorer needs anywidget and ipywidgets: the message names one that is missing
    widget = "ipywidgets" if where == "blocked" else "anywidget"
    assert f"'{widget}'" in out["explore"] and f"pip install {widget}" in out["explore"]
    assert "'matplotlib'" in out["plots"] and "pip install matplotlib" in out["plots"]
