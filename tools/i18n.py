"""The course in other languages, from one source (``make ko``, ``make ko-update``).

    python -m tools.i18n update [--pending]   # bring i18n/ko/*.po up to date with the English cells
    python -m tools.i18n check                # what is stale, missing or broken (exit 1); make test runs it
    python -m tools.i18n build [--check]      # write (or compare) ko/notebooks/ and ko/student/

**One source.**  The English notebooks in ``notebooks/`` stay the source.  The Korean text of a
notebook lives in a gettext catalogue beside it, ``i18n/ko/<day>/<name>.po`` (``index.po`` for the
index; ``_edition.po`` for the texts the build adds, such as the student edition's banner), read and
written with Babel's ``babel.messages.pofile``.  One entry per markdown cell: ``msgctxt`` is the
cell's id, ``msgid`` its English text, ``msgstr`` the Korean; and one per code cell that prints,
asserts or draws a message for students (``msgctxt`` ``code/<id>``): its Korean is the same code with
those messages' text in Korean, and ``code_invariants`` holds it to exactly that (the same syntax tree
once the messages' text is left out).  ``_grader.po`` holds what the check cells say, every hint of
the grader and the plots' own labels; ``README.po`` the README's sections a student reads.

A measured number in the prose is a span (tools/prose.py): in the catalogue the span is kept with its
text left out, and the build renders it from the committed results, so the two languages always state
the same numbers.  The English
text's sha256 is written beside each entry (``#. sha256: ...``) for people reading the file.

**Never stale.**  ``update`` compares every entry with its cell:

- a cell whose English changed: the entry gets gettext's ``fuzzy`` flag, the old English is kept as
  ``#| msgid`` (what the Korean was written for) and the Korean stays as the starting point;
- a new cell: an entry with no Korean;
- a cell that is gone: its entry is dropped.

``check`` (and so ``make test``) fails on a fuzzy entry, an entry with no Korean, a cell without an
entry, an entry whose English is not the cell's (``update`` was not run), and a translation that
changed what must not change (math, code, links, numbers, metric spans: ``invariants``) or does not
use the glossary (``i18n/ko/glossary.toml``).  Each problem names the catalogue, the cell id and what
to do.

**The escape hatch.**  ``update --pending`` marks every entry that has no current Korean (new or
fuzzy) as *pending* (the flag ``pending``), so an English fix never waits for its translation: a
pending cell is shown to Korean readers as the English text under a one-line note that says so, and
``check`` lists pending entries without failing.  Translating the entry and removing the flag (and
``fuzzy``) ends it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime
import hashlib
import io
import json
import os
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import normalize, read_po, write_po

from tools import course, prose, readme, student

REPO_ROOT = Path(__file__).resolve().parents[1]
I18N_DIR = REPO_ROOT / "i18n"
LANGUAGES = ("ko",)
PENDING, FUZZY = "pending", "fuzzy"
#: Entries of ``_edition.po``: the texts the build adds to every notebook of an edition.
EDITION = "_edition"
BANNER_KEY, PENDING_KEY = "student-banner", "pending-note"
#: ``_grader.po``: what the check cells say (helpers.exercises.MESSAGES) and every hint of the grader's
#: exercise files; ``make ko`` writes the translated ones to helpers/exercise_data/i18n/<lang>.json.
GRADER = "_grader"
CASE = "case"  # the key of a case's name: "<exercise id>: case <hash of the name>"
#: ``README.po``: the README's sections a student reads, one entry each; ``make ko`` writes them, in
#: Korean, to ko/README.md (what GitHub shows in the folder ko/), under the edition's own opening.
README_REL = "README"
README_SECTIONS = ("Start in two commands", "Profiles: quick and full", "Troubleshooting")
README_OPENING_KEY = "readme-opening"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LANGUAGE_CELL_ID = "edition-language"
#: A markdown cell of an English notebook with this id links the translated editions (the index has
#: one); it is not translated: the edition puts its link back to the English there (ENGLISH_KEY).
SWITCH_CELL_ID = "language-switch"
ENGLISH_KEY = "english-link"
FIXED_DATE = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)
SPAN_TEXT = re.compile(r"(<!-- metric:[^>]*?-->).*?(<!-- /metric -->)", re.S)


class I18nError(Exception):
    """A catalogue cannot be read or a translation cannot be built."""


def out_dir(lang: str) -> Path:
    """Where a language's editions are written: ``<lang>/notebooks`` and ``<lang>/student``."""
    return REPO_ROOT / lang


