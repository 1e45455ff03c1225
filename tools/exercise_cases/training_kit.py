"""Cases for notebooks/day3/training_kit.ipynb: the early-stopping callback and the index batches."""

from __future__ import annotations

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day3/training_kit.ipynb"


def exercises(ns: dict) -> list[Exercise]:
    keras = ns["keras"]
    default_patience = ns["PATIENCE"]

    def early_stopping(patience=default_patience, **changes):
        config = dict(monitor="val_loss", patience=patience, restore_best_weights=True, verbose=1)
        config.update(changes)
        return keras.callbacks.EarlyStopping(**config)

    def monitors_training_loss(patience=default_patience):
        return early_stopping(patience, monitor="loss")

    def monitors_accuracy(patience=default_patience):
        return early_stopping(patience, monitor="val_accuracy")

    def no_restore(patience=default_patience):
        return early_stopping(patience, restore_best_weights=False)

    def patience_ignored(patience=default_patience):
        return early_stopping(default_patience)

    stopping_mistakes = [
        (
            monitors_training_loss,
            'monitor the *validation* loss ("val_loss"): the training loss keeps '
            "falling, so it never signals overfitting.",
        ),
        (monitors_accuracy, 'this section stops on the validation *loss* ("val_loss"), not the accuracy.'),
        (
            no_restore,
            "without restore_best_weights=True the model keeps the last epoch's weights, "
            "`patience` epochs past the best ones.",
        ),
    ]

    def drop_last(n, batch_size, rng=None):
        order = np.arange(n)
        return [order[s : s + batch_size] for s in range(0, n - batch_size + 1, batch_size)]

    def one_based(n, batch_size, rng=None):
        order = np.arange(1, n + 1)
        return [order[s : s + batch_size] for s in range(0, n, batch_size)]

    return [
        Exercise(
            "training_kit.make_early_stopping",
            "make_early_stopping",
            describe="callback",
            hint='keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, '
            "restore_best_weights=True, verbose=1).",
            cases=[
                Case("as in section 2: no arguments", mistakes=stopping_mistakes),
                Case(
                    "patience 1",
                    (1,),
                    mistakes=[(patience_ignored, "use the `patience` argument, not a fixed number.")],
                ),
                Case("patience=15 (keyword)", kwargs={"patience": 15}),
            ],
        ),
        Exercise(
            "training_kit.epoch_batches",
            "epoch_batches",
            hint="without rng: order = np.arange(n); then slices order[start:start + batch_size] for "
            "start = 0, batch_size, 2·batch_size, ... < n.",
            cases=[
                Case(
                    "10 indices in batches of 4 (the self-check's)",
                    (10, 4),
                    mistakes=[
                        (
                            drop_last,
                            "keep the last, shorter batch: every index must be in one batch each "
                            "epoch (range(0, n, batch_size)).",
                        ),
                        (one_based, "indices start at 0: they index numpy arrays."),
                    ],
                ),
                Case("12 indices in batches of 4: no shorter batch", (12, 4)),
                Case("batch larger than the data: one batch", (3, 5)),
                Case("batches of one", (4, 1)),
                Case("one index", (1, 64)),
            ],
        ),
    ]
