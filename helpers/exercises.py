"""The course's grader: ``check(exercise_id, answer)`` says whether a student's function is right.

    from helpers.exercises import check, ExerciseError
    check("ex1.compute_cost", compute_cost)      # prints "✓ ex1.compute_cost: 4 cases" or raises

Every exercise (``exercise_ids()`` lists them; the README too) has several cases: the one the
notebook publishes and others with other inputs and shapes (one feature and several, one example,
``lambda_`` 0 and not 0), so code written to hit one published number does not pass.  A case
calls the answer with stored arguments and compares what comes back with a stored *expected value*
(numbers within a tolerance; a list, tuple, array or 0-d array are all accepted where the numbers
agree).  This module holds no reference code: the cases and their expected values are data,
``helpers/exercise_data/<notebook>.json``, generated from the solutions edition by
``tools/student.py`` (``make student``), which also stores the result each *common mistake*
produces, so a wrong answer that matches one gets that mistake's hint.  An expected value may
also be a lower bound (``{"__at_least__": x}``, e.g. an accuracy target for a trained model), one
number, a metric whose bar ``helpers.bound`` gives (``{"__at_least__": "metric"}``), or one per data
profile (``{"__at_least__": {"quick": x, "full": y}}``, resolved with
``helpers.get_profile()`` when the check runs).

A failing check raises ``ExerciseError`` (an ``AssertionError``, so pytest and nbgrader count it as
a failure) whose message names the case, the expected and the received value and a hint; an answer
that still raises ``NotImplementedError`` gets "not implemented yet".  In Jupyter the error shows
as its message only, not as a traceback through this module.

Besides the value, a check verifies what the text promises about *how* a function behaves: it
leaves its arguments unmodified (a function that changes the caller's ``theta`` in place is
rejected, naming the argument), and, for exercises that draw random numbers from an ``rng``
argument, it gives the same result twice for the same seed (so it draws from that ``rng`` only).

**Notebooks use** ``checked``::

    compute_cost = checked("ex1.compute_cost", compute_cost)

which checks like ``check`` but does not stop the notebook: when the answer is not right yet it
prints why and returns *the course's version* of the function (from the solutions edition,
``notebooks/``), announced in the output, so every later cell runs.  Under nbgrader's autograder
(``NBGRADER_EXECUTION`` set) it does the same, and remembers the student's own answer: the grade
comes from the assignment's hidden cell, ``grade("ex1.compute_cost")``, which checks that answer on
cases the student never saw (tools/grading.py writes them), so each exercise is graded on its own.
Where the *solutions* edition runs (``ML2DL_STRICT_CHECKS`` set: ``make test``'s nbval run and
``make run``) a failure raises, so a solution that stops passing its own check fails there instead
of quietly standing in for itself.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import inspect
import json
import os
import random
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from helpers import language

__all__ = [
    "ExerciseError",
    "check",
    "checked",
    "course_version",
    "exercise_ids",
    "describe_keras_model",
    "describe_callback",
]

DATA_DIR = Path(__file__).with_name("exercise_data")
DEFAULT_HINT = "compare your code with the formula above, one step at a time."

#: What a check cell says, in English; ``_say`` fills one in, in the edition's language.  The Korean
#: edition's texts come from ``exercise_data/i18n/ko.json``, which ``make ko`` writes from the
#: catalogue ``i18n/ko/_grader.po`` (with every hint of the exercise files, translated).
MESSAGES = {
    "passed": "✓ {label}: {n} case{s}",
    "not-implemented": (
        "✗ {label}: not implemented yet — write the body of `{function}` where it says "
        "`# YOUR CODE HERE` (delete the `raise NotImplementedError()` line), run that cell, then this one."
    ),
    "wrong": "✗ {label}, case {case}: {problem}.\n  Hint: {hint}",
    "raised": "✗ {label}, case {case}: your code raised {error}{where}.\n  Hint: {hint}",
    "changed": (
        "✗ {label}, case {case}: your function changed its argument {changed} in place.\n  Hint: {hint}"
    ),
    "still-course": "→ `{function}` is still the course's version: yours has not passed its check yet.",
    "goes-on": "→ the notebook goes on with your `{function}`.",
    "using-course": (
        "→ using the course's version of `{function}` until yours passes, so the rest of the "
        "notebook runs. Fix yours, run its cell and this one again."
    ),
    "generator": (
        "✗ {label}, case {case}: your function returned a generator (a `yield` inside it?).\n  Hint: "
        "return the values themselves, e.g. a list built with a comprehension, as the docstring says: "
        "later cells index them and use them twice."
    ),
    "not-deterministic": (
        "✗ {label}, case {case}: two calls with the same arguments and the same seeded rng gave "
        "different results.\n  Hint: {hint}"
    ),
    "numpy-global-rng": (
        "✗ {label}, case {case}: your function used numpy's global random generator "
        "(np.random.seed or np.random.*).\n  Hint: {hint}"
    ),
    "global-rng": (
        "✗ {label}, case {case}: your function changed a global random generator "
        "(numpy's, Python's or TensorFlow's seed).\n  Hint: {hint}"
    ),
    "rng-drawn": (
        "✗ {label}, case {case}: the result is right, but your function drew other numbers from `rng` "
        "than the course's version does (more, fewer, or of another kind).\n  Hint: {hint}"
    ),
    "float-for-int": (
        "✗ {label}, case {case}: expected a whole number (an int, e.g. {expected}), received the float "
        "{received}: a size or a count is used in range() and as an array shape, which take ints only."
        "\n  Hint: {hint}"
    ),
    "not-a-tuple": (
        "✗ `{function}` should return a tuple such as (J, grad); this check compares value {index} of it, "
        "but received {received}."
    ),
    "argument": "argument {index}",
    "your-code": "your code",
    "where": " (in {place}, line {line}: {source})",
    # what differs (helpers.exercises.mismatch): {what} names the value, {problem} nests a difference
    "the-result": "the result",
    "value-of": "value {index} of the {n} returned",
    "entry": "entry {index}",
    "profile": "{what} ({profile} profile)",
    "bar-of": "{what} (the bar of {metric})",
    "nested": "{what}: {problem}",
    "one-number": "{what}: expected one number, received {received}",
    "at-least": "{what}: expected at least {bound}, received {received}",
    "tuple": "{what}: expected {n} values (a tuple), received {type}",
    "n-values": "{what}: expected {n} values, received {m}",
    "numbers": "{what}: expected numbers {expected}, received {received}",
    "shape": "{what}: expected shape {expected}, received shape {received}{flatten}",
    "flatten": " (the same numbers in another shape: flatten it, e.g. .ravel() or .item())",
    "not-finite": "{what}: expected {expected}, received {received} (not finite)",
    "differs": "{what}: expected {expected}, received {received}",
    "entries-differ": (
        "{what}: expected {expected}, received {received}; {n} of {size} entries differ "
        "(e.g. at index {index}: expected {e}, received {r})"
    ),
    "missing-key": "{what}: missing {key}",
    "unexpected-keys": "{what}: unexpected {keys}",
    "n-entries": "{what}: expected {n} entries, received {m}",
}


def _hint(text: str) -> str:
    """A hint in the edition's language (the English where it has no translation)."""
    return language.translated("hints", text, text)


