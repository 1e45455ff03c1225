"""tools/site.py: how an executed notebook becomes a page of the course website (no browser needed)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from conftest import REPO_ROOT

from tools import site
from tools.readme import syllabus_order

WIDGET_STATE = {
    "box": {
        "model_name": "HBoxModel",
        "state": {"children": ["IPY_MODEL_pre", "IPY_MODEL_bar", "IPY_MODEL_post"]},
    },
    "pre": {"model_name": "HTMLModel", "state": {"value": "L-BFGS: 100%"}},
    "bar": {"model_name": "FloatProgressModel", "state": {"value": 50.0, "max": 50.0}},
    "post": {"model_name": "HTMLModel", "state": {"value": " 50/50 [00:08&lt;00:00]"}},
    "slider": {"model_name": "IntSliderModel", "state": {"value": 3}},
}


def executed_notebook():
    nb = nbformat.v4.new_notebook()
    solution = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    answer = nbformat.v4.new_markdown_cell(
        "Because ```x``` doubles.", metadata={"nbgrader": {"solution": True}}
    )

    def view(model_id, text):
        data = {site.WIDGET_VIEW: {"model_id": model_id, "version_major": 2}, "text/plain": text}
        return nbformat.v4.new_output("display_data", data=data)

    nb.cells = [
        nbformat.v4.new_markdown_cell("# A notebook\n\nIntro."),
        nbformat.v4.new_code_cell(solution, outputs=[view("box", "L-BFGS:   0%|          | 0/50")]),
        nbformat.v4.new_code_cell("f(2)", outputs=[view("slider", "IntSlider(value=3)")]),
        answer,
        nbformat.v4.new_markdown_cell("Not an answer."),
    ]
    nb.metadata["widgets"] = {site.WIDGET_STATE: {"state": WIDGET_STATE, "version_major": 2}}
    return nb


def test_solution_code_is_collapsed_and_answers_fold():
    nb = site.prepare_notebook(executed_notebook(), "day1/x.ipynb", None)
    assert nb.cells[0].source.startswith("# A notebook")
    assert "day1/x.ipynb" in nb.cells[1].source, "the links line follows the title"
    assert nb.cells[2].metadata["tags"] == ["hide-input"]
    assert "tags" not in nb.cells[3].metadata
    assert nb.cells[4].source.startswith("````{admonition} Answer\n:class: dropdown")
    assert "Because ```x``` doubles." in nb.cells[4].source and nb.cells[4].source.endswith("````")
    assert nb.cells[5].source == "Not an answer."
    nbformat.validate(nb)


def test_widgets_freeze_to_their_final_state_without_a_cdn():
    nb = executed_notebook()
    assert site.freeze_widgets(nb) == 2
    assert "widgets" not in nb.metadata
    bar = nb.cells[1].outputs[0]["data"]
    assert list(bar) == ["text/html"]
    assert '<progress value="50.0" max="50.0">' in bar["text/html"] and "L-BFGS: 100%" in bar["text/html"]
    assert nb.cells[2].outputs[0]["data"] == {"text/plain": "IntSlider(value=3)"}


def test_page_links_name_the_source_and_binder_only_with_a_repository():
    plain = site.page_links("day1/ex1.ipynb", None)
    assert "notebooks/day1/ex1.ipynb" in plain and "student/day1/ex1.ipynb" in plain and "binder" not in plain
    linked = site.page_links("day1/ex1.ipynb", "https://github.com/o/r")
    assert "https://github.com/o/r/blob/HEAD/notebooks/day1/ex1.ipynb" in linked
    assert "https://mybinder.org/v2/gh/o/r/HEAD?labpath=student%2Fday1%2Fex1.ipynb" in linked


def _fake_run(tmp_path, status="ok", skip=None):
    rows = []
    for notebook in syllabus_order():
        row = {"notebook": notebook, "profile": "quick", "seed": 42, "status": status, "wall_s": 1.0}
        rows.append(row | {"peak_mem_mb": 100, "metrics": {}, "error": ""})
        if notebook != skip:
            target = tmp_path / "run" / "executed" / notebook
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4), target)
    (tmp_path / "run" / "results.json").write_text(json.dumps(rows))
    (tmp_path / "run" / "results.md").write_text("| notebook |\n|---|\n")
    return tmp_path / "run"


def test_stage_writes_a_book_with_every_notebook_in_syllabus_order(tmp_path):
    pages = site.stage(_fake_run(tmp_path), tmp_path / "src")
    assert pages == syllabus_order()
    toc = (tmp_path / "src" / "_toc.yml").read_text()
    assert [line.split("file: ")[1] for line in toc.splitlines() if "file: day" in line] == [
        p.removesuffix(".ipynb") for p in pages
    ]
    landing = (tmp_path / "src" / "index.md").read_text()
    assert all(f"]({p})" in landing for p in pages), "the syllabus links every page"
    config = json.loads((tmp_path / "src" / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]


@pytest.mark.parametrize("fault", ["failed", "missing", "no run"])
def test_stage_refuses_an_incomplete_run(tmp_path, fault):
    if fault == "no run":
        run = tmp_path / "nothing"
    else:
        run = _fake_run(tmp_path, status="FAILED" if fault == "failed" else "ok", skip=syllabus_order()[0])
    with pytest.raises(site.SiteError, match="make"):
        site.stage(run, tmp_path / "src")


def test_stage_writes_the_korean_pages_and_the_language_switch(tmp_path):
    """Every page has its Korean page (ko/...), each links the other; Korean text where translated."""
    pages = site.stage(_fake_run(tmp_path), tmp_path / "src")
    src = tmp_path / "src"
    toc = (src / "_toc.yml").read_text()
    assert [line.split("file: ")[1] for line in toc.splitlines() if "file: ko/day" in line] == [
        f"ko/{p.removesuffix('.ipynb')}" for p in pages
    ]
    assert "file: ko/index" in toc
    korean_index = (src / "ko" / "index.md").read_text(encoding="utf-8")
    assert all(f"]({p})" in korean_index for p in pages) and "](../index.md)" in korean_index
    assert "](ko/index.md)" in (src / "index.md").read_text(encoding="utf-8")
    for page in pages:
        english = nbformat.read(src / page, as_version=4)
        korean = nbformat.read(src / "ko" / page, as_version=4)
        up = "../" * page.count("/")
        assert any(f"]({up}ko/{page})" in c.source for c in english.cells if c.cell_type == "markdown"), page
        assert any(f"](../{up}{page})" in c.source for c in korean.cells if c.cell_type == "markdown"), page
        assert [c.source for c in korean.cells if c.cell_type == "code"] == [
            c.source for c in english.cells if c.cell_type == "code"
        ], f"{page}: the Korean page shows other code"
    korean_links = site.page_links("day1/ex1.ipynb", "https://github.com/o/r", "ko")
    assert "ko/student/day1/ex1.ipynb" in korean_links and "학생판" in korean_links
    assert "labpath=ko%2Fstudent%2Fday1%2Fex1.ipynb" in korean_links  # Binder opens the Korean one
    title = next(c.source for c in nbformat.read(src / "ko" / pages[0], as_version=4).cells)
    assert re.search(r"[\uac00-\ud7a3]", title), "the first notebook is translated: its title is Korean"
