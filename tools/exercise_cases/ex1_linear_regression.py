"""Cases for Day 1, ex1 (linear regression): published values plus other shapes, and the mistake
catalogue of each exercise (issue 21)."""

import numpy as np

from tools.exercise_cases.model import Case, Data, Exercise

NOTEBOOK = "day1/ex1_linear_regression.ipynb"

FOOD_X, FOOD_Y = Data("food_truck.X"), Data("food_truck.y")
CHANGED_THETA = "changed its argument `theta`"
CHANGED_X = "changed its argument `X`"

# --- compute_cost ------------------------------------------------------------------------------------
HALF = "the cost has a ½ in front: divide the sum of squares by 2m, not by m."
MEAN = "average over the examples: divide by m (len(y))."
PRECEDENCE = "`/ 2 * m` divides by 2 and then multiplies by m: write `/ (2 * m)`, with the parentheses."
M_NOT_N = "m is the number of examples, len(y) (the rows of X), not the number of parameters X.shape[1]."
SQUARE_OF_SUM = (
    "square each residual, then sum: np.sum((X @ theta - y) ** 2), not np.sum(X @ theta - y) ** 2 "
    "(positive and negative residuals must not cancel)."
)
NOT_SUMMED = "J is one number: sum the squared residuals over all m examples (then divide by 2m)."
COLUMN_Y = (
    "keep y a vector of shape (m,) like X @ theta: X @ theta − y[:, None] (y as an (m, 1) column) "
    "broadcasts to an (m, m) matrix of every prediction minus every target, and its sum is not the cost."
)

# --- compute_gradient --------------------------------------------------------------------------------
TRANSPOSE = (
    "the gradient is Xᵀ(Xθ − y) / m — X.T @ (...), with the transpose: one partial derivative per "
    "column of X (X @ (...) only runs when X is square, and gives other numbers)."
)
RESIDUAL_SIGN = "the residuals are h − y = Xθ − y: (y − Xθ) flips the sign of the gradient."
TWO_M = (
    "the ½ of the cost cancels against the 2 of the square's derivative: the gradient is "
    "Xᵀ(Xθ − y) / m, not / (2m)."
)
GRAD_AXIS = (
    "sum over the examples (axis=0): residual_i · x_ij summed over i gives one number per θ_j, "
    "shape (n+1,) — axis=1 sums over the features instead."
)

# --- gradient_descent --------------------------------------------------------------------------------
SIMULTANEOUS = (
    "a sequential update: compute every partial derivative from the same θ first, then update all "
    "θ_j together (theta = theta - alpha * gradient) — a simultaneous update."
)
HISTORY = "J_history[k] is the cost *after* step k+1: update θ first, then record compute_cost."
STEPS = "take exactly num_iters steps: range(num_iters), not range(1, num_iters), which takes one too few."
START_COST = "J_history holds num_iters costs, one after each step: leave out the cost of the starting θ."
ASCENT = "step downhill, against the gradient: theta - alpha * gradient (a + climbs the cost)."
FIXED_ALPHA = "use the `alpha` argument as the step size, not a fixed 0.01: the caller chooses it."
GD_MEAN = "the gradient is averaged: Xᵀ(Xθ − y) / m (or call compute_gradient, which divides by m)."
EARLY_STOP = (
    "take all num_iters steps, without stopping early when the cost changes little: the caller chooses "
    "num_iters (the published θ ≈ (−3.63, 1.17) comes after exactly 1500 steps)."
)

# --- normal_equation ---------------------------------------------------------------------------------
RHS_TRANSPOSE = (
    "the right-hand side is Xᵀy (X.T @ y): θ solves (XᵀX) θ = Xᵀy — X @ y only runs when X is square."
)
FORGOT_Y = "(XᵀX)⁻¹Xᵀ is a matrix: multiply it by y to get θ, (XᵀX)⁻¹Xᵀy."
ELEMENTWISE = "`*` multiplies element-wise in numpy: use @ for matrix products, inv(X.T @ X) @ (X.T @ y)."
EXTRA_BIAS = (
    "X already carries the bias column of ones: do not add another (θ would get n+2 entries, and "
    "XᵀX would be singular)."
)
LSTSQ_TUPLE = (
    "np.linalg.lstsq returns (solution, residuals, rank, singular values): return only its "
    "solution, np.linalg.lstsq(X, y, rcond=None)[0]."
)
FLOAT32 = (
    "compute in float64 (numpy's default), not float32: float32 keeps only about 7 significant digits "
    "(1000.001 becomes 1000.00098), and XᵀX squares the condition number of X, so the normal equation "
    "loses even more of them on an ill-conditioned X."
)

