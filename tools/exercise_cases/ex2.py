"""Cases for Day 1, ex2 (logistic regression): published values plus other shapes, and common mistakes."""

import numpy as np

from tools.student import Case, Data, Exercise

NOTEBOOK = "day1/ex2_logistic_regression.ipynb"

ADMIT_X, ADMIT_Y = Data("admissions.X"), Data("admissions.y")
CHIP_X, CHIP_Y = Data("microchips.X_mapped"), Data("microchips.y")
SIGN = "1 / (1 + exp(-z)): mind the minus sign in the exponent (sigmoid(z) grows with z)."
MINUS = "the cost has a minus sign in front: J = -(1/m) Σ [y log h + (1 − y) log(1 − h)] is positive."
SWAPPED = "y goes with log(h) and (1 − y) with log(1 − h): a positive example (y = 1) costs −log h."
MEAN = "average over the examples: divide the gradient by m (len(y)), like the cost."
PROBABILITIES = "return classes, not probabilities: 1 where sigmoid(X θ) >= 0.5, else 0."
THRESHOLD = (
    "the threshold is inclusive: predict 1 where sigmoid(X θ) >= 0.5 (θᵀx >= 0), including exactly 0.5."
)
BIAS = (
    "do not regularise θ₀ (the bias): the penalty λ/(2m) Σ θ_j² and the gradient term (λ/m) θ_j "
    "start at j = 1 — use theta[1:], and leave grad[0] as in cost_function."
)
HALF = "the penalty is λ/(2m) Σ θ_j² (note the 2); its derivative gives the gradient term (λ/m) θ_j."


def _random(rng, m, n, scale=1.0):
    """A design matrix with a bias column and n features, 0/1 labels and a parameter vector."""
    X = np.column_stack([np.ones(m), rng.normal(size=(m, n))])
    y = (rng.random(m) < 0.5).astype(float)
    return X, y, rng.normal(size=n + 1) * scale


def exercises(ns):
    sigmoid, cost_function = ns["sigmoid"], ns["cost_function"]
    rng = np.random.default_rng(2027)
    X3, y3, t3 = _random(rng, 8, 3)  # several features
    X1, y1, t1 = _random(rng, 1, 2)  # one example
    Xf, yf, tf = _random(rng, 6, 1, scale=2.0)  # one feature
    X5, y5, t5 = _random(rng, 10, 5, scale=0.5)  # other sizes for the regularised cost
    # predict: integer inputs so that some scores are exactly 0 (probability exactly 0.5)
    Xp = np.column_stack([np.ones(7), [[1, 2], [-1, -2], [3, -1], [0, 0], [2, 4], [-2, 1], [1, -3]]])
    tp = np.array([0.0, 1.0, -0.5])  # theta^T x = x1 - x2 / 2
    theta_pub = np.array([-25.161, 0.206, 0.201])  # the published optimum

    def sigmoid_sign(z):
        return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))

    def log_h(theta, X):
        z = X @ theta
        return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)  # log h, log(1 - h)

    def cost_no_minus(theta, X, y):
        J, grad = cost_function(theta, X, y)
        return -J, grad

    def cost_swapped(theta, X, y):
        lh, l1h = log_h(theta, X)
        return float(-(y @ l1h + (1 - y) @ lh) / len(y)), cost_function(theta, X, y)[1]

    def gradient_no_mean(theta, X, y):
        J, grad = cost_function(theta, X, y)
        return J, grad * len(y)

    def predict_probabilities(theta, X):
        return sigmoid(X @ theta)

    def predict_strict(theta, X):
        return (X @ theta > 0).astype(int)

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

    cost_mistakes = [(cost_no_minus, MINUS), (cost_swapped, SWAPPED), (gradient_no_mean, MEAN)]
    reg_mistakes = [(reg_bias, BIAS), (reg_no_half, HALF)]
    return [
        Exercise(
            "ex2.sigmoid",
            "sigmoid",
            hint="g(z) = 1 / (1 + e^(−z)), element-wise: use np.exp, which works on scalars and arrays.",
            shape_hint="apply the formula element-wise (np.exp) so the result has the shape of z.",
            cases=[
                Case("z = 0", (0.0,), mistakes=[(sigmoid_sign, SIGN)]),
                Case(
                    "large values ±40, ±100",
                    (np.array([-100.0, -40.0, 40.0, 100.0]),),
                    mistakes=[(sigmoid_sign, SIGN)],
                ),
                Case("a vector", (np.linspace(-5, 5, 9),), mistakes=[(sigmoid_sign, SIGN)]),
                Case(
                    "a matrix",
                    (np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]]),),
                    mistakes=[(sigmoid_sign, SIGN)],
                ),
            ],
        ),
        Exercise(
            "ex2.cost_function",
            "cost_function",
            hint="J = −(1/m) [yᵀ log h + (1 − y)ᵀ log(1 − h)] with h = sigmoid(X θ); grad = Xᵀ(h − y) / m.",
            shape_hint="return (J, grad): J one number, grad one partial derivative per θ_j, shape (n+1,).",
            cases=[
                Case("published: admissions, θ = 0", (np.zeros(3), ADMIT_X, ADMIT_Y), mistakes=cost_mistakes),
                Case(
                    "published: admissions, θ = (−24, 0.2, 0.2)",
                    (np.array([-24.0, 0.2, 0.2]), ADMIT_X, ADMIT_Y),
                    mistakes=cost_mistakes,
                ),
                Case("3 features, 8 examples", (t3, X3, y3), mistakes=cost_mistakes),
                Case("one feature", (tf, Xf, yf), mistakes=cost_mistakes),
                Case("one example", (t1, X1, y1), mistakes=cost_mistakes),
            ],
        ),
        Exercise(
            "ex2.predict",
            "predict",
            hint="1 where sigmoid(X θ) >= 0.5 (equivalently θᵀx >= 0), else 0: one class per row of X.",
            shape_hint="one prediction per example: shape (m,), like y.",
            cases=[
                Case(
                    "7 examples, some exactly on the boundary",
                    (tp, Xp),
                    mistakes=[(predict_probabilities, PROBABILITIES), (predict_strict, THRESHOLD)],
                ),
                Case("published: admissions at the optimum θ", (theta_pub, ADMIT_X)),
                Case("one example", (t1, X1)),
            ],
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
                Case(
                    "published: microchips, θ = 0, λ = 1",
                    (np.zeros(28), CHIP_X, CHIP_Y, 1.0),
                    mistakes=reg_mistakes,
                ),
                Case(
                    "published: microchips, θ = 1, λ = 10",
                    (np.ones(28), CHIP_X, CHIP_Y, 10.0),
                    mistakes=reg_mistakes,
                ),
                Case("λ = 0 is the unregularised cost", (t3, X3, y3, 0.0), mistakes=reg_mistakes),
                Case("5 features, λ = 3", (t5, X5, y5, 3.0), mistakes=reg_mistakes),
                Case("one example, λ = 0.5", (t1, X1, y1, 0.5), mistakes=reg_mistakes),
            ],
        ),
    ]
