"""The bars notebooks assert come from the committed runs (tools/bounds.py, helpers.bound)."""

from __future__ import annotations

import json
import math
import re

import pytest

import helpers
from tools import bounds, course, readme


def test_the_margin_is_twice_the_spread_when_seeds_differ_more_than_sampling():
    # 10,000 images at p = 0.97233: SE = sqrt(0.97233 * 0.02767 / 10000) = 0.00164, 3 SE = 0.00492;
    # twice the spread, 2 x (0.975 - 0.970) = 0.010, is larger, so the bar is 0.970 - 0.010 = 0.960.
    bar = bounds.derive_one([0.970, 0.972, 0.975], 10_000)
    assert bar["bound"] == 0.96 and bar["margin"] == pytest.approx(0.010)
    assert bar["seeds"] == 3 and (bar["min"], bar["max"]) == (0.970, 0.975)


def test_the_margin_is_three_standard_errors_when_the_seeds_agree():
    # 100 images at p = 0.9: SE = sqrt(0.9 * 0.1 / 100) = 0.03, 3 SE = 0.09 > spread 0: bar 0.81.
    bar = bounds.derive_one([0.9, 0.9], 100)
    assert bar["bound"] == 0.81 and bar["margin"] == pytest.approx(0.09)


def test_the_bar_is_rounded_down_never_up():
    bar = bounds.derive_one([0.99999], 10**9)
    assert bar["bound"] == 0.9999 and bar["bound"] <= 0.99999 - bar["margin"]


def test_a_gap_bar_keeps_half_the_smallest_measured_gap():
    # 0.79 and 0.80: spread 0.01 < 0.79 / 2 = 0.395, so the bar is 0.79 - 0.395 = 0.395.
    bar = bounds.derive_one([0.79, 0.80], "at least")
    assert bar["bound"] == 0.395 and bar["side"] == "at least"


def test_an_upper_bar_adds_half_the_largest_value_and_rounds_up():
    # 0.062 and 0.082: spread 0.02 < 0.082 / 2 = 0.041, so the bar is 0.082 + 0.041 = 0.123.
    bar = bounds.derive_one([0.062, 0.082], "at most")
    assert bar["bound"] == 0.123 and bar["side"] == "at most"
    assert bounds.derive_one([0.10001], "at most")["bound"] == 0.1501  # 0.150015 rounded up


@pytest.mark.parametrize(
    "declared", ["0", "-5", "2.5", '"about"', "{ quick = 100 }", '{ quick = 100, full = "x" }']
)
def test_a_bad_bound_declaration_is_refused(tmp_path, declared):
    entry = course.COURSE_FILE.read_text(encoding="utf-8").split("[[notebook]]")[1]
    toml = tmp_path / "course.toml"
    toml.write_text(f'[[notebook]]{entry.rstrip()}\nbounds = {{ "m" = {declared} }}\n', encoding="utf-8")
    with pytest.raises(course.CourseError, match="bound 'm' must be the number of images"):
        course.load(toml, notebooks_dir=None)


def raw_results():
    out = {}
    for path in sorted(readme.RESULTS_DIR.glob("*-seed*.json")):
        match = readme.FILE_NAME.fullmatch(path.name)
        out[(match[1], int(match[2]))] = {r["notebook"]: r for r in json.loads(path.read_text())}
    return out


