"""Mini-batch input pipelines for the TensorFlow notebooks (Day 2 softmax/DNN, Day 3 CNNs).

The course's image sets stay ``uint8`` in memory (60,000 MNIST digits are 47 MB; as float32 they
would be 188 MB) and every pipeline turns one mini-batch at a time into float32 in [0, 1].  Shuffling
permutes *indices* and gathers each batch from one shared tensor, instead of ``tf.data``'s usual
``from_tensor_slices(images).shuffle(n)``, which keeps a second copy of every image in its
shuffle buffer (measured on full MNIST: ~150 MB more per pipeline, and more each time a pipeline
is built).  Imports TensorFlow on first use only, so the numpy notebooks do not pay for it.
"""

from __future__ import annotations

import weakref

import numpy as np

#: id(numpy array) -> (weak reference to the array, the tensor made from it): building many
#: pipelines over the same array (one per model) makes one tensor, not one copy per pipeline.
_TENSORS: dict[int, tuple[weakref.ref, object]] = {}


def as_tensor(array):
    """``array`` as a tensor, made once per numpy array (later calls return the same tensor)."""
    import tensorflow as tf

    if isinstance(array, tf.Tensor):
        return array
    if not isinstance(array, np.ndarray):
        return tf.convert_to_tensor(array)
    key = id(array)
    hit = _TENSORS.get(key)
    if hit is not None and hit[0]() is array:
        return hit[1]
    tensor = tf.convert_to_tensor(array)
    _TENSORS[key] = (weakref.ref(array, lambda _ref, key=key: _TENSORS.pop(key, None)), tensor)
    return tensor


def scale_images(images, flatten: bool = False):
    """uint8 images (..., h, w) -> float32 in [0, 1]: (..., h, w, 1), or (..., h * w) if ``flatten``.

    Works on numpy arrays and tensors alike (returns a tensor).
    """
    import tensorflow as tf

    x = tf.cast(images, tf.float32) / 255.0
    if flatten:
        return tf.reshape(x, (-1, int(np.prod(x.shape[-2:]))))
    return x[..., None]


def image_batches(
    images, labels, batch_size: int, *, shuffle: bool = False, seed: int = 42, flatten: bool = False
):
    """A ``tf.data`` pipeline of ``(x, y)`` mini-batches over uint8 images and integer labels.

    ``shuffle=True`` draws a new order every epoch (``reshuffle_each_iteration``); a fixed ``seed``
    (combined with the global seed of ``helpers.set_seed``) makes the sequence of orders repeatable.
    Each batch is scaled by :func:`scale_images` (``flatten=True`` for Day 2's dense networks).
    """
    import tensorflow as tf

    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels: they must be the same length")
    dtype = getattr(images, "dtype", None)
    if dtype is None or np.dtype(getattr(dtype, "as_numpy_dtype", dtype)) != np.uint8:
        raise TypeError(
            f"image_batches expects uint8 images (0..255), got {images.dtype}: pass the images as loaded "
            "by helpers.data, not already scaled floats"
        )
    x, y = as_tensor(images), as_tensor(labels)
    n = int(x.shape[0])
    ds = tf.data.Dataset.range(n)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(
        lambda idx: (scale_images(tf.gather(x, idx), flatten), tf.gather(y, idx)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds.prefetch(tf.data.AUTOTUNE)
