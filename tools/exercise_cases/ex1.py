"""Cases for Day 1, ex1 (linear regression): published values plus other shapes, and common mistakes."""

import numpy as np

from tools.student import Case, Data, Exercise

NOTEBOOK = "day1/ex1_linear_regression.ipynb"

FOOD_X, FOOD_Y = Data("food_truck.X"), Data("food_truck.y")
HALF = "the cost has a ½ in front: divide the sum of squares by 2m, not by m."
MEAN = "average over the examples: divide by m (len(y))."
SIMULTANEOUS = (
    "a sequential update: compute every partial derivative from the same θ first, then update all "
    "θ_j together (theta = theta - alpha * gradient) — a simultaneous update."
)
HISTORY = "J_history[k] is the cost *after* step k+1: update θ first, then record compute_cost."
STD = "use the population standard deviation, X.std(axis=0) (divides by m); MATLAB's std divides by m-1."
AXIS = "normalise each column (feature) separately: take the mean and std with axis=0."


def _random(rng, m, n):
    """A design matrix with a bias column and n features, targets and a parameter vector."""
    X = np.column_stack([np.ones(m), rng.normal(2.0, 3.0, size=(m, n))])
    return X, rng.normal(size=m) * 5, rng.normal(size=n + 1)


def exercises(ns):
    rng = np.random.default_rng(2026)
    X3, y3, t3 = _random(rng, 6, 3)  # several features
    X1, y1, t1 = _random(rng, 1, 2)  # one example
    Xb, yb, tb = _random(rng, 12, 1)  # one feature, other data

    def cost_no_half(X, y, theta):
        return float(np.sum((X @ theta - y) ** 2) / len(y))

    def cost_no_mean(X, y, theta):
        return float(np.sum((X @ theta - y) ** 2) / 2)

    def gradient_no_mean(X, y, theta):
        return X.T @ (X @ theta - y)

    def gd_sequential(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        hist = []
        for _ in range(num_iters):
            for j in range(len(theta)):
                theta[j] -= alpha * ns["compute_gradient"](X, y, theta)[j]
            hist.append(ns["compute_cost"](X, y, theta))
        return theta, np.array(hist)

    def gd_history_before(X, y, theta, alpha, num_iters):
        theta = np.array(theta, dtype=float)
        hist = []
        for _ in range(num_iters):
            hist.append(ns["compute_cost"](X, y, theta))
            theta = theta - alpha * ns["compute_gradient"](X, y, theta)
        return theta, np.array(hist)

    def normalize_ddof1(X):
        X = np.asarray(X, dtype=float)
        return (X - X.mean(0)) / X.std(0, ddof=1), X.mean(0), X.std(0, ddof=1)

    def normalize_rows(X):
        X = np.asarray(X, dtype=float)
        mu, sigma = X.mean(1, keepdims=True), X.std(1, keepdims=True)
        return (X - mu) / sigma, mu.ravel(), sigma.ravel()

    cost_mistakes = [(cost_no_half, HALF), (cost_no_mean, MEAN)]
    gd_mistakes = [(gd_sequential, SIMULTANEOUS), (gd_history_before, HISTORY)]
    return [
        Exercise(
            "ex1.compute_cost",
            "compute_cost",
            hint="J = (Xθ − y)ᵀ(Xθ − y) / (2m): residuals, squared, summed, divided by 2m.",
            cases=[
                Case(
                    "published: food trucks, θ = (0, 0)",
                    (FOOD_X, FOOD_Y, np.zeros(2)),
                    mistakes=cost_mistakes,
                ),
                Case(
                    "published: food trucks, θ = (-1, 2)",
                    (FOOD_X, FOOD_Y, np.array([-1.0, 2.0])),
                    mistakes=cost_mistakes,
                ),
                Case("3 features, 6 examples", (X3, y3, t3), mistakes=cost_mistakes),
                Case("one example", (X1, y1, t1), mistakes=cost_mistakes),
            ],
        ),
        Exercise(
            "ex1.compute_gradient",
            "compute_gradient",
            hint="the gradient is Xᵀ(Xθ − y) / m: one partial derivative per θ_j, shape (n+1,).",
            shape_hint="return one number per parameter: shape (n+1,), like theta.",
            cases=[
                Case(
                    "food trucks, θ = (-1, 2)",
                    (FOOD_X, FOOD_Y, np.array([-1.0, 2.0])),
                    mistakes=[(gradient_no_mean, MEAN)],
                ),
                Case("3 features, 6 examples", (X3, y3, t3), mistakes=[(gradient_no_mean, MEAN)]),
                Case("one example", (X1, y1, t1)),
            ],
        ),
        Exercise(
            "ex1.gradient_descent",
            "gradient_descent",
            hint="each step: theta = theta - alpha * gradient (at the current theta); then record the cost.",
            cases=[
                Case(
                    "food trucks, α = 0.01, 50 steps from 0",
                    (FOOD_X, FOOD_Y, np.zeros(2), 0.01, 50),
                    mistakes=gd_mistakes,
                ),
                Case("3 features, α = 0.01, 20 steps", (X3, y3, t3, 0.01, 20), mistakes=gd_mistakes),
                Case("one feature, α = 0.02, 10 steps", (Xb, yb, tb, 0.02, 10), mistakes=gd_mistakes),
            ],
        ),
        Exercise(
            "ex1.normal_equation",
            "normal_equation",
            hint="solve (XᵀX) θ = Xᵀy, e.g. np.linalg.solve(X.T @ X, X.T @ y).",
            cases=[
                Case("food trucks", (FOOD_X, FOOD_Y)),
                Case("published: housing, raw features", (Data("housing.X"), Data("housing.y")), rtol=1e-7),
                Case("3 features, 6 examples", (X3, y3)),
            ],
        ),
        Exercise(
            "ex1.feature_normalize",
            "feature_normalize",
            hint="(X − μ) / σ with μ = X.mean(axis=0) and σ = X.std(axis=0); return (X_norm, mu, sigma).",
            cases=[
                Case(
                    "housing: size and bedrooms",
                    (Data("housing.X_raw"),),
                    mistakes=[(normalize_ddof1, STD), (normalize_rows, AXIS)],
                ),
                Case("one feature (a column)", (X3[:, 1:2],), mistakes=[(normalize_ddof1, STD)]),
                Case("3 features", (X3[:, 1:],), mistakes=[(normalize_ddof1, STD), (normalize_rows, AXIS)]),
            ],
        ),
    ]
