"""Cases for notebooks/day2/optimizers.ipynb: the eight update rules SGD ... Nadam.

Every hyper-parameter (lr, momentum, rho, beta1, beta2, eps, t, mu_product) gets a case with another
value than its default, so an answer that ignores one fails; where eps goes (inside or outside the
square root) is decided by cases with tiny gradients or a large eps, where the placements differ by
far more than the tolerance. Every rule must return new arrays: an in-place update (`w -= ...`) is
caught by the grader's argument rule.
"""

from __future__ import annotations

import math

import numpy as np

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/optimizers.ipynb"


def changed(name: str) -> str:
    """The grader's message for an answer that modified the argument `name` in place."""
    return f"changed its argument `{name}`"


def ignored(name: str) -> str:
    return (
        f"use the argument `{name}` in the formula, not its default value written as a number "
        f"(this case passes another {name})."
    )


def ignoring(fn, name):
    """fn with the argument `name` left at its default whatever the caller passes (a hard-coded value)."""

    def wrong(*a, **k):
        k.pop(name, None)
        return fn(*a, **k)

    wrong.__name__ = f"{fn.__name__}_ignoring_{name}"
    return wrong


def variant(fn, **flags):
    """One of the wrong rules below, as a student would write it: fn with some flags set."""

    def wrong(*a, **k):
        return fn(*a, **k, **flags)

    wrong.__name__ = f"{fn.__name__}_" + "_".join(f"{k}_{v}" for k, v in flags.items())
    return wrong


def elementwise(w, rule):
    """A new array shaped like w whose entry i is rule(i), computed in Python floats (a loop)."""
    out = np.empty(np.shape(w), dtype=float)
    for i in np.ndindex(out.shape):
        out[i] = rule(i)
    return out


def mu_product_before(t: int, beta1: float = 0.9) -> float:
    """Nadam's mu_1 · ... · mu_{t-1}, as the caller passes it at step t (1.0 at t = 1)."""
    return math.prod(beta1 * (1 - 0.5 * 0.96**k) for k in range(1, t))


# --- SGD -----------------------------------------------------------------------------------------------


def sgd_plus(w, grad, lr=0.01):
    return w + lr * grad


def sgd_no_lr(w, grad, lr=0.01):
    return w - grad


def sgd_only_the_step(w, grad, lr=0.01):
    return -lr * grad


def sgd_in_place(w, grad, lr=0.01):
    w -= lr * grad
    return w


def sgd_on_a_copy(w, grad, lr=0.01):
    new_w = w.copy()
    new_w -= lr * grad
    return new_w


def sgd_loop(w, grad, lr=0.01):
    return elementwise(w, lambda i: float(w[i]) - lr * float(grad[i]))


# --- Momentum and Nesterov -----------------------------------------------------------------------------


def momentum_rule(w, grad, velocity, lr=0.01, momentum=0.9, *, sign=-1, old=False, plus_grad=False):
    new_v = momentum * velocity + sign * lr * grad
    step = velocity if old else new_v
    return w + step + (-lr * grad if plus_grad else 0), new_v


def momentum_textbook(w, grad, velocity, lr=0.01, momentum=0.9):
    velocity = momentum * velocity + grad  # the other textbook form: a velocity without lr
    return w - lr * velocity, velocity


def momentum_velocity_in_place(w, grad, velocity, lr=0.01, momentum=0.9):
    velocity *= momentum
    velocity -= lr * grad
    return w + velocity, velocity


def momentum_w_in_place(w, grad, velocity, lr=0.01, momentum=0.9):
    velocity = momentum * velocity - lr * grad
    w += velocity
    return w, velocity


def momentum_from_the_new_w(w, grad, velocity, lr=0.01, momentum=0.9):
    new_w = w + momentum * velocity - lr * grad
    return new_w, new_w - w


def momentum_on_copies(w, grad, velocity, lr=0.01, momentum=0.9):
    v = velocity.copy()
    v *= momentum
    v -= lr * grad
    new_w = w.copy()
    new_w += v
    return new_w, v


