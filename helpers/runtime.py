"""Runtime switches every notebook uses in its Setup cell: profile, seed, device summary, metrics."""

from __future__ import annotations

import json
import os
import platform
import random
import sys
from pathlib import Path

import numpy as np

PROFILES = ("quick", "full")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
COURSE_SEED = 42
#: CPU features that make bfloat16 matrix products fast (AVX-512 BF16, Intel AMX). Without them
#: TensorFlow emulates bfloat16 on the CPU and mixed precision is slower than float32.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def _truthy(value: str | None) -> bool:
    return bool(value) and value.strip().lower() not in {"0", "false", "no", "off"}


def get_profile(profile: str | None = None) -> str:
    """The data profile: ``"quick"`` (small, minutes on a laptop CPU) or ``"full"``.

    An explicit argument wins, then ``ML2DL_PROFILE``; otherwise ``quick`` when the ``CI``
    variable is set, and ``full`` for students.
    """
    source = "argument"
    if profile is None:
        profile, source = os.environ.get("ML2DL_PROFILE") or None, "ML2DL_PROFILE"
    if profile is None:
        return "quick" if _truthy(os.environ.get("CI")) else "full"
    value = str(profile).strip().lower()
    if value not in PROFILES:
        raise ValueError(
            f"Unknown profile {profile!r} (from {source}). Use 'quick' (small data, for CI and "
            "slow machines) or 'full' (the whole datasets), e.g. ML2DL_PROFILE=quick."
        )
    return value


def gpu_memory_growth() -> list[str]:
    """Let TensorFlow take GPU memory as it needs it instead of all of it at start-up.

    By default each TensorFlow process reserves nearly all of every GPU's memory, so a second open
    notebook's kernel dies. The Setup cell's helpers (:func:`set_seed`, :func:`device_summary`,
    :func:`fastest_precision`) call this as soon as TensorFlow is imported, before it uses a GPU.
    Returns the GPUs set to grow (empty without TensorFlow or GPUs). Once TensorFlow has started
    using a GPU the setting cannot change any more; that is left as it is (no error).
    """
    if "tensorflow" not in sys.modules:
        return []
    import tensorflow as tf

    grown = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
            grown.append(getattr(gpu, "name", str(gpu)))
        except (RuntimeError, ValueError):  # already initialised: too late to change, keep going
            pass
    return grown


def course_seed(seed: int = COURSE_SEED) -> int:
    """``seed`` as this run should use it: shifted by ``ML2DL_SEED - 42`` when ``ML2DL_SEED`` is set.

    Use it wherever a notebook seeds its own generator (``np.random.default_rng(helpers.course_seed(42))``)
    so that ``make run SEED=...`` changes that randomness too.
    """
    override = os.environ.get("ML2DL_SEED", "").strip()
    if not override:
        return seed
    try:
        shift = int(override) - COURSE_SEED
    except ValueError:
        raise ValueError(f"ML2DL_SEED must be an integer, got {override!r}") from None
    return (seed + shift) % 2**32  # numpy accepts seeds 0 .. 2**32 - 1


def set_seed(seed: int = COURSE_SEED) -> int:
    """Seed Python, numpy and, if TensorFlow/Keras is already imported, Keras (which seeds TF).

    Returns the seed used (see :func:`course_seed`). ``ML2DL_SEED`` (``make run SEED=...``) re-runs a
    notebook with another seed, to measure how much its results vary: every call is shifted by the
    same amount, so ``set_seed(42)`` uses ``ML2DL_SEED`` and ``set_seed(43)`` uses ``ML2DL_SEED + 1``.

    Import TensorFlow before calling this in TF notebooks so its generators are seeded too.
    Note: with the global seed set, Keras 3 ``fit(shuffle=True)`` on arrays uses the same
    permutation every epoch; a ``tf.data`` pipeline with ``.shuffle(n, seed=...)`` reshuffles each
    epoch and stays repeatable (shown in notebooks/day3/tensorboard_shuffling.ipynb).
    """
    seed = course_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    gpu_memory_growth()  # the first helper a Setup cell calls after importing TensorFlow
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    return seed


