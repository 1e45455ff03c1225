"""helpers.cnn, the Day 3 toolkit: the layer table agrees with Keras, the split, the small MLP, the input
scaling and pipeline, the reference network's options and the training loops do what their docstrings say."""

from __future__ import annotations

import time

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import cnn  # noqa: E402 - after the importorskip


@pytest.mark.parametrize(("width", "stride"), [(28, 1), (28, 2), (7, 2), (5, 3), (1, 2)])
def test_same_output_size_is_what_keras_gives(width, stride):
    x = np.zeros((1, width, width, 1), np.float32)
    pooled = keras.layers.MaxPool2D(stride, strides=stride, padding="same")(x) if stride > 1 else x
    conv = keras.layers.Conv2D(1, 3, strides=stride, padding="same")(x)
    assert cnn.same_output_size(width, stride) == conv.shape[1] == pooled.shape[1]


def test_layer_table_agrees_with_keras_on_the_reference_cnn():
    model = cnn.build_cnn()
    ours, theirs = cnn.layer_table((28, 28, 1), cnn.CNN_SPEC), cnn.keras_table(model)
    assert list(ours.index) == list(theirs.index)
    assert list(ours["output shape"]) == list(theirs["output shape"])
    assert ours["parameters"].tolist() == theirs["parameters"].tolist()
    assert ours["parameters"].sum() == model.count_params()
    # memory: 4 bytes per value, 2 with bytes_per_value=2
    assert ours.loc["conv1", "memory (KB)"] == 28 * 28 * 32 * 4 / 1024
    half = cnn.layer_table((28, 28, 1), cnn.CNN_SPEC, bytes_per_value=2)
    assert np.allclose(half["memory (KB)"] * 2, ours["memory (KB)"])


def test_keras_table_leaves_out_the_input_layer_of_a_functional_model():
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Conv2D(4, 3, padding="same", name="c")(inputs)
    table = cnn.keras_table(keras.Model(inputs, outputs))
    assert list(table.index) == ["c"] and table.loc["c", "output shape"] == (8, 8, 4)


def test_layer_table_counts_every_input_channel_and_rejects_unknown_layers():
    table = cnn.layer_table((8, 8, 5), [("c", "conv", {"filters": 7, "size": 3})])
    assert table.loc["c", "parameters"] == (3 * 3 * 5 + 1) * 7
    with pytest.raises(ValueError, match="unknown layer kind"):
        cnn.layer_table((8, 8, 1), [("x", "upsample", {})])


def test_split_validation_is_a_seeded_disjoint_split():
    images = np.arange(50, dtype=np.uint8).reshape(50, 1)
    labels = np.arange(50)
    (x_tr, y_tr), (x_val, y_val) = cnn.split_validation(images, labels, fraction=0.2, seed=3)
    assert len(x_val) == 10 and len(x_tr) == 40
    assert not set(y_tr) & set(y_val) and set(y_tr) | set(y_val) == set(range(50))
    assert np.array_equal(x_val[:, 0], y_val)  # images and labels stay paired
    (_, again), _ = cnn.split_validation(images, labels, fraction=0.2, seed=3)
    (_, other), _ = cnn.split_validation(images, labels, fraction=0.2, seed=4)
    assert np.array_equal(again, y_tr) and not np.array_equal(other, y_tr)


def test_make_mlp_is_the_seeded_compiled_784_512_10_mlp():
    a, b, c = cnn.make_mlp(seed=0), cnn.make_mlp(seed=0), cnn.make_mlp(seed=1)
    assert a.count_params() == 784 * cnn.MLP_HIDDEN + cnn.MLP_HIDDEN + cnn.MLP_HIDDEN * 10 + 10 == 407_050
    assert [layer.name for layer in a.layers] == ["rescale", "flatten", "hidden", "output"]
    assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(), strict=True))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    assert type(a.optimizer).__name__ == "Adam" and a.loss == "sparse_categorical_crossentropy"
    assert a.get_layer("hidden").activation.__name__ == "relu"
    assert a.get_layer("output").activation.__name__ == "softmax" and a.output_shape == (None, 10)


