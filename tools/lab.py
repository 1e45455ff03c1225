"""JupyterLab's save hook for ``make lab``: keep ``git status`` clean after a notebook is saved.

The nbstripout git filter (``.gitattributes``, ``make git-filter``) makes git compare notebooks
without their outputs and the metadata JupyterLab adds, so ``git diff`` is empty after running
one. ``git status`` alone still lists it as modified, because git takes a change of *file size*
for a change without running the filter. After each save, :func:`post_save` asks git whether the
notebook really changed (``git diff --quiet``, through the filter); if not, it lets git record the
file's new size and time (``git update-index``), which stages nothing. Real edits stay visible.

``make lab`` starts JupyterLab (with the repository on PYTHONPATH, so ``tools`` imports) and
``--FileContentsManager.post_save_hook=tools.lab.post_save``.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path


def _git(folder: Path, *args: str) -> int:
    try:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, timeout=60, check=False
        ).returncode
    except (OSError, subprocess.SubprocessError):  # no git, or it hung: leave everything as it is
        return -1


def refresh_if_unchanged(path: str | Path) -> bool:
    """If git sees no change in the tracked notebook ``path`` (outputs and editor metadata are
    filtered out), record its new size and time in git's index; return whether it did."""
    path = Path(path)
    folder, name = path.parent, path.name
    if _git(folder, "ls-files", "--error-unmatch", "--", name) != 0:  # untracked, or not in git
        return False
    if _git(folder, "diff", "--quiet", "--", name) != 0:  # a real change: keep showing it
        return False
    return _git(folder, "update-index", "-q", "--", name) == 0


def post_save(model=None, os_path: str | None = None, contents_manager=None, **kwargs):
    """``FileContentsManager.post_save_hook``: runs after every save in JupyterLab.

    The git commands take a second or two (the filter runs twice), so they run in a background
    thread and the save itself is not slowed down. Returns that thread (None for other files).
    """
    if not (os_path and os_path.endswith(".ipynb")):
        return None
    thread = threading.Thread(target=refresh_if_unchanged, args=(os_path,), daemon=True)
    thread.start()
    return thread
