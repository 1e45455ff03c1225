"""The Korean edition (tools/i18n.py): current catalogues, built editions, and the rules that keep a
translation honest — a changed English cell is named until its Korean is updated, the escape hatch,
the spans a translation must keep, the glossary."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import REPO_ROOT

from tools import i18n, prose


def test_every_catalogue_is_current():
    """make test fails on a stale, missing or broken entry and names it (the message is the fix)."""
    rep = i18n.report("ko")
    assert not rep.problems, "\n".join(rep.problems)


def test_the_korean_editions_are_built_from_the_current_catalogues():
    files = i18n.editions("ko")
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    assert not stale, f"run `make ko`: {[str(p.relative_to(REPO_ROOT)) for p in stale]}"
    # two editions of each notebook but the index, the grader's texts, ko/README.md
    assert len(files) == 2 * len(i18n.sources()) + 1


def test_korean_notebooks_state_the_numbers_the_english_ones_do():
    """A metric span is rendered from the same results in both languages."""
    for rel in i18n.sources():
        english = (REPO_ROOT / "notebooks" / rel).read_text(encoding="utf-8")
        korean = (REPO_ROOT / "ko" / "notebooks" / rel).read_text(encoding="utf-8")
        spans = sorted(m.group(0) for m in prose.SPAN.finditer(english))
        assert sorted(m.group(0) for m in prose.SPAN.finditer(korean)) == spans, rel


# ---------------------------------------------------------------------------------------------------
# The rules, on a small catalogue in a scratch folder
# ---------------------------------------------------------------------------------------------------

NB = "day1/demo.ipynb"
KO_OK = (
    "경사 하강법(gradient descent)으로 97개 도시의 $J(\\theta)$를 줄입니다. "
    "`alpha`는 [문서](https://x.org)를 보세요."
)
EN_OK = "Gradient descent lowers $J(\\theta)$\nover 97 cities. For `alpha` see [the docs](https://x.org)."


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """tools.i18n pointed at a scratch folder whose one notebook has the cells in ``cells``."""
    (tmp_path / "i18n" / "ko").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "i18n" / "ko" / "glossary.toml", tmp_path / "i18n" / "ko" / "glossary.toml")
    cells: list[tuple[str, str]] = []
    monkeypatch.setattr(i18n, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path / "i18n")
    monkeypatch.setattr(i18n, "source_units", lambda rel: list(cells) if rel == NB else i18n.edition_units())
    return cells


def _update(pending: bool = False) -> list[str]:
    catalog, previous, changes = i18n.updated("ko", NB, pending)
    path = i18n.catalogue_path("ko", NB)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(i18n.write_catalogue(catalog, path, previous), encoding="utf-8")
    return changes


def _translate(key: str, korean: str, drop=("fuzzy",)) -> None:
    path = i18n.catalogue_path("ko", NB)
    catalog = i18n.read_catalogue(path, "ko")
    for m in catalog:
        if m.context == key:
            m.string = korean
            for flag in drop:
                m.flags.discard(flag)
    previous = {k: v for k, v in i18n.previous_ids(path).items() if k != key or "fuzzy" not in drop}
    path.write_text(i18n.write_catalogue(catalog, path, previous), encoding="utf-8")


def _problems() -> list[str]:
    return i18n.report("ko", [NB]).problems


def test_a_changed_english_cell_is_named_until_its_korean_is_updated(scratch):
    scratch[:] = [("c1", EN_OK)]
    _update()
    assert any("c1: no Korean" in p for p in _problems())
    _translate("c1", KO_OK)
    assert _problems() == []
    scratch[:] = [("c1", EN_OK.replace("97", "98"))]  # the English changes
    assert any("c1" in p and "make ko-update" in p for p in _problems()), _problems()
    assert _update() == ["c1: English changed, marked fuzzy"]
    (problem,) = _problems()
    assert "c1" in problem and "stale (fuzzy)" in problem
    path = i18n.catalogue_path("ko", NB)
    entry = i18n.entries(i18n.read_catalogue(path, "ko"))["c1"]
    assert i18n.previous_ids(path) == {"c1": EN_OK} and entry.string == KO_OK  # what it was written for
    _update()  # a second update keeps both
    assert i18n.previous_ids(path) == {"c1": EN_OK} and "stale (fuzzy)" in _problems()[0]
    _translate("c1", KO_OK.replace("97", "98"))
    assert _problems() == []


def test_a_new_or_removed_cell_is_named(scratch):
    scratch[:] = [("c1", EN_OK)]
    _update()
    _translate("c1", KO_OK)
    scratch.append(("c2", "A new cell."))
    assert any("c2: no entry" in p for p in _problems())
    scratch[:] = [("c2", "A new cell.")]
    assert any("c1: no such cell" in p for p in _problems())


def test_pending_lets_an_english_fix_through_and_shows_the_english_with_a_note(scratch):
    scratch[:] = [("c1", EN_OK)]
    _update()
    _translate("c1", KO_OK)
    scratch[:] = [("c1", "# Title\nGradient descent lowers the cost."), ("c2", "New text.")]
    _update(pending=True)
    rep = i18n.report("ko", [NB])
    assert rep.problems == [] and len(rep.pending) == 2
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(source, id=key) for key, source in scratch]
        + [nbformat.v4.new_code_cell("x = 1", id="code1")]
    )
    out = i18n.translate(nb, NB, "ko", results={})
    note = dict(i18n.edition_units())[i18n.PENDING_KEY]
    assert out.cells[0].source == f"# Title\n\n{note}\nGradient descent lowers the cost."
    assert out.cells[1].source == f"{note}\n\nNew text."
    assert out.cells[2].source == "%env ML2DL_LANG=ko" and out.cells[3].source == "x = 1"
    _translate("c2", "새 글입니다.", drop=("pending",))
    assert i18n.translate(nb, NB, "ko", results={}).cells[1].source == "새 글입니다."


@pytest.mark.parametrize(
    "korean, what",
    [
        (KO_OK.replace("J(\\theta)", "J(\\Theta)"), "math changed"),
        (KO_OK.replace("97개 ", ""), "a number dropped"),
        (KO_OK.replace("97", "79"), "a number changed"),
        (KO_OK.replace("`alpha`", "alpha"), "code span lost"),
        (KO_OK.replace("https://x.org", "https://x.org/ko"), "link changed"),
        (KO_OK + " <!-- metric: full | wall_s | .0f --><!-- /metric -->", "a metric span added"),
    ],
)
def test_a_translation_that_changes_what_must_stay_is_refused(korean, what):
    assert i18n.invariants(EN_OK, korean), what


def test_a_faithful_translation_passes_the_invariants():
    assert i18n.invariants(EN_OK, KO_OK) == []
    assert i18n.invariants("It costs \\$5, not $x$.", "$x$가 아니라 \\$5입니다.") == []  # \$: a dollar sign
    span = "<!-- metric: full | wall_s | .0f -->12<!-- /metric -->"
    assert i18n.invariants(f"It takes {span} s ($x$).", f"{span}초 걸립니다($x$).") == []


def test_the_glossary_is_used_as_listed(scratch):
    scratch[:] = [("c1", EN_OK), ("c2", "Gradient descent again, with overfitting.")]
    _update()
    _translate("c1", KO_OK)
    _translate("c2", "다시 경사 하강법입니다. 과적합(overfitting)도 봅니다.")
    assert _problems() == []  # the second use of a term needs no English beside it
    _translate("c2", "다시 경사하강법입니다. 과적합(overfitting)도 봅니다.")  # not the listed spelling
    assert any("c2" in p and "경사 하강법" in p for p in _problems())
    _translate("c2", "다시 경사 하강법입니다. 과적합도 봅니다.")  # first use without the English
    assert any("c2" in p and "과적합(overfitting)" in p for p in _problems())


def test_a_message_template_keeps_its_placeholders():
    english = "✗ {label}, case {case}: {problem}.\n  Hint: {hint}"
    assert i18n.placeholder_problems(english, "✗ {label}, 사례 {case}: {problem}.\n  힌트: {hint}") == []
    assert i18n.placeholder_problems("✓ {label}: {n} case{s}", "✓ {label}: 사례 {n}개 통과") == []
    assert i18n.placeholder_problems(english, "✗ {label}: {problem}.\n  힌트: {hint}")  # {case} lost
    assert i18n.placeholder_problems(english, "✗ {label} {case} {problem} {hint} {name}")  # unknown


def test_the_checks_speak_the_editions_language(monkeypatch):
    """Under ML2DL_LANG=ko a check cell's message and hint come from exercise_data/i18n/ko.json;
    an entry without Korean stays English."""
    from helpers import exercises, language

    hint = exercises.DEFAULT_HINT
    fake = {
        "messages": {"still-course": "→ `{function}`는 아직 강의의 버전입니다."},
        "hints": {hint: "공식과 비교하세요."},
        "cases": {},
        "labels": {},
    }
    real = language.texts
    monkeypatch.setattr(language, "texts", lambda lang: fake if lang == "ko" else real(lang))
    monkeypatch.setenv("ML2DL_LANG", "ko")
    assert exercises._say("still-course", function="f") == "→ `f`는 아직 강의의 버전입니다."
    assert exercises._say("goes-on", function="f") == "→ the notebook goes on with your `f`."
    assert exercises._hint(hint) == "공식과 비교하세요." and exercises._hint("other") == "other"
    monkeypatch.setenv("ML2DL_LANG", "en")
    assert exercises._hint(hint) == hint
    assert exercises._say("still-course", function="f").startswith("→ `f` is still")


def test_the_grader_file_holds_what_the_catalogue_translates():
    """helpers/exercise_data/i18n/ko.json is built from _grader.po: every translated hint and message."""
    import json

    built = json.loads(i18n.grader_file("ko").read_text(encoding="utf-8"))
    words = {k: v for k, v in i18n._translations("ko", i18n.GRADER).items() if v}
    english = dict(i18n.grader_units())
    assert sum(len(built[part]) for part in ("messages", "labels", "hints", "cases")) == len(words)
    assert built["cases"], "the cases' names are translated too"
    for key, korean in words.items():
        if key.startswith("message/"):
            assert built["messages"][key.removeprefix("message/")] == korean
        elif key.startswith("label/"):
            assert built["labels"][key.removeprefix("label/")] == korean
        elif f": {i18n.CASE} " in key:
            assert built["cases"][english[key]] == korean
        else:
            assert built["hints"][english[key]] == korean


def _wrong_answers():
    """(exercise id, a wrong answer, what is wrong) for the kinds of difference the grader reports."""

    def gradient_as_column(X, y, theta):  # the right numbers as a column: a shape mistake
        return (X.T @ (X @ theta - y) / len(y)).reshape(-1, 1)

    def cost_off(X, y, theta):  # forgets the 2 of 1/(2m)
        m = len(y)
        return ((X @ theta - y) ** 2).sum() / m

    def gradient_descent_generator(X, y, theta, alpha, num_iters):
        yield theta

    return [
        ("ex1.compute_gradient", gradient_as_column, "shape"),
        ("ex1.compute_cost", cost_off, "differs"),
        ("ex1.gradient_descent", gradient_descent_generator, "generator"),
    ]


@pytest.mark.parametrize("exercise_id, answer, kind", _wrong_answers())
def test_a_korean_student_reads_the_whole_failure_in_korean(monkeypatch, exercise_id, answer, kind):
    """Under ML2DL_LANG=ko what a failing check says is Korean throughout: the case's name, what
    differs ("기댓값 … 받은 값 …"), the hint; and the shape hint is chosen by the kind of the
    difference, not by its English wording."""
    import re

    from helpers import exercises, language

    monkeypatch.setenv("ML2DL_LANG", "ko")
    with pytest.raises(exercises.ExerciseError) as failed:
        exercises.check(exercise_id, answer)
    message = str(failed.value)
    cases = language.texts("ko")["cases"]
    assert any(repr(korean) in message for korean in cases.values()), message
    english_words = [w for w in re.findall(r"\b(?:expected|received|case|Hint|the result|differ)\b", message)]
    assert english_words == [], message
    if kind == "shape":
        shape_hint = exercises._spec(exercise_id)["shape_hint"]
        assert language.texts("ko")["hints"][shape_hint] in message, message
    monkeypatch.setenv("ML2DL_LANG", "en")
    with pytest.raises(exercises.ExerciseError) as failed:
        exercises.check(exercise_id, answer)
    assert "case " in str(failed.value) and "Hint:" in str(failed.value)


def test_the_korean_notebooks_run_the_english_code():
    """A Korean notebook's code cells are the English notebook's, after one added cell that sets the
    language, but for the text of the messages they print or draw (the same syntax tree otherwise:
    tools.i18n.code_invariants): the Korean notebooks compute what the English ones do, and
    `make test` runs them under nbval too (KO_NBVAL in the Makefile)."""
    for rel in i18n.sources():
        english = [
            c
            for c in nbformat.read(REPO_ROOT / "notebooks" / rel, as_version=4).cells
            if c.cell_type == "code"
        ]
        korean = [
            c
            for c in nbformat.read(REPO_ROOT / "ko" / "notebooks" / rel, as_version=4).cells
            if c.cell_type == "code"
        ]
        assert (korean[0].id, korean[0].source) == (i18n.LANGUAGE_CELL_ID, "%env ML2DL_LANG=ko"), rel
        assert [c.id for c in korean[1:]] == [c.id for c in english], rel
        for e, k in zip(english, korean[1:], strict=True):
            assert i18n.code_invariants(e.source, k.source) == [], f"{rel}, cell {e.id}"


@pytest.mark.parametrize(
    "korean, ok",
    [
        ('print(f"도시 {n}개를 읽었습니다")\nx = load(n)', True),
        ('print(f"도시 {n + 1}개를 읽었습니다")\nx = load(n)', False),  # an f-string field changed
        ('print(f"도시 {n}개를 읽었습니다")\nx = load(n + 1)', False),  # the code changed
        ('print(f"도시 {n:.2f}개를 읽었습니다")\nx = load(n)', False),  # a format spec changed
        ('print(f"도시 {n}개")\nx = load("other")', False),
    ],
)
def test_a_code_cell_may_change_its_messages_and_nothing_else(korean, ok):
    english = 'print(f"read {n} cities")\nx = load(n)'
    assert (i18n.code_invariants(english, korean) == []) is ok


def test_the_messages_of_a_code_cell_are_found_and_only_they_may_change():
    source = (
        "%matplotlib inline\n"
        'ax.set_title("cost by iteration")\n'
        'print(f"θ = {theta}: cost {J:.2f}", "ok")\n'
        'assert x.shape == (97,), f"expected 97 rows, got {x.shape}"\n'
        'model.compile(loss="mse", metrics=["accuracy"])\n'
        'ax.plot(x, y, label="training data")'
    )
    found = i18n.message_literals(source)
    assert found == [
        '"cost by iteration"', 'f"θ = {theta}: cost {J:.2f}"', 'f"expected 97 rows, got {x.shape}"',
        '"training data"',
    ]  # fmt: skip
    korean = source
    for english, translated in zip(
        found,
        [
            '"반복별 비용"',
            'f"θ = {theta}: 비용 {J:.2f}"',
            'f"97개 행이어야 하는데 {x.shape}입니다"',
            '"훈련 데이터"',
        ],
        strict=True,
    ):
        korean = korean.replace(english, translated)
    assert i18n.code_invariants(source, korean) == []
    dropped = korean.replace("97개", "")
    assert i18n.code_invariants(source, dropped) == ["the number 97 of the English messages is missing"]
    metric = korean.replace('metrics=["accuracy"]', 'metrics=["정확도"]')  # not a message: code
    assert i18n.code_invariants(source, metric) != []


def test_the_korean_readme_and_index_link_files_that_exist():
    """ko/README.md and ko/notebooks/index.ipynb are read from their own folders: every relative link
    (a README section's, the syllabus's, the banner's) reaches a file or folder of the repository."""
    import re

    texts = [(REPO_ROOT / "ko" / "README.md", (REPO_ROOT / "ko" / "README.md").read_text(encoding="utf-8"))]
    for rel in ("notebooks/index.ipynb", "student/day1/ex1_linear_regression.ipynb"):
        nb = nbformat.read(REPO_ROOT / "ko" / rel, as_version=4)
        texts.append(
            (REPO_ROOT / "ko" / rel, "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
        )
    broken = []
    for path, text in texts:
        for url in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", url):
                continue
            target = (path.parent / url.split("#")[0]).resolve()
            if not target.exists():
                broken.append(f"{path.relative_to(REPO_ROOT)}: {url}")
    assert not broken, broken


def test_a_pending_readme_section_is_the_english_under_its_heading_with_the_note(monkeypatch):
    real = i18n._translations
    monkeypatch.setattr(
        i18n, "_translations", lambda lang, rel: {} if rel == i18n.README_REL else real(lang, rel)
    )
    text = i18n.readme_text("ko")
    note = i18n.edition_text("ko", i18n.PENDING_KEY)
    for _, english in i18n.readme_units():
        head = english.partition("\n")[0]
        assert f"{head}\n\n{note}\n" in text, head
    assert "](../README.md#" in text and "](#" not in text  # a #section link points into the English README
