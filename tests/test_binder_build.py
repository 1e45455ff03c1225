"""Build the Binder environment the way repo2docker does, as far as this machine allows (`make test-binder`).

repo2docker clones the repository, installs Python from binder/runtime.txt, runs
`pip install -r binder/requirements.txt` (the Binder lock: hash-checked), runs binder/postBuild
from the repository root and starts every session through binder/start.  Here: a fresh virtual
environment of this machine's Python 3.11, a copy of the checkout, then the same three steps, with
no internet for postBuild beyond what pip needs (so a data URL that is "down" is exercised too).
Minutes the first time (it downloads the Binder packages); skipped unless ML2DL_BINDER_BUILD=1.
repo2docker itself is not run: it needs a running Docker daemon and base images from Docker Hub.

The checks above the build run always (`make test`): what the build would find out first without
building, that binder/ is what repo2docker reads the way the course means it, and that the Binder
lock installs everything the notebooks import and postBuild needs. tests/test_lock.py checks the
pins and versions against the course lock, tests/test_binder.py what start and postBuild do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from test_lock import BINDER_LOCK, imported_modules, locked_versions
from test_newcomer import NO_INTERNET_PLUGIN, checkout_files

from helpers import datastore

BINDER = REPO_ROOT / "binder"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())

#: binder/ as repo2docker reads it: the files of the pip buildpack (runtime.txt, requirements.txt,
#: postBuild, start), apt.txt (Debian packages, which every buildpack installs: fonts-nanum) and what
#: the course keeps beside them. A conda environment.yml, a Pipfile, a setup.py or a Dockerfile would
#: make repo2docker choose another buildpack and ignore the lock.
BINDER_FILES = {
    "runtime.txt",
    "requirements.txt",
    "postBuild",
    "start",
    "apt.txt",
    "requirements.in",
    "overrides.json",
}

build = pytest.mark.skipif(
    os.environ.get("ML2DL_BINDER_BUILD") != "1",
    reason="builds a whole Python environment from binder/requirements.txt (TensorFlow and every Binder "
    "package downloaded, minutes): run `make test-binder` (ML2DL_BINDER_BUILD=1). repo2docker is not "
    "used: it needs a running Docker daemon and Docker Hub's base images",
)


# ------------------------------------------------------------------------------------------------
# without building (always)
# ------------------------------------------------------------------------------------------------


def test_binder_holds_only_the_pip_buildpacks_files():
    assert {p.name for p in BINDER.iterdir()} == BINDER_FILES
    python = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert f"\nPYTHON_VERSION := {python}\n" in makefile, "runtime.txt and the Makefile's Python differ"
    assert python + ".0" in SpecifierSet(PYPROJECT["project"]["requires-python"])


def _binder_imports() -> set[str]:
    """Top-level modules the notebooks' code cells and helpers/ import (what Binder's users run)."""
    import nbformat

    found = set()
    for path in (REPO_ROOT / "helpers").glob("*.py"):
        found |= imported_modules(path.read_text())
    for path in sorted((REPO_ROOT / "notebooks").rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                found |= imported_modules(cell.source)
    return found - set(sys.stdlib_module_names) - {"helpers", "__future__"}


def test_the_binder_lock_installs_every_module_the_notebooks_import():
    from importlib.metadata import packages_distributions

    providers = packages_distributions()  # module -> distributions, from this (the course's) venv
    locked = locked_versions(BINDER_LOCK)
    tensorflow = {"tensorflow": "tensorflow-cpu"}  # Binder's CPU-only build provides the same module
    missing = {}
    for module in sorted(_binder_imports()):
        dists = {canonicalize_name(d) for d in providers.get(module, [module])}
        if not {tensorflow.get(d, d) for d in dists} & locked.keys():
            missing[module] = sorted(dists)
    assert not missing, f"binder/requirements.txt lacks (module: distributions): {missing}"


def test_the_binder_lock_builds_and_installs_helpers_offline():
    """postBuild: pip install --no-deps --no-build-isolation -e . needs the build backend in the lock,
    and helpers' own dependencies must be there already (--no-deps installs none)."""
    locked = locked_versions(BINDER_LOCK)
    for line in [*PYPROJECT["build-system"]["requires"], *PYPROJECT["project"]["dependencies"]]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in locked, f"binder/requirements.txt lacks {name}, which postBuild needs"
        assert req.specifier.contains(locked[name]), f"binder locks {name}=={locked[name]}, needs {req}"


