"""Cases for notebooks/day3/training_kit.ipynb: the early-stopping callback."""

from __future__ import annotations

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day3/training_kit.ipynb"

# --- make_early_stopping ----------------------------------------------------------------------------
TRAINING_LOSS = (
    'monitor the *validation* loss ("val_loss"): the training loss keeps falling, so it never signals '
    "overfitting."
)
ACCURACY = 'this section stops on the validation *loss* ("val_loss"), not the accuracy.'
NO_RESTORE = (
    "without restore_best_weights=True the model keeps the last epoch's weights, `patience` epochs past "
    "the best ones."
)
PATIENCE_IGNORED = "use the `patience` argument, not a fixed number."
SILENT = (
    "pass verbose=1: the callback then says in the training log at which epoch it stopped and that it "
    "restored the best weights."
)
CLASS_NOT_CALLBACK = (
    "return a callback object: *call* keras.callbacks.EarlyStopping(...) with the settings, not the "
    "class itself."
)
BASELINE = (
    "set only what the docstring lists (monitor, patience, restore_best_weights, verbose) and leave "
    "the other settings at Keras's defaults: a baseline stops training at once unless the first "
    "epochs already beat it."
)


def exercises(ns: dict) -> list[Exercise]:
    keras = ns["keras"]
    default_patience = ns["PATIENCE"]

    # --- make_early_stopping: the mistakes ----------------------------------------------------------
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

    def silent(patience=default_patience):  # verbose left at Keras's default 0
        return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)

    def returns_the_class(patience=default_patience):
        return keras.callbacks.EarlyStopping

    def with_baseline(patience=default_patience):  # "stop unless the loss gets below 1"
        return early_stopping(patience, baseline=1.0)

    # --- make_early_stopping: correct variants ------------------------------------------------------
    def positional(patience=default_patience):
        # EarlyStopping(monitor, min_delta, patience, verbose, mode, baseline, restore_best_weights)
        return keras.callbacks.EarlyStopping("val_loss", 0, patience, 1, "auto", None, True)

    def defaults_spelled_out(patience=default_patience):
        from keras.callbacks import EarlyStopping

        settings = {"patience": patience, "restore_best_weights": True, "verbose": True, "mode": "min"}
        return EarlyStopping(**settings)  # "val_loss" is the default monitor

    return [
        Exercise(
            "training_kit.make_early_stopping",
            "make_early_stopping",
            describe="callback",
            hint='keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, '
            "restore_best_weights=True, verbose=1).",
            cases=[
                Case("as in section 2: no arguments"),
                Case("patience 1", (1,)),
                Case("patience=15 (keyword)", kwargs={"patience": 15}),
            ],
            mistakes=[
                (monitors_training_loss, TRAINING_LOSS),
                (monitors_accuracy, ACCURACY),
                (no_restore, NO_RESTORE),
                (patience_ignored, PATIENCE_IGNORED),
                (silent, SILENT),
                (returns_the_class, CLASS_NOT_CALLBACK),
                (with_baseline, BASELINE),
            ],
            alternatives=[positional, defaults_spelled_out],
        ),
    ]
