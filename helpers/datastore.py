"""Course data files: a checksummed registry and one verified ``fetch``.

Every file the course reads is listed in ``datasets/registry.json`` with its size, sha256 and
download URLs.  :func:`fetch` returns a verified local copy, looking in this order:

1. the cache folder (``ML2DL_DATA_DIR``, default ``datasets/cache/`` in the repo);
2. offline mirror folders (``ML2DL_DATA_MIRROR``, several separated by ``os.pathsep``) and the
   Debian dataset folder ``/usr/share/datasets/<name>/``;
3. the registry's URLs, downloaded by pooch with a progress bar to a temporary file that is
   checked before it is moved into the cache.

A copy is accepted when it is byte-identical to the canonical download, or (gzip files only)
when its *decompressed content* has the registry's sha256 and size: a faithful recompression of
the same data is as good as the original.  Downloads must be the canonical archive.  A file that
fails both checks is never used: a bad cached copy is deleted, a bad mirror copy is skipped, a
bad download is discarded, and the final error lists each of them.

Relative values of ``ML2DL_DATA_DIR`` and ``ML2DL_DATA_MIRROR`` are taken relative to the
repository root (not to the folder a notebook's kernel runs in), so every notebook shares one cache.

Faults never leave a bad file where it would be used: every copy or download is written to a
private temporary file (``.<name>.<pid>.<random>.part``) beside the cache copy, checked, and only
then renamed onto it (an atomic step, so two processes fetching the same file at once each install
a complete, verified copy).  Temporary files of processes that were killed are removed by the next
fetch.  The error names the file, what went wrong (no connection, an HTTP error, a cut-off
download, a full disk, a read-only cache folder...) and what to do about it.

Run ``python -m helpers.datastore`` to pre-fetch the small files the quick profile needs.  The
loaders that notebooks call (the Day 1 tables, MNIST, Fashion-MNIST) are in :mod:`helpers.data`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

import pooch

REPO_ROOT = Path(__file__).resolve().parents[1]
REGISTRY_PATH = REPO_ROOT / "datasets" / "registry.json"
DEFAULT_CACHE = REPO_ROOT / "datasets" / "cache"
DEBIAN_DATASETS = Path("/usr/share/datasets")

#: Files the quick profile needs; ``make lab`` / ``make test`` fetch them up front.
SMALL_FILES = (
    "ex1data1.txt",
    "ex1data2.txt",
    "ex2data1.txt",
    "ex2data2.txt",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


class DataUnavailableError(RuntimeError):
    """No verified copy of a data file could be found or downloaded."""


# --------------------------------------------------------------------------------------------
# registry and fetch
# --------------------------------------------------------------------------------------------


@functools.cache
def registry() -> dict:
    """The parsed ``datasets/registry.json``: ``{file name: entry}``."""
    with open(REGISTRY_PATH, encoding="utf-8") as f:
        return json.load(f)["files"]


def _repo_path(value: str) -> Path:
    """``value`` as a path; a relative one is taken relative to the repository root."""
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def cache_dir() -> Path:
    """Folder where verified copies are kept (``ML2DL_DATA_DIR`` or ``datasets/cache``).

    A relative ``ML2DL_DATA_DIR`` is relative to the repository root, whatever the current folder.
    """
    value = os.environ.get("ML2DL_DATA_DIR", "")
    return _repo_path(value) if value.strip() else DEFAULT_CACHE


def mirror_dirs() -> list[Path]:
    """Offline mirror folders from ``ML2DL_DATA_MIRROR`` (``os.pathsep``-separated).

    Relative folders are relative to the repository root, whatever the current folder.
    """
    value = os.environ.get("ML2DL_DATA_MIRROR", "")
    return [_repo_path(p) for p in value.split(os.pathsep) if p.strip()]


#: One path segment of a registry name: starts with a letter or digit; letters, digits, ``._-``.
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_name(name: str, what: str = "registry name") -> str:
    """Return ``name`` if it is a safe registry name, else raise ``ValueError`` saying why.

    Registry names are joined into cache and mirror paths, so only the documented forms are
    allowed: ``file`` or ``sub/file`` (one sub-folder, ``/`` as the separator), each part
    starting with a letter or digit and made of letters, digits, ``.``, ``_`` and ``-``.  That
    rules out ``..``, absolute paths, backslashes, drive letters and other separators.
    """
    parts = name.split("/") if isinstance(name, str) else []
    if not parts or len(parts) > 2 or not all(_SEGMENT.match(p) and ".." not in p for p in parts):
        raise ValueError(
            f"{what} {name!r} is not allowed: use 'file' or 'sub/file' (one sub-folder, '/' as "
            "separator; each part starts with a letter or digit and contains only letters, digits, "
            "'.', '_' and '-'; no '..', no absolute path, no backslash)"
        )
    return name


def _entry(filename: str) -> dict:
    try:
        entry = registry()[filename]
    except KeyError:
        known = ", ".join(sorted(registry()))
        raise KeyError(
            f"{filename!r} is not in the course data registry ({REGISTRY_PATH}). Known files: {known}"
        ) from None
    check_name(filename)
    if entry.get("debian_dir"):
        check_name(entry["debian_dir"], f"debian_dir of {filename!r}")
        if "/" in entry["debian_dir"]:
            raise ValueError(
                f"debian_dir of {filename!r} must be one folder name, got {entry['debian_dir']!r}"
            )
    return entry


def _sha256(path: Path) -> str:
    return pooch.file_hash(str(path), alg="sha256")


def _content_digest(path: Path) -> tuple[str, int]:
    """sha256 and length of a gzip file's decompressed content, read in 1 MB chunks."""
    h, n = hashlib.sha256(), 0
    with gzip.open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def verdict_file(path: Path) -> Path:
    """The sidecar that remembers "this archive's decompressed content was verified".

    It holds the archive's own sha256 next to the content sha256 it was checked against, so a
    later check only re-hashes the archive (~20 ms for MNIST's 10 MB) instead of decompressing and
    hashing 47 MB again; any change to the archive changes its sha256 and voids the verdict.
    """
    return path.with_name(f".{path.name}.verified.json")


