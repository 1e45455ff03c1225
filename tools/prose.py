"""Numbers in the notebooks' prose, rendered from the committed results (``make readme``).

A sentence in a markdown cell states a measured number through a span::

    a test accuracy of <!-- metric: full | cnn_mnist_test_accuracy | .2% -->99.46%<!-- /metric -->

``make readme`` rewrites the text between the two comments from ``results/{profile}-seed{N}.json``
(the row of the notebook the cell belongs to); ``make readme --check`` (so ``make test``) fails when
a span's text is not what the results say.  The comments do not show in JupyterLab or on the site.

The spec between ``metric:`` and ``-->`` is ``PROFILE | NAME | FORMAT [| STAT]``:

- PROFILE: ``quick`` or ``full``;
- NAME: a metric the notebook records (``helpers.record_metric``), or ``wall_s`` for the row's
  wall time in seconds; ``day2/mnist_dnn.ipynb:NAME`` takes it from another course notebook's row;
- FORMAT: a Python format spec (``.2%``, ``.1f``, ``,.0f``), or ``min``: seconds as minutes
  (``4.2``, ``13``);
- STAT (default ``seed 42``): ``seed N`` for one seed's row, or over every committed seed of that
  profile ``min``, ``max``, ``mean``, ``range`` (``min–max``) or ``seeds`` (how many seeds).
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import nbformat

from tools import course

SPAN = re.compile(r"<!-- metric:(?P<spec>[^>]*?)-->(?P<text>.*?)<!-- /metric -->", re.S)
STATS = ("min", "max", "mean", "range", "seeds")


class ProseError(Exception):
    """A span is malformed or names a number the results do not have (the message says what to do)."""


def _format(value, spec: str) -> str:
    if spec == "min":
        minutes = value / 60
        return f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise ProseError(f"format {spec!r} does not apply to {value!r} ({exc})") from None


def _value(row: dict, name: str):
    if name == "wall_s":
        return row.get("wall_s")
    return row.get("metrics", {}).get(name)


def render_span(spec: str, notebook: str, results, where: str) -> str:
    """The text of one span (``results``: (profile, seed) -> {notebook: row}, as tools.readme loads)."""
    parts = [p.strip() for p in spec.split("|")]
    if len(parts) not in (3, 4) or not all(parts):
        raise ProseError(f"{where}: span 'metric:{spec}' must read 'PROFILE | NAME | FORMAT [| STAT]'")
    profile, name, fmt = parts[:3]
    if ".ipynb:" in name:
        notebook, name = name.split(":", 1)
        if notebook not in course.paths():
            raise ProseError(
                f"{where}: {notebook} (in 'metric:{spec}') is not a course notebook (course.toml)"
            )
    stat = parts[3] if len(parts) == 4 else "seed 42"
    rows = {s: by_nb[notebook] for (p, s), by_nb in results.items() if p == profile and notebook in by_nb}
    redo = (
        f"run `make run PROFILE={profile} NOTEBOOKS=notebooks/{notebook} INTO=results/{profile}-seed<N>.json`"
    )
    if stat.startswith("seed "):
        seed = int(stat.split()[1])
        if seed not in rows:
            raise ProseError(f"{where}: no {profile} row of seed {seed} for {notebook}: {redo}")
        value = _value(rows[seed], name)
        if value is None:
            raise ProseError(
                f"{where}: the {profile} seed-{seed} row of {notebook} has no metric {name!r}: record it "
                f"with helpers.record_metric({name!r}, ...) and {redo}"
            )
        return _format(value, fmt)
    if stat not in STATS:
        raise ProseError(f"{where}: unknown STAT {stat!r}: use 'seed N' or one of {', '.join(STATS)}")
    values = [v for v in (_value(r, name) for r in rows.values()) if v is not None]
    if not values:
        raise ProseError(f"{where}: no {profile} row of {notebook} has the metric {name!r}: {redo}")
    if stat == "seeds":
        return str(len(values))
    if stat == "range":
        return f"{_format(min(values), fmt)}–{_format(max(values), fmt)}"
    return _format({"min": min, "max": max, "mean": statistics.fmean}[stat](values), fmt)


def render_text(text: str, notebook: str, results, where: str) -> str:
    """``text`` with every span's text rendered from ``results``."""

    def one(match: re.Match) -> str:
        rendered = render_span(match["spec"], notebook, results, where)
        return f"<!-- metric:{match['spec']}-->{rendered}<!-- /metric -->"

    return SPAN.sub(one, text)


def notebook_texts(notebook: str, results) -> tuple[str, str]:
    """(the notebook file's text, the text it should have) for a course notebook."""
    path = course.NOTEBOOKS_DIR / notebook
    text = path.read_text(encoding="utf-8")
    if "<!-- metric:" not in text:
        return text, text
    nb = nbformat.reads(text, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "<!-- metric:" in cell.source:
            cell.source = render_text(cell.source, notebook, results, f"{notebook}, cell {i + 1}")
    return text, nbformat.writes(nb) + "\n"


def stale_notebooks(results) -> list[str]:
    """Course notebooks whose rendered numbers differ from ``results``."""
    return [nb for nb in course.paths() if (pair := notebook_texts(nb, results))[0] != pair[1]]


def update_notebooks(results) -> list[str]:
    """Rewrite every course notebook whose rendered numbers are stale; the ones rewritten."""
    changed = []
    for nb in course.paths():
        old, new = notebook_texts(nb, results)
        if new != old:
            Path(course.NOTEBOOKS_DIR / nb).write_text(new, encoding="utf-8")
            changed.append(nb)
    return changed
