"""Cases for Day 2, xor: the forward pass of a one-hidden-layer network, and parameter counts."""

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day2/xor.ipynb"

LINEAR = (
    "apply the sigmoid to the hidden layer too, H = σ(X W1 + b1): without it the two layers collapse "
    "to one linear layer (section 6)."
)
LOGITS = "the output layer is a sigmoid unit as well: return σ(H W2 + b2), probabilities, not the scores."
NO_BIAS = "add the biases: every unit computes σ(x·w + b), so X @ W1 + b1 and H @ W2 + b2."
TANH = "the hidden units are sigmoids, σ(z) = 1 / (1 + exp(-z)), not tanh."
PARAM_BIAS = "count the biases too: a layer n_in -> n_out has n_in * n_out weights *and* n_out biases."
PARAM_BIAS_IN = "one bias per unit of the layer (n_out of them), not one per input."


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_linear_hidden(X, W1, b1, W2, b2):
    return _sigmoid((X @ W1 + b1) @ W2 + b2)


def forward_logits(X, W1, b1, W2, b2):
    return _sigmoid(X @ W1 + b1) @ W2 + b2


def forward_no_bias(X, W1, b1, W2, b2):
    return _sigmoid(_sigmoid(X @ W1) @ W2)


def forward_tanh(X, W1, b1, W2, b2):
    return _sigmoid(np.tanh(X @ W1 + b1) @ W2 + b2)


def count_no_bias(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


def count_bias_per_input(sizes):
    return int(sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


def _net(rng, n_in, n_hidden, n_out, m):
    X = rng.uniform(-2, 2, size=(m, n_in))
    weights = (
        rng.normal(size=(n_in, n_hidden)),
        rng.normal(size=n_hidden),
        rng.normal(size=(n_hidden, n_out)),
        rng.normal(size=n_out),
    )
    return (X, *weights)


def exercises(ns):
    rng = np.random.default_rng(2028)
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    hand = (
        X_xor,
        20 * np.array([[1.0, -1.0], [1.0, -1.0]]),
        20 * np.array([-0.5, 1.5]),
        20 * np.array([[1.0], [1.0]]),
        20 * np.array([-1.5]),
    )
    forward_mistakes = [
        (forward_linear_hidden, LINEAR),
        (forward_logits, LOGITS),
        (forward_no_bias, NO_BIAS),
        (forward_tanh, TANH),
    ]
    count_mistakes = [(count_no_bias, PARAM_BIAS), (count_bias_per_input, PARAM_BIAS_IN)]
    return [
        Exercise(
            "xor.mlp_forward",
            "mlp_forward",
            hint=(
                "H = σ(X @ W1 + b1), then σ(H @ W2 + b2), with σ(z) = 1 / (1 + np.exp(-z)); "
                "X has one example per row."
            ),
            shape_hint="return one row per example and one column per output unit: shape (m, n_out).",
            cases=[
                Case("random 2-3-1 network, 6 points", _net(rng, 2, 3, 1, 6), mistakes=forward_mistakes),
                Case(
                    "random 3-4-2 network (two outputs), 5 points",
                    _net(rng, 3, 4, 2, 5),
                    mistakes=forward_mistakes,
                ),
                Case("random 2-2-1 network, one example", _net(rng, 2, 2, 1, 1), mistakes=forward_mistakes),
                Case(
                    "section 3's hand-built 2-2-1 network on the four XOR points",
                    hand,
                    # saturated units: no biases and no hidden sigmoid both give 1 everywhere here, so this
                    # case comes last: the random nets above tell those two mistakes apart
                    mistakes=[
                        (forward_linear_hidden, LINEAR),
                        (forward_logits, LOGITS),
                        (forward_tanh, TANH),
                    ],
                ),
            ],
        ),
        Exercise(
            "xor.dense_param_count",
            "dense_param_count",
            hint="sum over consecutive sizes (n_in, n_out) of n_in * n_out weights + n_out biases.",
            cases=[
                Case("2-2-1 (section 3)", ([2, 2, 1],), mistakes=count_mistakes),
                Case("2-8-1 (section 4)", ([2, 8, 1],), mistakes=count_mistakes),
                Case("2-8-8-1 (section 6)", ([2, 8, 8, 1],), mistakes=count_mistakes),
                Case("784-10: one layer (softmax regression)", ([784, 10],), mistakes=count_mistakes),
                Case("784-100-10", ([784, 100, 10],), mistakes=count_mistakes),
            ],
        ),
    ]
