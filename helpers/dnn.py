"""The Day 2 deep-MLP toolkit, shared by ``mnist_dnn`` (which teaches every function here) and
``mnist_init``.

d2l's pattern, as in ``helpers/cnn.py``: a function is explained once, in the notebook that teaches
it (``mnist_dnn`` prints its source with :func:`show_source` and calls it), and imported by the
later notebook, so no notebook carries a copy.  ``build_mlp`` is ``mnist_dnn``'s graded exercise:
students write it there (that notebook asserts that theirs builds the same network as this one);
:func:`build_mlp` here is the reference ``mnist_init`` imports.  Imports Keras (only the TensorFlow
notebooks import this module).
"""

from __future__ import annotations

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from helpers import data, plots, tfdata
from helpers.plots import MARKERS
from helpers.runtime import set_seed, show_source

__all__ = [
    "BATCH",
    "DEPTH",
    "EPOCHS_DEEP",
    "LR_DEEP",
    "N_SUBSET",
    "N_VAL",
    "WIDTH",
    "EpochBar",
    "build_mlp",
    "fit",
    "fit_subset",
    "layer_gradients",
    "load_split",
    "make_dataset",
    "plot_curves",
    "show_source",
    "test_accuracy",
    "to_vectors",
]

#: The lecture's mini-batch size.
BATCH = 100
#: Validation images held out of the training set per profile (the lecture's TF1 split: 5,000).
N_VAL = {"quick": 500, "full": 5000}
#: mnist_dnn's deep net (section 1), reused by mnist_init: DEPTH hidden layers of WIDTH units,
#: trained with plain SGD at LR_DEEP for EPOCHS_DEEP[profile] epochs.
DEPTH, WIDTH = 6, 128
LR_DEEP = 0.05
EPOCHS_DEEP = {"quick": 10, "full": 8}
#: Training images the exercises train on (the whole training set of the quick profile).
N_SUBSET = 4500


# ---------------------------------------------------------------------------------------------------
# Data (mnist_dnn, Setup)
# ---------------------------------------------------------------------------------------------------


def to_vectors(images):
    """uint8 images (n, 28, 28) -> float32 vectors (n, 784) in [0, 1]."""
    return images.reshape(len(images), -1).astype("float32") / 255.0


def load_split(profile: str):
    """MNIST of the data profile, split like the lecture's TF1 ``read_data_sets``: the first
    ``N_VAL[profile]`` training images are the validation set.

    Returns ``train, val, test``, each a pair (images, labels): training and validation images stay
    uint8 (the tf.data pipelines scale one batch at a time), the test images are float32 vectors.
    """
    if profile not in N_VAL:
        raise ValueError(f"unknown data profile {profile!r}: use one of {', '.join(N_VAL)}")
    (train_images, train_labels), (test_images, test_labels) = data.load_mnist(profile)
    n_val = N_VAL[profile]
    train = train_images[n_val:], train_labels[n_val:]
    val = train_images[:n_val], train_labels[:n_val]
    return train, val, (to_vectors(test_images), test_labels)


def make_dataset(images, y, batch_size=BATCH, shuffle=True, seed=0):
    """tf.data pipeline of (x, y) mini-batches of flattened float32 images, reshuffled every epoch
    if `shuffle` (helpers.tfdata.image_batches, as in mnist_softmax: uint8 images in memory,
    scaled one batch at a time)."""
    return tfdata.image_batches(images, y, batch_size, shuffle=shuffle, seed=seed, flatten=True)


# ---------------------------------------------------------------------------------------------------
# The network and its training (mnist_dnn, Shared tools)
# ---------------------------------------------------------------------------------------------------


