"""Cases for Day 1, ex2 (logistic regression): published values plus other shapes, λ = 0 and λ ≠ 0,
and the mistake catalogue of each exercise (issue 21)."""

import numpy as np
import scipy.special

from tools.exercise_cases.model import Case, Data, Exercise

NOTEBOOK = "day1/ex2_logistic_regression.ipynb"

ADMIT_X, ADMIT_Y = Data("admissions.X"), Data("admissions.y")
CHIP_X, CHIP_Y = Data("microchips.X_mapped"), Data("microchips.y")

# --- sigmoid -----------------------------------------------------------------------------------------
SIGN = "1 / (1 + exp(-z)): mind the minus sign in the exponent (sigmoid(z) grows with z)."
OVERFLOW = (
    "np.exp(z) / (1 + np.exp(z)) is inf / inf = nan once e^z overflows (z > 709): write it as "
    "1 / (1 + np.exp(-z)), where an overflow only makes the denominator inf and the result 0."
)
PRECEDENCE = (
    "`1 / 1 + np.exp(-z)` is (1 / 1) + e^(−z): put the denominator in parentheses, 1 / (1 + np.exp(-z))."
)
ABS = (
    "np.exp(-np.abs(z)) makes sigmoid(−3) equal sigmoid(3): the sigmoid is not symmetric, g(−z) = 1 − g(z); "
    "use 1 / (1 + np.exp(-z))."
)
MATH_EXP = "math.exp takes one number only"
CLIP = (
    "do not clip z: np.clip(z, -30, 30) turns sigmoid(−40) ≈ 4e-18 into sigmoid(−30) ≈ 9e-14 (and "
    "sigmoid(−800), which is 0, too). 1 / (1 + np.exp(-z)) needs no clipping: an overflow of "
    "exp(−z) to inf only makes the result 0."
)

# --- cost_function -----------------------------------------------------------------------------------
MINUS = "the cost has a minus sign in front: J = -(1/m) Σ [y log h + (1 − y) log(1 − h)] is positive."
SWAPPED = "y goes with log(h) and (1 − y) with log(1 − h): a positive example (y = 1) costs −log h."
MEAN = "average over the examples: divide the gradient by m (len(y)), like the cost."
COLUMN_Y = (
    "keep y a vector of shape (m,) like h = sigmoid(X θ): an (m, 1) column minus an (m,) vector "
    "broadcasts to an (m, m) matrix, and grad comes out (n+1, m) instead of (n+1,)."
)
LOG_H = (
    "for a large score sigmoid(z) rounds to exactly 1.0, so np.log(1 − h) = log 0 = −inf (and 0 · −inf "
    "= nan): compute log h = -np.logaddexp(0, -z) and log(1 − h) = -np.logaddexp(0, z), as section 3 says."
)
NO_SIGMOID = (
    "the gradient uses the prediction h = sigmoid(X θ), not the score X θ: grad = Xᵀ(sigmoid(X θ) − y) / m "
    "(the linear-regression formula with h changed)."
)
ORDER = "return (J, grad) in this order — the cost first, as minimize(..., jac=True) expects."

# --- predict -----------------------------------------------------------------------------------------
PROBABILITIES = "return classes, not probabilities: 1 where sigmoid(X θ) >= 0.5, else 0."
THRESHOLD = (
    "the threshold is inclusive: predict 1 where sigmoid(X θ) >= 0.5 (θᵀx >= 0), including exactly 0.5 "
    "— `> 0.5` and np.round (which rounds 0.5 down to 0) leave it out."
)
SCORE_HALF = (
    "compare the probability sigmoid(X θ) with 0.5 — or, equivalently, the score X θ with 0 — not the "
    "score with 0.5."
)
TRUNCATE = (
    "astype(int) truncates: every probability below 1 becomes 0. Compare with the threshold first, "
    "then turn the True/False result into 1/0."
)
ONE_NUMBER = "`if` and int(...) take one number, not an array"

# --- cost_function_reg -------------------------------------------------------------------------------
BIAS = (
    "do not regularise θ₀ (the bias): the penalty λ/(2m) Σ θ_j² and the gradient term (λ/m) θ_j "
    "start at j = 1 — use theta[1:], and leave grad[0] as in cost_function."
)
HALF = "the penalty is λ/(2m) Σ θ_j² (note the 2); its derivative gives the gradient term (λ/m) θ_j."
REG_NO_M = "the penalty is divided by m too: λ/(2m) Σ θ_j² on J and (λ/m) θ_j on the gradient, not λ/2 and λ."
REG_M_TWICE = (
    "divide the penalty by m once: J = cost_function's J (already averaged) + λ/(2m) Σ θ_j², "
    "grad[j] += (λ/m) θ_j — not the penalty divided by m again."
)
GRAD_NOT_REG = "the penalty has a gradient too: add (λ/m) θ_j to grad[j] for j ≥ 1."
J_NOT_REG = "add the penalty to the cost as well: J = cost_function's J + λ/(2m) Σ_{j≥1} θ_j²."
LAST_EXCLUDED = "leave out the first entry θ₀ (theta[1:]), not the last one (theta[:-1])."
CHANGED_THETA = "changed its argument `theta`"


