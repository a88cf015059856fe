"""The repository's promises to a new user: the README's commands, CI, the lessons."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_readme_has_two_set_up_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    setup = [c for c in commands if "python3 -m venv" in c]
    assert len(setup) == 2, setup
    lessons, tests = setup
    assert "jupyter lab lessons/" in lessons
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.strip() in ci.splitlines(), "the README's test command must appear in .ci/run"


def test_pip_is_enough_for_the_lessons_and_apt_only_brings_what_two_tests_need():
    lessons, tests = [c for c in readme_commands() if "python3 -m venv" in c]
    for word in ("sudo", "apt", "brew", "conda", "graphviz"):
        assert word not in lessons, word
    system_part, _, python_part = tests.partition(" && python3 -m venv")
    # chromium: the browser test; graphviz: a system dot, for the fallback-drawing test
    assert system_part == "sudo apt-get update && sudo apt-get install -y chromium graphviz"
    for word in ("sudo", "apt", "brew", "conda"):
        assert word not in python_part, word


def test_every_lesson_in_the_readme_exists_and_every_lesson_is_listed():
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"`(\d\d_[a-z_]+)`", text))
    present = {p.stem for p in (ROOT / "lessons").glob("*.ipynb")}
    assert listed == present
    assert len(present) == 7
