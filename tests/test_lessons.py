"""Every lesson run twice: as stored (each exercise says NOT YET or FAIL, and gives nothing
away) and with the solutions in place of the stubs (every verdict RIGHT or PASS).

The convention the lessons follow (see README, "The lessons"):
- a cell the student completes carries the tag ``exercise``; its stub is honest (None, or
  a gate with ``...`` bodies);
- the markdown cell right after it holds the solution, collapsed in ``<details>``, as one
  ```python block that replaces the whole exercise cell;
- every cell whose output is an exercise's verdict carries the tag ``verdict``;
- a cell whose picture would give an exercise's answer away carries the tag ``waits``: it
  shows a note until the exercise is tried (lesson 07's boundaries, titled with the
  accuracies a ranking is about).
nbval (strict) checks separately that the stored outputs are what the lessons print.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
SOLUTION = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.DOTALL)
VERDICT = re.compile(r"^\W*(RIGHT|NOT YET|PASS|FAIL)\b", re.MULTILINE)
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def text_of(cell):
    """Everything a cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        for mime in ("text/plain", "text/markdown"):
            if mime in output.get("data", {}):
                parts.append(output["data"][mime])
        if output.get("output_type") == "error":
            parts.append(f"ERROR {output['ename']}: {output['evalue']}")
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def pictures(cell):
    """The images a cell shows."""
    return [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def words(cell):
    return set(VERDICT.findall(text_of(cell)))


def solved(nb):
    """A copy of the notebook with every exercise cell replaced by its solution."""
    nb = nbformat.from_dict(nb)
    for k, cell in enumerate(nb.cells):
        if "exercise" in tags(cell):
            match = SOLUTION.search(nb.cells[k + 1].source)
            cell.source = match.group(1).rstrip("\n")
    return nb


def execute(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(LESSONS)}}).execute()
    return nb


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.stem)
def lesson(request):
    return nbformat.read(request.param, as_version=4)


def test_every_exercise_has_a_collapsed_solution_and_a_verdict(lesson):
    cells = lesson.cells
    exercises = [k for k, c in enumerate(cells) if "exercise" in tags(c)]
    verdicts = [k for k, c in enumerate(cells) if "verdict" in tags(c)]
    assert exercises and verdicts, "every lesson has an exercise that ends in a verdict"
    for k in exercises:
        assert cells[k].cell_type == "code"
        after = cells[k + 1]
        assert after.cell_type == "markdown" and after.source.count("<details>") == 1, \
            f"cell {k}: the solution follows the exercise, collapsed in <details>"
        assert len(SOLUTION.findall(after.source)) == 1
    for k, cell in enumerate(cells):
        hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden")
        assert not (hidden and cell.get("outputs")), f"cell {k} hides code but shows its output"
        assert "solution" not in tags(cell), f"cell {k}: solutions live in <details> blocks"


def test_as_stored_every_verdict_is_not_yet_and_gives_nothing_away(lesson):
    ran = execute(nbformat.from_dict(lesson))
    for k, cell in enumerate(ran.cells):
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", [])), \
            f"cell {k} raised: Run All would stop there\n{text_of(cell)}"
        if "verdict" in tags(cell):
            said = words(cell)
            assert said and said <= {"NOT YET", "FAIL"}, f"cell {k}: {text_of(cell)}"
        if "waits" in tags(cell):
            assert not pictures(cell), f"cell {k} shows its picture before the exercise"


def test_with_the_solutions_every_verdict_is_right_or_pass(lesson):
    stored = {k: text_of(c) for k, c in enumerate(lesson.cells) if "verdict" in tags(c)}
    ran = execute(solved(lesson))
    for k, cell in enumerate(ran.cells):
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", [])), \
            f"cell {k} raised with the solutions in place\n{text_of(cell)}"
        if "waits" in tags(cell):
            assert pictures(cell), f"cell {k} still waits with the solutions in place"
        if "verdict" not in tags(cell):
            continue
        said = words(cell)
        assert said and said <= {"RIGHT", "PASS"}, f"cell {k}: {text_of(cell)}"
        # the answer a RIGHT verdict states is nowhere in the stored (stub) verdict
        answers = {n for line in text_of(cell).splitlines() if "RIGHT" in line
                   for n in NUMBER.findall(line) if n.strip("-0.")}
        leaked = answers & set(NUMBER.findall(stored[k]))
        assert not leaked, f"cell {k}: the stored verdict shows {leaked}: {stored[k]}"


def test_the_stored_explorers_run_todays_view_code(lesson):
    """A lesson's saved widget state carries the explorer's view code (_esm, _css): what
    a front-end shows before the kernel runs, and what a static render of the notebook
    shows. It must be the package's own, not the code of the lesson's last run (they
    had drifted apart: 27 KB stored against 31 KB today). After a change to
    bpwidgets/static, run lessons/refresh_widget_state.py."""
    from bpwidgets.browser import view_source, view_style
    state = lesson.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    explorers = [model["state"] for model in state.values() if "_esm" in model["state"]]
    shown = [output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in lesson.cells for output in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert all(model_id in state for model_id in shown), "a widget output lost its state"
    if any("explore(" in cell.source for cell in lesson.cells if cell.cell_type == "code"):
        assert explorers, "the lesson shows an explorer, but its state was not saved"
    for stored in explorers:
        stale = "stale explorer {}: run python lessons/refresh_widget_state.py"
        assert stored["_esm"] == view_source(), stale.format("view code")
        assert stored["_css"] == view_style(), stale.format("style")


def test_lesson_07s_boundaries_wait_for_the_ranking():
    """The 'waits' checks above pass for a lesson with no such cell: lesson 07's figure of
    the ranked nets must carry the tag, or its answer would show again."""
    lesson = nbformat.read(LESSONS / "07_training_a_small_net.ipynb", as_version=4)
    waiting = [cell for cell in lesson.cells if "waits" in tags(cell)]
    assert len(waiting) == 1 and "decision_boundaries_after(" in waiting[0].source


def test_student_copies_leave_out_the_solutions_and_nothing_else(tmp_path):
    """lessons/student_copies.py: a course can hand out the lessons without the collapsed
    solutions. Every code cell and its stored outputs stay as they are (so nbval checks a
    copy as it checks the lesson); only the solution cells, and lessons 04 and 05's
    sentence pointing at them, go."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, str(LESSONS / "student_copies.py"), str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lessons = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in lessons]
    for path in lessons:
        lesson = nbformat.read(path, as_version=4)
        copy = nbformat.read(tmp_path / path.name, as_version=4)
        solutions = [c for c in lesson.cells if c.cell_type == "markdown"
                     and c.source.lstrip().startswith("<details><summary>Solution")]
        assert solutions and len(copy.cells) == len(lesson.cells) - len(solutions)
        assert [c.source for c in copy.cells if c.cell_type == "code"] == \
            [c.source for c in lesson.cells if c.cell_type == "code"]
        assert [c.outputs for c in copy.cells if c.cell_type == "code"] == \
            [c.outputs for c in lesson.cells if c.cell_type == "code"]
        text = "\n".join(c.source for c in copy.cells if c.cell_type == "markdown")
        assert "<summary>Solution" not in text and "worked solution" not in text, path.name
    refused = subprocess.run([sys.executable, str(LESSONS / "student_copies.py"),
                              str(LESSONS)], capture_output=True, text=True)
    assert refused.returncode != 0 and "elsewhere" in refused.stderr
