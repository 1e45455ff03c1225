"""The class's grading (tools/grading.py): hidden cases, assignment notebooks, and nbgrader's whole cycle.

The quick tests run in ``make test``: the hidden cases reject every catalogued mistake and accept every
correct variant like the visible ones do, an answer written to reproduce the visible checks' expected
values fails them, and the assignment notebooks carry one hidden grading cell per check that
nbgrader's generate_assignment strips from what students get.  The cycle itself (release → fetch →
submit → collect → autograde → feedback → gradebook, several students, a resubmission, a late one,
an infinite loop and an output flood, an interrupted grader) runs nbgrader for minutes, so it runs in
``make test-classroom`` (ML2DL_CLASSROOM=1).
"""

from __future__ import annotations

import csv
import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT, catalogue_mistakes_missed, catalogue_variants_rejected

from helpers.exercises import ExerciseError, _check_cases, _spec, check, decode, mismatch
from tools import exercise_cases as catalogue
from tools import grading

#: The notebooks whose hidden cases ``make test`` proves (numpy and small models: seconds); the
#: others are proved by the classroom test's day and by `make test-slow`'s catalogue run.
QUICK_MODULES = [
    "ex1_linear_regression",
    "ex2_logistic_regression",
    "ex4_neural_network_backprop",
    "mnist_softmax",
    "optimizers",
    "cnn_arithmetic",
    "xor",
    "mnist_init",
]
SEED = 20261206  # a fixed seed for the test; a grading folder draws its own (hidden/SEED)

CASE_FILES = ("ex1data1.txt", "ex1data2.txt", "ex2data1.txt", "ex2data2.txt")  # as tests/test_exercises.py


@pytest.fixture
def case_data(course_data):
    course_data(*CASE_FILES)


@functools.cache
def _hidden(module: str) -> dict:
    return grading.hidden_doc(module, SEED)


@pytest.fixture(params=QUICK_MODULES)
def hidden(request, case_data):
    notebook, exercises, ns = catalogue.load_exercises(request.param)
    return exercises, ns, _hidden(request.param)


def _grade(ex_id: str, doc: dict, answer) -> None:
    _check_cases(ex_id, _spec(ex_id), doc["exercises"][ex_id]["cases"], answer, None)


def test_hidden_cases_are_other_numbers(hidden):
    """Every exercise with computed cases has hidden cases with other arguments than the visible ones
    (where a fair variation exists: see tools.grading._fair)."""
    exercises, _, doc = hidden
    for ex in exercises:
        if ex.solution_checked_by_notebook:
            continue
        n = sum(case.expect is None for case in ex.cases)
        assert n == 0 or doc["varied"][ex.id] >= 1, f"{ex.id}: none of its {n} computed cases varied"
        hidden_cases = doc["exercises"][ex.id]["cases"]
        assert len(hidden_cases) == len(ex.cases) + doc["varied"][ex.id]


def test_the_solution_passes_the_hidden_cases(hidden, capsys):
    exercises, ns, doc = hidden
    for ex in exercises:
        if not ex.solution_checked_by_notebook:
            _grade(ex.id, doc, ns[ex.function])
    capsys.readouterr()


def test_every_catalogued_mistake_fails_the_hidden_cases_with_its_hint(hidden):
    """The hidden cases are as strict as the visible ones: each catalogued mistake is rejected, and
    with its own hint (the feedback a student reads)."""
    exercises, _, doc = hidden
    failures = catalogue_mistakes_missed(exercises, lambda ex, answer: _grade(ex.id, doc, answer))
    assert not failures, "\n\n".join(failures)


def test_every_correct_variant_passes_the_hidden_cases(hidden, capsys):
    exercises, _, doc = hidden
    failures = catalogue_variants_rejected(exercises, lambda ex, answer: _grade(ex.id, doc, answer))
    assert not failures, "\n\n".join(failures)
    capsys.readouterr()


def _hard_coder(cases: list[dict]):
    """A student's answer that returns each visible case's stored expected value for that case's
    arguments (and the first one's for anything else): it computes nothing."""
    known = [(decode(c["args"]), decode(c.get("kwargs", {})), decode(c["expect"])) for c in cases]

    def answer(*args, **kwargs):
        for a, k, expect in known:
            if mismatch(list(a), list(args), 0.0, 0.0) is None and k == kwargs:
                return expect
        return known[0][2]

    return answer


def test_hard_coding_the_visible_expected_values_earns_nothing(case_data, capsys):
    """Written to pass the visible checks, it does; on the hidden cases it fails, every time."""
    passed_visibly = []
    for module in ("ex1_linear_regression", "ex2_logistic_regression"):
        _, exercises, _ = catalogue.load_exercises(module)
        doc = _hidden(module)
        for ex in exercises:
            cheat = _hard_coder(_spec(ex.id)["cases"])
            try:
                check(ex.id, cheat)
            except ExerciseError:
                continue  # the visible check itself sees through it (e.g. an argument rule)
            passed_visibly.append(ex.id)
            with pytest.raises(ExerciseError):
                _grade(ex.id, doc, cheat)
    capsys.readouterr()
    assert len(passed_visibly) >= 6, (
        f"the hard-coder should pass most visible checks, passed {passed_visibly}"
    )


