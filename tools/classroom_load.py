"""Capacity of one classroom machine, measured: N students at once on a loopback JupyterHub.

``python -m tools.classroom_load`` (``make classroom-load``) starts the classroom's hub
(tools.classroom_driver.Hub: classroom/jupyterhub_config.py on 127.0.0.1) once per N in ``--students``
(default 2, 4, 8). All N students log in at the same moment, start their servers, follow the
nbgitpuller link (a bare clone of this repository's HEAD stands in for the public one) and run the
quick-profile Day 1 ex1 and Day 2 mnist_softmax notebooks (solutions edition) on their own kernels,
one after the other. It records, per student and notebook: wall time, the kernel's peak resident
memory (``ru_maxrss``, as ``make run`` measures it), its CPU time, and the peak resident memory of
the student's whole process tree (server + kernel, sampled with psutil every 0.25 s); and failures.

From those measurements and the per-notebook peaks ``make run`` committed in results/ (for the
notebooks the load does not run, Day 3's CNNs among them) tools/classroom_capacity.py derives the
capacity table (memory per student per course day, students per 16 GB / 64 GB node) and the
per-student limits both hub configurations use; everything goes to classroom/capacity.json, and
``--readme`` rewrites README.md's generated capacity section from that file (without measuring again).

Grading is measured too (``--grading 2,4,8`` alone, or after the hub runs for the same N): N
students submit Day 1 with every exercise answered and ``make grade``'s code (tools/grading.py)
collects and autogrades them; the batch's wall time and each student's go to capacity.json's
``grading`` and the README's grading table.

Every run is bounded: each cell has a timeout, and the hub with its servers is stopped in a
``finally``, also after a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools import provenance
from tools.classroom_capacity import (
    CAPACITY_JSON,
    COMMAND,
    MARGIN,
    MB,
    NOTEBOOKS,
    STEP_MB,
    SYSTEM_RESERVE_MB,
    derive,
    update_readme,
    update_z2jh,
)
from tools.classroom_config import REPO_ROOT, link
from tools.classroom_driver import Hub, Student


class Sampler(threading.Thread):
    """Peak resident memory (MB) of each registered process tree, sampled until stopped."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval, self.roots, self.peaks = interval, {}, {}
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def watch(self, key: str, pid: int) -> None:
        with self.lock:
            self.roots[key] = pid

    def run(self) -> None:
        import psutil

        while not self.stopped.is_set():
            with self.lock:
                roots = dict(self.roots)
            for key, pid in roots.items():
                try:
                    root = psutil.Process(pid)
                    rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                except psutil.Error:
                    continue
                self.peaks[key] = max(self.peaks.get(key, 0), round(rss / MB))
            self.stopped.wait(self.interval)


def one_student(hub: Hub, name: str, url: str, sampler: Sampler, cell_timeout: float) -> dict:
    out = {"student": name, "notebooks": [], "failures": []}
    t0 = time.monotonic()
    try:
        s = Student(hub, name).login().start_server(timeout=600)
        out["server_start_s"] = round(time.monotonic() - t0, 1)
        pulled = s.follow(url, timeout=600)
        out["pull_s"] = round(time.monotonic() - t0 - out["server_start_s"], 1)
        root = pulled["opened"].split("/lab/tree/", 1)[1].split("/")[0]
        for nb in NOTEBOOKS:
            r = s.run_notebook(
                f"{root}/{nb}", cell_timeout=cell_timeout, on_kernel=lambda k, srv: sampler.watch(name, srv)
            )
            out["notebooks"].append(
                {
                    k: r.get(k)
                    for k in ("notebook", "wall_s", "kernel_peak_mb", "kernel_cpu_s", "cells", "errors")
                }
            )
            out["notebooks"][-1]["notebook"] = nb
            if r["errors"]:
                out["failures"].append(f"{nb}: {r['errors'][0][:300]}")
    except Exception as exc:  # noqa: BLE001 - a student's failure is a measurement, not a crash
        out["failures"].append(f"{type(exc).__name__}: {str(exc)[:300]}")
    return out