def nesterov_rule(w, grad, velocity, lr=0.01, momentum=0.9, *, form="keras"):
    new_v = momentum * velocity - lr * grad
    steps = {
        "keras": momentum * new_v - lr * grad,
        "plain": new_v,  # plain momentum
        "no_grad": momentum * new_v,
        "velocity_too": new_v + momentum * new_v - lr * grad,
        "jump_then_step": momentum * velocity + new_v,  # to the look-ahead point, then the momentum step
    }
    return w + steps[form], new_v


def nesterov_velocity_in_place(w, grad, velocity, lr=0.01, momentum=0.9):
    velocity *= momentum
    velocity -= lr * grad
    return w + momentum * velocity - lr * grad, velocity


def nesterov_w_in_place(w, grad, velocity, lr=0.01, momentum=0.9):
    velocity = momentum * velocity - lr * grad
    w += momentum * velocity - lr * grad
    return w, velocity


def nesterov_expanded(w, grad, velocity, lr=0.01, momentum=0.9):
    # w + μ(μv − ηg) − ηg = w + μ²v − (1 + μ)ηg
    return w + momentum**2 * velocity - (1 + momentum) * lr * grad, momentum * velocity - lr * grad


def nesterov_on_copies(w, grad, velocity, lr=0.01, momentum=0.9):
    v = velocity.copy()
    v *= momentum
    v -= lr * grad
    new_w = w.copy()
    new_w += momentum * v
    new_w -= lr * grad
    return new_w, v


# --- Adagrad, RMSProp ----------------------------------------------------------------------------------


def scaled(grad, total, eps, root):
    """grad / (the root of `total`, with eps where `root` says): Keras' "inside", or a mistake."""
    with np.errstate(invalid="ignore"):  # a sum of signed gradients can be negative: nan
        denom = {
            "inside": np.sqrt(total + eps),
            "outside": np.sqrt(total) + eps,
            "no_eps": np.sqrt(total),
            "no_root": total + eps,
        }[root]
    return grad / denom


def adagrad_rule(w, grad, accumulator, lr=0.001, eps=1e-7, *, old=False, signed=False, root="inside"):
    new_acc = accumulator + (grad if signed else grad**2)
    return w - lr * scaled(grad, accumulator if old else new_acc, eps, root), new_acc


def adagrad_accumulator_in_place(w, grad, accumulator, lr=0.001, eps=1e-7):
    accumulator += grad**2
    return w - lr * grad / np.sqrt(accumulator + eps), accumulator


def adagrad_w_in_place(w, grad, accumulator, lr=0.001, eps=1e-7):
    accumulator = accumulator + grad**2
    w -= lr * grad / np.sqrt(accumulator + eps)
    return w, accumulator


def adagrad_power(w, grad, accumulator, lr=0.001, eps=1e-7):
    total = accumulator + grad * grad
    return w - lr * grad * (total + eps) ** -0.5, total


def adagrad_loop(w, grad, accumulator, lr=0.001, eps=1e-7):
    total = elementwise(w, lambda i: float(accumulator[i]) + float(grad[i]) ** 2)
    return elementwise(w, lambda i: w[i] - lr * grad[i] / math.sqrt(total[i] + eps)), total


def rmsprop_rule(
    w, grad, s, lr=0.001, rho=0.9, eps=1e-7, *, swap=False, old=False, sum_=False, root="inside"
):
    a, b = (1 - rho, rho) if swap else (1.0, 1.0) if sum_ else (rho, 1 - rho)
    new_s = a * s + b * grad**2
    return w - lr * scaled(grad, s if old else new_s, eps, root), new_s


