"""The Day 3 toolkit, shared by ``cnn_arithmetic`` and ``cnn_mnist`` (which teach every CNN function
here), ``fashion_mnist_challenge`` and ``vgg_augmentation_transfer``.  ``training_kit`` teaches the
validation split (:func:`split_validation`) and its small MLP (:func:`make_mlp`) first;
``tensorboard_shuffling`` imports both.

d2l's pattern: a function is explained once, in the notebook that teaches it (``cnn_arithmetic`` or
``cnn_mnist`` prints its source with :func:`show_source` and calls it), and imported everywhere else,
so no notebook carries a copy.  What a student writes as a graded exercise (``cnn_arithmetic``'s
``conv_output_size``, ``cnn_mnist``'s ``build_cnn``) stays in that notebook; :func:`build_cnn` here is
the reference the other notebooks import.  Imports Keras (only the TensorFlow notebooks import this module).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from helpers import tfdata
from helpers.runtime import set_seed, show_source

__all__ = [
    "MLP_HIDDEN",
    "CNN_SPEC",
    "EpochTimer",
    "build_cnn",
    "input_pipeline",
    "keras_table",
    "layer_table",
    "make_dataset",
    "make_mlp",
    "matmul_flops_per_s",
    "same_output_size",
    "short_training",
    "show_source",
    "split_validation",
    "time_per_epoch",
    "to_input",
    "train",
    "training_flops_per_image",
]

#: Dropout rate of the course's CNN: 1 - keep_prob 0.7 (the notebooks' choice, see cnn_arithmetic Section 3).
DROPOUT = 0.3


# ---------------------------------------------------------------------------------------------------
# Shapes, memory and parameters (cnn_arithmetic, Sections 1 and 4)
# ---------------------------------------------------------------------------------------------------


def same_output_size(i: int, s: int = 1) -> int:
    """Output width with padding="same" (TensorFlow/Keras): ceil(i / s)."""
    return -(-i // s)


def layer_table(input_shape, spec, bytes_per_value: int = 4):
    """Per-layer output shape, activation memory per image and parameter count.

    input_shape: (h, w, c) or (n,); spec: list of (name, kind, settings) with kind in
    conv (f x f filters, 'same' padding, stride 1; settings ``filters`` and ``size``),
    pool (window = stride, 'same' padding; setting ``size``), dropout, flatten,
    dense (setting ``units``). Returns a DataFrame indexed by layer name.
    """
    shape, rows = tuple(input_shape), []
    for name, kind, cfg in spec:
        params = 0
        if kind == "conv":
            h, w, c_in = shape
            f, k = cfg["size"], cfg["filters"]
            shape = (same_output_size(h), same_output_size(w), k)
            params = (f * f * c_in + 1) * k
        elif kind == "pool":
            h, w, c = shape
            shape = (same_output_size(h, cfg["size"]), same_output_size(w, cfg["size"]), c)
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "dense":
            params = (shape[0] + 1) * cfg["units"]
            shape = (cfg["units"],)
        elif kind != "dropout":
            raise ValueError(f"unknown layer kind {kind!r}")
        values = int(np.prod(shape))
        rows.append(
            {
                "layer": name,
                "output shape": shape,
                "values": values,
                "memory (KB)": values * bytes_per_value / 1024,
                "parameters": params,
            }
        )
    return pd.DataFrame(rows).set_index("layer")


#: The lecture's network (:func:`build_cnn`) described without Keras, for :func:`layer_table`:
#: (name, kind, settings) per layer, named as in the Keras model (cnn_arithmetic, Section 4).
CNN_SPEC = [
    ("conv1", "conv", {"filters": 32, "size": 3}),
    ("pool1", "pool", {"size": 2}),
    ("drop1", "dropout", {}),
    ("conv2", "conv", {"filters": 64, "size": 3}),
    ("pool2", "pool", {"size": 2}),
    ("drop2", "dropout", {}),
    ("conv3", "conv", {"filters": 128, "size": 3}),
    ("pool3", "pool", {"size": 2}),
    ("drop3", "dropout", {}),
    ("flatten", "flatten", {}),
    ("fc1", "dense", {"units": 625}),
    ("drop4", "dropout", {}),
    ("output", "dense", {"units": 10}),
]


def keras_table(model):
    """The same columns read from a built Keras model: output shape and parameters per layer (the
    input layer, which a functional model lists, left out)."""
    rows = [
        {
            "layer": layer.name,
            "output shape": tuple(layer.output.shape[1:]),
            "parameters": layer.count_params(),
        }
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)  # functional models list their input as a layer
    ]
    return pd.DataFrame(rows).set_index("layer")


# ---------------------------------------------------------------------------------------------------
# Data (cnn_mnist, Section 2)
# ---------------------------------------------------------------------------------------------------


def to_input(images):
    """uint8 images (..., 28, 28) -> float32 (..., 28, 28, 1) in [0, 1] (numpy array or tensor)."""
    return tf.cast(images, tf.float32)[..., None] / 255.0


def make_dataset(images, labels, batch_size: int, shuffle: bool = False, seed: int = 42):
    """A tf.data pipeline over uint8 images: (optionally reshuffled every epoch) mini-batches,
    scaled like to_input, prefetched (helpers.tfdata.image_batches: shuffles indices, not images)."""
    return tfdata.image_batches(images, labels, batch_size, shuffle=shuffle, seed=seed)


def split_validation(images, labels, fraction: float = 0.1, seed: int = 42):
    """A random ``fraction`` of the images (a seeded permutation) held out for validation.

    Returns ``(x_train, y_train), (x_val, y_val)``; no image is in both.
    """
    order = np.random.default_rng(seed).permutation(len(images))
    n_val = int(len(order) * fraction)
    val, train = order[:n_val], order[n_val:]
    return (images[train], labels[train]), (images[val], labels[val])


def input_pipeline(train_images, train_labels, test_images, test_labels, batch_size: int):
    """The Day 3 input pipeline over uint8 images ``(n, h, w)``: a validation split and three pipelines.

    :func:`split_validation` holds out a random 10 % of the training images for validation;
    :func:`make_dataset` makes the training pipeline (mini-batches of ``batch_size``, reshuffled every
    epoch) and the validation and test pipelines (batches of 1,000 in order). Prints the sizes and
    one test batch as the model sees it, and checks them: every training image is in exactly one of
    the two splits, and a batch is float32 ``(batch, h, w, 1)`` with values in [0, 1].
    Returns ``(x_tr, y_tr), (x_val, y_val), (train_ds, val_ds, test_ds)``.
    """
    for name, images in (("train_images", train_images), ("test_images", test_images)):
        if np.ndim(images) != 3:
            raise ValueError(f"{name} has shape {np.shape(images)}: expected grey images (n, height, width)")
    (x_tr, y_tr), (x_val, y_val) = split_validation(train_images, train_labels)
    train_ds = make_dataset(x_tr, y_tr, batch_size, shuffle=True)
    val_ds = make_dataset(x_val, y_val, 1000)
    test_ds = make_dataset(test_images, test_labels, 1000)
    xb, yb = next(iter(test_ds))
    low, high = float(tf.reduce_min(xb)), float(tf.reduce_max(xb))
    print(
        f"train {x_tr.shape}, validation {x_val.shape}, test {test_images.shape}: "
        f"uint8, {x_tr.nbytes / 1e6:.1f} MB of training images"
    )
    print(
        f"one test batch as the model sees it: {xb.shape} {xb.dtype.name}, "
        f"values {low:.0f}..{high:.0f}; labels {yb.shape}"
    )
    if len(x_tr) + len(x_val) != len(train_images):
        raise ValueError(f"the split lost images: {len(x_tr)} + {len(x_val)} != {len(train_images)}")
    want = (min(1000, len(test_images)), *test_images.shape[1:], 1)
    if tuple(xb.shape) != want or xb.dtype != tf.float32 or high > 1.0:
        raise ValueError(
            f"a test batch is {tuple(xb.shape)} {xb.dtype.name} with values up to {high}: "
            f"expected float32 {want} in [0, 1]"
        )
    return (x_tr, y_tr), (x_val, y_val), (train_ds, val_ds, test_ds)


# ---------------------------------------------------------------------------------------------------
# The small MLP of training_kit (Section 1), used again by tensorboard_shuffling
# ---------------------------------------------------------------------------------------------------

#: Units in the hidden layer of :func:`make_mlp`.
MLP_HIDDEN = 512


def make_mlp(seed: int = 0):
    """A small MLP for MNIST (784 -> 512 ReLU -> 10 softmax), compiled with Adam.

    The same seed gives the same initial weights."""
    set_seed(seed)  # = keras.utils.set_random_seed(seed), shifted by ML2DL_SEED for seed studies
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            L.Rescaling(1 / 255, name="rescale"),  # uint8 pixels 0..255 -> floats in [0, 1]
            L.Flatten(name="flatten"),
            L.Dense(MLP_HIDDEN, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax", name="output"),
        ],
        name="mlp",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ---------------------------------------------------------------------------------------------------
# The network and its training (cnn_mnist, Sections 1 and 3 and the exercises)
# ---------------------------------------------------------------------------------------------------


def build_cnn(
    dropout: float = DROPOUT, hidden_dropout: float | None = None, kernel_initializer="glorot_uniform"
):
    """The lecture's 3-conv network for 28x28x1 images and 10 classes (softmax output).

    ``dropout`` after each conv block, ``hidden_dropout`` (default: the same) after the 625-unit
    layer; ``kernel_initializer`` for every convolution and dense layer (Keras's default Glorot).
    The reference for the other notebooks (cnn_mnist has students write it themselves).
    """
    L = keras.layers
    hidden_dropout = dropout if hidden_dropout is None else hidden_dropout

    def init():  # one initialiser object per layer (Keras warns when one is shared)
        if isinstance(kernel_initializer, str):
            return kernel_initializer
        return kernel_initializer.__class__.from_config(kernel_initializer.get_config())

    layers = [keras.Input(shape=(28, 28, 1))]
    for k, filters in enumerate([32, 64, 128], start=1):
        layers += [
            L.Conv2D(
                filters, 3, padding="same", activation="relu", kernel_initializer=init(), name=f"conv{k}"
            ),
            L.MaxPool2D(2, padding="same", name=f"pool{k}"),
            L.Dropout(dropout, name=f"drop{k}"),
        ]
    layers += [
        L.Flatten(name="flatten"),
        L.Dense(625, activation="relu", kernel_initializer=init(), name="fc1"),
        L.Dropout(hidden_dropout, name="drop4"),
        # float32 output: the softmax and the loss stay exact under mixed precision
        L.Dense(10, activation="softmax", kernel_initializer=init(), name="output", dtype="float32"),
    ]
    return keras.Sequential(layers, name="cnn")


def build_small_cnn(dropout: float = 0.3):
    """A small CNN for 28x28x1 images and 10 classes, for little data (Day 4, few_labels, Section 2).

    Two conv blocks (``conv1``: 32, ``conv2``: 64 filters of 3x3, valid padding, ReLU, each followed
    by a 2x2 max-pool), ``fc1`` Dense(128, relu), Dropout(``dropout``) and the softmax ``output``:
    about 225,000 weights instead of build_cnn's 1.4 million. few_labels trains it on 100 images;
    ship_small prunes and quantises it.
    """
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(32, 3, activation="relu", name="conv1"),
            L.MaxPool2D(name="pool1"),
            L.Conv2D(64, 3, activation="relu", name="conv2"),
            L.MaxPool2D(name="pool2"),
            L.Flatten(name="flatten"),
            L.Dense(128, activation="relu", name="fc1"),
            L.Dropout(dropout, name="drop"),
            L.Dense(10, activation="softmax", name="output", dtype="float32"),
        ],
        name="small_cnn",
    )


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of each epoch in seconds (self.times)."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def train(
    model,
    train_ds,
    val_ds,
    epochs: int,
    patience: int = 3,
    learning_rate: float = 1e-3,
    cosine: bool = False,
    optimizer=None,
    verbose: int = 2,
):
    """Compile (sparse cross-entropy, accuracy) and fit with early stopping on val_loss, best
    weights restored. Returns (history, epoch times in seconds).

    The optimizer is ``optimizer`` if given, else Adam at ``learning_rate`` — constant, or with
    ``cosine=True`` decayed to 0 along a cosine over ``epochs`` epochs.
    """
    if optimizer is None:
        rate = learning_rate
        if cosine:
            rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * len(train_ds))
        optimizer = keras.optimizers.Adam(rate)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    # shuffle=False: the tf.data pipeline already reshuffles every epoch (Keras's own shuffle is for arrays)
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        callbacks=[stop, timer],
        shuffle=False,
        verbose=verbose,
    )
    return history, timer.times


def time_per_epoch(times) -> float:
    """Median epoch time without the first epoch (which includes graph tracing)."""
    return float(np.median(times[1:])) if len(times) > 1 else float(times[0])


def short_training(build, images, labels, val_ds, batch_size: int, n: int = 2000, epochs: int = 3):
    """Train a fresh model from ``build()`` on the first ``n`` of ``images`` (uint8) and ``labels`` for
    ``epochs`` epochs: the small budget of the Day 3 exercises' worked answers.

    Seeds everything (``helpers.set_seed(42)``) before building, then Adam at learning rate 0.001,
    sparse cross-entropy and accuracy, mini-batches of ``batch_size`` reshuffled every epoch,
    no early stopping, nothing printed. Validation on ``val_ds`` after the last epoch only (the worked
    answers read the final accuracy only; a pass every epoch costs about as much as the training or more).
    Returns ``(model, history)``.
    """
    set_seed(42)
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        make_dataset(images[:n], labels[:n], batch_size, shuffle=True),
        validation_data=val_ds,
        validation_freq=epochs,
        epochs=epochs,
        shuffle=False,
        verbose=0,
    )
    return model, history


# ---------------------------------------------------------------------------------------------------
# Roofline: how close training gets to this machine's matrix-product speed (cnn_mnist, Section 4)
# ---------------------------------------------------------------------------------------------------


def matmul_flops_per_s(size: int = 2048, repeats: int = 5, dtype=None) -> float:
    """This machine's dense matrix-product speed in FLOP/s: the best of ``repeats`` timed products of
    two ``size`` x ``size`` matrices (2 * size**3 FLOPs each, after one untimed warm-up product).

    ``dtype`` defaults to the compute dtype of the active Keras policy (``bfloat16`` under
    ``mixed_bfloat16``, else ``float32``...), the dtype the layers multiply in. The best, not the mean,
    of the repeats: other programs can only slow a product down. About 1-2 s on a 2-core CPU.
    The matrices come from their own seeded generator, so the global seeds are not touched.
    """
    if size < 1 or repeats < 1:
        raise ValueError(f"size and repeats must be positive, got size={size}, repeats={repeats}")
    dtype = tf.as_dtype(dtype or keras.mixed_precision.global_policy().compute_dtype)
    rng = np.random.default_rng(0)
    a, b = (tf.cast(rng.random((size, size), dtype=np.float32), dtype) for _ in range(2))
    best = float("inf")
    for i in range(repeats + 1):
        start = time.perf_counter()
        product = tf.matmul(a, b)
        float(product[0, 0])  # waits for the result (a GPU computes asynchronously)
        if i > 0:  # product 0 is the warm-up
            best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def training_flops_per_image(model) -> int:
    """Floating-point operations one training step spends per image in ``model``'s Dense and
    convolution layers (``Conv1D``/``Conv2D``/``Conv3D``; nested models are searched too).

    Forward multiply-adds per layer = kernel size x output positions (Conv2D: kh·kw·cin·cout·Hout·Wout,
    Dense: in·out); x2 for FLOPs (a multiply and an add); x3 for training: the backward pass computes
    the gradient with respect to the weights and the one with respect to the layer's input, each as
    costly as the forward product. Ignored: biases, activations, pooling, dropout, normalisation,
    the loss, the optimizer's update and the input pipeline (a few % here), and that no gradient is
    needed for the first layer's input or for frozen weights (a slight over-count).
    Raises ``ValueError`` for an unbuilt model and for a layer with a kernel it cannot count
    (depthwise, separable or transposed convolutions...).
    """
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built: give it a keras.Input (or call it once) first")
    return 6 * _multiply_adds(model)


def _multiply_adds(model) -> int:
    """Forward multiply-adds per image of ``model``'s Dense and convolution layers (see above)."""
    counted = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += _multiply_adds(layer)
        elif isinstance(layer, counted):
            positions = int(np.prod(layer.output.shape[1:-1]))  # 1 for Dense on a vector
            total += int(np.prod(layer.kernel.shape)) * positions
        elif any(hasattr(layer, name) for name in ("kernel", "depthwise_kernel", "pointwise_kernel")):
            kind = type(layer).__name__
            raise ValueError(f"training_flops_per_image cannot count layer {layer.name!r} ({kind})")
    return total