def sources() -> list[str]:
    """The notebooks that are translated (relative to notebooks/): the index, then course.toml's."""
    return ["index.ipynb", *course.paths()]


def catalogue_path(lang: str, rel: str) -> Path:
    return I18N_DIR / lang / Path(rel).with_suffix(".po")


def normalise(text: str) -> str:
    """A cell's English as the catalogue keeps it: every metric span with its rendered text left out."""
    return SPAN_TEXT.sub(r"\1\2", text)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def units(nb) -> list[tuple[str, str]]:
    """(key, English text) of every markdown cell (key: the cell id) and of every code cell that
    prints or draws a message for students (key: ``code/<cell id>``), in order."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.id != SWITCH_CELL_ID:
            out.append((cell.id, normalise(cell.source)))
        elif cell.cell_type == "code" and message_literals(cell.source):
            out.append((f"{CODE_PREFIX}{cell.id}", cell.source))
    return out


# ---------------------------------------------------------------------------------------------------
# Messages in code cells: the strings a cell prints, asserts or draws are translated; nothing else
# ---------------------------------------------------------------------------------------------------

CODE_PREFIX = "code/"
#: Calls whose string arguments are shown to the reader (print, titles, axis labels) and keywords
#: whose string value is (a legend's label, a title, a progress bar's description).
MESSAGE_CALLS = {"print", "set_title", "set_xlabel", "set_ylabel", "suptitle", "title", "xlabel", "ylabel"}
MESSAGE_KEYWORDS = {"label", "title", "desc"}
WORDS = re.compile(r"[A-Za-z]{3,}")  # a message with a word to translate


def _tree(source: str) -> ast.Module:
    """The cell's syntax tree (IPython magics and shell lines read as ``pass``: same lines, same columns)."""
    lines = [
        (line[: len(line) - len(line.lstrip())] + "pass") if line.lstrip().startswith(("%", "!")) else line
        for line in source.split("\n")
    ]
    return ast.parse("\n".join(lines))


def _message_nodes(tree: ast.Module) -> list[ast.expr]:
    """The string literals (plain or f-strings) that only reach the reader's eyes."""

    def is_text(node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr)
        )

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in MESSAGE_CALLS:
                found += [arg for arg in node.args if is_text(arg)]
            found += [kw.value for kw in node.keywords if kw.arg in MESSAGE_KEYWORDS and is_text(kw.value)]
        elif isinstance(node, ast.Assert) and node.msg is not None and is_text(node.msg):
            found.append(node.msg)
    return found


def _text_of(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value for v in node.values if isinstance(v, ast.Constant))


def message_literals(source: str) -> list[str]:
    """The source text of each message literal of a code cell that has words to translate."""
    try:
        tree = _tree(source)
    except SyntaxError:
        return []
    lines = source.split("\n")
    out = []
    for node in sorted(_message_nodes(tree), key=lambda n: (n.lineno, n.col_offset)):
        if WORDS.search(_text_of(node)):
            out.append(_segment(lines, node))
    return out


def _segment(lines: list[str], node: ast.expr) -> str:
    return ast.get_source_segment("\n".join(lines), node) or ""


def _normalised(source: str) -> str:
    """The cell's syntax tree with every message's text left out (an f-string keeps its fields)."""
    tree = _tree(source)
    for node in _message_nodes(tree):
        if isinstance(node, ast.Constant):
            node.value = "…"
        else:
            node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
    return ast.dump(tree, include_attributes=False)


def code_invariants(english: str, korean: str) -> list[str]:
    """A code cell's translation may change the text of its messages and nothing else: the same
    syntax tree once the messages' text is left out (the same code, calls, f-string fields and
    format specs), and every number of the English messages in the Korean ones."""
    try:
        same = _normalised(english) == _normalised(korean)
    except SyntaxError as exc:
        return [f"the Korean code does not parse: {exc}"]
    if not same:
        return ["the Korean code differs from the English beyond the text of its printed messages"]
    e = Counter(NUMBER.findall(" ".join(_text_of(n) for n in _message_nodes(_tree(english)))))
    k = Counter(NUMBER.findall(" ".join(_text_of(n) for n in _message_nodes(_tree(korean)))))
    return [f"the number {num} of the English messages is missing" for num in sorted(e - k)]


