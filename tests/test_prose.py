"""tools.prose: numbers in the notebooks' prose are rendered from the committed results."""

from __future__ import annotations

import nbformat
import pytest

from tools import course, prose, readme

NB = "day3/cnn_mnist.ipynb"


def row(seed, wall_s, **metrics):
    return {"notebook": NB, "seed": seed, "wall_s": wall_s, "metrics": metrics}


RESULTS = {
    ("full", 42): {NB: row(42, 170.4, acc=0.9946)},
    ("full", 1): {NB: row(1, 181.0, acc=0.9942)},
    ("full", 2): {NB: row(2, 175.0, acc=0.9950)},
    ("quick", 42): {NB: row(42, 30.0, acc=0.9728), "day2/mnist_dnn.ipynb": row(42, 9.0, acc=0.9)},
}


@pytest.mark.parametrize(
    "spec, text",
    [
        (" full | acc | .2% ", "99.46%"),
        (" quick | acc | .1% ", "97.3%"),
        (" full | acc | .2% | seed 1 ", "99.42%"),
        (" full | acc | .2% | min ", "99.42%"),
        (" full | acc | .2% | max ", "99.50%"),
        (" full | acc | .3f | mean ", f"{(0.9946 + 0.9942 + 0.9950) / 3:.3f}"),
        (" full | acc | .2% | range ", "99.42%–99.50%"),
        (" full | acc | d | seeds ", "3"),
        (" full | wall_s | min ", "2.8"),
        (" full | wall_s | .0f | max ", "181"),
        (" quick | day2/mnist_dnn.ipynb:acc | .0% ", "90%"),
    ],
)
def test_a_span_renders_what_the_rows_say(spec, text):
    assert prose.render_span(spec, NB, RESULTS, "here") == text


def test_minutes_drop_the_decimal_from_ten_on():
    results = {("full", 42): {NB: row(42, 796.4)}}
    assert prose.render_span("full | wall_s | min", NB, results, "here") == "13"


def test_render_text_rewrites_only_between_the_comments():
    text = "Test accuracy <!-- metric: full | acc | .2% -->98.00%<!-- /metric --> after 3 epochs."
    assert prose.render_text(text, NB, RESULTS, "here") == text.replace("98.00%", "99.46%")


@pytest.mark.parametrize(
    "spec, words",
    [
        ("full | acc", "must read 'PROFILE | NAME | FORMAT [| STAT]'"),
        ("full | nothing | .2%", "has no metric 'nothing': record it with helpers.record_metric"),
        ("full | acc | .2% | seed 7", "no full row of seed 7"),
        ("full | acc | .2% | median", "unknown STAT 'median'"),
        ("full | acc | q", "format 'q' does not apply"),
        ("huge | acc | .2%", "no huge row of seed 42"),
        (
            "quick | day9/x.ipynb:acc | .2%",
            "day9/x.ipynb (in 'metric:quick | day9/x.ipynb:acc | .2%') is not a course",
        ),
    ],
)
def test_a_bad_span_is_named(spec, words):
    with pytest.raises(prose.ProseError) as info:
        prose.render_span(spec, NB, RESULTS, "here")
    assert words in str(info.value)


def test_stale_prose_is_found_and_rewritten(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks" / "day3"
    folder.mkdir(parents=True)
    source = (course.NOTEBOOKS_DIR / NB).read_text(encoding="utf-8")
    nb = nbformat.reads(source, as_version=4)
    nb.cells = [cell for cell in nb.cells if "<!-- metric:" not in cell.source]  # only the span below
    nb.cells.append(
        nbformat.v4.new_markdown_cell("It took <!-- metric: full | wall_s | min -->99<!-- /metric --> min.")
    )
    (folder / "cnn_mnist.ipynb").write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    monkeypatch.setattr(course, "NOTEBOOKS_DIR", tmp_path / "notebooks")
    monkeypatch.setattr(course, "paths", lambda: [NB])
    assert prose.stale_notebooks(RESULTS) == [NB]
    assert prose.update_notebooks(RESULTS) == [NB]
    assert prose.stale_notebooks(RESULTS) == []
    text = (folder / "cnn_mnist.ipynb").read_text(encoding="utf-8")
    assert "-->2.8<!-- /metric --> min." in text


def test_the_notebooks_numbers_are_what_the_committed_results_say():
    """make test fails when a rendered number in a notebook is not what results/*.json says."""
    stale = prose.stale_notebooks(readme.load_results())
    assert not stale, f"numbers in the prose of {stale} are stale: run `make readme`"


def test_every_metric_span_is_closed_where_the_renderer_sees_it():
    """A span whose closing comment is broken (e.g. across a line) is not rendered, so its number is
    typed by hand and never checked: every ``<!-- metric:`` opens a span that tools.prose matches."""
    broken = []
    for notebook in course.paths():
        for cell in nbformat.read(course.NOTEBOOKS_DIR / notebook, as_version=4).cells:
            if cell.cell_type == "markdown" and cell.source.count("<!-- metric:") != len(
                prose.SPAN.findall(cell.source)
            ):
                broken.append(f"{notebook}, cell {cell.id}")
    assert not broken, f"a metric span not closed by '<!-- /metric -->': {broken}"
