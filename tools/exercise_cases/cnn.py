"""Cases for notebooks/day3/cnn_mnist.ipynb: convolution arithmetic, a convolution and a pooling by
hand, and the lecture's 3-conv network."""

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day3/cnn_mnist.ipynb"

PLUS_ONE = "count the positions: the first window starts at 0, so the width is floor((i − f + 2p)/s) + 1."
FLOOR = (
    "use integer (floor) division `//`: a last window that does not fit completely is dropped, "
    "so the width is a whole number."
)
TWO_P = "padding adds p zeros on *each* side of the input: i + 2p in all."
FLIP = (
    "do not flip the filter: deep-learning libraries compute a cross-correlation, "
    "Y[r, c] = Σ X[r·s + u, c·s + v] · W[u, v] + b, with W as given (no W[::-1, ::-1])."
)
BIAS = "add the bias b to every output position."
PAD = "pad the image with `padding` zeros on every side first (np.pad(x, padding)), then slide the filter."
OFFSET = (
    "move the window by the stride: output (r, c) looks at rows r·stride … r·stride + f − 1 "
    "and columns c·stride … c·stride + f − 1."
)
MEAN = "max-pooling keeps the largest value under each window (reduce=np.max is the default), not the mean."
STRIDE_IS_F = (
    "use the `stride` argument: window size and stride are separate settings "
    "(a 3×3 window with stride 1 overlaps its neighbours)."
)
NO_POOL = (
    "each conv block ends with a 2×2 max-pooling, padding='same', that halves the width: 28 → 14 → 7 → 4 "
    "(then flatten gives 4·4·128 = 2048 inputs to fc1)."
)
FILTERS = "the three convolutions have 32, 64 and 128 filters of 3×3 — the number doubles as the maps shrink."
KEEP_PROB = (
    "Keras's Dropout(rate) takes the fraction *dropped*: pass `dropout` (0.3 = 1 − keep_prob), not keep_prob."
)
VALID = "every convolution and pooling uses padding='same' (so 28 → 14 → 7 → 4, rounding up)."


