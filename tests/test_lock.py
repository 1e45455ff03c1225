"""The locked environment: requirements.txt (top-level pins) -> requirements.lock, and Binder's
binder/requirements.in -> binder/requirements.txt; both locks satisfy their pins and agree."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import nbformat
from conftest import REPO_ROOT
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

COURSE_PINS = REPO_ROOT / "requirements.txt"
COURSE_LOCK = REPO_ROOT / "requirements.lock"
BINDER_PINS = REPO_ROOT / "binder" / "requirements.in"
BINDER_LOCK = REPO_ROOT / "binder" / "requirements.txt"

#: Where the lock is evaluated: the course's Python on Linux (CI, Binder).
PY311_LINUX = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_machine": "x86_64",
}


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file: comments dropped, continuations joined."""
    text = path.read_text().replace("\\\n", " ")
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def top_level_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in requirement_lines(path):
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: {line!r} is not pinned with =="
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def lock_entries(path: Path) -> list[tuple[str, str, str, list[str]]]:
    """``(name, version, marker, hashes)`` for every line of a lock."""
    entries = []
    for line in requirement_lines(path):
        requirement, *hashes = re.split(r"\s+--hash=", line)
        req = Requirement(requirement)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: {requirement!r} is not pinned with =="
        entries.append((canonicalize_name(req.name), spec.version, str(req.marker or ""), hashes))
    return entries


def locked_versions(path: Path, env: dict = PY311_LINUX) -> dict[str, str]:
    """``{name: version}`` that the lock installs for Python 3.11 on Linux."""
    from packaging.markers import Marker

    chosen = {}
    for name, version, marker, _ in lock_entries(path):
        if not marker or Marker(marker).evaluate(env):
            assert name not in chosen, f"{path.name}: two versions of {name} for the same platform"
            chosen[name] = version
    return chosen


def test_every_locked_package_is_pinned_with_hashes():
    for lock in (COURSE_LOCK, BINDER_LOCK):
        entries = lock_entries(lock)
        assert len(entries) > 100, f"{lock.name} is not a full lock"
        for name, _, _, hashes in entries:
            assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name


def test_the_lock_satisfies_every_top_level_pin():
    for pins, lock in ((COURSE_PINS, COURSE_LOCK), (BINDER_PINS, BINDER_LOCK)):
        locked = locked_versions(lock)
        wrong = {n: (v, locked.get(n)) for n, v in top_level_pins(pins).items() if locked.get(n) != v}
        assert not wrong, f"{lock.name} does not match {pins.name} (pin, locked): {wrong}; run `make lock`"


def test_binder_pins_are_the_course_pins_with_cpu_tensorflow():
    course = top_level_pins(COURSE_PINS)
    binder = top_level_pins(BINDER_PINS)
    assert "tensorflow" not in binder and binder["tensorflow-cpu"] == course["tensorflow"]
    shared = {("tensorflow" if k == "tensorflow-cpu" else k): v for k, v in binder.items()}
    differ = {k: (v, course[k]) for k, v in shared.items() if k in course and course[k] != v}
    assert not differ, f"binder/requirements.in vs requirements.txt (binder, course): {differ}"
    extra = set(shared) - set(course)
    assert extra == {"jupyter-server-proxy", "nbgitpuller"}, f"Binder-only pins: {extra}"
    needed = {"tensorflow", "numpy", "scipy", "matplotlib", "pooch", "mlxtend", "jupyterlab", "tensorboard"}
    assert needed <= shared.keys()
    assert not {"pytest", "nbval", "ruff"} & binder.keys(), "Binder needs no test tools"
    assert (REPO_ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_lock_shares_every_version_with_the_course_lock():
    """Same versions beneath the top level too, so Binder computes the course's numbers."""
    course, binder = locked_versions(COURSE_LOCK), locked_versions(BINDER_LOCK)
    differ = {n: (v, course[n]) for n, v in binder.items() if n in course and course[n] != v}
    assert not differ, f"binder lock vs course lock (binder, course): {differ}; run `make lock`"
    assert "tensorflow" not in binder and binder["tensorflow-cpu"] == course["tensorflow"]


def imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # notebook cells with magics (%tensorboard, !pip)
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def course_imports() -> set[str]:
    """Top-level modules imported by helpers/, tests/, tools/ and the notebooks' code cells."""
    found = set()
    for folder in ("helpers", "tests", "tools"):
        for path in (REPO_ROOT / folder).glob("*.py"):
            found |= imported_modules(path.read_text())
    for path in (REPO_ROOT / "notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                found |= imported_modules(cell.source)
    return found


#: Top-level pins that are used without an import statement: tools and runtime pieces.
USED_WITHOUT_IMPORT = {
    "jupyterlab": "make lab",
    "ipykernel": "the notebooks' kernel",
    "ipywidgets": "tqdm.auto's notebook progress bars",
    "tensorboard": "%tensorboard and the Keras TensorBoard callback",
    "nbstripout": "the git filter (make git-filter)",
    "nbval": "pytest --nbval-lax (make test)",
    "ruff": "make lint",
    "setuptools": "pip install --no-build-isolation -e . (builds helpers)",
    "jupyter-server-proxy": "binder/start: %tensorboard behind Binder's proxy",
    "nbgitpuller": "the classroom's image built from binder/ (classroom/z2jh-config.yaml): the course link",
}
#: Import name of a pin where it differs from the distribution name.
IMPORT_NAME = {"tensorflow-cpu": "tensorflow"}


def test_every_top_level_pin_is_used():
    imports = course_imports()
    for pins in (COURSE_PINS, BINDER_PINS):
        unused = [
            name
            for name in top_level_pins(pins)
            if name not in USED_WITHOUT_IMPORT
            and IMPORT_NAME.get(name, name).replace("-", "_") not in imports
        ]
        assert not unused, f"{pins.name} pins packages nothing uses: {unused}"


def test_helpers_declares_what_it_imports_and_the_lock_has_it():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    imported = set()
    for path in (REPO_ROOT / "helpers").glob("*.py"):
        imported |= imported_modules(path.read_text())
    third_party = {canonicalize_name(m) for m in imported} & set(locked_versions(COURSE_LOCK))
    optional = {"tensorflow", "keras"}  # imported only once a notebook has imported them
    missing = third_party - declared - optional
    assert not missing, f"pyproject.toml [project] dependencies lack: {missing}"
    assert {"nbformat", "nbclient"} <= declared
    assert declared <= set(locked_versions(COURSE_LOCK)), "every dependency of helpers is locked"
