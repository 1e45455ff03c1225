"""Cases for Day 2, mnist_softmax: a numerically stable softmax and the mean cross-entropy, with the
mistake catalogue of each (issue 21)."""

import numpy as np
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/mnist_softmax.ipynb"

# --- softmax -------------------------------------------------------------------------------------------
SHIFT = (
    "subtract the max of each row before exp (z - its row max, keepdims=True): exp(1000) overflows "
    "to inf and inf / inf is nan."
)
AXIS = (
    "normalise each example (each row) separately: take the max and the sum over the last axis, "
    "axis=-1 with keepdims=True, not over the examples (axis=0)."
)
ALL = "normalise each row separately: e.sum(axis=-1, keepdims=True), not e.sum() over the whole array."
GLOBAL_MAX = (
    "subtract each row's own max, z.max(axis=-1, keepdims=True), not the max of the whole array: "
    "a row far below it underflows to exp(...) = 0 everywhere, and 0 / 0 is nan."
)
KEEPDIMS = (
    "keep the reduced axis: z.max(axis=-1, keepdims=True) has shape (m, 1) and lines up with the rows; "
    "without keepdims the m row maxima (and sums) are spread along the columns."
)
NOT_NORMALISED = "divide exp(z - max) by its sum over the row, so that each row sums to 1."
IN_PLACE_Z = "changed its argument `z`"

# --- cross_entropy -------------------------------------------------------------------------------------
LOG_SUM_EXP = (
    "-log(softmax(z)) is inf when p_y underflows to 0: use log p_y = z_y - c - log Σ_j exp(z_j - c) "
    "with c = the row's max, and never take the log of a probability."
)
CE_SHIFT = (
    "shift by the row's max before exp: exp(1000) overflows to inf — log p_y = z_y - c - log Σ_j "
    "exp(z_j - c) with c = max_j z_j."
)
MEAN = "average over the examples (np.mean), not the sum."
MEAN_ALL = (
    "np.mean over the whole (m, K) array divides by m·K: take -log p of the true class of each row "
    "(a sum over the classes of y_k log p_k), then average over the m rows."
)
TRUE_CLASS = "take -log p of the *true* class labels[i] of each row, not of the predicted (largest) one."
ONE_HOT = "only the true class counts: -Σ_k y_k log p_k with a one-hot y is -log p_y, not -Σ_k log p_k."
SIGN = "the loss is -log p_y: log p_y ≤ 0, so the loss is positive."
COLUMNS = (
    "log_p[:, labels] takes every label's column for every row (an m × m table): take one entry per "
    "row, log_p[np.arange(m), labels]."
)
ROW_SUM = "log Σ_j exp(z_j - c) is one number per row: sum over axis=-1 with keepdims=True, not over all."
IN_PLACE_LOGITS = "changed its argument `logits`"
CE_GLOBAL_MAX = (
    "shift each row by its own max, c = z.max(axis=-1, keepdims=True), not by the max of the whole "
    "batch: a row of ordinary logits next to a row with a 1000 is shifted down by ~1000, its exp(...) "
    "all underflow to 0 and log 0 = -inf."
)
PER_EXAMPLE = (
    "average over the examples: one number (the mean of the m per-example losses -log p[i, labels[i]]), "
    "not the vector of the m losses."
)


