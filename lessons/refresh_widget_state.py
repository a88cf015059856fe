"""Store today's widget code in the lessons, after a change to bpwidgets/static.

    python lessons/refresh_widget_state.py            # every lesson that shows a widget
    python lessons/refresh_widget_state.py 02 04      # only these

A lesson keeps its widgets' state when saved, the explorer's view code (_esm, _css)
included: a front-end shows it before the kernel runs, and so does a static render.
tests/test_lessons.py checks that it is the package's own. This re-runs each lesson in a
fresh kernel (as nbval does) and takes from that run only the widget state and the model
ids of the widget outputs; every other stored output stays as it was, so the diff holds
nothing but widget state.
"""

import json
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).parent
WIDGET_STATE = "widgets"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def refresh(path):
    """Re-run the lesson at ``path`` and store its fresh widget state; False if it shows
    no widget."""
    text = path.read_text(encoding="utf-8")
    stored = json.loads(text)
    ran = nbformat.read(path, as_version=4)
    NotebookClient(ran, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    if WIDGET_STATE not in ran.metadata:
        return False
    for old_cell, new_cell in zip(stored["cells"], ran.cells):
        for old, new in zip(old_cell.get("outputs", []), new_cell.get("outputs", [])):
            if WIDGET_VIEW in old.get("data", {}) and WIDGET_VIEW in new.get("data", {}):
                old["data"][WIDGET_VIEW] = new["data"][WIDGET_VIEW]
    stored["metadata"][WIDGET_STATE] = json.loads(json.dumps(ran.metadata[WIDGET_STATE]))
    path.write_text(json.dumps(stored, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")           # as nbformat writes it: a small diff
    return True


def main(prefixes):
    for path in sorted(HERE.glob("[0-9][0-9]_*.ipynb")):
        if prefixes and not any(path.name.startswith(p) for p in prefixes):
            continue
        print("refreshed" if refresh(path) else "no widgets in", path.name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