def _canonical_problem(path: Path, entry: dict) -> tuple[str | None, str]:
    """``(None, sha256)`` if ``path`` is byte-identical to the canonical download, else why not."""
    size = path.stat().st_size
    if size != entry["size"] and "content" not in entry:
        return f"size {size:,} bytes, expected {entry['size']:,}", ""  # no need to hash it
    digest = _sha256(path)
    if size == entry["size"] and digest == entry["sha256"]:
        return None, digest
    if size != entry["size"]:
        return f"size {size:,} bytes, expected {entry['size']:,}", digest
    return f"sha256 {digest[:12]}… does not match the registry", digest


def _problem_with(path: Path, entry: dict) -> tuple[str | None, str]:
    """``(None, archive sha256)`` if ``path`` is a good copy of the entry, else ``(why not, sha256)``.

    A copy is good when it is byte-identical to the canonical download (``sha256``/``size``) or,
    for entries with ``content``, when its decompressed bytes have the content's sha256 and size
    (a faithful recompression, e.g. Debian's Fashion-MNIST or the offline MNIST mirror).
    """
    problem, digest = _canonical_problem(path, entry)
    content = entry.get("content")
    if problem is None or content is None:
        return problem, digest
    try:
        remembered = json.loads(verdict_file(path).read_text(encoding="utf-8"))
        if remembered == {"archive_sha256": digest, "content_sha256": content["sha256"]}:
            return None, digest
    except (OSError, ValueError):
        pass
    try:
        got, length = _content_digest(path)
    except (OSError, EOFError, zlib.error) as exc:
        return f"not the canonical archive and not a readable gzip file ({exc})", digest
    if length != content["size"] or got != content["sha256"]:
        return (
            f"not the canonical archive, and its decompressed content ({length:,} bytes, sha256 "
            f"{got[:12]}…) differs from the registry's ({content['size']:,} bytes, "
            f"{content['sha256'][:12]}…)",
            digest,
        )
    return None, digest


