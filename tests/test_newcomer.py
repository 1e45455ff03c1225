"""The README's test command works for everyone, not only beside CI's offline mirror.

A newcomer's checkout has no ``../shared``, no ``ML2DL_DATA_MIRROR`` and (here) no internet, but a
data cache filled earlier (``make data``, or a first online run).  This test copies the checkout
(the files git tracks or would track: no .venv, no datasets/cache) to a folder with nothing beside
it and runs the data tests there in a fresh pytest process, with a pre-filled ``ML2DL_DATA_DIR``
and every connection off loopback refused.  They must pass; a file that is not in the cache may
only be skipped, with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO_ROOT, in_ci

from helpers import datastore

#: The unit tests that read course data or care where it comes from (a few seconds).
DATA_TESTS = ["tests/test_loaders.py", "tests/test_fetch.py"]
#: Left out to keep this quick: they read the same MNIST test files as the tests that stay.
HEAVY = (
    "not test_quick_mnist_shapes_balance_and_no_test_leakage and not test_quick_profile_comes_from_the_env"
)

NO_INTERNET_PLUGIN = textwrap.dedent(
    '''
    """pytest plugin for the newcomer check: connections and name look-ups off loopback fail."""
    import socket

    _connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo
    LOCAL = ("127.", "::1", "localhost")


    def _local(host):
        return isinstance(host, str) and host.startswith(LOCAL)


    def connect(self, address):
        if isinstance(address, tuple) and not _local(address[0]):
            raise OSError(101, f"newcomer check: no internet ({address[0]})")
        return _connect(self, address)


    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _local(host):
            raise socket.gaierror(-2, f"newcomer check: no internet ({host})")
        return _getaddrinfo(host, *args, **kwargs)


    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo
    '''
)


def checkout_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f and (REPO_ROOT / f).is_file()]


@pytest.fixture
def prefilled_cache(tmp_path):
    """A data cache holding every registry file this machine can have (CI: all of them)."""
    cache = tmp_path / "student-cache"
    have, missing = [], []
    for name in sorted(datastore.registry()):
        try:
            source = datastore.fetch(name)
        except datastore.DataUnavailableError:
            missing.append(name)
            continue
        (cache / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, cache / name)
        except OSError:
            shutil.copy2(source, cache / name)
        have.append(name)
    if missing and in_ci():
        pytest.fail(f"CI must have every course file, missing: {missing}")
    if not have:
        pytest.skip("no course data can be had here to pre-fill a cache with")
    return cache, have, missing


@pytest.mark.skipif(os.environ.get("ML2DL_NEWCOMER_CHECK") == "1", reason="already inside the newcomer check")
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_data_tests_pass_from_a_clone_without_mirror_and_with_a_filled_cache(tmp_path, prefilled_cache):
    cache, have, missing = prefilled_cache
    clone = tmp_path / "home" / "ml2dl"
    for rel in checkout_files():
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, clone / rel)
    assert not (clone.parent / "shared").exists() and not (clone / "datasets" / "cache").exists()
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "no_internet.py").write_text(NO_INTERNET_PLUGIN)

    env = {k: v for k, v in os.environ.items() if k not in ("ML2DL_DATA_MIRROR", "CI", "PYTEST_ADDOPTS")}
    env.update(
        ML2DL_DATA_DIR=str(cache),
        ML2DL_NEWCOMER_CHECK="1",
        PYTHONPATH=os.pathsep.join([str(clone), str(plugins)]),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no_internet",
            "-rs",
            *DATA_TESTS,
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary, summary
    # Skips are allowed only for what was not in the cache (and the CI-mirror-only check).
    for reason in re.findall(r"^SKIPPED \[\d+\] \S+: (.*)$", output, re.M):
        if "SHA256SUMS" in reason:
            continue
        name = re.search(r"course data '([^']+)'", reason)
        assert name and name.group(1) in missing, f"skipped although its data was in the cache: {reason}"
    assert (
        str(clone / "helpers")
        in subprocess.run(
            [sys.executable, "-c", "import helpers; print(helpers.__file__)"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    ), "the copy's own helpers package was tested"
