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

import contextlib
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


# --- The lint: every number in the prose is backed (rule: unbacked_sentences' docstring) -------------

CITATION = re.compile(r"\bdeck 00\d,? (?:slides? \d+|\*?[\"“][^\"”]+[\"”])", re.I)
SLIDE = re.compile(r"\bslides? \d+", re.I)
#: A number: scientific notation, 10⁻⁸, thousands separators, decimals; not part of a name.
NUMBER = re.compile(
    r"(?<![\w.])(?:(?P<sci>\d+(?:\.\d+)?[eE][-+]?\d+)|(?P<pow>10[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?))"
)
CODE_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
)
DURATION = re.compile(r"\s*(?:seconds?|ms|min|mins|minutes?|hours?)\b|\s+[sh]\b")
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
#: Text whose digits are never claims: code, math, comments, link targets, file names, structure.
UNCOUNTED = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"(?<![\\$])\$[^$\n]+\$"),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<[^>\n]+>"),
    re.compile(r"\]\([^)\s]*\)"),
    re.compile(r"https?://\S+"),
    re.compile(r"[\w./-]*\w\.(?:ipynb|txt|py|json|csv|md|png|h5|mat|toml)\b"),
    re.compile(r"\b(?:day|exercise|section)s? \d+(?:\s*(?:–|-|,|and|or)\s*\d+)*", re.I),
    re.compile(r"\((?:[^()]*?[A-Z][^()]*?,? )?(?:19|20)\d\d[a-z]?(?:, [^()]*)?\)"),
    re.compile(r"(?<=[A-Za-z.] \()(?:19|20)\d\d[a-z]?(?=\))"),
]
#: Where a new sentence starts: after . ! ? (not after e.g./i.e./vs./cf./et al./an initial), or a new line
#: that is a heading, list item, table row or follows a blank line.
SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bcf\.)(?<!\bal\.)(?<![ (]\w\.)(?<=[.!?])\s+(?=[^a-z])"
)
BLOCK_START = re.compile(r"\n(?=\s*(?:#|[-*+] |\d+[.)] |\|)|\s*\n)")
NUMBERING = re.compile(r"^\s*(?:#+\s*(?:\d+(?:\.\d+)*\.?\s)?|[-*+]\s|\d+[.)]\s)?")


def sentences(markdown: str) -> list[str]:
    """The sentences of a markdown cell, metric spans kept whole (their text is ignored later)."""
    text = SPAN.sub(lambda m: m[0].replace(".", "\0"), markdown)  # a span's "99.46" does not end one
    text = re.sub(r"```.*?```|\$\$.*?\$\$", lambda m: m[0].replace("\n", " "), text, flags=re.S)
    found = []
    for block in BLOCK_START.split(text):
        block = NUMBERING.sub(lambda m: re.sub(r"\d+(?:\.\d+)*[.)]?", "", m[0]), block.strip(), count=1)
        for sentence in SENTENCE_END.split(block):
            sentence = " ".join(sentence.replace("\0", ".").split())
            if sentence:
                found.append(sentence)
    return found


def _number_value(match: re.Match) -> float:
    if match["sci"]:
        return float(match["sci"])
    if match["pow"]:
        return 10.0 ** int(match["pow"][2:].translate(SUPERSCRIPT))
    return float(match["num"].replace(",", ""))


def code_numbers(nb) -> set[float]:
    """Every number literal in the notebook's code cells (strings and comments included)."""
    values = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for literal in CODE_NUMBER.findall(cell.source):
                with contextlib.suppress(ValueError):
                    values.add(round(float(literal.replace("_", "").replace(",", "")), 12))
    return values


def unbacked_numbers(sentence: str, in_code: set[float]) -> list[str]:
    """The numbers of one sentence that nothing backs (rule above); [] if it is fine."""
    if SLIDE.search(sentence) and not CITATION.search(sentence):
        return ["a slide without its deck"]
    if CITATION.search(sentence):
        return []
    text = SPAN.sub(" ", sentence)
    for pattern in UNCOUNTED:
        text = pattern.sub(" ", text)
    unbacked = []
    for match in NUMBER.finditer(text):
        value = _number_value(match)
        after = text[match.end() :]
        percent = re.match(r"\s*%", after) and round(value / 100, 12) in in_code
        if DURATION.match(after) or not (round(value, 12) in in_code or percent):
            unbacked.append(match[0])
    return unbacked


def unbacked_sentences(notebook: str | Path) -> list[str]:
    """Each sentence of a notebook's markdown whose numbers nothing backs, as
    ``'day3/cnn_mnist.ipynb, cell 4: 99.3 in "It reaches 99.3 % test accuracy."'``
    (``notebook``: a course path such as ``day3/cnn_mnist.ipynb``, or a file).

    The rule: a quantitative sentence says where its number comes from.  Every markdown cell is split
    into sentences (a heading, a list item, a table row and a paragraph each start a new one), and a
    sentence that contains a number is flagged unless every number in it is

    (a) inside a metric span (rendered from the results: the module docstring);
    (b) inside inline code, a code block or LaTeX math (``$...$``: formulas and settings, not claims);
    (c) in a sentence that cites a lecture deck and slide, "deck 002, slide 41" or "deck 001, slides
        14–15" (decks 000, 003 and 004 number no slides: there the slide's quoted title, deck 000,
        "MNIST Database");
    (d) a literal of the notebook's own code cells, a setting of the code ("784 → 256 → 10", "batch
        size 100"); a percentage also matches its fraction ("dropout 50 %" and ``0.5``), a duration
        ("12 s", "3 min") never does: a code literal is not a run time;
    (e) structural: a heading's or a list item's numbering, "Day N", "Exercise N", "section N", a year
        in a paper citation ("(Kingma & Ba, 2014)", "Glorot & Bengio (2010)"), a file name
        (``day2/xor.ipynb``, ``002_a85a3904e8e47d4f.txt``) or a link's target.

    A name with a digit in it (ex4, float32, VGG16, conv1) is not a number.  A sentence that names a
    slide must name its deck too: "slide 41" alone is flagged whatever its numbers.
    """
    path = Path(notebook)
    if not path.is_file():
        path = course.NOTEBOOKS_DIR / notebook
    nb = nbformat.read(path, as_version=4)
    in_code = code_numbers(nb)
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for sentence in sentences(cell.source):
            numbers = unbacked_numbers(sentence, in_code)
            if numbers:
                found.append(f'{notebook}, cell {i + 1}: {", ".join(numbers)} in "{sentence}"')
    return found