def build_mlp(
    hidden, activation="relu", kernel_initializer="glorot_uniform", dropout=0.0, name="mlp", seed=42
):
    """MLP 784 -> hidden[0] -> ... -> 10 softmax, with Dropout(dropout) after every hidden layer
    if dropout > 0. Re-seeds first, so the same call always gives the same initial weights.

    The reference for mnist_init; students write it in mnist_dnn (its graded exercise).
    """
    set_seed(seed)  # = keras.utils.set_random_seed(seed), shifted by ML2DL_SEED for seed studies
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(784,)))
    for units in hidden:
        model.add(keras.layers.Dense(units, activation=activation, kernel_initializer=kernel_initializer))
        if dropout:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


class EpochBar(keras.callbacks.Callback):
    """Progress: one tqdm bar per `fit`, one tick per epoch, the latest losses as postfix."""

    def __init__(self, epochs, desc):
        super().__init__()
        self.epochs, self.desc = epochs, desc

    def on_train_begin(self, logs=None):
        self.bar = tqdm(total=self.epochs, desc=self.desc, unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.bar.set_postfix(loss=f"{logs['loss']:.3f}", val_loss=f"{logs['val_loss']:.3f}")
        self.bar.update(1)

    def on_train_end(self, logs=None):
        self.bar.close()


def fit(model, optimizer, epochs, train, val, batch_size=BATCH, progress=True):
    """Compile `model` with `optimizer` and train it on `train` = (uint8 images, labels), validating
    on `val` after every epoch (a progress bar per model if `progress`). Returns (history dict,
    wall-clock seconds)."""
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=10,
    )
    start = time.perf_counter()
    history = model.fit(
        make_dataset(*train, batch_size),
        epochs=epochs,
        validation_data=make_dataset(*val, 1000, shuffle=False),
        shuffle=False,  # the tf.data pipeline already reshuffles every epoch
        verbose=0,
        callbacks=[EpochBar(epochs, model.name)] if progress else [],
    )
    return history.history, time.perf_counter() - start


def fit_subset(model, optimizer, epochs, train, val, n=N_SUBSET):
    """Like `fit`, on the first `n` training images and without a progress bar (the exercises).
    Returns the history dict."""
    images, labels = train
    return fit(model, optimizer, epochs, (images[:n], labels[:n]), val, progress=False)[0]


def test_accuracy(model, test):
    """Accuracy on `test` = (float32 vectors, labels), in inference mode (dropout off)."""
    x, y = test
    probs = model(x, training=False)
    return float(np.mean(np.argmax(probs, axis=1) == y))


def plot_curves(histories, metrics=("val_loss",), title=None):
    """One panel per metric against the epoch, one line per run (name -> Keras history dict).
    Returns the Figure."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for i, (name, history) in enumerate(histories.items()):
            marker = MARKERS[i % len(MARKERS)]
            ax.plot(np.arange(1, len(history[metric]) + 1), history[metric], marker + "-", label=name)
        ax.set_xlabel(plots.text("epoch"))
        ax.set_ylabel(plots.text("validation", metric=metric[4:]) if metric.startswith("val_") else metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------
# Gradient probe (mnist_dnn, section 1)
# ---------------------------------------------------------------------------------------------------


def layer_gradients(model, x, y):
    """Gradient sizes of every Dense layer l of `model` on the batch (x, y).

    Returns a dict of arrays over the layers: "weight_grad" = ||dJ/dW_l||, "delta" =
    ||dJ/dz_l|| (Frobenius norms over the batch) and "spectral" = ||W_l||_2. The forward pass is
    written out so that the tape can differentiate with respect to every pre-activation z_l.
    """
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        a, zs = tf.constant(x), []
        for layer in dense:
            z = a @ layer.kernel + layer.bias
            zs.append(z)
            a = layer.activation(z)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, a))
    grads = tape.gradient(loss, [layer.kernel for layer in dense] + zs)
    return {
        "weight_grad": np.array([float(tf.norm(g)) for g in grads[: len(dense)]]),
        "delta": np.array([float(tf.norm(g)) for g in grads[len(dense) :]]),
        "spectral": np.array([np.linalg.norm(layer.kernel.numpy(), 2) for layer in dense]),
    }
