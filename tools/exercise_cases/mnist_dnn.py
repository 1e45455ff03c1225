"""Cases for notebooks/day2/mnist_dnn.ipynb: the MLP builder.

The notebook gives the model (``keras.Sequential(name=name)`` with ``keras.Input(shape=(784,))``) and
its ``return``; the student adds the layers.  The check describes the layers (type, units,
activation, initialiser, dropout rate, output shape) and the parameter count.
"""

from __future__ import annotations

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/mnist_dnn.ipynb"

AFTER_OUTPUT = (
    "Dropout goes after every *hidden* layer only: the output layer's probabilities must not be dropped."
)
BEFORE = "Dropout comes *after* each hidden Dense layer (it drops that layer's outputs), not before it."
ALWAYS = (
    "add the Dropout layers only when dropout > 0 (`if dropout:`); with dropout=0.0 the model has no "
    "Dropout layer."
)
NO_ACTIVATION = (
    "the hidden Dense layers need `activation=activation`: without it a stack of Dense layers is one "
    "linear map."
)
INIT_IGNORED = "pass `kernel_initializer=kernel_initializer` to every hidden Dense layer."
INIT_ON_OUTPUT = (
    "only the hidden layers use `kernel_initializer`; the output layer keeps Keras' default (Glorot uniform)."
)
OUTPUT_ACTIVATION = (
    'the output layer is always Dense(10, activation="softmax"), whatever the hidden layers\' activation.'
)
LOGITS = (
    'the output layer needs activation="softmax": the loss (sparse categorical cross-entropy) expects '
    "probabilities, not raw scores."
)
KEEP_PROB = (
    "Keras's Dropout(rate) takes the fraction of units *dropped*: pass `dropout` itself, not "
    "1 − dropout (that is TF1's keep_prob)."
)
SEPARATE_ACTIVATION = (
    "give each Dense layer its activation (Dense(units, activation=activation)), not an Activation "
    "layer after it: section 1 reads `layer.activation` of the Dense layers."
)
ONE_DROPOUT = (
    "one Dropout after *every* hidden Dense layer (inside the loop), not a single one after the whole stack."
)


