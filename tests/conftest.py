"""Shared fixtures. No test touches the real internet: download tests use a server on loopback
and "offline" URLs point at a closed loopback port."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import socket
import threading
from pathlib import Path

import pytest

from helpers import data

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_mirror() -> Path | None:
    """The offline mirror CI uses (ML2DL_DATA_MIRROR, or ../shared/datasets beside the repo)."""
    candidates = [Path(p) for p in os.environ.get("ML2DL_DATA_MIRROR", "").split(os.pathsep) if p]
    candidates.append(REPO_ROOT.parent / "shared" / "datasets")
    for folder in candidates:
        if (folder / "SHA256SUMS").is_file():
            return folder
    return None


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
    monkeypatch.setattr(data, "DEBIAN_DATASETS", tmp_path / "debian")
    return tmp_path


@pytest.fixture
def fake_registry(monkeypatch):
    """Replace the registry with a dict the test fills in."""
    entries: dict[str, dict] = {}
    monkeypatch.setattr(data, "registry", lambda: entries)
    return entries


@pytest.fixture
def offline_registry(monkeypatch):
    """The real registry with every URL replaced by a closed loopback port."""
    real = data.registry()
    entries = {name: dict(e, urls=[closed_port_url(Path(name).name)]) for name, e in real.items()}
    monkeypatch.setattr(data, "registry", lambda: entries)
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
def mirror(monkeypatch, tmp_path):
    """The real offline mirror, with a private empty cache."""
    folder = find_mirror()
    if folder is None:
        pytest.fail(
            "No offline data mirror: set ML2DL_DATA_MIRROR to a folder with the course data "
            "(CI uses ../shared/datasets) to run the loader tests."
        )
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(folder))
    monkeypatch.setenv("ML2DL_DATA_DIR", str(tmp_path / "cache"))
    return folder