def test_post_build_names_only_what_exists():
    script = (BINDER / "postBuild").read_text()
    modules = re.findall(r"python -m ([\w.]+)", script)
    assert "helpers.datastore" in modules
    for module in set(modules) - {"pip"}:
        source = REPO_ROOT.joinpath(*module.split(".")).with_suffix(".py")
        assert source.is_file() and 'if __name__ == "__main__":' in source.read_text(), module
    for path in re.findall(r"\bbinder/[\w.]+", script):
        assert (REPO_ROOT / path).is_file(), f"postBuild names {path}, which does not exist"
    assert "-e ." in script and (REPO_ROOT / "pyproject.toml").is_file()


# ------------------------------------------------------------------------------------------------
# the build (make test-binder)
# ------------------------------------------------------------------------------------------------


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def binder_image(tmp_path_factory):
    root = tmp_path_factory.mktemp("binder")
    repo = root / "repo"
    for rel in checkout_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, repo / rel)
    assert (
        repo / "binder" / "runtime.txt"
    ).read_text().strip() == f"python-{sys.version_info[0]}.{sys.version_info[1]}"
    venv = root / "env"
    run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    # repo2docker: pip install --no-cache-dir -r binder/requirements.txt (hashes make pip check every file)
    run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=repo,
        timeout=3000,
    )

    # postBuild, from the repository root, offline: a mirror with the four tables only, so the MNIST
    # test set cannot be had and must be reported as skipped without failing the build.
    mirror = root / "mirror"
    mirror.mkdir()
    tables = [n for n in datastore.SMALL_FILES if n.endswith(".txt")]
    for name in tables:
        shutil.copy2(datastore.fetch(name), mirror / name)
    plugins = root / "plugins"
    plugins.mkdir()
    (plugins / "sitecustomize.py").write_text(NO_INTERNET_PLUGIN)
    env = {
        k: v for k, v in os.environ.items() if k not in ("ML2DL_DATA_MIRROR", "ML2DL_PROFILE", "PYTHONPATH")
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(venv), ML2DL_DATA_DIR=str(root / "cache")
    )
    post = subprocess.run(
        ["bash", "binder/postBuild"],
        cwd=repo,
        env={**env, "PYTHONPATH": str(plugins), "ML2DL_DATA_MIRROR": str(mirror)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return repo, env, post, tables


@build
def test_post_build_succeeds_and_reports_what_it_skipped(binder_image):
    _, _, post, tables = binder_image
    assert post.returncode == 0, post.stdout + post.stderr
    assert "FAIL t10k-images-idx3-ubyte.gz" in post.stderr and "skipped the course data" in post.stderr
    for name in tables:
        assert any(line.startswith("ok   ") and line.endswith(name) for line in post.stdout.splitlines())


@build
def test_the_image_has_the_course_packages_and_the_proxy(binder_image):
    repo, env, _, _ = binder_image
    out = run(
        [
            "python",
            "-c",
            "import helpers, tensorflow as tf, keras, jupyter_server_proxy, nbclient, mlxtend; "
            "print(helpers.__file__, tf.__version__, tf.config.list_physical_devices('GPU'))",
        ],
        cwd=repo,
        env=env,
        timeout=600,
    ).stdout.split()
    assert Path(out[0]).is_relative_to(repo) and out[2] == "[]", out
    extensions = run(["jupyter", "server", "extension", "list"], cwd=repo, env=env, timeout=300)
    listing = extensions.stdout + extensions.stderr
    assert "jupyter_server_proxy" in listing and "enabled" in listing


@build
def test_start_runs_a_command_in_the_quick_profile(binder_image):
    repo, env, _, _ = binder_image
    out = run(
        [
            "binder/start",
            "python",
            "-c",
            "import os, helpers; print(helpers.get_profile(), os.environ['TENSORBOARD_PROXY_URL'])",
        ],
        cwd=repo,
        env={**env, "JUPYTERHUB_SERVICE_PREFIX": "/user/test/"},
        timeout=300,
    ).stdout.split()
    assert out == ["quick", "/user/test/proxy/%PORT%/"]
