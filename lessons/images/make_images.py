"""Regenerate the README pictures.

    python lessons/images/make_images.py              # sigmoid.svg and sigmoid.png
    python lessons/images/make_images.py --explorer   # also explorer.png (needs Chromium)

sigmoid.*: the lecture's sigmoid example after forward and backward. explorer.png: lesson
02's explorer in JupyterLab at the exp gate of the backward step-through, screenshotted
in headless Chromium with tests/test_browser.py's helpers.
"""

import pathlib
import sys
import tempfile
import time

import bpwidgets as bp
from bpwidgets.render import write

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[1]


def sigmoid_pictures():
    graph = bp.parse("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))")
    graph.forward(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    graph.backward()
    for name in ("sigmoid.svg", "sigmoid.png"):
        print("wrote", write(graph, HERE / name))


def explorer_png():
    sys.path.insert(0, str(ROOT / "tests"))
    import test_browser as tb
    with tempfile.TemporaryDirectory() as tmp, \
            tb.server_running(tb.FRONTENDS[0], pathlib.Path(tmp)) as server, \
            tb.lesson_running(server, "02_sigmoid_gate.ipynb") as page:
        page.wait_for_selector(".bpx-frame svg", timeout=tb.SLOW)
        page.wait_for_function(tb.KERNEL_IDLE, timeout=tb.SLOW)
        explorer = page.locator(".bpx").first
        explorer.scroll_into_view_if_needed()
        explorer.locator(".bpx-button", has_text="start").click()
        for _ in range(3):                         # 1/x, +1, then exp
            explorer.locator(".bpx-button", has_text="next").click()
            page.wait_for_function(tb.KERNEL_IDLE, timeout=tb.SLOW)
        page.get_by_text("Step 3 of 8: exp").wait_for()
        time.sleep(0.5)
        explorer.screenshot(path=HERE / "explorer.png")
    print("wrote", HERE / "explorer.png")


if __name__ == "__main__":
    sigmoid_pictures()
    if "--explorer" in sys.argv:
        explorer_png()
