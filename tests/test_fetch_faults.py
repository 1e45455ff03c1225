"""Fault injection for helpers.datastore.fetch: broken downloads, servers, disks, caches and processes.

Only a server on loopback and monkeypatching; never the real internet.  In every case no partial
or wrong file is returned or left where it would be used (the cache path, or a temporary file of a
live process), and the error names the file, what happened and what to do.
"""

from __future__ import annotations

import errno
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pytest
from conftest import REPO_ROOT, closed_port_url, entry_for

from helpers import datastore

PAYLOAD = np.random.default_rng(1).integers(0, 256, size=600_000, dtype=np.uint8).tobytes()
NAME = "toy.bin"


# --------------------------------------------------------------------------------------------
# a loopback server whose every path misbehaves in its own way
# --------------------------------------------------------------------------------------------


class FaultyHandler(http.server.BaseHTTPRequestHandler):
    """Routes: ``self.server.routes[path] = (behaviour, payload)``; see do_GET."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        with server.lock:
            server.requests.append(self.path)
            server.active += 1
            server.max_active = max(server.max_active, server.active)
        try:
            behaviour, payload = server.routes.get(self.path, ("404", b""))
            self.serve(behaviour, payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with server.lock:
                server.active -= 1

    def serve(self, behaviour, payload):
        if behaviour in ("404", "500", "503"):
            self.send_error(int(behaviour))
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if behaviour != "short-no-length":
            self.send_header("Content-Length", str(len(payload)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        half = len(payload) // 2
        if behaviour == "full":
            self.wfile.write(payload)
        elif behaviour in ("cut", "short-no-length"):  # half the body, then the connection drops
            self.wfile.write(payload[:half])
            self.wfile.flush()
            self.close_connection = True
        elif behaviour == "together":  # wait until a second client asks, then send slowly
            self.server.barrier.wait(timeout=60)
            for i in range(0, len(payload), 50_000):
                self.wfile.write(payload[i : i + 50_000])
                self.wfile.flush()
                time.sleep(0.02)
        elif behaviour == "stall":  # half the body, then nothing until the test ends
            self.wfile.write(payload[:half])
            self.wfile.flush()
            self.server.release.wait(timeout=60)
            self.close_connection = True
        else:
            raise AssertionError(behaviour)


@pytest.fixture
def faulty_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FaultyHandler)
    server.daemon_threads = True
    server.routes, server.requests = {}, []
    server.lock, server.active, server.max_active = threading.Lock(), 0, 0
    server.barrier, server.release = threading.Barrier(2), threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = lambda path: f"http://127.0.0.1:{server.server_address[1]}/{path}"
    try:
        yield server
    finally:
        server.release.set()
        server.barrier.abort()
        server.shutdown()
        server.server_close()


def leftovers(folder):
    """Everything in the cache folder except the verified file itself (temporary files, ...)."""
    return sorted(p.name for p in folder.iterdir() if p.name != NAME) if folder.exists() else []


def fetch_error() -> str:
    """The message of the error that fetching NAME raises; it names the file and what to do."""
    with pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch(NAME)
    message = str(err.value)
    assert f"'{NAME}'" in message, "the error names the file"
    assert "How to fix:" in message
    return message


@pytest.fixture
def good_mirror(isolated, fake_registry, monkeypatch):
    """NAME in the registry with an offline URL, and a good copy in the one ML2DL_DATA_MIRROR folder."""
    fake_registry[NAME] = entry_for(PAYLOAD, [closed_port_url(NAME)])
    mirror = isolated / "mirror"
    mirror.mkdir()
    (mirror / NAME).write_bytes(PAYLOAD)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(mirror))
    return mirror


# --------------------------------------------------------------------------------------------
# the network and the servers
# --------------------------------------------------------------------------------------------


def test_download_cut_off_mid_body(isolated, fake_registry, faulty_server):
    faulty_server.routes["/cut"] = ("cut", PAYLOAD)
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("cut")])
    message = fetch_error()
    assert "cut off" in message and "run again" in message and "nothing partial was kept" in message
    assert not (isolated / "cache" / NAME).exists() and leftovers(isolated / "cache") == []


def test_download_cut_off_without_a_length_is_caught_by_its_size(isolated, fake_registry, faulty_server):
    """The server closes early without a Content-Length: the client sees no error, the size check does."""
    faulty_server.routes["/short"] = ("short-no-length", PAYLOAD)
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("short")])
    message = fetch_error()
    assert f"{len(PAYLOAD) // 2:,} bytes, expected {len(PAYLOAD):,}" in message and "discarded" in message
    assert leftovers(isolated / "cache") == [] and not (isolated / "cache" / NAME).exists()


@pytest.mark.parametrize("status", ["404", "500"])
def test_http_error_from_the_first_url_then_the_second_is_used(
    isolated, fake_registry, faulty_server, status
):
    faulty_server.routes["/bad"] = (status, b"")
    faulty_server.routes["/good"] = ("full", PAYLOAD)
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("bad"), faulty_server.url("good")])
    path = datastore.fetch(NAME)
    assert path == isolated / "cache" / NAME and path.read_bytes() == PAYLOAD
    assert faulty_server.requests == ["/bad", "/good"]
    assert leftovers(isolated / "cache") == []


@pytest.mark.parametrize(("status", "reason"), [("404", "Not Found"), ("500", "Internal Server Error")])
def test_http_error_on_every_url_says_so(isolated, fake_registry, faulty_server, status, reason):
    faulty_server.routes["/bad"] = (status, b"")
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("bad")])
    message = fetch_error()
    assert f"HTTP {status} {reason}" in message and "registry.json may be out of date" in message
    assert leftovers(isolated / "cache") == []


# --------------------------------------------------------------------------------------------
# the cache folder: read-only, full disk
# --------------------------------------------------------------------------------------------


@pytest.fixture
def read_only_cache(isolated, monkeypatch):
    """The cache folder exists and cannot be written to (also when the tests run as root)."""
    cache = isolated / "cache"
    cache.mkdir()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.realpath(dir).startswith(os.path.realpath(cache)):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    def unlink(path, *args, **kwargs):
        if os.path.realpath(path).startswith(os.path.realpath(cache)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    real_unlink = os.unlink
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "unlink", unlink)
    cache.chmod(0o555)
    yield cache
    cache.chmod(0o755)


def test_read_only_cache_folder_says_so_not_connect(good_mirror, read_only_cache):
    message = fetch_error()
    assert f"the cache folder {read_only_cache} is not writable" in message
    assert "ML2DL_DATA_DIR" in message and "connect to the internet" not in message
    assert list(read_only_cache.iterdir()) == []


def test_read_only_cache_still_serves_its_verified_copies(isolated, fake_registry, read_only_cache):
    """A verified copy in a cache nobody may write to is served, and fetch tries no write there (the
    fixture refuses every temporary file and deletion in it, also when the tests run as root, where
    chmod alone would change nothing)."""
    fake_registry[NAME] = entry_for(PAYLOAD, [closed_port_url(NAME)])
    read_only_cache.chmod(0o755)
    (read_only_cache / NAME).write_bytes(PAYLOAD)
    read_only_cache.chmod(0o555)
    assert datastore.fetch(NAME).read_bytes() == PAYLOAD
    assert sorted(p.name for p in read_only_cache.iterdir()) == [NAME]


def test_the_read_only_cache_fixture_refuses_writes_even_as_root(read_only_cache):
    """The control for the tests that use it: writing a temporary file or deleting in the cache
    fails whoever runs the tests."""
    with pytest.raises(PermissionError):
        tempfile.mkstemp(dir=read_only_cache)
    read_only_cache.chmod(0o755)
    (read_only_cache / "x").write_bytes(b"x")
    with pytest.raises(PermissionError):
        os.unlink(read_only_cache / "x")


def test_corrupted_copy_in_a_read_only_cache_is_never_used(isolated, fake_registry, monkeypatch):
    fake_registry[NAME] = entry_for(PAYLOAD, [closed_port_url(NAME)])
    cache = isolated / "cache"
    cache.mkdir()
    bad = cache / NAME
    bad.write_bytes(PAYLOAD[:-1] + b"!")

    def cannot_delete(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(datastore, "_discard", cannot_delete)
    message = fetch_error()
    assert f"cached copy {bad} is corrupted" in message and "could not be deleted" in message
    assert "ML2DL_DATA_DIR" in message and "connect to the internet" not in message


class DiskFullAfter:
    """A file object whose disk fills up after ``limit`` bytes (OSError ENOSPC from write)."""

    def __init__(self, f, limit):
        self.f, self.limit, self.written = f, limit, 0

    def write(self, chunk):
        if self.written + len(chunk) > self.limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(chunk)
        return self.f.write(chunk)

    def flush(self):
        self.f.flush()

    def close(self):
        self.f.close()


@pytest.fixture
def full_disk(monkeypatch):
    real_open_part = datastore._open_part
    monkeypatch.setattr(datastore, "_open_part", lambda fd: DiskFullAfter(real_open_part(fd), 100_000))


def assert_disk_full_message(message, cache):
    assert f"the disk holding the cache folder {cache} is full" in message
    assert "free at least 0.6 MB" in message and "ML2DL_DATA_DIR" in message
    assert "internet" not in message  # a full disk is not a network problem


def test_full_disk_while_downloading(isolated, fake_registry, faulty_server, full_disk):
    faulty_server.routes["/good"] = ("full", PAYLOAD)
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("good"), faulty_server.url("good")])
    assert_disk_full_message(fetch_error(), isolated / "cache")
    assert faulty_server.requests == ["/good"], "a full disk stops at once: another URL cannot help"
    assert leftovers(isolated / "cache") == [] and not (isolated / "cache" / NAME).exists()


def test_full_disk_while_copying_from_a_mirror(isolated, good_mirror, full_disk):
    assert_disk_full_message(fetch_error(), isolated / "cache")
    assert leftovers(isolated / "cache") == [] and not (isolated / "cache" / NAME).exists()


# --------------------------------------------------------------------------------------------
# several processes, killed processes, files that vanish
# --------------------------------------------------------------------------------------------

CHILD = """
import json, sys
from helpers import datastore
entries = json.loads(sys.argv[1])
datastore.registry = lambda: entries
print(datastore.fetch(sys.argv[2]), flush=True)
"""


def start_fetch(entries, cache):
    env = {k: v for k, v in os.environ.items() if k not in ("ML2DL_DATA_MIRROR",)}
    env.update(ML2DL_DATA_DIR=str(cache), PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(entries), NAME],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_fetch_the_same_file_at_once(isolated, faulty_server):
    faulty_server.routes["/together"] = ("together", PAYLOAD)
    entries = {NAME: entry_for(PAYLOAD, [faulty_server.url("together")])}
    cache = isolated / "cache"
    procs = [start_fetch(entries, cache) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == str(cache / NAME)
    assert faulty_server.max_active == 2, "both downloads ran at the same time"
    assert (cache / NAME).read_bytes() == PAYLOAD
    assert leftovers(cache) == []


def test_process_killed_mid_download_then_a_fresh_fetch(isolated, fake_registry, faulty_server):
    faulty_server.routes["/file"] = ("stall", PAYLOAD)
    entry = entry_for(PAYLOAD, [faulty_server.url("file")])
    cache = isolated / "cache"
    proc = start_fetch({NAME: entry}, cache)
    try:
        deadline = time.monotonic() + 60
        while not any(cache.glob(f".{NAME}.*.part")) or not any(
            p.stat().st_size > 0 for p in cache.glob(f".{NAME}.*.part")
        ):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    (part,) = cache.glob(f".{NAME}.*.part")  # what the killed process left: half a file
    assert 0 < part.stat().st_size < len(PAYLOAD)
    assert not (cache / NAME).exists(), "a partial download is never where fetch() looks"

    faulty_server.routes["/file"] = ("full", PAYLOAD)
    fake_registry[NAME] = entry
    path = datastore.fetch(NAME)
    assert path == cache / NAME and path.read_bytes() == PAYLOAD
    assert leftovers(cache) == [], "the dead process's temporary file is cleaned up"


def test_temporary_files_of_live_processes_are_left_alone(isolated, fake_registry, faulty_server):
    faulty_server.routes["/file"] = ("full", PAYLOAD)
    fake_registry[NAME] = entry_for(PAYLOAD, [faulty_server.url("file")])
    cache = isolated / "cache"
    cache.mkdir()
    busy = cache / f".{NAME}.{os.getppid()}.abc123.part"  # another live process is downloading
    busy.write_bytes(PAYLOAD[:10])
    assert datastore.fetch(NAME).read_bytes() == PAYLOAD
    assert busy.exists()


def test_corrupted_cached_copy_already_removed_by_another_process(isolated, good_mirror, monkeypatch):
    """Two kernels find the same bad copy; one deletes it first: the other must carry on."""
    cached = isolated / "cache" / NAME
    cached.parent.mkdir()
    cached.write_bytes(PAYLOAD[:-1] + b"!")
    real = datastore._problem_with

    def checked_then_removed_by_someone_else(path, entry):
        result = real(path, entry)
        if path == cached:
            os.remove(path)  # the other process's unlink
        return result

    monkeypatch.setattr(datastore, "_problem_with", checked_then_removed_by_someone_else)
    with pytest.warns(UserWarning, match="corrupted"):
        path = datastore.fetch(NAME)
    assert path.read_bytes() == PAYLOAD


def test_cached_copy_that_vanishes_while_it_is_checked(isolated, good_mirror, monkeypatch):
    cached = isolated / "cache" / NAME
    cached.parent.mkdir()
    cached.write_bytes(PAYLOAD)
    real = datastore._sha256
    vanished = []

    def removed_before_hashing(path):
        if path == cached and not vanished:
            vanished.append(path)
            os.remove(path)
        return real(path)

    monkeypatch.setattr(datastore, "_sha256", removed_before_hashing)
    path = datastore.fetch(NAME)
    assert vanished and path.read_bytes() == PAYLOAD


def test_unreadable_mirror_copy_is_skipped_with_the_reason(isolated, fake_registry, monkeypatch):
    fake_registry[NAME] = entry_for(PAYLOAD, [closed_port_url(NAME)])
    mirror = isolated / "mirror"
    (mirror / NAME).mkdir(parents=True)  # a folder where the file should be: "not in" that mirror
    bad_mirror = isolated / "bad"
    bad_mirror.mkdir()
    (bad_mirror / NAME).write_bytes(PAYLOAD)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", os.pathsep.join([str(mirror), str(bad_mirror)]))
    real_copy = datastore._copy_from

    def unreadable(source):
        def write(out):
            raise OSError(errno.EIO, "Input/output error", str(source))

        return write if source.parent == bad_mirror else real_copy(source)

    monkeypatch.setattr(datastore, "_copy_from", unreadable)
    message = fetch_error()
    assert f"{bad_mirror / NAME} could not be read (Input/output error); not used" in message
    assert leftovers(isolated / "cache") == []
