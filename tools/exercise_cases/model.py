"""The exercise catalogue's types: what a case module (one per notebook, beside this file) is made of.

``Exercise`` is one graded function of a notebook, ``Case`` one input to call it with (and the
mistakes that input exposes), ``Data``/``Rng``/``AtLeast`` special arguments and expected values.
The edition builder (``tools/student.py``) reads the modules through ``tools.exercise_cases``; nothing
here imports the builder.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# --- hints shared by the exercises that build a Keras model (cnn_mnist, vgg_augmentation_transfer) ----
DILATION = (
    "plain (undilated) 3×3 convolutions: leave dilation_rate at its default 1 — dilation_rate=2 spreads "
    "the 9 weights over a 5×5 area."
)
BIAS_INIT = "the docstring's layers use Keras's defaults: no bias_initializer (the biases start at zero)."
REGULARIZER = (
    "the docstring's layers use Keras's defaults: no kernel_regularizer (the network is regularised by "
    "dropout alone)."
)
SEED = "global random generator"  # the grader's message when the builder seeds numpy (set_random_seed)


@dataclass(frozen=True)
class Data:
    """A case argument read from the course data at check time (a key of ``helpers.exercises.DATA``)."""

    name: str


@dataclass
class Case:
    """One input for an exercise; ``mistakes`` are (wrong implementation, hint) pairs.

    ``expect`` stores a value instead of computing it from the solution (e.g. ``AtLeast(0.9)``).
    ``select`` compares only that element of the returned tuple (``select=0``: J of ``(J, grad)``),
    so several parts of one function can be checked separately.
    """

    name: str
    args: Sequence[Any] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    part: str | None = None
    atol: float = 1e-6
    rtol: float = 1e-6
    mistakes: Sequence[tuple[Callable[..., Any], str]] = ()
    expect: Any = None
    select: int | None = None


@dataclass(frozen=True)
class Rng:
    """A case argument that is a fresh ``np.random.default_rng(seed)`` each time the case runs."""

    seed: int


@dataclass(frozen=True)
class AtLeast:
    """An expected value that is a lower bound (an accuracy target).

    ``value`` is one number, one per data profile (``{"quick": 0.79, "full": 0.92}``: the grader
    compares with the target of the profile it runs under), or the name of a metric whose bar
    ``helpers.bound`` derives from the committed runs (course.toml ``bounds``; tools/bounds.py).
    """

    value: float | dict[str, float] | str


@dataclass
class Exercise:
    """One graded exercise: its id (``<notebook>.<name>``), the notebook function it checks, its cases.

    ``describe``/``evaluate`` name a helper in ``helpers.exercises`` applied to the answer's result
    (``keras_model``, ``callback``; ``fashion_test_accuracy``); ``call=False``
    checks the answer itself (e.g. a trained model) instead of calling it.
    ``solution_checked_by_notebook`` marks an exercise whose solution cannot be had without running
    the notebook (a trained model): the solutions notebook's own check cell, run by nbval, is its test.
    """

    id: str
    function: str
    cases: list[Case]
    hint: str
    shape_hint: str | None = None
    parts: dict[str, str] = field(default_factory=dict)
    call: bool = True
    describe: str | None = None
    evaluate: str | None = None
    solution_checked_by_notebook: bool = False
    #: The mistake catalogue: (wrong implementation, its hint) pairs a student would plausibly write.
    #: Each is run on every case; where its result differs from the solution's, the result is stored
    #: so that an answer giving it gets that hint.  A mistake caught by a property instead of a value
    #: (an argument changed in place, an ignored rng) gets the grader's hint for that property.
    #: ``make test`` checks every mistake is rejected with its own hint (tests/test_exercises.py).
    mistakes: Sequence[tuple[Callable[..., Any], str]] = ()
    #: Correct implementations written another way (loop vs vectorised, another formula, another
    #: valid spelling of a layer); ``make test`` checks each one passes.
    alternatives: Sequence[Callable[..., Any]] = ()
    #: The function draws from an ``rng`` argument: the check calls it twice per case and requires
    #: the same result (so it draws from that rng only).
    deterministic: bool = False
    #: Options for the ``describe`` helper (e.g. ``{"names": True, "dtype": True}`` for a model).
    describe_options: dict[str, Any] = field(default_factory=dict)
    #: The hint for an answer that changes an argument in place (default: the grader's own).
    changed_hint: str | None = None
    #: The function re-seeds the global generators on purpose (its docstring says so), so the rule
    #: that an answer leaves them alone does not apply.
    reseeds: bool = False

    def catalogue(self) -> list[tuple[Callable[..., Any], str]]:
        """Every catalogued mistake of this exercise: exercise-level and per-case, each once.

        A hint is the text the check's message must contain for that mistake; two different
        mistakes of one exercise may not share a hint (each gets its own)."""
        seen: dict[str, Callable[..., Any]] = {}
        for wrong, hint in [*self.mistakes, *(m for c in self.cases for m in c.mistakes)]:
            if seen.setdefault(hint, wrong) is not wrong:
                raise ValueError(f"{self.id}: two mistakes share the hint {hint!r}; give each its own")
        return [(wrong, hint) for hint, wrong in seen.items()]


@contextlib.contextmanager
def fresh_layer_names():
    """For case modules: Keras numbers unnamed layers per process (conv2d_7, ...); number them as in
    a fresh kernel while a mistake builds its model, so what is stored for it does not depend on what
    was built before."""
    from keras.src.backend.common import global_state

    saved = global_state.get_global_attribute("object_name_uids")
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    try:
        yield
    finally:
        global_state.set_global_attribute("object_name_uids", saved)
