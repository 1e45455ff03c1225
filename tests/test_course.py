"""course.toml (tools/course.py): the one list of the course's notebooks, and the tables made from it."""

from __future__ import annotations

import pytest
from conftest import REPO_ROOT

from tools import course, readme

GOOD = """
[[notebook]]
path = "day1/a.ipynb"
title = "A"
topic = "t"
dataset = "d"
metrics = [["acc", "accuracy", "pct2"]]
"""


def write(tmp_path, text):
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_entry_reads(tmp_path):
    (nb,) = course.load(write(tmp_path, GOOD), notebooks_dir=None)
    assert (nb.path, nb.day, nb.name, nb.keys[0].kind) == ("day1/a.ipynb", 1, "a", "pct2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('title = "A"\n', ""), "notebook 1 lacks title"),
        (GOOD.replace('"pct2"', '"percent"'), "unknown format 'percent'"),
        (GOOD.replace('"day1/a.ipynb"', '"a.ipynb"'), "is not dayN/name.ipynb"),
        (GOOD + GOOD, "day1/a.ipynb is listed twice"),
        (
            GOOD.replace('[["acc", "accuracy", "pct2"]]', '[["acc", "pct2"]]'),
            "is not \\[metric, label, format\\]",
        ),
        (GOOD + "colour = 1\n", "unknown fields colour"),
        ("[[notebook]\n", "not valid TOML"),
        ("", "lists no"),
    ],
)
def test_a_bad_registry_is_refused_with_what_to_fix(tmp_path, text, message):
    with pytest.raises(course.CourseError, match=message):
        course.load(write(tmp_path, text), notebooks_dir=None)


def test_a_listed_notebook_must_exist(tmp_path):
    (tmp_path / "day1").mkdir()
    with pytest.raises(course.CourseError, match="notebooks/day1/a.ipynb does not exist"):
        course.load(write(tmp_path, GOOD), notebooks_dir=tmp_path)
    (tmp_path / "day1" / "a.ipynb").write_text("{}")
    assert course.load(write(tmp_path, GOOD), notebooks_dir=tmp_path)


def test_course_lists_exactly_the_notebooks_on_disk():
    """Every day notebook is in course.toml (so run, README, site and student edition see it)."""
    notebooks = REPO_ROOT / "notebooks"
    on_disk = {p.relative_to(notebooks).as_posix() for p in notebooks.glob("day*/*.ipynb")}
    assert set(course.paths()) == on_disk


def test_the_index_syllabus_is_made_from_course_toml():
    """notebooks/index.ipynb's syllabus table is course.toml's (make readme rewrites it)."""
    text, wanted = readme.index_texts()
    assert text == wanted, "notebooks/index.ipynb's syllabus differs from course.toml: run `make readme`"
    for nb in course.notebooks():
        assert f"[{nb.title}](../student/{nb.path})" in text


def test_a_notebook_added_to_course_toml_reaches_the_index(monkeypatch):
    extra = course.Notebook("day9/new.ipynb", "a new lesson", "t", "d", ())
    monkeypatch.setattr(course, "notebooks", lambda: (*course.load(), extra))
    text, wanted = readme.index_texts()
    assert "[a new lesson](../student/day9/new.ipynb)" in wanted and text != wanted


def test_the_classroom_load_notebooks_are_course_notebooks(tmp_path):
    assert set(course.classroom_load_notebooks()) <= set(course.paths())
    bad = write(tmp_path, GOOD + '\n[classroom]\nload_notebooks = ["day7/nowhere.ipynb"]\n')
    with pytest.raises(course.CourseError, match="not in the course: day7/nowhere.ipynb"):
        course.classroom_load_notebooks(bad)
