"""Cases for notebooks/day3/vgg_augmentation_transfer.ipynb: a VGG-style network built from blocks."""

import tools.exercise_cases.model as model  # the hints shared with cnn_mnist: model.DILATION, ...
from tools.exercise_cases.model import Case, Exercise, fresh_layer_names

NOTEBOOK = "day3/vgg_augmentation_transfer.ipynb"

POOL_EVERY_CONV = (
    "one 2×2 max-pooling per *block*, after its last convolution — not after every convolution "
    "(the maps halve once per block: 28 → 14 → 7 → 4 with three blocks)."
)
SAME_FILTERS = (
    "block b uses filters[b − 1] filters: the count changes from block to block (16, 32, 64 by default)."
)
FILTERS_FIXED = (
    "use the `filters` argument: one block per entry, with that many filters "
    "(the check also builds two blocks of 8 and 16 filters)."
)
ONE_CONV = "each block has `convs_per_block` convolutions in a row (2 by default), not one."
CONVS_FIXED = (
    "use the `convs_per_block` argument: the check also builds blocks of 3 convolutions "
    "(for i in range(1, convs_per_block + 1))."
)
CLASSES = "the output layer has `n_classes` units (the transfer-learning section builds 5 classes)."
DENSE = "use the arguments of the head: Dense(dense_units, ReLU), then Dropout(dropout)."
VALID = (
    "the poolings use padding='same' too: a 7×7 map pools to 4×4 (rounding up), not 3×3 "
    "(Keras's default 'valid' drops the last row and column)."
)
KERNEL = "VGG uses only 3×3 filters: Conv2D(n_filters, 3, ...)."
NO_SOFTMAX = "the output layer gives class probabilities: Dense(n_classes, activation='softmax')."
FROM_ONE = (
    "count blocks and convolutions from 1: block1_conv1, block1_conv2, block1_pool, … "
    "(enumerate(…, start=1))."
)
NAMES = "name the layers block{b}_conv{i}, block{b}_pool, flatten, fc, drop, output"
# The grader builds the answer under one fixed mixed policy when it checks dtypes (CHECK_POLICY in
# helpers/exercises.py), so an output layer without dtype="float32" shows on every machine.
FLOAT32 = (
    "the output layer computes in float32 (dtype='float32'), so the softmax stays exact under mixed "
    "precision."
)


