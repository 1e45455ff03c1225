"""The Korean edition's figures draw Hangul, not empty boxes: ``plots.use_language("ko")`` (or
``ML2DL_LANG=ko``) selects NanumGothic (Debian's fonts-nanum), and says how to install it when it
is missing.  A glyph a font lacks is drawn as a box with a warning, so "no warning" is the test;
the control draws the same figure in the English fonts and must see the warnings."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import REPO_ROOT, in_ci, run_in_repo  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from helpers import plots  # noqa: E402

TITLE, XLABEL, YLABEL, LEGEND = "비용 함수", "반복 횟수", "비용 J", "경사 하강법"
CATEGORIES = ["훈련", "검증"]
HANGUL = {ch for text in (TITLE, XLABEL, YLABEL, LEGEND, *CATEGORIES) for ch in text if "가" <= ch <= "힣"}
#: what matplotlib says when it draws a box: warnings.warn("Glyph 48708 (...) missing from font(s) ...")
#: from the text layout, or a logged "findfont: Font family ... not found" when no font matches.
COMPLAINT = re.compile(r"Glyph \d+ .*missing|missing from font|findfont")


@pytest.fixture(autouse=True)
def restore_rcparams():
    """Whatever a test switches to, the next test (and tests/test_plots.py) sees the course style."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


@pytest.fixture
def nanum():
    """NanumGothic must be installed (fonts-nanum): skipped with the reason where it is not, except
    under CI, which installs it (.ci/run) and must test the Korean figures."""
    try:
        plots.use_language("ko")
    except RuntimeError as err:
        if in_ci():
            pytest.fail(f"CI installs fonts-nanum (.ci/run): {err}")
        pytest.skip(str(err))


@contextlib.contextmanager
def font_complaints():
    """Every warning, and every warning that matplotlib's logger logs, while the block runs."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    logger, handler = logging.getLogger("matplotlib"), Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
    finally:
        logger.removeHandler(handler)
    messages.extend(str(w.message) for w in caught)


def korean_figure():
    """A figure with Hangul everywhere text goes: title, axis labels, legend and tick labels, and
    negative tick labels (the minus sign is a glyph too). Rendered to a PNG in memory."""
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(6, 3))
    x = np.arange(-3, 4)
    ax.plot(x, x**2 - 5.0, "o-", label=LEGEND)
    ax.set_title(TITLE)
    ax.set_xlabel(XLABEL)
    ax.set_ylabel(YLABEL)
    ax.legend()
    bars.bar(CATEGORIES, [0.9, -0.4])
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig, ax


def missing_glyphs(messages: list[str]) -> set[str]:
    return {chr(int(n)) for n in re.findall(r"Glyph (\d+) ", " ".join(messages))}


def test_korean_figures_draw_every_glyph(nanum):
    with font_complaints() as messages:
        fig, ax = korean_figure()
    assert not [m for m in messages if COMPLAINT.search(m)], messages
    assert font_manager.findfont(ax.title.get_fontproperties()).endswith("NanumGothic.ttf")
    ticks = [t.get_text() for a in fig.axes for t in a.get_yticklabels()]
    assert any(t.startswith("-") for t in ticks), f"no negative tick label was drawn: {ticks}"


def test_control_the_english_fonts_draw_the_same_figure_with_boxes():
    """The first test cannot pass for want of Hangul: DejaVu Sans lacks every syllable it draws."""
    plots.use_language("en")
    with font_complaints() as messages:
        korean_figure()
    assert missing_glyphs(messages) >= HANGUL, messages


def test_control_nanum_gothic_alone_draws_the_minus_sign_as_a_box(nanum):
    """Why "ko" keeps a fallback and ASCII minus signs: NanumGothic has no U+2212, and the
    figure's negative tick labels would ask for it."""
    plt.rcParams.update({"font.family": ["NanumGothic"], "axes.unicode_minus": True})
    with font_complaints() as messages:
        korean_figure()
    assert missing_glyphs(messages) == {"\N{MINUS SIGN}"}, messages


def test_english_restores_the_course_default(nanum):
    plots.use_language("en")
    assert plt.rcParams["font.family"] == plt.rcParamsDefault["font.family"]
    assert plt.rcParams["axes.unicode_minus"] is True
    assert all(plt.rcParams[key] == value for key, value in plots.STYLE.items() if key != "figure.figsize")