def _case(case: dict) -> str:
    """A case's name, quoted, in the edition's language."""
    return repr(language.translated("cases", case["name"], case["name"]))


def _say(message: str, /, **values: Any) -> str:
    """The text ``message`` of MESSAGES, in the edition's language, filled in with ``values``."""
    return language.translated("messages", message, MESSAGES[message]).format(**values)


class Problem(str):
    """What differs between the expected and the received value (a sentence of MESSAGES), and its
    ``kind``, the MESSAGES key of the innermost difference (e.g. "shape"), in every language."""

    kind: str

    def __new__(cls, text: str, kind: str) -> Problem:
        problem = super().__new__(cls, text)
        problem.kind = kind
        return problem


def _problem(message: str, what: str, /, **values: Any) -> Problem:
    return Problem(_say(message, what=what, **values), message)


class ExerciseError(AssertionError):
    """A check failed: the message says which case, what was expected, what came back, and a hint."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback (the student's own error, if any, is quoted).
        return [f"\x1b[0;31mExerciseError\x1b[0m: {self}"]


# ---------------------------------------------------------------------------------------------------
# The stored exercises
# ---------------------------------------------------------------------------------------------------


@functools.cache
def _catalogue() -> dict[str, dict]:
    exercises: dict[str, dict] = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for exercise_id, spec in doc["exercises"].items():
            exercises[exercise_id] = dict(spec, notebook=doc["notebook"])
    return exercises


def exercise_ids() -> list[str]:
    """Every exercise the grader knows, as ``<notebook>.<name>`` ids (by data file, then as stored)."""
    return list(_catalogue())


def _spec(exercise_id: str) -> dict:
    if not isinstance(exercise_id, str):
        raise TypeError(
            f"check() takes the exercise id first, a string like 'ex1.compute_cost', not {exercise_id!r}"
        )
    exercises = _catalogue()
    if exercise_id not in exercises:
        prefix = exercise_id.split(".")[0] + "."
        near = [e for e in exercises if e.startswith(prefix)] or list(exercises)
        raise KeyError(f"no exercise {exercise_id!r}; known ids: {', '.join(near)}")
    return exercises[exercise_id]


# ---------------------------------------------------------------------------------------------------
# Values as stored in JSON: arrays, tuples, data sets by name
# ---------------------------------------------------------------------------------------------------


def _bias(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(x)), x])


def _table(loader: str, columns: list[str], bias: bool) -> np.ndarray:
    from helpers import data

    frame = getattr(data, loader)()
    x = frame[columns].to_numpy(dtype=float)
    return _bias(x) if bias else x


# Course data a case may name instead of storing it ({"__data__": name}): read through helpers.data.
DATA: dict[str, Callable[[], Any]] = {
    "food_truck.X": lambda: _table("load_food_truck", ["population"], bias=True),
    "food_truck.y": lambda: _table("load_food_truck", ["profit"], bias=False).ravel(),
    "housing.X_raw": lambda: _table("load_housing", ["size_sqft", "bedrooms"], bias=False),
    "housing.X": lambda: _table("load_housing", ["size_sqft", "bedrooms"], bias=True),
    "housing.y": lambda: _table("load_housing", ["price"], bias=False).ravel(),
    "admissions.X": lambda: _table("load_admissions", ["exam1", "exam2"], bias=True),
    "admissions.y": lambda: _table("load_admissions", ["admitted"], bias=False).ravel(),
    "microchips.X": lambda: _table("load_microchips", ["test1", "test2"], bias=True),
    "microchips.y": lambda: _table("load_microchips", ["accepted"], bias=False).ravel(),
    "microchips.X_mapped": lambda: _monomials(_table("load_microchips", ["test1", "test2"], bias=False), 6),
}


def _monomials(x: np.ndarray, degree: int) -> np.ndarray:
    """ex2's polynomial features of two columns: 1, a, b, a², ab, b², a³, ... up to ``degree``.

    The same features as ex2's ``map_feature``, which the notebook teaches and so defines itself;
    tests/test_exercises.py checks that the two agree."""
    a, b = x[:, 0], x[:, 1]
    return np.column_stack([a ** (i - k) * b**k for i in range(degree + 1) for k in range(i + 1)])


def encode(value: Any) -> Any:
    """A value as JSON: arrays keep dtype and shape, tuples stay tuples, numpy scalars become numbers."""
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if value is None or isinstance(value, str | int | float):
        return value
    if hasattr(value, "numpy"):  # a TensorFlow tensor or variable
        return encode(np.asarray(value.numpy()))
    if isinstance(value, np.random.Generator) and hasattr(value, "ml2dl_seed"):
        return {"__rng__": value.ml2dl_seed}
    if callable(value) and getattr(value, "__module__", "").split(".")[0] == "numpy":
        return {"__numpy__": value.__name__}  # a numpy function as an argument, e.g. reduce=np.mean
    raise TypeError(f"cannot store {type(value).__name__} in an exercise file")


class _SeededGenerator(np.random.Generator):
    """``np.random.default_rng(seed)`` that remembers its seed, so a case can store it as data."""

    ml2dl_seed: int


def seeded_rng(seed: int) -> np.random.Generator:
    """A generator equal to ``np.random.default_rng(seed)``; stored in a case as ``{"__rng__": seed}``."""
    rng = _SeededGenerator(np.random.PCG64(seed))
    rng.ml2dl_seed = seed
    return rng


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`; ``{"__data__": name}`` loads a course data set (see ``DATA``)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.array(value["__ndarray__"], dtype=value["dtype"]).reshape(value["shape"])
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__data__" in value:
            return DATA[value["__data__"]]()
        if "__rng__" in value:  # a fresh generator each time: np.random.default_rng(seed)
            return seeded_rng(value["__rng__"])
        if "__numpy__" in value:
            return getattr(np, value["__numpy__"])
        return {k: decode(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------------
# What a Keras model or callback is, as plain data (for checks of "build this model" exercises)
# ---------------------------------------------------------------------------------------------------


def _name(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, tuple | list):
        return [_name(o) for o in obj]
    return getattr(obj, "__name__", type(obj).__name__)


_LAYER_FIELDS = (
    "units",
    "filters",
    "kernel_size",
    "strides",
    "dilation_rate",
    "pool_size",
    "rate",
    "momentum",
    "epsilon",
    "center",
    "scale",
    "activation",
)
_INITIALIZERS = (
    "kernel_initializer",
    "bias_initializer",
    "gamma_initializer",
    "beta_initializer",
    "moving_mean_initializer",
    "moving_variance_initializer",
)
_OPTIONAL = tuple(
    f"{w}_{kind}" for kind in ("regularizer", "constraint") for w in ("kernel", "bias", "gamma", "beta")
) + ("activity_regularizer",)


def _output_shape(layer: Any) -> list[int] | None:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError, RuntimeError):  # a layer of a model that is not built yet
        return None
    return [-1 if d is None else int(d) for d in shape[1:]]


def describe_keras_model(
    model: Any, *, names: bool = False, dtype: bool = False, fold_activations: bool = True
) -> dict:
    """A Keras model as data: its layers (type, size, activation, initialiser, dropout rate, output
    shape) and its parameter count.  Separate activation layers are folded into the layer before
    them, so ``Dense(10, activation="relu")`` and ``Dense(10)`` + ``ReLU()`` describe the same.

    A layer's ``padding`` is described by the output shape it gives, not by its spelling: where
    "valid" and "same" give the same shape no padding is added and the two layers compute the same
    (a 2×2 max-pool of a 14×14 map), so both are right.  ``names=True`` adds each layer's name
    (for exercises whose later cells look layers up by name), ``dtype=True`` its dtype policy;
    ``fold_activations=False`` keeps activation layers as layers of their own (for exercises whose
    later cells read ``layer.activation`` of the Dense layers)."""
    layers: list[dict] = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind in ("Activation", "ReLU", "Softmax") and layers and fold_activations:
            act = "relu" if kind == "ReLU" else "softmax" if kind == "Softmax" else _name(layer.activation)
            layers[-1]["activation"] = act
            continue
        entry: dict[str, Any] = {"type": kind}
        if names:
            entry["name"] = layer.name
        for field in _LAYER_FIELDS:
            if hasattr(layer, field):
                value = _name(getattr(layer, field))
                if field == "activation" and value == "linear":
                    continue
                entry[field] = value
        shape = _output_shape(layer)
        if shape is not None:
            entry["output_shape"] = shape
        elif hasattr(layer, "padding"):
            entry["padding"] = layer.padding
        for init in _INITIALIZERS:
            if getattr(layer, init, None) is not None:
                entry[init] = type(getattr(layer, init)).__name__
        for extra in _OPTIONAL:
            if getattr(layer, extra, None) is not None:  # none in the course's models: shown only if set
                entry[extra] = type(getattr(layer, extra)).__name__
        if dtype:
            policy = getattr(layer, "dtype_policy", None)
            entry["dtype"] = getattr(policy, "name", str(getattr(layer, "dtype", None)))
        layers.append(entry)
    return {"layers": layers, "parameters": int(model.count_params())}


def describe_callback(callback: Any) -> dict:
    """A Keras callback's configuration as data (type, monitored quantity, patience, ...)."""
    fields = (
        "monitor",
        "patience",
        "min_delta",
        "mode",
        "restore_best_weights",
        "start_from_epoch",
        "baseline",
        "verbose",
    )
    out: dict[str, Any] = {"type": type(callback).__name__}
    for field in fields:
        if hasattr(callback, field):
            value = getattr(callback, field)
            out[field] = _name(value) if not isinstance(value, np.generic) else value.item()
    if out.get("mode") == "auto" and "monitor" in out:  # Keras resolves "auto" from the monitored name
        out["mode"] = "max" if "acc" in str(out["monitor"]) else "min"
    return out


