"""Write the lessons without their solutions, for a course that hands them out.

    python lessons/student_copies.py OUT_DIR          # every lesson
    python lessons/student_copies.py OUT_DIR 01 03    # only these

Each exercise in a lesson is followed by its solution, collapsed in a markdown cell that
opens with <details><summary>Solution. A copy leaves those cells out (and the sentence that
points at them) and keeps every other cell as it is: the exercises, their stored verdicts ("NOT YET: write your prediction ...")
and every output, so nbval checks a copy exactly as it checks the lesson (copy
sanitize.cfg beside them). The lessons themselves are not changed.
"""

import pathlib
import sys

import nbformat

HERE = pathlib.Path(__file__).parent
SOLUTION = "<details><summary>Solution"
SAYS_SO = "A worked solution sits under each exercise, collapsed: open it after you have tried."
"""The sentence of lessons 04 and 05 that points at the solutions: a copy leaves it out."""


def is_solution(cell):
    """Is this the collapsed solution that follows an exercise?"""
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith(SOLUTION)


def student_copy(path, out_dir):
    """Write the lesson at ``path`` into ``out_dir`` without its solution cells; returns
    the new file's path and how many cells were left out."""
    lesson = nbformat.read(path, as_version=4)
    kept = [cell for cell in lesson.cells if not is_solution(cell)]
    for cell in kept:
        if cell.cell_type == "markdown" and SAYS_SO in cell.source:
            cell.source = cell.source.replace(" " + SAYS_SO, "").replace("\n" + SAYS_SO, "")
    left_out = len(lesson.cells) - len(kept)
    lesson.cells = kept
    target = pathlib.Path(out_dir) / pathlib.Path(path).name
    nbformat.write(lesson, target)
    return target, left_out


def main(argv):
    if not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__)
    out_dir, prefixes = pathlib.Path(argv[0]), argv[1:]
    if out_dir.resolve() == HERE.resolve():
        raise SystemExit("write the copies elsewhere: OUT_DIR is the lessons' own folder")
    paths = [path for path in sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
             if not prefixes or any(path.name.startswith(p) for p in prefixes)]
    if not paths:
        raise SystemExit(f"no lesson's name starts with {' or '.join(prefixes)}: give "
                         "lesson numbers such as 01 03, or nothing for all of them")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        target, left_out = student_copy(path, out_dir)
        print(f"wrote {target} ({left_out} solution{'s' if left_out != 1 else ''} left out)")


if __name__ == "__main__":
    main(sys.argv[1:])