def test_vary_keeps_what_carries_structure():
    import numpy as np

    from tools.exercise_cases.model import Data, Rng

    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(5), np.arange(5.0) + 1])
    out = grading.vary(X, rng)
    assert (out[:, 0] == 1).all() and not np.allclose(out[:, 1], X[:, 1])
    labels = np.array([0.0, 1.0, 1.0])
    assert grading.vary(labels, rng) is labels
    assert grading.vary(1, rng) == 1 and 3 <= grading.vary(3, rng) <= 6
    assert grading.vary(0.0, rng) == 0.0 and grading.vary(True, rng) is True
    assert grading.vary(Data("food_truck.X"), rng) == Data("food_truck.X")
    assert grading.vary(Rng(1), rng) != Rng(1)
    assert 0.8 <= grading.vary(2.0, rng) / 2.0 <= 1.25


def _day1_source(tmp_path: Path) -> list[Path]:
    return grading.write_assignment(tmp_path / "grading", 1, exchange=str(tmp_path / "exchange"), seed=SEED)


def test_assignment_notebooks_grade_on_hidden_cells_that_students_never_get(case_data, tmp_path):
    sources = _day1_source(tmp_path)
    assert [p.name for p in sources] == [Path(p).name for p in grading.day_notebooks(1)]
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        practice = [c for c in nb.cells if "checked(" in c.source and c.cell_type == "code"]
        assert graded and len(graded) == len(practice)
        for cell in graded:
            assert "### BEGIN HIDDEN TESTS" in cell.source and "grade(" in cell.source
        for cell in practice:
            assert cell.metadata.nbgrader["locked"] and not cell.metadata.nbgrader["grade"]
    root = tmp_path / "grading"
    assert (root / "hidden" / "ex1_linear_regression.json").is_file()
    assert oct((root).stat().st_mode & 0o777) == "0o700"
    grading.nbgrader(root, "generate_assignment", "day1", "--force")
    for path in (root / "release" / "day1").glob("*.ipynb"):
        text = path.read_text()
        assert "grade(" not in text and "BEGIN HIDDEN TESTS" not in text, path.name
        assert "### BEGIN SOLUTION" not in text and "raise NotImplementedError" in text
    assert not (root / "release" / "day1" / "hidden").exists()


def test_a_day_without_graded_notebooks_is_a_clear_error():
    with pytest.raises(grading.GradingError, match="no graded notebooks for day 9"):
        grading.day_notebooks(9)


def test_grading_an_empty_folder_says_to_make_the_assignment_first(tmp_path):
    with pytest.raises(grading.GradingError, match="make assignment DAY=1"):
        grading.grade(tmp_path, 1)


def test_a_student_whose_feedback_fails_does_not_stop_the_batch(tmp_path, monkeypatch):
    """nbgrader's steps replaced by a stand-in: alice's feedback fails, bob is still graded, feedback
    is released, the gradebook written, and alice is left to the next run."""
    (tmp_path / "nbgrader_config.py").write_text("")
    calls = []

    def fake_nbgrader(root, *args, check=True, timeout=None):
        calls.append(args)
        failed = args[0] == "generate_feedback" and "alice" in args
        return subprocess.CompletedProcess(args, int(failed), "", "boom" if failed else "")

    monkeypatch.setattr(grading, "nbgrader", fake_nbgrader)
    monkeypatch.setattr(grading, "students_to_grade", lambda root, assignment: ["alice", "bob"])
    monkeypatch.setattr(grading, "_submitted_timestamp", lambda root, student, assignment: "T1")
    monkeypatch.setattr(grading, "export", lambda root, assignment: root / "book.csv")
    for student in ("alice", "bob"):
        (tmp_path / "autograded" / student / "day1").mkdir(parents=True)
    said = []
    assert grading.grade(tmp_path, 1, log=said.append) == tmp_path / "book.csv"
    assert ("autograde", "day1", "--student", "bob", "--force") in calls
    assert calls[-1] == ("release_feedback", "day1")
    assert not (tmp_path / "autograded" / "alice" / "day1" / grading.GRADED_MARK).exists()
    assert (tmp_path / "autograded" / "bob" / "day1" / grading.GRADED_MARK).read_text() == "T1\n"
    assert any("not finished for alice" in line for line in said), said


# ------------------------------------------------------------------------------------------------
# nbgrader's whole cycle, as a class runs it (make test-classroom)
# ------------------------------------------------------------------------------------------------

needs_classroom = pytest.mark.skipif(
    not os.environ.get("ML2DL_CLASSROOM"),
    reason="nbgrader's whole cycle autograding notebooks takes minutes: `make test-classroom` runs it",
)

WRONG_COST = '''def compute_cost(X, y, theta):
    """forgot the 1/2"""
    return float(((X @ theta - y) ** 2).sum() / len(y))
'''
SLOW_GRADIENT = """def compute_gradient(X, y, theta):
    while True:  # a loop that never ends
        pass
"""
LOUD_COST = """def compute_cost(X, y, theta):
    for i in range(50_000):  # a megabyte of output per call
        print("debugging", i)
    r = X @ theta - y
    return float(r @ r / (2 * len(y)))
"""
NOTEBOOK = "ex1_linear_regression"


