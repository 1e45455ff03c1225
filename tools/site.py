"""The course website's source (``make site``): executed notebooks staged as a Jupyter Book 1.x project.

    python -m tools.site --run build/site-run --out build/site-src

``make site`` first executes every notebook with ``make run`` (quick profile unless ``PROFILE=full``)
into ``build/site-run/`` (executed copies in ``executed/``, the results table in ``results.md``).
This module turns that run into a Jupyter Book source folder:

- ``index.md``, the landing page: the course blurb from ``notebooks/index.ipynb`` and the syllabus
  (days, notebooks, topics, datasets, run times and results from the committed ``results/*.json``,
  the same table as the README's), each notebook linked to its page;
- ``dayN/<notebook>.ipynb``, the executed solutions edition, prepared for reading (see
  :func:`prepare_notebook`): the code a student writes is collapsed, written answers fold into an
  "Answer" box, progress bars are frozen into static HTML, and a line under the title links the
  notebook's source, its student edition and (where pyproject.toml names a repository) Binder;
- ``results.md``, the results table of this very run;
- ``ko/``, the Korean edition (한국어판): ``ko/index.md`` and ``ko/dayN/<notebook>.ipynb``, the same
  executed notebooks with their markdown from the catalogues ``i18n/ko/`` (tools/i18n.py; no second
  execution: a Korean page shows the English run's code and outputs, whose printed messages are the
  English ones; the Korean notebooks print them in Korean), prepared the same way; every page links its
  page in the other language (the language switch, under the title);
- ``_toc.yml`` (one part per day) and ``_config.yml`` (offline: MathJax from a package, no
  execution, no launch buttons that need a CDN).

``jupyter-book build`` (installed from ``book/requirements.txt`` into ``build/site-tools``) then
writes the HTML to ``build/site/``.  This module only needs the standard library, nbformat and
the course's helpers.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

from tools import i18n, readme
from tools.binder_badge import binder_url

REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTION_BEGIN = "### BEGIN SOLUTION"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
TITLE = "Machine Learning to Deep Learning"


class SiteError(Exception):
    """The run to publish is missing or incomplete (the message says what to do)."""


def repository_url(pyproject: Path = REPO_ROOT / "pyproject.toml") -> str | None:
    """``[project.urls] Repository`` from pyproject.toml (the one place holding it), or None."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return config.get("project", {}).get("urls", {}).get("Repository")


# ---------------------------------------------------------------------------------------------
# One notebook page
# ---------------------------------------------------------------------------------------------


def _is_answer_markdown(cell) -> bool:
    return cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution", False)


def _fold_answer(source: str) -> str:
    """A written answer inside a collapsed MyST admonition ("Answer", opened by a click)."""
    fence = "`" * max(4, 1 + max((len(m) for m in re.findall(r"`{3,}", source)), default=0))
    return f"{fence}{{admonition}} Answer\n:class: dropdown\n\n{source.strip()}\n{fence}"


def _progress_html(model_id: str, state: dict) -> str | None:
    """A tqdm bar (an HBox of HTML, progress, HTML) as static HTML with its final values, or None."""
    box = state.get(model_id, {})
    if box.get("model_name") != "HBoxModel":
        return None
    parts = []
    for child in box["state"].get("children", []):
        model = state.get(str(child).removeprefix("IPY_MODEL_"), {})
        name, values = model.get("model_name"), model.get("state", {})
        if name == "HTMLModel":
            parts.append(f"<span>{values.get('value', '')}</span>")  # already HTML (tqdm escapes it)
        elif name in ("FloatProgressModel", "IntProgressModel"):
            value, top = values.get("value", 0), values.get("max", 100)
            parts.append(f'<progress value="{value}" max="{top}"></progress>')
        else:
            return None
    if not any(p.startswith("<progress") for p in parts):
        return None
    return '<div class="ml2dl-progress">' + " ".join(parts) + "</div>"


def freeze_widgets(nb) -> int:
    """Replace widget outputs by static HTML (tqdm bars) or their text; drop the widget state.

    A rendered widget needs the ipywidgets JavaScript manager from a CDN, which an offline site
    cannot load: the static picture of the final state is what a reader needs.  Returns how many
    outputs were replaced.
    """
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            frozen = _progress_html(data[WIDGET_VIEW].get("model_id", ""), state)
            output["data"] = {"text/html": frozen} if frozen else {"text/plain": data.get("text/plain", "")}
            replaced += 1
    return replaced


