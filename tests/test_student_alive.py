"""A student notebook survives its unsolved exercises (issue 21).

Each student notebook is run top to bottom, as "Run All" would, with every stub unsolved, and again
with each graded function solved alone (its cell taken from the solutions edition). No cell may
fail: a check cell whose function is not right yet says so and the notebook goes on with the
course's version of it, announced in the output; a solved function's check prints ✓.

Running every notebook once per graded function costs about 30 notebook runs: the Day 1 and the
short Day 2 notebooks run every variant in `make test`; the notebooks that train for minutes run
the all-unsolved variant in `make test` and their solved-alone variants under the ``slow`` marker
(`make test-slow`).
"""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest
from conftest import REPO_ROOT

from tools import student

#: Notebooks whose quick run takes well under half a minute: every variant runs in `make test`.
CHEAP = {
    "day1/ex1_linear_regression.ipynb",
    "day1/ex2_logistic_regression.ipynb",
    "day1/ex4_neural_network_backprop.ipynb",
    "day2/tf_basics.ipynb",
    "day2/xor.ipynb",
    "day2/mnist_softmax.ipynb",
    "day3/cnn_arithmetic.ipynb",
}
NOTEBOOKS = [p.relative_to(student.SOURCE_DIR).as_posix() for p in student.source_notebooks()]
FALLBACK = "using the course's version of `{function}`"


def _graded(rel: str) -> dict[str, dict]:
    """exercise id -> its grader spec, for the exercises of one notebook."""
    out = {}
    for path in student.DATA_DIR.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["notebook"] == rel:
            out.update(doc["exercises"])
    return out


def _solution_cell_ids(rel: str, function: str) -> list[str]:
    """The ids of the solutions notebook's cells that define ``function`` inside a solution region."""
    nb = nbformat.read(student.SOURCE_DIR / rel, as_version=4)
    return [
        c.id
        for c in nb.cells
        if c.cell_type == "code"
        and student.solution_regions(c.source)
        and re.search(rf"^\s*def {re.escape(function)}\(", c.source, re.M)
    ]


def _variant(rel: str, solved: str | None) -> nbformat.NotebookNode:
    """The student notebook with every stub unsolved, except the cell(s) of exercise ``solved``."""
    nb = nbformat.read(student.STUDENT_DIR / rel, as_version=4)
    if solved is None:
        return nb
    function = _graded(rel)[solved]["function"]
    ids = set(_solution_cell_ids(rel, function))
    assert ids, f"{rel}: no solution cell defines {function}"
    source = {c.id: c.source for c in nbformat.read(student.SOURCE_DIR / rel, as_version=4).cells}
    for cell in nb.cells:
        if cell.get("id") in ids:
            cell.source = source[cell.id]
    return nb


