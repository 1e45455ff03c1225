"""Cases for notebooks/day2/optimizers.ipynb: the eight update rules SGD ... Nadam."""

from __future__ import annotations

import numpy as np

from tools.student import Case, Exercise

NOTEBOOK = "day2/optimizers.ipynb"


def exercises(ns: dict) -> list[Exercise]:
    rng = np.random.default_rng(20251123)

    def arr(*shape, scale=1.0):
        return scale * rng.normal(size=shape)

    def pos(*shape):
        return rng.uniform(0.2, 1.0, size=shape)

    w3, g3 = arr(3), arr(3)
    w23, g23 = arr(2, 3), arr(2, 3)
    v3, v23 = arr(3, scale=0.1), arr(2, 3, scale=0.1)
    s3, s23 = pos(3), pos(2, 3)
    d3, d23 = 0.01 * pos(3), 0.01 * pos(2, 3)
    z3 = np.zeros(3)

    # --- SGD ----------------------------------------------------------------------------------------
    def sgd_plus(w, grad, lr=0.01):
        return w + lr * grad

    def sgd_no_lr(w, grad, lr=0.01):
        return w - grad

    # --- Momentum and Nesterov -----------------------------------------------------------------------
    def momentum(w, grad, velocity, lr=0.01, momentum=0.9, *, sign=-1, old=False, plus_grad=False):
        new_v = momentum * velocity + sign * lr * grad
        step = velocity if old else new_v
        return w + step + (-lr * grad if plus_grad else 0), new_v

    def momentum_plus(*a, **k):
        return momentum(*a, **k, sign=1)

    def momentum_old_velocity(*a, **k):
        return momentum(*a, **k, old=True)

    def momentum_as_nesterov(*a, **k):
        return momentum(*a, **k, plus_grad=True)

    def nesterov(w, grad, velocity, lr=0.01, momentum=0.9, *, no_grad=False, no_lookahead=False):
        new_v = momentum * velocity - lr * grad
        if no_lookahead:
            return w + new_v, new_v
        return w + momentum * new_v - (0 if no_grad else lr * grad), new_v

    def nesterov_plain_momentum(*a, **k):
        return nesterov(*a, **k, no_lookahead=True)

    def nesterov_no_grad(*a, **k):
        return nesterov(*a, **k, no_grad=True)

    # --- Adagrad, RMSProp ----------------------------------------------------------------------------
    def adagrad(w, grad, acc, lr=0.001, eps=1e-7, *, old=False, no_square=False, no_root=False):
        new_acc = acc + (np.abs(grad) if no_square else grad**2)
        denom = (acc if old else new_acc) + eps
        return w - lr * grad / (denom if no_root else np.sqrt(denom)), new_acc

    def rmsprop(w, grad, s, lr=0.001, rho=0.9, eps=1e-7, *, swap=False, old=False, no_root=False):
        a, b = (1 - rho, rho) if swap else (rho, 1 - rho)
        new_s = a * s + b * grad**2
        denom = (s if old else new_s) + eps
        return w - lr * grad / (denom if no_root else np.sqrt(denom)), new_s

    # --- AdaDelta ------------------------------------------------------------------------------------
    def adadelta(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7, *, no_lr=False, swap=False, d_of_grad=False):
        s = rho * s + (1 - rho) * grad**2
        num, den = np.sqrt(d + eps), np.sqrt(s + eps)
        step = -(den / num if swap else num / den) * grad
        d = rho * d + (1 - rho) * (grad**2 if d_of_grad else step**2)
        return w + (1.0 if no_lr else lr) * step, s, d

    # --- Adam ----------------------------------------------------------------------------------------
    def adam(
        w,
        g,
        m,
        v,
        t,
        lr=0.001,
        beta1=0.9,
        beta2=0.999,
        eps=1e-7,
        *,
        correct=True,
        shift=0,
        sign=-1,
        swap=False,
        return_hat=False,
        old_moments=False,
        paper_eps=False,
    ):
        if swap:
            beta1, beta2 = beta2, beta1
        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * g**2
        mm, vv = (m, v) if old_moments else (m_new, v_new)
        c1, c2 = (1 - beta1 ** (t + shift), 1 - beta2 ** (t + shift)) if correct else (1.0, 1.0)
        if paper_eps:
            w_new = w + sign * lr * (mm / c1) / (np.sqrt(vv / c2) + eps)
        else:
            w_new = w + sign * lr * np.sqrt(c2) / c1 * mm / (np.sqrt(vv) + eps)
        if return_hat:
            return w_new, m_new / c1, v_new / c2
        return w_new, m_new, v_new

    # --- Nadam ---------------------------------------------------------------------------------------
    def nadam(
        w,
        g,
        m,
        v,
        mu_product,
        t,
        lr=0.001,
        beta1=0.9,
        beta2=0.999,
        eps=1e-7,
        *,
        schedule=True,
        same_mu=False,
        product_after=False,
        no_grad_term=False,
    ):
        def mu(k):
            return beta1 * (1 - 0.5 * 0.96**k) if schedule else beta1

        mu_t, mu_next = mu(t), mu(t) if same_mu else mu(t + 1)
        new_product = mu_product * mu_t
        p = mu_product if product_after else new_product
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        with np.errstate(divide="ignore", invalid="ignore"):  # product_after divides by 1 - 1 at t = 1
            m_hat = mu_next * m / (1 - p * mu_next) + (0 if no_grad_term else (1 - mu_t) * g / (1 - p))
        v_hat = v / (1 - beta2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, new_product

    def variant(fn, **flags):
        def wrong(*a, **k):
            return fn(*a, **k, **flags)

        return wrong

    one = "each rule returns the new parameters first, then its new state, in the docstring's order."
    return [
        Exercise(
            "optimizers.sgd_step",
            "sgd_step",
            hint="w − lr · grad.",
            cases=[
                Case(
                    "3 parameters",
                    (w3, g3),
                    mistakes=[
                        (sgd_plus, "gradient *descent*: step against the gradient, w − lr · grad."),
                        (sgd_no_lr, "multiply the gradient by the learning rate lr."),
                    ],
                ),
                Case("a (2, 3) array, lr 0.5", (w23, g23), {"lr": 0.5}),
            ],
        ),
        Exercise(
            "optimizers.momentum_step",
            "momentum_step",
            hint="velocity = momentum · velocity − lr · grad; w + velocity; return (w, velocity).",
            shape_hint=one,
            cases=[
                Case(
                    "from a non-zero velocity",
                    (w3, g3, v3),
                    mistakes=[
                        (
                            momentum_plus,
                            "the velocity moves *against* the gradient: momentum · v − lr · grad.",
                        ),
                        (
                            momentum_old_velocity,
                            "update the velocity first, then move by the *new* velocity.",
                        ),
                        (
                            momentum_as_nesterov,
                            "plain momentum moves by the velocity only (that extra "
                            "− lr · grad is Nesterov's look-ahead).",
                        ),
                    ],
                ),
                Case("first step: velocity 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.1, momentum 0.5", (w23, g23, v23), {"lr": 0.1, "momentum": 0.5}),
            ],
        ),
        Exercise(
            "optimizers.nesterov_step",
            "nesterov_step",
            hint="velocity = momentum · velocity − lr · grad; w + momentum · velocity − lr · grad.",
            shape_hint=one,
            cases=[
                Case(
                    "from a non-zero velocity",
                    (w3, g3, v3),
                    mistakes=[
                        (
                            nesterov_plain_momentum,
                            "that is plain momentum; Nesterov (Keras' form) moves by "
                            "momentum · new velocity − lr · grad.",
                        ),
                        (
                            nesterov_no_grad,
                            "Keras' Nesterov step also subtracts lr · grad: "
                            "w + momentum · velocity − lr · grad.",
                        ),
                    ],
                ),
                Case("first step: velocity 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.1, momentum 0.5", (w23, g23, v23), {"lr": 0.1, "momentum": 0.5}),
            ],
        ),
        Exercise(
            "optimizers.adagrad_step",
            "adagrad_step",
            hint="accumulator += grad²; w − lr · grad / √(accumulator + eps).",
            shape_hint=one,
            cases=[
                Case(
                    "first step from Keras' 0.1",
                    (w3, g3, np.full(3, 0.1)),
                    mistakes=[
                        (
                            variant(adagrad, old=True),
                            "add this step's grad² to the accumulator *before* dividing.",
                        ),
                        (variant(adagrad, no_square=True), "accumulate the *squared* gradients, grad ** 2."),
                        (variant(adagrad, no_root=True), "divide by the *square root* √(accumulator + eps)."),
                    ],
                ),
                Case("(2, 3), lr 0.1, a grown accumulator", (w23, g23, 5 * s23), {"lr": 0.1}),
            ],
        ),
        Exercise(
            "optimizers.rmsprop_step",
            "rmsprop_step",
            hint="s = rho · s + (1 − rho) · grad²; w − lr · grad / √(s + eps).",
            shape_hint=one,
            cases=[
                Case(
                    "from a non-zero average",
                    (w3, g3, s3),
                    mistakes=[
                        (
                            variant(rmsprop, swap=True),
                            "rho (0.9) weighs the *old* average: rho · s + (1 − rho) · grad².",
                        ),
                        (
                            variant(rmsprop, old=True),
                            "update s with this step's gradient first, then divide by √(s + eps).",
                        ),
                        (variant(rmsprop, no_root=True), "divide by the *square root* √(s + eps)."),
                    ],
                ),
                Case("first step: s = 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.01, rho 0.5", (w23, g23, s23), {"lr": 0.01, "rho": 0.5}),
            ],
        ),
        Exercise(
            "optimizers.adadelta_step",
            "adadelta_step",
            hint="s = rho·s + (1−rho)·grad²; step = −√(d + eps)/√(s + eps) · grad; "
            "d = rho·d + (1−rho)·step²; return (w + lr·step, s, d).",
            shape_hint=one,
            cases=[
                Case(
                    "from non-zero averages, lr 0.5",
                    (w3, g3, s3, d3),
                    {"lr": 0.5},
                    mistakes=[
                        (
                            variant(adadelta, no_lr=True),
                            "multiply the step by the learning rate lr (Keras' "
                            "form; lr = 1 is the paper's rule).",
                        ),
                        (
                            variant(adadelta, swap=True),
                            "step = −√(d + eps) / √(s + eps) · grad: the steps' "
                            "average on top, the gradients' below.",
                        ),
                        (
                            variant(adadelta, d_of_grad=True),
                            "d averages the squared *steps*, (1 − rho) · step², not the squared gradients.",
                        ),
                    ],
                ),
                Case("first step: s = d = 0", (w3, g3, z3, z3)),
                Case("(2, 3), rho 0.9", (w23, g23, s23, d23), {"rho": 0.9}),
            ],
        ),
        Exercise(
            "optimizers.adam_step",
            "adam_step",
            hint="m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); "
            "w − lr_t·m/(√v + ε); return (w, m, v).",
            shape_hint="return (new_w, new_m, new_v), each shaped like w.",
            cases=[
                Case(
                    "first step from m = v = 0, 3 parameters",
                    (w3, g3, z3, z3, 1),
                    mistakes=[
                        (
                            variant(adam, correct=False),
                            "bias correction: divide m by (1 − β₁ᵗ) and v by "
                            "(1 − β₂ᵗ) before the step; without it the first steps are too large "
                            "(m and v start at 0).",
                        ),
                        (
                            variant(adam, shift=1),
                            "t counts from 1: the first step divides by 1 − β₁¹ = 1 − β₁, not by 1 − β₁².",
                        ),
                        (variant(adam, sign=1), "Adam steps *against* the gradient: w − lr · m̂ / (√v̂ + ε)."),
                        (
                            variant(adam, swap=True),
                            "β₁ (0.9) averages the gradients into m, β₂ (0.999) the "
                            "squared gradients into v.",
                        ),
                        (
                            variant(adam, return_hat=True),
                            "return the running averages m and v, not the "
                            "bias-corrected m̂ and v̂ (they are used only for this step's update).",
                        ),
                        (
                            variant(adam, old_moments=True),
                            "first update m and v with this step's gradient, "
                            "then use them (corrected) for the step.",
                        ),
                    ],
                ),
                Case("step 10, a (2, 3) array", (w23, g23, v23, s23, 10)),
                Case(
                    "first step with tiny gradients (1e-6), lr 0.1: where ε matters",
                    (w3, 1e-6 * g3, z3, z3, 1),
                    {"lr": 0.1},
                    mistakes=[
                        (
                            variant(adam, paper_eps=True),
                            "write Keras' form: lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ), "
                            "then w − lr_t · m / (√v + ε) "
                            "(ε added to √v, not to √v̂).",
                        ),
                    ],
                ),
                Case(
                    "step 3, β₁ = 0.5, β₂ = 0.99",
                    (w3, g3, v3, s3, 3),
                    {"lr": 0.1, "beta1": 0.5, "beta2": 0.99},
                ),
                Case(
                    "step 1000, large t: the correction is almost 1", (w23, g23, v23, s23, 1000), {"lr": 0.01}
                ),
            ],
        ),
        Exercise(
            "optimizers.nadam_step",
            "nadam_step",
            hint="mu_t = β₁(1 − ½·0.96ᵗ), mu_next likewise with t+1; P = mu_product · mu_t; m, v as in Adam; "
            "m̂ = mu_next·m/(1 − P·mu_next) + (1 − mu_t)·g/(1 − P); v̂ = v/(1 − β₂ᵗ); "
            "return (w − lr·m̂/(√v̂ + ε), m, v, P).",
            shape_hint="return (new_w, new_m, new_v, new_mu_product).",
            cases=[
                Case(
                    "first step from m = v = 0, product 1",
                    (w3, g3, z3, z3, 1.0, 1),
                    mistakes=[
                        (
                            variant(nadam, schedule=False),
                            "Keras' Nadam warms the momentum up: mu_t = β₁ · (1 − 0.5 · 0.96 ** t), not β₁.",
                        ),
                        (
                            variant(nadam, same_mu=True),
                            "the momentum term looks ahead: it uses mu_{t+1} "
                            "(0.96 ** (t + 1)), the gradient term mu_t.",
                        ),
                        (
                            variant(nadam, product_after=True),
                            "multiply mu_product by mu_t *before* the "
                            "correction: 1 − P_t uses this step's mu_t.",
                        ),
                        (
                            variant(nadam, no_grad_term=True),
                            "m̂ has two terms: the look-ahead momentum and (1 − mu_t) · g / (1 − P_t).",
                        ),
                    ],
                ),
                Case("step 5, (2, 3)", (w23, g23, v23, s23, 0.3, 5)),
                Case("step 3, lr 0.1, β₂ = 0.99", (w3, g3, v3, s3, 0.5, 3), {"lr": 0.1, "beta2": 0.99}),
            ],
        ),
    ]
