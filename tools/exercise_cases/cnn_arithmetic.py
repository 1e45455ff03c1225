"""Cases for notebooks/day3/cnn_arithmetic.ipynb: convolution arithmetic, a convolution and a pooling
by hand."""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day3/cnn_arithmetic.ipynb"

# --- conv_output_size ---------------------------------------------------------------------------------
PLUS_ONE = "count the positions: the first window starts at 0, so the width is floor((i − f + 2p)/s) + 1."
FLOOR = (
    "use integer (floor) division `//`: a last window that does not fit completely is dropped, "
    "so the width is a whole number."
)
CEIL = (
    "round down, not up: floor((i − f + 2p)/s) + 1 — a last window that would stick out of the "
    "(padded) input is dropped, not counted."
)
INT_TOWARD_ZERO = (
    "int() rounds towards zero, so int(−1/2) = 0: use floor division `//`, which rounds down "
    "(−1 // 2 = −1). When no window fits (i = 2, f = 3, s = 2) the width is floor(−1/2) + 1 = 0, not 1."
)
TWO_P = "padding adds p zeros on *each* side of the input: i + 2p in all."
NO_P = "use the padding p: the window slides over the padded input, i + 2p wide."
NO_S = "divide by the stride s: the window jumps s pixels at a time, so there are about (i − f + 2p)/s steps."

# --- conv2d_naive ---------------------------------------------------------------------------------------
FLIP = (
    "do not flip the filter: deep-learning libraries compute a cross-correlation, "
    "Y[r, c] = Σ X[r·s + u, c·s + v] · W[u, v] + b, with W as given (no W[::-1, ::-1])."
)
BIAS = "add the bias b to every output position."
PAD = "pad the image with `padding` zeros on every side first (np.pad(x, padding)), then slide the filter."
PAD_ONE_SIDE = (
    "np.pad(x, padding) puts `padding` zeros before *and* after each axis; np.pad(x, (0, padding)) "
    "pads only the bottom and the right."
)
OFFSET = (
    "move the window by the stride: output (r, c) looks at rows r·stride … r·stride + f − 1 "
    "and columns c·stride … c·stride + f − 1."
)
CONV_STRIDE = (
    "use the `stride` argument: with stride s the output has conv_output_size(h + 2·padding, f, s) "
    "rows, and output (r, c) starts at (r·s, c·s)."
)
LAST_WINDOW = (
    "the last window starts at h − f (included): range(0, h − f + 1, stride), not range(0, h − f, "
    "stride) — or loop over range(conv_output_size(...))."
)
CONV_DTYPE = (
    "the output is a float array: make it with np.zeros((out_h, out_w)) (float64), not dtype=x.dtype — "
    "for an integer image every output value would be truncated to a whole number."
)
SQUARE = "the image need not be square: rows come from x.shape[0], columns from x.shape[1]."

# --- pool_naive -----------------------------------------------------------------------------------------
MEAN = "max-pooling keeps the largest value under each window (reduce=np.max is the default), not the mean."
REDUCE = (
    "use the `reduce` argument: y[r, c] = reduce(window) — np.max by default, but the check also "
    "passes reduce=np.mean and reduce=np.min."
)
STRIDE_IS_F = (
    "use the `stride` argument: window size and stride are separate settings "
    "(a 3×3 window with stride 1 overlaps its neighbours)."
)
POOL_STRIDE = (
    "move the window by `stride`: the output is conv_output_size(h, f, stride) × "
    "conv_output_size(w, f, stride), not one position per pixel."
)
POOL_DTYPE = (
    "the output is a float array: make it with np.zeros((out_h, out_w)) (float64), not dtype=x.dtype — "
    "for an integer array the mean of a window (e.g. 3.5) would be truncated (to 3)."
)
PARTIAL = (
    "drop a last window that does not fit completely: the output has conv_output_size(h, f, stride) "
    "= floor((h − f) / stride) + 1 rows — a 6×6 array with a 3×3 window and stride 2 gives 2×2, "
    "not ceil(...) + 1 = 3×3 with half-empty windows at the edge."
)
WINDOW = "the window is f × f: x[r·s : r·s + f] (a Python slice stops *before* its end), not r·s + f − 1."


