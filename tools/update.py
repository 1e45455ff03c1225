"""Bring a student's clone of the course up to date without losing their work (``make update``).

    python -m tools.update            # fetch the course's branch and apply it; prints what happened
    python -m tools.update --dry-run  # only say what would happen

Plain ``git pull`` stops as soon as a notebook the course changed has been run (its outputs make it
"modified"), and ``git stash`` hides a student's work where it is easily lost.  This command sorts
every file the course changed since the student's copy into one of four kinds, judged on the
*text* of the cells (outputs, execution counts and notebook metadata do not count):

* **untouched** — the student never changed it: it takes the course's new version;
* **run only** — the student ran it but changed no cell: it takes the new version (the old outputs
  are kept in the backup folder);
* **edited** — the student changed a cell, and the course changed the same file: both are kept —
  the student's stays where it was, the course's new version is written beside it as
  ``<name>.course-<commit>.ipynb``, and the command lists each such pair;
* **yours, in the way** — a file the student made (untracked) where the course now adds one: the
  student's is renamed to ``<name>.yours.<ext>`` and the course's takes the name.

Files the student edited that the course did not change stay as they are.  Before anything is
written, every local file the update touches is copied to ``.update-backup/<UTC time>/`` (ignored by
git), so nothing is lost even if the update is interrupted.  Commits the student made are merged
(a real conflict in them stops the update with nothing changed and says which files).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BACKUP = ".update-backup"


class UpdateError(RuntimeError):
    """The update cannot go ahead; the message says why and what to do (nothing was changed)."""


def git(repo: Path, *args: str, check: bool = True, raw: bool = False) -> str | bytes:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
    if check and result.returncode != 0:
        raise UpdateError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout if raw else result.stdout.decode()


def _cell_text(data: bytes) -> object:
    """What counts as the student's work in a file: a notebook's cell types and sources; else the bytes."""
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - not a readable notebook: compare the bytes
        return data
    return [(c.cell_type, c.source) for c in nb.cells]


def _same_work(path: Path, old: bytes) -> bool:
    """The file on disk holds the same work as ``old`` (for a notebook: the same cells' text)."""
    new = path.read_bytes()
    if new == old:
        return True
    if path.suffix == ".ipynb":
        return _cell_text(new) == _cell_text(old)
    return False


@dataclass
class Plan:
    upstream: str
    new_commit: str
    changed: list[str] = field(default_factory=list)  # files the course changed (added, modified, deleted)
    untouched: list[str] = field(default_factory=list)
    run_only: list[str] = field(default_factory=list)
    edited_both: list[str] = field(default_factory=list)
    edited_kept: list[str] = field(default_factory=list)
    in_the_way: list[str] = field(default_factory=list)

    def touched_locally(self) -> list[str]:
        return self.run_only + self.edited_both + self.edited_kept + self.in_the_way


def _upstream(repo: Path, remote: str | None, branch: str | None) -> str:
    if remote or branch:
        branch = branch or git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
        return f"{remote or 'origin'}/{branch}"
    ref = git(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False).strip()
    if not ref:
        raise UpdateError(
            "this branch follows no course branch (no upstream). Tell it which: "
            "make update REMOTE=origin BRANCH=main (or git branch --set-upstream-to=origin/main)"
        )
    return ref


def plan(repo: Path, upstream: str) -> Plan:
    """Sort the files the course changed between the student's commit and ``upstream``."""
    new_commit = git(repo, "rev-parse", upstream).strip()
    base = git(repo, "merge-base", "HEAD", upstream).strip()
    p = Plan(upstream=upstream, new_commit=new_commit)
    p.changed = [
        f for f in git(repo, "diff", "--name-only", "--no-renames", base, new_commit).splitlines() if f
    ]
    tracked = set(git(repo, "ls-files").splitlines())
    status = git(repo, "status", "--porcelain=v1", "--untracked-files=all").splitlines()
    locally_modified = {line[3:] for line in status if line[:2].strip() and not line.startswith("??")}
    for rel in sorted(locally_modified - set(p.changed)):
        path = repo / rel
        if (
            path.exists()
            and rel in tracked
            and not _same_work(path, git(repo, "show", f"HEAD:{rel}", raw=True))
        ):
            p.edited_kept.append(rel)
    for rel in p.changed:
        path = repo / rel
        if rel not in tracked:
            if path.exists():
                p.in_the_way.append(rel)  # the course adds a file where the student has one
            continue
        if not path.exists():
            p.untouched.append(rel)  # deleted by the student: the course's version comes back
            continue
        head = git(repo, "show", f"HEAD:{rel}", raw=True)
        if path.read_bytes() == head:
            p.untouched.append(rel)
        elif _same_work(path, head):
            p.run_only.append(rel)
        else:
            p.edited_both.append(rel)
    return p


def _sibling(rel: str, tag: str) -> str:
    path = Path(rel)
    return str(path.with_name(f"{path.stem}.{tag}{path.suffix}"))


def apply(repo: Path, p: Plan, now: dt.datetime | None = None) -> list[str]:
    """Carry out a plan; returns the report's lines."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    backup = repo / BACKUP / stamp
    saved: dict[str, bytes] = {}
    for rel in p.touched_locally():  # 1. the backup, before anything is written
        saved[rel] = (repo / rel).read_bytes()
        target = backup / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    exclude = repo / ".git" / "info" / "exclude"  # the backup folder never shows in git status
    exclude.parent.mkdir(parents=True, exist_ok=True)
    if f"/{BACKUP}/" not in (exclude.read_text() if exclude.exists() else ""):
        with exclude.open("a") as f:
            f.write(f"\n/{BACKUP}/\n")
    # 2. a clean tree for the merge: local changes out of the way (they are in `saved` and the backup)
    for rel in p.run_only + p.edited_both + p.edited_kept:
        git(repo, "checkout", "HEAD", "--", rel)
    for rel in p.in_the_way:
        (repo / rel).unlink()
    merged = subprocess.run(
        ["git", "merge", "--no-edit", "--no-stat", p.new_commit], cwd=repo, capture_output=True, check=False
    )
    if merged.returncode != 0:
        conflicts = git(repo, "diff", "--name-only", "--diff-filter=U", check=False).split()
        git(repo, "merge", "--abort", check=False)
        for rel, data in saved.items():  # everything back as it was
            (repo / rel).write_bytes(data)
        why = (merged.stdout.decode(errors="replace") + merged.stderr.decode(errors="replace")).strip()
        where = ", ".join(conflicts) or f"some files ({why})"
        raise UpdateError(
            f"your own commits conflict with the course's changes in {where}; nothing was changed. "
            "Resolve with git merge "
            f"{p.upstream}, or ask your instructor. A copy of your files is in {backup.relative_to(repo)}."
        )
    # 3. the student's work back where it belongs
    short = p.new_commit[:7]
    report = [
        f"Updated to the course's {p.upstream} ({short}). Backup of your files: {backup.relative_to(repo)}/"
    ]
    for rel in p.edited_kept:
        (repo / rel).write_bytes(saved[rel])
        report.append(f"  kept      {rel} (your edits; the course did not change it)")
    for rel in p.edited_both:
        beside = _sibling(rel, f"course-{short}")
        (repo / beside).parent.mkdir(parents=True, exist_ok=True)
        if (repo / rel).exists():
            shutil.copy2(repo / rel, repo / beside)
            report.append(f"  BOTH      {rel} is yours (edited); the course's new version is {beside}")
        else:
            report.append(f"  BOTH      {rel} is yours (edited); the course removed this file")
        (repo / rel).write_bytes(saved[rel])
    for rel in p.in_the_way:
        mine = _sibling(rel, "yours")
        (repo / mine).write_bytes(saved[rel])
        report.append(f"  renamed   your {rel} to {mine}: the course now has a file of that name")
    for rel in p.run_only:
        report.append(f"  new       {rel} (you had only run it; its old outputs are in the backup)")
    for rel in p.untouched:
        report.append(f"  new       {rel}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--remote", help="the course's remote (default: the branch's upstream, e.g. origin)")
    parser.add_argument("--branch", help="the course's branch (default: the branch's upstream)")
    parser.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
    parser.add_argument("--no-fetch", action="store_true", help="use what was fetched before (offline)")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the clone (default: here)")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    try:
        top = git(repo, "rev-parse", "--show-toplevel").strip()
        repo = Path(top)
        if (repo / ".git" / "MERGE_HEAD").exists():
            raise UpdateError("a git merge is in progress here; finish or abort it (git merge --abort) first")
        upstream = _upstream(repo, args.remote, args.branch)
        if not args.no_fetch:
            git(repo, "fetch", "--quiet", upstream.split("/", 1)[0])
        p = plan(repo, upstream)
        if not p.changed:
            print(f"Already up to date with {upstream}.")
            return 0
        if args.dry_run:
            for label, files in (
                ("new version", p.untouched + p.run_only),
                ("both kept (you edited, the course changed)", p.edited_both),
                ("your file renamed", p.in_the_way),
                ("kept as you left it", p.edited_kept),
            ):
                for rel in files:
                    print(f"{label}: {rel}")
            return 0
        print("\n".join(apply(repo, p)))
        return 0
    except UpdateError as exc:
        print(f"make update: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