#: The words of the line under a page's title, per language (None: English).
PAGE_WORDS = {
    None: ("Source", "solutions edition", "student edition", "launch the student edition on Binder"),
    "ko": ("원본", "풀이판", "학생판", "Binder에서 학생판 열기"),
}


def page_links(notebook: str, repository: str | None, lang: str | None = None) -> str:
    """The line under a page's title: source, student edition, Binder (where a repository is set);
    a translated page links that edition's notebooks (``<lang>/notebooks/``, ``<lang>/student/``)."""
    folder = f"{lang}/" if lang else ""
    source, student = f"{folder}notebooks/{notebook}", f"{folder}student/{notebook}"
    w_source, w_solutions, w_student, w_binder = PAGE_WORDS[lang]
    if repository is None:
        return f"*{w_source}: `{source}` ({w_solutions}); {w_student}: `{student}`.*"
    base = repository.removesuffix(".git").rstrip("/")
    return (
        f"*{w_source}: [{source}]({base}/blob/HEAD/{quote(source)}) ({w_solutions}) · "
        f"[{w_student}]({base}/blob/HEAD/{quote(student)}) · "
        f"[{w_binder}]({binder_url(repository, student)})*"
    )


#: The site's other languages: code -> (the link text in that language, what a page links it with).
LANGUAGES = {"ko": "한국어"}


def language_switch(notebook: str, lang: str | None) -> str:
    """The link from a page to the same page in the other language (``lang`` None: an English page)."""
    depth = notebook.count("/")
    if lang is None:
        return " · ".join(f"[{name}]({'../' * depth}{code}/{notebook})" for code, name in LANGUAGES.items())
    return f"[English]({'../' * (depth + 1)}{notebook})"


def run_note(row: dict | None) -> str:
    if row is None:
        return ""
    profile, seed, wall = row["profile"], row["seed"], row["wall_s"]
    return f" *Executed for this site in the {profile} profile (seed {seed}) in {wall:.0f} s.*"


def prepare_notebook(
    nb, notebook: str, repository: str | None, row: dict | None = None, lang: str | None = None
):
    """The executed solutions edition made into a page (in place; returns ``nb``).

    - code cells with a solution region (the functions and exercise answers a student writes) keep
      their outputs but show their source collapsed (myst-nb's ``hide-input`` tag);
    - written answers (nbgrader ``solution`` markdown) fold into a closed "Answer" box;
    - widget outputs are frozen (:func:`freeze_widgets`);
    - a markdown cell after the title links the source, the student edition and Binder.
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            tags = cell.metadata.setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
        elif _is_answer_markdown(cell):
            cell.source = _fold_answer(cell.source)
    freeze_widgets(nb)
    title_at = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# ")), -1
    )
    links = f"{page_links(notebook, repository, lang)}{run_note(row)}\n\n{language_switch(notebook, lang)}"
    nb.cells.insert(title_at + 1, nbformat.v4.new_markdown_cell(links))
    for cell in nb.cells:  # ids must stay unique; the new cell gets a fresh one from nbformat
        cell.metadata.pop("execution", None)
    return nb


# ---------------------------------------------------------------------------------------------
# The book
# ---------------------------------------------------------------------------------------------


def course_blurb(index: Path = REPO_ROOT / "notebooks" / "index.ipynb") -> str:
    """The course's opening text: the first cell of notebooks/index.ipynb without its title."""
    nb = nbformat.read(index, as_version=4)
    return "\n".join(line for line in nb.cells[0].source.splitlines() if not line.startswith("# ")).strip()


def landing_page(results: readme.Results, profile: str) -> str:
    table = readme.render_syllabus(results, link=lambda nb: f"[{Path(nb).stem}]({nb})")
    korean = " · ".join(f"[{name}]({code}/index.md)" for code, name in LANGUAGES.items())
    return f"""# {TITLE}

{course_blurb()}

**{korean}** — the course in the lecture's own language (한국어판).

## Syllabus

Each notebook is a page with its code, plots and printed results, executed for this site in the
**{profile}** profile ([this build's results](results.md)). The parts a student writes are collapsed:
try them first in the student edition (the link under each page's title), then open the code here
to compare. Run times and results below are the course's committed measurements (the README's
table): *quick* trains on 5,000 MNIST digits, *full* on all 60,000.

{table}
"""


def korean_landing_page(results: readme.Results, lang: str = "ko") -> str:
    """ko/index.md: the Korean index's opening cell and the syllabus, linked to the Korean pages."""
    index = i18n.translate(
        nbformat.read(REPO_ROOT / "notebooks" / "index.ipynb", as_version=4), "index.ipynb", lang, results,
        language_cell=False,
    )  # fmt: skip
    opening = index.cells[0].source
    table = readme.render_syllabus(results, link=lambda nb: f"[{Path(nb).stem}]({nb})")
    return f"""{opening}

[English](../index.md)

{table}
"""