# --- feature_normalize -------------------------------------------------------------------------------
STD = "use the population standard deviation, X.std(axis=0) (divides by m); MATLAB's std divides by m-1."
AXIS = "normalise each column (feature) separately: take the mean and std with axis=0."
RANGE = (
    "divide by the standard deviation X.std(axis=0), not by the range max − min: every feature must "
    "end with standard deviation 1."
)
NOT_CENTRED = "subtract the mean first: X_norm = (X − mu) / sigma, so that every feature has mean 0."
ONE_MEAN = (
    "one mean and one std per column: X.mean(axis=0), X.std(axis=0) — without axis numpy takes one "
    "number over all entries of X."
)
ONLY_X_NORM = "return all three, (X_norm, mu, sigma): mu and sigma are needed to normalise new inputs."
EPS = (
    "divide by sigma itself, not sigma + 1e-8: the small constant changes every normalised value "
    "(the features here all have sigma > 0; the check compares to 1e-10)."
)


def _random(rng, m, n):
    """A design matrix with a bias column and n features, targets and a parameter vector."""
    X = np.column_stack([np.ones(m), rng.normal(2.0, 3.0, size=(m, n))])
    return X, rng.normal(size=m) * 5, rng.normal(size=n + 1)


def _standardised(rng, m):
    """A bias column and one feature with mean 0 and standard deviation 1, and targets: a round bowl."""
    z = rng.normal(size=m)
    z = (z - z.mean()) / z.std()
    return np.column_stack([np.ones(m), z]), 3 + 2 * z + rng.normal(size=m)


