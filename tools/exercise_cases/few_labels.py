"""Cases for notebooks/day4/few_labels.ipynb: uncertainty sampling, pseudo-labels and cutout."""

from __future__ import annotations

import numpy as np

from tools.exercise_cases.model import SEED, Case, Exercise, Rng

NOTEBOOK = "day4/few_labels.ipynb"

# --- smallest_margin ------------------------------------------------------------------------------
LARGEST_FIRST = (
    "sort the margins in increasing order: the *smallest* margins come first "
    "(np.argsort(margin)[:k]), not the largest."
)
COUNT = "return exactly k indices: [:k], not [:k + 1] or [:k - 1]."
MAX_MIN = (
    "the margin is the largest probability minus the *second* largest (the two classes the model "
    "hesitates between), not minus the smallest."
)
CONFIDENCE_ONLY = (
    "the margin subtracts the second-largest probability from the largest: the largest alone "
    "(least confidence) ranks the rows differently."
)
SORT_END = (
    "np.sort sorts each row in increasing order: the two largest probabilities are the last two "
    "columns, [:, -1] and [:, -2], not the first two."
)
SORT_AXIS = "sort each row (axis=1), not each column (axis=0): a margin compares the classes of one image."
VALUES = "return the indices of the rows (np.argsort), not their margins (np.sort)."
UNSTABLE = (
    'rows with the same margin keep their index order: np.argsort(margin, kind="stable") — '
    "the default quicksort may put equal values in any order."
)

# --- pseudo_labels --------------------------------------------------------------------------------
STRICT = "keep the rows whose confidence is *at least* the threshold: >=, not >."
NO_CAP = "keep at most `cap` rows of each predicted class (the most confident ones)."
CAP_TOTAL = "the cap is per predicted class (cap rows of each class), not cap rows in all."
CAP_LEAST = "within a class keep the *most* confident rows: sort by -confidence."
CONFIDENCE_NOT_LABEL = (
    "the second array holds the predicted classes (argmax of each kept row), not the confidences."
)
ORDER = "sort the kept indices (np.sort) and give their labels in the same order: not class by class."
NO_THRESHOLD = "drop the rows whose largest probability is below `threshold` before capping."
LABEL_AXIS = "the predicted class of a row is probabilities.argmax(axis=1): one label per row."

# --- cutout ---------------------------------------------------------------------------------------
RANGE_END = (
    "rng.integers(low, high) never returns high: the top row goes up to h - size, so draw "
    "rng.integers(0, h - size + 1) (and likewise for the column)."
)
DRAW_ORDER = "draw the top row first, then the left column, for each image in turn."
ONE_SQUARE = "draw a new square for every image: each image gets its own position."
SQUARE_SIZE = "the square is size x size pixels: slice [top:top + size], which includes `size` rows."
WHITE = "set the square to 0 (black, no ink), not 255."
SAME_RANGE = (
    "draw the row and the column from their own ranges: rng.integers(0, h - size + 1) for the row and "
    "rng.integers(0, w - size + 1) for the column (the images need not be square)."
)
CENTRE_DRAW = (
    "draw the square's top-left corner from 0 .. h - size (it lies wholly inside the image), not its "
    "centre from the whole image."
)


def _probabilities(rng, n, classes, concentration=1.0):
    return rng.dirichlet(np.full(classes, concentration), size=n)


def _tied(rng, n, classes):
    """Rows drawn from a few distributions only: many rows share their confidence exactly."""
    few = _probabilities(rng, 4, classes)
    return few[rng.integers(0, 4, size=n)]


def _images(rng, n, h, w):
    return rng.integers(1, 256, size=(n, h, w), dtype=np.uint8)


