"""Whether a results row may be shown: it must say where it comes from, be fresh and be quiet.

A row of ``results/*.json`` backs the README's tables and the numbers rendered into the notebooks'
prose.  It is refused when

- it has no ``provenance`` (it predates ``make run``'s provenance: nobody can say what produced it);
- the notebook's code changed since the run: the row's ``code_sha256`` (or, in rows older than that
  field, the whole notebook's ``notebook_sha256``) differs from the notebook today.  Prose edits do
  not make a row stale, code edits do (:func:`tools.provenance.code_sha256`);
- it was measured on a busy machine: other processes used more than :data:`MAX_OTHERS` of the CPU,
  or the hypervisor stole more than :data:`MAX_STEAL` of it, while the notebook ran.

A fresh, quiet row of a run that failed is shown (as failed): that is what the notebook does today.

:func:`problems` says what is wrong with one row, :func:`refusals` lists every refused row of the
committed results with the command that measures it again.  ``make readme`` and ``make test`` call it.
"""

from __future__ import annotations

from pathlib import Path

from tools import course, provenance

#: Largest share of the machine's CPU time that other processes may use during a run (10 %): a
#: quiet machine measured 0.0–0.6 %, a run beside the test suite 40–70 %.
MAX_OTHERS = 0.10
#: Largest share of the CPU time the hypervisor may steal during a run.
MAX_STEAL = 0.05


def _current(notebook: str) -> tuple[str, str] | None:
    """(code hash, file hash) of the course notebook ``notebook`` today; None if it is not in the course."""
    path = course.NOTEBOOKS_DIR / notebook
    if notebook not in course.by_path() or not path.exists():
        return None
    return provenance.code_sha256(path), provenance.sha256(path)


def problems(row: dict) -> list[str]:
    """What makes ``row`` unfit to be shown ([] when it is fine)."""
    found = []
    prov = row.get("provenance")
    if not isinstance(prov, dict):
        return found + ["it has no provenance (commit, notebook hash, machine, load): it predates them"]
    current = _current(row.get("notebook", ""))
    if current is None:
        found.append("its notebook is not in course.toml")
    elif "code_sha256" in prov:
        if prov["code_sha256"] != current[0]:
            found.append(f"the notebook's code changed since the run (commit {str(prov.get('commit'))[:7]})")
    elif prov.get("notebook_sha256") != current[1]:
        found.append(f"the notebook changed since the run (commit {str(prov.get('commit'))[:7]})")
    load = prov.get("load") or {}
    others, steal = load.get("others_cpu_fraction"), load.get("steal_fraction")
    if others is None:
        found.append("the machine's load during the run was not measured")
    elif others > MAX_OTHERS:
        found.append(f"other processes used {others:.0%} of the CPU during the run (limit {MAX_OTHERS:.0%})")
    if steal is not None and steal > MAX_STEAL:
        found.append(f"the hypervisor stole {steal:.0%} of the CPU during the run (limit {MAX_STEAL:.0%})")
    return found


def remeasure_command(notebook: str, profile: str, seed: int, results_file: Path | str) -> str:
    """The command that measures ``notebook`` again into ``results_file`` (on a quiet machine)."""
    seed_part = "" if seed == 42 else f" SEED={seed}"
    return f"make run PROFILE={profile}{seed_part} NOTEBOOKS=notebooks/{notebook} INTO={results_file}"


def refusals(results: dict[tuple[str, int], dict[str, dict]], results_dir: Path | str) -> list[str]:
    """One line per refused row of ``results`` ((profile, seed) -> {notebook: row}): what is wrong and
    the command that measures it again."""
    lines = []
    for (profile, seed), rows in sorted(results.items()):
        for notebook, row in rows.items():
            wrong = problems(row)
            if wrong:
                where = Path(results_dir).name + f"/{profile}-seed{seed}.json"
                lines.append(
                    f"{where}: {notebook}: {'; '.join(wrong)}. Measure it again on a quiet machine: "
                    f"{remeasure_command(notebook, profile, seed, where)}"
                )
    return lines
