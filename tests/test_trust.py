"""tools.trust: a results row backs a figure only when it has provenance, is fresh and was quiet."""

from __future__ import annotations

import copy
import json

import pytest
from test_readme import fake_row

from tools import course, provenance, readme, trust

NOTEBOOK = "day3/cnn_mnist.ipynb"


@pytest.fixture
def row():
    return fake_row(NOTEBOOK, "full", 42, 100.0)


def test_a_fresh_quiet_row_is_accepted(row):
    assert trust.problems(row) == []


def test_a_row_without_provenance_is_refused(row):
    del row["provenance"]
    assert trust.problems(row) == [
        "it has no provenance (commit, notebook hash, machine, load): it predates them"
    ]


def test_a_row_whose_code_changed_is_refused(row):
    row["provenance"]["code_sha256"] = "f" * 64
    assert any("code changed since the run" in p for p in trust.problems(row))


def test_a_row_older_than_the_code_hash_is_judged_by_the_whole_notebook(row):
    del row["provenance"]["code_sha256"]
    assert trust.problems(row) == []
    row["provenance"]["notebook_sha256"] = "0" * 64
    assert any("notebook changed since the run" in p for p in trust.problems(row))


@pytest.mark.parametrize(
    "load, words",
    [
        ({"others_cpu_fraction": 0.35, "steal_fraction": 0.0}, "other processes used 35% of the CPU"),
        ({"others_cpu_fraction": 0.0, "steal_fraction": 0.2}, "the hypervisor stole 20%"),
        ({"others_cpu_fraction": None, "steal_fraction": None}, "load during the run was not measured"),
    ],
)
def test_a_contended_or_unmeasured_run_is_refused(row, load, words):
    row["provenance"]["load"] = load
    assert any(words in p for p in trust.problems(row)), trust.problems(row)


def test_the_limits_are_inclusive(row):
    row["provenance"]["load"] = {"others_cpu_fraction": trust.MAX_OTHERS, "steal_fraction": trust.MAX_STEAL}
    assert trust.problems(row) == []


def test_prose_edits_keep_the_code_hash_and_code_edits_change_it():
    text = (course.NOTEBOOKS_DIR / NOTEBOOK).read_text(encoding="utf-8")
    nb = json.loads(text)
    before = provenance.code_sha256(text)
    prose, code = copy.deepcopy(nb), copy.deepcopy(nb)
    first_md = next(c for c in prose["cells"] if c["cell_type"] == "markdown")
    first_md["source"] = ["A different sentence."]
    first_code = next(c for c in code["cells"] if c["cell_type"] == "code")
    first_code["source"] = ["".join(first_code["source"]) + "\n# one more line"]
    assert provenance.code_sha256(json.dumps(prose)) == before
    assert provenance.code_sha256(json.dumps(code)) != before
    # moving text from one code cell to the next is a different program too
    split = copy.deepcopy(nb)
    cells = [c for c in split["cells"] if c["cell_type"] == "code"]
    a, b = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    cells[0]["source"], cells[1]["source"] = [a[:-1]], [a[-1] + b]
    assert provenance.code_sha256(json.dumps(split)) != before


def test_every_committed_row_is_trusted():
    """The README and the notebooks' rendered numbers come only from fresh, quiet, versioned rows."""
    results = readme.RESULTS_DIR
    raw = {}
    for path in sorted(results.glob("*-seed*.json")):
        match = readme.FILE_NAME.fullmatch(path.name)
        rows = json.loads(path.read_text(encoding="utf-8"))
        raw[(match[1], int(match[2]))] = {r["notebook"]: r for r in rows}
    refused = trust.refusals(raw, results)
    assert not refused, "\n".join(refused)