def _student(home: Path, name: str, exchange: Path, answers: dict[str, str | None]):
    """A student who fetches day1 (once), answers every exercise with the course's answer except
    those in ``answers`` (their own text; None leaves the stub), and submits."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "day1").exists():
        grading.as_student(home, exchange, "fetch_assignment", "day1")
    grading.answer(home / "day1" / f"{NOTEBOOK}.ipynb", answers)
    grading.as_student(home, exchange, "submit", "day1", student=name)


def _gradebook(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def _scores(row: dict[str, str]) -> dict[str, float]:
    return {k.split(":", 1)[1]: float(v) for k, v in row.items() if k.startswith(NOTEBOOK + ":")}


@needs_classroom
def test_the_whole_cycle_release_submit_collect_autograde_feedback_gradebook(
    case_data, tmp_path, monkeypatch
):
    root, exchange = tmp_path / "grading", tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    monkeypatch.delenv("ML2DL_STRICT_CHECKS", raising=False)
    monkeypatch.setenv("ML2DL_EXCHANGE", str(exchange))
    monkeypatch.setenv("ML2DL_CELL_TIMEOUT", "20")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))  # the kernels import this checkout's helpers
    env = dict(os.environ)

    # the instructor builds and releases day 1 (ex1 only: seconds per student)
    assert grading.main(["assignment", "--day", "1", "--root", str(root), "--only", NOTEBOOK]) == 0
    released = (exchange / grading.COURSE_ID / "outbound" / "day1" / f"{NOTEBOOK}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in released and "grade(" not in released

    # A: right; B: cost without the 1/2, feature_normalize left a stub; C: a loop and a flood
    _student(tmp_path / "A", "alice", exchange, {})
    time.sleep(1.1)
    grading.nbgrader(
        root,
        "db",
        "assignment",
        "add",
        "day1",
        "--duedate",
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    )
    time.sleep(1.1)
    _student(tmp_path / "B", "bob", exchange, {"compute_cost": WRONG_COST, "feature_normalize": None})
    _student(
        tmp_path / "C", "carol", exchange, {"compute_gradient": SLOW_GRADIENT, "compute_cost": LOUD_COST}
    )

    t0 = time.monotonic()
    book = _gradebook(grading.grade(root, 1))
    first_run = time.monotonic() - t0
    print(f"graded 3 submissions in {first_run:.0f} s")
    a, b, c = book["alice"], book["bob"], book["carol"]
    assert float(a["score"]) == float(a["max_score"]) == 5 and a["late"] == "no"
    assert b["late"] == "yes" and c["late"] == "yes"
    assert [k for k, v in _scores(b).items() if v == 0] == ["ex1.compute_cost", "ex1.feature_normalize"]
    assert float(b["score"]) == 3
    assert _scores(c)["ex1.compute_gradient"] == 0 and _scores(c)["ex1.compute_cost"] == 1  # loud, right

    # B's feedback names the failed checks with their hints; C's says why the gradient scored zero
    feedback = (root / "feedback" / "bob" / "day1" / f"{NOTEBOOK}.html").read_text()
    assert "ex1.compute_cost" in feedback and "the cost has a ½ in front" in feedback
    assert "ex1.feature_normalize: not implemented yet" in feedback
    carol = (root / "feedback" / "carol" / "day1" / f"{NOTEBOOK}.html").read_text()
    assert "CellTimeoutError" in carol or "KeyboardInterrupt" in carol
    autograded = root / "autograded" / "carol" / "day1" / f"{NOTEBOOK}.ipynb"
    assert autograded.stat().st_size < 2_000_000, "the output flood was not cut"
    # the students get their feedback through the exchange
    grading.as_student(tmp_path / "B", exchange, "fetch_feedback", "day1", student="bob")
    assert list((tmp_path / "B" / "day1" / "feedback").rglob(f"{NOTEBOOK}.html"))

    # B fixes the cost and submits again: the resubmission replaces the first; only B is graded again
    _student(tmp_path / "B", "bob", exchange, {"feature_normalize": None})
    assert grading.students_to_grade(root, "day1") == []  # nothing changed until collected
    again = _gradebook(grading.grade(root, 1))
    assert _scores(again["bob"])["ex1.compute_cost"] == 1 and float(again["bob"]["score"]) == 4
    assert again["alice"] == a and again["carol"] == c

    # an interrupted grader loses nothing: grade alice and bob again, stop it midway, run it again
    for student in ("alice", "bob"):
        (root / "autograded" / student / "day1" / grading.GRADED_MARK).unlink()
    cmd = [sys.executable, "-m", "tools.grading", "grade", "--day", "1", "--root", str(root)]
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in proc.stdout:
        if "[2/2]" in line:  # alice is graded, bob is under way
            time.sleep(2)
            proc.kill()
            break
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert grading.students_to_grade(root, "day1"), "the run was not interrupted midway"
    resumed = _gradebook(grading.grade(root, 1))
    assert resumed == again
    assert first_run < 600
