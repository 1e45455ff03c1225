"""Cases for notebooks/day3/cnn_mnist.ipynb: the lecture's 3-conv network in Keras (convolution
arithmetic and the convolution and pooling by hand are in cnn_arithmetic.py)."""

from tools.exercise_cases.model import (  # the hints shared with vgg_augmentation_transfer too
    BIAS_INIT,
    DILATION,
    REGULARIZER,
    SEED,
    Case,
    Exercise,
    fresh_layer_names,
)

NOTEBOOK = "day3/cnn_mnist.ipynb"

# --- build_cnn ------------------------------------------------------------------------------------------
NO_POOL = (
    "each conv block ends with a 2×2 max-pooling that halves the width: 28 → 14 → 7 → 4 "
    "(then flatten gives 4·4·128 = 2048 inputs to fc1)."
)
FILTERS = "the three convolutions have 32, 64 and 128 filters of 3×3 — the number doubles as the maps shrink."
KEEP_PROB = (
    "Keras's Dropout(rate) takes the fraction *dropped*: pass `dropout` (0.3 = 1 − keep_prob), not keep_prob."
)
VALID = (
    "the convolutions use padding='same' (the 28×28 maps stay 28×28 until a pooling halves them); "
    "'valid', Keras's default, loses two pixels per convolution."
)
POOL3 = (
    "pool3 needs padding='same': it turns the 7×7 maps into 4×4 (rounding up); 'valid', Keras's default, "
    "drops the last row and column and gives 3×3 (flatten 1152 instead of 2048). For pool1 and pool2 "
    "(28 → 14 → 7) both paddings give the same output."
)
NO_RELU = "each convolution is followed by a ReLU: Conv2D(n, 3, padding='same', activation='relu')."
NO_SOFTMAX = "the output layer gives class probabilities: Dense(10, activation='softmax')."
NO_FLATTEN = (
    "put Flatten() between the last conv block and fc1: Dense on a 4×4×128 map would act on each "
    "position separately instead of on all 2048 values."
)
NO_DROP = "dropout comes four times: after each conv block (drop1, drop2, drop3) and after fc1 (drop4)."
UNITS = (
    "fc1 has 625 units; 2048 is the flatten width, the number of *inputs* of fc1 (the slide of "
    "cnn_arithmetic, Section 5)."
)
INIT = "keep Keras's default initialiser (Glorot uniform, as the text says): no kernel_initializer argument."
NAMES = "name the layers as in the table: conv1, pool1, drop1, …, flatten, fc1, drop4, output"


