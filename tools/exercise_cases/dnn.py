"""Cases for notebooks/day2/mnist_dnn.ipynb: the MLP builder and one Adam step."""

from __future__ import annotations

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day2/mnist_dnn.ipynb"


def exercises(ns: dict) -> list[Exercise]:
    keras = ns["keras"]
    Dense, Dropout = keras.layers.Dense, keras.layers.Dropout

    def mlp(
        hidden,
        activation,
        kernel_initializer,
        dropout,
        *,
        where="after",
        output_init=None,
        output_activation="softmax",
        dropout_after_output=False,
        dropout_always=False,
    ):
        """The builder with one thing changed (each mistake below picks one)."""
        model = keras.Sequential(name="mistake")
        model.add(keras.Input(shape=(784,)))
        use_dropout = dropout or dropout_always
        for units in hidden:
            if use_dropout and where == "before":
                model.add(Dropout(dropout))
            model.add(Dense(units, activation=activation, kernel_initializer=kernel_initializer))
            if use_dropout and where == "after":
                model.add(Dropout(dropout))
        model.add(Dense(10, activation=output_activation, kernel_initializer=output_init or "glorot_uniform"))
        if dropout and dropout_after_output:
            model.add(Dropout(dropout))
        return model

    def args(
        hidden, activation="relu", kernel_initializer="glorot_uniform", dropout=0.0, name="mlp", seed=42
    ):
        return hidden, activation, kernel_initializer, dropout

    def dropout_after_output(*a, **k):
        return mlp(*args(*a, **k), dropout_after_output=True)

    def dropout_before(*a, **k):
        return mlp(*args(*a, **k), where="before")

    def dropout_always(*a, **k):
        return mlp(*args(*a, **k), dropout_always=True)

    def no_activation(*a, **k):
        hidden, _, init, dropout = args(*a, **k)
        return mlp(hidden, None, init, dropout)

    def initializer_ignored(*a, **k):
        hidden, act, _, dropout = args(*a, **k)
        return mlp(hidden, act, "glorot_uniform", dropout)

    def initializer_on_output(*a, **k):
        hidden, act, init, dropout = args(*a, **k)
        return mlp(hidden, act, init, dropout, output_init=init)

    def output_hidden_activation(*a, **k):
        hidden, act, init, dropout = args(*a, **k)
        return mlp(hidden, act, init, dropout, output_activation=act)

    build_mistakes = [
        (
            dropout_after_output,
            "Dropout goes after every *hidden* layer only: the output layer's "
            "probabilities must not be dropped.",
        ),
        (
            dropout_before,
            "Dropout comes *after* each hidden Dense layer (it drops that layer's outputs), not before it.",
        ),
        (
            dropout_always,
            "add the Dropout layers only when dropout > 0 (`if dropout:`); with dropout=0.0 "
            "the model has no Dropout layer.",
        ),
        (
            no_activation,
            "the hidden Dense layers need `activation=activation`: without it a stack of Dense "
            "layers is one linear map.",
        ),
        (initializer_ignored, "pass `kernel_initializer=kernel_initializer` to every hidden Dense layer."),
        (
            initializer_on_output,
            "only the hidden layers use `kernel_initializer`; the output layer keeps "
            "Keras' default (Glorot uniform).",
        ),
        (
            output_hidden_activation,
            'the output layer is always Dense(10, activation="softmax"), whatever '
            "the hidden layers' activation.",
        ),
    ]

    first_case = (dropout_after_output, dropout_before, no_activation, output_hidden_activation)

    # --- Adam ------------------------------------------------------------------------------------
    def adam(
        w,
        g,
        m,
        v,
        t,
        lr=0.001,
        beta1=0.9,
        beta2=0.999,
        eps=1e-7,
        *,
        correct=True,
        shift=0,
        sign=-1,
        swap=False,
        return_hat=False,
        old_moments=False,
    ):
        if swap:
            beta1, beta2 = beta2, beta1
        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * g**2
        mm, vv = (m, v) if old_moments else (m_new, v_new)
        c1, c2 = (1 - beta1 ** (t + shift), 1 - beta2 ** (t + shift)) if correct else (1.0, 1.0)
        m_hat, v_hat = mm / c1, vv / c2
        w_new = w + sign * lr * m_hat / (np.sqrt(v_hat) + eps)
        if return_hat:
            return w_new, m_new / c1, v_new / c2
        return w_new, m_new, v_new

    def no_bias_correction(*a, **k):
        return adam(*a, **k, correct=False)

    def t_from_zero(*a, **k):
        return adam(*a, **k, shift=1)

    def sign_error(*a, **k):
        return adam(*a, **k, sign=1)

    def betas_swapped(*a, **k):
        return adam(*a, **k, swap=True)

    def returns_corrected(*a, **k):
        return adam(*a, **k, return_hat=True)

    def step_before_update(*a, **k):
        return adam(*a, **k, old_moments=True)

    adam_mistakes = [
        (
            no_bias_correction,
            "bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before the step; "
            "without it the first steps are too large (m and v start at 0).",
        ),
        (t_from_zero, "t counts from 1: the first step divides by 1 − β₁¹ = 1 − β₁, not by 1 − β₁²."),
        (sign_error, "Adam steps *against* the gradient: w − lr · m̂ / (√v̂ + ε)."),
        (betas_swapped, "β₁ (0.9) averages the gradients into m, β₂ (0.999) the squared gradients into v."),
        (
            returns_corrected,
            "return the running averages m and v, not the bias-corrected m̂ and v̂ (they "
            "are used only for this step's update).",
        ),
        (
            step_before_update,
            "first update m and v with this step's gradient, then use them (corrected) for the step.",
        ),
    ]

    rng = np.random.default_rng(20240602)
    w3, g3 = rng.normal(size=3), rng.normal(size=3)
    w23, g23 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    m23, v23 = 0.1 * rng.normal(size=(2, 3)), rng.uniform(0.2, 1.0, size=(2, 3))
    w1, g1 = rng.normal(size=1), rng.normal(size=1)
    m1, v1 = 0.1 * rng.normal(size=1), rng.uniform(0.2, 1.0, size=1)
    w22, g22 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    m22, v22 = 0.1 * rng.normal(size=(2, 2)), rng.uniform(0.2, 1.0, size=(2, 2))

    return [
        Exercise(
            "dnn.build_mlp",
            "build_mlp",
            describe="keras_model",
            hint="Input(784), then per entry of `hidden` a Dense(units, activation, kernel_initializer) "
            "(+ Dropout(dropout) if dropout > 0), then Dense(10, softmax).",
            cases=[
                # each mistake sits in the first case that tells it from the solution
                Case(
                    "the ladder's Xavier + Dropout DNN",
                    ((512, 512),),
                    {"dropout": 0.3},
                    mistakes=[m for m in build_mistakes if m[0] in first_case],
                ),
                Case(
                    "section 5's 784-128-128-10",
                    ((128, 128),),
                    mistakes=[m for m in build_mistakes if m[0] is dropout_always],
                ),
                Case("softmax regression: no hidden layer", ((),)),
                Case(
                    "3 tanh layers, He, dropout 0.2",
                    ((64, 32, 16),),
                    {"activation": "tanh", "kernel_initializer": "he_normal", "dropout": 0.2},
                    mistakes=[
                        m for m in build_mistakes if m[0] in (initializer_ignored, initializer_on_output)
                    ],
                ),
                Case(
                    "one sigmoid layer, random normal",
                    ((7,),),
                    {"activation": "sigmoid", "kernel_initializer": "random_normal", "name": "one"},
                ),
            ],
        ),
        Exercise(
            "dnn.adam_step",
            "adam_step",
            hint="m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ); "
            "w − lr·m̂/(√v̂ + ε); return (w, m, v).",
            shape_hint="return (new_w, new_m, new_v), each shaped like w.",
            cases=[
                Case(
                    "first step from m = v = 0, 3 parameters",
                    (w3, g3, np.zeros(3), np.zeros(3), 1),
                    mistakes=adam_mistakes,
                ),
                Case("step 10, a (2, 3) array", (w23, g23, m23, v23, 10)),
                Case("step 2, one parameter, lr 0.01", (w1, g1, m1, v1, 2), {"lr": 0.01}),
                Case(
                    "step 3, (2, 2), β₁ = 0.5, β₂ = 0.99",
                    (w22, g22, m22, v22, 3),
                    {"lr": 0.1, "beta1": 0.5, "beta2": 0.99},
                ),
                Case(
                    "step 1000, large t: the correction is almost 1", (w23, g23, m23, v23, 1000), {"lr": 0.01}
                ),
            ],
        ),
    ]
