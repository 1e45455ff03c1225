"""`make readme` (tools.readme): README tables generated from committed results files."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
from conftest import REPO_ROOT

from tools import course, provenance, readme

MNIST = ["day1/ex4_neural_network_backprop.ipynb", "day2/mnist_softmax.ipynb", "day3/cnn_mnist.ipynb"]

FAKE_README = """# course

intro text

## Syllabus

Prose above the syllabus.

<!-- generated:syllabus:begin -->
| old | hand-typed | table |
<!-- generated:syllabus:end -->

## Benchmarks

Prose above the benchmarks.

<!-- generated:benchmarks:begin -->
<!-- generated:benchmarks:end -->

### Results across seeds

<!-- generated:seeds:begin -->
<!-- generated:seeds:end -->

Closing prose.
"""


def fake_row(notebook, profile, seed, wall_s, **metrics):
    """A results row as tools.run writes it; every key metric 0.5 unless given."""
    values = {k.metric: 0.5 for k in course.by_path()[notebook].keys if k.kind != "str"}
    values.update(metrics)
    return {
        "notebook": notebook,
        "profile": profile,
        "seed": seed,
        "status": "ok",
        "wall_s": wall_s,
        "peak_mem_mb": 1234,
        "metrics": values,
        "error": "",
        "provenance": quiet_provenance(notebook),
    }


def quiet_provenance(notebook):
    """The provenance of a run of ``notebook`` as it is today, on a quiet machine."""
    path = course.NOTEBOOKS_DIR / notebook
    return {
        "commit": "0" * 40,
        "tree_dirty": False,
        "notebook_sha256": provenance.sha256(path),
        "code_sha256": provenance.code_sha256(path),
        "load": {"loadavg_1m_before": 0.1, "others_cpu_fraction": 0.004, "steal_fraction": 0.0},
    }


def write_results(folder, profile, seed, rows):
    folder.mkdir(exist_ok=True)
    path = folder / f"{profile}-seed{seed}.json"
    path.write_text(json.dumps(rows, indent=2) + "\n")
    return path


@pytest.fixture
def workspace(tmp_path):
    """A fake README with markers and fake results: quick and full at seed 42, full at seeds 1 and 2."""
    results = tmp_path / "results"
    quick = [fake_row(nb, "quick", 42, 5.4) for nb in course.paths()]
    full = [fake_row(nb, "full", 42, 64.1) for nb in course.paths()]
    by_nb = {r["notebook"]: r for r in quick}
    full_by_nb = {r["notebook"]: r for r in full}
    by_nb["day3/cnn_mnist.ipynb"].update(wall_s=49.0)
    by_nb["day3/cnn_mnist.ipynb"]["metrics"].update(
        cnn_mnist_test_accuracy=0.97641, cnn_mnist_epochs=15, cnn_mnist_precision="float32"
    )
    full_by_nb["day3/cnn_mnist.ipynb"].update(wall_s=630.0, peak_mem_mb=1400)
    full_by_nb["day3/cnn_mnist.ipynb"]["metrics"].update(
        cnn_mnist_test_accuracy=0.99312,
        cnn_mnist_epochs=15,
        cnn_mnist_images_per_s=12345.6,
        cnn_mnist_precision="mixed_bfloat16",
    )
    full_by_nb["day1/ex1_linear_regression.ipynb"]["metrics"].update(
        {"ex1 house price (normal equation)": 293081.4, "ex1 cost at theta=0": 32.0727}
    )
    by_nb["day1/ex1_linear_regression.ipynb"]["metrics"].update({"ex1 cost at theta=0": 32.0731})
    # tf_basics records no W in the quick run; fashion fails in the full run.
    del by_nb["day2/tf_basics.ipynb"]["metrics"]["first_program_W"]
    full_by_nb["day3/fashion_mnist_challenge.ipynb"].update(
        status="FAILED", peak_mem_mb=None, error="AssertionError: accuracy | too low"
    )
    write_results(results, "quick", 42, quick)
    write_results(results, "full", 42, full)
    for seed, acc in [(1, 0.9925), (2, 0.9941)]:
        rows = [
            fake_row(nb, "full", seed, 600.0, cnn_mnist_test_accuracy=acc, cnn_mnist_epochs=seed + 12)
            for nb in MNIST
        ]
        write_results(results, "full", seed, rows)
    path = tmp_path / "README.md"
    path.write_text(FAKE_README)
    return path, results


def generate(workspace, *extra):
    path, results = workspace
    return readme.main(["--readme", str(path), "--results", str(results), *extra])


def section(path, name):
    return readme.extract_section(path.read_text(), name)


def table_row(text, start):
    rows = [line for line in text.splitlines() if line.startswith(start)]
    assert len(rows) == 1, f"expected one row starting {start!r}, got {rows}"
    return rows[0]


@pytest.mark.parametrize(
    "seconds, text", [(5.4, "5 s"), (64.1, "64 s"), (99.4, "99 s"), (100.0, "1.7 min"), (630, "10.5 min")]
)
def test_wall_times_are_seconds_below_100_s_then_minutes(seconds, text):
    assert readme.format_wall(seconds) == text


@pytest.mark.parametrize(
    "value, kind, text",
    [
        (0.97641, "pct2", "97.64 %"),
        (0.8899, "pct1", "89.0 %"),
        (-3.63031, "f4", "-3.6303"),
        (1861.4, "int", "1,861"),
        (293081.4, "usd", "$293,081"),
        (3.2e-7, "sci", "3e-07"),
        (2.43, "s", "2.4 s"),
        (612.0, "s", "10.2 min"),
        (1.25, "min", "1.2 min"),
        ("mixed_bfloat16", "str", "mixed_bfloat16"),
        ("a|b", "pct2", "a\\|b"),
        (None, "pct2", "–"),
    ],
)
def test_format_value(value, kind, text):
    assert readme.format_value(value, kind) == text


def test_every_spec_format_is_known():
    for info in course.notebooks():
        for key in info.keys:
            readme.format_value(1.0, key.kind)  # raises for an unknown kind


def _looped_metric_names(code: str) -> list[str]:
    """Metric names a loop hands to record_metric: ``for name, value in [("a", x), ("b", y)]:`` whose body
    calls ``record_metric(name, ...)`` with the loop's first variable."""
    names = []
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and node.target.elts):
            continue
        first = node.target.elts[0]
        calls = [
            c
            for c in ast.walk(node)
            if isinstance(c, ast.Call)
            and getattr(c.func, "attr", getattr(c.func, "id", None)) == "record_metric"
            and c.args
            and isinstance(c.args[0], ast.Name)
            and isinstance(first, ast.Name)
            and c.args[0].id == first.id
        ]
        if calls and isinstance(node.iter, ast.List | ast.Tuple):
            names += [
                item.elts[0].value
                for item in node.iter.elts
                if isinstance(item, ast.Tuple) and item.elts and isinstance(item.elts[0], ast.Constant)
            ]
    return names