def exercises(ns):
    keras, L, DROPOUT = ns["keras"], ns["L"], ns["DROPOUT"]

    # --- build_cnn: the solution with one thing changed (same layer names as the notebook) --------------
    def _cnn(
        dropout,
        *,
        filters=(32, 64, 128),
        pool=True,
        padding="same",
        pool_padding=("same", "same", "same"),
        rate=None,
        conv_activation="relu",
        output_activation="softmax",
        flatten=True,
        block_dropout=True,
        units=625,
        init="glorot_uniform",
        named=True,
        relu_layers=False,
        dilation=(1, 1, 1),
        fc1_options=None,
    ):
        rate = dropout if rate is None else rate
        fc1_options = fc1_options or {}

        def name(text):
            return text if named else None

        layers = [keras.Input(shape=(28, 28, 1))]
        for k, n in enumerate(filters, start=1):
            act = None if relu_layers else conv_activation
            layers.append(
                L.Conv2D(
                    n,
                    3,
                    padding=padding,
                    activation=act,
                    kernel_initializer=init,
                    dilation_rate=dilation[k - 1],
                    name=name(f"conv{k}"),
                )
            )
            if relu_layers:
                layers.append(L.ReLU())
            if pool:
                layers.append(L.MaxPool2D(2, padding=pool_padding[k - 1], name=name(f"pool{k}")))
            if block_dropout:
                layers.append(L.Dropout(rate, name=name(f"drop{k}")))
        if flatten:
            layers.append(L.Flatten(name=name("flatten")))
        layers += [
            L.Dense(
                units,
                activation=None if relu_layers else "relu",
                kernel_initializer=init,
                name=name("fc1"),
                **fc1_options,
            ),
            *([L.Activation("relu")] if relu_layers else []),
            L.Dropout(rate, name=name("drop4")),
            L.Dense(
                10,
                activation=output_activation,
                kernel_initializer=init,
                name=name("output"),
                dtype="float32",
            ),
        ]
        return keras.Sequential(layers, name="cnn")

    def cnn_no_pooling(dropout=DROPOUT):
        return _cnn(dropout, pool=False)

    def cnn_filters_32(dropout=DROPOUT):
        return _cnn(dropout, filters=(32, 32, 32))

    def cnn_keep_prob(dropout=DROPOUT):
        return _cnn(dropout, rate=1 - dropout)

    def cnn_valid(dropout=DROPOUT):  # padding="valid" everywhere, convolutions included
        return _cnn(dropout, padding="valid", pool_padding=("valid",) * 3)

    def cnn_pool3_valid(dropout=DROPOUT):  # MaxPool2D(2) with Keras's default padding in every block
        return _cnn(dropout, pool_padding=("valid",) * 3)

    def cnn_no_relu(dropout=DROPOUT):
        return _cnn(dropout, conv_activation=None)

    def cnn_no_softmax(dropout=DROPOUT):
        return _cnn(dropout, output_activation=None)

    def cnn_no_flatten(dropout=DROPOUT):
        return _cnn(dropout, flatten=False)

    def cnn_dropout_once(dropout=DROPOUT):  # only the dropout after fc1
        return _cnn(dropout, block_dropout=False)

    def cnn_2048_units(dropout=DROPOUT):
        return _cnn(dropout, units=2048)

    def cnn_he_init(dropout=DROPOUT):
        return _cnn(dropout, init="he_normal")

    def cnn_unnamed(dropout=DROPOUT):
        with fresh_layer_names():
            return _cnn(dropout, named=False)

    def cnn_dilated(dropout=DROPOUT):  # dilation_rate=2 on conv2
        return _cnn(dropout, dilation=(1, 2, 1))

    def cnn_bias_ones(dropout=DROPOUT):
        return _cnn(dropout, fc1_options={"bias_initializer": "ones"})

    def cnn_l2(dropout=DROPOUT):
        return _cnn(dropout, fc1_options={"kernel_regularizer": keras.regularizers.L2(1e-3)})

    def cnn_seeded(dropout=DROPOUT):
        keras.utils.set_random_seed(0)  # "for reproducibility": resets numpy's global generator
        return _cnn(dropout)

    def cnn_valid_pool12(dropout=DROPOUT):  # the table's "max-pool 2x2": valid is right where widths are even
        return _cnn(dropout, pool_padding=("valid", "valid", "same"))

    def cnn_activation_layers(dropout=DROPOUT):  # ReLU as separate layers, after the named ones
        return _cnn(dropout, relu_layers=True)

    def cnn_functional(dropout=DROPOUT):  # the functional API, a loop over the blocks
        inputs = keras.Input(shape=(28, 28, 1))
        h = inputs
        for k, n in enumerate((32, 64, 128), start=1):
            h = L.Conv2D(n, (3, 3), strides=1, padding="same", activation="relu", name=f"conv{k}")(h)
            h = L.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="same", name=f"pool{k}")(h)
            h = L.Dropout(rate=dropout, name=f"drop{k}")(h)
        h = L.Flatten(name="flatten")(h)
        h = L.Dropout(dropout, name="drop4")(L.Dense(625, activation="relu", name="fc1")(h))
        outputs = L.Dense(10, activation="softmax", name="output", dtype="float32")(h)
        return keras.Model(inputs, outputs, name="cnn")

    return [
        Exercise(
            "cnn.build_cnn",
            "build_cnn",
            describe="keras_model",
            describe_options={"names": True},  # later cells look layers up by name (get_layer("fc1"))
            hint=(
                "three blocks conv 3×3 (32, 64, 128 filters, padding='same', ReLU) → MaxPool2D(2) "
                "(padding='same' at least for pool3: 7 → 4) → Dropout(dropout); then Flatten, "
                f"Dense(625, ReLU), Dropout(dropout), Dense(10, softmax); {NAMES}."
            ),
            cases=[
                Case("the lecture's network (dropout 0.3)"),
                Case("dropout=0.5: the argument is used", kwargs={"dropout": 0.5}),
            ],
            mistakes=[
                (cnn_no_pooling, NO_POOL),
                (cnn_filters_32, FILTERS),
                (cnn_keep_prob, KEEP_PROB),
                (cnn_valid, VALID),
                (cnn_pool3_valid, POOL3),
                (cnn_no_relu, NO_RELU),
                (cnn_no_softmax, NO_SOFTMAX),
                (cnn_no_flatten, NO_FLATTEN),
                (cnn_dropout_once, NO_DROP),
                (cnn_2048_units, UNITS),
                (cnn_he_init, INIT),
                (cnn_unnamed, NAMES),
                (cnn_dilated, DILATION),
                (cnn_bias_ones, BIAS_INIT),
                (cnn_l2, REGULARIZER),
                (cnn_seeded, SEED),
            ],
            alternatives=[cnn_valid_pool12, cnn_activation_layers, cnn_functional],
        ),
    ]