def _stable(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_naive(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def softmax_axis0(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_all(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_global_max(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    with np.errstate(invalid="ignore"):
        return e / e.sum(axis=-1, keepdims=True)


def softmax_no_keepdims(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1))
    return e / e.sum(axis=-1)


def softmax_not_normalised(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z - z.max(axis=-1, keepdims=True))


def softmax_in_place(z):
    z = np.asarray(z, dtype=np.float64)  # no copy: a float64 array is the caller's own
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=-1, keepdims=True)


def softmax_scipy(z):
    return scipy_softmax(np.asarray(z, dtype=np.float64), axis=-1)


def softmax_logsumexp(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


def softmax_row_by_row(z):
    def one(row):
        e = np.exp(row - row.max())
        return e / e.sum()

    return np.apply_along_axis(one, -1, np.asarray(z, dtype=np.float64))


def _rows(z, labels):
    return np.arange(len(z)), np.asarray(labels)


def _log_p(logits):
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def ce_log_of_softmax(logits, labels):
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(_stable(logits)[_rows(logits, labels)])))


def ce_naive(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return float(-np.mean(log_p[_rows(z, labels)]))


def ce_sum(logits, labels):
    return float(-np.sum(_log_p(logits)[_rows(logits, labels)]))


def ce_mean_over_all(logits, labels):
    log_p = _log_p(logits)
    Y = np.eye(log_p.shape[1])[np.asarray(labels)]
    return float(-np.mean(Y * log_p))


def ce_predicted(logits, labels):
    return float(-np.mean(_log_p(logits).max(axis=-1)))


def ce_all_classes(logits, labels):
    return float(-np.mean(_log_p(logits).sum(axis=-1)))


def ce_no_minus(logits, labels):
    return float(np.mean(_log_p(logits)[_rows(logits, labels)]))


def ce_columns(logits, labels):
    return float(-np.mean(_log_p(logits)[:, np.asarray(labels)]))


def ce_sum_over_all(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max(axis=-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum())
    return float(-np.mean(log_p[_rows(z, labels)]))


def ce_global_max(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max()  # the max of the whole batch
    with np.errstate(divide="ignore"):
        log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return float(-np.mean(log_p[_rows(z, labels)]))


def ce_per_example(logits, labels):
    return -_log_p(logits)[_rows(logits, labels)]


def ce_in_place(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    z -= z.max(axis=-1, keepdims=True)  # shifts the caller's logits
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return float(-np.mean(log_p[_rows(z, labels)]))


def ce_scipy(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    picked = z[np.arange(len(z)), np.asarray(labels)]
    return float(np.mean(logsumexp(z, axis=1) - picked))


def ce_one_hot(logits, labels):
    log_p = _log_p(logits)
    Y = np.eye(log_p.shape[1])[np.asarray(labels)]
    return -np.sum(Y * log_p, axis=1).mean()


def ce_loop(logits, labels):
    total = 0.0
    for z, k in zip(np.asarray(logits, dtype=np.float64), labels, strict=True):
        c = z.max()
        total += -(z[k] - c - np.log(np.sum(np.exp(z - c))))
    return total / len(logits)


def exercises(ns):
    rng = np.random.default_rng(2029)
    batch = rng.normal(scale=3.0, size=(4, 5))
    square = rng.normal(scale=2.0, size=(3, 3))
    cube = rng.normal(size=(2, 3, 4))
    ce_batch, ce_labels = rng.normal(scale=2.0, size=(6, 4)), rng.integers(0, 4, size=6)
    ce_one = rng.normal(size=(1, 10))
    notebook_batch = np.array([[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0], [0.5, 2.5, -1.0]])
    return [
        Exercise(
            "softmax.softmax",
            "softmax",
            hint=(
                "p = exp(z - max) / sum(exp(z - max)), with the max and the sum taken over the last axis "
                "(keepdims=True); np.asarray(z) first, so that a list works too."
            ),
            shape_hint="return probabilities of the same shape as z: one distribution per row.",
            cases=[
                Case("published: logits (2.0, 1.0, 0.1)", (np.array([2.0, 1.0, 0.1]),)),
                # a square batch before the others: without keepdims it gives wrong numbers, not an error
                Case("a batch: 3 examples, 3 classes", (square,)),
                Case("a batch: 4 examples, 5 classes", (batch,)),
                Case("large logits (1000, 999, 998)", (np.array([1000.0, 999.0, 998.0]),)),
                Case("a batch with large logits", (np.array([[1000.0, 0.0, -1000.0], [-5.0, 5.0, 0.0]]),)),
                Case("a (2, 3, 4) array: softmax over the last axis", (cube,)),
                Case("one class: probability 1", (np.array([[3.0], [-2.0]]),)),
                Case("a list, (1.3, -0.4)", ([1.3, -0.4],)),
            ],
            mistakes=[
                (softmax_naive, SHIFT),
                (softmax_axis0, AXIS),
                (softmax_all, ALL),
                (softmax_global_max, GLOBAL_MAX),
                (softmax_no_keepdims, KEEPDIMS),
                (softmax_not_normalised, NOT_NORMALISED),
                (softmax_in_place, IN_PLACE_Z),
            ],
            alternatives=[softmax_scipy, softmax_logsumexp, softmax_row_by_row],
        ),
        Exercise(
            "softmax.cross_entropy",
            "cross_entropy",
            hint=(
                "for each row i: log p = z - c - log Σ_j exp(z_j - c) with c the row's max; "
                "the loss is the mean over the rows of -log p[i, labels[i]]."
            ),
            cases=[
                # a batch first: a vector of per-example losses is then told by its own hint, not
                # taken for "the same number in another shape" as against one example
                Case("6 examples, 4 classes", (ce_batch, ce_labels)),
                Case(
                    "published: logits (2.0, 1.0, 0.1), true class 0",
                    (np.array([[2.0, 1.0, 0.1]]), np.array([0])),
                ),
                Case(
                    "large logits (1000, 999, 998), true class 0",
                    (np.array([[1000.0, 999.0, 998.0]]), np.array([0])),
                ),
                Case(
                    "large logits: a true class 1000 below the max",
                    (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]), np.array([1, 1])),
                ),
                # the notebook's own batch: one row of large logits between two ordinary rows (finite)
                Case(
                    "the notebook's batch: a row (1000, 0, -1000) between two ordinary rows",
                    (notebook_batch, np.array([0, 1, 1])),
                ),
                Case("one example, 10 classes", (ce_one, np.array([7]))),
                Case("labels as a list", (ce_batch[:3], [2, 0, 3])),
            ],
            mistakes=[
                (ce_log_of_softmax, LOG_SUM_EXP),
                (ce_naive, CE_SHIFT),
                (ce_sum, MEAN),
                (ce_mean_over_all, MEAN_ALL),
                (ce_predicted, TRUE_CLASS),
                (ce_all_classes, ONE_HOT),
                (ce_no_minus, SIGN),
                (ce_columns, COLUMNS),
                (ce_sum_over_all, ROW_SUM),
                (ce_in_place, IN_PLACE_LOGITS),
                (ce_global_max, CE_GLOBAL_MAX),
                (ce_per_example, PER_EXAMPLE),
            ],
            alternatives=[ce_scipy, ce_one_hot, ce_loop],
        ),
    ]
