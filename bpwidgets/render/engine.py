"""Run Graphviz on DOT text: the one place a picture is laid out.

pip is enough: the pygraphviz wheels (Linux on x86-64 and ARM, macOS on Apple silicon,
Windows) carry Graphviz inside. pyproject.toml pins the version, because Graphviz's
version decides every coordinate of a picture. Where pygraphviz is not installed or
cannot load, Graphviz's ``dot`` program on PATH (from apt, brew or conda) does the same
job. With neither, ``GraphvizMissing`` says what to install.

A small picture (``limits.IN_PROCESS_LIMIT``) is laid out in this process: 4 ms for the
sigmoid graph, against 15 ms to start ``dot``. A bigger one runs in a child process
that is stopped after ``LAYOUT_TIMEOUT`` seconds, so no picture blocks a notebook's
kernel for longer than that. A graph above ``limits.DRAW_LIMIT`` is refused before layout.

    render(bp.draw(g).source, "svg")       # SVG bytes
"""

import contextlib
import os
import shutil
import subprocess
import sys
import threading

from . import text
from .limits import IN_PROCESS_LIMIT, GraphTooBig, refuse_if_too_big, total

LAYOUT_TIMEOUT = 10.0
"""Seconds a layout in a child process may take before it is stopped."""

PYGRAPHVIZ_PIN = "pygraphviz==2.0.4"
"""The pin in pyproject.toml, for the install hint (tests/test_install.py checks they agree)."""

# The child process: pygraphviz alone, DOT on stdin, the picture on stdout.
CHILD = ("import sys, pygraphviz; "
         "graph = pygraphviz.AGraph(string=sys.stdin.buffer.read().decode('utf-8')); "
         "sys.stdout.buffer.write(graph.draw(format=sys.argv[1], prog='dot'))")

# Graphviz's C library keeps global state: one layout at a time in this process.
_LOCK = threading.Lock()


class GraphvizMissing(RuntimeError):
    """No Graphviz to draw with: pygraphviz cannot be imported and ``dot`` is not on PATH."""


def render(source, fmt, size=None):
    """Graphviz's output (bytes) for the DOT text ``source`` in format ``fmt`` ('svg',
    'png'). ``size`` is the graph's ``limits.LayoutSize``; None (unknown) lays out in a
    child process, where a slow layout can be stopped.

    An SVG is laid out with its texts taken out and put back by us (``text.py``), so its
    bytes do not depend on the fonts installed."""
    if fmt == "svg":
        blanked, texts = text.blank(source)
        return text.place(_render(blanked, fmt, size).decode("utf-8"), texts).encode("utf-8")
    return _render(source, fmt, size)


def _render(source, fmt, size):
    refuse_if_too_big(size)
    pygraphviz, why_not = _pygraphviz()
    if pygraphviz is not None:
        if size is not None and total(size) <= IN_PROCESS_LIMIT:
            return _in_process(pygraphviz, source, fmt)
        return _child([sys.executable, "-c", CHILD, fmt], source, "pygraphviz")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing(install_help(why_not))
    return _child([dot, f"-T{fmt}"], source, "dot")


def describe():
    """Which Graphviz draws here: 'pygraphviz 2.0.4 (Graphviz 14.1.5)', 'dot (/usr/bin/dot)'
    or 'none'."""
    pygraphviz, _ = _pygraphviz()
    if pygraphviz is not None:
        return f"pygraphviz {pygraphviz.__version__} (Graphviz {pygraphviz.__graphviz_version__})"
    dot = shutil.which("dot")
    return f"dot ({dot})" if dot else "none"


def install_help(why_not):
    """The one-line message of GraphvizMissing."""
    return (f"bpwidgets found no Graphviz to draw with: the Python package pygraphviz, "
            f"whose wheels bring Graphviz along, cannot be imported ({why_not}), and there "
            f"is no 'dot' program on PATH. Install one of them: pip install "
            f"\"{PYGRAPHVIZ_PIN}\" (wheels for Linux, macOS on Apple silicon and Windows), "
            f"or Graphviz itself: sudo apt-get install graphviz (Debian/Ubuntu) | "
            f"brew install graphviz (macOS) | conda install -c conda-forge graphviz (conda)")


def _pygraphviz():
    """(the pygraphviz module, None) or (None, why it cannot be imported)."""
    try:
        import pygraphviz
    except (ImportError, OSError) as error:   # not installed, or a library it needs is missing
        return None, str(error) or type(error).__name__
    return pygraphviz, None


def _in_process(pygraphviz, source, fmt):
    with _LOCK, _c_stderr_silenced():
        return pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")


def _child(command, source, name):
    """Run a layout in a child process, stopped after LAYOUT_TIMEOUT seconds."""
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                              timeout=LAYOUT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise GraphTooBig(
            f"Graphviz did not finish laying out this graph within {LAYOUT_TIMEOUT:g} s "
            f"and was stopped; draw a smaller piece of it") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Graphviz ({name}) failed: {lines[-1] if lines else 'no message'}")
    return done.stdout


@contextlib.contextmanager
def _c_stderr_silenced():
    """Send what C code writes to standard error (Graphviz's and fontconfig's warnings,
    such as fontconfig's 'unknown element' about a newer system configuration) to the
    null device: in a notebook, ipykernel would show it under the cell."""
    try:
        saved = os.dup(2)
    except OSError:                      # no standard error at all (pythonw)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