def exercises(ns: dict) -> list[Exercise]:
    rng = np.random.default_rng(2025)
    p_main = _probabilities(rng, 20, 10)
    p_tied = _tied(rng, 40, 4)
    p_spread = _probabilities(rng, 30, 5, 0.5)
    exact = np.array([[0.5, 0.5, 0.0], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2]])

    # --- smallest_margin: the mistakes -----------------------------------------------------------
    def _margin(probabilities):
        top_two = np.sort(probabilities, axis=1)[:, -2:]
        return top_two[:, 1] - top_two[:, 0]

    def largest_first(probabilities, k):
        return np.argsort(-_margin(probabilities), kind="stable")[:k]

    def one_more(probabilities, k):
        return np.argsort(_margin(probabilities), kind="stable")[: k + 1]

    def max_minus_min(probabilities, k):
        return np.argsort(probabilities.max(axis=1) - probabilities.min(axis=1), kind="stable")[:k]

    def confidence_only(probabilities, k):
        return np.argsort(probabilities.max(axis=1), kind="stable")[:k]

    def first_two_columns(probabilities, k):
        ordered = np.sort(probabilities, axis=1)
        return np.argsort(ordered[:, 1] - ordered[:, 0], kind="stable")[:k]

    def columns_sorted(probabilities, k):
        ordered = np.sort(probabilities, axis=0)
        return np.argsort(ordered[:, -1] - ordered[:, -2], kind="stable")[:k]

    def margins(probabilities, k):
        return np.sort(_margin(probabilities))[:k]

    def unstable(probabilities, k):
        return np.argsort(_margin(probabilities), kind="heapsort")[:k]

    def sorts_in_place(probabilities, k):
        probabilities.sort(axis=1)
        return np.argsort(probabilities[:, -1] - probabilities[:, -2], kind="stable")[:k]

    # --- smallest_margin: correct variants ---------------------------------------------------------
    def with_partition(probabilities, k):
        two = -np.partition(-probabilities, 1, axis=1)[:, :2]  # the two largest, largest first
        return np.lexsort((np.arange(len(two)), two[:, 0] - two[:, 1]))[:k]

    def with_sorted(probabilities, k):
        def margin(row):
            a, b = sorted(row, reverse=True)[:2]
            return a - b

        order = sorted(range(len(probabilities)), key=lambda i: margin(probabilities[i]))
        return np.array(order[:k], dtype=int)

    # --- pseudo_labels: the mistakes ---------------------------------------------------------------
    def _capped(probabilities, threshold, cap, keep_if, rank, total=False):
        predicted, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
        chosen = []
        groups = (
            [np.arange(len(probabilities))]
            if total
            else [predicted == c for c in range(probabilities.shape[1])]
        )
        for group in groups:
            rows = (
                np.flatnonzero(np.asarray(group) & keep_if(confidence, threshold))
                if not total
                else np.flatnonzero(keep_if(confidence, threshold))
            )
            chosen.append(rows[np.argsort(rank(confidence[rows]), kind="stable")[:cap]])
        idx = np.sort(np.concatenate(chosen)).astype(int)
        return idx, predicted[idx]

    def at_least(c, t):
        return c >= t

    def descending(c):
        return -c

    def strict(probabilities, threshold, cap):
        return _capped(probabilities, threshold, cap, lambda c, t: c > t, descending)

    def no_cap(probabilities, threshold, cap):
        return _capped(probabilities, threshold, len(probabilities), at_least, descending)

    def cap_in_all(probabilities, threshold, cap):
        return _capped(probabilities, threshold, cap, at_least, descending, total=True)

    def least_of_class(probabilities, threshold, cap):
        return _capped(probabilities, threshold, cap, at_least, lambda c: c)

    def confidence_not_label(probabilities, threshold, cap):
        idx, _ = _capped(probabilities, threshold, cap, at_least, descending)
        return idx, probabilities.max(axis=1)[idx]

    def class_by_class(probabilities, threshold, cap):
        predicted, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
        chosen = []
        for c in range(probabilities.shape[1]):
            rows = np.flatnonzero((predicted == c) & (confidence >= threshold))
            chosen.append(rows[np.argsort(-confidence[rows], kind="stable")[:cap]])
        idx = np.concatenate(chosen).astype(int)
        return idx, predicted[idx]

    def no_threshold(probabilities, threshold, cap):
        return _capped(probabilities, threshold, cap, lambda c, t: np.ones(len(c), bool), descending)

    # --- pseudo_labels: correct variants -----------------------------------------------------------
    def one_pass(probabilities, threshold, cap):
        predicted, confidence = np.argmax(probabilities, axis=1), np.max(probabilities, axis=1)
        taken = np.zeros(probabilities.shape[1], dtype=int)
        keep = []
        for i in np.lexsort((np.arange(len(confidence)), -confidence)):  # most confident first
            if confidence[i] >= threshold and taken[predicted[i]] < cap:
                taken[predicted[i]] += 1
                keep.append(i)
        keep = np.array(sorted(keep), dtype=int)
        return keep, predicted[keep]

    def with_ranks(probabilities, threshold, cap):
        predicted, confidence = probabilities.argmax(1), probabilities.max(1)
        ok = np.flatnonzero(confidence >= threshold)
        ok = ok[np.lexsort((ok, -confidence[ok], predicted[ok]))]  # by class, most confident first
        _, first = np.unique(predicted[ok], return_index=True)
        rank = np.arange(len(ok)) - np.repeat(first, np.diff(np.append(first, len(ok))))
        keep = np.sort(ok[rank < cap])
        return keep, predicted[keep]

    # --- cutout: the mistakes ----------------------------------------------------------------------
    def _cut(images, size, rng, high=lambda h, size: h - size + 1, extent=None, value=0, swap=False):
        out = images.copy()
        n, h, w = images.shape
        for i in range(n):
            a, b = rng.integers(0, high(h, size)), rng.integers(0, high(w, size))
            top, left = (b, a) if swap else (a, b)
            e = size if extent is None else extent
            out[i, top : top + e, left : left + e] = value
        return out

    def range_end(images, size, rng):
        return _cut(images, size, rng, high=lambda h, size: max(h - size, 1))

    def left_first(images, size, rng):
        out = images.copy()
        n, h, w = images.shape
        for i in range(n):
            left = rng.integers(0, w - size + 1)
            top = rng.integers(0, h - size + 1)
            out[i, top : top + size, left : left + size] = 0
        return out

    def one_square(images, size, rng):
        out = images.copy()
        _, h, w = images.shape
        top, left = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
        out[:, top : top + size, left : left + size] = 0
        return out

    def square_too_small(images, size, rng):
        return _cut(images, size, rng, extent=size - 1)

    def white(images, size, rng):
        return _cut(images, size, rng, value=255)

    def same_range(images, size, rng):
        out = images.copy()
        n, h, _ = images.shape
        for i in range(n):
            top, left = rng.integers(0, h - size + 1, size=2)
            out[i, top : top + size, left : left + size] = 0
        return out

    def centre_drawn(images, size, rng):
        out = images.copy()
        n, h, w = images.shape
        for i in range(n):
            cy, cx = rng.integers(0, h), rng.integers(0, w)
            top, left = max(cy - size // 2, 0), max(cx - size // 2, 0)
            out[i, top : top + size, left : left + size] = 0
        return out

    def global_generator(images, size, rng):
        out = images.copy()
        n, h, w = images.shape
        for i in range(n):
            top, left = np.random.randint(0, h - size + 1), np.random.randint(0, w - size + 1)
            out[i, top : top + size, left : left + size] = 0
        return out

    def in_place(images, size, rng):
        n, h, w = images.shape
        for i in range(n):
            top, left = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
            images[i, top : top + size, left : left + size] = 0
        return images

    # --- cutout: correct variants ------------------------------------------------------------------
    def with_mask(images, size, rng):
        n, h, w = images.shape
        rows, cols = np.arange(h)[:, None], np.arange(w)[None, :]
        masks = []
        for _ in range(n):
            top = rng.integers(0, h - size + 1)
            left = rng.integers(0, w - size + 1)
            masks.append((rows >= top) & (rows < top + size) & (cols >= left) & (cols < left + size))
        return np.where(np.array(masks), np.uint8(0), images)

    def with_array_copy(images, size, rng):
        out = np.array(images, copy=True)
        for img in out:  # views into out: writing to img writes to out
            top = int(rng.integers(0, img.shape[0] - size + 1))
            left = int(rng.integers(0, img.shape[1] - size + 1))
            img[top : top + size, left : left + size] = 0
        return out

    img_rng = np.random.default_rng(7)
    return [
        Exercise(
            "few_labels.smallest_margin",
            "smallest_margin",
            hint=(
                "sort a copy of each row (np.sort with axis=1): its last two columns are the two largest "
                "probabilities; the margin is the last minus the one before it; then a stable argsort of the "
                "margins, the first k."
            ),
            shape_hint="return k indices: an int array of shape (k,).",
            changed_hint="sort a copy (np.sort(probabilities, axis=1)), not the argument in place (.sort()).",
            cases=[
                Case("20 images, 10 classes, k = 5", (p_main, 5)),
                Case("40 images with tied margins, 4 classes, k = 12", (p_tied, 12)),
                Case("30 images, 5 classes, k = 30 (all of them)", (p_spread, 30)),
                Case("3 images, 3 classes, k = 2", (exact[:3], 2)),
                Case("20 images, k = 0 (nothing to buy)", (p_main, 0)),
            ],
            mistakes=[
                (largest_first, LARGEST_FIRST),
                (one_more, COUNT),
                (max_minus_min, MAX_MIN),
                (confidence_only, CONFIDENCE_ONLY),
                (first_two_columns, SORT_END),
                (columns_sorted, SORT_AXIS),
                (margins, VALUES),
                (unstable, UNSTABLE),
                (sorts_in_place, "sort a copy"),
            ],
            alternatives=[with_partition, with_sorted],
        ),
        Exercise(
            "few_labels.pseudo_labels",
            "pseudo_labels",
            hint=(
                "predicted = argmax(axis=1), confidence = max(axis=1); per class c: the rows predicted c "
                "with confidence >= threshold, the `cap` most confident (stable sort); then sort the indices."
            ),
            shape_hint="return two int arrays of the same length: (indices, labels).",
            cases=[
                Case("30 images, 5 classes, threshold 0.5, cap 3", (p_spread, 0.5, 3)),
                Case("confidences equal to the threshold, threshold 0.5, cap 2", (exact, 0.5, 2)),
                Case("40 tied images, 4 classes, threshold 0.3, cap 4", (p_tied, 0.3, 4)),
                Case("20 images, 10 classes, threshold 0.2, cap 1", (p_main, 0.2, 1)),
                Case("20 images, threshold 0.99: none kept", (p_main, 0.99, 5)),
            ],
            mistakes=[
                (strict, STRICT),
                (no_cap, NO_CAP),
                (cap_in_all, CAP_TOTAL),
                (least_of_class, CAP_LEAST),
                (confidence_not_label, CONFIDENCE_NOT_LABEL),
                (class_by_class, ORDER),
                (no_threshold, NO_THRESHOLD),
            ],
            alternatives=[one_pass, with_ranks],
        ),
        Exercise(
            "few_labels.cutout",
            "cutout",
            hint=(
                "work on images.copy(); for each image in turn draw the top row from "
                "rng.integers(0, h - size + 1), then the left column from rng.integers(0, w - size + 1), "
                "and set that size x size square to 0."
            ),
            shape_hint="return an array of the same shape as `images`.",
            deterministic=True,
            cases=[
                Case("5 images of 28 x 28, size 8, rng seed 0", (_images(img_rng, 5, 28, 28), 8, Rng(0))),
                Case("4 images of 6 x 9, size 3, rng seed 1", (_images(img_rng, 4, 6, 9), 3, Rng(1))),
                Case("3 images of 7 x 7, size 1, rng seed 2", (_images(img_rng, 3, 7, 7), 1, Rng(2))),
                Case(
                    "2 images of 5 x 5, size 5 (the whole image), rng seed 3",
                    (_images(img_rng, 2, 5, 5), 5, Rng(3)),
                ),
                Case(
                    "6 images of 10 x 4, size 2, rng passed as rng=, seed 4",
                    (_images(img_rng, 6, 10, 4), 2),
                    kwargs={"rng": Rng(4)},
                ),
            ],
            mistakes=[
                (range_end, RANGE_END),
                (left_first, DRAW_ORDER),
                (one_square, ONE_SQUARE),
                (square_too_small, SQUARE_SIZE),
                (white, WHITE),
                (same_range, SAME_RANGE),
                (centre_drawn, CENTRE_DRAW),
                (global_generator, SEED),
                (in_place, "changed its argument `images`"),
            ],
            alternatives=[with_mask, with_array_copy],
        ),
    ]