def _remember(path: Path, entry: dict, digest: str) -> None:
    """Write the verdict sidecar for a verified cache copy that is not the canonical archive."""
    if "content" not in entry or digest == entry["sha256"]:
        return
    side = verdict_file(path)
    record = {"archive_sha256": digest, "content_sha256": entry["content"]["sha256"]}
    try:
        fd, tmp = tempfile.mkstemp(dir=side.parent, prefix=side.name + ".")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, side)
    except OSError:  # a read-only cache still works, it only re-checks the content next time
        pass


def _discard(path: Path) -> None:
    """Delete a bad copy and its verdict; a copy another process already removed is no error."""
    path.unlink(missing_ok=True)
    verdict_file(path).unlink(missing_ok=True)


def _local_candidates(filename: str, entry: dict) -> list[Path]:
    folders = [m / filename for m in mirror_dirs()]
    if entry.get("debian_dir"):
        folders.append(DEBIAN_DATASETS / entry["debian_dir"] / Path(filename).name)
    return folders


# --------------------------------------------------------------------------------------------
# faults: temporary files, the cache's own errors, and what to tell the student
# --------------------------------------------------------------------------------------------

_DISK_FULL = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}

FIX_CONNECT = (
    "connect to the internet and run again, or copy the file (it is checked by sha256) into a folder "
    f"and set ML2DL_DATA_MIRROR to that folder (several folders separated by {os.pathsep!r})."
)
FIX_SERVER = (
    "the server refused or failed (see above): run again later; if it keeps failing, the URL in "
    "datasets/registry.json may be out of date, or copy the file into a folder and set "
    "ML2DL_DATA_MIRROR to that folder."
)
FIX_CUT = "the connection dropped during the download (nothing partial was kept): run again."
FIX_CHECKSUM = (
    "the server sent a different file (a proxy's or captive portal's page, or the file changed "
    "upstream): try another network, or copy a good copy into a folder and set ML2DL_DATA_MIRROR."
)


class _CacheWriteError(Exception):
    """Writing into the cache folder failed (full disk, read-only folder...): no source can help."""

    def __init__(self, exc: OSError):
        super().__init__(str(exc))
        self.exc = exc


class _Rejected(Exception):
    """A copy or download was complete but failed verification (the reason is the message)."""


class _PartFile:
    """The file object a copy or download writes to; an OSError while writing is the cache's."""

    def __init__(self, f):
        self._f = f

    def write(self, data: bytes) -> int:
        try:
            return self._f.write(data)
        except OSError as exc:
            raise _CacheWriteError(exc) from exc

    def flush(self) -> None:
        try:
            self._f.flush()
        except OSError as exc:
            raise _CacheWriteError(exc) from exc


def _open_part(fd: int):
    """Open a new temporary file's descriptor for writing (a seam for fault-injection tests)."""
    return os.fdopen(fd, "wb")


def _part_prefix(target: Path) -> str:
    return f".{target.name}."


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def _remove_stale_parts(target: Path) -> list[Path]:
    """Delete temporary files left beside ``target`` by processes that no longer run
    (a download killed half-way); return what was removed."""
    removed = []
    prefix = _part_prefix(target)
    try:
        leftovers = [p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.suffix == ".part"]
    except OSError:
        return removed
    for part in leftovers:
        pid = part.name[len(prefix) :].split(".", 1)[0]
        stale = not _process_alive(int(pid)) if pid.isdigit() else False
        if os.name == "nt":  # no cheap liveness test: a day-old temporary file is abandoned
            try:
                stale = time.time() - part.stat().st_mtime > 86400
            except OSError:
                stale = False
        if stale:
            try:
                part.unlink(missing_ok=True)
                removed.append(part)
            except OSError:
                pass
    return removed


