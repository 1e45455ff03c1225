"""The class's grading loop: nbgrader assignments built from the course notebooks, graded on hidden cases.

The instructor's side of README "Teaching a class", with nbgrader (in the course environment) doing the
work: release → fetch → submit → collect → autograde → feedback → gradebook.  This module adds what
nbgrader cannot know about the course:

* ``assignment``: writes the grading folder (``--root``, default ``~/ml2dl-grading``; nbgrader's "course
  directory", never shared with students): its ``nbgrader_config.py``, the assignment's source
  notebooks (``source/day1/…``: the solutions edition, each visible check cell turned into practice
  and followed by a **hidden** grading cell, nbgrader's ``### BEGIN HIDDEN TESTS``) and the hidden
  cases (``hidden/<notebook>.json``): the exercise catalogue's cases with other numbers, drawn from
  the folder's own secret seed, so an answer written to hit the visible checks' expected values earns
  nothing.  Then nbgrader's ``generate_assignment`` (which strips the hidden cells and the solutions)
  and ``release_assignment``.
* ``grade``: ``collect`` (a resubmission replaces the earlier one), ``autograde`` one student at a
  time (a cell that runs past the timeout is interrupted, a flood of output is cut: that exercise
  scores zero with the reason in the feedback, and the batch goes on), feedback (HTML, with each
  failed case's hint) released to the students, and the gradebook CSV: one row per student, late
  submissions marked, one column per exercise.  A student is graded again only when their
  submission changed or their last grading did not finish, so an interrupted run is simply run again.

    make assignment DAY=1 [GRADING=~/ml2dl-grading]     # build and release day 1
    make grade DAY=1 [GRADING=…]                        # collect, autograde, feedback, gradebook
"""

from __future__ import annotations

import argparse
import copy
import csv
import dataclasses
import json
import os
import re
import secrets
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from tools.course import paths as course_paths
from tools.exercise_cases import SOURCE_DIR, case_modules, load_exercises
from tools.exercise_cases.model import Case, Data, Exercise, Rng
from tools.student import NBGRADER_SCHEMA, TEXT_STUB, exercise_doc, render

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = Path(os.environ.get("ML2DL_GRADING", Path.home() / "ml2dl-grading"))
COURSE_ID = "ml2dl"
#: The exchange students fetch from and submit to (nbgrader's default; created by the instructor, mode
#: 1777: README "Teaching a class").  ``--exchange`` or ML2DL_EXCHANGE overrides it.
DEFAULT_EXCHANGE = os.environ.get("ML2DL_EXCHANGE", "/srv/nbgrader/exchange")
#: One cell may run this long under the autograder (s) before it is interrupted.  The longest cell of
#: the quick profile, the class's, runs well under a minute on this course's CPU runs (README timings);
#: five minutes leaves room for a loaded hub.
DEFAULT_CELL_TIMEOUT = 300
#: Output kept per cell in the autograded notebook and the feedback (lines; nbgrader's LimitOutput).
MAX_OUTPUT_LINES = 200
GRADED_MARK = ".ml2dl-graded"

CHECKED = re.compile(r"""checked\(\s*["']([\w.]+)["']\s*,\s*\w+\s*(?:,\s*part\s*=\s*["'](\w+)["'])?\s*\)""")

HIDDEN_PREFIX = "hidden-"


class GradingError(RuntimeError):
    """Something the instructor must fix; the message says what and how."""


# ---------------------------------------------------------------------------------------------------
# Hidden cases: the catalogue's cases with other numbers
# ---------------------------------------------------------------------------------------------------


def vary(value: Any, rng: np.random.Generator) -> Any:
    """``value`` with other numbers of the same kind: every float scaled by a factor in [0.8, 1.25],
    every int from 2 up (a size, a count) replaced by one between it and twice it
    (zeros, signs and shapes kept), a seeded rng re-seeded, the course's
    small data sets varied like arrays (tools.grading._varied); what carries structure stays as it is —
    integers below 2 and in arrays (labels), arrays of only 0s and 1s (labels, one-hot, masks), columns that
    are one constant (the bias column of ones) and references to large data sets."""
    if isinstance(value, Rng):
        return Rng(int(rng.integers(1_000, 2**31 - 1)))
    if isinstance(value, Data | bool):
        return value
    if isinstance(value, float):
        return value * float(rng.uniform(0.8, 1.25)) if value else value
    if isinstance(value, int) and value >= 2:  # a size or a count: another one, at least as large
        return int(rng.integers(value, 2 * value + 1))
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        if np.isin(value, (0.0, 1.0)).all():
            return value
        out = value * rng.uniform(0.8, 1.25, size=value.shape).astype(value.dtype)
        if value.ndim == 2:  # a column of ones (the bias) or of one constant stays as it is
            keep = (value == 1).all(axis=0) | ((value == value[0]).all(axis=0) if len(value) > 1 else False)
            out[:, keep] = value[:, keep]
        return out
    if isinstance(value, tuple):
        return tuple(vary(v, rng) for v in value)
    if isinstance(value, list):
        return [vary(v, rng) for v in value]
    if isinstance(value, dict):
        return {k: vary(v, rng) for k, v in value.items()}
    return value


