"""The Makefile as a newcomer meets it: wrong Python, broken .venv, and no needless reinstall.

Each test runs the real Makefile in a temporary folder with a stand-in interpreter or .venv, so no
package is installed and nothing touches the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

REAL_PYTHON = sys.executable


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path):
    """A folder with the real Makefile and pyproject.toml and a one-line lock."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    (tmp_path / "requirements.lock").write_text("example==1.0 --hash=sha256:" + "0" * 64 + "\n")
    return tmp_path


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    # A clean make, also when these tests run under `make test` (no inherited MAKELEVEL/MAKEFLAGS).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def messages(result) -> list[str]:
    """The lines make printed for the user (its own 'make: *** ... Error 1' line left out)."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.strip() and not re.match(r"make(\[\d+\])?: \*\*\*", line)]


def test_unsupported_python_stops_with_one_clear_line(project):
    old = script(project / "old-python", "echo 3.9\n")  # answers the version question like Python 3.9
    result = make(project, "lab", f"PYTHON={old}")
    assert result.returncode != 0
    (line,) = messages(result)
    assert "needs Python 3.11" in line and "is Python 3.9" in line
    assert "make lab PYTHON=python3.11" in line
    assert not (project / ".venv").exists()


def test_missing_python_says_what_to_install(project):
    result = make(project, "test", "PYTHON=no-such-python3.11-here")
    assert result.returncode != 0
    (line,) = messages(result)
    assert "'no-such-python3.11-here' does not run" in line and "make test PYTHON=python3.11" in line


def test_venv_without_ensurepip_is_removed_and_the_fix_named(project):
    """Debian without python3-venv: `python3 -m venv` fails half-way and leaves a .venv without pip."""
    debian = script(
        project / "debian-python",
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; touch "$3/bin/python";\n'
        '  echo "The virtual environment was not created successfully because ensurepip is not available."\n'
        "  exit 1; fi\n"
        "echo 3.11\n",
    )
    result = make(project, "lab", f"PYTHON={debian}")
    assert result.returncode != 0
    assert "sudo apt install python3.11-venv" in result.stdout + result.stderr
    assert not (project / ".venv").exists(), "a half-made .venv would fail forever"


def test_existing_venv_without_pip_says_how_to_fix_it(project):
    subprocess.run([REAL_PYTHON, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    result = make(project, "lab")
    assert result.returncode != 0
    (line,) = messages(result)
    assert ".venv is broken: it has no pip" in line
    assert "python3.11-venv" in line and "rm -rf .venv && make lab" in line


def test_venv_of_another_python_version_says_how_to_fix_it(project):
    script(project / ".venv" / "bin" / "python", "echo 3.12\n")
    result = make(project, "test")
    assert result.returncode != 0
    (line,) = messages(result)
    assert ".venv was made with Python 3.12" in line and "make test PYTHON=python3.11" in line


@pytest.fixture
def fake_venv(project):
    """.venv whose python is the real one, except that `-m pip ...` is only written to a log."""
    log = project / "pip.log"
    script(
        project / ".venv" / "bin" / "python",
        f'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> "{log}"; exit 0; fi\n'
        f'exec "{REAL_PYTHON}" "$@"\n',
    )

    def installs() -> list[str]:
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [line for line in lines if " install " in f" {line} "]

    return installs


def test_environment_is_installed_from_the_lock_with_hashes(project, fake_venv):
    result = make(project, "venv")
    assert result.returncode == 0, result.stderr
    assert fake_venv() == [
        "-m pip install --require-hashes -r requirements.lock",
        "-m pip install --no-deps --no-build-isolation -e .",
    ]
    assert "upgrade" not in result.stdout, "no `pip install --upgrade pip`: it needs the network"
    assert make(project, "venv").returncode == 0
    assert fake_venv() == [], "installed once"


def test_only_the_lock_and_the_package_metadata_reinstall(project, fake_venv):
    assert make(project, "venv").returncode == 0
    fake_venv()
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert "line-length = 110" in text
    pyproject.write_text(text.replace("line-length = 110", "line-length = 100"))  # lint settings only
    assert make(project, "venv").returncode == 0
    assert fake_venv() == [], "a lint-config change must not reinstall the environment"

    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.1.1"'))
    assert make(project, "venv").returncode == 0
    assert len(fake_venv()) == 2, "package metadata changed: reinstall"

    (project / "requirements.lock").write_text("example==1.1 --hash=sha256:" + "1" * 64 + "\n")
    assert make(project, "venv").returncode == 0
    assert len(fake_venv()) == 2, "the lock changed: reinstall"


def test_requirements_txt_alone_does_not_reinstall(project, fake_venv):
    """The top-level pins only matter through the lock (`make lock`)."""
    assert make(project, "venv").returncode == 0
    fake_venv()
    (project / "requirements.txt").write_text("numpy==1.0\n")
    assert make(project, "venv").returncode == 0
    assert fake_venv() == []
