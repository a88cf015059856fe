"""The command line: JSON gradients equal to the engine's and the lecture's, pictures on
disk, and every failure as one line on stderr with a non-zero exit."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points

import numpy as np
import pytest

import bpwidgets as bp
from bpwidgets.cli import main

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
SIGMOID_ARGS = ["w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_grad_prints_the_engines_json_for_the_lecture_example(capsys):
    status, out, err = run(capsys, "grad", "(x + y) * z", "x=-2", "y=5", "z=-4")
    assert status == 0 and err == ""
    result = json.loads(out)
    g = bp.parse("(x + y) * z")
    assert result == {"value": g.forward(x=-2, y=5, z=-4), "grads": g.backward()}
    assert result == {"value": -12.0, "grads": {"x": -4.0, "y": -4.0, "z": 3.0}}   # lesson 01


def test_grad_of_the_sigmoid_example_matches_the_lecture(capsys):
    status, out, _ = run(capsys, "grad", SIGMOID, *SIGMOID_ARGS)
    result = json.loads(out)
    assert status == 0
    assert result["value"] == pytest.approx(0.7310585786, abs=1e-9)
    lecture = {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836,
               "w2": 0.196612}
    for name, grad in lecture.items():
        assert result["grads"][name] == pytest.approx(grad, abs=1e-6)


def test_grad_takes_arrays_as_json_and_prints_nested_lists(capsys):
    status, out, _ = run(capsys, "grad", "sum((W @ x)**2)", "W=[[0.1, 0.5], [-0.3, 0.8]]",
                         "x=[0.2, 0.4]")
    result = json.loads(out)
    assert status == 0
    assert result["value"] == pytest.approx(0.116)                          # lesson 04
    np.testing.assert_allclose(result["grads"]["W"], [[0.088, 0.176], [0.104, 0.208]])
    np.testing.assert_allclose(result["grads"]["x"], [-0.112, 0.636])


@pytest.mark.parametrize("argv, message", [
    (["grad", "(x +", "x=1"], "not a valid expression"),
    (["grad", "x * y", "x", "y=1"], "expected NAME=VALUE"),
    (["grad", "x * y", "x=1", "y=2", "q=3"], "unknown input 'q'"),
    (["grad", "x * y", "x=1"], "missing a value for input 'y'"),
    (["grad", "x * y", "x=abc", "y=1"], "cannot read the value of x"),
    (["grad", "x", "x=__import__('os')"], "cannot read the value of x"),
    (["grad", "x", "x=1", "x=2"], "given twice"),
    (["grad", "x", "x=NaN"], "NaN"),
    (["grad", "x * 2", "x=[1, 2]"], "scalar output"),
    (["grad", "os.system('true')"], "is not allowed in an expression"),
    (["render", "x * y", "x=1", "y=2", "-o", "graph.jpg"],
     "must end in .svg, .png, .pdf or .html"),
    (["render", "x * y", "x=1", "y=2", "-o", "graph.html", "--show-flow"],
     "--show-flow is for pictures"),
])
def test_errors_are_one_line_on_stderr_with_a_non_zero_exit(capsys, tmp_path, monkeypatch,
                                                             argv, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    assert err.startswith("bpwidgets: error: ") and err.count("\n") == 1
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_render_writes_an_svg_with_the_numbers(capsys, tmp_path):
    path = tmp_path / "sigmoid.svg"
    status, out, _ = run(capsys, "render", SIGMOID, *SIGMOID_ARGS, "-o", str(path))
    assert status == 0 and str(path) in out
    root = ET.parse(path).getroot()
    out_label = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "out")
    assert [t.text for t in out_label.iter("{http://www.w3.org/2000/svg}text")] == ["0.73", "1.00"]


def test_render_writes_a_png(capsys, tmp_path):
    path = tmp_path / "graph.png"
    status, _, _ = run(capsys, "render", "x*x + x", "x=3", "-o", str(path), "--show-local")
    assert status == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_writes_a_pdf_the_size_of_the_svg(capsys, tmp_path):
    """Slides and handouts take vector PDF; the wheel's Graphviz writes it (the graphviz
    package's Digraph.render('x', format='pdf') needs a system dot)."""
    paths = [tmp_path / "sigmoid.svg", tmp_path / "sigmoid.pdf"]
    for path in paths:
        assert run(capsys, "render", SIGMOID, *SIGMOID_ARGS, "-o", str(path))[0] == 0
    svg_size = [float(n) for n in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                                            paths[0].read_text()).groups()]
    pdf = paths[1].read_bytes()
    assert pdf.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert np.allclose([float(n) for n in box.groups()], svg_size, atol=1.5)


def test_show_flow_writes_each_gates_role_under_it(capsys, tmp_path):
    path = tmp_path / "flow.svg"
    args = ["render", "2*(x*y + max(z, w))", "x=3", "y=-4", "z=2", "w=-1", "-o", str(path)]
    assert run(capsys, *args)[0] == 0
    assert "mul swaps" not in path.read_text()
    assert run(capsys, *args, "--show-flow")[0] == 0
    roles = path.read_text()
    for role in ("mul swaps", "max routes", "add distributes", "scales by 2"):
        assert role in roles, role


