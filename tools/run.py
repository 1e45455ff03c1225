"""Benchmark entry point (``make run``): execute notebooks headless and tabulate the results.

    python -m tools.run [--profile quick|full] [--out build] [NOTEBOOK ...]

Each notebook runs in a fresh kernel from its own folder with ``ML2DL_PROFILE`` set.  Executed
copies go to ``build/executed/``; ``build/results.md`` and ``build/results.json`` hold one row per
notebook: status, wall time, the kernel's peak memory and the metrics the notebook passed to
``helpers.record_metric`` (test accuracy, time per epoch, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from helpers.runtime import course_seed, get_profile
from tools import course, provenance

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
# The kernel prints its raw ru_maxrss and its platform; peak_rss_mb() converts (units differ by OS).
# It also prints Keras's precision policy where the notebook imported Keras ("none" where not).
PEAK_MEMORY_CELL = (
    "import resource as _r, sys as _s; "
    "print('ML2DL_PEAK_RSS', _s.platform, _r.getrusage(_r.RUSAGE_SELF).ru_maxrss); "
    "_k = _s.modules.get('keras'); "
    "print('ML2DL_POLICY', _k.mixed_precision.global_policy().name if _k else 'none')"
)


def peak_rss_mb(ru_maxrss: int, platform: str) -> float:
    """Peak resident memory in MB (2**20 bytes) from ``getrusage().ru_maxrss``.

    ``ru_maxrss`` is in bytes on macOS (``darwin``) and in KiB on Linux and the other Unixes.
    """
    return ru_maxrss / 2**20 if platform == "darwin" else ru_maxrss / 1024


def course_notebooks() -> list[Path]:
    """The course notebooks in teaching order (course.toml)."""
    return [NOTEBOOKS / path for path in course.paths()]


def _policy(nb) -> str | None:
    """The precision policy printed by PEAK_MEMORY_CELL (None where the cell did not run)."""
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
    found = re.search(r"ML2DL_POLICY\s+(\S+)", text)
    return found.group(1) if found else None


def _peak_rss_mb(nb) -> float | None:
    """The peak memory printed by PEAK_MEMORY_CELL (its output may arrive in several chunks)."""
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
    found = re.search(r"ML2DL_PEAK_RSS\s+(\S+)\s+(\d+)", text)
    return peak_rss_mb(int(found.group(2)), found.group(1)) if found else None


def run_notebook(
    path: Path, profile: str, out_dir: Path, timeout: int = 3600, seed: int | None = None
) -> dict:
    """Execute one notebook; return its results row (never raises for a failing notebook).

    The kernel gets ``ML2DL_PROFILE``, ``ML2DL_METRICS_FILE`` and (if given) ``ML2DL_SEED`` in its
    own environment; this process's environment is left as it was.
    """
    path, out_dir = path.resolve(), out_dir.resolve()  # the kernel runs in the notebook's folder
    rel = path.relative_to(NOTEBOOKS) if path.is_relative_to(NOTEBOOKS) else Path(path.name)
    metrics_file = out_dir / "metrics" / rel.with_suffix(".jsonl")
    metrics_file.parent.mkdir(parents=True, exist_ok=True)
    metrics_file.unlink(missing_ok=True)

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    env = dict(os.environ, ML2DL_PROFILE=profile, ML2DL_METRICS_FILE=str(metrics_file))
    if seed is not None:
        env["ML2DL_SEED"] = str(seed)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    status, error = "ok", ""
    watch = provenance.CpuWatch().start()
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        status = "FAILED"
        error = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    wall = time.perf_counter() - start
    load = watch.stop()  # after execute(): the kernel has been shut down, its CPU time counted
    peak = _peak_rss_mb(nb) if status == "ok" else None
    policy = _policy(nb)
    nb.cells.pop()  # the executed copy shows only the notebook's own cells

    executed = out_dir / "executed" / rel
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)

    metrics = {}
    if metrics_file.exists():
        for line in metrics_file.read_text().splitlines():
            item = json.loads(line)
            metrics[item["name"]] = item["value"]
    return {
        "notebook": str(rel),
        "profile": profile,
        "seed": course_seed() if seed is None else seed,  # None: the kernel inherits ML2DL_SEED or uses 42
        "status": status,
        "wall_s": round(wall, 1),
        "peak_mem_mb": None if peak is None else round(peak),
        "metrics": metrics,
        "error": error,
        "provenance": provenance.row_provenance(path, load, policy),
    }


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"
    return "" if value is None else str(value)


def results_markdown(rows: list[dict]) -> str:
    lines = [
        "| notebook | profile | status | wall time (s) | peak memory (MB) | key metrics |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in rows:
        metrics = ", ".join(f"{k} = {_fmt(v)}" for k, v in r["metrics"].items())
        if r["error"]:
            metrics = (metrics + "; " if metrics else "") + f"error: {r['error']}"
        lines.append(
            f"| {r['notebook']} | {r['profile']} | {r['status']} | {r['wall_s']:.1f} "
            f"| {_fmt(r['peak_mem_mb'])} | {metrics} |"
        )
    return "\n".join(lines) + "\n"


def merge_rows(path: Path, rows: list[dict]) -> list[dict]:
    """Put ``rows`` into the results file ``path``: a row replaces the row of the same notebook, rows
    of notebooks that are no longer in course.toml are dropped, the rest stay; course order."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    by_notebook = {r["notebook"]: r for r in old}
    by_notebook.update({r["notebook"]: r for r in rows})
    merged = [by_notebook[nb] for nb in course.paths() if nb in by_notebook]
    path.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.run", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every day*/ notebook")
    parser.add_argument("--profile", default=None, help="quick or full (default: ML2DL_PROFILE)")
    parser.add_argument("--seed", type=int, default=None, help="course seed (default: ML2DL_SEED, else 42)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build", help="output folder")
    parser.add_argument(
        "--into",
        type=Path,
        default=None,
        help="also put the rows into this committed results file (results/<profile>-seed<seed>.json): "
        "they replace the rows of the same notebooks; rows of notebooks no longer in course.toml go",
    )
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    # --seed, else ML2DL_SEED (checked by course_seed: a bad value is a clear error), else 42
    seed = args.seed if args.seed is not None else course_seed()
    paths = args.notebooks or course_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error("no such notebook: " + ", ".join(map(str, missing)))
    if args.into is not None and args.into.name != f"{profile}-seed{seed}.json":
        parser.error(
            f"--into {args.into}: a run with profile {profile} and seed {seed} "
            f"goes into {profile}-seed{seed}.json"
        )

    rows = []
    for i, path in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {path} ({profile}, seed {seed}) ...", flush=True)
        row = run_notebook(path, profile, args.out, seed=seed)
        rows.append(row)
        print(
            f"      {row['status']} in {row['wall_s']:.1f} s, peak {_fmt(row['peak_mem_mb'])} MB "
            f"{row['metrics']}{'  ' + row['error'] if row['error'] else ''}",
            flush=True,
        )

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    table = results_markdown(rows)
    (args.out / "results.md").write_text(table)
    print("\n" + table + f"\nwritten: {args.out / 'results.md'}, {args.out / 'results.json'}")
    if args.into is not None:
        merged = merge_rows(args.into, rows)
        print(f"{len(rows)} row(s) put into {args.into} ({len(merged)} rows now)")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
