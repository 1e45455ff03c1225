"""Verification by content: a faithful recompression of a registry archive is accepted (cache or
mirror), a copy with one changed byte of content is rejected and never used, and the verdict
sidecar never lets a changed file through."""

from __future__ import annotations

import gzip
import io
import json
import os

import numpy as np
import pytest
from conftest import closed_port_url, gzip_entry_for

from helpers import datastore

RAW = np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8).tobytes()


def gz(raw: bytes, level: int = 6, mtime: int = 0, name: str = "") -> bytes:
    """gzip ``raw`` with a given compression level, header mtime and stored file name."""
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", compresslevel=level, fileobj=out, mtime=mtime) as f:
        f.write(raw)
    return out.getvalue()


CANONICAL = gz(RAW, level=6, mtime=1_000_000, name="toy")
REPACKED = gz(RAW, level=9, mtime=0)  # same content, other archive bytes (like the MNIST mirror)
ONE_PIXEL = bytearray(RAW)
ONE_PIXEL[2000] ^= 0x01
TAMPERED = gz(bytes(ONE_PIXEL), level=9, mtime=0)  # one changed "pixel"


@pytest.fixture
def toy(isolated, fake_registry, monkeypatch):
    """A gzip registry entry that cannot be downloaded, and an empty mirror folder."""
    fake_registry["toy.gz"] = gzip_entry_for(CANONICAL, RAW, [closed_port_url("toy.gz")])
    mirror = isolated / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(mirror))
    return mirror


def test_the_test_archives_really_differ():
    assert CANONICAL != REPACKED and gzip.decompress(CANONICAL) == gzip.decompress(REPACKED) == RAW
    assert gzip.decompress(TAMPERED) != RAW and len(gzip.decompress(TAMPERED)) == len(RAW)


def test_recompressed_mirror_copy_is_accepted_by_content(toy, isolated):
    (toy / "toy.gz").write_bytes(REPACKED)
    path = datastore.fetch("toy.gz")
    assert path == isolated / "cache" / "toy.gz"
    assert path.read_bytes() == REPACKED
    verdict = json.loads(datastore.verdict_file(path).read_text())
    assert verdict["content_sha256"] == datastore.registry()["toy.gz"]["content"]["sha256"]


def test_recompressed_cached_copy_is_accepted_without_any_mirror(toy, isolated):
    cached = isolated / "cache" / "toy.gz"
    cached.parent.mkdir()
    cached.write_bytes(REPACKED)
    assert datastore.fetch("toy.gz") == cached
    assert cached.read_bytes() == REPACKED


def test_a_copy_with_one_changed_pixel_is_rejected_and_never_used(toy, isolated):
    (toy / "toy.gz").write_bytes(TAMPERED)
    with pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch("toy.gz")
    message = str(err.value)
    assert str(toy / "toy.gz") in message and "decompressed content" in message
    assert not (isolated / "cache" / "toy.gz").exists()
    assert [p.name for p in (isolated / "cache").iterdir()] == []  # no temp file, no verdict


def test_a_cached_copy_with_one_changed_pixel_is_deleted(toy, isolated):
    cached = isolated / "cache" / "toy.gz"
    cached.parent.mkdir()
    cached.write_bytes(TAMPERED)
    (toy / "toy.gz").write_bytes(REPACKED)
    with pytest.warns(UserWarning, match="corrupted"):
        path = datastore.fetch("toy.gz")
    assert path.read_bytes() == REPACKED  # replaced by the good mirror copy


def test_a_damaged_gzip_stream_is_rejected(toy):
    (toy / "toy.gz").write_bytes(REPACKED[:-20])
    with pytest.raises(datastore.DataUnavailableError, match="not a readable gzip file|decompressed content"):
        datastore.fetch("toy.gz")


def test_a_verdict_does_not_survive_a_change_to_the_file(toy, isolated):
    (toy / "toy.gz").write_bytes(REPACKED)
    path = datastore.fetch("toy.gz")
    assert datastore.verdict_file(path).is_file()
    # Swap in tampered bytes while keeping size and mtime: the stale verdict must not vouch for it.
    stat = path.stat()
    path.write_bytes(TAMPERED[: len(REPACKED)].ljust(len(REPACKED), b"\0"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.remove(toy / "toy.gz")
    with pytest.warns(UserWarning, match="corrupted"), pytest.raises(datastore.DataUnavailableError):
        datastore.fetch("toy.gz")
    assert not path.exists() and not datastore.verdict_file(path).exists()


def test_a_remembered_verdict_skips_decompression(toy, monkeypatch):
    (toy / "toy.gz").write_bytes(REPACKED)
    datastore.fetch("toy.gz")
    calls = []
    real = datastore._content_digest
    monkeypatch.setattr(datastore, "_content_digest", lambda p: calls.append(p) or real(p))
    datastore.fetch("toy.gz")
    assert calls == []


def test_plain_files_have_no_content_rule(isolated, fake_registry, monkeypatch):
    """A text file must match its sha256 exactly: there is no 'content' to fall back on."""
    fake_registry["toy.gz"] = gzip_entry_for(CANONICAL, RAW, [closed_port_url("toy.gz")])
    del fake_registry["toy.gz"]["content"]
    mirror = isolated / "mirror"
    mirror.mkdir()
    (mirror / "toy.gz").write_bytes(REPACKED)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(mirror))
    with pytest.raises(datastore.DataUnavailableError, match="corrupted"):
        datastore.fetch("toy.gz")


def test_downloads_must_be_the_canonical_archive(isolated, fake_registry, http_server):
    """Content verification is for local copies; a download that is not the canonical file is refused."""
    www, base = http_server
    (www / "toy.gz").write_bytes(REPACKED)
    fake_registry["toy.gz"] = gzip_entry_for(CANONICAL, RAW, [f"{base}/toy.gz"])
    with pytest.raises(datastore.DataUnavailableError, match="failed its checksum"):
        datastore.fetch("toy.gz")
    (www / "toy.gz").write_bytes(CANONICAL)
    assert datastore.fetch("toy.gz").read_bytes() == CANONICAL
