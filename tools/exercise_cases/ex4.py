"""Cases for Day 1, ex4 (neural network, backpropagation): small networks of several sizes, and mistakes."""

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day1/ex4_neural_network_backprop.ipynb"

ONE_MINUS_Z = "g′(z) = g(z)(1 − g(z)): both factors use the sigmoid of z, not z itself — σ(z)(1 − σ(z))."
Z_TIMES = "z is the input of the sigmoid, not its output: apply the sigmoid to z first, then g·(1 − g)."
SYMMETRY = (
    "equal weights (e.g. all zeros) make every hidden unit compute the same thing forever: "
    "draw them uniformly from [−ε, ε]."
)
CENTRED = (
    "centre the weights on 0: uniform in [−ε, ε] (e.g. rng.uniform(-eps, eps, size=...)), not in [0, ε]."
)
FIXED_EPS = (
    "draw uniformly from [−ε, ε] (not from a normal distribution) with ε for this layer from "
    "init_epsilon(L_in, L_out): the fixed 0.12 is only right for the 400 → 25 layer."
)
BIAS_COLUMN = (
    "shape (L_out, 1 + L_in): one row per unit of the next layer, one column per input plus column 0 "
    "for the bias unit."
)
NO_MEAN = "average over the examples: divide the summed cost by m = len(X)."
MEAN_ALL = (
    "sum over the K output units and average over the m examples only: divide by m, not by m·K (np.mean)."
)
BIAS = (
    "do not regularise the bias columns: column 0 of each Θ multiplies the bias unit — use Theta1[:, 1:] "
    "and Theta2[:, 1:] in the penalty λ/(2m) ΣΘ² and add (λ/m)·Θ to the gradient for columns 1: only."
)
HALF = (
    "the penalty is λ/(2m) · (ΣΘ⁽¹⁾² + ΣΘ⁽²⁾²), with the 2 (its derivative gives the gradient term (λ/m)·Θ)."
)
UNROLL = (
    "return the gradient unrolled like nn_params: np.concatenate([Theta1_grad.ravel(), "
    "Theta2_grad.ravel()]), i.e. unroll(Theta1_grad, Theta2_grad) — Θ⁽¹⁾ first."
)
GRAD_MEAN = "average the gradient over the examples too: Theta_grad = delta.T @ a / m."
G_PRIME = "δ⁽²⁾ = (δ⁽³⁾ Θ⁽²⁾[:, 1:]) ⊙ g′(z⁽²⁾): multiply by sigmoid_gradient(z2)."


