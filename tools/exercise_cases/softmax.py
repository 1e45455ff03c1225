"""Cases for Day 2, mnist_softmax: a numerically stable softmax and the mean cross-entropy."""

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day2/mnist_softmax.ipynb"

SHIFT = (
    "subtract the max of each row before exp (z - its row max, keepdims=True): exp(1000) overflows "
    "to inf and inf / inf is nan."
)
AXIS = (
    "normalise each example (each row) separately: take the max and the sum over the last axis, "
    "axis=-1 with keepdims=True, not over the examples (axis=0)."
)
ALL = "normalise each row separately: e.sum(axis=-1, keepdims=True), not e.sum() over the whole array."
LOG_SUM_EXP = (
    "-log(softmax(z)) is inf when p_y underflows to 0: use log p_y = z_y - c - log Σ_j exp(z_j - c) "
    "with c = the row's max, and never take the log of a probability."
)
MEAN = "average over the examples (np.mean), not the sum."
TRUE_CLASS = "take -log p of the *true* class labels[i] of each row, not of the predicted (largest) one."
ONE_HOT = "only the true class counts: -Σ_k y_k log p_k with a one-hot y is -log p_y, not -Σ_k log p_k."
SIGN = "the loss is -log p_y: log p_y ≤ 0, so the loss is positive."


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


def _rows(z, labels):
    return np.arange(len(z)), np.asarray(labels)


def ce_log_of_softmax(logits, labels):
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(_stable(logits)[_rows(logits, labels)])))


def ce_naive(logits, labels):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(np.log(softmax_naive(logits)[_rows(logits, labels)])))


def _log_p(logits):
    z = np.asarray(logits, dtype=np.float64)
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def ce_sum(logits, labels):
    return float(-np.sum(_log_p(logits)[_rows(logits, labels)]))


def ce_predicted(logits, labels):
    return float(-np.mean(_log_p(logits).max(axis=-1)))


def ce_all_classes(logits, labels):
    return float(-np.mean(_log_p(logits).sum(axis=-1)))


def ce_no_minus(logits, labels):
    return float(np.mean(_log_p(logits)[_rows(logits, labels)]))


def exercises(ns):
    rng = np.random.default_rng(2029)
    batch = rng.normal(scale=3.0, size=(4, 5))
    cube = rng.normal(size=(2, 3, 4))
    ce_batch, ce_labels = rng.normal(scale=2.0, size=(6, 4)), rng.integers(0, 4, size=6)
    soft_batch = [(softmax_axis0, AXIS), (softmax_all, ALL)]
    ce_mistakes = [
        (ce_sum, MEAN),
        (ce_predicted, TRUE_CLASS),
        (ce_all_classes, ONE_HOT),
        (ce_no_minus, SIGN),
    ]
    return [
        Exercise(
            "softmax.softmax",
            "softmax",
            hint=(
                "p = exp(z - max) / sum(exp(z - max)), with the max and the sum taken over the last axis "
                "(keepdims=True)."
            ),
            shape_hint="return probabilities of the same shape as z: one distribution per row.",
            cases=[
                Case("published: logits (2.0, 1.0, 0.1)", (np.array([2.0, 1.0, 0.1]),)),
                Case("a batch: 4 examples, 5 classes", (batch,), mistakes=soft_batch),
                Case(
                    "large logits (1000, 999, 998)",
                    (np.array([1000.0, 999.0, 998.0]),),
                    mistakes=[(softmax_naive, SHIFT)],
                ),
                Case(
                    "a batch with large logits",
                    (np.array([[1000.0, 0.0, -1000.0], [-5.0, 5.0, 0.0]]),),
                    mistakes=[(softmax_naive, SHIFT), *soft_batch],
                ),
                Case("a (2, 3, 4) array: softmax over the last axis", (cube,), mistakes=soft_batch),
                Case("one class: probability 1", (np.array([[3.0], [-2.0]]),)),
            ],
        ),
        Exercise(
            "softmax.cross_entropy",
            "cross_entropy",
            hint=(
                "for each row i: log p = z - c - log Σ_j exp(z_j - c) with c the row's max; "
                "the loss is the mean over the rows of -log p[i, labels[i]]."
            ),
            cases=[
                Case(
                    "published: logits (2.0, 1.0, 0.1), true class 0",
                    (np.array([[2.0, 1.0, 0.1]]), np.array([0])),
                    mistakes=[(ce_all_classes, ONE_HOT), (ce_no_minus, SIGN)],
                ),
                Case("6 examples, 4 classes", (ce_batch, ce_labels), mistakes=ce_mistakes),
                Case(
                    "large logits: a true class 1000 below the max",
                    (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]), np.array([1, 1])),
                    mistakes=[(ce_log_of_softmax, LOG_SUM_EXP), (ce_naive, LOG_SUM_EXP), *ce_mistakes],
                ),
                Case(
                    "one example, 10 classes", (rng.normal(size=(1, 10)), np.array([7])), mistakes=ce_mistakes
                ),
            ],
        ),
    ]
