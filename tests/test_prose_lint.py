"""tools.prose.unbacked_sentences: every number in a notebook's prose is rendered from the results,
cites a lecture slide, is a setting of the notebook's code, or is structure (the rule: its docstring)."""

from __future__ import annotations

import nbformat
import pytest

from tools import course, prose

MEASURED = "The network reaches 99.3 % test accuracy."


@pytest.mark.parametrize("notebook", course.paths())
def test_every_number_in_the_prose_is_backed(notebook):
    unbacked = prose.unbacked_sentences(notebook)
    assert not unbacked, "numbers nothing backs (a span, a slide, a code setting):\n" + "\n".join(unbacked)


def lint(tmp_path, *markdown: str, code: str = "BATCH_SIZE = 100\nmodel.fit(x, y, epochs=12)"):
    """The lint's findings on a notebook with one code cell and the given markdown cells."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)] + [nbformat.v4.new_markdown_cell(m) for m in markdown]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    return prose.unbacked_sentences(path)


@pytest.mark.parametrize(
    "sentence, flagged",
    [
        (MEASURED, "99.3"),  # a typed measured number
        ("The network reaches <!-- metric: full | acc | .1% -->99.3%<!-- /metric --> test accuracy.", None),
        ("The network reaches 99.3 % test accuracy (deck 002, slide 41).", None),
        ("The lecture's CNN reaches 100 % (deck 002, slides 41 and 43).", None),
        ('MNIST has 60,000 training images (deck 000, "MNIST Database").', None),
        ("The network reaches 99.3 % test accuracy (slide 41).", "a slide without its deck"),
        ("We train with batch size 100 for 12 epochs.", None),  # settings of the code
        ("A batch of 100 takes 12 s.", "12"),  # a code literal is not a run time
        ("Dropout 50 % keeps half.", "50"),  # 0.5 is not in this code
        ("The bound is $0.71^{19}$ and `fit(epochs=30)` runs.", None),  # math and code
        ("## 3.2 Day 2, Exercise 4: section 5 of `day2/xor.ipynb` (Kingma & Ba, 2014)", None),
        ("1. first item\n2. second item", None),  # list numbering
        ("It takes several times longer.", None),  # a rewording without a number
    ],
)
def test_the_rule_by_mutation(tmp_path, sentence, flagged):
    found = lint(tmp_path, sentence)
    if flagged is None:
        assert found == []
    else:
        assert len(found) == 1 and f"x.ipynb, cell 2: {flagged} in " in found[0], found


def test_a_percentage_matches_its_fraction_in_the_code(tmp_path):
    assert lint(tmp_path, "Dropout 50 % keeps half.", code="Dropout(0.5)") == []


def test_each_offending_sentence_is_named_once_with_its_cell(tmp_path):
    found = lint(tmp_path, "Intro with 12 epochs. " + MEASURED + " It took 3 min.", "Fine.", MEASURED)
    assert [line.split("/")[-1] for line in found] == [
        f'x.ipynb, cell 2: 99.3 in "{MEASURED}"',
        'x.ipynb, cell 2: 3 in "It took 3 min."',
        f'x.ipynb, cell 4: 99.3 in "{MEASURED}"',
    ]


def test_a_span_in_a_course_notebook_removed_is_flagged(tmp_path):
    """A real notebook: replacing one span by the number it renders makes the lint fail."""
    text = (course.NOTEBOOKS_DIR / "day3/cnn_mnist.ipynb").read_text(encoding="utf-8")
    span = prose.SPAN.search(text)
    assert span, "cnn_mnist states a measured number through a span"
    path = tmp_path / "cnn_mnist.ipynb"
    path.write_text(text.replace(span[0], span["text"], 1), encoding="utf-8")
    assert prose.unbacked_sentences(path) != []
