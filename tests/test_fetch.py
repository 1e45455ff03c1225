"""helpers.datastore.fetch: cache, mirrors, verified downloads and the errors a student sees."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import closed_port_url, entry_for, mirrors_with_checksums

from helpers import datastore

GOOD = b"population,profit\n6.1101,17.592\n5.5277,9.1302\n"
BAD = b"population,profit\n6.1101,17.592\n5.5277,9.9999\n"  # same size, one digit changed


def test_verified_cached_copy_is_used_without_any_network(isolated, fake_registry):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    cached = isolated / "cache" / "toy.txt"
    cached.parent.mkdir()
    cached.write_bytes(GOOD)
    assert datastore.fetch("toy.txt") == cached
    assert cached.read_bytes() == GOOD


def test_corrupted_cached_copy_is_deleted_and_replaced_from_the_mirror(isolated, fake_registry, monkeypatch):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    cached = isolated / "cache" / "toy.txt"
    cached.parent.mkdir()
    cached.write_bytes(BAD)
    mirror = isolated / "mirror"
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(GOOD)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(mirror))
    with pytest.warns(UserWarning, match="corrupted"):
        path = datastore.fetch("toy.txt")
    assert path.read_bytes() == GOOD


def test_corrupted_cached_copy_is_deleted_even_when_nothing_can_replace_it(isolated, fake_registry):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    cached = isolated / "cache" / "toy.txt"
    cached.parent.mkdir()
    cached.write_bytes(BAD)
    with pytest.warns(UserWarning), pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch("toy.txt")
    assert not cached.exists()
    assert "cached copy" in str(err.value) and "deleted" in str(err.value)


def test_mirror_copy_is_verified_and_copied_into_the_cache(isolated, fake_registry, monkeypatch):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    empty, mirror = isolated / "empty", isolated / "mirror"
    empty.mkdir()
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(GOOD)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", os.pathsep.join([str(empty), str(mirror)]))
    path = datastore.fetch("toy.txt")
    assert path == isolated / "cache" / "toy.txt"
    assert path.read_bytes() == GOOD
    assert (mirror / "toy.txt").read_bytes() == GOOD  # the mirror is left as it was
    assert [p.name for p in path.parent.iterdir()] == ["toy.txt"]  # no temp files left behind


@pytest.mark.parametrize(
    ("content", "reason"),
    [(BAD, "sha256"), (GOOD[:-7], "size")],
    ids=["corrupted", "truncated"],
)
def test_bad_mirror_copy_is_never_used(isolated, fake_registry, monkeypatch, content, reason):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    mirror = isolated / "mirror"
    mirror.mkdir()
    (mirror / "toy.txt").write_bytes(content)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(mirror))
    with pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch("toy.txt")
    message = str(err.value)
    assert str(mirror / "toy.txt") in message and "corrupted" in message and reason in message
    assert not (isolated / "cache" / "toy.txt").exists()


def test_debian_dataset_folder_is_a_mirror_for_entries_that_name_one(isolated, fake_registry):
    fake_registry["fashion/t.gz"] = entry_for(GOOD, [closed_port_url("t.gz")], debian_dir="fashion")
    folder = isolated / "debian" / "fashion"
    folder.mkdir(parents=True)
    (folder / "t.gz").write_bytes(GOOD)
    path = datastore.fetch("fashion/t.gz")
    assert path == isolated / "cache" / "fashion" / "t.gz"
    assert path.read_bytes() == GOOD


def test_download_is_verified_then_cached(isolated, fake_registry, http_server):
    www, base = http_server
    (www / "toy.txt").write_bytes(GOOD)
    fake_registry["toy.txt"] = entry_for(GOOD, [f"{base}/toy.txt"])
    path = datastore.fetch("toy.txt")
    assert path.read_bytes() == GOOD
    assert [p.name for p in path.parent.iterdir()] == ["toy.txt"]


def test_second_url_is_tried_when_the_first_fails(isolated, fake_registry, http_server):
    www, base = http_server
    (www / "toy.txt").write_bytes(GOOD)
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt"), f"{base}/toy.txt"])
    assert datastore.fetch("toy.txt").read_bytes() == GOOD


def test_download_with_wrong_hash_is_discarded_with_a_clear_error(isolated, fake_registry, http_server):
    www, base = http_server
    (www / "toy.txt").write_bytes(BAD)  # the server sends a corrupted file
    fake_registry["toy.txt"] = entry_for(GOOD, [f"{base}/toy.txt"])
    with pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch("toy.txt")
    assert "failed its checksum and was discarded" in str(err.value)
    cache = isolated / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []  # nothing bad kept, no temp files


def test_offline_error_names_the_file_the_urls_and_the_variable(isolated, fake_registry):
    urls = [closed_port_url("toy.txt"), closed_port_url("toy.txt")]
    fake_registry["toy.txt"] = entry_for(GOOD, urls)
    with pytest.raises(datastore.DataUnavailableError) as err:
        datastore.fetch("toy.txt")
    message = str(err.value)
    assert "'toy.txt'" in message
    for url in urls:
        assert url in message
    assert "ML2DL_DATA_MIRROR" in message


def test_unknown_file_name_lists_the_known_ones(isolated):
    with pytest.raises(KeyError, match=r"not in the course data registry.*ex1data1\.txt"):
        datastore.fetch("ex9data9.txt")


def test_real_registry_is_well_formed():
    hexdigest = re.compile(r"^[0-9a-f]{64}$")
    entries = datastore.registry()
    assert len(entries) == 12
    for name, entry in entries.items():
        assert entry["urls"], name
        assert all(u.startswith(("https://", "http://")) for u in entry["urls"]), name
        assert hexdigest.match(entry["sha256"]) and entry["size"] > 0, name
        if name.endswith(".gz"):  # every archive can be verified by its content too
            assert hexdigest.match(entry["content"]["sha256"]) and entry["content"]["size"] > 0, name
    for name in datastore.SMALL_FILES:
        assert name in entries


def test_registry_agrees_with_the_mirror_sha256sums():
    """Where an offline mirror with a SHA256SUMS file is configured (CI's is), it agrees with the registry."""
    folders = mirrors_with_checksums()
    if not folders:
        pytest.skip("no ML2DL_DATA_MIRROR folder with a SHA256SUMS file (CI sets one; nobody else needs it)")
    entries = datastore.registry()
    for mirror in folders:
        sums = dict(reversed(line.split()) for line in (mirror / "SHA256SUMS").read_text().splitlines())
        assert sums, f"{mirror}/SHA256SUMS is empty"
        for name, digest in sums.items():
            assert digest == entries[name]["sha256"], name
            assert (mirror / name).stat().st_size == entries[name]["size"], name


def test_command_line_fetch_reports_failures_with_exit_code(isolated, fake_registry, capsys):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")])
    assert datastore.main(["toy.txt"]) == 1
    err = capsys.readouterr().err
    assert "FAIL toy.txt" in err and "0 of 1 files ready; skipped (see FAIL above): toy.txt" in err
    (isolated / "cache" / "toy.txt").write_bytes(GOOD)  # fetch made the folder
    assert datastore.main(["toy.txt"]) == 0


@pytest.mark.parametrize(
    "name",
    [
        "../outside.txt",
        "sub/../../outside.txt",
        "..",
        "/etc/passwd",
        "C:/data.txt",
        "sub\\file.txt",
        "a/b/c.txt",
        "sub//file.txt",
        ".hidden",
        "sub/",
        "",
        "with space.txt",
        "x:y.txt",
    ],
)
def test_unsafe_registry_names_are_rejected(isolated, fake_registry, name):
    """Registry names become cache and mirror paths: only 'file' and 'sub/file' are allowed."""
    fake_registry[name] = entry_for(GOOD, [closed_port_url("toy.txt")])
    with pytest.raises(ValueError, match=r"is not allowed: use 'file' or 'sub/file'"):
        datastore.fetch(name)
    assert not any(isolated.parent.glob("outside.txt"))


def test_unsafe_debian_folder_is_rejected(isolated, fake_registry):
    fake_registry["toy.txt"] = entry_for(GOOD, [closed_port_url("toy.txt")], debian_dir="../etc")
    with pytest.raises(ValueError, match="debian_dir"):
        datastore.fetch("toy.txt")


def test_every_real_registry_name_is_safe():
    for name, entry in datastore.registry().items():
        assert datastore.check_name(name) == name
        if entry.get("debian_dir"):
            assert "/" not in datastore.check_name(entry["debian_dir"])


@pytest.mark.parametrize("variable", ["ML2DL_DATA_DIR", "ML2DL_DATA_MIRROR"])
def test_relative_data_folders_are_relative_to_the_repository_root(tmp_path, monkeypatch, variable):
    """A kernel runs in its notebook's folder; a relative setting must still mean one folder."""
    monkeypatch.setenv(variable, os.path.join("datasets", "my-folder"))
    expected = datastore.REPO_ROOT / "datasets" / "my-folder"
    seen = set()
    for cwd in (tmp_path, datastore.REPO_ROOT / "notebooks" / "day1", datastore.REPO_ROOT):
        monkeypatch.chdir(cwd)
        seen.add(datastore.cache_dir() if variable == "ML2DL_DATA_DIR" else datastore.mirror_dirs()[0])
    assert seen == {expected}


def test_absolute_and_home_data_folders_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("ML2DL_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ML2DL_DATA_MIRROR", os.pathsep.join([str(tmp_path / "m"), "~/mirror", " "]))
    assert datastore.cache_dir() == tmp_path / "cache"
    assert datastore.mirror_dirs() == [tmp_path / "m", Path("~/mirror").expanduser()]
