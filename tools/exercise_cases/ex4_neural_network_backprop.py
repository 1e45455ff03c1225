"""Cases for Day 1, ex4 (neural network, backpropagation): small networks of several sizes, seeded
random generators, and the mistake catalogue of each exercise (issue 21)."""

import numpy as np

from helpers.exercises import RANDOM_HINT, RNG_USE_HINT
from tools.exercise_cases.model import Case, Exercise, Rng

NOTEBOOK = "day1/ex4_neural_network_backprop.ipynb"

# as tight as the notebook's own checks (J to rtol 1e-12, gradient check and finite differences to 1e-9)
TIGHT = {"atol": 1e-12, "rtol": 1e-9}

# --- sigmoid_gradient --------------------------------------------------------------------------------
ONE_MINUS_Z = "g′(z) = g(z)(1 − g(z)): both factors use the sigmoid of z, not z itself — σ(z)(1 − σ(z))."
Z_TIMES = "z is the input of the sigmoid, not its output: apply the sigmoid to z first, then g·(1 − g)."
NO_SQUARE = (
    "e^(−z) / (1 + e^(−z)) is 1 − g(z), a factor g(z) short: the derivative of 1 / (1 + e^(−z)) is "
    "e^(−z) / (1 + e^(−z))², with the denominator squared — i.e. g(z)(1 − g(z))."
)
TANH_FORM = "1 − g² is the derivative of tanh; the sigmoid's is g(1 − g) = g − g²."
FINITE_DIFF = (
    "(g(z + h) − g(z)) / h only estimates the derivative (its error grows with h): use the exact "
    "g′(z) = g(z)(1 − g(z))."
)
SCALAR_CONSTANT = (
    "a single number z gets g(z)(1 − g(z)) at that z, like each entry of an array: 0.25 is only the "
    "value at z = 0."
)
ROUNDED = (
    "return g(z)(1 − g(z)) unrounded: the notebook compares it with a finite difference to 1e-9, and "
    "later layers multiply these factors (the gradients of tiny values would be rounded to 0)."
)
PLUS_EPS = (
    "no small constant is needed (nothing is divided or logged): g(z)(1 − g(z)) + 1e-9 shifts every "
    "value, so the maximum is no longer exactly 0.25 and a saturated unit no longer has gradient 0."
)

# --- rand_initialize_weights ---------------------------------------------------------------------------
SYMMETRY = (
    "equal weights (e.g. all zeros) make every hidden unit compute the same thing forever: "
    "draw them uniformly from [−ε, ε]."
)
CENTRED = "centre the weights on 0: rng.uniform(-eps, eps, size=...), not rng.uniform(0, eps, ...)."
FIXED_EPS = (
    "ε depends on the layer: it is init_epsilon(L_in, L_out); the famous 0.12 is only right for the "
    "400 → 25 layer."
)
EPS_BIAS = "ε = init_epsilon(L_in, L_out) with L_in the number of inputs, without the bias unit."
NORMAL = "draw from a uniform distribution, rng.uniform(-eps, eps, ...), not from rng.normal."
CLIPPED = (
    "clipping a normal draw to [−ε, ε] is not a uniform draw: use rng.uniform(-eps, eps, ...), "
    "which gives every value in [−ε, ε] the same chance."
)
BIAS_COLUMN = (
    "shape (L_out, 1 + L_in): one row per unit of the next layer, one column per input plus column 0 "
    "for the bias unit."
)
SHAPE_SWAPPED = (
    "rows are the units of the next layer: shape (L_out, 1 + L_in), not (1 + L_in, L_out) — z = a Θᵀ "
    "multiplies each row of Θ with an example."
)
TRANSPOSED = (
    "draw in the final shape, size=(L_out, 1 + L_in): rng fills the array row by row, so drawing "
    "(1 + L_in, L_out) and transposing puts other numbers in each place."
)
ZERO_BIAS = (
    "draw column 0 (the bias weights) too, in the same call: rng.uniform(-eps, eps, size=(L_out, "
    "1 + L_in)) — not zeros for the bias and a separate draw for the rest."
)
OWN_RNG = (
    "draw from the rng you are given, not from a generator of your own (np.random.default_rng(42)): "
    "the caller's seed decides the weights."
)

