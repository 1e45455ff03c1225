"""Cases for notebooks/day3/tensorboard_shuffling.ipynb: the index batches (moved here from
training_kit with their section; the exercise keeps its id ``training_kit.epoch_batches``)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import RANDOM_HINT, RNG_USE_HINT
from tools.exercise_cases.model import Case, Exercise, Rng

NOTEBOOK = "day3/tensorboard_shuffling.ipynb"

# --- epoch_batches ----------------------------------------------------------------------------------
DROP_LAST = (
    "keep the last, shorter batch: every index must be in one batch each epoch (range(0, n, batch_size))."
)
ONE_BASED = "indices start at 0: they index numpy arrays."
RNG_IGNORED = "with an `rng`, the order is rng.permutation(n), not 0..n-1: that is the index shuffling."
WITHIN_BATCHES = (
    "shuffle the whole order once, *before* cutting it into batches: shuffling inside each batch leaves "
    "every batch with the same neighbouring indices (one class each on sorted data)."
)
BATCH_ORDER = (
    "permute the indices, not the order of the batches: fixed batches 0..b-1, b..2b-1, ... still hold "
    "neighbouring examples (one class each on sorted data)."
)
WITH_REPLACEMENT = (
    "draw without replacement: rng.permutation(n) holds every index exactly once; rng.choice(n, n) "
    "(or rng.integers) repeats some indices and leaves others out."
)
CHOICE = (
    "use rng.permutation(n) as the docstring says: rng.choice(n, n, replace=False) is random too, but "
    "draws a different order from the same seed, so the check cannot compare it."
)
OWN_SEED = (
    "draw from the `rng` you are given, not from a generator of your own with a fixed seed: that gives "
    "every epoch the same order."
)
# Both of these draw different numbers on every call, so the grader's rng rule (RANDOM_HINT) rejects
# them; each catalogue entry names the part of that hint that describes it.
GLOBAL_NP_RANDOM = "never from np.random.*"
FRESH_GENERATOR = "a new default_rng()"
assert GLOBAL_NP_RANDOM in RANDOM_HINT and FRESH_GENERATOR in RANDOM_HINT
# the grader's own messages for an rng drawn from once too often and for a `yield` instead of a list
EXTRA_DRAW = RNG_USE_HINT
GENERATOR = "returned a generator"


def _slices(order, batch_size):
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def exercises(ns: dict) -> list[Exercise]:
    # --- epoch_batches: the mistakes ----------------------------------------------------------------
    def drop_last(n, batch_size, rng=None):
        order = np.arange(n)
        return [order[s : s + batch_size] for s in range(0, n - batch_size + 1, batch_size)]

    def one_based(n, batch_size, rng=None):
        return _slices(np.arange(1, n + 1), batch_size)

    def rng_ignored(n, batch_size, rng=None):
        return _slices(np.arange(n), batch_size)

    def shuffle_within_batches(n, batch_size, rng=None):
        batches = _slices(np.arange(n), batch_size)
        return batches if rng is None else [rng.permutation(b) for b in batches]

    def shuffle_batch_order(n, batch_size, rng=None):
        batches = _slices(np.arange(n), batch_size)
        return batches if rng is None else [batches[i] for i in rng.permutation(len(batches))]

    def with_replacement(n, batch_size, rng=None):
        return _slices(np.arange(n) if rng is None else rng.choice(n, n), batch_size)

    def choice_without_replacement(n, batch_size, rng=None):
        return _slices(np.arange(n) if rng is None else rng.choice(n, n, replace=False), batch_size)

    def own_fixed_seed(n, batch_size, rng=None):
        return _slices(np.arange(n) if rng is None else np.random.default_rng(0).permutation(n), batch_size)

    def global_np_random(n, batch_size, rng=None):
        return _slices(np.arange(n) if rng is None else np.random.permutation(n), batch_size)

    def fresh_generator(n, batch_size, rng=None):
        return _slices(np.arange(n) if rng is None else np.random.default_rng().permutation(n), batch_size)

    def extra_draw(n, batch_size, rng=None):
        order = np.arange(n) if rng is None else rng.permutation(n)
        if rng is not None:
            rng.integers(10)  # a leftover debugging draw: the next epoch's order changes
        return _slices(order, batch_size)

    def yields_batches(n, batch_size, rng=None):
        order = np.arange(n) if rng is None else rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]

    # --- epoch_batches: correct variants ------------------------------------------------------------
    def shuffle_in_place(n, batch_size, rng=None):
        order = np.arange(n)
        if rng is not None:
            rng.shuffle(order)  # the same draws as rng.permutation(n)
        return np.array_split(order, range(batch_size, n, batch_size))

    def python_lists(n, batch_size, rng=None):
        order = list(range(n))
        if rng:
            rng.shuffle(order)
        batches, start = [], 0
        while start < n:
            batches.append(order[start : start + batch_size])
            start += batch_size
        return batches

    return [
        Exercise(
            "training_kit.epoch_batches",
            "epoch_batches",
            hint="order = rng.permutation(n) if an rng is given, else np.arange(n); then the slices "
            "order[start:start + batch_size] for start = 0, batch_size, 2·batch_size, ... < n.",
            deterministic=True,
            cases=[
                Case("10 indices in batches of 4 (the self-check's)", (10, 4)),
                Case("10 indices in batches of 4, shuffled (rng seed 7)", (10, 4, Rng(7))),
                Case("12 indices in batches of 4: no shorter batch", (12, 4)),
                Case("12 indices in batches of 4, shuffled (rng seed 1)", (12, 4, Rng(1))),
                Case("batch larger than the data: one batch", (3, 5)),
                Case("batch larger than the data, shuffled: one batch (rng seed 2)", (3, 5, Rng(2))),
                Case("batches of one", (4, 1)),
                Case("batches of one, shuffled (rng seed 3)", (5, 1, Rng(3))),
                Case("one index", (1, 64)),
                Case("rng as a keyword: 7 indices in batches of 3 (rng seed 5)", (7, 3), {"rng": Rng(5)}),
            ],
            mistakes=[
                (drop_last, DROP_LAST),
                (one_based, ONE_BASED),
                (rng_ignored, RNG_IGNORED),
                (shuffle_within_batches, WITHIN_BATCHES),
                (shuffle_batch_order, BATCH_ORDER),
                (with_replacement, WITH_REPLACEMENT),
                (choice_without_replacement, CHOICE),
                (own_fixed_seed, OWN_SEED),
                (global_np_random, GLOBAL_NP_RANDOM),
                (fresh_generator, FRESH_GENERATOR),
                (extra_draw, EXTRA_DRAW),
                (yields_batches, GENERATOR),
            ],
            alternatives=[shuffle_in_place, python_lists],
        ),
    ]