def exercises(ns):
    conv_output_size = ns["conv_output_size"]

    # --- conv_output_size -----------------------------------------------------------------------------
    def size_no_plus_one(i, f, s=1, p=0):
        return (i - f + 2 * p) // s

    def size_true_division(i, f, s=1, p=0):
        return (i - f + 2 * p) / s + 1

    def size_ceil(i, f, s=1, p=0):
        return math.ceil((i - f + 2 * p) / s) + 1

    def size_int(i, f, s=1, p=0):  # int() truncates towards zero: wrong once i - f + 2p < 0
        return int((i - f + 2 * p) / s) + 1

    def size_padding_once(i, f, s=1, p=0):
        return (i - f + p) // s + 1

    def size_no_padding(i, f, s=1, p=0):
        return (i - f) // s + 1

    def size_no_stride(i, f, s=1, p=0):
        return i - f + 2 * p + 1

    def size_float(i, f, s=1, p=0):  # right number, wrong type: range() and np.empty refuse 2.0
        return np.floor((i - f + 2 * p) / s) + 1

    def size_math_floor(i, f, s=1, p=0):
        return math.floor((i - f + 2 * p) / s) + 1

    def size_count_positions(i, f, s=1, p=0):  # the window's start positions in the padded input
        return len(range(0, i + 2 * p - f + 1, s))

    # --- conv2d_naive: inputs (the lecture's tiny cases are remade exactly as in the notebook) -----------
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
    xneg = np.round(r.normal(size=(6, 6)), 2) - 3.0  # all negative: a maximum started at 0 shows
    x57 = r.integers(0, 20, size=(5, 7)).astype(float)
    x79 = np.round(r.normal(size=(7, 9)), 2)  # not square, odd: windows left over at the bottom and right
    xint = np.arange(16).reshape(4, 4)  # an integer image: a float output must not be truncated
    wfrac = np.array([[0.5, -0.25], [0.75, 1.5]])
    xint46 = np.arange(24).reshape(4, 6)  # integers: the window means are halves
    x66 = np.round(np.random.default_rng(5).normal(size=(6, 6)), 2)  # (6 − 3) % 2 = 1: a partial window

    def _conv(x, w, b, stride, padding, *, flip=False, offset=True, step=None, pad=None, square=False):
        """The solution's loops with one thing changed (each mistake below picks one)."""
        x = np.pad(np.asarray(x, dtype=float), padding if pad is None else pad)
        w = w[::-1, ::-1] if flip else w
        f = w.shape[0]
        step = stride if step is None else step
        out_h = conv_output_size(x.shape[0], f, step)
        out_w = out_h if square else conv_output_size(x.shape[1], f, step)
        y = np.empty((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                a, c = (i * step, j * step) if offset else (i, j)
                y[i, j] = np.sum(x[a : a + f, c : c + f] * w) + b
        return y

    def conv_flipped(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, flip=True)

    def conv_no_bias(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, 0.0, stride, padding)

    def conv_no_padding(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, 0)

    def conv_pad_one_side(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, pad=(0, padding))

    def conv_no_offset(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, offset=False)

    def conv_stride_ignored(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, step=1)

    def conv_square(x, w, b=0.0, stride=1, padding=0):
        return _conv(x, w, b, stride, padding, square=True)

    def conv_int_output(x, w, b=0.0, stride=1, padding=0):  # the output array takes the image's dtype
        xp = np.pad(x, padding)
        f = w.shape[0]
        out_h, out_w = conv_output_size(xp.shape[0], f, stride), conv_output_size(xp.shape[1], f, stride)
        y = np.zeros((out_h, out_w), dtype=x.dtype)
        for i in range(out_h):
            for j in range(out_w):
                y[i, j] = np.sum(xp[i * stride : i * stride + f, j * stride : j * stride + f] * w) + b
        return y

    def conv_range_end(x, w, b=0.0, stride=1, padding=0):  # range(0, h - f, stride): the last start missed
        x = np.pad(np.asarray(x, dtype=float), padding)
        f = w.shape[0]
        rows, cols = range(0, x.shape[0] - f, stride), range(0, x.shape[1] - f, stride)
        return np.array([[np.sum(x[a : a + f, c : c + f] * w) + b for c in cols] for a in rows])

    def conv_windows(x, w, b=0.0, stride=1, padding=0):  # vectorised: every f x f window at once
        windows = sliding_window_view(np.pad(x, padding), w.shape)[::stride, ::stride]
        return np.einsum("rcuv,uv->rc", windows, w) + b

    def conv_shifted_sums(x, w, b=0.0, stride=1, padding=0):  # one shifted, strided slice per filter weight
        xp = np.pad(np.asarray(x, dtype=float), padding)
        f = len(w)
        out_h, out_w = (xp.shape[0] - f) // stride + 1, (xp.shape[1] - f) // stride + 1
        y = np.full((out_h, out_w), float(b))
        for u in range(f):
            for v in range(f):
                y += w[u, v] * xp[u : u + stride * out_h : stride, v : v + stride * out_w : stride]
        return y

    # --- pool_naive -----------------------------------------------------------------------------------
    def _pool(x, f, stride, reduce, *, step=None, offset=True, size=None):
        step = stride if step is None else step
        size = f if size is None else size
        out_h, out_w = conv_output_size(x.shape[0], f, step), conv_output_size(x.shape[1], f, step)
        y = np.empty((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                a, c = (i * step, j * step) if offset else (i, j)
                y[i, j] = reduce(x[a : a + size, c : c + size])
        return y

    def pool_mean(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, np.mean)

    def pool_reduce_ignored(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, np.max)

    def pool_no_offset(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, offset=False)

    def pool_stride_is_window(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, step=f)

    def pool_stride_ignored(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, step=1)

    def pool_window_short(x, f, stride, reduce=np.max):
        return _pool(x, f, stride, reduce, size=f - 1)

    def pool_int_output(x, f, stride, reduce=np.max):  # the output array takes x's dtype
        out_h, out_w = conv_output_size(x.shape[0], f, stride), conv_output_size(x.shape[1], f, stride)
        y = np.zeros((out_h, out_w), dtype=x.dtype)
        for i in range(out_h):
            for j in range(out_w):
                y[i, j] = reduce(x[i * stride : i * stride + f, j * stride : j * stride + f])
        return y

    def pool_partial_windows(x, f, stride, reduce=np.max):  # ceil: a last window sticking out is kept
        out_h, out_w = math.ceil((x.shape[0] - f) / stride) + 1, math.ceil((x.shape[1] - f) / stride) + 1
        y = np.empty((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                y[i, j] = reduce(x[i * stride : i * stride + f, j * stride : j * stride + f])
        return y

    def pool_windows(x, f, stride, reduce=np.max):  # vectorised: reduce over the two window axes
        return reduce(sliding_window_view(x, (f, f))[::stride, ::stride], axis=(2, 3))

    def pool_comprehension(x, f, stride, reduce=np.max):
        h, w = x.shape
        return np.array(
            [
                [reduce(x[a : a + f, c : c + f]) for c in range(0, w - f + 1, stride)]
                for a in range(0, h - f + 1, stride)
            ]
        )

    return [
        Exercise(
            "cnn.conv_output_size",
            "conv_output_size",
            hint="o = floor((i − f + 2p) / s) + 1, an integer.",
            cases=[
                Case("lecture: 4x4 input, 3x3 filter, stride 1", (4, 3, 1, 0)),
                Case("lecture: 5x5 input, 3x3 filter, stride 2", (5, 3, 2, 0)),
                Case("lecture: 5x5 input, 4x4 filter, padding 2", (5, 4, 1, 2)),
                Case("lecture: 5x5 input, 3x3 pooling, stride 1", (5, 3, 1, 0)),
                Case("28x28, 3x3 filter, padding 1 (= 'same')", (28, 3, 1, 1)),
                Case("6 wide, 3x3 filter, stride 2 (one left over)", (6, 3, 2, 0)),
                Case("224 wide, 7x7 filter, stride 2, padding 3", (224, 7, 2, 3)),
                Case("28 wide, 5x5 filter, stride 3, padding 1", (28, 5, 3, 1)),
                Case("2x2 pooling with stride 2 on 28", (28, 2, 2, 0)),
                Case("2x2 pooling with stride 2 on 7 (one row left over)", (7, 2, 2, 0)),
                Case("defaults s=1, p=0", (10, 3)),
                Case("2 wide, 3x3 filter, stride 2: no window fits (0)", (2, 3, 2, 0)),
            ],
            mistakes=[
                (size_no_plus_one, PLUS_ONE),
                (size_true_division, FLOOR),
                (size_int, INT_TOWARD_ZERO),  # before size_ceil: both give 1 where no window fits
                (size_ceil, CEIL),
                (size_padding_once, TWO_P),
                (size_no_padding, NO_P),
                (size_no_stride, NO_S),
                (size_float, "expected a whole number"),
            ],
            alternatives=[size_math_floor, size_count_positions],
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
                Case("lecture: 4x4, vertical-edge filter", (x4, edge)),
                Case("lecture: 5x5, 3x3 filter, stride 2", (x5, edge), {"stride": 2}),
                Case("lecture: 5x5, 4x4 filter, padding 2", (x5, w4), {"padding": 2}),
                Case("6x8 image, 3x3 filter, bias 0.5", (x68, w3), {"b": 0.5}),
                Case(
                    "7x7, 2x2 filter, stride 3, padding 1, bias -1",
                    (x77, w2),
                    {"b": -1.0, "stride": 3, "padding": 1},
                ),
                Case("7x9, 3x3 filter, stride 2, padding 1, bias 2", (x79, w3, 2.0, 2, 1)),
                Case("3x3 image, 3x3 filter: one output", (x33, w3)),
                Case("4x4 integer image, 2x2 filter, bias 0.25: a float output", (xint, wfrac, 0.25)),
            ],
            mistakes=[
                (conv_flipped, FLIP),
                (conv_no_bias, BIAS),
                (conv_no_padding, PAD),
                (conv_pad_one_side, PAD_ONE_SIDE),
                (conv_no_offset, OFFSET),
                (conv_stride_ignored, CONV_STRIDE),
                (conv_range_end, LAST_WINDOW),
                (conv_square, SQUARE),
                (conv_int_output, CONV_DTYPE),
            ],
            alternatives=[conv_windows, conv_shifted_sums],
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
                Case("lecture: 5x5, 3x3 window, stride 1", (x5, 3, 1)),
                Case("4x4, 2x2 window, stride 2", (x4, 2, 2)),
                Case("6x6 negative values, 2x2, stride 2", (xneg, 2, 2)),
                Case("5x7, 3x3 window, stride 2", (x57, 3, 2)),
                Case("lecture: 5x5, 3x3 window, stride 1, reduce=np.mean", (x5, 3, 1), {"reduce": np.mean}),
                Case("6x8, 2x2 window, stride 2, reduce=np.mean", (x68, 2, 2, np.mean)),
                Case("7x9, 3x3 window, stride 2, reduce=np.min", (x79, 3, 2), {"reduce": np.min}),
                Case("3x3, one 3x3 window", (x33, 3, 3)),
                Case("4x6 integers, 2x2, stride 2, reduce=np.mean: a float output", (xint46, 2, 2, np.mean)),
                Case("6x6, 3x3 window, stride 2 (a last row and column left over)", (x66, 3, 2)),
            ],
            mistakes=[
                (pool_mean, MEAN),
                (pool_reduce_ignored, REDUCE),
                (pool_no_offset, OFFSET),
                (pool_stride_is_window, STRIDE_IS_F),
                (pool_stride_ignored, POOL_STRIDE),
                (pool_window_short, WINDOW),
                (pool_int_output, POOL_DTYPE),
                (pool_partial_windows, PARTIAL),
            ],
            alternatives=[pool_windows, pool_comprehension],
        ),
    ]