def exercises(ns):
    sigmoid, reshape_params, one_hot, unroll = (
        ns[k] for k in ("sigmoid", "reshape_params", "one_hot", "unroll")
    )
    rng = np.random.default_rng(2028)

    def sg_one_minus_z(z):
        return sigmoid(z) * (1 - np.asarray(z, dtype=float))

    def sg_z(z):
        z = np.asarray(z, dtype=float)
        return z * (1 - z)

    def init_zeros(L_in, L_out, rng=None):
        return np.zeros((L_out, 1 + L_in))

    def init_positive(L_in, L_out, rng=None):
        return np.random.default_rng(1).uniform(0, ns["init_epsilon"](L_in, L_out), size=(L_out, 1 + L_in))

    def init_fixed(L_in, L_out, rng=None):
        return np.random.default_rng(2).uniform(-0.12, 0.12, size=(L_out, 1 + L_in))

    def init_no_bias(L_in, L_out, rng=None):
        eps = ns["init_epsilon"](L_in, L_out)
        return np.random.default_rng(3).uniform(-eps, eps, size=(L_out, L_in))

    def nn(
        params,
        L_in,
        H,
        K,
        X,
        y,
        lam,
        *,
        cost_div="m",
        reg_first=1,
        reg_div=2,
        grad_div=True,
        g_prime=True,
        unrolled=True,
    ):
        """A configurable nn_cost_function: the defaults are right, each option is one mistake."""
        T1, T2 = reshape_params(params, L_in, H, K)
        m = len(X)
        Y = one_hot(y, K)
        a1 = np.column_stack([np.ones(m), X])
        z2 = a1 @ T1.T
        a2 = np.column_stack([np.ones(m), sigmoid(z2)])
        z3 = a2 @ T2.T
        total = np.sum(Y * np.logaddexp(0.0, -z3) + (1 - Y) * np.logaddexp(0.0, z3))
        J = total / {"m": m, "1": 1, "mK": m * K}[cost_div]
        J += lam / (reg_div * m) * (np.sum(T1[:, reg_first:] ** 2) + np.sum(T2[:, reg_first:] ** 2))
        d3 = sigmoid(z3) - Y
        d2 = d3 @ T2[:, 1:]
        if g_prime:
            d2 = d2 * sigmoid(z2) * (1 - sigmoid(z2))
        div = m if grad_div else 1
        G1, G2 = d2.T @ a1 / div, d3.T @ a2 / div
        G1[:, reg_first:] += lam / m * T1[:, reg_first:]
        G2[:, reg_first:] += lam / m * T2[:, reg_first:]
        return float(J), unroll(G1, G2) if unrolled else (G1, G2)

    def mistake(name, **options):
        def wrong(*args):
            return nn(*args, **options)

        wrong.__name__ = name
        return wrong

    no_mean = mistake("cost_no_mean", cost_div="1")
    mean_all = mistake("cost_mean_over_outputs", cost_div="mK")
    bias = mistake("bias_regularised", reg_first=0)
    no_half = mistake("penalty_lambda_over_m", reg_div=1)
    not_unrolled = mistake("gradient_not_unrolled", unrolled=False)
    grad_no_mean = mistake("gradient_no_mean", grad_div=False)
    no_g_prime = mistake("no_sigmoid_gradient", g_prime=False)

    def network(L_in, H, K, m, scale=1.0):
        params = rng.normal(size=H * (L_in + 1) + K * (H + 1)) * scale
        return params, L_in, H, K, rng.normal(size=(m, L_in)), rng.integers(0, K, size=m)

    # the gradient-check network of the notebook: 3 inputs, 5 hidden units, 3 labels, 5 examples
    debug = ns["debug_initialize_weights"]
    small = (unroll(debug(5, 3), debug(3, 5)), 3, 5, 3, debug(5, 2), np.arange(1, 6) % 3)
    other = network(2, 4, 4, 7)  # other sizes: more labels than inputs
    wide = network(6, 3, 2, 9, scale=0.7)  # more inputs than hidden units, two labels
    single = network(3, 3, 2, 1)  # one example

    sg_mistakes = [(sg_one_minus_z, ONE_MINUS_Z), (sg_z, Z_TIMES)]
    init_mistakes = [
        (init_zeros, SYMMETRY),
        (init_positive, CENTRED),
        (init_fixed, FIXED_EPS),
        (init_no_bias, BIAS_COLUMN),
    ]
    # The mistakes sit on the first case of each part where they show (a check stops at the first
    # failing case); the other cases test other sizes and keep the stored data small.
    cost_mistakes = [(no_mean, NO_MEAN), (mean_all, MEAN_ALL)]
    reg_mistakes = [(bias, BIAS), (no_half, HALF), *cost_mistakes]
    grad_mistakes = [(not_unrolled, UNROLL), (grad_no_mean, GRAD_MEAN), (no_g_prime, G_PRIME), (bias, BIAS)]

    def cost_case(name, net, lam, part, mistakes=()):
        return Case(name, (*net, lam), part=part, select=0, mistakes=mistakes)

    def grad_case(name, net, lam, mistakes=()):
        return Case(name, (*net, lam), part="gradient", select=1, mistakes=mistakes)

    return [
        Exercise(
            "ex4.sigmoid_gradient",
            "sigmoid_gradient",
            hint="g′(z) = g(z)(1 − g(z)) with g = sigmoid, element-wise.",
            shape_hint="work element-wise, so that the result has the shape of z.",
            cases=[
                Case("z = 0", (0.0,), mistakes=sg_mistakes),
                Case("large values ±10, ±40", (np.array([-40.0, -10.0, 10.0, 40.0]),), mistakes=sg_mistakes),
                Case(
                    "a vector",
                    (np.linspace(-4, 4, 9),),
                    mistakes=sg_mistakes,
                ),
                Case(
                    "a matrix",
                    (np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]]),),
                    mistakes=sg_mistakes,
                ),
            ],
        ),
        Exercise(
            "ex4.rand_initialize_weights",
            "rand_initialize_weights",
            hint="uniform in [−ε, ε] with ε given by init_epsilon(L_in, L_out), shape (L_out, 1 + L_in).",
            shape_hint=BIAS_COLUMN,
            describe="initial_weights",
            cases=[
                Case(
                    "the notebook's 784 → 25 layer",
                    (784, 25),
                    mistakes=init_mistakes,
                ),
                Case("the 25 → 10 output layer", (25, 10), mistakes=init_mistakes),
                Case("the original 400 → 25 layer", (400, 25), mistakes=init_mistakes),
                Case("one input, 300 outputs", (1, 300), mistakes=init_mistakes),
            ],
        ),
        Exercise(
            "ex4.nn_cost_function",
            "nn_cost_function",
            hint=(
                "forward pass a1 = [1, X], a2 = [1, g(a1 Θ⁽¹⁾ᵀ)], h = g(a2 Θ⁽²⁾ᵀ); "
                "J = (1/m) Σ [−Y log h − (1 − Y) log(1 − h)] + λ/(2m) Σ Θ² without the bias columns; "
                "backprop δ⁽³⁾ = h − Y, "
                "δ⁽²⁾ = (δ⁽³⁾ Θ⁽²⁾[:, 1:]) ⊙ g′(z⁽²⁾), gradients δᵀa / m."
            ),
            shape_hint="J is one number; " + UNROLL,
            parts={
                "feedforward": "feedforward cost",
                "regularized": "regularised cost",
                "gradient": "backprop gradient",
            },
            cases=[
                cost_case("3-5-3 network, 5 examples, λ = 0", small, 0.0, "feedforward", cost_mistakes),
                cost_case("2-4-4 network, 7 examples, λ = 0", other, 0.0, "feedforward"),
                cost_case("one example, λ = 0", single, 0.0, "feedforward"),
                cost_case("3-5-3 network, λ = 3", small, 3.0, "regularized", reg_mistakes),
                cost_case("6-3-2 network, 9 examples, λ = 1", wide, 1.0, "regularized"),
                cost_case("one example, λ = 0.5", single, 0.5, "regularized"),
                grad_case("3-5-3 network, λ = 0", small, 0.0, grad_mistakes),
                grad_case("3-5-3 network, λ = 3", small, 3.0, grad_mistakes),
                grad_case("2-4-4 network, 7 examples, λ = 1", other, 1.0),
                grad_case("one example, λ = 0.5", single, 0.5),
            ],
        ),
    ]