def measure(n: int, workdir: Path, course_python: str, cell_timeout: float) -> dict:
    upstream = workdir / "upstream" / "ml2dl"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(REPO_ROOT), str(upstream)], check=True)
    branch = subprocess.run(
        ["git", "-C", str(upstream), "symbolic-ref", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    students = [f"student{i + 1}" for i in range(n)]
    hub = Hub(workdir / "hub", students, ["instructor"], course_python)
    sampler = Sampler()
    load_before = round(os.getloadavg()[0], 1)  # other jobs on the machine (1-min load average)
    t0 = time.monotonic()
    try:
        hub.start()
        sampler.start()
        url = link(str(upstream), branch)
        with ThreadPoolExecutor(max_workers=n) as pool:
            rows = list(pool.map(lambda name: one_student(hub, name, url, sampler, cell_timeout), students))
        import psutil

        hub_mb = 0
        for p in hub.processes():
            try:
                if "jupyterhub-singleuser" not in " ".join(p.cmdline()) and "ipykernel" not in " ".join(
                    p.cmdline()
                ):
                    hub_mb += p.memory_info().rss
            except psutil.Error:
                pass
    finally:
        sampler.stopped.set()
        hub.stop()
    for row in rows:
        row["tree_peak_mb"] = sampler.peaks.get(row["student"])
    return {
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 1),
        "students": n,
        "wall_s": round(time.monotonic() - t0, 1),
        "hub_mb": round(hub_mb / MB),
        "rows": rows,
    }


def measure_grading(n: int, workdir: Path, day: int = 1) -> dict:
    """``n`` students submit ``day`` (every exercise answered: each notebook runs whole) and the
    instructor grades them with ``make grade``'s code (tools.grading.grade: one student after the
    other): the wall time of the batch and of each student's grading, and the scores."""
    from tools import grading

    exchange, root = workdir / "exchange", workdir / "grading"
    exchange.mkdir(mode=0o777, parents=True)
    saved = {k: os.environ.get(k) for k in ("ML2DL_EXCHANGE", "ML2DL_STRICT_CHECKS")}
    os.environ["ML2DL_EXCHANGE"] = str(exchange)
    os.environ.pop("ML2DL_STRICT_CHECKS", None)  # the autograder runs notebooks as students do
    try:
        grading.write_assignment(root, day, exchange=str(exchange))
        grading.release(root, day)
        for i in range(n):
            home = workdir / "homes" / f"student{i + 1}"
            home.mkdir(parents=True)
            grading.as_student(home, exchange, "fetch_assignment", f"day{day}")
            for path in sorted((home / f"day{day}").glob("*.ipynb")):
                grading.answer(path)
            grading.as_student(home, exchange, "submit", f"day{day}", student=f"student{i + 1}")
        load_before = round(os.getloadavg()[0], 1)
        stamps: list[float] = []
        watch = provenance.CpuWatch().start()
        t0 = time.monotonic()
        book = grading.grade(
            root, day, log=lambda line: "autograding" in line and stamps.append(time.monotonic())
        )
        wall = time.monotonic() - t0
        load = watch.stop()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    ends = [*stamps[1:], t0 + wall]
    import csv

    with book.open() as f:
        rows = list(csv.DictReader(f))
    return {
        "students": n,
        "day": day,
        "notebooks": sorted(p.name for p in (root / "source" / f"day{day}").glob("*.ipynb")),
        "wall_s": round(wall, 1),
        "per_student_s": [round(b - a, 1) for a, b in zip(stamps, ends, strict=True)],
        "scores": [f"{float(r['score']):g}/{float(r['max_score']):g}" for r in rows],
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 1),
        "provenance": _grading_provenance(load),
    }


def _grading_provenance(load: dict) -> dict:
    """Where a grading run ran: commit, UTC date, CPU, versions and the other processes' share of the
    machine while it graded (tools.provenance, as `make run` records its rows)."""
    commit, dirty = provenance.git_commit()
    return {
        "commit": None if commit is None else commit[:7] + ("+dirty" if dirty else ""),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": provenance.cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "others_cpu_fraction": load.get("others_cpu_fraction"),
        "steal_fraction": load.get("steal_fraction"),
    }


def grading_runs(counts: str) -> list[dict]:
    runs = []
    for n in [int(x) for x in counts.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"ml2dl-grading-{n}-") as tmp:
            print(f"classroom_load: grading {n} submissions ...", flush=True)
            runs.append(measure_grading(n, Path(tmp)))
            print(f"  {json.dumps(runs[-1])}", flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.classroom_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--students", default="2,4,8", help="comma-separated N (default 2,4,8)")
    parser.add_argument("--cell-timeout", type=float, default=1200)
    parser.add_argument(
        "--readme", action="store_true", help="only rewrite README.md and z2jh-config.yaml from capacity.json"
    )
    parser.add_argument(
        "--derive",
        action="store_true",
        help="only derive the table and limits again from capacity.json's load runs and the current "
        "results/*.json (after `make run` results change), then rewrite README.md and z2jh-config.yaml",
    )
    parser.add_argument(
        "--grading",
        default=None,
        help="only measure grading: comma-separated N submissions of Day 1 graded by `make grade`'s code "
        "(e.g. 2,4,8); the runs go into capacity.json's 'grading', the README table follows",
    )
    args = parser.parse_args(argv)
    if args.grading:
        cap = json.loads(CAPACITY_JSON.read_text(encoding="utf-8"))
        cap["grading"] = grading_runs(args.grading)
        CAPACITY_JSON.write_text(json.dumps(cap, indent=1) + "\n", encoding="utf-8")
    elif args.derive:
        cap = json.loads(CAPACITY_JSON.read_text(encoding="utf-8"))
        cap["derived"] = derive(cap["runs"])
        cap["limits"] = cap["derived"]["limits"]
        CAPACITY_JSON.write_text(json.dumps(cap, indent=1) + "\n", encoding="utf-8")
        print(f"classroom_load: derived {CAPACITY_JSON.relative_to(REPO_ROOT)} again from results/")
    elif not args.readme:
        import psutil

        runs = []
        for n in [int(x) for x in args.students.split(",")]:
            with tempfile.TemporaryDirectory(prefix=f"ml2dl-load-{n}-") as tmp:
                print(f"classroom_load: {n} students ...", flush=True)
                run = measure(n, Path(tmp), sys.executable, args.cell_timeout)
                for row in run["rows"]:
                    print(f"  {json.dumps(row)}", flush=True)
                runs.append(run)
        cap = {
            "command": COMMAND,
            "machine": {
                "cpus": os.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30),
                "platform": platform.platform(),
                "note": "shared with other jobs while measured",
            },
            "runs": runs,
            "policy": {"system_reserve_mb": SYSTEM_RESERVE_MB, "margin": MARGIN, "step_mb": STEP_MB},
        }
        cap["derived"] = derive(runs)
        cap["limits"] = cap["derived"]["limits"]
        cap["grading"] = grading_runs(args.students)
        CAPACITY_JSON.write_text(json.dumps(cap, indent=1) + "\n", encoding="utf-8")
        print(f"classroom_load: wrote {CAPACITY_JSON.relative_to(REPO_ROOT)}")
    cap = json.loads(CAPACITY_JSON.read_text(encoding="utf-8"))
    update_readme(cap)
    update_z2jh(cap)
    print("classroom_load: README.md's capacity section and classroom/z2jh-config.yaml's limits rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
