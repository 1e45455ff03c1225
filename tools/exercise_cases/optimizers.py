"""Cases for notebooks/day2/optimizers.ipynb: the eight update rules SGD ... Nadam.

Every hyper-parameter (lr, momentum, rho, beta1, beta2, eps, t, mu_product) gets a case with another
value than its default, so an answer that ignores one fails; where eps goes (inside or outside the
square root) is decided by cases with tiny gradients or a large eps, where the placements differ by
far more than the tolerance. Every rule must return new arrays: an in-place update (`w -= ...`) is
caught by the grader's argument rule.

Each exercise's mistakes are one table, {wrong rule: its hint}, in the order the grader tries them: a
`*_rule` below with one of its named mistakes (`mistakes_of`), a wrong rule written out (`sgd_plus`),
the answer with a hyper-parameter left at its default (`ignores`), or a rule that changes an argument
in place (hint `changed`).
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


def variant(rule, mistake):
    """rule with one of its named mistakes, as a student would write it: a wrong rule for the catalogue."""

    def wrong(*a, **k):
        return rule(*a, **k, mistake=mistake)

    wrong.__name__ = f"{rule.__name__}_{mistake}"
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


def momentum_rule(w, grad, velocity, lr=0.01, momentum=0.9, *, mistake):
    """Momentum with a mistake: "plus" (the velocity follows the gradient), "old" (w moves by the old
    velocity) or "plus_grad" (w also moves by − lr · grad, as in Nesterov)."""
    sign = 1 if mistake == "plus" else -1
    new_v = momentum * velocity + sign * lr * grad
    step = velocity if mistake == "old" else new_v
    return w + step + (-lr * grad if mistake == "plus_grad" else 0), new_v


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


def nesterov_rule(w, grad, velocity, lr=0.01, momentum=0.9, *, mistake):
    """Nesterov with a mistake: the step that w takes instead of Keras' momentum · new_v − lr · grad."""
    new_v = momentum * velocity - lr * grad
    steps = {
        "plain": new_v,  # plain momentum
        "no_grad": momentum * new_v,
        "velocity_too": new_v + momentum * new_v - lr * grad,
        "jump_then_step": momentum * velocity + new_v,  # to the look-ahead point, then the momentum step
    }
    return w + steps[mistake], new_v


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


def scaled(grad, total, eps, mistake=None):
    """grad / √(total + eps) as Keras divides, or with the `mistake` "outside" (√total + eps),
    "no_eps" (√total) or "no_root" (total + eps); any other mistake divides as Keras does."""
    with np.errstate(invalid="ignore"):  # a sum of signed gradients can be negative: nan
        denom = {
            "outside": np.sqrt(total) + eps,
            "no_eps": np.sqrt(total),
            "no_root": total + eps,
        }.get(mistake, np.sqrt(total + eps))
    return grad / denom


def adagrad_rule(w, grad, accumulator, lr=0.001, eps=1e-7, *, mistake):
    """Adagrad with a mistake: "old" (divides by the old accumulator), "signed" (sums grad, not
    grad²) or one of `scaled`'s."""
    new_acc = accumulator + (grad if mistake == "signed" else grad**2)
    total = accumulator if mistake == "old" else new_acc
    return w - lr * scaled(grad, total, eps, mistake), new_acc


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


def rmsprop_rule(w, grad, s, lr=0.001, rho=0.9, eps=1e-7, *, mistake):
    """RMSProp with a mistake: "swap" (rho weighs grad²), "sum" (Adagrad's sum), "old" (divides by
    the old average) or one of `scaled`'s."""
    a, b = (1 - rho, rho) if mistake == "swap" else (1.0, 1.0) if mistake == "sum" else (rho, 1 - rho)
    new_s = a * s + b * grad**2
    return w - lr * scaled(grad, s if mistake == "old" else new_s, eps, mistake), new_s


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