def exercises(ns):
    compute_cost, compute_gradient = ns["compute_cost"], ns["compute_gradient"]
    rng = np.random.default_rng(2026)
    X3, y3, t3 = _random(rng, 6, 3)  # several features
    X1, y1, t1 = _random(rng, 1, 2)  # one example
    Xb, yb, tb = _random(rng, 12, 1)  # one feature, other data
    Xs, ys, ts = _random(rng, 3, 2)  # X square (3 × 3): X @ r runs where X.T @ r is meant
    Xn, yn = _standardised(np.random.default_rng(7), 20)  # gradient descent converges in ~50 steps

    # --- compute_cost: mistakes and correct variants -------------------------------------------------
    def cost_no_half(X, y, theta):
        return float(np.sum((X @ theta - y) ** 2) / len(y))

    def cost_no_mean(X, y, theta):
        return float(np.sum((X @ theta - y) ** 2) / 2)

    def cost_precedence(X, y, theta):
        m = len(y)
        r = X @ theta - y
        return float(r @ r / 2 * m)

    def cost_by_parameters(X, y, theta):
        n = X.shape[1]  # the number of columns, not of examples
        return float(np.sum((X @ theta - y) ** 2) / (2 * n))

    def cost_square_of_sum(X, y, theta):
        return float(np.sum(X @ theta - y) ** 2 / (2 * len(y)))

    def cost_not_summed(X, y, theta):
        return (X @ theta - y) ** 2 / (2 * len(y))

    def cost_column_y(X, y, theta):
        r = X @ theta - y[:, None]  # (m,) − (m, 1): an (m, m) matrix
        return float(np.sum(r**2) / (2 * len(y)))

    def cost_loop(X, y, theta):
        total = 0.0
        for x_i, y_i in zip(X, y, strict=True):
            total += (x_i @ theta - y_i) ** 2
        return total / (2 * len(y))

    def cost_mean_of_squares(X, y, theta):
        return np.mean((X.dot(theta) - y) ** 2) / 2

    def cost_norm(X, y, theta):
        return np.linalg.norm(X @ theta - y) ** 2 / (2 * X.shape[0])

    # --- compute_gradient ------------------------------------------------------------------------------
    def gradient_no_mean(X, y, theta):
        return X.T @ (X @ theta - y)

    def gradient_untransposed(X, y, theta):
        return X @ (X @ theta - y) / len(y)

    def gradient_sign(X, y, theta):
        return X.T @ (y - X @ theta) / len(y)

    def gradient_two_m(X, y, theta):
        return X.T @ (X @ theta - y) / (2 * len(y))

    def gradient_wrong_axis(X, y, theta):
        return np.sum((X @ theta - y)[:, None] * X, axis=1) / len(y)

    def gradient_row_times_matrix(X, y, theta):
        return (X @ theta - y) @ X / len(y)

    def gradient_per_parameter(X, y, theta):
        r = X @ theta - y
        return [np.mean(r * X[:, j]) for j in range(X.shape[1])]  # a list: one entry per θ_j

    def gradient_broadcast_mean(X, y, theta):
        return np.mean((X @ theta - y)[:, None] * X, axis=0)

    # --- gradient_descent --------------------------------------------------------------------------------
    def gd_sequential(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        hist = []
        for _ in range(num_iters):
            for j in range(len(theta)):
                theta[j] -= alpha * compute_gradient(X, y, theta)[j]
            hist.append(compute_cost(X, y, theta))
        return theta, np.array(hist)

    def gd_history_before(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        hist = []
        for _ in range(num_iters):
            hist.append(compute_cost(X, y, theta))
            theta = theta - alpha * compute_gradient(X, y, theta)
        return theta, np.array(hist)

    def gd_in_place(X, y, theta, alpha, num_iters):
        J_history = []
        for _ in range(num_iters):
            theta -= alpha * compute_gradient(X, y, theta)  # the caller's array
            J_history.append(compute_cost(X, y, theta))
        return theta, J_history

    def gd_one_step_short(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = []
        for _ in range(1, num_iters):
            theta = theta - alpha * compute_gradient(X, y, theta)
            J_history.append(compute_cost(X, y, theta))
        return theta, J_history

    def gd_with_start_cost(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = [compute_cost(X, y, theta)]
        for _ in range(num_iters):
            theta = theta - alpha * compute_gradient(X, y, theta)
            J_history.append(compute_cost(X, y, theta))
        return theta, J_history

    def gd_ascent(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = np.zeros(num_iters)
        with np.errstate(all="ignore"):  # it diverges
            for k in range(num_iters):
                theta = theta + alpha * compute_gradient(X, y, theta)
                J_history[k] = compute_cost(X, y, theta)
        return theta, J_history

    def gd_fixed_alpha(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = np.zeros(num_iters)
        for k in range(num_iters):
            theta = theta - 0.01 * compute_gradient(X, y, theta)  # the published alpha, not the argument
            J_history[k] = compute_cost(X, y, theta)
        return theta, J_history

    def gd_unaveraged(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = np.zeros(num_iters)
        with np.errstate(all="ignore"):  # it diverges
            for k in range(num_iters):
                theta = theta - alpha * X.T @ (X @ theta - y)
                J_history[k] = compute_cost(X, y, theta)
        return theta, J_history

    def gd_early_stop(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        J_history = []
        for _ in range(num_iters):
            theta = theta - alpha * compute_gradient(X, y, theta)
            J_history.append(compute_cost(X, y, theta))
            if len(J_history) > 1 and abs(J_history[-1] - J_history[-2]) < 1e-3:  # "converged"
                break
        J_history += [J_history[-1]] * (num_iters - len(J_history))  # padded to num_iters entries
        return theta, np.array(J_history)

    def gd_copy_then_in_place(X, y, theta, alpha, num_iters):
        theta = theta.copy()  # a copy of our own: changing it in place is fine
        J_history = []
        for _ in range(num_iters):
            theta -= alpha * compute_gradient(X, y, theta)
            J_history.append(compute_cost(X, y, theta))
        return theta, J_history

    def gd_component_loop(X, y, theta, alpha, num_iters):
        m = len(y)
        theta = np.array(theta, dtype=float)
        J_history = np.zeros(num_iters)
        for k in range(num_iters):
            residuals = X @ theta - y  # one residual vector for all components: simultaneous
            new_theta = np.empty_like(theta)
            for j in range(len(theta)):
                new_theta[j] = theta[j] - alpha * (residuals @ X[:, j]) / m
            theta = new_theta
            r = X @ theta - y
            J_history[k] = r @ r / (2 * m)
        return theta, J_history

    # --- normal_equation -------------------------------------------------------------------------------
    def ne_rhs_untransposed(X, y):
        return np.linalg.solve(X.T @ X, X @ y)

    def ne_forgot_y(X, y):
        return np.linalg.inv(X.T @ X) @ X.T

    def ne_elementwise(X, y):
        return np.linalg.inv(X.T @ X) * (X.T @ y)

    def ne_extra_bias(X, y):
        Xb = np.column_stack([np.ones(len(y)), X])  # X has its bias column already
        return np.linalg.pinv(Xb) @ y

    def ne_lstsq_tuple(X, y):
        return np.linalg.lstsq(X, y, rcond=None)

    def ne_float32(X, y):
        X, y = X.astype(np.float32), y.astype(np.float32)
        return np.linalg.solve(X.T @ X, X.T @ y)

    def ne_inverse(X, y):
        return np.linalg.inv(X.T @ X) @ X.T @ y

    def ne_pinv(X, y):
        return np.linalg.pinv(X) @ y

    def ne_lstsq(X, y):
        return np.linalg.lstsq(X, y, rcond=None)[0]

    # --- feature_normalize -------------------------------------------------------------------------------
    def normalize_ddof1(X):
        X = np.asarray(X, dtype=float)
        return (X - X.mean(0)) / X.std(0, ddof=1), X.mean(0), X.std(0, ddof=1)

    def normalize_rows(X):
        X = np.asarray(X, dtype=float)
        mu, sigma = X.mean(1, keepdims=True), X.std(1, keepdims=True)
        with np.errstate(invalid="ignore"):  # a row of one feature has std 0
            return (X - mu) / sigma, mu.ravel(), sigma.ravel()

    def normalize_range(X):
        mu, spread = X.mean(axis=0), X.max(axis=0) - X.min(axis=0)
        return (X - mu) / spread, mu, spread

    def normalize_not_centred(X):
        mu, sigma = X.mean(axis=0), X.std(axis=0)
        return X / sigma, mu, sigma

    def normalize_one_mean(X):
        mu, sigma = X.mean(), X.std()
        return (X - mu) / sigma, mu, sigma

    def normalize_in_place(X):
        mu, sigma = X.mean(axis=0), X.std(axis=0)
        X -= mu  # the caller's array
        X /= sigma
        return X, mu, sigma

    def normalize_only_x(X):
        return (X - X.mean(axis=0)) / X.std(axis=0)

    def normalize_eps(X):
        mu, sigma = X.mean(axis=0), X.std(axis=0)
        return (X - mu) / (sigma + 1e-8), mu, sigma  # "to avoid dividing by zero"

    def normalize_keepdims(X):  # computed with keepdims, returned flat as the docstring says
        mu, sigma = X.mean(axis=0, keepdims=True), X.std(axis=0, keepdims=True)  # shape (1, n)
        return (X - mu) / sigma, mu.ravel(), sigma.ravel()

    def normalize_by_column(X):
        X_norm, mu, sigma = np.empty(X.shape), np.empty(X.shape[1]), np.empty(X.shape[1])
        for j in range(X.shape[1]):
            mu[j] = np.mean(X[:, j])
            sigma[j] = np.sqrt(np.mean((X[:, j] - mu[j]) ** 2))
            X_norm[:, j] = (X[:, j] - mu[j]) / sigma[j]
        return X_norm, mu, sigma

    return [
        Exercise(
            "ex1.compute_cost",
            "compute_cost",
            hint="J = (Xθ − y)ᵀ(Xθ − y) / (2m): residuals, squared, summed, divided by 2m.",
            cases=[
                # θ = (-1, 2) first: at θ = 0 an (m, m) broadcast gives the same number as no division by m
                Case("published: food trucks, θ = (-1, 2)", (FOOD_X, FOOD_Y, np.array([-1.0, 2.0]))),
                Case("published: food trucks, θ = (0, 0)", (FOOD_X, FOOD_Y, np.zeros(2))),
                Case("3 features, 6 examples", (X3, y3, t3)),
                Case("one example", (X1, y1, t1)),
            ],
            mistakes=[
                (cost_no_half, HALF),
                (cost_no_mean, MEAN),
                (cost_precedence, PRECEDENCE),
                (cost_by_parameters, M_NOT_N),
                (cost_square_of_sum, SQUARE_OF_SUM),
                (cost_not_summed, NOT_SUMMED),
                (cost_column_y, COLUMN_Y),
            ],
            alternatives=[cost_loop, cost_mean_of_squares, cost_norm],
        ),
        Exercise(
            "ex1.compute_gradient",
            "compute_gradient",
            hint="the gradient is Xᵀ(Xθ − y) / m: one partial derivative per θ_j, shape (n+1,).",
            shape_hint="return one number per parameter: shape (n+1,), like theta.",
            cases=[
                Case("X square: 3 examples, 2 features", (Xs, ys, ts)),
                Case("food trucks, θ = (-1, 2)", (FOOD_X, FOOD_Y, np.array([-1.0, 2.0]))),
                Case("3 features, 6 examples", (X3, y3, t3)),
                Case("one example", (X1, y1, t1)),
            ],
            mistakes=[
                (gradient_no_mean, MEAN),
                (gradient_untransposed, TRANSPOSE),
                (gradient_sign, RESIDUAL_SIGN),
                (gradient_two_m, TWO_M),
                (gradient_wrong_axis, GRAD_AXIS),
            ],
            alternatives=[gradient_row_times_matrix, gradient_per_parameter, gradient_broadcast_mean],
        ),
        Exercise(
            "ex1.gradient_descent",
            "gradient_descent",
            hint=(
                "each step: theta = theta - alpha * gradient (at the current theta); then record the cost; "
                "take all num_iters steps, none skipped and none added."
            ),
            cases=[
                Case("food trucks, α = 0.01, 50 steps from 0", (FOOD_X, FOOD_Y, np.zeros(2), 0.01, 50)),
                Case("3 features, α = 0.01, 20 steps", (X3, y3, t3, 0.01, 20)),
                Case("one feature, α = 0.02, 10 steps", (Xb, yb, tb, 0.02, 10)),
                # only θ is compared (select=0): 1500 costs would be stored for every mistake
                Case(
                    "published: food trucks, α = 0.01, 1500 steps from 0 (θ)",
                    (FOOD_X, FOOD_Y, np.zeros(2), 0.01, 1500),
                    select=0,
                ),
                # converged long before 100 steps: stopping once the cost changes by < 1e-10 shows in θ
                Case("one standardised feature, α = 0.3, 100 steps", (Xn, yn, np.zeros(2), 0.3, 100)),
            ],
            mistakes=[
                (gd_sequential, SIMULTANEOUS),
                (gd_history_before, HISTORY),
                (gd_in_place, CHANGED_THETA),
                (gd_one_step_short, STEPS),
                (gd_with_start_cost, START_COST),
                (gd_ascent, ASCENT),
                (gd_fixed_alpha, FIXED_ALPHA),
                (gd_unaveraged, GD_MEAN),
                (gd_early_stop, EARLY_STOP),
            ],
            alternatives=[gd_copy_then_in_place, gd_component_loop],
        ),
        Exercise(
            "ex1.normal_equation",
            "normal_equation",
            hint="solve (XᵀX) θ = Xᵀy, e.g. np.linalg.solve(X.T @ X, X.T @ y).",
            shape_hint="return θ, one number per column of X: shape (n+1,).",
            cases=[
                # first: every float32 version (solve, inv, pinv, lstsq) gives θ₁ = 0.000488 here
                Case(
                    "2 examples, targets 1000 and 1000.001: θ₁ = 0.0005 needs float64",
                    (np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([1000.0, 1000.001])),
                ),
                Case("X square: 3 examples, 2 features", (Xs, ys)),
                Case("food trucks", (FOOD_X, FOOD_Y)),
                Case("published: housing, raw features", (Data("housing.X"), Data("housing.y")), rtol=1e-7),
                Case("3 features, 6 examples", (X3, y3)),
            ],
            mistakes=[
                (ne_rhs_untransposed, RHS_TRANSPOSE),
                (ne_forgot_y, FORGOT_Y),
                (ne_elementwise, ELEMENTWISE),
                (ne_extra_bias, EXTRA_BIAS),
                (ne_lstsq_tuple, LSTSQ_TUPLE),
                (ne_float32, FLOAT32),
            ],
            alternatives=[ne_inverse, ne_pinv, ne_lstsq],
        ),
        Exercise(
            "ex1.feature_normalize",
            "feature_normalize",
            hint="(X − μ) / σ with μ = X.mean(axis=0) and σ = X.std(axis=0); return (X_norm, mu, sigma).",
            cases=[
                # rtol 1e-10: tells (X − mu) / (sigma + 1e-8) from (X − mu) / sigma
                Case("housing: size and bedrooms", (Data("housing.X_raw"),), atol=1e-12, rtol=1e-10),
                Case("one feature (a column)", (X3[:, 1:2],), atol=1e-12, rtol=1e-10),
                Case("3 features", (X3[:, 1:],), atol=1e-12, rtol=1e-10),
            ],
            mistakes=[
                (normalize_ddof1, STD),
                (normalize_rows, AXIS),
                (normalize_range, RANGE),
                (normalize_not_centred, NOT_CENTRED),
                (normalize_one_mean, ONE_MEAN),
                (normalize_in_place, CHANGED_X),
                (normalize_only_x, ONLY_X_NORM),
                (normalize_eps, EPS),
            ],
            alternatives=[normalize_keepdims, normalize_by_column],
        ),
    ]
