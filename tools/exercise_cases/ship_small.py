"""Cases for notebooks/day4/ship_small.ipynb: magnitude pruning's mask and symmetric int8 quantisation."""

from __future__ import annotations

import numpy as np

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day4/ship_small.ipynb"

# --- magnitude_mask -----------------------------------------------------------------------------------
SMALLEST = "keep the *largest* |w|: sort by -|w| (or reverse the order), not the smallest first."
SIGNED = (
    "rank by magnitude, np.abs(weights): a large negative weight matters as much as a large positive "
    "one (ranking by w itself prunes every strongly negative weight)."
)
FLOOR = (
    "keep round((1 - sparsity) * weights.size) entries, not int(...): (1 - 0.8) * 10 is "
    "1.9999999999999996 in floating point, and int() cuts it down to 1."
)
KEEPS_SPARSITY = (
    "sparsity is the fraction *removed*: keep round((1 - sparsity) * size) entries, not sparsity * size."
)
TIES_ALL = (
    "keep exactly k entries: a threshold `|w| >= k-th largest` keeps every entry tied with it; break ties "
    "by position (the earlier entry in weights.ravel() first), e.g. np.argsort(-np.abs(w), kind='stable')."
)
TIES_NONE = (
    "keep exactly k entries: `|w| > threshold` drops the entries tied with the k-th largest; fill up with "
    "the tied ones in order of position."
)
WEIGHTS_NOT_MASK = "return the boolean mask (True = keep), not the pruned weights np.where(mask, w, 0)."
FLAT = "return the mask in the shape of `weights` (reshape the flat mask: mask.reshape(weights.shape))."
UNSTABLE = (
    "break ties by position: np.argsort's default sort is not stable, so among equal |w| it may keep a "
    "later entry — pass kind='stable'."
)
CHANGED_WEIGHTS = "changed its argument `weights`"

# --- quantize_int8 ------------------------------------------------------------------------------------
BY_128 = (
    "scale = max_abs / 127, not / 128: the symmetric range is [-127, 127], so the largest |w| maps to "
    "exactly 127."
)
MAX_NOT_ABS = (
    "the range is set by the largest *magnitude*, np.max(np.abs(w)): np.max(w) misses a large negative "
    "weight, which then saturates."
)
TRUNCATES = (
    "round to the nearest integer (np.round or np.rint) before .astype(np.int8): astype cuts towards zero, "
    "so 2.9 becomes 2."
)
NO_CLIP = (
    "clip to [-127, 127] before .astype(np.int8): with max_abs below max|w| some w / scale are beyond 127, "
    "and the cast wraps around (200 becomes -56) instead of saturating."
)
NOT_ROUNDED = "q holds integers: round w / scale and convert it with .astype(np.int8)."
INVERSE_SCALE = (
    "return the scale s with w ≈ s * q, i.e. max_abs / 127 (a small number), not its inverse 127 / max_abs."
)
ZERO_SCALE = "for an all-zero w use scale = 1.0 (the docstring's rule), not 0: q is all zeros either way."
PER_ROW = "one scale for the whole tensor (per-tensor): np.max(np.abs(w)) over all entries, not one per row."
MAX_ABS_IGNORED = "use the `max_abs` argument when it is given; only when it is None take np.max(np.abs(w))."
CHANGED_W = "changed its argument `w`"


def _rng_array(seed, shape, scale=1.0):
    return np.round(np.random.default_rng(seed).normal(0.0, scale, shape), 4)


