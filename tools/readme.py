"""README tables from committed results (``make readme``): syllabus, benchmarks, results across seeds.

    python -m tools.readme [--check] [--results DIR] [--readme PATH]

``make run`` writes ``build/results.json``; a copy committed as ``results/{profile}-seed{seed}.json``
(``results/quick-seed42.json``, ``results/full-seed42.json``, ``results/full-seed1.json``, ...) is
the only source of the numbers in README.md's syllabus and benchmark tables.  This module renders
those tables and rewrites README.md between the marker comments ``<!-- generated:NAME:begin -->``
and ``<!-- generated:NAME:end -->`` (NAME: syllabus, benchmarks, seeds); the text outside the
markers is left as it is.  ``--check`` only compares: exit status 1 when README.md differs from what
the results give, 2 when results files or markers are missing.  Standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
from pathlib import Path

from tools import bounds, course, prose, trust
from tools.course import Key
from tools.markers import MarkerError, html_markers, replace_between
from tools.markers import span as marker_span

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "results"
README = REPO_ROOT / "README.md"
#: The students' entry page: its syllabus table is made from course.toml too.
INDEX = REPO_ROOT / "notebooks" / "index.ipynb"

PROFILES = ("quick", "full")  # every one needs a seed-42 file; README columns in this order
REFERENCE_SEED = 42  # the course seed: syllabus and benchmark tables show its runs
SECTIONS = ("syllabus", "benchmarks", "seeds")
NOTE = "<!-- made by `make readme` from results/*.json; do not edit -->"
MISSING = "–"
FILE_NAME = re.compile(r"([a-z]+)-seed(\d+)\.json")
# Times and speeds describe the machine, not the seed: left out of the seeds table.
TIME_SUFFIXES = ("_s", "(s)", "_seconds", "_minutes", "_per_second")


# (profile, seed) -> {notebook: results row}
Results = dict[tuple[str, int], dict[str, dict]]


class ReadmeError(Exception):
    """Results files or README markers are missing or malformed (the message says what to do)."""


# ---------------------------------------------------------------------------------------------
# Formatting


def format_wall(seconds: float | None) -> str:
    """Syllabus wall time: ``5 s``, ``64 s`` below 100 s, else ``1.7 min``, ``10.5 min``."""
    if seconds is None:
        return MISSING
    if round(seconds) < 100:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def format_seconds(seconds: float | None) -> str:
    """A measured time: ``2.4 s``, ``64.1 s`` below 100 s, else ``10.5 min``."""
    if seconds is None:
        return MISSING
    if round(seconds, 1) < 100:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def format_mb(mb: float | None) -> str:
    return MISSING if mb is None else f"{round(mb):,} MB"


def format_value(value, kind: str) -> str:
    """``value`` in the format ``kind`` (see :class:`Key`); ``–`` for None, strings as they are."""
    if value is None:
        return MISSING
    if not _is_number(value):
        return _cell(str(value))
    if kind in ("pct1", "pct2"):
        return f"{100 * value:.{kind[-1]}f} %"
    if re.fullmatch(r"f\d", kind):
        return f"{value:.{kind[1]}f}"
    if kind == "int":
        return f"{round(value):,}"
    if kind == "usd":
        return f"${round(value):,}"
    if kind == "sci":
        return f"{value:.0e}"
    if kind == "s":
        return format_seconds(value)
    if kind == "min":
        return f"{value:.1f} min"
    if kind == "str":
        return _cell(str(value))
    raise ValueError(f"unknown format kind {kind!r}")


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_time_metric(name: str) -> bool:
    """Times and speeds (``_s``, ``(s)``, ``_minutes``, ``_per_second`` endings) vary with the machine."""
    return name.endswith(TIME_SUFFIXES)


# ---------------------------------------------------------------------------------------------
# Results files


def _show(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _how_to_make(path: Path, profile: str, seed: int) -> str:
    seed_part = "" if seed == REFERENCE_SEED else f" SEED={seed}"
    return f"run `make run PROFILE={profile}{seed_part} INTO={_show(path)}` on a quiet machine"


def load_results(results_dir: Path = RESULTS_DIR) -> Results:
    """Read every ``{profile}-seed{seed}.json`` in ``results_dir``; seed 42 is needed for each profile."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        first = results_dir / f"{PROFILES[0]}-seed{REFERENCE_SEED}.json"
        raise ReadmeError(
            f"no results folder {_show(results_dir)}: {_how_to_make(first, PROFILES[0], REFERENCE_SEED)}"
            f" (likewise for every profile: {', '.join(PROFILES)})"
        )
    results: Results = {}
    for path in sorted(results_dir.glob("*-seed*.json")):
        match = FILE_NAME.fullmatch(path.name)
        if match:
            profile, seed = match[1], int(match[2])
            results[(profile, seed)] = _read_results_file(path, profile, seed)
    for profile in PROFILES:
        if (profile, REFERENCE_SEED) not in results:
            path = results_dir / f"{profile}-seed{REFERENCE_SEED}.json"
            raise ReadmeError(f"missing {_show(path)}: {_how_to_make(path, profile, REFERENCE_SEED)}")
    refused = trust.refusals(results, results_dir)
    if refused:
        raise ReadmeError(
            f"{len(refused)} results row(s) cannot back a figure (tools/trust.py says why):\n  "
            + "\n  ".join(refused)
        )
    return results


