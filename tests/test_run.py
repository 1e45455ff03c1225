"""`make run` (tools.run): executes notebooks and writes the results table."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import nbformat
import pytest

from tools import run


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_run_records_metrics_memory_and_failures(tmp_path, capsys):
    good = write_notebook(
        tmp_path / "good.ipynb",
        "import helpers, os\nprofile = helpers.get_profile()",
        "helpers.record_metric('test_accuracy', 0.5 + 0.25)\nhelpers.record_metric('profile', profile)",
    )
    bad = write_notebook(tmp_path / "bad.ipynb", "assert 1 + 1 == 3, 'arithmetic is broken'")
    out = tmp_path / "build"

    code = run.main([str(good), str(bad), "--profile", "quick", "--out", str(out)])

    assert code == 1  # one notebook failed
    rows = {r["notebook"]: r for r in json.loads((out / "results.json").read_text())}
    assert rows["good.ipynb"]["status"] == "ok"
    assert rows["good.ipynb"]["metrics"] == {"test_accuracy": 0.75, "profile": "quick"}
    assert rows["good.ipynb"]["peak_mem_mb"] > 10
    assert rows["bad.ipynb"]["status"] == "FAILED"
    assert "arithmetic is broken" in rows["bad.ipynb"]["error"]
    table = (out / "results.md").read_text()
    assert "| good.ipynb | quick | ok |" in table and "test_accuracy = 0.75" in table
    executed = nbformat.read(out / "executed" / "good.ipynb", as_version=4)
    assert len(executed.cells) == 2  # the memory probe is not left in the copy


def test_course_notebooks_are_course_toml_in_its_order(monkeypatch):
    """`make run` without arguments runs the notebooks course.toml lists, in its order, nothing else."""
    monkeypatch.setattr(run.course, "paths", lambda: ["day2/b.ipynb", "day1/z.ipynb"])
    assert [p.relative_to(run.NOTEBOOKS).as_posix() for p in run.course_notebooks()] == [
        "day2/b.ipynb",
        "day1/z.ipynb",
    ]


def test_course_notebooks_are_the_ones_the_index_links():
    from test_repo import NOTEBOOKS, index_links

    # make run executes the solutions edition (notebooks/); the index also links the student edition
    linked = {p for p in index_links() if p.parent.name.startswith("day") and p.is_relative_to(NOTEBOOKS)}
    assert set(run.course_notebooks()) == linked


@pytest.mark.parametrize(
    ("ru_maxrss", "platform", "mb"),
    [(512 * 1024, "linux", 512.0), (512 * 2**20, "darwin", 512.0), (1536, "freebsd14", 1.5)],
    ids=["linux-KiB", "macos-bytes", "bsd-KiB"],
)
def test_peak_memory_units_per_platform(ru_maxrss, platform, mb):
    assert run.peak_rss_mb(ru_maxrss, platform) == mb


def test_peak_memory_is_read_from_the_probe_cell_output():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(run.PEAK_MEMORY_CELL)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ML2DL_PEAK_RSS darwin 1073741824\n")
    ]
    nb.cells = [cell]
    assert run._peak_rss_mb(nb) == 1024.0


def test_run_passes_profile_and_seed_to_the_kernel_only(tmp_path, monkeypatch):
    monkeypatch.delenv("ML2DL_SEED", raising=False)
    monkeypatch.delenv("ML2DL_METRICS_FILE", raising=False)
    nb = write_notebook(
        tmp_path / "seeded.ipynb",
        "import helpers, os\nhelpers.record_metric('seed', helpers.set_seed(42))\n"
        "helpers.record_metric('profile', helpers.get_profile())",
    )
    out = tmp_path / "build"
    assert run.main([str(nb), "--profile", "full", "--seed", "7", "--out", str(out)]) == 0
    (row,) = json.loads((out / "results.json").read_text())
    assert row["metrics"] == {"seed": 7, "profile": "full"} and row["seed"] == 7
    import os

    assert "ML2DL_SEED" not in os.environ and "ML2DL_METRICS_FILE" not in os.environ  # nothing leaked


def test_relative_output_folder_works(tmp_path, monkeypatch):
    nb = write_notebook(tmp_path / "m.ipynb", "import helpers\nhelpers.record_metric('x', 1)")
    monkeypatch.chdir(tmp_path)
    assert run.main([str(nb), "--profile", "quick", "--out", "rel-build"]) == 0
    (row,) = json.loads((tmp_path / "rel-build" / "results.json").read_text())
    assert row["metrics"] == {"x": 1}


def test_peak_memory_is_read_even_when_the_output_arrives_in_pieces():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(run.PEAK_MEMORY_CELL)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="ML2DL_PEAK_RSS"),
        nbformat.v4.new_output("stream", name="stdout", text=" linux 2048\n"),
    ]
    nb.cells = [cell]
    assert run._peak_rss_mb(nb) == 2.0
    cell.outputs = []
    assert run._peak_rss_mb(nb) is None


def test_seed_from_the_environment_is_recorded_and_a_bad_one_is_a_clear_error(tmp_path, monkeypatch):
    nb = write_notebook(
        tmp_path / "s.ipynb", "import helpers\nhelpers.record_metric('seed', helpers.set_seed(42))"
    )
    monkeypatch.setenv("ML2DL_SEED", "5")
    row = run.run_notebook(nb, "quick", tmp_path / "out")
    assert row["seed"] == 5 and row["metrics"] == {"seed": 5}  # the row names the seed the kernel used
    monkeypatch.setenv("ML2DL_SEED", "five")
    with pytest.raises(ValueError, match="ML2DL_SEED must be an integer"):
        run.main([str(nb), "--profile", "quick", "--out", str(tmp_path / "out2")])


def test_rows_go_into_a_results_file_replacing_only_their_notebooks(tmp_path, monkeypatch):
    """`make run ... INTO=results/x.json`: a re-measured notebook's row replaces its old row, the
    other rows stay, and a row of a notebook that left course.toml goes."""
    monkeypatch.setattr(run.course, "paths", lambda: ["day1/a.ipynb", "day1/b.ipynb", "day2/c.ipynb"])
    path = tmp_path / "quick-seed42.json"
    old = [{"notebook": n, "wall_s": 1} for n in ("day1/a.ipynb", "day2/c.ipynb", "day9/gone.ipynb")]
    path.write_text(json.dumps(old))
    merged = run.merge_rows(
        path, [{"notebook": "day2/c.ipynb", "wall_s": 2}, {"notebook": "day1/b.ipynb", "wall_s": 3}]
    )
    assert merged == json.loads(path.read_text())
    assert [(r["notebook"], r["wall_s"]) for r in merged] == [
        ("day1/a.ipynb", 1),
        ("day1/b.ipynb", 3),
        ("day2/c.ipynb", 2),
    ]


BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass"


def _burn(seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", BURN.format(s=seconds)])


def test_cpu_watch_counts_a_finished_child_as_ours_and_a_running_stranger_as_load():
    """The kernel is a child that has ended when the watch stops: its CPU time is the run's own.
    A process still running when it stops stands for another user of the machine: it is load."""
    if run.provenance._machine_jiffies() is None:
        pytest.skip("no /proc/stat on this system")
    watch = run.provenance.CpuWatch().start()
    _burn(1.5).wait()
    ours = watch.stop()["others_cpu_fraction"]
    watch = run.provenance.CpuWatch().start()
    stranger = _burn(30)
    time.sleep(1.5)
    theirs = watch.stop()["others_cpu_fraction"]
    stranger.kill()
    stranger.wait()
    assert theirs >= ours + 0.1, (ours, theirs)


def test_cpu_watch_arithmetic(monkeypatch):
    ticks = iter([(1000, 0), (1000 + 4 * 100, 50)])  # 4 s busy of which 0.5 s stolen, at 100 Hz
    own = iter([10.0, 11.0])  # 1 s of it ours
    clock = iter([0.0, 2.0])  # over 2 s
    monkeypatch.setattr(run.provenance, "_machine_jiffies", lambda: next(ticks))
    monkeypatch.setattr(run.provenance, "_own_cpu_s", lambda: next(own))
    monkeypatch.setattr(run.provenance.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(run.provenance.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(run.provenance.os, "sysconf", lambda name: 100)
    load = run.provenance.CpuWatch().start().stop()
    assert load["others_cpu_fraction"] == 0.75 and load["steal_fraction"] == 0.125  # 3 s and 0.5 s of 4


def test_a_row_carries_its_provenance(tmp_path):
    path = write_notebook(tmp_path / "p.ipynb", "x = 1")
    row = run.run_notebook(path, "quick", tmp_path / "out")
    prov = row["provenance"]
    assert prov["notebook_sha256"] == run.provenance.sha256(path) and len(prov["notebook_sha256"]) == 64
    assert prov["commit"] and re.fullmatch(r"[0-9a-f]{40}", prov["commit"])
    assert prov["cores"] == os.cpu_count() and prov["versions"]["numpy"] and prov["cpu"]
    assert prov["precision"] == "none"  # the notebook did not import Keras
    assert set(prov["load"]) >= {"others_cpu_fraction", "steal_fraction", "loadavg_1m_before"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", prov["date_utc"])
