"""The same picture whatever fonts a machine has (issue 10): Graphviz never measures a
text when it lays out an SVG (``bpwidgets/render/text.py``), so the SVG's bytes depend
only on the pinned Graphviz.

The font setups are fontconfig files listing one font directory each: matplotlib's own
DejaVu fonts (there wherever bpwidgets is installed) and an empty directory (no fonts at
all), against the machine's own fonts. Before text.py, each setup gave other coordinates.
"""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bpwidgets as bp
from bpwidgets.render import SvgTemplate, to_svg
from bpwidgets.render import dot as dotmod
from bpwidgets.render import text as textmod

SIGMOID = "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
SIGMOID_AT = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)

# Lays out the test's pictures and prints them, one per line block, in a fresh process.
PICTURES = f"""
import numpy as np
import bpwidgets as bp
from bpwidgets.render import SvgTemplate, to_svg
g = bp.parse({SIGMOID!r}); g.forward(**{SIGMOID_AT!r}); g.backward()
(pattern,) = bp.find_sigmoids(g)
s = bp.collapse(g, pattern); s.forward(**{SIGMOID_AT!r}); s.backward()
f = bp.parse("2 * (x*y + max(z, w)) + x"); f.forward(x=3, y=-4, z=2, w=-1); f.backward()
v = bp.parse("sum((W @ x) ** 2)")
v.forward(W=np.array([[0.1, 0.5], [-0.3, 0.8]]), x=np.array([0.2, 0.4])); v.backward()
pictures = [to_svg(g), to_svg(s, show_flow=True), to_svg(f, show_local=True, show_flow=True),
            to_svg(v, decimals=3), SvgTemplate.from_graph(s, show_local=True).fill(s)]
print("\\n<!-- next picture -->\\n".join(pictures), end="")
"""

FONTS_CONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""


def sigmoid():
    g = bp.parse(SIGMOID)
    g.forward(**SIGMOID_AT)
    g.backward()
    return g


def pictures_with(tmp_path, font_dirs):
    """The pictures as a fresh process lays them out with only ``font_dirs`` (None: the
    machine's own fonts)."""
    env = dict(os.environ)
    if font_dirs is not None:
        config = tmp_path / f"fonts{len(list(tmp_path.iterdir()))}.conf"
        config.write_text(FONTS_CONFIG.format(
            dirs="".join(f"<dir>{d}</dir>" for d in font_dirs), cache=tmp_path / "cache"))
        env["FONTCONFIG_FILE"] = str(config)
    done = subprocess.run([sys.executable, "-c", PICTURES], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n<!-- next picture -->\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fonts found by fontconfig")
def test_the_svg_is_the_same_whatever_fonts_are_installed(tmp_path):
    import matplotlib
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    empty = tmp_path / "no fonts"
    empty.mkdir()
    system = pictures_with(tmp_path, None)
    only_dejavu = pictures_with(tmp_path, [dejavu])
    no_fonts = pictures_with(tmp_path, [empty])
    assert len(system) == 5
    for mine, dejavus, nones in zip(system, only_dejavu, no_fonts):
        assert "<text" in mine
        assert mine == dejavus
        assert mine == nones


def graphs():
    g = sigmoid()
    (pattern,) = bp.find_sigmoids(g)
    s = bp.collapse(g, pattern)
    s.forward(**SIGMOID_AT)
    s.backward()
    c = bp.parse("x*y + x + max(x, 0.5) + relu(y) + 3 - y / 2")
    c.forward(x=3, y=-4)
    c.backward()
    return [(g, {}), (s, dict(show_flow=True, show_local=True)),
            (c, dict(show_flow=True, show_local=True))]


@pytest.mark.parametrize("number", range(3))
def test_no_text_reaches_graphviz_when_it_lays_out_an_svg(number):
    """Every text of the DOT is in a fixed-size cell that ``blank`` empties, and no label
    is plain text (Graphviz would measure it with a font)."""
    graph, options = graphs()[number]
    source = bp.draw(graph, **options).source
    blanked, texts = textmod.blank(source)
    assert texts and "<FONT" not in blanked
    labels = re.findall(r'\blabel=("(?:[^"\\]|\\.)*"|<|[^\s\]]+)', blanked)
    assert labels and all(label == "<" for label in labels)
    assert "xlabel" not in blanked and "headlabel" not in blanked
    # and every text of the picture is one we put there, centred on its cell
    svg = to_svg(graph, **options)
    placed = re.findall(r"<text[^>]*>", svg)
    assert len(placed) == len(texts)
    assert all('text-anchor="middle"' in tag for tag in placed)


def test_the_template_and_a_drawing_place_every_text_alike():
    g = sigmoid()
    assert SvgTemplate.from_graph(g).fill(g) == to_svg(g)


def test_text_widths_are_generous_for_helvetica_and_dejavu_sans():
    """The width table holds every text the lessons draw, in the fonts browsers pick for
    Helvetica: measured here with matplotlib's DejaVu Sans (wider than Helvetica)."""
    import matplotlib
    from matplotlib import ft2font
    from matplotlib.ft2font import FT2Font
    unhinted = (ft2font.LoadFlags.NO_HINTING if hasattr(ft2font, "LoadFlags")
                else ft2font.LOAD_NO_HINTING)       # browsers place glyphs unhinted
    font = FT2Font(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    samples = ["-8.8e+88", "-1.2e+05", "-12.00", "w0", "x1", "W2", "softmax loss", "1/x",
               "σ", "Σ", "max", "(5, 10)", "copy: gradients add", "sigmoid scales by (1-s)s",
               "matmul: dA = up @ B.T, dB = A.T @ up", "relu routes: passes or blocks",
               "WWWW_mmmm", "local", "total", "1-x", "*-1"]
    for sample in samples:
        for size in (dotmod.SMALL_SIZE, dotmod.NUMBER_SIZE, dotmod.NAME_SIZE):
            font.set_size(size, 72)             # points
            font.set_text(sample, 0.0, flags=unhinted)
            measured = font.get_width_height()[0] / 64
            assert textmod.text_width(sample, size) >= measured - 0.5, (sample, size)
            assert textmod.cell_width(sample, size) >= measured + 2, (sample, size)
    assert dotmod.CELL_WIDTH >= textmod.cell_width("-8.8e+88", dotmod.NUMBER_SIZE)


def test_placed_texts_are_escaped_once():
    g = bp.parse("a_1 * b")
    g.forward(a_1=1, b=2)
    g.backward()
    source = bp.draw(g).source
    _, texts = textmod.blank(source)
    assert ("a_1", "black", dotmod.NAME_SIZE) in texts
    cell = textmod.cell("x<y & 'z'", "black", 12)
    assert html.escape("x<y & 'z'") in cell
    blanked, texts = textmod.blank(cell)
    assert texts == [(html.escape("x<y & 'z'"), "black", 12)]