def _read_results_file(path: Path, profile: str, seed: int) -> dict[str, dict]:
    redo = _how_to_make(path, profile, seed)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReadmeError(f"{_show(path)} is not valid JSON ({exc}): {redo}") from exc
    if not isinstance(rows, list):
        raise ReadmeError(f"{_show(path)} is not a list of results rows: {redo}")
    by_notebook: dict[str, dict] = {}
    for i, row in enumerate(rows):
        where = f"{_show(path)}, row {i + 1}"
        if not isinstance(row, dict):
            raise ReadmeError(f"{where} is not an object: {redo}")
        lacking = [k for k in ("notebook", "profile", "seed", "status", "wall_s", "metrics") if k not in row]
        if lacking:
            raise ReadmeError(f"{where} lacks {', '.join(lacking)}: {redo}")
        if (row["profile"], row["seed"]) != (profile, seed):
            raise ReadmeError(
                f"{where} is a run with profile {row['profile']} and seed {row['seed']}, "
                f"but the file name says profile {profile} and seed {seed}: {redo}"
            )
        notebook = row["notebook"]
        if notebook not in course.by_path():
            raise ReadmeError(
                f"{where}: notebook {notebook} is not in course.toml; "
                "add its entry (title, topic, dataset, key metrics) there, or re-run make run"
            )
        if notebook in by_notebook:
            raise ReadmeError(f"{where}: {notebook} appears twice: {redo}")
        by_notebook[notebook] = row
    return by_notebook


# ---------------------------------------------------------------------------------------------
# Sections


def _profiles(results: Results) -> list[str]:
    """Profiles with a seed-42 file: quick, full first, then any other alphabetically."""
    present = {p for p, seed in results if seed == REFERENCE_SEED}
    return [p for p in PROFILES if p in present] + sorted(present - set(PROFILES))


def _metric(row: dict | None, key: Key):
    return None if row is None else row["metrics"].get(key.metric)


def _wall(row: dict | None) -> str:
    if row is None:
        return MISSING
    return format_wall(row["wall_s"]) if row["status"] == "ok" else "FAILED"


def _compare(key: Key, before: dict | None, after: dict | None) -> str:
    a, b = format_value(_metric(before, key), key.kind), format_value(_metric(after, key), key.kind)
    return f"{key.label} {a if a == b else f'{a} → {b}'}"


def syllabus_order() -> list[str]:
    """The course notebooks in teaching order (course.toml)."""
    return course.paths()


def readme_link(notebook: str) -> str:
    """The README's syllabus link: the student edition first (what a student works in), the worked
    solutions beside it."""
    return f"[{Path(notebook).stem}](student/{notebook}) ([solutions](notebooks/{notebook}))"