def test_to_input_and_make_dataset_scale_uint8_images_to_unit_floats():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    x = np.asarray(cnn.to_input(images))
    assert x.shape == (1, 2, 2, 1) and x.dtype == np.float32
    assert np.allclose(x[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]])
    xb, yb = next(iter(cnn.make_dataset(np.repeat(images, 3, axis=0), np.arange(3), 2)))
    assert xb.shape == (2, 2, 2, 1) and np.allclose(np.asarray(xb), np.asarray(cnn.to_input(images[[0, 0]])))
    assert np.asarray(yb).tolist() == [0, 1]


def test_input_pipeline_splits_batches_and_checks(capsys):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(50, 4, 3), dtype=np.uint8)
    test = rng.integers(0, 256, size=(1200, 4, 3), dtype=np.uint8)
    (x_tr, y_tr), (x_val, y_val), (train_ds, val_ds, test_ds) = cnn.input_pipeline(
        train, np.arange(50), test, np.arange(1200) % 10, batch_size=8
    )
    assert (len(x_tr), len(x_val)) == (45, 5) and set(y_tr) | set(y_val) == set(range(50))
    (want_tr, _), (want_val, _) = cnn.split_validation(train, np.arange(50))
    assert np.array_equal(x_tr, want_tr) and np.array_equal(x_val, want_val)
    assert [len(y) for _, y in train_ds] == [8] * 5 + [5] and [len(y) for _, y in val_ds] == [5]
    assert [tuple(x.shape) for x, _ in test_ds] == [(1000, 4, 3, 1), (200, 4, 3, 1)]
    out = capsys.readouterr().out
    assert "train (45, 4, 3), validation (5, 4, 3), test (1200, 4, 3)" in out
    assert "one test batch as the model sees it: (1000, 4, 3, 1) float32, values 0..1" in out
    with pytest.raises(ValueError, match=r"expected grey images \(n, height, width\)"):
        cnn.input_pipeline(train[..., None], np.arange(50), test, np.arange(1200), batch_size=8)


def test_build_cnn_options_reach_their_layers():
    default = cnn.build_cnn()
    assert all(default.get_layer(f"drop{k}").rate == cnn.DROPOUT for k in (1, 2, 3, 4))
    lecture = cnn.build_cnn(
        dropout=0.2, hidden_dropout=0.5, kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.01)
    )
    assert [lecture.get_layer(f"drop{k}").rate for k in (1, 2, 3, 4)] == [0.2, 0.2, 0.2, 0.5]
    kernels = [lecture.get_layer(n).kernel_initializer for n in ("conv1", "conv2", "conv3", "fc1", "output")]
    assert all(type(k).__name__ == "TruncatedNormal" for k in kernels)
    assert len({id(k) for k in kernels}) == len(kernels)  # one initialiser per layer
    w = np.asarray(lecture.get_layer("fc1").kernel)
    assert abs(w.std() - 0.01) < 0.003 and np.abs(w).max() <= 0.02 + 1e-6  # truncated at 2 std
    assert lecture.count_params() == default.count_params()


def _softmax():
    layers = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, "softmax")])


def test_time_per_epoch_skips_the_tracing_epoch():
    assert cnn.time_per_epoch([10.0, 1.0, 3.0, 2.0]) == 2.0
    assert cnn.time_per_epoch([4.0]) == 4.0


def test_train_stops_early_restores_the_best_weights_and_times_every_epoch():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=64)  # random labels: the validation loss soon stops improving
    model = _softmax()
    train_ds = cnn.make_dataset(images[:48], labels[:48], 16, shuffle=True)
    val_ds = cnn.make_dataset(images[48:], labels[48:], 16)
    history, times = cnn.train(model, train_ds, val_ds, epochs=30, patience=2, learning_rate=0.05, verbose=0)
    val_loss = history.history["val_loss"]
    assert len(times) == len(val_loss) < 30 and all(t > 0 for t in times)
    assert len(val_loss) == int(np.argmin(val_loss)) + 1 + 2  # stopped `patience` epochs after the best
    restored = model.evaluate(val_ds, verbose=0)[0]
    assert np.isclose(restored, min(val_loss), rtol=1e-4)


