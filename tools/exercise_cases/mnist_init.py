"""Cases for notebooks/day2/mnist_init.ipynb: the weight variance of the three initialisers.

``weight_variance(initialiser, n_in, n_out)`` returns Var(W) for "small normal" (0.01²), "glorot"
(2 / (n_in + n_out)) and "he" (2 / n_in). The first cases are the notebook's: a 128 -> 128 hidden
layer for Glorot, then a 784 -> 256 layer for He and the small normal, where fan-in and fan-out
differ, so that every catalogued mistake fails first on a case where no other mistake gives the same
number (the grader names the first failing case's mistake).
"""

from __future__ import annotations

import math

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/mnist_init.ipynb"

GLOROT_TWO = "Glorot's variance is 2 / (n_in + n_out): the 2 is the average of fan-in and fan-out, 2 / (sum)."
GLOROT_FAN_IN = (
    "Glorot uses both fans, 2 / (n_in + n_out), so that forward and backward signals keep their size; "
    "2 / n_in is He's."
)
GLOROT_LIMIT = (
    "√(6 / (n_in + n_out)) is the limit l of glorot_uniform's U(−l, l); its variance is l² / 3 = "
    "2 / (n_in + n_out)."
)
STD = "return the variance Var(W), not the standard deviation (no square root)."
HE_LECUN = "He doubles LeCun's 1 / n_in: 2 / n_in, because a ReLU zeroes half of its inputs."
HE_FAN_OUT = "He scales by the fan-in: 2 / n_in (the inputs each unit sums), not 2 / n_out."
HE_GLOROT = "He's variance is 2 / n_in; 2 / (n_in + n_out) is Glorot's."
HE_LIMIT = "√(6 / n_in) is the limit of he_uniform's U(−l, l); the variance is l² / 3 = 2 / n_in."
SMALL_STD = "the small normal has standard deviation 0.01, so its variance is 0.01² = 1e-4."
TIMES_N = "return Var(W) itself, not n_in · Var(W) (that product is the factor in the signal formula)."


def _variance(initialiser, n_in, n_out, **wrong):
    """The solution with one thing changed (each mistake below picks one)."""
    if initialiser == "small normal":
        value = 0.01 if wrong.get("small_std") else 0.01**2
    elif initialiser == "glorot":
        value = {
            "two": 1 / (n_in + n_out),
            "fan_in": 2 / n_in,
            "limit": math.sqrt(6 / (n_in + n_out)),
        }.get(wrong.get("glorot"), 2 / (n_in + n_out))
    elif initialiser == "he":
        value = {
            "lecun": 1 / n_in,
            "fan_out": 2 / n_out,
            "glorot": 2 / (n_in + n_out),
            "limit": math.sqrt(6 / n_in),
        }.get(wrong.get("he"), 2 / n_in)
    else:
        raise ValueError(f"unknown initialiser {initialiser!r}")
    if wrong.get("std"):
        value = math.sqrt(value)
    if wrong.get("times_n"):
        value *= n_in
    return value


def _mistake(name, **wrong):
    def fn(initialiser, n_in, n_out):
        return _variance(initialiser, n_in, n_out, **wrong)

    fn.__name__ = name
    return fn


def exercises(ns: dict) -> list[Exercise]:
    # --- correct variants ----------------------------------------------------------------------------
    def if_chain(initialiser, n_in, n_out):
        if initialiser == "small normal":
            return 1e-4
        elif initialiser == "glorot":
            return 1 / ((n_in + n_out) / 2)  # one over the average fan
        elif initialiser == "he":
            return 2.0 / n_in
        raise ValueError(initialiser)

    def from_std(initialiser, n_in, n_out):
        """Through the standard deviation, as Keras' VarianceScaling writes it."""
        scale, fan = {"glorot": (1.0, (n_in + n_out) / 2), "he": (2.0, n_in)}.get(initialiser, (None, None))
        std = 0.01 if initialiser == "small normal" else math.sqrt(scale / fan)
        return std**2

    return [
        Exercise(
            "init.weight_variance",
            "weight_variance",
            hint="the table's variance column: small normal 0.01², Glorot 2 / (n_in + n_out), He 2 / n_in.",
            cases=[
                Case("Glorot, section 1's 128 -> 128 hidden layer", ("glorot", 128, 128)),
                Case("He, a 784 -> 256 layer", ("he", 784, 256)),
                Case("small normal, a 784 -> 256 layer", ("small normal", 784, 256)),
                Case("Glorot, a 784 -> 256 layer", ("glorot", 784, 256)),
                Case("He, section 1's 128 -> 128 hidden layer", ("he", 128, 128)),
                Case("He, fan-out larger than fan-in", ("he", 10, 1000)),
                Case("small normal, a 7 -> 3 layer", ("small normal", 7, 3)),
                Case("keyword arguments: Glorot, 300 -> 100", ("glorot",), {"n_in": 300, "n_out": 100}),
            ],
            mistakes=[
                # first: on the small normal its value, 0.01, is also what `standard_deviation` gives
                (_mistake("small_normal_std", small_std=True), SMALL_STD),
                (_mistake("glorot_without_the_2", glorot="two"), GLOROT_TWO),
                (_mistake("glorot_with_the_fan_in_only", glorot="fan_in"), GLOROT_FAN_IN),
                (_mistake("glorot_uniform_limit", glorot="limit"), GLOROT_LIMIT),
                (_mistake("standard_deviation", std=True), STD),
                (_mistake("n_in_times_variance", times_n=True), TIMES_N),
                (_mistake("lecun_for_he", he="lecun"), HE_LECUN),
                (_mistake("he_with_the_fan_out", he="fan_out"), HE_FAN_OUT),
                (_mistake("glorot_for_he", he="glorot"), HE_GLOROT),
                (_mistake("he_uniform_limit", he="limit"), HE_LIMIT),
            ],
            alternatives=[if_chain, from_std],
        ),
    ]