def render_syllabus(results: Results, link=readme_link) -> str:
    """The syllabus table: every course notebook, its wall times and key metrics, quick → full.

    ``link(notebook)`` gives the Markdown of the notebook column (the course website links its pages).
    """
    quick = results[(PROFILES[0], REFERENCE_SEED)]
    full = results[(PROFILES[1], REFERENCE_SEED)]
    lines = [
        "| day | notebook | topic | dataset | quick | full | result (quick → full) |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for notebook in syllabus_order():
        info = course.by_path()[notebook]
        day = notebook.split("/", 1)[0]
        q, f = quick.get(notebook), full.get(notebook)
        result = ", ".join(_compare(key, q, f) for key in info.keys)
        lines.append(
            f"| {day.removeprefix('day')} | {link(notebook)} | {info.topic} | {info.dataset} "
            f"| {_wall(q)} | {_wall(f)} | {result} |"
        )
    return "\n".join(lines) + "\n"


def render_benchmarks(results: Results) -> str:
    """One table per profile (seed 42): status, wall time, peak memory and key metrics per notebook."""
    parts = []
    for profile in _profiles(results):
        rows = results[(profile, REFERENCE_SEED)]
        ok = sum(r["status"] == "ok" for r in rows.values())
        total = sum(r["wall_s"] for r in rows.values())
        name = f"results/{profile}-seed{REFERENCE_SEED}.json"
        lines = [
            f"Profile **{profile}**, seed {REFERENCE_SEED} ([`{name}`]({name})): {ok} of {len(rows)} "
            f"notebooks ok, {format_seconds(total)} in total.",
            "",
            "| notebook | status | wall time | peak memory | key metrics |",
            "|---|---|---:|---:|---|",
        ]
        for notebook in [nb for nb in syllabus_order() if nb in rows]:
            row = rows[notebook]
            metrics = ", ".join(
                f"{k.label} {format_value(_metric(row, k), k.kind)}" for k in course.by_path()[notebook].keys
            )
            status = "ok"
            if row["status"] != "ok":
                status = "FAILED"
                metrics += f"; error: {_cell(str(row.get('error') or 'unknown'))}"
            lines.append(
                f"| {notebook.removesuffix('.ipynb')} | {status} | {format_seconds(row['wall_s'])} "
                f"| {format_mb(row.get('peak_mem_mb'))} | {metrics} |"
            )
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _format_stat(value: float, kind: str, spread: bool = False) -> str:
    if spread and kind in ("pct1", "pct2"):
        return f"{100 * value:.{kind[-1]}f} pp"
    if kind == "int" and not float(value).is_integer():
        return f"{value:,.1f}"
    return format_value(value, kind)


def render_seeds(results: Results) -> str:
    """Key numeric metrics (no times) that have results for two or more seeds in one profile."""
    profiles = _profiles(results) + sorted({p for p, _ in results} - set(_profiles(results)))
    lines = []
    for notebook in syllabus_order():
        for key in course.by_path()[notebook].keys:
            if is_time_metric(key.metric):
                continue
            for profile in profiles:
                values = {}
                for (p, seed), rows in results.items():
                    row = rows.get(notebook)
                    if p == profile and row is not None and row["status"] == "ok":
                        value = row["metrics"].get(key.metric)
                        if _is_number(value):
                            values[seed] = value
                if len(values) < 2:
                    continue
                seeds = sorted(values)
                low, high = min(values.values()), max(values.values())
                mean = statistics.fmean(values[s] for s in seeds)
                lines.append(
                    f"| {notebook.removesuffix('.ipynb')} | {key.label.removesuffix(' =')} | {profile} "
                    f"| {', '.join(map(str, seeds))} | {_format_stat(mean, key.kind)} "
                    f"| {_format_stat(low, key.kind)} | {_format_stat(high, key.kind)} "
                    f"| {_format_stat(high - low, key.kind, spread=True)} |"
                )
    if not lines:
        return (
            "No key metric has results for two or more seeds yet: run e.g. "
            "`make run PROFILE=full SEED=1 INTO=results/full-seed1.json` on a quiet machine.\n"
        )
    header = [
        "Runs with ok status only; times are left out (they depend on the machine, not the seed).",
        "",
        "| notebook | metric | profile | seeds | mean | min | max | spread (max − min) |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    return "\n".join(header + lines) + "\n"


def render_sections(results_dir: Path = RESULTS_DIR) -> dict[str, str]:
    """Section name -> generated markdown, from the results files in ``results_dir``."""
    results = load_results(results_dir)
    return {
        "syllabus": render_syllabus(results),
        "benchmarks": render_benchmarks(results),
        "seeds": render_seeds(results),
    }


# ---------------------------------------------------------------------------------------------
# README markers


def markers(name: str) -> tuple[str, str]:
    return html_markers(name)


def _span(text: str, name: str) -> tuple[int, int]:
    """Start and end offsets of the text between ``name``'s markers."""
    try:
        return marker_span(text, *markers(name), where="README.md")
    except MarkerError as exc:
        raise ReadmeError(str(exc)) from None


def extract_section(text: str, name: str) -> str:
    """The text between ``name``'s begin and end markers."""
    start, stop = _span(text, name)
    return text[start:stop]


def replace_sections(text: str, sections: dict[str, str]) -> str:
    """``text`` with each section's markers enclosing its generated markdown (the rest unchanged)."""
    for name, body in sections.items():
        start, stop = _span(text, name)
        text = text[:start] + f"\n{NOTE}\n\n{body.strip(chr(10))}\n\n" + text[stop:]
    return text


def render_index_table() -> str:
    """The syllabus table of notebooks/index.ipynb (links relative to notebooks/), from course.toml."""
    lines = [
        "| day | notebook (student edition) | worked solutions | topic | dataset |",
        "|---|---|---|---|---|",
    ]
    for nb in course.notebooks():
        links = f"[{nb.title}](../student/{nb.path}) | [solutions]({nb.path})"
        lines.append(f"| {nb.day} | {links} | {nb.topic} | {nb.dataset} |")
    return "\n".join(lines)


def index_texts(index: Path = INDEX) -> tuple[str, str]:
    """(notebooks/index.ipynb as it is, as it should be): the syllabus cell's table from course.toml."""
    import nbformat

    text = Path(index).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    begin, end = markers("index")
    cells = [c for c in nb.cells if c.cell_type == "markdown" and begin in c.source]
    if len(cells) != 1:
        raise ReadmeError(f"{_show(Path(index))} needs one markdown cell with the markers {begin} ... {end}")
    try:
        cells[0].source = replace_between(
            cells[0].source, begin, end, f"\n{render_index_table()}\n", where=_show(Path(index))
        )
    except MarkerError as exc:
        raise ReadmeError(str(exc)) from None
    return text, nbformat.writes(nb) + "\n"


def check_readme(readme: Path = README, results_dir: Path = RESULTS_DIR) -> list[str]:
    """Names of the sections in which ``readme`` differs from what ``results_dir`` gives ([] if none)."""
    text = Path(readme).read_text(encoding="utf-8")
    wanted = replace_sections(text, render_sections(results_dir))
    return [name for name in SECTIONS if extract_section(text, name) != extract_section(wanted, name)]


def update_readme(readme: Path = README, results_dir: Path = RESULTS_DIR) -> bool:
    """Rewrite ``readme``'s generated sections; True if the file changed."""
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    new = replace_sections(text, render_sections(results_dir))
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def update_index(index: Path = INDEX) -> bool:
    """Rewrite notebooks/index.ipynb's syllabus table from course.toml; True if the file changed."""
    text, wanted = index_texts(index)
    if wanted != text:
        Path(index).write_text(wanted, encoding="utf-8")
    return wanted != text


def _committed(results_dir: Path) -> bool:
    """Whether ``results_dir`` is the committed results: only they render the notebooks' prose."""
    return Path(results_dir).resolve() == RESULTS_DIR.resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.readme", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if README.md is stale")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder of {profile}-seed{N}.json")
    parser.add_argument("--readme", type=Path, default=README, help="the README to rewrite")
    args = parser.parse_args(argv)
    try:
        if args.check:
            index, wanted_index = index_texts()
            if index != wanted_index:
                print(
                    f"{_show(INDEX)}: its syllabus table differs from course.toml; run `make readme`",
                    file=sys.stderr,
                )
                return 1
            stale = check_readme(args.readme, args.results)
            if stale:
                text = args.readme.read_text(encoding="utf-8")
                wanted = replace_sections(text, render_sections(args.results))
                print(
                    f"{_show(args.readme)} is out of date: section(s) {', '.join(stale)} differ from what "
                    f"{_show(args.results)}/*.json gives; run `make readme` (never edit between the "
                    "generated markers by hand).",
                    file=sys.stderr,
                )
                for name in stale:
                    diff = difflib.unified_diff(
                        extract_section(text, name).splitlines(),
                        extract_section(wanted, name).splitlines(),
                        f"{name} in {_show(args.readme)}",
                        f"{name} from {_show(args.results)}",
                        lineterm="",
                        n=0,
                    )
                    print("\n".join(list(diff)[:40]), file=sys.stderr)
                return 1
            if _committed(args.results):
                results = load_results(args.results)
                if bounds.is_stale(results):
                    print(
                        f"{_show(bounds.BOUNDS_FILE)} differs from the bars {_show(args.results)}/*.json "
                        "gives (tools/bounds.py); run `make readme`",
                        file=sys.stderr,
                    )
                    return 1
                stale_nbs = prose.stale_notebooks(results)
                if stale_nbs:
                    print(
                        f"numbers in the prose of {', '.join(stale_nbs)} differ from {_show(args.results)}"
                        "/*.json; run `make readme` (never edit between <!-- metric: --> spans by hand)",
                        file=sys.stderr,
                    )
                    return 1
            print(f"{_show(args.readme)} matches {_show(args.results)}/*.json")
            return 0
        changed = update_readme(args.readme, args.results)
        if update_index():
            print(f"{_show(INDEX)} rewritten from course.toml")
        if _committed(args.results):
            results = load_results(args.results)
            if bounds.update(results):
                print(f"{_show(bounds.BOUNDS_FILE)} rewritten from {_show(args.results)}")
            for nb in prose.update_notebooks(results):
                print(f"notebooks/{nb}: numbers in its prose rewritten from {_show(args.results)}")
    except (ReadmeError, prose.ProseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{_show(args.readme)} {'rewritten' if changed else 'already up to date'} from {_show(args.results)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
