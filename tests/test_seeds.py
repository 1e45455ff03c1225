"""Every notebook honours ML2DL_SEED: no random generator seeded with a number of its own.

``make run SEED=7`` (``ML2DL_SEED``) re-runs the course with other random numbers to measure how much
its results vary; a generator seeded with a literal (``np.random.default_rng(0)``, ``Dropout(0.3,
seed=0)``) draws the same numbers under every seed and hides part of that spread. So every seed a
notebook writes goes through ``helpers.course_seed(...)`` (the seed itself under the default 42) or
``helpers.set_seed(...)``, or a function that passes its ``seed`` on to them (``make_mlp(seed=3)``).
The scan reads every notebook's code cells (tools.course.paths()); helpers/ itself is not scanned:
its data definitions (the quick profile's subset, the validation split) stay fixed by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT

from tools import course

#: Calls that seed or make a random generator themselves (matched on the end of the dotted name).
GENERATORS = ("default_rng", "RandomState", "random.seed", "random.set_seed", "set_random_seed", "PCG64")
#: The course's own ways to seed; a function that passes its ``seed`` to one of them is added.
ROUTES = {"course_seed", "set_seed"}


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _called(node: ast.Call) -> str:
    return dotted(node.func).split(".")[-1]


def routing_functions(trees: list[ast.AST]) -> set[str]:
    """ROUTES and every function (of these sources) whose ``seed`` parameter reaches one of them."""
    routes = set(ROUTES)
    defs = [n for t in trees for n in ast.walk(t) if isinstance(n, ast.FunctionDef)]
    while True:
        more = {
            d.name
            for d in defs
            if d.name not in routes
            and any(
                isinstance(c, ast.Call)
                and _called(c) in routes
                and any(
                    isinstance(a, ast.Name) and a.id == "seed"
                    for a in [*c.args, *(k.value for k in c.keywords)]
                )
                for c in ast.walk(d)
            )
        }
        if not more:
            return routes
        routes |= more


def _routed(node: ast.AST, routes: set[str]) -> bool:
    return any(isinstance(c, ast.Call) and _called(c) in routes for c in ast.walk(node))


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def unrouted_seeds(tree: ast.AST, routes: set[str]) -> list[str]:
    """The places in ``tree`` that seed randomness without ``ML2DL_SEED``, as ``line: what``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            seed_args = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "seed")]
            if name.endswith(GENERATORS) and not any(_routed(a, routes) for a in seed_args):
                found.append(f"{node.lineno}: {name}({', '.join(ast.unparse(a) for a in seed_args)})")
            elif _called(node) not in routes:
                for k in node.keywords:
                    if k.arg == "seed" and _literal(k.value):
                        found.append(f"{node.lineno}: {name}(seed={ast.unparse(k.value)})")
        elif isinstance(node, ast.FunctionDef) and node.name not in routes:
            params = [*node.args.args, *node.args.kwonlyargs]
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + node.args.defaults
            defaults += node.args.kw_defaults
            for param, default in zip(params, defaults, strict=True):
                if param.arg == "seed" and _literal(default):
                    found.append(
                        f"{node.lineno}: def {node.name}(seed={ast.unparse(default)}) never routes it"
                    )
    return found


def code_cells(path: Path) -> list[ast.AST]:
    trees = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            lines = [
                "" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines()
            ]
            trees.append(ast.parse("\n".join(lines)))
    return trees


HELPERS = [ast.parse(p.read_text()) for p in sorted((REPO_ROOT / "helpers").glob("*.py"))]


@pytest.mark.parametrize("notebook", course.paths())
def test_every_seed_of_the_notebook_goes_through_course_seed(notebook):
    trees = code_cells(REPO_ROOT / "notebooks" / notebook)
    routes = routing_functions([*HELPERS, *trees])
    found = [
        f"cell {i}, line {place}" for i, tree in enumerate(trees) for place in unrouted_seeds(tree, routes)
    ]
    assert not found, f"{notebook}: seeded without helpers.course_seed(...) (ML2DL_SEED ignored): {found}"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("rng = np.random.default_rng(0)", True),
        ("rng = np.random.default_rng()", True),
        ("np.random.seed(1)", True),
        ("tf.random.set_seed(3)", True),
        ("keras.layers.Dropout(0.3, seed=0)", True),
        ("def f(n, seed=0):\n    return np.random.default_rng(seed).permutation(n)", True),
        ("rng = np.random.default_rng(helpers.course_seed(0))", False),
        ("keras.layers.Dropout(0.3, seed=helpers.course_seed(0))", False),
        ("helpers.set_seed(42)", False),
        (
            "def f(n, seed=0):\n    return np.random.default_rng(course_seed(seed)).permutation(n)\n"
            "f(3, seed=4)",
            False,
        ),
        ("def g(seed=1):\n    helpers.set_seed(seed)\ng(seed=5)", False),
        ("model = make_mlp(seed=3)", False),  # helpers.dnn/cnn: passes seed to set_seed
    ],
)
def test_the_scan_tells_a_routed_seed_from_a_literal_one(source, flagged):
    tree = ast.parse(source)
    assert bool(unrouted_seeds(tree, routing_functions([*HELPERS, tree]))) is flagged