def code_of(nb):
    cells = json.loads((course.NOTEBOOKS_DIR / nb).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_bounds_file_is_what_the_committed_runs_give():
    assert not bounds.is_stale(raw_results()), "helpers/bounds.json is stale: run `make readme`"


def test_every_committed_row_meets_its_bar():
    table = json.loads(bounds.BOUNDS_FILE.read_text())
    for (profile, seed), rows in raw_results().items():
        for nb in course.notebooks():
            for metric in nb.bounds:
                value = rows.get(nb.path, {}).get("metrics", {}).get(metric)
                bar = table[profile][metric]
                if value is not None and bar["bound"] is not None:  # unmeasured bars: the test below
                    ok = value <= bar["bound"] if bar["side"] == "at most" else value >= bar["bound"]
                    assert ok, (profile, seed, metric, value, bar)


def test_each_declared_bar_is_asserted_by_its_notebook_and_no_bar_is_typed():
    typed = re.compile(r'^\s*[A-Z_]+\s*=\s*\{\s*"quick":\s*\(?\s*0\.\d', re.M)
    for nb in course.notebooks():
        code = code_of(nb.path)
        called = set(re.findall(r'bound\(\s*"([^"]+)"', code))  # bound("name") literally
        named = {m for m in nb.bounds if f'"{m}"' in code}  # or through a name table, as mnist_init does
        assert called <= set(nb.bounds), (
            f"{nb.path} asserts undeclared bars {sorted(called - set(nb.bounds))}"
        )
        assert named == set(nb.bounds), f"{nb.path} never names {sorted(set(nb.bounds) - named)}"
        assert not nb.bounds or "helpers.bound(" in code, f"{nb.path} declares bars it never reads"
        assert not typed.findall(code), f"{nb.path} types a bar by hand: {typed.findall(code)}"


def test_helpers_bound_reads_the_file_for_the_profile(tmp_path, monkeypatch):
    path = tmp_path / "bounds.json"
    path.write_text(json.dumps({"quick": {"acc": {"bound": 0.5}}, "full": {"acc": {"bound": 0.9}}}))
    monkeypatch.setattr(helpers.runtime, "BOUNDS_FILE", path)
    assert helpers.bound("acc", "quick") == 0.5 and helpers.bound("acc", "full") == 0.9
    with pytest.raises(KeyError, match="no full-profile bar for 'other'.*course.toml"):
        helpers.bound("other", "full")
    path.write_text("{not json")
    with pytest.raises(RuntimeError, match="git checkout helpers/bounds.json"):
        helpers.bound("acc", "quick")


def test_every_bar_is_measured_and_the_quick_bars_on_three_seeds():
    """A bar nobody measured is refused by helpers.bound; CI's quick bars rest on several seeds."""
    table = json.loads(bounds.BOUNDS_FILE.read_text())
    unmeasured = [(p, m) for p, bars in table.items() for m, bar in bars.items() if bar["bound"] is None]
    assert not unmeasured, (
        f"bars without runs: {unmeasured}; ML2DL_CALIBRATE=1 make run ..., then make readme"
    )
    few = [m for m, bar in table["quick"].items() if bar["seeds"] < bounds.WANTED_SEEDS]
    assert not few, f"quick bars on fewer than {bounds.WANTED_SEEDS} seeds: {few}"


def test_a_calibration_run_opens_every_bar_and_an_unmeasured_bar_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bounds.json"
    bars = {"lo": {"bound": 0.5, "side": "at least"}, "hi": {"bound": 0.2, "side": "at most"}}
    path.write_text(json.dumps({"quick": bars | {"new": {"bound": None, "side": "at least"}}}))
    monkeypatch.setattr(helpers.runtime, "BOUNDS_FILE", path)
    with pytest.raises(KeyError, match="'new' is not measured yet: run `ML2DL_CALIBRATE=1 make run"):
        helpers.bound("new", "quick")
    monkeypatch.setenv("ML2DL_CALIBRATE", "1")
    assert helpers.bound("lo", "quick") == -math.inf and helpers.bound("new", "quick") == -math.inf
    assert helpers.bound("hi", "quick") == math.inf


def test_the_ci_seed_is_not_a_calibration_seed():
    """CI must test the bars on a seed they were not fitted to."""
    script = (readme.REPO_ROOT / ".ci" / "run").read_text()
    seeds = {seed for (_, seed) in raw_results()}
    match = re.search(r"ML2DL_SEED=\$\{ML2DL_SEED:-\$\(\( (\d+) \+ (.+?) % (\d+) \)\)\}", script)
    assert match, ".ci/run must set ML2DL_SEED to BASE + (something) % N"
    base, n = int(match[1]), int(match[3])
    assert not seeds & set(range(base, base + n)), f"CI seeds {base}..{base + n - 1} overlap {sorted(seeds)}"