def exercises(ns: dict) -> list[Exercise]:
    # --- inputs --------------------------------------------------------------------------------------
    ten = np.array([0.5, -2.0, 0.1, 3.0, -0.3, 0.05, 1.5, -0.7, 0.2, -4.0])
    ties = np.array([1.0, -1.0, 0.5, 1.0, -0.5, 0.25])
    matrix = _rng_array(1, (6, 5))
    kernel4 = _rng_array(2, (3, 3, 2, 4), 0.1)
    five = np.array([0.3, -0.1, 0.9, -0.6, 0.2])
    mostly_negative = np.array([[-5.0, 0.4, -3.0], [0.2, -4.0, 1.0]])
    q_matrix = _rng_array(3, (4, 6), 0.05)
    q_kernel = _rng_array(4, (3, 3, 1, 2), 0.2)
    q_vector = np.array([0.31, -0.07, 0.002, 0.125, -0.2])

    # --- magnitude_mask: the mistakes ---------------------------------------------------------------
    def _keep(weights, order, k):
        mask = np.zeros(weights.size, dtype=bool)
        mask[order[:k]] = True
        return mask.reshape(weights.shape)

    def keeps_smallest(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        return _keep(weights, np.argsort(np.abs(weights).ravel(), kind="stable"), k)

    def ranks_signed(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        return _keep(weights, np.argsort(-weights.ravel(), kind="stable"), k)

    def floor_count(weights, sparsity):
        k = int((1 - sparsity) * weights.size)
        return _keep(weights, np.argsort(-np.abs(weights).ravel(), kind="stable"), k)

    def keeps_sparsity(weights, sparsity):
        k = round(sparsity * weights.size)
        return _keep(weights, np.argsort(-np.abs(weights).ravel(), kind="stable"), k)

    def threshold_keeps_ties(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        if k == 0:
            return np.zeros(weights.shape, dtype=bool)
        t = np.sort(np.abs(weights).ravel())[::-1][k - 1]
        return np.abs(weights) >= t

    def threshold_drops_ties(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        if k == weights.size:
            return np.ones(weights.shape, dtype=bool)
        t = np.sort(np.abs(weights).ravel())[::-1][k]
        return np.abs(weights) > t

    def returns_pruned_weights(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        mask = _keep(weights, np.argsort(-np.abs(weights).ravel(), kind="stable"), k)
        return np.where(mask, weights, 0.0)

    def flat_mask(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        mask = np.zeros(weights.size, dtype=bool)
        mask[np.argsort(-np.abs(weights).ravel(), kind="stable")[:k]] = True
        return mask

    def ties_reversed(weights, sparsity):  # among equal |w|, the *later* entry first
        k = round((1 - sparsity) * weights.size)
        flat = np.abs(weights).ravel()
        order = np.lexsort((-np.arange(flat.size), -flat))
        return _keep(weights, order, k)

    def zeroes_in_place(weights, sparsity):
        k = round((1 - sparsity) * weights.size)
        order = np.argsort(-np.abs(weights).ravel(), kind="stable")
        weights.ravel()[order[k:]] = 0.0  # prunes the caller's array
        return _keep(weights, order, k)

    # --- magnitude_mask: correct variants -----------------------------------------------------------
    def by_partition_threshold(weights, sparsity):
        flat = np.abs(np.asarray(weights, dtype=float)).ravel()
        k = round((1 - sparsity) * flat.size)
        if k == 0:
            return np.zeros(np.shape(weights), dtype=bool)
        t = np.partition(flat, flat.size - k)[flat.size - k]  # the k-th largest |w|
        keep = flat > t
        tied = np.flatnonzero(flat == t)
        keep[tied[: k - keep.sum()]] = True  # fill up with the tied entries, earliest first
        return keep.reshape(np.shape(weights))

    def by_rank(weights, sparsity):
        a = np.abs(np.asarray(weights)).ravel()
        k = int(round((1 - sparsity) * a.size))
        order = np.lexsort((np.arange(a.size), -a))  # by -|w|, then by position
        rank = np.empty(a.size, dtype=int)
        rank[order] = np.arange(a.size)
        return (rank < k).reshape(np.shape(weights))

    # --- quantize_int8: the mistakes ----------------------------------------------------------------
    def _max_abs(w, max_abs):
        return np.max(np.abs(w)) if max_abs is None else max_abs

    def _q(w, scale, clip=True):
        x = np.round(np.asarray(w, dtype=float) / scale)
        return (np.clip(x, -127, 127) if clip else x).astype(np.int8)

    def scale_128(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 128 if m > 0 else 1.0
        return _q(w, scale), scale

    def max_not_abs(w, max_abs=None):
        m = np.max(w) if max_abs is None else max_abs
        scale = float(m) / 127 if m > 0 else 1.0
        return _q(w, scale), scale

    def truncates(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 127 if m > 0 else 1.0
        return np.clip(np.asarray(w, dtype=float) / scale, -127, 127).astype(np.int8), scale

    def no_clip(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 127 if m > 0 else 1.0
        return _q(w, scale, clip=False), scale

    def not_rounded(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 127 if m > 0 else 1.0
        return np.clip(np.asarray(w, dtype=float) / scale, -127, 127), scale

    def inverse_scale(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 127 if m > 0 else 1.0
        return _q(w, scale), 1.0 / scale

    def zero_scale(w, max_abs=None):
        m = _max_abs(w, max_abs)
        if m == 0:
            return np.zeros(np.shape(w), dtype=np.int8), 0.0
        return _q(w, float(m) / 127), float(m) / 127

    def per_row(w, max_abs=None):
        w = np.asarray(w, dtype=float)
        if w.ndim < 2:
            m = _max_abs(w, max_abs)
            scale = float(m) / 127 if m > 0 else 1.0
            return _q(w, scale), scale
        m = np.abs(w).max(axis=tuple(range(1, w.ndim)), keepdims=True) if max_abs is None else max_abs
        scale = np.where(m > 0, m / 127, 1.0)
        return _q(w, scale), np.squeeze(scale)

    def max_abs_ignored(w, max_abs=None):
        m = np.max(np.abs(w))
        scale = float(m) / 127 if m > 0 else 1.0
        return _q(w, scale), scale

    def divides_in_place(w, max_abs=None):
        m = _max_abs(w, max_abs)
        scale = float(m) / 127 if m > 0 else 1.0
        w /= scale  # changes the caller's array
        return np.clip(np.round(w), -127, 127).astype(np.int8), scale

    # --- quantize_int8: correct variants ------------------------------------------------------------
    def with_rint(w, max_abs=None):
        w = np.array(w, dtype=np.float64)  # a copy
        top = float(np.abs(w).max()) if max_abs is None else float(max_abs)
        scale = 1.0 if top == 0 else top / 127
        q = np.rint(w / scale)
        return np.minimum(np.maximum(q, -127), 127).astype(np.int8), scale

    def with_where(w, max_abs=None):
        w = np.asarray(w, dtype=float)
        limit = np.max(np.abs(w)) if max_abs is None else max_abs
        scale = float(limit / 127) if limit else 1.0
        x = np.round(w / scale)
        x = np.where(x > 127, 127, np.where(x < -127, -127, x))
        return x.astype("int8"), scale

    return [
        Exercise(
            "ship_small.magnitude_mask",
            "magnitude_mask",
            hint="keep round((1 - sparsity) * weights.size) entries: a stable argsort of -|w| over the "
            "flattened weights gives the order to keep them in; put True at the first ones in a boolean "
            "array of weights.size, then reshape it to weights.shape.",
            shape_hint=FLAT,
            cases=[
                Case("10 weights, sparsity 0.8 (keep 2)", (ten, 0.8)),
                Case("10 weights, sparsity 0.5", (ten, 0.5)),
                Case("ties: |w| = 1 three times, sparsity 0.5 (keep 3)", (ties, 0.5)),
                Case("ties: sparsity 2/3 (keep 2 of the three 1s)", (ties, 2 / 3)),
                Case("5 weights, sparsity 0.5 (round(2.5) = 2)", (five, 0.5)),
                Case("6 x 5 matrix, sparsity 0.7", (matrix, 0.7)),
                Case("3x3x2x4 conv kernel, sparsity 0.8", (kernel4, 0.8)),
                Case("large negative weights, sparsity 0.5", (mostly_negative, 0.5)),
                Case("sparsity 0 keeps everything", (matrix, 0.0)),
                Case("sparsity 1 keeps nothing", (kernel4, 1.0)),
                Case("6 x 5 matrix, sparsity 0.25 (keep round(22.5) = 22)", (matrix, 0.25)),
            ],
            mistakes=[
                (keeps_smallest, SMALLEST),
                (ranks_signed, SIGNED),
                (floor_count, FLOOR),
                (keeps_sparsity, KEEPS_SPARSITY),
                (threshold_keeps_ties, TIES_ALL),
                (threshold_drops_ties, TIES_NONE),
                (returns_pruned_weights, WEIGHTS_NOT_MASK),
                (flat_mask, FLAT),
                (ties_reversed, UNSTABLE),
                (zeroes_in_place, CHANGED_WEIGHTS),
            ],
            alternatives=[by_partition_threshold, by_rank],
        ),
        Exercise(
            "ship_small.quantize_int8",
            "quantize_int8",
            hint="the scale is max_abs / 127 (max_abs: the largest |w| unless given; 1.0 if it is 0); q is "
            "w / scale rounded with np.round, clipped to [-127, 127] and cast to int8; return (q, scale).",
            cases=[
                Case("5 weights", (q_vector,)),
                Case("4 x 6 matrix", (q_matrix,)),
                Case("3x3x1x2 conv kernel", (q_kernel,)),
                Case("largest magnitude negative", (np.array([-0.9, 0.3, 0.45, -0.1]),)),
                Case("all zeros", (np.zeros((2, 3)),)),
                Case("max_abs=0.1 below max|w|: saturates", (q_vector,), {"max_abs": 0.1}),
                Case("matrix, max_abs=0.05", (q_matrix,), {"max_abs": 0.05}),
            ],
            mistakes=[
                (scale_128, BY_128),
                (max_not_abs, MAX_NOT_ABS),
                (truncates, TRUNCATES),
                (no_clip, NO_CLIP),
                (not_rounded, NOT_ROUNDED),
                (inverse_scale, INVERSE_SCALE),
                (zero_scale, ZERO_SCALE),
                (per_row, PER_ROW),
                (max_abs_ignored, MAX_ABS_IGNORED),
                (divides_in_place, CHANGED_W),
            ],
            alternatives=[with_rint, with_where],
        ),
    ]
