"""The exercise catalogue: for each notebook with graded exercises, a module named after the notebook
(``ex1_linear_regression.py`` for ``notebooks/day1/ex1_linear_regression.ipynb``) that lists its
exercises, the inputs they are checked on, the mistakes a student would plausibly make (each with
its hint) and correct answers written another way.  The types they are built from are in
``model.py``.  ``make student`` (``tools/student.py``) turns the catalogue into the grader's expected
values; ``make test`` (``tests/test_exercises.py``) checks every mistake is rejected and every
variant accepted.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tools.exercise_cases.model import Exercise

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = REPO_ROOT / "notebooks"
CASES_DIR = Path(__file__).parent
#: Files of this folder that are not case modules.
NOT_CASES = {"__init__", "model"}


def solution_namespace(notebook: str | Path) -> dict[str, Any]:
    """The solutions notebook's functions, without running the notebook (every import, def, class
    and upper-case constant of its code cells): ``helpers.exercises.course_namespace``, the one the
    notebooks fall back on when a student's function has not passed yet."""
    from helpers.exercises import course_namespace

    return course_namespace(str(notebook), SOURCE_DIR)


def case_modules() -> list[str]:
    """The case modules, one per notebook with graded exercises, each named after its notebook."""
    return sorted(p.stem for p in CASES_DIR.glob("*.py") if p.stem not in NOT_CASES)


def load_exercises(module: str) -> tuple[str, list[Exercise], dict[str, Any]]:
    """(notebook, exercises, the solutions' namespace) of one case module."""
    mod = importlib.import_module(f"tools.exercise_cases.{module}")
    ns = solution_namespace(mod.NOTEBOOK)
    return mod.NOTEBOOK, mod.exercises(ns), ns