def results_page(run_dir: Path, profile: str) -> str:
    table = (run_dir / "results.md").read_text(encoding="utf-8")
    return f"""# Results of this build

Every notebook of the course, executed headless by `make run` (profile **{profile}**) for this
site: status, wall time on the build machine, the kernel's peak memory and the metrics each
notebook records with `helpers.record_metric`.

{table}
"""


def toc(notebooks: list[str]) -> str:
    days: dict[str, list[str]] = {}
    for nb in notebooks:
        days.setdefault(nb.split("/", 1)[0], []).append(nb)
    lines = ["format: jb-book", "root: index", "parts:"]
    for day, pages in days.items():
        lines += [f'  - caption: "Day {day.removeprefix("day")}"', "    chapters:"]
        lines += [f"      - file: {Path(p).with_suffix('')}" for p in pages]
    lines += ['  - caption: "Results"', "    chapters:", "      - file: results"]
    for code, name in LANGUAGES.items():
        lines += [f'  - caption: "{name}"', "    chapters:", f"      - file: {code}/index"]
        lines += [f"      - file: {code}/{Path(p).with_suffix('')}" for p in notebooks]
    return "\n".join(lines) + "\n"


def config(repository: str | None) -> str:
    cfg = {
        "title": TITLE,
        "author": "the ml2dl authors",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "parse": {"myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence"]},
        "html": {"use_repository_button": repository is not None, "home_page_in_navbar": True},
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": ""},
        # MathJax 3 served from the build (the sphinx-mathjax-offline package), never from a CDN.
        "sphinx": {"extra_extensions": ["sphinx-mathjax-offline"], "config": {"html_show_sourcelink": False}},
    }
    if repository is not None:
        cfg["repository"] = {"url": repository.removesuffix(".git"), "branch": "HEAD"}
    return json.dumps(cfg, indent=2, ensure_ascii=False) + "\n"  # JSON is YAML


def stage(run_dir: Path, out: Path, profile: str | None = None) -> list[str]:
    """Write the book source for the run in ``run_dir`` into ``out`` (emptied first); returns the
    notebook pages in syllabus order."""
    results_json = run_dir / "results.json"
    if not results_json.is_file():
        raise SiteError(f"{results_json} is missing: run the notebooks first (make run OUT={run_dir})")
    rows = {r["notebook"]: r for r in json.loads(results_json.read_text(encoding="utf-8"))}
    failed = [nb for nb, r in rows.items() if r["status"] != "ok"]
    if failed:
        raise SiteError(
            f"these notebooks failed in {run_dir} and would publish a traceback: {', '.join(failed)}; "
            "fix them, then make site"
        )
    notebooks = readme.syllabus_order()
    missing = [nb for nb in notebooks if not (run_dir / "executed" / nb).is_file()]
    if missing:
        raise SiteError(
            f"no executed copy of {', '.join(missing)} in {run_dir / 'executed'}: run make site again"
        )
    profile = profile or next(iter(rows.values()))["profile"]
    repository = repository_url()

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    results = readme.load_results()
    for notebook in notebooks:
        executed = nbformat.read(run_dir / "executed" / notebook, as_version=4)
        for lang in (*LANGUAGES, None):  # the English last: prepare_notebook changes it in place
            nb = executed if lang is None else i18n.translate(executed, notebook, lang, results, False, False)
            prepare_notebook(nb, notebook, repository, rows.get(notebook), lang)
            page = out / (lang or "") / notebook
            page.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, page)
    for lang in LANGUAGES:
        (out / lang / "index.md").write_text(korean_landing_page(results, lang), encoding="utf-8")
    (out / "index.md").write_text(landing_page(results, profile), encoding="utf-8")
    (out / "results.md").write_text(results_page(run_dir, profile), encoding="utf-8")
    (out / "_toc.yml").write_text(toc(notebooks), encoding="utf-8")
    (out / "_config.yml").write_text(config(repository), encoding="utf-8")
    return notebooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--run", type=Path, default=REPO_ROOT / "build" / "site-run", help="a make run OUT folder"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "build" / "site-src", help="book source folder"
    )
    args = parser.parse_args(argv)
    try:
        pages = stage(args.run, args.out)
    except (SiteError, readme.ReadmeError) as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    print(f"staged {len(pages)} notebook pages + index + results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
