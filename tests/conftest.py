"""Shared fixtures. Download tests use a server on loopback and "offline" URLs point at a closed
loopback port; only ``course_data`` takes the normal path to the real course files (cache, then
ML2DL_DATA_MIRROR, then the registry's URLs), as a student's notebook would."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import datastore
from helpers.runtime import _truthy

REPO_ROOT = Path(__file__).resolve().parents[1]


def catalogue_mistakes_missed(exercises, grade) -> list[str]:
    """Where a grader fails the exercise catalogue's mistakes: ``grade(exercise, answer)`` must raise
    ExerciseError naming the catalogued hint for every catalogued mistake (tests/test_exercises.py runs
    it on the visible checks, tests/test_grading.py on the hidden cases)."""
    from helpers.exercises import ExerciseError

    failures = []
    for ex in exercises:
        for wrong, hint in ex.catalogue():
            try:
                grade(ex, wrong)
            except ExerciseError as err:
                if hint not in str(err):
                    failures.append(f"{ex.id}: {wrong.__name__} rejected without its hint {hint!r}:\n{err}")
            else:
                failures.append(f"{ex.id}: the wrong {wrong.__name__} passed")
    return failures


def catalogue_variants_rejected(exercises, grade) -> list[str]:
    """Where a grader rejects one of the catalogue's correct variants (``grade`` as above)."""
    from helpers.exercises import ExerciseError

    failures = []
    for ex in exercises:
        for right in ex.alternatives:
            try:
                grade(ex, right)
            except ExerciseError as err:
                failures.append(f"{ex.id}: the correct {right.__name__} was rejected:\n{err}")
    return failures


def in_ci() -> bool:
    """True under CI (the ``CI`` variable is set and not false/0/no/off)."""
    return _truthy(os.environ.get("CI"))


def run_in_repo(*command: str, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run ``command`` in the repository's root, its output captured as text."""
    return subprocess.run(list(command), cwd=REPO_ROOT, capture_output=True, text=True, check=check, **kw)


def mirrors_with_checksums() -> list[Path]:
    """The folders in ML2DL_DATA_MIRROR that carry a SHA256SUMS file (CI's offline mirror does)."""
    return [folder for folder in datastore.mirror_dirs() if (folder / "SHA256SUMS").is_file()]


def closed_port_url(name: str) -> str:
    """A loopback URL nobody listens on: the download fails at once, like being offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def entry_for(payload: bytes, urls: list[str], **extra) -> dict:
    """A registry entry whose canonical download is ``payload``."""
    return {
        "description": "test file",
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
        "urls": urls,
        **extra,
    }


def gzip_entry_for(archive: bytes, raw: bytes, urls: list[str], **extra) -> dict:
    """A registry entry for a gzip ``archive`` whose decompressed content is ``raw``."""
    content = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
    return entry_for(archive, urls, content=content, **extra)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Empty cache, no mirrors, no Debian folder: fetch() sees only what a test puts there."""
    monkeypatch.setenv("ML2DL_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ML2DL_DATA_MIRROR", raising=False)
    monkeypatch.setattr(datastore, "DEBIAN_DATASETS", tmp_path / "debian")
    return tmp_path


@pytest.fixture
def fake_registry(monkeypatch):
    """Replace the registry with a dict the test fills in."""
    entries: dict[str, dict] = {}
    monkeypatch.setattr(datastore, "registry", lambda: entries)
    return entries


@pytest.fixture
def offline_registry(monkeypatch):
    """The real registry with every URL replaced by a closed loopback port."""
    real = datastore.registry()
    entries = {name: dict(e, urls=[closed_port_url(Path(name).name)]) for name, e in real.items()}
    monkeypatch.setattr(datastore, "registry", lambda: entries)
    return entries


@pytest.fixture
def http_server(tmp_path):
    """Serve tmp_path/www on loopback; yields (folder, base_url)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def course_data():
    """``require(*names)``: verified paths of real course files, fetched the normal way.

    Nothing is faked: the cache (``ML2DL_DATA_DIR`` or datasets/cache), then the mirrors
    (``ML2DL_DATA_MIRROR``, Debian's folder), then a download.  A file that cannot be had skips the
    test with the reason, so a student's offline machine is not a failure; under CI (``CI`` set) it
    fails the test instead, because CI must test everything.
    """

    def require(*names: str) -> list[Path]:
        paths = []
        for name in names:
            try:
                paths.append(datastore.fetch(name))
            except datastore.DataUnavailableError as exc:
                lines = str(exc).splitlines()
                fix = " ".join(lines[next(i for i, x in enumerate(lines) if x.startswith("How to fix")) :])
                reason = f"course data {name!r} cannot be had here. {fix}"
                if in_ci():
                    pytest.fail(f"CI needs {name!r} (it sets ML2DL_DATA_MIRROR): {exc}")
                pytest.skip(reason)
        return paths

    return require


# Debian's Chromium, driven by Playwright (make test-site, make test-ui). The flags keep it off the
# network it has no business with (updates, sync, Google's services) so that every request a page
# makes is one the test can account for.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (``ML2DL_CHROMIUM``, default /usr/bin/chromium) for the browser tests."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("ML2DL_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(f"{executable} not found: install Debian's Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
