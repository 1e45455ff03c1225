"""Cases for notebooks/day2/mnist_dnn.ipynb: the MLP builder."""

from __future__ import annotations

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
    ]