def cpu_flags() -> set[str]:
    """The CPU feature flags Linux reports in /proc/cpuinfo (empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def fastest_precision() -> str:
    """The Keras dtype policy that trains fastest on this machine without hurting accuracy.

    ``mixed_float16`` on a GPU (tensor cores), ``mixed_bfloat16`` on a CPU that computes bfloat16
    natively (AVX-512 BF16 or AMX), ``float32`` elsewhere: on other CPUs bfloat16 is emulated and
    slower. ``ML2DL_PRECISION`` overrides the choice (one of :data:`PRECISIONS`).
    """
    override = os.environ.get("ML2DL_PRECISION", "").strip().lower()
    if override:
        if override not in PRECISIONS:
            raise ValueError(f"ML2DL_PRECISION={override!r} is not one of {', '.join(PRECISIONS)}")
        return override
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        gpu_memory_growth()
        if tf.config.list_physical_devices("GPU"):
            return "mixed_float16"
    if cpu_flags() & set(BF16_CPU_FLAGS):
        return "mixed_bfloat16"
    return "float32"


def use_fastest_precision() -> str:
    """Set Keras's global dtype policy to :func:`fastest_precision` and return its name.

    Layers created afterwards compute in that precision and keep float32 weights; give the output
    layer ``dtype="float32"`` so the softmax and the loss stay in float32.
    """
    import keras

    policy = fastest_precision()
    keras.mixed_precision.set_global_policy(policy)
    return policy


def device_summary() -> str:
    """One line: Python, numpy, TensorFlow (if imported) and the devices TF will use."""
    parts = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        gpu_memory_growth()
        devices = tf.config.list_physical_devices()
        names = [d.name.replace("/physical_device:", "") for d in devices]
        gpu = any(d.device_type == "GPU" for d in devices)
        parts.append(f"TensorFlow {tf.__version__}")
        parts.append(f"devices: {', '.join(names)}" + ("" if gpu else " (no GPU: training on CPU)"))
        import keras

        parts.append(f"precision: {keras.mixed_precision.global_policy().name}")
    parts.append(f"profile: {get_profile()}")
    return " | ".join(parts)


def record_metric(name: str, value):
    """Return ``value``; under ``make run`` also append it to the results table.

    ``make run`` sets ``ML2DL_METRICS_FILE`` for each notebook it executes; elsewhere this only
    returns the value, so notebooks can call it unconditionally.
    """
    path = os.environ.get("ML2DL_METRICS_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"name": name, "value": _plain(value)}) + "\n")
    return value


BOUNDS_FILE = Path(__file__).with_name("bounds.json")


def bound(metric: str, profile: str | None = None) -> float:
    """The bar a notebook asserts ``metric`` against under ``profile`` (default: the current one).

    It is not typed by hand: ``make readme`` derives it from the committed runs over several seeds
    (the worst seed minus a margin; tools/bounds.py says how) and writes it to helpers/bounds.json.
    In a calibration run (``ML2DL_CALIBRATE=1``, the runs that set the bars) every bar is open.
    """
    profile = get_profile(profile)
    try:
        table = json.loads(BOUNDS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"helpers/bounds.json is missing or unreadable ({exc}): git checkout helpers/bounds.json"
        ) from None
    entry = table.get(profile, {}).get(metric)
    if entry is None:
        raise KeyError(
            f"no {profile}-profile bar for {metric!r} in helpers/bounds.json: declare it in course.toml "
            "(bounds), then run `make readme`"
        )
    if _truthy(os.environ.get("ML2DL_CALIBRATE")):
        return float("inf") if entry.get("side") == "at most" else float("-inf")
    if entry.get("bound") is None:
        raise KeyError(
            f"the {profile}-profile bar for {metric!r} is not measured yet: run "
            f"`ML2DL_CALIBRATE=1 make run PROFILE={profile} INTO=results/{profile}-seed42.json` "
            "(and SEED=1, SEED=2) on a quiet machine, then `make readme`"
        )
    return entry["bound"]


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def show_source(*objects) -> None:
    """Print the source code of functions or classes: a notebook shows what it imports from helpers/
    where the course teaches it (d2l's habit), instead of keeping a copy."""
    import inspect

    for obj in objects:
        print(inspect.getsource(obj))