def edition_units() -> list[tuple[str, str]]:
    """(key, English text) of what the build adds: the student banner and the pending note."""
    return [
        (BANNER_KEY, student.BANNER),
        (PENDING_KEY, "> *Not translated yet: the English text of this cell follows.*"),
        (ENGLISH_KEY, "**English:** [this notebook in English](../../notebooks/{path})"),
        (
            README_OPENING_KEY,
            "# ml2dl — Machine Learning to Deep Learning\n\n"
            "This folder is the course in Korean: start with [the student edition](student/) and its "
            "[index](notebooks/index.ipynb); [the worked solutions](notebooks/) are beside it. The same "
            "notebooks, the same code and the same measured numbers as the English course "
            "([README](../README.md)); below are the README's sections a student needs.",
        ),
    ]


def grader_units() -> list[tuple[str, str]]:
    """(key, English) of the check cells' messages, then of every distinct hint of the exercise files
    (keyed by exercise and the hint's hash: a changed hint is a new entry, the old one is dropped)."""
    from helpers import exercises, plots  # tools may import helpers, never the reverse

    out = [(f"message/{key}", text) for key, text in exercises.MESSAGES.items()]
    out += [(f"hint/{key}", text) for key, text in exercises.COMMON_HINTS.items()]
    out += [(f"label/{key}", text) for key, text in plots.LABELS.items()]
    seen = {text for _, text in out}
    cases = []
    for path in sorted(exercises.DATA_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for exercise_id, spec in doc["exercises"].items():
            hints = [spec.get(k) for k in ("hint", "shape_hint", "changed_hint")]
            hints += [m.get("hint") for case in spec.get("cases", []) for m in case.get("mistakes", [])]
            for text in hints:
                if text and text not in seen:
                    seen.add(text)
                    out.append((f"{exercise_id}: hint {sha(text)[:8]}", text))
            for case in spec.get("cases", []):
                if case["name"] not in seen:
                    seen.add(case["name"])
                    cases.append((f"{exercise_id}: {CASE} {sha(case['name'])[:8]}", case["name"]))
    return out + cases


def grader_kind(key: str) -> str:
    """Which part of helpers/exercise_data/i18n/<lang>.json an entry of _grader.po goes to."""
    if key.startswith("message/"):
        return "messages"
    if key.startswith("label/"):
        return "labels"
    return "cases" if f": {CASE} " in key else "hints"


def readme_units() -> list[tuple[str, str]]:
    """(key, English) of the README's student-facing sections (README_SECTIONS), heading included."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    sections = {part.splitlines()[0][3:].strip(): part.rstrip() for part in re.split(r"(?m)^(?=## )", text)}
    missing = [name for name in README_SECTIONS if name not in sections]
    if missing:
        raise I18nError(f"README.md has no section {missing}: update README_SECTIONS in tools/i18n.py")
    return [(f"readme/{name}", sections[name]) for name in README_SECTIONS]


LINK = re.compile(r"(\]\s*)\(([^)\s]+)\)")


def rewrite_links(text: str, new_url: Callable[[str], str]) -> str:
    """``text`` with the URL of each relative markdown link replaced by ``new_url(url)`` (a URL with a
    scheme, or from the site's root, is kept)."""

    def fix(match: re.Match) -> str:
        url = match.group(2)
        return match.group(0) if re.match(r"[a-z]+:|/", url) else f"{match.group(1)}({new_url(url)})"

    return LINK.sub(fix, text)


def with_pending_note(english: str, note: str) -> str:
    """What a reader gets for an entry pending translation: the English, with ``note`` after its
    heading when it opens with one, else above it."""
    head, _, rest = english.partition("\n")
    return f"{head}\n\n{note}\n{rest}" if head.startswith("#") else f"{note}\n\n{english}"


def _from_edition_folder(url: str) -> str:
    """A README link read from ko/: a file gets a ``../``, a ``#section`` points into the English README
    (the edition has only some of its sections)."""
    return f"../README.md{url}" if url.startswith("#") else f"../{url}"


def readme_text(lang: str) -> str:
    """ko/README.md: the edition's opening, then the README's student sections in ``lang``."""
    words = _translations(lang, README_REL)
    note = edition_text(lang, PENDING_KEY)
    parts = [edition_text(lang, README_OPENING_KEY)]
    for key, english in readme_units():
        korean = words.get(key) or with_pending_note(english, note)
        parts.append(rewrite_links(korean, _from_edition_folder))
    generated = f"<!-- generated by `make {lang}` from README.md and i18n/{lang}/README.po: do not edit -->"
    return "\n\n".join([generated, *parts]) + "\n"


def grader_file(lang: str) -> Path:
    from helpers import exercises

    return exercises.DATA_DIR / "i18n" / f"{lang}.json"


def grader_text(lang: str) -> str:
    """helpers/exercise_data/i18n/<lang>.json: the translated messages and hints (pending ones left out)."""
    words = _translations(lang, GRADER)
    english = dict(grader_units())

    def part(prefix: str) -> dict[str, str]:
        return {k.split("/", 1)[1]: v for k, v in words.items() if k.startswith(prefix) and v}

    def by_english(kind: str) -> dict[str, str]:
        return {english[k]: v for k, v in words.items() if v and k in english and grader_kind(k) == kind}

    doc = {
        "messages": part("message/"),
        "labels": part("label/"),
        "hints": by_english("hints"),
        "cases": by_english("cases"),
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def source_units(rel: str) -> list[tuple[str, str]]:
    if rel == EDITION:
        return edition_units()
    if rel == GRADER:
        return grader_units()
    if rel == README_REL:
        return readme_units()
    return units(nbformat.read(course.NOTEBOOKS_DIR / rel, as_version=4))


def read_catalogue(path: Path, lang: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=lang)
    try:
        with path.open("rb") as f:
            return read_po(f, locale=lang, abort_invalid=True)
    except Exception as exc:  # babel raises several kinds for a broken file
        raise I18nError(
            f"{path.relative_to(REPO_ROOT)}: not a readable .po file ({exc}); fix or delete it"
        ) from exc


def previous_ids(path: Path) -> dict[str, str]:
    """cell id -> the English a fuzzy entry's Korean was written for (its ``#| msgid`` lines; Babel
    writes them but does not read them back)."""
    out, parts = {}, None
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#| msgid "):
            parts = [ast.literal_eval(line[len("#| msgid ") :])]
        elif line.startswith('#| "') and parts is not None:
            parts.append(ast.literal_eval(line[3:]))
        elif line.startswith("msgctxt ") and parts is not None:
            out[ast.literal_eval(line[len("msgctxt ") :])] = "".join(parts)
            parts = None
    return out


def entries(catalog: Catalog) -> dict[str, object]:
    """cell id (msgctxt) -> message (the header entry left out)."""
    return {m.context: m for m in catalog if m.id and m.context}


def write_catalogue(catalog: Catalog, path: Path, previous: dict[str, str] | None = None) -> str:
    """The .po text of ``catalog``; ``previous`` (cell id -> English) is written as each fuzzy entry's
    ``#| msgid`` lines, one quoted line per source line, so that they read back exactly (Babel wraps
    them like prose and does not read them back)."""
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False, include_previous=False, sort_output=False)
    text = out.getvalue().decode("utf-8")
    for key, english in (previous or {}).items():
        quoted = normalize(english, width=0).splitlines()
        lines = [f"#| msgid {quoted[0]}", *(f"#| {q}" for q in quoted[1:])]
        ctxt = f"msgctxt {normalize(key, width=0)}\n"
        text = text.replace(ctxt, "\n".join(lines) + "\n" + ctxt, 1)
    return text


# ---------------------------------------------------------------------------------------------------
# update and check
# ---------------------------------------------------------------------------------------------------


def updated(lang: str, rel: str, pending: bool = False) -> tuple[Catalog, dict[str, str], list[str]]:
    """The catalogue of ``rel`` brought up to date with its English cells, the English each fuzzy
    entry's Korean was written for, and what changed."""
    path = catalogue_path(lang, rel)
    old = entries(read_catalogue(path, lang))
    before = previous_ids(path)
    new = Catalog(
        locale=lang,
        project="ml2dl",
        header_comment=f"# {lang} text of {'notebooks/' + rel if rel.endswith('.ipynb') else rel}",
        creation_date=FIXED_DATE,  # the file changes only when its entries do
        revision_date=FIXED_DATE,
        fuzzy=False,
    )
    changes, kept = [], {}
    for key, english in source_units(rel):
        m = old.get(key)
        flags, previous, korean = set(), None, ""
        if m is not None:
            korean = m.string or ""
            flags = set(m.flags) & {PENDING, FUZZY}
            previous = before.get(key)
            if m.id != english:
                if korean and FUZZY not in flags:
                    previous = m.id  # what the Korean was written for
                    flags.add(FUZZY)
                    changes.append(f"{key}: English changed, marked fuzzy")
                elif not korean:
                    changes.append(f"{key}: English changed (no Korean yet)")
        else:
            changes.append(f"{key}: new cell")
        if pending and (not korean or FUZZY in flags) and PENDING not in flags:
            flags.add(PENDING)
            changes.append(f"{key}: marked pending")
        if FUZZY in flags and previous:
            kept[key] = previous
        new.add(english, korean, flags=sorted(flags), auto_comments=[f"sha256: {sha(english)}"], context=key)
    changes += [
        f"{key}: cell removed, entry dropped" for key in old.keys() - {k for k, _ in source_units(rel)}
    ]
    return new, kept, changes


@dataclass
class Report:
    problems: list[str]
    pending: list[str]


def _glossary() -> list[dict]:
    path = I18N_DIR / "ko" / "glossary.toml"
    terms = tomllib.loads(path.read_text(encoding="utf-8"))["term"]
    for t in terms:
        words = t["en"].replace(" ", r"\s+")  # a term may break a line
        t["pattern"] = re.compile(rf"\b(?:{words})\b", re.I)
    return terms


MATH = re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$(?:[^$\\]|\\.)+?\$", re.S)  # \$ is a dollar sign
FENCE = re.compile(r"```.*?```", re.S)
CODE = re.compile(r"`[^`]+`")  # inline code may break a line
URL = re.compile(r"\]\(([^)\s]+)\)|https?://[^\s)>\]]+")
COMMENT = re.compile(r"<!--.*?-->", re.S)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _protected(text: str) -> tuple[Counter, str]:
    """The spans a translation must keep exactly, and the text with them taken out."""
    kept: Counter = Counter()
    for pattern in (COMMENT, FENCE, MATH, CODE):
        kept.update(f"{pattern.pattern[:6]}|{m.group(0)}" for m in pattern.finditer(text))
        text = pattern.sub(" ", text)
    kept.update(f"url|{m.group(1) or m.group(0)}" for m in URL.finditer(text))
    return kept, text


def invariants(english: str, korean: str) -> list[str]:
    """What a translation changed that it must keep: math, code, links, comments, numbers."""
    out = []
    e_kept, e_text = _protected(english)
    k_kept, k_text = _protected(korean)
    for span in sorted((e_kept - k_kept).keys()):
        out.append(f"missing or changed: {span.split('|', 1)[1][:80]!r}")
    for span in sorted((k_kept - e_kept).keys()):
        out.append(f"not in the English: {span.split('|', 1)[1][:80]!r}")
    k_numbers = Counter(NUMBER.findall(k_text))
    for number, n in Counter(NUMBER.findall(e_text)).items():
        if k_numbers[number] < n:
            out.append(f"the number {number} appears {n}x in the English, {k_numbers[number]}x in the Korean")
    return out


def placeholder_problems(english: str, korean: str) -> list[str]:
    """A message template's translation uses only its placeholders, and all of them but ``{s}`` (an
    English plural ending)."""
    e, k = set(PLACEHOLDER.findall(english)), set(PLACEHOLDER.findall(korean))
    out = [f"the placeholder {{{name}}} is not in the English" for name in sorted(k - e)]
    out += [f"the placeholder {{{name}}} is missing" for name in sorted(e - k - {"s"})]
    return out


def glossary_problems(pairs: list[tuple[str, str, str]], terms: list[dict]) -> list[str]:
    """Each glossary term used in an English cell is used in its Korean; its first use in the
    notebook carries the English beside it (the term's ``first`` form)."""
    out = []
    seen = set()
    for key, english, korean in pairs:
        for t in terms:
            if not t["pattern"].search(english):
                continue
            if t["ko"] not in korean:
                out.append(
                    f"{key}: the English says {t['pattern'].search(english).group(0)!r}, "
                    f"the Korean lacks {t['ko']!r}"
                )
            elif t["ko"] not in seen and t["first"] not in korean:
                out.append(f"{key}: first use of {t['ko']!r} in this notebook: write it as {t['first']!r}")
            seen.add(t["ko"])
    return out


def report(lang: str, rels: list[str] | None = None) -> Report:
    problems, pending = [], []
    terms = _glossary()
    for rel in rels or [*sources(), EDITION, GRADER, README_REL]:
        path = catalogue_path(lang, rel)
        where = path.relative_to(REPO_ROOT).as_posix()
        if not path.is_file():
            problems.append(f"{where}: missing; run `make ko-update` and translate it (or --pending)")
            continue
        have = entries(read_catalogue(path, lang))
        cells = source_units(rel)
        pairs = []
        for key, english in cells:
            m = have.get(key)
            fix = f"{where}, cell {key}"
            if m is None:
                problems.append(f"{fix}: no entry; run `make ko-update`, then translate it")
                continue
            if m.id != english:
                problems.append(
                    f"{fix}: its English is not the cell's any more (stale); run `make ko-update`"
                )
                continue
            flags = set(m.flags)
            if PENDING in flags:
                pending.append(fix)
                continue
            if FUZZY in flags:
                problems.append(
                    f"{fix}: stale (fuzzy) — the English changed; update the Korean to the new msgid (the "
                    "old one is the #| msgid line), then remove the fuzzy flag (or mark it pending)"
                )
                continue
            if not m.string:
                problems.append(f"{fix}: no Korean; translate it (or `make ko-update PENDING=1`)")
                continue
            if key.startswith(CODE_PREFIX):
                problems += [f"{fix}: {p}" for p in code_invariants(english, m.string)]
                continue
            if rel != EDITION:  # the edition's own texts name its own command (make ko, not make student)
                problems += [f"{fix}: {p}" for p in invariants(english, m.string)]
            if rel in (EDITION, GRADER):
                problems += [f"{fix}: {p}" for p in placeholder_problems(english, m.string)]
            pairs.append((fix, english, m.string))
        if rel not in (EDITION, GRADER, README_REL):  # short texts: no "first use" there
            problems += glossary_problems(pairs, terms)
        extra = have.keys() - {k for k, _ in cells}
        problems += [
            f"{where}, cell {k}: no such cell in the English any more; run `make ko-update`"
            for k in sorted(extra)
        ]
    return Report(problems, pending)


# ---------------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------------


def _translations(lang: str, rel: str) -> dict[str, str | None]:
    """cell id -> Korean text, or None where the entry is pending (or absent)."""
    out = {}
    for key, m in entries(read_catalogue(catalogue_path(lang, rel), lang)).items():
        good = m.string and not ({PENDING, FUZZY} & set(m.flags))
        out[key] = m.string if good else None
    return out


def edition_text(lang: str, key: str) -> str:
    english = dict(edition_units())[key]
    return _translations(lang, EDITION).get(key) or english


def relink(text: str, rel: str, lang: str) -> str:
    """The relative links of notebooks/<rel>'s text, read from <lang>/notebooks/<rel>: a link to a page
    the edition has (a course notebook, its student edition, their folders) stays; any other file
    (the notebook template, the repository's own files) is linked in the English tree."""
    here = course.NOTEBOOKS_DIR / rel
    editions = {Path("notebooks") / s for s in sources()} | {Path("student") / s for s in course.paths()}

    def fix(url: str) -> str:
        if url.startswith("#"):
            return url
        path, hash_, anchor = url.partition("#")
        target = Path(os.path.normpath(here.parent / path))
        inside = target.relative_to(REPO_ROOT) if target.is_relative_to(REPO_ROOT) else None
        if inside is not None and (
            inside in editions or inside.parts[:1] in (("notebooks",), ("student",)) and target.is_dir()
        ):
            return url
        return os.path.relpath(target, (out_dir(lang) / "notebooks" / rel).parent) + hash_ + anchor

    return rewrite_links(text, fix)


def translate(
    nb, rel: str, lang: str, results, language_cell: bool = True, translate_code: bool = True
) -> nbformat.NotebookNode:
    """The notebook with its markdown in ``lang`` (numbers rendered from ``results``); with
    ``language_cell``, a first code cell sets ``ML2DL_LANG`` (the figures' fonts, the checks' texts).
    Code cells and their outputs are kept as they are (the site translates executed notebooks)."""
    out = copy.deepcopy(nb)
    words = _translations(lang, rel)
    note = edition_text(lang, PENDING_KEY)
    for cell in out.cells:
        if cell.cell_type == "code":
            korean = words.get(f"{CODE_PREFIX}{cell.id}")
            if korean is not None and translate_code:
                cell.source = korean
            continue
        if cell.cell_type != "markdown":
            continue
        if cell.id == SWITCH_CELL_ID:
            cell.source = edition_text(lang, ENGLISH_KEY).format(path=rel)
            continue
        korean = words.get(cell.id)
        if korean is None:  # pending: the English, with the note
            cell.source = relink(with_pending_note(cell.source, note), rel, lang)
            continue
        korean = relink(korean, rel, lang)
        where = f"{catalogue_path(lang, rel).relative_to(REPO_ROOT)}, cell {cell.id}"
        cell.source = prose.render_text(korean, rel, results, where) if "<!-- metric:" in korean else korean
    if language_cell:
        first_code = next((i for i, c in enumerate(out.cells) if c.cell_type == "code"), len(out.cells))
        lang_cell = nbformat.v4.new_code_cell(f"%env ML2DL_LANG={lang}", id=LANGUAGE_CELL_ID)
        out.cells.insert(first_code, lang_cell)
    out.metadata["ml2dl"] = {"language": lang, "source": f"notebooks/{rel}"}
    return out


def editions(lang: str) -> dict[Path, str]:
    """Path -> text of every notebook of the language's solutions and student editions."""
    results = readme.load_results()
    base = out_dir(lang)
    files = {}
    for rel in sources():
        nb = nbformat.read(course.NOTEBOOKS_DIR / rel, as_version=4)
        translated = translate(nb, rel, lang, results)
        files[base / "notebooks" / rel] = student.render(translated)
        if rel != "index.ipynb":
            stu = student.clear_solutions(translated, rel, banner=edition_text(lang, BANNER_KEY))
            files[base / "student" / rel] = student.render(stu)
    files[grader_file(lang)] = grader_text(lang)
    files[base / "README.md"] = readme_text(lang)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="ko", choices=LANGUAGES)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="bring the catalogues up to date with the English notebooks")
    up.add_argument("--pending", action="store_true", help="mark every entry without current Korean pending")
    sub.add_parser("check", help="list stale, missing and broken entries; exit 1 if any")
    build = sub.add_parser("build", help="write the editions")
    build.add_argument("--check", action="store_true", help="compare only; exit 1 when stale")
    args = parser.parse_args(argv)
    lang = args.lang
    if args.command == "update":
        for rel in [*sources(), EDITION, GRADER, README_REL]:
            catalog, previous, changes = updated(lang, rel, args.pending)
            path = catalogue_path(lang, rel)
            text = write_catalogue(catalog, path, previous)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                print(
                    f"wrote {path.relative_to(REPO_ROOT)}: "
                    + ("; ".join(changes[:5]) or "reformatted")
                    + (f" (+{len(changes) - 5} more)" if len(changes) > 5 else "")
                )
        return 0
    if args.command == "check":
        rep = report(lang)
        if rep.pending:
            print(f"{len(rep.pending)} cells pending translation (shown in English with a note)")
        if rep.problems:
            print(f"The {lang} translation has {len(rep.problems)} problems:")
            print("\n".join(f"  {p}" for p in rep.problems))
            return 1
        print(f"{lang}: every catalogue is current")
        return 0
    files = editions(lang)
    base = out_dir(lang)
    stale = [p for p, t in files.items() if not (p.is_file() and p.read_text(encoding="utf-8") == t)]
    extra = [p for p in base.glob("*/**/*.ipynb") if p not in files]
    if args.check:
        if stale or extra:
            print(f"The {lang} editions are stale; run `make {lang}`:")
            print("\n".join(f"  {p.relative_to(REPO_ROOT)}" for p in [*stale, *extra]))
            return 1
        print(f"{lang} editions up to date ({len(files)} notebooks)")
        return 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
        print(f"wrote {p.relative_to(REPO_ROOT)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
