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
    no widget. Refuses, leaving the file as it was, if the run's widget outputs do not
    match the stored ones one for one (a cell was added, or shows a widget no more)."""
    text = path.read_text(encoding="utf-8")
    stored = json.loads(text)
    ran = nbformat.read(path, as_version=4)
    NotebookClient(ran, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    if WIDGET_STATE not in ran.metadata:
        return False
    old_views = _widget_views(stored["cells"])
    new_views = _widget_views(ran.cells)
    if [k for k, _ in old_views] != [k for k, _ in new_views]:
        raise SystemExit(f"{path.name}: the run shows widgets in other cells than the stored "
                         "lesson: execute and save it in Jupyter instead")
    state = json.loads(json.dumps(ran.metadata[WIDGET_STATE]))
    models = state["application/vnd.jupyter.widget-state+json"]["state"]
    for (_, old), (_, new) in zip(old_views, new_views):
        if new["model_id"] not in models:
            raise SystemExit(f"{path.name}: a widget output's model is not in the saved state")
        old.update(new)
    stored["metadata"][WIDGET_STATE] = state
    path.write_text(json.dumps(stored, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")           # as nbformat writes it: a small diff
    return True


def _widget_views(cells):
    """(cell index, the widget-view data) of every widget output, in order."""
    return [(k, output["data"][WIDGET_VIEW]) for k, cell in enumerate(cells)
            for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]


def main(prefixes):
    if any(prefix.startswith("-") for prefix in prefixes):
        raise SystemExit(__doc__)
    paths = [path for path in sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
             if not prefixes or any(path.name.startswith(p) for p in prefixes)]
    if not paths:
        raise SystemExit(f"no lesson's name starts with {' or '.join(prefixes)}: give "
                         "lesson numbers such as 02 04, or nothing for all of them")
    for path in paths:
        print("refreshed" if refresh(path) else "no widgets in", path.name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