def rmsprop_s_in_place(w, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    s *= rho
    s += (1 - rho) * grad**2
    return w - lr * grad / np.sqrt(s + eps), s


def rmsprop_w_in_place(w, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    s = rho * s + (1 - rho) * grad**2
    w -= lr * grad / np.sqrt(s + eps)
    return w, s


def rmsprop_keras_increment(w, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    s = s + (1 - rho) * (grad**2 - s)  # = rho·s + (1 − rho)·grad²
    return w - lr * grad / np.sqrt(s + eps), s


def rmsprop_on_copies(w, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    new_s = s.copy()
    new_s *= rho
    new_s += (1 - rho) * grad**2
    new_w = w.copy()
    new_w -= lr * grad / np.sqrt(new_s + eps)
    return new_w, new_s


# --- AdaDelta ------------------------------------------------------------------------------------------


def adadelta_rule(
    w,
    grad,
    s,
    d,
    lr=1.0,
    rho=0.95,
    eps=1e-7,
    *,
    no_lr=False,
    swap=False,
    d_of_grad=False,
    d_of_lr_step=False,
    old_s=False,
    keep_d=False,
    root="inside",
):
    new_s = rho * s + (1 - rho) * grad**2
    den_s = s if old_s else new_s
    rms = {
        "inside": lambda x: np.sqrt(x + eps),
        "outside": lambda x: np.sqrt(x) + eps,
        "no_eps": np.sqrt,
    }[root]
    with np.errstate(divide="ignore", invalid="ignore"):  # no eps and s = 0: 0 / 0
        step = -(rms(den_s) / rms(d) if swap else rms(d) / rms(den_s)) * grad
    lr = 1.0 if no_lr else lr
    moved = grad if d_of_grad else lr * step if d_of_lr_step else step
    new_d = d if keep_d else rho * d + (1 - rho) * moved**2
    return w + lr * step, new_s, new_d


def adadelta_s_in_place(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7):
    s *= rho
    s += (1 - rho) * grad**2
    step = -np.sqrt(d + eps) / np.sqrt(s + eps) * grad
    return w + lr * step, s, rho * d + (1 - rho) * step**2


def adadelta_d_in_place(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7):
    s = rho * s + (1 - rho) * grad**2
    step = -np.sqrt(d + eps) / np.sqrt(s + eps) * grad
    d *= rho
    d += (1 - rho) * step**2
    return w + lr * step, s, d


def adadelta_w_in_place(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7):
    s = rho * s + (1 - rho) * grad**2
    step = -np.sqrt(d + eps) / np.sqrt(s + eps) * grad
    w += lr * step
    return w, s, rho * d + (1 - rho) * step**2


def adadelta_rms(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7):
    def rms(x):  # Keras' helper
        return np.sqrt(x + eps)

    s = s + (1 - rho) * (grad**2 - s)
    step = -rms(d) * grad / rms(s)
    return w + lr * step, s, d + (1 - rho) * (step**2 - d)


def adadelta_loop(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7):
    new_s = elementwise(w, lambda i: rho * s[i] + (1 - rho) * grad[i] ** 2)
    step = elementwise(w, lambda i: -math.sqrt((d[i] + eps) / (new_s[i] + eps)) * grad[i])
    return w + lr * step, new_s, elementwise(w, lambda i: rho * d[i] + (1 - rho) * step[i] ** 2)


# --- Adam ----------------------------------------------------------------------------------------------


def adam_rule(
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
    eps_form="keras",
):
    if swap:
        beta1, beta2 = beta2, beta1
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g**2
    mm, vv = (m, v) if old_moments else (m_new, v_new)
    c1, c2 = (1 - beta1 ** (t + shift), 1 - beta2 ** (t + shift)) if correct else (1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # shift = -1: 1 − β⁰ = 0 at t = 1
        if eps_form == "paper":  # ε added to √v̂
            w_new = w + sign * lr * (mm / c1) / (np.sqrt(vv / c2) + eps)
        elif eps_form == "inside":  # ε inside the root, as in RMSProp
            w_new = w + sign * lr * np.sqrt(c2) / c1 * mm / np.sqrt(vv + eps)
        else:
            w_new = w + sign * lr * np.sqrt(c2) / c1 * mm / (np.sqrt(vv) + eps)
    if return_hat:
        return w_new, m_new / c1, v_new / c2
    return w_new, m_new, v_new


def adam_moments_in_place(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return w - lr_t * m / (np.sqrt(v) + eps), m, v


def adam_w_in_place(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    w -= lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(v) + eps)
    return w, m, v


def adam_paper_form_with_eps_hat(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    # Keras' eps added to sqrt(v) is eps / sqrt(1 - beta2**t) added to sqrt(v_hat)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - beta2**t)), m, v


def adam_keras_increments_on_copies(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m, v, new_w = m.copy(), v.copy(), w.copy()
    m += (grad - m) * (1 - beta1)
    v += (grad**2 - v) * (1 - beta2)
    alpha = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    new_w -= m * alpha / (np.sqrt(v) + eps)
    return new_w, m, v


# --- Nadam ---------------------------------------------------------------------------------------------


def nadam_rule(
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
    schedule="keras",
    same_mu=False,
    product_after=False,
    no_grad_term=False,
    return_next_product=False,
    correct_v=True,
    eps_inside=False,
):
    def mu(k):
        if schedule == "none":
            return beta1
        if schedule == "brackets":  # beta1 * 1 - 0.5 * 0.96 ** k
            return beta1 - 0.5 * 0.96**k
        return beta1 * (1 - 0.5 * 0.96**k)

    mu_t, mu_next = mu(t), mu(t) if same_mu else mu(t + 1)
    new_product = mu_product * mu_t
    p = mu_product if product_after else new_product
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    with np.errstate(divide="ignore", invalid="ignore"):  # product_after divides by 1 - 1 at t = 1
        m_hat = mu_next * m / (1 - p * mu_next) + (0 if no_grad_term else (1 - mu_t) * g / (1 - p))
    v_hat = v / (1 - beta2**t) if correct_v else v
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    returned = new_product * mu_next if return_next_product else new_product
    return w - lr * m_hat / denom, m, v, returned


def nadam_moments_in_place(w, grad, m, v, mu_product, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    mu_t = beta1 * (1 - 0.5 * 0.96**t)
    mu_next = beta1 * (1 - 0.5 * 0.96 ** (t + 1))
    mu_product = mu_product * mu_t
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    m_hat = mu_next * m / (1 - mu_product * mu_next) + (1 - mu_t) * grad / (1 - mu_product)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, mu_product


def nadam_keras_products(w, grad, m, v, mu_product, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    def mu(k):
        return beta1 * (1.0 - 0.5 * 0.96**k)

    u_product_t = mu_product * mu(t)
    u_product_t_1 = u_product_t * mu(t + 1)  # Keras' name for P_t · mu_{t+1}
    m = m + (grad - m) * (1 - beta1)
    v = v + (grad**2 - v) * (1 - beta2)
    m_hat = mu(t + 1) * m / (1 - u_product_t_1) + (1 - mu(t)) * grad / (1 - u_product_t)
    return w - m_hat * lr / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, u_product_t


def nadam_loop(w, grad, m, v, mu_product, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    mu_t, mu_next = (beta1 * (1 - 0.5 * 0.96**k) for k in (t, t + 1))
    p = mu_product * mu_t
    new_m = elementwise(w, lambda i: beta1 * m[i] + (1 - beta1) * grad[i])
    new_v = elementwise(w, lambda i: beta2 * v[i] + (1 - beta2) * grad[i] ** 2)

    def new_w(i):
        m_hat = mu_next * new_m[i] / (1 - p * mu_next) + (1 - mu_t) * grad[i] / (1 - p)
        return w[i] - lr * m_hat / (math.sqrt(new_v[i] / (1 - beta2**t)) + eps)

    return elementwise(w, new_w), new_m, new_v, p


# --- The exercises -------------------------------------------------------------------------------------


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
    tiny3 = np.array([1e-4, -3e-4, 2e-4])  # gradients whose squares are as small as eps = 1e-7
    small_acc3 = np.array([0.01, 0.002, 0.005])  # a small accumulator next to eps = 0.1

    sgd, momentum, nesterov = ns["sgd_step"], ns["momentum_step"], ns["nesterov_step"]
    adagrad, rmsprop, adadelta = ns["adagrad_step"], ns["rmsprop_step"], ns["adadelta_step"]
    adam, nadam = ns["adam_step"], ns["nadam_step"]

    one = "each rule returns the new parameters first, then its new state, in the docstring's order."
    eps_inside = "eps goes *inside* the square root (Keras): √(… + eps), not √… + eps."
    no_eps = "add eps inside the square root, √(… + eps): without it a tiny gradient gets a full-size step."
    no_root = "divide by the *square root* √(… + eps)."
    eps_outside = (
        "here eps is added *outside* the root, as Keras does for this rule: √v + eps, not √(v + eps) "
        "(that is Adagrad's and RMSProp's placement)."
    )
    return [
        Exercise(
            "optimizers.sgd_step",
            "sgd_step",
            hint="w − lr · grad.",
            cases=[
                Case("3 parameters", (w3, g3)),
                Case("a (2, 3) array, lr 0.5", (w23, g23), {"lr": 0.5}),
            ],
            mistakes=[
                (sgd_plus, "gradient *descent*: step against the gradient, w − lr · grad."),
                (sgd_no_lr, "multiply the gradient by the learning rate lr."),
                (
                    sgd_only_the_step,
                    "return the new parameters w − lr · grad, not only the step − lr · grad.",
                ),
                (ignoring(sgd, "lr"), ignored("lr")),
                (sgd_in_place, changed("w")),
            ],
            alternatives=[sgd_on_a_copy, sgd_loop],
        ),
        Exercise(
            "optimizers.momentum_step",
            "momentum_step",
            hint="velocity = momentum · velocity − lr · grad; w + velocity; return (w, velocity).",
            shape_hint=one,
            cases=[
                Case("from a non-zero velocity", (w3, g3, v3)),
                Case("first step: velocity 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.1", (w23, g23, v23), {"lr": 0.1}),
                Case("momentum 0.5", (w3, g3, v3), {"momentum": 0.5}),
            ],
            mistakes=[
                (
                    variant(momentum_rule, sign=1),
                    "the velocity moves *against* the gradient: momentum · v − lr · grad.",
                ),
                (
                    variant(momentum_rule, old=True),
                    "update the velocity first, then move by the *new* velocity.",
                ),
                (
                    variant(momentum_rule, plus_grad=True),
                    "plain momentum moves by the velocity only "
                    "(that extra − lr · grad is Nesterov's look-ahead).",
                ),
                (
                    momentum_textbook,
                    "the velocity here is the step itself, lr included: v = momentum · v − lr · grad, "
                    "then w + v (the textbook form v = momentum · v + grad, w − lr · v stores another "
                    "velocity).",
                ),
                (ignoring(momentum, "momentum"), ignored("momentum")),
                (ignoring(momentum, "lr"), ignored("lr")),
                (momentum_velocity_in_place, changed("velocity")),
                (momentum_w_in_place, changed("w")),
            ],
            alternatives=[momentum_from_the_new_w, momentum_on_copies],
        ),
        Exercise(
            "optimizers.nesterov_step",
            "nesterov_step",
            hint="velocity = momentum · velocity − lr · grad; w + momentum · velocity − lr · grad.",
            shape_hint=one,
            cases=[
                Case("from a non-zero velocity", (w3, g3, v3)),
                Case("first step: velocity 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.1", (w23, g23, v23), {"lr": 0.1}),
                Case("momentum 0.5", (w3, g3, v3), {"momentum": 0.5}),
            ],
            mistakes=[
                (
                    variant(nesterov_rule, form="plain"),
                    "that is plain momentum; Nesterov (Keras' form) moves by "
                    "momentum · new velocity − lr · grad.",
                ),
                (
                    variant(nesterov_rule, form="no_grad"),
                    "Keras' Nesterov step also subtracts lr · grad: w + momentum · velocity − lr · grad.",
                ),
                (
                    variant(nesterov_rule, form="velocity_too"),
                    "w moves by momentum · velocity − lr · grad only: "
                    "the new velocity itself is not added too.",
                ),
                (
                    variant(nesterov_rule, form="jump_then_step"),
                    "the parameters already are the look-ahead point: don't jump by momentum · old velocity "
                    "first; w + momentum · new velocity − lr · grad.",
                ),
                (ignoring(nesterov, "momentum"), ignored("momentum")),
                (ignoring(nesterov, "lr"), ignored("lr")),
                (nesterov_velocity_in_place, changed("velocity")),
                (nesterov_w_in_place, changed("w")),
            ],
            alternatives=[nesterov_expanded, nesterov_on_copies],
        ),
        Exercise(
            "optimizers.adagrad_step",
            "adagrad_step",
            hint="accumulator + grad²; w − lr · grad / √(new accumulator + eps), eps inside the root.",
            shape_hint=one,
            cases=[
                Case("first step from Keras' 0.1", (w3, g3, np.full(3, 0.1))),
                Case("(2, 3), lr 0.1, a grown accumulator", (w23, g23, 5 * s23), {"lr": 0.1}),
                Case(
                    "tiny gradients from an accumulator 0, lr 0.1: where eps matters",
                    (w3, tiny3, z3),
                    {"lr": 0.1},
                ),
                Case(
                    "eps 0.1 next to a small accumulator: eps inside or outside the root",
                    (w3, 0.3 * g3, small_acc3),
                    {"lr": 0.1, "eps": 0.1},
                ),
            ],
            mistakes=[
                (
                    variant(adagrad_rule, old=True),
                    "add this step's grad² to the accumulator *before* dividing.",
                ),
                (variant(adagrad_rule, signed=True), "accumulate the *squared* gradients, grad ** 2."),
                (variant(adagrad_rule, root="no_root"), no_root),
                (variant(adagrad_rule, root="outside"), eps_inside),
                (ignoring(adagrad, "eps"), ignored("eps")),  # before no_eps: a large eps hides 1e-7
                (variant(adagrad_rule, root="no_eps"), no_eps),
                (ignoring(adagrad, "lr"), ignored("lr")),
                (adagrad_accumulator_in_place, changed("accumulator")),
                (adagrad_w_in_place, changed("w")),
            ],
            alternatives=[adagrad_power, adagrad_loop],
        ),
        Exercise(
            "optimizers.rmsprop_step",
            "rmsprop_step",
            hint="s = rho · s + (1 − rho) · grad²; w − lr · grad / √(s + eps), eps inside the root.",
            shape_hint=one,
            cases=[
                Case("from a non-zero average", (w3, g3, s3)),
                Case("first step: s = 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.01", (w23, g23, s23), {"lr": 0.01}),
                Case("rho 0.5", (w3, g3, s3), {"rho": 0.5}),
                Case("tiny gradients from s = 0, lr 0.1: where eps matters", (w3, tiny3, z3), {"lr": 0.1}),
                Case(
                    "eps 0.1 next to a small average: eps inside or outside the root",
                    (w3, 0.3 * g3, small_acc3),
                    {"lr": 0.1, "eps": 0.1},
                ),
            ],
            mistakes=[
                (
                    variant(rmsprop_rule, swap=True),
                    "rho (0.9) weighs the *old* average: rho · s + (1 − rho) · grad².",
                ),
                (
                    variant(rmsprop_rule, sum_=True),
                    "s is a running *average* that forgets, rho · s + (1 − rho) · grad², not Adagrad's sum.",
                ),
                (
                    variant(rmsprop_rule, old=True),
                    "update s with this step's gradient first, then divide by √(s + eps).",
                ),
                (variant(rmsprop_rule, root="no_root"), no_root),
                (variant(rmsprop_rule, root="outside"), eps_inside),
                (ignoring(rmsprop, "eps"), ignored("eps")),  # before no_eps: a large eps hides 1e-7
                (variant(rmsprop_rule, root="no_eps"), no_eps),
                (ignoring(rmsprop, "rho"), ignored("rho")),
                (ignoring(rmsprop, "lr"), ignored("lr")),
                (rmsprop_s_in_place, changed("s")),
                (rmsprop_w_in_place, changed("w")),
            ],
            alternatives=[rmsprop_keras_increment, rmsprop_on_copies],
        ),
        Exercise(
            "optimizers.adadelta_step",
            "adadelta_step",
            hint="s = rho·s + (1−rho)·grad²; step = −√(d + eps)/√(s + eps) · grad; "
            "d = rho·d + (1−rho)·step²; return (w + lr·step, s, d).",
            shape_hint=one,
            cases=[
                Case("from non-zero averages, lr 0.5", (w3, g3, s3, d3), {"lr": 0.5}),
                Case("first step: s = d = 0", (w3, g3, z3, z3)),
                Case("(2, 3), rho 0.9", (w23, g23, s23, d23), {"rho": 0.9}),
                Case("first step with eps 1e-3", (w3, g3, z3, z3), {"eps": 1e-3}),
            ],
            mistakes=[
                (
                    variant(adadelta_rule, no_lr=True),
                    "multiply the step by the learning rate lr (Keras' form; lr = 1 is the paper's rule).",
                ),
                (
                    variant(adadelta_rule, swap=True),
                    "step = −√(d + eps) / √(s + eps) · grad: "
                    "the steps' average on top, the gradients' below.",
                ),
                (
                    variant(adadelta_rule, d_of_grad=True),
                    "d averages the squared *steps*, (1 − rho) · step², not the squared gradients.",
                ),
                (
                    variant(adadelta_rule, d_of_lr_step=True),
                    "d averages the step *before* the learning rate, (1 − rho) · step²; only w moves by "
                    "lr · step.",
                ),
                (
                    variant(adadelta_rule, old_s=True),
                    "update s with this step's grad² first, then divide by the new √(s + eps).",
                ),
                (
                    variant(adadelta_rule, keep_d=True),
                    "update d as well: return the new d = rho·d + (1−rho)·step².",
                ),
                (
                    variant(adadelta_rule, root="outside"),
                    "eps goes *inside* both square roots: √(d + eps) / √(s + eps).",
                ),
                (
                    variant(adadelta_rule, root="no_eps"),
                    "add eps inside both roots, √(d + eps): d starts at 0, and without eps the step stays 0.",
                ),
                (ignoring(adadelta, "eps"), ignored("eps")),
                (ignoring(adadelta, "rho"), ignored("rho")),
                (adadelta_s_in_place, changed("s")),
                (adadelta_d_in_place, changed("d")),
                (adadelta_w_in_place, changed("w")),
            ],
            alternatives=[adadelta_rms, adadelta_loop],
        ),
        Exercise(
            "optimizers.adam_step",
            "adam_step",
            hint="m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); "
            "w − lr_t·m/(√v + ε); return (w, m, v).",
            shape_hint="return (new_w, new_m, new_v), each shaped like w.",
            cases=[
                Case("first step from m = v = 0, 3 parameters", (w3, g3, z3, z3, 1)),
                Case("step 10, a (2, 3) array", (w23, g23, v23, s23, 10)),
                Case(
                    "first step with tiny gradients (1e-6), lr 0.1: where ε matters",
                    (w3, 1e-6 * g3, z3, z3, 1),
                    {"lr": 0.1},
                ),
                Case("step 3, β₁ = 0.5, lr 0.1", (w3, g3, v3, s3, 3), {"lr": 0.1, "beta1": 0.5}),
                Case("step 3, β₂ = 0.99, lr 0.1", (w3, g3, v3, s3, 3), {"lr": 0.1, "beta2": 0.99}),
                Case(
                    "step 2, ε = 1e-3, gradients of 1e-3, lr 0.1",
                    (w3, 1e-3 * g3, 1e-4 * v3, 1e-6 * s3, 2),
                    {"lr": 0.1, "eps": 1e-3},
                ),
                Case(
                    "step 1000, large t: the correction is almost 1", (w23, g23, v23, s23, 1000), {"lr": 0.01}
                ),
            ],
            mistakes=[
                (
                    variant(adam_rule, correct=False),
                    "bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before the step; without it "
                    "the first steps are too large (m and v start at 0).",
                ),
                (
                    variant(adam_rule, shift=1),
                    "t counts from 1: the first step divides by 1 − β₁¹ = 1 − β₁, not by 1 − β₁².",
                ),
                (
                    variant(adam_rule, shift=-1),
                    "t is already this step's number (1 for the first): the correction uses β₁ ** t, "
                    "not β₁ ** (t − 1).",
                ),
                (variant(adam_rule, sign=1), "Adam steps *against* the gradient: w − lr · m̂ / (√v̂ + ε)."),
                (
                    variant(adam_rule, swap=True),
                    "β₁ (0.9) averages the gradients into m, β₂ (0.999) the squared gradients into v.",
                ),
                (
                    variant(adam_rule, return_hat=True),
                    "return the running averages m and v, not the bias-corrected m̂ and v̂ (they are used "
                    "only for this step's update).",
                ),
                (
                    variant(adam_rule, old_moments=True),
                    "first update m and v with this step's gradient, then use them (corrected) for the step.",
                ),
                (
                    variant(adam_rule, eps_form="paper"),
                    "write Keras' form: lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ), then w − lr_t · m / (√v + ε) "
                    "(ε added to √v, not to √v̂).",
                ),
                (variant(adam_rule, eps_form="inside"), eps_outside),
                (ignoring(adam, "beta1"), ignored("beta1")),
                (ignoring(adam, "beta2"), ignored("beta2")),
                (ignoring(adam, "eps"), ignored("eps")),
                (ignoring(adam, "lr"), ignored("lr")),
                (adam_moments_in_place, changed("m")),
                (adam_w_in_place, changed("w")),
            ],
            alternatives=[adam_paper_form_with_eps_hat, adam_keras_increments_on_copies],
        ),
        Exercise(
            "optimizers.nadam_step",
            "nadam_step",
            hint="mu_t = β₁(1 − ½·0.96ᵗ), mu_next likewise with t+1; P = mu_product · mu_t; m, v as in Adam; "
            "m̂ = mu_next·m/(1 − P·mu_next) + (1 − mu_t)·g/(1 − P); v̂ = v/(1 − β₂ᵗ); "
            "return (w − lr·m̂/(√v̂ + ε), m, v, P).",
            shape_hint="return (new_w, new_m, new_v, new_mu_product).",
            cases=[
                Case("first step from m = v = 0, product 1", (w3, g3, z3, z3, 1.0, 1)),
                Case("step 5, (2, 3)", (w23, g23, v23, s23, mu_product_before(5), 5)),
                Case(
                    "step 3, lr 0.1, β₂ = 0.99",
                    (w3, g3, v3, s3, mu_product_before(3), 3),
                    {"lr": 0.1, "beta2": 0.99},
                ),
                Case(
                    "step 2, β₁ = 0.5",
                    (w3, g3, v3, s3, mu_product_before(2, beta1=0.5), 2),
                    {"beta1": 0.5},
                ),
                Case(
                    "first step with tiny gradients (1e-6), lr 0.1: where ε matters",
                    (w3, 1e-6 * g3, z3, z3, 1.0, 1),
                    {"lr": 0.1},
                ),
                Case(
                    "step 2, ε = 1e-3, gradients of 1e-3, lr 0.1",
                    (w3, 1e-3 * g3, 1e-4 * v3, 1e-6 * s3, mu_product_before(2), 2),
                    {"lr": 0.1, "eps": 1e-3},
                ),
            ],
            mistakes=[
                (
                    variant(nadam_rule, schedule="none"),
                    "Keras' Nadam warms the momentum up: mu_t = β₁ · (1 − 0.5 · 0.96 ** t), not β₁.",
                ),
                (
                    variant(nadam_rule, schedule="brackets"),
                    "mind the brackets: mu_t = β₁ · (1 − 0.5 · 0.96 ** t), β₁ times the whole bracket.",
                ),
                (
                    variant(nadam_rule, same_mu=True),
                    "the momentum term looks ahead: it uses mu_{t+1} (0.96 ** (t + 1)), "
                    "the gradient term mu_t.",
                ),
                (
                    variant(nadam_rule, product_after=True),
                    "multiply mu_product by mu_t *before* the correction: 1 − P_t uses this step's mu_t.",
                ),
                (
                    variant(nadam_rule, return_next_product=True),
                    "return P_t = mu_product · mu_t, this step's product; P_t · mu_{t+1} is only used "
                    "inside the correction.",
                ),
                (
                    variant(nadam_rule, no_grad_term=True),
                    "m̂ has two terms: the look-ahead momentum and (1 − mu_t) · g / (1 − P_t).",
                ),
                (variant(nadam_rule, correct_v=False), "bias-correct v too: v̂ = v / (1 − β₂ᵗ)."),
                (variant(nadam_rule, eps_inside=True), eps_outside.replace("√v", "√v̂")),
                (ignoring(nadam, "beta1"), ignored("beta1")),
                (ignoring(nadam, "beta2"), ignored("beta2")),
                (ignoring(nadam, "eps"), ignored("eps")),
                (ignoring(nadam, "lr"), ignored("lr")),
                (nadam_moments_in_place, changed("m")),
            ],
            alternatives=[nadam_keras_products, nadam_loop],
        ),
    ]