DESCRIBE: dict[str, Callable[[Any], Any]] = {
    "keras_model": describe_keras_model,
    "callback": describe_callback,
}


# ---------------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=12, edgeitems=3, separator=", ")
        return text if value.ndim == 0 else f"{text} (shape {value.shape})"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    text = repr(value)
    return text if len(text) < 400 else text[:400] + " ..."


def _apart(e: float, r: float) -> tuple[str, str]:
    """Two numbers with as many digits as it takes to show they differ (6 at least, 17 at most)."""
    a, b = f"{e:.6g}", f"{r:.6g}"
    for digits in range(7, 18):
        if a != b:
            break
        a, b = f"{e:.{digits}g}", f"{r:.{digits}g}"
    return a, b


def _as_numbers(value: Any) -> np.ndarray | None:
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        arr = np.asarray(value)
        if arr.dtype == object:
            return None
        return arr.astype(float)
    except (TypeError, ValueError):
        return None


def mismatch(
    expected: Any, received: Any, atol: float, rtol: float, what: str | None = None
) -> Problem | None:
    """None when ``received`` agrees with ``expected`` (a decoded value); otherwise what differs, in the
    edition's language (a ``Problem``: its ``kind`` says which difference, e.g. "shape")."""
    what = _say("the-result") if what is None else what
    if isinstance(expected, dict) and "__at_least__" in expected:
        bound = expected["__at_least__"]
        if isinstance(bound, dict):  # one target per data profile: {"quick": x, "full": y}
            from helpers.runtime import get_profile

            profile = get_profile()
            bound, what = bound[profile], _say("profile", what=what, profile=profile)
        elif isinstance(bound, str):  # a metric's bar, derived from the committed runs (helpers.bound)
            from helpers.runtime import bound as bar

            bound, what = bar(bound), _say("bar-of", what=what, metric=bound)
        number = _as_numbers(received)
        if number is None or number.size != 1:
            return _problem("one-number", what, received=_show(received))
        if not float(number) >= bound:
            return _problem("at-least", what, bound=f"{bound:.4g}", received=f"{float(number):.4g}")
        return None
    if isinstance(expected, tuple):
        if not isinstance(received, tuple | list):
            return _problem("tuple", what, n=len(expected), type=type(received).__name__)
        if len(received) != len(expected):
            return _problem("n-values", what, n=len(expected), m=len(received))
        for i, (e, r) in enumerate(zip(expected, received, strict=True)):
            problem = mismatch(e, r, atol, rtol, _say("value-of", index=i + 1, n=len(expected)))
            if problem:
                return problem
        return None
    if isinstance(expected, np.ndarray | int | float) and not isinstance(expected, bool):
        e = np.asarray(expected, dtype=float)
        r = _as_numbers(received)
        if r is None:
            return _problem("numbers", what, expected=_show(e), received=_show(received))
        if r.shape != e.shape:
            # A column where a flat vector was promised, or [[x]] for a number, is refused too: the
            # notebook's later cells (scipy's minimize, an f"{J:.2f}") fail on it, far from the cause.
            same = r.size == e.size and np.squeeze(r).shape == np.squeeze(e).shape
            flatten = _say("flatten") if same else ""
            return _problem("shape", what, expected=e.shape, received=r.shape, flatten=flatten)
        if not np.all(np.isfinite(r) == np.isfinite(e)):
            return _problem("not-finite", what, expected=_show(e), received=_show(r))
        # nan matches nan: a stored mistake's result may be nan (a naive softmax that overflowed)
        ok = np.isclose(r, e, atol=atol, rtol=rtol, equal_nan=True)  # inf == inf too
        if not ok.all():
            if e.ndim == 0:
                shown_e, shown_r = _apart(float(e), float(r))
                return _problem("differs", what, expected=shown_e, received=shown_r)
            worst = np.unravel_index(np.argmax(np.abs(r - e) * ~ok), e.shape)
            shown_e, shown_r = _apart(float(e[worst]), float(r[worst]))
            return _problem(
                "entries-differ",
                what,
                expected=_show(e),
                received=_show(r),
                n=int((~ok).sum()),
                size=e.size,
                index=tuple(int(i) for i in worst),
                e=shown_e,
                r=shown_r,
            )
        return None
    if isinstance(expected, dict) and isinstance(received, dict):
        for key in expected:
            if key not in received:
                return _problem("missing-key", what, key=repr(key))
            problem = mismatch(expected[key], received[key], atol, rtol, repr(key))
            if problem:
                return Problem(_say("nested", what=what, problem=problem), problem.kind)
        extra = sorted(set(received) - set(expected))
        return _problem("unexpected-keys", what, keys=extra) if extra else None
    if isinstance(expected, list) and isinstance(received, list | tuple):
        if len(received) != len(expected):
            return _problem("n-entries", what, n=len(expected), m=len(received))
        for i, (e, r) in enumerate(zip(expected, received, strict=True)):
            problem = mismatch(e, r, atol, rtol, _say("entry", index=i + 1))
            if problem:
                return Problem(_say("nested", what=what, problem=problem), problem.kind)
        return None
    if expected is None or received is None:
        if expected is received:
            return None
        return _problem("differs", what, expected=_show(expected), received=_show(received))
    try:
        differ = bool(expected != received)
    except (TypeError, ValueError):  # e.g. an array against a string: not the same thing
        differ = True
    if differ:
        return _problem("differs", what, expected=_show(expected), received=_show(received))
    return None


