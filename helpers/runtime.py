"""Runtime switches every notebook uses in its Setup cell: profile, seed, device summary, metrics."""

from __future__ import annotations

import json
import os
import platform
import random
import sys

import numpy as np

PROFILES = ("quick", "full")


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


def set_seed(seed: int = 42) -> None:
    """Seed Python, numpy and, if TensorFlow/Keras is already imported, Keras (which seeds TF).

    Import TensorFlow before calling this in TF notebooks so its generators are seeded too.
    Note: with the global seed set, Keras 3 ``fit(shuffle=True)`` on arrays uses the same
    permutation every epoch; a ``tf.data`` pipeline with ``.shuffle(n, seed=...)`` reshuffles each
    epoch and stays repeatable (shown in notebooks/day3/training_kit.ipynb).
    """
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)


def device_summary() -> str:
    """One line: Python, numpy, TensorFlow (if imported) and the devices TF will use."""
    parts = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        devices = tf.config.list_physical_devices()
        names = [d.name.replace("/physical_device:", "") for d in devices]
        gpu = any(d.device_type == "GPU" for d in devices)
        parts.append(f"TensorFlow {tf.__version__}")
        parts.append(f"devices: {', '.join(names)}" + ("" if gpu else " (no GPU: training on CPU)"))
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


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value
