"""Cases for notebooks/day3/fashion_mnist_challenge.ipynb: the batch-normalised CNN, built and trained.

``fashion.build_cnn_bn`` checks the builder: its layers (type, size, name, output shape, dropout rate,
the ReLU folded into the layer before it) and its parameter count.  The notebook gives the input and
the output layer (``dtype="float32"`` under mixed precision, which a check in float32 could not see).

``fashion.improved_model`` checks the *trained* model itself (``call=False``): its accuracy on the
full 10,000-image Fashion-MNIST test set (``evaluate="fashion_test_accuracy"``) must reach the target.
The notebook's own check cell runs the solution under nbval.  The target, "beats the baseline CNN",
is the bar of the unchanged Day 3 CNN's test accuracy (``fashion_cnn_test_accuracy``): the worst
committed seed minus the larger of the seed-to-seed spread and three standard errors, derived by
``make readme`` from results/ (tools/bounds.py) and read by ``helpers.bound`` when the check runs.
A model as good as the baseline, within the measurement noise, passes.

A trained model's check sees one number, so its mistakes are told apart by the hint's reading of the
training log, not by stored results; each catalogued mistake names its part of that hint.  The
wrong and the correct trained models all come from *one* training of the solution with the quick
budget (4,500 images, 4 epochs: about 20 s on two CPU cores), made on first use, so only the tests
that check them pay for it.  Measured with that training (seed 42): the correct model 84 %, after its
first epoch 66 %, untrained 9 %, fed [0, 1] images where it expects 0–255 pixels 10 %, and with the
running averages a momentum of 0.99 would have kept (the real training with momentum 0.99 gave 15 %)
near chance as well.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from tools.exercise_cases.model import AtLeast, Case, Exercise

NOTEBOOK = "day3/fashion_mnist_challenge.ipynb"

TARGET = "fashion_cnn_test_accuracy"  # the baseline's bar, resolved by the grader at check time

# --- build_cnn_bn -----------------------------------------------------------------------------------
RELU_FIRST = (
    "each block is conv → BatchNormalization → ReLU → pool: the convolution has no activation, the "
    'ReLU (Activation("relu")) comes after the normalisation.'
)
NO_RELU = 'each block needs its ReLU after the batch normalisation (Activation("relu")), before the pooling.'
BIAS = "use_bias=False in the convolutions: β of the batch normalisation does the bias's job."
EARLY_DROPOUT = (
    "no dropout after pool1 and pool2: they feed conv2/conv3 and their batch normalisation, whose "
    "statistics dropout would shift between training and test (Section 4)."
)
NO_DROPOUT = (
    "keep the two dropout layers that feed dense layers: drop3 (before flatten and fc1) and drop4 "
    "(before the output)."
)
KEEP_PROB = (
    "Keras's Dropout(rate) takes the fraction *dropped*: pass `dropout` (0.3 = 1 − keep_prob), not keep_prob."
)
DROPOUT_IGNORED = "use the `dropout` argument for both Dropout layers, not the fixed DROPOUT."
BN_AFTER_POOL = (
    "normalise right after the convolution: conv → BatchNormalization → ReLU → pool, not after the pooling."
)
VALID = 'every pooling uses padding="same" (so 28 → 14 → 7 → 4, rounding up).'
NAMES = (
    "name the layers exactly as the docstring lists them (conv1, bn1, pool1, ..., drop3, flatten, fc1, "
    "drop4): later cells look up conv2, bn2, conv3 and bn3 by name."
)
MOMENTUM = (
    "pass `momentum=momentum` to every BatchNormalization: Keras's default 0.99 lets the running "
    "averages lag behind in this short training."
)
EPSILON = (
    "leave BatchNormalization's epsilon at Keras's default (0.001): the docstring sets only its "
    "momentum, and every setting it does not state stays at Keras's default (1e-5 is PyTorch's)."
)
GAMMA_ZEROS = (
    "γ starts at ones, Keras's default gamma_initializer: with γ = 0 every normalised output starts at "
    "β alone — set only what the docstring states, Keras's defaults otherwise."
)
BETA_REGULARISED = (
    "no regulariser on β (nor on any other weight): the docstring asks for none — only the settings it "
    "states, Keras's defaults otherwise."
)
BUILD_HINT = (
    'per block i = 1, 2, 3 (32, 64, 128 filters): conv{i} Conv2D(filters, 3, padding="same", '
    "use_bias=False), bn{i} BatchNormalization(momentum=momentum), a ReLU, pool{i} MaxPool2D(2, "
    'padding="same"); then drop3 Dropout(dropout), flatten, fc1 Dense(625, ReLU), drop4 '
    "Dropout(dropout) — each layer named as the docstring lists it."
)

# --- improved_model: one hint, read with the training log; each mistake names its own part ------
BUILDER = "not the function `build_cnn_bn`"
HISTORY = "nor the history that `train` returns"
UNTRAINED = "it was never trained"
LAGGING = "the running averages of batch normalisation lag behind"
SHORT = "too little training"
RAW_PIXELS = "raw 0–255 pixels"
IMPROVED_HINT = (
    f"the check measures the model you pass — your trained `cnn_bn`, {BUILDER}, {HISTORY} — on the "
    "10,000 test images, fed as `to_input` makes them: shape (28, 28, 1), values in [0, 1]. The "
    "accuracy alone cannot say what went wrong; your model's training log can. No log for this "
    f"model: {UNTRAINED} (a fresh `build_cnn_bn()`; pass the model that `train` fitted). Training "
    f"accuracy high while the validation accuracy stays near chance (10 %): {LAGGING} the weights — "
    "give every BatchNormalization `momentum=momentum` (0.9): Keras's default 0.99 is too slow for "
    f"this budget. Training and validation accuracy both still low: {SHORT} — train it as the notebook "
    "does, `train(..., epochs=MAX_EPOCHS, patience=PATIENCE)` on all of `x_tr`. Both fine, but the "
    "test accuracy near chance: the model was trained on other inputs than these, e.g. "
    f"{RAW_PIXELS} instead of `make_dataset`'s [0, 1] batches."
)

#: Trained models, made once per process on first use (see the module docstring).
_TRAINED: dict[str, object] = {}


class _Trained:
    """Stands for a trained model made on first use: the grader only calls its ``predict``."""

    def __init__(self, name, make):
        self.__name__ = name
        self._make = make

    def predict(self, x, **kwargs):
        if self.__name__ not in _TRAINED:
            _TRAINED[self.__name__] = self._make()
        return _TRAINED[self.__name__].predict(x, **kwargs)

    def __repr__(self):
        return f"<trained model: {self.__name__}>"


def _quick_profile_only():
    """The correct models are trained with the quick budget: they reach the quick target only."""
    from helpers import get_profile

    if get_profile() != "quick":
        import pytest

        pytest.skip(
            "the correct trained models reach the quick profile's target: run with ML2DL_PROFILE=quick"
        )


def exercises(ns):
    keras, L, DROPOUT, BN_MOMENTUM = ns["keras"], ns["L"], ns["DROPOUT"], ns["BN_MOMENTUM"]
    build_cnn_bn = ns["build_cnn_bn"]

    # --- build_cnn_bn: the mistakes (same layer names as the notebook) ----------------------------
    def _cnn_bn(
        dropout,
        momentum,
        *,
        order=("conv", "bn", "relu", "pool"),
        conv_activation=None,
        bias=False,
        early_dropout=False,
        late_dropout=True,
        rate=None,
        pool_padding="same",
        bn_name="bn{}",
        bn_options=None,
    ):
        rate = dropout if rate is None else rate
        layers = [keras.Input(shape=(28, 28, 1))]
        for i, filters in enumerate([32, 64, 128], start=1):
            block = {
                "conv": L.Conv2D(
                    filters, 3, padding="same", use_bias=bias, activation=conv_activation, name=f"conv{i}"
                ),
                "bn": L.BatchNormalization(momentum=momentum, name=bn_name.format(i), **(bn_options or {})),
                "relu": L.Activation("relu", name=f"relu{i}"),
                "pool": L.MaxPool2D(2, padding=pool_padding, name=f"pool{i}"),
            }
            layers += [block[part] for part in order]
            if early_dropout and i < 3:
                layers.append(L.Dropout(rate, name=f"drop{i}"))
        if late_dropout:
            layers.append(L.Dropout(rate, name="drop3"))
        layers += [L.Flatten(name="flatten"), L.Dense(625, activation="relu", name="fc1")]
        if late_dropout:
            layers.append(L.Dropout(rate, name="drop4"))
        layers.append(L.Dense(10, activation="softmax", name="output", dtype="float32"))
        return keras.Sequential(layers, name="cnn_bn")

    def relu_before_bn(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, order=("conv", "bn", "pool"), conv_activation="relu")

    def no_relu(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, order=("conv", "bn", "pool"))

    def conv_bias(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, bias=True)

    def dropout_before_bn(dropout=DROPOUT, momentum=BN_MOMENTUM):  # build_cnn's drop1, drop2 kept
        return _cnn_bn(dropout, momentum, early_dropout=True)

    def no_dropout_at_all(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, late_dropout=False)

    def keep_prob(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, rate=1 - dropout)

    def dropout_ignored(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(DROPOUT, momentum)

    def bn_after_pool(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, order=("conv", "pool", "bn", "relu"))

    def valid_pooling(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, pool_padding="valid")

    def other_names(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, bn_name="batchnorm{}")

    def momentum_ignored(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, 0.99)

    def torch_epsilon(dropout=DROPOUT, momentum=BN_MOMENTUM):  # PyTorch's BatchNorm2d default
        return _cnn_bn(dropout, momentum, bn_options={"epsilon": 1e-5})

    def gamma_zeros(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, bn_options={"gamma_initializer": "zeros"})

    def beta_regularised(dropout=DROPOUT, momentum=BN_MOMENTUM):
        return _cnn_bn(dropout, momentum, bn_options={"beta_regularizer": "l2"})

    build_mistakes = [
        (relu_before_bn, RELU_FIRST),
        (no_relu, NO_RELU),
        (conv_bias, BIAS),
        (dropout_before_bn, EARLY_DROPOUT),
        (no_dropout_at_all, NO_DROPOUT),
        (keep_prob, KEEP_PROB),
        (dropout_ignored, DROPOUT_IGNORED),
        (bn_after_pool, BN_AFTER_POOL),
        (valid_pooling, VALID),
        (other_names, NAMES),
        (momentum_ignored, MOMENTUM),
        (torch_epsilon, EPSILON),
        (gamma_zeros, GAMMA_ZEROS),
        (beta_regularised, BETA_REGULARISED),
    ]

    # --- build_cnn_bn: correct variants -----------------------------------------------------------
    def written_out(dropout=DROPOUT, momentum=BN_MOMENTUM):
        """Every layer spelled out, ReLU as a layer of its own kind, tuples for the sizes."""

        def block(i, filters):
            return [
                keras.layers.Conv2D(
                    filters, (3, 3), strides=1, padding="same", use_bias=False, name=f"conv{i}"
                ),
                keras.layers.BatchNormalization(momentum=momentum, name=f"bn{i}"),
                keras.layers.ReLU(),
                keras.layers.MaxPooling2D(pool_size=(2, 2), strides=2, padding="same", name=f"pool{i}"),
            ]

        return keras.Sequential(
            [keras.Input(shape=(28, 28, 1)), *block(1, 32), *block(2, 64), *block(3, 128)]
            + [
                keras.layers.Dropout(rate=dropout, name="drop3"),
                keras.layers.Flatten(name="flatten"),
                keras.layers.Dense(625, name="fc1"),
                keras.layers.Activation("relu"),
                keras.layers.Dropout(rate=dropout, name="drop4"),
                keras.layers.Dense(10, activation="softmax", name="output", dtype="float32"),
            ],
            name="cnn_bn",
        )

    def functional(dropout=DROPOUT, momentum=BN_MOMENTUM):
        """The functional API; pool1 and pool2 with padding="valid", which on 28 and 14 pixels adds
        no padding, so they compute the same as "same"."""
        inputs = x = keras.Input(shape=(28, 28, 1))
        for i, filters in enumerate((32, 64, 128), start=1):
            x = L.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
            x = L.BatchNormalization(momentum=momentum, name=f"bn{i}")(x)
            x = L.ReLU(name=f"relu{i}")(x)
            x = L.MaxPool2D(2, padding="valid" if i < 3 else "same", name=f"pool{i}")(x)
        x = L.Flatten(name="flatten")(L.Dropout(dropout, name="drop3")(x))
        x = L.Dropout(dropout, name="drop4")(L.Dense(625, activation="relu", name="fc1")(x))
        outputs = L.Dense(10, activation="softmax", name="output", dtype="float32")(x)
        return keras.Model(inputs, outputs, name="cnn_bn")

    # --- improved_model: the trained models (one training, see the module docstring) -------------
    def training():
        """build_cnn_bn() trained as the notebook does in the quick profile, with a copy of the weights
        after the first epoch and the running averages a momentum of 0.99 would have kept."""
        if "run" in _TRAINED:
            return _TRAINED["run"]
        from helpers import data, set_seed
        from helpers.cnn import make_dataset, split_validation

        class SlowAverages(keras.callbacks.Callback):
            """Replays every batch's statistics (recovered from the update of the layer's own running
            averages) into running averages with momentum 0.99; the weights do not depend on the
            momentum, which only acts on the averages."""

            def on_train_begin(self, logs=None):
                self.bns = [layer for layer in self.model.layers if isinstance(layer, L.BatchNormalization)]
                self.slow = [self._averages(bn) for bn in self.bns]  # start: mean 0, variance 1

            @staticmethod
            def _averages(bn):
                return [np.asarray(v.numpy(), dtype=np.float64) for v in (bn.moving_mean, bn.moving_variance)]

            def on_train_batch_begin(self, batch, logs=None):
                self.before = [self._averages(bn) for bn in self.bns]

            def on_train_batch_end(self, batch, logs=None):
                for bn, before, slow in zip(self.bns, self.before, self.slow, strict=True):
                    rho = bn.momentum
                    for k, (old, new) in enumerate(zip(before, self._averages(bn), strict=True)):
                        batch_stat = (new - rho * old) / (1 - rho)
                        slow[k] = 0.99 * slow[k] + 0.01 * batch_stat

            def on_epoch_end(self, epoch, logs=None):
                if epoch == 0:
                    self.after_first_epoch = self.model.get_weights()

        (x, y), _ = data.load_fashion_mnist("quick")
        (x_tr, y_tr), _ = split_validation(x, y)
        set_seed(42)
        model = build_cnn_bn()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        replay = SlowAverages()
        model.fit(
            make_dataset(x_tr, y_tr, 100, shuffle=True),
            epochs=4,
            shuffle=False,
            verbose=0,
            callbacks=[replay],
        )
        _TRAINED["run"] = (model, replay.after_first_epoch, replay.slow)
        return _TRAINED["run"]

    def trained_model():
        _quick_profile_only()
        return training()[0]

    def reloaded():
        _quick_profile_only()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "cnn_bn.keras"
            training()[0].save(path)
            return keras.models.load_model(path)

    def functional_copy():
        _quick_profile_only()
        model = functional()
        model.set_weights(training()[0].get_weights())
        return model

    def untrained():
        from helpers import set_seed

        set_seed(42)
        return build_cnn_bn()

    def after_one_epoch():
        model = build_cnn_bn()
        model.set_weights(training()[1])
        return model

    def slow_running_averages():
        trained, _, slow = training()
        model = build_cnn_bn(momentum=0.99)
        model.set_weights(trained.get_weights())
        bns = [layer for layer in model.layers if isinstance(layer, L.BatchNormalization)]
        for bn, (mean, variance) in zip(bns, slow, strict=True):
            bn.moving_mean.assign(mean.astype("float32"))
            bn.moving_variance.assign(variance.astype("float32"))
        return model

    def expects_0_255_pixels():
        # = a model trained on raw pixels: right on 0..255 inputs, fed [0, 1] images by the check
        trained = training()[0]
        return keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Rescaling(1 / 255), *trained.layers])

    history = keras.callbacks.History()  # what `train` returns first; it has no predict
    history.__name__ = "history_instead_of_model"

    return [
        Exercise(
            "fashion.build_cnn_bn",
            "build_cnn_bn",
            describe="keras_model",
            describe_options={"names": True},
            hint=BUILD_HINT,
            cases=[
                Case("defaults: dropout 0.3, momentum 0.9"),
                Case("Exercise 1's momentum 0.99, dropout 0.2", kwargs={"dropout": 0.2, "momentum": 0.99}),
                Case("positional: dropout 0.1, momentum 0.8", (0.1, 0.8)),
            ],
            mistakes=build_mistakes,
            alternatives=[written_out, functional],
        ),
        Exercise(
            "fashion.improved_model",
            "build_cnn_bn",
            call=False,
            evaluate="fashion_test_accuracy",
            solution_checked_by_notebook=True,
            hint=IMPROVED_HINT,
            cases=[Case("test accuracy on the 10,000 test images", expect=AtLeast(TARGET))],
            mistakes=[
                (build_cnn_bn, BUILDER),
                (history, HISTORY),
                (_Trained("untrained", untrained), UNTRAINED),
                (_Trained("after_one_epoch", after_one_epoch), SHORT),
                (_Trained("slow_running_averages", slow_running_averages), LAGGING),
                (_Trained("expects_0_255_pixels", expects_0_255_pixels), RAW_PIXELS),
            ],
            alternatives=[
                _Trained("trained_model", trained_model),
                _Trained("reloaded_from_a_keras_file", reloaded),
                _Trained("functional_copy", functional_copy),
            ],
        ),
    ]