#: A course data set passed to a case is varied too when it is this small (elements); a larger one
#: (MNIST's thousands of images) stays a reference to the course's data.
SMALL_DATA = 10_000


def _small_data(value: Any) -> Any:
    """``value`` with every small course data set (a ``Data`` reference) replaced by its array."""
    from helpers.exercises import DATA

    if isinstance(value, Data):
        array = DATA[value.name]()
        return array if isinstance(array, np.ndarray) and array.size <= SMALL_DATA else value
    if isinstance(value, tuple | list):
        return type(value)(_small_data(v) for v in value)
    if isinstance(value, dict):
        return {k: _small_data(v) for k, v in value.items()}
    return value


def _varied_case(case: Case, rng: np.random.Generator) -> Case:
    return dataclasses.replace(
        case,
        name=f"{case.name} — other numbers",
        args=vary(_small_data(list(case.args)), rng),
        kwargs=vary(_small_data(dict(case.kwargs)), rng),
    )


def _fair(ex: Exercise, case: Case, ns: dict[str, Any]) -> bool:
    """The course's solution takes the case (no error, finite numbers) and every correct variant of the
    catalogue gives what it gives: inputs outside what the exercise promises are not a fair test."""
    from helpers.exercises import mismatch
    from tools.student import _result

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = _result(ex, case, ns[ex.function])
            if not np.isfinite(_numbers_of(expected)).all():
                return False
            return all(
                mismatch(expected, _result(ex, case, right), case.atol, case.rtol) is None
                for right in ex.alternatives
            )
    except Exception:  # noqa: BLE001 - the solution or a variant refused these numbers
        return False


def hidden_doc(module: str, seed: int, tries: int = 4) -> dict:
    """The hidden cases of one notebook's exercises, in the grader's format (as ``exercise_data``).

    For each exercise: its visible cases first (so each catalogued mistake is caught, with its hint,
    exactly as in the visible check), then each computed case again with other numbers (:func:`vary`,
    a generator seeded from ``seed`` and the exercise id; up to ``tries`` draws until one is fair,
    :func:`_fair`).  An answer that reproduces the visible expected values without computing them
    fails the varied ones.  ``doc["varied"]`` counts the varied cases of each exercise."""
    notebook, exercises, ns = load_exercises(module)
    doc: dict[str, Any] = {"notebook": notebook, "exercises": {}, "varied": {}}
    for ex in exercises:
        rng = np.random.default_rng([seed, *ex.id.encode()])
        extra = []
        if not ex.solution_checked_by_notebook:
            for case in ex.cases:
                if case.expect is not None:  # a stored target (a trained model's accuracy): the same bar
                    continue
                for _ in range(tries):
                    candidate = _varied_case(case, rng)
                    if _fair(ex, candidate, ns):
                        extra.append(candidate)
                        break
        combined = dataclasses.replace(ex, cases=[*ex.cases, *extra])
        doc["exercises"][ex.id] = exercise_doc(notebook, [combined], ns)["exercises"][ex.id]
        doc["varied"][ex.id] = len(extra)
    return doc


def _numbers_of(value: Any) -> np.ndarray:
    from helpers.exercises import _as_numbers

    try:
        numbers = _as_numbers(value)
    except Exception:  # noqa: BLE001 - a description (a model's layers), not numbers
        return np.zeros(1)
    return np.zeros(1) if numbers is None else numbers.astype(float)


# ---------------------------------------------------------------------------------------------------
# Assignment source notebooks: practice checks, then a hidden grading cell each
# ---------------------------------------------------------------------------------------------------