# --- nn_cost_function ----------------------------------------------------------------------------------
NO_MEAN = "average over the examples: divide the summed cost by m = len(X)."
MEAN_ALL = (
    "sum over the K output units and average over the m examples only: divide by m, not by m·K (np.mean)."
)
Y_LABELS = (
    "compare h with the one-hot Y (one_hot(y, num_labels), given above), not with the integer labels "
    "y: output unit k has its own 0/1 target y_k."
)
TRANSPOSED_THETA = (
    "Θ⁽¹⁾ has one row per hidden unit: z⁽²⁾ = a⁽¹⁾ Θ⁽¹⁾ᵀ (a1 @ Theta1.T), and z⁽³⁾ = a2 @ Theta2.T — "
    "without .T the weights of one unit are spread over several."
)
LOG_H = (
    "np.log(h) and np.log(1 − h) are −inf where an output saturates to exactly 0 or 1 (h == 1 already "
    "for z > 37): compute log h as -np.logaddexp(0, -z3) and log(1 − h) as -np.logaddexp(0, z3), as "
    "section 5 says."
)
BIAS = (
    "do not regularise the bias columns: column 0 of each Θ multiplies the bias unit — use Theta1[:, 1:] "
    "and Theta2[:, 1:] in the penalty λ/(2m) ΣΘ² and add (λ/m)·Θ to the gradient for columns 1: only."
)
HALF = (
    "the penalty is λ/(2m) · (ΣΘ⁽¹⁾² + ΣΘ⁽²⁾²), with the 2 (its derivative gives the gradient term (λ/m)·Θ)."
)
REG_NO_M = "the penalty is divided by m too: λ/(2m) · ΣΘ², like the cost it is added to, not λ/2 · ΣΘ²."
ONLY_THETA1 = "regularise both layers: the penalty sums the squares of Θ⁽¹⁾[:, 1:] and of Θ⁽²⁾[:, 1:]."
JUST_COST = (
    "the cost is there, backpropagation is not yet: return (J, grad) with grad the gradient of section 6, "
    "unrolled like nn_params (`return J, np.zeros_like(nn_params)` only gets you through the cost checks)."
)
GRAD_TUPLE = (
    "return the gradient as one flat vector unrolled like nn_params: unroll(Theta1_grad, Theta2_grad), "
    "not the two matrices."
)
GRAD_ORDER = "unroll Θ⁽¹⁾'s gradient first, then Θ⁽²⁾'s, as in nn_params: unroll(Theta1_grad, Theta2_grad)."
GRAD_F_ORDER = (
    "flatten each gradient row-major like unroll does (ravel(), not ravel(order='F') or .T.ravel()): "
    "entry [j, k] of Θ⁽¹⁾ sits at position j·(1 + input_layer_size) + k of nn_params."
)
GRAD_MEAN = "average the gradient over the examples too: Theta_grad = delta.T @ a / m."
G_PRIME = "δ⁽²⁾ = (δ⁽³⁾ Θ⁽²⁾[:, 1:]) ⊙ g′(z⁽²⁾): multiply by sigmoid_gradient(z2)."
G_PRIME_OF_A = (
    "g′ takes the hidden layer's input z⁽²⁾, not its output a⁽²⁾: sigmoid_gradient(z2) "
    "(or a2 * (1 - a2) from the activations, which is the same)."
)
GRAD_NOT_REG = (
    "the penalty in J has a gradient too: add (λ/m)·Θ to Theta1_grad[:, 1:] and Theta2_grad[:, 1:]."
)
GRAD_REG_HALF = "the derivative of λ/(2m)·Θ² is (λ/m)·Θ: the ½ cancels against the 2 of the square."
FLOAT32 = (
    "compute in float64 throughout (numpy's default; no np.float32 or .astype(np.float32)): float32 is "
    "off by about 1e-7, and the gradient check of section 7 compares backprop with the numerical "
    "gradient to 1e-9."
)
VIEWS = (
    "reshape_params returns views of nn_params: assigning to Theta1[:, 0] changes the caller's parameters "
    "(the optimiser's!). Leave the bias columns out with Theta1[:, 1:], or zero them in a copy "
    "(Theta1.copy())."
)


