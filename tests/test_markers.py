"""tools/markers.py: the one function that rewrites the generated part between two markers."""

import pytest

from tools.markers import MarkerError, html_markers, replace_between

BEGIN, END = html_markers("x")


def test_only_the_part_between_the_markers_changes():
    text = f"head\n{BEGIN}\nold\n{END}\ntail\n"
    assert replace_between(text, BEGIN, END, "\nnew\n") == f"head\n{BEGIN}\nnew\n{END}\ntail\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{BEGIN}\nold\n", "lacks the marker <!-- generated:x:end -->"),
        (f"{BEGIN}{BEGIN}{END}", "has 2 copies of the marker <!-- generated:x:begin -->"),
        (f"{END}old{BEGIN}", "has <!-- generated:x:end --> before <!-- generated:x:begin -->"),
    ],
)
def test_a_missing_doubled_or_swapped_marker_is_named(text, message):
    with pytest.raises(MarkerError, match=message) as info:
        replace_between(text, BEGIN, END, "new", where="README.md")
    assert str(info.value).startswith("README.md ")