def _random(rng, m, n, scale=1.0):
    """A design matrix with a bias column and n features, 0/1 labels and a parameter vector."""
    X = np.column_stack([np.ones(m), rng.normal(size=(m, n))])
    y = (rng.random(m) < 0.5).astype(float)
    return X, y, rng.normal(size=n + 1) * scale


def _log_h(theta, X):
    """log h and log(1 − h) for h = sigmoid(X θ), computed safely."""
    z = X @ theta
    return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)


def exercises(ns):
    sigmoid, cost_function = ns["sigmoid"], ns["cost_function"]
    rng = np.random.default_rng(2027)
    X3, y3, t3 = _random(rng, 8, 3)  # several features
    X1, y1, t1 = _random(rng, 1, 2)  # one example
    Xf, yf, tf = _random(rng, 6, 1, scale=2.0)  # one feature
    X5, y5, t5 = _random(rng, 10, 5, scale=0.5)  # other sizes for the regularised cost
    # large scores z = X θ = 10 x: sigmoid(z) rounds to 0 or 1 (a confident right answer, and one wrong)
    Xz = np.column_stack([np.ones(7), [4.5, -4.0, 4.0, 0.2, -0.1, 0.05, 4.2]])
    yz, tz = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0]), np.array([0.0, 10.0])
    # predict: scores exactly 0 (probability exactly 0.5), and 0.25 (between the two thresholds 0 and 0.5)
    features = [[1, 2], [-1, -2], [3, -1], [0, 0], [2, 4], [-2, 1], [1, -3], [1, 1.5]]
    Xp = np.column_stack([np.ones(8), features])
    tp = np.array([0.0, 1.0, -0.5])  # theta^T x = x1 - x2 / 2
    theta_pub = np.array([-25.161, 0.206, 0.201])  # the published optimum

    # --- sigmoid: mistakes and correct variants ------------------------------------------------------
    def sigmoid_sign(z):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))

    def sigmoid_exp_ratio(z):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(z) / (1 + np.exp(z))

    def sigmoid_precedence(z):
        with np.errstate(over="ignore"):
            return 1 / 1 + np.exp(-np.asarray(z, dtype=float))

    def sigmoid_abs(z):
        return 1 / (1 + np.exp(-np.abs(z)))

    def sigmoid_math_exp(z):
        import math

        return 1 / (1 + math.exp(-z))

    def sigmoid_clipped(z):  # "to avoid overflow": changes every value beyond ±30
        return 1 / (1 + np.exp(-np.clip(z, -30, 30)))

    def sigmoid_plain(z):
        return 1 / (1 + np.exp(-z))  # overflows (with a warning) to 1 / inf = 0 for z < -709: right

    def sigmoid_expit(z):
        return scipy.special.expit(z)

    def sigmoid_tanh(z):
        return 0.5 * (1 + np.tanh(np.asarray(z) / 2))

    def sigmoid_two_branches(z):
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))  # never overflows
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    # --- cost_function -----------------------------------------------------------------------------
    def cost_no_minus(theta, X, y):
        J, grad = cost_function(theta, X, y)
        return -J, grad

    def cost_swapped(theta, X, y):
        lh, l1h = _log_h(theta, X)
        return float(-(y @ l1h + (1 - y) @ lh) / len(y)), cost_function(theta, X, y)[1]

    def gradient_no_mean(theta, X, y):
        J, grad = cost_function(theta, X, y)
        return J, grad * len(y)

    def cost_column_y(theta, X, y):
        m = len(y)
        y = y.reshape(-1, 1)  # a column, as in MATLAB
        lh, l1h = _log_h(theta, X)
        J = -(y.T @ lh + (1 - y).T @ l1h) / m
        grad = X.T @ (sigmoid(X @ theta) - y) / m
        return J, grad

    def cost_naive_log(theta, X, y):
        m = len(y)
        h = sigmoid(X @ theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            J = -(y @ np.log(h) + (1 - y) @ np.log(1 - h)) / m
        return J, X.T @ (h - y) / m

    def cost_gradient_without_sigmoid(theta, X, y):
        J, _ = cost_function(theta, X, y)
        return J, X.T @ (X @ theta - y) / len(y)

    def cost_order_swapped(theta, X, y):
        J, grad = cost_function(theta, X, y)
        return grad, J

    def cost_loop(theta, X, y):
        m, J, grad = len(y), 0.0, np.zeros(len(theta))
        for x_i, y_i in zip(X, y, strict=True):
            z = x_i @ theta
            J += np.logaddexp(0, -z) if y_i == 1 else np.logaddexp(0, z)  # −log h or −log(1 − h)
            grad += (sigmoid(z) - y_i) * x_i
        return J / m, grad / m

    def cost_scipy(theta, X, y):
        z = X @ theta
        J = -np.mean(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z))
        return J, (scipy.special.expit(z) - y) @ X / len(y)

    # --- predict ---------------------------------------------------------------------------------------
    def predict_probabilities(theta, X):
        return sigmoid(X @ theta)

    def predict_strict(theta, X):
        return (sigmoid(X @ theta) > 0.5).astype(int)

    def predict_score_half(theta, X):
        return (X @ theta >= 0.5).astype(int)

    def predict_truncated(theta, X):
        return sigmoid(X @ theta).astype(int)

    def predict_if(theta, X):
        if sigmoid(X @ theta) >= 0.5:
            return 1
        return 0

    def predict_score(theta, X):
        return (X @ theta >= 0).astype(int)

    def predict_where(theta, X):
        return np.where(sigmoid(X @ theta) >= 0.5, 1, 0)

    def predict_booleans(theta, X):
        return sigmoid(X @ theta) >= 0.5  # True/False: the same classes

    def predict_loop(theta, X):
        return [1 if sigmoid(x @ theta) >= 0.5 else 0 for x in X]

    # --- cost_function_reg ---------------------------------------------------------------------------
    def reg_bias(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        return J + lambda_ / (2 * m) * theta @ theta, grad + lambda_ / m * theta

    def reg_no_half(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        grad = grad.copy()
        grad[1:] += lambda_ / m * theta[1:]
        return J + lambda_ / m * theta[1:] @ theta[1:], grad

    def reg_not_by_m(theta, X, y, lambda_):
        J, grad = cost_function(theta, X, y)
        grad = grad.copy()
        grad[1:] += lambda_ * theta[1:]
        return J + lambda_ / 2 * theta[1:] @ theta[1:], grad

    def reg_by_m_twice(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        penalty = lambda_ / (2 * m) * theta[1:] @ theta[1:]
        grad = grad.copy()
        grad[1:] += lambda_ / m * theta[1:] / m  # divided by m again
        return J + penalty / m, grad

    def reg_cost_only(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        return J + lambda_ / (2 * m) * theta[1:] @ theta[1:], grad

    def reg_gradient_only(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        grad = grad.copy()
        grad[1:] += lambda_ / m * theta[1:]
        return J, grad

    def reg_bias_zeroed_in_place(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        theta_reg = theta  # not a copy: the next line changes the caller's theta
        theta_reg[0] = 0.0
        return J + lambda_ / (2 * m) * theta_reg @ theta_reg, grad + lambda_ / m * theta_reg

    def reg_last_excluded(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        grad = grad.copy()
        grad[:-1] += lambda_ / m * theta[:-1]
        return J + lambda_ / (2 * m) * theta[:-1] @ theta[:-1], grad

    def reg_masked(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        theta_reg = np.r_[0.0, theta[1:]]  # a new array with θ₀ replaced by 0
        return J + lambda_ / (2 * m) * np.sum(theta_reg**2), grad + lambda_ / m * theta_reg

    def reg_from_scratch(theta, X, y, lambda_):
        m = len(y)
        z = X @ theta
        J = np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
        J += lambda_ / (2 * m) * np.sum(theta[1:] ** 2)
        grad = X.T @ (sigmoid(z) - y) / m
        grad[1:] = grad[1:] + lambda_ / m * theta[1:]
        return J, grad

    def reg_copy_then_zero(theta, X, y, lambda_):
        m = len(y)
        J, grad = cost_function(theta, X, y)
        theta_reg = theta.copy()
        theta_reg[0] = 0.0  # on the copy: the caller's theta is untouched
        return J + lambda_ / (2 * m) * theta_reg @ theta_reg, grad + lambda_ / m * theta_reg

    return [
        Exercise(
            "ex2.sigmoid",
            "sigmoid",
            hint=(
                "g(z) = 1 / (1 + e^(−z)), element-wise: use np.exp, which works on scalars and arrays "
                f"({MATH_EXP})."
            ),
            shape_hint="apply the formula element-wise (np.exp) so the result has the shape of z.",
            cases=[
                Case("z = 0", (0.0,)),
                # atol 1e-15: sigmoid(−40) ≈ 4e-18 and sigmoid(−100) ≈ 4e-44 are told from a clipped 9e-14
                Case(
                    "large values ±40, ±100, ±800",
                    (np.array([-800.0, -100, -40, 40, 100, 800]),),
                    atol=1e-15,
                    rtol=1e-9,
                ),
                Case("a vector", (np.linspace(-5, 5, 9),)),
                Case("a matrix", (np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]]),)),
            ],
            mistakes=[
                (sigmoid_sign, SIGN),
                (sigmoid_exp_ratio, OVERFLOW),
                (sigmoid_precedence, PRECEDENCE),
                (sigmoid_abs, ABS),
                (sigmoid_math_exp, MATH_EXP),
                (sigmoid_clipped, CLIP),
            ],
            alternatives=[sigmoid_plain, sigmoid_expit, sigmoid_tanh, sigmoid_two_branches],
        ),
        Exercise(
            "ex2.cost_function",
            "cost_function",
            hint=(
                "J = −(1/m) [yᵀ log h + (1 − y)ᵀ log(1 − h)] with h = sigmoid(X θ), the logs computed with "
                "np.logaddexp (section 3); grad = Xᵀ(h − y) / m."
            ),
            shape_hint="return (J, grad): J one number, grad one partial derivative per θ_j, shape (n+1,).",
            cases=[
                Case("published: admissions, θ = 0", (np.zeros(3), ADMIT_X, ADMIT_Y)),
                Case(
                    "published: admissions, θ = (−24, 0.2, 0.2)",
                    (np.array([-24.0, 0.2, 0.2]), ADMIT_X, ADMIT_Y),
                ),
                Case("3 features, 8 examples", (t3, X3, y3)),
                Case("one feature", (tf, Xf, yf)),
                Case("one example", (t1, X1, y1)),
                Case("large scores |X θ| up to 45 (sigmoid rounds to 0 or 1)", (tz, Xz, yz)),
            ],
            mistakes=[
                (cost_no_minus, MINUS),
                (cost_swapped, SWAPPED),
                (gradient_no_mean, MEAN),
                (cost_column_y, COLUMN_Y),
                (cost_naive_log, LOG_H),
                (cost_gradient_without_sigmoid, NO_SIGMOID),
                (cost_order_swapped, ORDER),
            ],
            alternatives=[cost_loop, cost_scipy],
        ),
        Exercise(
            "ex2.predict",
            "predict",
            hint=(
                "1 where sigmoid(X θ) >= 0.5 (equivalently θᵀx >= 0), else 0, for every row of X at once: "
                f"compare the whole array with the threshold, then turn True/False into 1/0 — {ONE_NUMBER}."
            ),
            shape_hint="one prediction per example: shape (m,), like y.",
            cases=[
                Case("8 examples, four exactly on the boundary", (tp, Xp)),
                Case("published: admissions at the optimum θ", (theta_pub, ADMIT_X)),
                Case("one example", (t1, X1)),
            ],
            mistakes=[
                (predict_probabilities, PROBABILITIES),
                (predict_strict, THRESHOLD),
                (predict_score_half, SCORE_HALF),
                (predict_truncated, TRUNCATE),
                (predict_if, ONE_NUMBER),
            ],
            alternatives=[predict_score, predict_where, predict_booleans, predict_loop],
        ),
        Exercise(
            "ex2.cost_function_reg",
            "cost_function_reg",
            hint=(
                "cost_function's (J, grad) plus λ/(2m) Σ_{j≥1} θ_j² on J and (λ/m) θ_j on grad[j] for j ≥ 1; "
                "θ₀ is not regularised."
            ),
            shape_hint="return (J, grad): J one number, grad shape (n+1,) like theta.",
            cases=[
                Case("published: microchips, θ = 0, λ = 1", (np.zeros(28), CHIP_X, CHIP_Y, 1.0)),
                Case("published: microchips, θ = 1, λ = 10", (np.ones(28), CHIP_X, CHIP_Y, 10.0)),
                Case("λ = 0 is the unregularised cost", (t3, X3, y3, 0.0)),
                Case("5 features, λ = 3", (t5, X5, y5, 3.0)),
                Case("one example, λ = 0.5", (t1, X1, y1, 0.5)),
            ],
            mistakes=[
                (reg_bias, BIAS),
                (reg_no_half, HALF),
                (reg_not_by_m, REG_NO_M),
                (reg_by_m_twice, REG_M_TWICE),
                (reg_cost_only, GRAD_NOT_REG),
                (reg_gradient_only, J_NOT_REG),
                (reg_bias_zeroed_in_place, CHANGED_THETA),
                (reg_last_excluded, LAST_EXCLUDED),
            ],
            alternatives=[reg_masked, reg_from_scratch, reg_copy_then_zero],
        ),
    ]