# ---------------------------------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------------------------------


def run_case(spec: dict, case: dict, answer: Any, observed: dict | None = None) -> Any:
    """What ``answer`` gives for one stored case (called with the case's arguments, then described).

    Raises ``ExerciseError`` when the call changes one of its arguments in place (arrays, lists and
    dicts are compared with copies taken before the call; a random generator is meant to advance).
    ``observed``, if given, receives ``rng_after``: for each generator argument, its whole state after
    the call (so a check can tell whether the answer drew exactly what it should).
    """
    if spec.get("call", True):
        if not callable(answer):
            raise TypeError(f"expected a function, received {type(answer).__name__}")
        args, kwargs = decode(case.get("args", [])), decode(case.get("kwargs", {}))
        before = copy.deepcopy((args, kwargs))
        generators = _global_generators()
        with _fixed_precision(spec.get("describe_options", {}).get("dtype", False)):
            result = answer(*args, **kwargs)
        changed = _changed_argument(answer, (args, kwargs), before)
        if changed:
            raise ArgumentChanged(changed)
        after = _global_generators()
        # building a Keras model draws its initialisers' seeds from Python's random: for a model
        # only numpy's global generator must stay as it was (keras.utils.set_random_seed resets it)
        if spec.get("reseeds"):  # the function is meant to re-seed (its docstring says so)
            pass
        elif (after != generators) if not spec.get("describe") else (after[:5] != generators[:5]):
            raise ArgumentChanged(GLOBAL_STATE)
        if observed is not None:  # where each generator argument stands after the call
            observed["rng_after"] = [
                _rng_state(a) for a in [*args, *kwargs.values()] if isinstance(a, np.random.Generator)
            ]
    else:
        result = answer
    if case.get("select") is not None:  # one of several returned values, e.g. J of (J, grad)
        result = _select(result, case["select"], spec)
    if spec.get("describe"):
        result = DESCRIBE[spec["describe"]](result, **spec.get("describe_options", {}))
    if spec.get("evaluate"):
        result = EVALUATE[spec["evaluate"]](result)
    return result


