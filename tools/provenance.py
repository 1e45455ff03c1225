"""Where a results row comes from: commit, notebook content, date, machine, versions, and how busy the
machine was while the notebook ran (``make run`` stores this in every row as ``provenance``).

A number taken while something else used the CPU is not a result.  :class:`CpuWatch` measures it:
the CPU time the whole machine spent (``/proc/stat``, steal included) minus what this process and
its finished children (the notebook's kernel) spent, as a fraction of the machine's capacity over
the run.  Linux only; elsewhere the load fields are None.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import resource
import subprocess
import time
from importlib import metadata
from pathlib import Path

from helpers.runtime import _truthy  # the same reading of ML2DL_CALIBRATE as helpers.bound

REPO_ROOT = Path(__file__).resolve().parents[1]
PROC_STAT = Path("/proc/stat")
#: Packages whose versions a row records (without importing them).
PACKAGES = ("tensorflow", "keras", "numpy")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def code_sha256(notebook: Path | str) -> str:
    """sha256 of a notebook's code cells only (their sources, in order).

    What a run computes depends on the code, not on the prose around it: an edited sentence leaves
    the notebook's rows fresh, an edited line of code makes them stale (:mod:`tools.trust`).
    ``notebook`` is a path or the notebook's JSON text."""
    text = notebook if isinstance(notebook, str) and notebook.lstrip().startswith("{") else None
    cells = json.loads(text if text is not None else Path(notebook).read_text(encoding="utf-8"))["cells"]
    digest = hashlib.sha256()
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            digest.update(("".join(source) if isinstance(source, list) else source).encode("utf-8"))
            digest.update(b"\x00")
    return digest.hexdigest()


def git_commit(repo: Path = REPO_ROOT) -> tuple[str | None, bool | None]:
    """(HEAD's commit, whether tracked files differ from it); (None, None) outside a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, bool(dirty)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _machine_jiffies() -> tuple[int, int] | None:
    """(busy, steal) clock ticks of all CPUs since boot, or None where /proc/stat is missing."""
    try:
        fields = PROC_STAT.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    return user + nice + system + irq + softirq + steal, steal


def _own_cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended (the kernel, once shut down)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


class CpuWatch:
    """Measures how much of the machine others used between ``start()`` and ``stop()``.

    ``stop()`` must come after the measured child processes have ended (their CPU time is counted
    only then)."""

    def start(self) -> CpuWatch:
        self._wall, self._own, self._machine = time.monotonic(), _own_cpu_s(), _machine_jiffies()
        self._load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        return self

    def stop(self) -> dict:
        wall, own, machine = time.monotonic() - self._wall, _own_cpu_s() - self._own, _machine_jiffies()
        cores = os.cpu_count() or 1
        out = {"loadavg_1m_before": None if self._load is None else round(self._load, 2)}
        if machine is None or self._machine is None or wall <= 0:
            return out | {"others_cpu_fraction": None, "steal_fraction": None}
        hz = os.sysconf("SC_CLK_TCK")
        busy_s = (machine[0] - self._machine[0]) / hz
        steal_s = (machine[1] - self._machine[1]) / hz
        others = max(0.0, busy_s - own) / (wall * cores)
        return out | {
            "others_cpu_fraction": round(others, 3),
            "steal_fraction": round(steal_s / (wall * cores), 3),
        }


def row_provenance(notebook: Path, load: dict, precision: str | None) -> dict:
    """The ``provenance`` of a results row of ``notebook`` (``load``: :meth:`CpuWatch.stop`)."""
    commit, dirty = git_commit()
    return {
        "commit": commit,
        "tree_dirty": dirty,
        "notebook_sha256": sha256(notebook),
        "code_sha256": code_sha256(notebook),
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "versions": versions(),
        "precision": precision,
        "load": load,
        # a calibration run (ML2DL_CALIBRATE=1) opens every bar: it measures what sets them
        "calibrating": _truthy(os.environ.get("ML2DL_CALIBRATE")),
    }
