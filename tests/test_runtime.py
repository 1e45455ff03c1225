"""Profile switch, seeding, device summary and metric recording."""

from __future__ import annotations

import json

import numpy as np
import pytest

import helpers
from helpers import runtime


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("ML2DL_PROFILE", "CI", "ML2DL_METRICS_FILE", "ML2DL_SEED", "ML2DL_PRECISION"):
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


def test_ml2dl_seed_shifts_every_seed_by_the_same_amount(clean_env):
    assert runtime.set_seed(42) == 42 and runtime.set_seed(7) == 7  # no override: as called
    first = np.random.rand(3)
    clean_env.setenv("ML2DL_SEED", "1")
    assert runtime.set_seed(42) == 1 and runtime.set_seed(43) == 2
    runtime.set_seed(42)
    assert not np.allclose(np.random.rand(3), first)  # another seed, other numbers
    runtime.set_seed(42)
    again = np.random.rand(3)
    runtime.set_seed(42)
    np.testing.assert_array_equal(np.random.rand(3), again)  # and still repeatable
    clean_env.setenv("ML2DL_SEED", "one")
    with pytest.raises(ValueError, match="ML2DL_SEED must be an integer"):
        runtime.set_seed()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512f", "avx512_bf16"}, "mixed_bfloat16"),
        ({"avx2", "amx_bf16", "amx_tile"}, "mixed_bfloat16"),
        ({"avx2", "avx512f"}, "float32"),  # bfloat16 would be emulated: slower
        (set(), "float32"),  # not Linux / unknown CPU
    ],
)
def test_fastest_precision_follows_the_cpu_flags(clean_env, monkeypatch, flags, expected):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: flags)
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible: the choice is mixed_float16 whatever the CPU")
    assert runtime.fastest_precision() == expected


def test_fastest_precision_prefers_float16_on_a_gpu(clean_env, monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(runtime, "cpu_flags", lambda: set())
    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else []
    )
    assert runtime.fastest_precision() == "mixed_float16"


def test_precision_override_and_its_error(clean_env):
    clean_env.setenv("ML2DL_PRECISION", "float32")
    assert runtime.fastest_precision() == "float32"
    clean_env.setenv("ML2DL_PRECISION", "fp8")
    with pytest.raises(ValueError, match="ML2DL_PRECISION='fp8' is not one of"):
        runtime.fastest_precision()


def test_use_fastest_precision_sets_the_keras_policy_and_the_summary_shows_it(clean_env):
    import keras

    clean_env.setenv("ML2DL_PRECISION", "mixed_bfloat16")
    try:
        assert helpers.use_fastest_precision() == "mixed_bfloat16"
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert "precision: mixed_bfloat16" in runtime.device_summary()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_cpu_flags_reads_this_machines_cpuinfo():
    flags = runtime.cpu_flags()
    assert isinstance(flags, set)
    if runtime.Path("/proc/cpuinfo").is_file():
        assert "fpu" in flags or "sse2" in flags or "neon" in flags or "asimd" in flags


@pytest.fixture
def fake_gpus(monkeypatch):
    """TensorFlow sees two GPUs (there are none here); set_memory_growth calls are recorded."""
    import tensorflow as tf

    gpus = [tf.config.PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(2)]
    cpu = tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
    calls = []
    monkeypatch.setattr(
        tf.config,
        "list_physical_devices",
        lambda kind=None: gpus if kind == "GPU" else ([cpu, *gpus] if kind is None else [cpu]),
    )
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", lambda d, on: calls.append((d.name, on)))
    return calls


@pytest.mark.parametrize("setup_call", ["set_seed", "device_summary", "fastest_precision"])
def test_setup_helpers_let_gpu_memory_grow(clean_env, fake_gpus, setup_call):
    """Whichever Setup helper runs first after `import tensorflow` stops TF taking all GPU memory."""
    try:
        getattr(runtime, setup_call)()
    finally:
        np.random.seed(None)
    assert ("/physical_device:GPU:0", True) in fake_gpus and ("/physical_device:GPU:1", True) in fake_gpus


def test_gpu_memory_growth_too_late_is_not_an_error(clean_env, monkeypatch):
    import tensorflow as tf

    gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [gpu])

    def already_initialised(device, enable):
        raise RuntimeError("Physical devices cannot be modified after being initialized")

    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", already_initialised)
    assert runtime.gpu_memory_growth() == []


def test_gpu_memory_growth_does_nothing_before_tensorflow_is_imported(clean_env, monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "tensorflow")
    assert runtime.gpu_memory_growth() == []


def test_course_seed_shifts_and_stays_a_valid_numpy_seed(clean_env):
    assert runtime.course_seed(42) == 42 and runtime.course_seed(0) == 0
    clean_env.setenv("ML2DL_SEED", "1")
    assert runtime.course_seed(42) == 1 and runtime.course_seed(43) == 2
    low = runtime.course_seed(0)  # 0 - 41 wraps around instead of going negative
    assert 0 <= low < 2**32
    np.random.default_rng(low)
    runtime.set_seed(0)  # numpy refuses negative seeds: this must not raise