HIDDEN_CELL = """# The autograder grades this exercise here, on cases you have not seen (above: practice).
### BEGIN HIDDEN TESTS
from helpers.exercises import grade

{calls}
### END HIDDEN TESTS"""


def assignment_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The nbgrader source of one course notebook: each graded check cell becomes a locked practice
    cell worth nothing, followed by a hidden grading cell worth one point per check it makes; each
    written answer (a markdown solution cell) is cleared to the student's stub, ungraded."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        cells.append(cell)
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            # a written answer: cleared here (nbgrader would make it a manually graded cell); the
            # autograder grades code, the instructor reads the answers in the submitted notebooks
            cell.source = TEXT_STUB
            del cell.metadata["nbgrader"]
            continue
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        checks = CHECKED.findall(cell.source)
        if not checks:
            raise GradingError(f"a graded cell that calls no checked(...): {cell.source[:80]!r}")
        meta.update(grade=False, locked=True, solution=False)
        meta.pop("points", None)
        calls = "\n".join(
            f'grade("{ex_id}"' + (f', part="{part}")' if part else ")") for ex_id, part in checks
        )
        hidden = nbformat.v4.new_code_cell(HIDDEN_CELL.format(calls=calls))
        hidden.metadata["nbgrader"] = {
            "grade": True,
            "grade_id": HIDDEN_PREFIX + meta["grade_id"],
            "locked": True,
            "points": len(checks),
            "schema_version": NBGRADER_SCHEMA,
            "solution": False,
            "task": False,
        }
        hidden.id = ("h" + cell.id)[:64]
        cells.append(hidden)
    out.cells = cells
    return out


def day_notebooks(day: int) -> list[str]:
    """The course notebooks of ``day`` (course.toml order) that have graded exercises."""
    graded = {load_exercises_notebook(m) for m in case_modules()}
    found = [p for p in course_paths() if p.startswith(f"day{day}/") and p in graded]
    if not found:
        days = sorted({p.split("/")[0] for p in course_paths()})
        raise GradingError(f"no graded notebooks for day {day}; the course's days: {', '.join(days)}")
    return found


def load_exercises_notebook(module: str) -> str:
    import importlib

    return importlib.import_module(f"tools.exercise_cases.{module}").NOTEBOOK


NBGRADER_CONFIG = """# nbgrader's configuration for this grading folder (written by `make assignment`; edit
# freely, it is not written again). README "Teaching a class" explains each step.
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
c = get_config()  # noqa: F821 - defined by nbgrader
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = str(HERE)
c.Exchange.root = os.environ.get("ML2DL_EXCHANGE", {exchange!r})
# the class runs the quick profile; the hidden cases are read from here by helpers.exercises.grade
os.environ.setdefault("ML2DL_PROFILE", "quick")
os.environ["ML2DL_HIDDEN_CASES"] = str(HERE / "hidden")
# a cell running longer than this (s) is interrupted: that exercise scores zero, the batch goes on
c.Execute.timeout = int(os.environ.get("ML2DL_CELL_TIMEOUT", {timeout}))
c.Execute.error_on_timeout = {{
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": [
        f"CellTimeoutError: this cell ran longer than {{c.Execute.timeout}} s under the autograder and was "
        "stopped (an endless loop? a very slow one?); what it grades scores zero"
    ],
}}
c.LimitOutput.max_lines = {max_lines}
c.LimitOutput.max_traceback = 40
"""


