"""The student edition (student/) is what `make student` makes from notebooks/ today: regenerated and
compared, no solution code left in it, stubs exactly where the solutions were, linked first from the
index; tests/test_student_alive.py runs the student notebooks."""

from __future__ import annotations

import re
import sys

import nbformat
import pytest
from conftest import REPO_ROOT, in_ci

from tools import student

SOURCES = student.source_notebooks()
IDS = [p.relative_to(student.SOURCE_DIR).as_posix() for p in SOURCES]


def _regions(cell_source: str) -> list[list[str]]:
    lines = cell_source.split("\n")
    return [lines[first + 1 : last] for first, last in student.solution_regions(cell_source)]


def test_the_committed_student_edition_is_up_to_date():
    stale = []
    for path, text in student.student_edition().items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(REPO_ROOT)))
    extra = [
        str(p.relative_to(REPO_ROOT))
        for p in student.STUDENT_DIR.glob("day*/*.ipynb")
        if p not in student.student_edition()
    ]
    assert not stale and not extra, f"stale {stale}, without a source {extra}: run `make student`"


def test_solution_cells_carry_the_metadata_nbgrader_needs():
    assert not student.annotated_sources(), "nbgrader metadata missing or stale: run `make student`"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_no_solution_code_survives_in_the_student_notebook(path):
    rel = path.relative_to(student.SOURCE_DIR)
    source = nbformat.read(path, as_version=4)
    edition = nbformat.read(student.STUDENT_DIR / rel, as_version=4)
    outside = "\n".join(  # text the student edition may legitimately share with a solution line
        "\n".join(line for i, line in enumerate(c.source.split("\n")) if not _inside(c.source, i))
        for c in source.cells
    )
    text = "\n".join(c.source for c in edition.cells)
    leaked = []
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        for region in _regions(cell.source):
            for line in region:
                s = line.strip()
                if len(s) > 3 and not s.startswith("#") and s not in outside and s in text:
                    leaked.append(s)
    answers = [c.source for c in source.cells if student.is_answer_cell(c)]
    leaked += [a[:60] for a in answers if a.strip() and a in text]
    assert not leaked, f"solution code in student/{rel}: {leaked[:5]}"


def _inside(source: str, index: int) -> bool:
    return any(first <= index <= last for first, last in student.solution_regions(source))


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_pasting_the_solutions_back_gives_the_solutions_edition(path):
    """Each stub stands exactly where a solution region was, indented like it, and nothing else
    differs (apart from the student-edition note and the emptied answer cells)."""
    rel = path.relative_to(student.SOURCE_DIR)
    source = nbformat.read(path, as_version=4)
    edition = nbformat.read(student.STUDENT_DIR / rel, as_version=4)
    cells = [c for c in edition.cells if c.get("id") != student.BANNER_ID]
    assert len(cells) == len(source.cells)
    for ours, theirs in zip(cells, source.cells, strict=True):
        assert ours.get("id") == theirs.get("id") and ours.cell_type == theirs.cell_type
        if student.is_answer_cell(theirs):
            assert ours.source == student.TEXT_STUB
            continue
        pasted = ours.source
        lines = theirs.source.split("\n")
        for (first, _), region in zip(
            student.solution_regions(theirs.source), _regions(theirs.source), strict=True
        ):
            indent = re.match(r"\s*", lines[first]).group()  # the stub is indented like the BEGIN line
            top_level = not indent and not any(line.strip() for line in lines[_ + 1 :])
            stub_text = student.TOP_LEVEL_STUB if top_level else student.CODE_STUB
            stub = "\n".join(indent + s for s in stub_text.split("\n"))
            assert stub in pasted, f"{rel}: no stub where a solution was (cell {theirs.get('id')})"
            body = student.BEGIN_LINE(indent) + "\n" + "\n".join(region) + "\n" + student.END_LINE(indent)
            pasted = pasted.replace(stub, body, 1)
        assert pasted == theirs.source, f"{rel}: cell {theirs.get('id')} differs beyond its solution regions"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_every_notebook_has_graded_work_and_answered_exercises(path):
    nb = nbformat.read(path, as_version=4)
    regions = sum(len(student.solution_regions(c.source)) for c in nb.cells if c.cell_type == "code")
    checks = sum(len(student.CHECK_CALL.findall(c.source)) for c in nb.cells if c.cell_type == "code")
    answers = sum(student.is_answer_cell(c) for c in nb.cells)
    exercises = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("### Exercise")]
    assert regions, "a student edition with nothing to write"
    # graded exercises (check cells) exactly where tools/exercise_cases/ has the notebook's case module:
    # a lesson split off another may have end-of-chapter exercises only (`make student` allows that)
    graded = path.stem in student.case_modules()
    assert bool(checks) == graded, "check cells without a case module, or a case module without check cells"
    assert exercises and all("★" in c.source.split("\n")[0] for c in exercises), "exercises with a difficulty"
    assert answers >= len(exercises), "every exercise gets a worked answer in the solutions edition"