def adadelta_rule(w, grad, s, d, lr=1.0, rho=0.95, eps=1e-7, *, mistake):
    """AdaDelta with a mistake: "no_lr", "swap" (the roots' ratio upside down), "d_of_grad" (d
    averages grad²), "d_of_lr_step" (d averages the step times lr), "old_s" (divides by the old s),
    "keep_d" (d not updated), "outside" (eps outside the roots) or "no_eps"."""
    new_s = rho * s + (1 - rho) * grad**2
    den_s = s if mistake == "old_s" else new_s
    rms = {
        "outside": lambda x: np.sqrt(x) + eps,
        "no_eps": np.sqrt,
    }.get(mistake, lambda x: np.sqrt(x + eps))
    with np.errstate(divide="ignore", invalid="ignore"):  # no eps and s = 0: 0 / 0
        step = -(rms(den_s) / rms(d) if mistake == "swap" else rms(d) / rms(den_s)) * grad
    lr = 1.0 if mistake == "no_lr" else lr
    moved = grad if mistake == "d_of_grad" else lr * step if mistake == "d_of_lr_step" else step
    new_d = d if mistake == "keep_d" else rho * d + (1 - rho) * moved**2
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


def adam_rule(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, *, mistake):
    """Adam with a mistake: "no_correction", "t_plus_1"/"t_minus_1" (the correction's power off by
    one), "plus" (steps along the gradient), "swap" (β₁ and β₂ swapped), "return_hat" (returns m̂, v̂),
    "old_moments" (steps with the old m, v), "eps_paper" (ε added to √v̂) or "eps_inside" (√(v + ε))."""
    if mistake == "swap":
        beta1, beta2 = beta2, beta1
    sign = 1 if mistake == "plus" else -1
    shift = {"t_plus_1": 1, "t_minus_1": -1}.get(mistake, 0)
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g**2
    mm, vv = (m, v) if mistake == "old_moments" else (m_new, v_new)
    c1, c2 = (
        (1.0, 1.0) if mistake == "no_correction" else (1 - beta1 ** (t + shift), 1 - beta2 ** (t + shift))
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # t_minus_1: 1 − β⁰ = 0 at t = 1
        if mistake == "eps_paper":  # ε added to √v̂
            w_new = w + sign * lr * (mm / c1) / (np.sqrt(vv / c2) + eps)
        elif mistake == "eps_inside":  # ε inside the root, as in RMSProp
            w_new = w + sign * lr * np.sqrt(c2) / c1 * mm / np.sqrt(vv + eps)
        else:
            w_new = w + sign * lr * np.sqrt(c2) / c1 * mm / (np.sqrt(vv) + eps)
    if mistake == "return_hat":
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


def nadam_rule(w, g, m, v, mu_product, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, *, mistake):
    """Nadam with a mistake: "no_schedule" (mu_t = β₁), "brackets" (mu_t = β₁ − ½·0.96ᵗ), "same_mu"
    (mu_t for both terms), "product_after" (P_{t−1} in the correction), "next_product" (returns
    P_t · mu_{t+1}), "no_grad_term", "no_v_correction" or "eps_inside" (√(v̂ + ε))."""

    def mu(k):
        if mistake == "no_schedule":
            return beta1
        if mistake == "brackets":  # beta1 * 1 - 0.5 * 0.96 ** k
            return beta1 - 0.5 * 0.96**k
        return beta1 * (1 - 0.5 * 0.96**k)

    mu_t, mu_next = mu(t), mu(t) if mistake == "same_mu" else mu(t + 1)
    new_product = mu_product * mu_t
    p = mu_product if mistake == "product_after" else new_product
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    with np.errstate(divide="ignore", invalid="ignore"):  # product_after divides by 1 - 1 at t = 1
        grad_term = 0 if mistake == "no_grad_term" else (1 - mu_t) * g / (1 - p)
        m_hat = mu_next * m / (1 - p * mu_next) + grad_term
    v_hat = v if mistake == "no_v_correction" else v / (1 - beta2**t)
    denom = np.sqrt(v_hat + eps) if mistake == "eps_inside" else np.sqrt(v_hat) + eps
    returned = new_product * mu_next if mistake == "next_product" else new_product
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

EPS_INSIDE = "eps goes *inside* the square root (Keras): √(… + eps), not √… + eps."
NO_EPS = "add eps inside the square root, √(… + eps): without it a tiny gradient gets a full-size step."
NO_ROOT = "divide by the *square root* √(… + eps)."
EPS_OUTSIDE = (
    "here eps is added *outside* the root, as Keras does for this rule: √v + eps, not √(v + eps) "
    "(that is Adagrad's and RMSProp's placement)."
)
#: The shape hint of a rule that returns (new parameters, new state ...).
STATE_AFTER_W = "each rule returns the new parameters first, then its new state, in the docstring's order."


def rule_exercise(name, hint, cases, alternatives, mistakes, shape_hint=STATE_AFTER_W):
    """The exercise for the notebook's update rule `name`. alternatives: correct rules written another
    way; mistakes: {wrong rule: its hint}, in the order the grader tries them (a result that two
    mistakes both give gets the first one's hint)."""
    return Exercise(
        f"optimizers.{name}",
        name,
        hint=hint,
        shape_hint=shape_hint,
        cases=cases,
        mistakes=list(mistakes.items()),
        alternatives=alternatives,
    )


def mistakes_of(rule, hints):
    """{`rule` with the mistake each key of `hints` names: that key's hint}."""
    return {variant(rule, mistake): hint for mistake, hint in hints.items()}


def ignores(answer, *names):
    """{the answer with the hyper-parameter `name` left at its default: its hint} for each name."""
    return {ignoring(answer, name): ignored(name) for name in names}


def root_mistakes(rule, answer):
    """Adagrad's and RMSProp's mistakes in dividing by √(… + eps) (`scaled`'s), and ignoring eps, which is
    tried before leaving eps out: next to a large eps, the default 1e-7 gives almost what no eps gives."""
    return (
        mistakes_of(rule, {"no_root": NO_ROOT, "outside": EPS_INSIDE})
        | ignores(answer, "eps")
        | mistakes_of(rule, {"no_eps": NO_EPS})
    )


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

    def where_eps_goes(zero, small):
        """Adagrad's and RMSProp's cases for eps: tiny gradients from a `zero` state, and eps 0.1 next to
        a `small` one, where eps inside and outside the root differ by far more than the tolerance."""
        return [
            Case(f"tiny gradients from {zero}, lr 0.1: where eps matters", (w3, tiny3, z3), {"lr": 0.1}),
            Case(
                f"eps 0.1 next to {small}: eps inside or outside the root",
                (w3, 0.3 * g3, small_acc3),
                {"lr": 0.1, "eps": 0.1},
            ),
        ]

    velocity_cases = [  # momentum's and Nesterov's
        Case("from a non-zero velocity", (w3, g3, v3)),
        Case("first step: velocity 0", (w3, g3, z3)),
        Case("(2, 3), lr 0.1", (w23, g23, v23), {"lr": 0.1}),
        Case("momentum 0.5", (w3, g3, v3), {"momentum": 0.5}),
    ]
    return [
        rule_exercise(
            "sgd_step",
            "w − lr · grad.",
            [Case("3 parameters", (w3, g3)), Case("a (2, 3) array, lr 0.5", (w23, g23), {"lr": 0.5})],
            [sgd_on_a_copy, sgd_loop],
            {
                sgd_plus: "gradient *descent*: step against the gradient, w − lr · grad.",
                sgd_no_lr: "multiply the gradient by the learning rate lr.",
                sgd_only_the_step: "return the new parameters w − lr · grad, not only the step − lr · grad.",
            }
            | ignores(sgd, "lr")
            | {
                sgd_in_place: changed("w"),
            },
            shape_hint=None,
        ),
        rule_exercise(
            "momentum_step",
            "velocity = momentum · velocity − lr · grad; w + velocity; return (w, velocity).",
            velocity_cases,
            [momentum_from_the_new_w, momentum_on_copies],
            mistakes_of(
                momentum_rule,
                {
                    "plus": "the velocity moves *against* the gradient: momentum · v − lr · grad.",
                    "old": "update the velocity first, then move by the *new* velocity.",
                    "plus_grad": (
                        "plain momentum moves by the velocity only "
                        "(that extra − lr · grad is Nesterov's look-ahead)."
                    ),
                },
            )
            | {
                momentum_textbook: (
                    "the velocity here is the step itself, lr included: v = momentum · v − lr · grad, "
                    "then w + v (the textbook form v = momentum · v + grad, w − lr · v stores another "
                    "velocity)."
                )
            }
            | ignores(momentum, "momentum", "lr")
            | {
                momentum_velocity_in_place: changed("velocity"),
                momentum_w_in_place: changed("w"),
            },
        ),
        rule_exercise(
            "nesterov_step",
            "velocity = momentum · velocity − lr · grad; w + momentum · velocity − lr · grad.",
            velocity_cases,
            [nesterov_expanded, nesterov_on_copies],
            mistakes_of(
                nesterov_rule,
                {
                    "plain": (
                        "that is plain momentum; Nesterov (Keras' form) moves by "
                        "momentum · new velocity − lr · grad."
                    ),
                    "no_grad": (
                        "Keras' Nesterov step also subtracts lr · grad: w + momentum · velocity − lr · grad."
                    ),
                    "velocity_too": (
                        "w moves by momentum · velocity − lr · grad only: "
                        "the new velocity itself is not added too."
                    ),
                    "jump_then_step": (
                        "the parameters already are the look-ahead point: don't jump by momentum · old "
                        "velocity first; w + momentum · new velocity − lr · grad."
                    ),
                },
            )
            | ignores(nesterov, "momentum", "lr")
            | {
                nesterov_velocity_in_place: changed("velocity"),
                nesterov_w_in_place: changed("w"),
            },
        ),
        rule_exercise(
            "adagrad_step",
            "accumulator + grad²; w − lr · grad / √(new accumulator + eps), eps inside the root.",
            [
                Case("first step from Keras' 0.1", (w3, g3, np.full(3, 0.1))),
                Case("(2, 3), lr 0.1, a grown accumulator", (w23, g23, 5 * s23), {"lr": 0.1}),
                *where_eps_goes("an accumulator 0", "a small accumulator"),
            ],
            [adagrad_power, adagrad_loop],
            mistakes_of(
                adagrad_rule,
                {
                    "old": "add this step's grad² to the accumulator *before* dividing.",
                    "signed": "accumulate the *squared* gradients, grad ** 2.",
                },
            )
            | root_mistakes(adagrad_rule, adagrad)
            | ignores(adagrad, "lr")
            | {
                adagrad_accumulator_in_place: changed("accumulator"),
                adagrad_w_in_place: changed("w"),
            },
        ),
        rule_exercise(
            "rmsprop_step",
            "s = rho · s + (1 − rho) · grad²; w − lr · grad / √(s + eps), eps inside the root.",
            [
                Case("from a non-zero average", (w3, g3, s3)),
                Case("first step: s = 0", (w3, g3, z3)),
                Case("(2, 3), lr 0.01", (w23, g23, s23), {"lr": 0.01}),
                Case("rho 0.5", (w3, g3, s3), {"rho": 0.5}),
                *where_eps_goes("s = 0", "a small average"),
            ],
            [rmsprop_keras_increment, rmsprop_on_copies],
            mistakes_of(
                rmsprop_rule,
                {
                    "swap": "rho (0.9) weighs the *old* average: rho · s + (1 − rho) · grad².",
                    "sum": (
                        "s is a running *average* that forgets, rho · s + (1 − rho) · grad², not Adagrad's "
                        "sum."
                    ),
                    "old": "update s with this step's gradient first, then divide by √(s + eps).",
                },
            )
            | root_mistakes(rmsprop_rule, rmsprop)
            | ignores(rmsprop, "rho", "lr")
            | {
                rmsprop_s_in_place: changed("s"),
                rmsprop_w_in_place: changed("w"),
            },
        ),
        rule_exercise(
            "adadelta_step",
            "s = rho·s + (1−rho)·grad²; step = −√(d + eps)/√(s + eps) · grad; "
            "d = rho·d + (1−rho)·step²; return (w + lr·step, s, d).",
            [
                Case("from non-zero averages, lr 0.5", (w3, g3, s3, d3), {"lr": 0.5}),
                Case("first step: s = d = 0", (w3, g3, z3, z3)),
                Case("(2, 3), rho 0.9", (w23, g23, s23, d23), {"rho": 0.9}),
                Case("first step with eps 1e-3", (w3, g3, z3, z3), {"eps": 1e-3}),
            ],
            [adadelta_rms, adadelta_loop],
            mistakes_of(
                adadelta_rule,
                {
                    "no_lr": (
                        "multiply the step by the learning rate lr (Keras' form; lr = 1 is the paper's rule)."
                    ),
                    "swap": (
                        "step = −√(d + eps) / √(s + eps) · grad: "
                        "the steps' average on top, the gradients' below."
                    ),
                    "d_of_grad": (
                        "d averages the squared *steps*, (1 − rho) · step², not the squared gradients."
                    ),
                    "d_of_lr_step": (
                        "d averages the step *before* the learning rate, (1 − rho) · step²; only w moves by "
                        "lr · step."
                    ),
                    "old_s": "update s with this step's grad² first, then divide by the new √(s + eps).",
                    "keep_d": "update d as well: return the new d = rho·d + (1−rho)·step².",
                    "outside": "eps goes *inside* both square roots: √(d + eps) / √(s + eps).",
                    "no_eps": (
                        "add eps inside both roots, √(d + eps): d starts at 0, and without eps the step "
                        "stays 0."
                    ),
                },
            )
            | ignores(adadelta, "eps", "rho")
            | {
                adadelta_s_in_place: changed("s"),
                adadelta_d_in_place: changed("d"),
                adadelta_w_in_place: changed("w"),
            },
        ),
        rule_exercise(
            "adam_step",
            "m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); "
            "w − lr_t·m/(√v + ε); return (w, m, v).",
            [
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
            [adam_paper_form_with_eps_hat, adam_keras_increments_on_copies],
            mistakes_of(
                adam_rule,
                {
                    "no_correction": (
                        "bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before the step; without "
                        "it the first steps are too large (m and v start at 0)."
                    ),
                    "t_plus_1": (
                        "t counts from 1: the first step divides by 1 − β₁¹ = 1 − β₁, not by 1 − β₁²."
                    ),
                    "t_minus_1": (
                        "t is already this step's number (1 for the first): the correction uses β₁ ** t, "
                        "not β₁ ** (t − 1)."
                    ),
                    "plus": "Adam steps *against* the gradient: w − lr · m̂ / (√v̂ + ε).",
                    "swap": (
                        "β₁ (0.9) averages the gradients into m, β₂ (0.999) the squared gradients into v."
                    ),
                    "return_hat": (
                        "return the running averages m and v, not the bias-corrected m̂ and v̂ (they are "
                        "used only for this step's update)."
                    ),
                    "old_moments": (
                        "first update m and v with this step's gradient, then use them (corrected) for the "
                        "step."
                    ),
                    "eps_paper": (
                        "write Keras' form: lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ), then w − lr_t · m / (√v + ε) "
                        "(ε added to √v, not to √v̂)."
                    ),
                    "eps_inside": EPS_OUTSIDE,
                },
            )
            | ignores(adam, "beta1", "beta2", "eps", "lr")
            | {
                adam_moments_in_place: changed("m"),
                adam_w_in_place: changed("w"),
            },
            shape_hint="return (new_w, new_m, new_v), each shaped like w.",
        ),
        rule_exercise(
            "nadam_step",
            "mu_t = β₁(1 − ½·0.96ᵗ), mu_next likewise with t+1; P = mu_product · mu_t; m, v as in Adam; "
            "m̂ = mu_next·m/(1 − P·mu_next) + (1 − mu_t)·g/(1 − P); v̂ = v/(1 − β₂ᵗ); "
            "return (w − lr·m̂/(√v̂ + ε), m, v, P).",
            [
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
            [nadam_keras_products, nadam_loop],
            mistakes_of(
                nadam_rule,
                {
                    "no_schedule": (
                        "Keras' Nadam warms the momentum up: mu_t = β₁ · (1 − 0.5 · 0.96 ** t), not β₁."
                    ),
                    "brackets": (
                        "mind the brackets: mu_t = β₁ · (1 − 0.5 · 0.96 ** t), β₁ times the whole bracket."
                    ),
                    "same_mu": (
                        "the momentum term looks ahead: it uses mu_{t+1} (0.96 ** (t + 1)), "
                        "the gradient term mu_t."
                    ),
                    "product_after": (
                        "multiply mu_product by mu_t *before* the correction: 1 − P_t uses this step's mu_t."
                    ),
                    "next_product": (
                        "return P_t = mu_product · mu_t, this step's product; P_t · mu_{t+1} is only used "
                        "inside the correction."
                    ),
                    "no_grad_term": (
                        "m̂ has two terms: the look-ahead momentum and (1 − mu_t) · g / (1 − P_t)."
                    ),
                    "no_v_correction": "bias-correct v too: v̂ = v / (1 − β₂ᵗ).",
                    "eps_inside": EPS_OUTSIDE.replace("√v", "√v̂"),
                },
            )
            | ignores(nadam, "beta1", "beta2", "eps", "lr")
            | {
                nadam_moments_in_place: changed("m"),
            },
            shape_hint="return (new_w, new_m, new_v, new_mu_product).",
        ),
    ]