def _install(target: Path, entry: dict, write, canonical_only: bool = False) -> Path:
    """Write a new copy with ``write(file)`` into this process's temporary file beside ``target``,
    verify it, and rename it onto ``target``; the temporary file never outlives the call.

    Raises :class:`_Rejected` for a copy that fails verification, :class:`_CacheWriteError` when the
    cache folder cannot take it; other exceptions (a download or read error) pass through.
    """
    try:
        fd, tmp = tempfile.mkstemp(
            dir=target.parent, prefix=_part_prefix(target) + f"{os.getpid()}.", suffix=".part"
        )
    except OSError as exc:
        raise _CacheWriteError(exc) from exc
    part = Path(tmp)
    try:
        try:
            f = _open_part(fd)
        except OSError as exc:
            os.close(fd)
            raise _CacheWriteError(exc) from exc
        try:
            write(_PartFile(f))
        finally:
            try:
                f.close()
            except OSError as exc:
                raise _CacheWriteError(exc) from exc
        # downloads must be the canonical archive, byte for byte; local copies may be recompressed
        problem, digest = (_canonical_problem if canonical_only else _problem_with)(part, entry)
        if problem:
            raise _Rejected(problem)
        with contextlib.suppress(OSError):  # mkstemp made it private; a cache may be shared (read-only)
            os.chmod(part, 0o644)
        try:
            os.replace(part, target)
        except OSError as exc:
            raise _CacheWriteError(exc) from exc
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    _remember(target, entry, digest)
    return target


def _copy_from(source: Path):
    def write(out) -> None:
        with open(source, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)

    return write


def _download_from(url: str):
    def write(out) -> None:
        pooch.HTTPDownloader(progressbar=True)(url, out, None)

    return write


