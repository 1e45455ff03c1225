"""helpers.tfdata: uint8 images in, scaled float32 mini-batches out, reshuffled by index."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from helpers import tfdata  # noqa: E402


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(250, 28, 28), dtype=np.uint8)
    labels = np.arange(250) % 10
    return images, labels


def collect(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds], strict=True)
    return np.concatenate(xs), np.concatenate(ys)


def test_batches_are_scaled_float32_images_with_a_channel_axis(digits):
    images, labels = digits
    x, y = collect(tfdata.image_batches(images, labels, 100))
    assert x.shape == (250, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[..., 0], images / 255.0, rtol=1e-6)  # unshuffled: same order
    np.testing.assert_array_equal(y, labels)
    assert [int(b[1].shape[0]) for b in tfdata.image_batches(images, labels, 100)] == [100, 100, 50]


def test_flatten_gives_vectors_for_dense_networks(digits):
    images, labels = digits
    x, _ = collect(tfdata.image_batches(images, labels, 64, flatten=True))
    assert x.shape == (250, 784)
    np.testing.assert_allclose(x, images.reshape(250, -1) / 255.0, rtol=1e-6)


def test_shuffle_keeps_pairs_covers_everything_and_reshuffles_each_epoch(digits):
    images, labels = digits
    ds = tfdata.image_batches(images, labels, 32, shuffle=True, seed=3)
    (x1, y1), (x2, y2) = collect(ds), collect(ds)
    for x, y in ((x1, y1), (x2, y2)):
        # every image exactly once, still with its own label
        index = {img.tobytes(): i for i, img in enumerate(images)}
        found = [index[np.round(img[..., 0] * 255).astype(np.uint8).tobytes()] for img in x]
        assert sorted(found) == list(range(250))
        np.testing.assert_array_equal(y, labels[found])
    assert not np.array_equal(y1, y2)  # a new order in the second epoch
    x3, _ = collect(tfdata.image_batches(images, labels, 32, shuffle=True, seed=3))
    np.testing.assert_array_equal(x3, x1)  # same seed, same sequence of orders


def test_one_tensor_per_numpy_array_however_many_pipelines(digits):
    images, labels = digits
    first = tfdata.as_tensor(images)
    assert tfdata.as_tensor(images) is first
    assert tfdata.as_tensor(images.copy()) is not first  # another array, another tensor


def test_float_images_are_refused_with_a_hint(digits):
    images, labels = digits
    with pytest.raises(TypeError, match="expects uint8 images"):
        tfdata.image_batches(images / 255.0, labels, 10)


def test_length_mismatch_is_refused(digits):
    images, labels = digits
    with pytest.raises(ValueError, match="250 images but 249 labels"):
        tfdata.image_batches(images, labels[:-1], 10)