def exercises(ns: dict) -> list[Exercise]:
    keras = ns["keras"]
    Dense, Dropout = keras.layers.Dense, keras.layers.Dropout

    def mlp(
        hidden,
        activation,
        kernel_initializer,
        dropout,
        name,
        *,
        where="after",
        rate=None,
        output_init=None,
        output_activation="softmax",
        dropout_after_output=False,
        dropout_always=False,
        separate_activation=False,
    ):
        """The builder with one thing changed (each mistake below picks one)."""
        model = keras.Sequential(name=name)
        model.add(keras.Input(shape=(784,)))
        use_dropout = dropout or dropout_always
        rate = dropout if rate is None else rate
        for units in hidden:
            if use_dropout and where == "before":
                model.add(Dropout(rate))
            if separate_activation:
                model.add(Dense(units, kernel_initializer=kernel_initializer))
                model.add(keras.layers.Activation(activation))
            else:
                model.add(Dense(units, activation=activation, kernel_initializer=kernel_initializer))
            if use_dropout and where == "after":
                model.add(Dropout(rate))
        if use_dropout and where == "once":
            model.add(Dropout(rate))
        model.add(Dense(10, activation=output_activation, kernel_initializer=output_init or "glorot_uniform"))
        if dropout and dropout_after_output:
            model.add(Dropout(rate))
        return model

    def args(
        hidden, activation="relu", kernel_initializer="glorot_uniform", dropout=0.0, name="mlp", seed=42
    ):
        return hidden, activation, kernel_initializer, dropout, name

    # --- the mistakes ------------------------------------------------------------------------------
    def dropout_after_output(*a, **k):
        return mlp(*args(*a, **k), dropout_after_output=True)

    def dropout_before(*a, **k):
        return mlp(*args(*a, **k), where="before")

    def dropout_always(*a, **k):
        return mlp(*args(*a, **k), dropout_always=True)

    def one_dropout_after_the_stack(*a, **k):
        return mlp(*args(*a, **k), where="once")

    def keep_prob_as_rate(*a, **k):
        hidden, act, init, dropout, name = args(*a, **k)
        return mlp(hidden, act, init, dropout, name, rate=1 - dropout)

    def no_activation(*a, **k):
        hidden, _, init, dropout, name = args(*a, **k)
        return mlp(hidden, None, init, dropout, name)

    def initializer_ignored(*a, **k):
        hidden, act, _, dropout, name = args(*a, **k)
        return mlp(hidden, act, "glorot_uniform", dropout, name)

    def initializer_on_output(*a, **k):
        hidden, act, init, dropout, name = args(*a, **k)
        return mlp(hidden, act, init, dropout, name, output_init=init)

    def output_hidden_activation(*a, **k):
        hidden, act, init, dropout, name = args(*a, **k)
        return mlp(hidden, act, init, dropout, name, output_activation=act)

    def logits_output(*a, **k):
        return mlp(*args(*a, **k), output_activation=None)

    def activation_layers(*a, **k):
        return mlp(*args(*a, **k), separate_activation=True)

    # --- correct variants ----------------------------------------------------------------------------
    def layer_list(
        hidden, activation="relu", kernel_initializer="glorot_uniform", dropout=0.0, name="mlp", seed=42
    ):
        """The layers collected in a list first, then one Sequential from it."""
        layers = [keras.Input(shape=(784,))]
        for units in hidden:
            layers.append(keras.layers.Dense(units, activation, kernel_initializer=kernel_initializer))
            if dropout > 0:
                layers.append(keras.layers.Dropout(rate=dropout))
        layers.append(keras.layers.Dense(10, "softmax", kernel_initializer="glorot_uniform"))
        return keras.Sequential(layers, name=name)

    def nested_comprehension(
        hidden, activation="relu", kernel_initializer="glorot_uniform", dropout=0.0, name="mlp", seed=42
    ):
        """A comprehension over (Dense, Dropout) pairs, the initialiser as an object."""
        init = keras.initializers.get(kernel_initializer)
        blocks = [
            [Dense(units, activation=keras.activations.get(activation), kernel_initializer=init)]
            + ([Dropout(dropout)] if dropout else [])
            for units in hidden
        ]
        model = keras.Sequential([keras.Input(shape=(784,))], name=name)
        for layer in [layer for block in blocks for layer in block]:
            model.add(layer)
        model.add(Dense(10, activation=keras.activations.softmax))
        return model

    return [
        Exercise(
            "dnn.build_mlp",
            "build_mlp",
            describe="keras_model",
            # section 1 reads each hidden Dense layer's `activation`: an Activation layer is not the same
            describe_options={"fold_activations": False},
            # the given first line, helpers.set_seed(seed), re-seeds on purpose (the docstring says so)
            reseeds=True,
            hint="per entry of `hidden` add a Dense(units, activation=activation, "
            "kernel_initializer=kernel_initializer) (+ Dropout(dropout) after it if dropout > 0), then "
            'Dense(10, activation="softmax").',
            cases=[
                Case("the ladder's Xavier + Dropout DNN", ((512, 512),), {"dropout": 0.3}),
                Case("section 5's 784-128-128-10", ((128, 128),)),
                Case("softmax regression: no hidden layer", ((),)),
                Case(
                    "3 tanh layers, He, dropout 0.2",
                    ((64, 32, 16),),
                    {"activation": "tanh", "kernel_initializer": "he_normal", "dropout": 0.2},
                ),
                Case(
                    "one sigmoid layer, random normal",
                    ((7,),),
                    {"activation": "sigmoid", "kernel_initializer": "random_normal", "name": "one"},
                ),
                Case(
                    "positional arguments: 2 sigmoid layers, He, dropout 0.5",
                    ((20, 10), "sigmoid", "he_uniform", 0.5),
                ),
            ],
            mistakes=[
                (dropout_after_output, AFTER_OUTPUT),
                (dropout_before, BEFORE),
                (dropout_always, ALWAYS),
                (one_dropout_after_the_stack, ONE_DROPOUT),
                (keep_prob_as_rate, KEEP_PROB),
                (no_activation, NO_ACTIVATION),
                (initializer_ignored, INIT_IGNORED),
                (initializer_on_output, INIT_ON_OUTPUT),
                (output_hidden_activation, OUTPUT_ACTIVATION),
                (logits_output, LOGITS),
                (activation_layers, SEPARATE_ACTIVATION),
            ],
            alternatives=[layer_list, nested_comprehension],
        ),
    ]