def test_python_m_bpwidgets_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "grad", "(x + y) * z",
                           "x=-2", "y=5", "z=-4"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"value": -12.0, "grads": {"x": -4.0, "y": -4.0, "z": 3.0}}


def test_the_console_script_is_declared():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["bpwidgets"] == "bpwidgets.cli:main"


def test_without_any_graphviz_the_error_is_one_clear_line(tmp_path):
    """pygraphviz cannot be imported (as where no wheel exists) and no dot is on PATH."""
    code = ("import sys; sys.modules['pygraphviz'] = None; from bpwidgets.cli import main; "
            f"sys.exit(main(['render', 'x * y', 'x=1', 'y=2', '-o', {str(tmp_path / 'g.svg')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.startswith("bpwidgets: error: bpwidgets found no Graphviz to draw with")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    for command in ('pip install "pygraphviz==2.0.4"', "sudo apt-get install graphviz",
                    "brew install graphviz", "conda install -c conda-forge graphviz"):
        assert command in done.stderr
    assert not (tmp_path / "g.svg").exists()


def test_render_needs_no_dot_program(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bpwidgets", "render", "x * y", "x=1", "y=2",
                           "-o", str(tmp_path / "g.svg")],
                          capture_output=True, text=True, env={"PATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    root = ET.parse(tmp_path / "g.svg").getroot()
    out_label = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "out")
    assert [t.text for t in out_label.iter("{http://www.w3.org/2000/svg}text")] == ["2.00", "1.00"]


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and 'bpwidgets grad "(x + y) * z" x=-2 y=5 z=-4' in out


def test_an_expression_starting_with_minus_goes_after_double_dash(capsys):
    status, out, _ = run(capsys, "grad", "--", "-x*y", "x=1", "y=2")
    assert status == 0
    assert json.loads(out) == {"value": -2.0, "grads": {"x": -2.0, "y": -1.0}}


def test_render_of_an_array_output_draws_the_forward_values_and_says_so(capsys, tmp_path):
    path = tmp_path / "q.svg"
    status, _, err = run(capsys, "render", "W @ x", "W=[[0.1, 0.5], [-0.3, 0.8]]",
                         "x=[0.2, 0.4]", "-o", str(path))
    assert status == 0
    assert err == ("bpwidgets: note: the output has shape (2,), so the picture shows "
                   "forward values only\n")
    root = ET.parse(path).getroot()
    out_label = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "out")
    # lesson 04: q = W x = [0.22, 0.26]
    assert [t.text for t in out_label.iter("{http://www.w3.org/2000/svg}text")] == [
        "(2,)", "0.22", "0.26"]


@pytest.mark.parametrize("name", [".svg", ".PNG", ".html", "sub/.svg"])
def test_a_file_name_that_is_only_an_extension_is_refused_as_nameless(capsys, tmp_path,
                                                                      monkeypatch, name):
    """'-o .svg' said "must end in .svg or .png (got 'no extension')": it does end in .svg."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    status, out, err = run(capsys, "render", "x * y", "x=1", "y=2", "-o", name)
    suffix = name[name.rfind("."):].lower()
    assert status == 1 and out == ""
    assert err == (f"bpwidgets: error: cannot write {name!r}: the file needs a name before "
                   f"{suffix}, like graph{suffix}\n")
    assert [p.name for p in tmp_path.rglob("*")] == ["sub"]


def test_decimals_draws_a_picture_and_a_page(capsys, tmp_path):
    """--decimals 4 gives four places in a picture and on a page (it was refused for
    .html, whose page always wrote 2); out of range, it is refused for both."""
    svg = tmp_path / "g.svg"
    status, _, _ = run(capsys, "render", "x * y", "x=1", "y=2", "-o", str(svg),
                       "--decimals", "4")
    assert status == 0
    root = ET.parse(svg).getroot()
    out_label = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "out")
    assert [t.text for t in out_label.iter("{http://www.w3.org/2000/svg}text")] == \
        ["2.0000", "1.0000"]
    page = tmp_path / "g.html"
    status, out, err = run(capsys, "render", "x * y", "x=1", "y=2", "-o", str(page),
                           "--decimals", "4")
    assert status == 0 and err == "" and page.exists()
    state = json.loads(re.search(r'<script type="application/json" id="bpx-state">(.*?)</script>',
                                 page.read_text(encoding="utf-8"), re.S).group(1))
    assert state["picture"]["decimals"] == 4
    for name in ("h.svg", "h.html"):
        status, out, err = run(capsys, "render", "x * y", "x=1", "y=2", "-o",
                               str(tmp_path / name), "--decimals", "9")
        assert status == 1 and out == "" and not (tmp_path / name).exists()
        assert "decimals must be a whole number from 0 to 6" in err


def test_a_pdf_page_is_at_most_200_inches_a_side(tmp_path):
    """The README's 400 squares a_i * a_i measure 85,646 x 15,660 points: past what PDF
    viewers open (14,400). The PDF is scaled down to fit, keeping its proportions."""
    g = bp.parse(" + ".join(f"a{i}*a{i}" for i in range(400)))
    g.forward(**{f"a{i}": 0.5 for i in range(400)})
    g.backward()
    pdf = bp.render.to_pdf(g)
    width, height = (float(n) for n in re.search(
        rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf).groups())
    assert width == 14400 and 0.15 < height / width < 0.2       # 15,660 / 85,646 = 0.18