STALE_CACHE_PROBE = """
import sys
from matplotlib import font_manager
known = lambda: any(f.name == "NanumGothic" for f in font_manager.fontManager.ttflist)
print("cached:", known())
if sys.argv[1] == "draw":
    sys.path.insert(0, "tests")
    import test_plots_korean as t
    from helpers import plots
    plots.use_language("ko")
    with t.font_complaints() as messages:
        t.korean_figure()
    print("registered:", known(), [m for m in messages if t.COMPLAINT.search(m)])
"""


def test_a_font_installed_after_matplotlibs_cache_was_built_is_found(nanum, tmp_path):
    """A kernel whose font cache (MPLCONFIGDIR) was built before fonts-nanum was installed: here
    built while matplotlib ignored the system's fonts, then read by a kernel that does not."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPL_IGNORE_SYSTEM_FONTS", "ML2DL_LANG")}
    env |= {"MPLCONFIGDIR": str(tmp_path), "MPLBACKEND": "Agg"}
    build = run_in_repo(
        sys.executable, "-c", STALE_CACHE_PROBE, "build", env={**env, "MPL_IGNORE_SYSTEM_FONTS": "1"}
    )
    assert build.stdout.split() == ["cached:", "False"], build.stdout + build.stderr
    draw = run_in_repo(sys.executable, "-c", STALE_CACHE_PROBE, "draw", env=env)
    assert draw.stdout.splitlines() == ["cached: False", "registered: True []"], draw.stdout + draw.stderr


def test_a_missing_font_is_a_clear_error_not_boxes(monkeypatch):
    """No NanumGothic in matplotlib's font cache nor among the system's font files."""
    plots.use_language("en")
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if not f.name.startswith("Nanum")])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *args, **kwargs: [])
    before = dict(plt.rcParams)
    with pytest.raises(RuntimeError, match="NanumGothic") as err:
        plots.use_language("ko")
    assert "sudo apt-get install fonts-nanum" in str(err.value) and "binder/apt.txt" in str(err.value)
    assert dict(plt.rcParams) == before, "a failed switch must leave the style as it was"


def test_an_unknown_language_names_the_known_ones():
    with pytest.raises(ValueError, match=r"'kr'.*'en', 'ko'"):
        plots.use_language("kr")


def test_ml2dl_lang_selects_the_language_on_import(nanum):
    probe = "from helpers import plots; import matplotlib as m; print(m.rcParams['font.family'][0])"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    korean = run_in_repo(sys.executable, "-c", probe, env={**env, "ML2DL_LANG": "ko"})
    assert korean.returncode == 0 and korean.stdout.split() == ["NanumGothic"], korean.stderr
    wrong = run_in_repo(sys.executable, "-c", probe, env={**env, "ML2DL_LANG": "kr"})
    assert wrong.returncode != 0 and "ValueError: unknown language 'kr'" in wrong.stderr


def test_every_setup_installs_the_font():
    """Binder (repo2docker reads binder/apt.txt) and CI (.ci/run) install fonts-nanum; the README
    says so."""
    assert "fonts-nanum" in (REPO_ROOT / "binder" / "apt.txt").read_text().split()
    assert "apt-get install -y -q fonts-nanum" in (REPO_ROOT / ".ci" / "run").read_text()
    assert "fonts-nanum" in (REPO_ROOT / "README.md").read_text()


def test_the_course_plots_label_their_axes_in_korean(nanum):
    """helpers.plots' own labels (axes, legends, titles) follow the language: Korean from
    exercise_data/i18n/ko.json, drawn without a missing glyph; English again after use_language("en")."""
    with font_complaints() as messages:
        ax = plots.plot_cost_history([3.0, 2.0, 1.5], label="α = 0.01")
        fig = plots.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, metrics=("loss",))
        cm = plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], class_names=["고양이", "개"])
        for figure in (ax.figure, fig, cm.figure):
            figure.savefig(io.BytesIO(), format="png", dpi=40)
    assert not [m for m in messages if COMPLAINT.search(m)], messages
    assert (ax.get_xlabel(), ax.get_ylabel()) == (plots.text("iteration"), plots.text("cost"))
    assert re.search("[가-힣]", ax.get_xlabel()) and re.search("[가-힣]", cm.get_title())
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["훈련 loss", "검증 loss"]
    plots.use_language("en")
    assert plots.plot_cost_history([1.0]).get_xlabel() == "iteration"