def test_train_cosine_schedule_decays_to_zero_and_optimizer_is_used_as_given():
    model = _softmax()
    images = np.zeros((8, 28, 28), np.uint8)
    ds = cnn.make_dataset(images, np.zeros(8, int), 4)
    cnn.train(model, ds, ds, epochs=2, learning_rate=0.01, cosine=True, verbose=0)
    schedule = model.optimizer.learning_rate
    assert float(model.optimizer._get_current_learning_rate()) == pytest.approx(0.0, abs=1e-9)
    assert type(model.optimizer).__name__ == "Adam" and schedule is not None
    rms = keras.optimizers.RMSprop(1e-3, rho=0.9)
    cnn.train(model, ds, ds, epochs=1, optimizer=rms, verbose=0)
    assert model.optimizer is rms


def test_show_source_prints_the_code(capsys):
    cnn.show_source(cnn.time_per_epoch)
    out = capsys.readouterr().out
    assert out.startswith("def time_per_epoch(") and "np.median" in out


def test_short_training_is_seeded_and_uses_the_first_n_images():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=40)
    val_ds = cnn.make_dataset(images[30:], labels[30:], 10)
    model, history = cnn.short_training(_softmax, images, labels, val_ds, batch_size=8, n=24, epochs=2)
    again, _ = cnn.short_training(_softmax, images, labels, val_ds, batch_size=8, n=24, epochs=2)
    assert len(history.history["loss"]) == 2 and len(history.history["val_accuracy"]) == 1  # last epoch only
    assert history.params["steps"] == 3  # 24 images in batches of 8
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights(), strict=True))
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)


def _tiny_convnet():
    """Input 6x6x2 -> conv 3x3 "same" (3 filters) -> conv 2x2 "valid" (5 filters, 5x5 out) -> dense 4."""
    return keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(3, 3, padding="same"),
            keras.layers.Conv2D(5, 2, padding="valid"),
            keras.layers.MaxPool2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(4),
        ]
    )


def test_training_flops_per_image_is_three_times_two_flops_per_multiply_add_of_a_hand_count():
    # forward multiply-adds, pooling and biases ignored: 3*3*2*3 * 6*6 + 2*2*3*5 * 5*5 + (2*2*5)*4
    # = 1944 + 1500 + 80
    assert cnn.training_flops_per_image(_tiny_convnet()) == 6 * (1944 + 1500 + 80)
    nested = keras.Sequential([keras.Input((6, 6, 2)), _tiny_convnet(), keras.layers.Dense(7)])
    assert cnn.training_flops_per_image(nested) == 6 * (1944 + 1500 + 80 + 4 * 7)
    reference = 2 * (28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 7 * 7 * 9 * 64 * 128 + 2048 * 625 + 6250)
    assert cnn.training_flops_per_image(cnn.build_cnn()) == 3 * reference


def test_training_flops_per_image_rejects_what_it_cannot_count():
    with pytest.raises(ValueError, match="not built"):
        cnn.training_flops_per_image(keras.Sequential([keras.layers.Dense(3)]))
    depthwise = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.DepthwiseConv2D(3, name="dw")])
    with pytest.raises(ValueError, match="cannot count layer 'dw'"):
        cnn.training_flops_per_image(depthwise)


def _python_matmul_flops_per_s(n=40):
    """FLOP/s of a matrix product written as Python loops: the floor any real measure must beat."""
    a = [[float(i + j) for j in range(n)] for i in range(n)]
    start = time.perf_counter()
    [[sum(a[i][k] * a[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    return 2 * n**3 / (time.perf_counter() - start)


def test_matmul_flops_per_s_is_finite_and_far_above_python_loops():
    measured = cnn.matmul_flops_per_s(size=1024, repeats=2, dtype="float32")
    assert np.isfinite(measured) and measured > 100 * _python_matmul_flops_per_s()
    with pytest.raises(ValueError, match="must be positive"):
        cnn.matmul_flops_per_s(size=0)


def test_matmul_flops_per_s_multiplies_in_the_keras_policy_compute_dtype(monkeypatch):
    seen, matmul = [], cnn.tf.matmul
    monkeypatch.setattr(cnn.tf, "matmul", lambda a, b: seen.append(a.dtype.name) or matmul(a, b))
    policy = keras.mixed_precision.global_policy()
    try:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        cnn.matmul_flops_per_s(size=8, repeats=1)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    cnn.matmul_flops_per_s(size=8, repeats=1, dtype="float32")
    assert seen == ["bfloat16"] * 2 + ["float32"] * 2  # warm-up + one timed product each
