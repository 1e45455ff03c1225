"""Binder's files behave as README.md says: start, postBuild, the launch badge, TensorBoard's proxy.

The full build (a fresh environment from binder/requirements.txt) is tests/test_binder_build.py,
run by `make test-binder`; these checks take a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest
from conftest import REPO_ROOT, run_in_repo

BINDER = REPO_ROOT / "binder"
sys.path.insert(0, str(REPO_ROOT / "tools"))
import binder_badge  # noqa: E402


def start(*command: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("ML2DL_PROFILE", "TENSORBOARD_PROXY_URL")}
    clean.pop("JUPYTERHUB_SERVICE_PREFIX", None)
    return subprocess.run(
        ["bash", str(BINDER / "start"), *command],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRINT_ENV = [
    sys.executable,
    "-c",
    "import os; print(os.environ['ML2DL_PROFILE'], os.environ['TENSORBOARD_PROXY_URL'])",
]


def test_start_selects_the_quick_profile_and_tensorboards_proxy():
    result = start(*PRINT_ENV, JUPYTERHUB_SERVICE_PREFIX="/user/ada-abc123/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["quick", "/user/ada-abc123/proxy/%PORT%/"]


def test_start_keeps_a_profile_the_user_chose_and_works_outside_jupyterhub():
    result = start(*PRINT_ENV, ML2DL_PROFILE="full")
    assert result.stdout.split() == ["full", "/proxy/%PORT%/"]


def test_start_runs_the_command_in_its_place():
    """`exec "$@"`: the command gets start's process (signals reach it) and its exit status."""
    proc = subprocess.Popen(
        [
            "bash",
            str(BINDER / "start"),
            sys.executable,
            "-c",
            "import os, sys; print(os.getpid()); sys.exit(3)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 3 and int(out) == proc.pid
    assert start("printf", "%s|", "two words", "x").stdout == "two words|x|"


def test_tensorboard_magic_uses_the_proxy_address(monkeypatch):
    """What %tensorboard renders behind Binder: an iframe at <prefix>/proxy/<port>/, not :<port>."""
    notebook = pytest.importorskip("tensorboard.notebook")
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setenv("TENSORBOARD_PROXY_URL", "/user/ada-abc123/proxy/%PORT%/")
    notebook._display_ipython(port=6006, height=600, display_handle=None)
    (html,) = shown
    assert '"/user/ada-abc123/proxy/6006/"' in html and "const port = 0;" in html


def test_binder_scripts_are_executable_in_git():
    out = run_in_repo("git", "ls-files", "-s", "binder/start", "binder/postBuild", check=True).stdout
    modes = dict(line.split("\t")[::-1] for line in out.splitlines())
    modes = {path: mode.split()[0] for path, mode in modes.items()}
    assert modes == {"binder/start": "100755", "binder/postBuild": "100755"}


@pytest.fixture
def stub_python(tmp_path):
    """A `python` on PATH that logs its arguments; `-m helpers.datastore` fails (a data URL is down)."""
    log = tmp_path / "python.log"
    stub = tmp_path / "bin" / "python"
    prefix = tmp_path / "prefix"
    stub.parent.mkdir()
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        'if [ "$*" = "-m helpers.datastore" ]; then echo "FAIL t10k-images-idx3-ubyte.gz" >&2; exit 1; fi\n'
        'if [ "$1" = "-c" ] && [ -n "$BREAK_HELPERS" ]; then exit 1; fi\n'
        f'if [ "$*" = "-c import sys; print(sys.prefix)" ]; then echo "{prefix}"; fi\n'
        "exit 0\n"
    )
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}"}
    return env, log


def test_post_build_skips_data_it_cannot_fetch_without_failing_the_image(stub_python):
    env, log = stub_python
    result = run_in_repo("bash", str(BINDER / "postBuild"), env=env)
    assert result.returncode == 0, result.stderr
    assert "skipped the course data listed as FAIL above" in result.stderr
    assert log.read_text().splitlines() == [
        "-m pip install --no-deps --no-build-isolation -e .",
        "-c import helpers, helpers.data",
        "-c import sys; print(sys.prefix)",
        "-m helpers.datastore",
    ]
    # JupyterLab's course settings (no news popup) land where JupyterLab reads its defaults
    installed = log.parent / "prefix" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert installed.read_text() == (BINDER / "overrides.json").read_text()


def test_post_build_fails_when_helpers_is_broken(stub_python):
    env, _ = stub_python
    env["BREAK_HELPERS"] = "1"
    result = run_in_repo("bash", str(BINDER / "postBuild"), env=env)
    assert result.returncode != 0


def test_readme_badge_is_built_from_the_one_repository_url():
    assert binder_badge.main(["--check"]) == 0, "README's Binder badge is out of date: run `make badge`"
    url, entry = binder_badge.settings()
    readme = (REPO_ROOT / "README.md").read_text()
    assert binder_badge.badge(url, entry) in readme
    assert readme.count("mybinder.org/v2/") == 1, "one badge, generated"
    assert f"jupyter lab $(LAB_ARGS) --FileContentsManager.post_save_hook=tools.lab.post_save {entry}" in (
        (REPO_ROOT / "Makefile").read_text()
    ), "make lab opens the same entry page as the badge"
    assert (REPO_ROOT / entry).is_file()


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        (
            "https://github.com/ada/ml2dl",
            "https://mybinder.org/v2/gh/ada/ml2dl/HEAD?labpath=notebooks%2Findex.ipynb",
        ),
        (
            "https://github.com/ada/ml2dl.git",
            "https://mybinder.org/v2/gh/ada/ml2dl/HEAD?labpath=notebooks%2Findex.ipynb",
        ),
        (
            "https://gitlab.com/ada/courses/ml2dl",
            "https://mybinder.org/v2/gl/ada%2Fcourses%2Fml2dl/HEAD?labpath=notebooks%2Findex.ipynb",
        ),
        (
            "https://git.example.org/ml2dl.git",
            "https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.org%2Fml2dl.git/HEAD?labpath=notebooks%2Findex.ipynb",
        ),
    ],
)
def test_binder_launch_url(repository, expected):
    assert binder_badge.binder_url(repository, "notebooks/index.ipynb") == expected


def test_badge_rewrite_replaces_only_the_marked_span(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- binder-badge:begin -->old<!-- binder-badge:end -->\nrest\n")
    text = binder_badge.render(readme.read_text(), "https://github.com/a/b", "x.ipynb")
    assert text.startswith("intro\n<!-- binder-badge:begin -->[![Launch on Binder]")
    assert text.endswith("/v2/gh/a/b/HEAD?labpath=x.ipynb)<!-- binder-badge:end -->\nrest\n")


def test_repository_url_is_declared_once():
    urls = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Repository"].startswith("https://")