#: The Keras precision policy a model is built under when its layers' dtypes are checked: not the
#: machine's own (float32 on CI, mixed_bfloat16 on this course's CPU, mixed_float16 on a GPU), so
#: the description is the same everywhere, and a mixed one, so a layer that should be float32 but
#: was not given ``dtype="float32"`` shows it.
CHECK_POLICY = "mixed_float16"


@contextlib.contextmanager
def _fixed_precision(active: bool):
    if not active:
        yield
        return
    import keras

    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(CHECK_POLICY)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)


def _rng_state(rng: np.random.Generator) -> dict:
    """A generator's whole state as data, the half-used 32-bit word included."""
    return json.loads(json.dumps(rng.bit_generator.state))


class ArgumentChanged(Exception):
    """The answer modified one of its arguments in place (the value is the argument's name), or the
    global random generators (the value is ``GLOBAL_STATE``)."""


#: What ArgumentChanged carries when the answer changed numpy's or Python's global random generator.
GLOBAL_STATE = "the global random generator"


def _global_generators() -> tuple:
    """The state of numpy's and Python's global random generators, comparable with ==."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    tf_seed = None
    if "tensorflow" in sys.modules:  # tf.random.set_seed: the global seed of TensorFlow's ops
        try:
            from tensorflow.python.eager import context

            tf_seed = context.global_seed()
        except (ImportError, AttributeError):
            tf_seed = None
    return (name, keys.tobytes(), pos, has_gauss, cached, random.getstate(), tf_seed)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.random.Generator) or callable(a):
        return True  # a generator is there to be drawn from; a function argument is not data
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # an object without a plain equality (a model, a data set): not compared
        return True


def _changed_argument(answer: Any, after: tuple, before: tuple) -> str | None:
    (args, kwargs), (args0, kwargs0) = after, before
    try:
        params = list(inspect.signature(answer).parameters)
    except (TypeError, ValueError):
        params = []
    for i, (a, b) in enumerate(zip(args, args0, strict=True)):
        if not _same(a, b):
            named = _say("argument", index=i + 1)
            return f"`{params[i]}` ({named})" if i < len(params) else named
    for key in kwargs:
        if not _same(kwargs[key], kwargs0[key]):
            return f"`{key}`"
    return None


CHANGED_HINT = (
    "a function must not modify the arrays it is given: the caller still needs them (a plot of "
    "the starting point, the next call with the same data). Work on a new array — "
    "`theta = theta - alpha * grad` makes one, `theta -= alpha * grad` changes the caller's; "
    "or start with `x = x.copy()`."
)
GLOBAL_HINT = (
    "leave global state alone: no np.random.seed(...), np.random.* draws, tf.random.set_seed(...) or "
    "keras.utils.set_random_seed(...) inside the function (they change every later random number of "
    "the notebook); use the arguments you are given."
)
RNG_USE_HINT = (
    "draw from `rng` exactly what the docstring says and nothing else: whatever draws from the same "
    "generator next (the next epoch's order, the next layer's weights) must get the same numbers "
    "as with the course's version."
)
RANDOM_HINT = (
    "draw every random number from the `rng` argument (rng.uniform, rng.permutation, ...), never "
    "from np.random.* or a new default_rng(): called twice with the same seeded rng, the function "
    "must give the same result."
)
#: The hints every exercise may get (its own hints are in its data file), by their key in the catalogue.
COMMON_HINTS = {
    "default": DEFAULT_HINT,
    "changed": CHANGED_HINT,
    "global": GLOBAL_HINT,
    "rng-use": RNG_USE_HINT,
    "random": RANDOM_HINT,
}


def _select(result: Any, index: int, spec: dict) -> Any:
    if not isinstance(result, tuple | list) or len(result) <= index:
        function = spec.get("function", "the function")
        raise ExerciseError(_say("not-a-tuple", function=function, index=index + 1, received=_show(result)))
    return result[index]


def _fashion_test_accuracy(model: Any) -> float:
    """Accuracy of a trained Keras model on the full 10,000-image Fashion-MNIST test set.

    The images go in as the notebook's ``to_input`` makes them: float32 in [0, 1], shape (28, 28, 1).
    """
    from helpers import data

    (_, _), (x_test, y_test) = data.load_fashion_mnist("quick")  # the test set is the same in both
    x = (x_test.astype("float32") / 255.0)[..., None]
    probs = np.asarray(model.predict(x, batch_size=1000, verbose=0))
    return float((probs.argmax(axis=-1) == y_test).mean())


EVALUATE: dict[str, Callable[[Any], Any]] = {"fashion_test_accuracy": _fashion_test_accuracy}


def _where(exc: BaseException, function: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).name != "exercises.py"]
    if not frames:
        return ""
    f = frames[-1]
    place = _say("your-code") if f.name == function else f"{f.name}"
    return _say("where", place=place, line=f.lineno, source=(f.line or "").strip())


@contextlib.contextmanager
def _random_state_kept():
    """Leave every random generator as it was: a check must not change the notebook's later results.

    Saves and restores Python's and numpy's global generators, TensorFlow's global seed where an
    answer changed it, and, when Keras is imported, its global seed generator and layer-name
    counters (Keras 3 draws initialiser seeds from Python's ``random``).
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    tf_seed = _global_generators()[-1]
    keras_state = None
    if "keras" in sys.modules:
        try:
            from keras.src.backend.common import global_state

            gen = global_state.get_global_attribute("global_seed_generator")
            names = global_state.get_global_attribute("object_name_uids")
            keras_state = (
                global_state,
                gen,
                None if gen is None else np.array(gen.state.value),
                copy.copy(names),
            )
        except (ImportError, AttributeError):  # another Keras layout: nothing more to keep
            keras_state = None
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        if _global_generators()[-1] != tf_seed:  # an answer called tf.random.set_seed: undo it
            import tensorflow as tf

            tf.random.set_seed(tf_seed)
        if keras_state is not None:
            global_state, gen, value, names = keras_state
            if gen is None:
                global_state.set_global_attribute("global_seed_generator", None)
            else:
                gen.state.assign(value)
            if names is not None:
                global_state.set_global_attribute("object_name_uids", names)


def _run_checked(
    spec: dict, case: dict, answer: Any, label: str, function: str, observed: dict | None = None
) -> Any:
    try:
        with _random_state_kept():
            received = run_case(spec, case, answer, observed)
            if inspect.isgenerator(received):
                raise ExerciseError(_say("generator", label=label, case=_case(case)))
            if spec.get("deterministic"):
                again = run_case(spec, case, answer)
                if mismatch(received, again, 0.0, 0.0) is not None:
                    raise ExerciseError(
                        _say("not-deterministic", label=label, case=_case(case), hint=_hint(RANDOM_HINT))
                    )
        return received
    except NotImplementedError:
        raise ExerciseError(_say("not-implemented", label=label, function=function)) from None
    except ExerciseError:
        raise
    except ArgumentChanged as changed:
        if str(changed) == GLOBAL_STATE and spec.get("deterministic"):  # np.random.* for the rng
            raise ExerciseError(
                _say("numpy-global-rng", label=label, case=_case(case), hint=_hint(RANDOM_HINT))
            ) from None
        if str(changed) == GLOBAL_STATE:
            raise ExerciseError(
                _say("global-rng", label=label, case=_case(case), hint=_hint(GLOBAL_HINT))
            ) from None
        hint = _hint(spec.get("changed_hint", CHANGED_HINT))
        raise ExerciseError(
            _say("changed", label=label, case=_case(case), changed=changed, hint=hint)
        ) from None
    except Exception as exc:  # the student's code failed: say where, not a traceback wall
        error, where = f"{type(exc).__name__}: {exc}", _where(exc, function)
        hint = _hint(spec.get("hint", DEFAULT_HINT))
        raise ExerciseError(
            _say("raised", label=label, case=_case(case), error=error, where=where, hint=hint)
        ) from None


def _float_for_int(expected: Any, received: Any) -> bool:
    """A count or size (a stored int) returned as a float, e.g. 2.0 from np.floor(...) + 1."""
    if isinstance(expected, bool) or not isinstance(expected, int):
        return False
    return isinstance(received, float | np.floating) or (
        isinstance(received, np.ndarray) and received.ndim == 0 and received.dtype.kind == "f"
    )


def check(exercise_id: str, answer: Any, *, part: str | None = None) -> None:
    """Check an exercise: run every stored case (or only those of ``part``) on ``answer``.

    Prints one line on success; raises ``ExerciseError`` naming the case, the expected and received
    values and a hint on the first failing case.  ``answer`` is usually the student's function.
    """
    spec = _spec(exercise_id)
    _check_cases(exercise_id, spec, spec["cases"], answer, part)


def _check_cases(exercise_id: str, spec: dict, all_cases: list[dict], answer: Any, part: str | None) -> None:
    parts = spec.get("parts", {})
    if part is not None and part not in parts:
        raise KeyError(f"{exercise_id} has no part {part!r}; its parts: {', '.join(parts) or 'none'}")
    cases = [c for c in all_cases if part is None or c.get("part") == part]
    label = exercise_id if part is None else f"{exercise_id} ({parts[part]})"
    function = spec.get("function", exercise_id.split(".")[-1])
    wrong_type = None
    for case in cases:
        observed: dict = {}
        received = _run_checked(spec, case, answer, label, function, observed)
        expected = decode(case["expect"])
        problem = mismatch(expected, received, case.get("atol", 1e-6), case.get("rtol", 1e-6))
        if problem is None and "rng_after" in case and observed.get("rng_after") != case["rng_after"]:
            raise ExerciseError(_say("rng-drawn", label=label, case=_case(case), hint=_hint(RNG_USE_HINT)))
        if problem is None and _float_for_int(expected, received):
            # the right number as a float: reported after the other cases, whose wrong values
            # (if any) say more about the mistake
            wrong_type = wrong_type or _say(
                "float-for-int",
                label=label,
                case=_case(case),
                expected=expected,
                received=repr(received),
                hint=_hint(spec.get("hint", DEFAULT_HINT)),
            )
            continue
        if problem is None:
            continue
        hint = None
        for mistake in case.get("mistakes", []):
            if (
                mismatch(decode(mistake["expect"]), received, case.get("atol", 1e-6), case.get("rtol", 1e-6))
                is None
            ):
                hint = mistake["hint"]
                break
        if hint is None and problem.kind == "shape" and spec.get("shape_hint"):
            hint = spec["shape_hint"]
        hint = _hint(hint or spec.get("hint", DEFAULT_HINT))
        raise ExerciseError(_say("wrong", label=label, case=_case(case), problem=problem, hint=hint))
    if wrong_type:
        raise ExerciseError(wrong_type)
    n = len(cases)
    print(_say("passed", label=label, n=n, s="s" if n != 1 else ""))


# ---------------------------------------------------------------------------------------------------
# Notebooks: check, and go on with the course's version when the answer is not right yet
# ---------------------------------------------------------------------------------------------------

#: Where the solutions edition lives: notebooks/ beside this package (``ML2DL_SOLUTIONS`` overrides).
SOLUTIONS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
COURSE_VERSION = "__ml2dl_course_version__"


def _executable(source: str) -> str:
    # IPython magics and shell escapes are not Python: leave them out.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def course_namespace(notebook: str, solutions_dir: str | Path | None = None) -> dict[str, Any]:
    """A solutions notebook's functions, without running the notebook.

    Executes, in order, every ``import``, ``def``, ``class`` and upper-case constant
    (``EPSILON = 0.12``) of the notebook's code cells; nothing else runs (no training, no data).
    """
    import nbformat

    folder = Path(solutions_dir or os.environ.get("ML2DL_SOLUTIONS") or SOLUTIONS_DIR)
    path = folder / notebook
    if not path.is_file():
        raise FileNotFoundError(
            f"the solutions edition {path} is not here, so the course's version cannot stand in; "
            "get the whole course (git clone), or set ML2DL_SOLUTIONS to its notebooks/ folder"
        )
    nb = nbformat.read(path, as_version=4)
    ns: dict[str, Any] = {"__name__": f"solutions:{notebook}"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_executable(cell.source))
        for node in tree.body:
            keep = isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef)
            constant = isinstance(node, ast.Assign) and all(
                isinstance(t, ast.Name) and t.id.isupper() for t in node.targets
            )
            if not (keep or constant):
                continue
            code = compile(ast.Module(body=[node], type_ignores=[]), path.name, "exec")
            try:
                exec(code, ns)  # noqa: S102 - the course's own notebook
            except Exception:
                if not constant:
                    raise
    return ns


