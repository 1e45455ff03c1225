"""The classroom's configuration as the tools see it: where the hub's config, environment and proxy
live, and the nbgitpuller link students click.

``python -m tools.classroom_config link --repo URL --branch NAME [--hub URL]`` prints that link
(``make classroom-link``). The end-to-end test driver (tools/classroom_driver.py) starts the hub from
:data:`HUB_CONFIG` with the environment :func:`classroom_bin` names; the capacity figures
(tools/classroom_capacity.py) are what that configuration's limits come from.

This module needs only the standard library, so ``make classroom-link`` runs with any Python 3.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
CLASSROOM_DIR = REPO_ROOT / "classroom"
HUB_CONFIG = CLASSROOM_DIR / "jupyterhub_config.py"
#: Where `make classroom-venv` / `make classroom-proxy` install the hub (gitignored).
BUILD_DIR = REPO_ROOT / "build" / "classroom"

#: The course index: it links each student notebook first and its solutions beside it. The student
#: edition (student/) has no index of its own; if one is ever generated, the link opens it instead.
STUDENT_INDEX = "student/index.ipynb"
COURSE_INDEX = "notebooks/index.ipynb"


def classroom_bin() -> Path:
    """The bin/ of the classroom environment (``make classroom-venv``), or ML2DL_CLASSROOM_VENV's."""
    return Path(os.environ.get("ML2DL_CLASSROOM_VENV", BUILD_DIR / "venv")) / "bin"


# ------------------------------------------------------------------------------------------------
# the link
# ------------------------------------------------------------------------------------------------


class LinkError(ValueError):
    """A repository or branch a link cannot be made from (the message says why and what to pass)."""


def entry_point(root: Path = REPO_ROOT) -> str:
    """The notebook the link opens: the student edition's index if there is one, else the course's."""
    return STUDENT_INDEX if (root / STUDENT_INDEX).is_file() else COURSE_INDEX


def check_repo(repo: str) -> str:
    """``repo`` if git can clone it from a student's server: an http(s)/git/ssh URL or a local path."""
    repo = (repo or "").strip()
    if not repo:
        raise LinkError(
            "REPO is empty: pass the course's public git URL, e.g. REPO=https://github.com/you/ml2dl"
        )
    if any(ch.isspace() for ch in repo):
        raise LinkError(f"REPO {repo!r} contains white space; pass the clone URL of the repository")
    parts = urlsplit(repo)
    if parts.scheme in ("http", "https", "git", "ssh"):
        if not parts.netloc:
            raise LinkError(f"REPO {repo!r} has no host; pass e.g. https://github.com/you/ml2dl")
    elif parts.scheme == "file" or (not parts.scheme and repo.startswith("/")):
        pass  # a repository on the hub's own disk (a file path works with `git clone`)
    else:
        raise LinkError(
            f"REPO {repo!r} is not a clone URL: pass an https:// (or git://, ssh://, file://) URL or an "
            "absolute path, e.g. REPO=https://github.com/you/ml2dl"
        )
    if not repo_dir(repo) or repo_dir(repo) in (".", ".."):
        raise LinkError(f"REPO {repo!r} names no repository (its last path part is empty)")
    return repo


# Git's rules for a branch name (git check-ref-format --branch), enough to refuse a typo early.
_BAD_BRANCH = re.compile(r"(^[-/.]|[/.]$|\.\.|//|@\{|[\x00-\x20\x7f~^:?*\[\\]|\.lock$|/\.|^@$)")


def check_branch(branch: str) -> str:
    branch = (branch or "").strip()
    if not branch:
        raise LinkError("BRANCH is empty: pass the branch students follow, e.g. BRANCH=main")
    if _BAD_BRANCH.search(branch):
        raise LinkError(
            f"BRANCH {branch!r} is not a valid git branch name (see `git check-ref-format --branch`)"
        )
    return branch


def repo_dir(repo: str) -> str:
    """The folder nbgitpuller clones ``repo`` into: the URL's last part, as nbgitpuller computes it."""
    return repo.rstrip("/").split("/")[-1]


def link(repo: str, branch: str, hub: str = "", path: str | None = None) -> str:
    """The nbgitpuller link: on first click it clones ``repo`` into the student's home, on later
    clicks merges new commits without overwriting the student's changes, then opens ``path``
    (default: :func:`entry_point`) in JupyterLab. ``hub`` is the hub's address (``https://hub.example``);
    without it the link starts at ``/hub/``, for pasting after the address."""
    repo, branch = check_repo(repo), check_branch(branch)
    if hub:
        parts = urlsplit(hub)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LinkError(f"HUB {hub!r} is not the hub's address: pass e.g. HUB=https://hub.example.org")
    query = urlencode(
        {"repo": repo, "branch": branch, "urlpath": f"lab/tree/{repo_dir(repo)}/{path or entry_point()}"},
        quote_via=quote,
        safe="/",
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.classroom_config", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("link", help="print the nbgitpuller link students click")
    p.add_argument("--repo", default="", help="the course's clone URL (e.g. https://github.com/you/ml2dl)")
    p.add_argument("--branch", default="", help="the branch students follow (e.g. main)")
    p.add_argument("--hub", default="", help="the hub's address (e.g. https://hub.example.org)")
    args = parser.parse_args(argv)
    try:
        url = link(args.repo, args.branch, args.hub)
    except LinkError as exc:
        print(f"make classroom-link: {exc}", file=sys.stderr)
        return 2
    print(url)
    if not args.hub:
        print(
            "(starts at /hub/: put your hub's address in front, or pass HUB=https://your.hub)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