def exercises(ns):
    conv_output_size = ns["conv_output_size"]
    keras, L, DROPOUT = ns["keras"], ns["L"], ns["DROPOUT"]

    # --- conv_output_size: the mistakes ---------------------------------------------------------
    def size_no_plus_one(i, f, s=1, p=0):
        return (i - f + 2 * p) // s

    def size_true_division(i, f, s=1, p=0):
        return (i - f + 2 * p) / s + 1

    def size_padding_once(i, f, s=1, p=0):
        return (i - f + p) // s + 1

    size_mistakes = [(size_no_plus_one, PLUS_ONE), (size_true_division, FLOOR), (size_padding_once, TWO_P)]

    # --- conv2d_naive: inputs (the lecture's tiny cases are remade exactly as in the notebook) ---
    rng = np.random.default_rng(42)
    x4 = np.arange(1, 17, dtype=float).reshape(4, 4)
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    x5 = rng.integers(0, 10, size=(5, 5)).astype(float)
    w4 = rng.integers(-2, 3, size=(4, 4)).astype(float)
    r = np.random.default_rng(3)
    x68 = r.integers(-5, 6, size=(6, 8)).astype(float)  # not square, negative values
    w3 = r.integers(-3, 4, size=(3, 3)).astype(float)
    x77 = np.round(r.normal(size=(7, 7)), 2)
    w2 = np.round(r.normal(size=(2, 2)), 2)
    x33 = r.integers(0, 9, size=(3, 3)).astype(float)

    def _conv(x, w, b, stride, padding, flip=False, offset=True):
        x = np.pad(np.asarray(x, dtype=float), padding)
        w = w[::-1, ::-1] if flip else w
        f = w.shape[0]
        out_h, out_w = conv_output_size(x.shape[0], f, stride), conv_output_size(x.shape[1], f, stride)
        y = np.empty((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                a, c = (i * stride, j * stride) if offset else (i, j)
                y[i, j] = np.sum(x[a : a + f, c : c + f] * w) + b
        return y

    def conv_flipped(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, flip=True)

    def conv_no_bias(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, 0.0, stride, padding)

    def conv_no_padding(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, 0)

    def conv_no_offset(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, offset=False)

    conv_mistakes = [
        (conv_flipped, FLIP),
        (conv_no_bias, BIAS),
        (conv_no_padding, PAD),
        (conv_no_offset, OFFSET),
    ]

    # --- pool_naive: the mistakes ----------------------------------------------------------------
    def _pool(x, f, stride, reduce, step, offset=True):
        out_h, out_w = conv_output_size(x.shape[0], f, step), conv_output_size(x.shape[1], f, step)
        y = np.empty((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                a, c = (i * step, j * step) if offset else (i, j)
                y[i, j] = reduce(x[a : a + f, c : c + f])
        return y

    def pool_mean(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, np.mean, stride)

    def pool_no_offset(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, stride, offset=False)

    def pool_stride_is_window(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, f)

    pool_mistakes = [(pool_mean, MEAN), (pool_no_offset, OFFSET), (pool_stride_is_window, STRIDE_IS_F)]
    xneg = np.round(r.normal(size=(6, 6)), 2) - 3.0  # all negative: a maximum started at 0 shows
    x57 = r.integers(0, 20, size=(5, 7)).astype(float)

    # --- build_cnn: the mistakes (same layer names as the notebook) --------------------------------
    def _cnn(dropout, filters=(32, 64, 128), pool=True, padding="same", rate=None):
        rate = dropout if rate is None else rate
        layers = [keras.Input(shape=(28, 28, 1))]
        for k, n in enumerate(filters, start=1):
            layers.append(L.Conv2D(n, 3, padding=padding, activation="relu", name=f"conv{k}"))
            if pool:
                layers.append(L.MaxPool2D(2, padding=padding, name=f"pool{k}"))
            layers.append(L.Dropout(rate, name=f"drop{k}"))
        layers += [
            L.Flatten(name="flatten"),
            L.Dense(625, activation="relu", name="fc1"),
            L.Dropout(rate, name="drop4"),
            L.Dense(10, activation="softmax", name="output", dtype="float32"),
        ]
        return keras.Sequential(layers, name="cnn")

    def cnn_no_pooling(dropout=DROPOUT):
        return _cnn(dropout, pool=False)

    def cnn_filters_32(dropout=DROPOUT):
        return _cnn(dropout, filters=(32, 32, 32))

    def cnn_keep_prob(dropout=DROPOUT):
        return _cnn(dropout, rate=1 - dropout)

    def cnn_valid(dropout=DROPOUT):
        return _cnn(dropout, padding="valid")

    cnn_mistakes = [
        (cnn_no_pooling, NO_POOL),
        (cnn_filters_32, FILTERS),
        (cnn_keep_prob, KEEP_PROB),
        (cnn_valid, VALID),
    ]

    return [
        Exercise(
            "cnn.conv_output_size",
            "conv_output_size",
            hint="o = floor((i − f + 2p) / s) + 1, an integer.",
            cases=[
                Case("lecture: 4x4 input, 3x3 filter, stride 1", (4, 3, 1, 0), mistakes=size_mistakes),
                Case("lecture: 5x5 input, 3x3 filter, stride 2", (5, 3, 2, 0), mistakes=size_mistakes),
                Case("lecture: 5x5 input, 4x4 filter, padding 2", (5, 4, 1, 2), mistakes=size_mistakes),
                Case("lecture: 5x5 input, 3x3 pooling, stride 1", (5, 3, 1, 0)),
                Case("28x28, 3x3 filter, padding 1 (= 'same')", (28, 3, 1, 1), mistakes=size_mistakes),
                Case("6 wide, 3x3 filter, stride 2 (one left over)", (6, 3, 2, 0), mistakes=size_mistakes),
                Case("224 wide, 7x7 filter, stride 2, padding 3", (224, 7, 2, 3), mistakes=size_mistakes),
                Case("28 wide, 5x5 filter, stride 3, padding 1", (28, 5, 3, 1), mistakes=size_mistakes),
                Case("2x2 pooling with stride 2 on 28", (28, 2, 2, 0)),
                Case("defaults s=1, p=0", (10, 3)),
            ],
        ),
        Exercise(
            "cnn.conv2d_naive",
            "conv2d_naive",
            hint=(
                "pad first, then for each output position (r, c): the sum of the f×f patch starting at "
                "(r·stride, c·stride) times the filter, plus b; the output size comes from conv_output_size."
            ),
            shape_hint=(
                "the output has conv_output_size(h + 2·padding, f, stride) rows and "
                "conv_output_size(w + 2·padding, f, stride) columns."
            ),
            cases=[
                Case("lecture: 4x4, vertical-edge filter", (x4, edge), mistakes=conv_mistakes),
                Case("lecture: 5x5, 3x3 filter, stride 2", (x5, edge), {"stride": 2}, mistakes=conv_mistakes),
                Case("lecture: 5x5, 4x4 filter, padding 2", (x5, w4), {"padding": 2}, mistakes=conv_mistakes),
                Case("6x8 image, 3x3 filter, bias 0.5", (x68, w3), {"b": 0.5}, mistakes=conv_mistakes),
                Case(
                    "7x7, 2x2 filter, stride 3, padding 1, bias -1",
                    (x77, w2),
                    {"b": -1.0, "stride": 3, "padding": 1},
                    mistakes=conv_mistakes,
                ),
                Case("3x3 image, 3x3 filter: one output", (x33, w3), mistakes=conv_mistakes),
            ],
        ),
        Exercise(
            "cnn.pool_naive",
            "pool_naive",
            hint=(
                "for each output position (r, c): reduce (np.max by default) the f×f window starting at "
                "(r·stride, c·stride); the output size comes from conv_output_size."
            ),
            shape_hint="the output is conv_output_size(h, f, stride) × conv_output_size(w, f, stride).",
            cases=[
                Case("lecture: 5x5, 3x3 window, stride 1", (x5, 3, 1), mistakes=pool_mistakes),
                Case("4x4, 2x2 window, stride 2", (x4, 2, 2), mistakes=pool_mistakes),
                Case("6x6 negative values, 2x2, stride 2", (xneg, 2, 2), mistakes=pool_mistakes),
                Case("5x7, 3x3 window, stride 2", (x57, 3, 2), mistakes=pool_mistakes),
                Case("3x3, one 3x3 window", (x33, 3, 3)),
            ],
        ),
        Exercise(
            "cnn.build_cnn",
            "build_cnn",
            describe="keras_model",
            hint=(
                "three blocks conv 3×3 (32, 64, 128 filters, padding='same', ReLU) → MaxPool2D(2, "
                "padding='same') → Dropout(dropout); then Flatten, Dense(625, ReLU), Dropout(dropout), "
                "Dense(10, softmax)."
            ),
            cases=[
                Case("the lecture's network (dropout 0.3)", mistakes=cnn_mistakes),
                Case("dropout=0.5: the argument is used", kwargs={"dropout": 0.5}),
            ],
        ),
    ]