def write_assignment(
    root: Path,
    day: int,
    exchange: str = DEFAULT_EXCHANGE,
    seed: int | None = None,
    only: list[str] | None = None,
) -> list[Path]:
    """Write the grading folder's config (once), ``source/day<N>/`` and the hidden cases; returns the
    source notebooks written.  ``only``: these notebooks of the day (names without .ipynb), not all."""
    root = Path(root).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # the instructor's: hidden cases, submissions and grades
    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text(
            NBGRADER_CONFIG.format(
                course_id=COURSE_ID,
                exchange=exchange,
                timeout=DEFAULT_CELL_TIMEOUT,
                max_lines=MAX_OUTPUT_LINES,
            )
        )
    hidden = root / "hidden"
    hidden.mkdir(exist_ok=True)
    seed_file = hidden / "SEED"
    if seed is None:
        if not seed_file.exists():
            seed_file.write_text(f"{secrets.randbits(63)}\n")
        seed = int(seed_file.read_text())
    written = []
    modules = {load_exercises_notebook(m): m for m in case_modules()}
    chosen = day_notebooks(day)
    if only:
        unknown = sorted(set(only) - {Path(rel).stem for rel in chosen})
        if unknown:
            names = ", ".join(Path(rel).stem for rel in chosen)
            raise GradingError(
                f"day {day} has no graded notebook {', '.join(unknown)}; its notebooks: {names}"
            )
        chosen = [rel for rel in chosen if Path(rel).stem in only]
        folder = root / "source" / f"day{day}"
        for old in folder.glob("*.ipynb") if folder.exists() else []:
            if old.stem not in only:
                old.unlink()
    for rel in chosen:
        doc = hidden_doc(modules[rel], seed)
        (hidden / f"{Path(rel).stem}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        nb = assignment_notebook(nbformat.read(SOURCE_DIR / rel, as_version=4))
        dest = root / "source" / f"day{day}" / Path(rel).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(render(nb))
        written.append(dest)
    return written


# ---------------------------------------------------------------------------------------------------
# Running nbgrader
# ---------------------------------------------------------------------------------------------------


def nbgrader(
    root: Path, *args: str, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run nbgrader (this environment's) in the grading folder; a failure raises with its log."""
    proc = subprocess.run(
        [_nbgrader_exe(), *args], cwd=root, capture_output=True, text=True, timeout=timeout, env=_env()
    )
    if check and proc.returncode != 0:
        raise GradingError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return proc


def _nbgrader_exe() -> str:
    exe = Path(sys.executable).with_name("nbgrader")
    return str(exe) if exe.exists() else "nbgrader"


def _env() -> dict[str, str]:
    """This environment's bin/ first on PATH: nbgrader runs ``alembic`` (its gradebook's migrations)
    by name, and the kernels it starts are this environment's."""
    bin_dir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))


def release(root: Path, day: int) -> None:
    assignment = f"day{day}"
    nbgrader(root, "generate_assignment", assignment, "--force")
    nbgrader(root, "release_assignment", assignment, "--force")


def _submitted_timestamp(root: Path, student: str, assignment: str) -> str | None:
    stamp = root / "submitted" / student / assignment / "timestamp.txt"
    return stamp.read_text().strip() if stamp.exists() else None


def students_to_grade(root: Path, assignment: str) -> list[str]:
    """Students whose collected submission has no finished grading of that same submission."""
    out = []
    for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        mark = root / "autograded" / student / assignment / GRADED_MARK
        if not mark.exists() or mark.read_text().strip() != _submitted_timestamp(root, student, assignment):
            out.append(student)
    return out


def grade(root: Path, day: int, student_timeout: float | None = None, log=print) -> Path:
    """Collect, autograde what changed, write feedback and release it, write the gradebook CSV."""
    root = Path(root).expanduser()
    assignment = f"day{day}"
    if not (root / "nbgrader_config.py").exists():
        raise GradingError(f"{root} is not a grading folder: run `make assignment DAY={day}` first")
    nbgrader(root, "collect", assignment, "--update")
    todo = students_to_grade(root, assignment)
    log(f"{assignment}: {len(todo)} submission(s) to grade")
    unfinished: list[str] = []
    for i, student in enumerate(todo, 1):
        log(f"[{i}/{len(todo)}] autograding {student} ...")
        mark = root / "autograded" / student / assignment / GRADED_MARK
        stamp = _submitted_timestamp(root, student, assignment)
        try:
            proc = nbgrader(
                root,
                "autograde",
                assignment,
                "--student",
                student,
                "--force",
                check=False,
                timeout=student_timeout,
            )
        except subprocess.TimeoutExpired:
            log(f"  {student}: grading stopped after {student_timeout:.0f} s; graded again next run")
            unfinished.append(student)
            continue
        if proc.returncode != 0:
            log(
                f"  {student}: nbgrader autograde failed (exit {proc.returncode}); graded again next run\n"
                + proc.stderr[-1500:]
            )
            unfinished.append(student)
            continue
        feedback = nbgrader(
            root, "generate_feedback", assignment, "--student", student, "--force", check=False
        )
        if feedback.returncode != 0:  # graded (in the gradebook) but without feedback: done again next run
            log(
                f"  {student}: nbgrader generate_feedback failed (exit {feedback.returncode}); their grade "
                "is in the gradebook, their feedback is made next run\n" + feedback.stderr[-1500:]
            )
            unfinished.append(student)
            continue
        mark.write_text(f"{stamp}\n")
    nbgrader(root, "release_feedback", assignment)
    if unfinished:
        log(f"{assignment}: not finished for {', '.join(unfinished)}: run `make grade DAY={day}` again")
    return export(root, assignment)


def exercise_column(cell_name: str) -> str:
    """A gradebook column's name from its hidden cell's grade id: ``hidden-check-ex1-compute_cost``
    -> ``ex1.compute_cost`` (a cell with several checks keeps their names joined by '-')."""
    return cell_name.removeprefix(HIDDEN_PREFIX).removeprefix("check-").replace("-", ".", 1)


def export(root: Path, assignment: str) -> Path:
    """The gradebook as CSV (``gradebook-<assignment>.csv``): one row per student who submitted, late
    submissions marked, one score column per exercise (hidden grading cell)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = root / f"gradebook-{assignment}.csv"
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        try:
            assign = gb.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"{assignment} is not in the gradebook: run `make assignment` first") from None
        cells = [(nb.name, cell.name) for nb in assign.notebooks for cell in nb.grade_cells]
        rows = []
        for sub in sorted(assign.submissions, key=lambda s: s.student.id):
            row = {
                "student": sub.student.id,
                "assignment": assignment,
                "submitted": sub.timestamp.isoformat() if sub.timestamp else "",
                "duedate": assign.duedate.isoformat() if assign.duedate else "",
                "late": "yes" if sub.total_seconds_late > 0 else "no",
                "seconds_late": round(sub.total_seconds_late),
                "score": sub.score,
                "max_score": sub.max_score,
            }
            for nb_name, cell_name in cells:
                g = gb.find_grade(cell_name, nb_name, assignment, sub.student.id)
                row[f"{nb_name}:{exercise_column(cell_name)}"] = g.score
            rows.append(row)
    fields = list(rows[0]) if rows else ["student", "assignment", "submitted", "duedate", "late", "score"]
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return out


# ---------------------------------------------------------------------------------------------------
# A student's side (what a student types in a terminal of their server): for the classroom test and
# the grading measurement (tools/classroom_load.py)
# ---------------------------------------------------------------------------------------------------


def as_student(home: Path, exchange: Path, *args: str, student: str | None = None) -> None:
    """``nbgrader <args> --course ml2dl`` in ``home``, as a student there (``student``: their id)."""
    cmd = [_nbgrader_exe(), *args, "--course", COURSE_ID, f"--Exchange.root={exchange}"]
    if student:
        cmd += ["--student", student]
    proc = subprocess.run(cmd, cwd=home, capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        raise GradingError(f"student `nbgrader {' '.join(args)}` in {home} failed:\n{proc.stderr[-2000:]}")


def answer(path: Path, answers: dict[str, str | None] | None = None) -> None:
    """Fill a fetched notebook's solution cells with the course's answers (from the solutions
    edition), except those named in ``answers``: grade id -> the text to write (None: leave the stub)."""
    nb = nbformat.read(path, as_version=4)
    rel = next(r for r in course_paths() if Path(r).name == path.name)
    solved = nbformat.read(SOURCE_DIR / rel, as_version=4)
    solutions = {
        c.metadata.nbgrader["grade_id"]: c.source
        for c in solved.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    answers = answers or {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in solutions:
            text = answers.get(meta["grade_id"], solutions[meta["grade_id"]])
            if text is not None:
                cell.source = text
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grading", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("assignment", "grade"):
        p = sub.add_parser(name)
        p.add_argument("--day", type=int, required=True)
        p.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    sub.choices["assignment"].add_argument("--exchange", default=DEFAULT_EXCHANGE)
    sub.choices["assignment"].add_argument("--no-release", action="store_true")
    sub.choices["assignment"].add_argument(
        "--only",
        nargs="*",
        default=None,
        help="these notebooks of the day (e.g. ex1_linear_regression), not all",
    )
    sub.choices["grade"].add_argument(
        "--student-timeout", type=float, default=None, help="stop grading one student after this many seconds"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "assignment":
            written = write_assignment(args.root, args.day, args.exchange, only=args.only)
            print(f"wrote {len(written)} notebook(s) to {args.root / 'source' / f'day{args.day}'}")
            if not args.no_release:
                release(args.root, args.day)
                print(f"released; students: nbgrader fetch_assignment day{args.day} --course {COURSE_ID}")
        else:
            out = grade(args.root, args.day, student_timeout=args.student_timeout)
            print(f"gradebook: {out}")
    except GradingError as err:
        print(f"grading: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