def exercises(ns):
    sigmoid, reshape_params, one_hot, unroll, init_epsilon = (
        ns[k] for k in ("sigmoid", "reshape_params", "one_hot", "unroll", "init_epsilon")
    )
    rng = np.random.default_rng(2028)

    # --- sigmoid_gradient: mistakes and correct variants ---------------------------------------------
    def sg_one_minus_z(z):
        return sigmoid(z) * (1 - np.asarray(z, dtype=float))

    def sg_z(z):
        z = np.asarray(z, dtype=float)
        return z * (1 - z)

    def sg_no_square(z):
        e = np.exp(-np.asarray(z, dtype=float))
        return e / (1 + e)

    def sg_tanh_form(z):
        return 1 - sigmoid(z) ** 2

    def sg_forward_difference(z):
        h = 1e-2
        return (sigmoid(np.asarray(z, dtype=float) + h) - sigmoid(z)) / h

    def sg_in_place(z):
        z = np.asarray(z, dtype=float)  # no copy: a float array is the caller's own
        z[...] = sigmoid(z)
        return z * (1 - z)

    def sg_product_of_mirrors(z):
        return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))

    def sg_cosh(z):
        return 0.25 / np.cosh(np.asarray(z, dtype=float) / 2) ** 2

    def sg_in_place_on_a_new_array(z):
        g = sigmoid(z)
        g *= 1 - g
        return g

    def sg_scalar_constant(z):
        if np.ndim(z) == 0:  # "the derivative at 0 is 0.25", written for every number
            return 0.25
        g = sigmoid(z)
        return g * (1 - g)

    def sg_rounded(z):
        g = sigmoid(z)
        return np.round(g * (1 - g), 6)

    def sg_plus_eps(z):
        g = sigmoid(z)
        return g * (1 - g) + 1e-9

    # --- rand_initialize_weights ---------------------------------------------------------------------
    def init_zeros(L_in, L_out, rng):
        return np.zeros((L_out, 1 + L_in))

    def init_positive(L_in, L_out, rng):
        return rng.uniform(0, init_epsilon(L_in, L_out), size=(L_out, 1 + L_in))

    def init_fixed(L_in, L_out, rng):
        return rng.uniform(-0.12, 0.12, size=(L_out, 1 + L_in))

    def init_eps_with_bias(L_in, L_out, rng):
        eps = init_epsilon(1 + L_in, L_out)
        return rng.uniform(-eps, eps, size=(L_out, 1 + L_in))

    def init_normal(L_in, L_out, rng):
        return rng.normal(0, init_epsilon(L_in, L_out), size=(L_out, 1 + L_in))

    def init_clipped_normal(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return np.clip(rng.normal(0, eps, size=(L_out, 1 + L_in)), -eps, eps)

    def init_no_bias(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return rng.uniform(-eps, eps, size=(L_out, L_in))

    def init_shape_swapped(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return rng.uniform(-eps, eps, size=(1 + L_in, L_out))

    def init_transposed(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return rng.uniform(-eps, eps, size=(1 + L_in, L_out)).T

    def init_zero_bias(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return np.column_stack([np.zeros(L_out), rng.uniform(-eps, eps, size=(L_out, L_in))])

    def init_global(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return np.random.uniform(-eps, eps, size=(L_out, 1 + L_in))  # ignores rng

    def init_own_rng(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return np.random.default_rng(42).uniform(-eps, eps, size=(L_out, 1 + L_in))

    def init_extra_draw(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        weights = rng.uniform(-eps, eps, size=(L_out, 1 + L_in))
        sample = rng.uniform(-eps, eps)  # a leftover debugging line: one draw more than the weights
        assert -eps <= sample <= eps
        return weights

    def init_scaled_unit(L_in, L_out, rng):
        return (2 * rng.random((L_out, 1 + L_in)) - 1) * init_epsilon(L_in, L_out)

    def init_row_by_row(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return np.array([rng.uniform(-eps, eps, size=1 + L_in) for _ in range(L_out)])

    def init_flat_reshaped(L_in, L_out, rng):
        eps = init_epsilon(L_in, L_out)
        return rng.uniform(-eps, eps, size=L_out * (1 + L_in)).reshape(L_out, 1 + L_in)

    # --- nn_cost_function ----------------------------------------------------------------------------
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
        targets="one-hot",
        transposed=False,
        log_h=False,
        reg_first=1,
        reg_div="2m",
        reg_theta2=True,
        grad=True,
        grad_div=True,
        g_prime="z2",
        grad_reg="lam/m",
        unrolled="C",
        in_place=False,
    ):
        """A configurable nn_cost_function: the defaults are right, each option is one mistake."""
        T1, T2 = reshape_params(params, L_in, H, K)
        m = len(X)
        Y = one_hot(y, K) if targets == "one-hot" else np.asarray(y, dtype=float)[:, None]
        a1 = np.column_stack([np.ones(m), X])
        z2 = a1 @ (T1 if transposed else T1.T)
        a2 = np.column_stack([np.ones(m), sigmoid(z2)])
        z3 = a2 @ (T2 if transposed else T2.T)
        if log_h:
            with np.errstate(divide="ignore", invalid="ignore"):
                h = sigmoid(z3)
                total = np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h))
        else:
            total = np.sum(Y * np.logaddexp(0.0, -z3) + (1 - Y) * np.logaddexp(0.0, z3))
        J = total / {"m": m, "1": 1, "mK": m * K}[cost_div]
        if in_place:  # "do not regularise the bias": zero it ... in the caller's nn_params
            T1[:, 0] = 0.0
            T2[:, 0] = 0.0
        penalty = np.sum(T1[:, reg_first:] ** 2) + (np.sum(T2[:, reg_first:] ** 2) if reg_theta2 else 0.0)
        J += lam / {"2m": 2 * m, "m": m, "2": 2}[reg_div] * penalty
        if not grad:  # the docstring's tip while backpropagation is not written yet
            return float(J), np.zeros_like(params)
        d3 = sigmoid(z3) - Y
        d2 = d3 @ T2[:, 1:]
        if g_prime == "z2":
            d2 = d2 * sigmoid(z2) * (1 - sigmoid(z2))
        elif g_prime == "a2":
            d2 = d2 * sigmoid(a2[:, 1:]) * (1 - sigmoid(a2[:, 1:]))
        div = m if grad_div else 1
        G1, G2 = d2.T @ a1 / div, d3.T @ a2 / div
        factor = {"lam/m": lam / m, "lam/2m": lam / (2 * m), None: 0.0}[grad_reg]
        G1[:, reg_first:] += factor * T1[:, reg_first:]
        if reg_theta2:
            G2[:, reg_first:] += factor * T2[:, reg_first:]
        if unrolled == "tuple":
            return float(J), (G1, G2)
        if unrolled == "theta2 first":
            return float(J), unroll(G2, G1)
        if unrolled == "F":
            return float(J), np.concatenate([G1.ravel(order="F"), G2.ravel(order="F")])
        if unrolled == "float32":
            return np.float32(J), unroll(G1, G2).astype(np.float32)
        return float(J), unroll(G1, G2)

    def variant(name, **options):
        def wrong(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
            args = (nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
            return nn(*args, **options)

        wrong.__name__ = name
        return wrong

    nn_mistakes = [
        (variant("cost_no_mean", cost_div="1"), NO_MEAN),
        (variant("cost_mean_over_outputs", cost_div="mK"), MEAN_ALL),
        (variant("integer_labels_as_targets", targets="labels"), Y_LABELS),
        (variant("theta_not_transposed", transposed=True), TRANSPOSED_THETA),
        (variant("log_of_h", log_h=True), LOG_H),
        (variant("bias_regularised", reg_first=0), BIAS),
        (variant("penalty_lambda_over_m", reg_div="m"), HALF),
        (variant("penalty_without_1_over_m", reg_div="2"), REG_NO_M),
        (variant("only_theta1_regularised", reg_theta2=False), ONLY_THETA1),
        (variant("cost_only", grad=False), JUST_COST),
        (variant("gradient_not_unrolled", unrolled="tuple"), GRAD_TUPLE),
        (variant("gradient_theta2_first", unrolled="theta2 first"), GRAD_ORDER),
        (variant("gradient_column_major", unrolled="F"), GRAD_F_ORDER),
        (variant("gradient_no_mean", grad_div=False), GRAD_MEAN),
        (variant("no_sigmoid_gradient", g_prime=None), G_PRIME),
        (variant("sigmoid_gradient_of_a2", g_prime="a2"), G_PRIME_OF_A),
        (variant("gradient_not_regularised", grad_reg=None), GRAD_NOT_REG),
        (variant("gradient_penalty_halved", grad_reg="lam/2m"), GRAD_REG_HALF),
        (variant("bias_zeroed_in_place", in_place=True), "changed its argument `nn_params`"),
        (variant("float32_results", unrolled="float32"), FLOAT32),
    ]

    def nn_loop(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
        """One example at a time (like the notebook's nn_gradient_loop), cost and gradient."""
        Theta1, Theta2 = reshape_params(nn_params, input_layer_size, hidden_layer_size, num_labels)
        m = len(X)
        J, D1, D2 = 0.0, np.zeros_like(Theta1), np.zeros_like(Theta2)
        for t in range(m):
            a1 = np.r_[1.0, X[t]]
            z2 = Theta1 @ a1
            a2 = np.r_[1.0, sigmoid(z2)]
            z3 = Theta2 @ a2
            yk = (np.arange(num_labels) == y[t]).astype(float)
            J += np.sum(yk * np.logaddexp(0.0, -z3) + (1 - yk) * np.logaddexp(0.0, z3))
            d3 = sigmoid(z3) - yk
            d2 = (Theta2[:, 1:].T @ d3) * sigmoid(z2) * (1 - sigmoid(z2))
            D1 += np.outer(d2, a1)
            D2 += np.outer(d3, a2)
        J = J / m + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
        D1, D2 = D1 / m, D2 / m
        D1[:, 1:] += lambda_ / m * Theta1[:, 1:]
        D2[:, 1:] += lambda_ / m * Theta2[:, 1:]
        return J, unroll(D1, D2)

    def nn_masked_copies(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
        """Bias columns zeroed in copies for the penalty; g′ from the activations; log-sigmoid by hand."""
        Theta1, Theta2 = reshape_params(nn_params, input_layer_size, hidden_layer_size, num_labels)
        m = len(X)
        Y = one_hot(y, num_labels)
        a1 = np.hstack([np.ones((m, 1)), X])
        a2 = np.hstack([np.ones((m, 1)), sigmoid(a1 @ Theta1.T)])
        z3 = a2 @ Theta2.T
        log_h, log_1_minus_h = -np.logaddexp(0, -z3), -np.logaddexp(0, z3)
        R1, R2 = Theta1.copy(), Theta2.copy()
        R1[:, 0] = R2[:, 0] = 0.0
        J = -np.sum(Y * log_h + (1 - Y) * log_1_minus_h) / m + lambda_ / (2 * m) * (
            np.sum(R1 * R1) + np.sum(R2 * R2)
        )
        d3 = sigmoid(z3) - Y
        d2 = ((d3 @ Theta2) * a2 * (1 - a2))[:, 1:]  # the bias column's g′ is 1·(1 − 1) = 0: dropped
        G1 = np.einsum("mi,mj->ij", d2, a1) / m + lambda_ / m * R1
        G2 = np.einsum("mi,mj->ij", d3, a2) / m + lambda_ / m * R2
        return np.float64(J), np.concatenate([G1.reshape(-1), G2.reshape(-1)])

    def network(L_in, H, K, m, scale=1.0):
        params = rng.normal(size=H * (L_in + 1) + K * (H + 1)) * scale
        return params, L_in, H, K, rng.normal(size=(m, L_in)), rng.integers(0, K, size=m)

    # square Θ's first (hidden = 1 + inputs, labels = 1 + hidden): a forgotten .T gives a wrong number
    # there instead of a shape error, so the check can name that mistake
    square = network(3, 4, 5, 6)
    # the gradient-check network of the notebook: 3 inputs, 5 hidden units, 3 labels, 5 examples
    debug = ns["debug_initialize_weights"]
    small = (unroll(debug(5, 3), debug(3, 5)), 3, 5, 3, debug(5, 2), np.arange(1, 6) % 3)
    other = network(2, 4, 4, 7)  # more labels than inputs
    wide = network(6, 3, 2, 9, scale=0.7)  # more inputs than hidden units, two labels
    single = network(3, 3, 2, 1)  # one example
    saturated = network(4, 3, 3, 6, scale=40.0)  # confident outputs: some h are exactly 0 or 1

    def cost_case(name, net, lam, part):
        return Case(name, (*net, lam), part=part, select=0, **TIGHT)

    def grad_case(name, net, lam):
        return Case(name, (*net, lam), part="gradient", select=1, **TIGHT)

    return [
        Exercise(
            "ex4.sigmoid_gradient",
            "sigmoid_gradient",
            hint="g′(z) = g(z)(1 − g(z)) with g = sigmoid, element-wise.",
            shape_hint="work element-wise, so that the result has the shape of z.",
            cases=[
                # a vector first: at z = 0 several mistakes give the same 0.5
                # tolerances as tight as the notebook's own checks (a finite difference to 1e-9,
                # max == 0.25): a rounded result or one shifted by 1e-9 is wrong there
                Case("a vector from −4 to 4", (np.linspace(-4, 4, 9),), **TIGHT),
                Case("z = 0", (0.0,), **TIGHT),
                Case("z = 3.0, a plain number", (3.0,), **TIGHT),
                Case("large values ±10, ±40", (np.array([-40.0, -10.0, 10.0, 40.0]),), **TIGHT),
                Case("a matrix", (np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]]),), **TIGHT),
            ],
            mistakes=[
                (sg_one_minus_z, ONE_MINUS_Z),
                (sg_z, Z_TIMES),
                (sg_no_square, NO_SQUARE),
                (sg_tanh_form, TANH_FORM),
                (sg_forward_difference, FINITE_DIFF),
                (sg_in_place, "changed its argument `z`"),
                (sg_scalar_constant, SCALAR_CONSTANT),
                (sg_rounded, ROUNDED),
                (sg_plus_eps, PLUS_EPS),
            ],
            alternatives=[sg_product_of_mirrors, sg_cosh, sg_in_place_on_a_new_array],
        ),
        Exercise(
            "ex4.rand_initialize_weights",
            "rand_initialize_weights",
            hint=(
                "ε from init_epsilon(L_in, L_out), then rng.uniform(-eps, eps, size=(L_out, 1 + L_in)): "
                "the check compares your weights with those of the same seeded rng."
            ),
            shape_hint=BIAS_COLUMN,
            deterministic=True,
            cases=[
                Case("a 3 → 5 layer, rng seed 0", (3, 5, Rng(0))),
                Case("a 6 → 4 layer, rng seed 1", (6, 4, Rng(1))),
                Case("one input, 4 outputs, rng seed 7", (1, 4, Rng(7))),
                Case("a 10 → 3 layer, rng passed as rng=, seed 2024", (10, 3), kwargs={"rng": Rng(2024)}),
            ],
            mistakes=[
                (init_zeros, SYMMETRY),
                (init_positive, CENTRED),
                (init_fixed, FIXED_EPS),
                (init_eps_with_bias, EPS_BIAS),
                (init_normal, NORMAL),
                (init_clipped_normal, CLIPPED),
                (init_no_bias, BIAS_COLUMN),
                (init_shape_swapped, SHAPE_SWAPPED),
                (init_transposed, TRANSPOSED),
                (init_zero_bias, ZERO_BIAS),
                (init_global, RANDOM_HINT),
                (init_own_rng, OWN_RNG),
                (init_extra_draw, RNG_USE_HINT),
            ],
            alternatives=[init_scaled_unit, init_row_by_row, init_flat_reshaped],
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
            shape_hint="J is one number; " + GRAD_TUPLE,
            parts={
                "feedforward": "feedforward cost",
                "regularized": "regularised cost",
                "gradient": "backprop gradient",
            },
            changed_hint=VIEWS,
            cases=[
                cost_case("3-4-5 network (square Θ's), 6 examples, λ = 0", square, 0.0, "feedforward"),
                cost_case("3-5-3 network, 5 examples, λ = 0", small, 0.0, "feedforward"),
                cost_case("2-4-4 network, 7 examples, λ = 0", other, 0.0, "feedforward"),
                cost_case("one example, λ = 0", single, 0.0, "feedforward"),
                cost_case("4-3-3 network with saturated outputs, λ = 0", saturated, 0.0, "feedforward"),
                cost_case("3-5-3 network, λ = 3", small, 3.0, "regularized"),
                cost_case("6-3-2 network, 9 examples, λ = 1", wide, 1.0, "regularized"),
                cost_case("one example, λ = 0.5", single, 0.5, "regularized"),
                grad_case("3-5-3 network, λ = 0", small, 0.0),
                grad_case("3-5-3 network, λ = 3", small, 3.0),
                grad_case("2-4-4 network, 7 examples, λ = 1", other, 1.0),
                grad_case("one example, λ = 0.5", single, 0.5),
            ],
            mistakes=nn_mistakes,
            alternatives=[nn_loop, nn_masked_copies],
        ),
    ]