def _run(rel: str, nb: nbformat.NotebookNode, folder=student.STUDENT_DIR) -> list[tuple[int, str, str]]:
    """Execute like "Run All" (every cell, whatever fails); (cell index, source, error) of each failure."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=1200,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str((folder / rel).parent)}},
    )
    # the student's kernel: quick profile, and checks that stand the course's version in (make test
    # sets ML2DL_STRICT_CHECKS for the solutions edition's nbval run, not for a student)
    env = {"ML2DL_PROFILE": os.environ.get("ML2DL_PROFILE", "quick"), "ML2DL_STRICT_CHECKS": None}
    old = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    errors = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append((i, cell.source[:120], f"{out['ename']}: {out['evalue'][:300]}"))
    return errors


def _text(cell) -> str:
    return "".join(
        o.get("text", "")
        if o.get("output_type") == "stream"
        else "".join(o.get("data", {}).get("text/plain", ""))
        for o in cell.get("outputs", [])
    )


def _check_cells(nb, exercise_id: str) -> list:
    pattern = re.compile(rf"checked\(\s*[\"']{re.escape(exercise_id)}[\"']")
    return [c for c in nb.cells if c.cell_type == "code" and pattern.search(c.source)]


def _assert_alive(rel: str, solved: str | None, course_data) -> None:
    course_data(*student_data(rel))
    nb = _variant(rel, solved)
    errors = _run(rel, nb)
    assert not errors, f"student/{rel} (solved: {solved or 'none'}) failed in cells:\n" + "\n".join(
        f"  cell {i}: {src!r}\n    {err}" for i, src, err in errors
    )
    for exercise_id, spec in _graded(rel).items():
        cells = _check_cells(nb, exercise_id)
        assert cells, f"student/{rel}: no check cell for {exercise_id}"
        text = "".join(_text(c) for c in cells)
        if exercise_id == solved:
            assert f"✓ {exercise_id}" in text, f"{exercise_id} solved, but its check said:\n{text}"
        elif spec.get("call", True):
            announced = FALLBACK.format(function=spec["function"])
            assert announced in text or "still the course's version" in text, (
                f"{exercise_id} unsolved, but its check cell did not announce the course's version:\n{text}"
            )


def student_data(rel: str) -> tuple[str, ...]:
    """The course files a notebook reads (so a missing file is a skip with the reason, not a failure)."""
    if rel.startswith("day1/ex1"):
        return ("ex1data1.txt", "ex1data2.txt")
    if rel.startswith("day1/ex2"):
        return ("ex2data1.txt", "ex2data2.txt")
    if rel == "day2/tf_basics.ipynb":
        return ("ex1data1.txt", "ex2data1.txt")
    return ()


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_every_student_notebook_runs_to_the_end_with_every_stub_unsolved(rel, course_data):
    _assert_alive(rel, None, course_data)


def _solved_alone_params():
    params = []
    for rel in NOTEBOOKS:
        marks = () if rel in CHEAP else (pytest.mark.slow,)
        for exercise_id, spec in _graded(rel).items():
            if spec.get("call", True):
                params.append(pytest.param(rel, exercise_id, marks=marks, id=exercise_id))
    return params


@pytest.mark.parametrize(("rel", "solved"), _solved_alone_params())
def test_every_student_notebook_runs_to_the_end_with_one_exercise_solved(rel, solved, course_data):
    _assert_alive(rel, solved, course_data)


def test_the_variants_differ_only_in_the_solved_cells():
    """The solved-alone variant pastes back exactly the cells that define the solved function."""
    rel = "day1/ex1_linear_regression.ipynb"
    plain, solved = _variant(rel, None), _variant(rel, "ex1.compute_cost")
    differ = [a.id for a, b in zip(plain.cells, solved.cells, strict=True) if a.source != b.source]
    assert differ == _solution_cell_ids(rel, "compute_cost") and len(differ) == 1
    assert REPO_ROOT.joinpath("student", rel).is_file()


KOREAN_DAY1 = [rel for rel in NOTEBOOKS if rel.startswith("day1/")]


@pytest.mark.parametrize("rel", KOREAN_DAY1)
def test_a_korean_student_notebook_runs_to_the_end_unsolved_and_says_so_in_korean(rel, course_data):
    """ko/student/: every stub unsolved, Run All reaches the end, and each check cell says, in Korean,
    that the notebook goes on with the course's version (what helpers/exercise_data/i18n/ko.json says
    for "using-course"); no English sentence of the grader ("case", "Hint:") is left in them."""
    from helpers import language

    course_data(*student_data(rel))
    folder = REPO_ROOT / "ko" / "student"
    nb = nbformat.read(folder / rel, as_version=4)
    errors = _run(rel, nb, folder)
    assert not errors, f"ko/student/{rel} failed in cells:\n" + "\n".join(
        f"  cell {i}: {src!r}\n    {err}" for i, src, err in errors
    )
    messages = language.texts("ko")["messages"]
    for exercise_id, spec in _graded(rel).items():
        if not spec.get("call", True):
            continue
        text = "".join(_text(c) for c in _check_cells(nb, exercise_id))
        announced = messages["using-course"].format(function=spec["function"])
        still = messages["still-course"].format(function=spec["function"])
        assert announced in text or still in text, f"ko/student/{rel}, {exercise_id}:\n{text}"
        assert not re.search(r"\bcase\b|Hint:|\bexpected\b", text), (
            f"ko/student/{rel}, {exercise_id}:\n{text}"
        )
