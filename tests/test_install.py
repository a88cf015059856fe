"""pip is enough: a plain (not editable) install draws with no Graphviz 'dot' on PATH.

The install goes into a new virtual environment from a copy of the repository (pip
builds in the source folder, so the checkout is left alone). Its dependencies are not
downloaded: the test environment's own site-packages is put on the new one's path, so
the test runs offline, and pygraphviz is the wheel the tests run with.
"""

import html
import json
import re
import shutil
import subprocess
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from bpwidgets.render import engine

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ["(x + y) * z", "x=-2", "y=5", "z=-4"]
# The numbers of the lecture's first example: f = -12; df/dx = df/dy = z = -4, df/dz = x + y = 3
LECTURE_NUMBERS = {"-12.00", "-4.00", "3.00", "-2.00", "5.00", "1.00"}


def svg_texts(svg):
    """Every text in an SVG, unescaped (Graphviz writes - as &#45;)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the new environment's bin folder, a PATH without dot, a folder to work in)."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", "lessons", "tests", "benchmarks"))
    env_dir = tmp / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = Path(sysconfig.get_path("scripts", vars={"base": str(env_dir)}))
    python = bin_dir / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # What the test environment has installed (numpy, graphviz, pygraphviz, ...), after
    # the new environment's own packages on the path; its .pth files are not read, so an
    # editable bpwidgets there stays invisible.
    Path(site, "test-environment.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index",
                           "--no-build-isolation", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    work = tmp / "work"
    work.mkdir()
    return bin_dir, str(bin_dir), work


def run(installed, *command):
    bin_dir, path, work = installed
    assert shutil.which("dot", path=path) is None
    return subprocess.run(command, capture_output=True, text=True, cwd=work,
                          env={"PATH": path}, timeout=120)


def test_the_install_is_a_plain_copy_not_an_editable_link(installed):
    bin_dir, _, _ = installed
    code = ("import bpwidgets, json, importlib.metadata as m; "
            "d = m.distribution('bpwidgets'); "
            "print(json.dumps([bpwidgets.__file__, d.read_text('direct_url.json')]))")
    done = run(installed, str(bin_dir / "python"), "-c", code)
    assert done.returncode == 0, done.stderr
    module_file, direct_url = json.loads(done.stdout)
    assert Path(module_file).is_relative_to(bin_dir.parent)        # inside the new env
    assert not Path(module_file).is_relative_to(ROOT)
    assert json.loads(direct_url)["dir_info"].get("editable", False) is False
    # package data ships too: the browser's engine and the explorer's view and style
    for name in ("engine.js", "explorer.js", "explorer.css"):
        assert (Path(module_file).parent / "static" / name).is_file(), name


def python_json(installed, code):
    """What ``code`` prints as JSON, run by the installed environment's Python, which
    must say nothing on stderr."""
    bin_dir, _, _ = installed
    done = run(installed, str(bin_dir / "python"), "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_the_explorer_and_a_page_with_no_kernel_work_from_the_install(installed):
    bin_dir, _, work = installed
    code = ("import json, bpwidgets as bp; w = bp.explore('(x + y) * z', x=-2, y=5, z=-4); "
            "w.sliders['x'].value = 1.0; "
            "print(json.dumps([repr(w), w.runs_in, 'class View' in w._esm, "
            "'.bpx-frame' in w._css, w.graph.output.value]))")
    assert python_json(installed, code) == ["<Explorer (x + y) * z: sliders x, y, z>",
                                       "the browser", True, True, -24.0]
    done = run(installed, str(bin_dir / "bpwidgets"), "render", *LECTURE, "-o", "page.html")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    page = (work / "page.html").read_text()
    assert "class Engine" in page and "class View" in page      # both inlined
    assert '"plan": {"version": 1' in page and "<svg" in page


def test_bpwidgets_render_draws_the_lecture_numbers_without_dot(installed):
    bin_dir, _, work = installed
    done = run(installed, str(bin_dir / "bpwidgets"), "render", *LECTURE, "-o", "out.svg")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert LECTURE_NUMBERS <= set(svg_texts((work / "out.svg").read_text()))


def test_bp_show_draws_the_lecture_numbers_without_dot(installed):
    code = ("import json, bpwidgets as bp; from bpwidgets.render import engine; "
            "g = bp.parse('(x + y) * z'); g.forward(x=-2, y=5, z=-4); g.backward(); "
            "p = bp.show(g); "
            "print(json.dumps([engine.describe(), repr(p), p.svg, p.png[:8].hex()]))")
    described, text, svg, png = python_json(installed, code)
    assert described.startswith("pygraphviz 2.0.4 (Graphviz ")
    assert text == "<Picture of (x + y) * z: 5 nodes, output -12.00; grads x -4.00, y -4.00, z 3.00>"
    assert LECTURE_NUMBERS <= set(svg_texts(svg))
    assert png == b"\x89PNG\r\n\x1a\n".hex()


def test_the_pin_is_the_one_the_error_message_names():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d.partition(";")[0].strip() for d in dependencies if d.startswith("pygraphviz")]
    assert pins == [engine.PYGRAPHVIZ_PIN]
