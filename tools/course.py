"""The course registry: ``course.toml`` read once, checked, and handed to every tool.

``course.toml`` (repository root) lists every notebook in teaching order with its syllabus texts and
the key metrics the README shows.  It is the only list of notebooks: ``make run`` (tools/run.py),
``make readme`` (tools/readme.py, which also writes the syllabus table of notebooks/index.ipynb),
``make site``, ``make student`` and the tests take the notebooks from here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_FILE = REPO_ROOT / "course.toml"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
#: Formats of a key metric (see Key).
KINDS = re.compile(r"pct1|pct2|f\d|int|usd|sci|s|min|str")
FIELDS = ("path", "title", "topic", "dataset", "metrics")
#: Fields an entry may add: ``bounds`` = {metric: evaluated images} (see tools/bounds.py).
OPTIONAL = ("bounds",)


class CourseError(ValueError):
    """course.toml is missing, unreadable, or names something that is not there."""


@dataclass(frozen=True)
class Key:
    """One key metric of a notebook: the name given to ``record_metric``, a short label, a format.

    kind: ``pct1``/``pct2`` (fraction shown as percent with 1/2 decimals), ``f0`` ... ``f9`` (float
    with N decimals), ``int`` (integer, thousands separator), ``usd`` (dollars, integer), ``sci``
    (scientific, one digit), ``s`` (seconds; minutes from 100 s), ``min`` (minutes, 1 decimal),
    ``str`` (shown as it is; any string value is shown as it is whatever the kind).
    """

    metric: str
    label: str
    kind: str


@dataclass(frozen=True)
class Notebook:
    """One course notebook: ``path`` relative to notebooks/ (``day1/ex1_linear_regression.ipynb``)."""

    path: str
    title: str
    topic: str
    dataset: str
    keys: tuple[Key, ...]
    #: metric -> images it is measured on (int, or {"quick": n, "full": m}): the metrics whose
    #: notebook asserts ``>= helpers.bound(metric)`` (tools/bounds.py derives the bound).
    bounds: dict = field(default_factory=dict, compare=False)

    @property
    def day(self) -> int:
        return int(self.path.split("/", 1)[0].removeprefix("day"))

    @property
    def name(self) -> str:
        """The file name without .ipynb: also the name of its case module and results key."""
        return Path(self.path).stem


def _entry(i: int, raw: dict, where: str) -> Notebook:
    here = f"{where}, notebook {i + 1}"
    missing = [f for f in FIELDS if f not in raw]
    extra = sorted(set(raw) - set(FIELDS) - set(OPTIONAL))
    if missing or extra:
        problem = f"lacks {', '.join(missing)}" if missing else f"has unknown fields {', '.join(extra)}"
        raise CourseError(
            f"{here} {problem}: each [[notebook]] has {', '.join(FIELDS)} (may add {', '.join(OPTIONAL)})"
        )
    path = raw["path"]
    if not re.fullmatch(r"day\d+/[a-z0-9_]+\.ipynb", str(path)):
        raise CourseError(f"{here}: path {path!r} is not dayN/name.ipynb (relative to notebooks/)")
    keys = []
    for m in raw["metrics"]:
        if not (isinstance(m, list) and len(m) == 3 and all(isinstance(x, str) for x in m)):
            raise CourseError(f"{here} ({path}): metric {m!r} is not [metric, label, format]")
        if not KINDS.fullmatch(m[2]):
            raise CourseError(f"{here} ({path}): metric {m[0]!r} has unknown format {m[2]!r}")
        keys.append(Key(*m))
    bounds = raw.get("bounds", {})
    for metric, n in bounds.items():
        sizes = n.values() if isinstance(n, dict) else [n]
        ok = n in ("at least", "at most") or (
            (not isinstance(n, dict) or set(n) == {"quick", "full"})
            and all(isinstance(x, int) and x > 0 for x in sizes)
        )
        if not ok:
            raise CourseError(
                f"{here} ({path}): bound {metric!r} must be the number of images an accuracy is measured on "
                f'(N or {{quick = N, full = M}}), or "at least" / "at most" for another quantity; got {n!r}'
            )
    return Notebook(path, raw["title"], raw["topic"], raw["dataset"], tuple(keys), dict(bounds))


def load(path: Path = COURSE_FILE, notebooks_dir: Path | None = NOTEBOOKS_DIR) -> tuple[Notebook, ...]:
    """The notebooks of ``path`` in teaching order; with ``notebooks_dir``, each must exist there."""
    where = path.name
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path} is missing: it lists the course's notebooks (restore it from git)") from (
            None
        )
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{where} is not valid TOML ({exc})") from None
    entries = [_entry(i, e, where) for i, e in enumerate(raw.get("notebook", []))]
    if not entries:
        raise CourseError(f"{where} lists no [[notebook]]")
    seen: set[str] = set()
    for nb in entries:
        if nb.path in seen:
            raise CourseError(f"{where}: {nb.path} is listed twice")
        seen.add(nb.path)
        if notebooks_dir is not None and not (notebooks_dir / nb.path).is_file():
            raise CourseError(f"{where} lists {nb.path}, but notebooks/{nb.path} does not exist")
    return tuple(entries)


def classroom_load_notebooks(path: Path = COURSE_FILE) -> tuple[str, ...]:
    """The notebooks the classroom's load test runs per student (course.toml's ``[classroom]``)."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("classroom", {})
    chosen = tuple(raw.get("load_notebooks", ()))
    unknown = [nb for nb in chosen if nb not in {n.path for n in notebooks()}]
    if not chosen or unknown:
        raise CourseError(
            f"{path.name}: [classroom] load_notebooks must name course notebooks"
            + (f"; not in the course: {', '.join(unknown)}" if unknown else " (it names none)")
        )
    return chosen


@cache
def notebooks() -> tuple[Notebook, ...]:
    """The course notebooks in teaching order (course.toml)."""
    return load()


def paths() -> list[str]:
    """The notebook paths (relative to notebooks/) in teaching order."""
    return [nb.path for nb in notebooks()]


def by_path() -> dict[str, Notebook]:
    return {nb.path: nb for nb in notebooks()}
