"""Cases for Day 2, xor: the forward pass of a one-hidden-layer network, and parameter counts, with the
mistake catalogue of each (issue 21)."""

import numpy as np
from scipy.special import expit

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/xor.ipynb"

# --- mlp_forward ---------------------------------------------------------------------------------------
LINEAR = (
    "apply the sigmoid to the hidden layer too, H = σ(X W1 + b1): without it the two layers collapse "
    "to one linear layer (section 6)."
)
LOGITS = "the output layer is a sigmoid unit as well: return σ(H W2 + b2), probabilities, not the scores."
NO_BIAS = "add the biases: every unit computes σ(x·w + b), so X @ W1 + b1 and H @ W2 + b2."
TANH = "the hidden units are sigmoids, σ(z) = 1 / (1 + exp(-z)), not tanh."
TRANSPOSED = (
    "a Dense layer's W has shape (inputs, units) and X one example per row: X @ W1, not X @ W1.T "
    "(Day 1's Θ had one row per unit; these weights have one column per unit)."
)
SIGN = "σ(z) = 1 / (1 + exp(−z)), with the minus: σ grows with z."
BIAS_OUTSIDE = "the bias goes inside the sigmoid: σ(X W1 + b1), not σ(X W1) + b1."

# --- dense_param_count ---------------------------------------------------------------------------------
PARAM_BIAS = "count the biases too: a layer n_in -> n_out has n_in * n_out weights *and* n_out biases."
PARAM_BIAS_IN = "one bias per unit of the layer (n_out of them), not one per input."
INPUT_BIASES = (
    "the inputs have no biases: only the units of the layers after them do — sum(sizes[1:]) biases."
)
LAST_LAYER = (
    "count every layer: n sizes make n − 1 layers, the pairs zip(sizes[:-1], sizes[1:]) — the last one too."
)
RETURN_IN_LOOP = (
    "add up all the layers and return after the loop: a return inside it stops at the first layer."
)


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


def forward_transposed(X, W1, b1, W2, b2):
    return _sigmoid(_sigmoid(X @ W1.T + b1) @ W2.T + b2)


def forward_sign(X, W1, b1, W2, b2):
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(z))

    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)


def forward_bias_outside(X, W1, b1, W2, b2):
    H = _sigmoid(X @ W1) + b1
    return _sigmoid(H @ W2) + b2


def forward_expit(X, W1, b1, W2, b2):
    return expit(expit(X @ W1 + b1) @ W2 + b2)


def forward_tanh_identity(X, W1, b1, W2, b2):
    def sigmoid(z):  # σ(z) = (1 + tanh(z / 2)) / 2: no overflow for large |z|
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)


def forward_per_example(X, W1, b1, W2, b2):
    rows = []
    for x in X:
        h = [_sigmoid(np.dot(x, W1[:, j]) + b1[j]) for j in range(W1.shape[1])]
        rows.append([_sigmoid(np.dot(h, W2[:, k]) + b2[k]) for k in range(W2.shape[1])])
    return np.array(rows)


def count_no_bias(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


def count_bias_per_input(sizes):
    return int(sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


def count_input_biases(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) + sum(sizes))


def count_without_last_layer(sizes):
    return int(sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 2)))


def count_return_in_loop(sizes):
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        return n_in * n_out + n_out
    return 0


def count_popping(sizes):
    total = 0
    while len(sizes) > 1:
        n_in = sizes.pop(0)  # takes the caller's list apart
        total += (n_in + 1) * sizes[0]
    return total


def count_by_index(sizes):
    total = 0
    for i in range(1, len(sizes)):
        total += sizes[i - 1] * sizes[i] + sizes[i]
    return total


def count_dot(sizes):
    sizes = np.asarray(sizes)
    return int(sizes[:-1] @ sizes[1:] + sizes[1:].sum())


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
                # square weights first (3 inputs, 3 hidden, 3 outputs): a transposed W gives a wrong
                # number there instead of a shape error, so the check can name that mistake
                Case("random 3-3-3 network, 4 points", _net(rng, 3, 3, 3, 4)),
                Case("random 2-3-1 network, 6 points", _net(rng, 2, 3, 1, 6)),
                Case("random 3-4-2 network (two outputs), 5 points", _net(rng, 3, 4, 2, 5)),
                Case("random 2-2-1 network, one example", _net(rng, 2, 2, 1, 1)),
                # saturated units: several mistakes give (nearly) the same numbers here, so it comes last
                Case("section 3's hand-built 2-2-1 network on the four XOR points", hand),
            ],
            mistakes=[
                (forward_linear_hidden, LINEAR),
                (forward_logits, LOGITS),
                (forward_no_bias, NO_BIAS),
                (forward_tanh, TANH),
                (forward_transposed, TRANSPOSED),
                (forward_sign, SIGN),
                (forward_bias_outside, BIAS_OUTSIDE),
            ],
            alternatives=[forward_expit, forward_tanh_identity, forward_per_example],
        ),
        Exercise(
            "xor.dense_param_count",
            "dense_param_count",
            hint="sum over consecutive sizes (n_in, n_out) of n_in * n_out weights + n_out biases.",
            cases=[
                # four sizes first: with three, "first layer only" and "all but the last" agree
                Case("2-8-8-1 (section 6)", ([2, 8, 8, 1],)),
                Case("2-2-1 (section 3)", ([2, 2, 1],)),
                Case("2-8-1 (section 4)", ([2, 8, 1],)),
                Case("784-10: one layer (softmax regression)", ([784, 10],)),
                Case("784-100-10", ([784, 100, 10],)),
                Case("5-4-3-2-1: four layers", ([5, 4, 3, 2, 1],)),
            ],
            mistakes=[
                (count_no_bias, PARAM_BIAS),
                (count_bias_per_input, PARAM_BIAS_IN),
                (count_input_biases, INPUT_BIASES),
                (count_without_last_layer, LAST_LAYER),
                (count_return_in_loop, RETURN_IN_LOOP),
                (count_popping, "changed its argument `sizes`"),
            ],
            alternatives=[count_by_index, count_dot],
        ),
    ]