@functools.cache
def _cached_namespace(notebook: str, folder: str) -> dict[str, Any]:
    return course_namespace(notebook, folder)


def course_version(exercise_id: str) -> Any:
    """The course's own version of an exercise's function (from the solutions edition)."""
    spec = _spec(exercise_id)
    folder = os.environ.get("ML2DL_SOLUTIONS") or str(SOLUTIONS_DIR)
    function = spec.get("function", exercise_id.split(".")[-1])
    fn = _cached_namespace(spec["notebook"], folder)[function]
    with contextlib.suppress(AttributeError):  # a builtin has no __dict__: nothing to mark
        setattr(fn, COURSE_VERSION, True)
    return fn


RED, RESET = "\x1b[0;31m", "\x1b[0m"


def checked(exercise_id: str, answer: Any, *, part: str | None = None) -> Any:
    """Check ``answer`` like :func:`check`; return what the rest of the notebook should use.

    Right: prints ✓ and returns ``answer``.  Not right yet (a stub, a wrong value, an error): prints
    the ✗ message with its hint and returns the course's version of the function, saying so, so
    that every later cell runs; run the cell defining your function and this one again once it is
    fixed.  Under nbgrader's autograder it does the same (each exercise is graded on its own, by
    :func:`grade`, and a wrong ``compute_cost`` does not fail the exercises that call it); where the
    solutions edition runs (``ML2DL_STRICT_CHECKS`` set) a failure raises instead.
    """
    spec = _spec(exercise_id)
    function = spec.get("function", exercise_id.split(".")[-1])
    if getattr(answer, COURSE_VERSION, False):
        print(_say("still-course", function=function))
        return answer
    _ANSWERS[(exercise_id, part)] = answer  # what grade() grades: the student's own, not a stand-in
    try:
        check(exercise_id, answer, part=part)
        return answer
    except KeyboardInterrupt:
        if not os.environ.get("NBGRADER_EXECUTION"):
            raise  # a student's own Stop: stop
        # the autograder interrupted a cell that ran past its time limit: go on like a failed check,
        # so the exercises after this one are graded on their own, not stopped by the same loop
        err = ExerciseError(
            f"✗ {exercise_id}: stopped — `{function}` ran past the autograder's time limit for one cell "
            "(an endless loop?)"
        )
    except ExerciseError as exc:
        if os.environ.get("ML2DL_STRICT_CHECKS"):
            raise
        err = exc
    # a failed check: say why, and go on with the course's version
    print(f"{RED}{err}{RESET}")
    if not spec.get("call", True):  # a trained model, not a function: nothing to stand in
        print(_say("goes-on", function=function))
        return answer
    try:
        fallback = course_version(exercise_id)
    except Exception as exc:  # noqa: BLE001 - say why, and keep the student's own
        print(f"→ the course's version of `{function}` is not available ({exc}); keeping yours.")
        return answer
    print(_say("using-course", function=function))
    return fallback


