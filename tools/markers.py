"""Generated text inside a hand-written file: the part between a begin and an end marker.

README.md (syllabus and result tables, the exercise list, the classroom capacity table, the Binder
badge) and classroom/z2jh-config.yaml (per-student limits) hold text that a tool writes.  Each such
part sits between two marker lines, e.g. ``<!-- generated:syllabus:begin -->`` and
``<!-- generated:syllabus:end -->``; the tool rewrites what lies between them and leaves the rest of
the file as it is.  This module is the one place that finds and replaces such a part.
"""

from __future__ import annotations


class MarkerError(ValueError):
    """A file lacks a marker, has one twice, or has them in the wrong order."""


def html_markers(name: str) -> tuple[str, str]:
    """The Markdown (HTML comment) markers of the generated part ``name``."""
    return f"<!-- generated:{name}:begin -->", f"<!-- generated:{name}:end -->"


def span(text: str, begin: str, end: str, where: str = "the file") -> tuple[int, int]:
    """Start and end offsets of the text between ``begin`` and ``end`` (each must occur once, in
    that order); ``where`` names the file in the error."""
    for marker in (begin, end):
        count = text.count(marker)
        if count != 1:
            problem = "lacks" if count == 0 else f"has {count} copies of"
            raise MarkerError(
                f"{where} {problem} the marker {marker.strip()}: it needs one begin and one end marker "
                "around the generated part (restore them from git, e.g. git checkout -p)"
            )
    start, stop = text.index(begin) + len(begin), text.index(end)
    if stop < start:
        raise MarkerError(f"{where} has {end.strip()} before {begin.strip()}: swap them back")
    return start, stop


def replace_between(text: str, begin: str, end: str, body: str, where: str = "the file") -> str:
    """``text`` with ``body`` between the markers instead of what was there (the rest unchanged)."""
    start, stop = span(text, begin, end, where)
    return text[:start] + body + text[stop:]