def _download_problem(exc: Exception) -> tuple[str, str]:
    """``(what happened, how to fix it)`` for a failed download."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        r = exc.response
        return f"the server answered HTTP {r.status_code} {r.reason}".rstrip(), FIX_SERVER
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return f"the download was cut off before the end ({exc})", FIX_CUT
    if isinstance(exc, requests.Timeout):
        return f"the server did not answer in time ({exc})", FIX_CONNECT
    if isinstance(exc, requests.ConnectionError):
        return f"no connection: {type(exc).__name__}: {exc}", FIX_CONNECT
    return f"{type(exc).__name__}: {exc}", FIX_CONNECT


def _cache_error(filename: str, entry: dict, folder: Path, exc: OSError, notes: list[str]):
    """The error for a cache folder that cannot take the file: the fix is local, not the network."""
    need = entry["size"] / 1e6
    if exc.errno in _DISK_FULL:
        what = f"the disk holding the cache folder {folder} is full ({exc.strerror or exc})"
        fix = (
            f"free at least {need:.1f} MB on that disk, or set ML2DL_DATA_DIR to a folder on a disk "
            "with room, then run again."
        )
    elif isinstance(exc, PermissionError) or exc.errno in _NOT_WRITABLE:
        what = f"the cache folder {folder} is not writable ({exc.strerror or exc})"
        fix = (
            f"make {folder} writable, or set ML2DL_DATA_DIR to a folder you can write to "
            "(e.g. ML2DL_DATA_DIR=~/ml2dl-data), then run again."
        )
    else:
        what = f"writing into the cache folder {folder} failed ({exc.strerror or exc})"
        fix = (
            "check that folder (disk, permissions), or set ML2DL_DATA_DIR to another folder, then run again."
        )
    return _unavailable(filename, entry, [*notes, what], [fix])


def _unavailable(filename: str, entry: dict, notes: list[str], fixes: list[str]) -> DataUnavailableError:
    mirrors = os.environ.get("ML2DL_DATA_MIRROR") or "(not set)"
    tried = "\n".join(f"  - {n}" for n in notes) or "  - (nothing: no mirror folder and no URL)"
    fixes = list(dict.fromkeys(fixes)) or [FIX_CONNECT]
    how = fixes[0] if len(fixes) == 1 else "\n" + "\n".join(f"  - {f}" for f in fixes)
    return DataUnavailableError(
        f"Could not get {filename!r} ({entry.get('description', 'course data')}).\n"
        f"Tried:\n{tried}\n"
        f"ML2DL_DATA_MIRROR = {mirrors}\n"
        f"How to fix: {how}"
    )


def fetch(filename: str) -> Path:
    """Return the path of a verified local copy of a registry file, obtaining it if needed.

    Raises :class:`DataUnavailableError` naming the file, every place tried, what went wrong and
    what to do when no verified copy can be had.
    """
    entry = _entry(filename)
    target = cache_dir() / filename
    notes: list[str] = []
    fixes: list[str] = []

    if target.is_file():
        try:
            problem, digest = _problem_with(target, entry)
        except FileNotFoundError:  # another process removed it meanwhile: obtain it anew
            problem, digest = None, ""
            notes.append(f"cached copy {target} disappeared while it was checked")
        else:
            if problem is None:
                _remember(target, entry, digest)
                return target
            try:
                _discard(target)
            except OSError as exc:
                raise _cache_error(
                    filename,
                    entry,
                    target.parent,
                    exc,
                    [*notes, f"cached copy {target} is corrupted ({problem}) and could not be deleted"],
                ) from None
            msg = f"cached copy {target} is corrupted ({problem}); it was deleted"
            warnings.warn(msg + " and will be fetched again.", stacklevel=2)
            notes.append(msg)

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cache_error(filename, entry, target.parent, exc, notes) from None
    _remove_stale_parts(target)

    for source in _local_candidates(filename, entry):
        if not source.is_file():
            notes.append(f"not in {source.parent}")
            continue
        # Verify the copy, not the source: what ends up in the cache is what was checked.
        try:
            return _install(target, entry, _copy_from(source))
        except _Rejected as exc:
            notes.append(f"{source} is corrupted ({exc}); not used")
        except _CacheWriteError as exc:
            raise _cache_error(filename, entry, target.parent, exc.exc, notes) from None
        except OSError as exc:
            notes.append(f"{source} could not be read ({exc.strerror or exc}); not used")

    for url in entry["urls"]:
        try:
            return _install(target, entry, _download_from(url), canonical_only=True)
        except _Rejected as exc:
            notes.append(f"download from {url} failed its checksum and was discarded ({exc})")
            fixes.append(FIX_CHECKSUM)
        except _CacheWriteError as exc:
            raise _cache_error(filename, entry, target.parent, exc.exc, notes) from None
        except Exception as exc:  # no network, HTTP error, cut-off download, ...
            what, fix = _download_problem(exc)
            notes.append(f"download from {url} failed: {what}")
            fixes.append(fix)

    raise _unavailable(filename, entry, notes, fixes)


# --------------------------------------------------------------------------------------------
# command line: python -m helpers.datastore [--all | FILE ...]
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.datastore",
        description="Fetch and verify course data files (default: the small quick-profile set).",
    )
    parser.add_argument("files", nargs="*", help="registry file names (default: the small set)")
    parser.add_argument("--all", action="store_true", help="every file in the registry")
    args = parser.parse_args(argv)
    names = sorted(registry()) if args.all else (args.files or list(SMALL_FILES))
    failed = []
    for name in names:
        try:
            print(f"ok   {fetch(name)}")
        except (DataUnavailableError, KeyError, ValueError) as exc:
            failed.append(name)
            print(f"FAIL {name}\n{exc}", file=sys.stderr)
    if failed:
        ready = f"{len(names) - len(failed)} of {len(names)} files ready"
        print(f"{ready}; skipped (see FAIL above): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