# ---------------------------------------------------------------------------------------------------
# Grading with hidden cases (nbgrader's autograder; tools/grading.py builds the assignments)
# ---------------------------------------------------------------------------------------------------

#: (exercise id, part) -> the answer the student's check cell passed to :func:`checked` last.
_ANSWERS: dict[tuple[str, str | None], Any] = {}
#: The folder of the hidden cases, one ``<notebook>.json`` per notebook (the instructor's, never the
#: students': tools/grading.py writes it into the grading folder and its nbgrader_config.py sets this).
HIDDEN_ENV = "ML2DL_HIDDEN_CASES"


def _hidden_cases(exercise_id: str) -> list[dict]:
    folder = os.environ.get(HIDDEN_ENV)
    if not folder:
        raise ExerciseError(
            f"{exercise_id}: this cell is the instructor's grading cell; its cases are not on this "
            f"machine ({HIDDEN_ENV} is not set). Students: run the check cell above it instead."
        )
    spec = _spec(exercise_id)
    path = Path(folder) / (Path(spec["notebook"]).stem + ".json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc["exercises"][exercise_id]["cases"]
    except (OSError, ValueError, KeyError) as exc:
        raise ExerciseError(
            f"{exercise_id}: the hidden cases are missing or unreadable ({path}: {exc}); "
            "instructors: run `make assignment` again to write them"
        ) from None


def grade(exercise_id: str, *, part: str | None = None) -> None:
    """Grade the student's answer to ``exercise_id`` on the hidden cases (the autograder's cell).

    The answer graded is the one the notebook's own check cell passed to :func:`checked` (the
    student's function, even where the notebook went on with the course's version).  The cases are
    the catalogue's, with other numbers (tools/grading.py), so an answer written to hit the visible
    check's expected values earns nothing.  Raises ``ExerciseError`` with the case and a hint.
    """
    spec = _spec(exercise_id)
    if (exercise_id, part) not in _ANSWERS:
        raise ExerciseError(
            f"✗ {exercise_id}: no answer to grade — its check cell did not run to the point of "
            f"calling checked() (was `{spec.get('function', exercise_id.split('.')[-1])}` defined? "
            "see the error above it)"
        )
    _check_cases(exercise_id, spec, _hidden_cases(exercise_id), _ANSWERS[(exercise_id, part)], part)
