"""Capacity figures of one classroom machine: the limits, derived from measurements.

From the load runs that ``python -m tools.classroom_load`` (``make classroom-load``) measures and the
per-notebook peaks ``make run`` committed in results/ (for the notebooks the load does not run, Day 3's
CNNs among them), :func:`derive` computes the capacity table (memory per student per course day,
students per 16 GB / 64 GB node) and the per-student limits both hub configurations use; everything
goes to classroom/capacity.json. :func:`update_readme` rewrites README.md's generated capacity section
from that file and :func:`update_z2jh` the limits in classroom/z2jh-config.yaml.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from tools import course
from tools.classroom_config import REPO_ROOT
from tools.markers import MarkerError, html_markers, replace_between

CAPACITY_JSON = REPO_ROOT / "classroom" / "capacity.json"
README = REPO_ROOT / "README.md"
RESULTS = {
    "quick": REPO_ROOT / "results" / "quick-seed42.json",
    "full": REPO_ROOT / "results" / "full-seed42.json",
}
#: What each student runs in the load test: course.toml's [classroom] load_notebooks.
NOTEBOOKS = tuple(f"notebooks/{nb}" for nb in course.classroom_load_notebooks())
COMMAND = "make classroom-load"
BEGIN, END = html_markers("classroom")

#: Policy, not measurement (stated in the README): memory kept free for the system and the hub on a
#: node, the margin over the measured peak that a limit adds, and the step limits are rounded up to.
SYSTEM_RESERVE_MB = 1024
MARGIN = 1.25
STEP_MB = 256
NODES_GB = (16, 64)
MB = 2**20


# ------------------------------------------------------------------------------------------------
# the derived table
# ------------------------------------------------------------------------------------------------


def _round_up(mb: float) -> int:
    return int(math.ceil(mb / STEP_MB) * STEP_MB)


def _day(notebook: str) -> int:
    return int(notebook.split("/")[-2].removeprefix("day"))


def derive(runs: list[dict]) -> dict:
    """The capacity table and the limits, from the load runs and results/*.json."""
    ok = [row for run in runs for row in run["rows"] if not row["failures"]]
    if not ok:
        raise SystemExit("classroom_load: every student failed; nothing to derive (see the failures above)")
    # the server's own share: the tree's peak minus the kernel's peak, at most over all students
    server_mb = max(row["tree_peak_mb"] - max(nb["kernel_peak_mb"] for nb in row["notebooks"]) for row in ok)
    hub_mb = max(run["hub_mb"] for run in runs)
    measured = {}  # day -> peak kernel MB measured under load
    for row in ok:
        for nb in row["notebooks"]:
            d = _day(nb["notebook"])
            measured[d] = max(measured.get(d, 0), nb["kernel_peak_mb"])
    days = []
    made = {p: json.loads(f.read_text()) for p, f in RESULTS.items()}
    for d in sorted({_day(r["notebook"]) for r in made["quick"]}):
        row = {"day": d}
        for profile, results in made.items():
            peaks = [
                (r["peak_mem_mb"], r["notebook"])
                for r in results
                if _day(r["notebook"]) == d and r["peak_mem_mb"]
            ]
            mb, nb = max(peaks)
            row[f"{profile}_kernel_mb"], row[f"{profile}_heaviest"] = mb, nb
            row[f"{profile}_student_mb"] = mb + server_mb
        row["hub_kernel_mb"] = measured.get(d)  # None: not run under the hub load
        for profile in made:
            for gb in NODES_GB:
                row[f"{profile}_fit_{gb}gb"] = int(
                    (gb * 1024 - SYSTEM_RESERVE_MB - hub_mb) // row[f"{profile}_student_mb"]
                )
        days.append(row)
    quick_peak = max(max(r["quick_student_mb"] for r in days), max(measured.values()) + server_mb)
    mem_limit = _round_up(quick_peak * MARGIN)
    day1 = next(r for r in days if r["day"] == 1)
    mem_guarantee = _round_up(day1["quick_student_mb"])
    # CPU. Alone, a notebook uses its CPU time (measured under the hub) over its `make run` wall time
    # (one notebook at a time): the most a student can use, the limit. At the largest N, the share each
    # student got while all the notebooks still finished (the table's wall times): the guarantee.
    alone = {r["notebook"]: r["wall_s"] for r in made["quick"]}
    solo = [
        nb["kernel_cpu_s"] / alone[nb["notebook"].removeprefix("notebooks/")]
        for row in ok
        for nb in row["notebooks"]
    ]
    largest = max(runs, key=lambda r: r["students"])
    shared = [
        nb["kernel_cpu_s"] / nb["wall_s"]
        for row in largest["rows"]
        if not row["failures"]
        for nb in row["notebooks"]
    ]
    limits = {
        "mem_limit": f"{mem_limit}M",
        "mem_guarantee": f"{mem_guarantee}M",
        "cpu_limit": math.ceil(max(solo) * 2) / 2,
        "cpu_guarantee": math.ceil(sum(shared) / len(shared) * 10) / 10,
    }
    for row in days:
        for gb in NODES_GB:
            row[f"limit_fit_{gb}gb"] = int((gb * 1024 - SYSTEM_RESERVE_MB - hub_mb) // mem_limit)
    return {
        "server_mb": server_mb,
        "hub_mb": hub_mb,
        "days": days,
        "limits": limits,
        "cores_alone_max": round(max(solo), 2),
        "cores_shared_mean": round(sum(shared) / len(shared), 2),
        "cores_shared_n": largest["students"],
    }


# ------------------------------------------------------------------------------------------------
# README
# ------------------------------------------------------------------------------------------------


def slowdown(cap: dict) -> str:
    """One sentence: how the median mnist_softmax wall time grew from the smallest to the largest N."""
    runs = sorted(cap["runs"], key=lambda r: r["students"])

    def median(run):
        walls = sorted(
            x["wall_s"]
            for r in run["rows"]
            if not r["failures"]
            for x in r["notebooks"]
            if x["notebook"] == NOTEBOOKS[1]
        )
        return walls[len(walls) // 2] if walls else None

    lo, hi = median(runs[0]), median(runs[-1])
    if not lo or not hi:
        return ""
    return (
        f"From {runs[0]['students']} to {runs[-1]['students']} students at once the median mnist_softmax "
        f"wall time grew {hi / lo:.1f}× ({runs[-1]['students'] / runs[0]['students']:.0f}× the students) on "
        f"{cap['machine']['cpus']} cores that other jobs were using too (load averages in the table)."
    )


def render(cap: dict) -> str:
    d, lim, m = cap["derived"], cap["derived"]["limits"], cap["machine"]
    lines = [
        BEGIN,
        f"<!-- made by `{COMMAND}` (measures, writes classroom/capacity.json) and "
        "`python -m tools.classroom_load --readme` (this table, from that file); do not edit -->",
        "",
        f"Measured on {m['cpus']} CPU cores and {m['memory_gb']} GB of memory shared with other jobs "
        "(so wall times are upper bounds), one hub on loopback, N students at once, each running the "
        "quick-profile Day 1 ex1 and Day 2 mnist_softmax notebooks on their own kernel:",
        "",
        "| students at once | ex1 wall time (s, median / max) | mnist_softmax wall time (s, median / max) "
        "| peak memory per student (MB, server + kernel) | server start (s, max) | failures "
        "| machine load before (1-min load average) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in cap["runs"]:
        ok = [r for r in run["rows"] if not r["failures"]]
        cells = []
        for nb in NOTEBOOKS:
            walls = sorted(x["wall_s"] for r in ok for x in r["notebooks"] if x["notebook"] == nb)
            cells.append(f"{walls[len(walls) // 2]:.0f} / {walls[-1]:.0f}" if walls else "–")
        peak = max((r["tree_peak_mb"] or 0) for r in ok) if ok else 0
        start = max((r.get("server_start_s") or 0) for r in run["rows"])
        fails = sum(len(r["failures"]) for r in run["rows"])
        lines.append(
            f"| {run['students']} | {cells[0]} | {cells[1]} | {peak} | {start:.0f} | {fails} "
            f"| {run['load_before']} |"
        )
    lines += [
        "",
        f"Memory per student per course day: the student's server ({d['server_mb']} MB, measured above) plus "
        "the kernel's peak on the day's heaviest notebook, as `make run` measured it (results/*.json, one "
        "notebook at a time, no hub; the load's own kernel peaks are beside it). Students "
        f"per node: (node memory − {SYSTEM_RESERVE_MB} MB for the system − {d['hub_mb']} MB for the hub "
        "and proxy, measured) ÷ memory per student; an extrapolation from one student's peak, assuming "
        "one running kernel per student (idle kernels are shut down after 20 min).",
        "",
        "| day | heaviest notebook (quick) | per student, quick (MB) "
        "| kernel peak measured under the hub (MB) | students per 16 GB / 64 GB node, quick (extrapolated) "
        "| per student, full (MB) | per 16 GB / 64 GB, full (extrapolated) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    under_hub = {_day(nb): Path(nb).stem for nb in NOTEBOOKS}
    for r in d["days"]:
        hub = f"{r['hub_kernel_mb']} ({under_hub[r['day']]})" if r["hub_kernel_mb"] else "– (not run)"
        lines.append(
            f"| {r['day']} | {r['quick_heaviest']} | {r['quick_student_mb']} | {hub} "
            f"| {r['quick_fit_16gb']} / {r['quick_fit_64gb']} | {r['full_student_mb']} "
            f"| {r['full_fit_16gb']} / {r['full_fit_64gb']} |"
        )
    lines += [
        "",
        f"**Limits** (both configurations read them from classroom/capacity.json): memory limit "
        f"**{lim['mem_limit']}** per student = the heaviest quick-profile day × {MARGIN} margin, rounded up "
        f"to {STEP_MB} MB; guarantee **{lim['mem_guarantee']}** = Day 1 (numpy). With the limit reserved "
        f"for everyone, a 16 GB node takes {d['days'][0]['limit_fit_16gb']} students and a 64 GB node "
        f"{d['days'][0]['limit_fit_64gb']}; the guarantee lets a Day 1 class pack denser. CPU: alone, a "
        f"notebook keeps up to {d['cores_alone_max']} cores busy (its CPU time under the hub ÷ its "
        f"`make run` wall time): limit **{lim['cpu_limit']}** cores, rounded up to half a core; with "
        f"{d['cores_shared_n']} students at once each got {d['cores_shared_mean']} cores on average and "
        f"the notebooks finished in the times above: guarantee **{lim['cpu_guarantee']}**, rounded up to a "
        f"tenth. {slowdown(cap)}",
        *grading_lines(cap),
        END,
    ]
    return "\n".join(lines)


def grading_lines(cap: dict) -> list[str]:
    """The grading table (``make classroom-load``'s --grading runs), or a line saying it is not measured."""
    runs = cap.get("grading")
    if not runs:
        return [
            "",
            "**Grading** has not been measured yet: `python -m tools.classroom_load --grading 2,4,8`.",
        ]
    first = runs[0]
    lines = [
        "",
        f"**Grading** (`make grade`: nbgrader autograding one student after the other, each notebook on a "
        f"fresh kernel, hidden cases included): N students each submitted Day {first['day']} "
        f"({', '.join(first['notebooks'])}) with every exercise answered, so every notebook runs whole.",
        "",
        "| submissions | grading wall time (s) | per student (s, median / max) | scores "
        "| others' CPU | commit | date (UTC) |",
        "|---:|---:|---:|---|---:|---|---|",
    ]
    for run in runs:
        per = sorted(run["per_student_s"])
        median = per[len(per) // 2] if len(per) % 2 else (per[len(per) // 2 - 1] + per[len(per) // 2]) / 2
        scores = ", ".join(sorted(set(run["scores"])))
        prov = run.get("provenance") or {}
        others = prov.get("others_cpu_fraction")
        others_text = "?" if others is None else f"{100 * others:.1f} %"
        lines.append(
            f"| {run['students']} | {run['wall_s']:g} | {median:g} / {max(per):g} | {scores} "
            f"| {others_text} | {prov.get('commit') or '?'} | {(prov.get('date') or '?')[:16]} |"
        )
    every = sorted(t for run in runs for t in run["per_student_s"])
    half = len(every) // 2
    median = every[half] if len(every) % 2 else (every[half - 1] + every[half]) / 2
    lines += [
        "",
        f"Grading takes {median:.0f} s per student (median of all {len(every)} gradings above) and runs one "
        f"student after the other: a class of 30 takes about {30 * median / 60:.0f} min on this machine.",
    ]
    if first.get("provenance"):
        prov = first["provenance"]
        lines[-1] += (
            f' Measured on {prov["cpus"]} × {prov["cpu"]}, Python {prov["python"]}; "others\' CPU" is the '
            'share of the machine other processes used while it graded; "+dirty": files differed from '
            "the commit while it ran (the measurement's own results, being written)."
        )
    return lines


def update_readme(cap: dict, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    body = render(cap).removeprefix(BEGIN).removesuffix(END)
    try:
        readme.write_text(replace_between(text, BEGIN, END, body, where=str(readme)), encoding="utf-8")
    except MarkerError as exc:
        raise SystemExit(str(exc)) from None


Z2JH = REPO_ROOT / "classroom" / "z2jh-config.yaml"
Z2JH_BEGIN, Z2JH_END = "  # generated:limits:begin\n", "  # generated:limits:end\n"


def z2jh_limits(limits: dict) -> str:
    return (
        f"  memory:\n    limit: {limits['mem_limit']}\n    guarantee: {limits['mem_guarantee']}\n"
        f"  cpu:\n    limit: {limits['cpu_limit']}\n    guarantee: {limits['cpu_guarantee']}\n"
    )


def update_z2jh(cap: dict, path: Path = Z2JH) -> None:
    """Write the limits into classroom/z2jh-config.yaml (one machine's config reads capacity.json)."""
    text = path.read_text(encoding="utf-8")
    try:
        new = replace_between(text, Z2JH_BEGIN, Z2JH_END, z2jh_limits(cap["limits"]), where=str(path))
    except MarkerError as exc:
        raise SystemExit(str(exc)) from None
    path.write_text(new, encoding="utf-8")