def test_a_metric_named_in_a_recording_loop_counts_as_recorded():
    code = 'for m, v in [("acc", 0.9), ("size", 3)]:\n    helpers.record_metric(m, float(v))\n'
    assert _looped_metric_names(code) == ["acc", "size"]
    other = 'for m, v in [("acc", 0.9)]:\n    print(m, v)\n'  # the control: no record_metric, no name
    assert _looped_metric_names(other) == []


@pytest.mark.parametrize("notebook", sorted(course.paths()))
def test_key_metrics_are_recorded_by_the_notebook(notebook):
    nb = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # record_metric names, f-string placeholders as wildcards
    patterns = [
        re.escape(re.sub(r"\{[^}]*\}", "\0", name)).replace("\0", ".+") if f else re.escape(name)
        for f, name in re.findall(r"record_metric\((f?)\"([^\"]+)\"", code)
    ] + [re.escape(name) for name in _looped_metric_names(code)]
    unknown = [
        k.metric
        for k in course.by_path()[notebook].keys
        if not any(re.fullmatch(p, k.metric) for p in patterns)
    ]
    assert not unknown, f"{notebook} records no metric named {unknown}"


def test_generation_fills_every_section_and_keeps_the_prose(workspace):
    path, _ = workspace
    assert generate(workspace) == 0
    text = path.read_text()
    for kept in ("intro text", "Prose above the syllabus.", "Prose above the benchmarks.", "Closing prose."):
        assert kept in text
    assert "hand-typed" not in text
    for name in readme.SECTIONS:
        assert readme.NOTE in section(path, name)

    syllabus = section(path, "syllabus")
    assert len([line for line in syllabus.splitlines() if line.startswith("| ")]) == 1 + len(course.paths())
    cnn = table_row(
        syllabus,
        "| 3 | [cnn_mnist](student/day3/cnn_mnist.ipynb) ([solutions](notebooks/day3/cnn_mnist.ipynb)) |",
    )
    info = course.by_path()["day3/cnn_mnist.ipynb"]
    assert f"| {info.topic} | {info.dataset} | 49 s | 10.5 min |" in cnn
    assert "CNN 97.64 % → 99.31 %" in cnn
    assert "epochs 15," in cnn  # equal in both profiles: shown once
    assert "images/s 0 → 12,346" in cnn
    assert "precision float32 → mixed_bfloat16" in cnn
    ex1 = table_row(syllabus, "| 1 | [ex1_linear_regression]")
    assert "J(0) = 32.07," in ex1  # 32.0731 and 32.0727 agree to the shown precision
    assert "house $0 → $293,081" in ex1
    assert "W = – → 0.500" in table_row(syllabus, "| 2 | [tf_basics]")
    assert "| 5 s | FAILED |" in table_row(syllabus, "| 3 | [fashion_mnist_challenge]")
    names = [
        re.search(r"notebooks/(\S+?)\)", line)[1] for line in syllabus.splitlines() if "](notebooks/" in line
    ]
    assert names == readme.syllabus_order()  # teaching order, as the course index links them

    benchmarks = section(path, "benchmarks")
    n = len(course.paths())  # one fake row per course notebook; fashion_mnist_challenge fails in full
    assert "Profile **quick**, seed 42" in benchmarks and f"{n} of {n} notebooks ok" in benchmarks
    assert "Profile **full**, seed 42" in benchmarks and f"{n - 1} of {n} notebooks ok" in benchmarks
    assert benchmarks.index("**quick**") < benchmarks.index("**full**")
    assert (
        "| day3/cnn_mnist | ok | 49.0 s | 1,234 MB | CNN 97.64 %, MLP " in benchmarks
        and "epochs 15," in benchmarks
    )
    assert "| day3/cnn_mnist | ok | 10.5 min | 1,400 MB | CNN 99.31 %," in benchmarks
    failed = table_row(benchmarks, "| day3/fashion_mnist_challenge | FAILED |")
    assert "| – |" in failed and "; error: AssertionError: accuracy \\| too low |" in failed

    seeds = section(path, "seeds")
    acc = table_row(seeds, "| day3/cnn_mnist | CNN | full |")
    assert acc == "| day3/cnn_mnist | CNN | full | 1, 2, 42 | 99.32 % | 99.25 % | 99.41 % | 0.16 pp |"
    epochs = table_row(seeds, "| day3/cnn_mnist | epochs | full |")
    assert epochs == "| day3/cnn_mnist | epochs | full | 1, 2, 42 | 14 | 13 | 15 | 2 |"
    assert "per epoch" not in seeds and "images/s" not in seeds and "training time" not in seeds
    assert "| quick |" not in seeds  # one seed only
    assert "tf_basics" not in seeds  # seed 42 only


