"""Profile switch, seeding, device summary and metric recording."""

from __future__ import annotations

import json

import numpy as np
import pytest

import helpers
from helpers import runtime


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("ML2DL_PROFILE", "CI", "ML2DL_METRICS_FILE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_students_get_the_full_profile_by_default(clean_env):
    assert runtime.get_profile() == "full"


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_ci_gets_the_quick_profile(clean_env, ci):
    clean_env.setenv("CI", ci)
    assert runtime.get_profile() == "quick"


def test_ci_false_is_not_ci(clean_env):
    clean_env.setenv("CI", "false")
    assert runtime.get_profile() == "full"


def test_variable_beats_ci_and_argument_beats_variable(clean_env):
    clean_env.setenv("CI", "true")
    clean_env.setenv("ML2DL_PROFILE", "FULL")
    assert runtime.get_profile() == "full"
    assert runtime.get_profile("quick") == "quick"


def test_unknown_profile_is_a_clear_error(clean_env):
    clean_env.setenv("ML2DL_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"'fast'.*ML2DL_PROFILE.*'quick'.*'full'"):
        runtime.get_profile()


def test_set_seed_makes_numpy_repeatable():
    helpers.set_seed(7)
    first = np.random.rand(3)
    helpers.set_seed(7)
    np.testing.assert_array_equal(np.random.rand(3), first)
    helpers.set_seed(8)
    assert not np.array_equal(np.random.rand(3), first)


def test_set_seed_seeds_keras_once_tensorflow_is_imported():
    import keras
    import tensorflow as tf  # noqa: F401  (imported so set_seed seeds it)

    helpers.set_seed(3)
    first = keras.random.uniform((4,)).numpy()
    helpers.set_seed(3)
    np.testing.assert_array_equal(keras.random.uniform((4,)).numpy(), first)


def test_device_summary_is_one_line_naming_tensorflow_and_devices(clean_env):
    import tensorflow as tf

    summary = helpers.device_summary()
    assert "\n" not in summary
    assert f"TensorFlow {tf.__version__}" in summary
    assert "CPU:0" in summary and "profile: full" in summary


def test_record_metric_returns_the_value_and_writes_only_under_make_run(clean_env, tmp_path):
    assert helpers.record_metric("acc", 0.5) == 0.5
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "m.jsonl"
    clean_env.setenv("ML2DL_METRICS_FILE", str(target))
    helpers.record_metric("acc", np.float32(0.25))
    helpers.record_metric("epochs", np.int64(3))
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines == [{"name": "acc", "value": 0.25}, {"name": "epochs", "value": 3}]
