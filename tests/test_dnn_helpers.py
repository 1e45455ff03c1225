"""helpers.dnn, the Day 2 deep-MLP toolkit: the reference MLP, the gradient probe against Keras, the
training loop on a tiny set, the curve plot, and a clear error for an unknown profile."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from helpers import dnn  # noqa: E402 - after the importorskip


@pytest.fixture(autouse=True)
def float32_policy():
    """Day 2 computes in float32; other tests (the case catalogue runs cnn_mnist's constants, which
    choose mixed precision where it is faster) may leave another global policy behind."""
    before = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy(before)


def test_build_mlp_layers_dropout_and_reseeding():
    model = dnn.build_mlp((8, 4), activation="tanh", dropout=0.2, name="m")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.name == "m" and model.layers[-1].units == 10
    again = dnn.build_mlp((8, 4), activation="tanh", dropout=0.2, name="m")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights(), strict=True))
    assert [type(layer).__name__ for layer in dnn.build_mlp(()).layers] == ["Dense"]  # softmax regression


def test_layer_gradients_agree_with_keras():
    model = dnn.build_mlp((5, 4), activation="sigmoid")
    x = np.random.default_rng(0).random((8, 784)).astype("float32")
    y = np.arange(8) % 10
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x)))
    theirs = [float(tf.norm(g)) for g in tape.gradient(loss, [layer.kernel for layer in model.layers])]
    ours = dnn.layer_gradients(model, x, y)
    assert np.allclose(ours["weight_grad"], theirs, rtol=1e-5)
    assert ours["delta"].shape == ours["spectral"].shape == (3,)


def test_fit_trains_and_test_accuracy_counts():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    labels = (images.reshape(60, -1).mean(axis=1) > 127).astype("int64")
    model = dnn.build_mlp((16,))
    history, seconds = dnn.fit(model, keras.optimizers.SGD(0.1), 2, (images, labels), (images, labels), 20)
    assert len(history["val_loss"]) == 2 and seconds > 0
    assert (
        len(dnn.fit_subset(dnn.build_mlp(()), "sgd", 1, (images, labels), (images, labels), n=30)["loss"])
        == 1
    )
    acc = dnn.test_accuracy(model, (dnn.to_vectors(images), labels))
    predicted = np.argmax(model(dnn.to_vectors(images), training=False), axis=1)
    assert acc == pytest.approx(np.mean(predicted == labels))


def test_plot_curves_draws_one_panel_per_metric_and_one_line_per_run():
    runs = {
        "a": {"val_loss": [2.0, 1.0], "val_accuracy": [0.1, 0.5]},
        "b": {"val_loss": [2.0, 1.5], "val_accuracy": [0.1, 0.3]},
    }
    fig = dnn.plot_curves(runs, ("val_loss", "val_accuracy"), "t")
    assert len(fig.axes) == 2 and all(len(ax.lines) == 2 for ax in fig.axes)


def test_an_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown data profile"):
        dnn.load_split("medium")