def exercises(ns):
    keras, L = ns["keras"], ns["L"]

    def _vgg(
        filters,
        convs,
        n_classes,
        dense_units,
        dropout,
        *,
        every=False,
        same=False,
        padding="same",
        k=3,
        output_activation="softmax",
        output_dtype="float32",
        start=1,
        named=True,
        dilation=1,
        fc_options=None,
    ):
        """The solution with one thing changed (each mistake below picks one)."""

        def name(text):
            return text if named else None

        layers = [keras.Input(shape=(28, 28, 1))]
        for b, n in enumerate(filters, start=start):
            n = filters[0] if same else n
            for i in range(start, convs + start):
                layers.append(
                    L.Conv2D(
                        n,
                        k,
                        padding="same",
                        activation="relu",
                        dilation_rate=dilation,
                        name=name(f"block{b}_conv{i}"),
                    )
                )
                if every:
                    layers.append(L.MaxPool2D(2, padding=padding, name=name(f"block{b}_pool{i}")))
            if not every:
                layers.append(L.MaxPool2D(2, padding=padding, name=name(f"block{b}_pool")))
        layers += [
            L.Flatten(name=name("flatten")),
            L.Dense(dense_units, activation="relu", name=name("fc"), **(fc_options or {})),
            L.Dropout(dropout, name=name("drop")),
            L.Dense(n_classes, activation=output_activation, name=name("output"), dtype=output_dtype),
        ]
        return keras.Sequential(layers, name="vgg")

    def mistake(name, **how):
        """A build_vgg with one mistake; ``how`` may also replace an argument by a fixed value."""
        fixed = {
            k: how.pop(k) for k in ("filters", "convs", "n_classes", "dense_units", "dropout") if k in how
        }

        def build(filters=(16, 32, 64), convs_per_block=2, n_classes=10, dense_units=128, dropout=0.5):
            args = dict(
                filters=filters,
                convs=convs_per_block,
                n_classes=n_classes,
                dense_units=dense_units,
                dropout=dropout,
            )
            args.update(fixed)
            if how.get("named", True):
                return _vgg(**args, **how)
            with fresh_layer_names():
                return _vgg(**args, **how)

        build.__name__ = name
        return build

    def vgg_seeded(filters=(16, 32, 64), convs_per_block=2, n_classes=10, dense_units=128, dropout=0.5):
        keras.utils.set_random_seed(0)  # "for reproducibility": resets numpy's global generator
        return _vgg(filters, convs_per_block, n_classes, dense_units, dropout)

    def vgg_activation_layers(
        filters=(16, 32, 64), convs_per_block=2, n_classes=10, dense_units=128, dropout=0.5
    ):
        """Built with add(), the ReLUs and the softmax as layers of their own."""
        model = keras.Sequential(name="vgg")
        model.add(keras.Input(shape=(28, 28, 1)))
        for b in range(len(filters)):
            for i in range(convs_per_block):
                model.add(L.Conv2D(filters[b], (3, 3), padding="same", name=f"block{b + 1}_conv{i + 1}"))
                model.add(L.ReLU())
            model.add(L.MaxPooling2D(pool_size=(2, 2), strides=2, padding="same", name=f"block{b + 1}_pool"))
        model.add(L.Flatten(name="flatten"))
        model.add(L.Dense(dense_units, name="fc"))
        model.add(L.Activation("relu"))
        model.add(L.Dropout(rate=dropout, name="drop"))
        model.add(L.Dense(n_classes, name="output", dtype="float32"))
        model.add(L.Softmax(dtype="float32"))
        return model

    def vgg_functional(filters=(16, 32, 64), convs_per_block=2, n_classes=10, dense_units=128, dropout=0.5):
        """The functional API."""
        inputs = keras.Input(shape=(28, 28, 1))
        h = inputs
        for b, n in enumerate(filters, start=1):
            for i in range(convs_per_block):
                h = L.Conv2D(
                    n, 3, strides=1, padding="same", activation="relu", name=f"block{b}_conv{i + 1}"
                )(h)
            h = L.MaxPool2D(2, padding="same", name=f"block{b}_pool")(h)
        h = L.Dense(dense_units, activation="relu", name="fc")(L.Flatten(name="flatten")(h))
        h = L.Dropout(dropout, name="drop")(h)
        outputs = L.Dense(n_classes, activation="softmax", name="output", dtype="float32")(h)
        return keras.Model(inputs, outputs, name="vgg")

    mistakes = [
        (mistake("vgg_pool_every_conv", every=True), POOL_EVERY_CONV),
        (mistake("vgg_same_filters", same=True), SAME_FILTERS),
        (mistake("vgg_filters_fixed", filters=(16, 32, 64)), FILTERS_FIXED),
        (mistake("vgg_one_conv", convs=1), ONE_CONV),
        (mistake("vgg_two_convs", convs=2), CONVS_FIXED),
        (mistake("vgg_ten_classes", n_classes=10), CLASSES),
        (mistake("vgg_head_fixed", dense_units=128, dropout=0.5), DENSE),
        (mistake("vgg_valid_pooling", padding="valid"), VALID),
        (mistake("vgg_5x5", k=5), KERNEL),
        (mistake("vgg_no_softmax", output_activation=None), NO_SOFTMAX),
        (mistake("vgg_counted_from_0", start=0), FROM_ONE),
        (mistake("vgg_unnamed", named=False), NAMES),
        (mistake("vgg_output_not_float32", output_dtype=None), FLOAT32),
        (mistake("vgg_dilated", dilation=2), model.DILATION),
        (mistake("vgg_bias_ones", fc_options={"bias_initializer": "ones"}), model.BIAS_INIT),
        (
            mistake("vgg_l2", fc_options={"kernel_regularizer": keras.regularizers.L2(1e-3)}),
            model.REGULARIZER,
        ),
        (vgg_seeded, model.SEED),
    ]
    return [
        Exercise(
            "vgg.build_vgg",
            "build_vgg",
            describe="keras_model",
            # names: the transfer-learning cells copy the blocks' weights by name (get_layer(layer.name))
            # dtype: the output layer is float32 under any precision policy (the docstring says so)
            describe_options={"names": True, "dtype": True},
            hint=(
                "for b, n in enumerate(filters, 1): convs_per_block × Conv2D(n, 3, padding='same', ReLU), "
                "then MaxPool2D(2, padding='same'); then Flatten, Dense(dense_units, ReLU), "
                f"Dropout(dropout), Dense(n_classes, softmax, dtype='float32'); {NAMES}."
            ),
            cases=[
                Case("the default: blocks of 16, 32, 64 filters, two convolutions each"),
                Case(
                    "two blocks (8, 16), three convolutions each, 5 classes",
                    kwargs={"filters": (8, 16), "convs_per_block": 3, "n_classes": 5},
                ),
                Case(
                    "dense_units=64, dropout=0.25: the arguments are used",
                    kwargs={"dense_units": 64, "dropout": 0.25},
                ),
            ],
            mistakes=mistakes,
            alternatives=[vgg_activation_layers, vgg_functional],
        ),
    ]
