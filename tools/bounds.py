"""The bars the notebooks assert, derived from the committed runs (``make readme`` writes them).

A notebook does not type the bar it asserts: it asserts ``acc >= helpers.bound("cnn_mnist_test_accuracy")``
(or ``gap <= helpers.bound(...)``), and the bar comes from ``helpers/bounds.json``, which this module
derives from the committed results rows (``results/{profile}-seed{N}.json``, every seed of the
profile; trusted rows only, :mod:`tools.trust`).  ``course.toml`` declares each bounded metric
(``bounds``) with what it is:

- an accuracy measured on n images (``metric = n``, or ``{quick = n, full = m}``): a lower bar,

      bar = min over the seeds - max(2 x spread, 3 SE),  SE = sqrt(p (1 - p) / n)

  (spread = max - min over the seeds, p = their mean).  Three standard errors cover what sampling
  n images alone moves an accuracy by; twice the spread covers what the seed moves it by (order,
  initial weights, dropout): the spread of three seeds understates that of more (with one spread,
  CI's seed 104 put VGG's augmented quick test accuracy under its bar: commit 78285a2 says by how
  much and how it was measured);
- another quantity, ``metric = "at least"`` or ``"at most"`` (a gap, a ratio): the claim is about its
  size, not its digits, so the margin is max(spread, half the value nearest the bar):

      bar = min - max(spread, min / 2)   or   bar = max + max(spread, max / 2).

Bars are rounded away from the measurements (4 decimals).  A declared metric that no row records yet
gets the bar ``null``: ``helpers.bound`` refuses it, except in a calibration run
(``ML2DL_CALIBRATE=1 make run ...``), where every bar is open (the run measures what sets them).
CI runs the quick profile with a seed that is *not* among those measured (``.ci/run``), so the
bars are tested on seeds they were not fitted to.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from tools import course

REPO_ROOT = Path(__file__).resolve().parents[1]
BOUNDS_FILE = REPO_ROOT / "helpers" / "bounds.json"
#: Standard errors of the test-set sampling a margin covers at least.
SE_FACTOR = 3
#: How many times the measured seeds' spread an accuracy's margin covers at least.
SPREAD_FACTOR = 2
#: Seeds a profile's bar should be measured over (fewer are flagged in the file and the README).
WANTED_SEEDS = 3


#: Declarations of a quantity that is not an accuracy, and the side of the bar.
SIDES = ("at least", "at most")


def images(n, profile: str):
    return n[profile] if isinstance(n, dict) else n


def derive_one(values: list[float], kind) -> dict:
    """The bar for ``values`` (one per seed): ``kind`` is the number of images an accuracy is measured
    on, or "at least" / "at most" for another quantity."""
    lo, hi = min(values), max(values)
    out = {"min": lo, "max": hi, "seeds": len(values)}
    if kind == "at most":
        margin = max(hi - lo, abs(hi) / 2)
        return out | {
            "bound": math.ceil((hi + margin) * 10_000) / 10_000,
            "margin": round(margin, 6),
            "side": kind,
        }
    if kind == "at least":
        margin = max(hi - lo, abs(lo) / 2)
    else:
        p = sum(values) / len(values)
        margin = max(SPREAD_FACTOR * (hi - lo), SE_FACTOR * math.sqrt(max(p * (1 - p), 0.0) / kind))
        out["images"] = kind
    return out | {
        "bound": math.floor((lo - margin) * 10_000) / 10_000,
        "margin": round(margin, 6),
        "side": "at least",
    }


def derive(results) -> dict:
    """{profile: {metric: bar}} for every bound course.toml declares (``results``: (profile, seed) ->
    {notebook: row}, as :func:`tools.readme.load_results` gives)."""
    out: dict[str, dict] = {}
    profiles = sorted({p for p, _ in results})
    for nb in course.notebooks():
        for metric, n in sorted(nb.bounds.items()):
            for profile in profiles:
                measured = {
                    seed: by_nb[nb.path]["metrics"].get(metric)
                    for (p, seed), by_nb in results.items()
                    if p == profile and nb.path in by_nb
                }
                measured = {s: v for s, v in measured.items() if isinstance(v, (int, float))}
                values = list(measured.values())
                if not values:  # not measured yet: the notebooks refuse it unless calibrating
                    side = n if n in SIDES else "at least"
                    out.setdefault(profile, {})[metric] = {"bound": None, "side": side, "seeds": 0}
                    continue
                bar = derive_one(values, images(n, profile))
                bar["seeds_measured"] = sorted(measured)
                out.setdefault(profile, {})[metric] = bar
    return out


def text(results) -> str:
    return json.dumps(derive(results), indent=2, sort_keys=True) + "\n"


def is_stale(results, path: Path = BOUNDS_FILE) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != text(results)


def update(results, path: Path = BOUNDS_FILE) -> bool:
    """Rewrite helpers/bounds.json from ``results``; True if it changed."""
    new = text(results)
    if path.exists() and path.read_text(encoding="utf-8") == new:
        return False
    path.write_text(new, encoding="utf-8")
    return True