def test_the_index_links_the_student_edition_first():
    index = nbformat.read(student.SOURCE_DIR / "index.ipynb", as_version=4)
    text = "\n".join(c.source for c in index.cells)
    for rel in IDS:
        s, k = text.find(f"(../student/{rel})"), text.find(f"({rel})")
        assert 0 <= s < k, f"index.ipynb must link student/{rel} before the solutions"


def test_a_function_stub_raises_and_an_end_of_chapter_stub_does_not():
    """A stub inside a function raises NotImplementedError when called (its check cell reports it);
    an exercise written at the top level of a cell, with nothing after it, only prints that it is
    not written yet, so "Run All" goes on to the next exercise."""
    function = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert (
        student.clear_code(function) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    exercise = "# Exercise 1: ...\n### BEGIN SOLUTION\nprint(1)\n### END SOLUTION"
    assert student.clear_code(exercise) == "# Exercise 1: ...\n" + student.TOP_LEVEL_STUB
    followed = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)"
    assert student.clear_code(followed).startswith(student.CODE_STUB), "code after it needs its result"
    namespace: dict = {}
    exec(student.clear_code(exercise), namespace)  # noqa: S102 - runs without an error


def test_the_readme_lists_the_graded_parts_of_today(course_data):
    course_data("ex1data1.txt", "ex1data2.txt", "ex2data1.txt", "ex2data2.txt")
    readme = student.README.read_text(encoding="utf-8")
    assert student.readme_with(student.exercise_table(student.grader_files()), readme) == readme, (
        "README.md's list of graded parts is stale: run `make student`"
    )


def nbgrader_clear_solutions():
    """nbgrader's ClearSolutions preprocessor (nbgrader is a test tool of requirements.lock). Missing:
    a skip on a student's machine, a failure under CI, where `make test` installs the lock."""
    try:
        from nbgrader.preprocessors import ClearSolutions
    except ImportError as exc:
        message = f"nbgrader is not installed here ({exc}); it is in requirements.lock: make venv"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return ClearSolutions


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_nbgrader_makes_the_same_student_edition(path):
    """Cross-check with nbgrader itself: its ClearSolutions preprocessor, with its default metadata
    checks, gives the same cells."""
    clear = nbgrader_clear_solutions()
    rel = path.relative_to(student.SOURCE_DIR)
    theirs, _ = clear().preprocess(nbformat.read(path, as_version=4), {})
    ours = nbformat.read(student.STUDENT_DIR / rel, as_version=4)
    ours.cells = [c for c in ours.cells if c.get("id") != student.BANNER_ID]
    # One deliberate difference: an end-of-chapter exercise at the top level of a cell gets a stub
    # that does not raise (TOP_LEVEL_STUB), where nbgrader writes its one code stub everywhere.
    ours_sources = [c.source.replace(student.TOP_LEVEL_STUB, student.CODE_STUB) for c in ours.cells]
    assert [c.source for c in theirs.cells] == ours_sources


def test_a_missing_nbgrader_is_a_skip_here_and_a_failure_under_ci(monkeypatch):
    monkeypatch.setitem(sys.modules, "nbgrader.preprocessors", None)  # the import raises ImportError
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="nbgrader is not installed"):
        nbgrader_clear_solutions()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="nbgrader is not installed"):
        nbgrader_clear_solutions()
