"""`make update` (tools/update.py) on scratch clones: a student's edits are kept, untouched and
merely-run notebooks take the course's new version, an edit the course also changed keeps both and
says where, nothing is lost (a backup of every local file it touches), with or without the git
filter that strips outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import update


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _notebook(path: Path, *sources: str, output: str | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src, id=f"cell-{i}")
        if output is not None:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
            cell.execution_count = i + 1
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _sources(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells]


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)


@pytest.fixture(params=["plain git", "with the output filter"])
def clones(request, tmp_path):
    """(course repository, student clone) after the course published a change the student has not."""
    course = tmp_path / "course"
    course.mkdir()
    _git(course, "init", "-q", "-b", "main")
    for name in "abcd":
        _notebook(course / "student" / f"{name}.ipynb", f"x = '{name} v1'")
    (course / "README.md").write_text("v1\n")
    _commit(course, "v1")
    student = tmp_path / "student"
    _git(tmp_path, "clone", "-q", str(course), str(student))
    if request.param == "with the output filter":
        (student / ".gitattributes").write_text("*.ipynb filter=nbstripout\n")
        _git(student, "config", "filter.nbstripout.clean", f'"{sys.executable}" -m nbstripout --keep-id')
        _git(student, "config", "filter.nbstripout.smudge", "cat")
        _git(student, "config", "filter.nbstripout.required", "true")
    # the student's work
    _notebook(student / "student" / "a.ipynb", "x = 'a MINE'")  # edited; the course changes it too
    _notebook(student / "student" / "b.ipynb", "x = 'b MINE'")  # edited; the course leaves it
    _notebook(student / "student" / "c.ipynb", "x = 'c v1'", output="ran")  # only run
    _notebook(student / "student" / "e.ipynb", "x = 'e MINE'")  # a new file of the student's
    # the course's change
    for name in "acd":
        _notebook(course / "student" / f"{name}.ipynb", f"x = '{name} v2'")
    _notebook(course / "student" / "e.ipynb", "x = 'e v2'")
    _commit(course, "v2")
    return course, student


def test_plain_git_pull_refuses_a_run_notebook(clones):
    """The problem `make update` solves: without the filter, the run notebook stops git pull."""
    _, student = clones
    if (student / ".gitattributes").exists():
        pytest.skip("with the filter a run notebook does not stop git pull; the edited ones still do")
    pulled = subprocess.run(["git", "pull", "-q"], cwd=student, capture_output=True, text=True)
    assert pulled.returncode != 0 and "would be overwritten" in pulled.stderr


def test_update_keeps_the_students_work_and_takes_the_rest(clones, capsys):
    course, student = clones
    assert update.main(["--repo", str(student)]) == 0
    out = capsys.readouterr().out
    nb = student / "student"
    short = _git(course, "rev-parse", "HEAD").strip()[:7]
    assert _git(student, "rev-parse", "HEAD") == _git(course, "rev-parse", "HEAD")
    # edited by both: the student's stays, the course's is beside it, and the report says where
    assert _sources(nb / "a.ipynb") == ["x = 'a MINE'"]
    assert _sources(nb / f"a.course-{short}.ipynb") == ["x = 'a v2'"]
    assert f"student/a.course-{short}.ipynb" in out and "BOTH" in out
    # edited by the student only: kept
    assert _sources(nb / "b.ipynb") == ["x = 'b MINE'"]
    # only run: the new version; the old outputs are in the backup
    assert _sources(nb / "c.ipynb") == ["x = 'c v2'"]
    backups = list((student / update.BACKUP).glob("*/student/c.ipynb"))
    assert len(backups) == 1 and nbformat.read(backups[0], as_version=4).cells[0].outputs
    # untouched: the new version
    assert _sources(nb / "d.ipynb") == ["x = 'd v2'"]
    # the student's untracked file where the course adds one: renamed, not lost
    assert _sources(nb / "e.ipynb") == ["x = 'e v2'"] and _sources(nb / "e.yours.ipynb") == ["x = 'e MINE'"]
    # every local file the update touched is in the backup, with the student's content
    for name, text in (("a", "a MINE"), ("b", "b MINE"), ("e", "e MINE")):
        (copy,) = (student / update.BACKUP).glob(f"*/student/{name}.ipynb")
        assert _sources(copy) == [f"x = '{text}'"]
    status = _git(student, "status", "--porcelain", "--untracked-files=all")
    assert update.BACKUP not in status, "the backup folder shows in git status"
    # a second update has nothing to do and changes nothing
    assert update.main(["--repo", str(student)]) == 0
    assert "Already up to date" in capsys.readouterr().out
    assert _sources(nb / "a.ipynb") == ["x = 'a MINE'"]


def test_dry_run_changes_nothing(clones, capsys):
    _, student = clones
    before = {p: p.read_bytes() for p in (student / "student").glob("*.ipynb")}
    head = _git(student, "rev-parse", "HEAD")
    assert update.main(["--repo", str(student), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "both kept (you edited, the course changed): student/a.ipynb" in out
    assert "new version: student/c.ipynb" in out and "your file renamed: student/e.ipynb" in out
    assert {p: p.read_bytes() for p in (student / "student").glob("*.ipynb")} == before
    assert _git(student, "rev-parse", "HEAD") == head


def test_a_conflict_in_the_students_own_commits_changes_nothing(clones, capsys):
    _, student = clones
    _notebook(student / "student" / "d.ipynb", "x = 'd committed by me'")
    _commit(student, "mine")
    before = {p: p.read_bytes() for p in (student / "student").rglob("*.ipynb")}
    head = _git(student, "rev-parse", "HEAD")
    assert update.main(["--repo", str(student)]) == 1
    err = capsys.readouterr().err
    assert "conflict" in err and "student/d.ipynb" in err and "nothing was changed" in err
    assert _git(student, "rev-parse", "HEAD") == head
    assert {p: p.read_bytes() for p in (student / "student").rglob("*.ipynb")} == before


def test_a_branch_without_upstream_is_a_clear_error(tmp_path, capsys):
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "f").write_text("x")
    _commit(tmp_path, "one")
    assert update.main(["--repo", str(tmp_path)]) == 1
    assert "follows no course branch" in capsys.readouterr().err