def test_generation_is_idempotent(workspace):
    path, _ = workspace
    assert generate(workspace) == 0
    first = path.read_text()
    assert generate(workspace) == 0
    assert path.read_text() == first
    assert readme.replace_sections(first, readme.render_sections(workspace[1])) == first


def test_check_passes_after_generation_and_fails_after_a_hand_edit(workspace, capsys):
    path, _ = workspace
    assert generate(workspace, "--check") == 1  # the fake README starts stale
    assert generate(workspace) == 0
    assert generate(workspace, "--check") == 0
    assert readme.check_readme(*workspace) == []
    text = path.read_text()
    assert text.count("99.31 %") == 2  # syllabus and benchmarks
    path.write_text(
        text.replace("| 10.5 min | 1,400 MB | CNN 99.31 %", "| 10.5 min | 1,400 MB | CNN 99.40 %")
    )
    capsys.readouterr()
    assert generate(workspace, "--check") == 1
    err = capsys.readouterr().err
    assert "section(s) benchmarks differ" in err and "run `make readme`" in err
    assert "-| day3/cnn_mnist | ok | 10.5 min | 1,400 MB | CNN 99.40 %" in err
    assert readme.check_readme(*workspace) == ["benchmarks"]


def test_new_results_make_the_readme_stale(workspace):
    path, results = workspace
    assert generate(workspace) == 0
    write_results(results, "full", 3, [fake_row("day3/cnn_mnist.ipynb", "full", 3, 600.0)])
    assert readme.check_readme(path, results) == ["seeds"]


