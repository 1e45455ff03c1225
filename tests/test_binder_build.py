"""Build the Binder environment the way repo2docker does, as far as this machine allows (`make test-binder`).

repo2docker clones the repository, installs Python from binder/runtime.txt, runs
`pip install -r binder/requirements.txt` (the Binder lock: hash-checked), runs binder/postBuild
from the repository root and starts every session through binder/start.  Here: a fresh virtual
environment of this machine's Python 3.11, a copy of the checkout, then the same three steps, with
no internet for postBuild beyond what pip needs (so a data URL that is "down" is exercised too).
Minutes the first time (it downloads the Binder packages); skipped unless ML2DL_BINDER_BUILD=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from test_newcomer import NO_INTERNET_PLUGIN, checkout_files

from helpers import datastore

pytestmark = pytest.mark.skipif(
    os.environ.get("ML2DL_BINDER_BUILD") != "1", reason="builds a whole environment: run `make test-binder`"
)


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


def test_post_build_succeeds_and_reports_what_it_skipped(binder_image):
    _, _, post, tables = binder_image
    assert post.returncode == 0, post.stdout + post.stderr
    assert "FAIL t10k-images-idx3-ubyte.gz" in post.stderr and "skipped the course data" in post.stderr
    for name in tables:
        assert any(line.startswith("ok   ") and line.endswith(name) for line in post.stdout.splitlines())


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
