"""The layout a newcomer reads: every module imports alone, imports go one way without a cycle,
helpers/ holds only what notebooks import, course.toml is the one list of notebooks, and every
notebook fits one sitting."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from tools import course

PACKAGES = ("helpers", "tools")
#: A lesson a student finishes in one sitting (cells' source lines, code and text together).
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every Python module of helpers/ and tools/ (sub-packages included) -> its file."""
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = project_modules()


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports: at the top, inside functions, and by
    ``importlib.import_module`` (an f-string prefix stands for every module it can name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                ).strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
        ):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                prefix = arg.values[0].value
                names.update(m for m in MODULES if m.startswith(prefix) and m != prefix.rstrip("."))
    return {n for n in names if n in MODULES and n != here}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (module -> modules it imports), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_sees_dynamic_imports():
    """The controls for the test below: a loop is caught, and an ``importlib.import_module`` with an
    f-string counts as an import of every module it can name (the catalogue loads its modules so)."""
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
    loaded = imports_of(REPO_ROOT / "tools" / "exercise_cases" / "__init__.py")
    assert "tools.exercise_cases.xor" in loaded and "tools.exercise_cases.model" in loaded


def test_no_import_cycle_static_or_dynamic():
    graph = {name: imports_of(path) for name, path in MODULES.items()}
    found = cycle(graph)
    assert found is None, f"import cycle: {' -> '.join(found)}"


def test_helpers_never_import_tools():
    """Imports go one way: tools may import helpers (what students have), never the reverse."""
    wrong = {
        name: sorted(m for m in imports_of(path) if m.startswith("tools"))
        for name, path in MODULES.items()
        if name.startswith("helpers")
    }
    assert not {k: v for k, v in wrong.items() if v}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports_alone_in_a_fresh_interpreter(module):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"import {module} alone fails:\n{result.stderr[-2000:]}"


def notebook_sources() -> dict[str, str]:
    """Every notebook of the course (and the index) -> its code cells' text."""
    out = {}
    for path in sorted((REPO_ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[path.name] = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return out


def test_helpers_hold_only_what_notebooks_import():
    """A module of helpers/ is there because a notebook imports it (or a module that a notebook
    imports does); build tools live in tools/."""
    code = "\n".join(notebook_sources().values())
    wanted = set()
    for name in (m for m in MODULES if m.startswith("helpers.")):
        short = name.removeprefix("helpers.")
        if re.search(rf"\b{re.escape(name)}\b|from helpers import [^\n]*\b{re.escape(short)}\b", code):
            wanted.add(name)
    wanted.add("helpers")  # `import helpers`
    todo = list(wanted)
    while todo:  # and what those import
        for m in imports_of(MODULES[todo.pop()]):
            if m.startswith("helpers") and m not in wanted:
                wanted.add(m)
                todo.append(m)
    unused = sorted(m for m in MODULES if m.startswith("helpers") and m not in wanted)
    assert not unused, f"no notebook imports {unused}: a build tool belongs in tools/"


def notebook_lists(path: Path) -> list[int]:
    """Lines of ``path`` that hold a literal list/tuple/set/dict of two or more notebook paths."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            named = [
                i
                for i in items
                if isinstance(i, ast.Constant) and str(i.value).endswith(".ipynb") and "/" in i.value
            ]
            if len(named) >= 2:
                lines.append(node.lineno)
    return lines


def test_course_toml_is_the_one_list_of_notebooks(tmp_path):
    """No module of helpers/ or tools/ spells out its own list of notebooks (they read course.toml)."""
    probe = tmp_path / "probe.py"
    probe.write_text('COURSE = ("day1/a.ipynb", "day2/b.ipynb")\n')
    assert notebook_lists(probe) == [1]  # the control: such a list is found
    found = {name: notebook_lists(path) for name, path in MODULES.items()}
    assert not {k: v for k, v in found.items() if v}, "read the notebooks from tools.course instead"


@pytest.mark.parametrize("notebook", course.paths())
def test_every_notebook_fits_one_sitting(notebook):
    nb = json.loads((REPO_ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    lines = sum(len("".join(c["source"]).splitlines()) for c in nb["cells"])
    assert lines <= MAX_LINES, (
        f"{notebook} has {lines} lines (code and text); a lesson finished in one sitting has at most "
        f"{MAX_LINES}: split it where a section ends (see the README, 'For developers')"
    )