def test_missing_results_folder_is_explained(workspace, capsys):
    path, results = workspace
    assert readme.main(["--readme", str(path), "--results", str(results / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "no results folder" in err and "nowhere" in err
    assert "make run PROFILE=quick" in err and "quick-seed42.json" in err


def test_missing_seed42_file_is_named(workspace, capsys):
    path, results = workspace
    (results / "full-seed42.json").unlink()
    before = path.read_text()
    assert generate(workspace) == 2
    err = capsys.readouterr().err
    assert "missing" in err and "full-seed42.json" in err
    assert "run `make run PROFILE=full INTO=" in err
    assert path.read_text() == before


def test_results_file_of_another_run_is_refused(workspace):
    _, results = workspace
    rows = json.loads((results / "full-seed2.json").read_text())
    (results / "full-seed7.json").write_text(json.dumps(rows))
    with pytest.raises(
        readme.ReadmeError, match=r"profile full and seed 2, but the file name says .* seed 7"
    ):
        readme.load_results(results)


def test_unknown_notebook_is_refused(workspace):
    _, results = workspace
    rows = [fake_row("day3/cnn_mnist.ipynb", "quick", 5, 1.0)]
    rows[0]["notebook"] = "day4/new.ipynb"
    write_results(results, "quick", 5, rows)
    with pytest.raises(readme.ReadmeError, match=r"day4/new.ipynb is not in course.toml"):
        readme.load_results(results)


@pytest.mark.parametrize("marker", ["<!-- generated:seeds:end -->", "<!-- generated:syllabus:begin -->"])
def test_missing_marker_is_named(workspace, capsys, marker):
    path, _ = workspace
    path.write_text(FAKE_README.replace(marker + "\n", ""))
    assert generate(workspace) == 2
    assert f"README.md lacks the marker {marker}" in capsys.readouterr().err
    assert generate(workspace, "--check") == 2


def test_make_readme_names_the_refused_row_and_the_command(workspace, capsys):
    path, results = workspace
    rows = json.loads((results / "full-seed1.json").read_text())
    rows[0]["provenance"]["load"]["others_cpu_fraction"] = 0.5
    write_results(results, "full", 1, rows)
    before = path.read_text()
    assert generate(workspace) == 2
    assert generate(workspace, "--check") == 2
    err = capsys.readouterr().err
    assert f"full-seed1.json: {rows[0]['notebook']}: other processes used 50% of the CPU" in err
    assert f"make run PROFILE=full SEED=1 NOTEBOOKS=notebooks/{rows[0]['notebook']} INTO=" in err
    assert path.read_text() == before  # nothing rewritten from a refused row


def test_readme_matches_committed_results():
    results = REPO_ROOT / "results"
    if not list(results.glob(f"*-seed{readme.REFERENCE_SEED}.json")):
        pytest.skip("no committed results yet")
    stale = readme.check_readme(REPO_ROOT / "README.md", results)
    assert not stale, f"README.md sections {stale} differ from results/*.json: run `make readme`"


def test_syllabus_order_is_course_toml_order():
    order = readme.syllabus_order()
    assert sorted(order) == sorted(course.paths())
    assert (
        order.index("day2/tf_basics.ipynb")
        < order.index("day2/xor.ipynb")
        < order.index("day2/mnist_softmax.ipynb")
    )
    assert order.index("day2/mnist_softmax.ipynb") < order.index("day2/mnist_dnn.ipynb")
    # Day 3: the training kit (validation split, early stopping) and tensorboard_shuffling (reshuffling,
    # which imports the training kit's split and model) teach what the CNN notebooks use;
    # cnn_arithmetic builds the network cnn_mnist trains; the later notebooks import their toolkit
    assert (
        order.index("day3/training_kit.ipynb")
        < order.index("day3/tensorboard_shuffling.ipynb")
        < order.index("day3/cnn_arithmetic.ipynb")
        < order.index("day3/cnn_mnist.ipynb")
        < order.index("day3/fashion_mnist_challenge.ipynb")
        < order.index("day3/vgg_augmentation_transfer.ipynb")
    )
